package quantize_test

import (
	"os"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The float fixtures of ../shared/fixtures/keras.
const (
	akidaNet     = "akidanet_imagenet_224_alpha_25_keras2.10.h5"
	floatECG     = "float_ecg_cnn_bn_keras2.15.h5"
	mnist        = "mnist_cnn_sequential_keras3.15.keras"
	keras20JSON  = "keras2.0_conv2d_model.json"
	keras20H5    = "keras2.0_conv2d_model_weights.h5"
	mobileNetVWW = "mobilenetv1_vww_96_keras2.4.h5"
)

// loadFixture loads a Keras fixture made of the named files.
func loadFixture(t testing.TB, names ...string) *keras.Model {
	t.Helper()
	var files []keras.File
	for _, name := range names {
		b, err := os.ReadFile(fixtures.Shared(t, "keras", name))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, keras.File{Name: name, Data: b})
	}
	m, err := keras.Load(files)
	if err != nil {
		t.Fatalf("%s: %v", names[0], err)
	}
	return m
}
