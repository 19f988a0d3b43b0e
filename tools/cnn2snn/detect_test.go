package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// The CLI tells an Akida model from a Keras one by content, through
// core.DetectKind, as the worker and the page do: an .fbz saved without
// its extension is re-encoded by convert, simulated by predict and refused
// by inspect as an Akida model; a Keras .h5 named .fbz converts.

func TestConvertFBZWithoutExtension(t *testing.T) {
	in := filepath.Join(t.TempDir(), "downloaded")
	if err := os.WriteFile(in, fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, status := fbzCLI("convert", in)
	if status != 0 || stderr != "" || !strings.HasPrefix(stdout, "wrote "+in+".kv.fbz: 5 layers, key/value format, version 2.3.3, ") {
		t.Errorf("status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	_, stderr, status = runCLI("inspect", in)
	want := "cnn2snn: " + in + ": this is an Akida model (.fbz), not a Keras model; it is already converted. Use 'cnn2snn summary' to look at it\n"
	if status != 1 || stderr != want {
		t.Errorf("inspect: status %d, stderr %q, want %q", status, stderr, want)
	}
}

func TestPredictFBZWithoutExtension(t *testing.T) {
	dir := t.TempDir()
	model := tinyFBZ(t, dir, false)
	renamed := strings.TrimSuffix(model, ".fbz") + ".bin"
	if err := os.Rename(model, renamed); err != nil {
		t.Fatal(err)
	}
	input := writeInput(t, dir, "x.npy", "|u1", []int{2, 2}, []byte{3, 5, 15, 0})
	stdout, stderr, status := fbzCLI("predict", renamed, "--input", input)
	if status != 0 || stderr != "" || !strings.HasPrefix(stdout, "outputs (2, 1, 1, 3) float32, akida predict\n") {
		t.Errorf("status %d, stderr %q, stdout %q", status, stderr, stdout)
	}
}

func TestConvertKerasNamedFBZ(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "model.fbz")
	if err := os.WriteFile(in, fixtures.ReadShared(t, "keras", "float_ecg_cnn_bn_keras2.15.h5"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.fbz")
	stdout, stderr, status := fbzCLI("convert", in, "-o", out)
	if status != 0 || !strings.HasPrefix(stdout, "wrote "+out+": ") {
		t.Errorf("status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
}

// inspect prints the load's warnings on stderr; the summary is unchanged.
func TestInspectWarnings(t *testing.T) {
	dir := fixtures.Repo(t, "core", "keras", "testdata", "keras2_double_encoded")
	stdout, stderr, status := runCLI("inspect", filepath.Join(dir, "model.json"), filepath.Join(dir, "model_weights.h5"))
	want := "cnn2snn: warning: model.json: the file holds the model's JSON inside a JSON string (as json.dump(model.to_json(), f) writes it); " +
		"it was read as the JSON it holds. Write the JSON itself: open(\"model.json\", \"w\").write(model.to_json())\n"
	if status != 0 || stderr != want || !strings.Contains(stdout, "Total params: 37\n") {
		t.Errorf("status %d, stderr %q, stdout %q", status, stderr, stdout)
	}
}
