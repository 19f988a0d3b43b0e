package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// Exit statuses of `cnn2snn check`.
const (
	checkCompatible   = 0
	checkError        = 1 // unreadable files, bad options, usage
	checkIncompatible = 2
)

// runCheck reports whether a Keras model converts to Akida 1.0: every
// problem with cnn2snn's message and rule, and the Akida layer each Keras
// layer goes to. It exits 0 when the model converts, 2 when it does not,
// 1 on error.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print the report as JSON")
	cf := addConversionFlags(fl)
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: cnn2snn check [--json] [--input-scaling A,B] [--input-is-image=false] [--quantize W,A,I] [--calibration X.npy] [--target v1] FILE [FILE...]")
		fmt.Fprintln(stderr, "\nFILE is a Keras .h5 or .keras model, a weights .h5 with its model .json,\nor a TF.js model.json with its .bin files.\nExit status: 0 compatible, 2 not compatible, 1 error.")
		fl.PrintDefaults()
	}
	paths, err := parseInterspersed(fl, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return checkError
	}
	if len(paths) == 0 {
		fl.Usage()
		return checkError
	}
	o, err := cf.options()
	if err == nil {
		err = core.ValidateOptions(o)
	}
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
		return checkError
	}
	files, err := readInputFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
		return checkError
	}
	r, err := core.Check(files, o)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: %s\n", errorFile(err, paths), err)
		return checkError
	}
	if *asJSON {
		if err := writeJSON(stdout, r); err != nil {
			fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
			return checkError
		}
	} else {
		printCheckReport(stdout, r)
	}
	if !r.Compatible {
		return checkIncompatible
	}
	return checkCompatible
}

// printCheckReport prints the verdict, the Akida layers with their Keras
// layers, the problems and the rules they break.
func printCheckReport(w io.Writer, r *core.CheckReport) {
	verdict := "compatible"
	if !r.Compatible {
		verdict = fmt.Sprintf("not compatible, %d problem%s", len(r.Diagnostics), plural(len(r.Diagnostics)))
	}
	fmt.Fprintf(w, "model %q (%s), target %s: %s\n", r.Model, r.Origin, r.Target, verdict)
	if s := r.InputScaling; s != nil {
		from := s.Source
		if s.Layer != "" {
			from += " layer " + strconv.Quote(s.Layer)
		}
		fmt.Fprintf(w, "input scaling: Akida input = %g × Keras input + %g (%s)\n", s.Scale, s.Shift+0, from) // +0: no "-0"
	}
	printBlocks(w, r.Blocks)
	if len(r.Diagnostics) > 0 {
		fmt.Fprintln(w, "\nproblems:")
		var rules []string
		for _, d := range r.Diagnostics {
			layer := d.Layer
			if layer == "" {
				layer = "model"
			}
			fmt.Fprintf(w, "  %s: %s [%s]\n", layer, d.Message, d.Rule)
			if !slices.Contains(rules, d.Rule) {
				rules = append(rules, d.Rule)
			}
		}
		fmt.Fprintln(w, "\nrules:")
		for _, rule := range rules {
			fmt.Fprintf(w, "  %s: %s\n", rule, r.Rules[rule])
		}
	}
	printQuantization(w, r.Quantization)
	for _, warning := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warning)
	}
}

// printQuantization says what the quantization of a float model did, one
// line per action (nothing for a model that was already quantized).
func printQuantization(w io.Writer, q *quantize.Report) {
	if q == nil {
		return
	}
	fmt.Fprintf(w, "\nquantization (%d-bit weights, %d-bit activations, %d-bit input weights):\n", q.Bits.Weights, q.Bits.Activations, q.Bits.InputWeights)
	for _, line := range strings.Split(strings.TrimSuffix(q.Text(), "\n"), "\n") {
		if line != "" {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
}

// printBlocks prints one line per Akida layer: name, type, output shape,
// bit widths, and its Keras layers (those with problems marked with *).
func printBlocks(w io.Writer, blocks []compat.Block) {
	if len(blocks) == 0 {
		return
	}
	fmt.Fprintln(w, "\nAkida layers (← Keras layers, * = has problems):")
	for _, b := range blocks {
		typ := b.AkidaType
		if typ == "" {
			typ = "(no Akida layer)"
		}
		shape := "?"
		if len(b.OutputShape) == 3 {
			shape = fmt.Sprintf("[%d, %d, %d]", b.OutputShape[0], b.OutputShape[1], b.OutputShape[2])
		}
		bits := ""
		if b.WeightBits > 0 {
			bits += fmt.Sprintf(" w%d", b.WeightBits)
		}
		if b.ActivationBits > 0 {
			bits += fmt.Sprintf(" a%d", b.ActivationBits)
		}
		layers := make([]string, len(b.KerasLayers))
		for i, name := range b.KerasLayers {
			layers[i] = name
			if slices.Contains(b.Incompatible, name) {
				layers[i] += "*"
			}
		}
		fmt.Fprintf(w, "  %s  %s  %s%s  ← %s\n", b.AkidaLayer, typ, shape, bits, strings.Join(layers, ", "))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// conversionFlags are the options check and convert share.
type conversionFlags struct {
	inputScaling optionalPair
	inputIsImage optionalBool
	quantize     string
	target       string
	calibration  string
}

func addConversionFlags(fl *flag.FlagSet) *conversionFlags {
	c := &conversionFlags{}
	fl.Var(&c.inputScaling, "input-scaling", "A,B: Akida input = A × Keras input + B (default: from a leading Rescaling layer, else 1,0)")
	fl.Var(&c.inputIsImage, "input-is-image", "false: feed the first layer from an InputData layer even for 1 or 3-channel inputs (cnn2snn 2.3.7's input_is_image)")
	fl.StringVar(&c.quantize, "quantize", "", "W,A,I: bit widths to quantize a float model with: weights, activations, first-layer weights (default 4,4,8)")
	fl.StringVar(&c.target, "target", "v1", "Akida IP version: v1 (Akida 1.0) or v2")
	fl.StringVar(&c.calibration, "calibration", "", "X.npy: a batch of model inputs (batch first) on which the quantizer calibrates unbounded ReLUs (default: 16 seeded inputs)")
	return c
}

// options turns the flags into facade options (the facade checks the
// values: non-positive scale, bit widths, target).
func (c *conversionFlags) options() (core.Options, error) {
	o := core.Options{Target: c.target}
	if c.inputScaling.set {
		p := c.inputScaling.value
		o.InputScaling = &p
	}
	if c.inputIsImage.set {
		b := c.inputIsImage.value
		o.InputIsImage = &b
	}
	if c.quantize != "" {
		v, err := parseInts(c.quantize, 3)
		if err != nil {
			return o, fmt.Errorf("--quantize %s: want three bit widths W,A,I (weights, activations, first-layer weights), e.g. --quantize 4,4,8", c.quantize)
		}
		o.Quantize = core.QuantizeOptions{Weights: v[0], Activations: v[1], InputWeights: v[2]}
	}
	if c.calibration != "" {
		data, err := os.ReadFile(c.calibration)
		if err != nil {
			return o, fmt.Errorf("%s: cannot read the calibration file: %s", c.calibration, readError(err))
		}
		o.Calibration = data
	}
	return o, nil
}

func parseInts(s string, n int) ([]int, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, errors.New("wrong count")
	}
	out := make([]int, n)
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// optionalPair is a flag "A,B" that remembers whether it was given.
type optionalPair struct {
	value [2]float64
	set   bool
}

func (p *optionalPair) String() string {
	if !p.set {
		return ""
	}
	return fmt.Sprintf("%g,%g", p.value[0], p.value[1])
}

func (p *optionalPair) Set(s string) error {
	parts := strings.Split(s, ",")
	if len(parts) == 2 {
		a, errA := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
		b, errB := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
		if errA == nil && errB == nil {
			p.value, p.set = [2]float64{a, b}, true
			return nil
		}
	}
	return fmt.Errorf("want two numbers A,B such that the Akida input is A × Keras input + B, e.g. 255,0")
}

// optionalBool is a boolean flag that remembers whether it was given.
type optionalBool struct {
	value, set bool
}

func (b *optionalBool) String() string   { return strconv.FormatBool(b.value) }
func (b *optionalBool) IsBoolFlag() bool { return true }
func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	b.value, b.set = v, true
	return nil
}

// readInputFiles reads the model files, named by their base names.
func readInputFiles(paths []string) ([]core.File, error) {
	files := make([]core.File, 0, len(paths))
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot read the file: %s", path, readError(err))
		}
		files = append(files, core.File{Name: filepath.Base(path), Data: data})
	}
	return files, nil
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
