package infer

import (
	"math"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Small hand-built models for the hand-computed tests. They are built as
// core/keras would load them: an InputLayer, then a chain of layers, each
// fed by the previous one.

// layer makes a layer with a typed config and weights.
func layer(name, class string, config any, weights ...keras.Weight) *keras.Layer {
	return &keras.Layer{Name: name, ClassName: class, Config: config, Weights: weights, InboundNodes: 1}
}

// wt makes a weight of a shape from its values in C order.
func wt(name string, shape []int, values ...float32) keras.Weight {
	return keras.Weight{Name: name, Shape: shape, Values: values}
}

// chain makes a model: an input of the given shape (without batch), then
// the layers in order.
func chain(inputShape []int, layers ...*keras.Layer) *keras.Model {
	in := &keras.Layer{
		Name: "input", ClassName: "InputLayer",
		Config:      &keras.InputLayer{BatchShape: append([]int{-1}, inputShape...), Dtype: "float32"},
		OutputShape: inputShape,
	}
	m := &keras.Model{Name: "hand", Class: "Functional", Inputs: []string{"input"}, Layers: []*keras.Layer{in}}
	prev := "input"
	for _, l := range layers {
		l.Inbound = []string{prev}
		m.Layers = append(m.Layers, l)
		prev = l.Name
	}
	m.Outputs = []string{prev}
	return m
}

// run runs a model on one batch and returns its only output.
func run(t *testing.T, m *keras.Model, shape []int, data ...float32) Tensor {
	t.Helper()
	res, err := Run(m, Tensor{Shape: shape, Data: data}, Options{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res.Outputs[0]
}

// seq returns 1, 2, …, n as float32.
func seq(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i + 1)
	}
	return v
}

// expect compares a tensor with the expected shape and values, within
// tol (0 for exact equality).
func expect(t *testing.T, got Tensor, shape []int, want []float32, tol float64) {
	t.Helper()
	if len(got.Shape) != len(shape) {
		t.Fatalf("shape %v, want %v", got.Shape, shape)
	}
	for i := range shape {
		if got.Shape[i] != shape[i] {
			t.Fatalf("shape %v, want %v", got.Shape, shape)
		}
	}
	if len(got.Data) != len(want) {
		t.Fatalf("%d values, want %d", len(got.Data), len(want))
	}
	for i, w := range want {
		if d := math.Abs(float64(got.Data[i]) - float64(w)); d > tol || math.IsNaN(d) {
			t.Errorf("value %d = %v, want %v", i, got.Data[i], w)
		}
	}
}

func conv2DConfig(filters, k, stride int, padding string) *keras.Conv2D {
	return &keras.Conv2D{
		Filters: filters, KernelSize: [2]int{k, k}, Strides: [2]int{stride, stride}, Padding: padding,
		DataFormat: "channels_last", DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: true,
	}
}

// centerTap is a k×k single-channel kernel whose only 1 is at the
// center: the convolution then copies the input cell under the center,
// which shows exactly where each output reads.
func centerTap(k int) []float32 {
	w := make([]float32, k*k)
	w[(k/2)*k+k/2] = 1
	return w
}

func ones(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return v
}
