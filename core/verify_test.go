package core

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Verify is Convert followed by core/verify; these tests check what the
// facade adds: the models it passes (float or already quantized), its
// errors, its progress stages and the JSON shape. The agreement figures
// themselves are core/verify's tests.

// tinyQuantized is core/convert's project-made cnn2snn-quantized model
// (8×8×1 input, Rescaling 1/255, conv + max pool, separable, dense).
func tinyQuantized(t *testing.T) []File {
	b, err := os.ReadFile(fixtures.Repo(t, "core", "convert", "testdata", "cnn2snn_tiny_keras2.15.h5"))
	if err != nil {
		t.Fatal(err)
	}
	return []File{{Name: "tiny.h5", Data: b}}
}

func TestVerifyQuantizedModel(t *testing.T) {
	r, err := Verify(tinyQuantized(t), Options{}, VerifyOptions{Samples: 32, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// A model given quantized has no float model to compare with.
	if r.FloatTop1Agreement != nil || !r.Proved || r.Samples != 32 || r.Seed != 3 {
		t.Errorf("float top-1 %v, proved %v, %d samples, seed %d", r.FloatTop1Agreement, r.Proved, r.Samples, r.Seed)
	}
	var names []string
	for _, l := range r.Layers {
		names = append(names, l.Name+"←"+l.Keras)
	}
	// The file has conv_0, its ReLU, then the max pooling; the converter
	// (and the comparison) pools first, so conv_0 ends with the ReLU.
	if want := []string{"conv_0←conv_0/relu", "separable_1←separable_1/relu", "dense←dense"}; !slices.Equal(names, want) {
		t.Errorf("layers %v, want %v", names, want)
	}
	if r.Input.Source != "rescaling" || r.Input.Bits != 8 || r.Input.Scale != 255 {
		t.Errorf("input %+v", r.Input)
	}
}

func TestVerifyFloatModel(t *testing.T) {
	files := keras20Pair(t)
	var stages []string
	var fractions []float64
	o := Options{Progress: func(stage string, f float64) {
		stages = append(stages, stage)
		fractions = append(fractions, f)
	}}
	r, err := Verify(files, o, VerifyOptions{Samples: 16})
	if err != nil {
		t.Fatal(err)
	}
	if r.FloatTop1Agreement == nil || !r.Proved || r.Samples != 16 {
		t.Errorf("float top-1 %v, proved %v, %d samples", r.FloatTop1Agreement, r.Proved, r.Samples)
	}
	// Convert's stages (fractions scaled into the first fifth, its "done"
	// left out), then one "verify" before each sample, then "done".
	want := []string{"load", "quantize", "convert", "encode"}
	for range 16 {
		want = append(want, "verify")
	}
	if want = append(want, "done"); !slices.Equal(stages, want) {
		t.Errorf("stages %v, want %v", stages, want)
	}
	if !slices.IsSorted(fractions) || fractions[4] != 0.2 || fractions[19] != 0.2+0.8*15/16 || fractions[20] != 1 {
		t.Errorf("fractions %v", fractions)
	}
	// The JSON shape of the issue: {"samples":N,"output_agreement":x,
	// "layers":[{"name","agreement","max_level_diff"}],"float_top1_agreement":y}.
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var shape struct {
		Samples            *int     `json:"samples"`
		OutputAgreement    *float64 `json:"output_agreement"`
		FloatTop1Agreement *float64 `json:"float_top1_agreement"`
		Layers             []struct {
			Name         *string  `json:"name"`
			Agreement    *float64 `json:"agreement"`
			MaxLevelDiff *float64 `json:"max_level_diff"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(b, &shape); err != nil {
		t.Fatal(err)
	}
	if shape.Samples == nil || *shape.Samples != 16 || shape.OutputAgreement == nil || shape.FloatTop1Agreement == nil || len(shape.Layers) != 2 {
		t.Fatalf("JSON %s", b)
	}
	for _, l := range shape.Layers {
		if l.Name == nil || l.Agreement == nil || l.MaxLevelDiff == nil {
			t.Errorf("layer JSON misses name, agreement or max_level_diff: %s", b)
		}
	}
}

func TestVerifyErrors(t *testing.T) {
	// A model that does not convert: Convert's error, with its report.
	vww := []File{{Name: "vww.h5", Data: fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")}}
	_, err := Verify(vww, Options{Target: "v1"}, VerifyOptions{})
	_, convertErr := Convert(vww, Options{Target: "v1"})
	var me *ModelError
	if !errors.As(err, &me) || err.Error() != convertErr.Error() || len(me.Report.Diagnostics) != 40 {
		t.Errorf("error %v, want Convert's %v", err, convertErr)
	}
	// Options are checked before anything is read.
	for _, c := range []struct {
		o    Options
		vo   VerifyOptions
		want string
	}{
		{Options{}, VerifyOptions{Samples: -2}, "verify: -2 samples requested: use 1 to 10000 (0 means 16)"},
		{Options{Target: "v3"}, VerifyOptions{}, "unknown target \"v3\": use v1 (Akida 1.0: AKD1000, AKD1500) or v2 (Akida 2.0)"},
	} {
		if _, err := Verify(nil, c.o, c.vo); err == nil || err.Error() != c.want {
			t.Errorf("error %v, want %s", err, c.want)
		}
	}
	if _, err := Verify([]File{{Name: "x.h5", Data: []byte("not a model")}}, Options{}, VerifyOptions{}); err == nil {
		t.Error("no error for a file that is not a model")
	}
}

// TestVerifyLoadsOnce counts the loads of a verification through the
// pipeline's loader, which also renames the model it returns: the name in
// the report then proves that the Keras model verified is the one loaded
// there, not one read again from the files.
func TestVerifyLoadsOnce(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []File
	}{
		{"given quantized", tinyQuantized(t)},
		{"float", keras20Pair(t)},
	} {
		t.Run(c.name, func(t *testing.T) {
			loads := 0
			p := defaultPipeline()
			p.load = func(files []File) (*keras.Model, error) {
				loads++
				m, err := keras.Load(files)
				if err == nil {
					m.Name = "loaded by the pipeline"
				}
				return m, err
			}
			r, err := p.verify(c.files, Options{}, VerifyOptions{Samples: 2})
			if err != nil {
				t.Fatal(err)
			}
			if loads != 1 || r.Model != "loaded by the pipeline" {
				t.Errorf("%d loads, report of model %q; want 1 load, of model \"loaded by the pipeline\"", loads, r.Model)
			}
		})
	}
}

// TestConvertResultKerasModels checks the Keras models Convert hands back
// (to Verify) and that they stay out of the JSON.
func TestConvertResultKerasModels(t *testing.T) {
	quantized, err := Convert(tinyQuantized(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if quantized.Keras == nil || quantized.Quantized != quantized.Keras || convert.ModelOrigin(quantized.Keras) != convert.OriginCNN2SNN {
		t.Errorf("model given quantized: Keras %p (origin %s), Quantized %p; want the same loaded cnn2snn model", quantized.Keras, originOf(quantized.Keras), quantized.Quantized)
	}
	float, err := Convert(keras20Pair(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if originOf(float.Keras) != convert.OriginFloat || originOf(float.Quantized) != convert.OriginCNN2SNN {
		t.Errorf("float model: Keras of origin %s, Quantized of origin %s; want float and cnn2snn", originOf(float.Keras), originOf(float.Quantized))
	}
	// Verify compares exactly these models (and the float one only when
	// there is one).
	for _, c := range []struct {
		res   *ConvertResult
		float *keras.Model
	}{{quantized, nil}, {float, float.Keras}} {
		m, err := verifyModels(c.res)
		if err != nil {
			t.Fatal(err)
		}
		if m.Float != c.float || m.Quantized != c.res.Quantized || m.Akida != c.res.Model || m.Scaling != *c.res.Report.InputScaling {
			t.Errorf("%s model: verify gets %+v", c.res.Report.Origin, m)
		}
	}
	b, err := json.Marshal(float)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	if keys := slices.Sorted(maps.Keys(fields)); !slices.Equal(keys, []string{"file_name", "report"}) {
		t.Errorf("ConvertResult JSON fields %v, want [file_name report]", keys)
	}
}

func originOf(m *keras.Model) string {
	if m == nil {
		return "none (nil model)"
	}
	return convert.ModelOrigin(m)
}

// keras20Pair is the Keras 2.0 float model: JSON architecture and HDF5
// weights.
func keras20Pair(t *testing.T) []File {
	return []File{
		{Name: "keras2.0_conv2d_model.json", Data: fixtures.ReadShared(t, "keras", "keras2.0_conv2d_model.json")},
		{Name: "keras2.0_conv2d_model_weights.h5", Data: fixtures.ReadShared(t, "keras", "keras2.0_conv2d_model_weights.h5")},
	}
}

// A quantizeml model is verified against its Akida 2.0 conversion, its
// layers paired by the conversion's blocks (core/verify's v2 tests check
// the figures of every quantizeml model).
func TestVerifyQuantizeMLModel(t *testing.T) {
	files := []File{{Name: "ecg.h5", Data: fixtures.ReadShared(t, "keras", "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")}}
	var stages []string
	o := Options{Progress: func(stage string, f float64) { stages = append(stages, stage) }}
	r, err := Verify(files, o, VerifyOptions{Samples: 2, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range r.Layers {
		names = append(names, l.Name+"←"+l.Keras)
	}
	if want := []string{"conv2d←re_lu", "conv2d_1←re_lu_1", "conv2d_2←re_lu_2", "dense←re_lu_3", "dense_1←dense_1", "dequantizer←dequantizer"}; !slices.Equal(names, want) {
		t.Errorf("layers %v, want %v", names, want)
	}
	if r.Target != "v2" || !r.Proved || r.Samples != 2 || r.Seed != 7 || r.FloatTop1Agreement != nil || r.OutputAgreement != 1 {
		t.Errorf("target %q, proved %v, %d samples, seed %d, float top-1 %v, top-1 %v", r.Target, r.Proved, r.Samples, r.Seed, r.FloatTop1Agreement, r.OutputAgreement)
	}
	if want := []string{"load", "quantize", "convert", "encode", "verify", "verify", "done"}; !slices.Equal(stages, want) {
		t.Errorf("stages %v, want %v", stages, want)
	}
}

// verifyModels refuses a quantizeml model converted for Akida 1.0: the
// comparison pairs quantizeml's layers with Akida 2.0 layers only.
func TestVerifyModelsQuantizeMLForV1(t *testing.T) {
	v1 := &akida.Model{}
	if err := v1.Add(akida.NewInputData("input", akida.DefaultInputData())); err != nil {
		t.Fatal(err)
	}
	res := &ConvertResult{Model: v1}
	res.Report.Origin, res.Report.Target = convert.OriginQuantizeML, "v1"
	_, err := verifyModels(res)
	if want := "verify compares a quantizeml model with its Akida 2.0 conversion, and this one was converted for the target v1: choose the target v2 (Akida 2.0) to verify it"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}
