package convert

import (
	"math"
	"os"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// loadFixture loads a Keras fixture from ../shared/fixtures/keras.
func loadFixture(t testing.TB, name string) *keras.Model {
	t.Helper()
	b, err := os.ReadFile(fixtures.Shared(t, "keras", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := keras.Load([]keras.File{{Name: name, Data: b}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// quantizeForTest stands in for core/quantize (not written yet) on the
// fixtures: it returns a copy of a float model quantized the cnn2snn way —
// Conv2D, SeparableConv2D and Dense become cnn2snn's Quantized* layers with
// MaxPerAxisQuantizer (the separable depthwise kernel MaxQuantizer), the
// first one with inBits, the others wBits; ReLU becomes QuantizedReLU(aBits,
// max_value or 2^aBits − 1). A fused "relu" becomes a QuantizedReLU layer
// of its own after the layer, and a fused final "softmax" is dropped. The
// weights are kept float: the converter quantizes them.
func quantizeForTest(m *keras.Model, wBits, aBits, inBits int) *keras.Model {
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
	maxQ := func(class string, b int) keras.WeightQuantizer {
		return keras.WeightQuantizer{ClassName: class, Bitwidth: b, Threshold: 3}
	}
	for _, l := range q.Layers {
		out = append(out, l)
		fused := ""
		switch c := l.Config.(type) {
		case *keras.Conv2D:
			fused, c.Activation = c.Activation, "linear"
			l.Config, l.ClassName = &keras.QuantizedConv2D{Conv2D: *c, Quantizer: maxQ("MaxPerAxisQuantizer", bits())}, "QuantizedConv2D"
		case *keras.SeparableConv2D:
			fused, c.Activation = c.Activation, "linear"
			b := bits()
			l.Config, l.ClassName = &keras.QuantizedSeparableConv2D{SeparableConv2D: *c,
				Quantizer: maxQ("MaxPerAxisQuantizer", b), QuantizerDW: maxQ("MaxQuantizer", b)}, "QuantizedSeparableConv2D"
		case *keras.Dense:
			fused, c.Activation = c.Activation, "linear"
			l.Config, l.ClassName = &keras.QuantizedDense{Dense: *c, Quantizer: maxQ("MaxPerAxisQuantizer", bits())}, "QuantizedDense"
		case *keras.ReLU:
			mv := math.Exp2(float64(aBits)) - 1
			if c.MaxValue != nil {
				mv = *c.MaxValue
			}
			l.Config, l.ClassName = &keras.QuantizedReLU{Bitwidth: aBits, MaxValue: mv}, "QuantizedReLU"
		}
		if fused == "relu" {
			relu := &keras.Layer{Name: l.Name + "_relu", ClassName: "QuantizedReLU", InboundNodes: 1,
				Config:  &keras.QuantizedReLU{Bitwidth: aBits, MaxValue: math.Exp2(float64(aBits)) - 1},
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
