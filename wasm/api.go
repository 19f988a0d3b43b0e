// Command wasm is the converter's JavaScript API (cnn2snn.wasm). Built with
// GOOS=js GOARCH=wasm, it installs globalThis.cnn2snn:
//
//	cnn2snn.version                 the converter's version
//	cnn2snn.inspect(input)          → Promise of the Keras model's layers
//	cnn2snn.check(input, options)   → Promise of the compatibility report
//	cnn2snn.convert(input, options) → Promise of {fbz, file_name, report}
//	cnn2snn.summary(input)          → Promise of an .fbz model's summary
//	cnn2snn.verify(input, options)  → Promise of the verification report
//
// input is a Uint8Array or an array of {name, bytes} (a weights .h5 with its
// .json, a TF.js model.json with its .bin shards). The reports are the
// core package's, in their JSON form (the shapes of `cnn2snn … --json`);
// fbz is a Uint8Array. Every error, and any panic, rejects the Promise with
// an Error carrying the user-facing message; a model that does not convert
// rejects convert with an Error whose report property is its check report
// (every diagnostic, the blocks).
//
// The page runs this binary in a Web Worker (web/cnn2snn.js) and talks to it
// through a proxy with the same API, so conversion never blocks the page.
package main

import (
	"errors"
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
)

// A reply is what a call resolves to: value becomes a plain JavaScript
// object (through its JSON form) and each entry of bytes a Uint8Array
// property of that object.
type reply struct {
	value any
	bytes map[string][]byte
}

// A call is one API function over the arguments as copied from
// JavaScript (args.go); progress is nil when the caller gave no
// onProgress.
type call func(args []any, progress func(stage string, fraction float64)) (reply, error)

// calls lists the API functions by their JavaScript names.
func calls() map[string]call {
	return map[string]call{
		"inspect": inspectCall,
		"check":   checkCall,
		"convert": convertCall,
		"summary": summaryCall,
		"verify":  verifyCall,
	}
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

func inspectCall(args []any, _ func(string, float64)) (reply, error) {
	files, err := filesFrom("inspect", arg(args, 0))
	if err != nil {
		return reply{}, err
	}
	r, err := core.Inspect(files)
	if err != nil {
		return reply{}, err
	}
	return reply{value: r}, nil
}

// filesAndOptions reads the (input, options) arguments of check and convert.
func filesAndOptions(name string, args []any, progress func(string, float64)) ([]core.File, core.Options, error) {
	files, err := filesFrom(name, arg(args, 0))
	if err != nil {
		return nil, core.Options{}, err
	}
	o, err := optionsFrom(name, arg(args, 1))
	if err != nil {
		return nil, core.Options{}, err
	}
	o.Progress = progress
	return files, o, nil
}

func checkCall(args []any, progress func(string, float64)) (reply, error) {
	files, o, err := filesAndOptions("check", args, progress)
	if err != nil {
		return reply{}, err
	}
	r, err := core.Check(files, o)
	if err != nil {
		return reply{}, err
	}
	return reply{value: r}, nil
}

func convertCall(args []any, progress func(string, float64)) (reply, error) {
	files, o, err := filesAndOptions("convert", args, progress)
	if err != nil {
		return reply{}, err
	}
	r, err := core.Convert(files, o)
	if err != nil {
		return reply{}, err
	}
	return reply{value: r, bytes: map[string][]byte{"fbz": r.FBZ}}, nil
}

// verifyCall converts the model as convert does, then runs the quantized
// Keras model and the Akida simulation on seeded inputs and compares them
// (core.Verify). The reply is the verification report alone: the page
// already has the .fbz from its convert call.
func verifyCall(args []any, progress func(string, float64)) (reply, error) {
	files, err := filesFrom("verify", arg(args, 0))
	if err != nil {
		return reply{}, err
	}
	o, vo, err := verifyOptionsFrom(arg(args, 1))
	if err != nil {
		return reply{}, err
	}
	o.Progress = progress
	r, err := core.Verify(files, o, vo)
	if err != nil {
		return reply{}, err
	}
	return reply{value: r}, nil
}

func summaryCall(args []any, _ func(string, float64)) (reply, error) {
	files, err := filesFrom("summary", arg(args, 0))
	if err != nil {
		return reply{}, err
	}
	if len(files) != 1 {
		return reply{}, fmt.Errorf("cnn2snn.summary: give one .fbz file; got %d files", len(files))
	}
	r, err := core.Summarize(files[0].Data)
	if err != nil {
		return reply{}, fmt.Errorf("%s: %w", files[0].Name, err)
	}
	return reply{value: r}, nil
}

// errorReport returns what a rejected call carries besides its message:
// the check report of a model that does not convert, or nil.
func errorReport(err error) any {
	var me *core.ModelError
	if errors.As(err, &me) && me.Report != nil {
		return me.Report
	}
	return nil
}
