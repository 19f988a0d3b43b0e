package compat

// Rules of cnn2snn's quantizeml path towards Akida 1.0 (conversion.md §9;
// the block converters of cnn2snn 2.19.1's quantizeml/ package), checked by
// core/convert. The messages are cnn2snn's; where cnn2snn's text is broken
// by a line continuation inside the string (FullyConnected weight bits), the
// run of blanks it leaves is written as one blank.

// QMLOnlySkippable: nothing to convert.
var QMLOnlySkippable = &Rule{
	Name:  "qml-only-skippable",
	Stage: StageQuantizeML,
	Doc: "Every layer of the model is one cnn2snn skips (InputLayer, Rescaling, Activation, " +
		"Softmax, Dropout, Dequantizer), so there is nothing to convert. Convert a model with " +
		"quantized neural layers.",
}

// QMLBlockBoundary: on Akida 1.0 only a ReLU ends a layer's block.
var QMLBlockBoundary = &Rule{
	Name:  "qml-block-boundary",
	Stage: StageQuantizeML,
	Doc: "quantizeml places an output quantizer where a tensor is re-quantized; cnn2snn ends an " +
		"Akida layer there. On Akida 1.0 a layer's output can only be re-quantized by its " +
		"activation, so every output quantizer inside the model must sit on a QuantizedReLU. " +
		"Quantize the model for Akida 1.0 (activation output quantizers only, e.g. quantizeml " +
		"with per-tensor activations) or target Akida 2.0.",
}

// QMLOrphanLayer: a layer outside every block.
var QMLOrphanLayer = &Rule{
	Name:  "qml-orphan-layer",
	Stage: StageQuantizeML,
	Doc: "cnn2snn groups the layers into blocks, each ending at an output quantizer, a fork or " +
		"the model output. A layer that ends up in no block (for example one whose output feeds " +
		"a skipped part of the model) cannot be converted. Check the model's branches.",
}

// QMLInvalidBlock: a block that matches no Akida layer.
var QMLInvalidBlock = &Rule{
	Name:  "qml-invalid-block",
	Stage: StageQuantizeML,
	Doc: "After skipping Dropout, Activation, Softmax and Rescaling, each block must match one of " +
		"the Akida layer patterns (e.g. QuantizedConv2D > QuantizedMaxPool2D > QuantizedReLU). " +
		"The message lists the patterns that contain the block's layers. Change the model so the " +
		"block follows one of them.",
}

// QMLInputConvChannels: an image input has 1 or 3 channels.
var QMLInputConvChannels = &Rule{
	Name:  "qml-input-conv-channels",
	Stage: StageQuantizeML,
	Doc: "The Akida 1.0 InputConvolutional layer reads 8-bit images with 1 or 3 channels. Feed the " +
		"model such images, or start it with a layer that takes an InputData input.",
}

// QMLInputConvWeightBits: the Akida 1.0 input layer has 4 or 8-bit weights.
var QMLInputConvWeightBits = &Rule{
	Name:  "qml-input-conv-weight-bits",
	Stage: StageQuantizeML,
	Doc: "The Akida 1.0 InputConvolutional layer takes 4 or 8-bit weights. Quantize the first " +
		"layer's weights with 4 or 8 bits (quantizeml's input_weight_bits).",
}

// QMLConvWeightBits: Akida 1.0 convolutions have 1, 2 or 4-bit weights.
var QMLConvWeightBits = &Rule{
	Name:  "qml-conv-weight-bits",
	Stage: StageQuantizeML,
	Doc: "Akida 1.0 Convolutional layers take 1, 2 or 4-bit weights; 8-bit weights exist only on " +
		"Akida 2.0 (and in the first layer). Quantize with 4-bit weights (quantizeml weight_bits=4) " +
		"for Akida 1.0, or target Akida 2.0.",
}

// QMLSeparableWeightBits: Akida 1.0 separable layers, 1, 2 or 4 bits.
var QMLSeparableWeightBits = &Rule{
	Name:  "qml-separable-weight-bits",
	Stage: StageQuantizeML,
	Doc: "Akida 1.0 SeparableConvolutional layers take 1, 2 or 4-bit weights. Quantize with 4-bit " +
		"weights for Akida 1.0, or target Akida 2.0.",
}

// QMLSeparablePointwiseBits: one bit width for both separable kernels.
var QMLSeparablePointwiseBits = &Rule{
	Name:  "qml-separable-pointwise-bits",
	Stage: StageQuantizeML,
	Doc: "An Akida 1.0 SeparableConvolutional layer has one weight bit width for its depthwise and " +
		"pointwise kernels. Quantize both with the same bit width.",
}

// QMLPoolPadding: the pooling uses the convolution's padding.
var QMLPoolPadding = &Rule{
	Name:  "qml-pool-padding",
	Stage: StageQuantizeML,
	Doc: "An Akida layer has one padding for its convolution and its max pooling (a 1×1 " +
		"convolution counts as 'same'). Give the QuantizedMaxPool2D the padding of the " +
		"convolution before it.",
}

// QMLGAPSize: Akida 1.0 sums at most 256 positions.
var QMLGAPSize = &Rule{
	Name:  "qml-gap-size",
	Stage: StageQuantizeML,
	Doc: "Akida 1.0 computes a global average pooling as a sum over the spatial positions, which " +
		"it supports for at most 256 positions (e.g. 16×16). Reduce the spatial size before the " +
		"pooling (strides or max pooling), or use MaxPooling2D.",
}

// QMLDenseFlat: the dense layer reads a flat vector.
var QMLDenseFlat = &Rule{
	Name:  "qml-dense-flat",
	Stage: StageQuantizeML,
	Doc: "An Akida FullyConnected layer reads a flat vector, (1, 1, X) or (X,): a Dense applied to " +
		"an image works on each pixel separately in Keras, which Akida cannot do. Put a Flatten " +
		"(or a global average pooling) before the Dense.",
}

// QMLDenseWeightBits: Akida 1.0 FullyConnected, 1, 2 or 4-bit weights.
var QMLDenseWeightBits = &Rule{
	Name:  "qml-dense-weight-bits",
	Stage: StageQuantizeML,
	Doc: "Akida 1.0 FullyConnected layers take 1, 2 or 4-bit weights. Quantize with 4-bit weights " +
		"for Akida 1.0, or target Akida 2.0.",
}

// QMLReLUUnbounded: Akida 1.0 activations saturate.
var QMLReLUUnbounded = &Rule{
	Name:  "qml-relu-unbounded",
	Stage: StageQuantizeML,
	Doc: "An Akida 1.0 activation has a fixed number of levels, so its ReLU needs a maximum. A " +
		"QuantizedReLU with max_value=None cannot be converted for Akida 1.0. Use ReLU(max_value=6) " +
		"(or another bound) in the float model and quantize again.",
}

// QMLReLUOutputQuantizer: the ReLU's output quantizer gives the step.
var QMLReLUOutputQuantizer = &Rule{
	Name:  "qml-relu-output-quantizer",
	Stage: StageQuantizeML,
	Doc: "On Akida 1.0 the activation step comes from the QuantizedReLU's output quantizer, so " +
		"every QuantizedReLU needs one. Quantize the model so that each ReLU has an output " +
		"quantizer.",
}

// QMLReLUPerTensor: one step per layer on Akida 1.0.
var QMLReLUPerTensor = &Rule{
	Name:  "qml-relu-per-tensor",
	Stage: StageQuantizeML,
	Doc: "Akida 1.0 activations use one step for the whole layer, so the QuantizedReLU's output " +
		"quantizer must be per-tensor. Quantize with per-tensor activations " +
		"(quantizeml --per_tensor_activations).",
}

// QMLActivationBits: Akida 1.0 activations have 1, 2 or 4 bits. cnn2snn
// passes the bit width to the Akida layer, which refuses it; this message
// is ours.
var QMLActivationBits = &Rule{
	Name:  "qml-activation-bits",
	Stage: StageQuantizeML,
	Doc: "Akida 1.0 layers output 1, 2 or 4-bit activations, and the activation bit width of a " +
		"quantizeml model is its QuantizedReLU output quantizer's bitwidth. Quantize with " +
		"activation_bits=4 (or 1, 2) for Akida 1.0, or target Akida 2.0.",
}

// QMLPaddingValue: only the input layer pads with a value.
var QMLPaddingValue = &Rule{
	Name:  "qml-padding-value",
	Stage: StageQuantizeML,
	Doc: "Only the Akida 1.0 InputConvolutional layer pads its borders with a value other than " +
		"zero, and with a single value for all channels. Remove the padding_value of later " +
		"convolutions, and use one value for the first.",
}
