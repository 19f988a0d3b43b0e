package compat_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Configs used across the tests.
func qconv(filters int, padding string) *keras.QuantizedConv2D {
	return &keras.QuantizedConv2D{
		Conv2D:    keras.Conv2D{Filters: filters, KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: padding, DataFormat: "channels_last", DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: true},
		Quantizer: keras.WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 4},
	}
}

func conv(filters int) *keras.Conv2D {
	return &keras.Conv2D{Filters: filters, KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "same", DataFormat: "channels_last", DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: true}
}

func qdense(units int) *keras.QuantizedDense {
	return &keras.QuantizedDense{Dense: keras.Dense{Units: units, Activation: "linear", UseBias: true}, Quantizer: keras.WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 4}}
}

func qrelu() *keras.QuantizedReLU { return &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6} }

func maxpool(padding string) *keras.MaxPooling2D {
	return &keras.MaxPooling2D{PoolSize: [2]int{2, 2}, Strides: [2]int{2, 2}, Padding: padding, DataFormat: "channels_last"}
}

func gap() *keras.GlobalAveragePooling2D {
	return &keras.GlobalAveragePooling2D{DataFormat: "channels_last"}
}

func sameDiagnostics(t *testing.T, got, want []compat.Diagnostic) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("diagnostics:\n got %d:\n  %s\nwant %d:\n  %s", len(got), show(got), len(want), show(want))
	}
}

func show(ds []compat.Diagnostic) string {
	var lines []string
	for _, d := range ds {
		lines = append(lines, "["+d.Layer+"] "+d.Rule+": "+d.Message)
	}
	return strings.Join(lines, "\n  ")
}

func TestRulesCatalog(t *testing.T) {
	names := map[string]bool{}
	for _, r := range compat.Rules() {
		if names[r.Name] {
			t.Errorf("rule name %q is used twice", r.Name)
		}
		names[r.Name] = true
		if len(r.Doc) < 120 || !strings.HasSuffix(r.Doc, ".") {
			t.Errorf("rule %s: its Doc must be a full paragraph (got %d characters)", r.Name, len(r.Doc))
		}
		if got := compat.Lookup(r.Name); got != r {
			t.Errorf("Lookup(%q) = %v", r.Name, got)
		}
		hasCheck := r.Check != nil
		// Rules checked on their own have a Check; those that need the
		// state of a rewrite (sequentialize's walk, the Akida 2.0
		// generator's records) are reported by core/transform and
		// core/convert.
		wantCheck := r.Stage == compat.StageCompatibility || (r.Stage == compat.StageQuantize && r.AppliesTo(compat.V1)) ||
			(r.Stage == compat.StageSequentialize && !strings.HasPrefix(r.Name, "concatenate") && r.Name != "single-branch") ||
			r.Stage == compat.StageQMLBlock ||
			(r.Stage == compat.StageQuantizeML && (r.Name == "qml-only-skippable" || r.Name == "qml-sequential-input-shape")) ||
			(r.Stage == compat.StageQMLVariables && !r.AppliesTo(compat.V2) && r.Name != "qml-akida1-not-implemented")
		if hasCheck != wantCheck {
			t.Errorf("rule %s (stage %s): Check set = %v, want %v", r.Name, r.Stage, hasCheck, wantCheck)
		}
	}
	if len(names) != 75 {
		t.Errorf("%d rules, want 75", len(names))
	}
	if compat.Lookup("no-such-rule") != nil {
		t.Error("Lookup of an unknown name must be nil")
	}
}

func TestCheckGraph(t *testing.T) {
	cf := conv(4)
	cf.DataFormat = "channels_first"
	dil := qconv(4, "same")
	dil.DilationRate = []int{2, 2}
	oneD := conv(4)
	oneD.DilationRate = []int{1}
	m := modeltest.New("graph", 8, 8, 3).
		Add("cf", cf).
		Add("dil", dil).
		Add("one_d", oneD).
		AddInput("second", 8, 8, 3).
		AddFrom("add", &keras.Add{}, []string{"one_d", "second"}).
		Add("shared", qrelu()).Nodes(2).
		SetOutputs("shared", "add").
		Model()
	sameDiagnostics(t, compat.CheckGraph(m), []compat.Diagnostic{
		diag("cf", "channels-last", "Unsupported data format 'channels_first' in layer 'cf'."),
		diag("dil", "dilation-rate", "Unsupported dilation rate (2, 2) in layer 'dil'."),
		diag("one_d", "dilation-rate", "Unsupported dilation rate (1,) in layer 'one_d'."),
		diag("", "single-input", "Model must have only one input layer. Receives inputs ['input', 'second']."),
		diag("", "single-output", "Model must have only one output layer. Receivesoutputs ['shared', 'add']."),
		diag("shared", "single-inbound-node", "Layers must have only one inbound node. Receives layer shared with 2 nodes."),
		diag("add", "single-inbound-layer", "Layer add must have only one inbound layer. Receives 2."),
	})
}

func TestCheckGraphInputRank(t *testing.T) {
	m := modeltest.New("seq", 10, 4).Add("dense", qdense(2)).Model()
	sameDiagnostics(t, compat.CheckGraph(m), []compat.Diagnostic{
		diag("input", "input-rank", "Input shape of model must be 2-D or 4-D (batch size + 1-D or 3-D tensors). Receives input shape (None, 10, 4)."),
	})
	if d := compat.CheckGraph(modeltest.New("flat", 10).Add("dense", qdense(2)).Model()); len(d) != 0 {
		t.Errorf("a (N,) input is fine, got %v", d)
	}
}

// TestCheckSequenceEveryRule triggers each check_sequential_compatibility
// rule once, on one sequence, and expects them all in layer order.
func TestCheckSequenceEveryRule(t *testing.T) {
	dil := qconv(4, "same")
	dil.DilationRate = []int{2, 2}
	m := modeltest.New("rules", 8, 8, 3).
		Add("pool_first", maxpool("same")). // pooling-first
		Add("relu_first", qrelu()).         // two-activations: cnn2snn starts with the first layer as "last activation"
		Add("conv_a", qconv(4, "valid")).
		Add("pool_pad", maxpool("same")). // maxpool-padding
		Add("conv_b", dil).               // two-neural-layers + conv-dilation
		Add("relu_b", qrelu()).
		Add("relu_c", qrelu()).                                                      // two-activations
		Add("gap_late", gap()).                                                      // pooling-after-conv
		Add("flat", &keras.Flatten{}).                                               // flatten-before-dense (a Rescaling follows)
		Add("rescale", &keras.Rescaling{Scale: []float64{1}, Offset: []float64{0}}). // rescaling-first
		Add("reshape", &keras.Reshape{TargetShape: []int{2, 2}}).                    // reshape-shape
		Add("softmax", &keras.Softmax{Axis: []int{-1}}).                             // final-activation
		Add("dense", qdense(3)).                                                     // dense-input-shape, two-neural
		Add("zeropad", &keras.ZeroPadding2D{}).                                      // unsupported-layer
		Model()
	sameDiagnostics(t, compat.CheckSequence(m.Layers[1:], m.InputShape()), []compat.Diagnostic{
		diag("pool_first", "pooling-first", "Pooling layer 'pool_first' cannot be the first layer of a model or sequence. It must be placed after a convolutional layer."),
		diag("relu_first", "two-activations", "A neural layer is required between the two activation layers 'pool_first' and 'relu_first'."),
		diag("pool_pad", "maxpool-padding", "Pooling layer pool_pad (padding: same) must have the same padding as conv_a (padding: valid)."),
		diag("conv_b", "conv-dilation", "The layer conv_b must have a dilation rate of 1. Receives (2, 2)."),
		diag("conv_b", "two-neural-layers", "An activation layer is required between the two neural layers 'conv_a' and 'conv_b'."),
		diag("relu_c", "two-activations", "A neural layer is required between the two activation layers 'relu_b' and 'relu_c'."),
		diag("gap_late", "pooling-after-conv", "Pooling layer gap_late must be placed after a convolutional neural layer. Currently after relu_c."),
		diag("flat", "flatten-before-dense", "A Flatten layer is only supported before a Dense one. Receives unsupported Flatten layer 'flat'."),
		diag("rescale", "rescaling-first", "A Rescaling layer must be the first layer of the model. Receives unexpected layer rescale."),
		diag("reshape", "reshape-shape", "The Reshape layer reshape can only be used to transform a tensor of shape (N,) to a tensor of shape (1, 1, N), and vice-versa. Receives input_shape (4,) and output_shape (2, 2)."),
		diag("softmax", "final-activation", "Activation layers other than ReLU and quantized activations are not supported before a neural layer. Receives activation layer 'softmax' before a neural layer."),
		diag("dense", "dense-input-shape", "The Dense layer dense must have an input shape of (N,) or (1,1,N). Receives (2, 2)."),
		diag("zeropad", "unsupported-layer", "Layer zeropad of type ZeroPadding2D is not supported for Akida conversion"),
	})
}

func TestCheckSequenceAccepts(t *testing.T) {
	// Rescaling, conv + pool + activation, GAP block, Reshape (N,) →
	// (1, 1, N), Dense, final Softmax: everything cnn2snn accepts.
	m := modeltest.New("ok", 8, 8, 3).
		Add("rescaling", &keras.Rescaling{Scale: []float64{1.0 / 255}, Offset: []float64{0}}).
		Add("conv", qconv(4, "same")).
		Add("pool", maxpool("same")).
		Add("relu", qrelu()).
		Add("conv2", qconv(8, "same")).
		Add("gap", gap()).
		Add("relu2", qrelu()).
		Add("reshape", &keras.Reshape{TargetShape: []int{1, 1, 8}}).
		Add("dense", qdense(2)).
		Add("softmax", &keras.Activation{Activation: "softmax"}).
		Model()
	if d := compat.CheckSequence(m.Layers[1:], m.InputShape()); len(d) != 0 {
		t.Errorf("unexpected diagnostics:\n  %s", show(d))
	}
}

func TestDefaultArguments(t *testing.T) {
	fused := conv(4)
	fused.Activation = "relu"
	grouped := conv(4)
	grouped.Groups = 2
	sep := &keras.SeparableConv2D{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "same", DataFormat: "channels_last", DilationRate: []int{1, 1}, DepthMultiplier: 2, Activation: "linear"}
	// channels_first is channels-last's diagnostic (sequentialize), not a
	// second one here.
	cf := conv(4)
	cf.DataFormat = "channels_first"
	m := modeltest.New("args", 8, 8, 3).
		Add("fused", fused).
		Add("grouped", grouped).
		Add("cf", cf).
		Add("sep", sep).
		Add("dense", &keras.Dense{Units: 2, Activation: "softmax"}).
		Add("quantized", qconv(2, "same")). // quantized layers have no such arguments
		Model()
	sameDiagnostics(t, compat.CheckQuantizable(m.Layers[1:]), []compat.Diagnostic{
		diag("fused", "default-arguments", "Argument 'activation' in layer 'fused' is only supported with default value 'linear'. Receives 'relu'."),
		diag("grouped", "default-arguments", "Argument 'groups' in layer 'grouped' is only supported with default value '1'. Receives '2'."),
		diag("sep", "default-arguments", "Argument 'depth_multiplier' in layer 'sep' is only supported with default value '1'. Receives '2'."),
		diag("dense", "default-arguments", "Argument 'activation' in layer 'dense' is only supported with default value 'linear'. Receives 'softmax'."),
	})
}

func TestMessagesOfTransformAndGeneratorRules(t *testing.T) {
	bn := &keras.Layer{Name: "bn", Weights: modeltest.BatchNorm([]float32{1}, []float32{0}, []float32{0}, []float32{1})[1:]}
	for _, c := range []struct {
		got  compat.Diagnostic
		want compat.Diagnostic
	}{
		{compat.NegativeGammas("bn", 2), diag("bn", "batchnorm-negative-gamma", "There are 2 negative gammas in the batch norm layer bn. Negative gammas are not supported.")},
		{compat.NullGammas("bn", 1), diag("bn", "batchnorm-null-gamma", "There are 1 null gammas in the batch norm layer bn. Null gammas are not supported.")},
		{compat.BatchNormAxis("bn", []int{1, 2}), diag("bn", "batchnorm-last-axis", "The BatchNormalization layer bn must be applied on the last axis. Receives [1, 2].")},
		{compat.BatchNormQuantizer("bn"), diag("bn", "batchnorm-per-axis-quantizer", "The BatchNormalization layer bn can only be folded into a quantized layer that uses a quantizer per axis.")},
		{compat.MissingBatchNormWeights(bn, &keras.BatchNormalization{Center: true, Scale: false}), diag("bn", "batchnorm-weights", "The BatchNormalization layer bn has 3 weights (center=True, scale=False); cnn2snn can only fold a BatchNormalization that has gamma, beta, moving_mean and moving_variance.")},
		{compat.FirstLayerType("dense", "QuantizedDense"), diag("dense", "input-layer-type", "First layer dense must be QuantizedConv2D when model input shape is equal to 1 or 3. Received layer of type QuantizedDense")},
		{compat.UnsupportedType("relu", "ReLU"), diag("relu", "quantized-type", "Layer relu: unsupported type ReLU.")},
		{compat.BadWeightBitwidth("conv", 3), diag("conv", "weight-bitwidth", "Weight bitwidth must be in (2, 4, 8). Receives bitwidth 3 in layer 'conv'.")},
		{compat.MismatchedSeparableBits("sep"), diag("sep", "separable-bitwidth", "Quantized layer sep must have the same bitwidth for depthwise and pointwise quantizers.")},
		{compat.BadActivationBitwidth("relu", 3), diag("relu", "activation-bitwidth", "Activation bitwidth must be in (1, 2, 4). Receives bitwidth 3 in layer 'relu'.")},
		{compat.ScalingConflict("rescaling", [2]float64{255, 0}), diag("rescaling", "input-scaling-conflict", "If a Rescaling layer is present in the model, 'input_scaling' argument must be None. Receives (255.0, 0.0).")},
		{compat.ScaleNotPositive("", [2]float64{0, 1}), diag("", "input-scaling-positive", "The scale factor 'input_scaling[0]' must be strictly positive. Receives: input_scaling=(0.0, 1.0)")},
	} {
		if c.got != c.want {
			t.Errorf("got  %+v\nwant %+v", c.got, c.want)
		}
	}
}

// diag is a compat.Diagnostic with its fields named.
func diag(layer, rule, message string) compat.Diagnostic {
	return compat.Diagnostic{Layer: layer, Rule: rule, Message: message}
}
