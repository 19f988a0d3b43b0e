package keras

import (
	"fmt"
	"math"
)

// The arithmetic of quantizeml's quantizers (spec conversion-v2.md §4.4,
// §4.7), as quantizeml 1.1.1 computes it: integers held in float32
// tensors, every operation a TensorFlow float32 operation. The recording
// (qmlrecord.go) uses it to recompute what record_quantization_variables
// would hold; core/infer uses it to run a quantized model as quantizeml
// does. The cnn2snn-path quantizers are in quantizers.go. The Akida
// simulator (core/akida/sim) does not use it: it is the independent side
// verification compares with this one.
//
// Notation: a FixedPoint is (v, vb, F), meaning v·2^−F with the integer v
// saturated to [−2^vb, 2^vb − 1] (vb = value bits, sign excluded); a
// QFloat is a FixedPoint times float32 scales S.

// QMLPow2 returns 2^n as a float32, as quantizeml's pow2 (tf.pow(2.0, n))
// gives it: exact over float32's range, 0 below it and +Inf above.
func QMLPow2(n int) float32 {
	if n >= -126 && n <= 127 { // a normal float32: the exponent field alone
		return math.Float32frombits(uint32(n+127) << 23)
	}
	return float32(math.Ldexp(1, n))
}

// QMLClog2 returns ceil(log2(x)) for a positive finite x.
//
// Choice (spec §4.5, §4.7 [INF]): quantizeml computes it as
// ceil(tf.experimental.numpy.log2(x)), i.e. a float32 log divided by log 2,
// which may be off by one ulp near powers of two and then give a ceil one
// too high or too low. This uses the exact exponent instead (frexp:
// x = m·2^e with m ∈ [0.5, 1), so ceil(log2 x) = e − 1 when m = 0.5, else
// e). The two differ only for values within an ulp or so of a power of two.
func QMLClog2(x float32) int {
	m, e := math.Frexp(float64(x))
	if m == 0.5 {
		return e - 1
	}
	return e
}

// QMLFloorLog2 returns floor(log2(x)) for a positive finite x
// (quantizeml's floor_log2), with QMLClog2's choice: the exact exponent,
// where quantizeml floors a float32 log2 that may be one off within an ulp
// of a power of two.
func QMLFloorLog2(x float32) int {
	_, e := math.Frexp(float64(x))
	return e - 1
}

// QMLConvBufferLimit is the buffer_bitwidth quantizeml caps conv,
// depthwise, transposed and dense layers at ("Limit buffer bitwidth to
// 27": min(28, buffer_bitwidth), one bit of it for the sign). Its
// quantization writes the capped width into the quant_config, its
// recording caps it again, and cnn2snn's buffer_bits is that width.
const QMLConvBufferLimit = 28

// QMLMaxFracBits is quantizeml's FixedPoint.max_frac_bits(vb, r):
// min(vb − clog2(r), vb), the frac bits that fit r in vb value bits. A
// zero range gives vb (log2 0 = −inf). r must be finite and not negative;
// the callers check their ranges first.
func QMLMaxFracBits(vb int, r float32) int {
	if r == 0 {
		return vb
	}
	return min(vb-QMLClog2(r), vb)
}

// qmlFracBitsUnclamped is max_frac_bits with clamp=False (quantize_scales):
// vb − clog2(r), for a positive finite r.
func qmlFracBitsUnclamped(vb int, r float32) int {
	return vb - QMLClog2(r)
}

// QMLBounds returns the saturation bounds quantizeml's saturate(x, vb)
// clips to: [−2^vb, 2^vb − 1], where the upper bound is computed in
// float32, so that from vb = 25 on it rounds up to 2^vb (2^25 − 1 is not a
// float32). quantizeml's saturation therefore lets +2^vb through for wide
// buffers; this reproduces it.
func QMLBounds(vb int) (lo, hi float32) {
	p := QMLPow2(vb)
	return -p, p - 1
}

// QMLSaturate clips x to QMLBounds(vb).
func QMLSaturate(x float32, vb int) float32 {
	lo, hi := QMLBounds(vb)
	return min(max(x, lo), hi)
}

// QMLRescale is the value change of quantizeml's FixedPoint.rescale by a
// shift of s frac bits: floor(x·2^s + 0.5) in float32 — a left shift for
// s ≥ 0, a right shift rounding half up (towards +inf) for s < 0. The sum
// x·2^s + 0.5 is rounded to float32 before the floor, as in TensorFlow
// (this only matters above 2^23, where it can round up). Saturation is
// the caller's.
func QMLRescale(x float32, s int) float32 {
	y := float32(x * QMLPow2(s))
	return float32(math.Floor(float64(float32(y + 0.5))))
}

// checkRescale is the assertion of quantizeml's FixedPoint.rescale: a left
// shift of vb or more bits always saturates a vb-bit buffer, and
// quantizeml refuses it ("Cannot rescale … as it will saturate its {vb}
// buffer").
func checkRescale(what string, shift, vb int) error {
	if shift >= vb {
		return fmt.Errorf("cannot rescale %s by %d bits as it will saturate its %d-bit buffer (quantizeml refuses it too); the quantized values are out of proportion: re-quantize the model", what, shift, vb)
	}
	return nil
}

// qmlQuantize is FixedPoint.quantize(x, vb, F): sat(round(x·2^F), vb),
// the product in float32 and the rounding half to even (tf.round).
func qmlQuantize(x float32, vb, frac int) float32 {
	return QMLSaturate(RoundHalfEven(float32(x*QMLPow2(frac))), vb)
}

// qmlValueBits returns the value bits of a quantizer of this bit width:
// bitwidth − 1 when signed (one bit for the sign), bitwidth otherwise.
func qmlValueBits(bitwidth int, signed bool) int {
	if signed {
		return bitwidth - 1
	}
	return bitwidth
}

// finite reports whether x is neither NaN nor infinite.
func finite(x float32) bool {
	return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0)
}
