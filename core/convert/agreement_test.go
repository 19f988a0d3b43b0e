package convert_test

// The converter against Keras, through core/verify: the quantized Keras
// model runs in float32 (core/infer), its conversion in the Akida integer
// simulator (core/akida/sim), on seeded inputs; every Akida layer, run
// alone on the Keras levels of the layer before it, must satisfy the
// converter's relation (conversion.md §7.5–§7.7, the core/verify package
// doc) on every value. One wrong weight, flip, flattening order, threshold
// or padding value moves a potential by a whole unit and breaks it.
//
// This is an external test package: core/verify imports core/convert.

import (
	"os"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/verify"
)

// TestTinyModelAgreesWithKeras verifies the conversion of the project-made
// cnn2snn-quantized model (testdata/make_cnn2snn_tiny.py: InputConvolutional
// with max pooling, separable, dense) on 64 random 8-bit images, with its
// Rescaling(1/255) and with Rescaling(1/128, −1): input scaling (128, 128),
// an input shift that enters the thresholds and the padding value (exactly:
// 128 is an integer, so Akida pads with the value Keras' zero padding
// stands for).
func TestTinyModelAgreesWithKeras(t *testing.T) {
	data, err := os.ReadFile("testdata/cnn2snn_tiny_keras2.15.h5")
	if err != nil {
		t.Fatal(err)
	}
	m, err := keras.Load([]keras.File{{Name: "tiny.h5", Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	shifted := m.Clone()
	*shifted.Layer("rescaling").Config.(*keras.Rescaling) = keras.Rescaling{Scale: []float64{1.0 / 128}, Offset: []float64{-1}}
	for _, c := range []struct {
		name         string
		m            *keras.Model
		scale, shift float64
	}{
		{"rescaling 1/255", m, 255, 0},
		{"rescaling 1/128, offset -1", shifted, 128, 128},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := convertAndVerify(t, c.m, 64, 1)
			checkProved(t, r, "InputConvolutional", "SeparableConvolutional", "FullyConnected")
			if r.Input.Scale != c.scale || r.Input.Shift != c.shift || r.Input.Source != convert.ScalingFromRescaling {
				t.Errorf("input %+v, want scaling (%v, %v) from the Rescaling layer", r.Input, c.scale, c.shift)
			}
			// The whole chain too: the floored thresholds move a level only
			// where a boundary falls in the floored fraction, and the last
			// layer (no activation) stays within one potential unit.
			for _, l := range r.Layers {
				if l.Agreement < 0.99 || !l.Activation && l.Agreement != 1 {
					t.Errorf("layer %s chained: %.2f%% of %d values agree with Keras %s", l.Name, 100*l.Agreement, l.Values, l.Keras)
				}
			}
		})
	}
}

// TestEveryLayerOfQuantizedFixturesAgreesWithKeras verifies the conversion
// of real topologies quantized by modeltest.Quantize (4-bit weights and
// activations, 8-bit input layer): AkidaNet 0.25 (strided and separable
// convolutions, the GAP factor, Rescaling(1/128, −1)) and the ECG CNN
// (BatchNormalization folded, max pools with Same padding, a Flatten of
// 5×5×64 into a Dense: the dense permutation).
func TestEveryLayerOfQuantizedFixturesAgreesWithKeras(t *testing.T) {
	for _, c := range []struct {
		file  string
		types []string
	}{
		{"akidanet_imagenet_224_alpha_25_keras2.10.h5", []string{"InputConvolutional",
			"Convolutional", "Convolutional", "Convolutional",
			"SeparableConvolutional", "SeparableConvolutional", "SeparableConvolutional", "SeparableConvolutional", "SeparableConvolutional",
			"SeparableConvolutional", "SeparableConvolutional", "SeparableConvolutional", "SeparableConvolutional", "SeparableConvolutional",
			"FullyConnected"}},
		{"float_ecg_cnn_bn_keras2.15.h5", []string{"InputConvolutional", "Convolutional", "Convolutional", "FullyConnected", "FullyConnected"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			m, err := keras.Load([]keras.File{{Name: c.file, Data: fixtures.ReadShared(t, "keras", c.file)}})
			if err != nil {
				t.Fatal(err)
			}
			checkProved(t, convertAndVerify(t, modeltest.Quantize(m, 4, 4, 8), 1, 1), c.types...)
		})
	}
}

// convertAndVerify converts a quantized Keras model and verifies the
// conversion on seeded inputs.
func convertAndVerify(t *testing.T, m *keras.Model, samples int, seed uint64) *verify.Result {
	t.Helper()
	am, cr, err := convert.Convert(m, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := verify.Run(verify.Models{Quantized: m, Akida: am, Scaling: *cr.InputScaling}, verify.Options{Samples: samples, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkProved checks that every Akida layer, of the given types, was
// compared and satisfies the converter's relation alone.
func checkProved(t *testing.T, r *verify.Result, types ...string) {
	t.Helper()
	if len(r.Layers) != len(types) {
		t.Fatalf("%d Akida layers compared, want %d (%v)", len(r.Layers), len(types), types)
	}
	for i, l := range r.Layers {
		iso := l.Isolated
		t.Logf("%-13s %-22s isolated: r in [%.4f, %.4f], %d boundary cases; chained: %6.2f%% of %d values agree",
			l.Name, l.Type, iso.FloorFraction[0], iso.FloorFraction[1], iso.BoundaryCases, 100*l.Agreement, l.Values)
		if l.Type != types[i] {
			t.Errorf("layer %d is %s %s, want a %s", i, l.Type, l.Name, types[i])
		}
		if !iso.Proved {
			t.Errorf("layer %s alone breaks the converter's relation: %d unexplained values, r in %v", l.Name, iso.Unexplained, iso.FloorFraction)
		}
	}
	if !r.Proved || len(r.Clamped) != 0 {
		t.Errorf("proved %v, clamped %v, first unexplained values %+v", r.Proved, r.Clamped, r.Examples)
	}
}
