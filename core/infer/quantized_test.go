package infer

import (
	"math"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// up returns the next float32 above x.
func up(x float32) float32 { return math.Nextafter32(x, float32(math.Inf(1))) }

func TestActivationSteps(t *testing.T) {
	// conversion.md §6.3: the float32 steps cnn2snn uses.
	for _, c := range []struct {
		config       any
		step, levels float32
	}{
		{&keras.ActivationDiscreteRelu{Bitwidth: 1}, 1, 1},
		{&keras.ActivationDiscreteRelu{Bitwidth: 2}, 1, 3},
		{&keras.ActivationDiscreteRelu{Bitwidth: 3}, float32(6.0 / 7), 7},
		{&keras.ActivationDiscreteRelu{Bitwidth: 4}, 0.4000000059604645, 15},
		{&keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6}, 0.4000000059604645, 15},
		{&keras.QuantizedReLU{Bitwidth: 3, MaxValue: 1}, 0.142857149243354797, 7},
		{&keras.QuantizedReLU{Bitwidth: 2, MaxValue: 6}, 2, 3},
	} {
		step, levels, err := activationStep(c.config)
		if err != nil || step != c.step || levels != c.levels {
			t.Errorf("%+v: step %v, levels %v, %v; want %v, %v", c.config, step, levels, err, c.step, c.levels)
		}
	}
}

// quantizedReLU runs one cnn2snn quantized activation layer on x.
func quantizedReLU(t *testing.T, class string, config any, x ...float32) []float32 {
	t.Helper()
	m := chain([]int{len(x)}, layer("q", class, config))
	return run(t, m, []int{1, len(x)}, x...).Data
}

func TestQuantizedActivationsAtStepBoundaries(t *testing.T) {
	// 1 bit: step 1, threshold 0.5, one level.
	got := quantizedReLU(t, "ActivationDiscreteRelu", &keras.ActivationDiscreteRelu{Bitwidth: 1},
		-1, 0.5, up(0.5), 1.5, 100)
	expect(t, Tensor{Shape: []int{5}, Data: got}, []int{5}, []float32{0, 0, 1, 1, 1}, 0)

	// 2 bits, max_value 6: step 2, threshold 1, levels at 2, 4, 6.
	// x = threshold + n·step gives n·step; one ulp above gives (n+1)·step.
	got = quantizedReLU(t, "QuantizedReLU", &keras.QuantizedReLU{Bitwidth: 2, MaxValue: 6},
		-5, 1, up(1), 3, up(3), 5, up(5), 1000)
	expect(t, Tensor{Shape: []int{8}, Data: got}, []int{8}, []float32{0, 0, 2, 2, 4, 4, 6, 6}, 0)

	// 4 bits: step float32(0.4), threshold float32(0.2); outputs are
	// float32 multiples of the step, saturating at 15 steps = 6.
	step := float32(0.4000000059604645)
	threshold := step / 2
	got = quantizedReLU(t, "ActivationDiscreteRelu", &keras.ActivationDiscreteRelu{Bitwidth: 4},
		threshold, up(threshold), 1, 5.79, 5.9, 100)
	expect(t, Tensor{Shape: []int{6}, Data: got}, []int{6}, []float32{0, step, 0.8, 5.6, 6, 6}, 0)
}

func TestWeightQuantizers(t *testing.T) {
	for _, c := range []struct {
		name  string
		q     keras.WeightQuantizer
		shape []int
		w     []float32
		want  []float32
	}{
		// sf = kmax/max|W| = 3/6: W·sf = 3, 0.5, 1.5, −2.5 round half to
		// even to 3, 0, 2, −2 (half away from zero would give 3, 1, 2, −3).
		{"max half-even", keras.WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 3}, []int{4}, []float32{6, 1, 3, -5}, []float32{6, 0, 4, -4}},
		// Per last axis: channel 0 has max 6 (sf 0.5), channel 1 max 1 (sf 3).
		{"max per axis", keras.WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 3}, []int{2, 2}, []float32{6, 1, 3, -0.5}, []float32{6, 1, 4, -2.0 / 3}},
		// All-zero weights: sf 1000, no division by zero.
		{"max zero", keras.WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 4}, []int{2}, []float32{0, 0}, []float32{0, 0}},
		// sf = 7/2e-4 = 35000 is clipped to 1000: both weights round to 0.
		{"max sf clipped", keras.WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 4}, []int{2}, []float32{1e-4, -2e-4}, []float32{0, 0}},
		// std 1, threshold 3: sf = 7/3; 7/3 rounds to 2, so q = 2/(7/3).
		{"std", keras.WeightQuantizer{ClassName: "StdWeightQuantizer", Bitwidth: 4, Threshold: 3}, []int{4}, []float32{1, -1, 1, -1}, []float32{0.85714287, -0.85714287, 0.85714287, -0.85714287}},
		// std √3, threshold 1, kmax 3: 3·sf = 5.196 saturates at 3.
		{"std saturates", keras.WeightQuantizer{ClassName: "StdWeightQuantizer", Bitwidth: 3, Threshold: 1}, []int{4}, []float32{3, -1, -1, -1}, []float32{1.7320508, -1.1547005, -1.1547005, -1.1547005}},
		{"std per axis", keras.WeightQuantizer{ClassName: "StdPerAxisQuantizer", Bitwidth: 4, Threshold: 3}, []int{2, 2}, []float32{1, 5, -1, -5}, []float32{0.85714287, 4.285714, -0.85714287, -4.285714}},
	} {
		got, err := quantizeWeights(c.q, c.w, c.shape)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for i, w := range c.want {
			if d := math.Abs(float64(got[i] - w)); d > 1e-6*max(1, math.Abs(float64(w))) {
				t.Errorf("%s: q(W)[%d] = %v, want %v", c.name, i, got[i], w)
			}
		}
	}
	_, err := quantizeWeights(keras.WeightQuantizer{ClassName: "LogQuantizer", Bitwidth: 4}, []float32{1}, []int{1})
	want := `weight quantizer class "LogQuantizer" is not supported by the Keras inference (MaxQuantizer, MaxPerAxisQuantizer, StdWeightQuantizer, StdPerAxisQuantizer)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestQuantizedLayersUseQuantizedKernels(t *testing.T) {
	perAxis3 := keras.WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 3}
	// QuantizedDense: q(kernel) = [[6 1] [4 −2/3]], float bias [0.25 −0.25];
	// x = [1 2] → [6+8+0.25, 1−4/3−0.25]. The float kernel would give [12.25, −0.25].
	qd := &keras.QuantizedDense{Dense: keras.Dense{Units: 2, Activation: "linear", UseBias: true}, Quantizer: perAxis3}
	m := chain([]int{2}, layer("qd", "QuantizedDense", qd, wt("kernel", []int{2, 2}, 6, 1, 3, -0.5), wt("bias", []int{2}, 0.25, -0.25)))
	expect(t, run(t, m, []int{1, 2}, 1, 2), []int{1, 2}, []float32{14.25, -0.5833333}, 1e-6)

	// QuantizedConv2D 1×1 with MaxQuantizer(3 bits): q(kernel) = [[6 0] [4 −4]].
	qc := &keras.QuantizedConv2D{Conv2D: *conv2DConfig(2, 1, 1, "valid"), Quantizer: keras.WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 3}}
	m = chain([]int{1, 1, 2}, layer("qc", "QuantizedConv2D", qc, wt("kernel", []int{1, 1, 2, 2}, 6, 1, 3, -5), wt("bias", []int{2}, 0, 1)))
	expect(t, run(t, m, []int{1, 1, 1, 2}, 1, 1), []int{1, 1, 1, 2}, []float32{10, -3}, 0)

	// QuantizedSeparableConv2D: the depthwise kernel goes through
	// quantizer_dw (MaxQuantizer 2 bits: [0.4 1] → [0 1]), the pointwise
	// one through quantizer (8 bits per axis: 0.5·127 = 63.5 → 64/127).
	qs := &keras.QuantizedSeparableConv2D{
		SeparableConv2D: keras.SeparableConv2D{Filters: 1, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "valid",
			DataFormat: "channels_last", DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear", UseBias: true},
		Quantizer:   keras.WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 8},
		QuantizerDW: keras.WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 2},
	}
	m = chain([]int{1, 1, 2}, layer("qs", "QuantizedSeparableConv2D", qs,
		wt("depthwise_kernel", []int{1, 1, 2, 1}, 0.4, 1), wt("pointwise_kernel", []int{1, 1, 2, 1}, 1, 0.5), wt("bias", []int{1}, 0)))
	expect(t, run(t, m, []int{1, 1, 1, 2}, 3, 2), []int{1, 1, 1, 1}, []float32{2 * 64.0 / 127}, 1e-6)
}

func TestQuantizedActivationBitwidthError(t *testing.T) {
	m := chain([]int{1}, layer("q", "QuantizedReLU", &keras.QuantizedReLU{Bitwidth: 0, MaxValue: 1}))
	_, err := Run(m, Tensor{Shape: []int{1, 1}, Data: []float32{1}}, Options{})
	want := `layer "q" (QuantizedReLU): bitwidth 0 is out of range; cnn2snn quantized activations take 1 to 24 bits`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
