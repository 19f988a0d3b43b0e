package sim

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Hand-computed tiny models: every expected value below was worked out on
// paper from the formulas of akida-arithmetic.md §2; the comments show
// the sums.

// inputConvModel is a 3×3 InputConvolutional with one filter, stride 2,
// padding_value 10, no activation, on a 4×5×1 input. The kernel has
// three non-zero taps so that every output shows which cells it read:
// W[0][0] = 1, W[0][1] = 2, W[2][2] = −1; threshold 3, act_step 2.
func inputConvModel(t *testing.T, pad akida.Padding) *akida.Model {
	o := akida.DefaultInputConvolutional()
	o.InputShape = [3]int{4, 5, 1}
	o.ConvolutionalOptions = convOptions([2]int{3, 3}, 1, pad, [2]int{2, 2})
	o.WeightsBits = 8
	o.PaddingValue = 10
	l := akida.NewInputConvolutional("conv_0", o)
	setWeights(t, l, "weights", []int{3, 3, 1, 1}, 8, []int8{1, 2, 0, 0, 0, 0, 0, 0, -1})
	setNeurons(t, l, []int32{3}, []float32{2})
	return model(t, l)
}

// The input cell (x, y) holds 5x + y + 1 (1 … 20), padded cells hold 10.
var inputConvInput = Input{Shape: [4]int{1, 4, 5, 1}, Data: seq(1, 20)}

func TestInputConvolutionalSameStride2PaddingValue(t *testing.T) {
	// Same, stride 2: X: out 2, pad total (2−1)·2+3−4 = 1 → 0 before, 1 after;
	// Y: out 3, pad total (3−1)·2+3−5 = 2 → 1 before. Input cell of tap
	// (kx, ky) for output (ox, oy): (2ox + kx, 2oy + ky − 1).
	//   (0,0): W00·pad10 + W01·v(0,0)=1 + W22·v(2,1)=12 → 10 + 2 − 12 = 0
	//   (0,1): v(0,1)=2 + 2·v(0,2)=3 − v(2,3)=14       → 2 + 6 − 14 = −6
	//   (0,2): v(0,3)=4 + 2·v(0,4)=5 − pad 10          → 4 + 10 − 10 = 4
	//   (1,0): pad 10 + 2·v(2,0)=11 − pad 10 (x = 4)   → 22
	//   (1,1): v(2,1)=12 + 2·v(2,2)=13 − 10            → 28
	//   (1,2): v(2,3)=14 + 2·v(2,4)=15 − 10            → 34
	// forward = p − 3; predict = (p − 3) / 2.
	m := inputConvModel(t, akida.Same)
	out := forward(t, m, inputConvInput)
	checkOutput(t, out.Shape, out.Data, [4]int{1, 2, 3, 1}, []int32{-3, -9, 1, 19, 25, 31})

	pred, err := Predict(m, inputConvInput)
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, pred.Shape, pred.Data, [4]int{1, 2, 3, 1}, []float32{-1.5, -4.5, 0.5, 9.5, 12.5, 15.5})
}

func TestInputConvolutionalValidStride2(t *testing.T) {
	// Valid, stride 2: out (4−3)/2+1 = 1 by (5−3)/2+1 = 2, no padding.
	//   (0,0): v(0,0)=1 + 2·v(0,1)=2 − v(2,2)=13 = −8 → −11
	//   (0,1): v(0,2)=3 + 2·v(0,3)=4 − v(2,4)=15 = −4 → −7
	out := forward(t, inputConvModel(t, akida.Valid), inputConvInput)
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 2, 1}, []int32{-11, -7})
}

func TestConvolutionalIsTrueConvolution(t *testing.T) {
	// An impulse at the centre of a 3×3 input: a true convolution returns
	// the stored kernel in its stored orientation (a cross-correlation
	// would return it flipped). Centre cell: channel 0 = 2, channel 1 = 1.
	// Filter 0 kernels: c0 = [1 2 3; 4 5 6; 7 −1 −2], c1 = [0 1 0; 0 0 0; 0 0 −3]
	// → output 2·c0 + c1 = [2 5 6; 8 10 12; 14 −2 −7], threshold 0.
	// Filter 1 kernels: c0 = 0, c1 as above, threshold 1 → c1 − 1.
	c0 := []int8{1, 2, 3, 4, 5, 6, 7, -1, -2}
	c1 := []int8{0, 1, 0, 0, 0, 0, 0, 0, -3}
	w := make([]int8, 0, 36) // numpy (3, 3, 2, 2): index ((kx·3+ky)·2+c)·2+f
	for tap := range 9 {
		w = append(w, c0[tap], 0, c1[tap], c1[tap])
	}
	l := akida.NewConvolutional("conv", convOptions([2]int{3, 3}, 2, akida.Same, [2]int{1, 1}))
	setWeights(t, l, "weights", []int{3, 3, 2, 2}, 4, w)
	setNeurons(t, l, []int32{0, 1}, []float32{1, 1})
	m := model(t, inputData([3]int{3, 3, 2}), l)

	in := Input{Shape: [4]int{1, 3, 3, 2}, Data: make([]uint8, 18)}
	in.Data[(1*3+1)*2+0] = 2
	in.Data[(1*3+1)*2+1] = 1
	out := forward(t, m, in)
	checkOutput(t, out.Shape, out.Data, [4]int{1, 3, 3, 2}, []int32{
		2, -1, 5, 0, 6, -1,
		8, -1, 10, -1, 12, -1,
		14, -1, -2, -1, -7, -4,
	})
}

func TestSeparableIsTrueConvolution(t *testing.T) {
	// Depthwise kernel [1 2 3; 4 5 6; 7 −7 0] (non-symmetric), an impulse of
	// 3 at the centre: the depthwise sums are 3·kernel in stored
	// orientation. Pointwise weights [1, −2], thresholds [0, 1]:
	// filter 0 = 3·k, filter 1 = −6·k − 1.
	o := convOptions([2]int{3, 3}, 2, akida.Same, [2]int{1, 1})
	l := akida.NewSeparableConvolutional("separable", o)
	setWeights(t, l, "weights", []int{3, 3, 1, 1}, 4, []int8{1, 2, 3, 4, 5, 6, 7, -7, 0})
	setWeights(t, l, "weights_pw", []int{1, 1, 1, 2}, 4, []int8{1, -2})
	setNeurons(t, l, []int32{0, 1}, []float32{1, 1})
	m := model(t, inputData([3]int{3, 3, 1}), l)

	in := Input{Shape: [4]int{1, 3, 3, 1}, Data: []uint8{0, 0, 0, 0, 3, 0, 0, 0, 0}}
	out := forward(t, m, in)
	checkOutput(t, out.Shape, out.Data, [4]int{1, 3, 3, 2}, []int32{
		3, -7, 6, -13, 9, -19,
		12, -25, 15, -31, 18, -37,
		21, -43, -21, 41, 0, -1,
	})
}

func TestFullyConnectedReadsCYXOrder(t *testing.T) {
	// A 2×2×3 input whose cell (x, y, c) holds its NHWC index + 1, and an
	// identity weight matrix (1, 1, 12, 12): unit u reads the input cell
	// at flattened position u in (C, Y, X) order, u = (c·2 + y)·2 + x.
	//   u: 0 (x0 y0 c0)=1, 1 (x1 y0 c0)=7, 2 (x0 y1 c0)=4, 3 (x1 y1 c0)=10,
	//      4…7 the same cells of c1: 2 8 5 11, 8…11 of c2: 3 9 6 12.
	o := akida.DefaultFullyConnected()
	o.Units, o.WeightsBits, o.Activation = 12, 2, false
	l := akida.NewFullyConnected("dense", o)
	identity := make([]int8, 144)
	for i := range 12 {
		identity[i*12+i] = 1
	}
	setWeights(t, l, "weights", []int{1, 1, 12, 12}, 2, identity)
	setNeurons(t, l, make([]int32, 12), ones(12))
	m := model(t, inputData([3]int{2, 2, 3}), l)

	out := forward(t, m, Input{Shape: [4]int{1, 2, 2, 3}, Data: seq(1, 12)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 12}, []int32{1, 7, 4, 10, 2, 8, 5, 11, 3, 9, 6, 12})
}

func ones(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

// poolModel is a 1×1 Convolutional with weight −1 (potentials −v, so that
// every potential is negative and a padded 0 would win a max) and the
// given pooling, on a 3×3×1 input holding 1 … 9.
func poolModel(t *testing.T, pad akida.Padding, poolType akida.PoolType, size, stride [2]int) *akida.Model {
	o := convOptions([2]int{1, 1}, 1, pad, [2]int{1, 1})
	o.PoolType, o.PoolSize, o.PoolStride = poolType, size, stride
	l := akida.NewConvolutional("conv", o)
	setWeights(t, l, "weights", []int{1, 1, 1, 1}, 4, []int8{-1})
	setNeurons(t, l, []int32{0}, []float32{1})
	return model(t, inputData([3]int{3, 3, 1}), l)
}

var poolInput = Input{Shape: [4]int{1, 3, 3, 1}, Data: seq(1, 9)}

func TestMaxPoolSameIgnoresPaddedCells(t *testing.T) {
	// Same 2×2 pool, stride 2 on 3×3: out 2×2, one padded row/column after.
	// Windows: rows {0,1}×cols {0,1} → max(−1,−2,−4,−5) = −1; rows {0,1}×
	// col {2} → max(−3,−6) = −3; row {2}×cols {0,1} → −7; row {2}×col {2} → −9.
	// Padding with 0 would give 0 in the last three.
	out := forward(t, poolModel(t, akida.Same, akida.MaxPooling, [2]int{2, 2}, [2]int{2, 2}), poolInput)
	checkOutput(t, out.Shape, out.Data, [4]int{1, 2, 2, 1}, []int32{-1, -3, -7, -9})
}

func TestMaxPoolValidStride1(t *testing.T) {
	// Valid 2×2 pool, stride 1: windows at (0,0) (0,1) (1,0) (1,1); each max
	// is its top-left cell: −1 −2 −4 −5.
	out := forward(t, poolModel(t, akida.Valid, akida.MaxPooling, [2]int{2, 2}, [2]int{1, 1}), poolInput)
	checkOutput(t, out.Shape, out.Data, [4]int{1, 2, 2, 1}, []int32{-1, -2, -4, -5})
}

func TestMaxPoolNegativeStrideIsPoolSize(t *testing.T) {
	// A decoded file may store pooling_stride −1: it means the pool size,
	// so this is the Same 2×2 stride 2 case above.
	m := poolModel(t, akida.Same, akida.MaxPooling, [2]int{2, 2}, [2]int{2, 2})
	m.Layers[1].Params.Set("pooling_stride_x", -1)
	m.Layers[1].Params.Set("pooling_stride_y", -1)
	out := forward(t, m, poolInput)
	checkOutput(t, out.Shape, out.Data, [4]int{1, 2, 2, 1}, []int32{-1, -3, -7, -9})
}

// gapModel is a 1×1 Convolutional with weight 2 and global average pooling
// on a 2×3×1 input: the pooled potential is 2·Σ input.
func gapModel(t *testing.T, activation bool, threshold int32, step float32) *akida.Model {
	o := convOptions([2]int{1, 1}, 1, akida.Same, [2]int{1, 1})
	o.PoolType, o.Activation, o.ActBits = akida.AveragePooling, activation, 4
	l := akida.NewConvolutional("conv", o)
	setWeights(t, l, "weights", []int{1, 1, 1, 1}, 4, []int8{2})
	setNeurons(t, l, []int32{threshold}, []float32{step})
	return model(t, inputData([3]int{2, 3, 1}), l)
}

func TestGlobalAveragePoolingIsASum(t *testing.T) {
	in := Input{Shape: [4]int{1, 2, 3, 1}, Data: seq(1, 6)}
	// Σ = 21, p = 42; no activation, T = 5: forward 37, predict 37/3.
	m := gapModel(t, false, 5, 3)
	out := forward(t, m, in)
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{37})
	pred, err := Predict(m, in)
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, pred.Shape, pred.Data, [4]int{1, 1, 1, 1}, []float32{float32(37.0 / 3.0)})

	// With a 4-bit activation, T = 5, act_step 4: ceil((42 − 5)/4) = 10.
	out = forward(t, gapModel(t, true, 5, 4), in)
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{10})
}

// levelModel is InputData (1,1,1) → FullyConnected with one neuron per
// (weight, threshold, act_step) and the given act_bits; run on the batch
// 0 … 15 its outputs are the activation levels of p = weight·v.
func levelModel(t *testing.T, bits int, weights []int8, thresholds []int32, steps []float32) *akida.Model {
	o := akida.DefaultFullyConnected()
	o.Units, o.WeightsBits, o.ActBits = len(weights), 4, bits
	l := akida.NewFullyConnected("dense", o)
	setWeights(t, l, "weights", []int{1, 1, 1, len(weights)}, 4, weights)
	setNeurons(t, l, thresholds, steps)
	return model(t, inputData([3]int{1, 1, 1}), l)
}

// levels runs levelModel on 0 … 15 and returns neuron f's levels.
func levels(t *testing.T, m *akida.Model, f int) []int32 {
	t.Helper()
	out := forward(t, m, Input{Shape: [4]int{16, 1, 1, 1}, Data: seq(0, 16)})
	units := out.Shape[3]
	got := make([]int32, 16)
	for v := range got {
		got[v] = out.Data[v*units+f]
	}
	return got
}

func TestActivationLevels(t *testing.T) {
	tests := []struct {
		name      string
		bits      int
		weight    int8
		threshold int32
		step      float32
		want      []int32
	}{
		// s = 3: p ≤ 2 → 0; 3…5 → 1 (p − T = 3 is the boundary 1·s: lower
		// level); 6…8 → 2; …; 15: ceil(13/3) = 5.
		{"4 bits, boundaries", 4, 1, 2, 3, []int32{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5}},
		// s = 1, p = 7v: min(7v, 15).
		{"4 bits, saturation at 15", 4, 7, 0, 1, []int32{0, 7, 14, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15}},
		// Non-integer s = 2.5: ceil(v/2.5); 5 and 10 are exact boundaries.
		{"4 bits, s = 2.5", 4, 1, 0, 2.5, []int32{0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6}},
		// s = act_step·4 = 3 for 2 bits, saturating at 3.
		{"2 bits", 2, 1, 2, 0.75, []int32{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3}},
		// s = act_step·8 = 3 for 1 bit, saturating at 1.
		{"1 bit", 1, 1, 2, 0.375, []int32{0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		// Negative threshold T = −4, p = −v: v = 0 gives p − T = 4 → 4;
		// v = 4 is p = T → 0.
		{"negative threshold", 4, -1, -4, 1, []int32{4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := levelModel(t, tt.bits, []int8{tt.weight}, []int32{tt.threshold}, []float32{tt.step})
			checkOutput(t, [4]int{}, levels(t, m, 0), [4]int{}, tt.want)
		})
	}
}

func TestLastLayerWithoutActivation(t *testing.T) {
	// p = 3v − 4 for v = 0 … 15, act_step 0.5: forward p − T = 3v − 4,
	// predict (3v − 4) / 0.5 = 6v − 8.
	o := akida.DefaultFullyConnected()
	o.Units, o.WeightsBits, o.Activation = 1, 4, false
	l := akida.NewFullyConnected("dense", o)
	setWeights(t, l, "weights", []int{1, 1, 1, 1}, 4, []int8{3})
	setNeurons(t, l, []int32{4}, []float32{0.5})
	m := model(t, inputData([3]int{1, 1, 1}), l)
	in := Input{Shape: [4]int{16, 1, 1, 1}, Data: seq(0, 16)}

	wantInts := make([]int32, 16)
	wantFloats := make([]float32, 16)
	for v := range 16 {
		wantInts[v] = int32(3*v - 4)
		wantFloats[v] = float32(6*v - 8)
	}
	out := forward(t, m, in)
	checkOutput(t, out.Shape, out.Data, [4]int{16, 1, 1, 1}, wantInts)
	pred, err := Predict(m, in)
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, pred.Shape, pred.Data, [4]int{16, 1, 1, 1}, wantFloats)
}

func TestKeepLayers(t *testing.T) {
	// InputData → FullyConnected with activation → FullyConnected without:
	// every layer's outputs come back, the input included.
	o := akida.DefaultFullyConnected()
	o.Units, o.WeightsBits, o.ActBits = 2, 4, 4
	hidden := akida.NewFullyConnected("hidden", o)
	setWeights(t, hidden, "weights", []int{1, 1, 2, 2}, 4, []int8{1, 0, 0, 2}) // (v0, 2·v1)
	setNeurons(t, hidden, []int32{0, 0}, []float32{1, 1})                      // levels min(p, 15)
	o.Units, o.Activation = 1, false
	last := akida.NewFullyConnected("last", o)
	setWeights(t, last, "weights", []int{1, 1, 2, 1}, 4, []int8{1, -1})
	setNeurons(t, last, []int32{0}, []float32{1})
	m := model(t, inputData([3]int{1, 1, 2}), hidden, last)

	s, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	// Samples (3, 5) and (9, 2): hidden (3, 10) and (9, 4); last −7 and 5.
	out, err := s.Forward(Input{Shape: [4]int{2, 1, 1, 2}, Data: []uint8{3, 5, 9, 2}}, Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Layers) != 3 {
		t.Fatalf("%d layer outputs, want 3", len(out.Layers))
	}
	want := []struct {
		name  string
		shape [4]int
		data  []int32
	}{
		{"input", [4]int{2, 1, 1, 2}, []int32{3, 5, 9, 2}},
		{"hidden", [4]int{2, 1, 1, 2}, []int32{3, 10, 9, 4}},
		{"last", [4]int{2, 1, 1, 1}, []int32{-7, 5}},
	}
	for i, w := range want {
		got := out.Layers[i]
		if got.Name != w.name {
			t.Errorf("layer %d is %q, want %q", i, got.Name, w.name)
		}
		checkOutput(t, got.Shape, got.Data, w.shape, w.data)
	}
	checkOutput(t, out.Shape, out.Data, [4]int{2, 1, 1, 1}, []int32{-7, 5})
}

func TestSignedInputData(t *testing.T) {
	// An 8-bit signed InputData (input_signed = 1, −128…127) feeds a
	// FullyConnected with weights (1, −2, 3), threshold 0, no activation:
	//   (−128, 127, −1): −128 − 254 − 3 = −385
	//   (5, −6, 7):        5 + 12 + 21 = 38
	o := akida.DefaultInputData()
	o.InputShape, o.InputBits, o.Signed = [3]int{1, 1, 3}, 8, true
	fo := akida.DefaultFullyConnected()
	fo.Units, fo.WeightsBits, fo.Activation = 1, 4, false
	l := akida.NewFullyConnected("dense", fo)
	setWeights(t, l, "weights", []int{1, 1, 3, 1}, 4, []int8{1, -2, 3})
	setNeurons(t, l, []int32{0}, []float32{1})
	s, err := New(model(t, akida.NewInputData("input", o), l))
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Forward(Input{Shape: [4]int{2, 1, 1, 3}, Int8: []int8{-128, 127, -1, 5, -6, 7}}, Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out.Shape, out.Data, [4]int{2, 1, 1, 1}, []int32{-385, 38})
	checkOutput(t, out.Layers[0].Shape, out.Layers[0].Data, [4]int{2, 1, 1, 3}, []int32{-128, 127, -1, 5, -6, 7})
}
