package sim

import (
	"fmt"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Reading a layer's variables, with errors that name what is missing or
// wrong.

// variable returns a layer's variable, or an error naming what is missing.
func variable(l *akida.Layer, name string) (*akida.Variable, error) {
	v := l.Variable(name)
	if v == nil {
		return nil, fmt.Errorf("variable %q is missing: an Akida 1.0 %s layer needs %s; set it (a converted or saved model has it)", name, l.Type, neededVariables(l.Type))
	}
	if err := v.Check(); err != nil {
		return nil, fmt.Errorf("variable %q: %w", name, err)
	}
	return v, nil
}

// neededVariables names the variables a layer type needs, for errors
// (an InputConvolutional's wta_groups is optional: checkWTAGroups).
func neededVariables(t akida.LayerType) string {
	if t == akida.SeparableConvolutional {
		return "weights, weights_pw, threshold and act_step"
	}
	return "weights, threshold and act_step"
}

// weightValues reads a weights variable of the given numpy shape as int32.
func weightValues(l *akida.Layer, name string, shape []int) ([]int32, error) {
	v, err := variable(l, name)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(v.Shape, shape) {
		return nil, fmt.Errorf("variable %q has shape %v, but the layer's parameters and input need %v", name, v.Shape, shape)
	}
	w, err := v.Int8s()
	if err != nil {
		return nil, err
	}
	out := make([]int32, len(w))
	for i, x := range w {
		out[i] = int32(x)
	}
	return out, nil
}

// int32Values reads a per-neuron int32 variable.
func int32Values(l *akida.Layer, name string, neurons int) ([]int32, error) {
	v, err := variable(l, name)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(v.Shape, []int{neurons}) {
		return nil, fmt.Errorf("variable %q has shape %v, but the layer has %d neurons: it needs shape [%d]", name, v.Shape, neurons, neurons)
	}
	return v.Int32s()
}

// float32Values reads a per-neuron float32 variable.
func float32Values(l *akida.Layer, name string, neurons int) ([]float32, error) {
	v, err := variable(l, name)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(v.Shape, []int{neurons}) {
		return nil, fmt.Errorf("variable %q has shape %v, but the layer has %d neurons: it needs shape [%d]", name, v.Shape, neurons, neurons)
	}
	return v.Float32s()
}
