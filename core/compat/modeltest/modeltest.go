// Package modeltest builds small keras.Model values by hand for the tests
// of the converter packages: layers with typed configs, weights, inbound
// names and output shapes, as keras.Load would produce them.
//
//	m := modeltest.New("tiny", 8, 8, 3).
//		Add("conv", &keras.QuantizedConv2D{...}, modeltest.W("kernel", []int{3, 3, 3, 4}, ...)).
//		Add("relu", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6}).
//		Model()
//
// Output shapes are inferred for the layer kinds the tests use
// (convolutions, poolings, dense, flatten, reshape); other layers keep
// their input shape. Use Shape to set one by hand.
package modeltest

import (
	"reflect"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Builder builds a model layer by layer.
type Builder struct {
	m *keras.Model
}

// New starts a Functional model whose InputLayer "input" has the given
// shape (without batch dimension).
func New(name string, input ...int) *Builder {
	b := &Builder{m: &keras.Model{Name: name, Class: "Functional", Format: keras.FormatKeras2H5}}
	b.AddInput("input", input...)
	b.m.Outputs = nil
	return b
}

// AddInput adds another InputLayer.
func (b *Builder) AddInput(name string, shape ...int) *Builder {
	batch := append([]int{-1}, shape...)
	b.m.Layers = append(b.m.Layers, &keras.Layer{
		Name: name, ClassName: "InputLayer",
		Config:      &keras.InputLayer{BatchShape: batch, Dtype: "float32"},
		OutputShape: append(keras.Shape{}, shape...),
	})
	b.m.Inputs = append(b.m.Inputs, name)
	return b
}

// Add appends a layer fed by the last layer added; it becomes the model
// output.
func (b *Builder) Add(name string, config any, weights ...keras.Weight) *Builder {
	last := b.m.Layers[len(b.m.Layers)-1].Name
	return b.AddFrom(name, config, []string{last}, weights...)
}

// AddFrom appends a layer fed by the named layers; it becomes the model
// output (SetOutputs changes that).
func (b *Builder) AddFrom(name string, config any, inbound []string, weights ...keras.Weight) *Builder {
	class, pkg := className(config)
	l := &keras.Layer{Name: name, ClassName: class, Package: pkg, Config: config,
		Inbound: append([]string{}, inbound...), InboundNodes: 1, Weights: weights}
	var ins []keras.Shape
	for _, in := range inbound {
		if il := b.m.Layer(in); il != nil {
			ins = append(ins, il.OutputShape)
		}
	}
	l.OutputShape = outputShape(config, ins)
	b.m.Layers = append(b.m.Layers, l)
	b.m.Outputs = []string{name}
	return b
}

// Shape sets the output shape of the last layer added.
func (b *Builder) Shape(shape ...int) *Builder {
	b.m.Layers[len(b.m.Layers)-1].OutputShape = append(keras.Shape{}, shape...)
	return b
}

// Nodes sets the inbound node count of the last layer added (a shared
// layer has more than one).
func (b *Builder) Nodes(n int) *Builder {
	b.m.Layers[len(b.m.Layers)-1].InboundNodes = n
	return b
}

// SetOutputs sets the model outputs.
func (b *Builder) SetOutputs(names ...string) *Builder {
	b.m.Outputs = names
	return b
}

// Sequential marks the model as a Keras Sequential one.
func (b *Builder) Sequential() *Builder {
	b.m.Class = "Sequential"
	return b
}

// Model returns the model built.
func (b *Builder) Model() *keras.Model { return b.m }

// W returns a weight.
func W(name string, shape []int, values ...float32) keras.Weight {
	return keras.Weight{Name: name, Shape: shape, Values: values}
}

// Fill returns a weight of the given shape whose values are f(i) for the
// C-order index i.
func Fill(name string, shape []int, f func(i int) float32) keras.Weight {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = f(i)
	}
	return keras.Weight{Name: name, Shape: shape, Values: v}
}

// BatchNorm returns the four weights of a BatchNormalization.
func BatchNorm(gamma, beta, mean, variance []float32) []keras.Weight {
	n := []int{len(gamma)}
	return []keras.Weight{W("gamma", n, gamma...), W("beta", n, beta...), W("moving_mean", n, mean...), W("moving_variance", n, variance...)}
}

// className is the Keras class of a config type: its Go name, with
// quantizeml's QML prefix written as Keras does (QMLConv2D →
// QuantizedConv2D in package Custom).
func className(config any) (class, pkg string) {
	name := reflect.TypeOf(config).Elem().Name()
	if rest, ok := strings.CutPrefix(name, "QML"); ok {
		switch rest {
		case "Dequantizer", "InputQuantizer":
			return rest, "Custom"
		}
		return "Quantized" + rest, "Custom"
	}
	return name, ""
}

// outputShape infers the output shape of the layer kinds the tests use.
func outputShape(config any, ins []keras.Shape) keras.Shape {
	if len(ins) == 0 || ins[0] == nil {
		return nil
	}
	in := ins[0]
	switch c := config.(type) {
	case *keras.Conv2D:
		return conv(in, c.KernelSize, c.Strides, c.Padding, c.Filters)
	case *keras.QuantizedConv2D:
		return conv(in, c.KernelSize, c.Strides, c.Padding, c.Filters)
	case *keras.QMLConv2D:
		return conv(in, c.KernelSize, c.Strides, c.Padding, c.Filters)
	case *keras.SeparableConv2D:
		return conv(in, c.KernelSize, c.Strides, c.Padding, c.Filters)
	case *keras.QuantizedSeparableConv2D:
		return conv(in, c.KernelSize, c.Strides, c.Padding, c.Filters)
	case *keras.QMLSeparableConv2D:
		return conv(in, c.KernelSize, c.Strides, c.Padding, c.Filters)
	case *keras.DepthwiseConv2D:
		return conv(in, c.KernelSize, c.Strides, c.Padding, in[len(in)-1])
	case *keras.MaxPooling2D:
		return conv(in, c.PoolSize, c.Strides, c.Padding, in[len(in)-1])
	case *keras.QMLMaxPool2D:
		return conv(in, c.PoolSize, c.Strides, c.Padding, in[len(in)-1])
	case *keras.AveragePooling2D:
		return conv(in, c.PoolSize, c.Strides, c.Padding, in[len(in)-1])
	case *keras.GlobalAveragePooling2D, *keras.QMLGlobalAveragePooling2D:
		return keras.Shape{in[len(in)-1]}
	case *keras.Dense:
		return dense(in, c.Units)
	case *keras.QuantizedDense:
		return dense(in, c.Units)
	case *keras.QMLDense:
		return dense(in, c.Units)
	case *keras.Flatten, *keras.QMLFlatten:
		n := 1
		for _, d := range in {
			n *= d
		}
		return keras.Shape{n}
	case *keras.Reshape:
		return append(keras.Shape{}, c.TargetShape...)
	case *keras.Concatenate:
		out := append(keras.Shape{}, in...)
		for _, s := range ins[1:] {
			out[len(out)-1] += s[len(s)-1]
		}
		return out
	}
	return append(keras.Shape{}, in...)
}

func conv(in keras.Shape, kernel, strides [2]int, padding string, filters int) keras.Shape {
	if len(in) != 3 {
		return nil
	}
	out := keras.Shape{0, 0, filters}
	for i := range 2 {
		if padding == "same" {
			out[i] = (in[i] + strides[i] - 1) / strides[i]
		} else {
			out[i] = (in[i]-kernel[i])/strides[i] + 1
		}
	}
	return out
}

func dense(in keras.Shape, units int) keras.Shape {
	out := append(keras.Shape{}, in...)
	out[len(out)-1] = units
	return out
}

// Quantize stands in for core/quantize in tests: it returns a copy of a
// float model quantized the cnn2snn way — Conv2D, SeparableConv2D and Dense
// become cnn2snn's Quantized* layers with MaxPerAxisQuantizer (a separable
// depthwise kernel MaxQuantizer), the first one with inBits, the others
// wBits; ReLU becomes QuantizedReLU(aBits, its max_value or 2^aBits − 1).
// A fused "relu" becomes a QuantizedReLU layer "<name>_relu" after the
// layer, and a fused "softmax" is dropped. Weights stay float: the
// converter quantizes them.
func Quantize(m *keras.Model, wBits, aBits, inBits int) *keras.Model {
	q := m.Clone()
	var out []*keras.Layer
	first := true
	bits := func() int {
		if first {
			first = false
			return inBits
		}
		return wBits
	}
	wq := func(class string, b int) keras.WeightQuantizer {
		return keras.WeightQuantizer{ClassName: class, Bitwidth: b, Threshold: 3}
	}
	reluMax := float64(int(1)<<aBits - 1)
	for _, l := range q.Layers {
		out = append(out, l)
		fused := ""
		switch c := l.Config.(type) {
		case *keras.Conv2D:
			fused, c.Activation = c.Activation, "linear"
			l.Config, l.ClassName = &keras.QuantizedConv2D{Conv2D: *c, Quantizer: wq("MaxPerAxisQuantizer", bits())}, "QuantizedConv2D"
		case *keras.SeparableConv2D:
			fused, c.Activation = c.Activation, "linear"
			b := bits()
			l.Config, l.ClassName = &keras.QuantizedSeparableConv2D{SeparableConv2D: *c,
				Quantizer: wq("MaxPerAxisQuantizer", b), QuantizerDW: wq("MaxQuantizer", b)}, "QuantizedSeparableConv2D"
		case *keras.Dense:
			fused, c.Activation = c.Activation, "linear"
			l.Config, l.ClassName = &keras.QuantizedDense{Dense: *c, Quantizer: wq("MaxPerAxisQuantizer", bits())}, "QuantizedDense"
		case *keras.ReLU:
			mv := reluMax
			if c.MaxValue != nil {
				mv = *c.MaxValue
			}
			l.Config, l.ClassName = &keras.QuantizedReLU{Bitwidth: aBits, MaxValue: mv}, "QuantizedReLU"
		}
		if fused == "relu" {
			relu := &keras.Layer{Name: l.Name + "_relu", ClassName: "QuantizedReLU", InboundNodes: 1,
				Config:  &keras.QuantizedReLU{Bitwidth: aBits, MaxValue: reluMax},
				Inbound: []string{l.Name}, OutputShape: append(keras.Shape{}, l.OutputShape...)}
			rewire(q, l.Name, relu.Name)
			out = append(out, relu)
		}
	}
	q.Layers = out
	return q
}

// rewire makes the layers (and outputs) fed by from be fed by to instead.
func rewire(m *keras.Model, from, to string) {
	for _, l := range m.Layers {
		for i, in := range l.Inbound {
			if in == from {
				l.Inbound[i] = to
			}
		}
	}
	for i, o := range m.Outputs {
		if o == from {
			m.Outputs[i] = to
		}
	}
}
