package sim

import (
	"fmt"
	"math"
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
