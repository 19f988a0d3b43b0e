package keras

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/hdf5"
)

// Files written by other tools and on other machines that Keras reads
// (issue 13). Their layers and weight sums are checked by
// TestLoadProjectFiles against expected_project.json; these tests check
// what is particular to each.

func loadTestdata(t *testing.T, paths ...string) *Model {
	t.Helper()
	var files []File
	for _, p := range paths {
		parts := strings.Split(p, "/")
		files = append(files, File{Name: parts[len(parts)-1], Data: readTestdata(t, parts...)})
	}
	m, err := Load(files)
	if err != nil {
		t.Fatalf("Load(%v): %v", paths, err)
	}
	return m
}

// Config values typed the Python way read as Keras reads them.
func TestPythonTypedConfig(t *testing.T) {
	m := loadTestdata(t, "keras214_python_typed.h5")
	conv := m.Layer("conv2d").Config.(*Conv2D)
	if !conv.UseBias || conv.KernelSize != [2]int{3, 3} || conv.Filters != 3 {
		t.Errorf("conv2d: use_bias 1 → %v, kernel_size 3 → %v", conv.UseBias, conv.KernelSize)
	}
	bn := m.Layer("batch_normalization").Config.(*BatchNormalization)
	if want := (BatchNormalization{Axis: []int{3}, Momentum: 1, Epsilon: 0.001, Center: false, Scale: true}); !reflect.DeepEqual(*bn, want) {
		t.Errorf("batch_normalization %+v, want %+v (scale 1, center 0, momentum 1, epsilon the default)", *bn, want)
	}
	if got := weightNames(m.Layer("batch_normalization")); !reflect.DeepEqual(got, []string{"gamma", "moving_mean", "moving_variance"}) {
		t.Errorf("batch_normalization weights %v (center 0: no beta)", got)
	}
	dense := m.Layer("dense").Config.(*Dense)
	if dense.Units != 2 || dense.UseBias {
		t.Errorf("dense: units 2.0 → %d, use_bias 0 → %v", dense.Units, dense.UseBias)
	}
	if rate := m.Layer("dropout").Config.(*Dropout).Rate; rate != 0 {
		t.Errorf("dropout rate %v", rate)
	}
}

// Flags read with Python's truth value; what is not a number or a flag is
// still an error naming the layer and the key.
func TestConfigFlags(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  bool
	}{{"true", true}, {"false", false}, {"1", true}, {"0", false}, {"0.0", false}, {"2", true}, {"null", true}} {
		r, err := newConfigReader("bn", "BatchNormalization", json.RawMessage(`{"scale": `+tc.value+`}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.bool("scale", true); got != tc.want || r.check() != nil {
			t.Errorf("scale %s: %v (%v), want %v", tc.value, got, r.check(), tc.want)
		}
	}
	r, _ := newConfigReader("bn", "BatchNormalization", json.RawMessage(`{"scale": "yes"}`))
	r.bool("scale", true)
	want := `layer "bn" (BatchNormalization): config key "scale" is "yes", expected true or false; the file is damaged or was written by a tool this converter does not know`
	if err := r.check(); err == nil || err.Error() != want {
		t.Errorf("scale \"yes\": %v, want %s", err, want)
	}
}

// Keras 3's tuple objects read as lists wherever they are: layer configs,
// nested (ZeroPadding2D), in shapes and in a node's keras_history.
func TestKeras3Tuples(t *testing.T) {
	m := loadTestdata(t, "keras3_tuples/model.json", "keras3_tuples/model.weights.h5")
	if got := m.Layer("input_layer").Config.(*InputLayer).BatchShape; !reflect.DeepEqual(got, []int{-1, 5, 5, 1}) {
		t.Errorf("batch_shape %v", got)
	}
	if got := m.Layer("zero_padding2d").Config.(*ZeroPadding2D).Padding; got != [2][2]int{{1, 1}, {1, 1}} {
		t.Errorf("padding %v", got)
	}
	conv := m.Layer("conv2d")
	if c := conv.Config.(*Conv2D); c.KernelSize != [2]int{3, 3} || c.Strides != [2]int{1, 1} || !reflect.DeepEqual(c.DilationRate, []int{1, 1}) {
		t.Errorf("conv2d %+v", c)
	}
	if !reflect.DeepEqual(conv.Inbound, []string{"zero_padding2d"}) || !reflect.DeepEqual(conv.OutputShape, Shape{5, 5, 2}) {
		t.Errorf("conv2d inbound %v, shape %v", conv.Inbound, conv.OutputShape)
	}
	if got := m.Layer("max_pooling2d").Config.(*MaxPooling2D).PoolSize; got != [2]int{2, 2} {
		t.Errorf("pool_size %v", got)
	}
	for in, want := range map[string]string{
		`{"a": {"class_name": "__tuple__", "items": [1, {"class_name": "__tuple__", "items": [2.50, null]}]}}`: `{"a":[1,[2.50,null]]}`,
		`[{"class_name": "Other", "items": [1]}]`:                                                              `[{"class_name": "Other", "items": [1]}]`,
		`{"note": "__tuple__"}`:  `{"note":"__tuple__"}`,
		`{"broken": "__tuple__"`: `{"broken": "__tuple__"`,
	} {
		if got := string(plainTuples([]byte(in))); got != want {
			t.Errorf("plainTuples(%s) = %s, want %s", in, got, want)
		}
	}
}

// A .keras file saved on Windows, whose weight groups are named
// "layers\conv2d" at the root, loads as the same file saved elsewhere:
// every variable in its place, the metrics ignored.
func TestWindowsKerasZip(t *testing.T) {
	m := loadTestdata(t, "tf215_windows.keras")
	if got := weightNames(m.Layer("conv2d")); !reflect.DeepEqual(got, []string{"kernel", "bias"}) {
		t.Errorf("conv2d weights %v", got)
	}
	if m.Params() != 38 {
		t.Errorf("%d params, want 38", m.Params())
	}
}

// Shards without ".bin" are matched by the manifest's names and load as
// the model with .bin shards does.
func TestTFJSShardsWithoutExtension(t *testing.T) {
	withBin := loadTestdata(t, "tfjs/tiny_cnn/model.json", "tfjs/tiny_cnn/group1-shard1of3.bin", "tfjs/tiny_cnn/group1-shard2of3.bin", "tfjs/tiny_cnn/group1-shard3of3.bin")
	without := loadTestdata(t, "tfjs_nobin/model.json", "tfjs_nobin/group1-shard1of3", "tfjs_nobin/group1-shard2of3", "tfjs_nobin/group1-shard3of3")
	if !reflect.DeepEqual(without, withBin) {
		t.Error("the model with shards without .bin differs from the one with .bin shards")
	}
	// A shard the manifest does not name, or a shard alone, says so.
	var fe *FormatError
	files := []File{
		{"model.json", readTestdata(t, "tfjs_nobin", "model.json")},
		{"group1-shard1of3", readTestdata(t, "tfjs_nobin", "group1-shard1of3")},
		{"group1-shard2of3", readTestdata(t, "tfjs_nobin", "group1-shard2of3")},
	}
	wantError(t, loadErr(t, files...), "the weights manifest needs group1-shard3of3, which was not given; add every .bin file that sits next to model.json", &fe)
	wantError(t, loadErr(t, files[1]), "this file looks like a TF.js weight shard (its name); give it together with its model.json", &fe)
	for name, want := range map[string]bool{"group1-shard1of1": true, "Group12-Shard3of40.bin": true, "group1-shard1": false, "shard1of1": false, "groupA-shard1of1": false, "model": false} {
		if got := isShardName(name); got != want {
			t.Errorf("isShardName(%q) = %v", name, got)
		}
	}
}

// A model JSON inside a JSON string is decoded, with a warning; so is a
// TF.js model.json written that way. A JSON string that holds no JSON
// object is still not a model file.
func TestDoubleEncodedJSON(t *testing.T) {
	plain := loadTestdata(t, "tfjs/sequential_dense/model.json", "tfjs/sequential_dense/group1-shard1of1.bin")
	quoted, _ := json.Marshal(string(readTestdata(t, "tfjs", "sequential_dense", "model.json")))
	m, err := Load([]File{{"model.json", quoted}, {"group1-shard1of1.bin", readTestdata(t, "tfjs", "sequential_dense", "group1-shard1of1.bin")}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"model.json: " + doubleEncodedWarning}; !reflect.DeepEqual(m.Warnings, want) {
		t.Errorf("warnings %q, want %q", m.Warnings, want)
	}
	m.Warnings = nil
	if !reflect.DeepEqual(m, plain) {
		t.Error("the double-encoded TF.js model differs from the plain one")
	}
	var fe *FormatError
	wantError(t, loadErr(t, File{"notes.json", []byte(`"just a string"`)}),
		"this is not a Keras model file; give a .h5 or .keras file saved with model.save, a weights .h5 with its model .json, or a TF.js model.json with its .bin files", &fe)
}

// A file cut where the model's weights are gives the reader's error, told
// that the file was cut and what to do. Cut inside dense_1's bias, the
// file has lost the object headers that h5py wrote after it, the first
// needed being dense's bias (at 0x2c38 in this file).
func TestCutOffWeights(t *testing.T) {
	b := readTestdata(t, "keras2_cut_off.h5")
	cut := dataOffset(t, b, "model_weights/dense_1/dense_1/bias:0") + 4
	want := fmt.Sprintf(`layer "dense": weight /model_weights/dense/dense/bias:0 cannot be read (at offset %#x: /model_weights/dense/dense/bias:0: object header at address 0x2c38 lies outside the file (%d bytes); the file is truncated or damaged); `+
		"the file is %d bytes shorter than HDF5 says: it was probably cut off while downloading. Download it again", cut, cut, len(b)+4-cut)
	var fe *FormatError
	wantError(t, loadErr(t, File{"model.h5", b[:cut]}), want, &fe)
}

// dataOffset finds the file offset of a dataset's values by their bytes.
func dataOffset(t *testing.T, b []byte, path string) int {
	t.Helper()
	h, err := hdf5.Open(b)
	if err != nil {
		t.Fatal(err)
	}
	d, err := h.Root().Dataset(path)
	if err != nil {
		t.Fatal(err)
	}
	values, err := d.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	at := bytes.Index(b, raw)
	if at < 0 || bytes.Index(b[at+1:], raw) >= 0 {
		t.Fatalf("the values of %s are not in the file exactly once", path)
	}
	return at
}
