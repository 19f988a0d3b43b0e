package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

// runSummary prints akida's Model.summary() text of an .fbz file, or the
// model's JSON description (core/akida's ModelJSON) with --json.
func runSummary(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("summary", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print the model as JSON (layers, parameters, variable shapes) instead of the summary text")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: cnn2snn summary [--json] FILE.fbz")
		fmt.Fprintln(stderr, "\nPrints the summary akida's Model.summary() shows for an Akida model file.")
		fl.PrintDefaults()
	}
	files, err := parseInterspersed(fl, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(files) != 1 {
		fl.Usage()
		return 2
	}
	path := files[0]
	m, err := readFBZ(path)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: %v\n", path, err)
		return 1
	}
	warnUnverified(stderr, path, m)
	if *asJSON {
		b, err := json.MarshalIndent(m.JSON(), "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "cnn2snn: %s: %v\n", path, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	io.WriteString(stdout, m.Summary())
	return 0
}

// readFBZ reads and decodes an .fbz file.
func readFBZ(path string) (*akida.Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %s", readError(err))
	}
	return fbz.Decode(data)
}

// warnUnverified prints one warning per inferred number the model uses.
func warnUnverified(stderr io.Writer, path string, m *akida.Model) {
	for _, w := range m.Unverified() {
		fmt.Fprintf(stderr, "cnn2snn: warning: %s: %s\n", path, w)
	}
}

// parseInterspersed parses flags placed before, between or after the
// positional arguments (`cnn2snn convert FILE.fbz -o OUT.fbz`), which the
// flag package alone stops at, and returns the positional arguments.
func parseInterspersed(fl *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		if fl.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fl.Arg(0))
		args = fl.Args()[1:]
	}
}
