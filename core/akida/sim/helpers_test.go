package sim

import (
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/transform"
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

// Helpers that make real Akida models: Keras fixtures quantized the
// cnn2snn way and converted by core/convert (BenchmarkForwardAkidaNet025,
// and the tests of convert_test.go, package sim_test).

// cnn2snnQuantized loads a float Keras fixture and makes it a cnn2snn
// quantized model with a stand-in written before core/quantize existed,
// kept so that these tests and benchmarks run the same models as ever:
// batch normalizations folded into the layers before them by cnn2snn's
// syncretize (cnn2snn quantizes folded kernels), then the first neural
// layer gets an 8-bit per-axis max quantizer, the others 4-bit ones (the
// depthwise kernels a MaxQuantizer), and ReLU becomes QuantizedReLU with 4
// bits and its max_value (15 when unbounded). The weights stay float: the
// converter quantizes them.
func cnn2snnQuantized(t testing.TB, file string) *keras.Model {
	t.Helper()
	m, err := keras.Load([]keras.File{{Name: file, Data: fixtures.ReadShared(t, "keras", file)}})
	if err != nil {
		t.Fatal(err)
	}
	m = folded(t, m)
	quantizer := func(class string, bits int) keras.WeightQuantizer {
		return keras.WeightQuantizer{ClassName: class, Bitwidth: bits, Threshold: 3}
	}
	bits := 8
	for _, l := range m.Layers {
		switch c := l.Config.(type) {
		case *keras.Conv2D:
			l.Config, l.ClassName = &keras.QuantizedConv2D{Conv2D: *c, Quantizer: quantizer("MaxPerAxisQuantizer", bits)}, "QuantizedConv2D"
		case *keras.SeparableConv2D:
			l.Config, l.ClassName = &keras.QuantizedSeparableConv2D{SeparableConv2D: *c,
				Quantizer: quantizer("MaxPerAxisQuantizer", bits), QuantizerDW: quantizer("MaxQuantizer", bits)}, "QuantizedSeparableConv2D"
		case *keras.Dense:
			l.Config, l.ClassName = &keras.QuantizedDense{Dense: *c, Quantizer: quantizer("MaxPerAxisQuantizer", bits)}, "QuantizedDense"
		case *keras.ReLU:
			maxValue := 15.0
			if c.MaxValue != nil {
				maxValue = *c.MaxValue
			}
			l.Config, l.ClassName = &keras.QuantizedReLU{Bitwidth: 4, MaxValue: maxValue}, "QuantizedReLU"
			continue
		default:
			continue
		}
		bits = 4
	}
	return m
}

// CNN2SNNQuantized is cnn2snnQuantized for package sim_test, whose tests
// import core/verify (which imports this package, so package sim's own
// tests cannot).
func CNN2SNNQuantized(t testing.TB, file string) *keras.Model { return cnn2snnQuantized(t, file) }

// folded returns the model with cnn2snn's syncretize applied (Dropout
// removed, BatchNormalization folded, max pooling before the activation)
// as a plain chain of layers.
func folded(t testing.TB, m *keras.Model) *keras.Model {
	t.Helper()
	seq, err := transform.Sequentialize(m)
	if err == nil {
		seq, err = transform.Syncretize(seq)
	}
	if err != nil {
		t.Fatal(err)
	}
	out := &keras.Model{Name: m.Name, Class: m.Class, Format: m.Format, Inputs: []string{seq.Input.Name}}
	out.Layers = append(out.Layers, seq.Input.Clone())
	for _, l := range seq.Layers {
		c := l.Clone()
		c.Inbound = []string{out.Layers[len(out.Layers)-1].Name}
		out.Layers = append(out.Layers, c)
	}
	out.Outputs = []string{out.Layers[len(out.Layers)-1].Name}
	return out
}

// convertModel converts a quantized Keras model.
func convertModel(t testing.TB, km *keras.Model) *akida.Model {
	t.Helper()
	am, _, err := convert.Convert(km, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return am
}
