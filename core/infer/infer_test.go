package infer

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

func TestKeepLayers(t *testing.T) {
	m := loadReferenceModel(t, "tfjs_branchy")
	input := readNPY(t, filepath.Join("testdata", "reference", "tfjs_branchy", "input.npy"))
	kept, err := Run(m, input, Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(kept.Layers) != len(m.Layers) {
		t.Errorf("KeepLayers kept %d layers, the model has %d", len(kept.Layers), len(m.Layers))
	}
	for _, l := range m.Layers {
		got, ok := kept.Layers[l.Name]
		if !ok || !slices.Equal(got.Shape[1:], l.OutputShape) {
			t.Errorf("layer %q: kept %v (%v), core/keras shape %v", l.Name, got.Shape, ok, l.OutputShape)
		}
	}
	// Without KeepLayers: no per-layer map, the same outputs. (branchy's
	// input feeds three layers, so it must survive until the last one.)
	plain, err := Run(m, input, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Layers != nil {
		t.Errorf("Layers = %d entries without KeepLayers, want nil", len(plain.Layers))
	}
	if !slices.Equal(plain.Outputs[0].Data, kept.Outputs[0].Data) || !slices.Equal(plain.Outputs[0].Shape, []int{4, 9, 4}) {
		t.Error("outputs differ with and without KeepLayers")
	}
	if !slices.Equal(plain.Outputs[0].Data, kept.Layers["softmax"].Data) {
		t.Error("the output is not the softmax layer's output")
	}
}

func TestRunIsDeterministic(t *testing.T) {
	m := loadReferenceModel(t, "tfjs_tiny_cnn")
	input := readNPY(t, filepath.Join("testdata", "reference", "tfjs_tiny_cnn", "input.npy"))
	a, err := Run(m, input, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Run(m, input, Options{})
	if !slices.Equal(a.Outputs[0].Data, b.Outputs[0].Data) {
		t.Error("two runs on the same input differ")
	}
}

// The quantizeml ECG fixture run with QuantizeMLAsFloat: every layer is
// approximated, shapes follow core/keras, and the first QuantizedConv2D
// computes the float convolution of its float weights (checked here
// against a direct float64 sum over the real file's kernel). It cannot be
// compared with its float parent's tfjs output: quantizeml folded the
// BatchNormalizations and the model was then fine-tuned, so its weights
// differ (dense_1's first kernel value is 0.2506 here, 0.2663 in the
// float file).
func TestQuantizeMLAsFloat(t *testing.T) {
	data, err := os.ReadFile(fixtures.Shared(t, "keras", "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := keras.Load([]keras.File{{Name: "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5", Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	input := readNPY(t, filepath.Join("testdata", "reference", "float_ecg_cnn_bn_keras2.15", "input.npy"))
	if _, err := Run(m, input, Options{}); err == nil {
		t.Fatal("a quantizeml model ran without QuantizeMLAsFloat")
	}
	res, err := Run(m, input, Options{QuantizeMLAsFloat: true, KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	wantApprox := []string{"conv2d", "max_pooling2d", "re_lu", "dropout", "conv2d_1", "max_pooling2d_1", "re_lu_1", "dropout_1",
		"conv2d_2", "max_pooling2d_2", "re_lu_2", "dropout_2", "flatten", "dense", "re_lu_3", "dropout_3", "dense_1", "dequantizer"}
	if !slices.Equal(res.Approximated, wantApprox) {
		t.Errorf("Approximated = %v\nwant %v", res.Approximated, wantApprox)
	}
	for _, l := range m.Layers {
		got := res.Layers[l.Name]
		if !slices.Equal(got.Shape[1:], l.OutputShape) {
			t.Errorf("layer %q: shape %v, core/keras %v", l.Name, got.Shape[1:], l.OutputShape)
		}
		for _, v := range got.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("layer %q: non-finite value %v", l.Name, v)
			}
		}
	}
	// conv2d: 3×3 same, 1 input channel, 16 filters, on a 128×128 image.
	conv := m.Layer("conv2d")
	kernel, bias := conv.Weight("kernel").Values, conv.Weight("bias").Values
	out := res.Layers["conv2d"]
	for _, p := range [][3]int{{0, 0, 0}, {5, 7, 3}, {127, 127, 15}, {64, 0, 9}} {
		y, x, f := p[0], p[1], p[2]
		want := float64(bias[f])
		for ky := range 3 {
			for kx := range 3 {
				iy, ix := y+ky-1, x+kx-1
				if iy >= 0 && iy < 128 && ix >= 0 && ix < 128 {
					want += float64(input.Data[iy*128+ix]) * float64(kernel[(ky*3+kx)*16+f])
				}
			}
		}
		got := float64(out.Data[(y*128+x)*16+f])
		if math.Abs(got-want) > 1e-5*max(1, math.Abs(want)) {
			t.Errorf("conv2d at (%d, %d) filter %d = %v, direct sum %v", y, x, f, got, want)
		}
	}
}
