// Command wasm is the converter's JavaScript API (cnn2snn.wasm). Built with
// GOOS=js GOARCH=wasm, it installs globalThis.cnn2snn:
//
//	cnn2snn.version                     the converter's version
//	cnn2snn.inspect(input)              → Promise of the Keras model's layers
//	cnn2snn.summary(input)              → Promise of an .fbz model's summary and layers
//
// input is a Uint8Array or an array of {name, bytes} (a weights .h5 with its
// .json, a TF.js model.json with its .bin shards). Every call returns a
// Promise of plain objects; any error, and any panic, rejects it with an
// Error carrying the user-facing message.
//
// The page runs this binary in a Web Worker (web/cnn2snn.js) and talks to it
// through a proxy with the same API, so conversion never blocks the page.
package main

import (
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
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
		"summary": summaryCall,
	}
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// SummaryReport describes an Akida model read from an .fbz file.
type SummaryReport struct {
	File    string          `json:"file"`
	Bytes   int             `json:"fbz_bytes"`
	Summary string          `json:"summary"` // akida's Model.summary() text
	Model   akida.ModelJSON `json:"model"`
}

func summaryCall(args []any, _ func(string, float64)) (reply, error) {
	files, err := filesFrom("summary", arg(args, 0))
	if err != nil {
		return reply{}, err
	}
	if len(files) != 1 {
		return reply{}, fmt.Errorf("cnn2snn.summary: give one .fbz file; got %d files", len(files))
	}
	f := files[0]
	m, err := fbz.Decode(f.Data)
	if err != nil {
		return reply{}, fmt.Errorf("%s: %w", f.Name, err)
	}
	return reply{value: SummaryReport{File: f.Name, Bytes: len(f.Data), Summary: m.Summary(), Model: m.JSON()}}, nil
}

// InspectReport describes a Keras model as read from its files.
type InspectReport struct {
	Name         string         `json:"name"`
	Class        string         `json:"class"`
	Format       keras.Format   `json:"format"`
	KerasVersion string         `json:"keras_version"`
	Inputs       []string       `json:"inputs"`
	Outputs      []string       `json:"outputs"`
	Params       int            `json:"params"`
	Layers       []InspectLayer `json:"layers"`
}

// InspectLayer is one Keras layer.
type InspectLayer struct {
	Name        string   `json:"name"`
	Class       string   `json:"class"`
	Inbound     []string `json:"inbound"`
	OutputShape []int    `json:"output_shape"`
	Params      int      `json:"params"`
}

func inspectCall(args []any, _ func(string, float64)) (reply, error) {
	files, err := filesFrom("inspect", arg(args, 0))
	if err != nil {
		return reply{}, err
	}
	m, err := keras.Load(files)
	if err != nil {
		return reply{}, err
	}
	r := InspectReport{Name: m.Name, Class: m.Class, Format: m.Format, KerasVersion: m.KerasVersion,
		Inputs: m.Inputs, Outputs: m.Outputs, Params: m.Params(), Layers: make([]InspectLayer, len(m.Layers))}
	for i, l := range m.Layers {
		r.Layers[i] = InspectLayer{Name: l.Name, Class: l.ClassName, Inbound: l.Inbound, OutputShape: l.OutputShape, Params: l.Params()}
	}
	return reply{value: r}, nil
}
