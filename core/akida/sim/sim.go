// Package sim is the integer simulator of Akida models:
//
//   - Akida 1.0 models (InputData, InputConvolutional, Convolutional,
//     SeparableConvolutional and FullyConnected layers with max or global
//     average pooling and the threshold/act_step activation; spec
//     akida-arithmetic.md §1–§2, conversion.md §7);
//   - Akida 2.0 models (InputData, Quantizer, InputConv2D, Conv2D,
//     DepthwiseConv2D, Conv2DTranspose, DepthwiseConv2DTranspose, Dense1D,
//     Add, Concatenate and Dequantizer; conversion-v2.md §5), whose
//     arithmetic follows quantizeml's integer model: input shifts, exact
//     accumulation saturated to buffer_bits, bias shifts, pooling, ReLU
//     with max value or a LUT, output scales and shifts, saturation.
//
// The Akida 2.0 arithmetic here (saturation, rounding shifts, products)
// is written anew in exact integers on purpose and shares nothing with
// core/keras' quantizeml arithmetic (QMLSaturate, QMLRescale …), which
// core/infer runs as the reference: verification compares the two, so
// each must stand on its own. core/verify replays the simulator's own
// steps (ShiftRound, ScaleProduct) when it explains a difference.
//
// Each layer kind has a prepare function and a kernel, registered by layer
// type (registry.go); New prepares the layers in model order, which akida
// keeps topological, and a run feeds every layer the outputs of its
// inbound layers, so Akida 2.0 graphs with forks, Add and Concatenate run
// as they are.
//
// Forward returns akida's Model.forward outputs: for Akida 1.0 activation
// levels, or p − T for a last layer without activation; for Akida 2.0 the
// last layer's integers, or a Dequantizer's floats (Output.Float).
// Predict returns akida's Model.predict floats: (p − T) / act_step for an
// Akida 1.0 last layer without activation (akida refuses one with), a
// Dequantizer's outputs for Akida 2.0. Every choice the public sources
// leave open is named in choices.go.
//
// Inputs are tensors (N, X, Y, C) in Keras' NHWC element order, unsigned
// (Input.Data), signed (Input.Int8) or float (Input.Float, for a model
// starting with a Quantizer) as the input layer says; Akida x is Keras'
// first spatial axis (rows). Outputs are (N, X, Y, F).
package sim

import (
	"errors"
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Input is a batch of model inputs. Exactly one of its value fields holds
// the values, the one the model's input layer reads (Simulator.InputType).
type Input struct {
	Shape [4]int // (N, X, Y, C)
	// Data holds unsigned 8-bit inputs: images of an InputConvolutional or
	// InputConv2D, values of an unsigned InputData.
	Data []uint8
	// Int8 holds signed 8-bit inputs: values of a signed InputData
	// (input_signed = 1, which akida sets for Akida 2.0 inputs of more than
	// 4 bits).
	Int8 []int8
	// Float holds float32 inputs of a model starting with a Quantizer.
	Float []float32
}

// InputType says which field of Input a model reads.
type InputType int

const (
	// Uint8Input: Input.Data.
	Uint8Input InputType = iota
	// Int8Input: Input.Int8.
	Int8Input
	// Float32Input: Input.Float.
	Float32Input
)

// String names the input type as the field it reads.
func (t InputType) String() string {
	switch t {
	case Uint8Input:
		return "uint8 (Input.Data)"
	case Int8Input:
		return "int8 (Input.Int8)"
	case Float32Input:
		return "float32 (Input.Float)"
	}
	return fmt.Sprintf("InputType(%d)", int(t))
}

// Options select what a run returns besides the model's outputs.
type Options struct {
	// KeepLayers returns every layer's outputs (Output.Layers), for the
	// per-layer comparison with the quantized Keras model.
	KeepLayers bool
}

// LayerOutput is the output of one layer for the whole batch: input
// values for InputData, activation levels for an Akida 1.0 layer with
// activation, p − T for a last one without, the integer outputs of an
// Akida 2.0 layer. A Dequantizer's outputs are floats: Float holds them
// and Data is nil.
type LayerOutput struct {
	Name  string
	Shape [4]int // (N, X, Y, F)
	Data  []int32
	Float []float32
}

// Output is the result of Forward: the last layer's outputs, in Data, or
// in Float for a Dequantizer (Data is nil then).
type Output struct {
	Shape [4]int // (N, X, Y, F)
	Data  []int32
	Float []float32
	// Layers holds every layer's outputs in model order with
	// Options.KeepLayers, else nil.
	Layers []LayerOutput
}

// Prediction is the result of Predict: (p − T) / act_step of an Akida 1.0
// last layer, or the outputs of an Akida 2.0 Dequantizer.
type Prediction struct {
	Shape  [4]int // (N, X, Y, F)
	Data   []float32
	Layers []LayerOutput // as Output.Layers
}

// Forward simulates m on in and returns akida's forward outputs. It
// prepares the model on every call; use New once and Simulator.Forward to
// run a model many times.
func Forward(m *akida.Model, in Input) (*Output, error) {
	s, err := New(m)
	if err != nil {
		return nil, err
	}
	return s.Forward(in, Options{})
}

// Predict simulates m on in and returns akida's predict outputs.
func Predict(m *akida.Model, in Input) (*Prediction, error) {
	s, err := New(m)
	if err != nil {
		return nil, err
	}
	return s.Predict(in, Options{})
}

// InputShape is the (x, y, c) shape of one input sample.
func (s *Simulator) InputShape() akida.Shape { return s.nodes[0].in[0] }

// OutputShape is the (x, y, f) shape of one output sample.
func (s *Simulator) OutputShape() akida.Shape { return s.last().out }

// InputBits is the width of the integer inputs the model accepts:
// InputData's input_bits, 8 for an InputConvolutional or InputConv2D, 0
// for float inputs (a Quantizer).
func (s *Simulator) InputBits() int { return s.input.bits }

// InputType says which field of Input holds the model's inputs.
func (s *Simulator) InputType() InputType { return s.input.typ }

// LastActivation reports whether the last layer has an activation: Akida
// 1.0 levels (then Predict is refused), an Akida 2.0 ReLU or LUT. An
// InputData counts as one (its outputs are inputs, not potentials); a
// Dequantizer does not.
func (s *Simulator) LastActivation() bool {
	if len(s.nodes) == 0 {
		return false
	}
	last := s.last()
	return last.typ == akida.InputData || last.activation
}

// FloatOutput reports whether Predict applies: the last layer is an Akida
// 1.0 layer without activation ((p − T) / act_step) or a Dequantizer.
// Otherwise Forward's integers are the model's outputs.
func (s *Simulator) FloatOutput() bool {
	return len(s.nodes) > 0 && (s.last().predict != nil || s.last().float)
}

// Forward runs a batch and returns akida's forward outputs.
func (s *Simulator) Forward(in Input, opts Options) (*Output, error) {
	if err := s.checkInput(in); err != nil {
		return nil, err
	}
	outs := s.run(in, opts.KeepLayers)
	last := outs[len(outs)-1]
	out := &Output{Shape: last.Shape, Data: last.Data, Float: last.Float}
	if opts.KeepLayers {
		out.Layers = outs
	}
	return out, nil
}

// Predict runs a batch and returns akida's predict outputs:
// (p − T) / act_step of an Akida 1.0 last layer, which must have no
// activation, or the floats of a Dequantizer.
func (s *Simulator) Predict(in Input, opts Options) (*Prediction, error) {
	if len(s.nodes) == 0 {
		return nil, errNoLayers
	}
	last := s.last()
	switch {
	case last.typ == akida.InputData:
		return nil, fmt.Errorf("predict needs a last layer without activation, and the model holds only its input layer %q (InputData): add a neural layer", last.name)
	case last.float:
		out, err := s.Forward(in, opts)
		if err != nil {
			return nil, err
		}
		return &Prediction{Shape: out.Shape, Data: out.Float, Layers: out.Layers}, nil
	case !last.typ.V1():
		return nil, fmt.Errorf("predict returns the float outputs of a Dequantizer for Akida 2.0 models, and the last layer %q (%s) is not one: use Forward for its integer outputs, or end the model with a Dequantizer", last.name, last.typ)
	case s.LastActivation() || last.predict == nil:
		return nil, fmt.Errorf("predict applies only to models without an activation on the last layer, and the last layer %q (%s) has one: use Forward for its activation levels", last.name, last.typ)
	}
	out, err := s.Forward(in, opts)
	if err != nil {
		return nil, err
	}
	pred := &Prediction{Shape: out.Shape, Data: make([]float32, len(out.Data)), Layers: out.Layers}
	last.predict(out.Data, pred.Data)
	return pred, nil
}

// errNoLayers guards against a Simulator built without New.
var errNoLayers = errors.New("sim: use New to build a Simulator")

// checkInput verifies the batch's shape, size, value field and value
// range.
func (s *Simulator) checkInput(in Input) error {
	if len(s.nodes) == 0 {
		return errNoLayers
	}
	first := s.nodes[0]
	want := first.in[0]
	if in.Shape[0] < 0 || in.Shape[1] != want[0] || in.Shape[2] != want[1] || in.Shape[3] != want[2] {
		return fmt.Errorf("input shape %v does not match the model's input shape (N, %d, %d, %d) of layer %q (%s): give %s inputs of shape (N, %d, %d, %d)",
			in.Shape, want[0], want[1], want[2], first.name, first.typ, s.input.typ.values(), want[0], want[1], want[2])
	}
	if field := in.field(); field != s.input.typ && in.Shape[0] > 0 {
		return fmt.Errorf("the inputs are given as %s, but layer %q (%s) takes %s: give them in that field", field, first.name, first.typ, s.input.typ)
	}
	sample := want[0] * want[1] * want[2]
	n := in.len()
	if in.Shape[0] > n/sample || n != in.Shape[0]*sample {
		return fmt.Errorf("input shape %v needs %.0f values, but the input holds %d: give one value per input cell", in.Shape, float64(in.Shape[0])*float64(sample), n)
	}
	where := func(i int) string {
		n, rest := i/sample, i%sample
		return fmt.Sprintf("(n=%d, x=%d, y=%d, c=%d)", n, rest/want[2]/want[1], rest/want[2]%want[1], rest%want[2])
	}
	if s.input.typ == Float32Input {
		for i, v := range in.Float {
			if !isFinite(v) {
				return fmt.Errorf("input value %v at %s of layer %q (%s) is not a finite number: give finite float32 inputs", v, where(i), first.name, first.typ)
			}
		}
		return nil
	}
	lo, hi := s.input.values.min, s.input.values.max
	for i := range n {
		v := in.value(i)
		if v >= lo && v <= hi {
			continue
		}
		if s.input.typ == Uint8Input {
			return fmt.Errorf("input value %d at %s exceeds the %d-bit inputs of layer %q (%s), 0…%d: scale the inputs to that range",
				v, where(i), s.input.bits, first.name, first.typ, hi)
		}
		return fmt.Errorf("input value %d at %s is outside the %d-bit signed inputs of layer %q (%s), %d…%d: scale the inputs to that range",
			v, where(i), s.input.bits, first.name, first.typ, lo, hi)
	}
	return nil
}

// field is the input type of the value field that holds values: Float or
// Int8 when set, else Data (also for an empty batch).
func (in *Input) field() InputType {
	switch {
	case in.Float != nil:
		return Float32Input
	case in.Int8 != nil:
		return Int8Input
	}
	return Uint8Input
}

// len is the number of values the set field holds.
func (in *Input) len() int {
	switch in.field() {
	case Float32Input:
		return len(in.Float)
	case Int8Input:
		return len(in.Int8)
	}
	return len(in.Data)
}

// value is the i-th value of the set integer field.
func (in *Input) value(i int) int64 {
	if in.field() == Int8Input {
		return int64(in.Int8[i])
	}
	return int64(in.Data[i])
}

// newSample allocates the buffer of one sample of n values.
func (in *Input) newSample(n int) tensor {
	if in.field() == Float32Input {
		return tensor{floats: make([]float32, n)}
	}
	return tensor{ints: make([]int32, n)}
}

// sample copies the values of sample k into dst (from newSample).
func (in *Input) sample(k int, dst tensor) {
	switch in.field() {
	case Float32Input:
		copy(dst.floats, in.Float[k*len(dst.floats):])
	case Int8Input:
		for j, v := range in.Int8[k*len(dst.ints):][:len(dst.ints)] {
			dst.ints[j] = int32(v)
		}
	default:
		for j, v := range in.Data[k*len(dst.ints):][:len(dst.ints)] {
			dst.ints[j] = int32(v)
		}
	}
}

// values names the Go type of an input type's values, for errors.
func (t InputType) values() string {
	switch t {
	case Int8Input:
		return "int8"
	case Float32Input:
		return "float32"
	}
	return "uint8"
}
