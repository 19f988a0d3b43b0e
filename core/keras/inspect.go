package keras

import (
	"encoding/json"
	"fmt"
	"strings"
)

// InspectReport is what `cnn2snn inspect --json`, the wasm API and the
// worker show about a model. Shapes include the batch dimension as null,
// as Keras prints them: [null, 112, 112, 8].
type InspectReport struct {
	Format       Format        `json:"format"`
	KerasVersion string        `json:"keras_version"`
	Name         string        `json:"name"`
	Inputs       []BatchShape  `json:"inputs"`
	Layers       []LayerReport `json:"layers"`
	TotalParams  int           `json:"total_params"` // every weight element, trainable or not
	// Warnings are the model's load warnings (Model.Warnings); absent for
	// a plain file.
	Warnings []string `json:"warnings,omitempty"`
}

// LayerReport is one layer of an InspectReport.
type LayerReport struct {
	Name        string         `json:"name"`
	ClassName   string         `json:"class_name"`
	Inbound     []string       `json:"inbound"`
	OutputShape BatchShape     `json:"output_shape"`
	Params      int            `json:"params"`
	Weights     []WeightReport `json:"weights"`
}

// WeightReport names one weight and its shape.
type WeightReport struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// BatchShape is a layer shape without its batch dimension that marshals
// with it: Shape{112, 112, 8} → [null,112,112,8]; unknown dimensions are
// null too, and an unknown shape is null.
type BatchShape Shape

// MarshalJSON writes the shape with a leading null batch dimension.
func (s BatchShape) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("null"), nil
	}
	var b strings.Builder
	b.WriteString("[null")
	for _, d := range s {
		if d < 0 {
			b.WriteString(",null")
		} else {
			fmt.Fprintf(&b, ",%d", d)
		}
	}
	b.WriteString("]")
	return []byte(b.String()), nil
}

// UnmarshalJSON reads what MarshalJSON writes (for clients and tests).
func (s *BatchShape) UnmarshalJSON(data []byte) error {
	var dims []*int
	if err := json.Unmarshal(data, &dims); err != nil {
		return err
	}
	if dims == nil {
		*s = nil
		return nil
	}
	if len(dims) == 0 {
		return fmt.Errorf("keras: a batch shape needs at least the batch dimension")
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

// InspectReport summarizes the model: its layers with their inbound
// names, output shapes and weights, and the parameter count.
func (m *Model) InspectReport() *InspectReport {
	r := &InspectReport{
		Format:       m.Format,
		KerasVersion: m.KerasVersion,
		Name:         m.Name,
		Inputs:       []BatchShape{},
		Layers:       make([]LayerReport, len(m.Layers)),
		TotalParams:  m.Params(),
		Warnings:     append([]string(nil), m.Warnings...),
	}
	for _, name := range m.Inputs {
		if l := m.Layer(name); l != nil {
			r.Inputs = append(r.Inputs, BatchShape(l.OutputShape))
		}
	}
	for i, l := range m.Layers {
		lr := LayerReport{
			Name:        l.Name,
			ClassName:   l.ClassName,
			Inbound:     append([]string{}, l.Inbound...),
			OutputShape: BatchShape(l.OutputShape),
			Params:      l.Params(),
			Weights:     make([]WeightReport, len(l.Weights)),
		}
		for j, w := range l.Weights {
			lr.Weights[j] = WeightReport{Name: w.Name, Shape: append([]int{}, w.Shape...)}
		}
		r.Layers[i] = lr
	}
	return r
}
