package sim

import (
	"fmt"
	"slices"
	"strings"

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

// Akida 2.0 variables. Their element types are those cnn2snn casts to
// (int8 weights and biases, uint8 shifts, …, conversion-v2.md §2.0), but
// no real file confirms them, so every integer type is read as integers.

// checkVariables refuses a variable the layer kind does not read: a
// misnamed variable ("output_scale") would otherwise be ignored silently.
func checkVariables(l *akida.Layer, known ...string) error {
	for _, v := range l.Variables {
		if !slices.Contains(known, v.Name) {
			if len(known) == 0 {
				return fmt.Errorf("variable %q is not one that %s layers have (they have none): remove it", v.Name, l.Type)
			}
			return fmt.Errorf("variable %q is not one that %s layers have (%s): remove or rename it", v.Name, l.Type, strings.Join(known, ", "))
		}
	}
	return nil
}

// intVariable reads an optional integer variable: nil and no error when
// it is absent.
func intVariable(l *akida.Layer, name string) ([]int64, error) {
	v := l.Variable(name)
	if v == nil {
		return nil, nil
	}
	if err := v.Check(); err != nil {
		return nil, fmt.Errorf("variable %q: %w", name, err)
	}
	out := make([]int64, v.Len())
	switch {
	case v.Type == akida.Int32:
		x, err := v.Int32s()
		if err != nil {
			return nil, err
		}
		for i, e := range x {
			out[i] = int64(e)
		}
	case v.Type == akida.Int16:
		x, err := v.Int16s()
		if err != nil {
			return nil, err
		}
		for i, e := range x {
			out[i] = int64(e)
		}
	case v.Type == akida.Uint8:
		for i, e := range v.Data {
			out[i] = int64(e)
		}
	default:
		x, err := v.Int8s()
		if err != nil {
			return nil, fmt.Errorf("variable %q holds %s elements, not integers", name, v.Type)
		}
		for i, e := range x {
			out[i] = int64(e)
		}
	}
	return out, nil
}

// requiredInt reads an integer variable the layer needs.
func requiredInt(l *akida.Layer, name, why string) ([]int64, error) {
	v, err := intVariable(l, name)
	if err == nil && v == nil {
		err = fmt.Errorf("variable %q is missing: %s; set it (a converted model has it)", name, why)
	}
	return v, err
}

// channelVariable reads an optional per-channel integer variable of n
// channels (perChannel, V13); nil when absent.
func channelVariable(l *akida.Layer, name string, n int) ([]int64, error) {
	v, err := intVariable(l, name)
	if err != nil || v == nil {
		return nil, err
	}
	out, ok := perChannel(v, n)
	if !ok {
		return nil, fmt.Errorf("variable %q holds %d values, but the layer has %d channels there: it needs %d values (or 1 for all)", name, len(v), n, n)
	}
	return out, nil
}

// floatChannels reads a per-channel float32 variable of n channels, one
// value applying to all (V13).
func floatChannels(l *akida.Layer, name string, n int, why string) ([]float32, error) {
	v := l.Variable(name)
	if v == nil {
		return nil, fmt.Errorf("variable %q is missing: %s; set it (a converted model has it)", name, why)
	}
	if err := v.Check(); err != nil {
		return nil, fmt.Errorf("variable %q: %w", name, err)
	}
	x, err := v.Float32s()
	if err != nil {
		return nil, err
	}
	switch len(x) {
	case n:
		return x, nil
	case 1:
		out := make([]float32, n)
		for i := range out {
			out[i] = x[0]
		}
		return out, nil
	}
	return nil, fmt.Errorf("variable %q holds %d values, but the layer has %d channels: it needs %d values (or 1 for all)", name, len(x), n, n)
}

// weightVariable reads a v2 weights variable of the given Keras layout
// (sameShape, V13) as int64, ready for the kernels.
func weightVariable(l *akida.Layer, shape []int) ([]int64, error) {
	v := l.Variable("weights")
	if v == nil {
		return nil, fmt.Errorf("variable \"weights\" is missing: a %s layer needs weights of shape %v; set it (a converted model has it)", l.Type, shape)
	}
	if !sameShape(v.Shape, shape) {
		return nil, fmt.Errorf("variable \"weights\" has shape %v, but the layer's parameters and input need %v", v.Shape, shape)
	}
	return intVariable(l, "weights")
}
