package sim_test

// Real Keras models, quantized the cnn2snn way (sim.CNN2SNNQuantized),
// converted by core/convert and simulated by this package, against the
// same quantized models run in float32 by core/infer. Neither side is akida
// itself; core/verify runs both on seeded inputs and checks the relation
// the converter is built on (conversion.md §7.5–§7.7, the core/verify
// package doc): each Akida layer, run alone on the Keras levels of the
// layer before it, has its potential p − T above the Keras pre-activation
// x (in potential units) by r = th − ⌊th⌋ ∈ [0, 1), constant per neuron.
// One wrong multiply-accumulate here (a kernel not flipped, a padded cell,
// a flattening order, a pooling window) moves p by a non-zero integer and
// r out of [0, 1).
//
// This is an external test package: core/verify imports core/akida/sim.

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/sim"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/verify"
)

func TestConvertedAkidaNetMatchesKeras(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: runs AkidaNet 0.25 at 224×224")
	}
	// 224×224×3 with Rescaling(1/128, −1): input scaling (128, 128),
	// padding_value 128; strided convolutions, 10 separable layers, global
	// average pooling.
	r := verifyFixture(t, "akidanet_imagenet_224_alpha_25_keras2.10.h5", 15)
	// The whole chain: levels agree in the input layer but for values on a
	// floored boundary, and drift apart with depth as the flooring of each
	// threshold moves its levels' boundaries by up to one potential unit
	// (logged for the record; the exact check is the isolated one).
	if first := r.Layers[0]; first.Agreement < 0.999 {
		t.Errorf("input layer %s: only %.2f%% of the levels equal Keras'", first.Name, 100*first.Agreement)
	}
}

func TestConvertedECGMatchesKeras(t *testing.T) {
	// 128×128×1 input (an InputConvolutional), 3×3 max pools of stride 3
	// with Same padding (128 → 43: a padded row and column at the end), and
	// Flatten of 5×5×64 into a Dense: the (C, Y, X) order end to end.
	verifyFixture(t, "float_ecg_cnn_bn_keras2.15.h5", 5)
}

// verifyFixture quantizes a Keras fixture, converts it and verifies the
// conversion on one seeded input: there must be the given number of Akida
// layers, each satisfying the converter's relation alone.
func verifyFixture(t *testing.T, file string, layers int) *verify.Result {
	t.Helper()
	km := sim.CNN2SNNQuantized(t, file)
	am, cr, err := convert.Convert(km, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := verify.Run(verify.Models{Quantized: km, Akida: am, Scaling: *cr.InputScaling}, verify.Options{Samples: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range r.Layers {
		iso := l.Isolated
		t.Logf("%-13s %-22s %7d values, alone: r in [%.4f, %.4f], proved %-5v | chained: %6.2f%% agree",
			l.Name, l.Type, l.Values, iso.FloorFraction[0], iso.FloorFraction[1], iso.Proved, 100*l.Agreement)
	}
	if len(r.Layers) != layers || !r.Proved || len(r.Clamped) != 0 {
		t.Errorf("%d Akida layers compared (want %d), proved %v, clamped %v; first unexplained values %+v", len(r.Layers), layers, r.Proved, r.Clamped, r.Examples)
	}
	return r
}
