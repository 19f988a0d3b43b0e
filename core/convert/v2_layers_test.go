package convert

import (
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
)

// Each Akida 2.0 layer kind of conversion-v2.md §2, on the v2_* models of
// testdata/quantizeml: parameters, inbounds and every variable, worked out
// by hand with the quantizer arithmetic of §4.4. Notation:
//
//	kernels are k·2^−e per quantization channel with one |k| = 127, so the
//	weight scale is S_w = 2^−e and the integer weights are k;
//	clog2(x) = ceil(log2 x); mfb(vb, r) = min(vb − clog2(r), vb);
//	bias: f_b = min(mfb(7, |β|/S_acc), F_acc), β_int = round(β/S_acc·2^f_b),
//	bias_shift = F_acc − f_b;
//	ReLU max_value M: f_m = min(mfb(8, M/S), F), m = round(M/S·2^f_m),
//	max_value_shift = F − f_m;
//	output quantizer (range R, rate ρ, b bits): S' = S·ρ, f_s = 8 − clog2(S'),
//	scale = round(S'·2^f_s) (256 saturates to 255), F_out = mfb(b − 1, R),
//	output_shift = F_out − (F_in + f_s).
//
// Every test also cross-checks all variables against keras.RecordQuantizeML
// (crossCheckRecord).

// params builds a parameter map from key, value pairs.
func params(kv ...any) map[string]int32 {
	out := map[string]int32{}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = int32(kv[i+1].(int))
	}
	return out
}

// The parameters every layer of a kind has, and the variations.
func inputDataParams(w, h, c int) map[string]int32 {
	return params("input_width", w, "input_height", h, "input_channels", c, "input_bits", 8, "input_signed", 1)
}

func convParams(filters, kernel int, act akida.ActivationType, outputBits int, more ...any) map[string]int32 {
	p := params("kernel_size", kernel, "kernel_stride", 1, "padding", int(akida.Same), "pool_type", int(akida.NoPooling),
		"pool_size", -1, "pool_stride", -1, "activation", int(act), "output_bits", outputBits, "buffer_bits", 28,
		"post_op_buffer_bits", 32, "weights_bits", 8)
	if filters > 0 {
		p["filters"] = int32(filters)
	}
	for k, v := range params(more...) {
		p[k] = v
	}
	return p
}

func dense1DParams(units int, act akida.ActivationType) map[string]int32 {
	return params("units", units, "activation", int(act), "buffer_bits", 28, "weights_bits", 8, "output_bits", 8,
		"post_op_buffer_bits", 32)
}

// InputData from the model input (conversion-v2.md §2.1 case a): a signed
// int8 vector (3,) is left-padded to (1, 1, 3), 8 bits, signed. Dense1D
// with a bounded ReLU (§2.7). A Softmax after the Dequantizer is dropped
// with cnn2snn's warning (§1.4).
func TestV2InputDataDenseReLU(t *testing.T) {
	m, am, r := convertQML(t, "v2_dense_int8", Options{})
	// int8 input: FixedPoint, 7 value bits, F = 0. dense: S_w = 2^−7,
	// 2^−6 → accumulator F = 0, S = 2^−7, 2^−6.
	//   bias 1.5:  1.5·2^7 = 192, clog2 8, mfb −1, f_b = min(−1, 0) = −1 → round(96) = 96, shift 1
	//   bias −0.1: 0.1·2^6 = 6.4, clog2 3, mfb 4, f_b = min(4, 0) = 0 → round(−6.4) = −6, shift 0
	// ReLU max 6: 6·2^7 = 768, clog2 10, mfb(8) = −2, f_m = −2 → 768/4 = 192, shift 0 + 2 = 2;
	//   6·2^6 = 384, clog2 9, f_m = −1 → 192, shift 1.
	// Output quantizer R = 1, ρ = 1.5: S' = 1.5·2^−7 (clog2 −6, f_s 14),
	//   1.5·2^−6 (f_s 13); scale = 1.5·128 = 192; F_out = mfb(7, 1) = 7;
	//   shift 7 − 14 = −7, 7 − 13 = −6.
	// Dequantizer: its input is a FixedPoint with F = 7: 2^−7.
	expectAkidaLayers(t, am, []wantLayer{
		{name: "input_1", kind: akida.InputData, params: inputDataParams(1, 1, 3)},
		{name: "dense", kind: akida.Dense1D, inbounds: []string{"input_1"}, params: dense1DParams(2, akida.ReLU),
			vars: map[string][]float64{
				"weights": f64s(127, -127, -40, 64, 10, 5), // Keras (in, units) as is
				"bias":    f64s(96, -6), "bias_shift": f64s(1, 0),
				"max_value": f64s(192, 192), "max_value_shift": f64s(2, 1),
				"output_scales": f64s(192, 192), "output_shift": f64s(-7, -6)}},
		{name: "dequantizer", kind: akida.Dequantizer, inbounds: []string{"dense"},
			vars: map[string][]float64{"scales": fill(2, 1.0/128)}},
	})
	crossCheckRecord(t, m, am, r)
	want := "Conversion stops  at layer re_lu because of a dequantizer. The end of the model is ignored:\n " +
		"___________________________________________________\nLayer (type)\n" +
		"===================================================\nsoftmax (Softmax)\n" +
		"===================================================\n. \n This can be expected for model heads " +
		"(e.g. softmax for classification) but could also mean that processing layers were not quantized."
	if !slices.Equal(r.Warnings, []string{want}) {
		t.Errorf("warnings %q, want %q", r.Warnings, want)
	}
}

// An input scaling given with a quantizeml model is ignored with cnn2snn's
// warning (conversion-v2.md §1.1), before the split's own warning.
func TestV2InputScalingWarning(t *testing.T) {
	_, am, r := convertQML(t, "v2_dense_int8", Options{InputScaling: scaling(2, 1)})
	if len(r.Warnings) != 2 || r.Warnings[0] != "Cannot use input_scaling parameter when converting QuantizeML models to Akida. Continuing execution without this parameter." ||
		r.InputScaling != nil || len(am.Layers) != 3 {
		t.Errorf("warnings %q, input scaling %v", r.Warnings, r.InputScaling)
	}
}

// A signed per-axis Quantizer (§2.2), the InputData cnn2snn adds after it
// (§2.1 case b) and a Conv2D whose per-axis input is shifted (§2.4).
func TestV2SignedQuantizerConv2DInputShift(t *testing.T) {
	m, am, r := convertQML(t, "v2_quantizer_signed", Options{})
	// InputQuantizer: signed, 7 value bits, per axis: range = max(|min|,
	// |max|) = 1, 3 → F = mfb(7, 1) = 7, mfb(7, 3) = 5; scales 2^F.
	// conv2d: its input F = 7, 5 is aligned on 7: input_shift 0, 2;
	// accumulator F = 7, S = 2^−6, 2^−7.
	//   bias 0.3:  0.3·64 = 19.2, clog2 5, mfb 2, f_b = 2 → round(76.8) = 77, shift 7 − 2 = 5
	//   bias −0.7: 0.7·128 = 89.6, clog2 7, mfb 0, f_b = 0 → round(−89.6) = −90, shift 7
	// Output quantizer R = 2, ρ = 1.25: S' = 1.25·2^−6 (clog2 −5, f_s 13),
	//   1.25·2^−7 (f_s 14); scale 1.25·128 = 160; F_out = mfb(7, 2) = 6;
	//   shift 6 − (7 + 13) = −14, 6 − (7 + 14) = −15.
	// The Keras 2×2 kernel (ky, kx, in, out) flipped on both spatial axes:
	// position (0,0) takes (1,1) = [−13 14 15 16], (0,1) takes (1,0), etc.
	expectAkidaLayers(t, am, []wantLayer{
		{name: "input_quantizer", kind: akida.Quantizer, params: params("input_width", 2, "input_height", 2,
			"input_channels", 2, "output_bits", 8, "output_signed", 1, "channels_first", 0),
			vars: map[string][]float64{"scales": f64s(128, 32)}},
		{name: "input_data", kind: akida.InputData, inbounds: []string{"input_quantizer"}, params: inputDataParams(2, 2, 2)},
		{name: "conv2d", kind: akida.Conv2D, inbounds: []string{"input_data"}, params: convParams(2, 2, akida.NoActivation, 8),
			vars: map[string][]float64{
				"weights": f64s(-13, 14, 15, 16, 9, 10, 11, -127, 5, -6, 7, 8, 127, 20, -3, 4),
				"bias":    f64s(77, -90), "bias_shift": f64s(5, 7), "input_shift": f64s(0, 2),
				"output_scales": f64s(160, 160), "output_shift": f64s(-14, -15)}},
		{name: "dequantizer", kind: akida.Dequantizer, inbounds: []string{"conv2d"},
			vars: map[string][]float64{"scales": fill(2, 1.0/64)}}, // F = 6
	})
	crossCheckRecord(t, m, am, r)
	// The report shows the inserted InputData with the Quantizer's output.
	want := []compat.Block{
		{AkidaLayer: "input_quantizer", AkidaType: "Quantizer", KerasLayers: []string{"input_1", "input_quantizer"}, OutputShape: []int{2, 2, 2}},
		{AkidaLayer: "input_data", AkidaType: "InputData", KerasLayers: []string{}, OutputShape: []int{2, 2, 2}, ActivationBits: 8},
		{AkidaLayer: "conv2d", AkidaType: "Conv2D", KerasLayers: []string{"conv2d"}, OutputShape: []int{2, 2, 2}, WeightBits: 8, ActivationBits: 8},
		{AkidaLayer: "dequantizer", AkidaType: "Dequantizer", KerasLayers: []string{"dequantizer"}, OutputShape: []int{2, 2, 2}},
	}
	if !slices.EqualFunc(r.Blocks, want, blockEqual) {
		t.Errorf("blocks:\n got %+v\nwant %+v", r.Blocks, want)
	}
}

// An unsigned per-axis Quantizer with zero points (§2.2) and a 1×1 Conv2D
// with a per-axis output quantizer.
func TestV2UnsignedQuantizerZeroPoints(t *testing.T) {
	m, am, r := convertQML(t, "v2_quantizer_unsigned", Options{})
	// InputQuantizer: unsigned, 8 value bits: range = max − min = 2, 0.25
	// → F = mfb(8, 2) = 7, mfb(8, 0.25) = min(8 + 2, 8) = 8; zero points
	// round(−min·2^F) = round(0.5·128) = 64, 0. Output signed 0; the
	// InputData after it has 8 bits, hence input_signed 1 (§2.1).
	// conv2d: input F = 7, 8 (a QFloat of scale 1) aligned on 8: shift 1, 0;
	// accumulator F = 8, S = 2^−7.
	//   bias 0.1: 0.1·128 = 12.8, clog2 4, mfb 3, f_b = min(3, 8) = 3 → round(102.4) = 102, shift 5
	//   bias 0:   f_b = min(7, 8) = 7 → 0, shift 1
	// Per-axis output quantizer R = 1, 4: F_out = 7, 5; S' = 2^−7, f_s = 15,
	//   scale 2^−7·2^15 = 256 → 255; shift 7 − 23 = −16, 5 − 23 = −18.
	// Dequantizer: per-axis FixedPoint F = 7, 5: 2^−7, 2^−5.
	expectAkidaLayers(t, am, []wantLayer{
		{name: "input_quantizer", kind: akida.Quantizer, params: params("input_width", 2, "input_height", 2,
			"input_channels", 2, "output_bits", 8, "output_signed", 0, "channels_first", 0),
			vars: map[string][]float64{"scales": f64s(128, 256), "zero_points": f64s(64, 0)}},
		{name: "input_data", kind: akida.InputData, inbounds: []string{"input_quantizer"}, params: inputDataParams(2, 2, 2)},
		{name: "conv2d", kind: akida.Conv2D, inbounds: []string{"input_data"}, params: convParams(2, 1, akida.NoActivation, 8),
			vars: map[string][]float64{
				"weights": f64s(127, 30, -50, -127), // 1×1: flipping changes nothing
				"bias":    f64s(102, 0), "bias_shift": f64s(5, 1), "input_shift": f64s(1, 0),
				"output_scales": f64s(255, 255), "output_shift": f64s(-16, -18)}},
		{name: "dequantizer", kind: akida.Dequantizer, inbounds: []string{"conv2d"},
			vars: map[string][]float64{"scales": f64s(1.0/128, 1.0/32)}},
	})
	crossCheckRecord(t, m, am, r)
}

// InputConv2D after an unsigned per-tensor Quantizer (the input pattern
// Conv > Activation, §1.5): a padding value, a LUT activation (§2.3, §4.4
// items 6–7), weights not flipped.
func TestV2InputConv2DPaddingValueLUT(t *testing.T) {
	m, am, r := convertQML(t, "v2_inputconv_pad_lut", Options{})
	// InputQuantizer: unsigned, range 2 → F = 7, zero point 128; its output
	// is a QFloat of scale 1.
	// Padding value 1.5 on (S = 1, F = 7), with the 8-bit weight quantizer
	// (7 value bits): clog2(1.5) = 1, mfb(7) = 6, f = min(6, 7) = 6 →
	// round(1.5·64) = 96, shifted by F − f = 1: 192.
	// conv2d accumulator F = 7, S = 2^−6, 2^−7:
	//   bias 0.05: 0.05·64 = 3.2, clog2 2, mfb 5, f_b 5 → round(102.4) = 102, shift 2
	//   bias −0.3: 0.3·128 = 38.4, clog2 6, mfb 1, f_b 1 → round(−76.8) = −77, shift 6
	// Its 11-bit output quantizer (10 value bits) gives the LUT input:
	//   R = 4 → F_out = 10 − 2 = 8; S' = 2^−6, 2^−7 → f_s 14, 15, scale 255;
	//   activation_shift 8 − 21 = −13, 8 − 22 = −14.
	// LUT: leaky_relu α = 0.25 on x = i/256, i ∈ [−1024, 1023]: max|y| =
	//   1023/256, s = (1023/256)/8191, table[i] = round(y/s):
	//   i ≥ 0: i·8191/1023 (i = 1 → 8.007 → 8, 128 → 1024.9 → 1025,
	//   256 → 2049.8 → 2050, 1023 → 8191); i < 0: ¼ of that
	//   (−1 → −2.0 → −2, −128 → −256.2 → −256, −1024 → −2049.8 → −2050).
	// The activation's output quantizer sees (13 value bits, F = 0, S = s):
	//   clog2(s = 4.8786e−4) = −11, f_s = 19, scale round(255.78) = 256 →
	//   255; R = 2 → F_out = 6; shift 6 − 19 = −13 (per tensor: one value
	//   broadcast to both channels).
	expectAkidaLayers(t, am, []wantLayer{
		{name: "input_quantizer", kind: akida.Quantizer, params: params("input_width", 3, "input_height", 3,
			"input_channels", 1, "output_bits", 8, "output_signed", 0, "channels_first", 0),
			vars: map[string][]float64{"scales": f64s(128), "zero_points": f64s(128)}},
		// No InputData: the block is an input pattern, fed by the Quantizer.
		{name: "conv2d", kind: akida.InputConv2D, inbounds: []string{"input_quantizer"},
			params: convParams(2, 3, akida.LUT, 8, "input_x", 3, "input_y", 3, "input_channels", 1), // Same: the padding value
			vars: map[string][]float64{
				"weights": f64s(127, -127, 0, 1, -10, 2, 20, 3, -30, 4, 40, 5, 0, 6, 5, 7, -6, 8), // not flipped
				"bias":    f64s(102, -77), "bias_shift": f64s(2, 6), "padding_value": f64s(192),
				"activation_scales": f64s(255, 255), "activation_shift": f64s(-13, -14),
				"output_scales": f64s(255, 255), "output_shift": f64s(-13, -13)},
			// table index = input + 1024
			spot: map[string]map[int]float64{"lut_values": {1025: 8, 1152: 1025, 1280: 2050, 2047: 8191, 1024: 0,
				1023: -2, 896: -256, 0: -2050}}},
		{name: "dequantizer", kind: akida.Dequantizer, inbounds: []string{"conv2d"},
			vars: map[string][]float64{"scales": fill(2, 1.0/64)}},
	})
	crossCheckRecord(t, m, am, r) // the whole table against the recording
}

// InputConv2D on a uint8 image (the input pattern Conv > MaxPool > ReLU):
// no inbound, max pooling whose padding the layer takes, padding value 0
// per input channel (§2.3).
func TestV2InputConv2DMaxPool(t *testing.T) {
	m, am, r := convertQML(t, "v2_inputconv_pool", Options{})
	// uint8 input: FixedPoint, F = 0; S_w = 2^−7, 2^−8.
	//   bias 1.5:  192, f_b = −1 → 96, shift 1
	//   bias −0.2: 0.2·256 = 51.2, clog2 6, mfb 1, f_b = min(1, 0) = 0 → −51, shift 0
	// Unbounded ReLU: no max_value (V3). Output quantizer R = 3, ρ = 1.5:
	//   S' = 1.5·2^−7, 1.5·2^−8 → f_s 14, 15, scale 192; F_out = mfb(7, 3) = 5;
	//   shift 5 − 14 = −9, 5 − 15 = −10.
	// The seeded 3×3×3×2 kernel (the script prints its integers).
	expectAkidaLayers(t, am, []wantLayer{
		{name: "conv2d", kind: akida.InputConv2D, params: convParams(2, 3, akida.ReLU, 8, "input_x", 4, "input_y", 4,
			"input_channels", 3, "pool_type", int(akida.MaxPooling), "pool_size", 2, "pool_stride", 2),
			vars: map[string][]float64{"bias": f64s(96, -51), "bias_shift": f64s(1, 0), "padding_value": f64s(0, 0, 0),
				"output_scales": f64s(192, 192), "output_shift": f64s(-9, -10)},
			sums: map[string]sums{"weights": {sum: -347, abs: 3531, first: f64s(127, -127, 99, -12, -28, -50, 37, 45)}}},
		{name: "dequantizer", kind: akida.Dequantizer, inbounds: []string{"conv2d"},
			vars: map[string][]float64{"scales": fill(2, 1.0/32)}},
	})
	crossCheckRecord(t, m, am, r)
}

// Conv2D with a LUT activation whose output quantizer is per axis, then a
// Conv2D that shifts that per-axis input and pools globally after its
// ReLU (§2.4).
func TestV2Conv2DLUTAndGAP(t *testing.T) {
	m, am, r := convertQML(t, "v2_conv_lut_gap", Options{})
	// conv_a (no bias): F = 0, S = 2^−7, 2^−6. 11-bit output quantizer
	//   R = 8 → F_out = 10 − 3 = 7; f_s 15, 14, scale 255; activation_shift
	//   7 − 15 = −8, 7 − 14 = −7.
	// LUT: leaky_relu α = 0.5 on x = i/128: max|y| = 1023/128,
	//   table[i] = i·8191/1023 for i ≥ 0, half of it below (i = 1 → 8,
	//   −1 → −4, −4 → −16, −128 → −512.4 → −512, 1023 → 8191).
	// The activation's per-axis output quantizer R = 2, 1: F_out = 6, 7;
	//   S' = s = (1023/128)/8191 = 9.757e−4: clog2 −10, f_s 18, scale
	//   round(255.78) → 255 (one, broadcast); shift 6 − 18 = −12, 7 − 18 = −11.
	// conv_b: its input F = 6, 7 aligned on 7: input_shift 1, 0; S = 2^−7;
	//   bias 0.3: 38.4, clog2 6, mfb 1, f_b = min(1, 7) = 1 → round(76.8) = 77, shift 6.
	// GAP over 2×2 after the unbounded ReLU: S/4 = 2^−9; R = 4 → F_out = 5;
	//   f_s = 17, scale 256 → 255; shift 5 − (7 + 17) = −19.
	expectAkidaLayers(t, am, []wantLayer{
		{name: "input_1", kind: akida.InputData, params: inputDataParams(2, 2, 1)},
		{name: "conv_a", kind: akida.Conv2D, inbounds: []string{"input_1"}, params: convParams(2, 1, akida.LUT, 8),
			vars: map[string][]float64{"weights": f64s(127, -127),
				"activation_scales": f64s(255, 255), "activation_shift": f64s(-8, -7),
				"output_scales": f64s(255, 255), "output_shift": f64s(-12, -11)},
			spot: map[string]map[int]float64{"lut_values": {1025: 8, 1023: -4, 1020: -16, 896: -512, 2047: 8191, 1024: 0}}},
		{name: "conv_b", kind: akida.Conv2D, inbounds: []string{"conv_a"},
			params: convParams(1, 1, akida.ReLU, 8, "pool_type", int(akida.AveragePooling)), // size, stride −1: global
			vars: map[string][]float64{"weights": f64s(127, -64), "bias": f64s(77), "bias_shift": f64s(6),
				"input_shift": f64s(1, 0), "output_scales": f64s(255), "output_shift": f64s(-19)}},
		{name: "dequantizer", kind: akida.Dequantizer, inbounds: []string{"conv_b"},
			vars: map[string][]float64{"scales": f64s(1.0 / 32)}},
	})
	crossCheckRecord(t, m, am, r)
}

// DepthwiseConv2D (§2.5) on a per-axis input: no input shift (quantizeml
// does not align depthwise inputs), per-channel frac bits, flipped
// weights, bounded ReLU.
func TestV2DepthwiseConv2D(t *testing.T) {
	m, am, r := convertQML(t, "v2_depthwise", Options{})
	// conv2d (1×1, no bias): F = 0, S = 2^−7; per-axis output quantizer
	//   R = 1, 4 → F_out 7, 5; f_s 15, scale 255; shift −8, −10.
	// depthwise: input F = 7, 5 kept per channel; S = 2^−6, 2^−7.
	//   bias 0.2:  0.2·64 = 12.8, clog2 4, mfb 3, f_b = min(3, 7) = 3 → round(102.4) = 102, shift 7 − 3 = 4
	//   bias −0.1: 0.1·128 = 12.8, f_b = min(3, 5) = 3 → −102, shift 5 − 3 = 2
	// ReLU max 6: 6·64 = 384, clog2 9, f_m = min(−1, 7) = −1 → 192, shift 7 + 1 = 8;
	//   6·128 = 768, clog2 10, f_m = min(−2, 5) = −2 → 192, shift 5 + 2 = 7.
	// Output quantizer R = 2: F_out = 6; f_s 14, 15, scale 255;
	//   shift 6 − (7 + 14) = −15, 6 − (5 + 15) = −14.
	// Kernels: c0 [[127 1 2] [3 4 5] [6 7 8]], c1 [[−127 −1 0] [10 20 30]
	// [−40 50 −60]], flipped: c0 [[8 7 6] [5 4 3] [2 1 127]], c1 [[−60 50 −40]
	// [30 20 10] [0 −1 −127]], stored (ky, kx, c, 1).
	expectAkidaLayers(t, am, []wantLayer{
		{name: "input_1", kind: akida.InputData, params: inputDataParams(3, 3, 2)},
		{name: "conv2d", kind: akida.Conv2D, inbounds: []string{"input_1"}, params: convParams(2, 1, akida.NoActivation, 8),
			vars: map[string][]float64{"weights": f64s(127, 0, 0, -127), "output_scales": f64s(255, 255), "output_shift": f64s(-8, -10)}},
		{name: "depthwise", kind: akida.DepthwiseConv2D, inbounds: []string{"conv2d"}, params: convParams(0, 3, akida.ReLU, 8),
			vars: map[string][]float64{
				"weights": f64s(8, -60, 7, 50, 6, -40, 5, 30, 4, 20, 3, 10, 2, 0, 1, -1, 127, -127),
				"bias":    f64s(102, -102), "bias_shift": f64s(4, 2),
				"max_value": f64s(192, 192), "max_value_shift": f64s(8, 7),
				"output_scales": f64s(255, 255), "output_shift": f64s(-15, -14)}},
		{name: "dequantizer", kind: akida.Dequantizer, inbounds: []string{"depthwise"},
			vars: map[string][]float64{"scales": fill(2, 1.0/64)}},
	})
	crossCheckRecord(t, m, am, r)
}

// Conv2DTranspose and DepthwiseConv2DTranspose (§2.6): no padding or
// stride parameters, weights not flipped, the Conv2DTranspose kernel
// recorded (h, w, in, filters); a per-axis input shifted by the depthwise
// transpose; no output quantizer on the last one (output_bits =
// buffer_bits).
func TestV2TransposedConvolutions(t *testing.T) {
	m, am, r := convertQML(t, "v2_transpose", Options{})
	// conv_t: F = 0, S = 2^−6, 2^−7 (per filter).
	//   bias 3.0:   3·64 = 192, clog2 8, f_b = −1 → 96, shift 1
	//   bias −0.05: 0.05·128 = 6.4, clog2 3, mfb 4, f_b = min(4, 0) = 0 → −6, shift 0
	// ReLU (unbounded) with a per-axis output quantizer R = 4, 2, ρ = 1.5, 1:
	//   S' = 1.5·2^−6 (clog2 −5, f_s 13, scale 192), 2^−7 (f_s 15, 256 → 255);
	//   F_out = 5, 6; shift 5 − 13 = −8, 6 − 15 = −9.
	// dw_t: input F = 5, 6 aligned on 6: input_shift 1, 0; per-tensor
	//   weights S = 2^−7; bias 0.05: 6.4, f_b = min(4, 6) = 4 → round(102.4) = 102,
	//   shift 2; bias 0: f_b = min(7, 6) = 6 → 0, shift 0.
	// Dequantizer: the accumulator (F = 6, S = 2^−7): 2^−13.
	// conv_t's Keras kernel is (ky, kx, filters, in = 1); with one input
	// channel the recorded (ky, kx, in, filters) layout has the same order.
	expectAkidaLayers(t, am, []wantLayer{
		{name: "input_1", kind: akida.InputData, params: inputDataParams(2, 2, 1)},
		{name: "conv_t", kind: akida.Conv2DTranspose, inbounds: []string{"input_1"},
			params: params("filters", 2, "kernel_size", 3, "activation", int(akida.ReLU), "output_bits", 8, "buffer_bits", 28,
				"post_op_buffer_bits", 32, "weights_bits", 8),
			vars: map[string][]float64{
				"weights": f64s(127, 10, -1, 20, 2, 30, -3, 40, 4, -127, -5, 60, 6, 70, -7, 80, 8, 90),
				"bias":    f64s(96, -6), "bias_shift": f64s(1, 0),
				"output_scales": f64s(192, 255), "output_shift": f64s(-8, -9)}},
		{name: "dw_t", kind: akida.DepthwiseConv2DTranspose, inbounds: []string{"conv_t"},
			params: params("kernel_size", 4, "activation", int(akida.NoActivation), "output_bits", 28, "buffer_bits", 28,
				"post_op_buffer_bits", 32, "weights_bits", 8),
			vars: map[string][]float64{"bias": f64s(102, 0), "bias_shift": f64s(2, 0), "input_shift": f64s(1, 0)},
			sums: map[string]sums{"weights": {sum: 613, abs: 2007, first: f64s(127, -48, 109, 62, -79, -74, 39, 4)}}},
		{name: "dequantizer", kind: akida.Dequantizer, inbounds: []string{"dw_t"},
			vars: map[string][]float64{"scales": fill(2, 1.0/8192)}},
	})
	crossCheckRecord(t, m, am, r)
	for name, shape := range map[string][]int{"conv_t": {4, 4, 2}, "dw_t": {8, 8, 2}} {
		if out, err := am.LayerOutputShape(name); err != nil || !slices.Equal(out[:], shape) {
			t.Errorf("%s output %v %v, want %v", name, out, err, shape)
		}
	}
}

// Add (§2.8: input shifts per channel, an output shift, no scales),
// Concatenate (§2.9) and a Dequantizer on its per-tensor result (§2.10);
// both branches read the InputData cnn2snn adds for the model input.
func TestV2AddConcatenate(t *testing.T) {
	m, am, r := convertQML(t, "v2_add_concat", Options{})
	// conv_a: per-axis output quantizer R = 1, 2 → F = 7, 6 (f_s 15,
	//   scale 255, shift 7 − 15 = −8, 6 − 15 = −9).
	// conv_b: per-tensor R = 4 → F = 5 (S = 2^−7, 2^−6: f_s 15, 14;
	//   shift 5 − 15 = −10, 5 − 14 = −9).
	// add: F* = max(F_a, F_b) = 7, 6: a_shift 0, 0; b_shift 2, 1; its
	//   output quantizer (R = 4 → F_out 5) on a FixedPoint: shift
	//   5 − 7 = −2, 5 − 6 = −1; buffer 32 bits.
	// concatenate(add, conv_b): F = 5 everywhere → Dequantizer 2^−5 × 4.
	expectAkidaLayers(t, am, []wantLayer{
		{name: "input_1", kind: akida.InputData, params: inputDataParams(2, 2, 2)},
		{name: "conv_a", kind: akida.Conv2D, inbounds: []string{"input_1"}, params: convParams(2, 1, akida.NoActivation, 8),
			vars: map[string][]float64{"weights": f64s(127, 3, -5, -127), "output_scales": f64s(255, 255), "output_shift": f64s(-8, -9)}},
		{name: "conv_b", kind: akida.Conv2D, inbounds: []string{"input_1"}, params: convParams(2, 1, akida.NoActivation, 8),
			vars: map[string][]float64{"weights": f64s(-127, 9, 11, 127), "output_scales": f64s(255, 255), "output_shift": f64s(-10, -9)}},
		{name: "add", kind: akida.Add, inbounds: []string{"conv_a", "conv_b"},
			params: params("buffer_bits", 32, "output_bits", 8, "post_op_buffer_bits", 32),
			vars:   map[string][]float64{"a_shift": f64s(0, 0), "b_shift": f64s(2, 1), "output_shift": f64s(-2, -1)}},
		{name: "concatenate", kind: akida.Concatenate, inbounds: []string{"add", "conv_b"}, params: map[string]int32{}},
		{name: "dequantizer", kind: akida.Dequantizer, inbounds: []string{"concatenate"},
			vars: map[string][]float64{"scales": fill(4, 1.0/32)}},
	})
	crossCheckRecord(t, m, am, r)
	// cnn2snn's split puts the model input in both branches' blocks; the
	// report lists it once, in the InputData's.
	want := []compat.Block{
		{AkidaLayer: "input_1", AkidaType: "InputData", KerasLayers: []string{"input_1"}, OutputShape: []int{2, 2, 2}, ActivationBits: 8},
		{AkidaLayer: "conv_a", AkidaType: "Conv2D", KerasLayers: []string{"conv_a"}, OutputShape: []int{2, 2, 2}, WeightBits: 8, ActivationBits: 8},
		{AkidaLayer: "conv_b", AkidaType: "Conv2D", KerasLayers: []string{"conv_b"}, OutputShape: []int{2, 2, 2}, WeightBits: 8, ActivationBits: 8},
		{AkidaLayer: "add", AkidaType: "Add", KerasLayers: []string{"add"}, OutputShape: []int{2, 2, 2}, ActivationBits: 8},
		{AkidaLayer: "concatenate", AkidaType: "Concatenate", KerasLayers: []string{"concatenate"}, OutputShape: []int{2, 2, 4}},
		{AkidaLayer: "dequantizer", AkidaType: "Dequantizer", KerasLayers: []string{"dequantizer"}, OutputShape: []int{2, 2, 4}},
	}
	if !slices.EqualFunc(r.Blocks, want, blockEqual) {
		t.Errorf("blocks:\n got %+v\nwant %+v", r.Blocks, want)
	}
}

// Dense1D behind a Reshape and a Flatten (the pattern QuantizedReshape >
// QuantizedFlatten > QuantizedDense > QuantizedReLU, §1.5): the Akida layer
// is named after the Dense, fed by the InputData through the folded
// layers, and keeps the Keras (in, units) kernel in Keras' row-major
// flattening (no permutation, unlike Akida 1.0, §2.7).
func TestV2Dense1DAfterReshapeFlatten(t *testing.T) {
	m, am, r := convertQML(t, "v2_flatten_dense", Options{})
	// Input (1, 2, 2) int8 (InputData: akida takes the Keras (H, W, C) as
	// its (x, y, c), so input_width = 1, input_height = 2); S = 2^−7, F = 0.
	//   bias 0:    f_b = min(7, 0) = 0 → 0, shift 0
	//   bias 0.25: 32, clog2 5, mfb 2, f_b = min(2, 0) = 0 → 32, shift 0
	// ReLU max 6: 768 → 192, shift 2 (both units).
	// Output quantizer R = 2: F_out 6, f_s 15, scale 255, shift 6 − 15 = −9.
	expectAkidaLayers(t, am, []wantLayer{
		{name: "input_1", kind: akida.InputData, params: inputDataParams(1, 2, 2)},
		{name: "dense", kind: akida.Dense1D, inbounds: []string{"input_1"}, params: dense1DParams(2, akida.ReLU),
			vars: map[string][]float64{
				"weights": f64s(127, 1, -2, 3, 4, -127, 5, 6),
				"bias":    f64s(0, 32), "bias_shift": f64s(0, 0),
				"max_value": f64s(192, 192), "max_value_shift": f64s(2, 2),
				"output_scales": f64s(255, 255), "output_shift": f64s(-9, -9)}},
		{name: "dequantizer", kind: akida.Dequantizer, inbounds: []string{"dense"},
			vars: map[string][]float64{"scales": fill(2, 1.0/64)}},
	})
	crossCheckRecord(t, m, am, r)
	want := []compat.Block{
		{AkidaLayer: "input_1", AkidaType: "InputData", KerasLayers: []string{"input_1"}, OutputShape: []int{1, 2, 2}, ActivationBits: 8},
		{AkidaLayer: "dense", AkidaType: "Dense1D", KerasLayers: []string{"reshape", "flatten", "dense", "re_lu"}, OutputShape: []int{1, 1, 2}, WeightBits: 8, ActivationBits: 8, Activation: true},
		{AkidaLayer: "dequantizer", AkidaType: "Dequantizer", KerasLayers: []string{"dequantizer"}, OutputShape: []int{1, 1, 2}},
	}
	if !slices.EqualFunc(r.Blocks, want, blockEqual) {
		t.Errorf("blocks:\n got %+v\nwant %+v", r.Blocks, want)
	}
}
