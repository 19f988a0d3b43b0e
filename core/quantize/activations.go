package quantize

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Extension (a) of this package (see the package doc): users' float models
// write ReLUs as a fused activation= argument or as Activation("relu")
// layers. cnn2snn.quantize refuses the first ("Argument 'activation' …")
// and leaves the second float, so neither converts. Both are turned into
// Keras ReLU layers here, before BatchNormalization folding, so that the
// folding sees the activation where Keras applies it.

// fusedReLUMax maps the fused activations that are ReLUs to their
// max_value (nil: unbounded).
func fusedReLUMax(activation string) (maxValue *float64, ok bool) {
	switch activation {
	case "relu":
		return nil, true
	case "relu6":
		six := 6.0
		return &six, true
	}
	return nil, false
}

// isFinalActivation reports the fused activations that may stay after the
// last neural layer: cnn2snn drops a final activation (the Akida model
// outputs potentials, whose order is the same).
func isFinalActivation(activation string) bool {
	return activation == "softmax" || activation == "sigmoid"
}

// splitActivations returns the layers with fused ReLU and final
// activations split into layers of their own and Activation("relu") layers
// turned into ReLU layers. Changed layers are copies; the others are
// returned as they are. Other fused activations are left in place;
// checkArguments reports them.
func (q *quantizer) splitActivations(layers []*keras.Layer) []*keras.Layer {
	out := make([]*keras.Layer, 0, len(layers)+4)
	for i, l := range layers {
		if a, ok := l.Config.(*keras.Activation); ok {
			out = append(out, q.activationToReLU(l, a.Activation))
			continue
		}
		act := fusedActivation(l)
		maxValue, isReLU := fusedReLUMax(act)
		switch {
		case isReLU:
			neural := withLinearActivation(l)
			relu := q.newLayer(l.Name+"/relu", "ReLU", &keras.ReLU{MaxValue: maxValue}, l.OutputShape)
			q.report.add(Action{Kind: ActionSplitActivation, Layer: l.Name, Result: relu.Name, Extension: true,
				Text: sprintf("split the fused activation %q of %s into a ReLU layer %s%s (extension: cnn2snn.quantize refuses fused activations)",
					act, l.Name, relu.Name, maxValueNote(maxValue))})
			out = append(out, neural, relu)
		case isFinalActivation(act) && !neuralAfter(layers[i+1:]):
			neural := withLinearActivation(l)
			final := q.newLayer(l.Name+"/"+act, "Activation", &keras.Activation{Activation: act}, l.OutputShape)
			q.report.add(Action{Kind: ActionFinalActivation, Layer: l.Name, Result: final.Name, Extension: true,
				Text: sprintf("split the fused final activation %q of %s into an Activation layer %s, which the converter drops as cnn2snn drops a final activation: the Akida model outputs %s's potentials (apply %s on them if you need probabilities)",
					act, l.Name, final.Name, l.Name, act)})
			out = append(out, neural, final)
		default:
			out = append(out, l)
		}
	}
	return out
}

// activationToReLU turns an Activation("relu"/"relu6") layer into a ReLU
// layer of the same name; any other Activation layer is returned as it is
// (cnn2snn allows them only at the end, which the converter checks).
func (q *quantizer) activationToReLU(l *keras.Layer, act string) *keras.Layer {
	maxValue, ok := fusedReLUMax(act)
	if !ok {
		return l
	}
	relu := *l
	relu.ClassName, relu.Package = "ReLU", ""
	relu.Config = &keras.ReLU{MaxValue: maxValue}
	relu.RawConfig = reluRawConfig(l.Name, maxValue)
	q.report.add(Action{Kind: ActionActivationToReLU, Layer: l.Name, Result: l.Name, Extension: true,
		Text: sprintf("Activation layer %s (%q) becomes a ReLU layer%s (extension: cnn2snn.quantize leaves Activation layers float)",
			l.Name, act, maxValueNote(maxValue))})
	return &relu
}

func maxValueNote(maxValue *float64) string {
	if maxValue == nil {
		return ""
	}
	return sprintf(" with max_value %s", pyrepr.Float(*maxValue))
}

// newLayer makes a layer that the original model does not have, with a
// fresh name.
func (q *quantizer) newLayer(base, class string, config any, shape keras.Shape) *keras.Layer {
	name := q.freshName(base)
	l := &keras.Layer{Name: name, ClassName: class, Config: config, InboundNodes: 1,
		OutputShape: append(keras.Shape(nil), shape...)}
	switch c := config.(type) {
	case *keras.ReLU:
		l.RawConfig = reluRawConfig(name, c.MaxValue)
	case *keras.Activation:
		l.RawConfig = rawConfig(nil, name, nil, map[string]any{"activation": c.Activation})
	}
	return l
}

// fusedActivation returns the activation= argument of a float neural
// layer ("linear" for the others).
func fusedActivation(l *keras.Layer) string {
	switch c := l.Config.(type) {
	case *keras.Conv2D:
		return c.Activation
	case *keras.SeparableConv2D:
		return c.Activation
	case *keras.Dense:
		return c.Activation
	}
	return "linear"
}

// withLinearActivation returns a copy of a float neural layer whose fused
// activation is moved out (its config and raw config say "linear").
func withLinearActivation(l *keras.Layer) *keras.Layer {
	c := *l
	switch cfg := l.Config.(type) {
	case *keras.Conv2D:
		n := *cfg
		n.Activation = "linear"
		c.Config = &n
	case *keras.SeparableConv2D:
		n := *cfg
		n.Activation = "linear"
		c.Config = &n
	case *keras.Dense:
		n := *cfg
		n.Activation = "linear"
		c.Config = &n
	}
	c.RawConfig = rawConfig(l.RawConfig, l.Name, nil, map[string]any{"activation": "linear"})
	return &c
}

// neuralAfter reports whether a neural layer (float or cnn2snn) is among
// the layers.
func neuralAfter(layers []*keras.Layer) bool {
	for _, l := range layers {
		if compat.IsNeural(l) {
			return true
		}
	}
	return false
}

func reluRawConfig(name string, maxValue *float64) []byte {
	return rawConfig(nil, name, nil, map[string]any{"max_value": maxValue, "negative_slope": 0.0, "threshold": 0.0})
}
