package diagram

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// What a diagram is drawn from. The types are this package's own, with the
// JSON field names of the converter's reports, so that the page (which
// receives the reports as JSON from the converter's worker) decodes a
// report straight into them, and this package needs nothing else from the
// converter: it builds into the page's small ui.wasm too. The package
// diagram/fromcore fills them from the core types for the CLI.

// Report is a Keras model and what the converter's check said of it: the
// subset of core.CheckReport a diagram needs. An inspect report alone is a
// Report with no Blocks and no Diagnostics.
type Report struct {
	// Keras is the model's layers, as `cnn2snn inspect --json` reports them.
	Keras *Model `json:"keras"`
	// Blocks are the Akida layers and the Keras layers of each
	// (core/compat.Block).
	Blocks []Block `json:"blocks"`
	// Diagnostics are the problems found (core/compat.Diagnostic).
	Diagnostics []Problem `json:"diagnostics"`
}

// Model is a Keras model's layers (the subset of keras.InspectReport a
// diagram needs).
type Model struct {
	Name   string  `json:"name"`
	Layers []Layer `json:"layers"`
}

// Layer is one Keras layer (keras.LayerReport).
type Layer struct {
	Name      string `json:"name"`
	ClassName string `json:"class_name"`
	// Inbound names the layers feeding this one, in order; one edge is
	// drawn per name.
	Inbound     []string   `json:"inbound"`
	OutputShape BatchShape `json:"output_shape"`
	Params      int        `json:"params"`
}

// BatchShape is a Keras output shape without its batch dimension (-1 for a
// dimension Keras leaves open); nil when unknown. Its JSON is the report's,
// with the batch dimension as null: [null, 112, 112, 8].
type BatchShape []int

// UnmarshalJSON reads [null, 112, 112, 8] as {112, 112, 8}.
func (s *BatchShape) UnmarshalJSON(data []byte) error {
	var dims []*int
	if err := json.Unmarshal(data, &dims); err != nil {
		return fmt.Errorf("diagram: output shape: %w", err)
	}
	if dims == nil {
		*s = nil
		return nil
	}
	if len(dims) == 0 {
		return fmt.Errorf("diagram: an output shape needs at least the batch dimension")
	}
	out := make(BatchShape, len(dims)-1)
	for i, d := range dims[1:] {
		out[i] = -1
		if d != nil {
			out[i] = *d
		}
	}
	*s = out
	return nil
}

// MarshalJSON writes the shape back with its batch dimension.
func (s BatchShape) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("null"), nil
	}
	parts := []string{"null"}
	for _, d := range s {
		if d < 0 {
			parts = append(parts, "null")
		} else {
			parts = append(parts, strconv.Itoa(d))
		}
	}
	return []byte("[" + strings.Join(parts, ",") + "]"), nil
}

// String writes the shape as Keras prints it: (None, 112, 112, 8).
func (s BatchShape) String() string {
	if s == nil {
		return "unknown shape"
	}
	parts := []string{"None"}
	for _, d := range s {
		if d < 0 {
			parts = append(parts, "None")
		} else {
			parts = append(parts, strconv.Itoa(d))
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Block is one Akida layer of the conversion plan and its Keras layers
// (core/compat.Block).
type Block struct {
	AkidaLayer     string   `json:"akida_layer"`
	AkidaType      string   `json:"akida_type"`
	KerasLayers    []string `json:"keras_layers"`
	OutputShape    []int    `json:"output_shape"`
	WeightBits     int      `json:"weight_bits"`
	ActivationBits int      `json:"activation_bits"`
	Incompatible   []string `json:"incompatible_layers,omitempty"`
}

// Problem is one diagnostic (core/compat.Diagnostic): the layer ("" for the
// whole model), the rule that found it and its message.
type Problem struct {
	Layer   string `json:"layer"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// AkidaModel is an Akida model's layers: the subset of akida.ModelJSON (the
// "model" of `cnn2snn summary --json`, the "akida" of a conversion report)
// a diagram needs.
type AkidaModel struct {
	InputShape []int        `json:"input_shape"`
	Layers     []AkidaLayer `json:"layers"`
}

// AkidaLayer is one Akida layer (akida.LayerJSON).
type AkidaLayer struct {
	Name        string           `json:"name"`
	Type        string           `json:"type"`
	Params      map[string]int32 `json:"params"`
	Variables   []AkidaVariable  `json:"variables"`
	Inbounds    []string         `json:"inbounds"`
	OutputShape []int            `json:"output_shape"`
}

// AkidaVariable is one variable of an Akida layer, without its values.
type AkidaVariable struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Shape []int  `json:"shape"`
}

// akidaShape writes an Akida shape as akida's summary does: [x, y, c].
func akidaShape(s []int) string {
	if s == nil {
		return "unknown shape"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
