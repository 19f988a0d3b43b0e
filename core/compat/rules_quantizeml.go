package compat

import (
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Rules of cnn2snn 2.19.1's quantizeml path (conversion.md §9,
// conversion-v2.md §1–§2) that both targets share, and those of its Akida
// 1.0 converters. The messages are cnn2snn's; where cnn2snn's text is
// broken by a line continuation inside the string (FullyConnected weight
// bits), the run of blanks it leaves is written as one blank. The Akida 2.0
// converters' rules are in rules_quantizeml_v2.go.
//
// Block rules (StageQMLBlock, StageQMLVariables) look at Pass.Block, one
// block of the split that matched a pattern of the target (QMLInvalidBlock
// looks at those that did not).

// QMLOnlySkippable: nothing to convert.
var QMLOnlySkippable = &Rule{
	Name:    "qml-only-skippable",
	Stage:   StageQuantizeML,
	Targets: []akida.IPVersion{V1, V2},
	Doc: "Every layer of the model is one cnn2snn skips (InputLayer, Rescaling, Activation, " +
		"Softmax, Dropout, Dequantizer), so there is nothing to convert. Convert a model with " +
		"quantized neural layers.",
	Check: func(p *Pass) {
		for _, l := range p.Model.Layers {
			if !IsQMLSkippable(p.Model, l) && !IsDequantizer(l) {
				return
			}
		}
		p.Report(Diagnostic{Layer: "", Rule: "qml-only-skippable", Message: "Cannot convert model with only skippable layers."})
	},
}

// QMLSequentialInputShape: a Sequential model needs its input shape.
var QMLSequentialInputShape = &Rule{
	Name:    "qml-sequential-input-shape",
	Stage:   StageQuantizeML,
	Targets: []akida.IPVersion{V1, V2},
	Doc: "cnn2snn builds the Akida layers from the Keras layers' shapes, so a Sequential model " +
		"must know its input shape. Build the model with an Input layer (or input_shape= on its " +
		"first layer) before saving it.",
	Check: func(p *Pass) {
		if p.Model.Class != "Sequential" || len(p.Model.Inputs) != 1 {
			return
		}
		in := p.Model.Layer(p.Model.Inputs[0])
		if in == nil || in.OutputShape == nil || slices.Contains(in.OutputShape, -1) {
			p.Report(Diagnostic{Layer: "", Rule: "qml-sequential-input-shape", Message: "The Sequential quantized model " + p.Model.Name + " should have its input_shape fully defined."})
		}
	},
}

// QMLBlockBoundary: on Akida 1.0 only a ReLU ends a layer's block.
var QMLBlockBoundary = &Rule{
	Name:    "qml-block-boundary",
	Stage:   StageQuantizeML,
	Targets: []akida.IPVersion{V1},
	Doc: "quantizeml places an output quantizer where a tensor is re-quantized; cnn2snn ends an " +
		"Akida layer there. On Akida 1.0 a layer's output can only be re-quantized by its " +
		"activation, so every output quantizer inside the model must sit on a QuantizedReLU. " +
		"Quantize the model for Akida 1.0 (activation output quantizers only, e.g. quantizeml " +
		"with per-tensor activations) or target Akida 2.0.",
}

// QMLOrphanLayer: a layer outside every block.
var QMLOrphanLayer = &Rule{
	Name:    "qml-orphan-layer",
	Stage:   StageQuantizeML,
	Targets: []akida.IPVersion{V1, V2},
	Doc: "cnn2snn groups the layers into blocks, each ending at an output quantizer, a fork or " +
		"the model output. A layer that ends up in no block (for example one whose output feeds " +
		"a skipped part of the model) cannot be converted. Check the model's branches.",
}

// QMLInvalidBlock: a block that matches no Akida layer.
var QMLInvalidBlock = &Rule{
	Name:    "qml-invalid-block",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V1, V2},
	Doc: "After skipping Dropout, Activation, Softmax and Rescaling, each block must match one of " +
		"the Akida layer patterns of the target (e.g. QuantizedConv2D > QuantizedMaxPool2D > " +
		"QuantizedReLU). The message lists the patterns that contain the block's layers. Change " +
		"the model so the block follows one of them (on Akida 2.0, for example, the pooling " +
		"comes between the convolution and its ReLU, and a global average pooling after it).",
	Check: func(p *Pass) {
		if p.Block.Pattern == nil {
			p.Report(InvalidBlock(p.Block, p.Target))
		}
	},
}

// QMLInputConvChannels: an image input has 1 or 3 channels.
var QMLInputConvChannels = &Rule{
	Name:    "qml-input-conv-channels",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V1},
	Doc: "The Akida 1.0 InputConvolutional layer reads 8-bit images with 1 or 3 channels. Feed the " +
		"model such images, or start it with a layer that takes an InputData input.",
	Check: func(p *Pass) {
		if p.Block.Kind() != akida.InputConvolutional {
			return
		}
		in := p.Block.Root().InputShape(p.Model)
		if len(in) == 0 || (in[len(in)-1] != 1 && in[len(in)-1] != 3) {
			p.Report(Diagnostic{Layer: p.Block.Root().Name, Rule: "qml-input-conv-channels", Message: sprintf(
				"InputConvolutional layer can only handle image like inputs (i.e 3-D or 1-D input shape). Received: %s.", pyrepr.Tuple(in))})
		}
	},
}

// QMLInputConvWeightBits: the input layer has 4 or 8-bit weights (the
// message is the same on both targets).
var QMLInputConvWeightBits = &Rule{
	Name:    "qml-input-conv-weight-bits",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V1, V2},
	Doc: "The Akida input convolution (InputConvolutional on Akida 1.0, InputConv2D on Akida 2.0) " +
		"takes 4 or 8-bit weights. Quantize the first layer's weights with 4 or 8 bits " +
		"(quantizeml's input_weight_bits).",
	Check: func(p *Pass) {
		switch p.Block.Kind() {
		case akida.InputConvolutional, akida.InputConv2D:
		default:
			return
		}
		if bits := WeightBits(p.Block.Root()); bits != 4 && bits != 8 {
			p.Report(Diagnostic{Layer: p.Block.Root().Name, Rule: "qml-input-conv-weight-bits", Message: sprintf(
				"InputConvolutional layer can only handle weights with 4 or 8 bits. Received: %d.", bits)})
		}
	},
}

// QMLConvWeightBits: Akida 1.0 convolutions have 1, 2 or 4-bit weights.
var QMLConvWeightBits = &Rule{
	Name:    "qml-conv-weight-bits",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V1},
	Doc: "Akida 1.0 Convolutional layers take 1, 2 or 4-bit weights; 8-bit weights exist only on " +
		"Akida 2.0 (and in the first layer). Quantize with 4-bit weights (quantizeml weight_bits=4) " +
		"for Akida 1.0, or target Akida 2.0.",
	Check: func(p *Pass) {
		if p.Block.Kind() != akida.Convolutional {
			return
		}
		if bits := WeightBits(p.Block.Root()); bits != 1 && bits != 2 && bits != 4 {
			p.Report(Diagnostic{Layer: p.Block.Root().Name, Rule: "qml-conv-weight-bits", Message: sprintf(
				"Convolutional layer can only handle weights with 1, 2 or 4 bits. Received: %d.", bits)})
		}
	},
}

// QMLSeparableWeightBits: Akida 1.0 separable layers, 1, 2 or 4 bits.
var QMLSeparableWeightBits = &Rule{
	Name:    "qml-separable-weight-bits",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V1},
	Doc: "Akida 1.0 SeparableConvolutional layers take 1, 2 or 4-bit weights. Quantize with 4-bit " +
		"weights for Akida 1.0, or target Akida 2.0.",
	Check: func(p *Pass) {
		if p.Block.Kind() != akida.SeparableConvolutional {
			return
		}
		if dw, _ := SeparableWeightBits(p.Block.Root()); dw != 1 && dw != 2 && dw != 4 {
			p.Report(Diagnostic{Layer: p.Block.Root().Name, Rule: "qml-separable-weight-bits", Message: sprintf(
				"SeparableConvolutional layer can only handle 1, 2, or 4 weight bits. Received: %d.", dw)})
		}
	},
}

// QMLSeparablePointwiseBits: one bit width for both separable kernels.
var QMLSeparablePointwiseBits = &Rule{
	Name:    "qml-separable-pointwise-bits",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V1},
	Doc: "An Akida 1.0 SeparableConvolutional layer has one weight bit width for its depthwise and " +
		"pointwise kernels. Quantize both with the same bit width.",
	Check: func(p *Pass) {
		if p.Block.Kind() != akida.SeparableConvolutional {
			return
		}
		if dw, pw := SeparableWeightBits(p.Block.Root()); pw != dw {
			p.Report(Diagnostic{Layer: p.Block.Root().Name, Rule: "qml-separable-pointwise-bits", Message: sprintf(
				"SeparableConvolutional layer pointwise weights should also be 4 bits. Received: %d.", pw)})
		}
	},
}

// QMLPoolPadding: the pooling uses the convolution's padding.
var QMLPoolPadding = &Rule{
	Name:    "qml-pool-padding",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V1, V2},
	Doc: "An Akida layer has one padding for its convolution and its max pooling (a 1×1 " +
		"convolution counts as 'same'). Give the QuantizedMaxPool2D the padding of the " +
		"convolution before it.",
	Check: func(p *Pass) {
		pool := p.Block.Layer(QMaxPool)
		if pool == nil || !pooledKind(p.Block.Kind()) {
			return
		}
		conv := p.Block.Root()
		pad := conv.Padding()
		if size, _, _ := conv.Kernel(); size == [2]int{1, 1} {
			pad = "same"
		}
		if pad != pool.Padding() {
			p.Report(Diagnostic{Layer: pool.Name, Rule: "qml-pool-padding", Message: sprintf(
				"Pooling layer %s (padding: %s) must have the same padding as %s (padding: %s).", pool.Name, pool.Padding(), conv.Name, pad)})
		}
	},
}

// QMLGAPSize: Akida 1.0 sums at most 256 positions.
var QMLGAPSize = &Rule{
	Name:    "qml-gap-size",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V1},
	Doc: "Akida 1.0 computes a global average pooling as a sum over the spatial positions, which " +
		"it supports for at most 256 positions (e.g. 16×16). Reduce the spatial size before the " +
		"pooling (strides or max pooling), or use MaxPooling2D.",
	Check: func(p *Pass) {
		gap := p.Block.Layer(QGAP)
		if gap == nil || !pooledKind(p.Block.Kind()) {
			return
		}
		if in := gap.InputShape(p.Model); len(in) == 3 && in[0]*in[1] > 256 {
			p.Report(Diagnostic{Layer: gap.Name, Rule: "qml-gap-size", Message: sprintf(
				"Unsupported spatial size product (%d). We only accepts values smaller than 256. Consider to replace GlobalAveragePooling2D by MaxPooling2D.", in[0]*in[1])})
		}
	},
}

// QMLDenseFlat: the dense layer reads a flat vector.
var QMLDenseFlat = &Rule{
	Name:    "qml-dense-flat",
	Stage:   StageQMLBlock,
	Targets: []akida.IPVersion{V1, V2},
	Doc: "An Akida dense layer (FullyConnected, Dense1D) reads a flat vector, (1, 1, X) or (X,): a " +
		"Dense applied to an image works on each pixel separately in Keras, which Akida cannot do. " +
		"Put a Flatten (or a global average pooling) before the Dense.",
	Check: func(p *Pass) {
		dense := p.Block.Layer(QDense)
		if dense == nil {
			return
		}
		// An unknown input shape (a Sequential model without its input
		// shape, which QMLSequentialInputShape reports) is not judged.
		if in := dense.InputShape(p.Model); len(in) > 0 && keras.Elements(in) != in[len(in)-1] {
			p.Report(Diagnostic{Layer: dense.Name, Rule: "qml-dense-flat", Message: sprintf(
				"The dense layer only handles flattened shapes (i.e (1, 1, X) or (X,)). Received: (%s)  shape.", pyrepr.Tuple(in))})
		}
	},
}

// QMLReLUBounds is the Akida 1.0 ReLU checks (v1_relu_checks): a bounded
// ReLU with a per-tensor output quantizer. Their three rules follow.
func qmlV1ReLU(p *Pass) (*keras.Layer, *keras.QMLReLU) {
	relu := p.Block.Last()
	c, ok := relu.Config.(*keras.QMLReLU)
	if !ok || QMLClass(relu) != QReLU {
		return nil, nil
	}
	return relu, c
}

// QMLReLUUnbounded: Akida 1.0 activations saturate.
var QMLReLUUnbounded = &Rule{
	Name:    "qml-relu-unbounded",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V1},
	Doc: "An Akida 1.0 activation has a fixed number of levels, so its ReLU needs a maximum. A " +
		"QuantizedReLU with max_value=None cannot be converted for Akida 1.0. Use ReLU(max_value=6) " +
		"(or another bound) in the float model and quantize again.",
	Check: func(p *Pass) {
		if relu, c := qmlV1ReLU(p); relu != nil && c.MaxValue == nil {
			p.Report(Diagnostic{Layer: relu.Name, Rule: "qml-relu-unbounded", Message: sprintf(
				"%s: in AkidaVersion.v1, unbounded QuantizedReLU is not supported.", relu.Name)})
		}
	},
}

// QMLReLUOutputQuantizer: the ReLU's output quantizer gives the step.
var QMLReLUOutputQuantizer = &Rule{
	Name:    "qml-relu-output-quantizer",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V1},
	Doc: "On Akida 1.0 the activation step comes from the QuantizedReLU's output quantizer, so " +
		"every QuantizedReLU needs one. Quantize the model so that each ReLU has an output " +
		"quantizer.",
	Check: func(p *Pass) {
		if relu, c := qmlV1ReLU(p); relu != nil && c.OutputQuantizer == nil {
			p.Report(Diagnostic{Layer: relu.Name, Rule: "qml-relu-output-quantizer", Message: sprintf(
				"%s: in AkidaVersion.v1, output_quantizer is mandatory.", relu.Name)})
		}
	},
}

// QMLReLUPerTensor: one step per layer on Akida 1.0.
var QMLReLUPerTensor = &Rule{
	Name:    "qml-relu-per-tensor",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V1},
	Doc: "Akida 1.0 activations use one step for the whole layer, so the QuantizedReLU's output " +
		"quantizer must be per-tensor. Quantize with per-tensor activations " +
		"(quantizeml --per_tensor_activations).",
	Check: func(p *Pass) {
		if relu, c := qmlV1ReLU(p); relu != nil && c.OutputQuantizer != nil && c.OutputQuantizer.PerAxis {
			p.Report(Diagnostic{Layer: relu.Name, Rule: "qml-relu-per-tensor", Message: sprintf(
				"%s: in AkidaVersion.v1, output_quantizer must be per-tensor.", relu.Name)})
		}
	},
}

// QMLDenseWeightBits: Akida 1.0 FullyConnected, 1, 2 or 4-bit weights.
var QMLDenseWeightBits = &Rule{
	Name:    "qml-dense-weight-bits",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V1},
	Doc: "Akida 1.0 FullyConnected layers take 1, 2 or 4-bit weights. Quantize with 4-bit weights " +
		"for Akida 1.0, or target Akida 2.0.",
	Check: func(p *Pass) {
		dense := p.Block.Layer(QDense)
		if dense == nil || p.Block.Kind() != akida.FullyConnected {
			return
		}
		if bits := WeightBits(dense); bits != 1 && bits != 2 && bits != 4 {
			p.Report(Diagnostic{Layer: dense.Name, Rule: "qml-dense-weight-bits", Message: sprintf(
				"FullyConnected layer only supports 1, 2 or 4 weight bits value. Received weight_bits=%d.", bits)})
		}
	},
}

// QMLActivationBits: Akida 1.0 activations have 1, 2 or 4 bits. cnn2snn
// passes the bit width to the Akida layer, which refuses it; this message
// is ours.
var QMLActivationBits = &Rule{
	Name:    "qml-activation-bits",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V1},
	Doc: "Akida 1.0 layers output 1, 2 or 4-bit activations, and the activation bit width of a " +
		"quantizeml model is its QuantizedReLU output quantizer's bitwidth. Quantize with " +
		"activation_bits=4 (or 1, 2) for Akida 1.0, or target Akida 2.0.",
	Check: func(p *Pass) {
		relu, _ := qmlV1ReLU(p)
		if relu == nil {
			return
		}
		if q := relu.OutputQuantizer(); q != nil && q.Bitwidth != 1 && q.Bitwidth != 2 && q.Bitwidth != 4 {
			p.Report(Diagnostic{Layer: relu.Name, Rule: "qml-activation-bits", Message: sprintf(
				"%s: in AkidaVersion.v1, activations must have 1, 2 or 4 bits (the output_quantizer bitwidth). Received: %d.", relu.Name, q.Bitwidth)})
		}
	},
}

// QMLPaddingValue: only the Akida 1.0 input layer pads with a value.
var QMLPaddingValue = &Rule{
	Name:    "qml-padding-value",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V1},
	Doc: "Only the Akida 1.0 InputConvolutional layer pads its borders with a value other than " +
		"zero, and with a single value for all channels. Remove the padding_value of later " +
		"convolutions, and use one value for the first.",
	Check: func(p *Pass) {
		kind := p.Block.Kind()
		c, ok := p.Block.Root().Config.(*keras.QMLConv2D)
		if !ok || (kind != akida.InputConvolutional && kind != akida.Convolutional) {
			return
		}
		name, values := p.Block.Root().Name, c.PaddingValue
		distinct := slices.Compact(slices.Sorted(slices.Values(values)))
		switch {
		case kind == akida.InputConvolutional && len(distinct) > 1:
			p.Report(Diagnostic{Layer: name, Rule: "qml-padding-value", Message: "InputConvolutional cannot have per-axis padding value. Got " + pyrepr.NumpyFloats(values) + "."})
		case kind == akida.Convolutional && slices.ContainsFunc(values, func(v float64) bool { return v != 0 }):
			p.Report(Diagnostic{Layer: name, Rule: "qml-padding-value", Message: "Convolutional padding value must be zero. Got " + pyrepr.NumpyFloats(values) + "."})
		}
	},
}

// QMLAkida1NotImplemented: this tool checks quantizeml models for Akida
// 1.0 but does not generate their layers. The message is ours.
var QMLAkida1NotImplemented = &Rule{
	Name:    "qml-akida1-not-implemented",
	Stage:   StageQMLVariables,
	Targets: []akida.IPVersion{V1},
	Doc: "cnn2snn can convert a model quantized with quantizeml to Akida 1.0 layers (under " +
		"set_akida_version(AkidaVersion.v1)); this tool checks such a model against every Akida " +
		"1.0 rule but does not generate its layers yet. Target Akida 2.0 (the default for " +
		"quantizeml models), quantize the float model for Akida 1.0 with this tool (target v1), or " +
		"use BrainChip's cnn2snn.",
}

// Akida1NotImplemented is QMLAkida1NotImplemented's diagnostic.
func Akida1NotImplemented(model string) Diagnostic {
	return QMLAkida1NotImplemented.Diagnose("", "Model "+model+" passes the Akida 1.0 checks of cnn2snn's quantizeml path, "+
		"but converting a quantizeml model to Akida 1.0 layers is not implemented by this tool: "+
		"target Akida 2.0 (--target v2), or convert the float model with --target v1.")
}

// WeightBits returns the bit width of a quantizeml layer's weight
// quantizer (0 when it has none).
func WeightBits(l *keras.Layer) int {
	if q, ok := l.QuantizeML(); ok && q != nil && q.WeightQuantizer != nil {
		return q.WeightQuantizer.Bitwidth
	}
	return 0
}

// SeparableWeightBits returns the bit widths of a quantizeml
// QuantizedSeparableConv2D's depthwise and pointwise weight quantizers.
func SeparableWeightBits(l *keras.Layer) (dw, pw int) {
	q, ok := l.QuantizeML()
	if !ok || q == nil {
		return 0, 0
	}
	if q.DWWeightQuantizer != nil {
		dw = q.DWWeightQuantizer.Bitwidth
	}
	if q.PWWeightQuantizer != nil {
		pw = q.PWWeightQuantizer.Bitwidth
	}
	return dw, pw
}

// pooledKind: the Akida layers that can hold a pooling.
func pooledKind(k akida.LayerType) bool {
	switch k {
	case akida.InputConvolutional, akida.Convolutional, akida.SeparableConvolutional,
		akida.InputConv2D, akida.Conv2D, akida.DepthwiseConv2D:
		return true
	}
	return false
}
