package akida

import (
	"fmt"
	"slices"
	"strings"
)

// The variables of the Akida 2.0 layers: for each layer type, the names
// cnn2snn 2.19.1 sets (conversion-v2.md §2), each with its element type
// and its numpy shape.
//
// Element types are the dtypes cnn2snn gives (conversion-v2.md §2.0–2.11):
// int8 weights (4-bit weights when weights_bits is 4, as Akida 1.0 stores
// them), int8 bias and output shifts, uint8 shifts, scales, max values and
// padding values, int32 LUT tables, float32 Dequantizer and Quantizer
// scales, int16 recurrent coefficients. Only the element counts are implied
// by cnn2snn; the shapes are the Keras layouts of conversion-v2.md V13:
// kernels (k, k, in, out), depthwise kernels (k, k, C, 1), Dense1D (in,
// units) with in the flattened input, per-channel vectors (C,). Where the
// spec gives no shape (BufferTempConv weights, StatefulRecurrent), the shape
// is not derived and not checked.

// shapeRule gives a variable's numpy shape from its layer's parameters, input
// shape and output shape; nil means the shape is not known.
type shapeRule func(p *Params, in, out Shape) []int

func kernelShape(p *Params, in, out Shape) []int {
	k := p.Int("kernel_size")
	return []int{k, k, in[2], out[2]}
}

func depthwiseKernelShape(p *Params, in, _ Shape) []int {
	k := p.Int("kernel_size")
	return []int{k, k, in[2], 1}
}

// denseKernelShape: Dense1D takes the Keras (H, W, C) row-major flattening
// of its input (conversion-v2.md §2.7).
func denseKernelShape(p *Params, in, _ Shape) []int {
	return []int{in[0] * in[1] * in[2], p.Int("units")}
}

// temporalDepthwiseShape: the (T, C) kernel reshaped to (1, 1, T, C)
// (conversion-v2.md §2.11).
func temporalDepthwiseShape(p *Params, in, _ Shape) []int {
	return []int{1, 1, p.Int("fifo_size"), in[2]}
}

func perOutputChannel(_ *Params, _, out Shape) []int { return []int{out[2]} }
func perInputChannel(_ *Params, in, _ Shape) []int   { return []int{in[2]} }

// perInputFeature: Dense1D's input shift, one per flattened input value
// (what the Dense records; conversion-v2.md V6).
func perInputFeature(_ *Params, in, _ Shape) []int { return []int{in[0] * in[1] * in[2]} }

// lutEntries is the size of an Akida 2.0 LUT: one int32 per value of the
// 11-bit input (conversion-v2.md §4.4 item 7).
const lutEntries = 2048

func lutShape(*Params, Shape, Shape) []int { return []int{lutEntries} }

// weightsBits marks the element type of "weights": the one of the layer's
// weights_bits (WeightsType), not a fixed type.
const weightsBits ElementType = 0xff

// variableSpec is one variable an Akida 2.0 layer type has.
type variableSpec struct {
	name  string
	typ   ElementType
	shape shapeRule
}

// postOpVariables are the output stage of a block with an output
// quantizer, the bias and a bounded ReLU: per output channel.
func postOpVariables() []variableSpec {
	return []variableSpec{
		{"bias", Int8, perOutputChannel},
		{"bias_shift", Uint8, perOutputChannel},
		{"max_value", Uint8, perOutputChannel},
		{"max_value_shift", Uint8, perOutputChannel},
		{"output_scales", Uint8, perOutputChannel},
		{"output_shift", Int8, perOutputChannel},
	}
}

// lutVariables are a LUT activation: the main layer's own 11-bit output
// quantizer and the table (conversion-v2.md §2.0).
func lutVariables() []variableSpec {
	return []variableSpec{
		{"activation_scales", Uint8, perOutputChannel},
		{"activation_shift", Int8, perOutputChannel},
		{"lut_values", Int32, lutShape},
	}
}

// inputShift is the input_shift of a layer that aligns a per-axis input.
func inputShift() variableSpec { return variableSpec{"input_shift", Uint8, perInputChannel} }

// with returns the union of variable sets.
func with(sets [][]variableSpec, more ...variableSpec) []variableSpec {
	n := len(more)
	for _, s := range sets {
		n += len(s)
	}
	out := make([]variableSpec, 0, n)
	for _, s := range sets {
		out = append(out, s...)
	}
	return append(out, more...)
}

// v2Variables returns the variables of an Akida 2.0 layer type (a fresh
// slice); nil for the other types. InputData and Concatenate have no
// variables.
func v2Variables(t LayerType) []variableSpec {
	switch t {
	case InputConv2D:
		// §2.3: no input_shift (a recorded non-zero one is an error), a
		// padding value per input channel; weights not flipped.
		return with([][]variableSpec{postOpVariables(), lutVariables()},
			variableSpec{"padding_value", Uint8, perInputChannel},
			variableSpec{"weights", weightsBits, kernelShape})
	case Conv2D:
		// §2.4: flipped weights, input_shift when the input was per-axis.
		return with([][]variableSpec{postOpVariables(), lutVariables()}, inputShift(),
			variableSpec{"weights", weightsBits, kernelShape})
	case DepthwiseConv2D:
		// §2.5: never an input_shift.
		return with([][]variableSpec{postOpVariables(), lutVariables()},
			variableSpec{"weights", weightsBits, depthwiseKernelShape})
	case Conv2DTranspose:
		// §2.6: Keras (h, w, filters, in) quantized transposed: (h, w, in, filters).
		return with([][]variableSpec{postOpVariables(), lutVariables()}, inputShift(),
			variableSpec{"weights", weightsBits, kernelShape})
	case DepthwiseConv2DTranspose:
		return with([][]variableSpec{postOpVariables(), lutVariables()}, inputShift(),
			variableSpec{"weights", weightsBits, depthwiseKernelShape})
	case Dense1D:
		// §2.7: NoActivation or ReLU only, no LUT.
		return with([][]variableSpec{postOpVariables()},
			variableSpec{"input_shift", Uint8, perInputFeature},
			variableSpec{"weights", weightsBits, denseKernelShape})
	case BufferTempConv:
		// §2.11: the spec gives no shape for BufferTempConv's weights.
		return with([][]variableSpec{postOpVariables()}, inputShift(),
			variableSpec{"weights", weightsBits, nil})
	case DepthwiseBufferTempConv:
		return with([][]variableSpec{postOpVariables()}, inputShift(),
			variableSpec{"weights", weightsBits, temporalDepthwiseShape})
	case Add:
		// §2.8: the OQ receives a FixedPoint, so no output_scales.
		return with(nil,
			variableSpec{"a_shift", Uint8, perOutputChannel},
			variableSpec{"b_shift", Uint8, perOutputChannel},
			variableSpec{"output_shift", Int8, perOutputChannel})
	case Dequantizer:
		// §2.10.
		return with(nil, variableSpec{"scales", Float32, perInputChannel})
	case Quantizer:
		// §2.2: scales = 2^F per tensor or input channel; zero points only
		// when unsigned.
		return with(nil,
			variableSpec{"scales", Float32, perInputChannel},
			variableSpec{"zero_points", Uint8, perInputChannel})
	case StatefulRecurrent:
		// §2.11 (Akida Pico): dtypes only, no shapes.
		return with(nil,
			variableSpec{"A_imag", Int16, nil},
			variableSpec{"A_real", Int16, nil},
			variableSpec{"bias", Int8, nil},
			variableSpec{"bias_shift", Uint8, nil},
			variableSpec{"in_proj", Int8, nil},
			variableSpec{"input_shift", Uint8, nil},
			variableSpec{"internal_state_outputs_shift", Int8, nil},
			variableSpec{"max_value", Uint8, nil},
			variableSpec{"max_value_shift", Uint8, nil},
			variableSpec{"new_state_scale", Uint8, nil},
			variableSpec{"new_state_shift", Int8, nil},
			variableSpec{"out_proj", Int8, nil},
			variableSpec{"output_scales", Uint8, nil},
			variableSpec{"output_shift", Int8, nil})
	}
	return nil
}

// VariableNames returns the names of the variables cnn2snn sets on a layer
// of an Akida 2.0 type, sorted; nil for Akida 1.0 types, for types without
// variables (InputData, Concatenate) and for unknown types.
func (t LayerType) VariableNames() []string {
	var names []string
	for _, s := range v2Variables(t) {
		names = append(names, s.name)
	}
	slices.Sort(names)
	return names
}

func (t LayerType) variableSpec(name string) (variableSpec, bool) {
	for _, s := range v2Variables(t) {
		if s.name == name {
			return s, true
		}
	}
	return variableSpec{}, false
}

// VariableShape returns the element type and numpy shape of the variable
// named name of an Akida 2.0 layer whose input and output shapes are in and
// out (conversion-v2.md V13). A nil shape means the spec gives none (the
// caller chooses it).
func (l *Layer) VariableShape(name string, in, out Shape) (ElementType, []int, error) {
	spec, ok := l.Type.variableSpec(name)
	if !ok {
		return 0, nil, l.unknownVariable(name)
	}
	t := spec.typ
	if t == weightsBits {
		bits := l.Params.Int("weights_bits")
		var err error
		if t, err = WeightsType(bits); err != nil {
			return 0, nil, fmt.Errorf("layer %q (%s): weights_bits %d: %w", l.Name, l.Type, bits, err)
		}
	}
	if spec.shape == nil {
		return t, nil, nil
	}
	return t, spec.shape(&l.Params, in, out), nil
}

func (l *Layer) unknownVariable(name string) error {
	names := l.Type.VariableNames()
	if len(names) == 0 {
		return fmt.Errorf("layer %q (%s): akida's %s has no variables, so none named %q", l.Name, l.Type, l.Type, name)
	}
	return fmt.Errorf("layer %q (%s): %q is not a variable of akida's %s (it has %s)", l.Name, l.Type, name, l.Type, strings.Join(names, ", "))
}

// checkV2Variables verifies that each variable of an Akida 2.0 layer is one
// its type has, with its element type and, when the layer's shapes s are
// known, its shape.
func (l *Layer) checkV2Variables(s *LayerShapes) error {
	var in, out Shape
	if s != nil {
		in, out = s.Input, s.Output
	}
	for _, v := range l.Variables {
		t, shape, err := l.VariableShape(v.Name, in, out)
		if err != nil {
			return err
		}
		if v.Type != t {
			return fmt.Errorf("layer %q (%s): variable %q holds %s elements; akida's %s stores %s there", l.Name, l.Type, v.Name, v.Type, l.Type, t)
		}
		if s != nil && shape != nil && !slices.Equal(v.Shape, shape) {
			return fmt.Errorf("layer %q (%s): variable %q has shape %v; with input %v and output %v it must be %v", l.Name, l.Type, v.Name, v.Shape, in, out, shape)
		}
	}
	return nil
}

// Values are the Go element types of variable values.
type Values interface {
	int8 | uint8 | int16 | int32 | float32
}

// SetValues sets the variable named variable of the named Akida 2.0 layer of
// m (a layer already added to m) to values, the way cnn2snn sets Akida variables (conversion-v2.md §2.0):
// the element type and shape are the layer's (VariableShape, from the
// layer's place in m); a single value fills the whole variable (numpy
// broadcast), except for weights and bias, which must have every element;
// otherwise the values, in numpy C order, must be as many as the shape
// holds. The Go type must match the element type: int8 for int8 and narrower
// weights, uint8, int16, int32 or float32.
func SetValues[T Values](m *Model, layer, variable string, values []T) error {
	l := m.Layer(layer)
	if l == nil {
		return fmt.Errorf("cannot set variable %q: the model has no layer %q", variable, layer)
	}
	in, out, err := m.layerShapes(l)
	if err != nil {
		return fmt.Errorf("cannot set variable %q of layer %q: %w", variable, layer, err)
	}
	t, shape, err := l.VariableShape(variable, in, out)
	if err != nil {
		return err
	}
	if shape == nil {
		return fmt.Errorf("layer %q (%s): the shape of variable %q is not known to this program: build it with a New… variable function and Layer.SetVariable", layer, l.Type, variable)
	}
	n, err := elementCount(shape)
	if err != nil {
		return fmt.Errorf("layer %q (%s): variable %q: %w", layer, l.Type, variable, err)
	}
	if len(values) == 1 && n != 1 && variable != "weights" && variable != "bias" {
		values = slices.Repeat(values, n)
	}
	if len(values) != n {
		return fmt.Errorf("layer %q (%s): variable %q of shape %v holds %d values, but %d were given", layer, l.Type, variable, shape, n, len(values))
	}
	v, err := newVariable(variable, t, shape, values)
	if err != nil {
		return fmt.Errorf("layer %q (%s): %w", layer, l.Type, err)
	}
	l.SetVariable(v)
	return nil
}

// maxElements bounds the elements of one variable SetValues builds, so that
// absurd layer parameters cannot make it allocate without limit.
const maxElements = 1 << 31

// elementCount is the number of elements a shape holds, refusing negative
// dimensions and more than maxElements elements.
func elementCount(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("shape %v has a negative dimension: check the layer's parameters", shape)
		}
		if d > 0 && n > maxElements/d {
			return 0, fmt.Errorf("shape %v holds more than %d elements: check the layer's parameters", shape, maxElements)
		}
		n *= d
	}
	return n, nil
}

// newVariable builds a variable of element type t from values whose Go type
// must fit t.
func newVariable[T Values](name string, t ElementType, shape []int, values []T) (*Variable, error) {
	switch vs := any(values).(type) {
	case []int8:
		if bits := t.weightBits(); bits > 0 {
			return NewWeights(name, shape, vs, bits)
		}
	case []uint8:
		if t == Uint8 {
			return NewUint8s(name, shape, vs)
		}
	case []int16:
		if t == Int16 {
			return NewInt16s(name, shape, vs)
		}
	case []int32:
		if t == Int32 {
			return NewInt32s(name, shape, vs)
		}
	case []float32:
		if t == Float32 {
			return NewFloat32s(name, shape, vs)
		}
	}
	return nil, fmt.Errorf("variable %q holds %s elements: give %s values, not %T", name, t, goType(t), values)
}

// goType names the Go slice type SetValues takes for an element type.
func goType(t ElementType) string {
	switch t {
	case Uint8:
		return "[]uint8"
	case Int16:
		return "[]int16"
	case Int32:
		return "[]int32"
	case Float32:
		return "[]float32"
	}
	return "[]int8"
}
