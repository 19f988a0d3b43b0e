package core

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/npy"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// The facade's quantization step (quantize.go): options reach the
// quantizer, its report and problems reach the facade's reports.

// sequentialDense reads the project's TF.js sequential_dense model (Dense
// 20→32 relu, Dropout, Dense 32→4 sigmoid), its model.json rewritten by
// edit.
func sequentialDense(t *testing.T, edit func(topology string) string) []File {
	t.Helper()
	dir := fixtures.Repo(t, "core", "keras", "testdata", "tfjs", "sequential_dense")
	js, err := os.ReadFile(filepath.Join(dir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(filepath.Join(dir, "group1-shard1of1.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		js = []byte(edit(string(js)))
	}
	return []File{{Name: "model.json", Data: js}, {Name: "group1-shard1of1.bin", Data: bin}}
}

func TestQuantizeOptionsReachTheQuantizer(t *testing.T) {
	// Two samples of 20 features, all 0.5: dense_relu's outputs on them.
	var b bytes.Buffer
	if err := npy.EncodeFloat32(&b, []int{2, 20}, slices.Repeat([]float32{0.5}, 40)); err != nil {
		t.Fatal(err)
	}
	res, err := Convert(sequentialDense(t, nil), Options{
		Quantize: QuantizeOptions{Weights: 2, Activations: 2, InputWeights: 4}, Calibration: b.Bytes()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := fbz.Decode(res.FBZ)
	if err != nil {
		t.Fatal(err)
	}
	// InputData, then the first neural layer with the input weight bits.
	if p := m.Layers[1].Params; p.Value("weights_bits") != 4 || p.Value("act_bits") != 2 || m.Layers[2].Params.Value("weights_bits") != 2 {
		t.Errorf("bits: %d %d %d", p.Value("weights_bits"), p.Value("act_bits"), m.Layers[2].Params.Value("weights_bits"))
	}
	q := res.Report.Quantization
	if q == nil || q.Bits != (quantize.Bits{Weights: 2, Activations: 2, InputWeights: 4}) {
		t.Fatalf("quantization report %+v", q)
	}
	if c := q.Calibration; c.Source != quantize.CalibrationNPY || c.Samples != 2 || c.ReLUs[0].Outputs != 64 {
		t.Errorf("calibration %+v", c)
	}
	wantSteps := []string{
		`loaded tfjs-layers model "sequential_dense": 4 layers, 804 parameters`,
		"calibrated the max_value of 1 unbounded ReLU(s) on 2 inputs from the calibration batch: the 99.99th percentile of each ReLU's outputs, rounded up to two significant digits (extension: cnn2snn.quantize uses 2^bits − 1)",
		"quantized with 2-bit weights, 2-bit activations and 4-bit input weights",
		"converted to 3 Akida 1.0 layers",
	}
	if !slices.Equal(res.Report.Steps[:4], wantSteps) {
		t.Errorf("steps %q", res.Report.Steps)
	}
	// The report's JSON carries the quantization.
	j, _ := json.Marshal(res.Report)
	for _, key := range []string{`"quantization":{`, `"actions":[`, `"kind":"split-activation"`, `"max_value_source":"calibrated"`, `"calibration":{"source":"npy"`} {
		if !bytes.Contains(j, []byte(key)) {
			t.Errorf("report JSON lacks %s", key)
		}
	}

	// A batch that does not fit the model is an error for both.
	b.Reset()
	if err := npy.EncodeFloat32(&b, []int{1, 3}, []float32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	want := `the calibration batch has shape (1, 3) but the model takes (None, 20): give a batch of at least one model input, batch first`
	if _, err := Check(sequentialDense(t, nil), Options{Calibration: b.Bytes()}); err == nil || err.Error() != want {
		t.Errorf("check: %v", err)
	}
	if _, err := Convert(sequentialDense(t, nil), Options{Calibration: b.Bytes()}); err == nil || err.Error() != want {
		t.Errorf("convert: %v", err)
	}
}

// TestQuantizeProblemsInReports: the quantizer's problems come first, and
// the converter's complaints about the layers it left float are dropped.
func TestQuantizeProblemsInReports(t *testing.T) {
	tanh := func(js string) string { return strings.Replace(js, `"relu"`, `"tanh"`, 1) }
	r, err := Check(sequentialDense(t, tanh), Options{Target: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []compat.Diagnostic{
		{Layer: "dense_relu", Rule: "default-arguments", Message: "Argument 'activation' in layer 'dense_relu' is only supported with default value 'linear'. Receives 'tanh'."},
		{Layer: "dense_sigmoid", Rule: "two-neural-layers", Message: "An activation layer is required between the two neural layers 'dense_relu' and 'dense_sigmoid'."},
	}
	if r.Compatible || !slices.Equal(r.Diagnostics, want) {
		t.Errorf("diagnostics %q", r.Diagnostics)
	}
	if r.Rules["default-arguments"] != compat.DefaultArguments.Doc || r.Rules["two-neural-layers"] == "" || len(r.Rules) != 2 {
		t.Errorf("rules %v", r.Rules)
	}
	if b := r.Blocks[1]; b.AkidaLayer != "dense_relu" || !slices.Equal(b.Incompatible, []string{"dense_relu"}) {
		t.Errorf("block %+v", b)
	}
	if !slices.Contains(r.Steps, "quantization: 1 problems to fix in the float model") || r.Steps[len(r.Steps)-1] != "not compatible: 2 problems" {
		t.Errorf("steps %q", r.Steps)
	}

	_, err = Convert(sequentialDense(t, tanh), Options{Target: "v1"})
	var me *ModelError
	if !errors.As(err, &me) || err.Error() != want[0].Message || !slices.Equal(me.Report.Diagnostics, want) ||
		!slices.Equal(me.Err.Diagnostics, want) || me.Report.Quantization == nil {
		t.Errorf("convert: %v", err)
	}
}

// TestCalibrationFailure: a calibration that fails (here, dense_relu's
// huge weights give infinite outputs) is a warning for Check, which goes
// on with cnn2snn's default max_value, and the error of Convert.
func TestCalibrationFailure(t *testing.T) {
	files := sequentialDense(t, nil)
	bin := slices.Clone(files[1].Data)
	for i := range 20 * 32 { // dense_relu/kernel comes first in the shard
		binary.LittleEndian.PutUint32(bin[4*i:], math.Float32bits(3e38))
	}
	files[1].Data = bin
	want := `cannot calibrate the unbounded ReLUs (dense_relu/relu) of model "sequential_dense": the outputs of ReLU dense_relu/relu on the calibration batch are not finite (+Inf); check the model's weights and the calibration inputs; give a calibration batch of model inputs (a .npy file, batch first) or set max_value on these ReLUs`
	r, err := Check(files, Options{Target: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Warnings, []string{want + " (the check went on with cnn2snn's default max_value 2^bits − 1 for these ReLUs; a conversion stops here)"}) ||
		r.Quantization.Calibration.Error != want {
		t.Errorf("warnings %q", r.Warnings)
	}
	if _, err := Convert(files, Options{Target: "v1"}); err == nil || err.Error() != want {
		t.Errorf("convert: %v", err)
	}
}
