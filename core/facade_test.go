package core

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

func fixture(t *testing.T, dir, name string) File {
	t.Helper()
	return File{Name: name, Data: fixtures.ReadShared(t, dir, name)}
}

// withTestQuantizer is the pipeline with modeltest.Quantize standing in for
// core/quantize, honouring the bit widths.
func withTestQuantizer() pipeline {
	return pipeline{load: keras.Load, quantize: func(m *keras.Model, bits QuantizeOptions, _ []byte, _ int) (*keras.Model, *quantize.Report, error) {
		return modeltest.Quantize(m, bits.Weights, bits.Activations, bits.InputWeights), nil, nil
	}}
}

func TestDetectKind(t *testing.T) {
	h5 := fixture(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")
	fbzFile := fixture(t, "akida", "v233_ei_pose_fc.fbz")
	for _, c := range []struct {
		files []File
		want  Kind
	}{
		{nil, KindNone},
		{[]File{{Name: "empty.h5"}}, KindNone},
		{[]File{h5}, KindKeras},
		{[]File{fbzFile}, KindFBZ},
		{[]File{{Name: "model", Data: fbzFile.Data}}, KindFBZ}, // recognised by its content
		{[]File{{Name: "model.json", Data: []byte(`{"format": "layers-model"}`)}, {Name: "group1-shard1of1.bin", Data: []byte{1}}}, KindKeras},
		{[]File{{Name: "x", Data: []byte("not a model")}}, KindKeras}, // keras.Load explains it
		// Content before names (issue 13).
		{[]File{{Name: "model.keras", Data: h5.Data}}, KindKeras},       // an .h5 named .keras
		{[]File{{Name: "model.fbz", Data: h5.Data}}, KindKeras},         // a Keras file named .fbz
		{[]File{{Name: "model.h5", Data: fbzFile.Data}}, KindFBZ},       // an .fbz named .h5
		{[]File{{Name: "model.fbz", Data: []byte("damaged")}}, KindFBZ}, // Summarize says what is wrong
		{[]File{{Name: "model.json", Data: []byte(`"{\"class_name\": \"Sequential\"}"`)}}, KindKeras},
		{[]File{{Name: "model.json", Data: []byte(`{"modelTopology": {}}`)}, {Name: "group1-shard1of1", Data: []byte{1, 2, 3, 4}}}, KindKeras},
	} {
		if got := DetectKind(c.files); got != c.want {
			t.Errorf("%d files (%v…): %s, want %s", len(c.files), names(c.files), got, c.want)
		}
	}
}

func names(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}

func TestInspect(t *testing.T) {
	r, err := Inspect([]File{fixture(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "model" || len(r.Layers) != 22 || r.TotalParams != 178309 {
		t.Errorf("inspect: %s, %d layers, %d params", r.Name, len(r.Layers), r.TotalParams)
	}
	if _, err := Inspect([]File{{Name: "x.fbz", Data: fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz")}}); err == nil ||
		!strings.Contains(err.Error(), "this is an Akida model (.fbz), not a Keras model") {
		t.Errorf("inspect of an .fbz: %v", err)
	}
}

// An Akida model is told by its content, not its name: inspect, check and
// convert of an .fbz without its extension say what it is (before issue
// 13, "this is not a Keras model file").
func TestAkidaModelByContent(t *testing.T) {
	files := []File{{Name: "download", Data: fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz")}}
	_, errInspect := Inspect(files)
	_, errCheck := Check(files, Options{})
	_, errConvert := Convert(files, Options{})
	for what, err := range map[string]error{"inspect": errInspect, "check": errCheck, "convert": errConvert} {
		var fe *keras.FormatError
		if !errors.Is(err, keras.ErrAkidaModel) || !errors.As(err, &fe) || fe.File != "download" || err.Error() != keras.ErrAkidaModel.Error() {
			t.Errorf("%s: %v, want keras.ErrAkidaModel about download", what, err)
		}
	}
}

// How the files were read is a warning of every report: the inspect
// report's, and the check and convert reports' before the converter's.
func TestLoadWarningsInReports(t *testing.T) {
	dir := fixtures.Repo(t, "core", "keras", "testdata", "keras2_double_encoded")
	files := []File{readFile(t, dir, "model.json"), readFile(t, dir, "model_weights.h5")}
	want := "model.json: the file holds the model's JSON inside a JSON string (as json.dump(model.to_json(), f) writes it); " +
		"it was read as the JSON it holds. Write the JSON itself: open(\"model.json\", \"w\").write(model.to_json())"
	inspect, err := Inspect(files)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inspect.Warnings, []string{want}) {
		t.Errorf("inspect warnings %q", inspect.Warnings)
	}
	check, err := Check(files, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(check.Warnings) == 0 || check.Warnings[0] != want || !slices.Equal(check.Keras.Warnings, []string{want}) {
		t.Errorf("check warnings %q, keras report warnings %q", check.Warnings, check.Keras.Warnings)
	}
	// The JSON of a plain file has no "warnings" key in its inspect report.
	plain, err := Inspect([]File{fixture(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(plain); strings.Contains(string(b), `"warnings"`) {
		t.Errorf("a plain file's inspect report has warnings: %s", b)
	}
}

func readFile(t *testing.T, dir, name string) File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return File{Name: name, Data: b}
}

func TestCheckJSONShape(t *testing.T) {
	r, err := Check([]File{fixture(t, "keras", "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")}, Options{Target: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Model      string `json:"model"`
		Compatible *bool  `json:"compatible"`
		Blocks     []struct {
			AkidaLayer  string   `json:"akida_layer"`
			AkidaType   string   `json:"akida_type"`
			KerasLayers []string `json:"keras_layers"`
		} `json:"blocks"`
		Diagnostics []struct{ Layer, Rule, Message string } `json:"diagnostics"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	if j.Model != "model" || j.Compatible == nil || *j.Compatible || len(j.Blocks) != 5 || j.Blocks[0].AkidaLayer != "conv2d" ||
		j.Blocks[0].AkidaType != "InputConvolutional" || !slices.Equal(j.Blocks[0].KerasLayers, []string{"input_1", "conv2d", "max_pooling2d", "re_lu"}) {
		t.Errorf("json %s", b)
	}
	if d := j.Diagnostics[1]; d.Layer != "re_lu" || d.Rule != "qml-relu-unbounded" || d.Message != "re_lu: in AkidaVersion.v1, unbounded QuantizedReLU is not supported." {
		t.Errorf("first diagnostic %+v", d)
	}
	for _, key := range []string{`"layer":`, `"rule":`, `"message":`, `"input_scaling"`} {
		if key == `"input_scaling"` {
			if strings.Contains(string(b), key) { // quantizeml path: no input scaling
				t.Errorf("quantizeml report has an input scaling: %s", b)
			}
			continue
		}
		if !strings.Contains(string(b), key) {
			t.Errorf("json lacks %s", key)
		}
	}
}

func TestConvertWithQuantizer(t *testing.T) {
	var stages []string
	file := fixture(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")
	res, err := withTestQuantizer().convert([]File{file}, Options{
		Quantize: QuantizeOptions{Weights: 2, Activations: 2}, AkidaVersion: "2.18.2",
		Progress: func(stage string, f float64) { stages = append(stages, stage) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.FileName != "float_ecg_cnn_bn_keras2.15.fbz" {
		t.Errorf("file name %q", res.FileName)
	}
	back, err := fbz.Decode(res.FBZ)
	if err != nil {
		t.Fatal(err)
	}
	if back.Version != "2.18.2" || len(back.Layers) != 5 || back.Layers[1].Params.Value("weights_bits") != 2 || back.Layers[1].Params.Value("act_bits") != 2 ||
		back.Layers[0].Params.Value("weights_bits") != 8 {
		t.Errorf("decoded: version %s, %d layers, weights_bits %d act_bits %d", back.Version, len(back.Layers),
			back.Layers[1].Params.Value("weights_bits"), back.Layers[1].Params.Value("act_bits"))
	}
	r := res.Report
	// Weights: 3·3·1·16 + 3·3·16·32 + 3·3·32·64 + 1600·96 + 96·5 = 144 + 4608 + 18432 + 153600 + 480.
	if !r.Compatible || r.Origin != "float" || r.Layers != 5 || r.Weights != 177264 || r.FBZBytes != len(res.FBZ) ||
		r.AkidaVersion != "2.18.2" || r.Akida.Version != "2.18.2" || !strings.Contains(r.Summary, "conv2d (InputConv.)") || len(r.Akida.Layers) != 5 {
		t.Errorf("report: %+v", r.CheckReport)
	}
	wantSteps := []string{
		`loaded keras2-h5 model "model": 22 layers, 178309 parameters`,
		"quantized with 2-bit weights, 2-bit activations and 8-bit input weights",
		"converted to 5 Akida 1.0 layers",
		"encoded the .fbz file: " + itoa(len(res.FBZ)) + " bytes, akida version 2.18.2",
	}
	if !slices.Equal(r.Steps, wantSteps) {
		t.Errorf("steps %q", r.Steps)
	}
	if !slices.Equal(stages, []string{"load", "quantize", "convert", "encode", "done"}) {
		t.Errorf("stages %v", stages)
	}
	b, _ := json.Marshal(res)
	if !strings.Contains(string(b), `"file_name":"float_ecg_cnn_bn_keras2.15.fbz"`) || strings.Contains(string(b), `"FBZ"`) {
		t.Errorf("result json %.200s", b)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestOptionErrors(t *testing.T) {
	files := []File{fixture(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")}
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Target: "v9"}, `unknown target "v9": use v1 (Akida 1.0: AKD1000, AKD1500) or v2 (Akida 2.0)`},
		{Options{Quantize: QuantizeOptions{Weights: 3, Activations: 4, InputWeights: 8}}, "quantize: weight bitwidth 3 is not allowed: Weight bitwidth must be in (2, 4, 8)"},
		{Options{AkidaVersion: "latest"}, `akida version "latest" is not a version number like 2.19.1`},
	} {
		if _, err := Check(files, c.o); err == nil || err.Error() != c.want {
			t.Errorf("Check %+v: %v", c.o, err)
		}
		if _, err := Convert(files, c.o); err == nil || err.Error() != c.want {
			t.Errorf("Convert %+v: %v", c.o, err)
		}
	}
	// A non-positive input scale is cnn2snn's own error, reported for the model.
	_, err := withTestQuantizer().convert(files, Options{InputScaling: &[2]float64{0, 1}})
	if err == nil || err.Error() != "The scale factor 'input_scaling[0]' must be strictly positive. Receives: input_scaling=(0.0, 1.0)" {
		t.Errorf("input scaling 0,1: %v", err)
	}
}

func TestPanicsBecomeErrors(t *testing.T) {
	p := pipeline{load: keras.Load, quantize: func(*keras.Model, QuantizeOptions, []byte, int) (*keras.Model, *quantize.Report, error) {
		panic("boom")
	}}
	_, err := p.convert([]File{fixture(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")}, Options{})
	if err == nil || err.Error() != "internal error in quantize: boom — please report this with the model file" {
		t.Errorf("error %v", err)
	}
	_, err = p.check([]File{fixture(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")}, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "internal error in quantize: boom") {
		t.Errorf("check error %v", err)
	}
}

func TestSummarize(t *testing.T) {
	b := fixtures.ReadShared(t, "akida", "v233_ei_akidanet_classifier.fbz")
	r, err := Summarize(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.FBZBytes != len(b) || len(r.Model.Layers) != 16 || !strings.Contains(r.Summary, "conv_0 (InputConv.)") {
		t.Errorf("summary: %d bytes, %d layers", r.FBZBytes, len(r.Model.Layers))
	}
	if _, err := Summarize([]byte("\x89HDF\r\n\x1a\nnot an fbz")); err == nil {
		t.Error("an HDF5 file summarized")
	}
}

func TestOutputName(t *testing.T) {
	for _, c := range []struct {
		files []File
		model string
		want  string
	}{
		{[]File{{Name: "x.h5"}}, "m", "x.fbz"},
		{[]File{{Name: "dir/akidanet.keras"}}, "m", "akidanet.fbz"},
		{[]File{{Name: "group1-shard1of1.bin"}, {Name: "model.json"}}, "m", "model.fbz"},
		{[]File{{Name: ""}}, "akidanet_0.25", "akidanet_0.25.fbz"},
		{nil, "", "model.fbz"},
	} {
		if got := outputName(c.files, c.model); got != c.want {
			t.Errorf("outputName(%v, %q) = %q, want %q", names(c.files), c.model, got, c.want)
		}
	}
}

// BenchmarkConvertAkidaNet: the whole facade on AkidaNet 0.25's 2 MB .h5
// — load, quantize (cnn2snn-style, calibration of bounded ReLUs needs
// none), check, convert, encode.
func BenchmarkConvertAkidaNet(b *testing.B) {
	file := File{Name: "akidanet.h5", Data: fixtures.ReadShared(b, "keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5")}
	b.SetBytes(int64(len(file.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Convert([]File{file}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReportsCarryTheKerasLayers: check, convert and a refused conversion
// report the Keras model as Inspect does, so a front end that shows the
// Keras layers reads the files once.
func TestReportsCarryTheKerasLayers(t *testing.T) {
	float := []File{fixture(t, "keras", "keras2.0_conv2d_model.json"), fixture(t, "keras", "keras2.0_conv2d_model_weights.h5")}
	want, err := Inspect(float)
	if err != nil {
		t.Fatal(err)
	}
	check, err := Check(float, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Convert(float, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Convert([]File{fixture(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")}, Options{Target: "v1"})
	var refused *ModelError
	if !errors.As(err, &refused) {
		t.Fatalf("mobilenet: %v, want a *ModelError", err)
	}
	for name, got := range map[string]*keras.InspectReport{"check": check.Keras, "convert": res.Report.Keras} {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s report's keras: %+v, want Inspect's %+v", name, got, want)
		}
	}
	if k := refused.Report.Keras; k == nil || len(k.Layers) != 85 || k.Layers[4].ClassName != "DepthwiseConv2D" {
		t.Errorf("refused report's keras: %+v", k)
	}
	b, err := json.Marshal(check)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"keras":{"format":"keras-weights-h5+json"`) {
		t.Errorf("check JSON lacks the keras report: %.300s", b)
	}
}

// Convert's steps name the Akida version converted to: a quantizeml model
// becomes Akida 2.0 layers.
func TestConvertStepsNameAkida2(t *testing.T) {
	res, err := Convert([]File{{Name: "ecg.h5", Data: fixtures.ReadShared(t, "keras", "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`loaded keras2-h5 model "model": 19 layers, 177485 parameters`,
		"the model is already quantized (quantizeml): no quantization",
		"converted to 6 Akida 2.0 layers",
		"encoded the .fbz file: 212262 bytes, akida version 2.19.1",
	}
	if !slices.Equal(res.Report.Steps, want) {
		t.Errorf("steps %q\nwant %q", res.Report.Steps, want)
	}
}
