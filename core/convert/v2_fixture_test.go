package convert

import (
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
)

// The quantizeml fixture converted for Akida 2.0 (conversion-v2.md §6):
// its blocks, the Akida layers and parameters of §6.2 and the variables of
// §6.4. The spec's numbers come from a NumPy re-implementation of
// quantizeml's arithmetic, not from BrainChip's tools ([INF]).
func TestQuantizeMLECGAkida2(t *testing.T) {
	m := loadFixture(t, "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")
	r, err := Check(m, Options{}) // a quantizeml model targets Akida 2.0 by default
	if err != nil || !r.Compatible || r.Target != TargetV2 || len(r.Diagnostics) != 0 || len(r.Warnings) != 0 {
		t.Fatalf("check: %v %+v", err, r)
	}
	wantBlocks := []compat.Block{
		{AkidaLayer: "conv2d", AkidaType: "InputConv2D", KerasLayers: []string{"input_1", "conv2d", "max_pooling2d", "re_lu"}, OutputShape: []int{43, 43, 16}, WeightBits: 8, ActivationBits: 8, Activation: true},
		{AkidaLayer: "conv2d_1", AkidaType: "Conv2D", KerasLayers: []string{"dropout", "conv2d_1", "max_pooling2d_1", "re_lu_1"}, OutputShape: []int{15, 15, 32}, WeightBits: 8, ActivationBits: 8, Activation: true},
		{AkidaLayer: "conv2d_2", AkidaType: "Conv2D", KerasLayers: []string{"dropout_1", "conv2d_2", "max_pooling2d_2", "re_lu_2"}, OutputShape: []int{5, 5, 64}, WeightBits: 8, ActivationBits: 8, Activation: true},
		{AkidaLayer: "dense", AkidaType: "Dense1D", KerasLayers: []string{"dropout_2", "flatten", "dense", "re_lu_3"}, OutputShape: []int{1, 1, 96}, WeightBits: 8, ActivationBits: 8, Activation: true},
		{AkidaLayer: "dense_1", AkidaType: "Dense1D", KerasLayers: []string{"dropout_3", "dense_1"}, OutputShape: []int{1, 1, 5}, WeightBits: 8},
		{AkidaLayer: "dequantizer", AkidaType: "Dequantizer", KerasLayers: []string{"dequantizer"}, OutputShape: []int{1, 1, 5}},
	}
	if !slices.EqualFunc(r.Blocks, wantBlocks, blockEqual) {
		t.Errorf("blocks:\n got %+v\nwant %+v", r.Blocks, wantBlocks)
	}

	am, r, err := Convert(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, am) // Decode(Encode(m)) gives m back
	// §6.2: no InputData (the first block is an input pattern).
	type params map[string]int
	want := []struct {
		name     string
		kind     akida.LayerType
		inbounds []string
		params   params
		out      akida.Shape
	}{
		{"conv2d", akida.InputConv2D, nil, params{"input_x": 128, "input_y": 128, "input_channels": 1, "filters": 16, "kernel_size": 3,
			"kernel_stride": 1, "padding": 1, "pool_type": 1, "pool_size": 3, "pool_stride": 3, "activation": 1, "output_bits": 8,
			"buffer_bits": 28, "post_op_buffer_bits": 32, "weights_bits": 8}, akida.Shape{43, 43, 16}},
		{"conv2d_1", akida.Conv2D, []string{"conv2d"}, params{"filters": 32, "kernel_size": 3, "kernel_stride": 1, "padding": 1,
			"pool_type": 1, "pool_size": 3, "pool_stride": 3, "activation": 1, "output_bits": 8, "buffer_bits": 28,
			"post_op_buffer_bits": 32, "weights_bits": 8}, akida.Shape{15, 15, 32}},
		{"conv2d_2", akida.Conv2D, []string{"conv2d_1"}, params{"filters": 64, "kernel_size": 3, "kernel_stride": 1, "padding": 1,
			"pool_type": 1, "pool_size": 3, "pool_stride": 3, "activation": 1, "output_bits": 8, "buffer_bits": 28,
			"post_op_buffer_bits": 32, "weights_bits": 8}, akida.Shape{5, 5, 64}},
		{"dense", akida.Dense1D, []string{"conv2d_2"}, params{"units": 96, "activation": 1, "buffer_bits": 28, "weights_bits": 8,
			"output_bits": 8, "post_op_buffer_bits": 32}, akida.Shape{1, 1, 96}},
		{"dense_1", akida.Dense1D, []string{"dense"}, params{"units": 5, "activation": 0, "buffer_bits": 28, "weights_bits": 8,
			"output_bits": 28, "post_op_buffer_bits": 32}, akida.Shape{1, 1, 5}},
		{"dequantizer", akida.Dequantizer, []string{"dense_1"}, params{}, akida.Shape{1, 1, 5}},
	}
	if len(am.Layers) != len(want) {
		t.Fatalf("%d layers, want %d", len(am.Layers), len(want))
	}
	for i, w := range want {
		l := am.Layers[i]
		if l.Name != w.name || l.Type != w.kind || !slices.Equal(l.Inbounds, w.inbounds) {
			t.Errorf("layer %d: %s %s ← %v, want %s %s ← %v", i, l.Name, l.Type, l.Inbounds, w.name, w.kind, w.inbounds)
		}
		for k, v := range w.params {
			if got := l.Params.Int(k); got != v {
				t.Errorf("%s %s = %d, want %d", l.Name, k, got, v)
			}
		}
		if out, err := am.LayerOutputShape(l.Name); err != nil || out != w.out {
			t.Errorf("%s output %v %v, want %v", l.Name, out, err, w.out)
		}
	}

	// §6.4. Weights: sums, sums of magnitudes and the first values.
	weights := func(layer string, sum, abs int, first []int8) {
		t.Helper()
		v := int8s(t, am.Layer(layer), "weights")
		s, a := 0, 0
		for _, x := range v {
			s += int(x)
			a += max(int(x), -int(x))
		}
		if s != sum || a != abs || !slices.Equal(v[:len(first)], first) {
			t.Errorf("%s weights: Σ %d Σ|q| %d first %v, want %d %d %v", layer, s, a, v[:len(first)], sum, abs, first)
		}
	}
	weights("conv2d", -2067, 9969, []int8{47, 19, -65, 127, -123, 58, 78, -113})       // not flipped
	weights("conv2d_1", -28411, 169159, []int8{-127, -13, -38, 18, -45, -31, 52, -61}) // flipped
	weights("conv2d_2", -184082, 601202, nil)
	weights("dense", -421038, 3327672, []int8{22, -5, -53, 16, 36, -32, -28, -9})
	weights("dense_1", -4583, 20625, []int8{57, -71, 55, -52, 35, -53, -14, -52})
	// conv2d_2 is flipped: its Keras-order first values sit at the last
	// kernel position (2, 2) of the flipped kernel.
	flipped := int8s(t, am.Layer("conv2d_2"), "weights")
	if got := flipped[(2*3+2)*32*64 : (2*3+2)*32*64+8]; !slices.Equal(got, []int8{10, 17, -17, -20, -94, 63, -31, -4}) {
		t.Errorf("conv2d_2 weights at (2, 2): %v", got)
	}

	equalInt8 := func(layer, variable string, want ...int8) {
		t.Helper()
		if got := int8s(t, am.Layer(layer), variable); !slices.Equal(got, want) {
			t.Errorf("%s %s:\n got %v\nwant %v", layer, variable, got, want)
		}
	}
	equalUint8 := func(layer, variable string, want ...uint8) {
		t.Helper()
		v := am.Layer(layer).Variable(variable)
		if v == nil {
			t.Errorf("%s has no %s", layer, variable)
			return
		}
		if got, err := v.Uint8s(); err != nil || !slices.Equal(got, want) {
			t.Errorf("%s %s:\n got %v %v\nwant %v", layer, variable, got, err, want)
		}
	}
	shifts := func(n int, def int8, except map[int]int8) []int8 {
		out := slices.Repeat([]int8{def}, n)
		for i, v := range except {
			out[i] = v
		}
		return out
	}

	equalInt8("conv2d", "bias", 69, -88, 74, 106, 12, 20, -116, 17, 2, 52, 119, 83, -72, 67, 16, 18)
	equalUint8("conv2d", "bias_shift", 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 0)
	equalUint8("conv2d", "padding_value", 0)
	equalUint8("conv2d", "output_scales", 231, 213, 196, 172, 147, 131, 176, 163, 227, 172, 239, 241, 144, 128, 230, 232)
	equalInt8("conv2d", "output_shift", -14, -14, -14, -13, -11, -11, -13, -12, -11, -12, -14, -14, -14, -13, -12, -12)

	equalInt8("conv2d_1", "bias", 96, 97, 115, 8, -65, 84, -99, 28, -99, -101, -67, -110, -84, -96, -106, -94, 101, 73, 95,
		-84, -114, -109, 97, -104, 67, -73, 65, -98, 118, 127, -87, -121)
	equalUint8("conv2d_1", "bias_shift", 5, 5, 5, 0, 5, 5, 4, 0, 1, 3, 3, 4, 4, 3, 3, 5, 4, 1, 0, 5, 0, 2, 3, 4, 3, 5, 3, 3, 4, 0, 2, 4)
	equalUint8("conv2d_1", "output_scales", 181, 189, 162, 204, 191, 190, 217, 166, 132, 204, 168, 190, 167, 219, 138, 139,
		201, 164, 140, 149, 184, 161, 224, 195, 184, 203, 182, 228, 219, 186, 188, 244)
	equalInt8("conv2d_1", "output_shift", shifts(32, -15, map[int]int8{8: -14, 18: -14, 31: -16})...)

	equalInt8("conv2d_2", "bias", -65, 90, 89, -102, -89, 92, -71, -95, 122, 85, 91, 77, -105, -72, -66, -121, 99, 79, -98,
		-104, -88, -97, -111, 113, 114, -106, 123, 123, -99, -85, 76, -100, 108, 80, -115, -70, -75, 67, 101, -124, -119,
		-65, -113, 75, -79, 96, -92, -125, 117, -82, -123, -69, -64, 65, -78, 113, -68, -77, 76, -72, 89, -93, 123, 83)
	equalUint8("conv2d_2", "bias_shift", 6, 5, 7, 5, 5, 4, 4, 6, 3, 5, 5, 6, 6, 6, 6, 4, 4, 4, 4, 5, 2, 3, 6, 5, 5, 4, 5, 2, 4,
		4, 7, 6, 6, 4, 6, 7, 4, 6, 5, 7, 6, 6, 6, 6, 7, 3, 5, 3, 4, 5, 5, 5, 4, 6, 6, 4, 7, 5, 6, 6, 6, 5, 3, 6)
	equalUint8("conv2d_2", "output_scales", 141, 166, 200, 207, 178, 179, 203, 180, 164, 132, 149, 185, 129, 222, 163, 206,
		163, 176, 140, 179, 213, 175, 190, 195, 144, 187, 134, 158, 198, 224, 203, 185, 200, 138, 162, 128, 145, 220, 182,
		246, 158, 172, 244, 174, 154, 183, 173, 157, 164, 166, 229, 166, 225, 151, 137, 211, 142, 181, 213, 169, 168, 173,
		212, 245)
	equalInt8("conv2d_2", "output_shift", shifts(64, -16, map[int]int8{2: -17, 3: -17, 30: -17, 37: -17, 39: -17, 42: -17, 50: -17})...)

	equalInt8("dense", "bias", -119, -123, 95, 64, -85, 105, 70, 70, -127, 74, 119, 73, -95, -86, 99, 78, -89, 74, -125, -111,
		99, -102, -107, -94, -106, 112, -124, -94, 97, 113, 80, -109, -77, 65, 77, 120, -120, -100, 69, -74, 74, 96, 89, 98,
		105, 65, 72, 89, 123, 65, -85, 72, 98, -69, 114, -68, -93, -96, 86, -72, 108, -88, 95, 91, -86, 83, 120, -69, -119,
		70, 113, 65, 79, 105, -73, 110, 102, -125, -124, 93, 82, 118, -66, 77, 80, 86, 78, 127, 92, 95, -128, 95, 110, 66,
		78, 106)
	equalUint8("dense", "bias_shift", 6, 7, 8, 9, 5, 9, 9, 8, 7, 8, 8, 7, 8, 7, 7, 8, 2, 9, 5, 4, 7, 9, 6, 9, 9, 9, 7, 6, 8, 6,
		9, 6, 8, 9, 8, 7, 8, 10, 10, 2, 7, 8, 8, 7, 8, 7, 8, 8, 8, 9, 6, 8, 9, 5, 4, 8, 7, 7, 7, 8, 8, 5, 8, 8, 10, 7, 5, 9, 8,
		7, 8, 7, 6, 7, 7, 9, 6, 8, 4, 8, 9, 7, 7, 7, 4, 5, 7, 1, 7, 7, 9, 9, 6, 6, 9, 8)
	equalUint8("dense", "output_scales", 208, 143, 190, 161, 202, 200, 218, 212, 131, 194, 197, 234, 213, 205, 211, 185, 138,
		232, 193, 197, 231, 198, 195, 189, 239, 186, 204, 191, 255, 183, 197, 196, 177, 145, 216, 165, 220, 145, 163, 143,
		188, 226, 219, 200, 172, 182, 220, 230, 216, 135, 184, 250, 220, 202, 209, 133, 220, 185, 140, 132, 253, 189, 226,
		240, 243, 129, 144, 174, 231, 136, 200, 196, 218, 171, 139, 209, 208, 183, 241, 208, 151, 248, 237, 192, 224, 224,
		226, 129, 232, 195, 169, 202, 191, 173, 219, 239)
	denseShift := map[int]int8{23: -18, 24: -18, 31: -18, 37: -18, 64: -19}
	for _, i := range []int{16, 39, 49, 55, 58, 59, 65, 66, 69, 73, 74, 80, 87, 93} {
		denseShift[i] = -16
	}
	equalInt8("dense", "output_shift", shifts(96, -17, denseShift)...)

	equalInt8("dense_1", "bias", 108, 68, -124, -88, -92)
	equalUint8("dense_1", "bias_shift", 1, 0, 0, 1, 1)
	if scales, err := am.Layer("dequantizer").Variable("scales").Float32s(); err != nil ||
		!slices.Equal(scales, []float32{1.3624798e-4, 1.9002457e-4, 1.5614780e-4, 1.5635494e-4, 1.4303571e-4}) {
		t.Errorf("dequantizer scales %v %v", scales, err)
	}
	// Unbounded ReLUs set no max_value (V3); no per-axis input, no input
	// shift; the last Dense has no output quantizer.
	for _, l := range am.Layers {
		for _, v := range []string{"max_value", "max_value_shift", "input_shift"} {
			if l.Variable(v) != nil {
				t.Errorf("%s has %s", l.Name, v)
			}
		}
	}
	if v := am.Layer("dense_1").Variable("output_scales"); v != nil {
		t.Errorf("dense_1 has output_scales")
	}
}

// An Analysis converts what it checked: the recording and the Akida 2.0
// model Check's dry run built are the conversion's, not made again, and
// the check's report is left as it was.
func TestAnalysisConvertsWhatItChecked(t *testing.T) {
	m := loadFixture(t, "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")
	x, err := Analyze(m, Options{})
	if err != nil || !x.Report().Compatible {
		t.Fatalf("analyze: %v %+v", err, x.Report())
	}
	rec := x.Recording()
	if rec == nil || rec.Layer("conv2d") == nil {
		t.Fatalf("the quantizeml path's analysis has no recording: %v", rec)
	}
	checked := x.a.v2Model
	am, r, err := x.Convert()
	if err != nil || am == nil || am != checked || x.Recording() != rec {
		t.Fatalf("convert: %v; the model is the dry run's: %v", err, am == checked)
	}
	if r == x.Report() {
		t.Error("Convert returned the check's report itself; its warnings would change the check's")
	}
	// The legacy path records nothing.
	v1, err := Analyze(loadFixture(t, "akidanet_imagenet_224_alpha_25_keras2.10.h5"), Options{})
	if err != nil || v1.Recording() != nil {
		t.Errorf("legacy path: %v, recording %v", err, v1.Recording())
	}
}
