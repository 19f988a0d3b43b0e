package main

import (
	_ "embed"
	"time"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
)

// The browser compiles WebAssembly lazily: each function when it is first
// called, with a quick baseline compiler (V8's Liftoff), and again with
// the optimizing one (TurboFan) once it has run for a while, on background
// threads. A converter that has not converted anything yet therefore
// spends its first conversion compiling: AkidaNet 0.25 took 200–500 ms
// in a fresh worker against 40–70 ms warm (web/browser BenchmarkConvert).
// So the worker converts a small built-in model a few times as soon as it
// starts, while the user picks a file; by then the code the user's
// conversion runs is compiled.

// warmUpModel is AkidaNet in miniature, made by this project
// (warmup/make_model.py): the same layer types and HDF5 layout, 16×16
// inputs, 1,204 weights, and a ReLU the quantizer calibrates.
//
//go:embed warmup/akidanet_mini.h5
var warmUpModel []byte

const (
	// warmUpDelay lets a script that calls the API as soon as it is ready
	// come first: the warm-up is for the user who has a file to pick.
	warmUpDelay = 200 * time.Millisecond
	// warmUpPasses conversions of warmUpModel: the first one compiles,
	// the others make the hot functions hot enough to be optimized.
	warmUpPasses = 30
	// warmUpPause between passes hands the thread back to the worker's
	// event loop, so that a user's call is not kept waiting.
	warmUpPause = 5 * time.Millisecond
)

// warmUp converts the built-in model passes times, pausing before each
// pass, and stops as soon as userCalled says the user's first call has
// come: from then on the user's own calls do the warming, and a pass
// would only delay them. Nothing it does is seen by the API's callers.
func warmUp(passes int, userCalled func() bool, pause func()) error {
	files := []core.File{{Name: "akidanet_mini.h5", Data: warmUpModel}}
	for range passes {
		pause()
		if userCalled() {
			return nil
		}
		if _, err := core.Convert(files, core.Options{}); err != nil {
			return err
		}
	}
	return nil
}
