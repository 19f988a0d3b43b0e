package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// tinyQuantized is the project's cnn2snn-quantized model
// (testdata/make_quantized.py): it converts without a quantization step.
const tinyQuantized = "cnn2snn_tiny_quantized.h5"

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures.Repo(t, "wasm", "worker", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// akidaLayers lists the layers of an .fbz as "name:Type".
func akidaLayers(t *testing.T, file []byte) string {
	t.Helper()
	m, err := fbz.Decode(file)
	if err != nil {
		t.Fatalf("the answer is not an .fbz: %v", err)
	}
	var out []string
	for _, l := range m.Layers {
		out = append(out, fmt.Sprintf("%s:%v", l.Name, l.Type))
	}
	return strings.Join(out, " ")
}

func TestConvertAnswersTheFBZ(t *testing.T) {
	data := readTestdata(t, tinyQuantized)
	rec := serve(t, New(Config{}), "POST", "/v1/convert?filename="+tinyQuantized, bytes.NewReader(data))
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	want, err := core.Convert([]core.File{{Name: tinyQuantized, Data: data}}, core.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), want.FBZ) {
		t.Errorf("the .fbz (%d bytes) differs from core.Convert's (%d bytes)", rec.Body.Len(), len(want.FBZ))
	}
	if got := akidaLayers(t, rec.Body.Bytes()); got != "conv_0:InputConvolutional dense:FullyConnected" {
		t.Errorf("Akida layers %s", got)
	}
	for header, value := range map[string]string{
		"Content-Type":            "application/octet-stream",
		"Content-Disposition":     "attachment; filename=cnn2snn_tiny_quantized.fbz",
		"Content-Length":          fmt.Sprint(len(want.FBZ)),
		"X-Cnn2snn-Version":       core.Version,
		"X-Cnn2snn-Akida-Version": "2.19.1",
		"X-Cnn2snn-Layers":        "2",
		"X-Cnn2snn-Weights":       "2596", // 3·3·1·4 + 256·10
		"X-Cnn2snn-Warnings":      "0",
		"X-Cnn2snn-Input-Scaling": "1,0",
	} {
		if got := rec.Header().Get(header); got != value {
			t.Errorf("%s: %q, want %q", header, got, value)
		}
	}
}

func TestConvertOptionsReachTheConverter(t *testing.T) {
	data := readTestdata(t, tinyQuantized)
	h := New(Config{})
	// input_is_image=false: an InputData layer in front (cnn2snn 2.3.7's flag).
	rec := serve(t, h, "POST", "/v1/convert?input_is_image=false", bytes.NewReader(data))
	if got := akidaLayers(t, rec.Body.Bytes()); got != "tiny_quantized_input:InputData conv_0:Convolutional dense:FullyConnected" {
		t.Errorf("input_is_image=false: %s", got)
	}
	if cd := rec.Header().Get("Content-Disposition"); cd != "attachment; filename=model.fbz" {
		t.Errorf("a raw body without filename: %s", cd)
	}
	rec = serve(t, h, "POST", "/v1/convert?input_scaling=255,0", bytes.NewReader(data))
	if rec.Code != 200 || rec.Header().Get("X-Cnn2snn-Input-Scaling") != "255,0" {
		t.Errorf("input_scaling=255,0: %d %q", rec.Code, rec.Header().Get("X-Cnn2snn-Input-Scaling"))
	}
	wantProblem(t, serve(t, h, "POST", "/v1/convert?target=v3&filename=t.h5", bytes.NewReader(data)), 400,
		`target=v3: must be v1 (Akida 1.0) or v2 (Akida 2.0)`)
	wantProblem(t, serve(t, h, "POST", "/v1/check?quantize=3,4,8&filename=t.h5", bytes.NewReader(data)), 400,
		"t.h5: quantize: weight bitwidth 3 is not allowed: Weight bitwidth must be in (2, 4, 8)")
	rec = serve(t, h, "POST", "/v1/convert?input_scaling=0,1&filename=t.h5", bytes.NewReader(data))
	wantProblem(t, rec, 400, "t.h5: The scale factor 'input_scaling[0]' must be strictly positive. Receives: input_scaling=(0.0, 1.0)")
	if !strings.Contains(rec.Body.String(), `"rule":"input-scaling-positive"`) {
		t.Errorf("the diagnostic is missing: %s", rec.Body)
	}
}

func TestConvertJSON(t *testing.T) {
	data := readTestdata(t, tinyQuantized)
	rec := serve(t, New(Config{}), "POST", "/v1/convert", bytes.NewReader(data), "Accept", "text/html, application/json;q=0.9")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var answer struct {
		FileName string `json:"file_name"`
		Report   struct {
			Compatible bool   `json:"compatible"`
			Layers     int    `json:"layers"`
			FBZBytes   int    `json:"fbz_bytes"`
			Summary    string `json:"summary"`
			Blocks     []struct {
				AkidaLayer  string   `json:"akida_layer"`
				KerasLayers []string `json:"keras_layers"`
			} `json:"blocks"`
		} `json:"report"`
		FBZBase64 string `json:"fbz_base64"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		t.Fatal(err)
	}
	file, err := base64.StdEncoding.DecodeString(answer.FBZBase64)
	if err != nil {
		t.Fatal(err)
	}
	if got := akidaLayers(t, file); got != "conv_0:InputConvolutional dense:FullyConnected" {
		t.Errorf("Akida layers %s", got)
	}
	r := answer.Report
	blocks := fmt.Sprint(r.Blocks)
	if answer.FileName != "model.fbz" || !r.Compatible || r.Layers != 2 || r.FBZBytes != len(file) ||
		blocks != "[{conv_0 [input conv_0 relu_0]} {dense [flatten dense]}]" || !strings.Contains(r.Summary, "SW/conv_0-dense (Software)") {
		t.Errorf("file %q, report %+v", answer.FileName, r)
	}
}

func TestAcceptsJSON(t *testing.T) {
	for accept, want := range map[string]bool{
		"application/json":                   true,
		"text/html,application/json;q=0.9":   true,
		"application/octet-stream, */*;q=.1": false,
		"application/json;q=0":               false,
		"*/*":                                false,
		"":                                   false,
	} {
		r, _ := http.NewRequest("POST", "/v1/convert", nil)
		r.Header.Set("Accept", accept)
		if got := acceptsJSON(r); got != want {
			t.Errorf("Accept %q: JSON %v, want %v", accept, got, want)
		}
	}
	// syumai/workers hands over "a, b" as two values.
	r, _ := http.NewRequest("POST", "/v1/convert", nil)
	r.Header["Accept"] = []string{"text/html", " application/json"}
	if !acceptsJSON(r) {
		t.Error("Accept split at its comma: not JSON")
	}
}

// The quantizeml ECG model is 8-bit, which Akida 1.0 cannot run: /v1/check
// with target=v1 answers it normally, /v1/convert refuses it with the same
// diagnostics.
func TestIncompatibleModel(t *testing.T) {
	const name = "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"
	data := fixtures.ReadShared(t, "keras", name)
	h := New(Config{})
	rec := serve(t, h, "POST", "/v1/check?target=v1&filename="+name, bytes.NewReader(data))
	if rec.Code != 200 {
		t.Fatalf("check: %d %s", rec.Code, rec.Body)
	}
	var report struct {
		Compatible  bool              `json:"compatible"`
		Origin      string            `json:"origin"`
		Diagnostics []json.RawMessage `json:"diagnostics"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &report); err != nil {
		t.Fatal(err)
	}
	if report.Compatible || report.Origin != "quantizeml" || len(report.Diagnostics) != 13 {
		t.Fatalf("check: compatible %v, origin %q, %d diagnostics", report.Compatible, report.Origin, len(report.Diagnostics))
	}
	first := `{"layer":"re_lu","rule":"qml-relu-unbounded","message":"re_lu: in AkidaVersion.v1, unbounded QuantizedReLU is not supported."}`
	if string(report.Diagnostics[1]) != first {
		t.Errorf("first diagnostic %s", report.Diagnostics[1])
	}

	rec = serve(t, h, "POST", "/v1/convert?target=v1&filename="+name, bytes.NewReader(data))
	wantProblem(t, rec, 400, name+": Convolutional layer can only handle weights with 1, 2 or 4 bits. Received: 8.")
	var refused struct {
		Diagnostics []json.RawMessage `json:"diagnostics"`
		Rules       map[string]string `json:"rules"`
	}
	json.Unmarshal(rec.Body.Bytes(), &refused)
	if fmt.Sprint(refused.Diagnostics) != fmt.Sprint(report.Diagnostics) {
		t.Errorf("convert's diagnostics differ from check's:\n%s\n%s", refused.Diagnostics, report.Diagnostics)
	}
	if doc := refused.Rules["qml-relu-unbounded"]; doc == "" {
		t.Errorf("no Doc for the rule qml-relu-unbounded: %v", refused.Rules)
	}
}

// MobileNet's DepthwiseConv2D layers have no Akida 1.0 equivalent,
// whether or not the float model is quantized first.
func TestDepthwiseDiagnostics(t *testing.T) {
	// Akida 1.0's verdict (by default the model converts for Akida 2.0).
	data := fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")
	rec := serve(t, New(Config{}), "POST", "/v1/check?target=v1", bytes.NewReader(data))
	var report struct {
		Compatible  bool `json:"compatible"`
		Diagnostics []struct {
			Layer, Rule, Message string
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &report); err != nil || rec.Code != 200 || report.Compatible {
		t.Fatalf("%d %v: %.300s", rec.Code, err, rec.Body)
	}
	var depthwise []string
	for _, d := range report.Diagnostics {
		if d.Rule == "unsupported-layer" && strings.Contains(d.Message, "of type DepthwiseConv2D") {
			depthwise = append(depthwise, d.Layer)
		}
	}
	if len(depthwise) != 13 || depthwise[0] != "depthwise_conv2d" || depthwise[12] != "depthwise_conv2d_12" {
		t.Errorf("DepthwiseConv2D diagnostics for %v", depthwise)
	}
}
