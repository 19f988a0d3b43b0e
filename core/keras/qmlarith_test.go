package keras

import (
	"math"
	"slices"
	"testing"
)

func TestQMLClog2(t *testing.T) {
	for _, c := range []struct {
		x    float32
		want int
	}{
		{1, 0}, {2, 1}, {4, 2}, {31.875, 5}, {32, 5}, {32.000004, 6}, {0.5, -1}, {0.75, 0},
		{QMLPow2(-13), -13}, {QMLPow2(-13) * 1.0000001, -12}, {QMLPow2(30), 30}, {math.SmallestNonzeroFloat32, -149},
		{math.Nextafter32(1, 2), 1}, {math.Nextafter32(1, 0), 0},
	} {
		if got := QMLClog2(c.x); got != c.want {
			t.Errorf("clog2(%g) = %d, want %d", c.x, got, c.want)
		}
	}
}

func TestQMLFloorLog2(t *testing.T) {
	for _, c := range []struct {
		x    float32
		want int
	}{
		{1, 0}, {2, 1}, {3.99, 1}, {4, 2}, {0.5, -1}, {0.75, -1}, {31.875, 4}, {32, 5},
		{math.Nextafter32(1, 0), -1}, {math.SmallestNonzeroFloat32, -149},
	} {
		if got := QMLFloorLog2(c.x); got != c.want {
			t.Errorf("floor_log2(%g) = %d, want %d", c.x, got, c.want)
		}
	}
}

func TestQMLMaxFracBits(t *testing.T) {
	// min(vb − clog2(r), vb): 7 − clog2(31.875) = 2 (spec §6.3), a zero
	// range gives vb, a small one is clamped to vb, a large one goes
	// negative.
	for _, c := range []struct {
		vb   int
		r    float32
		want int
	}{{7, 31.875, 2}, {7, 7.96875, 4}, {7, 3.984375, 5}, {7, 0, 7}, {7, 0.001, 7}, {7, 1000, -3}, {8, 2, 7}} {
		if got := QMLMaxFracBits(c.vb, c.r); got != c.want {
			t.Errorf("max_frac_bits(%d, %g) = %d, want %d", c.vb, c.r, got, c.want)
		}
	}
}

func TestQMLBoundsFloat32(t *testing.T) {
	// [−2^vb, 2^vb − 1] with the upper bound computed in float32: exact up
	// to vb = 24, rounded up to 2^vb from 25 on (quantizeml's saturate).
	for _, c := range []struct {
		vb     int
		lo, hi float32
	}{{7, -128, 127}, {8, -256, 255}, {24, -16777216, 16777215}, {25, -33554432, 33554432}, {27, -134217728, 134217728}, {32, -4294967296, 4294967296}} {
		if lo, hi := QMLBounds(c.vb); lo != c.lo || hi != c.hi {
			t.Errorf("bounds(%d) = %v, %v, want %v, %v", c.vb, lo, hi, c.lo, c.hi)
		}
	}
	if QMLSaturate(200, 7) != 127 || QMLSaturate(-200, 7) != -128 || QMLSaturate(5, 7) != 5 {
		t.Error("QMLSaturate does not clip to [−128, 127] at 7 value bits")
	}
}

func TestQMLRescale(t *testing.T) {
	// floor(x·2^s + 0.5): half up, also for negatives (−2.5 → −2), exact
	// left shifts.
	for _, c := range []struct {
		x    float32
		s    int
		want float32
	}{
		{138 * 231, -14, 2}, // spec §6.5: 31878/16384 = 1.95 → 2
		{5, -1, 3}, {-5, -1, -2}, {3, -1, 2}, {-3, -1, -1}, {7, -2, 2}, {-7, -2, -2}, {6, -2, 2}, {-6, -2, -1},
		{127, 3, 1016}, {-1, 0, -1},
		// Above 2^23 the float32 sum x + 0.5 rounds to even before the
		// floor: (2^23 + 1) + 0.5 → 2^23 + 2.
		{8388609, 0, 8388610},
	} {
		if got := QMLRescale(c.x, c.s); got != c.want {
			t.Errorf("rescale(%v, %d) = %v, want %v", c.x, c.s, got, c.want)
		}
	}
}

func TestQuantizeWeights(t *testing.T) {
	t.Run("per axis, ties to even", func(t *testing.T) {
		// (1, 2) kernel, axis −1: channel 0 max|W| = 1.27 → S = float32(1.27)/127
		// = 0.01 (float32 0.0099999998); channel 1 max|W| = 0 → S = 1e−6.
		// W/S: 1.27/S = 127, 0/1e−6 = 0.
		w := &Weight{Name: "kernel", Shape: []int{2, 2}, Values: []float32{1.27, 0, 0.635, 0}}
		q, err := quantizeWeights(w, &QMLQuantizer{Bitwidth: 8, Signed: true, PerAxis: true, Axis: -1})
		if err != nil {
			t.Fatal(err)
		}
		// 0.635/0.0099999998 = 63.5 in float32 → 64 (half to even).
		if !slices.Equal(q.Values, []int8{127, 0, 64, 0}) || !slices.Equal(q.Scales, []float32{float32(1.27) / 127, 1e-6}) || q.Axis != 1 {
			t.Errorf("got %+v", q)
		}
	})
	t.Run("per tensor, 4 bits", func(t *testing.T) {
		// vb = 3: S = 1.75/7 = 0.25; W/S = 7, −2.5 → −2, 1.5 → 2, 0.5 → 0.
		w := &Weight{Name: "kernel", Shape: []int{2, 2}, Values: []float32{1.75, -0.625, 0.375, 0.125}}
		q, err := quantizeWeights(w, &QMLQuantizer{Bitwidth: 4, Signed: true})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(q.Values, []int8{7, -2, 2, 0}) || !slices.Equal(q.Scales, []float32{0.25}) || q.Axis != -1 || q.ValueBits != 3 {
			t.Errorf("got %+v", q)
		}
	})
	t.Run("depthwise axis -2", func(t *testing.T) {
		// (1, 1, 3, 1): one scale per channel along axis 2: 2^−7·{127, 64, 1}·…
		w := &Weight{Name: "depthwise_kernel", Shape: []int{1, 2, 3, 1}, Values: []float32{1, 0.5, -0.25, -0.5, 0.25, 0.125}}
		q, err := quantizeWeights(w, &QMLQuantizer{Bitwidth: 8, Signed: true, PerAxis: true, Axis: -2})
		if err != nil {
			t.Fatal(err)
		}
		// channel maxima 1, 0.5, 0.25 → S = 1/127, 0.5/127, 0.25/127; every
		// channel's largest value maps to ±127, the others to ±63.5 → ±64.
		if q.Axis != 2 || len(q.Scales) != 3 || !slices.Equal(q.Values, []int8{127, 127, -127, -64, 64, 64}) {
			t.Errorf("got %+v", q)
		}
	})
	t.Run("fp_quantizer", func(t *testing.T) {
		// FixedPoint weights: F = max_frac_bits(7, max|W|) per channel:
		// 0.75 → 7 − 0 = 7, 3 → 7 − 2 = 5; q = round(W·2^F).
		w := &Weight{Name: "kernel", Shape: []int{2, 2}, Values: []float32{0.75, 3, -0.5, 1.01}}
		q, err := quantizeWeights(w, &QMLQuantizer{Bitwidth: 8, Signed: true, PerAxis: true, Axis: -1, FPQuantizer: true})
		if err != nil {
			t.Fatal(err)
		}
		if q.Scales != nil || !slices.Equal(q.Frac, []int{7, 5}) || !slices.Equal(q.Values, []int8{96, 96, -64, 32}) {
			t.Errorf("got %+v", q)
		}
	})
	t.Run("refused", func(t *testing.T) {
		w := &Weight{Name: "kernel", Shape: []int{1, 1}, Values: []float32{1}}
		if _, err := quantizeWeights(w, &QMLQuantizer{Bitwidth: 16, Signed: true}); err == nil ||
			err.Error() != "weight quantizer bitwidth is 16; the recording handles 2 to 8 bits (Akida weights are int8): re-quantize with weight_bits 4 or 8" {
			t.Errorf("16 bits: %v", err)
		}
		if _, err := quantizeWeights(w, &QMLQuantizer{Bitwidth: 8, Signed: true, PerAxis: true, Axis: 4}); err == nil ||
			err.Error() != "Axis 4 is not valid in weight_quantizer (kernel shape [1 1])" {
			t.Errorf("axis 4: %v", err)
		}
	})
}

func TestAlignedQuantizer(t *testing.T) {
	on := QTensor{ValueBits: 27, Frac: []int{4}, Scales: []float32{0.5, 0.25}}
	// 8 bits (vb 7), per value: 3/0.5 = 6 → clog2 3, f = min(4, 4) = 4,
	// round(96) = 96, shift 0; 20/0.25 = 80 → clog2 7, f = 0, round(80) = 80,
	// shift 4.
	v, s, err := alignedQuantizer("bias", []float32{3, 20}, 8, true, on, 2)
	if err != nil || !slices.Equal(v, []int32{96, 80}) || !slices.Equal(s, []int{0, 4}) {
		t.Errorf("8 bits: %v %v %v", v, s, err)
	}
	// 4 bits (vb 3): one range for all, max|x| = 20 → r/S = 40, 80 →
	// clog2 6, 7 → f = −3, −4; 6·2^−3 = 0.75 → 1, 80·2^−4 = 5; shifts 7, 8.
	v, s, err = alignedQuantizer("bias", []float32{3, 20}, 4, true, on, 2)
	if err != nil || !slices.Equal(v, []int32{1, 5}) || !slices.Equal(s, []int{7, 8}) {
		t.Errorf("4 bits: %v %v %v", v, s, err)
	}
	// A tie, 2.5·2^0 on (S = 1, F = 0): round half to even gives 2.
	v, _, _ = alignedQuantizer("bias", []float32{2.5}, 8, true, QTensor{ValueBits: 27, Frac: []int{0}, Scales: []float32{1}}, 1)
	if !slices.Equal(v, []int32{2}) {
		t.Errorf("tie: %v", v)
	}
}

func TestOutputQuantizerScales(t *testing.T) {
	oq := &QMLQuantizer{Bitwidth: 8, Signed: true, ScaleBits: 8, BufferBitwidth: 32}
	// S·ρ = 0.25·1 = 2^−2: f_s = 8 + 2 = 10, 2^−2·2^10 = 256 saturates
	// to 255; R = 1 → F_out = 7; sh = 7 − (3 + 10) = −6.
	rec, out, err := outputQuantizer(oq, []float32{1}, []float32{1}, QTensor{ValueBits: 27, Frac: []int{3}, Scales: []float32{0.25}}, 16, 4)
	if err != nil || !slices.Equal(rec.Scales, []int{255}) || !slices.Equal(rec.ScaleFrac, []int{10}) || !slices.Equal(rec.Shift, []int{-6}) ||
		!equalQTensor(out, QTensor{ValueBits: 7, Signed: true, Frac: []int{7}}) {
		t.Errorf("got %+v %+v %v", rec, out, err)
	}
	// A FixedPoint input: no scales, sh = F_out − F_in = 5 − 9 = −4
	// (R = 3.5); an unsigned 8-bit quantizer has 8 value bits: F_out =
	// 8 − 2 = 6, sh = −3.
	rec, out, err = outputQuantizer(oq, []float32{3.5}, []float32{1}, QTensor{ValueBits: 31, Signed: true, Frac: []int{9}}, 16, 4)
	if err != nil || rec.Scales != nil || !slices.Equal(rec.Shift, []int{-4}) || out.Frac[0] != 5 {
		t.Errorf("FixedPoint: %+v %+v %v", rec, out, err)
	}
	unsigned := &QMLQuantizer{Bitwidth: 8, ScaleBits: 8, BufferBitwidth: 32}
	if rec, out, err = outputQuantizer(unsigned, []float32{3.5}, []float32{1}, QTensor{ValueBits: 31, Frac: []int{9}}, 16, 4); err != nil ||
		!slices.Equal(rec.Shift, []int{-3}) || out.ValueBits != 8 || out.Signed {
		t.Errorf("unsigned: %+v %+v %v", rec, out, err)
	}
	// A negative or non-finite scale is refused.
	if _, _, err = outputQuantizer(oq, []float32{1}, []float32{0}, QTensor{ValueBits: 27, Frac: []int{3}, Scales: []float32{0.25}}, 16, 4); err == nil {
		t.Error("zero rescaling rate accepted")
	}
}

func TestQMLInputQuantizer(t *testing.T) {
	// Signed 8 bits: range max(|−3|, 1) = 3 → F = 7 − 2 = 5.
	f, zp, err := qmlInputQuantizer(8, true, []float32{-3}, []float32{1})
	if err != nil || !slices.Equal(f, []int{5}) || zp != nil {
		t.Errorf("signed: %v %v %v", f, zp, err)
	}
	// Unsigned 8 bits per axis: ranges 1 − (−0.25) = 1.25 and 255 − 0 →
	// F = 8 − 1 = 7 and 8 − 8 = 0; zero points round(0.25·128) = 32, 0.
	f, zp, err = qmlInputQuantizer(8, false, []float32{-0.25, 0}, []float32{1, 255})
	if err != nil || !slices.Equal(f, []int{7, 0}) || !slices.Equal(zp, []int{32, 0}) {
		t.Errorf("unsigned: %v %v %v", f, zp, err)
	}
}

func TestLUTActivations(t *testing.T) {
	// 2-bit input (vb = 2, i ∈ [−4, 3]), F = 1: x = −2 … 1.5; 13-bit table.
	for _, c := range []struct {
		name  string
		alpha float32
		want  []int32
	}{
		// leaky_relu(0.2): y = −0.4, −0.3, −0.2, −0.1, 0, 0.5, 1, 1.5;
		// s = 1.5/8191; y/s = −2184.27, −1638.2, −1092.13, −546.07, 0,
		// 2730.33, 5460.67, 8191.
		{"leaky_relu", 0.2, []int32{-2184, -1638, -1092, -546, 0, 2730, 5461, 8191}},
		// hard_silu: x·relu6(x + 3)/6 = −0.3333, −0.375, −0.3333, −0.2083,
		// 0, 0.2917, 0.6667, 1.125; s = 1.125/8191.
		{"hard_silu", 0, []int32{-2427, -2730, -2427, -1517, 0, 2124, 4854, 8191}},
		// swish: x·sigmoid(x) = −0.23841859, −0.27363828, −0.26894143,
		// −0.18877033, 0, 0.31122968, 0.7310586, 1.2263618.
		{"swish", 0, []int32{-1592, -1828, -1796, -1261, 0, 2079, 4883, 8191}},
		// gelu: −0.04550028, −0.10021085, −0.15865526, −0.15426877, 0,
		// 0.34573123, 0.8413447, 1.3997116.
		{"gelu", 0, []int32{-266, -586, -928, -903, 0, 2023, 4923, 8191}},
	} {
		act, err := LUTActivation(c.name, c.alpha)
		if err != nil {
			t.Fatal(err)
		}
		lut, err := qmlLUT(act, 2, 1, 13)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(lut.Values, c.want) {
			t.Errorf("%s table %v, want %v", c.name, lut.Values, c.want)
		}
	}
	if _, err := LUTActivation("tanh", 0); err == nil || err.Error() != `activation "tanh" has no quantizeml look-up table; quantizeml quantizes gelu, swish, hard_silu and leaky_relu` {
		t.Errorf("tanh: %v", err)
	}
}

func TestTransposeKernel(t *testing.T) {
	// (1, 1, filters 2, in 3) → (1, 1, in 3, filters 2).
	k := &Weight{Shape: []int{1, 1, 2, 3}, Values: []float32{1, 2, 3, 4, 5, 6}}
	got := transposeKernel(k)
	if !slices.Equal(got.Shape, []int{1, 1, 3, 2}) || !slices.Equal(got.Values, []float32{1, 4, 2, 5, 3, 6}) {
		t.Errorf("got %v %v", got.Shape, got.Values)
	}
}

func TestQMLPow2(t *testing.T) {
	for n := -160; n <= 140; n++ {
		if got, want := QMLPow2(n), float32(math.Ldexp(1, n)); got != want {
			t.Errorf("2^%d = %v, want %v", n, got, want)
		}
	}
}
