package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// fbzCLI runs the command line and returns its outputs and exit status.
func fbzCLI(args ...string) (stdout, stderr string, status int) {
	var out, errb bytes.Buffer
	status = run(args, &out, &errb)
	return out.String(), errb.String(), status
}

func TestSummaryText(t *testing.T) {
	path := fixtures.Shared(t, "akida", "v233_ei_pose_fc.fbz")
	want, err := os.ReadFile(fixtures.Repo(t, "core", "akida", "testdata", "v233_ei_pose_fc.summary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, status := fbzCLI("summary", path)
	if status != 0 || stdout != string(want) || stderr != "" {
		t.Errorf("status %d, stderr %q, stdout\n%s\nwant\n%s", status, stderr, stdout, want)
	}
}

func TestSummaryJSON(t *testing.T) {
	// Flags may also follow the file.
	path := fixtures.Shared(t, "akida", "legacy_ei_gesture_fc.fbz")
	for _, args := range [][]string{{"summary", "--json", path}, {"summary", path, "--json"}} {
		stdout, stderr, status := fbzCLI(args...)
		if status != 0 || stderr != "" {
			t.Fatalf("%v: status %d, stderr %q", args, status, stderr)
		}
		var m akida.ModelJSON
		if err := json.Unmarshal([]byte(stdout), &m); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stdout)
		}
		dense := m.Layers[1]
		if m.Version != "" || m.IPVersion != "v1" || len(m.Layers) != 5 || m.OutputShape[2] != 4 ||
			dense.Type != "FullyConnected" || dense.Params["weights_bits"] != 8 || dense.Params["layer_type"] != 3 ||
			dense.Variables[2].Name != "weights" || dense.Variables[2].Type != "int8" ||
			len(dense.Variables[2].Shape) != 4 || dense.Variables[2].Shape[2] != 51 || dense.Inbounds[0] != "sequential_6_input" {
			t.Errorf("%v: JSON %s", args, stdout)
		}
	}
}

func TestSummaryErrors(t *testing.T) {
	h5 := fixtures.Shared(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")
	missing := filepath.Join(t.TempDir(), "missing.fbz")
	for _, tc := range []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{"summary", h5}, 1, "cnn2snn: " + h5 + ": file: this is an HDF5 file (a Keras .h5 model?), not an Akida .fbz model: convert a Keras model with 'cnn2snn convert' first\n"},
		{[]string{"summary", missing}, 1, "cnn2snn: " + missing + ": cannot read the file: no such file or directory\n"},
		{[]string{"summary"}, 2, "usage: cnn2snn summary [--json] FILE.fbz\n"},
		{[]string{"summary", "a.fbz", "b.fbz"}, 2, "usage: cnn2snn summary [--json] FILE.fbz\n"},
	} {
		stdout, stderr, status := fbzCLI(tc.args...)
		if status != tc.status || !strings.HasPrefix(stderr, tc.stderr) || stdout != "" {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want %d, %q", tc.args, status, stdout, stderr, tc.status, tc.stderr)
		}
	}
}
