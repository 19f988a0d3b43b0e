package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/verify"
)

// Exit statuses of `cnn2snn verify`.
const (
	verifyProved    = 0
	verifyError     = 1 // unreadable files, bad options, a model that does not convert, usage
	verifyNotProved = 2
)

// runVerify converts a Keras model as `convert` does, then runs the
// quantized Keras model and the Akida model on seeded inputs and reports
// their agreement layer by layer (core/verify). It exits 0 when every
// Akida layer, fed the Keras levels of the layer before, satisfies the
// converter's relation (the conversion is proved), 2 when not, 1 on error.
func runVerify(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("verify", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var models fileList
	fl.Var(&models, "m", "model file; repeat it for a weights .h5 with its .json, or a TF.js model.json with its .bin files")
	samples := fl.Int("samples", verify.DefaultSamples, fmt.Sprintf("number of seeded inputs (1 to %d)", verify.MaxSamples))
	seed := fl.Uint64("seed", 1, "seed of the inputs (the same seed gives the same inputs everywhere)")
	asJSON := fl.Bool("json", false, "print the report as JSON")
	cf := addConversionFlags(fl)
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: cnn2snn verify -m FILE [-m FILE…] [--samples N] [--seed S] [--input-scaling A,B] [--input-is-image=false] [--quantize W,A,I] [--calibration X.npy] [--target v1|v2] [--json]")
		fmt.Fprintln(stderr, "\nConverts a Keras model as 'cnn2snn convert' does (nothing is written), then runs the\nquantized Keras model and the Akida model on seeded inputs and compares them layer by\nlayer: the whole models (chained), and each Akida layer alone on the Keras values of the\nlayers before it, where every value must satisfy the converter's relation (Akida 1.0) or\nevery difference must have a named cause (Akida 2.0, a quantizeml model): proved.\nExit status: 0 proved, 2 not proved, 1 error.")
		fl.PrintDefaults()
	}
	positional, err := parseInterspersed(fl, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return verifyError
	}
	paths := append(models, positional...)
	if len(paths) == 0 {
		fl.Usage()
		return verifyError
	}
	o, err := cf.options()
	if err == nil {
		err = core.ValidateOptions(o)
	}
	vo := core.VerifyOptions{Samples: *samples, Seed: *seed}
	if err == nil && *samples == 0 {
		err = fmt.Errorf("--samples 0: give at least one sample (default %d)", verify.DefaultSamples)
	}
	if err == nil {
		err = vo.Validate()
	}
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
		return verifyError
	}
	files, err := readInputFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
		return verifyError
	}
	r, err := core.Verify(files, o, vo)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: %s\n", errorFile(err, paths), err)
		var me *core.ModelError
		if errors.As(err, &me) && len(me.Report.Diagnostics) > 1 {
			fmt.Fprintf(stderr, "cnn2snn: %d problems in all; run 'cnn2snn check %s' to see each with its fix\n", len(me.Report.Diagnostics), strings.Join(paths, " "))
		}
		return verifyError
	}
	if *asJSON {
		if err := writeJSON(stdout, r); err != nil {
			fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
			return verifyError
		}
	} else if r.Target == string(akida.IPv2) {
		printVerifyReportV2(stdout, r)
	} else {
		printVerifyReport(stdout, r)
	}
	if !r.Proved {
		return verifyNotProved
	}
	return verifyProved
}

// printVerifyReport prints the inputs, the top-1 figures, one line per
// Akida layer (chained, then alone) and the verdict.
func printVerifyReport(w io.Writer, r *core.VerifyReport) {
	fmt.Fprintf(w, "model %q: %d seeded inputs (seed %d): %s\n", r.Model, r.Samples, r.Seed, r.Input.Text)
	fmt.Fprintf(w, "top-1 agreement with the quantized Keras model: %s chained, %s with the last layer alone\n", percent(r.OutputAgreement), percent(r.IsolatedOutputAgreement))
	if r.FloatTop1Agreement != nil {
		fmt.Fprintf(w, "top-1 agreement with the float Keras model: %s\n", percent(*r.FloatTop1Agreement))
	}
	fmt.Fprintln(w, "\nAkida layer ← Keras layer: chained: equal values, largest difference (in levels; in potential units for a last layer\nwithout activation) | each layer alone: equal values, boundary cases, floored fraction r")
	for _, l := range r.Layers {
		iso := l.Isolated
		verdict := ""
		switch {
		case iso.Proved:
		case iso.Unexplained > 0:
			verdict = fmt.Sprintf("  NOT PROVED: %d unexplained", iso.Unexplained)
		default:
			verdict = fmt.Sprintf("  NOT PROVED: r varies by %.3f within a neuron", iso.FloorSpread)
		}
		fmt.Fprintf(w, "  %s ← %s: chained %s, max diff %s | alone %s, %d boundary cases, r in [%.3f, %.3f]%s\n",
			l.Name, l.Keras, percent(l.Agreement), trimFloat(l.MaxLevelDiff), percent(iso.Agreement), iso.BoundaryCases,
			iso.FloorFraction[0], iso.FloorFraction[1], verdict)
	}
	fmt.Fprintf(w, "\nboundary cases (a level above Keras' where cnn2snn's floored threshold moves a level boundary): %d of %d levels (%.3f%%)\n",
		r.BoundaryCases, r.Levels, 100*r.BoundaryRate)
	for _, note := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", note)
	}
	for _, e := range r.Examples {
		fmt.Fprintf(w, "unexplained: layer %s, sample %d, position %v: Keras level %d, Akida level %d, p − T %d, Keras %.3f in potential units: %s\n",
			e.Layer, e.Sample, e.Position, e.KerasLevel, e.AkidaLevel, e.Potential, e.KerasPotential, e.Reason)
	}
	switch {
	case r.Proved:
		fmt.Fprintln(w, "proved: every Akida layer alone matches its Keras layer up to the floored threshold")
	case len(r.Clamped) > 0:
		fmt.Fprintf(w, "not proved: values of layer(s) %s were clamped to the Akida 1.0 limits (see the notes)\n", strings.Join(r.Clamped, ", "))
	case r.Unexplained > 0:
		fmt.Fprintf(w, "not proved: %d values break the converter's relation\n", r.Unexplained)
	default:
		fmt.Fprintln(w, "not proved: the floored fraction r varies within a neuron (layers marked NOT PROVED)")
	}
}

// printVerifyReportV2 prints an Akida 2.0 verification: the inputs, the
// top-1 figures, one line per Akida layer (chained, then alone with its
// differences by cause), the causes met, the notes, the unexplained
// differences and the verdict.
func printVerifyReportV2(w io.Writer, r *core.VerifyReport) {
	fmt.Fprintf(w, "model %q (Akida 2.0): %d seeded inputs (seed %d): %s\n", r.Model, r.Samples, r.Seed, r.Input.Text)
	fmt.Fprintf(w, "top-1 agreement with the quantized Keras model: %s chained, %s with the last layer alone\n", percent(r.OutputAgreement), percent(r.IsolatedOutputAgreement))
	fmt.Fprintln(w, "\nAkida layer ← Keras layer: chained: equal values, largest difference (in output integers; floats for a\nDequantizer) | each layer alone: equal values, differences by cause")
	for _, l := range r.Layers {
		iso := l.Isolated
		causes := "no differences"
		if len(iso.Causes) > 0 {
			var parts []string
			for _, c := range iso.Causes {
				parts = append(parts, fmt.Sprintf("%d %s", c.Values, c.Name))
			}
			causes = strings.Join(parts, ", ")
		}
		verdict := ""
		if !iso.Proved {
			verdict = fmt.Sprintf("  NOT PROVED: %d unexplained", iso.Unexplained)
		}
		fmt.Fprintf(w, "  %s ← %s: chained %s, max diff %s | alone %s, %s%s\n",
			l.Name, l.Keras, percent(l.Agreement), trimFloat(l.MaxLevelDiff), percent(iso.Agreement), causes, verdict)
	}
	if len(r.Causes) > 0 {
		fmt.Fprintln(w)
	}
	for _, c := range r.Causes {
		fmt.Fprintf(w, "%s: %d values: %s\n", c.Name, c.Values, c.Text)
	}
	for _, note := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", note)
	}
	for _, e := range r.Examples {
		fmt.Fprintf(w, "unexplained: layer %s, sample %d, position %v: Keras %d, Akida %d: %s\n", e.Layer, e.Sample, e.Position, e.KerasLevel, e.AkidaLevel, e.Reason)
	}
	switch {
	case !r.Proved:
		fmt.Fprintf(w, "not proved: %d values of Akida layers alone differ from their Keras layers without a named cause\n", r.Unexplained)
	case r.Explained > 0:
		fmt.Fprintf(w, "proved: every difference of an Akida layer alone from its Keras layer has a named cause (%d values)\n", r.Explained)
	default:
		fmt.Fprintln(w, "proved: every Akida layer alone gives its Keras layer's values")
	}
}

func percent(share float64) string { return fmt.Sprintf("%.2f%%", 100*share) }

// trimFloat prints a level difference without useless decimals.
func trimFloat(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.2f", v)
}
