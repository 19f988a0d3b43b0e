package quantize_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/npy"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// Config helpers with Keras defaults.

func conv2D(filters, kernel int, activation string) *keras.Conv2D {
	return &keras.Conv2D{Filters: filters, KernelSize: [2]int{kernel, kernel}, Strides: [2]int{1, 1}, Padding: "same",
		DataFormat: "channels_last", DilationRate: []int{1, 1}, Groups: 1, Activation: activation, UseBias: true}
}

func separable(filters, kernel int, activation string) *keras.SeparableConv2D {
	return &keras.SeparableConv2D{Filters: filters, KernelSize: [2]int{kernel, kernel}, Strides: [2]int{1, 1}, Padding: "same",
		DataFormat: "channels_last", DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: activation, UseBias: true}
}

func dense(units int, activation string) *keras.Dense {
	return &keras.Dense{Units: units, Activation: activation, UseBias: true}
}

func relu(maxValue float64) *keras.ReLU {
	if maxValue == 0 {
		return &keras.ReLU{}
	}
	return &keras.ReLU{MaxValue: &maxValue}
}

func maxPool(size int) *keras.MaxPooling2D {
	return &keras.MaxPooling2D{PoolSize: [2]int{size, size}, Strides: [2]int{size, size}, Padding: "same", DataFormat: "channels_last"}
}

func batchNorm() *keras.BatchNormalization {
	return &keras.BatchNormalization{Axis: []int{-1}, Momentum: 0.99, Epsilon: 1, Center: true, Scale: true}
}

func ones(name string, shape ...int) keras.Weight {
	return modeltest.Fill(name, shape, func(int) float32 { return 1 })
}

func zeros(name string, shape ...int) keras.Weight {
	return modeltest.Fill(name, shape, func(int) float32 { return 0 })
}

// npyBatch encodes a float32 batch as a .npy file.
func npyBatch(t *testing.T, shape []int, values []float32) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := npy.EncodeFloat32(&b, shape, values); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// layerSummary is "name Class" for each layer, to compare layer lists.
func layerSummary(m *keras.Model) []string {
	var out []string
	for _, l := range m.Layers {
		out = append(out, l.Name+" "+l.ClassName)
	}
	return out
}

func actionKinds(r *quantize.Report) []string {
	var out []string
	for _, a := range r.Actions {
		out = append(out, a.Kind+" "+a.Layer)
	}
	return out
}

func sameStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// checkChain checks that each layer is fed by the one before and that the
// last one is the output.
func checkChain(t *testing.T, m *keras.Model) {
	t.Helper()
	if m.Class != "Sequential" || !slices.Equal(m.Inputs, []string{m.Layers[0].Name}) ||
		!slices.Equal(m.Outputs, []string{m.Layers[len(m.Layers)-1].Name}) {
		t.Errorf("model %s: inputs %v outputs %v", m.Class, m.Inputs, m.Outputs)
	}
	for i, l := range m.Layers[1:] {
		if !slices.Equal(l.Inbound, []string{m.Layers[i].Name}) || l.InboundNodes != 1 {
			t.Errorf("layer %s is fed by %v (%d nodes), want %s", l.Name, l.Inbound, l.InboundNodes, m.Layers[i].Name)
		}
	}
}

// convertAndRoundTrip converts the quantized model and checks that its
// .fbz decodes to the same layers.
func convertAndRoundTrip(t *testing.T, m *keras.Model) *akida.Model {
	t.Helper()
	am, _, err := convert.Convert(m, convert.Options{})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	b, err := fbz.Encode(am, fbz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	back, err := fbz.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Layers) != len(am.Layers) {
		t.Fatalf(".fbz round trip: %d layers, want %d", len(back.Layers), len(am.Layers))
	}
	for i, l := range am.Layers {
		if !l.Equal(back.Layers[i]) {
			t.Errorf(".fbz round trip: layer %s differs", l.Name)
		}
	}
	return am
}

// sameModel checks that the input model was not modified: m is compared
// with a clone taken before quantizing.
func sameModel(t *testing.T, m, before *keras.Model) {
	t.Helper()
	if len(m.Layers) != len(before.Layers) || !slices.Equal(m.Outputs, before.Outputs) || m.Class != before.Class {
		t.Fatalf("the input model was modified: %v", layerSummary(m))
	}
	for i, l := range m.Layers {
		b := before.Layers[i]
		same := l.Name == b.Name && l.ClassName == b.ClassName && reflect.DeepEqual(l.Config, b.Config) &&
			slices.Equal(l.Inbound, b.Inbound) && slices.Equal(l.OutputShape, b.OutputShape) && len(l.Weights) == len(b.Weights)
		for j := 0; same && j < len(l.Weights); j++ {
			same = l.Weights[j].Name == b.Weights[j].Name && slices.Equal(l.Weights[j].Values, b.Weights[j].Values)
		}
		if !same {
			t.Errorf("the input model's layer %s was modified", l.Name)
		}
	}
}

// fusedModel: Conv2D(relu) → Flatten → Dense(softmax), the shape of many
// users' float models.
func fusedModel() *keras.Model {
	return modeltest.New("fused", 4, 4, 1).
		Add("conv", conv2D(2, 1, "relu"), modeltest.W("kernel", []int{1, 1, 1, 2}, 1, -1), zeros("bias", 2)).
		Add("flatten", &keras.Flatten{DataFormat: "channels_last"}).
		Add("dense", dense(3, "softmax"), ones("kernel", 32, 3), zeros("bias", 3)).
		Model()
}

// TestFusedActivations: a fused relu becomes a ReLU layer of its own,
// calibrated on the given batch, and a fused final softmax an Activation
// layer that the converter drops.
func TestFusedActivations(t *testing.T) {
	m := fusedModel()
	before := m.Clone()
	// One sample whose conv channel 0 is the input and channel 1 its
	// negation: the ReLU outputs 16 zeros, fourteen 0.5, 3.1 and 3.17. The
	// 99.99th percentile of these 32 values is at rank 0.9999·31 = 30.9969:
	// 3.1 + 0.9969·(3.17 − 3.1) = 3.1698, rounded up to two digits: 3.2.
	x := make([]float32, 16)
	for i := range 14 {
		x[i] = 0.5
	}
	x[14], x[15] = 3.1, 3.17
	o := quantize.DefaultOptions()
	o.Calibration = npyBatch(t, []int{1, 4, 4, 1}, x)
	q, rep, err := quantize.Model(m, o)
	if err != nil {
		t.Fatal(err)
	}
	sameStrings(t, "layers", layerSummary(q), []string{
		"input InputLayer", "conv QuantizedConv2D", "conv/relu QuantizedReLU", "flatten Flatten",
		"dense QuantizedDense", "dense/softmax Activation"})
	checkChain(t, q)
	c := q.Layer("conv").Config.(*keras.QuantizedConv2D)
	if c.Activation != "linear" || c.Quantizer != (keras.WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 8, Threshold: 3}) {
		t.Errorf("conv: activation %q, quantizer %+v", c.Activation, c.Quantizer)
	}
	if r := q.Layer("conv/relu").Config.(*keras.QuantizedReLU); *r != (keras.QuantizedReLU{Bitwidth: 4, MaxValue: 3.2}) {
		t.Errorf("conv/relu: %+v", *r)
	}
	if d := q.Layer("dense").Config.(*keras.QuantizedDense); d.Activation != "linear" || d.Quantizer.Bitwidth != 4 {
		t.Errorf("dense: %+v", d)
	}
	if a := q.Layer("dense/softmax").Config.(*keras.Activation); a.Activation != "softmax" {
		t.Errorf("dense/softmax: %+v", a)
	}
	sameModel(t, m, before)

	sameStrings(t, "actions", actionKinds(rep), []string{
		"split-activation conv", "final-activation dense", "quantize-layer conv", "quantize-relu conv/relu", "quantize-layer dense"})
	for i, want := range []string{
		`split the fused activation "relu" of conv into a ReLU layer conv/relu (extension: cnn2snn.quantize refuses fused activations)`,
		`split the fused final activation "softmax" of dense into an Activation layer dense/softmax, which the converter drops as cnn2snn drops a final activation: the Akida model outputs dense's potentials (apply softmax on them if you need probabilities)`,
		"quantized conv: Conv2D → QuantizedConv2D with 8-bit weights, MaxPerAxisQuantizer (one scale per output channel) (first neural layer: the input weight bitwidth)",
		"ReLU conv/relu → QuantizedReLU with 4-bit activations, max_value calibrated to 3.2 on 1 inputs from the calibration batch (99.99th percentile 3.17 of 32 outputs, maximum 3.17)",
		"quantized dense: Dense → QuantizedDense with 4-bit weights, MaxPerAxisQuantizer (one scale per output channel)",
	} {
		if rep.Actions[i].Text != want {
			t.Errorf("action %d:\n got  %s\n want %s", i, rep.Actions[i].Text, want)
		}
	}
	if a := rep.Actions[3]; !a.Extension || a.MaxValueSource != quantize.MaxValueCalibrated || *a.MaxValue != 3.2 || a.Bits != 4 {
		t.Errorf("relu action %+v", a)
	}
	cal := rep.Calibration
	if cal.Source != quantize.CalibrationNPY || cal.Samples != 1 || len(cal.ReLUs) != 1 {
		t.Fatalf("calibration %+v", cal)
	}
	if r := cal.ReLUs[0]; r.Layer != "conv/relu" || r.Outputs != 32 || math.Abs(r.Percentile-3.1698) > 1e-4 ||
		r.Max != float64(float32(3.17)) || r.MaxValue != 3.2 {
		t.Errorf("relu calibration %+v", r)
	}
	if got := rep.Changed; !slices.Equal(got, []string{"conv", "conv/relu", "dense", "dense/softmax"}) {
		t.Errorf("changed %v", got)
	}

	// The raw config follows the typed one, as cnn2snn's get_config.
	var raw map[string]any
	if err := json.Unmarshal(q.Layer("conv").RawConfig, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["activation"]; ok || raw["name"] != "conv" || raw["use_bias"] != true ||
		!reflect.DeepEqual(raw["quantizer"], map[string]any{"class_name": "MaxPerAxisQuantizer", "config": map[string]any{"bitwidth": 8.0}}) {
		t.Errorf("conv raw config %s", q.Layer("conv").RawConfig)
	}

	am := convertAndRoundTrip(t, q)
	var types []string
	for _, l := range am.Layers {
		types = append(types, l.Name+" "+l.Type.String())
	}
	sameStrings(t, "akida layers", types, []string{"conv InputConvolutional", "dense FullyConnected"})
}

// TestActivationLayersBecomeReLUs: Activation("relu6") and
// Activation("relu") layers become ReLUs (max_value 6, and calibrated);
// another Activation stays. The seeded inputs of a non-image model are
// PCG(CalibrationSeed, CalibrationSeed) uniform floats in [0, 1), drawn
// sample after sample.
func TestActivationLayersBecomeReLUs(t *testing.T) {
	identity := func(name string) keras.Weight { return modeltest.W(name, []int{2, 2}, 1, 0, 0, 1) }
	m := modeltest.New("acts", 2).
		Add("d1", dense(2, "linear"), identity("kernel"), zeros("bias", 2)).
		Add("act6", &keras.Activation{Activation: "relu6"}).
		Add("d2", dense(2, "linear"), identity("kernel"), zeros("bias", 2)).
		Add("act", &keras.Activation{Activation: "relu"}).
		Add("d3", dense(1, "linear"), modeltest.W("kernel", []int{2, 1}, 1, 1), zeros("bias", 1)).
		Add("tanh", &keras.Activation{Activation: "tanh"}).
		Model()
	q, rep, err := quantize.Model(m, quantize.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	sameStrings(t, "layers", layerSummary(q), []string{
		"input InputLayer", "d1 QuantizedDense", "act6 QuantizedReLU", "d2 QuantizedDense", "act QuantizedReLU", "d3 QuantizedDense", "tanh Activation"})

	// act sees the inputs unchanged (identity kernels, inputs below 6):
	// its 32 outputs are the 16 seeded samples of 2 values.
	rng := rand.New(rand.NewPCG(quantize.CalibrationSeed, quantize.CalibrationSeed))
	var x []float64
	for range 16 * 2 {
		x = append(x, float64(rng.Float32()))
	}
	slices.Sort(x)
	r := 0.9999 * 31
	p := x[30] + (r-30)*(x[31]-x[30])
	want := roundUp2(p)
	if got := q.Layer("act").Config.(*keras.QuantizedReLU); got.MaxValue != want || got.Bitwidth != 4 {
		t.Errorf("act: %+v, want max_value %v (percentile %v)", got, want, p)
	}
	if got := q.Layer("act6").Config.(*keras.QuantizedReLU); got.MaxValue != 6 {
		t.Errorf("act6: %+v", got)
	}
	if cal := rep.Calibration; cal.Source != quantize.CalibrationSeeded || cal.Samples != 16 || cal.Inputs != "uniform floats in [0, 1)" ||
		cal.Seed != quantize.CalibrationSeed || cal.ReLUs[0].Percentile != p {
		t.Errorf("calibration %+v", cal)
	}
	sameStrings(t, "actions", actionKinds(rep), []string{
		"activation-to-relu act6", "activation-to-relu act",
		"quantize-layer d1", "quantize-relu act6", "quantize-layer d2", "quantize-relu act", "quantize-layer d3"})
	if got := rep.Actions[0].Text; got != `Activation layer act6 ("relu6") becomes a ReLU layer with max_value 6.0 (extension: cnn2snn.quantize leaves Activation layers float)` {
		t.Errorf("action 0: %s", got)
	}
	if got := rep.Actions[3].Text; got != "ReLU act6 → QuantizedReLU with 4-bit activations, max_value 6.0 (kept)" {
		t.Errorf("action 3: %s", got)
	}

	// Deterministic: the same model gives the same value again.
	q2, _, _ := quantize.Model(m, quantize.DefaultOptions())
	if q2.Layer("act").Config.(*keras.QuantizedReLU).MaxValue != want {
		t.Error("a second calibration gave another max_value")
	}
	convertAndRoundTrip(t, q) // InputData, three FullyConnected, the tanh dropped
}

// roundUp2 is the documented rounding, written independently: the
// smallest two-significant-digit decimal ≥ v.
func roundUp2(v float64) float64 {
	for e := -12; e < 12; e++ {
		unit := math.Pow10(e)
		if v < 100*unit {
			f, _ := strconv.ParseFloat(strconv.Itoa(int(math.Ceil(v/unit-1e-9)))+"e"+strconv.Itoa(e), 64)
			return f
		}
	}
	return v
}

// TestImageSeededCalibration: an image model (3 channels) is calibrated
// on integers 0…255.
func TestImageSeededCalibration(t *testing.T) {
	kernel := modeltest.W("kernel", []int{1, 1, 3, 3}, 1, 0, 0, 0, 1, 0, 0, 0, 1)
	m := modeltest.New("image", 2, 2, 3).
		Add("conv", conv2D(3, 1, "linear"), kernel, zeros("bias", 3)).
		Add("relu", relu(0)).
		Model()
	q, rep, err := quantize.Model(m, quantize.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(quantize.CalibrationSeed, quantize.CalibrationSeed))
	var x []float64
	for range 16 * 12 {
		x = append(x, float64(rng.IntN(256)))
	}
	slices.Sort(x)
	r := 0.9999 * 191
	p := x[190] + (r-190)*(x[191]-x[190])
	if got := q.Layer("relu").Config.(*keras.QuantizedReLU).MaxValue; got != roundUp2(p) || got > 260 {
		t.Errorf("relu max_value %v, want %v (percentile %v)", got, roundUp2(p), p)
	}
	if rep.Calibration.Inputs != "integers 0…255 for an image input" {
		t.Errorf("inputs %q", rep.Calibration.Inputs)
	}
	want := "calibrated the max_value of 1 unbounded ReLU(s) on 16 seeded inputs (integers 0…255 for an image input, PCG seed 41428): the 99.99th percentile of each ReLU's outputs, rounded up to two significant digits (extension: cnn2snn.quantize uses 2^bits − 1)"
	if rep.Calibration.Text != want || !strings.HasPrefix(rep.Text(), want+"\n") {
		t.Errorf("calibration text %q", rep.Calibration.Text)
	}
}

// TestBatchNormFolding: a BatchNormalization after a max pooling is moved
// before it and folded; a ReLU before a max pooling is moved after it.
func TestBatchNormFolding(t *testing.T) {
	// s = gamma / sqrt(variance + epsilon) = [2/√4, 0.5/√1] = [1, 0.5];
	// kernel' = kernel · s per output channel; bias' = beta − mean · s.
	bn := modeltest.BatchNorm([]float32{2, 0.5}, []float32{1, -1}, []float32{0.5, 1}, []float32{3, 0})
	m := modeltest.New("bn", 4, 4, 2).
		Add("conv", &keras.Conv2D{Filters: 2, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "same",
			DataFormat: "channels_last", DilationRate: []int{1, 1}, Groups: 1, Activation: "linear"},
			modeltest.W("kernel", []int{1, 1, 2, 2}, 1, 2, 3, 4)).
		Add("pool", maxPool(2)).
		Add("bn", batchNorm(), bn...).
		Add("relu", relu(6)).
		Add("conv2", conv2D(2, 1, "linear"), ones("kernel", 1, 1, 2, 2), zeros("bias", 2)).
		Add("bn2", batchNorm(), bn...).
		Add("relu2", relu(6)).
		Add("pool2", maxPool(2)).
		Model()
	before := m.Clone()
	q, rep, err := quantize.Model(m, quantize.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	sameStrings(t, "layers", layerSummary(q), []string{
		"input InputLayer", "conv QuantizedConv2D", "pool MaxPooling2D", "relu QuantizedReLU",
		"conv2 QuantizedConv2D", "pool2 MaxPooling2D", "relu2 QuantizedReLU"})
	checkChain(t, q)
	conv := q.Layer("conv")
	if k := conv.Weight("kernel").Values; !slices.Equal(k, []float32{1, 1, 3, 2}) {
		t.Errorf("folded kernel %v", k)
	}
	if b := conv.Weight("bias"); b == nil || !slices.Equal(b.Values, []float32{0.5, -1.5}) || !conv.Config.(*keras.QuantizedConv2D).UseBias {
		t.Errorf("folded bias %v", b)
	}
	if !strings.Contains(string(conv.RawConfig), `"use_bias":true`) {
		t.Errorf("raw config %s", conv.RawConfig)
	}
	sameModel(t, m, before)
	sameStrings(t, "actions", actionKinds(rep), []string{
		"fold-batchnorm bn", "fold-batchnorm bn2", "move-max-pool pool2",
		"quantize-layer conv", "quantize-relu relu", "quantize-layer conv2", "quantize-relu relu2"})
	for i, want := range []string{
		"BatchNormalization bn moved before MaxPooling2D pool and folded into conv (kernel and bias scaled per output channel)",
		"BatchNormalization bn2 folded into conv2 (kernel and bias scaled per output channel)",
		"moved MaxPooling2D pool2 before ReLU relu2: Akida pools before it activates, and max pooling commutes with the (monotonic) activation",
	} {
		if rep.Actions[i].Text != want {
			t.Errorf("action %d: %s", i, rep.Actions[i].Text)
		}
	}
	if rep.Calibration != nil {
		t.Errorf("bounded ReLUs calibrated: %+v", rep.Calibration)
	}
	convertAndRoundTrip(t, q)
}

// TestSeparable: a SeparableConv2D gets a per-axis pointwise quantizer and
// a per-tensor depthwise one, of the same width; BatchNormalization scales
// only its pointwise kernel.
func TestSeparable(t *testing.T) {
	dw := modeltest.Fill("depthwise_kernel", []int{3, 3, 2, 1}, func(i int) float32 { return float32(i) / 10 })
	bn := modeltest.BatchNorm([]float32{2, 0.5}, []float32{0, 0}, []float32{0, 0}, []float32{3, 0})
	m := modeltest.New("sep", 4, 4, 3).
		Add("conv", conv2D(2, 3, "relu6"), ones("kernel", 3, 3, 3, 2), zeros("bias", 2)).
		Add("sep", &keras.SeparableConv2D{Filters: 2, KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "same",
			DataFormat: "channels_last", DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear"},
			dw, modeltest.W("pointwise_kernel", []int{1, 1, 2, 2}, 1, 2, 3, 4)).
		Add("bn", batchNorm(), bn...).
		Add("relu", relu(6)).
		Model()
	q, rep, err := quantize.Model(m, quantize.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	sameStrings(t, "layers", layerSummary(q), []string{
		"input InputLayer", "conv QuantizedConv2D", "conv/relu QuantizedReLU", "sep QuantizedSeparableConv2D", "relu QuantizedReLU"})
	s := q.Layer("sep")
	c := s.Config.(*keras.QuantizedSeparableConv2D)
	if c.Quantizer != (keras.WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 4, Threshold: 3}) ||
		c.QuantizerDW != (keras.WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 4, Threshold: 3}) {
		t.Errorf("quantizers %+v %+v", c.Quantizer, c.QuantizerDW)
	}
	if !slices.Equal(s.Weight("depthwise_kernel").Values, dw.Values) || !slices.Equal(s.Weight("pointwise_kernel").Values, []float32{1, 1, 3, 2}) {
		t.Errorf("kernels %v %v", s.Weight("depthwise_kernel").Values, s.Weight("pointwise_kernel").Values)
	}
	if r := q.Layer("conv/relu").Config.(*keras.QuantizedReLU); r.MaxValue != 6 {
		t.Errorf("relu6 split: %+v", r)
	}
	if got := rep.Actions[len(rep.Actions)-2].Text; got != "quantized sep: SeparableConv2D → QuantizedSeparableConv2D with 4-bit weights, pointwise MaxPerAxisQuantizer (one scale per output channel), depthwise MaxQuantizer" {
		t.Errorf("action %s", got)
	}
	var raw map[string]any
	if err := json.Unmarshal(s.RawConfig, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["depth_multiplier"]; ok || raw["quantizer_dw"] == nil || raw["quantizer"] == nil {
		t.Errorf("raw config %s", s.RawConfig)
	}
	am := convertAndRoundTrip(t, q)
	if got := am.Layers[1].Params.Value("weights_bits"); am.Layers[1].Type != akida.SeparableConvolutional || got != 4 {
		t.Errorf("sep: %s with %d-bit weights", am.Layers[1].Type, got)
	}
}

// TestBitWidths: the first neural layer gets the input weight bits, the
// others the weight bits; 0 leaves layers float, as cnn2snn.
func TestBitWidths(t *testing.T) {
	build := func() *keras.Model {
		return modeltest.New("bits", 4, 4, 1).
			Add("conv", conv2D(2, 3, "linear"), ones("kernel", 3, 3, 1, 2), zeros("bias", 2)).
			Add("relu", relu(6)).
			Add("conv2", conv2D(2, 3, "linear"), ones("kernel", 3, 3, 2, 2), zeros("bias", 2)).
			Add("relu2", relu(0)).
			Model()
	}
	q, rep, err := quantize.Model(build(), quantize.Options{WeightBits: 2, ActivationBits: 2, InputWeightBits: 4})
	if err != nil {
		t.Fatal(err)
	}
	if c := q.Layer("conv").Config.(*keras.QuantizedConv2D); c.Quantizer.Bitwidth != 4 {
		t.Errorf("conv bits %d", c.Quantizer.Bitwidth)
	}
	if c := q.Layer("conv2").Config.(*keras.QuantizedConv2D); c.Quantizer.Bitwidth != 2 {
		t.Errorf("conv2 bits %d", c.Quantizer.Bitwidth)
	}
	if r := q.Layer("relu").Config.(*keras.QuantizedReLU); *r != (keras.QuantizedReLU{Bitwidth: 2, MaxValue: 6}) {
		t.Errorf("relu %+v", r)
	}
	if rep.Bits != (quantize.Bits{Weights: 2, Activations: 2, InputWeights: 4}) {
		t.Errorf("bits %+v", rep.Bits)
	}

	// Input weights 0: the first layer stays float (cnn2snn quantizes
	// nothing in it, nor checks its arguments).
	q, rep, err = quantize.Model(build(), quantize.Options{WeightBits: 4, ActivationBits: 0, InputWeightBits: 0})
	if err != nil {
		t.Fatal(err)
	}
	sameStrings(t, "layers", layerSummary(q), []string{"input InputLayer", "conv Conv2D", "relu ReLU", "conv2 QuantizedConv2D", "relu2 ReLU"})
	sameStrings(t, "actions", actionKinds(rep), []string{"keep-float conv", "keep-float relu", "quantize-layer conv2", "keep-float relu2"})
	if rep.Actions[0].Text != "conv stays float (weight bitwidth 0)" || rep.Actions[1].Text != "relu stays float (activation bitwidth 0)" {
		t.Errorf("texts %q, %q", rep.Actions[0].Text, rep.Actions[1].Text)
	}
	if rep.Calibration != nil {
		t.Error("float ReLUs were calibrated")
	}
}

// TestRequantizeCNN2SNN: a model quantized with cnn2snn keeps its quantizer
// classes with the new widths; ActivationDiscreteRelu becomes a
// QuantizedReLU with max_value step × levels.
func TestRequantizeCNN2SNN(t *testing.T) {
	maxQ := keras.WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 2, Threshold: 3}
	stdQ := keras.WeightQuantizer{ClassName: "StdPerAxisQuantizer", Bitwidth: 4, Threshold: 2}
	build := func() *keras.Model {
		return modeltest.New("cnn2snn", 4, 4, 1).
			Add("conv", &keras.QuantizedConv2D{Conv2D: *conv2D(2, 3, "linear"), Quantizer: maxQ}, ones("kernel", 3, 3, 1, 2), zeros("bias", 2)).
			Add("adr", &keras.ActivationDiscreteRelu{Bitwidth: 4}).
			Add("flatten", &keras.Flatten{DataFormat: "channels_last"}).
			Add("dense", &keras.QuantizedDense{Dense: *dense(2, "linear"), Quantizer: stdQ}, ones("kernel", 32, 2), zeros("bias", 2)).
			Add("qrelu", &keras.QuantizedReLU{Bitwidth: 2, MaxValue: 3}).
			Model()
	}
	q, rep, err := quantize.Model(build(), quantize.Options{WeightBits: 4, ActivationBits: 2, InputWeightBits: 8})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Origin != "cnn2snn" {
		t.Errorf("origin %s", rep.Origin)
	}
	if c := q.Layer("conv").Config.(*keras.QuantizedConv2D); c.Quantizer != (keras.WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 8, Threshold: 3}) {
		t.Errorf("conv %+v", c.Quantizer)
	}
	if c := q.Layer("dense").Config.(*keras.QuantizedDense); c.Quantizer != (keras.WeightQuantizer{ClassName: "StdPerAxisQuantizer", Bitwidth: 4, Threshold: 2}) {
		t.Errorf("dense %+v", c.Quantizer)
	}
	// float32(0.4) · 15 = 6.0000000894 rounds to the float32 6.
	if r := q.Layer("adr"); r.ClassName != "QuantizedReLU" || *r.Config.(*keras.QuantizedReLU) != (keras.QuantizedReLU{Bitwidth: 2, MaxValue: 6}) {
		t.Errorf("adr %s %+v", r.ClassName, r.Config)
	}
	if r := q.Layer("qrelu").Config.(*keras.QuantizedReLU); *r != (keras.QuantizedReLU{Bitwidth: 2, MaxValue: 3}) {
		t.Errorf("qrelu %+v", r)
	}
	for i, want := range []string{
		"re-quantized conv (QuantizedConv2D, MaxQuantizer): 8-bit weights (first neural layer: the input weight bitwidth)",
		"ActivationDiscreteRelu adr → QuantizedReLU with 2-bit activations, max_value 6.0 (step × levels of the ActivationDiscreteRelu)",
		"re-quantized dense (QuantizedDense, StdPerAxisQuantizer): 4-bit weights",
		"QuantizedReLU qrelu → QuantizedReLU with 2-bit activations, max_value 3.0 (kept)",
	} {
		if rep.Actions[i].Text != want {
			t.Errorf("action %d: %s", i, rep.Actions[i].Text)
		}
	}

	// cnn2snn's ValueErrors for bitwidth 0 on quantized layers (its
	// message has two spaces before the class).
	_, _, err = quantize.Model(build(), quantize.Options{WeightBits: 4, ActivationBits: 2, InputWeightBits: 0})
	if err == nil || err.Error() != "A quantized layer cannot be quantized with bitwidth 0. Receives layer conv of type  QuantizedConv2D." {
		t.Errorf("weight bits 0: %v", err)
	}
	_, _, err = quantize.Model(build(), quantize.Options{WeightBits: 4, ActivationBits: 0, InputWeightBits: 8})
	if err == nil || err.Error() != "A quantized activation cannot be quantized with bitwidth 0. Receives layer adr of type  ActivationDiscreteRelu." {
		t.Errorf("activation bits 0: %v", err)
	}
}

// TestReLUOptions: a ReLU with a threshold is skipped with cnn2snn's
// message; a negative slope is dropped and said so; a dead ReLU keeps
// cnn2snn's default.
func TestReLUOptions(t *testing.T) {
	m := modeltest.New("relus", 2).
		Add("d1", dense(2, "linear"), ones("kernel", 2, 2), zeros("bias", 2)).
		Add("thr", &keras.ReLU{Threshold: 0.5}).
		Add("d2", dense(2, "linear"), ones("kernel", 2, 2), zeros("bias", 2)).
		Add("leaky", &keras.ReLU{NegativeSlope: 0.25, MaxValue: ptr(2.0)}).
		Add("d3", dense(2, "linear"), modeltest.W("kernel", []int{2, 2}, -1, -1, -1, -1), zeros("bias", 2)).
		Add("dead", relu(0)).
		Model()
	q, rep, err := quantize.Model(m, quantize.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if q.Layer("thr").ClassName != "ReLU" {
		t.Errorf("thr became %s", q.Layer("thr").ClassName)
	}
	texts := map[string]string{}
	for _, a := range rep.Actions {
		texts[a.Layer] = a.Text
	}
	for layer, want := range map[string]string{
		"thr":   "Skipping ReLU layer thr with non-zero threshold",
		"leaky": "ReLU leaky → QuantizedReLU with 4-bit activations, max_value 2.0 (kept); its negative_slope 0.25 is dropped, as cnn2snn does: the quantized ReLU outputs 0 for negative inputs",
		// Inputs in [0, 1) through all-negative weights: outputs all 0.
		"dead": "ReLU dead → QuantizedReLU with 4-bit activations, max_value 15.0 (cnn2snn's default 2^bits − 1: its outputs were all 0 on the calibration batch)",
	} {
		if texts[layer] != want {
			t.Errorf("%s:\n got  %s\n want %s", layer, texts[layer], want)
		}
	}
	if r := rep.Calibration.ReLUs; len(r) != 1 || r[0] != (quantize.ReLUCalibration{Layer: "dead", Outputs: 32}) {
		t.Errorf("calibration %+v", r)
	}
}

func ptr(f float64) *float64 { return &f }

// TestModelProblems: every argument cnn2snn's quantized layers cannot
// take is reported with cnn2snn's message, all of them, and the model is
// still returned with those layers left as they were.
func TestModelProblems(t *testing.T) {
	grouped := conv2D(4, 3, "tanh")
	grouped.Groups = 2
	sep := separable(4, 3, "linear")
	sep.DepthMultiplier = 2
	m := modeltest.New("problems", 8, 8, 2).
		Add("conv", grouped, ones("kernel", 3, 3, 1, 4), zeros("bias", 4)).
		Add("sep", sep, ones("depthwise_kernel", 3, 3, 4, 2), ones("pointwise_kernel", 1, 1, 8, 4), zeros("bias", 4)).
		Add("relu", relu(6)).
		Add("flatten", &keras.Flatten{DataFormat: "channels_last"}).
		Add("dense", dense(3, "softmax"), ones("kernel", 256, 3), zeros("bias", 3)).
		Add("dense2", dense(2, "swish"), ones("kernel", 3, 2), zeros("bias", 2)).
		Model()
	q, _, err := quantize.Model(m, quantize.DefaultOptions())
	var qe *quantize.Error
	if !errors.As(err, &qe) {
		t.Fatalf("error %v is not a *quantize.Error", err)
	}
	want := []compat.Diagnostic{
		{Layer: "conv", Rule: "default-arguments", Message: "Argument 'activation' in layer 'conv' is only supported with default value 'linear'. Receives 'tanh'."},
		{Layer: "conv", Rule: "default-arguments", Message: "Argument 'groups' in layer 'conv' is only supported with default value '1'. Receives '2'."},
		{Layer: "sep", Rule: "default-arguments", Message: "Argument 'depth_multiplier' in layer 'sep' is only supported with default value '1'. Receives '2'."},
		// A softmax before another neural layer is not a final activation.
		{Layer: "dense", Rule: "default-arguments", Message: "Argument 'activation' in layer 'dense' is only supported with default value 'linear'. Receives 'softmax'."},
		{Layer: "dense2", Rule: "default-arguments", Message: "Argument 'activation' in layer 'dense2' is only supported with default value 'linear'. Receives 'swish'."},
	}
	if !slices.Equal(qe.Diagnostics, want) {
		t.Errorf("diagnostics:\n got  %q\n want %q", qe.Diagnostics, want)
	}
	if err.Error() != want[0].Message {
		t.Errorf("error text %q", err)
	}
	if q == nil {
		t.Fatal("no best-effort model")
	}
	sameStrings(t, "layers", layerSummary(q), []string{
		"input InputLayer", "conv Conv2D", "sep SeparableConv2D", "relu QuantizedReLU", "flatten Flatten", "dense Dense", "dense2 Dense"})
}

// TestGraphAndFoldingProblems: sequentialize's and BatchNormalization
// folding's problems come from core/transform with cnn2snn's messages.
func TestGraphAndFoldingProblems(t *testing.T) {
	branchy := modeltest.New("branchy", 4, 4, 1).
		AddFrom("a", conv2D(2, 3, "linear"), []string{"input"}, ones("kernel", 3, 3, 1, 2), zeros("bias", 2)).
		AddFrom("b", conv2D(2, 3, "linear"), []string{"input"}, ones("kernel", 3, 3, 1, 2), zeros("bias", 2)).
		AddFrom("add", &keras.Add{}, []string{"a", "b"}).
		Model()
	q, rep, err := quantize.Model(branchy, quantize.DefaultOptions())
	var qe *quantize.Error
	if !errors.As(err, &qe) || q != nil || rep == nil {
		t.Fatalf("model %v, error %v", q, err)
	}
	if want := []compat.Diagnostic{
		{Layer: "add", Rule: "single-inbound-layer", Message: "Layer add must have only one inbound layer. Receives 2."},
		{Layer: "", Rule: "single-branch", Message: "The model contains more than one sequential branch."},
	}; !slices.Equal(qe.Diagnostics, want) {
		t.Errorf("diagnostics %q", qe.Diagnostics)
	}

	bn := modeltest.BatchNorm([]float32{-1, 2}, []float32{0, 0}, []float32{0, 0}, []float32{1, 1})
	negative := modeltest.New("negative", 4, 4, 1).
		Add("conv", conv2D(2, 3, "linear"), ones("kernel", 3, 3, 1, 2), zeros("bias", 2)).
		Add("pool", maxPool(2)).
		Add("bn", batchNorm(), bn...).
		Add("relu", relu(6)).
		Model()
	q, rep, err = quantize.Model(negative, quantize.DefaultOptions())
	if !errors.As(err, &qe) || q == nil {
		t.Fatalf("model %v, error %v", q, err)
	}
	if want := []compat.Diagnostic{{Layer: "bn", Rule: "batchnorm-negative-gamma",
		Message: "There are 1 negative gammas in the batch norm layer bn. Negative gammas are not supported."}}; !slices.Equal(qe.Diagnostics, want) {
		t.Errorf("diagnostics %q", qe.Diagnostics)
	}
	for _, a := range rep.Actions {
		if a.Kind == quantize.ActionFoldBatchNorm {
			t.Errorf("a BatchNormalization that cannot be folded is reported folded: %s", a.Text)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	m := fusedModel()
	for _, c := range []struct {
		o    quantize.Options
		want string
	}{
		{quantize.Options{WeightBits: 1, ActivationBits: 4, InputWeightBits: 8}, "quantize: weight bitwidth 1 is not supported: cnn2snn quantizes weights with 2 to 8 bits (0 leaves them float)"},
		{quantize.Options{WeightBits: 4, ActivationBits: 4, InputWeightBits: 9}, "quantize: input weight bitwidth 9 is not supported: cnn2snn quantizes the first layer's weights with 2 to 8 bits (0 leaves them float)"},
		{quantize.Options{WeightBits: 4, ActivationBits: -1, InputWeightBits: 8}, "quantize: activation bitwidth -1 is not supported: cnn2snn quantizes activations with 1 to 8 bits (0 leaves them float)"},
		{quantize.Options{WeightBits: 4, ActivationBits: 4, InputWeightBits: 8, CalibrationSamples: 5000}, "quantize: 5000 calibration samples requested: use 1 to 1024 (0 means 16)"},
		{quantize.Options{WeightBits: 4, ActivationBits: 4, InputWeightBits: 8, Calibration: []byte("not npy")},
			`the calibration batch: npy: not a NumPy .npy file (the file does not start with \x93NUMPY); save arrays with numpy.save`},
		{quantize.Options{WeightBits: 4, ActivationBits: 4, InputWeightBits: 8, Calibration: npyBatch(t, []int{2, 4, 4}, make([]float32, 32))},
			`the calibration batch has shape (2, 4, 4) but the model takes (None, 4, 4, 1): give a batch of at least one model input, batch first`},
		{quantize.Options{WeightBits: 4, ActivationBits: 4, InputWeightBits: 8, Calibration: npyBatch(t, []int{0, 4, 4, 1}, nil)},
			`the calibration batch has shape (0, 4, 4, 1) but the model takes (None, 4, 4, 1): give a batch of at least one model input, batch first`},
	} {
		q, _, err := quantize.Model(m, c.o)
		if err == nil || err.Error() != c.want || q != nil {
			t.Errorf("%+v:\n got  %v\n want %s", c.o, err, c.want)
		}
	}
}

// TestCalibrationFailures: calibration problems name the ReLUs and the way
// out; the model comes back with cnn2snn's default for them.
func TestCalibrationFailures(t *testing.T) {
	huge := modeltest.New("huge", 2, 2, 1).
		Add("conv", conv2D(1, 1, "linear"), modeltest.W("kernel", []int{1, 1, 1, 1}, 3e38), zeros("bias", 1)).
		Add("relu", relu(0)).
		Model()
	q, rep, err := quantize.Model(huge, quantize.DefaultOptions())
	want := `cannot calibrate the unbounded ReLUs (relu) of model "huge": the outputs of ReLU relu on the calibration batch are not finite (+Inf); check the model's weights and the calibration inputs; give a calibration batch of model inputs (a .npy file, batch first) or set max_value on these ReLUs`
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got  %v\n want %s", err, want)
	}
	if q == nil || q.Layer("relu").Config.(*keras.QuantizedReLU).MaxValue != 15 || rep.Calibration.Error != want {
		t.Errorf("model %v, calibration %+v", q, rep.Calibration)
	}
	if got := rep.Actions[len(rep.Actions)-1].Text; got != "ReLU relu → QuantizedReLU with 4-bit activations, max_value 15.0 (cnn2snn's default 2^bits − 1: the calibration failed)" {
		t.Errorf("action %s", got)
	}

	unknown := modeltest.New("unknown", 2, 2, 1).
		Add("conv", conv2D(1, 1, "linear"), ones("kernel", 1, 1, 1, 1), zeros("bias", 1)).
		Add("relu", relu(0)).
		Model()
	unknown.Layers[0].Config.(*keras.InputLayer).BatchShape = []int{-1, -1, -1, 1}
	_, _, err = quantize.Model(unknown, quantize.DefaultOptions())
	want = `cannot calibrate the unbounded ReLUs (relu) of model "unknown": the model input (None, None, None, 1) has dimensions of unknown size, so seeded inputs cannot be drawn; give a calibration batch of model inputs (a .npy file, batch first) or set max_value on these ReLUs`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got  %v\n want %s", err, want)
	}
	// With a batch it calibrates: one 3×5 image of 2s gives max_value 2.
	o := quantize.DefaultOptions()
	o.Calibration = npyBatch(t, []int{1, 3, 5, 1}, slices.Repeat([]float32{2}, 15))
	q, _, err = quantize.Model(unknown, o)
	if err != nil || q.Layer("relu").Config.(*keras.QuantizedReLU).MaxValue != 2 {
		t.Errorf("with a batch: %v", err)
	}
}

// TestCalibrationIgnoresOutliers: the max_value is the 99.99th
// percentile, not the maximum, so two outliers among 20000 outputs do not
// stretch the step.
func TestCalibrationIgnoresOutliers(t *testing.T) {
	m := modeltest.New("outliers", 100, 100, 1).
		Add("conv", conv2D(2, 1, "linear"), modeltest.W("kernel", []int{1, 1, 1, 2}, 1, -1), zeros("bias", 2)).
		Add("relu", relu(0)).
		Model()
	// 10000 inputs of 1 but two (50 and 60), and their negations: 20000
	// outputs, 10000 of them 0. Rank 0.9999·19999 = 19997.0001 falls
	// between the last 1 and the 50: 1 + 0.0001·49 = 1.0049 → 1.1.
	x := slices.Repeat([]float32{1}, 10000)
	x[17], x[9000] = 50, 60
	o := quantize.DefaultOptions()
	o.Calibration = npyBatch(t, []int{1, 100, 100, 1}, x)
	q, rep, err := quantize.Model(m, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := q.Layer("relu").Config.(*keras.QuantizedReLU).MaxValue; got != 1.1 {
		t.Errorf("max_value %v, want 1.1", got)
	}
	if r := rep.Calibration.ReLUs[0]; r.Outputs != 20000 || math.Abs(r.Percentile-1.0049) > 1e-9 || r.Max != 60 {
		t.Errorf("calibration %+v", r)
	}
}

// TestSeededBatchBounds: a large input is calibrated on fewer seeded
// samples (at most 4M values in all), a huge one needs a batch.
func TestSeededBatchBounds(t *testing.T) {
	image := func(h, w int) *keras.Model {
		return modeltest.New("large", h, w, 3).
			Add("conv", conv2D(1, 1, "linear"), ones("kernel", 1, 1, 3, 1), zeros("bias", 1)).
			Add("relu", relu(0)).
			Model()
	}
	_, rep, err := quantize.Model(image(512, 512), quantize.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	// 4194304 / (512·512·3) = 5 samples.
	if c := rep.Calibration; c.Samples != 5 || c.ReLUs[0].Outputs != 5*512*512 {
		t.Errorf("calibration %+v", c)
	}
	_, _, err = quantize.Model(image(600, 600), quantize.DefaultOptions())
	want := `cannot calibrate the unbounded ReLUs (relu) of model "large": the model input (None, 600, 600, 3) has more than 1048576 values, too many for seeded inputs; give a calibration batch of model inputs (a .npy file, batch first) or set max_value on these ReLUs`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got  %v\n want %s", err, want)
	}
}

// TestLargeCalibrationBatch: only the first 1024 inputs of a user's batch
// are used, and the report says so.
func TestLargeCalibrationBatch(t *testing.T) {
	m := modeltest.New("features", 2).
		Add("dense", dense(2, "relu"), modeltest.W("kernel", []int{2, 2}, 1, 0, 0, 1), zeros("bias", 2)).
		Model()
	x := make([]float32, 2*1030)
	for i := range x {
		x[i] = float32(i / 2 % 7) // 0…6; the inputs past 1024 would add nothing new
	}
	o := quantize.DefaultOptions()
	o.Calibration = npyBatch(t, []int{1030, 2}, x)
	q, rep, err := quantize.Model(m, o)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Calibration
	if c.Samples != 1024 || c.Given != 1030 || c.ReLUs[0].Outputs != 2048 || q.Layer("dense/relu").Config.(*keras.QuantizedReLU).MaxValue != 6 {
		t.Errorf("calibration %+v", c)
	}
	if !strings.Contains(c.Text, " on 1024 inputs from the calibration batch (the first 1024 of its 1030): ") {
		t.Errorf("text %q", c.Text)
	}
}
