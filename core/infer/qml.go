package infer

import (
	"errors"
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The forward pass of a quantizeml-quantized Keras model in quantizeml's
// own arithmetic (spec conversion-v2.md §4.4): FixedPoint and QFloat
// values, i.e. integers held in float32 with their frac bits and scales,
// every elementwise operation a float32 operation as TensorFlow computes
// it. It is the reference the Akida 2.0 simulation is compared with.
//
// Choices (the recording's are listed in core/keras/qmlchoices.go):
//
//	F1  Convolutions, dense products and the GAP sum are computed exactly
//	    in integers and rounded once to float32. TensorFlow sums in float32
//	    in an order of its own; the two agree whenever the sums stay below
//	    2^24 in magnitude (every layer of the project's fixtures), and above
//	    that no order can be reproduced anyway (spec §5.4, V10).
//	F2  Every other operation (bias add, v·qs, the rescale's + 0.5, the
//	    Dequantizer's v/2^F·S) is a float32 operation with quantizeml's
//	    float32 saturation bounds (keras.QMLBounds).
//	F3  A float input reaching a quantized layer is cast to uint8 by
//	    truncation (TF's cast); values outside 0…255, where TF's cast is
//	    undefined, are refused (castInput). An integer model input must
//	    hold integers of its dtype's range (inputLayer).
//	F4  Transposed convolutions with a dilation and concatenations on
//	    another axis than the last are refused, not guessed.

// QuantizeML is a quantizeml-quantized model ready to run: the model and
// what quantizeml records for it (keras.RecordQuantizeML), computed once.
type QuantizeML struct {
	model *keras.Model
	rec   *keras.QMLRecording
}

// NewQuantizeML records the model's quantization variables. It fails
// where quantizeml itself would (the error is a *keras.QMLRecordError
// naming the layer) and for a model the Keras inference cannot run.
func NewQuantizeML(m *keras.Model) (*QuantizeML, error) { return NewQuantizeMLRecorded(m, nil) }

// NewQuantizeMLRecorded is NewQuantizeML for a model whose variables were
// recorded already (keras.RecordQuantizeML(m), e.g. by its conversion:
// convert.Analysis.Recording), which it then does not record again; a nil
// rec records them.
func NewQuantizeMLRecorded(m *keras.Model, rec *keras.QMLRecording) (*QuantizeML, error) {
	if m == nil || len(m.Layers) == 0 {
		return nil, errors.New("the model has no layers; load a Keras model with keras.Load first")
	}
	if len(m.Inputs) != 1 {
		return nil, fmt.Errorf("the model has %d inputs %v; the Keras inference runs models with exactly one input", len(m.Inputs), m.Inputs)
	}
	if rec == nil {
		var err error
		if rec, err = keras.RecordQuantizeML(m); err != nil {
			return nil, err
		}
	}
	return &QuantizeML{model: m, rec: rec}, nil
}

// Recording returns the recorded quantization variables the pass uses.
func (q *QuantizeML) Recording() *keras.QMLRecording { return q.rec }

// QTensor is one layer's output in quantizeml's arithmetic.
type QTensor struct {
	Shape []int // batch first
	// Values are the integer values (stored as float32, as quantizeml
	// stores them) of a quantized output, or the float values of a float
	// one (a Dequantizer's output, the float model input, a layer after
	// the Dequantizer). C order.
	Values []float32
	// QTensor describes the values: value bits, frac bits and scales
	// (one, or one per channel of the last axis). A float output has no
	// frac bits (IsFloat).
	keras.QTensor
}

// Int returns value i as an integer.
func (t QTensor) Int(i int) int64 { return int64(t.Values[i]) }

// Float returns the float value each integer stands for, v·2^−F·S
// (quantizeml's to_float, in float32), or the values themselves for a
// float output.
func (t QTensor) Float() []float32 {
	if t.IsFloat() {
		return t.Values
	}
	out := make([]float32, len(t.Values))
	c := t.Shape[len(t.Shape)-1]
	for i, v := range t.Values {
		ch := i % c
		out[i] = v / keras.QMLPow2(t.FracAt(ch)) * t.ScaleAt(ch)
	}
	return out
}

// QMLResult is the outcome of a quantizeml forward pass.
type QMLResult struct {
	// Outputs are the model outputs as float32 tensors (a Dequantizer's
	// output as it is; a quantized output as its float value).
	Outputs []Tensor
	// Layers maps every layer name to its output when
	// Options.KeepLayers is set; nil otherwise.
	Layers map[string]QTensor
}

// Run feeds a batch through the model. The input is given as float32
// values with the batch first; an integer model input (uint8, int8)
// must hold integers of its dtype's range.
func (q *QuantizeML) Run(input Tensor, opts Options) (*QMLResult, error) {
	m := q.model
	if err := checkInput(m, input); err != nil {
		return nil, err
	}
	lastUse := lastUses(m)
	values := make(map[string]QTensor, len(m.Layers))
	for i, l := range m.Layers {
		var out QTensor
		var err error
		if l.IsInput() {
			out, err = q.inputLayer(l, input)
		} else {
			out, err = q.layer(l, values)
		}
		if err != nil {
			return nil, err
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
	res := &QMLResult{}
	for _, name := range m.Outputs {
		out, ok := values[name]
		if !ok {
			return nil, fmt.Errorf("the model output %q is not a layer of the model; the model file is inconsistent, re-save it", name)
		}
		res.Outputs = append(res.Outputs, Tensor{Shape: out.Shape, Data: out.Float()})
	}
	if opts.KeepLayers {
		res.Layers = values
	}
	return res, nil
}

// inputLayer checks an integer input against its dtype (the values
// quantizeml's FixedPoint would hold) and passes it through.
func (q *QuantizeML) inputLayer(l *keras.Layer, input Tensor) (QTensor, error) {
	if l.Name != q.model.Inputs[0] {
		return QTensor{}, fmt.Errorf("input layer %q is not the model input %q; the Keras inference runs models with exactly one input", l.Name, q.model.Inputs[0])
	}
	r := q.rec.Layer(l.Name)
	out := QTensor{Shape: input.Shape, Values: input.Data, QTensor: r.Output}
	if r.Output.IsFloat() {
		return out, nil
	}
	lo, hi := -math.Ldexp(1, r.Output.ValueBits), math.Ldexp(1, r.Output.ValueBits)-1
	if !r.Output.Signed {
		lo = 0
	}
	for i, v := range input.Data {
		if float64(v) < lo || float64(v) > hi || v != float32(math.Trunc(float64(v))) {
			return QTensor{}, fmt.Errorf("input value %g at index %d is not an integer in %g…%g, which the model's %s input takes; give integer values of that range",
				v, i, lo, hi, l.Config.(*keras.InputLayer).Dtype)
		}
	}
	return out, nil
}

// layer runs one layer on its inbound outputs.
func (q *QuantizeML) layer(l *keras.Layer, values map[string]QTensor) (QTensor, error) {
	if l.InboundNodes > 1 {
		return QTensor{}, fmt.Errorf("layer %q (%s) is called %d times (a shared layer); the Keras inference runs each layer once: give each call its own layer and re-save the model: %w",
			l.Name, l.ClassName, l.InboundNodes, ErrUnsupported)
	}
	ins := make([]QTensor, len(l.Inbound))
	for i, name := range l.Inbound {
		t, ok := values[name]
		if !ok {
			return QTensor{}, fmt.Errorf("layer %q (%s) takes its input from %q, which is not computed before it (missing or later in the model); the model file is inconsistent, re-save it",
				l.Name, l.ClassName, name)
		}
		ins[i] = t
	}
	if len(ins) == 0 {
		return QTensor{}, fmt.Errorf("layer %q (%s) has no input layer; the model file is inconsistent, re-save it", l.Name, l.ClassName)
	}
	r := q.rec.Layer(l.Name)
	if r == nil { // a float Keras layer (the head after a Dequantizer)
		return floatLayer(l, ins)
	}
	out, err := quantizedLayer(l, r, ins)
	if err != nil {
		return QTensor{}, fmt.Errorf("layer %q (%s): %w", l.Name, l.ClassName, err)
	}
	return out, nil
}

// floatLayer runs a layer of the float head with the float inference.
func floatLayer(l *keras.Layer, ins []QTensor) (QTensor, error) {
	fins := make([]Tensor, len(ins))
	for i, t := range ins {
		fins[i] = Tensor{Shape: t.Shape, Data: t.Float()}
	}
	out, _, err := runLayer(l, fins, Options{QuantizeMLAsFloat: true})
	if err != nil {
		return QTensor{}, err
	}
	return QTensor{Shape: out.Shape, Values: out.Data}, nil
}

// quantizedLayer computes a quantized layer's result (described by
// r.Raw), then applies its output quantizer (giving r.Output).
func quantizedLayer(l *keras.Layer, r *keras.QMLRecord, ins []QTensor) (QTensor, error) {
	var out QTensor
	var err error
	switch c := l.Config.(type) {
	case *keras.QMLInputQuantizer:
		out, err = inputQuantizer(r, ins[0])
	case *keras.QMLRescaling:
		out, err = castInput(ins[0]) // the scale is in the description
	case *keras.QMLDropout, *keras.Dropout:
		out = ins[0]
	case *keras.QMLMaxPool2D:
		if out, err = castInput(ins[0]); err == nil {
			out, err = qmlMaxPool(&c.MaxPooling2D, out)
		}
	case *keras.QMLConv2D:
		padding := c.Padding
		if c.PaddingValue != nil {
			padding = "same"
		}
		out, err = qmlConv(r, ins[0], convGeometry{c.KernelSize, c.Strides, c.DilationRate, padding}, convPlain)
	case *keras.QMLDepthwiseConv2D:
		out, err = qmlConv(r, ins[0], convGeometry{c.KernelSize, c.Strides, c.DilationRate, c.Padding}, convDepthwise)
	case *keras.QMLConv2DTranspose:
		out, err = qmlConv(r, ins[0], convGeometry{c.KernelSize, c.Strides, c.DilationRate, c.Padding}, convTransposed)
	case *keras.QMLDepthwiseConv2DTranspose:
		out, err = qmlConv(r, ins[0], convGeometry{c.KernelSize, c.Strides, c.DilationRate, c.Padding}, convDepthwiseTransposed)
	case *keras.QMLDense:
		out, err = qmlDense(r, ins[0])
	case *keras.QMLReLU:
		out, err = qmlReLU(r, ins[0])
	case *keras.QMLActivation:
		out, err = qmlLUT(r, ins[0])
	case *keras.QMLGlobalAveragePooling2D:
		out, err = qmlGAP(r, c, ins[0])
	case *keras.QMLAdd:
		out, err = qmlAdd(r, ins)
	case *keras.QMLConcatenate:
		out, err = qmlConcatenate(l, ins)
	case *keras.QMLFlatten, *keras.QMLReshape:
		out, err = qmlReshape(l, r, ins[0])
	case *keras.QMLDequantizer:
		out = QTensor{Shape: ins[0].Shape, Values: ins[0].Float()}
	default:
		return QTensor{}, fmt.Errorf("class %s is %w in quantizeml arithmetic", l.ClassName, ErrUnsupported)
	}
	if err != nil {
		return QTensor{}, err
	}
	if err := fits(out, r.Raw, r); err != nil {
		return QTensor{}, err
	}
	out.QTensor = r.Raw
	if oq := r.OutputQuantizer; oq != nil {
		out = outputQuantize(out, oq, r.Output)
	}
	return out, nil
}

// fits checks that the per-channel entries the record holds for a
// layer's result match the channels actually computed (one entry, or one
// per channel), so that a model whose saved shapes disagree with its
// weights gives an error rather than an index out of range.
func fits(t QTensor, d keras.QTensor, r *keras.QMLRecord) error {
	if len(t.Shape) == 0 {
		return errors.New("the layer computed an empty tensor")
	}
	c := t.channels()
	lens := []int{len(d.Frac), len(d.Scales), len(r.Bias), len(r.MaxValue)}
	if oq := r.OutputQuantizer; oq != nil {
		lens = append(lens, len(oq.Shift), len(oq.Scales), len(r.Output.Frac))
	}
	for _, n := range lens {
		if n > 1 && n != c {
			return fmt.Errorf("the layer computes %d channels but its quantization variables have %d; the model's shapes are inconsistent, re-save it", c, n)
		}
	}
	return nil
}
