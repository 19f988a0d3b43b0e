package compat

import "github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"

// Rules of cnn2snn 2.19.1's Akida 2.0 block converters (conversion-v2.md
// §2): the checks their constructors make (StageQMLBlock, raised as they
// are) and those made while setting the Akida variables
// (StageQMLVariables, which cnn2snn re-raises as "Layers 'a', 'b':
// unsupported type [A, B]: message", conversion-v2.md §1.2). Messages are
// cnn2snn's, word for word, including its missing spaces ("onlysquare",
// "bethe", "forboth").

// QMLPoolShape: Akida 2.0 pools are square, with one stride.
var QMLPoolShape = &Rule{
	Name:    "qml-pool-shape",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V2},
	Doc: "An Akida 2.0 layer pools over square windows with the same stride along both axes. " +
		"Give the QuantizedMaxPool2D a square pool_size (e.g. 2×2) and equal strides.",
	Check: func(p *Pass) {
		pool := p.Block.Layer(QMaxPool)
		if pool == nil || !pooledKind(p.Block.Kind()) {
			return
		}
		size, strides, _ := pool.Kernel()
		if size[0] != size[1] {
			p.Report(Diagnostic{Layer: pool.Name, Rule: "qml-pool-shape", Message: "In Akida v2 " + pool.Name + " should have square pooling"})
		}
		if strides[0] != strides[1] {
			p.Report(Diagnostic{Layer: pool.Name, Rule: "qml-pool-shape", Message: "In Akida v2 " + pool.Name + " pooling stride should be the same forboth dimensions"})
		}
	},
}

// v2ConvName is the name cnn2snn's Akida 2.0 converters give a block's
// layer in their messages.
func v2ConvName(k akida.LayerType) string {
	switch k {
	case akida.Conv2DTranspose:
		return "QuantizedConv2DTranspose"
	}
	return k.String()
}

// QMLV2WeightBits: Akida 2.0 neural layers take 4 or 8-bit weights.
var QMLV2WeightBits = &Rule{
	Name:    "qml-v2-weight-bits",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V2},
	Doc: "Akida 2.0 convolutions (Conv2D, DepthwiseConv2D and their transposed forms) take 4 or " +
		"8-bit weights. Quantize with weight_bits=8 (quantizeml's default) or 4.",
	Check: func(p *Pass) {
		switch k := p.Block.Kind(); k {
		case akida.Conv2D, akida.DepthwiseConv2D, akida.Conv2DTranspose, akida.DepthwiseConv2DTranspose:
			if bits := WeightBits(p.Block.Root()); bits != 4 && bits != 8 {
				p.Report(Diagnostic{Layer: p.Block.Root().Name, Rule: "qml-v2-weight-bits", Message: sprintf(
					"%s layer can only handle weights with 4 or 8 bits. Received: %d.", v2ConvName(k), bits)})
			}
		}
	},
}

// QMLV2SquareKernel: Akida 2.0 kernels are square, with one stride.
var QMLV2SquareKernel = &Rule{
	Name:    "qml-v2-square-kernel",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V2},
	Doc: "Akida 2.0 convolutions have square kernels (3×3, 5×5 …) and the same stride along " +
		"both axes. Use a square kernel_size and equal strides.",
	Check: func(p *Pass) {
		root := p.Block.Root()
		size, strides, ok := root.Kernel()
		if !ok {
			return
		}
		var square, stride string
		switch p.Block.Kind() {
		case akida.InputConv2D, akida.Conv2D:
			square = p.Block.Kind().String() + " handle onlysquare kernels"
			stride = p.Block.Kind().String() + " stride should bethe same for both dimensions"
		case akida.DepthwiseConv2D:
			square, stride = "DepthwiseConv2D kernel should be square", "DepthwiseConv2D strides should be the same on both dimensions"
		default: // transposed convolutions: QMLTransposeGeometry
			return
		}
		if size[0] != size[1] {
			p.Report(Diagnostic{Layer: root.Name, Rule: "qml-v2-square-kernel", Message: square})
		}
		if strides[0] != strides[1] {
			p.Report(Diagnostic{Layer: root.Name, Rule: "qml-v2-square-kernel", Message: stride})
		}
	},
}

// QMLTransposeGeometry: Akida 2.0 transposed convolutions double the size.
var QMLTransposeGeometry = &Rule{
	Name:    "qml-transpose-geometry",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V2},
	Doc: "Akida 2.0 transposed convolutions (Conv2DTranspose, DepthwiseConv2DTranspose) take a square " +
		"3×3 or 4×4 kernel, the same stride 2 along both axes and 'same' padding: they double the " +
		"spatial size. Build the transposed layers that way. For a Conv2DTranspose kernel size " +
		"cnn2snn raises an AssertionError without a message; this tool says what it checks.",
	Check: func(p *Pass) {
		root := p.Block.Root()
		size, strides, _ := root.Kernel()
		report := func(message string) {
			p.Report(Diagnostic{Layer: root.Name, Rule: "qml-transpose-geometry", Message: message})
		}
		square, sizeOK, sameStrides := size[0] == size[1], size[0] == 3 || size[0] == 4, strides[0] == strides[1]
		// In the order of cnn2snn's converters (conversion-v2.md §2.6).
		switch p.Block.Kind() {
		case akida.Conv2DTranspose:
			if !square {
				report("QuantizedConv2DTranspose kernel should be square")
			}
			if !sizeOK {
				report(sprintf("QuantizedConv2DTranspose kernel size must be 3 or 4 (cnn2snn: an AssertionError without message). Received: %d.", size[0]))
			}
			if !sameStrides {
				report("QuantizedConv2DTranspose strides should be the same on both dimensions.")
			}
			if strides[0] != 2 {
				report("QuantizedConv2DTranspose handles only stride 2")
			}
			if root.Padding() != "same" {
				report("QuantizedConv2DTranspose handles only 'same' padding")
			}
		case akida.DepthwiseConv2DTranspose:
			if !square {
				report("DepthwiseConv2DTranspose kernel should be square")
			}
			if !sameStrides {
				report("DepthwiseConv2DTranspose strides should be the same on both dimension") // sic
			}
			if !sizeOK {
				report("DepthwiseConv2DTranspose supports kernel size of 3 or 4 only")
			}
			if strides[0] != 2 {
				report("DepthwiseConv2DTranspose supports stride 2 only")
			}
			if root.Padding() != "same" {
				report("DepthwiseConv2DTranspose handles only 'same' padding")
			}
		}
	},
}

// kernelFirst are the rules the Akida 2.0 DepthwiseConv2D and transposed
// converters check first, in this order: their constructors look at the
// kernel, then at the weights, then at the pooling (conversion-v2.md
// §2.5–2.6), while those of InputConv2D and Conv2D look at the pooling
// first (§2.3–2.4), as Rules() lists the rules. cnn2snn raises the first
// problem, so the order decides what Convert reports.
func kernelFirst(kind akida.LayerType) []*Rule {
	switch kind {
	case akida.DepthwiseConv2D:
		return []*Rule{QMLV2SquareKernel, QMLV2WeightBits}
	case akida.Conv2DTranspose, akida.DepthwiseConv2DTranspose:
		return []*Rule{QMLTransposeGeometry, QMLV2WeightBits}
	}
	return nil
}

// QMLDequantizerInbounds: a Dequantizer reads one tensor.
var QMLDequantizerInbounds = &Rule{
	Name:    "qml-dequantizer-inbounds",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V2},
	Doc: "The Akida 2.0 Dequantizer turns one integer tensor back into floats; a Dequantizer fed by " +
		"several layers cannot be converted. Give each branch its own Dequantizer, or merge the " +
		"branches (Add, Concatenate) before it.",
	Check: func(p *Pass) {
		if d := p.Block.Root(); p.Block.Kind() == akida.Dequantizer && len(d.Inbound) > 1 {
			p.Report(Diagnostic{Layer: d.Name, Rule: "qml-dequantizer-inbounds", Message: "Multi-inbounds in " + d.Name + " is not supported."})
		}
	},
}

// QMLNotSupportedYet: Akida 2.0 layers this tool does not convert. The
// message is ours.
var QMLNotSupportedYet = &Rule{
	Name:    "qml-not-supported-yet",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V2},
	Doc: "cnn2snn converts the temporal layers (BufferTempConv, DepthwiseBufferTempConv) and the " +
		"Akida Pico layers (StatefulRecurrent, PicoPostProcessing) to Akida 2.0 too, but the " +
		"specification this tool follows does not describe their quantizeml arithmetic fully, so " +
		"it does not convert them yet. Use BrainChip's cnn2snn for such models.",
	Check: func(p *Pass) {
		k := p.Block.Kind()
		name := k.String()
		switch {
		case k == akida.BufferTempConv, k == akida.DepthwiseBufferTempConv, k == akida.StatefulRecurrent:
		case p.Block.Layer(QPicoPost) != nil:
			name = "PicoPostProcessing"
		default:
			return
		}
		root := p.Block.Root()
		p.Report(Diagnostic{Layer: root.Name, Rule: "qml-not-supported-yet", Message: sprintf(
			"Layer %s (%s) would become an Akida 2.0 %s, which this tool does not convert yet: use BrainChip's cnn2snn for this model.",
			root.Name, root.ClassName, name)})
	},
}

// QMLInbounds: a block's inputs come from Akida layers.
var QMLInbounds = &Rule{
	Name:    "qml-inbounds",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V2},
	Doc: "cnn2snn connects each Akida layer to the Akida layers its Keras inputs come from, " +
		"looking back through the layers it folds (Dropout, Flatten, Reshape, Rescaling, ReLU, " +
		"pooling, activation). An input that leads to no Akida layer (for example through a plain " +
		"Keras layer that quantizeml did not quantize, or a merge of the model input with another " +
		"tensor) cannot be connected. Quantize the whole model with quantizeml.",
}

// QMLRecording: quantizeml's own quantizers fail on the model.
var QMLRecording = &Rule{
	Name:    "qml-recording",
	Stage:   StageQuantizeML,
	Targets: []akida.IPVersion{V2},
	Doc: "Before converting, cnn2snn runs the quantized model once so that quantizeml's quantizers " +
		"record their integers (weights, shifts, scales). That run fails when the quantization is " +
		"inconsistent, for example an output quantizer with as many bits as its input, a LUT " +
		"activation fed per-axis, or a padding value on a FixedPoint input; the message is " +
		"quantizeml's. Quantize the float model again with quantizeml.",
}

// QMLSignedInput: an Akida 2.0 InputData reads signed integers.
var QMLSignedInput = &Rule{
	Name:    "qml-signed-input",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V2},
	Doc: "When the first block is not an input convolution (InputConv2D reads 8-bit images with 1 " +
		"or 3 channels), cnn2snn feeds the model through an Akida 2.0 InputData, which reads " +
		"signed integers only. A model with an unsigned input (uint8 images) must start with a " +
		"QuantizedConv2D > [QuantizedMaxPool2D >] QuantizedReLU block on a 1- or 3-channel input, " +
		"or be quantized from its float model, whose InputQuantizer turns floats into integers.",
}

// QMLInputDims: Akida inputs have at most three dimensions.
var QMLInputDims = &Rule{
	Name:    "qml-input-dims",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V2},
	Doc: "Akida inputs have at most three dimensions, (x, y, channels): cnn2snn pads a shorter input " +
		"shape with 1s in front, but refuses a longer one. Reshape the model input to three " +
		"dimensions or fewer (e.g. fold the time axis into the channels).",
}

// QMLPaddingValueRange: the input padding value is an 8-bit unsigned value.
var QMLPaddingValueRange = &Rule{
	Name:    "qml-padding-value-range",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V2},
	Doc: "A convolution's padding value is stored as 0…255: the padding_value aligned on the " +
		"input's quantization (InputConv2D pads the image with it; other convolutions must pad " +
		"with zeros). A padding value outside that range (e.g. from a Rescaling whose offset is " +
		"positive) cannot be stored. Use a Rescaling that maps the input to a range containing " +
		"the padding value.",
}

// QMLV2PaddingValue: only InputConv2D pads with a value.
var QMLV2PaddingValue = &Rule{
	Name:    "qml-v2-padding-value",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V2},
	Doc: "Only the Akida 2.0 InputConv2D pads its borders with a value other than zero. Remove the " +
		"padding_value of later convolutions (pad with zeros).",
}

// QMLInputShift: InputConv2D reads its input as it comes.
var QMLInputShift = &Rule{
	Name:    "qml-input-shift",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V2},
	Doc: "InputConv2D cannot shift its input channels to align them, so its input must be quantized " +
		"per tensor (cnn2snn's message says \"non-zero\" where it means zero). Quantize the input " +
		"per tensor (QuantizationParams.per_tensor_activations, or a per-tensor InputQuantizer).",
}

// QMLLUTBits: Akida 2.0's LUT reads 11-bit inputs.
var QMLLUTBits = &Rule{
	Name:    "qml-lut-bits",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V2},
	Doc: "An Akida 2.0 LUT activation (gelu, swish, hard_silu, leaky_relu) has one entry per 11-bit " +
		"input, so the layer before the QuantizedActivation needs an 11-bit output quantizer, as " +
		"quantizeml.quantize places it. Quantize the float model again with quantizeml.",
}

// QMLGenerate: an unexpected failure building an Akida 2.0 layer.
var QMLGenerate = &Rule{
	Name:    "qml-generate",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V2},
	Doc: "Building the Akida 2.0 layer failed in a way cnn2snn's rules do not describe: the model " +
		"passed every check, so this is a limit or a defect of this tool. Please report it with the " +
		"model file.",
}

// BlockError is how cnn2snn re-raises an error met while converting a
// block (conversion-v2.md §1.2): "Layers 'a', 'b': unsupported type [A,
// B]: message", naming the block's main layers.
func BlockError(b *QMLBlock, message string) string {
	names, classes := "", ""
	for i, l := range b.Main {
		if i > 0 {
			names, classes = names+", ", classes+", "
		}
		names += "'" + l.Name + "'"
		classes += l.ClassName
	}
	return "Layers " + names + ": unsupported type [" + classes + "]: " + message
}
