package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

func TestSummaryOfRealFBZ(t *testing.T) {
	data := fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz")
	r, err := summaryCall([]any{[]any{map[string]any{"name": "pose.fbz", "bytes": data}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := r.value.(SummaryReport)
	if s.File != "pose.fbz" || s.Bytes != 6500 || s.Model.Version != "2.3.3" {
		t.Errorf("file %q, %d bytes, version %q; want pose.fbz, 6500, 2.3.3", s.File, s.Bytes, s.Model.Version)
	}
	// The fixture README: InputData + 4 FullyConnected, 51 features → 4 classes.
	var layers []string
	for _, l := range s.Model.Layers {
		layers = append(layers, l.Name+" "+l.Type)
	}
	want := "sequential_6_input InputData, dense FullyConnected, dense_1 FullyConnected, dense_2 FullyConnected, y_pred FullyConnected"
	if got := strings.Join(layers, ", "); got != want {
		t.Errorf("layers %s, want %s", got, want)
	}
	for _, line := range []string{"[1, 1, 51]   [1, 1, 4]     1          5", "y_pred (Fully.)   [1, 1, 4]     (1, 1, 10, 4)"} {
		if !strings.Contains(s.Summary, line) {
			t.Errorf("summary lacks %q:\n%s", line, s.Summary)
		}
	}
	// The reply's JSON is what JavaScript sees: snake_case names.
	text, _ := json.Marshal(r.value)
	for _, key := range []string{`"fbz_bytes":6500`, `"summary":"`, `"output_shape":[1,1,4]`} {
		if !strings.Contains(string(text), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestSummaryErrors(t *testing.T) {
	h5 := fixtures.ReadShared(t, "keras", "keras2.0_conv2d_model_weights.h5")
	cases := []struct {
		args []any
		want string
	}{
		{nil, "cnn2snn.summary: the first argument must be a Uint8Array or an array of {name, bytes}; got nothing (null or undefined)"},
		{[]any{[]any{map[string]any{"name": "a.fbz", "bytes": []byte{}}, map[string]any{"name": "b.fbz", "bytes": []byte{}}}},
			"cnn2snn.summary: give one .fbz file; got 2 files"},
		{[]any{h5}, "model: file: this is an HDF5 file (a Keras .h5 model?), not an Akida .fbz model: convert a Keras model with 'cnn2snn convert' first"},
	}
	for _, c := range cases {
		_, err := summaryCall(c.args, nil)
		if err == nil || err.Error() != c.want {
			t.Errorf("got  %v\nwant %s", err, c.want)
		}
	}
}

func TestInspectRealKeras3Zip(t *testing.T) {
	data := fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras")
	r, err := inspectCall([]any{data}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := r.value.(InspectReport)
	// config.json of the fixture, read with Python's zipfile; params with h5py.
	if m.Name != "sequential" || m.Class != "Sequential" || m.Params != 225034 {
		t.Errorf("model %q %q %d params; want sequential Sequential 225034", m.Name, m.Class, m.Params)
	}
	var layers []string
	for _, l := range m.Layers {
		layers = append(layers, l.Name+":"+l.Class)
	}
	want := "input_layer:InputLayer conv2d:Conv2D max_pooling2d:MaxPooling2D conv2d_1:Conv2D max_pooling2d_1:MaxPooling2D flatten:Flatten dropout:Dropout dense:Dense dense_1:Dense"
	if got := strings.Join(layers, " "); got != want {
		t.Errorf("layers\n got  %s\n want %s", got, want)
	}
}
