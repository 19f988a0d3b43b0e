// Package infer runs the forward pass of a Keras model (a *keras.Model
// from core/keras) in float32: the reference the converter's output is
// checked against, the source of the activation ranges the quantizer
// calibrates on, and the CLI's `predict` on a Keras file.
//
// Tensors are batch-first and channels-last (NHWC for images), in C
// order, as Keras and TF.js hold them. Layers run in model order, which
// core/keras already gives in topological order. The arithmetic follows
// TensorFlow's definitions (padding, pooling borders, ReLU options) and is
// checked against TF.js 4.22 on the project's fixtures
// (testdata/reference). Results are deterministic: there is no
// parallelism and every loop has a fixed order.
//
// cnn2snn's legacy quantized layers run with their quantized semantics
// (quantized kernels q(W), discrete ReLU steps). A quantizeml-quantized
// model runs in quantizeml's own FixedPoint arithmetic with NewQuantizeML
// (qml.go); Run runs its layers only on request
// (Options.QuantizeMLAsFloat), as their float counterparts, which is an
// approximation of what quantizeml computes.
package infer

import (
	"errors"
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Tensor is a float32 tensor. Shape includes the batch dimension first;
// Data is in C order and has exactly the product of Shape elements.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Options select what Run keeps and allows.
type Options struct {
	// KeepLayers keeps every layer's output in Result.Layers, for
	// per-layer comparison and for calibration (e.g. the maximum of each
	// activation over a batch). Without it, intermediate tensors are
	// released as soon as no later layer needs them.
	KeepLayers bool

	// QuantizeMLAsFloat runs quantizeml layers (QuantizedConv2D from
	// quantizeml, InputQuantizer, Dequantizer …) as their float Keras
	// counterparts on their float weights, ignoring their quantizers.
	// The result only approximates quantizeml's integer arithmetic; the
	// names of the layers run this way are listed in
	// Result.Approximated. Without it such layers are an error.
	QuantizeMLAsFloat bool
}

// Result is the outcome of Run. Its tensors may share Data with each
// other and with the input (Flatten, Reshape, Dropout and InputLayer pass
// their input through); treat them as read-only.
type Result struct {
	// Outputs are the model outputs, in the order of Model.Outputs.
	Outputs []Tensor

	// Layers maps every layer name to its output when
	// Options.KeepLayers is set; nil otherwise.
	Layers map[string]Tensor

	// Approximated names the quantizeml layers that ran as float
	// counterparts (Options.QuantizeMLAsFloat), in model order.
	Approximated []string
}

// ErrUnsupported is wrapped by the errors for layers, options and
// activations the Keras inference cannot run (as opposed to a malformed
// model or a wrong input): errors.Is(err, ErrUnsupported).
var ErrUnsupported = errors.New("not supported by the Keras inference")

// Run feeds a batch through the model and returns the outputs of its
// output layers. The input must match the model's input shape with a
// batch dimension first, e.g. (N, 224, 224, 3) or (N, features); an
// input declared as uint8 (images) is given as float32 values 0…255.
func Run(m *keras.Model, input Tensor, opts Options) (*Result, error) {
	if m == nil || len(m.Layers) == 0 {
		return nil, errors.New("the model has no layers; load a Keras model with keras.Load first")
	}
	if len(m.Inputs) != 1 {
		return nil, fmt.Errorf("the model has %d inputs %v; the Keras inference runs models with exactly one input", len(m.Inputs), m.Inputs)
	}
	if len(m.Outputs) == 0 {
		return nil, errors.New("the model declares no output layer; re-save the model with its outputs")
	}
	if err := checkInput(m, input); err != nil {
		return nil, err
	}
	lastUse := lastUses(m)
	values := make(map[string]Tensor, len(m.Layers))
	res := &Result{}
	for i, l := range m.Layers {
		ins, err := gatherInputs(m, l, values, input)
		if err != nil {
			return nil, err
		}
		out, approximated, err := runLayer(l, ins, opts)
		if err != nil {
			return nil, err
		}
		if approximated {
			res.Approximated = append(res.Approximated, l.Name)
		}
		values[l.Name] = out
		if !opts.KeepLayers {
			for _, name := range l.Inbound {
				if lastUse[name] == i {
					delete(values, name)
				}
			}
		}
	}
	for _, name := range m.Outputs {
		out, ok := values[name]
		if !ok {
			return nil, fmt.Errorf("the model output %q is not a layer of the model; the model file is inconsistent, re-save it", name)
		}
		res.Outputs = append(res.Outputs, out)
	}
	if opts.KeepLayers {
		res.Layers = values
	}
	return res, nil
}

// lastUses maps each layer name to the index of the last layer that takes
// it as an input. Model outputs are never released: they map to
// len(m.Layers).
func lastUses(m *keras.Model) map[string]int {
	last := make(map[string]int, len(m.Layers))
	for i, l := range m.Layers {
		for _, name := range l.Inbound {
			last[name] = i
		}
	}
	for _, name := range m.Outputs {
		last[name] = len(m.Layers)
	}
	return last
}

// gatherInputs returns the tensors a layer consumes: the batch for the
// model's input layer, its inbound layers' outputs otherwise.
func gatherInputs(m *keras.Model, l *keras.Layer, values map[string]Tensor, input Tensor) ([]Tensor, error) {
	if l.IsInput() {
		if l.Name != m.Inputs[0] {
			return nil, fmt.Errorf("input layer %q is not the model input %q; the Keras inference runs models with exactly one input", l.Name, m.Inputs[0])
		}
		return []Tensor{input}, nil
	}
	if l.InboundNodes > 1 {
		return nil, fmt.Errorf("layer %q (%s) is called %d times (a shared layer); the Keras inference runs each layer once: give each call its own layer and re-save the model: %w",
			l.Name, l.ClassName, l.InboundNodes, ErrUnsupported)
	}
	if len(l.Inbound) == 0 {
		return nil, fmt.Errorf("layer %q (%s) has no input layer; the model file is inconsistent, re-save it", l.Name, l.ClassName)
	}
	ins := make([]Tensor, len(l.Inbound))
	for i, name := range l.Inbound {
		t, ok := values[name]
		if !ok {
			return nil, fmt.Errorf("layer %q (%s) takes its input from %q, which is not computed before it (missing or later in the model); the model file is inconsistent, re-save it",
				l.Name, l.ClassName, name)
		}
		ins[i] = t
	}
	return ins, nil
}

// checkInput compares the batch with the model's input shape (unknown
// dimensions, -1, accept any size) and with its own data length.
func checkInput(m *keras.Model, input Tensor) error {
	n, err := elements(input.Shape)
	if err != nil {
		return fmt.Errorf("input shape %v: %w", input.Shape, err)
	}
	if n != len(input.Data) {
		return fmt.Errorf("the input has shape %v (%d values) but holds %d values; give exactly one value per element", input.Shape, n, len(input.Data))
	}
	want := modelInputShape(m)
	if want == nil {
		return fmt.Errorf("the model input %q has no known shape; re-save the model with an Input(shape=…)", m.Inputs[0])
	}
	if len(input.Shape) == len(want) && matches(input.Shape, want) {
		return fmt.Errorf("the input has shape %v but the model takes %s: add the batch dimension first, e.g. %v",
			input.Shape, want, append([]int{1}, input.Shape...))
	}
	if len(input.Shape) != len(want)+1 || !matches(input.Shape[1:], want) {
		return fmt.Errorf("the input has shape %v but the model input %q takes %s (batch first); resize or reshape the input",
			input.Shape, m.Inputs[0], want)
	}
	return nil
}

// modelInputShape is the input layer's shape without the batch
// dimension, from its config or, failing that, from core/keras's shapes.
// As a keras.Shape it prints as Keras does, batch included: (None, 224, 224, 3).
func modelInputShape(m *keras.Model) keras.Shape {
	l := m.Layer(m.Inputs[0])
	if l == nil {
		return nil
	}
	if c, ok := l.Config.(*keras.InputLayer); ok && len(c.BatchShape) > 0 {
		return c.BatchShape[1:]
	}
	return l.OutputShape
}

// matches reports whether got fits want, where -1 in want is any size.
func matches(got, want []int) bool {
	if len(got) != len(want) {
		return false
	}
	for i, d := range want {
		if d != -1 && d != got[i] {
			return false
		}
	}
	return true
}
