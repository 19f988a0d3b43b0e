package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

func runCLI(args ...string) (stdout, stderr string, status int) {
	var out, errOut bytes.Buffer
	status = run(args, &out, &errOut)
	return out.String(), errOut.String(), status
}

func TestInspectText(t *testing.T) {
	js := fixtures.Shared(t, "keras", "keras2.0_conv2d_model.json")
	h5 := fixtures.Shared(t, "keras", "keras2.0_conv2d_model_weights.h5")
	out, errOut, status := runCLI("inspect", js, h5)
	const golden = `Model: (unnamed) (Sequential, keras-weights-h5+json, Keras 2.0.0)
_____________________________________________________
Layer (type)                 Output Shape     Param #
=====================================================
conv2d_1_input (InputLayer)  (None, 8, 8, 1)        0
conv2d_1 (Conv2D)            (None, 8, 8, 2)       20
dropout_1 (Dropout)          (None, 8, 8, 2)        0
flatten_1 (Flatten)          (None, 128)            0
dense_1 (Dense)              (None, 10)          1290
=====================================================
Total params: 1310
_____________________________________________________
`
	if status != 0 || errOut != "" || out != golden {
		t.Errorf("status %d, stderr %q, stdout:\n%s\nwant:\n%s", status, errOut, out, golden)
	}
}

// inspectJSON runs inspect --json and decodes the report.
func inspectJSON(t *testing.T, paths ...string) keras.InspectReport {
	t.Helper()
	out, errOut, status := runCLI(append([]string{"inspect", "--json"}, paths...)...)
	if status != 0 || errOut != "" {
		t.Fatalf("status %d, stderr %q", status, errOut)
	}
	var r keras.InspectReport
	dec := json.NewDecoder(bytes.NewReader([]byte(out)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	return r
}

func TestInspectJSON(t *testing.T) {
	t.Run("akidanet", func(t *testing.T) {
		r := inspectJSON(t, fixtures.Shared(t, "keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5"))
		if r.Format != "keras2-h5" || r.KerasVersion != "2.10.0" || r.Name != "akidanet_0.25_160_1000" || r.TotalParams != 483392 || len(r.Layers) != 47 {
			t.Errorf("format %s version %s name %s params %d layers %d", r.Format, r.KerasVersion, r.Name, r.TotalParams, len(r.Layers))
		}
		if !reflect.DeepEqual(r.Inputs, []keras.BatchShape{{224, 224, 3}}) {
			t.Errorf("inputs %v", r.Inputs)
		}
		conv := r.Layers[2]
		want := keras.LayerReport{Name: "conv_0", ClassName: "Conv2D", Inbound: []string{"rescaling"}, OutputShape: keras.BatchShape{112, 112, 8},
			Params: 216, Weights: []keras.WeightReport{{Name: "kernel", Shape: []int{3, 3, 3, 8}}}}
		if !reflect.DeepEqual(conv, want) {
			t.Errorf("conv_0\n got %+v\nwant %+v", conv, want)
		}
		if last := r.Layers[46]; last.Name != "classifier" || !reflect.DeepEqual(last.OutputShape, keras.BatchShape{1000}) || last.Params != 257000 {
			t.Errorf("classifier %+v", last)
		}
	})
	t.Run("mnist keras3", func(t *testing.T) {
		r := inspectJSON(t, fixtures.Shared(t, "keras", "mnist_cnn_sequential_keras3.15.keras"))
		if r.Format != "keras3-zip" || r.TotalParams != 225034 || len(r.Layers) != 9 || r.Layers[5].Name != "flatten" ||
			!reflect.DeepEqual(r.Layers[5].OutputShape, keras.BatchShape{1600}) {
			t.Errorf("report %+v", r)
		}
	})
	t.Run("tfjs shards", func(t *testing.T) {
		dir := fixtures.Repo(t, "core", "keras", "testdata", "tfjs", "tiny_cnn")
		r := inspectJSON(t, filepath.Join(dir, "model.json"), filepath.Join(dir, "group1-shard1of3.bin"),
			filepath.Join(dir, "group1-shard2of3.bin"), filepath.Join(dir, "group1-shard3of3.bin"))
		if r.Format != "tfjs-layers" || r.TotalParams != 754 || len(r.Layers) != 12 || !reflect.DeepEqual(r.Layers[7].Weights, []keras.WeightReport{
			{Name: "depthwise_kernel", Shape: []int{3, 3, 8, 1}}, {Name: "pointwise_kernel", Shape: []int{1, 1, 8, 16}}, {Name: "bias", Shape: []int{16}}}) {
			t.Errorf("report %+v", r)
		}
	})
}

// The JSON keys are exactly the documented ones, with null batch dims.
func TestInspectJSONKeys(t *testing.T) {
	out, _, status := runCLI("inspect", "--json", fixtures.Shared(t, "keras", "keras2.0_conv2d_model.json"), fixtures.Shared(t, "keras", "keras2.0_conv2d_model_weights.h5"))
	if status != 0 {
		t.Fatalf("status %d", status)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(out)); err != nil {
		t.Fatal(err)
	}
	want := `{"format":"keras-weights-h5+json","keras_version":"2.0.0","name":"","inputs":[[null,8,8,1]],"layers":[` +
		`{"name":"conv2d_1_input","class_name":"InputLayer","inbound":[],"output_shape":[null,8,8,1],"params":0,"weights":[]},` +
		`{"name":"conv2d_1","class_name":"Conv2D","inbound":["conv2d_1_input"],"output_shape":[null,8,8,2],"params":20,"weights":[{"name":"kernel","shape":[3,3,1,2]},{"name":"bias","shape":[2]}]},` +
		`{"name":"dropout_1","class_name":"Dropout","inbound":["conv2d_1"],"output_shape":[null,8,8,2],"params":0,"weights":[]},` +
		`{"name":"flatten_1","class_name":"Flatten","inbound":["dropout_1"],"output_shape":[null,128],"params":0,"weights":[]},` +
		`{"name":"dense_1","class_name":"Dense","inbound":["flatten_1"],"output_shape":[null,10],"params":1290,"weights":[{"name":"kernel","shape":[128,10]},{"name":"bias","shape":[10]}]}` +
		`],"total_params":1310}`
	if compact.String() != want {
		t.Errorf("JSON\n got %s\nwant %s", compact.String(), want)
	}
}

func TestInspectErrors(t *testing.T) {
	weights := fixtures.Shared(t, "keras", "keras2.0_conv2d_model_weights.h5")
	for _, tc := range []struct {
		args       []string
		stderr     string
		wantStatus int
	}{
		{[]string{"inspect", weights}, "cnn2snn: " + weights + ": this file holds only weights (saved with save_weights); add the model's JSON file, or save the model with model.save\n", 1},
		{[]string{"inspect", "--json", weights}, "cnn2snn: " + weights + ": this file holds only weights (saved with save_weights); add the model's JSON file, or save the model with model.save\n", 1},
		{[]string{"inspect", "/nonexistent/model.h5"}, "cnn2snn: /nonexistent/model.h5: cannot read the file: no such file or directory\n", 1},
		{[]string{"inspect", fixtures.Shared(t, "akida", "v233_ei_pose_fc.fbz")}, "cnn2snn: " + fixtures.Shared(t, "akida", "v233_ei_pose_fc.fbz") +
			": this is an Akida model (.fbz), not a Keras model; it is already converted. Use 'cnn2snn summary' to look at it\n", 1},
	} {
		out, errOut, status := runCLI(tc.args...)
		if status != tc.wantStatus || out != "" || errOut != tc.stderr {
			t.Errorf("%v: status %d, stdout %q, stderr\n %q\nwant\n %q", tc.args, status, out, errOut, tc.stderr)
		}
	}
	out, errOut, status := runCLI("inspect")
	if status != 2 || out != "" || !bytes.Contains([]byte(errOut), []byte("usage: cnn2snn inspect [--json] [--dot[=FILE]] FILE [FILE...]")) {
		t.Errorf("no file: status %d stdout %q stderr %q", status, out, errOut)
	}
}
