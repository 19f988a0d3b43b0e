package quantize

// quantizeml's quantization (spec conversion-v2.md §4): the second mode of
// this package, beside cnn2snn.quantize. QuantizeML turns a float Keras
// model into a model of quantizeml classes (QuantizedConv2D,
// QuantizedReLU, InputQuantizer, Dequantizer …) holding what a file saved
// by quantizeml 1.1.1's quantize() holds — float weights, each output
// quantizer's range_max and rescaling_rate, the InputQuantizer's
// range_min and range_max (§3) — so that core/convert's quantizeml path
// converts it to Akida 2.0 as it converts such a file.
//
// The steps are quantize_keras's (§4.2), in its order, each in its own
// file:
//
//   - qml_sanitize.go: sanitize_base (split fused activations, align the
//     Rescaling, ReLU/MaxPool inversion, BatchNormalization inversion and
//     folding, ZeroPadding2D removal) and sanitize_for_hardware (split
//     Concatenate, even kernels to odd, split stride-2 5×5/7×7 depthwise
//     convolutions, identity convolutions);
//   - qml_layers.go: where output quantizers go, the replacement of each
//     float layer by its quantized class, the InputQuantizer, the
//     Dequantizers and last_output_bits;
//   - qml_calibrate.go: calibration with observers on the sanitized float
//     model (core/infer), batched as tf_keras' predict batches;
//   - qml_equalize.go: ranges, cross-layer equalization and the
//     InputQuantizer's zero point.
//
// Where this tool goes beyond quantizeml it says so in the report
// (Action.Extension) and in qml_extend.go: a ReLU written as
// Activation("relu") or a fused activation="relu" is quantized as a ReLU
// (quantizeml leaves Keras Activation layers float and stops there); a
// SeparableConv2D becomes a DepthwiseConv2D and a 1×1 Conv2D (Akida 2.0
// has no separable layer); an AveragePooling2D over its whole input
// becomes a GlobalAveragePooling2D, one that pads nothing a
// DepthwiseConv2D of constant weights; a ReLU right after a
// GlobalAveragePooling2D gets an identity layer in between (Akida 2.0
// pools after the activation); the padding_value [0.0] quantizeml gives a
// 'same' Conv2D after an unsigned InputQuantizer is removed before a max
// pooling when no zero point was folded (cnn2snn refuses the block
// otherwise); random calibration samples are seeded.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// QuantizationParams are quantizeml's QuantizationParams (spec §4.1).
type QuantizationParams struct {
	// ActivationBits is the bit width of activations (ReLU outputs): 8
	// gives signed 8-bit outputs, fewer bits unsigned ones.
	ActivationBits int `json:"activation_bits"`
	// PerTensorActivations quantizes activations with one range per
	// tensor instead of one per channel.
	PerTensorActivations bool `json:"per_tensor_activations"`
	// WeightBits is the weight bit width of every layer but the first.
	WeightBits int `json:"weight_bits"`
	// OutputBits is the bit width of outputs that are not activations
	// (a convolution followed by another one, an Add, a pooling).
	OutputBits int `json:"output_bits"`
	// InputWeightBits is the weight bit width of the first layer with
	// weights.
	InputWeightBits int `json:"input_weight_bits"`
	// InputDtype is the integer type a float input is quantized to
	// ("uint8", "int8", "uint16", "int16").
	InputDtype string `json:"input_dtype"`
	// BufferBits is the bit width of the accumulators.
	BufferBits int `json:"buffer_bits"`
	// LastOutputBits, when not 0, is the bit width of the model outputs
	// (quantizeml's last_output_bits; 0 is its None).
	LastOutputBits int `json:"last_output_bits,omitempty"`
}

// DefaultQuantizationParams returns quantizeml's defaults: 8-bit weights,
// activations, outputs and input weights, per-axis activations, uint8
// inputs, 32-bit buffers, no last_output_bits.
func DefaultQuantizationParams() QuantizationParams {
	return QuantizationParams{ActivationBits: 8, WeightBits: 8, OutputBits: 8, InputWeightBits: 8,
		InputDtype: "uint8", BufferBits: 32}
}

// maxInputDtypeBits is the widest input_dtype: quantizeml's input
// quantizers take integers of up to 32 bits.
const maxInputDtypeBits = 32

// Validate checks the parameters against what quantizeml's quantizers
// take. The Akida 2.0 converter is stricter (4 or 8-bit weights); it says
// so itself.
func (p QuantizationParams) Validate() error {
	if bits, _, ok := keras.IntDtype(p.InputDtype); !ok || bits > maxInputDtypeBits {
		// quantizeml: ValueError, for any non-integer dtype.
		return fmt.Errorf("Unsupported %s input dtype: it should be a integer subdtype.", p.InputDtype)
	}
	for _, b := range []struct {
		name     string
		v, lo, h int
	}{
		{"weight", p.WeightBits, 2, 8}, {"input weight", p.InputWeightBits, 2, 8},
		{"activation", p.ActivationBits, 1, 16}, {"output", p.OutputBits, 1, 16},
		{"buffer", p.BufferBits, 8, 32},
	} {
		if b.v < b.lo || b.v > b.h {
			return fmt.Errorf("quantize: %s bitwidth %d is not supported: use %d to %d bits", b.name, b.v, b.lo, b.h)
		}
	}
	if p.LastOutputBits != 0 && (p.LastOutputBits < 1 || p.LastOutputBits > 32) {
		return fmt.Errorf("quantize: last output bitwidth %d is not supported: use 1 to 32 bits (0 leaves the outputs as they are)", p.LastOutputBits)
	}
	return nil
}

// QMLOptions are quantizeml.quantize's arguments.
type QMLOptions struct {
	// Params are the quantization parameters; the zero value means
	// DefaultQuantizationParams.
	Params QuantizationParams
	// Calibration is a NumPy .npy array of model inputs, batch first
	// (quantizeml's samples); nil means random samples.
	Calibration []byte
	// Samples is quantizeml's num_samples: how many random samples are
	// drawn, or how many steps the calibration array is cut into. 0 means
	// DefaultQMLSamples with an array (quantizeml's default) and
	// DefaultQMLRandomSamples without.
	Samples int
	// BatchSize is quantizeml's batch_size; 0 is its None (see
	// calibrationBatches for what predict then does).
	BatchSize int
	// Epochs is the number of passes over the samples; 0 means 1.
	Epochs int
	// Context stops the calibration when it is cancelled (checked before
	// each batch); nil never stops.
	Context context.Context
	// Progress, when set, is called before each calibration batch with the
	// batches done and the total.
	Progress func(done, total int)
}

// Calibration defaults of the quantizeml mode.
const (
	// DefaultQMLSamples is quantizeml's num_samples, used with a
	// calibration array so that the tool reaches quantizeml's ranges.
	DefaultQMLSamples = 1024
	// DefaultQMLRandomSamples is the number of random samples without an
	// array. Choice: quantizeml draws 1024, but its observers keep an
	// exponential moving average with momentum 0.9, whose memory is about
	// ten batches: the first sample weighs 0.9^128 ≈ 1e−6 after 128, so
	// 1024 random samples give ranges no better than 128, at 8 times the
	// cost (AkidaNet 224: about 13 s natively, 40 s in a browser, for 128).
	DefaultQMLRandomSamples = 128
	// MaxQMLSamples bounds num_samples × epochs, the number of forward
	// passes asked for.
	MaxQMLSamples = 1 << 16
)

// withDefaults fills the zero options.
func (o QMLOptions) withDefaults() QMLOptions {
	if o.Params == (QuantizationParams{}) {
		o.Params = DefaultQuantizationParams()
	}
	if o.Samples == 0 {
		o.Samples = DefaultQMLRandomSamples
		if o.Calibration != nil {
			o.Samples = DefaultQMLSamples
		}
	}
	if o.Epochs == 0 {
		o.Epochs = 1
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	return o
}

// Validate checks the options (with their defaults filled).
func (o QMLOptions) Validate() error {
	if err := o.Params.Validate(); err != nil {
		return err
	}
	switch {
	case o.Samples < 1:
		return fmt.Errorf("quantize: %d calibration samples: use at least 1", o.Samples)
	case o.BatchSize < 0:
		// quantizeml: "The batch size should be strictly positive."
		return fmt.Errorf("quantize: calibration batch size %d: The batch size should be strictly positive.", o.BatchSize)
	case o.Epochs < 1:
		return fmt.Errorf("quantize: %d calibration epochs: use at least 1", o.Epochs)
	case o.Samples > MaxQMLSamples/o.Epochs:
		return fmt.Errorf("quantize: %d calibration samples × %d epochs is more than %d forward passes: use fewer", o.Samples, o.Epochs, MaxQMLSamples)
	}
	return nil
}

// ErrRequantize is quantizeml's refusal of a model that already has
// quantized layers (its own or cnn2snn's).
var ErrRequantize = errors.New("Requantizing a model is not supported. Please quantize the original float model directly.")

// Refusal is quantizeml's refusal of a model, with its message (the
// errors QuantizeML's doc lists as quantizeml's): a property of the
// model, which a caller reports as the model's problem, unlike the other
// errors (options, calibration samples, a forward pass that fails, a
// stop).
type Refusal struct{ err error }

func (r *Refusal) Error() string { return r.err.Error() }
func (r *Refusal) Unwrap() error { return r.err }

// refusef returns a *Refusal with a formatted message (%w wraps).
func refusef(format string, args ...any) error {
	return &Refusal{fmt.Errorf(format, args...)}
}

// ErrCalibrationStopped is returned when the options' Context was
// cancelled during calibration.
var ErrCalibrationStopped = errors.New("quantize: the calibration was stopped")

// QuantizeML quantizes a float Keras model as quantizeml.quantize(model,
// qparams=o.Params, samples=o.Calibration, num_samples=o.Samples,
// batch_size=o.BatchSize, epochs=o.Epochs) does, and calibrates it. The
// input model is not modified. The result is a Functional model of
// quantizeml classes, in topological order, ending with a Dequantizer
// when every layer was quantized.
//
// The errors are quantizeml's refusals, each a *Refusal with its text
// (ErrRequantize, "Impossible to quantize …", "Impossible to quantize
// inputs: …", "Cannot apply last_output_bits on …", "During calibration,
// impossible to fold zero point …", a layer argument quantizeml's layers
// do not take), invalid options, an unusable calibration array, a
// forward pass that fails, and ErrCalibrationStopped. The report is
// returned with every error but the options'.
func QuantizeML(m *keras.Model, o QMLOptions) (*keras.Model, *Report, error) {
	o = o.withDefaults()
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	rep := newQMLReport(m, o)
	for _, l := range m.Layers {
		if l.Origin() != keras.OriginKeras {
			return nil, rep, refusef("%s (layer %q is %s from %s): %w", modelLabel(m.Name), l.Name, l.ClassName, l.Origin(), ErrRequantize)
		}
	}
	if len(m.Inputs) != 1 || len(m.Outputs) == 0 || m.Layer(m.Inputs[0]) == nil {
		return nil, rep, fmt.Errorf("%s has %d inputs and %d outputs; quantization needs one input and at least one output (Akida models have one of each)", modelLabel(m.Name), len(m.Inputs), len(m.Outputs))
	}
	if err := checkModel(m); err != nil {
		return nil, rep, err
	}
	q := &qmlQuantizer{opts: o, report: rep}
	if o.Calibration != nil {
		// A calibration array that does not fit is found before any work.
		var err error
		if q.samples, err = npySamples(o.Calibration, modelInputShape(m.Layer(m.Inputs[0]))); err != nil {
			return nil, rep, err
		}
	}
	if o.Calibration == nil && !o.Params.PerTensorActivations {
		rep.warn("Quantizing per-axis with random calibration samples is not accurate. Set QuantizationParams.per_tensor_activations=True when calibrating with random samples. Continuing execution.")
	}
	return q.run(m)
}

// qmlQuantizer holds one run of QuantizeML.
type qmlQuantizer struct {
	opts    QMLOptions
	report  *Report
	samples *sampleArray // the user's calibration array, decoded
	// float is the sanitized float model (what quantizeml calibrates on);
	// quant the quantized model being built.
	float, quant *graph
	// padding holds the padding_value of the float Conv2D layers that
	// align_rescaling made quantizeml PaddedConv2D layers, by name.
	padding map[string][]float64
}

func (q *qmlQuantizer) run(m *keras.Model) (*keras.Model, *Report, error) {
	g := newGraph(m.Clone())
	if err := q.sanitize(g); err != nil {
		return nil, q.report, err
	}
	q.float = g
	qm, err := q.quantizeLayers(g)
	if err != nil {
		return nil, q.report, err
	}
	q.quant = qm
	if err := q.calibrate(); err != nil {
		return nil, q.report, err
	}
	q.report.describeQuantizers(qm)
	q.warnPerAxisReshape()
	q.report.Changed = q.report.changed()
	return qm.model(), q.report, nil
}

// warnPerAxisReshape warns about a Flatten or Reshape fed by a per-axis
// output quantizer: quantizeml's Flatten must then align channels whose
// frac bits differ, which overflows when they differ by more than the
// activation bits (the recording refuses the model then).
func (q *qmlQuantizer) warnPerAxisReshape() {
	g := q.quant
	for _, l := range g.m.Layers {
		switch l.Config.(type) {
		case *keras.QMLFlatten, *keras.QMLReshape:
		default:
			continue
		}
		for in := g.parent(l); in != nil; in = g.parent(in) {
			if oq := in.OutputQuantizer(); oq != nil {
				if oq.PerAxis {
					q.report.warn(sprintf("%s %s reshapes the per-axis activations of %s: quantizeml aligns their channels there, which fails when their ranges differ too much; quantize with per-tensor activations (--per-tensor-activations) if the conversion refuses it",
						l.ClassName, l.Name, in.Name))
				}
				break
			}
			if _, ok := in.QuantizeML(); !ok || in.IsInput() {
				break
			}
		}
	}
}

// isQuantizedClass reports whether a layer has one of quantizeml's
// classes.
func isQuantizedClass(l *keras.Layer) bool {
	_, ok := l.QuantizeML()
	return ok
}

// containsString is slices.Contains for names.
func containsString(s []string, v string) bool { return slices.Contains(s, v) }
