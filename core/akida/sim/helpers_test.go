package sim

import (
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Helpers that build small models with the akida constructors.

// model chains the layers into a model.
func model(t testing.TB, layers ...*akida.Layer) *akida.Model {
	t.Helper()
	m := &akida.Model{}
	for _, l := range layers {
		if err := m.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// setWeights sets a weights variable of the given numpy shape and bits.
func setWeights(t testing.TB, l *akida.Layer, name string, shape []int, bits int, values []int8) {
	t.Helper()
	v, err := akida.NewWeights(name, shape, values, bits)
	if err != nil {
		t.Fatal(err)
	}
	l.SetVariable(v)
}

// setNeurons sets threshold and act_step.
func setNeurons(t testing.TB, l *akida.Layer, thresholds []int32, steps []float32) {
	t.Helper()
	th, err := akida.NewInt32s("threshold", []int{len(thresholds)}, thresholds)
	if err != nil {
		t.Fatal(err)
	}
	st, err := akida.NewFloat32s("act_step", []int{len(steps)}, steps)
	if err != nil {
		t.Fatal(err)
	}
	l.SetVariable(th)
	l.SetVariable(st)
}

// inputData returns a 4-bit InputData layer of the given shape.
func inputData(shape [3]int) *akida.Layer {
	o := akida.DefaultInputData()
	o.InputShape = shape
	return akida.NewInputData("input", o)
}

// convOptions returns Convolutional options without activation (a last
// layer) with 4-bit weights.
func convOptions(k [2]int, filters int, pad akida.Padding, stride [2]int) akida.ConvolutionalOptions {
	o := akida.DefaultConvolutional()
	o.KernelSize, o.Filters, o.Padding, o.Stride = k, filters, pad, stride
	o.WeightsBits, o.Activation = 4, false
	return o
}

// forward runs Forward and fails the test on error.
func forward(t testing.TB, m *akida.Model, in Input) *Output {
	t.Helper()
	out, err := Forward(m, in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkOutput compares an output with its expected shape and values.
func checkOutput[T comparable](t testing.TB, gotShape [4]int, got []T, wantShape [4]int, want []T) {
	t.Helper()
	if gotShape != wantShape {
		t.Errorf("output shape %v, want %v", gotShape, wantShape)
	}
	if !slices.Equal(got, want) {
		t.Errorf("output\n got %v\nwant %v", got, want)
	}
}

// seq returns the uint8 values from, from+1, …, from+n−1.
func seq(from, n int) []uint8 {
	out := make([]uint8, n)
	for i := range out {
		out[i] = uint8(from + i)
	}
	return out
}
