package main

import (
	"reflect"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
)

func TestFilesFrom(t *testing.T) {
	h5 := []byte("\x89HDF\r\n\x1a\n")
	got, err := filesFrom("convert", h5)
	if err != nil {
		t.Fatal(err)
	}
	if want := []core.File{{Name: "model", Data: h5}}; !reflect.DeepEqual(got, want) {
		t.Errorf("bare bytes: got %+v, want %+v", got, want)
	}

	pair := []any{
		map[string]any{"name": "model.json", "bytes": []byte("{}")},
		map[string]any{"name": "weights.h5", "bytes": h5},
	}
	got, err = filesFrom("convert", pair)
	if err != nil {
		t.Fatal(err)
	}
	want := []core.File{{Name: "model.json", Data: []byte("{}")}, {Name: "weights.h5", Data: h5}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pair: got %+v, want %+v", got, want)
	}
}

func TestFilesFromErrors(t *testing.T) {
	many := make([]any, maxFiles+1)
	cases := []struct {
		in   any
		want string
	}{
		{nil, "cnn2snn.convert: the first argument must be a Uint8Array or an array of {name, bytes}; got nothing (null or undefined)"},
		{"model.h5", `cnn2snn.convert: the first argument must be a Uint8Array or an array of {name, bytes}; got the string "model.h5"`},
		{[]any{}, "cnn2snn.convert: the file list is empty; give a Uint8Array or an array of {name, bytes}"},
		{many, "cnn2snn.convert: 257 files is more than the 256 one model can have; give only the model's own files"},
		{[]any{[]byte{1}}, "cnn2snn.convert: file 0: must be an object {name, bytes}; got a Uint8Array of 1 bytes"},
		{[]any{map[string]any{"bytes": []byte{1}}}, `cnn2snn.convert: file 0: needs a name (the file name, e.g. "model.json"); got nothing (null or undefined)`},
		{[]any{map[string]any{"name": "a.h5", "bytes": "abc"}}, `cnn2snn.convert: file 0: "a.h5": bytes must be a Uint8Array or an ArrayBuffer; got the string "abc"`},
		{map[string]any{}, "cnn2snn.convert: the first argument must be a Uint8Array or an array of {name, bytes}; got an empty object"},
	}
	for _, c := range cases {
		_, err := filesFrom("convert", c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("filesFrom(%s):\n got  %v\n want %s", describe(c.in), err, c.want)
		}
	}
}

func TestOptionsFrom(t *testing.T) {
	in := map[string]any{
		"inputScaling": []any{255.0, 0.0},
		"inputIsImage": false,
		"quantize":     map[string]any{"weights": 2.0, "activations": 1.0, "inputWeights": 8.0},
		"calibration":  []byte("\x93NUMPY"),
		"target":       "v1",
		"akidaVersion": "2.18.2",
	}
	got, err := optionsFrom("convert", in)
	if err != nil {
		t.Fatal(err)
	}
	no := false
	want := core.Options{InputScaling: &[2]float64{255, 0}, InputIsImage: &no,
		Quantize: core.QuantizeOptions{Weights: 2, Activations: 1, InputWeights: 8}, Calibration: []byte("\x93NUMPY"), Target: "v1", AkidaVersion: "2.18.2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}

	// null, undefined and missing all mean "the default".
	for _, in := range []any{nil, map[string]any{}, map[string]any{"target": nil, "inputScaling": nil}} {
		got, err := optionsFrom("convert", in)
		if err != nil || !reflect.DeepEqual(got, core.Options{}) {
			t.Errorf("optionsFrom(%s) = %+v, %v; want the zero Options", describe(in), got, err)
		}
	}
}

func TestOptionsFromErrors(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{"v1", `cnn2snn.check: options must be an object such as {target: "v1"}; got the string "v1"`},
		{map[string]any{"inputscaling": []any{1.0, 0.0}},
			"cnn2snn.check: option inputscaling is not an option; the options are target, inputScaling, inputIsImage, quantize, outputBits, perTensorActivations, inputDtype, calibration, calibrationSamples, calibrationBatchSize, calibrationEpochs, akidaVersion, onProgress"},
		{map[string]any{"inputScaling": []any{255.0}},
			"cnn2snn.check: option inputScaling must be [scale, offset], two numbers, e.g. [255, 0] for 8-bit images; got an array of 1 items"},
		{map[string]any{"inputScaling": []any{"255", 0.0}},
			"cnn2snn.check: option inputScaling must be [scale, offset], two numbers, e.g. [255, 0] for 8-bit images; got an array of 2 items"},
		{map[string]any{"inputIsImage": "yes"},
			`cnn2snn.check: option inputIsImage must be true or false; got the string "yes"`},
		{map[string]any{"quantize": []any{4.0, 4.0, 8.0}},
			"cnn2snn.check: option quantize must be an object {weights, activations, inputWeights} of bit widths, e.g. {weights: 4, activations: 4, inputWeights: 8}; got an array of 3 items"},
		{map[string]any{"quantize": map[string]any{"weight": 4.0}},
			`cnn2snn.check: option quantize has no field "weight"; its fields are weights, activations, inputWeights`},
		{map[string]any{"quantize": map[string]any{"weights": 2.5}},
			"cnn2snn.check: option quantize weights must be a whole number of bits such as 4 or 8; got the number 2.5"},
		{map[string]any{"quantize": map[string]any{"activations": 0.0}},
			"cnn2snn.check: option quantize activations must be a whole number of bits such as 4 or 8; got the number 0"},
		{map[string]any{"calibration": []any{}},
			"cnn2snn.check: option calibration must be the bytes of a .npy file (a Uint8Array); got an array of 0 items"},
		{map[string]any{"target": "akida2"},
			`cnn2snn.check: option target must be "v1" (Akida 1.0) or "v2" (Akida 2.0); got the string "akida2"`},
		{map[string]any{"akidaVersion": 2.19},
			"cnn2snn.check: option akidaVersion must be a version string such as \"2.19.1\"; got the number 2.19"},
		{map[string]any{"onProgress": true},
			"cnn2snn.check: option onProgress must be a function (stage, fraction) => …; got the boolean true"},
	}
	for _, c := range cases {
		_, err := optionsFrom("check", c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("optionsFrom(%s):\n got  %v\n want %s", describe(c.in), err, c.want)
		}
	}
}

func TestVerifyOptionsFrom(t *testing.T) {
	// Without options: the browser's 4 samples and the CLI's seed 1.
	for _, in := range []any{nil, map[string]any{}, map[string]any{"samples": nil, "seed": nil}} {
		o, vo, err := verifyOptionsFrom(in)
		if err != nil || !reflect.DeepEqual(o, core.Options{}) || vo.Samples != 4 || vo.Seed != 1 {
			t.Errorf("verifyOptionsFrom(%s) = %+v, %+v, %v; want zero Options, 4 samples, seed 1", describe(in), o, vo, err)
		}
	}
	in := map[string]any{"samples": 2.0, "seed": 9007199254740991.0, "target": "v2", "quantize": map[string]any{"weights": 8.0}}
	o, vo, err := verifyOptionsFrom(in)
	if err != nil {
		t.Fatal(err)
	}
	if vo.Samples != 2 || vo.Seed != 1<<53-1 || o.Target != "v2" || o.Quantize.Weights != 8 {
		t.Errorf("got %+v, %+v", o, vo)
	}
	// The caller's object is not changed: samples and seed stay in it.
	if _, ok := in["samples"]; !ok {
		t.Error("verifyOptionsFrom removed samples from the caller's map")
	}
}

func TestVerifyOptionsFromErrors(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{"fast", `cnn2snn.verify: options must be an object such as {target: "v1"}; got the string "fast"`},
		{map[string]any{"samples": 0.0},
			"cnn2snn.verify: option samples must be a whole number from 1 to 10000 (the number of seeded inputs; 4 if not given); got the number 0"},
		{map[string]any{"samples": 10001.0},
			"cnn2snn.verify: option samples must be a whole number from 1 to 10000 (the number of seeded inputs; 4 if not given); got the number 10001"},
		{map[string]any{"samples": "4"},
			`cnn2snn.verify: option samples must be a whole number from 1 to 10000 (the number of seeded inputs; 4 if not given); got the string "4"`},
		{map[string]any{"seed": -1.0},
			"cnn2snn.verify: option seed must be a whole number from 0 to 2^53 − 1 (the same seed gives the same inputs; 1 if not given); got the number -1"},
		{map[string]any{"seed": 0.5},
			"cnn2snn.verify: option seed must be a whole number from 0 to 2^53 − 1 (the same seed gives the same inputs; 1 if not given); got the number 0.5"},
		{map[string]any{"seed": 9007199254740992.0},
			"cnn2snn.verify: option seed must be a whole number from 0 to 2^53 − 1 (the same seed gives the same inputs; 1 if not given); got the number 9.007199254740992e+15"},
		// The convert options are read as convert reads them; an unknown
		// one lists verify's own too.
		{map[string]any{"sample": 4.0},
			"cnn2snn.verify: option sample is not an option; the options are target, inputScaling, inputIsImage, quantize, outputBits, perTensorActivations, inputDtype, calibration, calibrationSamples, calibrationBatchSize, calibrationEpochs, akidaVersion, onProgress, samples, seed"},
		{map[string]any{"samples": 2.0, "target": "v3"},
			`cnn2snn.verify: option target must be "v1" (Akida 1.0) or "v2" (Akida 2.0); got the string "v3"`},
	}
	for _, c := range cases {
		_, _, err := verifyOptionsFrom(c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("verifyOptionsFrom(%s):\n got  %v\n want %s", describe(c.in), err, c.want)
		}
	}
	// samples and seed are verify's alone.
	_, err := optionsFrom("convert", map[string]any{"samples": 4.0})
	if want := "cnn2snn.convert: option samples is not an option; the options are target, inputScaling, inputIsImage, quantize, outputBits, perTensorActivations, inputDtype, calibration, calibrationSamples, calibrationBatchSize, calibrationEpochs, akidaVersion, onProgress"; err == nil || err.Error() != want {
		t.Errorf("convert with samples: %v", err)
	}
}
