package quantize_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// Every float fixture, end to end through the facade (core.Convert and
// core.Check), which quantizes float models with the default 4, 4, 8 bits.

func sharedFiles(t *testing.T, names ...string) []core.File {
	t.Helper()
	var files []core.File
	for _, name := range names {
		files = append(files, core.File{Name: name, Data: fixtures.ReadShared(t, "keras", name)})
	}
	return files
}

// tfjsFiles reads a project-made TF.js model of core/keras/testdata/tfjs.
func tfjsFiles(t testing.TB, name string) []core.File {
	t.Helper()
	dir := fixtures.Repo(t, "core", "keras", "testdata", "tfjs", name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []core.File
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, core.File{Name: e.Name(), Data: b})
	}
	return files
}

// akidaLayer is what the tests assert of each Akida layer: name, type,
// parameters (a subset) and the shape of every variable.
type akidaLayer struct {
	name      string
	kind      akida.LayerType
	params    map[string]int32
	variables map[string][]int
}

// convertFixture converts through the facade, checks the Akida layers and
// that the .fbz decodes to the same model, and returns the result.
func convertFixture(t *testing.T, files []core.File, want []akidaLayer) *core.ConvertResult {
	t.Helper()
	res, err := core.Convert(files, core.Options{})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	m := res.Model
	if len(m.Layers) != len(want) {
		t.Fatalf("%d Akida layers, want %d", len(m.Layers), len(want))
	}
	for i, w := range want {
		l := m.Layers[i]
		if l.Name != w.name || l.Type != w.kind {
			t.Errorf("layer %d: %s %s, want %s %s", i, l.Name, l.Type, w.name, w.kind)
			continue
		}
		for k, v := range w.params {
			if got, ok := l.Params.Get(k); !ok || got != v {
				t.Errorf("%s: %s = %d, want %d", l.Name, k, got, v)
			}
		}
		var names []string
		for _, v := range l.Variables {
			names = append(names, v.Name)
			if !slices.Equal(v.Shape, w.variables[v.Name]) {
				t.Errorf("%s: variable %s has shape %v, want %v", l.Name, v.Name, v.Shape, w.variables[v.Name])
			}
		}
		if len(names) != len(w.variables) {
			t.Errorf("%s: variables %v, want %d", l.Name, names, len(w.variables))
		}
	}
	back, err := fbz.Decode(res.FBZ)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Layers) != len(m.Layers) {
		t.Fatalf(".fbz round trip: %d layers", len(back.Layers))
	}
	for i, l := range m.Layers {
		if !l.Equal(back.Layers[i]) {
			t.Errorf(".fbz round trip: layer %s differs", l.Name)
		}
	}
	if !res.Report.Compatible || res.Report.Origin != "float" || res.Report.Quantization == nil || len(res.Report.Diagnostics) != 0 {
		t.Errorf("report: compatible %v, origin %s, diagnostics %v", res.Report.Compatible, res.Report.Origin, res.Report.Diagnostics)
	}
	return res
}

// kinds counts the quantization's actions by kind.
func kinds(r *quantize.Report) map[string]int {
	out := map[string]int{}
	for _, a := range r.Actions {
		out[a.Kind]++
	}
	return out
}

// maxValues lists the QuantizedReLU max_values in model order.
func maxValues(r *quantize.Report) []string {
	var out []string
	for _, a := range r.Actions {
		if a.Kind == quantize.ActionQuantizeReLU {
			out = append(out, fmt.Sprintf("%s=%v %s", a.Layer, *a.MaxValue, a.MaxValueSource))
		}
	}
	return out
}

func conv(name string, kind akida.LayerType, filters, cin, stride int32, weightBits int32) akidaLayer {
	w := map[string][]int{"weights": {3, 3, int(cin), int(filters)}, "threshold": {int(filters)}, "act_step": {int(filters)}}
	if kind == akida.SeparableConvolutional {
		w["weights"] = []int{3, 3, int(cin), 1}
		w["weights_pw"] = []int{1, 1, int(cin), int(filters)}
	}
	return akidaLayer{name, kind, map[string]int32{"filters": filters, "kernel_width": 3, "kernel_height": 3,
		"stride_x": stride, "stride_y": stride, "weights_bits": weightBits, "act_bits": 4, "activation": 1}, w}
}

// TestAkidaNet: the float AkidaNet 0.25 (BatchNormalization everywhere,
// ReLU(6), a leading Rescaling) becomes InputConvolutional, three
// Convolutional, ten SeparableConvolutional and a FullyConnected.
func TestAkidaNet(t *testing.T) {
	input := conv("conv_0", akida.InputConvolutional, 8, 3, 2, 8)
	maps.Copy(input.params, map[string]int32{"input_width": 224, "input_height": 224, "input_channels": 3,
		"padding": 1, "padding_value": 128, "pool_type": 0})
	input.variables["wta_groups"] = []int{8}
	last := conv("separable_13", akida.SeparableConvolutional, 256, 256, 1, 4)
	last.params["pool_type"] = 2 // the global average pooling
	res := convertFixture(t, sharedFiles(t, akidaNet), []akidaLayer{
		input,
		conv("conv_1", akida.Convolutional, 16, 8, 1, 4),
		conv("conv_2", akida.Convolutional, 32, 16, 2, 4),
		conv("conv_3", akida.Convolutional, 32, 32, 1, 4),
		conv("separable_4", akida.SeparableConvolutional, 64, 32, 2, 4),
		conv("separable_5", akida.SeparableConvolutional, 64, 64, 1, 4),
		conv("separable_6", akida.SeparableConvolutional, 128, 64, 2, 4),
		conv("separable_7", akida.SeparableConvolutional, 128, 128, 1, 4),
		conv("separable_8", akida.SeparableConvolutional, 128, 128, 1, 4),
		conv("separable_9", akida.SeparableConvolutional, 128, 128, 1, 4),
		conv("separable_10", akida.SeparableConvolutional, 128, 128, 1, 4),
		conv("separable_11", akida.SeparableConvolutional, 128, 128, 1, 4),
		conv("separable_12", akida.SeparableConvolutional, 256, 128, 2, 4),
		last,
		{"classifier", akida.FullyConnected, map[string]int32{"units": 1000, "weights_bits": 4, "activation": 0},
			map[string][]int{"weights": {1, 1, 256, 1000}, "threshold": {1000}, "act_step": {1000}}},
	})
	r := res.Report
	// The Rescaling(1/128, −1) gives Akida input = 128·x + 128.
	if s := r.InputScaling; s == nil || *s != (convert.InputScaling{Scale: 128, Shift: 128, Source: "rescaling", Layer: "rescaling"}) {
		t.Errorf("input scaling %+v", s)
	}
	q := r.Quantization
	if got := kinds(q); fmt.Sprint(got) != "map[fold-batchnorm:14 quantize-layer:15 quantize-relu:14 remove-dropout:1]" {
		t.Errorf("actions %v", got)
	}
	for _, a := range q.Actions {
		if a.Extension || (a.Kind == quantize.ActionQuantizeReLU && (*a.MaxValue != 6 || a.MaxValueSource != quantize.MaxValueKept)) {
			t.Errorf("action %s", a.Text)
		}
	}
	if q.Calibration != nil {
		t.Error("AkidaNet's bounded ReLUs were calibrated")
	}
	if b := r.Blocks[0]; !slices.Equal(b.KerasLayers, []string{"input", "rescaling", "conv_0", "conv_0/BN", "conv_0/relu"}) {
		t.Errorf("first block %q", b.KerasLayers)
	}
	if b := r.Blocks[13]; !slices.Equal(b.KerasLayers, []string{"separable_13", "separable_13/global_avg", "separable_13/BN", "separable_13/relu", "dropout"}) {
		t.Errorf("block 13 %q", b.KerasLayers)
	}
}

// TestFloatECG: unbounded ReLUs calibrated on seeded 0…255 images,
// MaxPooling2D moved before them, Dropouts removed, and the Dense after the
// Flatten of a 5×5×64 map (the FullyConnected reads 1600 inputs).
func TestFloatECG(t *testing.T) {
	pooled := func(l akidaLayer) akidaLayer {
		maps.Copy(l.params, map[string]int32{"pool_type": 1, "pooling_width": 3, "pooling_height": 3, "pooling_stride_x": 3, "pooling_stride_y": 3, "stride_x": 1})
		return l
	}
	input := pooled(conv("conv2d", akida.InputConvolutional, 16, 1, 1, 8))
	maps.Copy(input.params, map[string]int32{"input_width": 128, "input_height": 128, "input_channels": 1, "padding_value": 0})
	input.variables["wta_groups"] = []int{16}
	res := convertFixture(t, sharedFiles(t, floatECG), []akidaLayer{
		input,
		pooled(conv("conv2d_1", akida.Convolutional, 32, 16, 1, 4)),
		pooled(conv("conv2d_2", akida.Convolutional, 64, 32, 1, 4)),
		{"dense", akida.FullyConnected, map[string]int32{"units": 96, "weights_bits": 4, "act_bits": 4, "activation": 1},
			map[string][]int{"weights": {1, 1, 1600, 96}, "threshold": {96}, "act_step": {96}}},
		{"dense_1", akida.FullyConnected, map[string]int32{"units": 5, "weights_bits": 4, "activation": 0},
			map[string][]int{"weights": {1, 1, 96, 5}, "threshold": {5}, "act_step": {5}}},
	})
	q := res.Report.Quantization
	if got := kinds(q); fmt.Sprint(got) != "map[fold-batchnorm:4 move-max-pool:3 quantize-layer:5 quantize-relu:4 remove-dropout:4]" {
		t.Errorf("actions %v", got)
	}
	// Regression values of the seeded calibration (deterministic: same
	// seed, same order, on every platform).
	sameStrings(t, "max_values", maxValues(q), []string{
		"re_lu=1700 calibrated", "re_lu_1=1100 calibrated", "re_lu_2=880 calibrated", "re_lu_3=750 calibrated"})
	if c := q.Calibration; c.Source != quantize.CalibrationSeeded || c.Samples != 16 || len(c.ReLUs) != 4 || c.ReLUs[0].Outputs != 16*43*43*16 {
		t.Errorf("calibration %+v", c)
	}
	sameStrings(t, "first block", res.Report.Blocks[0].KerasLayers,
		[]string{"input_1", "conv2d", "batch_normalization", "re_lu", "max_pooling2d", "dropout"})
	sameStrings(t, "dense block", res.Report.Blocks[3].KerasLayers,
		[]string{"flatten", "dense", "batch_normalization_3", "re_lu_3", "dropout_3"})
}

// TestMNISTKeras3: a Keras 3 Sequential .keras with fused relu and a final
// softmax.
func TestMNISTKeras3(t *testing.T) {
	input := conv("conv2d", akida.InputConvolutional, 32, 1, 1, 8)
	maps.Copy(input.params, map[string]int32{"input_width": 28, "input_height": 28, "input_channels": 1, "padding": 0,
		"pool_type": 1, "pooling_width": 2, "pooling_stride_x": 2})
	input.variables["wta_groups"] = []int{32}
	second := conv("conv2d_1", akida.Convolutional, 64, 32, 1, 4)
	maps.Copy(second.params, map[string]int32{"padding": 0, "pool_type": 1, "pooling_width": 2})
	res := convertFixture(t, sharedFiles(t, mnist), []akidaLayer{
		input, second,
		{"dense", akida.FullyConnected, map[string]int32{"units": 128, "weights_bits": 4, "act_bits": 4, "activation": 1},
			map[string][]int{"weights": {1, 1, 1600, 128}, "threshold": {128}, "act_step": {128}}},
		{"dense_1", akida.FullyConnected, map[string]int32{"units": 10, "weights_bits": 4, "activation": 0},
			map[string][]int{"weights": {1, 1, 128, 10}, "threshold": {10}, "act_step": {10}}},
	})
	q := res.Report.Quantization
	if got := kinds(q); fmt.Sprint(got) != "map[final-activation:1 move-max-pool:2 quantize-layer:4 quantize-relu:3 remove-dropout:1 split-activation:3]" {
		t.Errorf("actions %v", got)
	}
	sameStrings(t, "max_values", maxValues(q), []string{
		"conv2d/relu=200 calibrated", "conv2d_1/relu=230 calibrated", "dense/relu=520 calibrated"})
	sameStrings(t, "last block", res.Report.Blocks[3].KerasLayers, []string{"dense_1", "dense_1/softmax"})
}

// TestKeras20Pair: the Keras 2.0 JSON + weights pair (Conv2D with fused
// relu, Dense with fused softmax).
func TestKeras20Pair(t *testing.T) {
	input := conv("conv2d_1", akida.InputConvolutional, 2, 1, 1, 8)
	maps.Copy(input.params, map[string]int32{"input_width": 8, "input_height": 8, "input_channels": 1, "padding": 1, "pool_type": 0})
	input.variables["wta_groups"] = []int{2}
	res := convertFixture(t, sharedFiles(t, keras20JSON, keras20H5), []akidaLayer{
		input,
		{"dense_1", akida.FullyConnected, map[string]int32{"units": 10, "weights_bits": 4, "activation": 0},
			map[string][]int{"weights": {1, 1, 128, 10}, "threshold": {10}, "act_step": {10}}},
	})
	q := res.Report.Quantization
	sameStrings(t, "actions", actionKinds(q), []string{
		"split-activation conv2d_1", "final-activation dense_1", "remove-dropout dropout_1",
		"quantize-layer conv2d_1", "quantize-relu conv2d_1/relu", "quantize-layer dense_1"})
	sameStrings(t, "max_values", maxValues(q), []string{"conv2d_1/relu=430 calibrated"})
}

// TestTFJSSequentialDense: a features model (InputData path) with a fused
// relu calibrated on uniform [0, 1) inputs and a final sigmoid.
func TestTFJSSequentialDense(t *testing.T) {
	res := convertFixture(t, tfjsFiles(t, "sequential_dense"), []akidaLayer{
		{"sequential_dense_input", akida.InputData, map[string]int32{"input_width": 1, "input_height": 1, "input_channels": 20}, map[string][]int{}},
		// cnn2snn gives the first neural layer the input weight bits even
		// when it is not the input layer.
		{"dense_relu", akida.FullyConnected, map[string]int32{"units": 32, "weights_bits": 8, "act_bits": 4, "activation": 1},
			map[string][]int{"weights": {1, 1, 20, 32}, "threshold": {32}, "act_step": {32}}},
		{"dense_sigmoid", akida.FullyConnected, map[string]int32{"units": 4, "weights_bits": 4, "activation": 0},
			map[string][]int{"weights": {1, 1, 32, 4}, "threshold": {4}, "act_step": {4}}},
	})
	if c := res.Report.Quantization.Calibration; c.Inputs != "uniform floats in [0, 1)" {
		t.Errorf("calibration inputs %q", c.Inputs)
	}
}

// TestMobileNetVWWDiagnostics: MobileNet v1 quantizes (its Activation
// ReLUs become calibrated QuantizedReLUs) but does not convert for Akida
// 1.0: each DepthwiseConv2D, the BatchNormalization after it (nothing to
// fold into), the second of two activations in a row, and the
// AveragePooling2D. (By default it converts for Akida 2.0.)
func TestMobileNetVWWDiagnostics(t *testing.T) {
	r, err := core.Check(sharedFiles(t, mobileNetVWW), core.Options{Target: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	var want []compat.Diagnostic
	for i := 1; i <= 13; i++ {
		dw := "depthwise_conv2d"
		if i > 1 {
			dw = fmt.Sprintf("depthwise_conv2d_%d", i-1)
		}
		bn := fmt.Sprintf("batch_normalization_%d", 2*i-1)
		prev, act := "activation", fmt.Sprintf("activation_%d", 2*i-1)
		if i > 1 {
			prev = fmt.Sprintf("activation_%d", 2*i-2)
		}
		want = append(want,
			compat.Diagnostic{Layer: dw, Rule: "unsupported-layer", Message: "Layer " + dw + " of type DepthwiseConv2D is not supported for Akida conversion"},
			compat.Diagnostic{Layer: bn, Rule: "unsupported-layer", Message: "Layer " + bn + " of type BatchNormalization is not supported for Akida conversion"},
			compat.Diagnostic{Layer: act, Rule: "two-activations", Message: "A neural layer is required between the two activation layers '" + prev + "' and '" + act + "'."})
	}
	want = append(want, compat.Diagnostic{Layer: "average_pooling2d", Rule: "unsupported-layer", Message: "Layer average_pooling2d of type AveragePooling2D is not supported for Akida conversion"})
	if r.Compatible || !slices.Equal(r.Diagnostics, want) {
		t.Errorf("%d diagnostics:\n got  %q\n want %q", len(r.Diagnostics), r.Diagnostics, want)
	}
	q := r.Quantization
	if got := kinds(q); fmt.Sprint(got) != "map[activation-to-relu:27 final-activation:1 fold-batchnorm:14 quantize-layer:15 quantize-relu:27]" {
		t.Errorf("actions %v", got)
	}
	if len(q.Calibration.ReLUs) != 27 {
		t.Errorf("%d ReLUs calibrated", len(q.Calibration.ReLUs))
	}
	_, err = core.Convert(sharedFiles(t, mobileNetVWW), core.Options{Target: "v1"})
	var me *core.ModelError
	if !errors.As(err, &me) || err.Error() != want[0].Message || len(me.Report.Diagnostics) != 40 || me.Report.Quantization == nil {
		t.Errorf("convert: %v", err)
	}
}

// TestTFJSTinyCNN: the project's tiny CNN (DepthwiseConv2D, a pooling
// chain after a separable layer) gives its exact diagnostics.
func TestTFJSTinyCNN(t *testing.T) {
	r, err := core.Check(tfjsFiles(t, "tiny_cnn"), core.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []compat.Diagnostic{
		{Layer: "dw_1", Rule: "unsupported-layer", Message: "Layer dw_1 of type DepthwiseConv2D is not supported for Akida conversion"},
		{Layer: "dw_1_bn", Rule: "unsupported-layer", Message: "Layer dw_1_bn of type BatchNormalization is not supported for Akida conversion"},
		{Layer: "dw_1_relu", Rule: "two-activations", Message: "A neural layer is required between the two activation layers 'conv_0_relu6' and 'dw_1_relu'."},
		{Layer: "gap", Rule: "pooling-after-conv", Message: "Pooling layer gap must be placed after a convolutional neural layer. Currently after pool_3."},
		{Layer: "dense", Rule: "two-neural-layers", Message: "An activation layer is required between the two neural layers 'sep_2' and 'dense'."},
	}
	if r.Compatible || !slices.Equal(r.Diagnostics, want) {
		t.Errorf("diagnostics %q", r.Diagnostics)
	}
	sameStrings(t, "max_values", maxValues(r.Quantization), []string{"conv_0_relu6=6 kept", "dw_1_relu=16 calibrated"})
}

// TestTFJSBranchy: a model of several branches cannot be quantized; the
// report gives sequentialize's problems once, and the per-layer problems
// of every layer, which cnn2snn would only meet once the model is one
// chain (extensions).
func TestTFJSBranchy(t *testing.T) {
	r, err := core.Check(tfjsFiles(t, "branchy"), core.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []compat.Diagnostic{
		{Layer: "add", Rule: "single-inbound-layer", Message: "Layer add must have only one inbound layer. Receives 2."},
		{Layer: "", Rule: "single-branch", Message: "The model contains more than one sequential branch."},
		{Layer: "branch_a", Rule: "default-arguments", Message: "Argument 'activation' in layer 'branch_a' is only supported with default value 'linear'. Receives 'relu'.", Extension: true},
		{Layer: "pad", Rule: "unsupported-layer", Message: "Layer pad of type ZeroPadding2D is not supported for Akida conversion", Extension: true},
		{Layer: "avg_pool", Rule: "unsupported-layer", Message: "Layer avg_pool of type AveragePooling2D is not supported for Akida conversion", Extension: true},
		{Layer: "branch_c", Rule: "default-arguments", Message: "Argument 'activation' in layer 'branch_c' is only supported with default value 'linear'. Receives 'sigmoid'.", Extension: true},
		{Layer: "dense", Rule: "dense-input-shape", Message: "The Dense layer dense must have an input shape of (N,) or (1,1,N). Receives (9, 28).", Extension: true},
	}
	if r.Compatible || !slices.Equal(r.Diagnostics, want) || len(r.Quantization.Actions) != 0 {
		t.Errorf("diagnostics %q, actions %v", r.Diagnostics, r.Quantization.Actions)
	}
	_, err = core.Convert(tfjsFiles(t, "branchy"), core.Options{})
	var me *core.ModelError
	if !errors.As(err, &me) || err.Error() != "Layer add must have only one inbound layer. Receives 2." || !slices.Equal(me.Report.Diagnostics, want) {
		t.Errorf("convert: %v", err)
	}
}

// TestQuantizeMLFixture: a model quantized with quantizeml is not
// cnn2snn.quantize's business.
func TestQuantizeMLFixture(t *testing.T) {
	m := loadFixture(t, "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")
	_, _, err := quantize.Model(m, quantize.DefaultOptions())
	if !errors.Is(err, quantize.ErrQuantizeML) || err.Error() != `model "model" (layer "conv2d" is QuantizedConv2D from quantizeml): `+quantize.ErrQuantizeML.Error() {
		t.Errorf("error %v", err)
	}
}
