package keras

import (
	"math"
	"slices"
	"testing"
)

// The quantizeml fixture's recorded values, as spec conversion-v2.md §6.3–6.4
// lists them (computed there by a NumPy float32 re-implementation of §4.4).
// Weights are in the Keras layout here: the flip cnn2snn applies to
// Conv2D weights for Akida is the generator's business.
func TestRecordQuantizeMLFixture(t *testing.T) {
	m := loadShared(t, "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")
	rec, err := RecordQuantizeML(m)
	if err != nil {
		t.Fatalf("RecordQuantizeML: %v", err)
	}
	type weights struct {
		sum, absSum int
		first8      []int8
	}
	neural := []struct {
		name      string
		weights   weights
		bias      []int32
		biasShift []int
	}{
		{"conv2d", weights{-2067, 9969, []int8{47, 19, -65, 127, -123, 58, 78, -113}},
			[]int32{69, -88, 74, 106, 12, 20, -116, 17, 2, 52, 119, 83, -72, 67, 16, 18},
			[]int{1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 0}},
		{"conv2d_1", weights{-28411, 169159, []int8{73, 3, 26, -17, 77, -4, -25, -8}},
			[]int32{96, 97, 115, 8, -65, 84, -99, 28, -99, -101, -67, -110, -84, -96, -106, -94, 101, 73, 95, -84, -114, -109, 97, -104, 67, -73, 65, -98, 118, 127, -87, -121},
			[]int{5, 5, 5, 0, 5, 5, 4, 0, 1, 3, 3, 4, 4, 3, 3, 5, 4, 1, 0, 5, 0, 2, 3, 4, 3, 5, 3, 3, 4, 0, 2, 4}},
		{"conv2d_2", weights{-184082, 601202, []int8{10, 17, -17, -20, -94, 63, -31, -4}},
			[]int32{-65, 90, 89, -102, -89, 92, -71, -95, 122, 85, 91, 77, -105, -72, -66, -121, 99, 79, -98, -104, -88, -97, -111, 113, 114, -106, 123, 123, -99, -85, 76, -100, 108, 80, -115, -70, -75, 67, 101, -124, -119, -65, -113, 75, -79, 96, -92, -125, 117, -82, -123, -69, -64, 65, -78, 113, -68, -77, 76, -72, 89, -93, 123, 83},
			[]int{6, 5, 7, 5, 5, 4, 4, 6, 3, 5, 5, 6, 6, 6, 6, 4, 4, 4, 4, 5, 2, 3, 6, 5, 5, 4, 5, 2, 4, 4, 7, 6, 6, 4, 6, 7, 4, 6, 5, 7, 6, 6, 6, 6, 7, 3, 5, 3, 4, 5, 5, 5, 4, 6, 6, 4, 7, 5, 6, 6, 6, 5, 3, 6}},
		{"dense", weights{-421038, 3327672, []int8{22, -5, -53, 16, 36, -32, -28, -9}},
			[]int32{-119, -123, 95, 64, -85, 105, 70, 70, -127, 74, 119, 73, -95, -86, 99, 78, -89, 74, -125, -111, 99, -102, -107, -94, -106, 112, -124, -94, 97, 113, 80, -109, -77, 65, 77, 120, -120, -100, 69, -74, 74, 96, 89, 98, 105, 65, 72, 89, 123, 65, -85, 72, 98, -69, 114, -68, -93, -96, 86, -72, 108, -88, 95, 91, -86, 83, 120, -69, -119, 70, 113, 65, 79, 105, -73, 110, 102, -125, -124, 93, 82, 118, -66, 77, 80, 86, 78, 127, 92, 95, -128, 95, 110, 66, 78, 106},
			[]int{6, 7, 8, 9, 5, 9, 9, 8, 7, 8, 8, 7, 8, 7, 7, 8, 2, 9, 5, 4, 7, 9, 6, 9, 9, 9, 7, 6, 8, 6, 9, 6, 8, 9, 8, 7, 8, 10, 10, 2, 7, 8, 8, 7, 8, 7, 8, 8, 8, 9, 6, 8, 9, 5, 4, 8, 7, 7, 7, 8, 8, 5, 8, 8, 10, 7, 5, 9, 8, 7, 8, 7, 6, 7, 7, 9, 6, 8, 4, 8, 9, 7, 7, 7, 4, 5, 7, 1, 7, 7, 9, 9, 6, 6, 9, 8}},
		{"dense_1", weights{-4583, 20625, []int8{57, -71, 55, -52, 35, -53, -14, -52}},
			[]int32{108, 68, -124, -88, -92},
			[]int{1, 0, 0, 1, 1}},
	}
	for _, n := range neural {
		r := rec.Layer(n.name)
		if r == nil {
			t.Errorf("%s: no record", n.name)
			continue
		}
		w := r.Weights
		if w == nil {
			t.Errorf("%s: no weights recorded", n.name)
			continue
		}
		sum, abs := 0, 0
		for _, q := range w.Values {
			sum += int(q)
			abs += max(int(q), -int(q))
		}
		if sum != n.weights.sum || abs != n.weights.absSum || !slices.Equal(w.Values[:8], n.weights.first8) {
			t.Errorf("%s weights: Σ %d Σ|q| %d first 8 %v, want %d %d %v", n.name, sum, abs, w.Values[:8], n.weights.sum, n.weights.absSum, n.weights.first8)
		}
		if !slices.Equal(r.Bias, n.bias) {
			t.Errorf("%s bias\n got %v\nwant %v", n.name, r.Bias, n.bias)
		}
		if !slices.Equal(r.BiasShift, n.biasShift) {
			t.Errorf("%s bias_shift\n got %v\nwant %v", n.name, r.BiasShift, n.biasShift)
		}
		if r.InputShift != nil || r.PaddingValue != nil {
			t.Errorf("%s: input_shift %v padding value %v, want none (per-tensor activations, no padding_value)", n.name, r.InputShift, r.PaddingValue)
		}
	}
	// conv2d's weights reach −127…127 (every channel's max|W| maps to 127).
	if lo, hi := slices.Min(rec.Layer("conv2d").Weights.Values), slices.Max(rec.Layer("conv2d").Weights.Values); lo != -127 || hi != 127 {
		t.Errorf("conv2d weights range %d…%d, want −127…127", lo, hi)
	}

	// §6.3: accumulator and output frac bits.
	fracs := map[string][2]int{ // layer: (accumulator F, F_out of the ReLU after it)
		"conv2d": {0, 2}, "conv2d_1": {2, 4}, "conv2d_2": {4, 5}, "dense": {5, 5},
	}
	relus := map[string]string{"conv2d": "re_lu", "conv2d_1": "re_lu_1", "conv2d_2": "re_lu_2", "dense": "re_lu_3"}
	for conv, f := range fracs {
		acc := rec.Layer(conv).Output
		if acc.ValueBits != 27 || !slices.Equal(acc.Frac, []int{f[0]}) || acc.Scales == nil {
			t.Errorf("%s output %+v, want a 27-bit QFloat with F = %d", conv, acc, f[0])
		}
		out := rec.Layer(relus[conv]).Output
		if out.ValueBits != 7 || !out.Signed || !slices.Equal(out.Frac, []int{f[1]}) || out.Scales != nil {
			t.Errorf("%s output %+v, want an int8 FixedPoint with F = %d", relus[conv], out, f[1])
		}
	}
	if acc := rec.Layer("dense_1").Output; acc.ValueBits != 27 || !slices.Equal(acc.Frac, []int{5}) || len(acc.Scales) != 5 {
		t.Errorf("dense_1 output %+v, want a 27-bit QFloat, F = 5, 5 scales", acc)
	}

	outputs := []struct {
		relu   string
		scales []int
		shift  func(c int) int
	}{
		{"re_lu", []int{231, 213, 196, 172, 147, 131, 176, 163, 227, 172, 239, 241, 144, 128, 230, 232},
			func(c int) int {
				return []int{-14, -14, -14, -13, -11, -11, -13, -12, -11, -12, -14, -14, -14, -13, -12, -12}[c]
			}},
		{"re_lu_1", []int{181, 189, 162, 204, 191, 190, 217, 166, 132, 204, 168, 190, 167, 219, 138, 139, 201, 164, 140, 149, 184, 161, 224, 195, 184, 203, 182, 228, 219, 186, 188, 244},
			func(c int) int {
				switch c {
				case 8, 18:
					return -14
				case 31:
					return -16
				}
				return -15
			}},
		{"re_lu_2", []int{141, 166, 200, 207, 178, 179, 203, 180, 164, 132, 149, 185, 129, 222, 163, 206, 163, 176, 140, 179, 213, 175, 190, 195, 144, 187, 134, 158, 198, 224, 203, 185, 200, 138, 162, 128, 145, 220, 182, 246, 158, 172, 244, 174, 154, 183, 173, 157, 164, 166, 229, 166, 225, 151, 137, 211, 142, 181, 213, 169, 168, 173, 212, 245},
			func(c int) int {
				if slices.Contains([]int{2, 3, 30, 37, 39, 42, 50}, c) {
					return -17
				}
				return -16
			}},
		{"re_lu_3", []int{208, 143, 190, 161, 202, 200, 218, 212, 131, 194, 197, 234, 213, 205, 211, 185, 138, 232, 193, 197, 231, 198, 195, 189, 239, 186, 204, 191, 255, 183, 197, 196, 177, 145, 216, 165, 220, 145, 163, 143, 188, 226, 219, 200, 172, 182, 220, 230, 216, 135, 184, 250, 220, 202, 209, 133, 220, 185, 140, 132, 253, 189, 226, 240, 243, 129, 144, 174, 231, 136, 200, 196, 218, 171, 139, 209, 208, 183, 241, 208, 151, 248, 237, 192, 224, 224, 226, 129, 232, 195, 169, 202, 191, 173, 219, 239},
			func(c int) int {
				switch {
				case slices.Contains([]int{16, 39, 49, 55, 58, 59, 65, 66, 69, 73, 74, 80, 87, 93}, c):
					return -16
				case slices.Contains([]int{23, 24, 31, 37}, c):
					return -18
				case c == 64:
					return -19
				}
				return -17
			}},
	}
	for _, o := range outputs {
		oq := rec.Layer(o.relu).OutputQuantizer
		if oq == nil {
			t.Errorf("%s: no output quantizer recorded", o.relu)
			continue
		}
		if !slices.Equal(oq.Scales, o.scales) {
			t.Errorf("%s output scales\n got %v\nwant %v", o.relu, oq.Scales, o.scales)
		}
		want := make([]int, len(o.scales))
		for c := range want {
			want[c] = o.shift(c)
		}
		if !slices.Equal(oq.Shift, want) {
			t.Errorf("%s output shift\n got %v\nwant %v", o.relu, oq.Shift, want)
		}
		if r := rec.Layer(o.relu); r.MaxValue != nil || r.MaxValueShift != nil {
			t.Errorf("%s: max value %v/%v recorded for an unbounded ReLU", o.relu, r.MaxValue, r.MaxValueShift)
		}
	}
	if rec.Layer("dense_1").OutputQuantizer != nil {
		t.Error("dense_1 has an output quantizer record; the file gives it none")
	}

	deq := rec.Layer("dequantizer")
	want := []float32{1.3624798e-4, 1.9002457e-4, 1.5614780e-4, 1.5635494e-4, 1.4303571e-4}
	if len(deq.DequantizerScales) != len(want) {
		t.Fatalf("dequantizer scales %v, want %v", deq.DequantizerScales, want)
	}
	for c, s := range deq.DequantizerScales {
		// The spec prints 8 significant digits; the float32 must round to them.
		if math.Abs(float64(s-want[c])) > 5e-12 {
			t.Errorf("dequantizer scale %d = %.8g, want %.8g", c, s, want[c])
		}
		if in := deq.Inputs[0]; s != in.Scales[c]/QMLPow2(in.Frac[0]) {
			t.Errorf("dequantizer scale %d = %v is not S/2^F = %v/2^%d", c, s, in.Scales[c], in.Frac[0])
		}
	}
}
