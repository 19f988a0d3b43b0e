package compat

import "github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"

// QMLQuantize: what quantizeml.quantize refuses when this tool quantizes a
// float model for Akida 2.0 (conversion-v2.md §4.2). core/quantize reports
// it with quantizeml's message, before any block is checked.
var QMLQuantize = &Rule{
	Name:    "qml-quantize",
	Stage:   StageQuantize,
	Targets: []akida.IPVersion{V2},
	Doc: "A float model is quantized for Akida 2.0 the way quantizeml.quantize does, which refuses " +
		"some models: one already quantized (\"Requantizing a model is not supported\": quantize the " +
		"original float model), one with no layer it can quantize, an unsigned (uint8) input whose " +
		"first layer is not a Conv2D or Dense (make it one, or quantize with input_dtype int8), a ReLU " +
		"with a negative_slope or threshold (use a plain ReLU), last_output_bits on a layer that has " +
		"no output quantizer. The message is quantizeml's and names the layer.",
}
