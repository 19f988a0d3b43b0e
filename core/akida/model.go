// Package akida is the Akida model that the converter produces, the .fbz
// codec reads and writes, and the simulator runs: layers in model order,
// each with a name, a layer type, integer parameters under the names akida
// stores, typed variables and the names of its inbound layers.
//
// It mirrors akida's Python objects (akida.Model, akida.Layer,
// LayerParams, get_variable) as far as the public documentation and the
// real .fbz files describe them (spec fbz-format.md §5–§8). The layer
// type numbers are all known (real files and akida's C++ header); the
// element type codes no real file shows are marked in one table
// (elementTypes) and reported by Model.Unverified.
package akida

import (
	"fmt"
	"slices"
	"strings"
)

// Model is an Akida model: layers in model (topological) order.
type Model struct {
	// Version is the akida release string the file carries ("2.3.3" in
	// real key/value files); empty for legacy files and new models.
	Version string
	Layers  []*Layer
}

// Layer is one Akida layer.
type Layer struct {
	Name   string
	Type   LayerType
	Params Params
	// Variables are sorted by name, as akida stores them.
	Variables []*Variable
	// Inbounds are the names of the layers feeding this one; empty for the
	// input layer.
	Inbounds []string
	// Learning is the edge-learning configuration of a compiled layer, read
	// from legacy files only; nil otherwise. The key/value generation has no
	// known place for it.
	Learning *Learning
}

// Learning is the edge-learning configuration akida's compile() attaches to
// the last layer (legacy files store it; fbz-format.md §5.4).
type Learning struct {
	LearningType        int     `json:"learning_type"`
	NumWeights          int     `json:"num_weights"`
	NumClasses          int     `json:"num_classes"`
	InitialPlasticity   float64 `json:"initial_plasticity"`
	LearningCompetition float64 `json:"learning_competition"`
	MinPlasticity       float64 `json:"min_plasticity"`
	PlasticityDecay     float64 `json:"plasticity_decay"`
}

// Layer returns the layer with the given name, or nil.
func (m *Model) Layer(name string) *Layer {
	for _, l := range m.Layers {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// Add appends a layer fed by the given inbound layers, like akida's
// Model.add: without inbounds, a non-input layer is fed by the last layer
// added. It refuses a name already in the model and inbounds that are not.
func (m *Model) Add(l *Layer, inbounds ...*Layer) error {
	if l.Name == "" {
		return fmt.Errorf("cannot add a %s layer without a name: give every layer a unique name", l.Type)
	}
	if m.Layer(l.Name) != nil {
		return fmt.Errorf("cannot add layer %q: the model already has a layer of that name", l.Name)
	}
	if len(inbounds) == 0 && len(m.Layers) > 0 && !l.Type.IsInput() {
		inbounds = []*Layer{m.Layers[len(m.Layers)-1]}
	}
	names := make([]string, 0, len(inbounds))
	for _, in := range inbounds {
		if in == nil || m.Layer(in.Name) != in {
			return fmt.Errorf("cannot add layer %q: its inbound layer is not in the model; add the inbound layer first", l.Name)
		}
		names = append(names, in.Name)
	}
	l.Inbounds = names
	m.Layers = append(m.Layers, l)
	return nil
}

// Variable returns the layer's variable with the given name, or nil.
func (l *Layer) Variable(name string) *Variable {
	for _, v := range l.Variables {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// SetVariable adds v to the layer, replacing a variable of the same name,
// and keeps the variables sorted by name.
func (l *Layer) SetVariable(v *Variable) {
	i, found := slices.BinarySearchFunc(l.Variables, v.Name, func(x *Variable, name string) int {
		return strings.Compare(x.Name, name)
	})
	if found {
		l.Variables[i] = v
		return
	}
	l.Variables = slices.Insert(l.Variables, i, v)
}

// CheckGraph verifies the model's structure: at least one layer, every
// layer named uniquely, and every inbound naming an earlier layer (so the
// layers are in topological order, as akida requires).
func (m *Model) CheckGraph() error {
	if len(m.Layers) == 0 {
		return fmt.Errorf("the model has no layers")
	}
	seen := make(map[string]bool, len(m.Layers))
	for i, l := range m.Layers {
		if l.Name == "" {
			return fmt.Errorf("layer %d (%s) has no name: every layer needs a unique name", i, l.Type)
		}
		if seen[l.Name] {
			return fmt.Errorf("layer %d: the name %q is used by an earlier layer too: layer names must be unique", i, l.Name)
		}
		for _, in := range l.Inbounds {
			if !seen[in] {
				return fmt.Errorf("layer %q: inbound layer %q is not an earlier layer of the model", l.Name, in)
			}
		}
		seen[l.Name] = true
	}
	return nil
}

// Check verifies everything a writer needs: the graph (CheckGraph), each
// known layer type carrying exactly its parameter keys, each variable being
// consistent and uniquely named, the shapes (every layer's inbound count,
// shapes that agree where layers meet: Add, Concatenate, an InputData after
// a Quantizer), and the variables of Akida 2.0 layers (names, element types
// and shapes of conversion-v2.md §2 and V13).
//
// Shapes are checked only when every layer's shape can be derived: a model
// read from a file with a layer type this program does not know (or a
// StatefulRecurrent, whose time layout is undocumented) is written back as
// it was read.
func (m *Model) Check() error {
	if err := m.CheckGraph(); err != nil {
		return err
	}
	for _, l := range m.Layers {
		if err := l.checkParams(); err != nil {
			return err
		}
		names := make(map[string]bool, len(l.Variables))
		for _, v := range l.Variables {
			if names[v.Name] {
				return fmt.Errorf("layer %q: two variables are named %q", l.Name, v.Name)
			}
			names[v.Name] = true
			if err := v.Check(); err != nil {
				return fmt.Errorf("layer %q: variable %q: %w", l.Name, v.Name, err)
			}
		}
	}
	var shapes []LayerShapes
	if m.shapesDerivable() {
		var err error
		if shapes, err = m.shapes(); err != nil {
			return err
		}
	}
	for i, l := range m.Layers {
		if !l.Type.Known() || l.Type.V1() {
			continue
		}
		var s *LayerShapes
		if shapes != nil {
			s = &shapes[i]
		}
		if err := l.checkV2Variables(s); err != nil {
			return err
		}
	}
	return nil
}

// shapesDerivable reports whether Shapes can derive every layer's shape
// from its type: every type is known and has a shape rule.
func (m *Model) shapesDerivable() bool {
	for _, l := range m.Layers {
		if !l.Type.Known() || l.Type == StatefulRecurrent {
			return false
		}
	}
	return true
}

// checkParams verifies that a layer of a known type has exactly the keys
// akida stores for it: a missing key would be filled by akida's loader in
// an unknown way, an extra one might be refused.
func (l *Layer) checkParams() error {
	if _, ok := l.Params.Get("layer_type"); ok {
		return fmt.Errorf("layer %q: \"layer_type\" must not be among the parameters: set Layer.Type instead", l.Name)
	}
	if !l.Type.Known() {
		return nil
	}
	want := l.Type.ParamKeys()
	for _, k := range want {
		if _, ok := l.Params.Get(k); !ok {
			return fmt.Errorf("layer %q (%s): parameter %q is missing: build the layer with akida.New%s or set it", l.Name, l.Type, k, l.Type)
		}
	}
	for k := range l.Params.All() {
		if !slices.Contains(want, k) {
			return fmt.Errorf("layer %q (%s): parameter %q is not one akida stores for this layer type (it stores %v): remove it", l.Name, l.Type, k, want)
		}
	}
	return nil
}

// Equal reports whether two layers hold the same name, type, parameters,
// variables, inbounds and learning configuration.
func (l *Layer) Equal(o *Layer) bool {
	if l.Name != o.Name || l.Type != o.Type || !l.Params.Equal(o.Params) ||
		!slices.Equal(l.Inbounds, o.Inbounds) || len(l.Variables) != len(o.Variables) {
		return false
	}
	if (l.Learning == nil) != (o.Learning == nil) || (l.Learning != nil && *l.Learning != *o.Learning) {
		return false
	}
	for i, v := range l.Variables {
		if !v.Equal(o.Variables[i]) {
			return false
		}
	}
	return true
}

// Unverified lists, one sentence each, the inferred numbers the model
// relies on: element type codes of variables that no real .fbz file shows
// (the Akida 2.0 uint8 and int16 variables; see ElementType), and layer
// type numbers this program does not know. Layer type numbers it knows are
// not listed: the Akida 2.0 ones come from akida's C++ header (LayerType).
// It is empty for every Akida 1.0 model.
func (m *Model) Unverified() []string {
	var out []string
	seen := map[string]bool{}
	note := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, l := range m.Layers {
		if !l.Type.Known() {
			note(fmt.Sprintf("layer type number %d (layer %q) is not one this program knows", int32(l.Type), l.Name))
		}
		for _, v := range l.Variables {
			if v.Type.Known() && !v.Type.Verified() {
				note(fmt.Sprintf("element type %s is coded %d by inference: no real .fbz file confirms it", v.Type, uint8(v.Type)))
			}
		}
	}
	return out
}

// IPVersion is the Akida IP generation the model needs: "v1" when every
// layer is an Akida 1.0 layer, "v2" otherwise (Akida Pico layers count as
// v2 here). akida derives Model.ip_version from the layer types the same
// way; nothing in the file states it.
func (m *Model) IPVersion() string {
	for _, l := range m.Layers {
		if !l.Type.V1() {
			return "v2"
		}
	}
	return "v1"
}
