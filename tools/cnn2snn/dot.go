package main

import (
	"fmt"
	"io"
	"os"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram/fromcore"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// dotFlag is the --dot option of inspect and check: `--dot` writes the
// model's diagram as Graphviz DOT to standard output in place of the
// report; `--dot=FILE` writes it to FILE and prints the report as usual.
type dotFlag struct {
	set  bool
	path string // "" or "-": standard output
}

func (f *dotFlag) String() string   { return f.path }
func (f *dotFlag) IsBoolFlag() bool { return true }

// Set takes "true" for a bare --dot (the flag package passes it), "false"
// for --dot=false, and a file name otherwise.
func (f *dotFlag) Set(s string) error {
	switch s {
	case "true":
		f.set, f.path = true, ""
	case "false":
		f.set, f.path = false, ""
	default:
		f.set, f.path = true, s
	}
	return nil
}

const dotUsage = "write the diagram as Graphviz DOT (dot -Tsvg draws it): --dot to standard output instead of the report, --dot=FILE to FILE"

// conflicts reports --dot to standard output given with --json, which
// writes there too; it returns true after printing the error.
func (f *dotFlag) conflicts(asJSON bool, stderr io.Writer) bool {
	if asJSON && f.toStdout() {
		fmt.Fprintln(stderr, "cnn2snn: --json and --dot both write to standard output: give the DOT a file with --dot=FILE")
		return true
	}
	return false
}

// toStdout tells whether the DOT replaces the report on standard output.
func (f *dotFlag) toStdout() bool { return f.set && (f.path == "" || f.path == "-") }

// writeModel writes the diagram of a Keras model alone (inspect).
func (f *dotFlag) writeModel(m *keras.Model, stdout, stderr io.Writer) bool {
	return f.write(fromcore.Report(m.InspectReport(), nil, nil), stdout, stderr)
}

// write draws the report's diagram and writes its DOT where the flag says;
// it returns false after printing the error.
func (f *dotFlag) write(r diagram.Report, stdout, stderr io.Writer) bool {
	d, err := diagram.Keras(r, diagram.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
		return false
	}
	if f.toStdout() {
		if _, err := stdout.Write(d.DOT()); err != nil {
			fmt.Fprintf(stderr, "cnn2snn: %v\n", err)
			return false
		}
		return true
	}
	if err := os.WriteFile(f.path, d.DOT(), 0o644); err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: cannot write the DOT file: %s\n", f.path, readError(err))
		return false
	}
	return true
}
