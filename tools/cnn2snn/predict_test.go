package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/sim"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/npy"
)

// tinyFBZ writes a hand-built Akida model to dir and returns its path:
// InputData (1, 1, 2) of 4 bits → FullyConnected with 3 units, weights
// rows (c0, c1) = [1 0 2; 0 1 −1], thresholds [0 1 2], act_step
// [1 2 0.5], with or without activation (4 bits). For inputs (a, b) the
// potentials are (a, b, 2a − b), so predict gives (a, (b−1)/2, (2a−b−2)/0.5).
func tinyFBZ(t *testing.T, dir string, activation bool) string {
	t.Helper()
	m := &akida.Model{}
	in := akida.DefaultInputData()
	in.InputShape = [3]int{1, 1, 2}
	o := akida.DefaultFullyConnected()
	o.Units, o.WeightsBits, o.Activation, o.ActBits = 3, 4, activation, 4
	dense := akida.NewFullyConnected("dense", o)
	w, err := akida.NewWeights("weights", []int{1, 1, 2, 3}, []int8{1, 0, 2, 0, 1, -1}, 4)
	if err != nil {
		t.Fatal(err)
	}
	th, _ := akida.NewInt32s("threshold", []int{3}, []int32{0, 1, 2})
	st, _ := akida.NewFloat32s("act_step", []int{3}, []float32{1, 2, 0.5})
	dense.Variables = []*akida.Variable{st, th, w}
	for _, l := range []*akida.Layer{akida.NewInputData("input", in), dense} {
		if err := m.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	b, err := fbz.Encode(m, fbz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tiny.fbz")
	if activation {
		path = filepath.Join(dir, "tiny_act.fbz")
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeInput writes a .npy file and returns its path.
func writeInput(t *testing.T, dir, name, descr string, shape []int, data []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := npy.Encode(&b, descr, shape, data); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func float64Bytes(values ...float64) []byte {
	var b []byte
	for _, v := range values {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func TestPredictFBZTable(t *testing.T) {
	dir := t.TempDir()
	model := tinyFBZ(t, dir, false)
	// Samples (a, b) = (3, 5) and (15, 0) as (N, C), the shape of an
	// InputData (1, 1, C) model's features:
	// (3, (5−1)/2, (6−5−2)/0.5) = (3, 2, −2); (15, −0.5, 56).
	input := writeInput(t, dir, "x.npy", "|u1", []int{2, 2}, []byte{3, 5, 15, 0})
	stdout, stderr, status := fbzCLI("predict", model, "--input", input)
	want := "outputs (2, 1, 1, 3) float32, akida predict\n" +
		"sample  argmax  values\n" +
		"0       0       3 2 -2\n" +
		"1       2       15 -0.5 56\n"
	if status != 0 || stderr != "" || stdout != want {
		t.Errorf("status %d, stderr %q, stdout\n%s\nwant\n%s", status, stderr, stdout, want)
	}
}

func TestPredictFBZJSONAndForwardSemantics(t *testing.T) {
	dir := t.TempDir()
	// With an activation the outputs are forward's levels: ceil((p − T)/s)
	// with s = act_step for 4 bits: (3, ceil(4/2)=2, 0 since 1 − 2 ≤ 0).
	// The input is float64 integers of shape (1, 1, 1, 2).
	model := tinyFBZ(t, dir, true)
	input := writeInput(t, dir, "x.npy", "<f8", []int{1, 1, 1, 2}, float64Bytes(3, 5))
	stdout, stderr, status := fbzCLI("predict", "--json", model, "--input", input)
	want := `{"shape":[1,1,1,3],"semantics":"akida forward","outputs":[[3,2,0]]}` + "\n"
	if status != 0 || stderr != "" || stdout != want {
		t.Errorf("status %d, stderr %q, stdout %s want %s", status, stderr, stdout, want)
	}
}

func TestPredictFBZWritesNPY(t *testing.T) {
	// The real pose classifier on 3 seeded samples of 4-bit features:
	// the .npy holds exactly sim.Predict's float32 outputs.
	path := fixtures.Shared(t, "akida", "v233_ei_pose_fc.fbz")
	dir := t.TempDir()
	features := make([]byte, 3*51)
	for i := range features {
		features[i] = byte(i * 7 % 16)
	}
	input := writeInput(t, dir, "x.npy", "|u1", []int{3, 1, 1, 51}, features)
	out := filepath.Join(dir, "y.npy")
	stdout, stderr, status := fbzCLI("predict", path, "--input", input, "-o", out)
	if status != 0 || stdout != "" || stderr != "" {
		t.Fatalf("status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := npy.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Descr != "<f4" || !slices.Equal(got.Shape, []int{3, 1, 1, 4}) {
		t.Fatalf("wrote %s %v, want <f4 [3 1 1 4]", got.Descr, got.Shape)
	}
	values, _ := got.Float32s()
	m, err := fbz.Decode(fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := sim.Predict(m, sim.Input{Shape: [4]int{3, 1, 1, 51}, Data: features})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(values, want.Data) {
		t.Errorf("file holds %v, sim.Predict gives %v", values, want.Data)
	}
}

func TestPredictKeras(t *testing.T) {
	// The TF.js dense model on its reference input: the outputs match the
	// TF.js reference within float32 rounding.
	modelDir := fixtures.Repo(t, "core", "keras", "testdata", "tfjs", "sequential_dense")
	refDir := fixtures.Repo(t, "core", "infer", "testdata", "reference", "tfjs_sequential_dense")
	out := filepath.Join(t.TempDir(), "y.npy")
	stdout, stderr, status := fbzCLI("predict", filepath.Join(modelDir, "model.json"), filepath.Join(modelDir, "group1-shard1of1.bin"),
		"--input", filepath.Join(refDir, "input.npy"), "-o", out)
	if status != 0 || stdout != "" || stderr != "" {
		t.Fatalf("status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	got := readFloats(t, out)
	want := readFloats(t, filepath.Join(refDir, "output.npy"))
	if !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("shape %v, reference %v", got.Shape, want.Shape)
	}
	for i := range want.values {
		if d := math.Abs(float64(got.values[i] - want.values[i])); d > 1e-5 {
			t.Fatalf("output %d: %v, reference %v", i, got.values[i], want.values[i])
		}
	}
}

type floats struct {
	Shape  []int
	values []float32
}

func readFloats(t *testing.T, path string) floats {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := npy.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	return floats{a.Shape, v}
}

func TestPredictErrors(t *testing.T) {
	dir := t.TempDir()
	model := tinyFBZ(t, dir, false)
	keras := tinyModel(t)
	good := writeInput(t, dir, "good.npy", "|u1", []int{1, 2}, []byte{1, 2})
	fraction := writeInput(t, dir, "fraction.npy", "<f8", []int{1, 2}, float64Bytes(1, 3.0000000001))
	big := writeInput(t, dir, "big.npy", "<i4", []int{1, 2}, binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 1), 300))
	beyondBits := writeInput(t, dir, "bits.npy", "|u1", []int{1, 2}, []byte{1, 16})
	shape := writeInput(t, dir, "shape.npy", "|u1", []int{1, 3}, []byte{1, 2, 3})
	missing := filepath.Join(dir, "missing.npy")
	notNPY := filepath.Join(dir, "not.npy")
	os.WriteFile(notNPY, []byte("hello"), 0o644)
	tests := []struct {
		name   string
		args   []string
		status int
		want   string // the stderr line, or its start for usage
	}{
		{"no input flag", []string{model}, 2, "usage: cnn2snn predict MODEL... --input X.npy"},
		{"no model", []string{"--input", good}, 2, "usage: cnn2snn predict MODEL... --input X.npy"},
		{"missing input", []string{model, "--input", missing}, 1, "cnn2snn: " + missing + ": cannot read the file: no such file or directory\n"},
		{"not a .npy", []string{model, "--input", notNPY}, 1, "cnn2snn: " + notNPY + ": npy: not a NumPy .npy file (the file does not start with \\x93NUMPY); save arrays with numpy.save\n"},
		{"non-integer input", []string{model, "--input", fraction}, 1, "cnn2snn: " + model + ": input value 3.0000000001 at flat index 1 is not an integer 0…255: Akida models take integer inputs (uint8 images, or values within the input bits); quantize the inputs first\n"},
		{"input beyond 255", []string{model, "--input", big}, 1, "cnn2snn: " + model + ": input value 300 at flat index 1 is not an integer 0…255: Akida models take integer inputs (uint8 images, or values within the input bits); quantize the inputs first\n"},
		{"input beyond input_bits", []string{model, "--input", beyondBits}, 1, "cnn2snn: " + model + `: input value 16 at (n=0, x=0, y=0, c=1) exceeds the 4-bit inputs of layer "input" (InputData), 0…15: scale the inputs to that range` + "\n"},
		{"wrong shape", []string{model, "--input", shape}, 1, "cnn2snn: " + model + ": input shape [1 1 1 3] does not match the model's input shape (N, 1, 1, 2) of layer \"input\" (InputData): give uint8 inputs of shape (N, 1, 1, 2)\n"},
		{"missing model", []string{filepath.Join(dir, "none.fbz"), "--input", good}, 1, "cnn2snn: " + filepath.Join(dir, "none.fbz") + ": cannot read the file: no such file or directory\n"},
		{"missing Keras model", []string{filepath.Join(dir, "none.h5"), "--input", good}, 1, "cnn2snn: " + filepath.Join(dir, "none.h5") + ": cannot read the file: no such file or directory\n"},
		{"Keras input of the wrong shape", []string{keras, "--input", good}, 1, "cnn2snn: " + keras + `: the input has shape [1 2] but the model input "input_1" takes (None, 8, 8, 1) (batch first); resize or reshape the input` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, status := fbzCLI(append([]string{"predict"}, tt.args...)...)
			if status != tt.status || stdout != "" || !strings.HasPrefix(stderr, tt.want) {
				t.Errorf("status %d (want %d), stdout %q, stderr\n%s\nwant\n%s", status, tt.status, stdout, stderr, tt.want)
			}
			if tt.status == 1 && strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", stderr)
			}
		})
	}
}

func TestPredictJSONIsParseable(t *testing.T) {
	// --json on a real image model: one row per sample of 28·28·2 values.
	path := fixtures.Shared(t, "akida", "v233_ei_inventory_fomo.fbz")
	dir := t.TempDir()
	pixels := make([]byte, 224*224*3)
	for i := range pixels {
		pixels[i] = byte(i * 31)
	}
	input := writeInput(t, dir, "x.npy", "|u1", []int{224, 224, 3}, pixels) // one sample, no batch axis
	stdout, stderr, status := fbzCLI("predict", path, "--input", input, "--json")
	if status != 0 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	var got struct {
		Shape     []int       `json:"shape"`
		Semantics string      `json:"semantics"`
		Outputs   [][]float32 `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Shape, []int{1, 28, 28, 2}) || got.Semantics != "akida predict" || len(got.Outputs) != 1 || len(got.Outputs[0]) != 28*28*2 {
		t.Errorf("shape %v, semantics %q, %d samples", got.Shape, got.Semantics, len(got.Outputs))
	}
}

// v2FBZ writes a hand-built Akida 2.0 model to dir and returns its path.
// With quantizer, the model starts with a Quantizer of scale 4 (float
// inputs → int8) fed into an InputData, else with a signed 8-bit
// InputData (1, 1, 2); then a Dense1D of 2 units, weights rows (c0, c1) =
// [1 −1; 2 3], and, with dequantizer, a Dequantizer of scales (0.5, 0.25).
// For integer inputs (a, b) the Dense1D gives (a + 2b, 3b − a).
func v2FBZ(t *testing.T, dir string, quantizer, dequantizer bool) string {
	t.Helper()
	m := &akida.Model{}
	add := func(l *akida.Layer, ins ...*akida.Layer) {
		if err := m.Add(l, ins...); err != nil {
			t.Fatal(err)
		}
	}
	in := akida.DefaultInputData()
	in.InputShape, in.InputBits, in.Signed = [3]int{1, 1, 2}, 8, true
	input := akida.NewInputData("input", in)
	if quantizer {
		q := akida.NewQuantizer("quantizer", akida.QuantizerOptions{InputShape: [3]int{1, 1, 2}, OutputBits: 8, OutputSigned: true})
		s, _ := akida.NewFloat32s("scales", []int{2}, []float32{4, 4})
		q.SetVariable(s)
		add(q)
		add(input, q)
	} else {
		add(input)
	}
	o := akida.DefaultDense1D()
	o.Units = 2
	o.Bits = akida.Bits{OutputBits: 28, BufferBits: 28, PostOpBufferBits: 32}
	dense := akida.NewDense1D("dense", o)
	w, err := akida.NewWeights("weights", []int{2, 2}, []int8{1, -1, 2, 3}, 8)
	if err != nil {
		t.Fatal(err)
	}
	dense.SetVariable(w)
	add(dense)
	name := "v2.fbz"
	if quantizer {
		name = "v2_quantizer.fbz"
	}
	if dequantizer {
		dq := akida.NewDequantizer("dequantizer")
		s, _ := akida.NewFloat32s("scales", []int{2}, []float32{0.5, 0.25})
		dq.SetVariable(s)
		add(dq)
		name = strings.TrimSuffix(name, ".fbz") + "_dequantizer.fbz"
	}
	b, err := fbz.Encode(m, fbz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPredictV2FBZ(t *testing.T) {
	dir := t.TempDir()
	// Signed inputs (3, −5) and (−128, 127) as int8: the Dense1D gives
	// (3 − 10, −15 − 3) = (−7, −18) and (−128 + 254, 381 + 128) = (126,
	// 509); the Dequantizer (−3.5, −4.5) and (63, 127.25).
	input := writeInput(t, dir, "x.npy", "|i1", []int{2, 2}, []byte{3, 0xfb, 0x80, 0x7f})
	stdout, stderr, status := fbzCLI("predict", "--json", v2FBZ(t, dir, false, true), "--input", input)
	want := `{"shape":[2,1,1,2],"semantics":"akida predict","outputs":[[-3.5,-4.5],[63,127.25]]}` + "\n"
	if status != 0 || stderr != "" || stdout != want {
		t.Errorf("status %d, stderr %q, stdout %s want %s", status, stderr, stdout, want)
	}
	// Without the Dequantizer: the integers, forward semantics; the same
	// signed values given as float64 integers.
	input = writeInput(t, dir, "x8.npy", "<f8", []int{1, 1, 1, 2}, float64Bytes(3, -5))
	stdout, stderr, status = fbzCLI("predict", "--json", v2FBZ(t, dir, false, false), "--input", input)
	want = `{"shape":[1,1,1,2],"semantics":"akida forward","outputs":[[-7,-18]]}` + "\n"
	if status != 0 || stderr != "" || stdout != want {
		t.Errorf("status %d, stderr %q, stdout %s want %s", status, stderr, stdout, want)
	}
}

func TestPredictV2FBZFloatInputs(t *testing.T) {
	// A Quantizer of scale 4: (0.75, −1.25) → (3, −5), then as above:
	// (−7, −18) → (−3.5, −4.5); 0.625·4 = 2.5 rounds half to even to 2.
	dir := t.TempDir()
	input := writeInput(t, dir, "x.npy", "<f8", []int{2, 1, 1, 2}, float64Bytes(0.75, -1.25, 0.625, 0))
	stdout, stderr, status := fbzCLI("predict", v2FBZ(t, dir, true, true), "--input", input)
	// (2, 0): (2, −2) → (1, −0.5).
	want := "outputs (2, 1, 1, 2) float32, akida predict\n" +
		"sample  argmax  values\n" +
		"0       0       -3.5 -4.5\n" +
		"1       0       1 -0.5\n"
	if status != 0 || stderr != "" || stdout != want {
		t.Errorf("status %d, stderr %q, stdout\n%s\nwant\n%s", status, stderr, stdout, want)
	}
}

func TestPredictV2Errors(t *testing.T) {
	dir := t.TempDir()
	model := v2FBZ(t, dir, false, true)
	floats := v2FBZ(t, dir, true, true)
	beyond := writeInput(t, dir, "beyond.npy", "<f8", []int{1, 2}, float64Bytes(1, 128))
	fraction := writeInput(t, dir, "fraction.npy", "<f8", []int{1, 2}, float64Bytes(-0.5, 1))
	nan := writeInput(t, dir, "nan.npy", "<f8", []int{1, 2}, float64Bytes(math.NaN(), 1))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"signed input beyond 127", []string{model, "--input", beyond},
			"cnn2snn: " + model + ": input value 128 at flat index 1 is not an integer -128…127: this Akida model takes signed 8-bit inputs (its InputData has input_signed=1); quantize the inputs first\n"},
		{"signed input not an integer", []string{model, "--input", fraction},
			"cnn2snn: " + model + ": input value -0.5 at flat index 0 is not an integer -128…127: this Akida model takes signed 8-bit inputs (its InputData has input_signed=1); quantize the inputs first\n"},
		{"NaN float input", []string{floats, "--input", nan},
			"cnn2snn: " + floats + `: input value NaN at (n=0, x=0, y=0, c=0) of layer "quantizer" (Quantizer) is not a finite number: give finite float32 inputs` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, status := fbzCLI(append([]string{"predict"}, tt.args...)...)
			if status != 1 || stdout != "" || stderr != tt.want {
				t.Errorf("status %d, stdout %q, stderr\n%s\nwant\n%s", status, stdout, stderr, tt.want)
			}
		})
	}
}
