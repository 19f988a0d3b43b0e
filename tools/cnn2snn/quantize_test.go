package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/npy"
)

// calibrationNPY writes a float32 .npy file in a temporary folder.
func calibrationNPY(t *testing.T, shape []int, values []float32) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "calibration.npy")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := npy.EncodeFloat32(f, shape, values); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCalibrationFlag: --calibration reaches the quantizer, and the text
// reports say what the quantization did.
func TestCalibrationFlag(t *testing.T) {
	js := fixtures.Shared(t, "keras", "keras2.0_conv2d_model.json")
	h5 := fixtures.Shared(t, "keras", "keras2.0_conv2d_model_weights.h5")
	batch := calibrationNPY(t, []int{2, 8, 8, 1}, slices.Repeat([]float32{100}, 128))
	stdout, stderr, status := cli("check", "--calibration", batch, js, h5)
	if status != 0 || stderr != "" {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	for _, line := range []string{
		"\nquantization (4-bit weights, 4-bit activations, 8-bit input weights):\n",
		"  calibrated the max_value of 1 unbounded ReLU(s) on 2 inputs from the calibration batch: the 99.99th percentile of each ReLU's outputs, rounded up to two significant digits (extension: cnn2snn.quantize uses 2^bits − 1)\n",
		"  split the fused activation \"relu\" of conv2d_1 into a ReLU layer conv2d_1/relu (extension: cnn2snn.quantize refuses fused activations)\n",
		"  ReLU conv2d_1/relu → QuantizedReLU with 4-bit activations, max_value calibrated to ",
		"  quantized dense_1: Dense → QuantizedDense with 4-bit weights, MaxPerAxisQuantizer (one scale per output channel)\n",
	} {
		if !strings.Contains(stdout, line) {
			t.Errorf("check stdout lacks %q:\n%s", line, stdout)
		}
	}
	if !strings.Contains(stdout, " on 2 inputs from the calibration batch (99.99th percentile ") {
		t.Errorf("the ReLU was not calibrated on the batch:\n%s", stdout)
	}

	out := filepath.Join(t.TempDir(), "pair.fbz")
	stdout, stderr, status = cli("convert", "-m", js, "-m", h5, "-o", out, "--quantize", "2,2,8", "--calibration", batch)
	if status != 0 || stderr != "" {
		t.Fatalf("convert: status %d, stderr %q", status, stderr)
	}
	if !strings.Contains(stdout, "\nquantization (2-bit weights, 2-bit activations, 8-bit input weights):\n") ||
		!strings.Contains(stdout, "with 2-bit activations, max_value calibrated to ") {
		t.Errorf("convert stdout:\n%s", stdout)
	}
}

func TestCalibrationFlagErrors(t *testing.T) {
	js := fixtures.Shared(t, "keras", "keras2.0_conv2d_model.json")
	h5 := fixtures.Shared(t, "keras", "keras2.0_conv2d_model_weights.h5")
	wrong := calibrationNPY(t, []int{1, 4, 4, 1}, make([]float32, 16))
	missing := filepath.Join(t.TempDir(), "missing.npy")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--calibration", wrong, js, h5},
			"cnn2snn: " + js + ", " + h5 + `: the calibration batch has shape (1, 4, 4, 1) but the model takes (None, 8, 8, 1): give a batch of at least one model input, batch first` + "\n"},
		{[]string{"convert", "-m", js, "-m", h5, "--calibration", wrong},
			"cnn2snn: " + js + ", " + h5 + `: the calibration batch has shape (1, 4, 4, 1) but the model takes (None, 8, 8, 1): give a batch of at least one model input, batch first` + "\n"},
		{[]string{"check", "--calibration", missing, js, h5}, "cnn2snn: " + missing + ": cannot read the calibration file: "},
	} {
		_, stderr, status := cli(c.args...)
		if status != 1 || !strings.HasPrefix(stderr, c.want) {
			t.Errorf("%v: status %d, stderr %q", c.args[:3], status, stderr)
		}
	}
}
