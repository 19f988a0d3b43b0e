package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// runInspect prints a Keras-style summary of a model, or its JSON report
// with --json. The report itself is built by core/keras, so the wasm API
// and the worker print the same figures.
func runInspect(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print the report as JSON")
	var dot dotFlag
	fl.Var(&dot, "dot", dotUsage)
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: cnn2snn inspect [--json] [--dot[=FILE]] FILE [FILE...]")
		fmt.Fprintln(stderr, "\nFILE is a Keras .h5 or .keras model, a weights .h5 with its model .json,\nor a TF.js model.json with its .bin files.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return 2
	}
	if dot.conflicts(*asJSON, stderr) {
		return 2
	}
	files, err := readInputFiles(fl.Args())
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
		return 1
	}
	if core.DetectKind(files) == core.KindFBZ { // by content, as every front end tells it
		fmt.Fprintf(stderr, "cnn2snn: %s: %s\n", strings.Join(fl.Args(), ", "), keras.ErrAkidaModel)
		return 1
	}
	m, err := keras.Load(files)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: %s\n", errorFile(err, fl.Args()), err)
		return 1
	}
	if dot.set {
		if !dot.writeModel(m, stdout, stderr) {
			return 1
		}
		if dot.toStdout() {
			return 0
		}
	}
	report := m.InspectReport()
	for _, w := range report.Warnings {
		fmt.Fprintf(stderr, "cnn2snn: warning: %s\n", w)
	}
	if *asJSON {
		b, err := json.MarshalIndent(report, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "cnn2snn: %s: %v\n", strings.Join(fl.Args(), ", "), err)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	io.WriteString(stdout, summaryText(m, report))
	return 0
}

// readError drops the path from an os error (it is printed already).
func readError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// errorFile names the file an error is about: the one the error names,
// else the only argument, else all of them.
func errorFile(err error, paths []string) string {
	name := ""
	var fe *keras.FormatError
	var ue *keras.UnsupportedError
	switch {
	case errors.As(err, &fe):
		name = fe.File
	case errors.As(err, &ue):
		name = ue.File
	}
	for _, p := range paths {
		if name != "" && filepath.Base(p) == name {
			return p
		}
	}
	if len(paths) == 1 {
		return paths[0]
	}
	return strings.Join(paths, ", ")
}

// summaryText lays out the report as Keras' model.summary() does: one row
// per layer with "name (Class)", the output shape with None for the batch,
// and the parameter count.
func summaryText(m *keras.Model, r *keras.InspectReport) string {
	rows := make([][3]string, len(r.Layers))
	widths := [3]int{len("Layer (type)"), len("Output Shape"), len("Param #")}
	for i, l := range r.Layers {
		rows[i] = [3]string{l.Name + " (" + l.ClassName + ")", keras.Shape(l.OutputShape).String(), fmt.Sprint(l.Params)}
		for c := range widths {
			widths[c] = max(widths[c], len(rows[i][c]))
		}
	}
	total := widths[0] + widths[1] + widths[2] + 4
	var b strings.Builder
	version := r.KerasVersion
	if version == "" {
		version = "unknown"
	}
	name := fmt.Sprintf("%q", r.Name)
	if r.Name == "" {
		name = "(unnamed)" // Keras 2.0 Sequential configs have no name
	}
	fmt.Fprintf(&b, "Model: %s (%s, %s, Keras %s)\n", name, m.Class, r.Format, version)
	line := func(c byte) { b.WriteString(strings.Repeat(string(c), total) + "\n") }
	row := func(cols [3]string) {
		fmt.Fprintf(&b, "%-*s  %-*s  %*s\n", widths[0], cols[0], widths[1], cols[1], widths[2], cols[2])
	}
	line('_')
	row([3]string{"Layer (type)", "Output Shape", "Param #"})
	line('=')
	for _, cols := range rows {
		row(cols)
	}
	line('=')
	fmt.Fprintf(&b, "Total params: %d\n", r.TotalParams)
	line('_')
	return b.String()
}
