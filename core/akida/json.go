package akida

// ModelJSON is the JSON description of a model that every front end
// prints or returns (`cnn2snn summary --json`, the wasm API, the worker).
// Shapes are [x, y, channels]; a shape that cannot be derived is null.
type ModelJSON struct {
	Version     string `json:"version"`
	IPVersion   string `json:"ip_version"`
	InputShape  []int  `json:"input_shape"`
	OutputShape []int  `json:"output_shape"`
	// Unverified lists the inferred numbers the model relies on (see
	// Model.Unverified); absent when there are none.
	Unverified []string    `json:"unverified,omitempty"`
	Layers     []LayerJSON `json:"layers"`
}

// LayerJSON describes one layer. Params are the key/value parameters as
// the kv .fbz generation stores them, "layer_type" included (legacy files
// are reported under the same names).
type LayerJSON struct {
	Name        string           `json:"name"`
	Type        string           `json:"type"`
	Params      map[string]int32 `json:"params"`
	Variables   []VariableJSON   `json:"variables"`
	Inbounds    []string         `json:"inbounds"`
	OutputShape []int            `json:"output_shape"`
	Learning    *Learning        `json:"learning,omitempty"`
}

// VariableJSON describes one variable without its data. Shape is the numpy
// shape akida's get_variable returns, e.g. (x, y, channels, neurons).
type VariableJSON struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Shape []int  `json:"shape"`
}

// JSON returns the model's JSON description.
func (m *Model) JSON() ModelJSON {
	shapes, _ := m.shapes() // the shapes derived before any error
	j := ModelJSON{
		Version:    m.Version,
		IPVersion:  m.IPVersion(),
		Unverified: m.Unverified(),
		Layers:     make([]LayerJSON, len(m.Layers)),
	}
	if len(m.Layers) > 0 && len(shapes) > 0 {
		j.InputShape = shapes[0].Input[:]
	}
	if len(m.Layers) > 0 && len(shapes) == len(m.Layers) {
		j.OutputShape = shapes[len(shapes)-1].Output[:]
	}
	for i, l := range m.Layers {
		lj := LayerJSON{
			Name:      l.Name,
			Type:      l.Type.String(),
			Params:    map[string]int32{"layer_type": int32(l.Type)},
			Variables: make([]VariableJSON, len(l.Variables)),
			Inbounds:  append([]string{}, l.Inbounds...),
			Learning:  l.Learning,
		}
		for k, v := range l.Params.All() {
			lj.Params[k] = v
		}
		for k, v := range l.Variables {
			lj.Variables[k] = VariableJSON{Name: v.Name, Type: v.Type.String(), Shape: append([]int{}, v.Shape...)}
		}
		if i < len(shapes) {
			lj.OutputShape = shapes[i].Output[:]
		}
		j.Layers[i] = lj
	}
	return j
}
