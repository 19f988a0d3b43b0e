package convert

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
)

// The float fixtures cannot convert before they are quantized: Check lists
// exactly what stands in the way. The same fixtures, quantized the cnn2snn
// way by quantizeForTest, convert; their Akida layers are checked below.

func d(layer, rule, message string) compat.Diagnostic {
	return compat.Diagnostic{Layer: layer, Rule: rule, Message: message}
}

func checkFixture(t *testing.T, name string) *Report {
	t.Helper()
	r, err := Check(loadFixture(t, name), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Compatible {
		t.Errorf("%s: compatible before quantization", name)
	}
	return r
}

func sameDiagnostics(t *testing.T, got, want []compat.Diagnostic) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%d diagnostics, want %d", len(got), len(want))
		for i := range max(len(got), len(want)) {
			var g, w compat.Diagnostic
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("#%d\n got [%s] %s: %s\nwant [%s] %s: %s", i, g.Layer, g.Rule, g.Message, w.Layer, w.Rule, w.Message)
			}
		}
	}
}

func unsupported(layer, class string) compat.Diagnostic {
	return d(layer, "quantized-type", fmt.Sprintf("Layer %s: unsupported type %s.", layer, class))
}

func TestFloatECGCheck(t *testing.T) {
	r := checkFixture(t, "float_ecg_cnn_bn_keras2.15.h5")
	sameDiagnostics(t, r.Diagnostics, []compat.Diagnostic{
		d("conv2d", "input-layer-type", "First layer conv2d must be QuantizedConv2D when model input shape is equal to 1 or 3. Received layer of type Conv2D"),
		unsupported("re_lu", "ReLU"),
		unsupported("conv2d_1", "Conv2D"), unsupported("re_lu_1", "ReLU"),
		unsupported("conv2d_2", "Conv2D"), unsupported("re_lu_2", "ReLU"),
		unsupported("dense", "Dense"), unsupported("re_lu_3", "ReLU"),
		unsupported("dense_1", "Dense"),
	})
	want := [][]string{
		{"input_1", "conv2d", "batch_normalization", "re_lu", "max_pooling2d", "dropout"},
		{"conv2d_1", "batch_normalization_1", "re_lu_1", "max_pooling2d_1", "dropout_1"},
		{"conv2d_2", "batch_normalization_2", "re_lu_2", "max_pooling2d_2", "dropout_2"},
		{"flatten", "dense", "batch_normalization_3", "re_lu_3", "dropout_3"},
		{"dense_1"},
	}
	for i, b := range r.Blocks {
		if !slices.Equal(b.KerasLayers, want[i]) {
			t.Errorf("block %d: %v, want %v", i, b.KerasLayers, want[i])
		}
	}
}

func TestMNISTCheck(t *testing.T) {
	r := checkFixture(t, "mnist_cnn_sequential_keras3.15.keras")
	fused := func(layer, act string) compat.Diagnostic {
		return d(layer, "default-arguments", fmt.Sprintf("Argument 'activation' in layer '%s' is only supported with default value 'linear'. Receives '%s'.", layer, act))
	}
	sameDiagnostics(t, r.Diagnostics, []compat.Diagnostic{
		fused("conv2d", "relu"),
		d("conv2d", "input-layer-type", "First layer conv2d must be QuantizedConv2D when model input shape is equal to 1 or 3. Received layer of type Conv2D"),
		fused("conv2d_1", "relu"),
		d("conv2d_1", "two-neural-layers", "An activation layer is required between the two neural layers 'conv2d' and 'conv2d_1'."),
		unsupported("conv2d_1", "Conv2D"),
		fused("dense", "relu"),
		d("dense", "two-neural-layers", "An activation layer is required between the two neural layers 'conv2d_1' and 'dense'."),
		unsupported("dense", "Dense"),
		fused("dense_1", "softmax"),
		d("dense_1", "two-neural-layers", "An activation layer is required between the two neural layers 'dense' and 'dense_1'."),
		unsupported("dense_1", "Dense"),
	})
}

// TestAkidaNetFloatCheck: every layer is a float layer the generator
// refuses; the grouping is already the Akida one.
func TestAkidaNetFloatCheck(t *testing.T) {
	r := checkFixture(t, "akidanet_imagenet_224_alpha_25_keras2.10.h5")
	want := []compat.Diagnostic{
		d("conv_0", "input-layer-type", "First layer conv_0 must be QuantizedConv2D when model input shape is equal to 1 or 3. Received layer of type Conv2D"),
		unsupported("conv_0/relu", "ReLU"),
	}
	for i := 1; i < 4; i++ {
		want = append(want, unsupported(fmt.Sprintf("conv_%d", i), "Conv2D"), unsupported(fmt.Sprintf("conv_%d/relu", i), "ReLU"))
	}
	for i := 4; i <= 13; i++ {
		want = append(want, unsupported(fmt.Sprintf("separable_%d", i), "SeparableConv2D"), unsupported(fmt.Sprintf("separable_%d/relu", i), "ReLU"))
	}
	want = append(want, unsupported("classifier", "Dense"))
	sameDiagnostics(t, r.Diagnostics, want)
	if len(r.Blocks) != 15 || r.Blocks[0].AkidaType != "InputConvolutional" || r.Blocks[14].AkidaType != "FullyConnected" {
		t.Errorf("%d blocks", len(r.Blocks))
	}
	if got := r.Blocks[13].KerasLayers; !slices.Equal(got, []string{"separable_13", "separable_13/global_avg", "separable_13/BN", "separable_13/relu", "dropout"}) {
		t.Errorf("last separable block %v", got)
	}
	if *r.InputScaling != (InputScaling{Scale: 128, Shift: 128, Source: ScalingFromRescaling, Layer: "rescaling"}) {
		t.Errorf("input scaling %+v", r.InputScaling)
	}
}

// TestMobileNetVWWCheck: DepthwiseConv2D, Activation('relu') and
// AveragePooling2D have no Akida 1.0 equivalent on cnn2snn's legacy path.
func TestMobileNetVWWCheck(t *testing.T) {
	r := checkFixture(t, "mobilenetv1_vww_96_keras2.4.h5")
	finalAct := func(name string) compat.Diagnostic {
		return d(name, "final-activation", "Activation layers other than ReLU and quantized activations are not supported before a neural layer. Receives activation layer '"+name+"' before a neural layer.")
	}
	notSupported := func(name, class string) compat.Diagnostic {
		return d(name, "unsupported-layer", "Layer "+name+" of type "+class+" is not supported for Akida conversion")
	}
	suffix := func(s string, i int) string {
		if i == 0 {
			return s
		}
		return fmt.Sprintf("%s_%d", s, i)
	}
	var want []compat.Diagnostic
	for i := range 14 { // conv2d_i, BN 2i (folded), activation 2i, depthwise i, BN 2i+1, activation 2i+1
		conv := suffix("conv2d", i)
		if i == 0 {
			want = append(want, d(conv, "input-layer-type", "First layer conv2d must be QuantizedConv2D when model input shape is equal to 1 or 3. Received layer of type Conv2D"))
		} else {
			want = append(want,
				d(conv, "two-neural-layers", fmt.Sprintf("An activation layer is required between the two neural layers '%s' and '%s'.", suffix("conv2d", i-1), conv)),
				unsupported(conv, "Conv2D"))
		}
		want = append(want, finalAct(suffix("activation", 2*i)))
		if i < 13 {
			want = append(want, notSupported(suffix("depthwise_conv2d", i), "DepthwiseConv2D"),
				notSupported(suffix("batch_normalization", 2*i+1), "BatchNormalization"),
				finalAct(suffix("activation", 2*i+1)))
		}
	}
	want = append(want, notSupported("average_pooling2d", "AveragePooling2D"),
		d("dense", "default-arguments", "Argument 'activation' in layer 'dense' is only supported with default value 'linear'. Receives 'softmax'."),
		d("dense", "two-neural-layers", "An activation layer is required between the two neural layers 'conv2d_13' and 'dense'."),
		unsupported("dense", "Dense"))
	sameDiagnostics(t, r.Diagnostics, want)
	// Each depthwise layer sits in the block of the 1×1 convolution before it.
	if b := r.Blocks[1]; b.AkidaLayer != "conv2d_1" || !slices.Equal(b.KerasLayers, []string{"conv2d_1", "batch_normalization_2", "activation_2", "depthwise_conv2d_1", "batch_normalization_3", "activation_3"}) ||
		!slices.Equal(b.Incompatible, []string{"conv2d_1", "activation_2", "depthwise_conv2d_1", "batch_normalization_3", "activation_3"}) {
		t.Errorf("block 1 %+v", b)
	}
}

// TestQuantizeMLECGCheck: the quantizeml-quantized ECG model, target Akida
// 1.0: 8-bit weights and unbounded 8-bit ReLUs are not for Akida 1.0.
func TestQuantizeMLECGCheck(t *testing.T) {
	m := loadFixture(t, "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")
	v1 := Options{Target: TargetV1}
	r, err := Check(m, v1)
	if err != nil {
		t.Fatal(err)
	}
	unbounded := func(relu string) compat.Diagnostic {
		return d(relu, "qml-relu-unbounded", relu+": in AkidaVersion.v1, unbounded QuantizedReLU is not supported.")
	}
	actBits := func(relu string) compat.Diagnostic {
		return d(relu, "qml-activation-bits", relu+": in AkidaVersion.v1, activations must have 1, 2 or 4 bits (the output_quantizer bitwidth). Received: 8.")
	}
	convBits := func(conv string) compat.Diagnostic {
		return d(conv, "qml-conv-weight-bits", "Convolutional layer can only handle weights with 1, 2 or 4 bits. Received: 8.")
	}
	denseBits := func(dense string) compat.Diagnostic {
		return d(dense, "qml-dense-weight-bits", "FullyConnected layer only supports 1, 2 or 4 weight bits value. Received weight_bits=8.")
	}
	sameDiagnostics(t, r.Diagnostics, []compat.Diagnostic{
		compat.Akida1NotImplemented("model"),
		unbounded("re_lu"), actBits("re_lu"),
		convBits("conv2d_1"), unbounded("re_lu_1"), actBits("re_lu_1"),
		convBits("conv2d_2"), unbounded("re_lu_2"), actBits("re_lu_2"),
		denseBits("dense"), unbounded("re_lu_3"), actBits("re_lu_3"),
		denseBits("dense_1"),
	})
	wantBlocks := []compat.Block{
		{AkidaLayer: "conv2d", AkidaType: "InputConvolutional", KerasLayers: []string{"input_1", "conv2d", "max_pooling2d", "re_lu"}, OutputShape: []int{43, 43, 16}, WeightBits: 8, ActivationBits: 8, Activation: true, Incompatible: []string{"re_lu"}},
		{AkidaLayer: "conv2d_1", AkidaType: "Convolutional", KerasLayers: []string{"dropout", "conv2d_1", "max_pooling2d_1", "re_lu_1"}, OutputShape: []int{15, 15, 32}, WeightBits: 8, ActivationBits: 8, Activation: true, Incompatible: []string{"conv2d_1", "re_lu_1"}},
		{AkidaLayer: "conv2d_2", AkidaType: "Convolutional", KerasLayers: []string{"dropout_1", "conv2d_2", "max_pooling2d_2", "re_lu_2"}, OutputShape: []int{5, 5, 64}, WeightBits: 8, ActivationBits: 8, Activation: true, Incompatible: []string{"conv2d_2", "re_lu_2"}},
		{AkidaLayer: "dense", AkidaType: "FullyConnected", KerasLayers: []string{"dropout_2", "flatten", "dense", "re_lu_3"}, OutputShape: []int{1, 1, 96}, WeightBits: 8, ActivationBits: 8, Activation: true, Incompatible: []string{"dense", "re_lu_3"}},
		{AkidaLayer: "dense_1", AkidaType: "FullyConnected", KerasLayers: []string{"dropout_3", "dense_1", "dequantizer"}, OutputShape: []int{1, 1, 5}, WeightBits: 8, Incompatible: []string{"dense_1"}},
	}
	if !slices.EqualFunc(r.Blocks, wantBlocks, blockEqual) {
		t.Errorf("blocks:\n got %+v\nwant %+v", r.Blocks, wantBlocks)
	}
	// cnn2snn raises the first block converter's error: conv2d_1's weights.
	_, _, err = Convert(m, v1)
	expectFirstError(t, err, "qml-conv-weight-bits", "Convolutional layer can only handle weights with 1, 2 or 4 bits. Received: 8.")
}

// layerParams is a compact view of an Akida layer for the fixture tests.
type layerParams struct {
	name, kind                 string
	filters, stride, weightBit int
	pool                       int // pool_type
	actBits, activation        int
	weightsShape               []int
}

func describe(l *akida.Layer) layerParams {
	p := layerParams{name: l.Name, kind: l.Type.String(), weightBit: l.Params.Int("weights_bits"),
		pool: l.Params.Int("pool_type"), actBits: l.Params.Int("act_bits"), activation: l.Params.Int("activation"),
		filters: l.Params.Int("filters") + l.Params.Int("units"), stride: l.Params.Int("stride_x")}
	if v := l.Variable("weights"); v != nil {
		p.weightsShape = v.Shape
	}
	return p
}

func sameLayers(t *testing.T, am *akida.Model, want []layerParams) {
	t.Helper()
	if len(am.Layers) != len(want) {
		t.Fatalf("%d Akida layers, want %d", len(am.Layers), len(want))
	}
	for i, l := range am.Layers {
		got := describe(l)
		w := want[i]
		if got.name != w.name || got.kind != w.kind || got.filters != w.filters || got.stride != w.stride || got.weightBit != w.weightBit ||
			got.pool != w.pool || got.actBits != w.actBits || got.activation != w.activation || !slices.Equal(got.weightsShape, w.weightsShape) {
			t.Errorf("layer %d:\n got %+v\nwant %+v", i, got, w)
		}
		if n := len(int32sOf(l, "threshold")); l.Type != akida.InputData && n != w.filters {
			t.Errorf("layer %s: %d thresholds, want %d", l.Name, n, w.filters)
		}
	}
}

func int32sOf(l *akida.Layer, name string) []int32 {
	if v := l.Variable(name); v != nil {
		out, _ := v.Int32s()
		return out
	}
	return nil
}

func TestQuantizedAkidaNetConverts(t *testing.T) {
	am, r := convertOK(t, quantizeForTest(loadFixture(t, "akidanet_imagenet_224_alpha_25_keras2.10.h5"), 4, 4, 8), Options{})
	want := []layerParams{
		{"conv_0", "InputConvolutional", 8, 2, 8, 0, 4, 1, []int{3, 3, 3, 8}},
		{"conv_1", "Convolutional", 16, 1, 4, 0, 4, 1, []int{3, 3, 8, 16}},
		{"conv_2", "Convolutional", 32, 2, 4, 0, 4, 1, []int{3, 3, 16, 32}},
		{"conv_3", "Convolutional", 32, 1, 4, 0, 4, 1, []int{3, 3, 32, 32}},
	}
	filters := []int{64, 64, 128, 128, 128, 128, 128, 128, 256, 256}
	strides := []int{2, 1, 2, 1, 1, 1, 1, 1, 2, 1}
	in := 32
	for i, f := range filters {
		pool := 0
		if i == len(filters)-1 {
			pool = 2 // the GlobalAveragePooling2D
		}
		want = append(want, layerParams{fmt.Sprintf("separable_%d", i+4), "SeparableConvolutional", f, strides[i], 4, pool, 4, 1, []int{3, 3, in, 1}})
		in = f
	}
	want = append(want, layerParams{"classifier", "FullyConnected", 1000, 0, 4, 0, 1, 0, []int{1, 1, 256, 1000}})
	sameLayers(t, am, want)
	expectParams(t, am.Layers[0], map[string]int32{"input_width": 224, "input_height": 224, "input_channels": 3, "padding_value": 128})
	if out, err := am.OutputShape(); err != nil || out != (akida.Shape{1, 1, 1000}) {
		t.Errorf("output shape %v %v", out, err)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("warnings %q", r.Warnings)
	}
}

func TestQuantizedECGConverts(t *testing.T) {
	am, _ := convertOK(t, quantizeForTest(loadFixture(t, "float_ecg_cnn_bn_keras2.15.h5"), 4, 4, 8), Options{})
	sameLayers(t, am, []layerParams{
		{"conv2d", "InputConvolutional", 16, 1, 8, 1, 4, 1, []int{3, 3, 1, 16}},
		{"conv2d_1", "Convolutional", 32, 1, 4, 1, 4, 1, []int{3, 3, 16, 32}},
		{"conv2d_2", "Convolutional", 64, 1, 4, 1, 4, 1, []int{3, 3, 32, 64}},
		{"dense", "FullyConnected", 96, 0, 4, 0, 4, 1, []int{1, 1, 1600, 96}},
		{"dense_1", "FullyConnected", 5, 0, 4, 0, 1, 0, []int{1, 1, 96, 5}},
	})
	// MaxPooling2D 3×3 with strides 3, 'same': 128 → 43 → 15 → 5.
	expectParams(t, am.Layers[0], map[string]int32{"pooling_width": 3, "pooling_stride_x": 3, "padding": 1})
	shapes, err := am.Shapes()
	if err != nil || shapes[2].Output != (akida.Shape{5, 5, 64}) || shapes[3].Input != (akida.Shape{5, 5, 64}) {
		t.Errorf("shapes %v %v", shapes, err)
	}
}

func TestQuantizedMNISTConverts(t *testing.T) {
	m := quantizeForTest(loadFixture(t, "mnist_cnn_sequential_keras3.15.keras"), 4, 2, 8)
	am, r := convertOK(t, m, Options{})
	sameLayers(t, am, []layerParams{
		{"conv2d", "InputConvolutional", 32, 1, 8, 1, 2, 1, []int{3, 3, 1, 32}},
		{"conv2d_1", "Convolutional", 64, 1, 4, 1, 2, 1, []int{3, 3, 32, 64}},
		{"dense", "FullyConnected", 128, 0, 4, 0, 2, 1, []int{1, 1, 1600, 128}},
		{"dense_1", "FullyConnected", 10, 0, 4, 0, 1, 0, []int{1, 1, 128, 10}},
	})
	// Valid padding everywhere (padding 0); 28 → 26 → 13 → 11 → 5.
	expectParams(t, am.Layers[1], map[string]int32{"padding": 0, "pooling_width": 2})
	if got := r.Blocks[2].KerasLayers; !slices.Equal(got, []string{"flatten", "dropout", "dense", "dense_relu"}) {
		t.Errorf("dense block %v", got)
	}
	if got := r.Blocks[1].KerasLayers; !slices.Equal(got, []string{"conv2d_1", "conv2d_1_relu", "max_pooling2d_1"}) {
		t.Errorf("conv2d_1 block %v", got)
	}
}

// BenchmarkConvertAkidaNet: convert + encode of AkidaNet 0.25 quantized in
// the test (core/quantize does not exist yet).
func BenchmarkConvertAkidaNet(b *testing.B) {
	m := quantizeForTest(loadFixture(b, "akidanet_imagenet_224_alpha_25_keras2.10.h5"), 4, 4, 8)
	b.ReportAllocs()
	for b.Loop() {
		am, _, err := Convert(m, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := fbz.Encode(am, fbz.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
