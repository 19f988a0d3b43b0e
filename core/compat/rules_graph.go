package compat

import (
	"fmt"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Rules of convert's arguments and of transforms.sequentialize
// (conversion.md §2–§3). Messages are cnn2snn 2.19.1's, word for word,
// typos included ("Receivesoutputs").

// InputScalingConflict: an input_scaling given with a Rescaling layer.
var InputScalingConflict = &Rule{
	Name:  "input-scaling-conflict",
	Stage: StageOptions,
	Doc: "The model starts with a Keras Rescaling layer, and an input scaling was given too. " +
		"cnn2snn derives the input scaling (Akida input = a × Keras input + b) from the Rescaling " +
		"layer itself (a = 1/scale, b = −offset/scale), so a second one would be ambiguous. Leave " +
		"the input scaling option out, or remove the Rescaling layer from the model.",
}

// InputScalingPositive: the input scale a must be > 0.
var InputScalingPositive = &Rule{
	Name:  "input-scaling-positive",
	Stage: StageOptions,
	Doc: "The input scaling (a, b) says how Akida's 8-bit integer inputs relate to the Keras " +
		"inputs: Akida input = a × Keras input + b. The scale a must be strictly positive, or " +
		"the integer thresholds cannot be derived from the Keras ones. Give a positive scale " +
		"(e.g. 255,0 for Keras inputs in [0, 1]) or fix the Rescaling layer's scale.",
}

// RescalingValues: a Rescaling layer that gives no usable input scaling.
// cnn2snn fails on these with a Python exception (ZeroDivisionError or
// TypeError); the message is ours.
var RescalingValues = &Rule{
	Name:  "rescaling-values",
	Stage: StageOptions,
	Doc: "cnn2snn turns a leading Rescaling layer (Keras input = scale × input + offset) into the " +
		"input scaling (1/scale, −offset/scale). That needs a single non-zero scale and a single " +
		"offset: per-channel lists or a zero scale have no Akida equivalent (cnn2snn itself stops " +
		"with a Python error). Use one scale and one offset for all channels.",
}

// TargetVersion: the legacy path only produces Akida 1.0 layers.
var TargetVersion = &Rule{
	Name:  "target-version",
	Stage: StageOptions,
	Doc: "Models quantized with cnn2snn (QuantizedConv2D, ActivationDiscreteRelu …) and float " +
		"models quantized by this tool the cnn2snn way are converted by cnn2snn's legacy path, " +
		"which always produces Akida 1.0 layers (AKD1000, AKD1500). Akida 2.0 needs a model " +
		"quantized with quantizeml. Choose target v1 for this model.",
}

// ChannelsLast: Akida works on channels-last tensors.
var ChannelsLast = &Rule{
	Name:    "channels-last",
	Stage:   StageSequentialize,
	Targets: []akida.IPVersion{V1, V2}, // cnn2snn's quantizeml path checks it too (conversion-v2.md §1.3)
	Doc: "Akida stores tensors as (x, y, channels), Keras' channels_last layout. A layer built " +
		"with data_format='channels_first' has no Akida equivalent. Rebuild the model with " +
		"data_format='channels_last' (the Keras default) and load the weights again.",
	Check: func(p *Pass) {
		for _, l := range p.Model.Layers {
			if f, ok := l.DataFormat(); ok && f == "channels_first" {
				p.Report(Diagnostic{Layer: l.Name, Rule: "channels-last", Message: "Unsupported data format 'channels_first' in layer '" + l.Name + "'."})
			}
		}
	},
}

// DilationRate: Akida convolutions are not dilated.
var DilationRate = &Rule{
	Name:    "dilation-rate",
	Stage:   StageSequentialize,
	Targets: []akida.IPVersion{V1, V2}, // cnn2snn's quantizeml path checks it too (conversion-v2.md §1.3)
	Doc: "Akida convolutions read neighbouring pixels only: a dilated (atrous) convolution, " +
		"dilation_rate other than (1, 1), has no Akida equivalent. Use dilation_rate=1, e.g. a " +
		"larger kernel or an extra strided convolution instead, and retrain.",
	Check: func(p *Pass) {
		for _, l := range p.Model.Layers {
			if d, ok := l.DilationRate(); ok && !isUnitDilation(d) {
				p.Report(Diagnostic{Layer: l.Name, Rule: "dilation-rate", Message: "Unsupported dilation rate " + pyrepr.Tuple(d) + " in layer '" + l.Name + "'."})
			}
		}
	},
}

// SingleInput: one model input.
var SingleInput = &Rule{
	Name:    "single-input",
	Stage:   StageSequentialize,
	Targets: []akida.IPVersion{V1, V2}, // cnn2snn's quantizeml path checks it too (conversion-v2.md §1.3)
	Doc: "An Akida model is fed by one input tensor (Akida 1.0 models are moreover a single " +
		"chain of layers). A Keras model with several inputs cannot be converted; split it into " +
		"single-input models, or merge the inputs before the model (e.g. stack them as channels).",
	Check: func(p *Pass) {
		if n := len(p.Model.Inputs); n != 1 {
			p.Report(Diagnostic{Layer: "", Rule: "single-input", Message: "Model must have only one input layer. Receives inputs " + pyrepr.StrList(p.Model.Inputs) + "."})
		}
	},
}

// SingleOutput: one model output.
var SingleOutput = &Rule{
	Name:    "single-output",
	Stage:   StageSequentialize,
	Targets: []akida.IPVersion{V1, V2}, // cnn2snn's quantizeml path checks it too (conversion-v2.md §1.3)
	Doc: "An Akida model ends in one output layer. A Keras model with several outputs (e.g. " +
		"several heads) cannot be converted; keep one output, or convert each head as its own " +
		"model.",
	Check: func(p *Pass) {
		if n := len(p.Model.Outputs); n != 1 {
			p.Report(Diagnostic{Layer: "", Rule: "single-output", Message: "Model must have only one output layer. Receivesoutputs " + pyrepr.StrList(p.Model.Outputs) + "."})
		}
	},
}

// InputRank: inputs are images (H, W, C) or vectors (N).
var InputRank = &Rule{
	Name:    "input-rank",
	Stage:   StageSequentialize,
	Targets: []akida.IPVersion{V1, V2}, // cnn2snn's quantizeml path checks it too (conversion-v2.md §1.3)
	Doc: "Akida inputs are either images (height, width, channels) or flat vectors (N). A model " +
		"whose input has another rank — e.g. a sequence (time, features) — cannot be converted. " +
		"Reshape the input to (1, N) … (H, W, C) before the model, e.g. add a trailing channel " +
		"axis of size 1.",
	Check: func(p *Pass) {
		if len(p.Model.Inputs) != 1 {
			return // single-input already reports it
		}
		// cnn2snn's quantizeml path accepts another rank for Akida Pico
		// models (conversion-v2.md §1.3 #5).
		if slices.ContainsFunc(p.Model.Layers, func(l *keras.Layer) bool {
			return l.ClassName == QRecurrent && l.Origin() == keras.OriginQuantizeML
		}) {
			return
		}
		s := p.Model.InputShape()
		if s != nil && len(s) != 1 && len(s) != 3 {
			p.Report(Diagnostic{Layer: p.Model.Inputs[0], Rule: "input-rank", Message: "Input shape of model must be 2-D or 4-D (batch size + 1-D or 3-D tensors). Receives input shape " +
				pyrepr.BatchShape(s) + "."})
		}
	},
}

// SingleInboundNode: no shared layers.
var SingleInboundNode = &Rule{
	Name:  "single-inbound-node",
	Stage: StageSequentialize,
	Doc: "Each Keras layer must be called once. A layer called several times (a shared layer, " +
		"e.g. the same Conv2D applied to two tensors) would have to become several Akida layers " +
		"with the same weights, which cnn2snn does not do. Use a separate layer for each call.",
	Check: func(p *Pass) {
		for _, l := range p.Model.Layers {
			if !l.IsInput() && l.InboundNodes != 1 {
				p.Report(Diagnostic{Layer: l.Name, Rule: "single-inbound-node", Message: sprintf(
					"Layers must have only one inbound node. Receives layer %s with %d nodes.", l.Name, l.InboundNodes)})
			}
		}
	},
}

// SingleInboundLayer: no merges (Add, Multiply …).
var SingleInboundLayer = &Rule{
	Name:  "single-inbound-layer",
	Stage: StageSequentialize,
	Doc: "Akida 1.0 layers take one input. A layer that merges several tensors (Add, Multiply, " +
		"Average …), as in residual networks, cannot be converted by cnn2snn's legacy path. " +
		"Remove the skip connections, or quantize with quantizeml for Akida 2.0, which has Add.",
	Check: func(p *Pass) {
		for _, l := range p.Model.Layers {
			if l.IsInput() || IsConcatenate(l) {
				continue
			}
			if n := len(l.Inbound); n != 1 {
				p.Report(Diagnostic{Layer: l.Name, Rule: "single-inbound-layer", Message: sprintf(
					"Layer %s must have only one inbound layer. Receives %d.", l.Name, n)})
			}
		}
	},
}

// ConcatenateAxis: checked by transform.Sequentialize while walking the
// graph.
var ConcatenateAxis = &Rule{
	Name:  "concatenate-axis",
	Stage: StageSequentialize,
	Doc: "cnn2snn accepts a Concatenate only along the channels (axis=-1), between two branches. " +
		"Concatenating along a spatial axis has no Akida 1.0 equivalent. Use axis=-1; even then " +
		"the model has several branches, which the legacy conversion refuses, so rather rebuild " +
		"the model as one chain.",
}

// ConcatenateInbounds: checked by transform.Sequentialize.
var ConcatenateInbounds = &Rule{
	Name:  "concatenate-inbounds",
	Stage: StageSequentialize,
	Doc: "cnn2snn accepts a Concatenate of exactly two branches. Concatenate more tensors with " +
		"a chain of two-input Concatenate layers; even then the model has several branches, " +
		"which the legacy conversion refuses, so rather rebuild the model as one chain.",
}

// SingleBranch: checked by transform.Sequentialize.
var SingleBranch = &Rule{
	Name:  "single-branch",
	Stage: StageSequentialize,
	Doc: "cnn2snn's legacy path converts a single chain of layers: every layer feeds exactly one " +
		"next layer. A layer whose output goes to two layers (a fork), or a Concatenate of two " +
		"branches, makes several sequential branches, which Akida 1.0 cannot hold. Rebuild the " +
		"model as one chain.",
}

// IsConcatenate reports a Keras Concatenate layer.
func IsConcatenate(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.Concatenate)
	return ok
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
