package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

func TestVerifyProved(t *testing.T) {
	stdout, stderr, status := cli("verify", tinyModel(t), "--samples", "8", "--seed", "5")
	if status != 0 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	lines := strings.Split(stdout, "\n")
	want := []string{
		`model "cnn2snn_tiny": 8 seeded inputs (seed 5): uniform integers 0…255 (8-bit Akida inputs), given as they are to the Keras models, whose Rescaling layer scales them`,
		"top-1 agreement with the quantized Keras model: 100.00% chained, 100.00% with the last layer alone",
		"",
		"Akida layer ← Keras layer: chained: equal values, largest difference (in levels; in potential units for a last layer",
		"without activation) | each layer alone: equal values, boundary cases, floored fraction r",
	}
	if len(lines) != 12 || strings.Join(lines[:5], "\n") != strings.Join(want, "\n") {
		t.Fatalf("stdout:\n%s", stdout)
	}
	for i, prefix := range []string{"  conv_0 ← conv_0/relu: chained ", "  separable_1 ← separable_1/relu: chained ", "  dense ← dense: chained "} {
		if !strings.HasPrefix(lines[5+i], prefix) || !strings.Contains(lines[5+i], " boundary cases, r in [") || strings.Contains(lines[5+i], "NOT PROVED") {
			t.Errorf("layer line %q", lines[5+i])
		}
	}
	if !strings.HasPrefix(lines[9], "boundary cases (a level above Keras' where cnn2snn's floored threshold moves a level boundary): ") ||
		lines[10] != "proved: every Akida layer alone matches its Keras layer up to the floored threshold" {
		t.Errorf("verdict lines %q", lines[9:])
	}
}

func TestVerifyJSON(t *testing.T) {
	ecg := fixtures.Shared(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")
	stdout, stderr, status := cli("verify", "-m", ecg, "--samples", "2", "--json")
	if status != 0 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	var r struct {
		Samples            int      `json:"samples"`
		OutputAgreement    *float64 `json:"output_agreement"`
		FloatTop1Agreement *float64 `json:"float_top1_agreement"`
		Proved             bool     `json:"proved"`
		Layers             []struct {
			Name         string   `json:"name"`
			Agreement    *float64 `json:"agreement"`
			MaxLevelDiff *float64 `json:"max_level_diff"`
		} `json:"layers"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Samples != 2 || r.OutputAgreement == nil || r.FloatTop1Agreement == nil || !r.Proved || len(r.Layers) != 5 ||
		r.Layers[4].Name != "dense_1" || r.Layers[4].Agreement == nil || r.Layers[4].MaxLevelDiff == nil {
		t.Errorf("JSON report:\n%s", stdout)
	}
}

// TestVerifyNotProvedExitsTwo: with an input scaling of 255 the ECG
// model's input layer needs an act_step far above 65535, which cnn2snn
// clamps (conversion.md §7.8); the conversion then cannot be proved.
func TestVerifyNotProvedExitsTwo(t *testing.T) {
	ecg := fixtures.Shared(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")
	stdout, stderr, status := cli("verify", "-m", ecg, "--samples", "1", "--input-scaling", "255,0")
	if status != 2 || stderr != "" ||
		!strings.Contains(stdout, "  conv2d ← re_lu: chained ") || !strings.Contains(stdout, "NOT PROVED: ") ||
		!strings.Contains(stdout, "\nnote: layer \"conv2d\" holds act_step 65535 ") ||
		!strings.Contains(stdout, "\nunexplained: layer conv2d, sample 0, position [0 0 0]: ") ||
		!strings.HasSuffix(stdout, "\nnot proved: values of layer(s) conv2d were clamped to the Akida 1.0 limits (see the notes)\n") {
		t.Errorf("status %d, stderr %q, stdout:\n%s", status, stderr, stdout)
	}
}

func TestVerifyErrors(t *testing.T) {
	vww := fixtures.Shared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")
	tiny := tinyModel(t)
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"verify"}, "usage: cnn2snn verify -m FILE"},
		{[]string{"verify", tiny, "--samples", "0"}, "cnn2snn: --samples 0: give at least one sample (default 16)\n"},
		{[]string{"verify", tiny, "--samples", "20000"}, "cnn2snn: verify: 20000 samples requested: use 1 to 10000 (0 means 16)\n"},
		{[]string{"verify", tiny, "--quantize", "3,4,8"}, "cnn2snn: quantize: weight bitwidth 3 is not allowed: Weight bitwidth must be in (2, 4, 8)\n"},
		{[]string{"verify", tiny + ".missing"}, "cnn2snn: " + tiny + ".missing: cannot read the file: no such file or directory\n"},
		{[]string{"verify", "-m", vww, "--target", "v1"}, "cnn2snn: " + vww + ": Layer depthwise_conv2d of type DepthwiseConv2D is not supported for Akida conversion\n" +
			"cnn2snn: 40 problems in all; run 'cnn2snn check " + vww + "' to see each with its fix\n"},
	} {
		stdout, stderr, status := cli(tc.args...)
		if status != 1 || stdout != "" || !strings.HasPrefix(stderr, tc.stderr) {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want 1, %q", tc.args, status, stdout, stderr, tc.stderr)
		}
	}
}
