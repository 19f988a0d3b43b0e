// Package convert is cnn2snn 2.19.1's convert, with its two paths chosen by
// the model's origin and the target (a path value: its checks and its
// generator):
//
//   - the legacy path, for models quantized with cnn2snn: it resolves the
//     input scaling, runs transform.Sequentialize and transform.Syncretize,
//     the compatibility rules of core/compat, groups the layers into Akida
//     1.0 layers and computes their integer weights, thresholds and
//     activation steps (spec conversion.md §2–§7; files *_v1.go);
//   - the quantizeml path, for models quantized with quantizeml: it splits
//     the model into blocks that end at output quantizers, matches each
//     with an Akida layer pattern, runs the block rules of core/compat and
//     builds Akida 2.0 layers from what quantizeml's quantizers record
//     (conversion-v2.md §1–§2; files qml_*.go and *_v2.go). Towards Akida
//     1.0 it checks the model but does not generate it.
//
// Check reports every problem at once, with the block structure (which
// Keras layers make each Akida layer). Convert fails with the first error
// cnn2snn would raise, wrapped in an *Error that also carries every
// diagnostic.
package convert

import (
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
)

// Options are convert's arguments.
type Options struct {
	// InputScaling is (a, b) with Akida input = a × Keras input + b. Nil
	// means: from a leading Rescaling layer if the model has one, else
	// (1, 0) — cnn2snn's input_scaling=None.
	InputScaling *[2]float64
	// InputIsImage is cnn2snn 2.3.7's input_is_image flag. Nil or true
	// means the rule of cnn2snn 2.4 and later: the first Akida layer is an
	// InputConvolutional when the model input's last dimension is 1 or 3,
	// an InputData otherwise. False forces an InputData input, as 2.3.7's
	// input_is_image=False does.
	InputIsImage *bool
	// Quantize holds the bit widths used to quantize a float model first.
	// Convert itself does not quantize (the facade runs the quantizer
	// before it); the widths are carried here so that one Options value
	// describes a whole conversion.
	Quantize QuantizeBits
	// Target is the Akida IP version to convert to; empty means the model's
	// own: Akida 2.0 for a model quantized with quantizeml (cnn2snn's
	// default, CNN2SNN_TARGET_AKIDA_VERSION=v2), Akida 1.0 for the others,
	// which cnn2snn's legacy path converts to Akida 1.0 only.
	Target akida.IPVersion
}

// Targets.
const (
	TargetV1 = akida.IPv1
	TargetV2 = akida.IPv2
)

// targetFor returns the target with its default for a model of this
// origin.
func (o Options) targetFor(origin string) akida.IPVersion {
	switch {
	case o.Target != "":
		return o.Target
	case origin == OriginQuantizeML:
		return TargetV2
	}
	return TargetV1
}

// Validate checks the options that do not depend on the model. A
// non-finite input scaling is refused here, for every front end: it would
// saturate the padding value and every threshold, not fail.
func (o Options) Validate() error {
	switch o.Target {
	case "", TargetV1, TargetV2:
	default:
		return fmt.Errorf("unknown target %q: use v1 (Akida 1.0: AKD1000, AKD1500) or v2 (Akida 2.0)", o.Target)
	}
	if s := o.InputScaling; s != nil && !(isFinite(s[0]) && isFinite(s[1])) {
		return fmt.Errorf("input scaling (%g, %g) is not two finite numbers: give A,B with Akida input = A × Keras input + B, e.g. 255,0", s[0], s[1])
	}
	return o.Quantize.ValidateFor(o.Target)
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// inputIsImage returns the InputIsImage option with its default.
func (o Options) inputIsImage() bool { return o.InputIsImage == nil || *o.InputIsImage }

// QuantizeBits are the bit widths a float model is quantized with:
// weights, activations, and the weights of the first (input) layer — the
// arguments of cnn2snn.quantize for Akida 1.0, and QuantizationParams'
// weight_bits, activation_bits and input_weight_bits of quantizeml for
// Akida 2.0. Zero means the target's default: 4, 4, 8 for Akida 1.0 and
// 8, 8, 8 for Akida 2.0.
type QuantizeBits struct {
	Weights      int `json:"weights"`
	Activations  int `json:"activations"`
	InputWeights int `json:"input_weights"`
}

// Default quantization bit widths for Akida 1.0 (cnn2snn-wasm's 4, 4, 8)
// and Akida 2.0 (quantizeml's QuantizationParams defaults).
const (
	DefaultWeightBits      = 4
	DefaultActivationBits  = 4
	DefaultInputWeightBits = 8

	DefaultV2WeightBits      = 8
	DefaultV2ActivationBits  = 8
	DefaultV2InputWeightBits = 8
)

// WithDefaults fills zero widths with the Akida 1.0 defaults.
func (q QuantizeBits) WithDefaults() QuantizeBits { return q.WithDefaultsFor(TargetV1) }

// WithDefaultsFor fills zero widths with the target's defaults (Akida 1.0
// for an empty target).
func (q QuantizeBits) WithDefaultsFor(target akida.IPVersion) QuantizeBits {
	def := QuantizeBits{DefaultWeightBits, DefaultActivationBits, DefaultInputWeightBits}
	if target == TargetV2 {
		def = QuantizeBits{DefaultV2WeightBits, DefaultV2ActivationBits, DefaultV2InputWeightBits}
	}
	if q.Weights == 0 {
		q.Weights = def.Weights
	}
	if q.Activations == 0 {
		q.Activations = def.Activations
	}
	if q.InputWeights == 0 {
		q.InputWeights = def.InputWeights
	}
	return q
}

// Validate checks the widths for some target: with no target, they must
// suit Akida 1.0 or Akida 2.0 (the Akida 1.0 error is returned when they
// suit neither).
func (q QuantizeBits) Validate() error { return q.ValidateFor("") }

// ValidateFor checks the widths (zero = default is fine) against what the
// target's generator accepts.
//
// Akida 1.0: weights 2, 4 or 8, activations 1, 2 or 4, and input weights
// 2 to 8 (cnn2snn does not check the input layer's width; 8 bits is what
// the Akida 1.0 input layer is made for).
//
// Akida 2.0: weights and input weights 4 or 8 (cnn2snn's Akida 2.0 layers
// refuse others: "Conv2D layer can only handle weights with 4 or 8
// bits"), activations 1 to 8 (Akida 2.0 layers output 8 bits at most;
// quantizeml makes 8-bit activations signed and fewer unsigned).
func (q QuantizeBits) ValidateFor(target akida.IPVersion) error {
	switch target {
	case TargetV1:
		return q.validateV1()
	case TargetV2:
		return q.validateV2()
	}
	err := q.validateV1()
	if err != nil && q.validateV2() == nil {
		return nil
	}
	return err
}

func (q QuantizeBits) validateV1() error {
	switch q.Weights {
	case 0, 2, 4, 8:
	default:
		return fmt.Errorf("quantize: weight bitwidth %d is not allowed: Weight bitwidth must be in (2, 4, 8)", q.Weights)
	}
	switch q.Activations {
	case 0, 1, 2, 4:
	default:
		return fmt.Errorf("quantize: activation bitwidth %d is not allowed: Activation bitwidth must be in (1, 2, 4)", q.Activations)
	}
	if q.InputWeights != 0 && (q.InputWeights < 2 || q.InputWeights > 8) {
		return fmt.Errorf("quantize: input weight bitwidth %d is not allowed: the input layer takes 2 to 8-bit weights (8 is usual)", q.InputWeights)
	}
	return nil
}

func (q QuantizeBits) validateV2() error {
	switch q.Weights {
	case 0, 4, 8:
	default:
		return fmt.Errorf("quantize: weight bitwidth %d is not allowed for Akida 2.0: its layers take 4 or 8-bit weights", q.Weights)
	}
	if q.Activations < 0 || q.Activations > 8 {
		return fmt.Errorf("quantize: activation bitwidth %d is not allowed for Akida 2.0: its layers output 1 to 8-bit activations", q.Activations)
	}
	switch q.InputWeights {
	case 0, 4, 8:
	default:
		return fmt.Errorf("quantize: input weight bitwidth %d is not allowed for Akida 2.0: its input layer takes 4 or 8-bit weights", q.InputWeights)
	}
	return nil
}

// Error is the error Convert returns for a model it cannot convert: the
// first problem cnn2snn would raise (its message is the error text) and
// every problem found, in layer order.
type Error struct {
	First       compat.Diagnostic
	Diagnostics []compat.Diagnostic
}

func (e *Error) Error() string { return e.First.Message }
