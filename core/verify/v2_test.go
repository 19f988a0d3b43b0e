package verify_test

import (
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/verify"
)

// Akida 2.0: every convertible quantizeml model — the ECG fixture, the
// four small models of core/keras/testdata/quantizeml and this package's
// testdata (tools/qmlgen/make_verify_models.py) — through
// core.Verify as a user runs it, then models changed in memory so that
// each cause of a difference occurs.

type v2Case struct {
	name    string // file name
	path    func(testing.TB) string
	samples int
	// pairs are the Akida layers and the Keras layers they stand for.
	pairs [][2]string
	input verify.Input
}

const ecgQuantizeML = "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"

func smallQML(name string) func(testing.TB) string {
	return func(tb testing.TB) string { return fixtures.Repo(tb, "core", "keras", "testdata", "quantizeml", name) }
}

var v2Cases = []v2Case{
	{
		name: ecgQuantizeML, path: func(tb testing.TB) string { return fixtures.Shared(tb, "keras", ecgQuantizeML) }, samples: 16,
		pairs: [][2]string{{"conv2d", "re_lu"}, {"conv2d_1", "re_lu_1"}, {"conv2d_2", "re_lu_2"}, {"dense", "re_lu_3"}, {"dense_1", "dense_1"}, {"dequantizer", "dequantizer"}},
		input: verify.Input{Shape: [3]int{128, 128, 1}, Bits: 8, Scale: 1, Source: "uint8",
			Text: "uniform integers 0…255 (the 8-bit unsigned images the Akida model reads), the same values for the Keras model"},
	},
	{
		name: "qml_input_pad_keras2.15.h5", path: smallQML("qml_input_pad_keras2.15.h5"), samples: 64,
		pairs: [][2]string{{"conv2d", "re_lu"}, {"conv2d_1", "conv2d_1"}, {"dequantizer", "dequantizer"}},
		input: verify.Input{Shape: [3]int{5, 5, 3}, Bits: 8, Scale: 1, Source: "uint8",
			Text: `uniform integers 0…255 (the 8-bit unsigned images the Akida model reads), the same values for the Keras model (the Akida model reads them as Keras layer "rescaling" gives them)`},
	},
	{
		name: "qml_depthwise_add_gap_keras2.15.h5", path: smallQML("qml_depthwise_add_gap_keras2.15.h5"), samples: 64,
		pairs: [][2]string{{"input_quantizer", "input_quantizer"}, {"depthwise", "depthwise"}, {"conv_b", "conv_b"}, {"add", "add"},
			{"conv2d_2", "gap"}, {"dense", "dense"}, {"dequantizer", "dequantizer"}},
		input: verify.Input{Shape: [3]int{4, 4, 2}, Scale: 1, Source: "calibrated_range",
			Text: `uniform float32 values over InputQuantizer "input_quantizer"'s calibrated range per channel [-1, 0.9], [-0.5, 2], the same values for both models`},
	},
	{
		name: "qml_lut_unsigned_keras2.15.h5", path: smallQML("qml_lut_unsigned_keras2.15.h5"), samples: 64,
		pairs: [][2]string{{"input_quantizer", "input_quantizer"}, {"conv2d", "activation"}, {"dense", "dense"}, {"dequantizer", "dequantizer"}},
		input: verify.Input{Shape: [3]int{4, 4, 1}, Scale: 1, Source: "calibrated_range",
			Text: `uniform float32 values over InputQuantizer "input_quantizer"'s calibrated range [-0.5, 1.5], the same values for both models`},
	},
	{
		name: "qml_int8_residual_keras2.15.h5", samples: 64,
		path: func(tb testing.TB) string {
			return fixtures.Repo(tb, "core", "verify", "testdata", "qml_int8_residual_keras2.15.h5")
		},
		pairs: [][2]string{{"conv_a", "relu_a"}, {"conv_b", "relu_b"}, {"conv_c", "conv_c"}, {"add", "add"}, {"conv_d", "relu_d"},
			{"dw", "relu_e"}, {"conv_f", "gap"}, {"dense", "dense"}, {"dequantizer", "dequantizer"}},
		input: verify.Input{Shape: [3]int{16, 16, 3}, Bits: 8, Scale: 1, Source: "int8",
			Text: "uniform integers -128…127 (the 8-bit signed inputs the Akida model reads), the same values for the Keras model"},
	},
	{
		name: "qml_transpose_concat_keras2.15.h5", path: smallQML("qml_transpose_concat_keras2.15.h5"), samples: 64,
		pairs: [][2]string{{"input_quantizer", "input_quantizer"}, {"conv_t", "conv_t"}, {"conv_c", "conv_c"}, {"concatenate", "concatenate"},
			{"dw_t", "dw_t"}, {"dequantizer", "dequantizer"}},
		input: verify.Input{Shape: [3]int{2, 2, 1}, Scale: 1, Source: "calibrated_range",
			Text: `uniform float32 values over InputQuantizer "input_quantizer"'s calibrated range [-1, 1], the same values for both models`},
	},
}

// Every convertible quantizeml model agrees with its Akida 2.0
// conversion on every value of every layer, chained and alone (the goal
// is 99.9%: the figures are 100%), on the inputs a user would give.
func TestV2ModelsAgree(t *testing.T) {
	for _, tc := range v2Cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := os.ReadFile(tc.path(t))
			if err != nil {
				t.Fatal(err)
			}
			r, err := core.Verify([]core.File{{Name: tc.name, Data: b}}, core.Options{}, verify.Options{Samples: tc.samples, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			var pairs [][2]string
			for _, l := range r.Layers {
				pairs = append(pairs, [2]string{l.Name, l.Keras})
				t.Logf("%-16s %-24s ← %-16s %7d values: chained %.4f%% (max %v), alone %.4f%%", l.Name, l.Type, l.Keras, l.Values, 100*l.Agreement, l.MaxLevelDiff, 100*l.Isolated.Agreement)
				if l.Agreement != 1 || l.Isolated.Agreement != 1 || l.MaxLevelDiff != 0 || !l.Isolated.Proved || l.Isolated.Causes != nil || l.Isolated.Differences != nil {
					t.Errorf("layer %s: %+v", l.Name, l)
				}
				if l.Activation == (l.Type == "Dequantizer") || l.Values != tc.samples*l.Shape[0]*l.Shape[1]*l.Shape[2] {
					t.Errorf("layer %s: activation %v, %d values of shape %v", l.Name, l.Activation, l.Values, l.Shape)
				}
			}
			if !slices.Equal(pairs, tc.pairs) {
				t.Errorf("Akida ↔ Keras layers\n got %v\nwant %v", pairs, tc.pairs)
			}
			if r.Input != tc.input || r.Samples != tc.samples || r.Seed != 1 || r.Target != "v2" {
				t.Errorf("input %+v, %d samples, seed %d, target %q; want %+v", r.Input, r.Samples, r.Seed, r.Target, tc.input)
			}
			if !r.Proved || r.Unexplained != 0 || r.Explained != 0 || r.Causes != nil || r.Examples != nil || r.Notes != nil ||
				r.OutputAgreement != 1 || r.IsolatedOutputAgreement != 1 || r.FloatTop1Agreement != nil || r.BoundaryCases != 0 {
				t.Errorf("result %+v", r)
			}
			if want := tc.samples * valuesPerSample(r); r.Levels != want {
				t.Errorf("%d values compared alone, want %d", r.Levels, want)
			}
		})
	}
}

func valuesPerSample(r *verify.Result) int {
	n := 0
	for _, l := range r.Layers {
		n += l.Shape[0] * l.Shape[1] * l.Shape[2]
	}
	return n
}

// loadV2 reads a quantizeml model for a change in memory.
func loadV2(t *testing.T, tc v2Case) *keras.Model {
	t.Helper()
	b, err := os.ReadFile(tc.path(t))
	if err != nil {
		t.Fatal(err)
	}
	m, err := keras.Load([]keras.File{{Name: tc.name, Data: b}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// verifyV2 converts m and verifies it on n samples, with the Akida model
// changed by change (nil: as converted).
func verifyV2(t *testing.T, m *keras.Model, n int, change func(*akida.Model)) *verify.Result {
	t.Helper()
	am, rep, err := convert.Convert(m, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(am)
	}
	r, err := verify.Run(verify.Models{Quantized: m, Akida: am, Blocks: rep.Blocks}, verify.Options{Samples: n, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// scale multiplies a Keras weight by f.
func scale(t *testing.T, m *keras.Model, layer, weight string, f float32) {
	t.Helper()
	w := m.Layer(layer).Weight(weight)
	if w == nil {
		t.Fatalf("layer %s has no weight %s", layer, weight)
	}
	for i := range w.Values {
		w.Values[i] *= f
	}
}

// layerOf returns the named layer of a result.
func layerOf(t *testing.T, r *verify.Result, name string) verify.Layer {
	t.Helper()
	for _, l := range r.Layers {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no layer %s in the result", name)
	return verify.Layer{}
}

// onlyIn checks that the differences alone are in one layer and all of
// one cause, and that every other layer alone agrees fully.
func onlyIn(t *testing.T, r *verify.Result, layer, cause string) verify.Layer {
	t.Helper()
	var got verify.Layer
	for _, l := range r.Layers {
		if l.Name != layer {
			if l.Isolated.Agreement != 1 {
				t.Errorf("layer %s alone: %.4f equal, causes %+v", l.Name, l.Isolated.Agreement, l.Isolated.Causes)
			}
			continue
		}
		got = l
		iso := l.Isolated
		if len(iso.Causes) != 1 || iso.Causes[0].Name != cause || iso.Causes[0].Values != iso.Explained || iso.Unexplained != 0 || !iso.Proved ||
			len(iso.Differences) != min(iso.Explained, verify.MaxLayerDifferences) {
			t.Errorf("layer %s alone: %+v", l.Name, iso)
		}
		for _, d := range iso.Differences {
			if d.Cause != cause || d.Layer != layer || d.KerasLevel == d.AkidaLevel {
				t.Errorf("difference %+v", d)
			}
		}
	}
	if !r.Proved || r.Unexplained != 0 || r.Explained != got.Isolated.Explained || len(r.Causes) != 1 || r.Causes[0].Name != cause || r.Examples != nil {
		t.Errorf("result: proved %v, %d unexplained, %d explained, causes %+v", r.Proved, r.Unexplained, r.Explained, r.Causes)
	}
	return got
}

// A bias of 10⁴ on dense_1's first unit (no output quantizer: the layer
// outputs its accumulator) puts that accumulator near 7.3·10⁷, above
// 2^24: quantizeml's float32 holds it to a multiple of 8, Akida exactly.
func TestV2Float32Accumulator(t *testing.T) {
	m := loadV2(t, v2Cases[0])
	m.Layer("dense_1").Weight("bias").Values[0] = 1e4
	r := verifyV2(t, m, 8, nil)
	l := onlyIn(t, r, "dense_1", verify.CauseFloat32)
	t.Logf("dense_1: %d of %d values differ, chained max %v: %+v", l.Isolated.Explained, l.Values, l.MaxLevelDiff, l.Isolated.Differences[0])
	for _, d := range l.Isolated.Differences {
		// Only unit 0 carries the bias; the Keras value is a float32, a
		// multiple of 8 between 2^26 and 2^27, within 16 of Akida's.
		if d.Position != [3]int{0, 0, 0} || d.KerasLevel%8 != 0 || d.KerasLevel < 1<<26 || d.KerasLevel >= 1<<27 ||
			math.Abs(float64(d.KerasLevel-d.AkidaLevel)) > 16 || !strings.HasPrefix(d.Reason, "the accumulator ") {
			t.Errorf("difference %+v", d)
		}
	}
	// 8 samples: the first unit differs in all but the ones whose exact
	// value is a float32.
	if l.Isolated.Explained < 6 || l.Isolated.Explained > 8 {
		t.Errorf("%d differences, want 6 to 8", l.Isolated.Explained)
	}
}

// A bias of 3·10⁴ saturates dense_1's first accumulator: Akida at
// 2^27 − 1, quantizeml at its float32 bound 2^27. The Dequantizer alone
// then gets the Keras 2^27 as 2^27 − 1, which gives the same float32.
func TestV2SaturationBound(t *testing.T) {
	m := loadV2(t, v2Cases[0])
	m.Layer("dense_1").Weight("bias").Values[0] = 3e4
	r := verifyV2(t, m, 8, nil)
	l := onlyIn(t, r, "dense_1", verify.CauseSaturationBound)
	if l.Isolated.Explained != 8 || l.MaxLevelDiff != 1 {
		t.Errorf("%d differences, max %v; want 8 (one per sample), 1", l.Isolated.Explained, l.MaxLevelDiff)
	}
	for _, d := range l.Isolated.Differences {
		if d.KerasLevel != 1<<27 || d.AkidaLevel != 1<<27-1 || d.Reason != "the accumulator saturates: Akida at 134217727, quantizeml's float32 bound at 134217728" {
			t.Errorf("difference %+v", d)
		}
	}
}

// A rescaling rate 2^14 times smaller on re_lu's output quantizer takes
// quantizeml's output shift of conv2d from −14 to −28 on 6 channels,
// which cnn2snn clips at −27; a bias 5000 times larger gives accumulators
// that the extra shift turns from 1 into 0 (and 2 into 1).
func TestV2ClippedShift(t *testing.T) {
	m := loadV2(t, v2Cases[0])
	scale(t, m, "re_lu", "output_quantizer/rescaling_rate", 1.0/(1<<14))
	scale(t, m, "conv2d", "bias", 5000)
	r := verifyV2(t, m, 4, nil)
	l := onlyIn(t, r, "conv2d", verify.CauseClippedShift)
	want := `layer "conv2d": cnn2snn clipped the output_shift of 6 of its 16 channels at −buffer_bits + 1 (channel 0: -27, quantizeml shifts by -28), so their outputs can differ from quantizeml's (cause clipped_shift)`
	if !slices.Equal(r.Notes, []string{want}) {
		t.Errorf("notes %q\nwant %q", r.Notes, want)
	}
	d := l.Isolated.Differences[0]
	if d.KerasLevel != 0 || d.AkidaLevel != 1 || !strings.HasSuffix(d.Reason, ": Akida shifts by the stored -27, quantizeml by -28") {
		t.Errorf("difference %+v", d)
	}
	// The differences carry on into the next layers chained, not alone.
	if c := layerOf(t, r, "conv2d_1"); c.Agreement == 1 || c.Isolated.Agreement != 1 {
		t.Errorf("conv2d_1: chained %v, alone %v", c.Agreement, c.Isolated.Agreement)
	}
	t.Logf("conv2d: %d of %d values differ (%.2f%% equal)", l.Isolated.Explained, l.Values, 100*l.Isolated.Agreement)
}

// The LUT's input stage: a rescaling rate 2^15 times smaller on the conv's
// 11-bit output quantizer (activation_shift −28, clipped at −27) and a
// bias 1000 times larger.
func TestV2ClippedActivationShift(t *testing.T) {
	m := loadV2(t, v2Cases[3])
	scale(t, m, "conv2d", "output_quantizer/rescaling_rate", 1.0/(1<<15))
	scale(t, m, "conv2d", "bias", 1000)
	r := verifyV2(t, m, 16, nil)
	l := onlyIn(t, r, "conv2d", verify.CauseClippedShift)
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "clipped the activation_shift of 2 of its 2 channels") {
		t.Errorf("notes %q", r.Notes)
	}
	if d := l.Isolated.Differences[0]; !strings.HasPrefix(d.Reason, "the LUT's input stage on ") {
		t.Errorf("difference %+v", d)
	}
	t.Logf("conv2d: %d of %d values differ", l.Isolated.Explained, l.Values)
}

// An Akida model changed after conversion (conv2d_1's biases one lower:
// −121…127 become −122…126, its accumulators 2^bias_shift lower) is not
// the conversion of the Keras model: its differences have no cause, and
// the verification is not proved.
func TestV2Unexplained(t *testing.T) {
	m := loadV2(t, v2Cases[0])
	r := verifyV2(t, m, 2, func(am *akida.Model) {
		bias := am.Layer("conv2d_1").Variable("bias").Data // int8, one byte each
		for i := range bias {
			bias[i]--
		}
	})
	l := layerOf(t, r, "conv2d_1")
	if r.Proved || r.Unexplained == 0 || r.Unexplained != l.Isolated.Unexplained || l.Isolated.Proved || len(r.Examples) == 0 {
		t.Fatalf("proved %v, %d unexplained (%d in conv2d_1), examples %v", r.Proved, r.Unexplained, l.Isolated.Unexplained, r.Examples)
	}
	if e := r.Examples[0]; e.Cause != verify.CauseUnexplained || e.Layer != "conv2d_1" || !strings.Contains(e.Reason, "no named cause gives the Keras value") {
		t.Errorf("example %+v", e)
	}
	t.Logf("conv2d_1: %d unexplained of %d; %+v", l.Isolated.Unexplained, l.Values, r.Examples[0])
}

func TestV2NotComparable(t *testing.T) {
	m := loadV2(t, v2Cases[0])
	am, rep, err := convert.Convert(m, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	blocks := slices.Clone(rep.Blocks)
	blocks[1].AkidaLayer = "renamed"
	for _, tc := range []struct {
		models verify.Models
		want   string
	}{
		{verify.Models{Quantized: m, Akida: am}, "the conversion's blocks are needed to pair the Akida 2.0 layers with the Keras layers: "},
		{verify.Models{Quantized: m, Akida: am, Blocks: blocks}, `Akida layer "conv2d_1" (Conv2D) is in no block of the conversion: `},
	} {
		_, err := verify.Run(tc.models, verify.Options{Samples: 1})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || !errors.Is(err, verify.ErrNotComparable) {
			t.Errorf("error %v, want %q…", err, tc.want)
		}
	}
}
