package sim

import (
	"fmt"
	"math"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Choices where no public source says what Akida computes
// (spec akida-arithmetic.md §5). Each is one named function or constant
// below with a unit test that pins it (choices_test.go); the numbers are
// those of the spec's table.
//
//	#1  Boundaries: activationLevel uses ceil((p−T)/s), so a potential exactly
//	    on a boundary T + n·s belongs to the lower level n (akida's documented
//	    "T + n*s < p <= T + (n+1)*s" and cnn2snn's QuantizedActivation).
//	#2  act_step is used exactly as stored (a float32), not rounded to the
//	    hardware's 1/16 fixed point: intervalLength.
//	#3  The division (p−T)/s is exact: levelBoundaries compares p with
//	    T + ⌊j·s⌋, where j·s is exact in float64 (an integer below 2^8 times
//	    a float32 needs at most 32 significant bits), so no rounding happens
//	    anywhere on the way to the level.
//	#4  Potentials accumulate in int32 and cannot overflow: New computes each
//	    layer's worst case (potentialBound) and refuses a layer whose
//	    potentials, pooled sums or p − T could leave the int32 range. The
//	    hardware's 20-bit threshold range is not imposed.
//	#5  Global average pooling is the exact int32 sum of the potentials over
//	    all positions (the converter multiplies threshold and act_step by
//	    H·W instead of dividing).
//	#6  A last layer without activation outputs p − T in forward and
//	    (p − T) / act_step in predict: predictValue.
//	#12 Same padding follows TensorFlow: sameOffsets (the odd extra cell of
//	    padding goes after, at the bottom/right).
//	#13 Max pooling takes the maximum over the window cells inside the input
//	    only, as Keras does; padded cells never win (poolWindow).
//	#14 InputConvolutional pads with its padding_value, every other layer
//	    with 0 (padding cells of a true convolution contribute nothing).
//	#15 FullyConnected reads its input flattened in (C, Y, X) order, i.e.
//	    index (c·Y + y)·X + x: the order cnn2snn's weight permutation
//	    (reshape (X,Y,C,units), transpose to (C,Y,X,units)) implies
//	    (conversion.md §7.4). fullyConnectedIndex.
//
// Choices the spec's table does not list:
//   - act_bits 1…8 are simulated (Akida 1.0 hardware has 1, 2 and 4); the
//     interval length is act_step·2^(4−act_bits) for all of them.
//   - Average pooling over finite windows and winner-take-all groups
//     (wta_groups other than one neuron per group) are refused, not
//     guessed: cnn2snn never produces them.
//   - A signed InputData (input_signed = 1) reads input_bits-bit two's
//     complement values, −2^(bits−1) … 2^(bits−1) − 1, from Input.Int8.
//   - Edge-learning variables (threshold_learning, thswap) do not take part
//     in inference and are ignored.
//   - A layer without activation that is not the last one is refused: the
//     layer after it would read potentials, which Akida 1.0 layers cannot.

// maxActBits is the widest activation simulated (choice: 1…8 bits).
const maxActBits = 8

// inputConvolutionalBits is the width of the pixels an InputConvolutional
// reads: 8-bit images (akida-arithmetic.md §1).
const inputConvolutionalBits = 8

// sameOffsets returns the output size and the padding before the first
// input cell of a window of size k moved by stride over n cells with Same
// padding, by TensorFlow's rule (choice #12): out = ceil(n/stride),
// pad_total = max((out−1)·stride + k − n, 0), before = floor(pad_total/2).
func sameOffsets(n, k, stride int) (out, before int) {
	out = (n + stride - 1) / stride
	total := max((out-1)*stride+k-n, 0)
	return out, total / 2
}

// windowOffsets is sameOffsets for Same padding and the plain Valid rule
// (no padding, only windows that fit) otherwise. It returns out = 0 when a
// Valid window does not fit.
func windowOffsets(n, k, stride int, same bool) (out, before int) {
	if same {
		return sameOffsets(n, k, stride)
	}
	if n < k {
		return 0, 0
	}
	return (n-k)/stride + 1, 0
}

// intervalLength is the length s of one activation interval in potential
// units: act_step·2^(4−act_bits), act_step being the interval length of a
// 4-bit activation (akida-arithmetic.md §2.3). act_step is used exactly as
// stored, as a float32 (choice #2); the product is exact in float64.
func intervalLength(actStep float32, actBits int) float64 {
	return float64(actStep) * math.Ldexp(1, 4-actBits)
}

// activationLevel is the reference definition of an Akida 1.0 activation
// (akida-arithmetic.md §2.3): 0 when p ≤ T, else ceil((p−T)/s) saturated
// at 2^actBits − 1. A potential exactly on a boundary T + n·s gives level
// n, the lower one (choice #1). The simulator uses levelBoundaries, which
// gives the same levels without a division; this function is kept as the
// readable definition the tests compare it with.
func activationLevel(p, threshold int32, actStep float32, actBits int) int32 {
	if p <= threshold {
		return 0
	}
	top := int32(1)<<actBits - 1
	d := float64(int64(p) - int64(threshold))
	s := intervalLength(actStep, actBits)
	// Count the levels n ≥ 1 with d > (n−1)·s, i.e. the smallest n with
	// d ≤ n·s: ceil(d/s). (n−1)·s is exact, so this compare is too.
	n := int32(1)
	for n < top && d > float64(n)*s {
		n++
	}
	return n
}

// levelBoundaries appends to dst, for one neuron, the potentials above which
// each activation level starts: b[j] = T + ⌊j·s⌋ for j = 0 … 2^actBits − 2, so
// that the level of a potential p is the number of j with p > b[j]. For an
// integer p, p − T > j·s ⇔ p > T + ⌊j·s⌋, so this is exactly
// activationLevel (choices #1 and #3). Boundaries beyond int32 are clamped
// to MaxInt32, which no int32 potential exceeds.
func levelBoundaries(dst []int32, threshold int32, actStep float32, actBits int) []int32 {
	s := intervalLength(actStep, actBits)
	for j := range 1<<actBits - 1 {
		v := float64(threshold) + math.Floor(float64(j)*s)
		dst = append(dst, int32(min(v, math.MaxInt32)))
	}
	return dst
}

// predictValue is what akida's predict returns for one output of a last
// layer without activation: (p − T) / act_step (choice #6). The difference
// is exact in float64 and the quotient is rounded once, to float32.
func predictValue(pMinusT int32, actStep float32) float32 {
	return float32(float64(pMinusT) / float64(actStep))
}

// fullyConnectedIndex is the row of a FullyConnected weight matrix that
// multiplies the input cell (x, y, c) of an input of X×Y×C cells: the
// input is flattened in (C, Y, X) order (choice #15).
func fullyConnectedIndex(x, y, c, X, Y int) int {
	return (c*Y+y)*X + x
}

// checkActStep refuses steps that make the activation or predict
// meaningless: zero, negative, infinite or NaN.
func checkActStep(steps []float32) error {
	for f, s := range steps {
		if !(s > 0) || math.IsInf(float64(s), 1) {
			return fmt.Errorf("act_step[%d] is %v: every act_step must be a positive finite number", f, s)
		}
	}
	return nil
}

// Akida 2.0 choices: the open points V1–V14 of conversion-v2.md §5.5.
// Akida 2.0 is closed and no public file pairs an Akida 2.0 model with its
// outputs, so the simulator follows quantizeml's integer arithmetic, which
// cnn2snn's variables were designed to reproduce (conversion-v2.md §4.4,
// §5), wherever the two could differ. Each point is one constant or
// function below, pinned by a test in choices_test.go.
//
//	V1  postOpRange: acc·output_scales saturates to [−2^b, 2^b − 1] with b =
//	    post_op_buffer_bits (quantizeml's value bits), not [−2^(b−1), …].
//	V2  outputRange: outputs are unsigned (0 … 2^bits − 1) only after a ReLU
//	    with fewer than 8 output bits, else signed.
//	V3  reluCeiling: a ReLU without max_value is unbounded.
//	V4  defaultOutputScale, defaultOutputShift, defaultInputShift: absent
//	    variables are the identity (1, 0, 0).
//	V5  shiftRound: right shifts round half up, also for negative values.
//	V6  denseInputShifts: a Dense1D's input_shift has one value per
//	    flattened input feature.
//	V7  quantizeInput: the Quantizer rounds half to even and saturates to
//	    quantizeml's ranges ([−2^b, 2^b − 1] when unsigned) before and after
//	    adding the zero point.
//	V8  globalSumRange: the global average pooling sum saturates to 33-bit
//	    signed values.
//	V9  activationBeforeGlobalSum: ReLU/LUT run before the global sum.
//	V10 scaleProduct: all integer arithmetic is exact (int64), not float32.
//	V11 appliedOutputShift: the stored (clipped) output_shift is applied.
//	V12 dequantize: the Dequantizer multiplies in float32.
//	V13 sameShape, perChannel: variables are read in the Keras layouts
//	    conversion-v2.md §2 gives; leading dimensions of 1 are ignored, and a
//	    per-channel variable of one element applies to every channel.
//	V14 prepareFor (registry.go) names layer types by their akida.LayerType
//	    constants only: the numbers are core/akida's business.
//
// Choices the table does not list:
//   - InputConv2D reads uint8 images when it is the first layer, as akida
//     documents; a Quantizer before it may give it signed values.
//   - A LUT activation's table has 2^n entries for n-bit inputs
//     (lut_values of 2048 entries: 11 bits), ordered by input value; its
//     input acc·activation_scales saturates like the output stage's
//     product (postOpRange) before the shift: lutIndex.
//   - Accumulators saturate to buffer_bits after the full sum and after
//     the bias is added (akida-arithmetic.md §5 #8), the bias term
//     bias·2^bias_shift itself saturated to buffer_bits first; max pooling
//     follows the bias, which saturation keeps equivalent to pooling first.
//   - A layer without output stage (no output_scales, no output_shift)
//     still saturates its outputs to output_bits (outputRange), which only
//     matters for a global sum wider than buffer_bits.
//   - The temporal and Pico layers (BufferTempConv, StatefulRecurrent, …)
//     keep state between samples and are refused.

// postOpRange is the range acc·output_scales (and acc·activation_scales)
// saturates to, post_op_buffer_bits = bits (V1). quantizeml's output
// quantizer saturates its product to value bits = its buffer_bitwidth (32:
// [−2^32, 2^32 − 1]), and cnn2snn stores that bitwidth unchanged, while for
// buffer_bits it adds the sign bit. Alternative: [−2^(bits−1), 2^(bits−1)
// − 1], a signed bits-bit register, which would clip products between
// 2^31 and 2^32 that quantizeml keeps.
func postOpRange(bits int) valueRange {
	return valueRange{-1 << bits, 1<<bits - 1}
}

// outputRange is the range a v2 layer's outputs saturate to (V2). The file
// does not record whether the output quantizer was signed; quantizeml makes
// it unsigned only for activations below 8 bits after a ReLU
// (conversion-v2.md §5.2), where its range [−2^bits, 2^bits − 1] holds only
// non-negative values, i.e. 0 … 2^bits − 1. Every other layer is signed.
// Alternative: unsigned after every ReLU (0 … 255 for 8 bits), which would
// let 8-bit ReLU outputs reach 255 where quantizeml stops at 127.
func outputRange(activation akida.ActivationType, bits int) valueRange {
	if activation == akida.ReLU && bits < 8 {
		return unsignedRange(bits)
	}
	return signedRange(bits)
}

// reluCeiling is the largest value a ReLU lets through (V3): max_value ·
// 2^max_value_shift when max_value is set, else none (an unbounded ReLU:
// cnn2snn 2.19.1 sets no max_value for one). Older converters wrote (1,
// 30) for "unbounded", which this reads as the ceiling 2^30, above every
// 28-bit accumulator. The result is capped at 2^62.
func reluCeiling(maxValue, shift int64, set bool) int64 {
	if !set {
		return math.MaxInt64
	}
	return shiftLeft(maxValue, shift)
}

// The values of absent variables (V4): the identity. A layer with
// neither output_scales nor output_shift has no output stage at all.
const (
	defaultOutputScale = 1
	defaultOutputShift = 0
	defaultInputShift  = 0
)

// shiftRound multiplies v by 2^s: exactly for s ≥ 0 (saturating at
// ±2^62), and for s < 0 rounding half up, floor((v + 2^(−s−1)) / 2^(−s)),
// for negative values too (V5): quantizeml's rescale, floor(v·2^s + 0.5).
// Alternatives: truncation toward zero or floor (a plain arithmetic
// shift), or half to even. v must lie within ±2^61.
func shiftRound(v, s int64) int64 {
	if s >= 0 {
		return shiftLeft(v, s)
	}
	k := -s
	if k > 62 {
		return 0 // |v| < 2^61 ≤ 2^(k−1): v + 2^(k−1) is within [0, 2^k)
	}
	return (v + 1<<(k-1)) >> k
}

// ShiftRound is the simulator's v·2^s (shiftRound, V5), for core/verify,
// which replays a layer's output stage in the simulator's arithmetic to
// name the cause of a difference: the replay must compute what the
// simulator computes.
func ShiftRound(v, s int64) int64 { return shiftRound(v, s) }

// ScaleProduct is the simulator's acc·scale saturated to
// post_op_buffer_bits (scaleProduct, postOpRange: V1, V10), for
// core/verify's replay like ShiftRound.
func ScaleProduct(acc, scale int64, postOpBits int) int64 {
	return scaleProduct(acc, scale, postOpRange(postOpBits))
}

// denseInputShifts is the number of input_shift values a Dense1D reads: one
// per flattened input feature X·Y·C (V6), what quantizeml records on the
// Dense layer, whose input is flat. Alternative: one per input channel C.
// (A shift that quantizeml records on a Flatten before the Dense is not
// transferred by cnn2snn and cannot be simulated.)
func denseInputShifts(in akida.Shape) int { return in[0] * in[1] * in[2] }

// quantizeInput is the Quantizer of one float input value (V7):
// sat(sat(round(x·scale)) + zero point) with round half to even (TF's
// round) and both saturations to r, quantizeml's range for the layer's
// output bits: [−2^(b−1), 2^(b−1) − 1] signed, [−2^b, 2^b − 1] unsigned
// (quantizerRange). x·scale is a float32 product, as in quantizeml.
// Alternatives: half up, or an unsigned range of 0 … 2^b − 1.
func quantizeInput(x, scale float32, zeroPoint int64, r valueRange) int64 {
	p := float64(x * scale)
	q := r.clampFloat(math.RoundToEven(p))
	return r.clamp(q + zeroPoint)
}

// quantizerRange is the range of a Quantizer's outputs (V7): quantizeml's
// value bits are bits − 1 signed and bits unsigned, so an unsigned 8-bit
// Quantizer gives −256 … 255.
func quantizerRange(bits int, signed bool) valueRange {
	if signed {
		return signedRange(bits)
	}
	return valueRange{-1 << bits, 1<<bits - 1}
}

// globalSumRange is the range the sum of global average pooling saturates
// to (V8): quantizeml's GAP buffer has 32 value bits and a sign,
// [−2^32, 2^32 − 1]. Alternative: buffer_bits.
func globalSumRange() valueRange { return valueRange{-1 << 32, 1<<32 - 1} }

// activationBeforeGlobalSum orders a v2 layer's activation and its global
// average pooling (V9): quantizeml applies the ReLU (or LUT) to every
// position and then sums, the Keras order of Conv → ReLU → GAP blocks.
// akida's docstring lists pool before ReLU, which for a sum is not the
// same; for max pooling the order does not matter (max pooling always
// runs first, the Keras order of Conv → MaxPool → ReLU blocks).
const activationBeforeGlobalSum = true

// scaleProduct is acc·scale saturated to r (V10: exact). quantizeml
// evaluates it in float32, which rounds products above 2^24; Akida is
// assumed to compute exactly, so the simulator does (int64, saturating
// instead of overflowing).
func scaleProduct(acc, scale int64, r valueRange) int64 {
	if acc != 0 && scale != 0 {
		a, s := abs64(acc), abs64(scale)
		if a > math.MaxInt64/s {
			if (acc < 0) != (scale < 0) {
				return r.min
			}
			return r.max
		}
	}
	return r.clamp(acc * scale)
}

// appliedOutputShift is the output shift a layer applies given the stored
// one (V11): the stored value, which cnn2snn clips at −buffer_bits + 1
// while quantizeml used the unclipped shift. Alternative: undo the clip,
// which the file cannot tell.
func appliedOutputShift(stored int64) int64 { return stored }

// dequantize is a Dequantizer's float output v·scale (V12): the integer
// converted to float32 and multiplied in float32, one rounding each.
// Alternative: the product in float64, rounded once.
func dequantize(v int32, scale float32) float32 {
	return float32(v) * scale
}

// sameShape reports whether a variable's shape is the expected Keras
// layout (V13: conv (kh, kw, cin, cout), depthwise (kh, kw, C, 1), dense
// (in, units), per conversion-v2.md §2), ignoring leading dimensions of 1
// on either side, so that (1, 1, in, units) reads as (in, units).
func sameShape(got, want []int) bool {
	trim := func(s []int) []int {
		for len(s) > 0 && s[0] == 1 {
			s = s[1:]
		}
		return s
	}
	return slices.Equal(trim(got), trim(want))
}

// perChannel expands a per-channel variable's values to n channels (V13):
// n values as they are, or one value for every channel (cnn2snn
// broadcasts a per-tensor value into the Akida variable; a file that keeps
// one element is read the same way). ok is false for any other count.
func perChannel(values []int64, n int) (out []int64, ok bool) {
	switch len(values) {
	case n:
		return values, true
	case 1:
		out = make([]int64, n)
		for i := range out {
			out[i] = values[0]
		}
		return out, true
	}
	return nil, false
}
