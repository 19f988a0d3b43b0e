package keras

import (
	"errors"
	"fmt"
	"math"
)

// quantizeml's quantizers applied to what a Keras file stores (spec
// conversion-v2.md §4.4 items 1–11): each function takes float weights or
// calibration variables and the description of the tensor it is aligned
// on, and returns the integers quantizeml's recorders would hold.

// QTensor describes a quantizeml tensor (a FixedPoint or a QFloat)
// without its values: what the recording propagates from layer to layer.
type QTensor struct {
	// ValueBits (vb) bound the integer values to [−2^vb, 2^vb − 1] (see
	// QMLBounds): bitwidth − 1 for a signed quantizer, bitwidth for an
	// unsigned one, buffer_bitwidth − 1 for a conv/dense accumulator.
	ValueBits int
	// Signed tells whether the values can be negative: false for a uint8
	// model input, an unsigned InputQuantizer or output quantizer, and a
	// ReLU's output. quantizeml itself saturates by value bits only.
	Signed bool
	// Frac are the frac bits F (the value is v·2^−F): one for the whole
	// tensor (per tensor) or one per channel of the last axis (per axis).
	Frac []int
	// Scales are the QFloat scales S (the value is v·2^−F·S): one, or one
	// per channel. nil for a FixedPoint.
	Scales []float32
}

// IsFloat reports whether the description is of a float tensor (no frac
// bits): a float model input or a Dequantizer's output.
func (t QTensor) IsFloat() bool { return len(t.Frac) == 0 }

// IsQFloat reports whether the tensor carries float scales.
func (t QTensor) IsQFloat() bool { return t.Scales != nil }

// PerAxis reports whether the frac bits are per channel. (quantizeml
// calls a FixedPoint with one frac bit, or a (1,) vector, per-tensor.)
func (t QTensor) PerAxis() bool { return len(t.Frac) > 1 }

// PerTensor is quantizeml's per_tensor: one frac bit and at most one
// scale. A QFloat with per-channel scales (a conv's accumulator) is not
// per-tensor even when its frac bits are.
func (t QTensor) PerTensor() bool { return len(t.Frac) == 1 && len(t.Scales) <= 1 }

// FracAt returns the frac bits of channel c.
func (t QTensor) FracAt(c int) int {
	if len(t.Frac) == 1 {
		return t.Frac[0]
	}
	return t.Frac[c]
}

// ScaleAt returns the scale of channel c (1 for a FixedPoint).
func (t QTensor) ScaleAt(c int) float32 {
	switch len(t.Scales) {
	case 0:
		return 1
	case 1:
		return t.Scales[0]
	}
	return t.Scales[c]
}

// MaxFrac returns the largest frac bits of the tensor.
func (t QTensor) MaxFrac() int {
	m := t.Frac[0]
	for _, f := range t.Frac[1:] {
		m = max(m, f)
	}
	return m
}

// channels returns how many per-channel entries the description has (1
// when everything is per tensor).
func (t QTensor) channels() int { return max(len(t.Frac), len(t.Scales), 1) }

// QMLWeights are the integer weights a WeightQuantizer records, in the
// Keras layout of the quantized kernel.
type QMLWeights struct {
	Shape  []int
	Values []int8 // C order, saturated to the weight value bits
	// Axis is the quantization axis (non-negative), or −1 when the
	// kernel is quantized per tensor; Scales and Frac have one entry per
	// index along it.
	Axis      int
	ValueBits int
	// Scales are the QFloat scales S = max(max|W| / (2^vb − 1), 1e−6);
	// nil for an fp_quantizer, whose weights are FixedPoints with Frac
	// frac bits instead (Frac is nil otherwise).
	Scales []float32
	Frac   []int
}

// maxWeightBits is the widest weight quantizer the recording keeps: Akida
// weights are int8 (cnn2snn accepts 4 or 8 bits), so wider quantizers are
// refused rather than stored in a wider type nobody reads.
const maxWeightBits = 8

// weightEpsilon is quantizeml's lower clip of weight scales, "low enough
// to be considered as zero" (Python 1e-6, used as a float32).
const weightEpsilon float32 = 1e-6

// quantizeWeights is quantizeml's WeightQuantizer (spec §4.4 item 1): per
// axis r = max|W| over all other axes (per tensor: over all), S =
// max(r / (2^vb − 1), 1e−6), q = sat(round(W / S), vb), in float32.
// fp_quantizer: F = max_frac_bits(vb, r), q = sat(round(W·2^F), vb).
func quantizeWeights(w *Weight, q *QMLQuantizer) (*QMLWeights, error) {
	if q.Bitwidth < 2 || q.Bitwidth > maxWeightBits {
		return nil, fmt.Errorf("weight quantizer bitwidth is %d; the recording handles 2 to %d bits (Akida weights are int8): re-quantize with weight_bits 4 or 8", q.Bitwidth, maxWeightBits)
	}
	if err := checkFinite(w.Name, w.Values); err != nil {
		return nil, err
	}
	vb := qmlValueBits(q.Bitwidth, q.Signed)
	qw := &QMLWeights{Shape: append([]int(nil), w.Shape...), Values: make([]int8, len(w.Values)), Axis: -1, ValueBits: vb}
	if q.PerAxis && len(w.Shape) > 1 {
		axis := q.Axis
		if axis < 0 {
			axis += len(w.Shape)
		}
		if axis < 0 || axis >= len(w.Shape) {
			return nil, fmt.Errorf("Axis %d is not valid in weight_quantizer (kernel shape %v)", q.Axis, w.Shape)
		}
		qw.Axis = axis
	}
	// Value i belongs to channel i / stride % n of the axis (per tensor:
	// every value to channel 0).
	stride, n := max(len(w.Values), 1), 1
	if qw.Axis >= 0 {
		stride, n = Elements(w.Shape[qw.Axis+1:]), w.Shape[qw.Axis]
	}
	ranges := make([]float32, n)
	for i, x := range w.Values {
		c := i / stride % n
		ranges[c] = max(ranges[c], abs32(x))
	}
	if q.FPQuantizer {
		qw.Frac = make([]int, n)
		for c, r := range ranges {
			qw.Frac[c] = QMLMaxFracBits(vb, r)
		}
		for i, x := range w.Values {
			qw.Values[i] = int8(qmlQuantize(x, vb, qw.Frac[i/stride%n]))
		}
		return qw, nil
	}
	intMax := float32(int(1)<<vb - 1)
	qw.Scales = make([]float32, n)
	for c, r := range ranges {
		qw.Scales[c] = max(r/intMax, weightEpsilon)
	}
	for i, x := range w.Values {
		qw.Values[i] = int8(qmlQuantize(x/qw.Scales[i/stride%n], vb, 0))
	}
	return qw, nil
}

// alignedQuantizer is quantizeml's AlignedWeightQuantizer (spec §4.4
// items 2, 5, 6): it quantizes float values x (one per channel, or one
// for all) on the scales and frac bits of another tensor so that they can
// be added to it or compared with it. For channel c, with S and F that
// tensor's: f = min(max_frac_bits(vb, r / S), F), where r is |x| (per
// value when the bitwidth is above 4, else max|x| for all);
// the integer is sat(round((x / S)·2^f), vb) and it is shifted left by
// F − f to reach F. It returns the integers before the shift and the
// shifts.
func alignedQuantizer(what string, x []float32, bits int, signed bool, on QTensor, channels int) (values []int32, shifts []int, err error) {
	if err := checkQuantizerBits(what+" quantizer bitwidth", bits, maxQuantizerBits); err != nil {
		return nil, nil, err
	}
	if err := checkFinite(what, x); err != nil {
		return nil, nil, err
	}
	if len(x) != 1 && len(x) != channels {
		return nil, nil, fmt.Errorf("%s has %d values for %d channels", what, len(x), channels)
	}
	vb := qmlValueBits(bits, signed)
	perTensorRange := float32(0)
	for _, v := range x {
		perTensorRange = max(perTensorRange, abs32(v))
	}
	if on.channels() != 1 && on.channels() != channels {
		return nil, nil, fmt.Errorf("%s is aligned on a tensor with %d channels, expected %d", what, on.channels(), channels)
	}
	n := max(len(x), on.channels())
	values, shifts = make([]int32, n), make([]int, n)
	for c := range n {
		v := x[min(c, len(x)-1)]
		s := on.ScaleAt(c)
		r := abs32(v)
		if bits <= 4 {
			r = perTensorRange
		}
		ratio := r / s
		if !finite(ratio) || !finite(v/s) {
			return nil, nil, fmt.Errorf("%s %g divided by its scale %g is not a finite number; the scales are degenerate", what, v, s)
		}
		f := min(QMLMaxFracBits(vb, ratio), on.FracAt(c))
		values[c] = int32(qmlQuantize(v/s, vb, f))
		shifts[c] = on.FracAt(c) - f
		if err := checkRescale(what, shifts[c], on.ValueBits); err != nil {
			return nil, nil, err
		}
	}
	return values, shifts, nil
}

// QMLOutputQuantizer is what an OutputQuantizer records (spec §4.4
// item 3).
type QMLOutputQuantizer struct {
	// Scales are the integer scales qs (qscales), one or one per
	// channel, in [2^(sb−1), 2^sb − 1]; nil when the quantizer received
	// a FixedPoint (no scales to apply). ScaleFrac are their frac bits
	// f_s = scale_bits − clog2(S·ρ).
	Scales    []int
	ScaleFrac []int
	// Shift is the recorded shift sh = F_out − (F_in + f_s), one or one
	// per channel, not clipped (cnn2snn stores max(sh, −buffer_bits + 1)).
	Shift []int
	// BufferBits are the value bits the product v·qs saturates to (the
	// quantizer's buffer_bitwidth, not decremented).
	BufferBits int
}

// outputQuantizer applies an OutputQuantizer with calibration variables
// rangeMax (R) and rate (ρ, scalar or per channel) to a tensor described
// by in, with channels channels on its last axis and rank dimensions
// (batch included). It returns the record and the output description
// (out, vb, F_out): F_out = max_frac_bits(vb, R).
func outputQuantizer(oq *QMLQuantizer, rangeMax, rate []float32, in QTensor, channels, rank int) (*QMLOutputQuantizer, QTensor, error) {
	for _, b := range []struct {
		name      string
		bits, max int
	}{{"bitwidth", oq.Bitwidth, maxQuantizerBits}, {"scale_bits", oq.ScaleBits, maxScaleBits}, {"buffer_bitwidth", oq.BufferBitwidth, maxBufferBits}} {
		if err := checkQuantizerBits("output_quantizer "+b.name, b.bits, b.max); err != nil {
			return nil, QTensor{}, err
		}
	}
	if oq.PerAxis && rank < 3 {
		return nil, QTensor{}, errors.New("OutputQuantizer cannot quantize per-axis tensors  with 2 dimensions or less.")
	}
	want := 1
	if oq.PerAxis {
		want = channels
	}
	for _, v := range []struct {
		name   string
		values []float32
	}{{"output_quantizer/range_max", rangeMax}, {"output_quantizer/rescaling_rate", rate}} {
		if len(v.values) != want {
			return nil, QTensor{}, fmt.Errorf("%s has %d values; a %s output quantizer over %d channels needs %d: the file does not match its config, re-save the model",
				v.name, len(v.values), map[bool]string{true: "per-axis", false: "per-tensor"}[oq.PerAxis], channels, want)
		}
		if err := checkFinite(v.name, v.values); err != nil {
			return nil, QTensor{}, err
		}
	}
	for _, r := range rangeMax {
		if r < 0 {
			return nil, QTensor{}, fmt.Errorf("output_quantizer/range_max %g is negative; a calibrated range is a maximum of absolute values: re-calibrate the model", r)
		}
	}
	vbOut := qmlValueBits(oq.Bitwidth, oq.Signed)
	rec := &QMLOutputQuantizer{BufferBits: oq.BufferBitwidth}
	inFrac := in.Frac
	if in.IsQFloat() {
		if in.ValueBits > oq.BufferBitwidth {
			return nil, QTensor{}, fmt.Errorf("Cannot reduce value bits from %d to %d: use a quantizer instead (the output quantizer's buffer_bitwidth is narrower than its input)", in.ValueBits, oq.BufferBitwidth)
		}
		n := max(in.channels(), len(rate))
		if n != 1 && n != channels {
			return nil, QTensor{}, fmt.Errorf("the output quantizer's input has %d scales for %d channels", n, channels)
		}
		rec.Scales, rec.ScaleFrac = make([]int, n), make([]int, n)
		inFrac = make([]int, n)
		for c := range n {
			s := in.ScaleAt(c) * rate[min(c, len(rate)-1)] // S' = S·ρ in float32
			if !(s > 0) || !finite(s) {
				return nil, QTensor{}, fmt.Errorf("the output scale %g (input scale × output_quantizer/rescaling_rate) is not a positive finite number; re-calibrate the model", s)
			}
			fs := qmlFracBitsUnclamped(oq.ScaleBits, s)
			rec.ScaleFrac[c] = fs
			rec.Scales[c] = int(qmlQuantize(s, oq.ScaleBits, fs))
			inFrac[c] = in.FracAt(c) + fs
		}
	}
	if in.ValueBits <= vbOut {
		msg := fmt.Sprintf("Quantizing a %d-bit QTensor to %d-bit is pointless.", in.ValueBits, vbOut)
		if in.ValueBits < vbOut {
			msg += " Use a promotion instead."
		}
		return nil, QTensor{}, errors.New(msg)
	}
	out := QTensor{ValueBits: vbOut, Signed: oq.Signed, Frac: make([]int, len(rangeMax))}
	for c, r := range rangeMax {
		out.Frac[c] = QMLMaxFracBits(vbOut, r)
	}
	n := max(len(inFrac), len(out.Frac))
	rec.Shift = make([]int, n)
	for c := range n {
		rec.Shift[c] = out.Frac[min(c, len(out.Frac)-1)] - inFrac[min(c, len(inFrac)-1)]
		if err := checkRescale("the output quantizer's input", rec.Shift[c], vbOut); err != nil {
			return nil, QTensor{}, err
		}
	}
	return rec, out, nil
}

// expandInput is quantizeml's input alignment of a per-axis tensor
// (FixedPoint.expand, spec §4.4 item 4): every channel is shifted left to
// the largest frac bits, input_shift[c] = F_max − F[c], and the values
// saturate to vb value bits. It returns the aligned description and the
// shifts.
func expandInput(in QTensor, vb int) (QTensor, []int, error) {
	if vb < in.ValueBits {
		return QTensor{}, nil, fmt.Errorf("Cannot reduce bitwidth from %d to %d: use a quantizer instead", in.ValueBits, vb)
	}
	fmax := in.MaxFrac()
	shifts := make([]int, len(in.Frac))
	for c, f := range in.Frac {
		shifts[c] = fmax - f
		if err := checkRescale("the per-axis input", shifts[c], vb); err != nil {
			return QTensor{}, nil, err
		}
	}
	return QTensor{ValueBits: vb, Signed: in.Signed, Frac: []int{fmax}, Scales: in.Scales}, shifts, nil
}

// promote raises the value bits of a tensor (no value change); quantizeml
// refuses to lower them.
func promote(in QTensor, vb int) (QTensor, error) {
	if vb < in.ValueBits {
		return QTensor{}, fmt.Errorf("Cannot reduce value bits from %d to %d: use a quantizer instead", in.ValueBits, vb)
	}
	in.ValueBits = vb
	return in, nil
}

// Bounds of the bit widths the recording accepts: integers the float32
// arithmetic holds exactly enough and int32 records hold (quantizeml's
// own are 1…32, scale_bits 8 or 16, buffers up to 32).
const (
	maxQuantizerBits = 32
	maxScaleBits     = 24
	maxBufferBits    = 64
)

// checkQuantizerBits refuses a bit width outside 1…max, which would make
// the quantizer's integers meaningless (or not fit a record).
func checkQuantizerBits(what string, bits, max int) error {
	if bits < 1 || bits > max {
		return fmt.Errorf("%s is %d; quantizeml quantizers use 1 to %d bits: fix the quant_config", what, bits, max)
	}
	return nil
}

// checkFinite refuses NaN and infinite values, which no quantizer can
// turn into integers.
func checkFinite(what string, values []float32) error {
	for i, v := range values {
		if !finite(v) {
			return fmt.Errorf("%s[%d] is %v; quantizeml cannot quantize a value that is not a finite number: fix the model's weights", what, i, v)
		}
	}
	return nil
}

// qmlInputQuantizer is the arithmetic of quantizeml's InputQuantizer
// (spec §4.4 item 8): F = max_frac_bits(vb, range) per channel (or per
// tensor), range = max(|min|, |max|) when signed, max − min when
// unsigned; the zero point of an unsigned quantizer is
// sat(round(−min·2^F), vb).
func qmlInputQuantizer(bits int, signed bool, rangeMin, rangeMax []float32) (frac, zeroPoints []int, err error) {
	if err := checkQuantizerBits("InputQuantizer bitwidth", bits, maxQuantizerBits); err != nil {
		return nil, nil, err
	}
	if len(rangeMin) != len(rangeMax) {
		return nil, nil, fmt.Errorf("range_min has %d values and range_max %d; the file does not match its config, re-save the model", len(rangeMin), len(rangeMax))
	}
	if err := checkFinite("range_min", rangeMin); err != nil {
		return nil, nil, err
	}
	if err := checkFinite("range_max", rangeMax); err != nil {
		return nil, nil, err
	}
	vb := qmlValueBits(bits, signed)
	frac = make([]int, len(rangeMax))
	if !signed {
		zeroPoints = make([]int, len(rangeMax))
	}
	for c := range rangeMax {
		lo, hi := rangeMin[c], rangeMax[c]
		if !(lo <= hi) {
			return nil, nil, errors.New("range_max must be higher or equal than range_min.")
		}
		var r float32
		if signed {
			r = max(abs32(lo), abs32(hi))
		} else {
			if lo > 0 {
				return nil, nil, errors.New("range_min > 0 is not allowed (HW constraint).")
			}
			r = hi - lo
		}
		frac[c] = QMLMaxFracBits(vb, r)
		if !signed {
			zeroPoints[c] = int(qmlQuantize(-lo, vb, frac[c]))
		}
	}
	return frac, zeroPoints, nil
}

// lutInputLimit bounds the value bits of a LUT activation's input: the
// table has 2^(vb+1) entries (2048 for the 11-bit input Akida takes).
const lutInputLimit = 16

// QMLLUT is what a QuantizedActivation records (spec §4.4 item 7).
type QMLLUT struct {
	// Values[i + 2^InputBits] is the output integer for input integer i,
	// i ∈ [−2^InputBits, 2^InputBits − 1] (ordered by input value).
	Values    []int32
	InputBits int     // value bits of the input (10 for an 11-bit input)
	InputFrac int     // frac bits of the input
	Scale     float32 // output scale s = max|y| / (2^lut_bits − 1)
	LUTBits   int     // value bits of the output: lut_bitwidth − 1
}

// qmlLUT builds the table of a QuantizedActivation for a per-tensor
// FixedPoint input (vb, F): y_i = act(i·2^−F) in float32,
// s = max|y| / (2^lutBits − 1), table[i] = sat(round(y_i / s), lutBits).
func qmlLUT(act func(float32) float32, vb, frac, lutBits int) (*QMLLUT, error) {
	if vb < 1 || vb > lutInputLimit {
		return nil, fmt.Errorf("the activation's input has %d value bits; a look-up table covers 1 to %d (Akida takes 11-bit inputs, 10 value bits)", vb, lutInputLimit)
	}
	if lutBits < 1 || lutBits > 30 {
		return nil, fmt.Errorf("lut_bitwidth %d is not usable; quantizeml's default is 14", lutBits+1)
	}
	n := 1 << (vb + 1)
	ys := make([]float32, n)
	rangeMax := float32(0)
	for k := range ys {
		x := float32(k-n/2) / QMLPow2(frac) // to_float: values / 2^F
		ys[k] = act(x)
		if !finite(ys[k]) {
			return nil, fmt.Errorf("the activation of %g is %v; the table cannot hold it", x, ys[k])
		}
		rangeMax = max(rangeMax, abs32(ys[k]))
	}
	s := rangeMax / float32(int(1)<<lutBits-1)
	lut := &QMLLUT{Values: make([]int32, n), InputBits: vb, InputFrac: frac, Scale: s, LUTBits: lutBits}
	for k, y := range ys {
		if s == 0 { // an activation that is 0 everywhere: y/0 is NaN in TF; keep 0
			continue
		}
		lut.Values[k] = int32(qmlQuantize(y/s, lutBits, 0))
	}
	return lut, nil
}

// LUTActivation returns the float32 function of a quantizeml
// QuantizedActivation, computed operation by operation in float32 as
// TensorFlow does (tf_keras 2.15 and quantizeml 1.1.1):
//
//   - gelu: 0.5·x·(1 + erf(x / 1.4142135)), the exact (erf) form;
//   - swish: x·sigmoid(x);
//   - hard_silu: x·relu6(x + 3) / 6 (quantizeml's own definition);
//   - leaky_relu: x for x > 0, alpha·x otherwise (tf.nn.leaky_relu).
//
// Choice: erf and the exponential of the sigmoid are computed in float64
// and rounded to float32 (correctly rounded); TensorFlow's float32 kernels
// approximate them and may differ by an ulp, which can move a table entry
// that sits on a rounding tie by one.
func LUTActivation(name string, alpha float32) (func(float32) float32, error) {
	switch name {
	case "gelu":
		sqrt2 := float32(math.Sqrt2)
		return func(x float32) float32 {
			e := float32(math.Erf(float64(x / sqrt2)))
			return float32(float32(0.5*x) * (1 + e))
		}, nil
	case "swish", "silu":
		return func(x float32) float32 {
			return x * float32(1/(1+math.Exp(-float64(x))))
		}, nil
	case "hard_silu", "hard_swish":
		return func(x float32) float32 {
			return float32(x*min(max(x+3, 0), 6)) / 6
		}, nil
	case "leaky_relu":
		return func(x float32) float32 {
			if x > 0 {
				return x
			}
			return alpha * x
		}, nil
	}
	return nil, fmt.Errorf("activation %q has no quantizeml look-up table; quantizeml quantizes gelu, swish, hard_silu and leaky_relu", name)
}
