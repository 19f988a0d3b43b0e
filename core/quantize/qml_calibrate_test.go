package quantize

import (
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/infer"
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
