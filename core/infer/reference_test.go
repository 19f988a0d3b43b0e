package infer

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/npy"
)

// The tfjs reference outputs (testdata/reference, written by
// tools/reference with tfjs 4.22.0 on the CPU backend). Each folder holds
// the input batch, the model output and per-layer statistics; see
// testdata/reference/README.md.

// Tolerances. Values are compared relative to the range (max − min) of
// the tfjs tensor they belong to, so a layer of logits in the hundreds
// and a softmax in [0, 1] are held to the same number of significant
// digits. Sums are compared relative to the sum of absolute values: a sum
// of many float32 terms in another order differs by a few ulps of the
// largest partial sums, not of the (possibly tiny) result.
const (
	valueTolerance = 1e-4 // the brief's bound for outputs and samples
	sumTolerance   = 1e-5
)

// referenceFolders are all folders under testdata/reference.
var referenceFolders = []string{
	"akidanet_imagenet_224_alpha_25_keras2.10",
	"float_ecg_cnn_bn_keras2.15",
	"keras2.0_conv2d_model",
	"mnist_cnn_sequential_keras3.15",
	"mobilenetv1_vww_96_keras2.4",
	"tfjs_branchy",
	"tfjs_sequential_dense",
	"tfjs_tiny_cnn",
}

// layerRecord is one line of layers.json.
type layerRecord struct {
	Name        string       `json:"name"`
	ClassName   string       `json:"class_name"`
	OutputShape []int        `json:"output_shape"`
	Sum         float64      `json:"sum"`
	AbsSum      float64      `json:"abs_sum"`
	Min         float64      `json:"min"`
	Max         float64      `json:"max"`
	Samples     [][2]float64 `json:"samples"`
}

// referenceMeta is the part of meta.json the tests read.
type referenceMeta struct {
	FixtureFiles []struct {
		File string `json:"file"`
	} `json:"fixture_files"`
}

func TestReferenceFoldersAreAllListed(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "reference"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if !slices.Equal(dirs, referenceFolders) {
		t.Fatalf("testdata/reference holds %v, the test covers %v", dirs, referenceFolders)
	}
}

// loadReferenceModel loads the model files meta.json names: bare names are
// fixtures in ../shared/fixtures/keras, paths are repository files (the
// project-made TF.js models).
func loadReferenceModel(tb testing.TB, folder string) *keras.Model {
	tb.Helper()
	var meta referenceMeta
	readJSON(tb, filepath.Join("testdata", "reference", folder, "meta.json"), &meta)
	var files []keras.File
	for _, f := range meta.FixtureFiles {
		var data []byte
		var err error
		if strings.Contains(f.File, "/") {
			data, err = os.ReadFile(fixtures.Repo(tb, f.File))
		} else {
			data, err = os.ReadFile(fixtures.Shared(tb, "keras", f.File))
		}
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, keras.File{Name: filepath.Base(f.File), Data: data})
	}
	m, err := keras.Load(files)
	if err != nil {
		tb.Fatalf("keras.Load(%s): %v", folder, err)
	}
	return m
}

func readJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

// readNPY reads a reference .npy as a Tensor (uint8 inputs become float32
// with the same integer values, as tfjs was fed).
func readNPY(tb testing.TB, path string) Tensor {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := npy.Decode(b)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	data, err := a.Float32s()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return Tensor{Shape: a.Shape, Data: data}
}

// worst keeps the largest relative error seen and where.
type worst struct {
	rel   float64
	where string
}

func (w *worst) see(rel float64, where string) {
	if rel > w.rel || math.IsNaN(rel) {
		w.rel, w.where = rel, where
	}
}

func TestMatchesTFJS(t *testing.T) {
	for _, folder := range referenceFolders {
		t.Run(folder, func(t *testing.T) {
			dir := filepath.Join("testdata", "reference", folder)
			m := loadReferenceModel(t, folder)
			input := readNPY(t, filepath.Join(dir, "input.npy"))
			want := readNPY(t, filepath.Join(dir, "output.npy"))
			var records []layerRecord
			readJSON(t, filepath.Join(dir, "layers.json"), &records)

			res, err := Run(m, input, Options{KeepLayers: true})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(res.Outputs) != 1 {
				t.Fatalf("%d outputs, want 1", len(res.Outputs))
			}
			outErr := compareOutput(t, res.Outputs[0], want)
			samples, sums := compareLayers(t, m, res, records)
			t.Logf("max relative error: output %.2e; layer samples/min/max %.2e (%s); layer sums %.2e (%s)",
				outErr, samples.rel, samples.where, sums.rel, sums.where)
		})
	}
}

// compareOutput checks the model output against output.npy, element by
// element, and returns max |go − tfjs| / (tfjs max − min).
func compareOutput(t *testing.T, got, want Tensor) float64 {
	t.Helper()
	if !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("output shape %v, tfjs %v", got.Shape, want.Shape)
	}
	span := rangeOf(want.Data)
	var rel float64
	for i, w := range want.Data {
		e := math.Abs(float64(got.Data[i])-float64(w)) / span
		if e > valueTolerance || math.IsNaN(e) {
			t.Errorf("output[%d] = %g, tfjs %g (error %.2e of the range %g)", i, got.Data[i], w, e, span)
		}
		rel = max(rel, e)
	}
	return rel
}

// rangeOf returns max − min, or 1 for a constant tensor (so that the
// tolerance stays meaningful).
func rangeOf(v []float32) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = min(lo, float64(x)), max(hi, float64(x))
	}
	if hi > lo {
		return hi - lo
	}
	return 1
}

// compareLayers checks every layers.json record: the layer exists with the
// same class, its shape, sample-0 values, min and max (relative to the
// layer's range) and its sum (relative to abs_sum). The only layer of the
// model allowed to have no record is an InputLayer that the config does
// not list (Sequential models without one).
func compareLayers(t *testing.T, m *keras.Model, res *Result, records []layerRecord) (samples, sums worst) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range records {
		seen[r.Name] = true
		l := m.Layer(r.Name)
		if l == nil || l.ClassName != r.ClassName {
			t.Errorf("tfjs layer %q (%s) is not in the Go model", r.Name, r.ClassName)
			continue
		}
		got, ok := res.Layers[r.Name]
		if !ok {
			t.Errorf("layer %q: no output kept", r.Name)
			continue
		}
		if !slices.Equal(got.Shape[1:], r.OutputShape) {
			t.Errorf("layer %q: shape %v, tfjs %v", r.Name, got.Shape[1:], r.OutputShape)
			continue
		}
		if l.OutputShape != nil && !sameKnownDims(l.OutputShape, r.OutputShape) {
			t.Errorf("layer %q: core/keras infers shape %v, tfjs %v", r.Name, l.OutputShape, r.OutputShape)
		}
		span := r.Max - r.Min
		if span == 0 {
			span = 1
		}
		check := func(what string, g, w float64) {
			e := math.Abs(g-w) / span
			samples.see(e, r.Name+" "+what)
			if e > valueTolerance || math.IsNaN(e) {
				t.Errorf("layer %q %s = %g, tfjs %g (error %.2e of the range %g)", r.Name, what, g, w, e, span)
			}
		}
		for _, s := range r.Samples {
			i := int(s[0])
			check("sample "+strconv.Itoa(i), float64(got.Data[i]), s[1])
		}
		lo, hi, sum := stats(got.Data)
		check("min", lo, r.Min)
		check("max", hi, r.Max)
		e := math.Abs(sum-r.Sum) / max(r.AbsSum, 1e-30)
		sums.see(e, r.Name)
		if e > sumTolerance || math.IsNaN(e) {
			t.Errorf("layer %q sum = %g, tfjs %g (error %.2e of abs_sum %g)", r.Name, sum, r.Sum, e, r.AbsSum)
		}
	}
	for _, l := range m.Layers {
		if !seen[l.Name] && !l.IsInput() {
			t.Errorf("Go layer %q (%s) has no tfjs record", l.Name, l.ClassName)
		}
	}
	return samples, sums
}

func sameKnownDims(keras keras.Shape, tfjs []int) bool {
	if len(keras) != len(tfjs) {
		return false
	}
	for i, d := range keras {
		if d != -1 && d != tfjs[i] {
			return false
		}
	}
	return true
}

// stats returns min, max and sum (in float64, as the reference script).
func stats(v []float32) (lo, hi, sum float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		f := float64(x)
		lo, hi, sum = min(lo, f), max(hi, f), sum+f
	}
	return lo, hi, sum
}
