package main

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/verify"
)

// The arguments of every API call arrive as plain Go values copied out of
// JavaScript by goValue (js.go): nil for null/undefined, bool, float64,
// string, []byte for a Uint8Array/ArrayBuffer, []any for an Array and
// map[string]any for any other object. Everything below works on those
// values only, so it is tested natively.

// maxFiles bounds the files of one model: a TF.js model with many 4 MB
// shards is the largest real case.
const maxFiles = 256

// unnamedFile is the name given to a bare Uint8Array. Loaders tell formats
// apart by content, so the name only shows in messages.
const unnamedFile = "model"

// filesFrom reads the first argument of a call: one Uint8Array, or an array
// of {name, bytes} (a weights .h5 with its .json, a TF.js model.json with
// its .bin shards).
func filesFrom(call string, v any) ([]core.File, error) {
	switch v := v.(type) {
	case []byte:
		return []core.File{{Name: unnamedFile, Data: v}}, nil
	case []any:
		if len(v) == 0 {
			return nil, fmt.Errorf("cnn2snn.%s: the file list is empty; give a Uint8Array or an array of {name, bytes}", call)
		}
		if len(v) > maxFiles {
			return nil, fmt.Errorf("cnn2snn.%s: %d files is more than the %d one model can have; give only the model's own files", call, len(v), maxFiles)
		}
		files := make([]core.File, len(v))
		for i, item := range v {
			f, err := fileFrom(item)
			if err != nil {
				return nil, fmt.Errorf("cnn2snn.%s: file %d: %w", call, i, err)
			}
			files[i] = f
		}
		return files, nil
	}
	return nil, fmt.Errorf("cnn2snn.%s: the first argument must be a Uint8Array or an array of {name, bytes}; got %s", call, describe(v))
}

func fileFrom(v any) (core.File, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return core.File{}, fmt.Errorf("must be an object {name, bytes}; got %s", describe(v))
	}
	name, ok := obj["name"].(string)
	if !ok || name == "" {
		return core.File{}, fmt.Errorf("needs a name (the file name, e.g. \"model.json\"); got %s", describe(obj["name"]))
	}
	data, ok := obj["bytes"].([]byte)
	if !ok {
		return core.File{}, fmt.Errorf("%q: bytes must be a Uint8Array or an ArrayBuffer; got %s", name, describe(obj["bytes"]))
	}
	return core.File{Name: name, Data: data}, nil
}

// verifyOptionNames are verify's own options, after the conversion's.
const verifyOptionNames = "samples, seed"

// optionList names the options of a call for its error messages: the JS
// names of core.OptionTable, and onProgress (taken out by the JavaScript
// side before the rest is copied); verify takes verifyOptionNames too.
func optionList(call string) string {
	var names []string
	for _, opt := range core.OptionTable() {
		names = append(names, opt.JS)
	}
	list := strings.Join(names, ", ") + ", onProgress"
	if call == "verify" {
		return list + ", " + verifyOptionNames
	}
	return list
}

// optionsFrom reads the options object, whose keys are the JS names of
// core.OptionTable (read by its parsers):
//
//	target        "v1" (Akida 1.0) or "v2" (Akida 2.0)
//	inputScaling  [scale, offset]
//	inputIsImage  boolean
//	quantize      {weights, activations, inputWeights}: bit widths for a float model
//	calibration   Uint8Array: a .npy of sample inputs for the quantizer
//	akidaVersion  the akida version string written in the .fbz
//
// null or undefined means the default. Unknown keys are an error, so a
// typo ("inputscaling") is not silently ignored. The converter checks the
// values themselves (allowed bit widths, a positive scale).
func optionsFrom(call string, v any) (core.Options, error) {
	var o core.Options
	if v == nil {
		return o, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return o, fmt.Errorf("cnn2snn.%s: options must be an object such as {target: \"v1\"}; got %s", call, describe(v))
	}
	for _, key := range sortedKeys(obj) {
		val := obj[key]
		if val == nil {
			continue // null or undefined means "the default"
		}
		var err error
		if opt, ok := core.LookupOption(key); ok && opt.JS == key {
			err = opt.SetJS(&o, val)
		} else if key == "onProgress" {
			// Handled by the JavaScript side; reaching here means it was
			// not a function.
			err = fmt.Errorf("must be a function (stage, fraction) => …; got %s", describe(val))
		} else {
			err = fmt.Errorf("is not an option; the options are %s", optionList(call))
		}
		if err != nil {
			return core.Options{}, fmt.Errorf("cnn2snn.%s: option %s %w", call, key, err)
		}
	}
	return o, nil
}

// The seeded inputs of cnn2snn.verify when the options do not say. Four
// samples, not core's 16: AkidaNet 0.25 costs about half a second a
// sample in a browser, and a page should answer within seconds. The seed
// is the CLI's default, so `cnn2snn verify --samples 4` runs the same
// inputs.
const (
	browserSamples = 4
	defaultSeed    = 1
)

// maxSeed is the largest seed a JavaScript number holds exactly
// (Number.MAX_SAFE_INTEGER).
const maxSeed = 1<<53 - 1

// verifyOptionsFrom reads the options of cnn2snn.verify: those of convert
// and
//
//	samples  the number of seeded inputs, 1 to 10000 (default 4)
//	seed     the seed of the inputs, a whole number (default 1)
func verifyOptionsFrom(v any) (core.Options, core.VerifyOptions, error) {
	vo := core.VerifyOptions{Samples: browserSamples, Seed: defaultSeed}
	obj, ok := v.(map[string]any)
	if !ok { // null, undefined, or not an object: optionsFrom says which
		o, err := optionsFrom("verify", v)
		return o, vo, err
	}
	rest := make(map[string]any, len(obj))
	for key, val := range obj {
		rest[key] = val
	}
	if val, ok := rest["samples"]; ok {
		delete(rest, "samples")
		if val != nil {
			n, ok := finite(val)
			if !ok || n != math.Trunc(n) || n < 1 || n > verify.MaxSamples {
				return core.Options{}, vo, fmt.Errorf("cnn2snn.verify: option samples must be a whole number from 1 to %d (the number of seeded inputs; %d if not given); got %s", verify.MaxSamples, browserSamples, describe(val))
			}
			vo.Samples = int(n)
		}
	}
	if val, ok := rest["seed"]; ok {
		delete(rest, "seed")
		if val != nil {
			n, ok := finite(val)
			if !ok || n != math.Trunc(n) || n < 0 || n > maxSeed {
				return core.Options{}, vo, fmt.Errorf("cnn2snn.verify: option seed must be a whole number from 0 to 2^53 − 1 (the same seed gives the same inputs; %d if not given); got %s", defaultSeed, describe(val))
			}
			vo.Seed = uint64(n)
		}
	}
	o, err := optionsFrom("verify", rest)
	return o, vo, err
}

// function stands for a JavaScript function found where data was expected.
type function struct{}

func finite(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// describe names a value in an error message the way a JavaScript user
// thinks of it (core.Describe, and functions).
func describe(v any) string {
	if _, ok := v.(function); ok {
		return "a function"
	}
	return core.Describe(v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
