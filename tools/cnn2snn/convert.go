package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

// runConvert writes an Akida .fbz file. An .fbz input is re-encoded into
// the key/value generation (reencodeFBZ); converting Keras models is not
// wired in yet.
func runConvert(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("convert", flag.ContinueOnError)
	fl.SetOutput(stderr)
	out := fl.String("o", "", "output file (default for FILE.fbz: FILE.kv.fbz beside it)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: cnn2snn convert FILE.fbz [-o OUT.fbz]")
		fmt.Fprintln(stderr, "\nRe-encodes any readable Akida .fbz file (legacy or key/value) into the\nkey/value format that akida ≥ 2.3 writes.")
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
	if !strings.EqualFold(filepath.Ext(files[0]), ".fbz") {
		fmt.Fprintln(stderr, "cnn2snn: converting Keras models is not available yet")
		return 1
	}
	return reencodeFBZ(files[0], *out, stdout, stderr)
}

// reencodeFBZ decodes an .fbz file and writes it again in the key/value
// generation. Without an output name it writes FILE.kv.fbz beside the
// input; it never overwrites the input.
func reencodeFBZ(in, out string, stdout, stderr io.Writer) int {
	if out == "" {
		out = strings.TrimSuffix(in, filepath.Ext(in)) + ".kv.fbz"
	}
	if sameFile(in, out) {
		fmt.Fprintf(stderr, "cnn2snn: %s: the output would overwrite the input: choose another name with -o\n", in)
		return 1
	}
	m, err := readFBZ(in)
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: %v\n", in, err)
		return 1
	}
	data, err := fbz.Encode(m, fbz.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: %v\n", in, err)
		return 1
	}
	for _, w := range fbz.NotWritten(m) {
		fmt.Fprintf(stderr, "cnn2snn: warning: %s: %s\n", in, w)
	}
	warnUnverified(stderr, in, m)
	if err := os.WriteFile(out, data, 0o644); err != nil {
		fmt.Fprintf(stderr, "cnn2snn: %s: cannot write the output: %v\n", out, err)
		return 1
	}
	version := m.Version
	if version == "" {
		version = fbz.DefaultVersion
	}
	fmt.Fprintf(stdout, "wrote %s: %d layers, key/value format, version %s, %d bytes\n", out, len(m.Layers), version, len(data))
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
