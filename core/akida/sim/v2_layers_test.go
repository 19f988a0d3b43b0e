package sim

import (
	"math"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Hand-computed Akida 2.0 models: one per layer kind, every expected value
// worked out from conversion-v2.md §5 (the sums in the comments).

func TestInputConv2DPaddingValueNotFlipped(t *testing.T) {
	// InputConv2D 3×3, Same, stride 1, padding_value 10, on a 3×3×1 uint8
	// image v(x, y) = 3x + y + 1. A cross-correlation with the stored
	// kernel: W[0][0] = 1, W[0][1] = 2, W[2][2] = −1; output (x, y) reads
	// input (x + kx − 1, y + ky − 1), 10 outside.
	//   (0,0): 10 + 2·10 − v(1,1)=5  = 25    (0,1): 10 + 20 − v(1,2)=6 = 24
	//   (0,2): 10 + 20 − pad 10      = 20    (1,0): 10 + 2·1 − v(2,1)=8 = 4
	//   (1,1): 1 + 2·2 − v(2,2)=9    = −4    (1,2): 2 + 2·3 − pad 10   = −2
	//   (2,0): 10 + 2·4 − 10         = 8     (2,1): 4 + 2·5 − 10       = 4
	//   (2,2): 5 + 2·6 − 10          = 7
	// No output stage, 32-bit outputs: the sums come out as they are.
	o := akida.DefaultInputConv2D()
	o.InputShape, o.Conv2DOptions = [3]int{3, 3, 1}, conv2D(3, 1, akida.Same)
	l := akida.NewInputConv2D("conv", o)
	setInt8s(t, l, "weights", []int{3, 3, 1, 1}, 1, 2, 0, 0, 0, 0, 0, 0, -1)
	setUint8s(t, l, "padding_value", []int{1}, 10)
	s, err := New(model(t, l))
	if err != nil {
		t.Fatal(err)
	}
	if s.InputType() != Uint8Input || s.InputBits() != 8 {
		t.Errorf("InputConv2D takes %v of %d bits, want uint8 of 8 bits", s.InputType(), s.InputBits())
	}
	out, err := s.Forward(Input{Shape: [4]int{1, 3, 3, 1}, Data: seq(1, 9)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out.Shape, out.Data, [4]int{1, 3, 3, 1}, []int32{25, 24, 20, 4, -4, -2, 8, 4, 7})
}

func TestConv2DIsTrueConvolution(t *testing.T) {
	// The stored Conv2D kernel is the Keras kernel W of the test above
	// flipped on both axes (S[2][2] = 1, S[2][1] = 2, S[0][0] = −1), so the
	// outputs are the cross-correlation with W, padded with 0 this time,
	// on the signed input v(x, y) = 3x + y + 1:
	//   (0,0): −v(1,1) = −5   (0,1): −v(1,2) = −6   (0,2): 0
	//   (1,0): 2·1 − 8 = −6   (1,1): 1 + 4 − 9 = −4  (1,2): 2 + 6 = 8
	//   (2,0): 2·4 = 8        (2,1): 4 + 10 = 14     (2,2): 5 + 12 = 17
	l := akida.NewConv2D("conv", conv2D(3, 1, akida.Same))
	setInt8s(t, l, "weights", []int{3, 3, 1, 1}, -1, 0, 0, 0, 0, 0, 0, 2, 1)
	m := model(t, signedInput([3]int{3, 3, 1}), l)
	out := run(t, m, Input{Shape: [4]int{1, 3, 3, 1}, Int8: int8s(1, 2, 3, 4, 5, 6, 7, 8, 9)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 3, 3, 1}, []int32{-5, -6, 0, -6, -4, 8, 8, 14, 17})
}

func TestDepthwiseConv2DIsTrueConvolutionPerChannel(t *testing.T) {
	// 3×3 Valid on a 3×3×2 input: one output cell per channel. Stored
	// kernels (k, k, C, 1), flipped: channel 0 S[0][0] = 1 reads v(2,2),
	// channel 1 S[2][0] = 3 reads v(0,2). Inputs: channel 0 holds
	// 3x + y + 1, channel 1 ten times that.
	//   channel 0: v0(2,2) = 9; channel 1: 3·v1(0,2) = 3·30 = 90.
	o := conv2D(3, 0, akida.Valid)
	l := akida.NewDepthwiseConv2D("dw", o)
	w := make([]int8, 18)
	w[(0*3+0)*2+0] = 1 // S[0][0], channel 0
	w[(2*3+0)*2+1] = 3 // S[2][0], channel 1
	setInt8s(t, l, "weights", []int{3, 3, 2, 1}, w...)
	in := make([]int8, 18)
	for i := range 9 {
		in[2*i], in[2*i+1] = int8(i+1), int8(10*(i+1))
	}
	out := run(t, model(t, signedInput([3]int{3, 3, 2}), l), Input{Shape: [4]int{1, 3, 3, 2}, Int8: in})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 2}, []int32{9, 90})
}

func TestDense1DReadsKerasOrder(t *testing.T) {
	// A (2, 2, 3) input flattened in Keras order: feature k = (x·2 + y)·3
	// + c holds k + 1. Unit 0 reads feature 4 = (x 0, y 1, c 1) → 5; unit 1
	// is 2·feature 11 − feature 0 = 24 − 1 = 23. (Akida 1.0's (C, Y, X)
	// order would read other cells.)
	l := dense1D("dense", 2)
	w := make([]int8, 24)
	w[4*2+0] = 1
	w[11*2+1], w[0*2+1] = 2, -1
	setInt8s(t, l, "weights", []int{12, 2}, w...)
	in := make([]int8, 12)
	for k := range in {
		in[k] = int8(k + 1)
	}
	out := run(t, model(t, signedInput([3]int{2, 2, 3}), l), Input{Shape: [4]int{1, 2, 2, 3}, Int8: in})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 2}, []int32{5, 23})
}

func TestInputShiftSaturatesToTheBuffer(t *testing.T) {
	// Dense1D with input_shift (3, 0), weights (1, 1), buffer_bits 10
	// (−512…511): x' = sat(x·8, 10bits).
	//   (50, 7):   400 + 7 = 407
	//   (−100, 7): sat(−800) = −512, −512 + 7 = −505
	//   (70, 7):   sat(560) = 511, 511 + 7 = 518 → sat 511
	l := dense1D("dense", 1)
	l.Params.Set("buffer_bits", 10)
	l.Params.Set("output_bits", 10)
	setInt8s(t, l, "weights", []int{2, 1}, 1, 1)
	setUint8s(t, l, "input_shift", []int{2}, 3, 0)
	out := run(t, model(t, signedInput([3]int{1, 1, 2}), l), Input{Shape: [4]int{3, 1, 1, 2}, Int8: int8s(50, 7, -100, 7, 70, 7)})
	checkOutput(t, out.Shape, out.Data, [4]int{3, 1, 1, 1}, []int32{407, -505, 511})
}

func TestAccumulatorSaturatesAfterTheFullSum(t *testing.T) {
	// Weights (2, 2, −1), buffer_bits 8 (−128…127), inputs (100, 100,
	// −100): the exact sum 200 + 200 − 100 = 300 saturates to 127.
	// Saturating after every multiply-accumulate would give 127, 127, 27.
	l := dense1D("dense", 1)
	l.Params.Set("buffer_bits", 8)
	l.Params.Set("output_bits", 8)
	setInt8s(t, l, "weights", []int{3, 1}, 2, 2, -1)
	out := run(t, model(t, signedInput([3]int{1, 1, 3}), l), Input{Shape: [4]int{1, 1, 1, 3}, Int8: int8s(100, 100, -100)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{127})
}

func TestBiasShift(t *testing.T) {
	// Input 3, weights (2, 2), buffer_bits 28 (…134217727):
	//   unit 0: bias −5, bias_shift 2: 6 − 20 = −14
	//   unit 1: bias 100, bias_shift 30: 100·2^30 saturates to 2^27 − 1
	//           first, then 6 + 134217727 saturates again: 134217727.
	l := dense1D("dense", 2)
	l.Params.Set("buffer_bits", 28)
	l.Params.Set("output_bits", 28)
	setInt8s(t, l, "weights", []int{1, 2}, 2, 2)
	setInt8s(t, l, "bias", []int{2}, -5, 100)
	setUint8s(t, l, "bias_shift", []int{2}, 2, 30)
	out := run(t, model(t, signedInput([3]int{1, 1, 1}), l), Input{Shape: [4]int{1, 1, 1, 1}, Int8: int8s(3)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 2}, []int32{-14, 134217727})
}

func TestV2MaxPoolIgnoresPaddedCells(t *testing.T) {
	// Conv2D 1×1 (weight 1) with a 2×2 max pool of stride 2, Same, on a
	// 3×3 input of negative values −(3x + y + 1). Same on 3 cells: 2
	// windows, padding 1 after: rows {0, 1} and {2}.
	//   (0,0): max(−1, −2, −4, −5) = −1   (0,1): max(−3, −6) = −3
	//   (1,0): max(−7, −8) = −7           (1,1): −9
	// A padded cell counted as 0 would give 0 for the last three.
	o := conv2D(1, 1, akida.Same)
	o.PoolType, o.PoolSize, o.PoolStride = akida.MaxPooling, 2, 2
	l := akida.NewConv2D("conv", o)
	setInt8s(t, l, "weights", []int{1, 1, 1, 1}, 1)
	out := run(t, model(t, signedInput([3]int{3, 3, 1}), l), Input{Shape: [4]int{1, 3, 3, 1}, Int8: int8s(-1, -2, -3, -4, -5, -6, -7, -8, -9)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 2, 2, 1}, []int32{-1, -3, -7, -9})
}

func TestV2MaxPoolNegativeStrideIsPoolSize(t *testing.T) {
	// pool_stride −1 means the pool size (akida's wrappers): 2×2 windows of
	// stride 2, Valid, on 4×4 values 0…15 → maxima 5, 7, 13, 15.
	o := conv2D(1, 1, akida.Valid)
	o.PoolType, o.PoolSize, o.PoolStride = akida.MaxPooling, 2, -1
	l := akida.NewConv2D("conv", o)
	setInt8s(t, l, "weights", []int{1, 1, 1, 1}, 1)
	in := make([]int8, 16)
	for i := range in {
		in[i] = int8(i)
	}
	out := run(t, model(t, signedInput([3]int{4, 4, 1}), l), Input{Shape: [4]int{1, 4, 4, 1}, Int8: in})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 2, 2, 1}, []int32{5, 7, 13, 15})
}

func TestReLUWithMaxValue(t *testing.T) {
	// Two units of weight 1 with ReLU, max_value (3, 5), max_value_shift
	// (2, 0): ceilings 3·4 = 12 and 5.
	//   input 20: (12, 5); input 4: (4, 4); input −3: (0, 0)
	l := dense1D("dense", 2)
	l.Params.Set("activation", int32(akida.ReLU))
	setInt8s(t, l, "weights", []int{1, 2}, 1, 1)
	setUint8s(t, l, "max_value", []int{2}, 3, 5)
	setUint8s(t, l, "max_value_shift", []int{2}, 2, 0)
	out := run(t, model(t, signedInput([3]int{1, 1, 1}), l), Input{Shape: [4]int{3, 1, 1, 1}, Int8: int8s(20, 4, -3)})
	checkOutput(t, out.Shape, out.Data, [4]int{3, 1, 1, 2}, []int32{12, 5, 4, 4, 0, 0})
}

func TestLUTActivation(t *testing.T) {
	// LUT of 8 entries (3-bit inputs −4…3), table[i] = 10·(i − 4) + 1;
	// activation_scales 5, activation_shift −1: u = sat(shiftRound(5·acc,
	// −1), 3 bits), output table[u + 4].
	//   acc −2: −10 → −5 → −4 → table[0] = −39
	//   acc −1: −5  → floor(−4/2) = −2 (−2.5 rounds half up) → table[2] = −19
	//   acc 0:  0 → table[4] = 1
	//   acc 1:  5   → floor(6/2) = 3 → table[7] = 31
	//   acc 2:  10  → 5 → 3 → table[7] = 31
	l := dense1D("dense", 1)
	l.Params.Set("activation", int32(akida.LUT))
	setInt8s(t, l, "weights", []int{1, 1}, 1)
	setUint8s(t, l, "activation_scales", []int{1}, 5)
	setInt8s(t, l, "activation_shift", []int{1}, -1)
	table := make([]int32, 8)
	for i := range table {
		table[i] = int32(10*(i-4) + 1)
	}
	setInt32s(t, l, "lut_values", []int{8}, table...)
	out := run(t, model(t, signedInput([3]int{1, 1, 1}), l), Input{Shape: [4]int{5, 1, 1, 1}, Int8: int8s(-2, -1, 0, 1, 2)})
	checkOutput(t, out.Shape, out.Data, [4]int{5, 1, 1, 1}, []int32{-39, -19, 1, 31, 31})
}

func TestGlobalAveragePoolingSumsAfterReLU(t *testing.T) {
	// Conv2D 1×1 (weight 1), ReLU, global average pooling, on (2, 2, 1)
	// values (−10, 3, 4, −1): ReLU first (V9): 0 + 3 + 4 + 0 = 7 (the sum
	// first would give max(−4, 0) = 0). Output stage: scale 3, shift −1:
	// 21 → floor(22/2) = 11.
	o := conv2D(1, 1, akida.Same)
	o.PoolType, o.PoolSize, o.Activation = akida.AveragePooling, -1, akida.ReLU
	o.Bits = akida.Bits{OutputBits: 8, BufferBits: 28, PostOpBufferBits: 32}
	l := akida.NewConv2D("conv", o)
	setInt8s(t, l, "weights", []int{1, 1, 1, 1}, 1)
	setUint8s(t, l, "output_scales", []int{1}, 3)
	setInt8s(t, l, "output_shift", []int{1}, -1)
	out := run(t, model(t, signedInput([3]int{2, 2, 1}), l), Input{Shape: [4]int{1, 2, 2, 1}, Int8: int8s(-10, 3, 4, -1)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{11})
}

func TestGlobalSumSaturatesTo33Bits(t *testing.T) {
	// V8: four positions each at the 32-bit buffer's top 2^31 − 1 (zero
	// weights, bias 127·2^30 saturated) sum to 8589934588, saturated to
	// 2^32 − 1 = 4294967295; the output stage shifts by −8:
	// floor((4294967295 + 128) / 256) = 16777216 (without the saturation
	// 33554432).
	o := conv2D(1, 1, akida.Same)
	o.PoolType, o.PoolSize, o.Activation = akida.AveragePooling, -1, akida.ReLU
	o.Bits = akida.Bits{OutputBits: 32, BufferBits: 32, PostOpBufferBits: 40}
	l := akida.NewConv2D("conv", o)
	setInt8s(t, l, "weights", []int{1, 1, 1, 1}, 0)
	setInt8s(t, l, "bias", []int{1}, 127)
	setUint8s(t, l, "bias_shift", []int{1}, 30)
	setInt8s(t, l, "output_shift", []int{1}, -8)
	out := run(t, model(t, signedInput([3]int{2, 2, 1}), l), Input{Shape: [4]int{1, 2, 2, 1}, Int8: make([]int8, 4)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{16777216})
}

// outputStageModel is InputData → Dense1D of one unit of weight w, bias
// bias·2^30 when bias ≠ 0 (to reach the buffer's top), buffer_bits bb,
// post_op_buffer_bits pb, output_bits ob, and the given output_scales (nil:
// none, the identity) and output_shift (set: has an output stage).
func outputStageModel(t *testing.T, w, bias int8, bb, pb, ob int, scale []int32, shift int8) *akida.Model {
	l := dense1D("dense", 1)
	l.Params.Set("buffer_bits", int32(bb))
	l.Params.Set("post_op_buffer_bits", int32(pb))
	l.Params.Set("output_bits", int32(ob))
	setInt8s(t, l, "weights", []int{1, 1}, w)
	if bias != 0 {
		setInt8s(t, l, "bias", []int{1}, bias)
		setUint8s(t, l, "bias_shift", []int{1}, 30)
	}
	if scale != nil {
		setInt32s(t, l, "output_scales", []int{1}, scale...)
	}
	setInt8s(t, l, "output_shift", []int{1}, shift)
	return model(t, signedInput([3]int{1, 1, 1}), l)
}

func TestOutputStageRoundsHalfUp(t *testing.T) {
	// Scale 1, shift −1 (V5: floor(v/2 + 1/2)): −3 → −1, 3 → 2, −5 → −2,
	// 5 → 3, −4 → −2. (Truncation would give −1, 1, −2, 2; floor −2, 1, −3,
	// 2; half to even −2, 2, −2, 2.)
	m := outputStageModel(t, 1, 0, 28, 32, 8, []int32{1}, -1)
	out := run(t, m, Input{Shape: [4]int{5, 1, 1, 1}, Int8: int8s(-3, 3, -5, 5, -4)})
	checkOutput(t, out.Shape, out.Data, [4]int{5, 1, 1, 1}, []int32{-1, 2, -2, 3, -2})
}

func TestOutputStagePostOpSaturation(t *testing.T) {
	// V1: the buffer's top 2^27 − 1 = 134217727 times scale 255 is
	// 34225520385, saturated to 2^32 − 1 = 4294967295 (post_op_buffer_bits
	// 32 as value bits); shift −10: floor((4294967295 + 512)/1024) =
	// 4194304. (Without saturation 33423360; a signed 32-bit post-op
	// buffer would give 2097152.)
	m := outputStageModel(t, 0, 127, 28, 32, 32, []int32{255}, -10)
	out := run(t, m, Input{Shape: [4]int{1, 1, 1, 1}, Int8: int8s(0)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{4194304})
}

func TestOutputStageIsExact(t *testing.T) {
	// V10: (2^27 − 1)·3 = 402653181 needs 29 significant bits; float32
	// (quantizeml's arithmetic) would round it to 402653184. Shift 0,
	// 32-bit outputs: the exact product comes out.
	m := outputStageModel(t, 0, 127, 28, 32, 32, []int32{3}, 0)
	out := run(t, m, Input{Shape: [4]int{1, 1, 1, 1}, Int8: int8s(0)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{402653181})
	if float32(402653181) != 402653184 {
		t.Fatal("float32 would not round the product: the test shows nothing")
	}
}

func TestOutputShiftAppliedAsStored(t *testing.T) {
	// V11: cnn2snn stores output_shift clipped at −buffer_bits + 1 = −27;
	// the simulator applies −27 as stored: (2^27 − 1)·255 = 34225520385
	// (post-op 40 bits), floor((34225520385 + 2^26)/2^27) = 255.
	m := outputStageModel(t, 0, 127, 28, 40, 16, []int32{255}, -27)
	out := run(t, m, Input{Shape: [4]int{1, 1, 1, 1}, Int8: int8s(0)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{255})
}

func TestOutputStageDefaults(t *testing.T) {
	// V4: output_shift −2 without output_scales scales by 1: 13 → floor(
	// 15/4) = 3. Without either there is no output stage: 13 stays 13.
	m := outputStageModel(t, 1, 0, 28, 32, 8, nil, -2)
	out := run(t, m, Input{Shape: [4]int{1, 1, 1, 1}, Int8: int8s(13)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{3})
	m.Layers[1].Variables = m.Layers[1].Variables[1:] // drop output_shift (sorted: output_shift, weights)
	if m.Layers[1].Variable("output_shift") != nil {
		t.Fatal("output_shift still set")
	}
	out = run(t, m, Input{Shape: [4]int{1, 1, 1, 1}, Int8: int8s(13)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{13})
}

func TestOutputSaturationDependsOnReLUAndBits(t *testing.T) {
	// V2: weight 2 on input 100 gives 200; no output stage.
	//   ReLU, 8 bits: signed, 127      ReLU, 4 bits: unsigned, 15
	//   none, 4 bits: signed 4 bits, 7 none, 8 bits, input −100: −128
	tests := []struct {
		activation akida.ActivationType
		bits       int
		input      int8
		want       int32
	}{
		{akida.ReLU, 8, 100, 127},
		{akida.ReLU, 4, 100, 15},
		{akida.NoActivation, 4, 100, 7},
		{akida.NoActivation, 8, -100, -128},
		{akida.ReLU, 4, -100, 0},
	}
	for _, tt := range tests {
		l := dense1D("dense", 1)
		l.Params.Set("activation", int32(tt.activation))
		l.Params.Set("buffer_bits", 28)
		l.Params.Set("output_bits", int32(tt.bits))
		setInt8s(t, l, "weights", []int{1, 1}, 2)
		out := run(t, model(t, signedInput([3]int{1, 1, 1}), l), Input{Shape: [4]int{1, 1, 1, 1}, Int8: []int8{tt.input}})
		if out.Data[0] != tt.want {
			t.Errorf("activation %d, %d bits, input %d: %d, want %d", tt.activation, tt.bits, tt.input, out.Data[0], tt.want)
		}
	}
}

func TestUnboundedReLU(t *testing.T) {
	// V3: no max_value: 127·127 = 16129 passes (32-bit outputs).
	l := dense1D("dense", 1)
	l.Params.Set("activation", int32(akida.ReLU))
	setInt8s(t, l, "weights", []int{1, 1}, 127)
	out := run(t, model(t, signedInput([3]int{1, 1, 1}), l), Input{Shape: [4]int{1, 1, 1, 1}, Int8: int8s(127)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{16129})
}

func TestConv2DTranspose(t *testing.T) {
	// Stride 2, Same: a 2×2 input gives 4×4. Kernel W[kx][ky] = 3kx + ky +
	// 1 (not flipped); k = 3 pads 0 before: input (i, j) adds x·W[kx][ky] to
	// output (2i + kx, 2j + ky).
	//   x = [[1,0],[0,0]]: W in rows 0–2, columns 0–2.
	//   x = [[0,0],[0,1]]: W[0..1][0..1] at (2..3, 2..3): 1 2 / 4 5.
	//   x = [[1,1],[0,0]]: row kx: W[kx][0], W[kx][1], W[kx][2] + W[kx][0],
	//                      W[kx][1] (the two cells overlap in column 2).
	o := akida.DefaultConv2DTranspose()
	o.KernelSize, o.Filters, o.Activation, o.Bits = 3, 1, akida.NoActivation, bits(32)
	l := akida.NewConv2DTranspose("tconv", o)
	setInt8s(t, l, "weights", []int{3, 3, 1, 1}, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	out := run(t, model(t, signedInput([3]int{2, 2, 1}), l), Input{Shape: [4]int{3, 2, 2, 1}, Int8: int8s(1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0)})
	checkOutput(t, out.Shape, out.Data, [4]int{3, 4, 4, 1}, []int32{
		1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 4, 5,
		1, 2, 4, 2, 4, 5, 10, 5, 7, 8, 16, 8, 0, 0, 0, 0,
	})

	// k = 4 pads 1 before: input (0, 0) reaches output (kx − 1, ky − 1),
	// so rows/columns 0–2 hold W[1..3][1..3] of W[kx][ky] = 4kx + ky + 1.
	o.KernelSize = 4
	l = akida.NewConv2DTranspose("tconv", o)
	w := make([]int8, 16)
	for i := range w {
		w[i] = int8(i + 1)
	}
	setInt8s(t, l, "weights", []int{4, 4, 1, 1}, w...)
	out = run(t, model(t, signedInput([3]int{2, 2, 1}), l), Input{Shape: [4]int{1, 2, 2, 1}, Int8: int8s(1, 0, 0, 0)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 4, 4, 1}, []int32{6, 7, 8, 0, 10, 11, 12, 0, 14, 15, 16, 0, 0, 0, 0, 0})
}

func TestDepthwiseConv2DTranspose(t *testing.T) {
	// Two channels, k = 3: channel 0's kernel W[kx][ky] = 3kx + ky + 1,
	// channel 1's −W; the input cell (0, 0) holds (1, 2): channel 0 gets W
	// at rows/columns 0–2, channel 1 gets −2W.
	o := akida.DefaultConv2DTranspose()
	o.KernelSize, o.Activation, o.Bits = 3, akida.NoActivation, bits(32)
	l := akida.NewDepthwiseConv2DTranspose("dtconv", o)
	w := make([]int8, 18)
	for i := range 9 {
		w[2*i], w[2*i+1] = int8(i+1), int8(-(i + 1))
	}
	setInt8s(t, l, "weights", []int{3, 3, 2, 1}, w...)
	out := run(t, model(t, signedInput([3]int{2, 2, 2}), l), Input{Shape: [4]int{1, 2, 2, 2}, Int8: int8s(1, 2, 0, 0, 0, 0, 0, 0)})
	want := make([]int32, 32)
	for kx := range 3 {
		for ky := range 3 {
			v := int32(3*kx + ky + 1)
			want[(kx*4+ky)*2], want[(kx*4+ky)*2+1] = v, -2*v
		}
	}
	checkOutput(t, out.Shape, out.Data, [4]int{1, 4, 4, 2}, want)
}

func TestQuantizer(t *testing.T) {
	// V7, signed 8 bits, scales (2, 2, 4, 1): x·scale = 2.5, −2.5, 1.5, 200
	// round half to even → 2, −2, 2, and 200 saturates to 127.
	o := akida.QuantizerOptions{InputShape: [3]int{1, 1, 4}, OutputBits: 8, OutputSigned: true}
	q := akida.NewQuantizer("quantizer", o)
	setFloat32s(t, q, "scales", []int{4}, 2, 2, 4, 1)
	s, err := New(model(t, q))
	if err != nil {
		t.Fatal(err)
	}
	if s.InputType() != Float32Input || s.InputBits() != 0 {
		t.Errorf("a Quantizer takes %v of %d bits, want float32 of 0", s.InputType(), s.InputBits())
	}
	out, err := s.Forward(Input{Shape: [4]int{1, 1, 1, 4}, Float: []float32{1.25, -1.25, 0.375, 200}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 4}, []int32{2, -2, 2, 127})

	// Unsigned 4 bits (quantizeml's range −16…15), scale 1, zero points 3:
	// round(0.5) = 0, round(1.5) = 2, 20 → 15, −30 → −16; plus 3 and
	// saturated again: 3, 5, 15, −13.
	o.OutputBits, o.OutputSigned = 4, false
	q = akida.NewQuantizer("quantizer", o)
	setFloat32s(t, q, "scales", []int{1}, 1)
	setUint8s(t, q, "zero_points", []int{4}, 3, 3, 3, 3)
	out = run(t, model(t, q), Input{Shape: [4]int{1, 1, 1, 4}, Float: []float32{0.5, 1.5, 20, -30}})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 4}, []int32{3, 5, 15, -13})
}

func TestQuantizerInputDataDequantizer(t *testing.T) {
	// The float path of cnn2snn: Quantizer → InputData (its outputs passed
	// on) → Dense1D → Dequantizer. Scale 4: (0.5, −0.75) → (2, −3); weights
	// (1, 2): 2 − 6 = −4; Dequantizer scale 0.25: −1.
	q := akida.NewQuantizer("quantizer", akida.QuantizerOptions{InputShape: [3]int{1, 1, 2}, OutputBits: 8, OutputSigned: true})
	setFloat32s(t, q, "scales", []int{2}, 4, 4)
	o := akida.DefaultInputData()
	o.InputShape, o.InputBits, o.Signed = [3]int{1, 1, 2}, 8, true
	d := dense1D("dense", 1)
	setInt8s(t, d, "weights", []int{2, 1}, 1, 2)
	dq := akida.NewDequantizer("dequantizer")
	setFloat32s(t, dq, "scales", []int{1}, 0.25)
	m := model(t, q)
	// Model.Add gives an input layer no inbound by itself.
	if err := m.Add(akida.NewInputData("input", o), q); err != nil {
		t.Fatal(err)
	}
	for _, l := range []*akida.Layer{d, dq} {
		if err := m.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	if !s.FloatOutput() || s.LastActivation() {
		t.Errorf("FloatOutput %v, LastActivation %v: want true, false for a Dequantizer", s.FloatOutput(), s.LastActivation())
	}
	in := Input{Shape: [4]int{1, 1, 1, 2}, Float: []float32{0.5, -0.75}}
	out, err := s.Forward(in, Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out.Shape, out.Float, [4]int{1, 1, 1, 1}, []float32{-1})
	if out.Data != nil || out.Layers[3].Data != nil || len(out.Layers[3].Float) != 1 {
		t.Errorf("a Dequantizer's outputs are floats only: Data %v, layer %+v", out.Data, out.Layers[3])
	}
	checkOutput(t, out.Layers[1].Shape, out.Layers[1].Data, [4]int{1, 1, 1, 2}, []int32{2, -3})
	checkOutput(t, out.Layers[2].Shape, out.Layers[2].Data, [4]int{1, 1, 1, 1}, []int32{-4})
	pred, err := s.Predict(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, pred.Shape, pred.Data, [4]int{1, 1, 1, 1}, []float32{-1})
}

func TestDequantizerMultipliesInFloat32(t *testing.T) {
	// V12: 16777217 (2^24 + 1) becomes the float32 16777216, times 3:
	// 50331648. The exact product rounded once would be 50331652.
	l := dense1D("dense", 1)
	setInt8s(t, l, "weights", []int{1, 1}, 0)
	setInt32s(t, l, "bias", []int{1}, 16777217)
	dq := akida.NewDequantizer("dequantizer")
	setFloat32s(t, dq, "scales", []int{1}, 3)
	out := run(t, model(t, signedInput([3]int{1, 1, 1}), l, dq), Input{Shape: [4]int{1, 1, 1, 1}, Int8: int8s(0)})
	checkOutput(t, out.Shape, out.Float, [4]int{1, 1, 1, 1}, []float32{50331648})
	if float32(float64(16777217)*3) != 50331652 {
		t.Fatal("the alternative gives the same value: the test shows nothing")
	}
}

// residualModel is InputData (2, 2, 1) forking into two 1×1 Conv2D
// branches (weights 2 and −1) that an Add joins (a_shift 1, b_shift 0,
// output_shift −1), then a Dequantizer of scale 0.5.
func residualModel(t *testing.T) *akida.Model {
	m := &akida.Model{}
	in := signedInput([3]int{2, 2, 1})
	a := akida.NewConv2D("branch_a", conv2D(1, 1, akida.Same))
	setInt8s(t, a, "weights", []int{1, 1, 1, 1}, 2)
	b := akida.NewConv2D("branch_b", conv2D(1, 1, akida.Same))
	setInt8s(t, b, "weights", []int{1, 1, 1, 1}, -1)
	add := akida.NewAdd("add", akida.DefaultAdd())
	setUint8s(t, add, "a_shift", []int{1}, 1)
	setUint8s(t, add, "b_shift", []int{1}, 0)
	setInt8s(t, add, "output_shift", []int{1}, -1)
	dq := akida.NewDequantizer("dequantizer")
	setFloat32s(t, dq, "scales", []int{1}, 0.5)
	for _, step := range []struct {
		l   *akida.Layer
		ins []*akida.Layer
	}{{in, nil}, {a, []*akida.Layer{in}}, {b, []*akida.Layer{in}}, {add, []*akida.Layer{a, b}}, {dq, nil}} {
		if err := m.Add(step.l, step.ins...); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestResidualAdd(t *testing.T) {
	// x forks into 2x and −x; Add: s = 2x·2^1 + (−x) = 3x, output
	// shiftRound(3x, −1): x = 1 → floor(4/2) = 2; −1 → floor(−2/2) = −1;
	// 2 → 3; 5 → floor(16/2) = 8. Dequantizer ·0.5: 1, −0.5, 1.5, 4. (With
	// the inbounds swapped, s = −2x + 2x = 0.)
	out := run(t, residualModel(t), Input{Shape: [4]int{1, 2, 2, 1}, Int8: int8s(1, -1, 2, 5)})
	checkOutput(t, out.Layers[3].Shape, out.Layers[3].Data, [4]int{1, 2, 2, 1}, []int32{2, -1, 3, 8})
	checkOutput(t, out.Shape, out.Float, [4]int{1, 2, 2, 1}, []float32{1, -0.5, 1.5, 4})
	checkOutput(t, out.Layers[1].Shape, out.Layers[1].Data, [4]int{1, 2, 2, 1}, []int32{2, -2, 4, 10})
	checkOutput(t, out.Layers[2].Shape, out.Layers[2].Data, [4]int{1, 2, 2, 1}, []int32{-1, 1, -2, -5})
}

func TestAddSaturates(t *testing.T) {
	// buffer_bits 8: a·2^2 = 400 → 127 and 127 + 100 = 227 → 127; no output
	// shift; 8-bit outputs. And −128·4 → −128, −128 − 100 → −128.
	m := residualModel(t)
	add := m.Layer("add")
	add.Params.Set("buffer_bits", 8)
	add.Params.Set("output_bits", 8)
	add.Variables = nil
	setUint8s(t, add, "a_shift", []int{1}, 2)
	m.Layers = m.Layers[:4] // no Dequantizer
	// branch a: 2x = 100 for x = 50; branch b: −x = −50.
	out := run(t, m, Input{Shape: [4]int{1, 2, 2, 1}, Int8: int8s(50, -50, 0, 1)})
	// x = 50: sat(400) + (−50) = 127 − 50 = 77; x = −50: sat(−400) + 50 =
	// −78; x = 0: 0; x = 1: 8 − 1 = 7.
	checkOutput(t, out.Shape, out.Data, [4]int{1, 2, 2, 1}, []int32{77, -78, 0, 7})
}

func TestConcatenate(t *testing.T) {
	// InputData (1, 2, 1) forks into a 1×1 Conv2D of 1 filter (weight 1)
	// and one of 2 filters (weights 2, 3); Concatenate: per cell
	// (x, 2x, 3x). Inputs (4, −5): 4, 8, 12, −5, −10, −15.
	m := &akida.Model{}
	in := signedInput([3]int{1, 2, 1})
	a := akida.NewConv2D("a", conv2D(1, 1, akida.Same))
	setInt8s(t, a, "weights", []int{1, 1, 1, 1}, 1)
	b := akida.NewConv2D("b", conv2D(1, 2, akida.Same))
	setInt8s(t, b, "weights", []int{1, 1, 1, 2}, 2, 3)
	c := akida.NewConcatenate("concat")
	for _, step := range []struct {
		l   *akida.Layer
		ins []*akida.Layer
	}{{in, nil}, {a, []*akida.Layer{in}}, {b, []*akida.Layer{in}}, {c, []*akida.Layer{a, b}}} {
		if err := m.Add(step.l, step.ins...); err != nil {
			t.Fatal(err)
		}
	}
	out := run(t, m, Input{Shape: [4]int{1, 1, 2, 1}, Int8: int8s(4, -5)})
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 2, 3}, []int32{4, 8, 12, -5, -10, -15})
}

func TestV2PredictNeedsADequantizer(t *testing.T) {
	l := dense1D("dense", 1)
	setInt8s(t, l, "weights", []int{1, 1}, 1)
	s, err := New(model(t, signedInput([3]int{1, 1, 1}), l))
	if err != nil {
		t.Fatal(err)
	}
	if s.FloatOutput() {
		t.Error("FloatOutput is true for a model ending in a Dense1D")
	}
	_, err = s.Predict(Input{Shape: [4]int{1, 1, 1, 1}, Int8: int8s(1)}, Options{})
	want := `predict returns the float outputs of a Dequantizer for Akida 2.0 models, and the last layer "dense" (Dense1D) is not one: use Forward for its integer outputs, or end the model with a Dequantizer`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
}

func TestFloatInputErrors(t *testing.T) {
	q := akida.NewQuantizer("quantizer", akida.QuantizerOptions{InputShape: [3]int{1, 1, 2}, OutputBits: 8, OutputSigned: true})
	setFloat32s(t, q, "scales", []int{1}, 1)
	s, err := New(model(t, q))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   Input
		want string
	}{
		{Input{Shape: [4]int{1, 1, 1, 2}, Data: []uint8{1, 2}},
			`the inputs are given as uint8 (Input.Data), but layer "quantizer" (Quantizer) takes float32 (Input.Float): give them in that field`},
		{Input{Shape: [4]int{1, 1, 1, 2}, Float: []float32{1, float32(math.NaN())}},
			`input value NaN at (n=0, x=0, y=0, c=1) of layer "quantizer" (Quantizer) is not a finite number: give finite float32 inputs`},
		{Input{Shape: [4]int{1, 1, 1, 2}, Float: []float32{float32(math.Inf(-1)), 0}},
			`input value -Inf at (n=0, x=0, y=0, c=0) of layer "quantizer" (Quantizer) is not a finite number: give finite float32 inputs`},
		{Input{Shape: [4]int{1, 1, 2, 2}, Float: make([]float32, 4)},
			`input shape [1 1 2 2] does not match the model's input shape (N, 1, 1, 2) of layer "quantizer" (Quantizer): give float32 inputs of shape (N, 1, 1, 2)`},
	}
	for _, tt := range tests {
		_, err := s.Forward(tt.in, Options{})
		if err == nil || err.Error() != tt.want {
			t.Errorf("error\n got %v\nwant %s", err, tt.want)
		}
	}
}
