package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The calls are the facade's, reached through the JavaScript argument
// forms; these tests check that path natively (and under GOOS=js in Node).

func TestSummaryOfRealFBZ(t *testing.T) {
	data := fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz")
	r, err := summaryCall([]any{[]any{map[string]any{"name": "pose.fbz", "bytes": data}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := r.value.(*core.SummaryReport)
	if s.FBZBytes != 6500 || s.Model.Version != "2.3.3" {
		t.Errorf("%d bytes, version %q; want 6500, 2.3.3", s.FBZBytes, s.Model.Version)
	}
	// The fixture README: InputData + 4 FullyConnected, 51 features → 4 classes.
	var layers []string
	for _, l := range s.Model.Layers {
		layers = append(layers, l.Name+" "+l.Type)
	}
	want := "sequential_6_input InputData, dense FullyConnected, dense_1 FullyConnected, dense_2 FullyConnected, y_pred FullyConnected"
	if got := strings.Join(layers, ", "); got != want {
		t.Errorf("layers %s, want %s", got, want)
	}
	for _, line := range []string{"[1, 1, 51]   [1, 1, 4]     1          5", "y_pred (Fully.)   [1, 1, 4]     (1, 1, 10, 4)"} {
		if !strings.Contains(s.Summary, line) {
			t.Errorf("summary lacks %q:\n%s", line, s.Summary)
		}
	}
	// The reply's JSON is what JavaScript sees: snake_case names.
	text, _ := json.Marshal(r.value)
	for _, key := range []string{`"fbz_bytes":6500`, `"summary":"`, `"output_shape":[1,1,4]`} {
		if !strings.Contains(string(text), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestSummaryErrors(t *testing.T) {
	h5 := fixtures.ReadShared(t, "keras", "keras2.0_conv2d_model_weights.h5")
	_, hdf5Err := core.Summarize(h5)
	cases := []struct {
		args []any
		want string
	}{
		{nil, "cnn2snn.summary: the first argument must be a Uint8Array or an array of {name, bytes}; got nothing (null or undefined)"},
		{[]any{[]any{map[string]any{"name": "a.fbz", "bytes": []byte{}}, map[string]any{"name": "b.fbz", "bytes": []byte{}}}},
			"cnn2snn.summary: give one .fbz file; got 2 files"},
		// The facade's message, prefixed with the file's name.
		{[]any{h5}, "model: " + fmt.Sprint(hdf5Err)},
	}
	for _, c := range cases {
		_, err := summaryCall(c.args, nil)
		if err == nil || err.Error() != c.want {
			t.Errorf("got  %v\nwant %s", err, c.want)
		}
	}
}

func TestInspectRealKeras3Zip(t *testing.T) {
	data := fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras")
	r, err := inspectCall([]any{data}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := r.value.(*keras.InspectReport)
	// config.json of the fixture, read with Python's zipfile; params with h5py.
	if m.Name != "sequential" || m.TotalParams != 225034 {
		t.Errorf("model %q, %d params; want sequential, 225034", m.Name, m.TotalParams)
	}
	var layers []string
	for _, l := range m.Layers {
		layers = append(layers, l.Name+":"+l.ClassName)
	}
	want := "input_layer:InputLayer conv2d:Conv2D max_pooling2d:MaxPooling2D conv2d_1:Conv2D max_pooling2d_1:MaxPooling2D flatten:Flatten dropout:Dropout dense:Dense dense_1:Dense"
	if got := strings.Join(layers, " "); got != want {
		t.Errorf("layers\n got  %s\n want %s", got, want)
	}
}

// depthwiseLayers are mobilenetv1_vww_96's 13 DepthwiseConv2D layers (its
// model_config, read with h5py).
func depthwiseLayers() []string {
	names := []string{"depthwise_conv2d"}
	for i := 1; i <= 12; i++ {
		names = append(names, fmt.Sprintf("depthwise_conv2d_%d", i))
	}
	return names
}

// diagnosedLayers returns the layers a report has diagnostics for, in order.
func diagnosedLayers(r *core.CheckReport) []string {
	var layers []string
	for _, d := range r.Diagnostics {
		if !slices.Contains(layers, d.Layer) {
			layers = append(layers, d.Layer)
		}
	}
	return layers
}

func TestCheckMobileNetOnAkida1(t *testing.T) {
	data := fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")
	var stages []string
	r, err := checkCall([]any{data, map[string]any{"target": "v1"}}, func(stage string, _ float64) { stages = append(stages, stage) })
	if err != nil {
		t.Fatal(err)
	}
	report := r.value.(*core.CheckReport)
	if report.Compatible || report.Target != "v1" {
		t.Errorf("compatible %v, target %q; want false, v1", report.Compatible, report.Target)
	}
	diagnosed := diagnosedLayers(report)
	for _, dw := range depthwiseLayers() {
		if !slices.Contains(diagnosed, dw) {
			t.Errorf("no diagnostic for the DepthwiseConv2D layer %s", dw)
		}
	}
	for _, d := range report.Diagnostics {
		if report.Rules[d.Rule] == "" {
			t.Errorf("rule %q of %s has no documentation", d.Rule, d.Layer)
		}
	}
	if len(stages) == 0 || stages[0] != "load" || stages[len(stages)-1] != "done" {
		t.Errorf("progress stages %q, want load … done", stages)
	}
}

func TestConvertMNISTSample(t *testing.T) {
	data := fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras")
	input := []any{map[string]any{"name": "mnist_cnn_sequential_keras3.15.keras", "bytes": data}}
	r, err := convertCall([]any{input, nil}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := r.value.(*core.ConvertResult)
	if res.FileName != "mnist_cnn_sequential_keras3.15.fbz" {
		t.Errorf("file name %q, want mnist_cnn_sequential_keras3.15.fbz", res.FileName)
	}
	// The bytes JavaScript gets are the facade's .fbz, as the CLI writes it.
	direct, err := core.Convert([]core.File{{Name: "mnist_cnn_sequential_keras3.15.keras", Data: data}}, core.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fbz := r.bytes["fbz"]; len(fbz) == 0 || !slices.Equal(fbz, direct.FBZ) {
		t.Errorf(".fbz of %d bytes differs from core.Convert's %d bytes", len(r.bytes["fbz"]), len(direct.FBZ))
	}
	if res.Report.FBZBytes != len(direct.FBZ) || !res.Report.Compatible {
		t.Errorf("report: %d bytes, compatible %v", res.Report.FBZBytes, res.Report.Compatible)
	}
	text, _ := json.Marshal(r.value)
	if strings.Contains(string(text), `"FBZ"`) || !strings.Contains(string(text), `"file_name":"mnist_cnn_sequential_keras3.15.fbz"`) {
		t.Errorf("the JSON reply must hold file_name and no bytes: %.200s", text)
	}
}

func TestConvertRefusalCarriesReport(t *testing.T) {
	data := fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")
	_, err := convertCall([]any{data, map[string]any{"target": "v1"}}, nil)
	var me *core.ModelError
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T), want a *core.ModelError", err, err)
	}
	report, ok := errorReport(err).(*core.CheckReport)
	if !ok || report.Compatible || len(report.Diagnostics) == 0 {
		t.Fatalf("errorReport = %#v, want the check report", errorReport(err))
	}
	// The message is the first problem, as cnn2snn raises it.
	if err.Error() != report.Diagnostics[0].Message || !strings.Contains(err.Error(), "depthwise_conv2d") {
		t.Errorf("message %q; first diagnostic %q", err.Error(), report.Diagnostics[0].Message)
	}
	if errorReport(errors.New("plain")) != nil {
		t.Error("a plain error carries a report")
	}
}

func TestOptionErrorsReachTheCaller(t *testing.T) {
	data := fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras")
	_, want := core.Check([]core.File{{Name: "model", Data: data}}, core.Options{Quantize: core.QuantizeOptions{Weights: 3}})
	_, err := checkCall([]any{data, map[string]any{"quantize": map[string]any{"weights": 3.0}}}, nil)
	if err == nil || want == nil || err.Error() != want.Error() {
		t.Errorf("got %v, want the facade's %v", err, want)
	}
}

// The bundled sample through verify: 2 seeded inputs, the report the
// facade gives for the same options (the CLI's `cnn2snn verify --samples
// 2`), proved, with one row per Akida layer.
func TestVerifyMNISTSample(t *testing.T) {
	data := fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras")
	var stages []string
	var fractions []float64
	r, err := verifyCall([]any{data, map[string]any{"samples": 2.0}}, func(stage string, fraction float64) {
		stages = append(stages, stage)
		fractions = append(fractions, fraction)
	})
	if err != nil {
		t.Fatal(err)
	}
	got := r.value.(*core.VerifyReport)
	want, err := core.Verify([]core.File{{Name: "model", Data: data}}, core.Options{}, core.VerifyOptions{Samples: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the API's report differs from core.Verify's:\n got  %+v\n want %+v", got, want)
	}
	if got.Samples != 2 || got.Seed != 1 || !got.Proved || got.Unexplained != 0 || got.FloatTop1Agreement == nil {
		t.Errorf("samples %d, seed %d, proved %v, unexplained %d, float top-1 %v", got.Samples, got.Seed, got.Proved, got.Unexplained, got.FloatTop1Agreement)
	}
	// conv2d, max_pooling2d → conv2d; conv2d_1 (+ pooling); dense; dense_1
	// without activation (softmax dropped), compared before the softmax.
	var pairs []string
	for _, l := range got.Layers {
		pairs = append(pairs, l.Name+"←"+l.Keras)
		for what, v := range map[string]float64{"agreement": l.Agreement, "isolated agreement": l.Isolated.Agreement} {
			if v < 0 || v > 1 {
				t.Errorf("%s: %s %v outside [0, 1]", l.Name, what, v)
			}
		}
		if !l.Isolated.Proved {
			t.Errorf("%s is not proved alone", l.Name)
		}
	}
	if want := "conv2d←conv2d/relu conv2d_1←conv2d_1/relu dense←dense/relu dense_1←dense_1"; strings.Join(pairs, " ") != want {
		t.Errorf("layers %s, want %s", strings.Join(pairs, " "), want)
	}
	for what, v := range map[string]float64{"output": got.OutputAgreement, "float top-1": *got.FloatTop1Agreement, "boundary rate": got.BoundaryRate} {
		if v < 0 || v > 1 {
			t.Errorf("%s agreement %v outside [0, 1]", what, v)
		}
	}
	// Conversion is the first fifth; each sample then reports before it
	// runs, and the call ends with done.
	if len(stages) < 4 || stages[0] != "load" || stages[len(stages)-1] != "done" || !slices.Contains(stages, "verify") {
		t.Errorf("progress stages %q, want load … verify … done", stages)
	}
	if !slices.IsSorted(fractions) {
		t.Errorf("progress fractions go back: %v", fractions)
	}
	// What JavaScript sees: the report's snake_case JSON.
	text, _ := json.Marshal(r.value)
	for _, key := range []string{`"samples":2`, `"output_agreement":`, `"float_top1_agreement":`, `"max_level_diff":`, `"keras_layer":"conv2d/relu"`, `"proved":true`} {
		if !strings.Contains(string(text), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestVerifyErrors(t *testing.T) {
	vww := fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")
	// A model that does not convert: convert's error and check report.
	_, err := verifyCall([]any{vww, map[string]any{"target": "v1", "samples": 1.0}}, nil)
	report, ok := errorReport(err).(*core.CheckReport)
	if !ok || report.Compatible || err.Error() != report.Diagnostics[0].Message {
		t.Errorf("verify of MobileNet on Akida 1.0: %v, report %T", err, errorReport(err))
	}
	cases := []struct {
		args []any
		want string
	}{
		{nil, "cnn2snn.verify: the first argument must be a Uint8Array or an array of {name, bytes}; got nothing (null or undefined)"},
		{[]any{vww, map[string]any{"samples": -2.0}},
			"cnn2snn.verify: option samples must be a whole number from 1 to 10000 (the number of seeded inputs; 4 if not given); got the number -2"},
	}
	for _, c := range cases {
		if _, err := verifyCall(c.args, nil); err == nil || err.Error() != c.want {
			t.Errorf("got  %v\nwant %s", err, c.want)
		}
	}
}
