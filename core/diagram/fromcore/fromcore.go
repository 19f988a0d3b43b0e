// Package fromcore fills the diagram package's inputs from the converter's
// own types, for the front ends that have them (the CLI). The page, which
// has the reports as JSON, decodes them into the diagram types directly;
// the tests check that both ways give the same input.
package fromcore

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Report is the diagram input of a Keras model's inspect report and, after
// a check, its blocks and diagnostics (nil for an inspect alone).
func Report(r *keras.InspectReport, blocks []compat.Block, diags []compat.Diagnostic) diagram.Report {
	out := diagram.Report{Keras: &diagram.Model{}}
	if r != nil {
		out.Keras.Name = r.Name
		out.Keras.Layers = make([]diagram.Layer, len(r.Layers))
		for i, l := range r.Layers {
			out.Keras.Layers[i] = diagram.Layer{
				Name: l.Name, ClassName: l.ClassName, Inbound: l.Inbound,
				OutputShape: diagram.BatchShape(l.OutputShape), Params: l.Params,
			}
		}
	}
	for _, b := range blocks {
		out.Blocks = append(out.Blocks, diagram.Block{
			AkidaLayer: b.AkidaLayer, AkidaType: b.AkidaType, KerasLayers: b.KerasLayers, OutputShape: b.OutputShape,
			WeightBits: b.WeightBits, ActivationBits: b.ActivationBits, Incompatible: b.Incompatible,
		})
	}
	for _, d := range diags {
		out.Diagnostics = append(out.Diagnostics, diagram.Problem{Layer: d.Layer, Rule: d.Rule, Message: d.Message})
	}
	return out
}

// Akida is the diagram input of an Akida model, from its JSON description
// (the one `cnn2snn summary --json` prints).
func Akida(m *akida.Model) diagram.AkidaModel {
	j := m.JSON()
	out := diagram.AkidaModel{InputShape: j.InputShape, Layers: make([]diagram.AkidaLayer, len(j.Layers))}
	for i, l := range j.Layers {
		vars := make([]diagram.AkidaVariable, len(l.Variables))
		for k, v := range l.Variables {
			vars[k] = diagram.AkidaVariable{Name: v.Name, Type: v.Type, Shape: v.Shape}
		}
		out.Layers[i] = diagram.AkidaLayer{Name: l.Name, Type: l.Type, Params: l.Params, Variables: vars,
			Inbounds: l.Inbounds, OutputShape: l.OutputShape}
	}
	return out
}
