package convert

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// InputScaling is the (a, b) of Akida input = a × Keras input + b, and where
// it came from.
type InputScaling struct {
	Scale float64 `json:"scale"`
	Shift float64 `json:"shift"`
	// Source is "rescaling" (derived from a Rescaling layer, named in
	// Layer), "option" (given) or "default" ((1, 0)).
	Source string `json:"source"`
	Layer  string `json:"layer,omitempty"`
}

func (s InputScaling) pair() [2]float64 { return [2]float64{s.Scale, s.Shift} }

// Sources of the input scaling.
const (
	ScalingFromRescaling = "rescaling"
	ScalingFromOption    = "option"
	ScalingDefault       = "default"
)

// resolveInputScaling is the start of cnn2snn's _convert_cnn2snn: a
// Rescaling among model.layers[:2] (Keras: input = scale × akida + offset)
// gives (1/scale, −offset/scale); it must not come with a given scaling;
// the order is Rescaling, option, (1, 0); the scale must be positive.
func resolveInputScaling(m *keras.Model, given *[2]float64) (InputScaling, []compat.Diagnostic) {
	var diags []compat.Diagnostic
	s := InputScaling{Scale: 1, Shift: 0, Source: ScalingDefault}
	derived := false
	if r := leadingRescaling(m); r != nil {
		c := r.Config.(*keras.Rescaling)
		switch {
		case len(c.Scale) != 1 || len(c.Offset) != 1:
			diags = append(diags, compat.BadRescaling(r.Name, "its scale "+pyrepr.FloatList(c.Scale)+" or offset "+pyrepr.FloatList(c.Offset)+" is per channel"))
		case c.Scale[0] == 0:
			diags = append(diags, compat.BadRescaling(r.Name, "its scale is 0, so 1/scale is infinite"))
		case !isFinite(1/c.Scale[0]) || !isFinite(-c.Offset[0]/c.Scale[0]):
			// As a given scaling (Options.Validate): Inf or NaN would
			// saturate every threshold.
			diags = append(diags, compat.BadRescaling(r.Name, "its scale "+pyrepr.Float(c.Scale[0])+" and offset "+pyrepr.Float(c.Offset[0])+
				" give an input scaling (1/scale, −offset/scale) beyond the float range"))
		default:
			s = InputScaling{Scale: 1 / c.Scale[0], Shift: -c.Offset[0] / c.Scale[0], Source: ScalingFromRescaling, Layer: r.Name}
			derived = true
		}
		if given != nil {
			diags = append(diags, compat.ScalingConflict(r.Name, *given))
		}
	}
	if !derived && given != nil {
		s = InputScaling{Scale: given[0], Shift: given[1], Source: ScalingFromOption}
	}
	if !(s.Scale > 0) {
		diags = append(diags, compat.ScaleNotPositive(s.Layer, s.pair()))
	}
	return s, diags
}

// leadingRescaling returns the Rescaling layer among Keras' model.layers[:2],
// or nil. Keras' layers list of a Sequential model has no InputLayer, a
// Functional model's starts with it.
func leadingRescaling(m *keras.Model) *keras.Layer {
	var layers []*keras.Layer
	for _, l := range m.Layers {
		if m.Class == "Sequential" && l.IsInput() {
			continue
		}
		layers = append(layers, l)
		if len(layers) == 2 {
			break
		}
	}
	for _, l := range layers {
		if _, ok := l.Config.(*keras.Rescaling); ok {
			return l
		}
	}
	return nil
}
