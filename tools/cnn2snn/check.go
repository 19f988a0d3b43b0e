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
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram/fromcore"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// Exit statuses of `cnn2snn check`.
const (
	checkCompatible   = 0
	checkError        = 1 // unreadable files, bad options, usage
	checkIncompatible = 2
)

// runCheck reports whether a Keras model converts to Akida: every problem
// with cnn2snn's message and rule, and the Akida layer each Keras layer
// goes to; for a float model without --target, both targets' verdicts. It
// exits 0 when the model converts, 2 when it does not, 1 on error.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print the report as JSON")
	var dot dotFlag
	fl.Var(&dot, "dot", dotUsage)
	cf := addConversionFlags(fl)
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: cnn2snn check [--json] [--dot[=FILE]] [--input-scaling A,B] [--input-is-image=false] [--quantize W,A,I] [--calibration X.npy] [--target v1|v2] FILE [FILE...]")
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
	if dot.conflicts(*asJSON, stderr) {
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
	switch {
	case dot.set && !dot.write(fromcore.Report(r.Keras, r.Blocks, r.Diagnostics), stdout, stderr):
		return checkError
	case dot.toStdout():
	case *asJSON:
		if err := writeJSON(stdout, r); err != nil {
			fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
			return checkError
		}
	default:
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
	if r.TargetReason != "" {
		fmt.Fprintf(w, "target chosen: %s\n", r.TargetReason)
	}
	printVerdicts(w, r)
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
			extension := ""
			if d.Extension {
				extension = " (extension: cnn2snn would report it once the problems before it are fixed)"
			}
			fmt.Fprintf(w, "  %s: %s [%s]%s\n", layer, d.Message, d.Rule, extension)
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

// printVerdicts prints each target's verdict on a float model side by
// side, with the problems of the targets the report is not about.
func printVerdicts(w io.Writer, r *core.CheckReport) {
	if len(r.Verdicts) < 2 {
		return
	}
	names := map[string]string{"v1": "Akida 1.0", "v2": "Akida 2.0"}
	fmt.Fprintln(w, "verdicts:")
	for _, v := range r.Verdicts {
		verdict := "compatible"
		if !v.Compatible {
			verdict = fmt.Sprintf("not compatible, %d problem%s", len(v.Diagnostics), plural(len(v.Diagnostics)))
		}
		fmt.Fprintf(w, "  %s (--target %s): %s\n", names[v.Target], v.Target, verdict)
		if v.Target == r.Target {
			continue // its problems follow
		}
		for _, d := range v.Diagnostics {
			layer := d.Layer
			if layer == "" {
				layer = "model"
			}
			fmt.Fprintf(w, "    %s: %s [%s]\n", layer, d.Message, d.Rule)
		}
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
		from := strings.Join(layers, ", ")
		if len(layers) == 0 {
			from = "(added by the converter, no Keras layer)"
		}
		fmt.Fprintf(w, "  %s  %s  %s%s  ← %s\n", b.AkidaLayer, typ, shape, bits, from)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// conversionFlags are the options check, convert and verify share: one
// flag per entry of core.OptionTable, remembered only when given (the
// table's parser reads it, so the CLI, the JavaScript API and the Worker
// accept the same values).
type conversionFlags struct {
	values map[string]*optionFlag
}

// optionFlag is one option's flag: its text, and whether it was given.
type optionFlag struct {
	opt   core.Option
	value string
	set   bool
}

func (f *optionFlag) String() string     { return f.value }
func (f *optionFlag) IsBoolFlag() bool   { return f.opt.Bool }
func (f *optionFlag) Set(s string) error { f.value, f.set = s, true; return nil }

// addConversionFlags adds the table's options as flags (akida-version
// aside: the CLI writes the version it reads or the default).
func addConversionFlags(fl *flag.FlagSet) *conversionFlags {
	c := &conversionFlags{values: map[string]*optionFlag{}}
	for _, opt := range core.OptionTable() {
		if opt.Name == "akida-version" {
			continue
		}
		f := &optionFlag{opt: opt}
		c.values[opt.Name] = f
		fl.Var(f, opt.Name, opt.Form+": "+opt.Doc)
	}
	return c
}

// options turns the given flags into facade options: the table parses each
// value (its form); the facade checks the values (a positive scale, the bit
// widths of the target). A file option's path is read first.
func (c *conversionFlags) options() (core.Options, error) {
	var o core.Options
	for _, opt := range core.OptionTable() {
		f := c.values[opt.Name]
		if f == nil || !f.set {
			continue
		}
		var err error
		if opt.File {
			data, readErr := os.ReadFile(f.value)
			if readErr != nil {
				return o, fmt.Errorf("%s: cannot read the %s file: %s", f.value, opt.Name, readError(readErr))
			}
			err = opt.SetFile(&o, data)
		} else {
			err = opt.SetText(&o, f.value)
		}
		if err != nil {
			return o, fmt.Errorf("--%s %s: %v", opt.Name, f.value, err)
		}
	}
	return o, nil
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
