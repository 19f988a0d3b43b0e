package convert

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
)

// The problems of conversion-v2.md §1 and §2 on the err_* models of
// testdata/quantizeml: every diagnostic with its rule and cnn2snn's
// message, word for word; Check says "not compatible" and Convert fails
// with cnn2snn's first error (failQML).

// diag is a diagnostic of the named rule.
func diag(rule, layer, message string) compat.Diagnostic {
	return compat.Diagnostic{Layer: layer, Rule: rule, Message: message}
}

// wrapped is cnn2snn's re-raise of an error met converting a block
// (conversion-v2.md §1.2): "Layers 'a', 'b': unsupported type [A, B]: …".
func wrapped(layers, classes, message string) string {
	return "Layers " + layers + ": unsupported type [" + classes + "]: " + message
}

// patternLines lists patterns as the "Invalid block" message does.
func patternLines(patterns ...string) string {
	var b strings.Builder
	for _, p := range patterns {
		b.WriteString(" - " + p + "\n")
	}
	return b.String()
}

// The pre-checks of §1.3, in cnn2snn's order.
func TestV2PreChecks(t *testing.T) {
	t.Run("1 only skippable layers", func(t *testing.T) {
		d := diag("qml-only-skippable", "", "Cannot convert model with only skippable layers.")
		failQML(t, "err_only_skippable", Options{}, d, d)
	})
	t.Run("2 Sequential input shape", func(t *testing.T) {
		// The Dense's input shape is unknown too; that is not another problem.
		d := diag("qml-sequential-input-shape", "", "The Sequential quantized model err_sequential_shape should have its input_shape fully defined.")
		failQML(t, "err_sequential_shape", Options{}, d, d)
	})
	t.Run("3, 4 inputs and outputs", func(t *testing.T) {
		in := diag("single-input", "", "Model must have only one input layer. Receives inputs ['in_a', 'in_b'].")
		out := diag("single-output", "", "Model must have only one output layer. Receivesoutputs ['deq_a', 'deq_b'].") // sic
		failQML(t, "err_inputs_outputs", Options{}, in, in, out)
	})
	t.Run("5 input rank", func(t *testing.T) {
		rank := diag("input-rank", "input_1", "Input shape of model must be 2-D or 4-D (batch size + 1-D or 3-D tensors). Receives input shape (None, 4, 3).")
		// cnn2snn stops at the rank; the Dense on (4, 3) is a problem too.
		flat := diag("qml-dense-flat", "dense", "The dense layer only handles flattened shapes (i.e (1, 1, X) or (X,)). Received: ((4, 3))  shape.")
		failQML(t, "err_input_rank", Options{}, rank, rank, flat)
	})
	t.Run("6, 7 data format and dilation", func(t *testing.T) {
		// The data format is checked first (§1.3 #6); the report lists by layer.
		format := diag("channels-last", "max_pooling2d", "Unsupported data format 'channels_first' in layer 'max_pooling2d'.")
		dilation := diag("dilation-rate", "conv2d", "Unsupported dilation rate (2, 2) in layer 'conv2d'.")
		failQML(t, "err_format_dilation", Options{}, format, dilation, format)
	})
}

// A layer that comes before the Dequantizer but feeds only what follows it
// belongs to no block (§1.4); the Dequantizer cut's warning lists the layer
// after it.
func TestV2LayerInNoBlock(t *testing.T) {
	d := diag("qml-orphan-layer", "conv_b", "Impossible to append conv_b into a block.")
	r := failQML(t, "err_orphan", Options{}, d, d)
	want := "Conversion stops  at layer conv_b because of a dequantizer. The end of the model is ignored:\n " +
		"___________________________________________________\nLayer (type)\n" +
		"===================================================\nadd (Add)\n" +
		"===================================================\n. \n This can be expected for model heads " +
		"(e.g. softmax for classification) but could also mean that processing layers were not quantized."
	if !slices.Equal(r.Warnings, []string{want}) {
		t.Errorf("warnings %q", r.Warnings)
	}
}

// Blocks that match no Akida 2.0 pattern (§1.5): the message lists the
// patterns sharing a class with the block, or every pattern, in cnn2snn's
// registration order.
func TestV2InvalidBlocks(t *testing.T) {
	relu := diag("qml-invalid-block", "re_lu", "Invalid block found during conversion:\n QuantizedReLU (re_lu)\n"+
		"Compatible patterns that contain the faulty layers are:\n"+patternLines(
		"QuantizedDense > QuantizedReLU",
		"QuantizedFlatten > QuantizedDense > QuantizedReLU",
		"QuantizedReshape > QuantizedDense > QuantizedReLU",
		"QuantizedReshape > QuantizedFlatten > QuantizedDense > QuantizedReLU",
		"QuantizedConv2D > QuantizedReLU",
		"QuantizedConv2D > QuantizedMaxPool2D > QuantizedReLU",
		"QuantizedConv2D > QuantizedReLU > QuantizedGlobalAveragePooling2D",
		"QuantizedConv2DTranspose > QuantizedReLU",
		"QuantizedDepthwiseConv2D > QuantizedReLU",
		"QuantizedDepthwiseConv2D > QuantizedMaxPool2D > QuantizedReLU",
		"QuantizedDepthwiseConv2DTranspose > QuantizedReLU",
		"QuantizedBufferTempConv > QuantizedReLU",
		"QuantizedDepthwiseBufferTempConv > QuantizedReLU",
		"QuantizedStatefulProjection > QuantizedStatefulRecurrent > QuantizedExtractToken > QuantizedStatefulProjection > QuantizedReLU"))
	// No Akida 2.0 pattern holds QuantizedSeparableConv2D: all are listed.
	separable := diag("qml-invalid-block", "separable", "Invalid block found during conversion:\n QuantizedSeparableConv2D (separable)\n"+
		"Compatible patterns that contain the faulty layers are:\n"+patternLines(
		"QuantizedDense",
		"QuantizedDense > QuantizedReLU",
		"QuantizedFlatten > QuantizedDense",
		"QuantizedFlatten > QuantizedDense > QuantizedReLU",
		"QuantizedReshape > QuantizedDense",
		"QuantizedReshape > QuantizedDense > QuantizedReLU",
		"QuantizedReshape > QuantizedFlatten > QuantizedDense",
		"QuantizedReshape > QuantizedFlatten > QuantizedDense > QuantizedReLU",
		"QuantizedConv2D",
		"QuantizedConv2D > QuantizedReLU",
		"QuantizedConv2D > QuantizedMaxPool2D > QuantizedReLU",
		"QuantizedConv2D > QuantizedReLU > QuantizedGlobalAveragePooling2D",
		"QuantizedConv2D > QuantizedGlobalAveragePooling2D",
		"QuantizedConv2D > QuantizedActivation",
		"QuantizedConv2D > QuantizedMaxPool2D > QuantizedActivation",
		"QuantizedConv2D > QuantizedActivation > QuantizedGlobalAveragePooling2D",
		"QuantizedConv2DTranspose",
		"QuantizedConv2DTranspose > QuantizedReLU",
		"QuantizedConv2DTranspose > QuantizedActivation",
		"QuantizedDepthwiseConv2D",
		"QuantizedDepthwiseConv2D > QuantizedReLU",
		"QuantizedDepthwiseConv2D > QuantizedMaxPool2D > QuantizedReLU",
		"QuantizedDepthwiseConv2D > QuantizedActivation",
		"QuantizedDepthwiseConv2D > QuantizedMaxPool2D > QuantizedActivation",
		"QuantizedDepthwiseConv2DTranspose",
		"QuantizedDepthwiseConv2DTranspose > QuantizedReLU",
		"QuantizedDepthwiseConv2DTranspose > QuantizedActivation",
		"QuantizedAdd",
		"QuantizedConcatenate",
		"Dequantizer",
		"QuantizedBufferTempConv",
		"QuantizedBufferTempConv > QuantizedReLU",
		"QuantizedDepthwiseBufferTempConv",
		"QuantizedDepthwiseBufferTempConv > QuantizedReLU",
		"QuantizedStatefulProjection > QuantizedStatefulRecurrent > QuantizedExtractToken > QuantizedStatefulProjection",
		"QuantizedStatefulProjection > QuantizedStatefulRecurrent > QuantizedExtractToken > QuantizedStatefulProjection > QuantizedReLU",
		"QuantizedPicoPostProcessing"))
	// Akida 1.0's order (pooling before the ReLU) is no Akida 2.0 pattern.
	gap := diag("qml-invalid-block", "conv_c", "Invalid block found during conversion:\n QuantizedConv2D (conv_c)\n"+
		"QuantizedGlobalAveragePooling2D (gap)\nQuantizedReLU (re_lu_1)\n"+
		"Compatible patterns that contain the faulty layers are:\n"+patternLines(
		"QuantizedDense > QuantizedReLU",
		"QuantizedFlatten > QuantizedDense > QuantizedReLU",
		"QuantizedReshape > QuantizedDense > QuantizedReLU",
		"QuantizedReshape > QuantizedFlatten > QuantizedDense > QuantizedReLU",
		"QuantizedConv2D",
		"QuantizedConv2D > QuantizedReLU",
		"QuantizedConv2D > QuantizedMaxPool2D > QuantizedReLU",
		"QuantizedConv2D > QuantizedReLU > QuantizedGlobalAveragePooling2D",
		"QuantizedConv2D > QuantizedGlobalAveragePooling2D",
		"QuantizedConv2D > QuantizedActivation",
		"QuantizedConv2D > QuantizedMaxPool2D > QuantizedActivation",
		"QuantizedConv2D > QuantizedActivation > QuantizedGlobalAveragePooling2D",
		"QuantizedConv2DTranspose > QuantizedReLU",
		"QuantizedDepthwiseConv2D > QuantizedReLU",
		"QuantizedDepthwiseConv2D > QuantizedMaxPool2D > QuantizedReLU",
		"QuantizedDepthwiseConv2DTranspose > QuantizedReLU",
		"QuantizedBufferTempConv > QuantizedReLU",
		"QuantizedDepthwiseBufferTempConv > QuantizedReLU",
		"QuantizedStatefulProjection > QuantizedStatefulRecurrent > QuantizedExtractToken > QuantizedStatefulProjection > QuantizedReLU"))
	failQML(t, "err_invalid_blocks", Options{}, relu, relu, separable, gap)
}

// The checks the Akida 2.0 converters make when they are built (§2.3–2.7),
// raised as they are.
func TestV2ConstructionChecks(t *testing.T) {
	t.Run("InputConv2D and Conv2D", func(t *testing.T) {
		// cnn2snn checks the pooling first, then the weights, then the kernel.
		poolIn := diag("qml-pool-padding", "pool_in", "Pooling layer pool_in (padding: same) must have the same padding as conv_in (padding: valid).")
		failQML(t, "err_conv_shapes", Options{}, poolIn,
			diag("qml-input-conv-weight-bits", "conv_in", "InputConvolutional layer can only handle weights with 4 or 8 bits. Received: 2."),
			diag("qml-v2-square-kernel", "conv_in", "InputConv2D handle onlysquare kernels"),                    // sic
			diag("qml-v2-square-kernel", "conv_in", "InputConv2D stride should bethe same for both dimensions"), // sic
			poolIn,
			diag("qml-pool-shape", "pool_in", "In Akida v2 pool_in should have square pooling"),
			diag("qml-pool-shape", "pool_in", "In Akida v2 pool_in pooling stride should be the same forboth dimensions"), // sic
			diag("qml-v2-weight-bits", "conv", "Conv2D layer can only handle weights with 4 or 8 bits. Received: 6."),
			diag("qml-v2-square-kernel", "conv", "Conv2D handle onlysquare kernels"),
			diag("qml-v2-square-kernel", "conv", "Conv2D stride should bethe same for both dimensions"),
			diag("qml-pool-padding", "pool", "Pooling layer pool (padding: valid) must have the same padding as conv (padding: same)."),
			diag("qml-pool-shape", "pool", "In Akida v2 pool should have square pooling"),
			diag("qml-pool-shape", "pool", "In Akida v2 pool pooling stride should be the same forboth dimensions"))
	})
	t.Run("DepthwiseConv2D", func(t *testing.T) {
		// The depthwise converter checks its kernel first, then its weights,
		// then the pooling.
		square := diag("qml-v2-square-kernel", "depthwise", "DepthwiseConv2D kernel should be square")
		failQML(t, "err_depthwise_shapes", Options{}, square,
			square,
			diag("qml-v2-square-kernel", "depthwise", "DepthwiseConv2D strides should be the same on both dimensions"),
			diag("qml-v2-weight-bits", "depthwise", "DepthwiseConv2D layer can only handle weights with 4 or 8 bits. Received: 2."),
			diag("qml-pool-padding", "pool", "Pooling layer pool (padding: same) must have the same padding as depthwise (padding: valid)."),
			diag("qml-pool-shape", "pool", "In Akida v2 pool should have square pooling"),
			diag("qml-pool-shape", "pool", "In Akida v2 pool pooling stride should be the same forboth dimensions"))
	})
	t.Run("transposed convolutions", func(t *testing.T) {
		// convt_a, dwt_a: kernel (3, 4), strides (2, 1), 'valid', 2-bit
		// weights; convt_b, dwt_b: kernel 5, stride 1. cnn2snn's own
		// Conv2DTranspose kernel-size assertion has no message.
		square := diag("qml-transpose-geometry", "convt_a", "QuantizedConv2DTranspose kernel should be square")
		failQML(t, "err_transpose_shapes", Options{}, square,
			square,
			diag("qml-transpose-geometry", "convt_a", "QuantizedConv2DTranspose strides should be the same on both dimensions."),
			diag("qml-transpose-geometry", "convt_a", "QuantizedConv2DTranspose handles only 'same' padding"),
			diag("qml-v2-weight-bits", "convt_a", "QuantizedConv2DTranspose layer can only handle weights with 4 or 8 bits. Received: 2."),
			diag("qml-transpose-geometry", "convt_b", "QuantizedConv2DTranspose kernel size must be 3 or 4 (cnn2snn: an AssertionError without message). Received: 5."),
			diag("qml-transpose-geometry", "convt_b", "QuantizedConv2DTranspose handles only stride 2"),
			diag("qml-transpose-geometry", "dwt_a", "DepthwiseConv2DTranspose kernel should be square"),
			diag("qml-transpose-geometry", "dwt_a", "DepthwiseConv2DTranspose strides should be the same on both dimension"), // sic
			diag("qml-transpose-geometry", "dwt_a", "DepthwiseConv2DTranspose handles only 'same' padding"),
			diag("qml-v2-weight-bits", "dwt_a", "DepthwiseConv2DTranspose layer can only handle weights with 4 or 8 bits. Received: 2."),
			diag("qml-transpose-geometry", "dwt_b", "DepthwiseConv2DTranspose supports kernel size of 3 or 4 only"),
			diag("qml-transpose-geometry", "dwt_b", "DepthwiseConv2DTranspose supports stride 2 only"))
	})
	t.Run("Dense1D", func(t *testing.T) {
		d := diag("qml-dense-flat", "dense", "The dense layer only handles flattened shapes (i.e (1, 1, X) or (X,)). Received: ((2, 2, 3))  shape.")
		failQML(t, "err_dense_shape", Options{}, d, d)
	})
	t.Run("Dequantizer", func(t *testing.T) {
		d := diag("qml-dequantizer-inbounds", "dequantizer", "Multi-inbounds in dequantizer is not supported.")
		failQML(t, "err_dequantizer_inbounds", Options{}, d, d)
	})
}

// The checks made while setting the variables (§2.0, §2.1, §2.3), which
// cnn2snn re-raises with the block's layers (§1.2).
func TestV2VariableChecks(t *testing.T) {
	t.Run("InputConv2D padding value", func(t *testing.T) {
		// Rescaling 1/255 on uint8: S_in = 1/255, F_in = 0; P = −0.5:
		// |P|/S = 127.5, clog2 7, f = min(7 − 7, 0) = 0 → −128: not 0…255.
		d := diag("qml-padding-value-range", "conv2d", wrapped("'conv2d', 're_lu'", "QuantizedConv2D, QuantizedReLU", "padding_value must be an uint8 value"))
		failQML(t, "err_input_padding", Options{}, d, d)
	})
	t.Run("signed inputs only", func(t *testing.T) {
		// A lone QuantizedConv2D is no input pattern: cnn2snn feeds it
		// through an InputData, which refuses the uint8 input (§2.1). The
		// layers after it are not reported again.
		d := diag("qml-signed-input", "conv2d", wrapped("'conv2d'", "QuantizedConv2D", "Only signed inputs are supported."))
		failQML(t, "err_unsigned_input", Options{}, d, d)
	})
	t.Run("unresolved inbounds", func(t *testing.T) {
		// The model input reaches the Add, but no InputData exists (the
		// first block is an InputConv2D): get_inbound_layers fails (§1.7).
		// The Dequantizer after the Add is not reported again.
		d := diag("qml-inbounds", "add", wrapped("'add'", "QuantizedAdd", "Cannot resolve inbound layers for add."))
		failQML(t, "err_unresolved", Options{}, d, d)
	})
	t.Run("Conv2D padding values", func(t *testing.T) {
		// An unsigned per-axis InputQuantizer of ranges 2, 1 gives F = 7, 8,
		// which both Conv2D align on 8 (input shift 1, 0). Padding value
		// ±0.5 on (S = 1, F = 8): f = min(mfb(7, 0.5) = 7, 8) = 7 →
		// round(±0.5·128) = ±64, shifted by 8 − 7: ±128. cnn2snn checks the
		// uint8 range first, for every convolution, then that a Conv2D's is
		// zero (set_conv_variables_v2, get_padding_value).
		p := diag("qml-v2-padding-value", "conv_p", wrapped("'conv_p'", "QuantizedConv2D", "Conv2D padding value must be zero. Got [128]."))
		n := diag("qml-padding-value-range", "conv_n", wrapped("'conv_n'", "QuantizedConv2D", "padding_value must be an uint8 value"))
		failQML(t, "err_conv_padding", Options{}, p, p, n)
	})
	t.Run("InputConv2D input shift", func(t *testing.T) {
		// An unsigned per-axis InputQuantizer of ranges 1, 2, 4: F = 8, 7, 6
		// (different), so the InputConv2D would shift its input.
		d := diag("qml-input-shift", "conv2d", wrapped("'conv2d', 're_lu'", "QuantizedConv2D, QuantizedReLU", "InputConv2D layer must only have non-zero input shift.")) // sic
		failQML(t, "err_input_shift", Options{}, d, d)
	})
	t.Run("LUT input bits", func(t *testing.T) {
		// A 10-bit output quantizer gives a 1024-entry table; Akida's has 2048.
		d := diag("qml-lut-bits", "conv2d", wrapped("'conv2d', 'activation'", "QuantizedConv2D, QuantizedActivation", "output_quantizer on activation must have a bitwidth of 11 bits."))
		failQML(t, "err_lut_bits", Options{}, d, d)
	})
}

// An Akida Pico model (with a QuantizedStatefulRecurrent) may have an input
// of another rank (§1.3 #5), and a QuantizedExtractToken on axis 1 ends a
// block (§1.4): the StatefulRecurrent pattern is cut into two invalid
// blocks.
func TestV2ExtractTokenEndsBlock(t *testing.T) {
	head := diag("qml-invalid-block", "p1", "Invalid block found during conversion:\n QuantizedStatefulProjection (p1)\n"+
		"QuantizedStatefulRecurrent (sr)\nQuantizedExtractToken (x)\n"+
		"Compatible patterns that contain the faulty layers are:\n"+patternLines(
		"QuantizedStatefulProjection > QuantizedStatefulRecurrent > QuantizedExtractToken > QuantizedStatefulProjection",
		"QuantizedStatefulProjection > QuantizedStatefulRecurrent > QuantizedExtractToken > QuantizedStatefulProjection > QuantizedReLU"))
	tail := diag("qml-invalid-block", "p2", "Invalid block found during conversion:\n QuantizedStatefulProjection (p2)\n"+
		"QuantizedReLU (re_lu)\nCompatible patterns that contain the faulty layers are:\n"+patternLines(
		"QuantizedDense > QuantizedReLU",
		"QuantizedFlatten > QuantizedDense > QuantizedReLU",
		"QuantizedReshape > QuantizedDense > QuantizedReLU",
		"QuantizedReshape > QuantizedFlatten > QuantizedDense > QuantizedReLU",
		"QuantizedConv2D > QuantizedReLU",
		"QuantizedConv2D > QuantizedMaxPool2D > QuantizedReLU",
		"QuantizedConv2D > QuantizedReLU > QuantizedGlobalAveragePooling2D",
		"QuantizedConv2DTranspose > QuantizedReLU",
		"QuantizedDepthwiseConv2D > QuantizedReLU",
		"QuantizedDepthwiseConv2D > QuantizedMaxPool2D > QuantizedReLU",
		"QuantizedDepthwiseConv2DTranspose > QuantizedReLU",
		"QuantizedBufferTempConv > QuantizedReLU",
		"QuantizedDepthwiseBufferTempConv > QuantizedReLU",
		"QuantizedStatefulProjection > QuantizedStatefulRecurrent > QuantizedExtractToken > QuantizedStatefulProjection",
		"QuantizedStatefulProjection > QuantizedStatefulRecurrent > QuantizedExtractToken > QuantizedStatefulProjection > QuantizedReLU"))
	failQML(t, "err_extract_token", Options{}, head, head, tail)
}

// The temporal and Akida Pico patterns (§1.5 rows 9–12) are matched, and
// refused by this tool, which does not convert those layers (§2.11); a
// StatefulRecurrent is named after its output projection (§2.0), and the
// Dequantizer after the PicoPostProcessing is dropped (§1.4).
func TestV2TemporalPatternsAreRefused(t *testing.T) {
	refused := func(layer, class, kind string) compat.Diagnostic {
		return diag("qml-not-supported-yet", layer, "Layer "+layer+" ("+class+") would become an Akida 2.0 "+kind+
			", which this tool does not convert yet: use BrainChip's cnn2snn for this model.")
	}
	b1 := refused("b1", "QuantizedBufferTempConv", "BufferTempConv")
	r := failQML(t, "chain_temporal", Options{}, b1,
		b1,
		refused("d1", "QuantizedDepthwiseBufferTempConv", "DepthwiseBufferTempConv"),
		refused("b2", "QuantizedBufferTempConv", "BufferTempConv"),
		refused("d2", "QuantizedDepthwiseBufferTempConv", "DepthwiseBufferTempConv"),
		refused("p1", "QuantizedStatefulProjection", "StatefulRecurrent"),
		refused("p3", "QuantizedStatefulProjection", "StatefulRecurrent"),
		refused("pico", "QuantizedPicoPostProcessing", "PicoPostProcessing"))
	m := loadQMLModel(t, "chain_temporal")
	type row struct{ layer, kind, pattern string }
	var got []row
	for _, b := range r.Blocks {
		got = append(got, row{b.AkidaLayer, b.AkidaType, blockPattern(m, b)})
	}
	want := []row{
		{"input_1", "InputData", ""},
		{"b1", "BufferTempConv", "QuantizedBufferTempConv > QuantizedReLU"},
		{"d1", "DepthwiseBufferTempConv", "QuantizedDepthwiseBufferTempConv > QuantizedReLU"},
		{"b2", "BufferTempConv", "QuantizedBufferTempConv"},
		{"d2", "DepthwiseBufferTempConv", "QuantizedDepthwiseBufferTempConv"},
		{"add", "Add", "QuantizedAdd"},
		{"p2", "StatefulRecurrent", "QuantizedStatefulProjection > QuantizedStatefulRecurrent > QuantizedExtractToken > QuantizedStatefulProjection > QuantizedReLU"},
		{"p4", "StatefulRecurrent", "QuantizedStatefulProjection > QuantizedStatefulRecurrent > QuantizedExtractToken > QuantizedStatefulProjection"},
		{"add_1", "Add", "QuantizedAdd"},
		{"pico", "", "QuantizedPicoPostProcessing"}, // no known Akida layer type
	}
	if !slices.Equal(got, want) {
		t.Errorf("blocks:\n got %v\nwant %v", got, want)
	}
	// Every pattern this tool refuses is among them.
	for _, p := range compat.QMLPatterns(TargetV2) {
		if notConverted(p) && !slices.ContainsFunc(want, func(w row) bool { return w.pattern == p.String() }) {
			t.Errorf("pattern %s is not in chain_temporal", p)
		}
	}
}

// On every testdata model and for both targets, Check says compatible
// exactly when Convert succeeds.
func TestV2CheckAgreesWithConvert(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "quantizeml", "*.h5"))
	if err != nil || len(files) < 40 {
		t.Fatalf("%d testdata models (%v)", len(files), err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".h5")
		m := loadQMLModel(t, name)
		for _, target := range []akida.IPVersion{TargetV1, TargetV2} {
			r, err := Check(m, Options{Target: target})
			if err != nil {
				t.Fatal(err)
			}
			_, _, convErr := Convert(m, Options{Target: target})
			if r.Compatible != (convErr == nil) {
				t.Errorf("%s, target %s: Check says compatible %v, Convert error %v", name, target, r.Compatible, convErr)
			}
			// This tool converts quantizeml models to Akida 2.0 only.
			if want := target == TargetV2 && !strings.HasPrefix(name, "err_") && name != "chain_temporal"; r.Compatible != want {
				t.Errorf("%s, target %s: compatible %v, want %v", name, target, r.Compatible, want)
			}
		}
	}
}
