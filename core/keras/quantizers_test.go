package keras

import (
	"math"
	"slices"
	"testing"
)

func TestRoundHalfEven(t *testing.T) {
	for _, c := range []struct{ in, want float32 }{
		{0.5, 0}, {1.5, 2}, {2.5, 2}, {-0.5, 0}, {-1.5, -2}, {-2.5, -2}, {2.4999998, 2}, {3.5000002, 4},
	} {
		if got := RoundHalfEven(c.in); got != c.want {
			t.Errorf("RoundHalfEven(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestMaxQuantizerHalfEvenAndClip(t *testing.T) {
	// 3 bits: kmax = 2^2 - 1 = 3; max|W| = 3, so sf = 3/3 = 1 and the integer
	// weights are round_half_even(W): 2.5 → 2, -1.5 → -2, 0.5 → 0, -0.5 → -0.
	q := WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 3}
	w := []float32{3, 2.5, -1.5, 0.5, -0.5, 1}
	ints, sf, err := q.IntegerWeights(w, []int{3, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sf, []float32{1}) {
		t.Errorf("scale factors %v, want [1]", sf)
	}
	if want := []int8{3, 2, -2, 0, 0, 1}; !slices.Equal(ints, want) {
		t.Errorf("integer weights %v, want %v", ints, want)
	}
	qw, err := q.Quantize(w, []int{3, 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{3, 2, -2, 0, 0, 1}; !slices.Equal(qw, want) {
		t.Errorf("q(W) = %v, want %v", qw, want)
	}
}

func TestMaxPerAxisQuantizer(t *testing.T) {
	// Kernel (1, 1, 2, 2) in C order: [w(c0,o0), w(c0,o1), w(c1,o0), w(c1,o1)].
	// 4 bits: kmax = 7. Output channel 0: max(|0.5|, |-1|) = 1 → sf = 7.
	// Output channel 1: max(|-0.2|, |0.1|) = 0.2 → sf = 7/float32(0.2) = 35
	// (34.9999995 rounds to 35 in float32).
	// Integers: 0.5·7 = 3.5 → 4 (half to even), -1·7 = -7,
	// -0.2·35 = -7.0000001 → float32 -7 → -7, 0.1·35 = 3.5 → 4.
	q := WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 4}
	ints, sf, err := q.IntegerWeights([]float32{0.5, -0.2, -1, 0.1}, []int{1, 1, 2, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sf, []float32{7, 35}) {
		t.Errorf("scale factors %v, want [7 35]", sf)
	}
	if want := []int8{4, -7, -7, 4}; !slices.Equal(ints, want) {
		t.Errorf("integer weights %v, want %v", ints, want)
	}
	if !q.PerAxis() || (WeightQuantizer{ClassName: "MaxQuantizer"}).PerAxis() {
		t.Error("PerAxis: MaxPerAxisQuantizer is per axis, MaxQuantizer is not")
	}
}

func TestZeroWeightsClipScaleTo1000(t *testing.T) {
	// An all-zero tensor gives kmax/0 = +Inf, clipped to 1000; a zero
	// channel of a per-axis quantizer gives kmax/1e-10, clipped to 1000.
	sf, err := WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 4}.ScaleFactors([]float32{0, 0}, []int{2})
	if err != nil || !slices.Equal(sf, []float32{1000}) {
		t.Errorf("MaxQuantizer on zeros: %v, %v; want [1000]", sf, err)
	}
	sf, err = WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 2}.ScaleFactors([]float32{0, 0.5, 0, -0.25}, []int{2, 2})
	// channel 1: kmax = 1, max 0.5 → 2.
	if err != nil || !slices.Equal(sf, []float32{1000, 2}) {
		t.Errorf("MaxPerAxisQuantizer with a zero channel: %v, %v; want [1000 2]", sf, err)
	}
	sf, err = WeightQuantizer{ClassName: "StdWeightQuantizer", Bitwidth: 4, Threshold: 3}.ScaleFactors([]float32{1, 1}, []int{2})
	if err != nil || !slices.Equal(sf, []float32{1000}) {
		t.Errorf("StdWeightQuantizer on a constant tensor (std 0): %v, %v; want [1000]", sf, err)
	}
}

func TestStdQuantizers(t *testing.T) {
	// W = [3, -1, -1, -1]: mean 0, population variance (9+1+1+1)/4 = 3,
	// std = sqrt(3). Threshold 1, 4 bits: sf = 7/sqrt(3) = 4.0414519.
	// Integers: 3·4.04 = 12.1 → clipped to 7; -1·4.04 = -4.04 → -4.
	q := WeightQuantizer{ClassName: "StdWeightQuantizer", Bitwidth: 4, Threshold: 1}
	ints, sf, err := q.IntegerWeights([]float32{3, -1, -1, -1}, []int{4})
	if err != nil {
		t.Fatal(err)
	}
	if want := float32(7 / math.Sqrt(3)); sf[0] != want {
		t.Errorf("sf = %v, want %v", sf[0], want)
	}
	if want := []int8{7, -4, -4, -4}; !slices.Equal(ints, want) {
		t.Errorf("integer weights %v, want %v", ints, want)
	}
	// Per axis, shape (2, 2): channel 0 = [1, -1] (std 1), channel 1 =
	// [2, 0] (mean 1, std 1). Threshold 3, 4 bits: sf = 7/3 for both.
	// Integers: 1·7/3 = 2.33 → 2, 2·7/3 = 4.67 → 5, -2.33 → -2, 0.
	qa := WeightQuantizer{ClassName: "StdPerAxisQuantizer", Bitwidth: 4, Threshold: 3}
	ints, sf, err = qa.IntegerWeights([]float32{1, 2, -1, 0}, []int{2, 2})
	if err != nil {
		t.Fatal(err)
	}
	third := float32(7) / float32(3)
	if !slices.Equal(sf, []float32{third, third}) {
		t.Errorf("sf = %v, want [%v %v]", sf, third, third)
	}
	if want := []int8{2, 5, -2, 0}; !slices.Equal(ints, want) {
		t.Errorf("integer weights %v, want %v", ints, want)
	}
}

func TestWeightQuantizerErrors(t *testing.T) {
	for _, c := range []struct {
		q     WeightQuantizer
		w     []float32
		shape []int
		want  string
	}{
		{WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 9}, []float32{1}, []int{1}, "MaxQuantizer has bitwidth 9; cnn2snn weight quantizers work with 2 to 8 bits"},
		{WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 4}, []float32{1, 2}, []int{3}, "kernel shape [3] does not match its 2 values"},
		{WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 4}, []float32{1}, []int{0}, "kernel shape [0] has a dimension that is not positive"},
		{WeightQuantizer{ClassName: "Foo", Bitwidth: 4}, []float32{1}, []int{1}, `"Foo" is not a cnn2snn weight quantizer (MaxQuantizer, MaxPerAxisQuantizer, StdWeightQuantizer, StdPerAxisQuantizer)`},
	} {
		_, _, err := c.q.IntegerWeights(c.w, c.shape)
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: error %v, want %q", c.q, err, c.want)
		}
	}
}

func TestActivationSteps(t *testing.T) {
	for _, c := range []struct {
		act       QuantizedActivation
		levels    int
		step, thr float32
	}{
		{&ActivationDiscreteRelu{Bitwidth: 1}, 1, 1, 0.5},
		{&ActivationDiscreteRelu{Bitwidth: 2}, 3, 1, 0.5},                                     // min(3, 6)/3
		{&ActivationDiscreteRelu{Bitwidth: 3}, 7, float32(6.0 / 7), float32(6.0/7) / 2},       // 6/7
		{&ActivationDiscreteRelu{Bitwidth: 4}, 15, float32(0.4), float32(0.4) / 2},            // 6/15
		{&QuantizedReLU{Bitwidth: 4, MaxValue: 6}, 15, float32(6) / 15, float32(6) / 15 / 2},  // 0.4
		{&QuantizedReLU{Bitwidth: 2, MaxValue: 3}, 3, 1, 0.5},                                 // default max_value 2^2-1
		{&QuantizedReLU{Bitwidth: 4, MaxValue: 1.5}, 15, float32(1.5) / 15, float32(0.1) / 2}, // 0.1
	} {
		a := c.act
		if a.Levels() != c.levels || a.Step() != c.step || a.Threshold() != c.thr {
			t.Errorf("%T %d bits: levels %d step %v threshold %v, want %d %v %v", a, a.Bits(), a.Levels(), a.Step(), a.Threshold(), c.levels, c.step, c.thr)
		}
	}
	// The float32 value of ActivationDiscreteRelu(4)'s step, as cnn2snn's TF
	// constant holds it.
	if got := float64((&ActivationDiscreteRelu{Bitwidth: 4}).Step()); got != 0.4000000059604645 {
		t.Errorf("4-bit step = %.16g, want 0.4000000059604645", got)
	}
}

func TestActivationApply(t *testing.T) {
	// 2 bits, step 1, threshold 0.5: y = clip(ceil(x - 0.5), 0, 3).
	a := &QuantizedReLU{Bitwidth: 2, MaxValue: 3}
	for _, c := range []struct{ x, y float32 }{
		{-1, 0}, {0.5, 0}, {0.51, 1}, {1.5, 1}, {1.6, 2}, {2.5, 2}, {2.6, 3}, {100, 3},
	} {
		if got := a.Apply(c.x); got != c.y {
			t.Errorf("Apply(%v) = %v, want %v", c.x, got, c.y)
		}
	}
	// 4-bit discrete ReLU: step 0.4, saturates at 15·0.4 = 6.
	d := &ActivationDiscreteRelu{Bitwidth: 4}
	if got := d.Apply(1000); got != 15*d.Step() {
		t.Errorf("saturation: %v, want %v", got, 15*d.Step())
	}
	if got := d.Apply(0.5); got != d.Step() {
		t.Errorf("Apply(0.5) = %v, want one step %v", got, d.Step())
	}
}

func TestActivationBitsChecked(t *testing.T) {
	if err := (&QuantizedReLU{Bitwidth: 0}).CheckBits(); err == nil ||
		err.Error() != "bitwidth 0 is not a usable activation bit width; cnn2snn needs a positive bit width (1, 2 or 4 for Akida 1.0)" {
		t.Errorf("bitwidth 0: %v", err)
	}
	if (&ActivationDiscreteRelu{Bitwidth: 4}).CheckBits() != nil {
		t.Error("bitwidth 4 refused")
	}
	if _, ok := AsQuantizedActivation(&ReLU{}); ok {
		t.Error("a Keras ReLU is not a quantized activation")
	}
	if q, ok := AsQuantizedActivation(&QuantizedReLU{Bitwidth: 4, MaxValue: 6}); !ok || q.Bits() != 4 {
		t.Error("QuantizedReLU not recognised")
	}
}
