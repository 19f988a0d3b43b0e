package compat

import (
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Rules of check_sequential_compatibility (conversion.md §5), run on the
// syncretized sequence by CheckSequence. All are RuntimeErrors in cnn2snn
// except ConvDilation (ValueError).

// DenseInputShape: a Dense reads a flat vector.
var DenseInputShape = &Rule{
	PerLayer: true,
	Name:     "dense-input-shape",
	Stage:    StageCompatibility,
	Doc: "An Akida FullyConnected layer reads a flat vector: the Keras Dense must receive (N,) or " +
		"(1, 1, N). A Dense applied to an image (H, W, C) works on every pixel separately in " +
		"Keras, which Akida cannot do. Put a Flatten (or a GlobalAveragePooling2D) before the Dense.",
	Check: func(p *Pass) {
		l := p.Layer()
		if !IsDenseNeural(l) {
			return
		}
		in := p.InputShape(p.Index)
		if len(in) == 1 || (len(in) == 3 && in[0] == 1 && in[1] == 1) {
			return
		}
		p.Report(Diagnostic{Layer: l.Name, Rule: "dense-input-shape", Message: sprintf(
			"The Dense layer %s must have an input shape of (N,) or (1,1,N). Receives %s.", l.Name, pyrepr.Tuple(in))})
	},
}

// ConvDilation: repeated from sequentialize in cnn2snn's compatibility
// check (a ValueError there).
var ConvDilation = &Rule{
	PerLayer: true,
	Name:     "conv-dilation",
	Stage:    StageCompatibility,
	Doc: "An Akida convolution is not dilated: the neural convolution layers must have " +
		"dilation_rate 1. (cnn2snn checks this twice; sequentialize usually reports it first as " +
		"dilation-rate.) Use dilation_rate=1 and retrain.",
	Check: func(p *Pass) {
		l := p.Layer()
		if !IsConvNeural(l) {
			return
		}
		if d, _ := l.DilationRate(); !isUnitDilation(d) {
			p.Report(Diagnostic{Layer: l.Name, Rule: "conv-dilation", Message: sprintf(
				"The layer %s must have a dilation rate of 1. Receives %s.", l.Name, pyrepr.Tuple(d))})
		}
	},
}

// TwoNeuralLayers: every Akida layer but the last ends with an activation.
var TwoNeuralLayers = &Rule{
	Name:  "two-neural-layers",
	Stage: StageCompatibility,
	Doc: "Each Akida 1.0 layer is one neural layer (Conv2D, SeparableConv2D or Dense) followed by " +
		"its activation, and only the last one may go without. Two neural layers in a row " +
		"(possibly with BatchNormalization, pooling, Flatten or Dropout in between) need a ReLU " +
		"(or a cnn2snn quantized activation) between them. Add one, or merge the two layers.",
	Check: func(p *Pass) {
		if l := p.Layer(); IsNeural(l) && p.LastNeural != nil {
			p.Report(Diagnostic{Layer: l.Name, Rule: "two-neural-layers", Message: sprintf(
				"An activation layer is required between the two neural layers '%s' and '%s'.", p.LastNeural.Name, l.Name)})
		}
	},
}

// TwoActivations: an activation belongs to one neural layer.
var TwoActivations = &Rule{
	Name:  "two-activations",
	Stage: StageCompatibility,
	Doc: "An Akida 1.0 layer has one activation, after its neural layer. Two ReLUs (or quantized " +
		"activations) in a row, or an activation at the start of the model, have no neural layer " +
		"to belong to. Remove the extra activation.",
	Check: func(p *Pass) {
		if l := p.Layer(); IsActivation(l) && p.LastActivation != nil {
			p.Report(Diagnostic{Layer: l.Name, Rule: "two-activations", Message: sprintf(
				"A neural layer is required between the two activation layers '%s' and '%s'.", p.LastActivation.Name, l.Name)})
		}
	},
}

// PoolingFirst: a pooling belongs to the convolution before it.
var PoolingFirst = &Rule{
	Name:  "pooling-first",
	Stage: StageCompatibility,
	Doc: "An Akida 1.0 layer pools its own convolution's output, so a MaxPooling2D or " +
		"GlobalAveragePooling2D cannot come first. Move the pooling after a convolution, or " +
		"downscale the input before the model.",
	Check: func(p *Pass) {
		if l := p.Layer(); IsPooling(l) && p.Index == 0 {
			p.Report(Diagnostic{Layer: l.Name, Rule: "pooling-first", Message: sprintf(
				"Pooling layer '%s' cannot be the first layer of a model or sequence. It must be placed after a convolutional layer.", l.Name)})
		}
	},
}

// PoolingAfterConv: the pooling directly follows its convolution (after
// the syncretize swaps).
var PoolingAfterConv = &Rule{
	Name:  "pooling-after-conv",
	Stage: StageCompatibility,
	Doc: "An Akida 1.0 layer pools the potentials of its convolution before the activation. " +
		"cnn2snn moves a MaxPooling2D in front of a ReLU and a BatchNormalization in front of a " +
		"pooling by itself, but the pooling must then directly follow a Conv2D or " +
		"SeparableConv2D: not a Dense, and a GlobalAveragePooling2D not after the ReLU. Place " +
		"the pooling right after the convolution (BatchNormalization may sit in between).",
	Check: func(p *Pass) {
		l := p.Layer()
		if !IsPooling(l) || p.Index == 0 {
			return
		}
		if prev := p.Layers[p.Index-1]; !IsConvNeural(prev) {
			p.Report(Diagnostic{Layer: l.Name, Rule: "pooling-after-conv", Message: sprintf(
				"Pooling layer %s must be placed after a convolutional neural layer. Currently after %s.", l.Name, prev.Name)})
		}
	},
}

// MaxPoolPadding: Akida pools with the convolution's padding.
var MaxPoolPadding = &Rule{
	Name:  "maxpool-padding",
	Stage: StageCompatibility,
	Doc: "An Akida 1.0 layer has one padding setting for its convolution and its max pooling. " +
		"A MaxPooling2D whose padding ('same' or 'valid') differs from the convolution before it " +
		"cannot be expressed. Give both the same padding.",
	Check: func(p *Pass) {
		l := p.Layer()
		if _, ok := l.Config.(*keras.MaxPooling2D); !ok || p.Index == 0 {
			return
		}
		prev := p.Layers[p.Index-1]
		if !IsConvNeural(prev) {
			return // pooling-after-conv reports it
		}
		if prev.Padding() != l.Padding() {
			p.Report(Diagnostic{Layer: l.Name, Rule: "maxpool-padding", Message: sprintf(
				"Pooling layer %s (padding: %s) must have the same padding as %s (padding: %s).",
				l.Name, l.Padding(), prev.Name, prev.Padding())})
		}
	},
}

// FlattenBeforeDense: a Flatten only feeds a Dense. cnn2snn interpolates
// the Python object (its repr, with a memory address) where the layer name
// is here.
var FlattenBeforeDense = &Rule{
	Name:  "flatten-before-dense",
	Stage: StageCompatibility,
	Doc: "Akida has no Flatten layer: cnn2snn absorbs a Flatten into the FullyConnected layer " +
		"that follows it, by reordering that layer's weights. A Flatten followed by anything " +
		"else than a Dense (or ending the model) cannot be converted. Remove the Flatten or move " +
		"it just before a Dense.",
	Check: func(p *Pass) {
		l := p.Layer()
		if _, ok := l.Config.(*keras.Flatten); !ok || p.Index == len(p.Layers)-1 {
			return
		}
		if next := p.Layers[p.Index+1]; !IsDenseNeural(next) {
			p.Report(Diagnostic{Layer: l.Name, Rule: "flatten-before-dense", Message: sprintf(
				"A Flatten layer is only supported before a Dense one. Receives unsupported Flatten layer '%s'.", l.Name)})
		}
	},
}

// ReshapeShape: only (N,) ↔ (1, 1, N) reshapes.
var ReshapeShape = &Rule{
	Name:  "reshape-shape",
	Stage: StageCompatibility,
	Doc: "Akida has no Reshape layer. cnn2snn accepts a Reshape only where it changes nothing for " +
		"Akida: (N,) to (1, 1, N), (1, 1, N) to (N,), or a shape to itself. Remove other Reshape " +
		"layers, or use Flatten before a Dense.",
	Check: func(p *Pass) {
		l := p.Layer()
		if _, ok := l.Config.(*keras.Reshape); !ok {
			return
		}
		in, out := p.InputShape(p.Index), l.OutputShape
		valid := (len(in) == 3 && in[0] == 1 && in[1] == 1 && len(out) == 1 && out[0] == in[2]) ||
			(len(in) == 1 && len(out) == 3 && out[0] == 1 && out[1] == 1 && out[2] == in[0]) ||
			slices.Equal(in, out)
		if !valid {
			p.Report(Diagnostic{Layer: l.Name, Rule: "reshape-shape", Message: sprintf(
				"The Reshape layer %s can only be used to transform a tensor of shape (N,) to a tensor of shape (1, 1, N), and vice-versa. Receives input_shape %s and output_shape %s.",
				l.Name, pyrepr.Tuple(in), pyrepr.Tuple(out))})
		}
	},
}

// RescalingFirst: a Rescaling is only the model's input scaling.
var RescalingFirst = &Rule{
	Name:  "rescaling-first",
	Stage: StageCompatibility,
	Doc: "cnn2snn turns a Rescaling layer into the input scaling of the Akida model, which only " +
		"exists at the input. A Rescaling anywhere else cannot be converted. Move it to the start " +
		"of the model, or fold it into the weights of the layer after it.",
	Check: func(p *Pass) {
		l := p.Layer()
		if _, ok := l.Config.(*keras.Rescaling); ok && p.Index != 0 {
			p.Report(Diagnostic{Layer: l.Name, Rule: "rescaling-first", Message: sprintf(
				"A Rescaling layer must be the first layer of the model. Receives unexpected layer %s.", l.Name)})
		}
	},
}

// FinalActivation: softmax and other activations only at the end.
var FinalActivation = &Rule{
	Name:  "final-activation",
	Stage: StageCompatibility,
	Doc: "Akida 1.0 layers only have a quantized ReLU. A Keras Activation layer (softmax, sigmoid, " +
		"even Activation('relu')) or Softmax is only accepted after the last neural layer, where " +
		"cnn2snn drops it: the Akida model then outputs the values before it, which give the same " +
		"class ranking. Elsewhere, replace Activation('relu') by a ReLU layer (keras.layers.ReLU) " +
		"and remove other activations.",
	Check: func(p *Pass) {
		l := p.Layer()
		switch l.Config.(type) {
		case *keras.Activation, *keras.Softmax:
		default:
			return
		}
		for _, next := range p.Layers[p.Index+1:] {
			if IsNeural(next) {
				p.Report(Diagnostic{Layer: l.Name, Rule: "final-activation", Message: sprintf(
					"Activation layers other than ReLU and quantized activations are not supported before a neural layer. Receives activation layer '%s' before a neural layer.", l.Name)})
				return
			}
		}
	},
}

// UnsupportedLayer: every other class.
var UnsupportedLayer = &Rule{
	PerLayer: true,
	Name:     "unsupported-layer",
	Stage:    StageCompatibility,
	Doc: "cnn2snn's legacy conversion knows Conv2D, SeparableConv2D and Dense (plain or cnn2snn-" +
		"quantized), ReLU and cnn2snn's quantized activations, MaxPooling2D and " +
		"GlobalAveragePooling2D after a convolution, BatchNormalization it can fold, Flatten, " +
		"Reshape, Dropout, a leading Rescaling and a final Activation/Softmax. Any other layer " +
		"(DepthwiseConv2D, AveragePooling2D, ZeroPadding2D, a BatchNormalization that cannot be " +
		"folded …) has no Akida 1.0 equivalent: replace it, e.g. DepthwiseConv2D + Conv2D(1×1) by " +
		"SeparableConv2D, AveragePooling2D by MaxPooling2D, ZeroPadding2D by padding='same'.",
	Check: func(p *Pass) {
		l := p.Layer()
		if IsNeural(l) || IsActivation(l) || IsPooling(l) {
			return
		}
		switch l.Config.(type) {
		case *keras.Flatten, *keras.Reshape, *keras.Rescaling, *keras.Activation, *keras.Softmax:
			return
		}
		p.Report(Diagnostic{Layer: l.Name, Rule: "unsupported-layer", Message: sprintf(
			"Layer %s of type %s is not supported for Akida conversion", l.Name, l.ClassName)})
	},
}
