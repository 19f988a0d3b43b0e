// Package quantize turns a float Keras model into a quantized one, ready
// for core/convert, in two modes: Model is cnn2snn 2.19.1's
// quantize(model, weight_quantization, activ_quantization,
// input_weight_quantization, fold_BN=True) (spec conversion.md §6.4), for
// Akida 1.0; QuantizeML is quantizeml 1.1.1's quantize(model, qparams,
// samples, num_samples, batch_size, epochs) (spec conversion-v2.md §4),
// for Akida 2.0 — see qml.go. What follows is the cnn2snn mode.
//
// The steps are cnn2snn's: transform.Sequentialize, then the
// BatchNormalization/pooling inversion and BatchNormalization folding of
// transform.Syncretize, then every float Conv2D, SeparableConv2D and Dense
// becomes QuantizedConv2D, QuantizedSeparableConv2D or QuantizedDense with a
// MaxPerAxisQuantizer (one scale per output channel, so the folding stays
// exact; the separable depthwise kernel gets a MaxQuantizer), the first of
// them with the input weight bit width, and every ReLU becomes a
// QuantizedReLU. A model already quantized with cnn2snn gets its bit widths
// changed, as cnn2snn does.
//
// Where this package goes beyond cnn2snn.quantize, it says so in the
// Report (Action.Extension) and in the code:
//
//   - a fused activation "relu" or "relu6" of a Conv2D, SeparableConv2D or
//     Dense is split into a ReLU layer of its own, and Activation("relu") /
//     Activation("relu6") layers become ReLU layers (cnn2snn refuses the
//     first and leaves the second float, so neither would convert);
//   - a fused final "softmax" or "sigmoid" becomes an Activation layer after
//     the last neural layer, which the converter then drops as cnn2snn drops
//     a final activation;
//   - an unbounded ReLU gets a max_value calibrated on sample inputs
//     instead of cnn2snn's 2^bits − 1 (see calibrate.go);
//   - transform.Syncretize runs all four of its passes, where cnn2snn's
//     quantize runs only the BatchNormalization ones: Dropout layers are
//     removed and max poolings moved before activations now rather than by
//     the converter, which gives the same Akida model.
package quantize

import (
	"errors"
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/transform"
)

// Options are cnn2snn.quantize's arguments, plus the calibration of
// unbounded ReLUs.
type Options struct {
	// WeightBits is the weight bit width of every neural layer but the
	// first (cnn2snn's weight_quantization): 2 to 8, or 0 to leave the
	// layers float.
	WeightBits int
	// ActivationBits is the bit width of every ReLU (activ_quantization):
	// 1 to 8, or 0 to leave the ReLUs float.
	ActivationBits int
	// InputWeightBits is the weight bit width of the first neural layer
	// (input_weight_quantization): 2 to 8, or 0 to leave it float.
	// cnn2snn's default, None, means the same as WeightBits.
	InputWeightBits int

	// Calibration is a NumPy .npy batch of model inputs, batch first, on
	// which unbounded ReLUs are calibrated (its first 1024 inputs). Nil
	// means seeded inputs (CalibrationSamples of them, see calibrate.go).
	Calibration []byte
	// CalibrationSamples is the number of seeded inputs; 0 means
	// DefaultCalibrationSamples. Large inputs get fewer (calibrate.go).
	CalibrationSamples int
}

// The bit widths of cnn2snn-wasm's default quantization (the 4, 4
// and 8: 8-bit weights for the input layer, which takes 8-bit inputs).
const (
	DefaultWeightBits      = 4
	DefaultActivationBits  = 4
	DefaultInputWeightBits = 8
)

// DefaultOptions returns 4-bit weights, 4-bit activations and 8-bit input
// weights, with seeded calibration.
func DefaultOptions() Options {
	return Options{WeightBits: DefaultWeightBits, ActivationBits: DefaultActivationBits, InputWeightBits: DefaultInputWeightBits}
}

// maxCalibrationSamples bounds the calibration batch, seeded or the
// user's: calibration runs the float model once per sample.
const maxCalibrationSamples = 1024

// MaxCalibrationSamples is the largest CalibrationSamples of this mode.
const MaxCalibrationSamples = maxCalibrationSamples

// Validate checks the bit widths against what cnn2snn's quantizers accept
// (weights: more than 1 bit, stored as int8; activations: at least 1 bit).
// The Akida 1.0 generator is stricter (weights 2, 4 or 8, activations 1, 2
// or 4); core/convert checks that.
func (o Options) Validate() error {
	if o.WeightBits != 0 && (o.WeightBits < 2 || o.WeightBits > 8) {
		return fmt.Errorf("quantize: weight bitwidth %d is not supported: cnn2snn quantizes weights with 2 to 8 bits (0 leaves them float)", o.WeightBits)
	}
	if o.InputWeightBits != 0 && (o.InputWeightBits < 2 || o.InputWeightBits > 8) {
		return fmt.Errorf("quantize: input weight bitwidth %d is not supported: cnn2snn quantizes the first layer's weights with 2 to 8 bits (0 leaves them float)", o.InputWeightBits)
	}
	if o.ActivationBits < 0 || o.ActivationBits > 8 {
		return fmt.Errorf("quantize: activation bitwidth %d is not supported: cnn2snn quantizes activations with 1 to 8 bits (0 leaves them float)", o.ActivationBits)
	}
	if o.CalibrationSamples < 0 || o.CalibrationSamples > maxCalibrationSamples {
		return fmt.Errorf("quantize: %d calibration samples requested: use 1 to %d (0 means %d)", o.CalibrationSamples, maxCalibrationSamples, DefaultCalibrationSamples)
	}
	return nil
}

// Error is returned for a model that cannot be quantized as it is: every
// problem found, in the order cnn2snn meets them (sequentialize and
// BatchNormalization folding first, then layer by layer). Its text is the
// first problem's message, the error cnn2snn raises; each diagnostic's
// rule (compat.Lookup) explains the way out.
type Error struct {
	Diagnostics []compat.Diagnostic
}

func (e *Error) Error() string {
	if len(e.Diagnostics) == 0 {
		return "quantize: no problem"
	}
	return e.Diagnostics[0].Message
}

// ErrQuantizeML is wrapped by the error for a model quantized with
// quantizeml: cnn2snn.quantize applies to float and cnn2snn models only.
var ErrQuantizeML = errors.New("the model is already quantized with quantizeml; cnn2snn.quantize only quantizes float Keras models (and re-quantizes cnn2snn ones): convert the quantizeml model as it is, or quantize its float original")

// Model quantizes a float Keras model (or re-quantizes a cnn2snn one) and
// returns it as a Sequential chain: the input layer, then the transformed
// layers, each fed by the one before. The input model is not modified; the
// result shares the weight values of the layers it does not change, so
// treat both as read-only.
//
// When the model has problems (a non-default argument, an unsupported fused
// activation, a BatchNormalization that cannot be folded …), the error is
// an *Error listing all of them, and the model is still returned when the
// graph is one chain: the layers at fault are left as they were, so that a
// check can go on and report the converter's problems too. Any other error
// (options, calibration) comes with a nil model, except a calibration
// failure, which returns the model with cnn2snn's default max_value for the
// ReLUs concerned.
func Model(m *keras.Model, o Options) (*keras.Model, *Report, error) {
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	rep := newReport(m, o)
	for _, l := range m.Layers {
		if l.Origin() == keras.OriginQuantizeML {
			return nil, rep, fmt.Errorf("%s (layer %q is %s from quantizeml): %w", modelLabel(m.Name), l.Name, l.ClassName, ErrQuantizeML)
		}
	}
	chain, err := transform.Sequentialize(m)
	problems := appendProblems(nil, err)
	if chain == nil {
		if err == nil {
			err = fmt.Errorf("%s has no input layer to start from; re-save it with an Input", modelLabel(m.Name))
		}
		return nil, rep, asError(problems, err)
	}
	q := &quantizer{model: m, opts: o, report: rep, names: layerNames(m)}
	if o.Calibration != nil {
		// A calibration batch that does not fit is the caller's mistake,
		// found before any work (and even when no ReLU needs it).
		if q.batch, err = npyBatch(o.Calibration, modelInputShape(chain.Input)); err != nil {
			return nil, rep, err
		}
	}
	return q.quantize(chain, problems)
}

// quantize runs the steps after sequentialize: split activations, fold
// BatchNormalization, check the arguments, calibrate, replace the layers.
func (q *quantizer) quantize(chain *transform.Sequence, problems []compat.Diagnostic) (*keras.Model, *Report, error) {
	split := &transform.Sequence{Name: chain.Name, Input: chain.Input, Layers: q.splitActivations(chain.Layers)}
	synced, err := transform.Syncretize(split)
	problems = appendProblems(problems, err)
	q.report.describeSyncretize(chain.Input.Name, split.Layers, synced.Layers, problems)
	problems = append(problems, q.checkArguments(synced.Layers)...)

	var calibErr error
	if len(problems) == 0 && q.needsCalibration(synced.Layers) {
		q.maxValues, calibErr = q.calibrate(synced)
	}
	layers, err := q.quantizeLayers(synced.Layers)
	q.report.Changed = q.report.changed()
	switch {
	case err != nil:
		return nil, q.report, err
	case len(problems) > 0:
		return sequentialModel(q.model, chain.Input, layers), q.report, &Error{Diagnostics: problems}
	}
	return sequentialModel(q.model, chain.Input, layers), q.report, calibErr
}

// modelLabel names a model in messages: model "name", or "the model" when
// the file gives no name.
func modelLabel(name string) string {
	if name == "" {
		return "the model"
	}
	return fmt.Sprintf("model %q", name)
}

// appendProblems adds the diagnostics of a transform error.
func appendProblems(ds []compat.Diagnostic, err error) []compat.Diagnostic {
	var p transform.Problems
	if errors.As(err, &p) {
		return append(ds, p...)
	}
	return ds
}

// asError returns an *Error for the problems, or err when there are none.
func asError(problems []compat.Diagnostic, err error) error {
	if len(problems) > 0 {
		return &Error{Diagnostics: problems}
	}
	return err
}

// quantizer holds one run of Model.
type quantizer struct {
	model  *keras.Model
	opts   Options
	report *Report
	// names are the layer names in use, so that new layers get fresh ones.
	names map[string]bool
	// batch is the user's calibration batch, decoded.
	batch *calibrationBatch
	// maxValues are the calibrated max_value of unbounded ReLUs, by name.
	maxValues map[string]float64
}

func layerNames(m *keras.Model) map[string]bool {
	names := make(map[string]bool, len(m.Layers))
	for _, l := range m.Layers {
		names[l.Name] = true
	}
	return names
}

// freshName returns base, or base_1, base_2 … when the name is taken.
func (q *quantizer) freshName(base string) string {
	name := base
	for i := 1; q.names[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	q.names[name] = true
	return name
}

// sequentialModel builds the result: a Keras Sequential chain, which is
// what cnn2snn.quantize returns after folding (so convert looks for a
// Rescaling among the first two layers after the input, as cnn2snn does on
// the quantized model).
func sequentialModel(m *keras.Model, input *keras.Layer, layers []*keras.Layer) *keras.Model {
	out := &keras.Model{
		Name: m.Name, Class: "Sequential", Format: m.Format,
		KerasVersion: m.KerasVersion, Backend: m.Backend,
		Inputs: []string{input.Name}, Outputs: []string{input.Name},
		Layers: make([]*keras.Layer, 0, len(layers)+1),
	}
	in := *input
	out.Layers = append(out.Layers, &in)
	prev := input.Name
	for _, l := range layers {
		c := *l // a shallow copy: only the inbound links change
		c.Inbound = []string{prev}
		c.InboundNodes = 1
		out.Layers = append(out.Layers, &c)
		prev = c.Name
	}
	out.Outputs = []string{prev}
	return out
}
