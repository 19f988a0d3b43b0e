package verify_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/verify"
)

// Every Keras fixture that converts, through core.Verify as a user runs
// it: the float model quantized by core/quantize (4, 4, 8 bits), converted
// by core/convert and simulated by core/akida/sim, against the quantized
// model run by core/infer, on seeded uniform inputs.

type fixtureCase struct {
	files   []string
	samples int
	// pairs are the Akida layers and the Keras layers they stand for.
	pairs [][2]string
	input verify.Input
	// maxBoundaryRate is a ceiling on the measured isolated boundary rate
	// (a regression pin with margin, not a claim of the spec: see the
	// logged figure).
	maxBoundaryRate float64
	// minOutputAgreement is a floor on the chained top-1 agreement.
	minOutputAgreement float64
}

var fixtureCases = []fixtureCase{
	{
		files: []string{"keras2.0_conv2d_model.json", "keras2.0_conv2d_model_weights.h5"}, samples: 64,
		pairs: [][2]string{{"conv2d_1", "conv2d_1/relu"}, {"dense_1", "dense_1"}},
		input: verify.Input{Shape: [3]int{8, 8, 1}, Bits: 8, Scale: 1, Source: "default",
			Text: "uniform integers 0…255 (8-bit Akida inputs), the same values for the Keras models (input scaling 1, 0)"},
		maxBoundaryRate: 0.001, minOutputAgreement: 1,
	},
	{
		files: []string{"mnist_cnn_sequential_keras3.15.keras"}, samples: 32,
		pairs: [][2]string{{"conv2d", "conv2d/relu"}, {"conv2d_1", "conv2d_1/relu"}, {"dense", "dense/relu"}, {"dense_1", "dense_1"}},
		input: verify.Input{Shape: [3]int{28, 28, 1}, Bits: 8, Scale: 1, Source: "default",
			Text: "uniform integers 0…255 (8-bit Akida inputs), the same values for the Keras models (input scaling 1, 0)"},
		maxBoundaryRate: 0.005, minOutputAgreement: 1,
	},
	{
		files: []string{"float_ecg_cnn_bn_keras2.15.h5"}, samples: 32,
		pairs: [][2]string{{"conv2d", "re_lu"}, {"conv2d_1", "re_lu_1"}, {"conv2d_2", "re_lu_2"}, {"dense", "re_lu_3"}, {"dense_1", "dense_1"}},
		input: verify.Input{Shape: [3]int{128, 128, 1}, Bits: 8, Scale: 1, Source: "default",
			Text: "uniform integers 0…255 (8-bit Akida inputs), the same values for the Keras models (input scaling 1, 0)"},
		maxBoundaryRate: 0.005, minOutputAgreement: 0.85,
	},
	{
		files: []string{"akidanet_imagenet_224_alpha_25_keras2.10.h5"}, samples: 4,
		pairs: akidaNetPairs(),
		input: verify.Input{Shape: [3]int{224, 224, 3}, Bits: 8, Scale: 128, Shift: 128, Source: "rescaling",
			Text: "uniform integers 0…255 (8-bit Akida inputs), given as they are to the Keras models, whose Rescaling layer scales them"},
		maxBoundaryRate: 0.025, minOutputAgreement: 1,
	},
}

func akidaNetPairs() [][2]string {
	pairs := [][2]string{{"conv_0", "conv_0/relu"}, {"conv_1", "conv_1/relu"}, {"conv_2", "conv_2/relu"}, {"conv_3", "conv_3/relu"}}
	for i := 4; i <= 13; i++ {
		name := fmt.Sprintf("separable_%d", i)
		pairs = append(pairs, [2]string{name, name + "/relu"})
	}
	return append(pairs, [2]string{"classifier", "classifier"})
}

func TestFixturesAgree(t *testing.T) {
	for _, fc := range fixtureCases {
		t.Run(fc.files[0], func(t *testing.T) {
			var files []core.File
			for _, n := range fc.files {
				files = append(files, core.File{Name: n, Data: fixtures.ReadShared(t, "keras", n)})
			}
			r, err := core.Verify(files, core.Options{}, verify.Options{Samples: fc.samples, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			checkFixture(t, fc, r, fc.samples)
		})
	}
}

func checkFixture(t *testing.T, fc fixtureCase, r *verify.Result, samples int) {
	t.Helper()
	var pairs [][2]string
	for _, l := range r.Layers {
		pairs = append(pairs, [2]string{l.Name, l.Keras})
	}
	if !slices.Equal(pairs, fc.pairs) {
		t.Errorf("Akida ↔ Keras layers\n got %v\nwant %v", pairs, fc.pairs)
	}
	if r.Input != fc.input || r.Samples != samples || r.Seed != 1 {
		t.Errorf("input %+v, %d samples, seed %d; want %+v, %d samples, seed 1", r.Input, r.Samples, r.Seed, fc.input, samples)
	}
	if !r.Proved || r.Unexplained != 0 || len(r.Clamped) != 0 || len(r.Notes) != 0 {
		t.Errorf("proved %v, %d unexplained, clamped %v, notes %v: %+v", r.Proved, r.Unexplained, r.Clamped, r.Notes, r.Examples)
	}
	// The input layer reads the model input in both runs: they are one.
	first := r.Layers[0]
	if first.Agreement != first.Isolated.Agreement || first.MaxLevelDiff != first.Isolated.MaxLevelDiff {
		t.Errorf("input layer: chained %v (max %v), isolated %v (max %v): the same run", first.Agreement, first.MaxLevelDiff, first.Isolated.Agreement, first.Isolated.MaxLevelDiff)
	}
	for _, l := range r.Layers {
		iso := l.Isolated
		t.Logf("%-13s %-22s s %8.2f…%-9.2f isolated: %6.2f%% equal, %5d boundary cases (%.3f%%), r in [%.3f, %.3f] spread %.4f | chained: %6.2f%% equal, max diff %5.2f",
			l.Name, l.Type, iso.Interval[0], iso.Interval[1], 100*iso.Agreement, iso.BoundaryCases, 100*float64(iso.BoundaryCases)/float64(l.Values),
			iso.FloorFraction[0], iso.FloorFraction[1], iso.FloorSpread, 100*l.Agreement, l.MaxLevelDiff)
		// Every interval is at least one potential unit here, so a boundary
		// case is one level.
		if iso.Interval[0] < 1 && l.Activation || iso.MaxLevelDiff > 1 {
			t.Errorf("layer %s: interval from %v, isolated levels differ by up to %v", l.Name, iso.Interval[0], iso.MaxLevelDiff)
		}
		if !l.Activation && (iso.BoundaryCases != 0 || iso.Agreement != 1) {
			t.Errorf("layer %s without activation: %d boundary cases, agreement %v", l.Name, iso.BoundaryCases, iso.Agreement)
		}
	}
	if r.BoundaryCases == 0 || r.BoundaryRate > fc.maxBoundaryRate {
		t.Errorf("boundary rate %.4f%% (%d of %d levels), want above 0 and at most %.3f%%", 100*r.BoundaryRate, r.BoundaryCases, r.Levels, 100*fc.maxBoundaryRate)
	}
	if r.IsolatedOutputAgreement != 1 || r.OutputAgreement < fc.minOutputAgreement || r.FloatTop1Agreement == nil {
		t.Errorf("top-1: last layer alone %v, chained %v (want at least %v), float %v", r.IsolatedOutputAgreement, r.OutputAgreement, fc.minOutputAgreement, r.FloatTop1Agreement)
	}
	t.Logf("%d samples: boundary cases %d of %d levels (%.3f%%); top-1 agreement: chained %.2f%%, last layer alone %.2f%%, float Keras vs Akida %.2f%%",
		r.Samples, r.BoundaryCases, r.Levels, 100*r.BoundaryRate, 100*r.OutputAgreement, 100*r.IsolatedOutputAgreement, 100**r.FloatTop1Agreement)
}
