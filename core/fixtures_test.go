package core

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// Every Keras fixture through the facade, as a user gives it: the float
// models are quantized (4, 4, 8 bits) and converted — their Akida layers
// are checked — or give their exact diagnostics.

// akidaLayer is the part of an Akida layer these tests look at.
type akidaLayer struct {
	name, kind string
	weights    []int // shape of "weights"
	params     map[string]int32
}

func convertFixture(t *testing.T, names ...string) *ConvertResult {
	t.Helper()
	var files []File
	for _, n := range names {
		files = append(files, File{Name: n, Data: fixtures.ReadShared(t, "keras", n)})
	}
	res, err := Convert(files, Options{})
	if err != nil {
		t.Fatalf("%v: %v", names, err)
	}
	return res
}

func expectAkidaLayers(t *testing.T, m *akida.Model, want []akidaLayer) {
	t.Helper()
	if len(m.Layers) != len(want) {
		t.Fatalf("%d Akida layers, want %d", len(m.Layers), len(want))
	}
	for i, w := range want {
		l := m.Layers[i]
		if l.Name != w.name || l.Type.String() != w.kind {
			t.Errorf("layer %d: %s %s, want %s %s", i, l.Name, l.Type, w.name, w.kind)
			continue
		}
		if v := l.Variable("weights"); v == nil || !slices.Equal(v.Shape, w.weights) {
			t.Errorf("layer %s: weights %v, want %v", l.Name, v, w.weights)
		}
		for k, want := range w.params {
			if got, ok := l.Params.Get(k); !ok || got != want {
				t.Errorf("layer %s: %s = %d, want %d", l.Name, k, got, want)
			}
		}
		if n := l.Params.Int("filters") + l.Params.Int("units"); l.Variable("threshold").Len() != n || l.Variable("act_step").Len() != n {
			t.Errorf("layer %s: threshold/act_step for %d neurons", l.Name, n)
		}
	}
}

func p(kv ...any) map[string]int32 {
	m := map[string]int32{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = int32(kv[i+1].(int))
	}
	return m
}

func TestAkidaNetFixtureConverts(t *testing.T) {
	res := convertFixture(t, "akidanet_imagenet_224_alpha_25_keras2.10.h5")
	want := []akidaLayer{
		{"conv_0", "InputConvolutional", []int{3, 3, 3, 8}, p("input_width", 224, "input_channels", 3, "stride_x", 2, "weights_bits", 8, "act_bits", 4, "padding_value", 128)},
		{"conv_1", "Convolutional", []int{3, 3, 8, 16}, p("stride_x", 1, "weights_bits", 4, "act_bits", 4)},
		{"conv_2", "Convolutional", []int{3, 3, 16, 32}, p("stride_x", 2)},
		{"conv_3", "Convolutional", []int{3, 3, 32, 32}, p("stride_x", 1)},
	}
	in := 32
	for i, f := range []int{64, 64, 128, 128, 128, 128, 128, 128, 256, 256} {
		pool := 0
		if i == 9 {
			pool = 2
		}
		want = append(want, akidaLayer{fmt.Sprintf("separable_%d", i+4), "SeparableConvolutional", []int{3, 3, in, 1}, p("filters", f, "pool_type", pool, "weights_bits", 4)})
		in = f
	}
	want = append(want, akidaLayer{"classifier", "FullyConnected", []int{1, 1, 256, 1000}, p("units", 1000, "activation", 0, "act_bits", 1)})
	expectAkidaLayers(t, res.Model, want)
	r := res.Report
	if r.Origin != "float" || res.FileName != "akidanet_imagenet_224_alpha_25_keras2.10.fbz" || r.FBZBytes != len(res.FBZ) {
		t.Errorf("report: origin %s, file %s", r.Origin, res.FileName)
	}
	// The model's description carries the version its file was written with.
	if r.AkidaVersion != fbz.DefaultVersion || r.Akida.Version != fbz.DefaultVersion || res.Model.Version != fbz.DefaultVersion {
		t.Errorf("versions: written %q, described %q, model %q", r.AkidaVersion, r.Akida.Version, res.Model.Version)
	}
	// The blocks list the user's layers: BatchNormalization folded, Dropout removed.
	if got := r.Blocks[0].KerasLayers; !slices.Equal(got, []string{"input", "rescaling", "conv_0", "conv_0/BN", "conv_0/relu"}) {
		t.Errorf("first block %v", got)
	}
	if got := r.Blocks[13].KerasLayers; !slices.Equal(got, []string{"separable_13", "separable_13/global_avg", "separable_13/BN", "separable_13/relu", "dropout"}) {
		t.Errorf("separable_13 block %v", got)
	}
}

func TestECGFixtureConverts(t *testing.T) {
	res := convertFixture(t, "float_ecg_cnn_bn_keras2.15.h5")
	expectAkidaLayers(t, res.Model, []akidaLayer{
		{"conv2d", "InputConvolutional", []int{3, 3, 1, 16}, p("input_width", 128, "input_channels", 1, "pool_type", 1, "pooling_width", 3, "pooling_stride_x", 3)},
		{"conv2d_1", "Convolutional", []int{3, 3, 16, 32}, p("pool_type", 1, "act_bits", 4)},
		{"conv2d_2", "Convolutional", []int{3, 3, 32, 64}, p("pool_type", 1)},
		{"dense", "FullyConnected", []int{1, 1, 1600, 96}, p("units", 96, "activation", 1)},
		{"dense_1", "FullyConnected", []int{1, 1, 96, 5}, p("units", 5, "activation", 0)},
	})
	if got := res.Report.Blocks[0].KerasLayers; !slices.Equal(got, []string{"input_1", "conv2d", "batch_normalization", "re_lu", "max_pooling2d", "dropout"}) {
		t.Errorf("first block %v", got)
	}
}

func TestMNISTFixtureConverts(t *testing.T) {
	res := convertFixture(t, "mnist_cnn_sequential_keras3.15.keras")
	expectAkidaLayers(t, res.Model, []akidaLayer{
		{"conv2d", "InputConvolutional", []int{3, 3, 1, 32}, p("input_width", 28, "padding", 0, "pool_type", 1, "pooling_width", 2)},
		{"conv2d_1", "Convolutional", []int{3, 3, 32, 64}, p("padding", 0, "pool_type", 1)},
		{"dense", "FullyConnected", []int{1, 1, 1600, 128}, p("units", 128, "activation", 1)},
		{"dense_1", "FullyConnected", []int{1, 1, 128, 10}, p("units", 10, "activation", 0)},
	})
	if got := res.Report.Blocks[2].KerasLayers; !slices.Contains(got, "dropout") || !slices.Contains(got, "flatten") {
		t.Errorf("dense block %v", got)
	}
}

func TestKeras20PairConverts(t *testing.T) {
	res := convertFixture(t, "keras2.0_conv2d_model.json", "keras2.0_conv2d_model_weights.h5")
	expectAkidaLayers(t, res.Model, []akidaLayer{
		{"conv2d_1", "InputConvolutional", []int{3, 3, 1, 2}, p("input_width", 8, "input_channels", 1, "padding", 1)},
		{"dense_1", "FullyConnected", []int{1, 1, 128, 10}, p("units", 10, "activation", 0)},
	})
	if res.FileName != "keras2.0_conv2d_model.fbz" {
		t.Errorf("file name %s", res.FileName)
	}
	// The ReLU split from conv2d_1's fused activation stays next to it,
	// before the Dropout the quantizer removed; the final softmax split
	// from dense_1 ends the last block.
	blocks := res.Report.Blocks
	if len(blocks) != 2 ||
		!slices.Equal(blocks[0].KerasLayers, []string{"conv2d_1_input", "conv2d_1", "conv2d_1/relu", "dropout_1"}) ||
		!slices.Equal(blocks[1].KerasLayers, []string{"flatten_1", "dense_1", "dense_1/softmax"}) {
		t.Errorf("blocks %+v", blocks)
	}
}

// TestMobileNetFixtureDiagnostics: DepthwiseConv2D (and the
// BatchNormalization after it, which has no layer to fold into) and
// AveragePooling2D have no Akida 1.0 equivalent. (By default the model
// converts to Akida 2.0: TestFloatModelsDefaultToAkida2.)
func TestMobileNetFixtureDiagnostics(t *testing.T) {
	_, err := Convert([]File{{Name: "vww.h5", Data: fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")}}, Options{Target: "v1"})
	var me *ModelError
	if !errors.As(err, &me) {
		t.Fatalf("error %v", err)
	}
	name := func(base string, i int) string {
		if i == 0 {
			return base
		}
		return fmt.Sprintf("%s_%d", base, i)
	}
	var want []compat.Diagnostic
	for i := range 13 {
		dw, bn := name("depthwise_conv2d", i), name("batch_normalization", 2*i+1)
		want = append(want,
			compat.Diagnostic{Layer: dw, Rule: "unsupported-layer", Message: "Layer " + dw + " of type DepthwiseConv2D is not supported for Akida conversion"},
			compat.Diagnostic{Layer: bn, Rule: "unsupported-layer", Message: "Layer " + bn + " of type BatchNormalization is not supported for Akida conversion"},
			compat.Diagnostic{Layer: name("activation", 2*i+1), Rule: "two-activations", Message: fmt.Sprintf(
				"A neural layer is required between the two activation layers '%s' and '%s'.", name("activation", 2*i), name("activation", 2*i+1))},
		)
	}
	want = append(want, compat.Diagnostic{Layer: "average_pooling2d", Rule: "unsupported-layer", Message: "Layer average_pooling2d of type AveragePooling2D is not supported for Akida conversion"})
	if !slices.Equal(me.Report.Diagnostics, want) {
		t.Errorf("%d diagnostics, want %d:\n%+v", len(me.Report.Diagnostics), len(want), me.Report.Diagnostics)
	}
	if err.Error() != want[0].Message {
		t.Errorf("error %q", err)
	}
}

func TestSubclassedFixtureIsRefused(t *testing.T) {
	_, err := Check([]File{{Name: "sub.keras", Data: fixtures.ReadShared(t, "keras", "keras3.15_subclassed_nested_container.keras")}}, Options{})
	if err == nil || !strings.Contains(err.Error(), `the model "nested_dense_model" is a subclassed Keras model (class NestedDenseModel)`) {
		t.Errorf("error %v", err)
	}
}

// The report lists the user's layers in a copy of the converter's blocks:
// the blocks on the quantized model, by which Verify pairs the layers,
// keep the quantized model's layers only.
func TestReportBlocksAreTheirOwn(t *testing.T) {
	res := convertFixture(t, "float_ecg_cnn_bn_keras2.15.h5")
	user, quantized := res.Report.Blocks[0].KerasLayers, res.QuantizedBlocks[0].KerasLayers
	if !slices.Contains(user, "batch_normalization") || slices.Contains(quantized, "batch_normalization") {
		t.Errorf("report block %v, converter's block %v: only the report's lists the folded BatchNormalization", user, quantized)
	}
	for _, name := range quantized {
		if res.Quantized.Layer(name) == nil {
			t.Errorf("the converter's block lists %q, which is not a layer of the quantized model", name)
		}
	}
}
