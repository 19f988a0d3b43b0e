package quantize

import (
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/infer"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// TestPlanBatches: how tf_keras' predict(x, steps, batch_size) cuts an
// array of n samples, with quantizeml's steps (spec §4.7).
func TestPlanBatches(t *testing.T) {
	for _, c := range []struct {
		n, numSamples, batchSize int
		want                     batchPlan
	}{
		{1024, 1024, 0, batchPlan{1, 1024}}, // random samples: batches of 1
		{100, 1024, 0, batchPlan{1, 100}},   // a small array: every sample once
		{2000, 1024, 0, batchPlan{2, 1000}}, // a large array: ceil(2000/1024) = 2 per batch
		{1024, 1024, 100, batchPlan{100, 11}},
		{1000, 100, 32, batchPlan{32, 4}}, // ceil(100/32) = 4 steps: 128 samples of the 1000
		{50, 100, 32, batchPlan{32, 2}},   // the array runs out first: 32 + 18
		{3, 3, 0, batchPlan{1, 3}},
	} {
		if got := planBatches(c.n, c.numSamples, c.batchSize); got != c.want {
			t.Errorf("n=%d num_samples=%d batch_size=%d: %+v, want %+v", c.n, c.numSamples, c.batchSize, got, c.want)
		}
	}
}

// TestObserverUpdate: quantizeml's Observer.update_variable in float32.
func TestObserverUpdate(t *testing.T) {
	v := []float32{1, 1}
	updateVariable(v, []float32{4, 0.5}) // every element still 1: assigned
	if !slices.Equal(v, []float32{4, 0.5}) {
		t.Fatalf("first update %v", v)
	}
	// 4 − (4 − 6)·0.1f = 4 + 0.2 = 4.2 (float32 4.19999981);
	// 0.5 − (0.5 − 0.5)·0.1f = 0.5.
	updateVariable(v, []float32{6, 0.5})
	if !slices.Equal(v, []float32{4.2, 0.5}) {
		t.Fatalf("second update %v", v)
	}
	// One element still 1 is not enough: the average goes on.
	w := []float32{1, 3}
	updateVariable(w, []float32{2, 2})
	if !slices.Equal(w, []float32{1.1, 2.9}) {
		t.Fatalf("mixed update %v", w)
	}
	// The input observer's per-axis maximum, minimum and the output
	// observer's |x|.
	o := &observer{perAxis: true, max: []float32{1, 1}}
	if err := o.observe(tensorOf([]int{1, 2, 2}, -5, 1, 3, -2)); err != nil || !slices.Equal(o.max, []float32{5, 2}) {
		t.Errorf("output observer %v %v", o.max, err)
	}
	in := &observer{input: true, max: []float32{1}, min: []float32{1}}
	if err := in.observe(tensorOf([]int{1, 4}, -5, 1, 3, -2)); err != nil || in.max[0] != 3 || in.min[0] != -5 {
		t.Errorf("input observer %v %v %v", in.max, in.min, err)
	}
}

func tensorOf(shape []int, v ...float32) infer.Tensor { return infer.Tensor{Shape: shape, Data: v} }

// TestDivideKernelThroughFlatten: after a per-axis output quantizer and a
// Flatten of (2, 2, 3), a Dense kernel (12, F) is divided along the
// channel of each flattened feature: index i is channel i mod 3
// (quantizeml reshapes the kernel to (2, 2, 3, F), divides, reshapes
// back).
func TestDivideKernelThroughFlatten(t *testing.T) {
	l := &keras.Layer{Name: "dense", Config: &keras.Dense{Units: 2}, Weights: []keras.Weight{
		{Name: "kernel", Shape: []int{12, 2}, Values: filled(24, 1)}}}
	divideKernel(l, []float32{1, 2, 4}, &reshapeOp{in: keras.Shape{2, 2, 3}, out: keras.Shape{12}})
	want := []float32{1, 1, 0.5, 0.5, 0.25, 0.25, 1, 1, 0.5, 0.5, 0.25, 0.25, 1, 1, 0.5, 0.5, 0.25, 0.25, 1, 1, 0.5, 0.5, 0.25, 0.25}
	if !slices.Equal(l.Weights[0].Values, want) {
		t.Errorf("kernel %v", l.Weights[0].Values)
	}
	// A Conv2DTranspose kernel (h, w, filters, channels) is divided along
	// its last axis.
	ct := &keras.Layer{Name: "ct", Config: &keras.Conv2DTranspose{Filters: 2}, Weights: []keras.Weight{
		{Name: "kernel", Shape: []int{1, 1, 2, 3}, Values: filled(6, 1)}}}
	divideKernel(ct, []float32{1, 2, 4}, nil)
	if want := []float32{1, 0.5, 0.25, 1, 0.5, 0.25}; !slices.Equal(ct.Weights[0].Values, want) {
		t.Errorf("transposed kernel %v", ct.Weights[0].Values)
	}
}

// TestIdealRangeMax: (2^b − 1)·2^(floor(log2 r) − b).
func TestIdealRangeMax(t *testing.T) {
	for _, c := range []struct {
		r    float32
		bits int
		want float32
	}{
		{35.47, 8, 31.875},     // floor(log2) = 5: 255/8 (the ECG fixture's first ReLU)
		{12.51, 8, 7.96875},    // 3: 255/32
		{4.0, 8, 3.984375},     // an exact power of two: floor(log2 4) = 2, 255/64
		{0.75, 4, 0.46875},     // −1: 15·2^(−5)
		{0, 8, 0},              // a channel that never fired
		{1e-30, 8, 7.8886e-31}, // tiny, still positive
	} {
		got := idealRangeMax(c.r, c.bits)
		if c.r == 1e-30 {
			if got <= 0 || got > c.r {
				t.Errorf("ideal(%v) = %v", c.r, got)
			}
			continue
		}
		if got != c.want {
			t.Errorf("ideal(%v, %d) = %v, want %v", c.r, c.bits, got, c.want)
		}
	}
}
