package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// The project-made cnn2snn-quantized model (core/convert/testdata).
func tinyModel(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(fixtures.Repo(t, "core", "convert", "testdata", "cnn2snn_tiny_keras2.15.h5"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tiny.h5")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func cli(args ...string) (stdout, stderr string, status int) {
	var out, errb bytes.Buffer
	status = run(args, &out, &errb)
	return out.String(), errb.String(), status
}

func TestCheckCompatible(t *testing.T) {
	stdout, stderr, status := cli("check", tinyModel(t))
	if status != 0 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	want := `model "cnn2snn_tiny" (cnn2snn), target v1: compatible
input scaling: Akida input = 255 × Keras input + 0 (rescaling layer "rescaling")

Akida layers (← Keras layers, * = has problems):
  conv_0  InputConvolutional  [4, 4, 4] w8 a4  ← input_1, rescaling, conv_0, conv_0/BN, conv_0/relu, pool
  separable_1  SeparableConvolutional  [1, 1, 8] w4 a4  ← separable_1, separable_1/BN, gap, separable_1/relu, dropout
  dense  FullyConnected  [1, 1, 3] w4  ← dense, softmax
`
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
}

func TestCheckIncompatibleExitsTwo(t *testing.T) {
	// MobileNet's DepthwiseConv2D layers have no Akida 1.0 equivalent on
	// cnn2snn's legacy path, quantized or not.
	h5 := fixtures.Shared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")
	stdout, stderr, status := cli("check", "--target", "v1", h5)
	if status != 2 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	for _, line := range []string{
		`model "model" (float), target v1: not compatible, `,
		"  conv2d_1  Convolutional  [48, 48, 16] w4 a4  ← conv2d_1, batch_normalization_2, activation_2, depthwise_conv2d_1*, batch_normalization_3*, activation_3*\n",
		"  depthwise_conv2d: Layer depthwise_conv2d of type DepthwiseConv2D is not supported for Akida conversion [unsupported-layer]\n",
		"  unsupported-layer: cnn2snn's legacy conversion knows Conv2D, SeparableConv2D and Dense",
	} {
		if !strings.Contains(stdout, line) {
			t.Errorf("stdout lacks %q:\n%s", line, stdout)
		}
	}
}

func TestCheckJSON(t *testing.T) {
	h5 := fixtures.Shared(t, "keras", "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")
	stdout, _, status := cli("check", "--json", "--target", "v1", h5)
	if status != 2 {
		t.Fatalf("status %d", status)
	}
	var r struct {
		Compatible bool `json:"compatible"`
		Blocks     []struct {
			AkidaLayer  string   `json:"akida_layer"`
			AkidaType   string   `json:"akida_type"`
			KerasLayers []string `json:"keras_layers"`
		} `json:"blocks"`
		Diagnostics []struct{ Layer, Rule, Message string } `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if r.Compatible || len(r.Blocks) != 5 || r.Blocks[4].AkidaType != "FullyConnected" || len(r.Diagnostics) != 13 ||
		r.Diagnostics[0].Rule != "qml-akida1-not-implemented" || r.Diagnostics[3].Rule != "qml-conv-weight-bits" || r.Diagnostics[3].Layer != "conv2d_1" {
		t.Errorf("report %+v", r)
	}
}

func TestCheckErrors(t *testing.T) {
	h5 := fixtures.Shared(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")
	missing := filepath.Join(t.TempDir(), "missing.h5")
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"check", missing}, "cnn2snn: " + missing + ": cannot read the file: no such file or directory\n"},
		{[]string{"check", "--quantize", "3,4,8", h5}, "cnn2snn: quantize: weight bitwidth 3 is not allowed: Weight bitwidth must be in (2, 4, 8)\n"},
		{[]string{"check", "--quantize", "4,4", h5}, "cnn2snn: --quantize 4,4: must be three bit widths W,A,I (weights, activations, first-layer weights), e.g. 4,4,8\n"},
		{[]string{"check", "--target", "v3", h5}, "cnn2snn: --target v3: must be v1 (Akida 1.0) or v2 (Akida 2.0)\n"},
		{[]string{"check", "--input-scaling", "1", h5}, "cnn2snn: --input-scaling 1: must be two numbers A,B such that the Akida input is A × Keras input + B, e.g. 255,0 for 8-bit images\n"},
		{[]string{"check", "--input-scaling", "1,nan", h5}, "cnn2snn: --input-scaling 1,nan: must be two numbers A,B such that the Akida input is A × Keras input + B, e.g. 255,0 for 8-bit images\n"},
		{[]string{"check"}, "usage: cnn2snn check"},
	} {
		stdout, stderr, status := cli(c.args...)
		if status != 1 || stdout != "" || !strings.HasPrefix(stderr, c.stderr) {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want 1, %q", c.args, status, stdout, stderr, c.stderr)
		}
	}
}

func TestConvertKerasModel(t *testing.T) {
	in := tinyModel(t)
	stdout, stderr, status := cli("convert", "-m", in)
	want := filepath.Join(filepath.Dir(in), "tiny.fbz")
	if status != 0 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	data, err := os.ReadFile(want)
	if err != nil {
		t.Fatalf("no output beside the input: %v", err)
	}
	if first := strings.SplitN(stdout, "\n", 2)[0]; first != "wrote "+want+": 3 Akida layers, 128 weights, "+itoa(len(data))+" bytes (akida 2.19.1)" {
		t.Errorf("stdout %q", first)
	}
	m, err := fbz.Decode(data)
	if err != nil || len(m.Layers) != 3 || m.Layers[0].Name != "conv_0" || m.Layers[2].Type.String() != "FullyConnected" {
		t.Errorf("output decodes to %v, %v", m, err)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestConvertOutputNames(t *testing.T) {
	in := tinyModel(t)
	dir := t.TempDir()
	for _, c := range []struct{ o, want string }{
		{filepath.Join(dir, "sub", "folder") + string(filepath.Separator), filepath.Join(dir, "sub", "folder", "cnn2snn_tiny.fbz")}, // a folder: the Keras model's name, folders created
		{filepath.Join(dir, "noext"), filepath.Join(dir, "noext.fbz")},
		{filepath.Join(dir, "x.bin"), filepath.Join(dir, "x.bin")},
	} {
		if _, stderr, status := cli("convert", "-m", in, "-o", c.o); status != 0 {
			t.Fatalf("-o %s: status %d, %s", c.o, status, stderr)
		}
		if _, err := os.Stat(c.want); err != nil {
			t.Errorf("-o %s: %v", c.o, err)
		}
	}
	if _, stderr, status := cli("convert", "-m", in, "-o", in); status != 1 || stderr != "cnn2snn: "+in+": the output would overwrite the input: choose another name with -o\n" {
		t.Errorf("overwrite: %d %q", status, stderr)
	}
}

func TestConvertJSON(t *testing.T) {
	in := tinyModel(t)
	stdout, _, status := cli("convert", "--json", in)
	if status != 0 {
		t.Fatalf("status %d", status)
	}
	var r struct {
		Output   string `json:"output"`
		FileName string `json:"file_name"`
		Report   struct {
			Compatible bool     `json:"compatible"`
			Layers     int      `json:"layers"`
			FBZBytes   int      `json:"fbz_bytes"`
			Steps      []string `json:"steps"`
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.FileName != "tiny.fbz" || !strings.HasSuffix(r.Output, "tiny.fbz") || !r.Report.Compatible || r.Report.Layers != 3 || len(r.Report.Steps) != 4 {
		t.Errorf("report %+v", r)
	}
}

func TestConvertErrorPrintsCnn2snnMessage(t *testing.T) {
	h5 := fixtures.Shared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")
	out := filepath.Join(t.TempDir(), "out.fbz")
	stdout, stderr, status := cli("convert", "-m", h5, "-o", out, "--target", "v1")
	lines := strings.Split(stderr, "\n")
	if status != 1 || stdout != "" || len(lines) != 3 ||
		lines[0] != "cnn2snn: "+h5+": Layer depthwise_conv2d of type DepthwiseConv2D is not supported for Akida conversion" ||
		!strings.HasPrefix(lines[1], "cnn2snn: ") || !strings.HasSuffix(lines[1], " problems in all; run 'cnn2snn check "+h5+"' to see each with its fix") {
		t.Errorf("status %d, stdout %q, stderr:\n%s", status, stdout, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed conversion wrote a file")
	}
	// With --json the report with every problem goes to stdout.
	stdout, _, _ = cli("convert", "-m", h5, "-o", out, "--json", "--target", "v1")
	var r struct {
		Diagnostics []struct{ Layer, Rule string } `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || len(r.Diagnostics) == 0 || r.Diagnostics[0].Layer != "depthwise_conv2d" {
		t.Errorf("json report: %v, %+v", err, r.Diagnostics)
	}
	// cnn2snn's non-positive scale message, from the option.
	ecg := fixtures.Shared(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")
	_, stderr, status = cli("convert", "-m", ecg, "-o", out, "--input-scaling", "0,1")
	if status != 1 || !strings.HasPrefix(stderr, "cnn2snn: "+ecg+": The scale factor 'input_scaling[0]' must be strictly positive. Receives: input_scaling=(0.0, 1.0)\n") {
		t.Errorf("status %d, stderr %q", status, stderr)
	}
}

func TestConvertFloatModelIsQuantizedFirst(t *testing.T) {
	ecg := fixtures.Shared(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")
	out := filepath.Join(t.TempDir(), "ecg.fbz")
	stdout, stderr, status := cli("convert", "-m", ecg, "-o", out, "--quantize", "4,2,8")
	if status != 0 || !strings.HasPrefix(stdout, "wrote "+out+": 5 Akida layers, ") {
		t.Fatalf("status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	data, _ := os.ReadFile(out)
	m, err := fbz.Decode(data)
	if err != nil || m.Layers[1].Params.Value("act_bits") != 2 || m.Layers[1].Params.Value("weights_bits") != 4 || m.Layers[0].Params.Value("weights_bits") != 8 {
		t.Errorf("decoded: %v", err)
	}
}
