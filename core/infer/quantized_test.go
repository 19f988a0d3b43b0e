package infer

import (
	"math"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// up returns the next float32 above x.
func up(x float32) float32 { return math.Nextafter32(x, float32(math.Inf(1))) }

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

func TestQuantizedLayersUseQuantizedKernels(t *testing.T) {
	perAxis3 := keras.WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 3}
	// QuantizedDense: q(kernel) = [[6 1] [4 −2/3]], float bias [0.25 −0.25];
	// x = [1 2] → [6+8+0.25, 1−4/3−0.25]. The float kernel would give [12.25, −0.25].
	qd := &keras.QuantizedDense{Dense: keras.Dense{Units: 2, Activation: "linear", UseBias: true}, Quantizer: perAxis3}
	m := chain([]int{2}, layer("qd", "QuantizedDense", qd, wt("kernel", []int{2, 2}, 6, 1, 3, -0.5), wt("bias", []int{2}, 0.25, -0.25)))
	expect(t, run(t, m, []int{1, 2}, 1, 2), []int{1, 2}, []float32{14.25, -0.5833333}, 1e-6)

	// QuantizedConv2D 1×1 with MaxQuantizer(3 bits): sf = 3/6, W·sf =
	// [[3 0.5] [1.5 −2.5]] rounds half to even to [[3 0] [2 −2]], so
	// q(kernel) = [[6 0] [4 −4]]; x = [1 2] → [14, −8+1]. Rounding half
	// away from zero would give q = [[6 2] [4 −6]] and −9.
	qc := &keras.QuantizedConv2D{Conv2D: *conv2DConfig(2, 1, 1, "valid"), Quantizer: keras.WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 3}}
	m = chain([]int{1, 1, 2}, layer("qc", "QuantizedConv2D", qc, wt("kernel", []int{1, 1, 2, 2}, 6, 1, 3, -5), wt("bias", []int{2}, 0, 1)))
	expect(t, run(t, m, []int{1, 1, 1, 2}, 1, 2), []int{1, 1, 1, 2}, []float32{14, -7}, 0)

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

func TestQuantizedLayerErrors(t *testing.T) {
	m := chain([]int{1}, layer("q", "QuantizedReLU", &keras.QuantizedReLU{Bitwidth: 0, MaxValue: 1}))
	_, err := Run(m, Tensor{Shape: []int{1, 1}, Data: []float32{1}}, Options{})
	want := `layer "q" (QuantizedReLU): bitwidth 0 is not a usable activation bit width; cnn2snn needs a positive bit width (1, 2 or 4 for Akida 1.0)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	qd := &keras.QuantizedDense{Dense: keras.Dense{Units: 1, Activation: "linear"}, Quantizer: keras.WeightQuantizer{ClassName: "LogQuantizer", Bitwidth: 4}}
	m = chain([]int{1}, layer("qd", "QuantizedDense", qd, wt("kernel", []int{1, 1}, 1)))
	_, err = Run(m, Tensor{Shape: []int{1, 1}, Data: []float32{1}}, Options{})
	want = `layer "qd" (QuantizedDense): "LogQuantizer" is not a cnn2snn weight quantizer (MaxQuantizer, MaxPerAxisQuantizer, StdWeightQuantizer, StdPerAxisQuantizer)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
