// Package sim is the integer simulator of Akida models: Akida 1.0 models
// (InputData, InputConvolutional, Convolutional, SeparableConvolutional
// and FullyConnected layers with max or global average pooling and the
// threshold/act_step activation, spec akida-arithmetic.md §1–§2,
// conversion.md §7).
//
// Each layer kind has a prepare function and a kernel, registered by layer
// type (registry.go); New prepares the layers in model order, which akida
// keeps topological, and a run feeds every layer the outputs of its
// inbound layers.
//
// Forward returns akida's Model.forward integers: activation levels, or
// p − T for a last layer without activation. Predict returns akida's
// Model.predict floats (p − T) / act_step and, like akida, refuses models
// whose last layer has an activation. Every choice the public sources leave
// open is named in choices.go.
//
// Inputs are tensors (N, X, Y, C) in Keras' NHWC element order, unsigned
// (Input.Data) or signed (Input.Int8) as the input layer says; Akida x is
// Keras' first spatial axis (rows). Outputs are (N, X, Y, F).
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
	// Data holds unsigned 8-bit inputs: images of an InputConvolutional,
	// values of an unsigned InputData.
	Data []uint8
	// Int8 holds signed 8-bit inputs: values of a signed InputData
	// (input_signed = 1).
	Int8 []int8
}

// InputType says which field of Input a model reads.
type InputType int

const (
	// Uint8Input: Input.Data.
	Uint8Input InputType = iota
	// Int8Input: Input.Int8.
	Int8Input
)

// String names the input type as the field it reads.
func (t InputType) String() string {
	switch t {
	case Uint8Input:
		return "uint8 (Input.Data)"
	case Int8Input:
		return "int8 (Input.Int8)"
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
// values for InputData, activation levels for a layer with activation,
// p − T for a last layer without.
type LayerOutput struct {
	Name  string
	Shape [4]int // (N, X, Y, F)
	Data  []int32
}

// Output is the result of Forward.
type Output struct {
	Shape [4]int // (N, X, Y, F)
	Data  []int32
	// Layers holds every layer's outputs in model order with
	// Options.KeepLayers, else nil.
	Layers []LayerOutput
}

// Prediction is the result of Predict: (p − T) / act_step of the last
// layer.
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

// InputBits is the width of the input values the model accepts: InputData's
// input_bits, or 8 for an InputConvolutional.
func (s *Simulator) InputBits() int { return s.input.bits }

// InputType says which field of Input holds the model's inputs.
func (s *Simulator) InputType() InputType { return s.input.typ }

// LastActivation reports whether the last layer has an activation (then
// Forward returns levels and Predict is refused).
func (s *Simulator) LastActivation() bool {
	if len(s.nodes) == 0 {
		return false
	}
	last := s.last()
	return last.typ == akida.InputData || last.activation
}

// Forward runs a batch and returns akida's forward outputs.
func (s *Simulator) Forward(in Input, opts Options) (*Output, error) {
	if err := s.checkInput(in); err != nil {
		return nil, err
	}
	outs := s.run(in, opts.KeepLayers)
	last := outs[len(outs)-1]
	out := &Output{Shape: last.Shape, Data: last.Data}
	if opts.KeepLayers {
		out.Layers = outs
	}
	return out, nil
}

// Predict runs a batch and returns akida's predict outputs,
// (p − T) / act_step of the last layer, which must have no activation.
func (s *Simulator) Predict(in Input, opts Options) (*Prediction, error) {
	if len(s.nodes) == 0 {
		return nil, errNoLayers
	}
	last := s.last()
	if last.typ == akida.InputData {
		return nil, fmt.Errorf("predict needs a last layer without activation, and the model holds only its input layer %q (InputData): add a neural layer", last.name)
	}
	if s.LastActivation() || last.predict == nil {
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
	kind := s.input.typ.values()
	if in.Shape[0] < 0 || in.Shape[1] != want[0] || in.Shape[2] != want[1] || in.Shape[3] != want[2] {
		return fmt.Errorf("input shape %v does not match the model's input shape (N, %d, %d, %d) of layer %q (%s): give %s inputs of shape (N, %d, %d, %d)",
			in.Shape, want[0], want[1], want[2], first.name, first.typ, kind, want[0], want[1], want[2])
	}
	if field := in.field(); field != s.input.typ && in.Shape[0] > 0 {
		return fmt.Errorf("the inputs are given as %s, but layer %q (%s) takes %s: give them in that field", field, first.name, first.typ, s.input.typ)
	}
	sample := want[0] * want[1] * want[2]
	n := in.len()
	if in.Shape[0] > n/sample || n != in.Shape[0]*sample {
		return fmt.Errorf("input shape %v needs %.0f values, but the input holds %d: give one value per input cell", in.Shape, float64(in.Shape[0])*float64(sample), n)
	}
	lo, hi := s.input.values.min, s.input.values.max
	for i := range n {
		v := in.value(i)
		if v < lo || v > hi {
			n, rest := i/sample, i%sample
			where := fmt.Sprintf("(n=%d, x=%d, y=%d, c=%d)", n, rest/want[2]/want[1], rest/want[2]%want[1], rest%want[2])
			if s.input.typ == Uint8Input {
				return fmt.Errorf("input value %d at %s exceeds the %d-bit inputs of layer %q (%s), 0…%d: scale the inputs to that range",
					v, where, s.input.bits, first.name, first.typ, hi)
			}
			return fmt.Errorf("input value %d at %s is outside the %d-bit signed inputs of layer %q (%s), %d…%d: scale the inputs to that range",
				v, where, s.input.bits, first.name, first.typ, lo, hi)
		}
	}
	return nil
}

// field is the input type of the value field that holds values: the
// signed one when Int8 is set, else Data (also for an empty batch).
func (in *Input) field() InputType {
	if in.Int8 != nil {
		return Int8Input
	}
	return Uint8Input
}

// len is the number of values the set field holds.
func (in *Input) len() int {
	if in.field() == Int8Input {
		return len(in.Int8)
	}
	return len(in.Data)
}

// value is the i-th value of the set field.
func (in *Input) value(i int) int64 {
	if in.field() == Int8Input {
		return int64(in.Int8[i])
	}
	return int64(in.Data[i])
}

// sample copies the values of sample k into dst.
func (in *Input) sample(k int, dst []int32) {
	from := k * len(dst)
	if in.field() == Int8Input {
		for j, v := range in.Int8[from : from+len(dst)] {
			dst[j] = int32(v)
		}
		return
	}
	for j, v := range in.Data[from : from+len(dst)] {
		dst[j] = int32(v)
	}
}

// values names the Go type of an input type's values, for errors.
func (t InputType) values() string {
	if t == Int8Input {
		return "int8"
	}
	return "uint8"
}
