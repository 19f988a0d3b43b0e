package keras

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The small quantizeml models of testdata/quantizeml, written by
// tools/qmlgen/make_qml_testdata.py. Every kernel there is k·2^−e per
// output channel with integers k and one |k| = 127 per channel, so the
// weight scales are exactly 2^−e and the integer weights are k (the
// script prints Σk, Σ|k| and the first eight). The expected values below
// are worked out by hand from spec conversion-v2.md §4.4.

func loadQML(t *testing.T, name string) *Model {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "quantizeml", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load([]File{{Name: name, Data: b}})
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	return m
}

func recordQML(t *testing.T, name string) *QMLRecording {
	t.Helper()
	rec, err := RecordQuantizeML(loadQML(t, name))
	if err != nil {
		t.Fatalf("RecordQuantizeML(%s): %v", name, err)
	}
	return rec
}

// checkWeights compares the integer weights with the construction
// integers: their sum, sum of magnitudes and first eight values, and the
// scales 2^−e.
func checkWeights(t *testing.T, r *QMLRecord, axis, sum, absSum int, first []int8, exps []int) {
	t.Helper()
	w := r.Weights
	if w == nil {
		t.Errorf("%s: no weights", r.Name)
		return
	}
	s, a := 0, 0
	for _, q := range w.Values {
		s += int(q)
		a += max(int(q), -int(q))
	}
	if s != sum || a != absSum || !slices.Equal(w.Values[:len(first)], first) {
		t.Errorf("%s weights Σ %d Σ|q| %d first %v, want %d %d %v", r.Name, s, a, w.Values[:len(first)], sum, absSum, first)
	}
	scales := make([]float32, len(exps))
	for i, e := range exps {
		scales[i] = QMLPow2(-e)
	}
	if w.Axis != axis || !slices.Equal(w.Scales, scales) || w.ValueBits != 7 {
		t.Errorf("%s weights axis %d scales %v value bits %d, want %d %v 7", r.Name, w.Axis, w.Scales, w.ValueBits, axis, scales)
	}
}

func ints(v ...int) []int { return v }

// qml_input_pad: uint8 (5,5,3) → Rescaling(1/127.5) → conv2d (padding_value
// [1.0]) → re_lu (max 6, per-axis OQ) → conv2d_1 (1x1) → dequantizer.
func TestRecordInputPadding(t *testing.T) {
	rec := recordQML(t, "qml_input_pad_keras2.15.h5")

	// The uint8 input is a FixedPoint (8 value bits, unsigned, F = 0); the
	// Rescaling makes it a QFloat with S_in = float32(1/127.5) = s0.
	s0 := float32(1 / 127.5)
	if got := rec.Layer("rescaling").Output; got.ValueBits != 8 || got.Signed || !slices.Equal(got.Frac, ints(0)) || !slices.Equal(got.Scales, []float32{s0}) {
		t.Errorf("rescaling output %+v", got)
	}

	conv := rec.Layer("conv2d")
	checkWeights(t, conv, 3, -450, 7390, []int8{127, -127, 127, -127, 19, -37, 34, -60}, []int{7, 8, 6, 7})
	// Padding value (spec §4.4 item 6): P = 1, S_in = s0, F_in = 0:
	// P/S_in = 127.49999 (float32), clog2 = 7, f = min(7 − 7, 0) = 0,
	// round(127.49999) = 127; shifted by F_in − f = 0: 127. (The spec's
	// exact 127.5 would round to 128 and saturate to 127 as well.)
	if !slices.Equal(conv.PaddingValue, ints(127)) {
		t.Errorf("padding value %v, want [127]", conv.PaddingValue)
	}
	// Accumulator: 27 value bits, F = 0, S_acc[c] = s0·2^−e[c] (exact).
	// The biases were written as β = b·S_acc with b = 0, 300.2, −1000.7,
	// 37.3, so β/S_acc = b (to a float32 ulp):
	//   b = 0:       f = min(mfb(7, 0) = 7, F = 0) = 0 → 0, shift 0 (a zero bias)
	//   b = 300.2:   clog2 = 9, f = 7 − 9 = −2 → round(300.2/4 = 75.05) = 75, shift 0 − (−2) = 2
	//   b = −1000.7: clog2 = 10, f = −3 → round(−125.09) = −125, shift 3
	//   b = 37.3:    clog2 = 6, mfb = 1, f = min(1, 0) = 0 → 37, shift 0
	if !slices.Equal(conv.Bias, []int32{0, 75, -125, 37}) || !slices.Equal(conv.BiasShift, ints(0, 2, 3, 0)) {
		t.Errorf("conv2d bias %v shift %v, want [0 75 -125 37] [0 2 3 0]", conv.Bias, conv.BiasShift)
	}
	wantAcc := QTensor{ValueBits: 27, Signed: true, Frac: ints(0), Scales: []float32{s0 * QMLPow2(-7), s0 * QMLPow2(-8), s0 * QMLPow2(-6), s0 * QMLPow2(-7)}}
	if !equalQTensor(conv.Output, wantAcc) {
		t.Errorf("conv2d output %+v, want %+v", conv.Output, wantAcc)
	}

	relu := rec.Layer("re_lu")
	// max_value (spec §4.4 item 5), 8-bit unsigned aligned on the
	// accumulator (F = 0): M/S[c] = 6/(s0·2^−e) = 764.99995·2^e:
	//   e = 7: 97919.99, clog2 = 17, f = min(8 − 17, 0) = −9, round(97919.99/512 = 191.25) = 191, shift 9
	//   e = 8: 195839.9, clog2 = 18, f = −10 → 191, shift 10
	//   e = 6: 48959.99, clog2 = 16, f = −8 → 191, shift 8
	if !slices.Equal(relu.MaxValue, ints(191, 191, 191, 191)) || !slices.Equal(relu.MaxValueShift, ints(9, 10, 8, 9)) {
		t.Errorf("re_lu max value %v shift %v, want [191 191 191 191] [9 10 8 9]", relu.MaxValue, relu.MaxValueShift)
	}
	// Per-axis output quantizer (spec §4.4 item 3): R = [5.9, 3.1, 1.2,
	// 0.7] → F_out = 7 − clog2(R) = [4, 5, 6, 7]; ρ = [1, 0.5, 2, 1.5].
	// S' = s0·2^−e·ρ; s0 = 1.0039216·2^−7, so for ρ a power of two
	// S' = 1.0039216·2^n, clog2 = n + 1, f_s = 8 − n − 1 and
	// qs = round(1.0039216·128 = 128.502) = 129:
	//   c0: n = −14 → f_s = 21, sh = 4 − (0 + 21) = −17
	//   c1: n = −16 → f_s = 23, sh = 5 − 23 = −18
	//   c2: n = −12 → f_s = 19, sh = 6 − 19 = −13
	//   c3: ρ = 1.5: S' = 1.5058824·2^−14, clog2 = −13, f_s = 21,
	//       qs = round(1.5058824·128 = 192.75) = 193, sh = 7 − 21 = −14
	oq := relu.OutputQuantizer
	if oq == nil || !slices.Equal(oq.Scales, ints(129, 129, 129, 193)) || !slices.Equal(oq.ScaleFrac, ints(21, 23, 19, 21)) ||
		!slices.Equal(oq.Shift, ints(-17, -18, -13, -14)) || oq.BufferBits != 32 {
		t.Errorf("re_lu output quantizer %+v", oq)
	}
	if want := (QTensor{ValueBits: 7, Signed: true, Frac: ints(4, 5, 6, 7)}); !equalQTensor(relu.Output, want) {
		t.Errorf("re_lu output %+v, want %+v", relu.Output, want)
	}
	// The ReLU promotes its input to its 32-bit unsigned buffer and keeps
	// the accumulator's frac bits and scales.
	if relu.Raw.ValueBits != 32 || relu.Raw.Signed || !slices.Equal(relu.Raw.Scales, wantAcc.Scales) {
		t.Errorf("re_lu raw %+v", relu.Raw)
	}

	conv1 := rec.Layer("conv2d_1")
	checkWeights(t, conv1, 3, 4, 666, []int8{127, -127, 37, 77, 11, 83, -85, -119}, []int{7, 5})
	// Per-axis input F = [4, 5, 6, 7] aligned on F = 7 (spec §4.4 item 4):
	// input_shift = 7 − F = [3, 2, 1, 0]. Accumulator F = 7, S = 2^−e.
	//   β = 1.0, S = 2^−7: 128, clog2 = 7, f = min(0, 7) = 0, round(128) = 128 saturates to 127, shift 7
	//   β = −0.03, S = 2^−5: 0.96, clog2 = 0, f = min(7, 7) = 7, round(−122.88) = −123, shift 0
	if !slices.Equal(conv1.InputShift, ints(3, 2, 1, 0)) {
		t.Errorf("conv2d_1 input shift %v, want [3 2 1 0]", conv1.InputShift)
	}
	if !slices.Equal(conv1.Bias, []int32{127, -123}) || !slices.Equal(conv1.BiasShift, ints(7, 0)) {
		t.Errorf("conv2d_1 bias %v shift %v, want [127 -123] [7 0]", conv1.Bias, conv1.BiasShift)
	}
	// Dequantizer: S / 2^F = 2^−7/2^7, 2^−5/2^7.
	if d := rec.Layer("dequantizer"); !slices.Equal(d.DequantizerScales, []float32{QMLPow2(-14), QMLPow2(-12)}) || !d.Output.IsFloat() {
		t.Errorf("dequantizer scales %v output %+v", d.DequantizerScales, d.Output)
	}
}

// qml_depthwise_add_gap: float (4,4,2) → signed per-axis InputQuantizer →
// depthwise (OQ) and conv_b (1x1, no bias, OQ) → add (OQ) → conv2d_2 →
// re_lu → gap (OQ) → dense → dequantizer.
func TestRecordDepthwiseAddGAP(t *testing.T) {
	rec := recordQML(t, "qml_depthwise_add_gap_keras2.15.h5")

	// Signed 8-bit InputQuantizer, per-axis: range = max(|min|, |max|) =
	// [1, 2] → F = 7 − clog2 = [7, 6]; no zero points.
	iq := rec.Layer("input_quantizer")
	if want := (QTensor{ValueBits: 7, Signed: true, Frac: ints(7, 6)}); !equalQTensor(iq.Output, want) || iq.ZeroPoints != nil {
		t.Errorf("input_quantizer output %+v zero points %v, want %+v and none", iq.Output, iq.ZeroPoints, want)
	}

	dw := rec.Layer("depthwise")
	checkWeights(t, dw, 2, -215, 1343, []int8{127, -127, -100, 38, -123, 60, -61, -96}, []int{6, 7})
	// Depthwise: no input alignment, so the accumulator keeps the
	// per-channel F = [7, 6]; S = 2^−6, 2^−7.
	//   β = 0.2:  0.2·64 = 12.8, clog2 = 4, f = min(7 − 4, 7) = 3, round(102.4) = 102, shift 7 − 3 = 4
	//   β = −0.1: 0.1·128 = 12.8, f = min(3, 6) = 3, round(−102.4) = −102, shift 6 − 3 = 3
	if dw.InputShift != nil || !slices.Equal(dw.Raw.Frac, ints(7, 6)) {
		t.Errorf("depthwise input shift %v accumulator %+v, want none and F [7 6]", dw.InputShift, dw.Raw)
	}
	if !slices.Equal(dw.Bias, []int32{102, -102}) || !slices.Equal(dw.BiasShift, ints(4, 3)) {
		t.Errorf("depthwise bias %v shift %v", dw.Bias, dw.BiasShift)
	}
	// OQ R = 2.5 → F_out = 7 − 2 = 5; ρ = 1, S' = 2^−6: f_s = 8 + 6 =
	// 14, qs = round(2^−6·2^14 = 256) saturates to 255 (an exact power of
	// two); sh = 5 − (7 + 14) = −16. Channel 1: 2^−7, f_s = 15, 255,
	// sh = 5 − (6 + 15) = −16.
	if oq := dw.OutputQuantizer; !slices.Equal(oq.Scales, ints(255, 255)) || !slices.Equal(oq.ScaleFrac, ints(14, 15)) || !slices.Equal(oq.Shift, ints(-16, -16)) {
		t.Errorf("depthwise output quantizer %+v", oq)
	}

	cb := rec.Layer("conv_b")
	checkWeights(t, cb, 3, 158, 412, []int8{127, -127, 83, 75}, []int{7, 6})
	// Per-axis input F = [7, 6] → input_shift [0, 1], F_acc = 7. No bias.
	// OQ R = 1.5 → F_out = 6; ρ = 1.25: S' = 1.25·2^−7, clog2 = −6,
	// f_s = 14, qs = 1.25·128 = 160, sh = 6 − 21 = −15; channel 1:
	// 1.25·2^−6, f_s = 13, 160, sh = 6 − 20 = −14.
	if !slices.Equal(cb.InputShift, ints(0, 1)) || cb.Bias != nil || cb.BiasShift != nil {
		t.Errorf("conv_b input shift %v bias %v/%v", cb.InputShift, cb.Bias, cb.BiasShift)
	}
	if oq := cb.OutputQuantizer; !slices.Equal(oq.Scales, ints(160, 160)) || !slices.Equal(oq.Shift, ints(-15, -14)) {
		t.Errorf("conv_b output quantizer %+v", oq)
	}

	// Add: F_a = 5, F_b = 6 → F* = 6, a_shift 1, b_shift 0, 31 value bits
	// (32-bit signed buffer). Its OQ on a FixedPoint: no scales,
	// R = 4 → F_out = 5, sh = 5 − 6 = −1.
	add := rec.Layer("add")
	if !slices.Equal(add.AShift, ints(1)) || !slices.Equal(add.BShift, ints(0)) || !equalQTensor(add.Raw, QTensor{ValueBits: 31, Signed: true, Frac: ints(6)}) {
		t.Errorf("add shifts %v %v raw %+v", add.AShift, add.BShift, add.Raw)
	}
	if oq := add.OutputQuantizer; oq.Scales != nil || oq.ScaleFrac != nil || !slices.Equal(oq.Shift, ints(-1)) || !slices.Equal(add.Output.Frac, ints(5)) {
		t.Errorf("add output quantizer %+v output %+v", oq, add.Output)
	}

	c2 := rec.Layer("conv2d_2")
	checkWeights(t, c2, 3, 272, 4756, []int8{127, -127, 127, -127, -50, -3, -95, 85}, []int{7, 8, 7, 6})
	// F_acc = 5; S = 2^−7, 2^−8, 2^−7, 2^−6:
	//   0.3·128 = 38.4, clog2 6, f = min(1, 5) = 1, round(76.8) = 77, shift 4
	//   −0.25·256 = −64, clog2 6, f = 1, round(−128) = −128 (fits), shift 4
	//   0 → f = min(7, 5) = 5, 0, shift 0
	//   0.01·64 = 0.64, clog2 0, f = min(7, 5) = 5, round(20.48) = 20, shift 0
	if !slices.Equal(c2.Bias, []int32{77, -128, 0, 20}) || !slices.Equal(c2.BiasShift, ints(4, 4, 0, 0)) {
		t.Errorf("conv2d_2 bias %v shift %v", c2.Bias, c2.BiasShift)
	}
	if r := rec.Layer("re_lu"); r.MaxValue != nil || r.OutputQuantizer != nil || r.Output.ValueBits != 32 {
		t.Errorf("unbounded re_lu without OQ recorded %+v", r)
	}

	// GAP over 4×4: its input (the ReLU's QFloat, per-channel scales) is
	// not per-tensor, so it is expanded: F stays 5 and the recorded shift
	// is [0]. Scales / 16 = 2^−11, 2^−12, 2^−11, 2^−10, powers of two:
	// qs = 256 → 255 each, f_s = 8 + 11 = 19, 20, 19, 18; R = 2 → F_out = 6,
	// sh = 6 − (5 + f_s) = −18, −19, −18, −17.
	gap := rec.Layer("gap")
	if !slices.Equal(gap.InputShift, ints(0)) || gap.Raw.ValueBits != 32 ||
		!slices.Equal(gap.Raw.Scales, []float32{QMLPow2(-11), QMLPow2(-12), QMLPow2(-11), QMLPow2(-10)}) {
		t.Errorf("gap input shift %v raw %+v", gap.InputShift, gap.Raw)
	}
	if oq := gap.OutputQuantizer; !slices.Equal(oq.Scales, ints(255, 255, 255, 255)) || !slices.Equal(oq.ScaleFrac, ints(19, 20, 19, 18)) ||
		!slices.Equal(oq.Shift, ints(-18, -19, -18, -17)) {
		t.Errorf("gap output quantizer %+v", oq)
	}

	dense := rec.Layer("dense")
	checkWeights(t, dense, 1, 494, 1012, []int8{127, -127, 127, 124, -25, 20, -65, -42}, []int{7, 7, 6})
	// F_acc = 6: 0.1·128 = 12.8 → f = min(3, 6) = 3, 102, shift 3; 0 →
	// f = 6, shift 0; −0.2·64 = −12.8 → −102, shift 3.
	if !slices.Equal(dense.Bias, []int32{102, 0, -102}) || !slices.Equal(dense.BiasShift, ints(3, 0, 3)) || dense.InputShift != nil {
		t.Errorf("dense bias %v shift %v input shift %v", dense.Bias, dense.BiasShift, dense.InputShift)
	}
	if d := rec.Layer("dequantizer"); !slices.Equal(d.DequantizerScales, []float32{QMLPow2(-13), QMLPow2(-13), QMLPow2(-12)}) {
		t.Errorf("dequantizer scales %v", d.DequantizerScales)
	}
}

// qml_lut_unsigned: float (4,4,1) → unsigned InputQuantizer → conv2d
// (padding_value [0.5], 11-bit OQ) → activation (gelu LUT, OQ) → flatten
// → dense → dequantizer.
func TestRecordLUTUnsignedInput(t *testing.T) {
	rec := recordQML(t, "qml_lut_unsigned_keras2.15.h5")

	// Unsigned 8-bit (vb = 8): range = max − min = 1.5 + 0.5 = 2,
	// F = 8 − 1 = 7; zero point round(0.5·2^7) = 64. The output is a QFloat
	// with scale 1.
	iq := rec.Layer("input_quantizer")
	if want := (QTensor{ValueBits: 8, Frac: ints(7), Scales: []float32{1}}); !equalQTensor(iq.Output, want) || !slices.Equal(iq.ZeroPoints, ints(64)) {
		t.Errorf("input_quantizer output %+v zero points %v", iq.Output, iq.ZeroPoints)
	}

	conv := rec.Layer("conv2d")
	checkWeights(t, conv, 3, -215, 1213, []int8{127, -127, 6, -54, 45, 56, 20, -87}, []int{6, 7})
	// Padding value 0.5 on (S = 1, F = 7), 7 value bits (8-bit weights):
	// clog2(0.5) = −1, f = min(7 + 1, 7) = 7, round(0.5·128) = 64, shift 0.
	if !slices.Equal(conv.PaddingValue, ints(64)) {
		t.Errorf("padding value %v, want [64]", conv.PaddingValue)
	}
	// F_acc = 7, S = 2^−6, 2^−7:
	//   0.05·64 = 3.2, clog2 2, f = min(5, 7) = 5, round(102.4) = 102, shift 2
	//   −0.3·128 = −38.4, clog2 6, f = 1, round(−76.8) = −77, shift 6
	if !slices.Equal(conv.Bias, []int32{102, -77}) || !slices.Equal(conv.BiasShift, ints(2, 6)) {
		t.Errorf("conv2d bias %v shift %v", conv.Bias, conv.BiasShift)
	}
	// 11-bit signed OQ (vb = 10), R = 4 → F_out = 8; S' = 2^−6, 2^−7 →
	// 255, f_s = 14, 15; sh = 8 − (7 + f_s) = −13, −14.
	if oq := conv.OutputQuantizer; !slices.Equal(oq.Scales, ints(255, 255)) || !slices.Equal(oq.Shift, ints(-13, -14)) ||
		!equalQTensor(conv.Output, QTensor{ValueBits: 10, Signed: true, Frac: ints(8)}) {
		t.Errorf("conv2d output quantizer %+v output %+v", oq, conv.Output)
	}

	// LUT over i ∈ [−1024, 1023], x = i/256, y = gelu(x) in float32:
	// max|y| = gelu(3.9960938) = 3.9959652, s = 3.9959652/8191 =
	// 0.00048784827; table = round(y/s):
	//   i = 256 (x = 1): 0.8413447/s = 1724.6 → 1725
	//   i = −256: −0.15865526/s = −325.2 → −325
	//   i = 1: 0.0019592124/s = 4.016 → 4
	//   i = −1024 (x = −4): −0.00012671947/s = −0.26 → 0
	//   i = 512: 1.9544997/s = 4006.4 → 4006;  i = 1023: 8191
	lut := rec.Layer("activation").LUT
	if lut == nil || lut.InputBits != 10 || lut.InputFrac != 8 || lut.LUTBits != 13 || lut.Scale != 0.00048784827 || len(lut.Values) != 2048 {
		t.Fatalf("LUT %+v", lut)
	}
	for i, want := range map[int]int32{256: 1725, -256: -325, 1: 4, 0: 0, -1024: 0, 512: 4006, 1023: 8191} {
		if got := lut.Values[i+1024]; got != want {
			t.Errorf("LUT[%d] = %d, want %d", i, got, want)
		}
	}
	// The activation's OQ sees the QFloat (13 value bits, F = 0, S = s):
	// clog2(s) = −11, f_s = 19, qs = round(s·2^19 = 255.77) = 256 → 255;
	// R = 4 → F_out = 5, sh = 5 − 19 = −14.
	act := rec.Layer("activation")
	if oq := act.OutputQuantizer; !slices.Equal(oq.Scales, ints(255)) || !slices.Equal(oq.ScaleFrac, ints(19)) || !slices.Equal(oq.Shift, ints(-14)) {
		t.Errorf("activation output quantizer %+v", oq)
	}

	dense := rec.Layer("dense")
	checkWeights(t, dense, 1, -487, 4409, []int8{127, -127, 76, 55, -54, -113, 111, -6}, []int{7, 6})
	// F_acc = 5: 0.02·128 = 2.56, clog2 2, f = min(5, 5) = 5,
	// round(81.92) = 82, shift 0; −0.5·64 = −32, clog2 5, f = 2,
	// round(−128) = −128, shift 3.
	if !slices.Equal(dense.Bias, []int32{82, -128}) || !slices.Equal(dense.BiasShift, ints(0, 3)) {
		t.Errorf("dense bias %v shift %v", dense.Bias, dense.BiasShift)
	}
}

// A padding value makes a QuantizedConv2D pad 'same' even though its
// config says "valid" (the loader's shapes must agree, or the dense
// kernel after it would not match).
func TestQMLPaddingValueShape(t *testing.T) {
	m := loadQML(t, "qml_lut_unsigned_keras2.15.h5")
	if got := m.Layer("conv2d").OutputShape; !slices.Equal(got, Shape{4, 4, 2}) {
		t.Errorf("conv2d output shape %v, want (4, 4, 2)", got)
	}
}

func TestRecordQuantizeMLErrors(t *testing.T) {
	t.Run("no layers", func(t *testing.T) {
		if _, err := RecordQuantizeML(&Model{}); err == nil {
			t.Error("no error")
		}
	})
	edit := func(t *testing.T, name string, f func(m *Model)) error {
		m := loadQML(t, name)
		f(m)
		_, err := RecordQuantizeML(m)
		return err
	}
	for _, c := range []struct {
		name, file string
		edit       func(m *Model)
		layer      string
		msg        string
	}{
		{"padding value on a FixedPoint", "qml_depthwise_add_gap_keras2.15.h5", func(m *Model) {
			m.Layer("conv2d_2").Config.(*QMLConv2D).PaddingValue = []float64{0}
		}, "conv2d_2", "When using a non-zero padding value, the inputs must be QFloat."},
		{"padding value list", "qml_input_pad_keras2.15.h5", func(m *Model) {
			m.Layer("conv2d").Config.(*QMLConv2D).PaddingValue = []float64{1, 0.5}
		}, "conv2d", "The padding value must be a scalar or a list of values, for a value per input channel. Receives [1.0, 0.5]."},
		{"pointless output quantizer", "qml_depthwise_add_gap_keras2.15.h5", func(m *Model) {
			m.Layer("add").Config.(*QMLAdd).OutputQuantizer.Bitwidth = 32
		}, "add", "Quantizing a 31-bit QTensor to 31-bit is pointless."},
		{"promotion instead", "qml_depthwise_add_gap_keras2.15.h5", func(m *Model) {
			c := m.Layer("add").Config.(*QMLAdd)
			c.BufferBitwidth = 16 // 15 value bits
			c.OutputQuantizer.Bitwidth = 17
		}, "add", "Quantizing a 15-bit QTensor to 16-bit is pointless. Use a promotion instead."},
		{"per-axis OQ on a vector", "qml_depthwise_add_gap_keras2.15.h5", func(m *Model) {
			m.Layer("gap").Config.(*QMLGlobalAveragePooling2D).OutputQuantizer.PerAxis = true
		}, "gap", "OutputQuantizer cannot quantize per-axis tensors  with 2 dimensions or less."},
		{"LUT on per-axis input", "qml_lut_unsigned_keras2.15.h5", func(m *Model) {
			oq := m.Layer("conv2d").Config.(*QMLConv2D).OutputQuantizer
			oq.PerAxis = true
			l := m.Layer("conv2d")
			for i := range l.Weights {
				if strings.HasPrefix(l.Weights[i].Name, "output_quantizer/") {
					l.Weights[i].Values = []float32{4, 4}
				}
			}
		}, "activation", "QuantizedActivation only supports per-tensor inputs."},
		{"range_min above 0", "qml_lut_unsigned_keras2.15.h5", func(m *Model) {
			m.Layer("input_quantizer").Weight("range_min").Values[0] = 0.25
		}, "input_quantizer", "range_min > 0 is not allowed (HW constraint)."},
		{"range_max below range_min", "qml_depthwise_add_gap_keras2.15.h5", func(m *Model) {
			m.Layer("input_quantizer").Weight("range_max").Values[1] = -0.75
		}, "input_quantizer", "range_max must be higher or equal than range_min."},
		{"NaN weight", "qml_input_pad_keras2.15.h5", func(m *Model) {
			m.Layer("conv2d_1").Weight("kernel").Values[3] = float32(math.NaN())
		}, "conv2d_1", "kernel[3] is NaN; quantizeml cannot quantize a value that is not a finite number: fix the model's weights"},
		{"missing range_max", "qml_input_pad_keras2.15.h5", func(m *Model) {
			m.Layer("re_lu").Weights = nil
		}, "re_lu", "its output quantizer has no output_quantizer/range_max or output_quantizer/rescaling_rate weight; the file was not saved by quantizeml after calibration: re-save the quantized model"},
		// 1e30/2^−7 = 1.28e32 < 2^107: f = 7 − 107 = −100, shift 7 + 100.
		{"bias shift beyond the buffer", "qml_input_pad_keras2.15.h5", func(m *Model) {
			m.Layer("conv2d_1").Weight("bias").Values[0] = 1e30
		}, "conv2d_1", "cannot rescale bias by 107 bits as it will saturate its 27-bit buffer (quantizeml refuses it too); the quantized values are out of proportion: re-quantize the model"},
		{"float layer on quantized input", "qml_input_pad_keras2.15.h5", func(m *Model) {
			m.Layer("re_lu").Config = &ReLU{}
			m.Layer("re_lu").ClassName = "ReLU"
		}, "re_lu", "class ReLU receives a quantized tensor but is not a quantizeml layer the recording knows; quantizeml puts a Dequantizer before float layers: re-quantize the model"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := edit(t, c.file, c.edit)
			var re *QMLRecordError
			if !errors.As(err, &re) {
				t.Fatalf("error %v, want a *QMLRecordError", err)
			}
			if re.Layer != c.layer || re.Err.Error() != c.msg {
				t.Errorf("layer %q error %q\nwant layer %q error %q", re.Layer, re.Err, c.layer, c.msg)
			}
			if !strings.HasPrefix(err.Error(), `layer "`+c.layer+`" (`) {
				t.Errorf("error %q does not name the layer first", err)
			}
		})
	}
}

// Layers fed by a Dequantizer are the model's float head: not recorded.
func TestRecordStopsAfterDequantizer(t *testing.T) {
	m := loadQML(t, "qml_input_pad_keras2.15.h5")
	m.Layers = append(m.Layers, &Layer{Name: "softmax", ClassName: "Softmax", Config: &Softmax{Axis: []int{-1}}, Inbound: []string{"dequantizer"}, InboundNodes: 1})
	rec, err := RecordQuantizeML(m)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Layer("softmax") != nil || rec.Layer("dequantizer") == nil || len(rec.Layers) != 6 {
		t.Errorf("records %d, softmax %v", len(rec.Layers), rec.Layer("softmax"))
	}
}

func equalQTensor(a, b QTensor) bool {
	return a.ValueBits == b.ValueBits && a.Signed == b.Signed && slices.Equal(a.Frac, b.Frac) && slices.Equal(a.Scales, b.Scales)
}

// qml_transpose_concat: float (2,2,1) → signed InputQuantizer → conv_t
// (Conv2DTranspose 3x3/2, OQ) → conv_c (1x1, OQ) → concatenate(conv_t,
// conv_c) → dw_t (DepthwiseConv2DTranspose 4x4/2, per-tensor weights) →
// dequantizer.
func TestRecordTransposeConcat(t *testing.T) {
	rec := recordQML(t, "qml_transpose_concat_keras2.15.h5")
	// InputQuantizer: range 1 → F = 7.
	if got := rec.Layer("input_quantizer").Output; !equalQTensor(got, QTensor{ValueBits: 7, Signed: true, Frac: ints(7)}) {
		t.Errorf("input_quantizer %+v", got)
	}
	ct := rec.Layer("conv_t")
	// The (3, 3, filters 2, in 1) kernel is recorded as (3, 3, 1, 2),
	// quantized per filter (the last axis): scales 2^−6, 2^−7.
	checkWeights(t, ct, 3, -97, 1243, []int8{127, -127, -26, 15, 39, -85, 88, -12}, []int{6, 7})
	if !slices.Equal(ct.Weights.Shape, ints(3, 3, 1, 2)) {
		t.Errorf("conv_t weights shape %v, want (3, 3, 1, 2)", ct.Weights.Shape)
	}
	// F_acc = 7: 0.1·64 = 6.4, clog2 3, f = 4, round(102.4) = 102, shift 3;
	// −0.2·128 = −25.6, clog2 5, f = 2, −102, shift 5. OQ R = 2 → F_out =
	// 6; qs 255 (powers of two), f_s 14, 15 → sh = 6 − 21, 6 − 22.
	if !slices.Equal(ct.Bias, []int32{102, -102}) || !slices.Equal(ct.BiasShift, ints(3, 5)) ||
		!slices.Equal(ct.OutputQuantizer.Shift, ints(-15, -16)) || !slices.Equal(ct.OutputQuantizer.Scales, ints(255, 255)) {
		t.Errorf("conv_t bias %v %v OQ %+v", ct.Bias, ct.BiasShift, ct.OutputQuantizer)
	}
	// conv_c: F_acc 6, S 2^−7 → f_s 15; R = 0.9 → F_out = 7; sh = 7 − 21.
	if cc := rec.Layer("conv_c"); !slices.Equal(cc.OutputQuantizer.Shift, ints(-14)) || !slices.Equal(cc.Output.Frac, ints(7)) {
		t.Errorf("conv_c OQ %+v output %+v", cc.OutputQuantizer, cc.Output)
	}
	// The concatenation keeps each channel's frac bits: 6, 6, 7.
	if got := rec.Layer("concatenate").Output; !equalQTensor(got, QTensor{ValueBits: 7, Signed: true, Frac: ints(6, 6, 7)}) {
		t.Errorf("concatenate %+v", got)
	}
	// DepthwiseConv2DTranspose aligns its per-axis input (unlike
	// DepthwiseConv2D): input_shift 1, 1, 0, F = 7. Per-tensor weights
	// (axis None): one scale 2^−7. Bias: 0.05·128 = 6.4 → 102, shift 3; 0;
	// −102, shift 3.
	dw := rec.Layer("dw_t")
	checkWeights(t, dw, -1, 446, 3580, []int8{127, -127, 127, 82, 24, -54, 78, 38}, []int{7})
	if !slices.Equal(dw.InputShift, ints(1, 1, 0)) || !slices.Equal(dw.Bias, []int32{102, 0, -102}) || !slices.Equal(dw.BiasShift, ints(3, 0, 3)) {
		t.Errorf("dw_t input shift %v bias %v %v", dw.InputShift, dw.Bias, dw.BiasShift)
	}
	if d := rec.Layer("dequantizer"); !slices.Equal(d.DequantizerScales, []float32{QMLPow2(-14)}) {
		t.Errorf("dequantizer scales %v", d.DequantizerScales)
	}
}

// A per-axis tensor entering a QuantizedFlatten is aligned by the
// Flatten itself (spec §2.7): with the activation's OQ per-axis,
// R = (4, 1) → F = (5, 7), the Flatten records shifts (2, 0) and gives
// F = 7 to the Dense, which records none.
func TestRecordFlattenAlignsPerAxis(t *testing.T) {
	m := loadQML(t, "qml_lut_unsigned_keras2.15.h5")
	act := m.Layer("activation")
	act.Config.(*QMLActivation).OutputQuantizer.PerAxis = true
	act.Weight("output_quantizer/range_max").Values = []float32{4, 1}
	act.Weight("output_quantizer/rescaling_rate").Values = []float32{1, 1}
	rec, err := RecordQuantizeML(m)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Layer("activation").Output.Frac; !slices.Equal(got, ints(5, 7)) {
		t.Fatalf("activation frac %v, want [5 7]", got)
	}
	flat := rec.Layer("flatten")
	if !slices.Equal(flat.InputShift, ints(2, 0)) || !equalQTensor(flat.Output, QTensor{ValueBits: 7, Signed: true, Frac: ints(7)}) {
		t.Errorf("flatten input shift %v output %+v", flat.InputShift, flat.Output)
	}
	if d := rec.Layer("dense"); d.InputShift != nil || !slices.Equal(d.Raw.Frac, ints(7)) {
		t.Errorf("dense input shift %v accumulator %+v", d.InputShift, d.Raw)
	}
}

// Choice castFloat: a float model input reaching a quantized layer other
// than an InputQuantizer is taken as uint8 (quantizeml casts it to the
// context's input_dtype, uint8 by default).
func TestRecordFloatInputCastToUint8(t *testing.T) {
	m := loadQML(t, "qml_input_pad_keras2.15.h5")
	m.Layer("input_1").Config.(*InputLayer).Dtype = "float32"
	rec, err := RecordQuantizeML(m)
	if err != nil {
		t.Fatal(err)
	}
	if in := rec.Layer("input_1").Output; !in.IsFloat() {
		t.Errorf("float input described as %+v", in)
	}
	if got := rec.Layer("rescaling").Output; !equalQTensor(got, QTensor{ValueBits: 8, Frac: ints(0), Scales: []float32{float32(1 / 127.5)}}) {
		t.Errorf("rescaling output %+v, want the uint8 description with scale 1/127.5", got)
	}
}

// Choice recordConcatenate: equal frac bits collapse to one (per-tensor)
// and the value bits are the widest input's.
func TestRecordConcatenateCollapses(t *testing.T) {
	m := loadQML(t, "qml_transpose_concat_keras2.15.h5")
	m.Layer("conv_c").Weight("output_quantizer/range_max").Values[0] = 1.5 // F_out = 6, as conv_t's
	rec, err := RecordQuantizeML(m)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Layer("concatenate").Output; !equalQTensor(got, QTensor{ValueBits: 7, Signed: true, Frac: ints(6)}) {
		t.Errorf("concatenate %+v, want one frac bit 6", got)
	}
	if dw := rec.Layer("dw_t"); dw.InputShift != nil {
		t.Errorf("dw_t input shift %v for a per-tensor input", dw.InputShift)
	}
}

func TestRecordRefusesBitWidths(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(m *Model)
		layer string
		msg   string
	}{
		{"scale bits", func(m *Model) { m.Layer("re_lu").Config.(*QMLReLU).OutputQuantizer.ScaleBits = 60 },
			"re_lu", "output_quantizer scale_bits is 60; quantizeml quantizers use 1 to 24 bits: fix the quant_config"},
		{"output bits", func(m *Model) { m.Layer("re_lu").Config.(*QMLReLU).OutputQuantizer.Bitwidth = 0 },
			"re_lu", "output_quantizer bitwidth is 0; quantizeml quantizers use 1 to 32 bits: fix the quant_config"},
		{"buffer", func(m *Model) { m.Layer("conv2d").Config.(*QMLConv2D).BufferBitwidth = -3 },
			"conv2d", "buffer_bitwidth is -3; quantizeml quantizers use 1 to 64 bits: fix the quant_config"},
		{"bias bits", func(m *Model) {
			m.Layer("conv2d").Config.(*QMLConv2D).BiasQuantizer = &QMLQuantizer{Bitwidth: 40, Signed: true}
		}, "conv2d", "bias quantizer bitwidth is 40; quantizeml quantizers use 1 to 32 bits: fix the quant_config"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := loadQML(t, "qml_input_pad_keras2.15.h5")
			c.edit(m)
			_, err := RecordQuantizeML(m)
			var re *QMLRecordError
			if !errors.As(err, &re) || re.Layer != c.layer || re.Err.Error() != c.msg {
				t.Errorf("error %v, want layer %q: %s", err, c.layer, c.msg)
			}
		})
	}
}
