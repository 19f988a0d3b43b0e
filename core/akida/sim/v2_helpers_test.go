package sim

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Helpers that build small Akida 2.0 models with the akida constructors
// and variables of the element types cnn2snn writes (conversion-v2.md
// §2.0): int8 weights and biases, uint8 shifts and scales, int8 output
// shifts, int32 LUT tables, float32 Quantizer/Dequantizer scales.

// setInt8s sets an int8 variable (weights, bias, output_shift).
func setInt8s(t testing.TB, l *akida.Layer, name string, shape []int, values ...int8) {
	t.Helper()
	v, err := akida.NewWeights(name, shape, values, 8)
	if err != nil {
		t.Fatal(err)
	}
	l.SetVariable(v)
}

// setUint8s sets a uint8 variable (shifts, output_scales, padding_value,
// max_value, zero_points).
func setUint8s(t testing.TB, l *akida.Layer, name string, shape []int, values ...uint8) {
	t.Helper()
	v, err := akida.NewUint8s(name, shape, values)
	if err != nil {
		t.Fatal(err)
	}
	l.SetVariable(v)
}

// setInt32s sets an int32 variable (lut_values, wide scales).
func setInt32s(t testing.TB, l *akida.Layer, name string, shape []int, values ...int32) {
	t.Helper()
	v, err := akida.NewInt32s(name, shape, values)
	if err != nil {
		t.Fatal(err)
	}
	l.SetVariable(v)
}

// setFloat32s sets a float32 variable (Quantizer and Dequantizer scales).
func setFloat32s(t testing.TB, l *akida.Layer, name string, shape []int, values ...float32) {
	t.Helper()
	v, err := akida.NewFloat32s(name, shape, values)
	if err != nil {
		t.Fatal(err)
	}
	l.SetVariable(v)
}

// signedInput is an 8-bit signed InputData (what cnn2snn makes for int8
// Keras inputs) of the given shape.
func signedInput(shape [3]int) *akida.Layer {
	o := akida.DefaultInputData()
	o.InputShape, o.InputBits, o.Signed = shape, 8, true
	return akida.NewInputData("input", o)
}

// bits returns the bit widths of a layer without output stage whose
// outputs are its buffer: output_bits = buffer_bits = bb.
func bits(bb int) akida.Bits {
	return akida.Bits{OutputBits: bb, BufferBits: bb, PostOpBufferBits: 32}
}

// conv2D returns Conv2D options: k×k kernel, stride 1, no pooling, no
// activation, 32-bit outputs and buffer.
func conv2D(k, filters int, pad akida.Padding) akida.Conv2DOptions {
	o := akida.DefaultConv2D()
	o.KernelSize, o.Filters, o.Padding, o.Activation, o.Bits = k, filters, pad, akida.NoActivation, bits(32)
	return o
}

// dense1D returns a Dense1D of the given units without activation and
// with 32-bit outputs and buffer.
func dense1D(name string, units int) *akida.Layer {
	o := akida.DefaultDense1D()
	o.Units, o.Bits = units, bits(32)
	return akida.NewDense1D(name, o)
}

// int8s returns the values as int8 (test inputs).
func int8s(values ...int) []int8 {
	out := make([]int8, len(values))
	for i, v := range values {
		out[i] = int8(v)
	}
	return out
}

// run runs a model on an input with every layer kept, failing on error.
func run(t testing.TB, m *akida.Model, in Input) *Output {
	t.Helper()
	s, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Forward(in, Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
