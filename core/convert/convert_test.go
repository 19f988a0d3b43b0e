package convert

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The expected integers below are computed by hand in the comments, with
// cnn2snn 2.19.1's formulas (conversion.md §7.4–§7.8); testdata/
// hand_values.py redoes the same arithmetic with NumPy.

func quantizer(class string, bits int) keras.WeightQuantizer {
	return keras.WeightQuantizer{ClassName: class, Bitwidth: bits, Threshold: 3}
}

func qconv2d(filters int, kernel, strides [2]int, padding string, bits int, useBias bool) *keras.QuantizedConv2D {
	return &keras.QuantizedConv2D{
		Conv2D: keras.Conv2D{Filters: filters, KernelSize: kernel, Strides: strides, Padding: padding,
			DataFormat: "channels_last", DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: useBias},
		Quantizer: quantizer("MaxPerAxisQuantizer", bits),
	}
}

func qdense(units, bits int, useBias bool) *keras.QuantizedDense {
	return &keras.QuantizedDense{Dense: keras.Dense{Units: units, Activation: "linear", UseBias: useBias},
		Quantizer: quantizer("MaxPerAxisQuantizer", bits)}
}

func maxPool(size, strides [2]int, padding string) *keras.MaxPooling2D {
	return &keras.MaxPooling2D{PoolSize: size, Strides: strides, Padding: padding, DataFormat: "channels_last"}
}

func scaling(a, b float64) *[2]float64 { return &[2]float64{a, b} }

// convertOK converts and fails the test on any error; it also checks that
// the model survives an .fbz round trip unchanged.
func convertOK(t *testing.T, m *keras.Model, o Options) (*akida.Model, *Report) {
	t.Helper()
	am, r, err := Convert(m, o)
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	roundTrip(t, am)
	return am, r
}

func roundTrip(t *testing.T, am *akida.Model) {
	t.Helper()
	file, err := fbz.Encode(am, fbz.Options{})
	if err != nil {
		t.Fatalf("fbz.Encode: %v", err)
	}
	back, err := fbz.Decode(file)
	if err != nil {
		t.Fatalf("fbz.Decode: %v", err)
	}
	if len(back.Layers) != len(am.Layers) {
		t.Fatalf("round trip: %d layers, want %d", len(back.Layers), len(am.Layers))
	}
	for i, l := range am.Layers {
		if !l.Equal(back.Layers[i]) {
			t.Errorf("round trip: layer %q differs", l.Name)
		}
	}
}

func int8s(t *testing.T, l *akida.Layer, name string) []int8 {
	t.Helper()
	v := l.Variable(name)
	if v == nil {
		t.Fatalf("layer %q has no variable %q", l.Name, name)
	}
	out, err := v.Int8s()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func int32s(t *testing.T, l *akida.Layer, name string) []int32 {
	t.Helper()
	out, err := l.Variable(name).Int32s()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func float32s(t *testing.T, l *akida.Layer, name string) []float32 {
	t.Helper()
	out, err := l.Variable(name).Float32s()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func expectParams(t *testing.T, l *akida.Layer, want map[string]int32) {
	t.Helper()
	for k, v := range want {
		if got, ok := l.Params.Get(k); !ok || got != v {
			t.Errorf("layer %q: %s = %d (set %v), want %d", l.Name, k, got, ok, v)
		}
	}
}

func expectShape(t *testing.T, l *akida.Layer, name string, shape ...int) {
	t.Helper()
	if v := l.Variable(name); v == nil || !slices.Equal(v.Shape, shape) {
		t.Errorf("layer %q: %s shape %v, want %v", l.Name, name, v, shape)
	}
}

// tinyImageModel: a 1-channel image through an InputConvolutional with an
// input shift, max pooling, a flipped 3×3 convolution, then a dense layer
// after a 2×2×2 spatial output, without activation.
func tinyImageModel() *keras.Model {
	conv1 := modeltest.Fill("kernel", []int{3, 3, 2, 2}, func(i int) float32 { return float32(i%15 - 7) })
	dense := modeltest.Fill("kernel", []int{8, 3}, func(i int) float32 {
		row, col := i/3, i%3
		if row == 0 && col == 0 {
			return -1
		}
		return float32(row >> col & 1)
	})
	return modeltest.New("t1", 4, 4, 1).
		Add("conv0", qconv2d(2, [2]int{2, 2}, [2]int{1, 1}, "same", 8, true),
			modeltest.W("kernel", []int{2, 2, 1, 2}, 1, 0.5, -0.5, -1, 0.25, 0, 0, 0.75),
			modeltest.W("bias", []int{2}, 0.5, -0.25)).
		Add("pool0", maxPool([2]int{2, 2}, [2]int{2, 2}, "same")).
		Add("relu0", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6}).
		Add("conv1", qconv2d(2, [2]int{3, 3}, [2]int{1, 1}, "same", 4, false), conv1).
		Add("relu1", &keras.ActivationDiscreteRelu{Bitwidth: 2}).
		Add("flatten", &keras.Flatten{}).
		Add("dense", qdense(3, 2, true), dense, modeltest.W("bias", []int{3}, 0.5, 0, -1)).
		Model()
}

func TestInputConvolutionalWithInputShift(t *testing.T) {
	m := tinyImageModel()
	am, r := convertOK(t, m, Options{InputScaling: scaling(2, 3.5)})
	if len(am.Layers) != 3 {
		t.Fatalf("%d Akida layers, want 3 (conv0, conv1, dense)", len(am.Layers))
	}
	conv0 := am.Layers[0]
	if conv0.Name != "conv0" || conv0.Type != akida.InputConvolutional {
		t.Fatalf("first layer %s %s", conv0.Name, conv0.Type)
	}
	// padding_value = int(3.5) = 3; MaxPooling2D 2×2/2 → pool_type Max (1).
	expectParams(t, conv0, map[string]int32{"input_width": 4, "input_height": 4, "input_channels": 1,
		"kernel_width": 2, "kernel_height": 2, "filters": 2, "padding": 1, "stride_x": 1, "stride_y": 1,
		"weights_bits": 8, "pool_type": 1, "pooling_width": 2, "pooling_height": 2, "pooling_stride_x": 2,
		"pooling_stride_y": 2, "activation": 1, "act_bits": 4, "padding_value": 3})
	// 8 bits: kmax = 127; each output channel has max|W| = 1, so sf = 127.
	// Channel 0: 1·127 = 127, −0.5·127 = −63.5 → −64 (half to even),
	// 0.25·127 = 31.75 → 32, 0. Channel 1: 0.5·127 = 63.5 → 64, −127, 0,
	// 0.75·127 = 95.25 → 95. Not flipped: the input layer correlates.
	if got := int8s(t, conv0, "weights"); !slices.Equal(got, []int8{127, 64, -64, -127, 32, 0, 0, 95}) {
		t.Errorf("conv0 weights %v", got)
	}
	// a·sf = 2·127 = 254; thr = step/2 with step = float32(6)/15 =
	// 0.4000000059604645, so thr = 0.2000000029802322; ΣW = [95, 32].
	// ch0: 254·(0.2000000029802322 − 0.5) + 95·3.5 = −76.2 + 332.5 = 256.3 → 256
	// ch1: 254·(0.2000000029802322 + 0.25) + 32·3.5 = 114.3 + 112 = 226.3 → 226
	if got := int32s(t, conv0, "threshold"); !slices.Equal(got, []int32{256, 226}) {
		t.Errorf("conv0 threshold %v, want [256 226]", got)
	}
	// act_step = float32(254 · 0.4000000059604645 · 2^4/16) = 101.6
	if got := float32s(t, conv0, "act_step"); !slices.Equal(got, []float32{101.6, 101.6}) {
		t.Errorf("conv0 act_step %v", got)
	}
	if got := int32s(t, conv0, "wta_groups"); !slices.Equal(got, []int32{0, 1}) {
		t.Errorf("conv0 wta_groups %v", got)
	}

	conv1 := am.Layers[1]
	expectParams(t, conv1, map[string]int32{"kernel_width": 3, "filters": 2, "padding": 1, "pool_type": 0,
		"pooling_width": -1, "weights_bits": 4, "activation": 1, "act_bits": 2})
	// Integer kernel = the Keras values (max 7 per channel, sf = 1),
	// flipped on both spatial axes: Akida (i, j) holds Keras (2−i, 2−j).
	k := m.Layer("conv1").Weight("kernel").Values
	w := int8s(t, conv1, "weights")
	for _, p := range [][4]int{{0, 0, 2, 2}, {0, 1, 2, 1}, {0, 2, 2, 0}, {1, 1, 1, 1}, {2, 0, 0, 2}} {
		for inner := range 4 { // (c, o)
			akidaAt, kerasAt := (p[0]*3+p[1])*4+inner, (p[2]*3+p[3])*4+inner
			if int(w[akidaAt]) != int(k[kerasAt]) {
				t.Errorf("conv1 weights at (%d,%d,%d) = %d, want Keras (%d,%d) = %v", p[0], p[1], inner, w[akidaAt], p[2], p[3], k[kerasAt])
			}
		}
	}
	// Input scale 1/step = float32(1/0.4) = 2.5, sf = 1, no bias.
	// ActivationDiscreteRelu(2): step 1, thr 0.5: th = 2.5·0.5 = 1.25 → 1;
	// act_step = 2.5 · 1 · 2^2/16 = 0.625.
	if got := int32s(t, conv1, "threshold"); !slices.Equal(got, []int32{1, 1}) {
		t.Errorf("conv1 threshold %v", got)
	}
	if got := float32s(t, conv1, "act_step"); !slices.Equal(got, []float32{0.625, 0.625}) {
		t.Errorf("conv1 act_step %v", got)
	}

	dense := am.Layers[2]
	expectParams(t, dense, map[string]int32{"units": 3, "weights_bits": 2, "activation": 0, "act_bits": 1})
	expectShape(t, dense, "weights", 1, 1, 8, 3)
	// Keras flattens (x, y, c) = (2, 2, 2) row-major, Akida column-major:
	// Akida row (c·2 + y)·2 + x takes Keras row (x·2 + y)·2 + c, i.e. Akida
	// rows 0…7 are Keras rows 0, 4, 2, 6, 1, 5, 3, 7. Keras row f holds the
	// bits of f (row 0: −1, 0, 0); 2 bits: kmax = 1 = max per column, sf = 1.
	want := []int8{-1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1}
	if got := int8s(t, dense, "weights"); !slices.Equal(got, want) {
		t.Errorf("dense weights %v\nwant %v", got, want)
	}
	// Last layer, no activation: a = 1/1 = 1, th = floor(−β) = [−1, 0, 1],
	// act_step = a·sf = 1.
	if got := int32s(t, dense, "threshold"); !slices.Equal(got, []int32{-1, 0, 1}) {
		t.Errorf("dense threshold %v", got)
	}
	if got := float32s(t, dense, "act_step"); !slices.Equal(got, []float32{1, 1, 1}) {
		t.Errorf("dense act_step %v", got)
	}

	if out, err := am.OutputShape(); err != nil || out != (akida.Shape{1, 1, 3}) {
		t.Errorf("output shape %v, %v", out, err)
	}
	wantBlocks := []compat.Block{
		{AkidaLayer: "conv0", AkidaType: "InputConvolutional", KerasLayers: []string{"input", "conv0", "pool0", "relu0"}, OutputShape: []int{2, 2, 2}, WeightBits: 8, ActivationBits: 4, Activation: true},
		{AkidaLayer: "conv1", AkidaType: "Convolutional", KerasLayers: []string{"conv1", "relu1"}, OutputShape: []int{2, 2, 2}, WeightBits: 4, ActivationBits: 2, Activation: true},
		{AkidaLayer: "dense", AkidaType: "FullyConnected", KerasLayers: []string{"flatten", "dense"}, OutputShape: []int{1, 1, 3}, WeightBits: 2},
	}
	if !slices.EqualFunc(r.Blocks, wantBlocks, blockEqual) {
		t.Errorf("blocks:\n got %+v\nwant %+v", r.Blocks, wantBlocks)
	}
	if r.InputScaling == nil || *r.InputScaling != (InputScaling{Scale: 2, Shift: 3.5, Source: ScalingFromOption}) {
		t.Errorf("input scaling %+v", r.InputScaling)
	}
	if !r.Compatible || len(r.Diagnostics) != 0 || len(r.Warnings) != 0 || r.Origin != OriginCNN2SNN {
		t.Errorf("report %+v", r)
	}
}

func blockEqual(a, b compat.Block) bool {
	return a.AkidaLayer == b.AkidaLayer && a.AkidaType == b.AkidaType && slices.Equal(a.KerasLayers, b.KerasLayers) &&
		slices.Equal(a.OutputShape, b.OutputShape) && a.WeightBits == b.WeightBits && a.ActivationBits == b.ActivationBits &&
		a.Activation == b.Activation && slices.Equal(a.Incompatible, b.Incompatible)
}

// TestInputDataSeparableGAP: a 4-channel input (InputData, by the 2.4 rule),
// a separable convolution with global average pooling, and a last dense
// layer with an activation.
func TestInputDataSeparableGAP(t *testing.T) {
	sep := &keras.QuantizedSeparableConv2D{
		SeparableConv2D: keras.SeparableConv2D{Filters: 2, KernelSize: [2]int{2, 2}, Strides: [2]int{1, 1}, Padding: "same",
			DataFormat: "channels_last", DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear", UseBias: true},
		Quantizer:   quantizer("MaxPerAxisQuantizer", 4),
		QuantizerDW: quantizer("MaxQuantizer", 4),
	}
	m := modeltest.New("t2", 2, 2, 4).
		Add("sep", sep,
			modeltest.Fill("depthwise_kernel", []int{2, 2, 4, 1}, func(i int) float32 { return float32(i%15-7) / 2 }),
			modeltest.W("pointwise_kernel", []int{1, 1, 4, 2}, 1, 0.25, -2, 0.5, 0.5, -0.5, 4, 1),
			modeltest.W("bias", []int{2}, 1, -2)).
		Add("gap", &keras.GlobalAveragePooling2D{DataFormat: "channels_last"}).
		Add("act", &keras.ActivationDiscreteRelu{Bitwidth: 4}).
		Add("dense", qdense(2, 4, false), modeltest.W("kernel", []int{2, 2}, 1, -1, 0.5, 2)).
		Add("relu", &keras.QuantizedReLU{Bitwidth: 2, MaxValue: 3}).
		Model()
	am, r := convertOK(t, m, Options{InputScaling: scaling(3, 0)})
	if got := layerSummary(am); !slices.Equal(got, []string{"t2_input:InputData", "sep:SeparableConvolutional", "dense:FullyConnected"}) {
		t.Fatalf("layers %v", got)
	}
	expectParams(t, am.Layers[0], map[string]int32{"input_width": 2, "input_height": 2, "input_channels": 4, "input_bits": 4, "input_signed": 0})
	s := am.Layers[1]
	// GAP: pool_type Average (2), global (pooling -1).
	expectParams(t, s, map[string]int32{"filters": 2, "kernel_width": 2, "weights_bits": 4, "pool_type": 2,
		"pooling_width": -1, "activation": 1, "act_bits": 4})
	// Depthwise (MaxQuantizer): max|W| = 3.5 → sf_dw = 7/3.5 = 2, integers
	// i%15 − 7, flipped spatially.
	dw := int8s(t, s, "weights")
	for i := range 2 {
		for j := range 2 {
			for c := range 4 {
				keras := ((1-i)*2+(1-j))*4 + c
				if want := int8(keras%15 - 7); dw[(i*2+j)*4+c] != want {
					t.Errorf("depthwise (%d,%d,%d) = %d, want %d", i, j, c, dw[(i*2+j)*4+c], want)
				}
			}
		}
	}
	// Pointwise (per axis): channel 0 max 4 → sf 1.75: 1.75 → 2, −3.5 → −4,
	// 0.875 → 1, 7; channel 1 max 1 → sf 7: 1.75 → 2, 3.5 → 4, −3.5 → −4, 7.
	if got := int8s(t, s, "weights_pw"); !slices.Equal(got, []int8{2, 2, -4, 4, 1, -4, 7, 7}) {
		t.Errorf("pointwise %v", got)
	}
	// sf = sf_dw·sf_pw = [3.5, 14]; a·sf = [10.5, 42]; thr = 0.2000000029802322
	// (4-bit discrete ReLU: step float32(0.4)); g = 2·2 = 4.
	// ch0: 10.5·(0.2 − 1)·4 = −33.6 → −34;  ch1: 42·(0.2 + 2)·4 = 369.6 → 369
	// act_step = float32(a·sf·0.4·2^4/16)·4: float32(4.2000000626)·4 = 16.800001,
	// float32(16.8000002503)·4 = 67.200005.
	if got := int32s(t, s, "threshold"); !slices.Equal(got, []int32{-34, 369}) {
		t.Errorf("sep threshold %v", got)
	}
	if got := float32s(t, s, "act_step"); !slices.Equal(got, []float32{16.800001, 67.200005}) {
		t.Errorf("sep act_step %v", got)
	}
	d := am.Layers[2]
	expectParams(t, d, map[string]int32{"units": 2, "activation": 1, "act_bits": 2, "weights_bits": 4})
	// Input (1, 1, 2): no permutation. Column 0 max 1 → sf 7: [7, 3.5 → 4];
	// column 1 max 2 → sf 3.5: [−3.5 → −4, 7].
	if got := int8s(t, d, "weights"); !slices.Equal(got, []int8{7, -4, 4, 7}) {
		t.Errorf("dense weights %v", got)
	}
	// a = 2.5: a·sf = [17.5, 8.75]; QuantizedReLU(2, 3): step 1, thr 0.5;
	// th = [8.75 → 8, 4.375 → 4]; act_step = a·sf·2^2/16 = [4.375, 2.1875].
	if got := int32s(t, d, "threshold"); !slices.Equal(got, []int32{8, 4}) {
		t.Errorf("dense threshold %v", got)
	}
	if got := float32s(t, d, "act_step"); !slices.Equal(got, []float32{4.375, 2.1875}) {
		t.Errorf("dense act_step %v", got)
	}
	if b := r.Blocks[0]; b.AkidaLayer != "t2_input" || b.AkidaType != "InputData" || !slices.Equal(b.KerasLayers, []string{"input"}) || !slices.Equal(b.OutputShape, []int{2, 2, 4}) {
		t.Errorf("input block %+v", b)
	}
	if b := r.Blocks[1]; !slices.Equal(b.KerasLayers, []string{"sep", "gap", "act"}) || !slices.Equal(b.OutputShape, []int{1, 1, 2}) {
		t.Errorf("separable block %+v", b)
	}
}

// TestValidPaddingStrideTwoOneBit: InputData (2 channels), a 3×3 valid
// convolution with stride 2, max pooling 2×2 with stride 1, 2-bit weights
// and a 1-bit activation on the last layer.
func TestValidPaddingStrideTwoOneBit(t *testing.T) {
	kernel := modeltest.Fill("kernel", []int{3, 3, 2, 3}, func(i int) float32 { return float32((i/3)%3 - 1) })
	m := modeltest.New("t4", 5, 5, 2).
		Add("conv", qconv2d(3, [2]int{3, 3}, [2]int{2, 2}, "valid", 2, true), kernel, modeltest.W("bias", []int{3}, 0.25, -0.5, 0)).
		Add("pool", maxPool([2]int{2, 2}, [2]int{1, 1}, "valid")).
		Add("act", &keras.ActivationDiscreteRelu{Bitwidth: 1}).
		Model()
	am, r := convertOK(t, m, Options{})
	c := am.Layers[1]
	expectParams(t, c, map[string]int32{"padding": 0, "stride_x": 2, "stride_y": 2, "kernel_width": 3, "kernel_height": 3,
		"pool_type": 1, "pooling_width": 2, "pooling_height": 2, "pooling_stride_x": 1, "pooling_stride_y": 1,
		"weights_bits": 2, "activation": 1, "act_bits": 1})
	if v := c.Variable("weights"); v.Type != akida.Int2 {
		t.Errorf("2-bit weights stored as %s", v.Type)
	}
	// 2 bits: kmax = 1 = max|W| per channel → sf = 1, integers = W, flipped.
	k := kernel.Values
	w := int8s(t, c, "weights")
	for i := range 3 {
		for j := range 3 {
			for inner := range 6 {
				if want := int8(k[((2-i)*3+(2-j))*6+inner]); w[(i*3+j)*6+inner] != want {
					t.Fatalf("weights (%d,%d,%d) = %d, want %d", i, j, inner, w[(i*3+j)*6+inner], want)
				}
			}
		}
	}
	// a = 1, sf = 1; ActivationDiscreteRelu(1): step 1, thr 0.5, act_step
	// = 1·2^1/16 = 0.125. th = floor(0.5 − β) = [0.25 → 0, 1, 0.5 → 0].
	if got := int32s(t, c, "threshold"); !slices.Equal(got, []int32{0, 1, 0}) {
		t.Errorf("threshold %v", got)
	}
	if got := float32s(t, c, "act_step"); !slices.Equal(got, []float32{0.125, 0.125, 0.125}) {
		t.Errorf("act_step %v", got)
	}
	// 5×5 valid 3×3 stride 2 → 2×2; pool 2×2 stride 1 valid → 1×1.
	if out, err := am.OutputShape(); err != nil || out != (akida.Shape{1, 1, 3}) || !slices.Equal(r.Blocks[1].OutputShape, []int{1, 1, 3}) {
		t.Errorf("output shape %v (%v), block %v", out, err, r.Blocks[1].OutputShape)
	}
	if r.InputScaling.Source != ScalingDefault || r.InputScaling.Scale != 1 || r.InputScaling.Shift != 0 {
		t.Errorf("input scaling %+v", r.InputScaling)
	}
}

// TestFixV1ActStepAndThresholdClamp: cnn2snn 2.18+'s post-conversion fix.
func TestFixV1ActStepAndThresholdClamp(t *testing.T) {
	m := modeltest.New("t3", 2).
		Add("dense0", qdense(2, 4, true),
			modeltest.W("kernel", []int{2, 2}, 0.0875, 7, 0.04375, -3.5),
			modeltest.W("bias", []int{2}, 0, -200)).
		Add("relu0", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6}).
		Add("dense1", qdense(1, 4, false), modeltest.W("kernel", []int{2, 1}, 0.7, 0.35)).
		Model()
	am, r := convertOK(t, m, Options{InputScaling: scaling(3000, 0)})
	d0, d1 := am.Layers[1], am.Layers[2]
	// dense0: sf = [7/0.0875, 7/7] = [80, 1]; integers [7, 7, 3.5 → 4, −3.5 → −4].
	if got := int8s(t, d0, "weights"); !slices.Equal(got, []int8{7, 7, 4, -4}) {
		t.Errorf("dense0 weights %v", got)
	}
	// a·sf = [240000, 3000]; act_step = a·sf·0.4000000059604645 = [96000, 1200].
	// 96000 > 65535: set to 65535, ratio = 96000/65535 = 1.4648662;
	// threshold: floor(240000·0.2000000029802322) = 48000, plus
	// trunc(round_half_even(0.5·(65535 − 96000)) / 2^(4−4)) = −15232 → 32768.
	// Channel 1: floor(3000·(0.2 + 200)) = 600600 > 524287: clipped.
	if got := float32s(t, d0, "act_step"); !slices.Equal(got, []float32{65535, 1200}) {
		t.Errorf("dense0 act_step %v", got)
	}
	if got := int32s(t, d0, "threshold"); !slices.Equal(got, []int32{32768, 524287}) {
		t.Errorf("dense0 threshold %v", got)
	}
	// dense1 (last, untouched apart from its weights): sf = 7/0.7 = 10,
	// integers [7, 3.5 → 4], floor-divided per input channel by the ratio:
	// [floor(7/1.4648662) = 4, floor(4/1) = 4].
	if got := int8s(t, d1, "weights"); !slices.Equal(got, []int8{4, 4}) {
		t.Errorf("dense1 weights %v", got)
	}
	// a = 1/step = 2.5: act_step = 25, threshold 0.
	if got := float32s(t, d1, "act_step"); !slices.Equal(got, []float32{25}) {
		t.Errorf("dense1 act_step %v", got)
	}
	want := []string{"The dense0 layer holds very high threshold values which are not compatible with the hardware. Those are clipped to the maximum supported value 524287. Continuing execution."}
	if !slices.Equal(r.Warnings, want) {
		t.Errorf("warnings %q", r.Warnings)
	}
}

func TestFixV1CannotDivideFlattenedWeights(t *testing.T) {
	// A 2×2 spatial layer with a huge act_step followed by a dense layer:
	// cnn2snn's per-channel ratio does not broadcast on (1, 1, 8, 1) weights.
	m := modeltest.New("t5", 2, 2, 2).
		Add("conv", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 4, false), modeltest.W("kernel", []int{1, 1, 2, 2}, 0.0875, 7, 0, 0)).
		Add("relu", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6}).
		Add("flatten", &keras.Flatten{}).
		Add("dense", qdense(1, 4, false), modeltest.Fill("kernel", []int{8, 1}, func(int) float32 { return 1 })).
		Model()
	_, _, err := Convert(m, Options{InputScaling: scaling(3000, 0)})
	want := `layer "conv": its act_step exceeds 65535 and cnn2snn compensates in the next layer's weights per input channel, which is not possible for layer "dense" with weights of shape [1 1 8 1] (cnn2snn fails here too); lower the activation's scale (e.g. a smaller input scaling or max_value) and convert again`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}

func layerSummary(m *akida.Model) []string {
	out := make([]string, len(m.Layers))
	for i, l := range m.Layers {
		out[i] = l.Name + ":" + l.Type.String()
	}
	return out
}

func TestRescalingGivesInputScaling(t *testing.T) {
	// Keras: x = 0.5·akida − 1 → input scaling (1/0.5, 1/0.5) = (2, 2).
	m := modeltest.New("resc", 2, 2, 3).
		Add("rescaling", &keras.Rescaling{Scale: []float64{0.5}, Offset: []float64{-1}}).
		Add("conv", qconv2d(1, [2]int{1, 1}, [2]int{1, 1}, "same", 8, false), modeltest.W("kernel", []int{1, 1, 3, 1}, 1, -1, 0.5)).
		Add("relu", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 15}).
		Model()
	am, r := convertOK(t, m, Options{})
	if *r.InputScaling != (InputScaling{Scale: 2, Shift: 2, Source: ScalingFromRescaling, Layer: "rescaling"}) {
		t.Errorf("input scaling %+v", r.InputScaling)
	}
	// padding_value = int(2) = 2; integers (sf 127): [127, −127, 63.5 → 64], ΣW = 64;
	// step = 15/15 = 1, thr 0.5: th = 2·127·0.5 + 64·2 = 127 + 128 = 255.
	expectParams(t, am.Layers[0], map[string]int32{"padding_value": 2})
	if got := int32s(t, am.Layers[0], "threshold"); !slices.Equal(got, []int32{255}) {
		t.Errorf("threshold %v, want [255]", got)
	}
	if got := r.Blocks[0].KerasLayers; !slices.Equal(got, []string{"input", "rescaling", "conv", "relu"}) {
		t.Errorf("block layers %v", got)
	}
	// input_is_image off: the same model takes an InputData; its Rescaling
	// has an offset, which only the InputConvolutional can absorb.
	no := false
	_, _, err := Convert(m, Options{InputIsImage: &no})
	expectFirstError(t, err, "quantized-type", "Layer rescaling: unsupported type Rescaling.")
}

func TestInputIsImageOffUsesInputData(t *testing.T) {
	m := modeltest.New("img", 2, 2, 3).
		Add("conv", qconv2d(1, [2]int{1, 1}, [2]int{1, 1}, "same", 4, false), modeltest.W("kernel", []int{1, 1, 3, 1}, 1, -1, 0.5)).
		Add("relu", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 15}).
		Model()
	no := false
	am, _ := convertOK(t, m, Options{InputIsImage: &no})
	if got := layerSummary(am); !slices.Equal(got, []string{"img_input:InputData", "conv:Convolutional"}) {
		t.Errorf("layers %v", got)
	}
	am, _ = convertOK(t, m, Options{})
	if got := layerSummary(am); !slices.Equal(got, []string{"conv:InputConvolutional"}) {
		t.Errorf("default (3 channels): layers %v", got)
	}
}

func expectFirstError(t *testing.T, err error, rule, message string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *convert.Error", err)
	}
	if e.Error() != message || e.First.Rule != rule {
		t.Errorf("first error [%s] %q\nwant        [%s] %q", e.First.Rule, e.Error(), rule, message)
	}
	return e
}

// TestConvertErrors triggers each error text of convert's own flow and of
// the generator, through Convert.
func TestConvertErrors(t *testing.T) {
	relu := func() *keras.QuantizedReLU { return &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6} }
	kernel := func(c, f int) keras.Weight {
		return modeltest.Fill("kernel", []int{1, 1, c, f}, func(i int) float32 { return float32(i%3) - 1 })
	}
	floatConv := &keras.Conv2D{Filters: 2, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "same", DataFormat: "channels_last", DilationRate: []int{1, 1}, Groups: 1, Activation: "linear"}
	conv3bits := qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 3, false)
	sep := &keras.QuantizedSeparableConv2D{
		SeparableConv2D: keras.SeparableConv2D{Filters: 2, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "same", DataFormat: "channels_last", DilationRate: []int{1, 1}, DepthMultiplier: 1},
		Quantizer:       quantizer("MaxPerAxisQuantizer", 4), QuantizerDW: quantizer("MaxQuantizer", 2),
	}
	base := func() *modeltest.Builder {
		return modeltest.New("e", 2, 2, 1).
			Add("conv0", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 8, false), kernel(1, 2)).
			Add("relu0", relu())
	}
	for _, c := range []struct {
		name          string
		model         *keras.Model
		opts          Options
		rule, message string
	}{
		{"rescaling and option", modeltest.New("e", 2, 2, 1).Add("rescaling", &keras.Rescaling{Scale: []float64{1.0 / 255}, Offset: []float64{0}}).
			Add("conv0", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 8, false), kernel(1, 2)).Model(),
			Options{InputScaling: scaling(255, 0)}, "input-scaling-conflict",
			"If a Rescaling layer is present in the model, 'input_scaling' argument must be None. Receives (255.0, 0.0)."},
		{"zero scale", base().Model(), Options{InputScaling: scaling(0, 1)}, "input-scaling-positive",
			"The scale factor 'input_scaling[0]' must be strictly positive. Receives: input_scaling=(0.0, 1.0)"},
		{"per-channel rescaling", modeltest.New("e", 2, 2, 1).Add("rescaling", &keras.Rescaling{Scale: []float64{1, 2}, Offset: []float64{0}}).Add("conv0", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 8, false), kernel(1, 2)).Model(),
			Options{}, "rescaling-values", "The Rescaling layer rescaling cannot give the input scaling: its scale [1.0, 2.0] or offset [0.0] is per channel. Use a single non-zero scale and a single offset."},
		// 1/1e-310 overflows to +Inf: it used to convert with every
		// threshold saturated.
		{"denormal rescaling", modeltest.New("e", 2, 2, 1).Add("rescaling", &keras.Rescaling{Scale: []float64{1e-310}, Offset: []float64{0}}).Add("conv0", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 8, false), kernel(1, 2)).Model(),
			Options{}, "rescaling-values", "The Rescaling layer rescaling cannot give the input scaling: its scale 1e-310 and offset 0.0 give an input scaling (1/scale, −offset/scale) beyond the float range. Use a single non-zero scale and a single offset."},
		{"target v2", base().Model(), Options{Target: "v2"}, "target-version",
			"Target v2 (Akida 2.0) is not available for this model: cnn2snn converts models quantized with cnn2snn to Akida 1.0 layers only. Use target v1, or quantize the float model with quantizeml for Akida 2.0."},
		{"branches", base().AddFrom("side", relu(), []string{"conv0"}).Model(), Options{}, "single-branch",
			"The model contains more than one sequential branch."},
		{"float first layer", modeltest.New("e", 2, 2, 1).Add("conv0", floatConv, kernel(1, 2)).Add("relu0", relu()).Model(), Options{},
			"input-layer-type", "First layer conv0 must be QuantizedConv2D when model input shape is equal to 1 or 3. Received layer of type Conv2D"},
		{"float later layer", base().Add("conv1", floatConv, kernel(2, 2)).Model(), Options{}, "quantized-type", "Layer conv1: unsupported type Conv2D."},
		{"float relu", base().Add("conv1", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 4, false), kernel(2, 2)).Add("relu1", &keras.ReLU{}).Model(), Options{},
			"quantized-type", "Layer relu1: unsupported type ReLU."},
		{"weight bits", base().Add("conv1", conv3bits, kernel(2, 2)).Model(), Options{}, "weight-bitwidth",
			"Weight bitwidth must be in (2, 4, 8). Receives bitwidth 3 in layer 'conv1'."},
		{"activation bits", base().Add("conv1", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 4, false), kernel(2, 2)).Add("relu1", &keras.QuantizedReLU{Bitwidth: 3, MaxValue: 7}).Model(), Options{},
			"activation-bitwidth", "Activation bitwidth must be in (1, 2, 4). Receives bitwidth 3 in layer 'relu1'."},
		{"separable bits", base().Add("sep", sep, modeltest.W("depthwise_kernel", []int{1, 1, 2, 1}, 1, 1), kernel(2, 2)).Model(), Options{},
			"separable-bitwidth", "Quantized layer sep must have the same bitwidth for depthwise and pointwise quantizers."},
		{"unknown input size", modeltest.New("e", -1, -1, 1).Add("conv0", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 8, false), kernel(1, 2)).Add("relu0", relu()).Model(), Options{},
			"input-shape", "The model input 'input' has the shape (None, None, None, 1), with unknown dimensions: Akida layers need a fixed input shape. Build the model with a fixed input shape."},
		{"nothing after the input", modeltest.New("e", 2, 2, 1).Add("rescaling", &keras.Rescaling{Scale: []float64{1}, Offset: []float64{0}}).Model(), Options{},
			"empty-model", "The model e has no layer after its input: there is nothing to convert. Convert a model with at least one quantized neural layer."},
	} {
		t.Run(c.name, func(t *testing.T) {
			am, r, err := Convert(c.model, c.opts)
			if am != nil {
				t.Fatal("a model was returned with an error")
			}
			e := expectFirstError(t, err, c.rule, c.message)
			if r == nil || r.Compatible || len(e.Diagnostics) == 0 || !slices.Equal(e.Diagnostics, r.Diagnostics) {
				t.Errorf("report %+v, error diagnostics %v", r, e.Diagnostics)
			}
		})
	}
}

// TestFirstErrorIsCnn2snnsButListIsInLayerOrder: channels_first on a later
// layer is raised before a dilation on an earlier one (cnn2snn checks the
// data format of every layer first); Diagnostics are in layer order.
func TestFirstErrorIsCnn2snnsButListIsInLayerOrder(t *testing.T) {
	dil := qconv2d(2, [2]int{3, 3}, [2]int{1, 1}, "same", 4, false)
	dil.DilationRate = []int{2, 2}
	cf := qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 4, false)
	cf.DataFormat = "channels_first"
	m := modeltest.New("order", 4, 4, 1).
		Add("conv0", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 8, false), modeltest.W("kernel", []int{1, 1, 1, 2}, 1, 1)).
		Add("relu0", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6}).
		Add("dilated", dil, modeltest.Fill("kernel", []int{3, 3, 2, 2}, func(int) float32 { return 1 })).
		Add("relu1", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6}).
		Add("first", cf, modeltest.W("kernel", []int{1, 1, 2, 2}, 1, 1, 1, 1)).
		Model()
	_, r, err := Convert(m, Options{})
	e := expectFirstError(t, err, "channels-last", "Unsupported data format 'channels_first' in layer 'first'.")
	want := []compat.Diagnostic{
		{Layer: "dilated", Rule: "dilation-rate", Message: "Unsupported dilation rate (2, 2) in layer 'dilated'."},
		{Layer: "dilated", Rule: "conv-dilation", Message: "The layer dilated must have a dilation rate of 1. Receives (2, 2)."},
		{Layer: "first", Rule: "channels-last", Message: "Unsupported data format 'channels_first' in layer 'first'."},
	}
	if !slices.Equal(e.Diagnostics, want) || !slices.Equal(r.Diagnostics, want) {
		t.Errorf("diagnostics %+v\nwant %+v", e.Diagnostics, want)
	}
	if b := r.Blocks[1]; !slices.Equal(b.Incompatible, []string{"dilated"}) {
		t.Errorf("block %+v: incompatible layers", b)
	}
}

func TestOptionValidation(t *testing.T) {
	m := tinyImageModel()
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Target: "v3"}, `unknown target "v3": use v1 (Akida 1.0: AKD1000, AKD1500) or v2 (Akida 2.0)`},
		{Options{Quantize: QuantizeBits{Weights: 3}}, "quantize: weight bitwidth 3 is not allowed: Weight bitwidth must be in (2, 4, 8)"},
		{Options{Target: TargetV1, Quantize: QuantizeBits{Activations: 8}}, "quantize: activation bitwidth 8 is not allowed: Activation bitwidth must be in (1, 2, 4)"},
		{Options{Target: TargetV2, Quantize: QuantizeBits{Weights: 2}}, "quantize: weight bitwidth 2 is not allowed for Akida 2.0: its layers take 4 or 8-bit weights"},
		{Options{Target: TargetV2, Quantize: QuantizeBits{Activations: 9}}, "quantize: activation bitwidth 9 is not allowed for Akida 2.0: its layers output 1 to 8-bit activations"},
		{Options{Quantize: QuantizeBits{InputWeights: 9}}, "quantize: input weight bitwidth 9 is not allowed: the input layer takes 2 to 8-bit weights (8 is usual)"},
		// A non-finite shift used to convert, with padding_value and
		// thresholds saturated to the int32 limits.
		{Options{InputScaling: scaling(1, math.NaN())}, "input scaling (1, NaN) is not two finite numbers: give A,B with Akida input = A × Keras input + B, e.g. 255,0"},
		{Options{InputScaling: scaling(255, math.Inf(1))}, "input scaling (255, +Inf) is not two finite numbers: give A,B with Akida input = A × Keras input + B, e.g. 255,0"},
		{Options{InputScaling: scaling(math.Inf(1), 0)}, "input scaling (+Inf, 0) is not two finite numbers: give A,B with Akida input = A × Keras input + B, e.g. 255,0"},
	} {
		if _, err := Check(m, c.o); err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v\nwant %s", c.o, err, c.want)
		}
		if _, _, err := Convert(m, c.o); err == nil || err.Error() != c.want {
			t.Errorf("Convert %+v: %v", c.o, err)
		}
	}
	if got := (QuantizeBits{}).WithDefaults(); got != (QuantizeBits{Weights: 4, Activations: 4, InputWeights: 8}) {
		t.Errorf("defaults %+v", got)
	}
	if got := (QuantizeBits{Activations: 4}).WithDefaultsFor(TargetV2); got != (QuantizeBits{Weights: 8, Activations: 4, InputWeights: 8}) {
		t.Errorf("Akida 2.0 defaults %+v", got)
	}
	// Without a target, widths that suit one of them are accepted: 8-bit
	// activations are Akida 2.0's, 2-bit weights Akida 1.0's.
	for _, q := range []QuantizeBits{{Activations: 8}, {Weights: 2}, {8, 8, 8}, {4, 4, 8}} {
		if err := q.Validate(); err != nil {
			t.Errorf("%+v: %v", q, err)
		}
	}
}

func TestConvertDoesNotModifyModel(t *testing.T) {
	m := modeltest.New("bn", 2, 2, 1).
		Add("conv", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 8, false), modeltest.W("kernel", []int{1, 1, 1, 2}, 1, 2)).
		Add("bn", &keras.BatchNormalization{Axis: []int{3}, Epsilon: 1, Center: true, Scale: true}, modeltest.BatchNorm([]float32{2, 2}, []float32{0, 0}, []float32{0, 0}, []float32{3, 3})...).
		Add("relu", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6}).
		Model()
	before := m.Clone()
	convertOK(t, m, Options{})
	for i, l := range m.Layers {
		if l.Name != before.Layers[i].Name || len(l.Weights) != len(before.Layers[i].Weights) {
			t.Fatalf("layer %d changed", i)
		}
		for j, w := range l.Weights {
			if !slices.Equal(w.Values, before.Layers[i].Weights[j].Values) {
				t.Errorf("layer %q weight %q changed", l.Name, w.Name)
			}
		}
	}
	if m.Layer("conv").Config.(*keras.QuantizedConv2D).UseBias {
		t.Error("use_bias of the input model was turned on")
	}
}

// A quantizeml model that passes every Akida 1.0 check is still not
// compatible with Akida 1.0: this tool does not generate those layers, and
// "compatible" means Convert succeeds.
func TestQuantizeMLModelThatPassesIsNotConvertedToAkida1(t *testing.T) {
	six := 6.0
	wq := &keras.QMLQuantizer{Bitwidth: 4, Signed: true, PerAxis: true, Axis: -1}
	m := modeltest.New("qml", 4, 4, 3).
		Add("conv", &keras.QMLConv2D{Conv2D: keras.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "same", DataFormat: "channels_last", DilationRate: []int{1, 1}, Groups: 1, Activation: "linear"},
			QuantConfig: keras.QuantConfig{WeightQuantizer: wq, BufferBitwidth: 32}}).
		Add("relu", &keras.QMLReLU{MaxValue: &six, QuantConfig: keras.QuantConfig{OutputQuantizer: &keras.QMLQuantizer{Bitwidth: 4}}}).
		Add("flatten", &keras.QMLFlatten{}).
		Add("dense", &keras.QMLDense{Dense: keras.Dense{Units: 2}, QuantConfig: keras.QuantConfig{WeightQuantizer: wq}}).
		Add("dequantizer", &keras.QMLDequantizer{}).
		Model()
	v1 := Options{Target: TargetV1}
	r, err := Check(m, v1)
	notImplemented := compat.Akida1NotImplemented("qml")
	if err != nil || r.Compatible || r.Origin != OriginQuantizeML || r.Target != TargetV1 || len(r.Warnings) != 0 ||
		!slices.Equal(r.Diagnostics, []compat.Diagnostic{notImplemented}) {
		t.Fatalf("check: %v %+v", err, r)
	}
	// Float input (not uint8): no input pattern, an InputData comes first.
	want := []compat.Block{
		{AkidaLayer: "input", AkidaType: "InputData", KerasLayers: []string{"input"}, OutputShape: []int{4, 4, 3}, ActivationBits: 4},
		{AkidaLayer: "conv", AkidaType: "Convolutional", KerasLayers: []string{"conv", "relu"}, OutputShape: []int{4, 4, 2}, WeightBits: 4, ActivationBits: 4, Activation: true},
		{AkidaLayer: "dense", AkidaType: "FullyConnected", KerasLayers: []string{"flatten", "dense", "dequantizer"}, OutputShape: []int{1, 1, 2}, WeightBits: 4},
	}
	if !slices.EqualFunc(r.Blocks, want, blockEqual) {
		t.Errorf("blocks:\n got %+v\nwant %+v", r.Blocks, want)
	}
	_, _, err = Convert(m, v1)
	var ce *Error
	if !errors.As(err, &ce) || ce.First != notImplemented ||
		err.Error() != "Model qml passes the Akida 1.0 checks of cnn2snn's quantizeml path, but converting a quantizeml model to Akida 1.0 layers is not implemented by this tool: target Akida 2.0 (--target v2), or convert the float model with --target v1." {
		t.Errorf("error %v", err)
	}
}

// TestQuantizeMLModelWithLegacyLayer: cnn2snn's legacy QuantizedConv2D
// has the same bare class name as quantizeml's, but a model that mixes the
// two is routed to the quantizeml path, where the legacy layer matches no
// block pattern. It used to match one by its name and crash on its missing
// quant_config.
func TestQuantizeMLModelWithLegacyLayer(t *testing.T) {
	six := 6.0
	wq := &keras.QMLQuantizer{Bitwidth: 4, Signed: true, PerAxis: true, Axis: -1}
	m := modeltest.New("mixed", 4, 4, 3).
		Add("conv", qconv2d(2, [2]int{3, 3}, [2]int{1, 1}, "same", 4, false), modeltest.W("kernel", []int{3, 3, 3, 2}, make([]float32, 54)...)).
		Add("relu", &keras.QMLReLU{MaxValue: &six, QuantConfig: keras.QuantConfig{OutputQuantizer: &keras.QMLQuantizer{Bitwidth: 4}}}).
		Add("flatten", &keras.QMLFlatten{}).
		Add("dense", &keras.QMLDense{Dense: keras.Dense{Units: 2}, QuantConfig: keras.QuantConfig{WeightQuantizer: wq}}).
		Add("dequantizer", &keras.QMLDequantizer{}).
		Model()
	v1 := Options{Target: TargetV1}
	r, err := Check(m, v1)
	if err != nil || r.Compatible || r.Origin != OriginQuantizeML {
		t.Fatalf("check: %v %+v", err, r)
	}
	// cnn2snn's message lists the patterns holding QuantizedConv2D or
	// QuantizedReLU; the last line says why this block matches none.
	want := compat.QMLInvalidBlock.Diagnose("conv", "Invalid block found during conversion:\n QuantizedConv2D (conv)\nQuantizedReLU (relu)\n"+
		"Compatible patterns that contain the faulty layers are:\n"+
		" - QuantizedConv2D\n - QuantizedConv2D > QuantizedReLU\n - QuantizedConv2D > QuantizedMaxPool2D > QuantizedReLU\n"+
		" - QuantizedConv2D > QuantizedGlobalAveragePooling2D > QuantizedReLU\n - QuantizedConv2D > QuantizedGlobalAveragePooling2D\n"+
		" - QuantizedSeparableConv2D > QuantizedReLU\n - QuantizedSeparableConv2D > QuantizedGlobalAveragePooling2D > QuantizedReLU\n"+
		" - QuantizedSeparableConv2D > QuantizedMaxPool2D > QuantizedReLU\n - QuantizedDense > QuantizedReLU\n"+
		" - QuantizedFlatten > QuantizedDense > QuantizedReLU\n - QuantizedReshape > QuantizedDense > QuantizedReLU\n"+
		" - QuantizedReshape > QuantizedFlatten > QuantizedDense > QuantizedReLU\n"+
		"Layer conv is cnn2snn's legacy QuantizedConv2D, not quantizeml's: quantize the whole float model with one of them.")
	if !slices.Equal(r.Diagnostics, []compat.Diagnostic{compat.Akida1NotImplemented("mixed"), want}) {
		t.Errorf("diagnostics:\n got %q\nwant %q", r.Diagnostics, want)
	}
	if len(r.Blocks) == 0 || r.Blocks[len(r.Blocks)-1].WeightBits != 4 {
		t.Errorf("blocks %+v", r.Blocks)
	}
	_, _, err = Convert(m, v1)
	var ce *Error
	if !errors.As(err, &ce) || ce.First != want {
		t.Errorf("convert: %v", err)
	}
}
