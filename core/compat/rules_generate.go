package compat

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Rules of the Akida 1.0 model generator (conversion.md §7.1–§7.3), checked
// by core/convert as it groups layers into Akida layers, and the messages of
// convert's own arguments.

// InputLayerType: an image input needs a QuantizedConv2D first.
var InputLayerType = &Rule{
	Name:  "input-layer-type",
	Stage: StageGenerate,
	Doc: "When the model input has 1 or 3 channels it is an 8-bit image, and the first Akida layer " +
		"is an InputConvolutional, built from the model's first layer (after an optional " +
		"Rescaling), which must therefore be a QuantizedConv2D. Start the model with a Conv2D (and " +
		"quantize it), or convert with input-is-image off to feed the first layer from an " +
		"InputData layer instead.",
}

// QuantizedType: the generator only takes cnn2snn-quantized layers.
var QuantizedType = &Rule{
	Name:  "quantized-type",
	Stage: StageGenerate,
	Doc: "The Akida 1.0 generator needs every neural layer quantized by cnn2snn " +
		"(QuantizedConv2D, QuantizedSeparableConv2D, QuantizedDense) and every ReLU replaced by a " +
		"quantized activation (QuantizedReLU, ActivationDiscreteRelu): float layers have no " +
		"integer weights or thresholds. Quantize the model first (convert --quantize W,A,I, e.g. " +
		"4,4,8). A Rescaling can only be absorbed into an InputData input when its offset is 0.",
}

// WeightBitwidth: Akida 1.0 weights have 2, 4 or 8 bits.
var WeightBitwidth = &Rule{
	Name:  "weight-bitwidth",
	Stage: StageGenerate,
	Doc: "cnn2snn converts quantized weights of 2, 4 or 8 bits (8 bits are meant for the input " +
		"layer; the Akida 1.0 hardware takes 1, 2 or 4 bits in later layers). Re-quantize the " +
		"layer's weights with one of these bit widths. cnn2snn does not check the input layer's " +
		"own bit width; this tool does, because other widths cannot be stored.",
}

// SeparableBitwidth: one bit width for both kernels of a separable layer.
var SeparableBitwidth = &Rule{
	Name:  "separable-bitwidth",
	Stage: StageGenerate,
	Doc: "An Akida SeparableConvolutional layer has one weights_bits for its depthwise and " +
		"pointwise kernels, so the QuantizedSeparableConv2D's quantizer_dw and quantizer must use " +
		"the same bit width. Quantize both with the same bit width.",
}

// ActivationBitwidth: Akida 1.0 activations have 1, 2 or 4 bits.
var ActivationBitwidth = &Rule{
	Name:  "activation-bitwidth",
	Stage: StageGenerate,
	Doc: "Akida 1.0 layers output 1, 2 or 4-bit activations. Re-quantize the activation with one " +
		"of these bit widths (--quantize W,A,I with A = 1, 2 or 4).",
}

// EmptyModel: nothing after the input. cnn2snn fails with a Python
// IndexError on it; the message is ours.
var EmptyModel = &Rule{
	Name:  "empty-model",
	Stage: StageGenerate,
	Doc: "The model has no layer after its input (and an optional Rescaling), so there is no " +
		"Akida layer to build. Convert a model with at least one neural layer.",
}

// InputShape: Akida layers have fixed dimensions. cnn2snn fails on an
// unknown input dimension with a Python error; the message is ours.
var InputShape = &Rule{
	Name:  "input-shape",
	Stage: StageGenerate,
	Doc: "Akida layers are built for fixed input dimensions, so the model input must have a known " +
		"shape: (height, width, channels) or (features,). A model built with a variable size, e.g. " +
		"keras.Input((None, None, 3)), cannot be converted as it is: rebuild it with the size it " +
		"will run at, e.g. keras.Input((224, 224, 3)), and load the weights into it.",
}

// UnknownInputShape is InputShape's diagnostic.
func UnknownInputShape(input string, shape keras.Shape) Diagnostic {
	shown := "None"
	if shape != nil {
		shown = pyrepr.BatchShape(shape)
	}
	return InputShape.Diagnose(input, sprintf(
		"The model input '%s' has the shape %s, with unknown dimensions: Akida layers need a fixed input shape. Build the model with a fixed input shape.", input, shown))
}

// FirstLayerType is InputLayerType's diagnostic (cnn2snn 2.18.2+ text; its
// TypeError ends without a period).
func FirstLayerType(layer, class string) Diagnostic {
	return InputLayerType.Diagnose(layer, sprintf(
		"First layer %s must be QuantizedConv2D when model input shape is equal to 1 or 3. Received layer of type %s", layer, class))
}

// UnsupportedType is QuantizedType's diagnostic.
func UnsupportedType(layer, class string) Diagnostic {
	return QuantizedType.Diagnose(layer, sprintf("Layer %s: unsupported type %s.", layer, class))
}

// BadWeightBitwidth is WeightBitwidth's diagnostic.
func BadWeightBitwidth(layer string, bits int) Diagnostic {
	return WeightBitwidth.Diagnose(layer, sprintf(
		"Weight bitwidth must be in (2, 4, 8). Receives bitwidth %d in layer '%s'.", bits, layer))
}

// MismatchedSeparableBits is SeparableBitwidth's diagnostic.
func MismatchedSeparableBits(layer string) Diagnostic {
	return SeparableBitwidth.Diagnose(layer, sprintf(
		"Quantized layer %s must have the same bitwidth for depthwise and pointwise quantizers.", layer))
}

// BadActivationBitwidth is ActivationBitwidth's diagnostic.
func BadActivationBitwidth(layer string, bits int) Diagnostic {
	return ActivationBitwidth.Diagnose(layer, sprintf(
		"Activation bitwidth must be in (1, 2, 4). Receives bitwidth %d in layer '%s'.", bits, layer))
}

// NothingToConvert is EmptyModel's diagnostic.
func NothingToConvert(model string) Diagnostic {
	return EmptyModel.Diagnose("", sprintf(
		"The model %s has no layer after its input: there is nothing to convert. Convert a model with at least one quantized neural layer.", model))
}

// ScalingConflict is InputScalingConflict's diagnostic; given is the
// input scaling passed as option.
func ScalingConflict(rescaling string, given [2]float64) Diagnostic {
	return InputScalingConflict.Diagnose(rescaling, sprintf(
		"If a Rescaling layer is present in the model, 'input_scaling' argument must be None. Receives %s.", pyrepr.FloatPair(given)))
}

// ScaleNotPositive is InputScalingPositive's diagnostic; layer is the
// Rescaling the scaling comes from, or "".
func ScaleNotPositive(layer string, scaling [2]float64) Diagnostic {
	return InputScalingPositive.Diagnose(layer, sprintf(
		"The scale factor 'input_scaling[0]' must be strictly positive. Receives: input_scaling=%s", pyrepr.FloatPair(scaling)))
}

// BadRescaling is RescalingValues' diagnostic; why says what is wrong.
func BadRescaling(layer, why string) Diagnostic {
	return RescalingValues.Diagnose(layer, sprintf(
		"The Rescaling layer %s cannot give the input scaling: %s. Use a single non-zero scale and a single offset.", layer, why))
}

// TargetNotV1 is TargetVersion's diagnostic.
func TargetNotV1(target string) Diagnostic {
	return TargetVersion.Diagnose("", sprintf(
		"Target %s (Akida 2.0) is not available for this model: cnn2snn converts models quantized with cnn2snn to Akida 1.0 layers only. Use target v1, or quantize the float model with quantizeml for Akida 2.0.", target))
}
