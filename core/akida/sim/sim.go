// Package sim is the integer simulator of Akida 1.0 models: InputData,
// InputConvolutional, Convolutional, SeparableConvolutional and
// FullyConnected layers with max or global average pooling and the
// threshold/act_step activation, as described in the spec
// (akida-arithmetic.md §1–§2, conversion.md §7).
//
// Forward returns akida's Model.forward integers: activation levels, or
// p − T for a last layer without activation. Predict returns akida's
// Model.predict floats (p − T) / act_step and, like akida, refuses models
// whose last layer has an activation. Every choice the public sources leave
// open is named in choices.go.
//
// Inputs are uint8 tensors (N, X, Y, C) in Keras' NHWC element order; Akida
// x is Keras' first spatial axis (rows). Outputs are (N, X, Y, F).
package sim

import (
	"errors"
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Input is a batch of model inputs.
type Input struct {
	Shape [4]int // (N, X, Y, C)
	Data  []uint8
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
func (s *Simulator) InputShape() akida.Shape { return s.layers[0].in }

// OutputShape is the (x, y, f) shape of one output sample.
func (s *Simulator) OutputShape() akida.Shape { return s.layers[len(s.layers)-1].out }

// InputBits is the width of the input values the model accepts: InputData's
// input_bits, or 8 for an InputConvolutional.
func (s *Simulator) InputBits() int { return s.inputBits }

// LastActivation reports whether the last layer has an activation (then
// Forward returns levels and Predict is refused).
func (s *Simulator) LastActivation() bool {
	if len(s.layers) == 0 {
		return false
	}
	last := s.layers[len(s.layers)-1]
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
	if len(s.layers) == 0 {
		return nil, errNoLayers
	}
	last := s.layers[len(s.layers)-1]
	if last.typ == akida.InputData {
		return nil, fmt.Errorf("predict needs a last layer without activation, and the model holds only its input layer %q (InputData): add a neural layer", last.name)
	}
	if s.LastActivation() {
		return nil, fmt.Errorf("predict applies only to models without an activation on the last layer, and the last layer %q (%s) has one: use Forward for its activation levels", last.name, last.typ)
	}
	out, err := s.Forward(in, opts)
	if err != nil {
		return nil, err
	}
	pred := &Prediction{Shape: out.Shape, Data: make([]float32, len(out.Data)), Layers: out.Layers}
	neurons := last.out[2]
	for i, v := range out.Data {
		pred.Data[i] = predictValue(v, last.actStep[i%neurons])
	}
	return pred, nil
}

// checkInput verifies the batch's shape, size and value range.
func (s *Simulator) checkInput(in Input) error {
	if len(s.layers) == 0 {
		return errNoLayers
	}
	first := s.layers[0]
	want := first.in
	if in.Shape[0] < 0 || in.Shape[1] != want[0] || in.Shape[2] != want[1] || in.Shape[3] != want[2] {
		return fmt.Errorf("input shape %v does not match the model's input shape (N, %d, %d, %d) of layer %q (%s): give uint8 inputs of shape (N, %d, %d, %d)",
			in.Shape, want[0], want[1], want[2], first.name, first.typ, want[0], want[1], want[2])
	}
	sample := want[0] * want[1] * want[2]
	if in.Shape[0] > len(in.Data)/sample || len(in.Data) != in.Shape[0]*sample {
		return fmt.Errorf("input shape %v needs %.0f values, but the input holds %d: give one value per input cell", in.Shape, float64(in.Shape[0])*float64(sample), len(in.Data))
	}
	top := uint8(1<<s.inputBits - 1)
	for i, v := range in.Data {
		if v > top {
			n, rest := i/sample, i%sample
			return fmt.Errorf("input value %d at (n=%d, x=%d, y=%d, c=%d) exceeds the %d-bit inputs of layer %q (%s), 0…%d: scale the inputs to that range",
				v, n, rest/want[2]/want[1], rest/want[2]%want[1], rest%want[2], s.inputBits, first.name, first.typ, top)
		}
	}
	return nil
}

// errNoLayers guards against a Simulator built without New.
var errNoLayers = errors.New("sim: use New to build a Simulator")

// run simulates every sample and returns the outputs of every layer (all
// of them with keep, else only the last). Buffers are allocated once per
// call and reused across samples.
func (s *Simulator) run(in Input, keep bool) []LayerOutput {
	n := in.Shape[0]
	ws := newWorkspace(s.layers)
	outs := make([]LayerOutput, len(s.layers))
	for i, l := range s.layers {
		if keep || i == len(s.layers)-1 {
			size := l.out[0] * l.out[1] * l.out[2]
			outs[i] = LayerOutput{Name: l.name, Shape: [4]int{n, l.out[0], l.out[1], l.out[2]}, Data: make([]int32, n*size)}
		}
	}
	sample := len(ws.input)
	for k := range n {
		for j, v := range in.Data[k*sample : (k+1)*sample] {
			ws.input[j] = int32(v)
		}
		x := ws.input
		for i, l := range s.layers {
			x = l.forward(x, &ws.buffers[i])
			if outs[i].Data != nil {
				copy(outs[i].Data[k*len(x):(k+1)*len(x)], x)
			}
		}
	}
	if keep {
		return outs
	}
	return outs[len(outs)-1:]
}
