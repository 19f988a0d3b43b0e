package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/verify"
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

// A quantizeml model: its Akida 2.0 conversion layer by layer.
func TestVerifyQuantizeML(t *testing.T) {
	ecg := fixtures.Shared(t, "keras", "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")
	stdout, stderr, status := cli("verify", ecg, "--samples", "2", "--seed", "3")
	want := `model "model" (Akida 2.0): 2 seeded inputs (seed 3): uniform integers 0…255 (the 8-bit unsigned images the Akida model reads), the same values for the Keras model
top-1 agreement with the quantized Keras model: 100.00% chained, 100.00% with the last layer alone

Akida layer ← Keras layer: chained: equal values, largest difference (in output integers; floats for a
Dequantizer) | each layer alone: equal values, differences by cause
  conv2d ← re_lu: chained 100.00%, max diff 0 | alone 100.00%, no differences
  conv2d_1 ← re_lu_1: chained 100.00%, max diff 0 | alone 100.00%, no differences
  conv2d_2 ← re_lu_2: chained 100.00%, max diff 0 | alone 100.00%, no differences
  dense ← re_lu_3: chained 100.00%, max diff 0 | alone 100.00%, no differences
  dense_1 ← dense_1: chained 100.00%, max diff 0 | alone 100.00%, no differences
  dequantizer ← dequantizer: chained 100.00%, max diff 0 | alone 100.00%, no differences
proved: every Akida layer alone gives its Keras layer's values
`
	if status != 0 || stderr != "" || stdout != want {
		t.Errorf("status %d, stderr %q, stdout:\n%s", status, stderr, stdout)
	}
	stdout, _, status = cli("verify", ecg, "--samples", "1", "--json")
	var r struct {
		Target string `json:"target"`
		Proved bool   `json:"proved"`
		Layers []struct {
			Name     string `json:"name"`
			Isolated struct {
				Agreement *float64 `json:"agreement"`
			} `json:"isolated"`
		} `json:"layers"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || status != 0 {
		t.Fatalf("status %d, %v", status, err)
	}
	if r.Target != "v2" || !r.Proved || len(r.Layers) != 6 || r.Layers[5].Name != "dequantizer" || r.Layers[5].Isolated.Agreement == nil {
		t.Errorf("JSON report:\n%s", stdout)
	}
}

// The differences of an Akida 2.0 report: by cause per layer, the causes,
// the notes, the unexplained ones and the verdict.
func TestPrintVerifyReportV2Differences(t *testing.T) {
	r := &core.VerifyReport{Model: "m", Samples: 1, Seed: 2, Target: "v2", Input: verify.Input{Text: "inputs"}, OutputAgreement: 0.5, IsolatedOutputAgreement: 1,
		Layers: []verify.Layer{
			{Name: "conv", Keras: "re_lu", Agreement: 0.75, MaxLevelDiff: 1, Isolated: verify.Isolated{Agreement: 0.75, Proved: true, Explained: 2,
				Causes: []verify.Cause{{Name: "clipped_shift", Text: "clipped", Values: 2}}}},
			{Name: "dense", Keras: "dense", Agreement: 0.5, MaxLevelDiff: 3, Isolated: verify.Isolated{Agreement: 0.5, Unexplained: 1, Explained: 1,
				Causes: []verify.Cause{{Name: "float32", Text: "float", Values: 1}, {Name: "unexplained", Text: "none", Values: 1}}}},
		},
		Unexplained: 1, Explained: 3,
		Causes:   []verify.Cause{{Name: "float32", Text: "float", Values: 1}, {Name: "clipped_shift", Text: "clipped", Values: 2}, {Name: "unexplained", Text: "none", Values: 1}},
		Notes:    []string{"a note"},
		Examples: []verify.Difference{{Layer: "dense", Sample: 0, Position: [3]int{0, 0, 1}, KerasLevel: 7, AkidaLevel: 4, Cause: "unexplained", Reason: "why"}},
	}
	var b strings.Builder
	printVerifyReportV2(&b, r)
	want := `model "m" (Akida 2.0): 1 seeded inputs (seed 2): inputs
top-1 agreement with the quantized Keras model: 50.00% chained, 100.00% with the last layer alone

Akida layer ← Keras layer: chained: equal values, largest difference (in output integers; floats for a
Dequantizer) | each layer alone: equal values, differences by cause
  conv ← re_lu: chained 75.00%, max diff 1 | alone 75.00%, 2 clipped_shift
  dense ← dense: chained 50.00%, max diff 3 | alone 50.00%, 1 float32, 1 unexplained  NOT PROVED: 1 unexplained

float32: 1 values: float
clipped_shift: 2 values: clipped
unexplained: 1 values: none
note: a note
unexplained: layer dense, sample 0, position [0 0 1]: Keras 7, Akida 4: why
not proved: 1 values of Akida layers alone differ from their Keras layers without a named cause
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	r.Unexplained, r.Proved, r.Examples, r.Layers = 0, true, nil, r.Layers[:1]
	b.Reset()
	printVerifyReportV2(&b, r)
	if !strings.HasSuffix(b.String(), "\nproved: every difference of an Akida layer alone from its Keras layer has a named cause (3 values)\n") {
		t.Errorf("got:\n%s", b.String())
	}
}
