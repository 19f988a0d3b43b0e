package quantize_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// loadTestdata loads one of the float models tools/qmlgen writes.
func loadTestdata(t testing.TB, name string) *keras.Model {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := keras.Load([]keras.File{{Name: name, Data: b}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func weightValues(t *testing.T, m *keras.Model, layer, weight string) []float32 {
	t.Helper()
	l := m.Layer(layer)
	if l == nil || l.Weight(weight) == nil {
		t.Fatalf("%s has no weight %s", layer, weight)
	}
	return l.Weight(weight).Values
}

// TestQuantizeMLExact quantizes qml_exact (Input(3,3,1) float32 >
// Conv2D(2, 3×3 valid) > ReLU > Flatten > Dense(2), weights in
// tools/qmlgen/make_float_models.py) on its calibration array with
// quantizeml's defaults, batch_size 2, num_samples 2, and checks every
// value against the arithmetic worked out by hand (spec conversion-v2.md
// §4.2–§4.4), then the Akida 2.0 integers cnn2snn would make of it.
//
// The calibration array holds two samples:
//
//	s0 = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
//	s1 = [[3, 0, 2], [1, 6, -2], [2, 2, 12]]
//
// batch_size 2 and num_samples 2 make one predict step of both samples,
// so each observer takes the batch maximum as it is (its variable still
// holds the initial 1s).
func TestQuantizeMLExact(t *testing.T) {
	m := loadTestdata(t, "qml_exact_keras2.15.h5")
	q, rep, err := quantize.QuantizeML(m, quantize.QMLOptions{
		Calibration: readTestdata(t, "qml_exact_calibration.npy"), Samples: 2, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	var classes []string
	for _, l := range q.Layers {
		classes = append(classes, l.Name+":"+l.ClassName)
	}
	want := []string{"input:InputLayer", "input_quantizer:InputQuantizer", "conv:QuantizedConv2D", "relu:QuantizedReLU",
		"flatten:QuantizedFlatten", "dense:QuantizedDense", "dequantizer:Dequantizer"}
	if !slices.Equal(classes, want) {
		t.Fatalf("layers %v, want %v", classes, want)
	}
	if c := rep.QuantizeML.Calibration; c.Batch != 2 || c.Batches != 1 || c.Source != quantize.CalibrationNPY {
		t.Errorf("calibration %+v, want one batch of 2 from the array", c)
	}

	// InputQuantizer: uint8 (unsigned), per-axis over the one channel.
	// range_max = max(9, 12) = 12; range_min = min(1, −2) = −2, kept
	// (≤ 0).
	if got := weightValues(t, q, "input_quantizer", "range_max"); !slices.Equal(got, []float32{12}) {
		t.Errorf("range_max %v, want [12]", got)
	}
	if got := weightValues(t, q, "input_quantizer", "range_min"); !slices.Equal(got, []float32{-2}) {
		t.Errorf("range_min %v, want [-2]", got)
	}
	// The zero point is folded into conv's bias: bias += Σ kernel·(−2).
	// Filter 0 (0.5 centre, 0.125 top-left): 0.5 + (0.625·−2) = −0.75.
	// Filter 1 (−0.25 × 8, 1.0): 2.0 + (−1.0·−2) = 4.0.
	if got := weightValues(t, q, "conv", "bias"); !slices.Equal(got, []float32{-0.75, 4}) {
		t.Errorf("conv bias %v, want [-0.75 4]", got)
	}

	// The ReLU's output quantizer: 8-bit signed per-tensor (its output
	// (1, 1, 2) is a vector). Float conv outputs (original bias):
	//   s0: f0 = 0.5·5 + 0.125·1 + 0.5 = 3.125, f1 = −0.25·36 + 9 + 2 = 2
	//   s1: f0 = 0.5·6 + 0.125·3 + 0.5 = 3.875, f1 = −0.25·14 + 12 + 2 = 10.5
	// observed 10.5; ideal = (2^8 − 1)·2^(floor(log2 10.5) − 8) = 255/32 =
	// 7.96875; rescaling_rate = 7.96875 / 10.5 in float32.
	rate := float32(7.96875) / float32(10.5)
	if got := weightValues(t, q, "relu", "output_quantizer/range_max"); !slices.Equal(got, []float32{7.96875}) {
		t.Errorf("relu range_max %v, want [7.96875]", got)
	}
	if got := weightValues(t, q, "relu", "output_quantizer/rescaling_rate"); !slices.Equal(got, []float32{rate}) {
		t.Errorf("relu rescaling_rate %v, want [%v]", got, rate)
	}
	// Cross-layer equalization: the Dense kernel [[1, −0.5], [0.25, 0.75]]
	// is divided by the rate (through the per-tensor Flatten).
	wantKernel := []float32{1 / rate, -0.5 / rate, 0.25 / rate, 0.75 / rate}
	if got := weightValues(t, q, "dense", "kernel"); !slices.Equal(got, wantKernel) {
		t.Errorf("dense kernel %v, want %v", got, wantKernel)
	}

	// The Akida 2.0 model cnn2snn makes of it.
	am, _, err := convert.Convert(q, convert.Options{Target: convert.TargetV2})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, l := range am.Layers {
		types = append(types, l.Name+":"+l.Type.String())
	}
	if want := []string{"input_quantizer:Quantizer", "conv:InputConv2D", "dense:Dense1D", "dequantizer:Dequantizer"}; !slices.Equal(types, want) {
		t.Fatalf("Akida layers %v, want %v", types, want)
	}
	// Quantizer: range 12 − (−2) = 14, F = 8 − clog2(14) = 4: scales 2^4;
	// zero point round(2·16) = 32.
	checkFloat32s(t, am, "input_quantizer", "scales", 16)
	checkUint8s(t, am, "input_quantizer", "zero_points", 32)
	// InputConv2D weights, 8-bit per output channel, not flipped:
	// filter 0: S = 0.5/127, 0.5 → 127, 0.125 → 31.75 → 32;
	// filter 1: S = 1/127, 1.0 → 127, −0.25 → −31.75 → −32.
	// Layout (3, 3, 1, 2): position-major, the two filters interleaved.
	checkInt8s(t, am, "conv", "weights", 32, -32, 0, -32, 0, -32, 0, -32, 127, -32, 0, -32, 0, -32, 0, -32, 0, 127)
	// Bias on the accumulator (F = 4 from the Quantizer, S = S_w):
	// ch0: −0.75/(0.5/127) = −190.5, clog2 190.5 = 8, f = 7 − 8 = −1:
	//      round(−190.5/2) = −95, shift 4 − (−1) = 5;
	// ch1: 4/(1/127) = 508, clog2 = 9, f = −2: round(508/4) = 127,
	//      shift 6.
	checkInt8s(t, am, "conv", "bias", -95, 127)
	checkUint8s(t, am, "conv", "bias_shift", 5, 6)
	// Output quantizer: S' = S_w·rate: ch0 0.5/127·0.759 = 0.0029879,
	// clog2 = −8, f_s = 8 + 8 = 16, round(0.0029879·2^16) = 196;
	// ch1 twice that: f_s = 15, 196. F_out = 7 − clog2(7.96875) = 4;
	// shift = 4 − (4 + 16) = −16 and −15.
	checkUint8s(t, am, "conv", "output_scales", 196, 196)
	checkInt8s(t, am, "conv", "output_shift", -16, -15)
	// Dense1D: columns [1, 0.25]/rate → S = (1/rate)/127: 127, 31.75 → 32;
	// [−0.5, 0.75]/rate → S = (0.75/rate)/127: −84.67 → −85, 127.
	checkInt8s(t, am, "dense", "weights", 127, -85, 32, 127)
	// Bias on F = 4: ch0 0.125/S0 = 12.05, f = min(7 − 4, 4) = 3,
	// round(96.4) = 96, shift 1; ch1 −0.25/S1 = −32.13, f = 7 − 6 = 1,
	// round(−64.3) = −64, shift 3.
	checkInt8s(t, am, "dense", "bias", 96, -64)
	checkUint8s(t, am, "dense", "bias_shift", 1, 3)
}

func variable(t *testing.T, am *akida.Model, layer, name string) *akida.Variable {
	t.Helper()
	l := am.Layer(layer)
	if l == nil || l.Variable(name) == nil {
		t.Fatalf("%s has no variable %s", layer, name)
	}
	return l.Variable(name)
}

func checkInt8s(t *testing.T, am *akida.Model, layer, name string, want ...int8) {
	t.Helper()
	got, err := variable(t, am, layer, name).Int8s()
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("%s %s: %v %v, want %v", layer, name, got, err, want)
	}
}

func checkUint8s(t *testing.T, am *akida.Model, layer, name string, want ...uint8) {
	t.Helper()
	got, err := variable(t, am, layer, name).Uint8s()
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("%s %s: %v %v, want %v", layer, name, got, err, want)
	}
}

func checkFloat32s(t *testing.T, am *akida.Model, layer, name string, want ...float32) {
	t.Helper()
	got, err := variable(t, am, layer, name).Float32s()
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("%s %s: %v %v, want %v", layer, name, got, err, want)
	}
}

// loadTestdataOrFixture loads a testdata model, or a shared fixture.
func loadTestdataOrFixture(t testing.TB, name string) *keras.Model {
	if strings.HasPrefix(name, "qml_") {
		return loadTestdata(t, name)
	}
	return loadFixture(t, name)
}
