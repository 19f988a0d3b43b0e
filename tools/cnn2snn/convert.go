package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

// runConvert writes an Akida .fbz file: from a Keras model (convertKeras),
// or, for an .fbz input, by re-encoding it into the key/value generation
// (reencodeFBZ).
func runConvert(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("convert", flag.ContinueOnError)
	fl.SetOutput(stderr)
	out := fl.String("o", "", "output file (default: the model file's name with .fbz beside it; for FILE.fbz: FILE.kv.fbz)")
	var models fileList
	fl.Var(&models, "m", "model file; repeat it for a weights .h5 with its .json, or a TF.js model.json with its .bin files")
	asJSON := fl.Bool("json", false, "print the report as JSON")
	cf := addConversionFlags(fl)
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: cnn2snn convert -m FILE [-m FILE…] [-o OUT.fbz] [--input-scaling A,B] [--input-is-image=false] [--quantize W,A,I] [--calibration X.npy] [--target v1|v2] [--json]")
		fmt.Fprintln(stderr, "       cnn2snn convert FILE.fbz [-o OUT.fbz]")
		fmt.Fprintln(stderr, "\nConverts a Keras model into an Akida .fbz model, as cnn2snn convert does: a model\nquantized with quantizeml into Akida 2.0 layers, one quantized with cnn2snn into Akida\n1.0 layers; a float model is quantized first, for --target or for Akida 1.0 when it\naccepts the model, else Akida 2.0. An .fbz input is re-encoded into the\nkey/value format that akida ≥ 2.3 writes.")
		fl.PrintDefaults()
	}
	positional, err := parseInterspersed(fl, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	paths := append(models, positional...)
	if len(paths) == 0 {
		fl.Usage()
		return 2
	}
	files, err := readInputFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
		return 1
	}
	// One detection for every front end: an Akida model is told by its
	// content, with or without the .fbz extension.
	if core.DetectKind(files) == core.KindFBZ {
		return reencodeFBZ(paths[0], files[0].Data, *out, stdout, stderr)
	}
	return convertKeras(paths, files, *out, *asJSON, cf, stdout, stderr)
}

// fileList is a repeatable -m flag.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(s string) error { *f = append(*f, s); return nil }

// convertKeras converts a Keras model with the facade and writes the .fbz.
// A model that does not convert prints cnn2snn's error (its first problem)
// and exits 1; with --json the report with every problem goes to stdout.
func convertKeras(paths []string, files []core.File, out string, asJSON bool, cf *conversionFlags, stdout, stderr io.Writer) int {
	o, err := cf.options()
	if err == nil {
		err = core.ValidateOptions(o)
	}
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
		return 1
	}
	res, err := core.Convert(files, o)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: %s\n", errorFile(err, paths), err)
		var me *core.ModelError
		if errors.As(err, &me) {
			if n := len(me.Report.Diagnostics); n > 1 {
				fmt.Fprintf(stderr, "cnn2snn: %d problems in all; run 'cnn2snn check %s' to see each with its fix\n", n, strings.Join(paths, " "))
			}
			if asJSON {
				writeJSON(stdout, me.Report)
			}
		}
		return 1
	}
	path, err := outputPath(out, paths[0], res)
	if err == nil {
		err = writeOutput(path, res.FBZ, paths)
	}
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
		return 1
	}
	for _, w := range res.Report.Warnings {
		fmt.Fprintf(stderr, "cnn2snn: warning: %s: %s\n", paths[0], w)
	}
	if asJSON {
		if err := writeJSON(stdout, struct {
			Output string `json:"output"`
			*core.ConvertResult
		}{path, res}); err != nil {
			fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
			return 1
		}
		return 0
	}
	r := res.Report
	fmt.Fprintf(stdout, "wrote %s: %d Akida layers, %d weights, %d bytes (akida %s)\n", path, r.Layers, r.Weights, r.FBZBytes, r.AkidaVersion)
	printBlocks(stdout, r.Blocks)
	printQuantization(stdout, r.Quantization)
	return 0
}

// outputPath is cnn2snn's convert(file_path=…) rule: no -o, the model
// file's name with .fbz beside it; a path ending with a separator, the
// Keras model's name + .fbz in that folder; a name without extension gets
// .fbz.
func outputPath(out, firstInput string, res *core.ConvertResult) (string, error) {
	switch {
	case out == "":
		return filepath.Join(filepath.Dir(firstInput), res.FileName), nil
	case strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator)):
		return filepath.Join(out, res.Report.Model+".fbz"), nil
	case filepath.Ext(out) == "":
		return out + ".fbz", nil
	}
	return out, nil
}

// writeOutput writes the .fbz, creating missing folders as cnn2snn does,
// and never over one of the input files.
func writeOutput(path string, data []byte, inputs []string) error {
	for _, in := range inputs {
		if sameFile(in, path) {
			return fmt.Errorf("%s: the output would overwrite the input: choose another name with -o", in)
		}
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("%s: cannot create the folder: %s", dir, readError(err))
		}
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("%s: cannot write the output: %s", path, readError(err))
	}
	return nil
}

// reencodeFBZ decodes an .fbz file and writes it again in the key/value
// generation. Without an output name it writes FILE.kv.fbz beside the
// input; like a conversion's output (writeOutput), it never overwrites the
// input and creates missing folders.
func reencodeFBZ(in string, data []byte, out string, stdout, stderr io.Writer) int {
	if out == "" {
		out = strings.TrimSuffix(in, filepath.Ext(in)) + ".kv.fbz"
	}
	m, err := fbz.Decode(data)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: %v\n", in, err)
		return 1
	}
	encoded, err := fbz.Encode(m, fbz.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: %v\n", in, err)
		return 1
	}
	if err := writeOutput(out, encoded, []string{in}); err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
		return 1
	}
	for _, w := range fbz.NotWritten(m) {
		fmt.Fprintf(stderr, "cnn2snn: warning: %s: %s\n", in, w)
	}
	warnUnverified(stderr, in, m)
	fmt.Fprintf(stdout, "wrote %s: %d layers, key/value format, version %s, %d bytes\n", out, len(m.Layers), fbz.Options{}.VersionFor(m), len(encoded))
	return 0
}

// sameFile reports whether two paths name the same file (also through
// links), or the same path when the output does not exist yet.
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	absA, _ := filepath.Abs(a)
	absB, _ := filepath.Abs(b)
	return absA == absB
}
