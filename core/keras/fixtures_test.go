package keras

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// expectedModel is one entry of testdata/expected_fixtures.json, written
// by tools/kerasgen/expected.py from h5py and numpy.
type expectedModel struct {
	Files        []string `json:"files"`
	Format       Format   `json:"format"`
	KerasVersion string   `json:"keras_version"`
	Name         *string  `json:"name"`
	ClassName    string   `json:"class_name"`
	Layers       []struct {
		Name      string   `json:"name"`
		ClassName string   `json:"class_name"`
		Inbound   []string `json:"inbound"`
		Weights   []struct {
			Name  string  `json:"name"`
			Shape []int   `json:"shape"`
			Sum   float64 `json:"sum"`
		} `json:"weights"`
	} `json:"layers"`
	TotalParams int     `json:"total_params"`
	WeightsSum  float64 `json:"weights_sum"`
}

func loadExpected(t testing.TB) []expectedModel {
	t.Helper()
	var e struct {
		Models []expectedModel `json:"models"`
	}
	if err := json.Unmarshal(readTestdata(t, "expected_fixtures.json"), &e); err != nil {
		t.Fatal(err)
	}
	return e.Models
}

// filesOf reads a model's files: "tfjs/…" paths from testdata, the others
// from ../shared/fixtures/keras (the test skips where it is absent).
func filesOf(t testing.TB, names []string) []File {
	t.Helper()
	var files []File
	for _, n := range names {
		var data []byte
		if strings.HasPrefix(n, "tfjs/") {
			data = readTestdata(t, strings.Split(n, "/")...)
		} else {
			data = fixtures.ReadShared(t, "keras", n)
		}
		files = append(files, File{Name: filepath.Base(n), Data: data})
	}
	return files
}

// referenceShapes returns layer name → output shape computed by TF.js
// (tools/reference), or nil when that model has no reference.
func referenceShapes(t *testing.T, dir string) map[string]Shape {
	t.Helper()
	if dir == "" {
		return nil
	}
	b, err := os.ReadFile(fixtures.Repo(t, "core", "infer", "testdata", "reference", dir, "layers.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var layers []struct {
		Name        string `json:"name"`
		OutputShape Shape  `json:"output_shape"`
	}
	if err := json.Unmarshal(b, &layers); err != nil {
		t.Fatal(err)
	}
	out := map[string]Shape{}
	for _, l := range layers {
		out[l.Name] = l.OutputShape
	}
	return out
}

// referenceDir names the tools/reference folder of a model.
func referenceDir(e expectedModel) string {
	first := e.Files[0]
	switch {
	case strings.HasPrefix(first, "tfjs/"):
		return "tfjs_" + strings.Split(first, "/")[1]
	case first == "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5":
		return "" // TF.js cannot run quantizeml layers: TestFixtureFigures checks its shapes
	}
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(first, ".h5"), ".keras"), ".json")
}

func closeSum(got, want float64) bool {
	return math.Abs(got-want) <= 1e-7+1e-9*math.Abs(want)
}

// Every model among the fixtures (and the project's TF.js models) loads
// with the layer list, inbound names, weight names, shapes and sums that
// h5py reads, and the output shapes that TF.js computes.
func TestLoadFixtures(t *testing.T) {
	for _, e := range loadExpected(t) {
		t.Run(e.Files[0], func(t *testing.T) {
			m, err := Load(filesOf(t, e.Files))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if m.Format != e.Format || m.KerasVersion != e.KerasVersion || m.Class != e.ClassName {
				t.Errorf("format %q version %q class %q, want %q %q %q", m.Format, m.KerasVersion, m.Class, e.Format, e.KerasVersion, e.ClassName)
			}
			if e.Name != nil && m.Name != *e.Name {
				t.Errorf("name %q, want %q", m.Name, *e.Name)
			}
			if len(m.Layers) != len(e.Layers) {
				t.Fatalf("%d layers, want %d", len(m.Layers), len(e.Layers))
			}
			shapes := referenceShapes(t, referenceDir(e))
			checked := 0
			sum := 0.0
			for i, want := range e.Layers {
				l := m.Layers[i]
				if l.Name != want.Name || l.ClassName != want.ClassName {
					t.Errorf("layer %d is %s (%s), want %s (%s)", i, l.Name, l.ClassName, want.Name, want.ClassName)
					continue
				}
				if len(l.Inbound) != 0 || len(want.Inbound) != 0 {
					if !reflect.DeepEqual(l.Inbound, want.Inbound) {
						t.Errorf("%s inbound %v, want %v", l.Name, l.Inbound, want.Inbound)
					}
				}
				if s, ok := shapes[l.Name]; ok {
					checked++
					if !reflect.DeepEqual(l.OutputShape, s) {
						t.Errorf("%s output shape %v, TF.js gives %v", l.Name, l.OutputShape, s)
					}
				}
				if len(l.Weights) != len(want.Weights) {
					t.Errorf("%s has %d weights, want %d", l.Name, len(l.Weights), len(want.Weights))
					continue
				}
				for j, w := range want.Weights {
					got := l.Weights[j]
					if got.Name != w.Name || !reflect.DeepEqual(got.Shape, w.Shape) {
						t.Errorf("%s weight %d is %s %v, want %s %v", l.Name, j, got.Name, got.Shape, w.Name, w.Shape)
					}
					s := sumOf(got.Values)
					sum += s
					if !closeSum(s, w.Sum) {
						t.Errorf("%s/%s sum %.12g, want %.12g", l.Name, w.Name, s, w.Sum)
					}
				}
			}
			if shapes != nil && checked < len(m.Layers)-1 {
				t.Errorf("only %d of %d output shapes were compared with TF.js", checked, len(m.Layers))
			}
			if m.Params() != e.TotalParams {
				t.Errorf("%d params, want %d", m.Params(), e.TotalParams)
			}
			if !closeSum(sum, e.WeightsSum) {
				t.Errorf("sum of all weights %.12g, want %.12g", sum, e.WeightsSum)
			}
		})
	}
}

func sumOf(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x)
	}
	return s
}

func loadShared(t *testing.T, names ...string) *Model {
	t.Helper()
	m, err := Load(filesOf(t, names))
	if err != nil {
		t.Fatalf("Load(%v): %v", names, err)
	}
	return m
}

// Figures stated in the fixture README, checked independently of the
// generated expectations.
func TestFixtureFigures(t *testing.T) {
	t.Run("akidanet", func(t *testing.T) {
		m := loadShared(t, "akidanet_imagenet_224_alpha_25_keras2.10.h5")
		if len(m.Layers) != 47 || m.Name != "akidanet_0.25_160_1000" {
			t.Errorf("%d layers, name %q", len(m.Layers), m.Name)
		}
		last := m.Layers[len(m.Layers)-1]
		if last.Name != "classifier" || !reflect.DeepEqual(last.OutputShape, Shape{1000}) {
			t.Errorf("last layer %s %v", last.Name, last.OutputShape)
		}
		if got := m.InputShape(); !reflect.DeepEqual(got, Shape{224, 224, 3}) {
			t.Errorf("input shape %v", got)
		}
		conv0 := m.Layer("conv_0")
		if len(conv0.Weights) != 1 || conv0.Weight("kernel") == nil || conv0.Weight("bias") != nil {
			t.Errorf("conv_0 (use_bias false) weights %v", weightNames(conv0))
		}
		sep := m.Layer("separable_4")
		if got := weightNames(sep); !reflect.DeepEqual(got, []string{"depthwise_kernel", "pointwise_kernel"}) {
			t.Errorf("separable_4 weights %v", got)
		}
		if got := m.Layer("separable_4/BN").Inbound; !reflect.DeepEqual(got, []string{"separable_4"}) {
			t.Errorf("separable_4/BN inbound %v", got)
		}
		counts := classCounts(m)
		if counts["SeparableConv2D"] != 10 || counts["BatchNormalization"] != 14 || counts["ReLU"] != 14 || counts["Conv2D"] != 4 {
			t.Errorf("class counts %v", counts)
		}
	})
	t.Run("mobilenetv1", func(t *testing.T) {
		m := loadShared(t, "mobilenetv1_vww_96_keras2.4.h5")
		counts := classCounts(m)
		if len(m.Layers) != 85 || counts["DepthwiseConv2D"] != 13 || counts["Conv2D"] != 14 || counts["BatchNormalization"] != 27 {
			t.Errorf("%d layers, counts %v", len(m.Layers), counts)
		}
		dw := m.Layer("depthwise_conv2d")
		if got := weightNames(dw); !reflect.DeepEqual(got, []string{"depthwise_kernel", "bias"}) || !reflect.DeepEqual(dw.Weights[0].Shape, []int{3, 3, 8, 1}) {
			t.Errorf("depthwise_conv2d weights %v %v", got, dw.Weights[0].Shape)
		}
	})
	t.Run("mnist keras3", func(t *testing.T) {
		m := loadShared(t, "mnist_cnn_sequential_keras3.15.keras")
		if m.Class != "Sequential" || m.Format != FormatKeras3Zip || m.KerasVersion != "3.15.1" || m.Backend != "" {
			t.Errorf("class %s format %s version %s backend %q", m.Class, m.Format, m.KerasVersion, m.Backend)
		}
		if got := m.Layer("dense").Weight("kernel").Shape; !reflect.DeepEqual(got, []int{1600, 128}) {
			t.Errorf("dense kernel shape %v", got)
		}
	})
	t.Run("quantizeml", func(t *testing.T) {
		m := loadShared(t, "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")
		relu := m.Layer("re_lu")
		if got := weightNames(relu); !reflect.DeepEqual(got, []string{"output_quantizer/range_max", "output_quantizer/rescaling_rate"}) {
			t.Errorf("re_lu weights %v", got)
		}
		if relu.Package != "Custom" || relu.Origin() != OriginQuantizeML {
			t.Errorf("re_lu package %q origin %v", relu.Package, relu.Origin())
		}
		if m.Layer("input_1").Config.(*InputLayer).Dtype != "uint8" {
			t.Error("input dtype is not uint8")
		}
		// Pooling 3x3/3 "same" before each ReLU: ceil(128/3) = 43, 15, 5,
		// and 5*5*64 = 1600 inputs to dense (its kernel is (1600, 96)).
		want := []string{
			"input_1 (InputLayer) <-  : (None, 128, 128, 1)",
			"conv2d (QuantizedConv2D) <- input_1 : (None, 128, 128, 16)",
			"max_pooling2d (QuantizedMaxPool2D) <- conv2d : (None, 43, 43, 16)",
			"re_lu (QuantizedReLU) <- max_pooling2d : (None, 43, 43, 16)",
			"dropout (QuantizedDropout) <- re_lu : (None, 43, 43, 16)",
			"conv2d_1 (QuantizedConv2D) <- dropout : (None, 43, 43, 32)",
			"max_pooling2d_1 (QuantizedMaxPool2D) <- conv2d_1 : (None, 15, 15, 32)",
			"re_lu_1 (QuantizedReLU) <- max_pooling2d_1 : (None, 15, 15, 32)",
			"dropout_1 (QuantizedDropout) <- re_lu_1 : (None, 15, 15, 32)",
			"conv2d_2 (QuantizedConv2D) <- dropout_1 : (None, 15, 15, 64)",
			"max_pooling2d_2 (QuantizedMaxPool2D) <- conv2d_2 : (None, 5, 5, 64)",
			"re_lu_2 (QuantizedReLU) <- max_pooling2d_2 : (None, 5, 5, 64)",
			"dropout_2 (QuantizedDropout) <- re_lu_2 : (None, 5, 5, 64)",
			"flatten (QuantizedFlatten) <- dropout_2 : (None, 1600)",
			"dense (QuantizedDense) <- flatten : (None, 96)",
			"re_lu_3 (QuantizedReLU) <- dense : (None, 96)",
			"dropout_3 (QuantizedDropout) <- re_lu_3 : (None, 96)",
			"dense_1 (QuantizedDense) <- dropout_3 : (None, 5)",
			"dequantizer (Dequantizer) <- dense_1 : (None, 5)",
		}
		if got := layerSummary(m); !reflect.DeepEqual(got, want) {
			t.Errorf("layers:\n got %q\nwant %q", got, want)
		}
	})
}

func weightNames(l *Layer) []string {
	var names []string
	for _, w := range l.Weights {
		names = append(names, w.Name)
	}
	return names
}

func classCounts(m *Model) map[string]int {
	c := map[string]int{}
	for _, l := range m.Layers {
		c[l.ClassName]++
	}
	return c
}

// The project-made files of tools/kerasgen/make_testdata.py load with the
// weights the script wrote.
func TestLoadProjectFiles(t *testing.T) {
	var e struct {
		Models []struct {
			Name   string   `json:"name"`
			Files  []string `json:"files"`
			Layers []struct {
				Name    string `json:"name"`
				Weights []struct {
					Name  string  `json:"name"`
					Shape []int   `json:"shape"`
					Sum   float64 `json:"sum"`
				} `json:"weights"`
			} `json:"layers"`
			TotalParams int `json:"total_params"`
			// The files made for issue 13 also give these, and the load's
			// exact warnings.
			Format       Format   `json:"format"`
			KerasVersion string   `json:"keras_version"`
			ClassName    string   `json:"class_name"`
			Warnings     []string `json:"warnings"`
		} `json:"models"`
	}
	if err := json.Unmarshal(readTestdata(t, "expected_project.json"), &e); err != nil {
		t.Fatal(err)
	}
	formats := map[string]struct {
		format  Format
		version string
		class   string
	}{
		"keras3_legacy":          {FormatKeras3H5, "3.15.1", "Sequential"},
		"tf213_checkpoint_deps":  {FormatKeras3Zip, "2.13.1", "Functional"},
		"keras3_nested_deflated": {FormatKeras3Zip, "3.15.1", "Functional"},
		"keras2_nested":          {FormatKeras2H5, "2.15.0", "Functional"},
		"keras2_chunked_names":   {FormatKeras2H5, "2.15.0", "Functional"},
		"keras3_weights":         {FormatWeightsH5JSON, "", "Sequential"},
	}
	for _, want := range e.Models {
		t.Run(want.Name, func(t *testing.T) {
			var files []File
			for _, f := range want.Files {
				files = append(files, File{Name: filepath.Base(f), Data: readTestdata(t, strings.Split(f, "/")...)})
			}
			m, err := Load(files)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			f, ok := formats[want.Name]
			if !ok {
				f.format, f.version, f.class = want.Format, want.KerasVersion, want.ClassName
			}
			if m.Format != f.format || m.KerasVersion != f.version || m.Class != f.class {
				t.Errorf("format %s version %s class %s, want %+v", m.Format, m.KerasVersion, m.Class, f)
			}
			if len(m.Warnings) != 0 || len(want.Warnings) != 0 {
				if !reflect.DeepEqual(m.Warnings, want.Warnings) {
					t.Errorf("warnings\n %q\nwant %q", m.Warnings, want.Warnings)
				}
			}
			var names []string
			for _, l := range m.Layers {
				names = append(names, l.Name)
			}
			var wantNames []string
			for _, l := range want.Layers {
				wantNames = append(wantNames, l.Name)
			}
			if !reflect.DeepEqual(names, wantNames) {
				t.Fatalf("layers %v, want %v", names, wantNames)
			}
			for i, wl := range want.Layers {
				l := m.Layers[i]
				if len(l.Weights) != len(wl.Weights) {
					t.Errorf("%s: weights %v, want %d", l.Name, weightNames(l), len(wl.Weights))
					continue
				}
				for j, w := range wl.Weights {
					got := l.Weights[j]
					if got.Name != w.Name || !reflect.DeepEqual(got.Shape, w.Shape) || !closeSum(sumOf(got.Values), w.Sum) {
						t.Errorf("%s weight %d: %s %v sum %g, want %s %v sum %g", l.Name, j, got.Name, got.Shape, sumOf(got.Values), w.Name, w.Shape, w.Sum)
					}
				}
			}
			if m.Params() != want.TotalParams {
				t.Errorf("%d params, want %d", m.Params(), want.TotalParams)
			}
		})
	}
}
