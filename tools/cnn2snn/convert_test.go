package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// copyFixture copies a real .fbz file into a temporary directory.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, fixtures.ReadShared(t, "akida", name), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConvertReencodesLegacyFile(t *testing.T) {
	in := copyFixture(t, "legacy_mobilenet_edge_hotdog.fbz")
	original, _ := os.ReadFile(in)
	out := filepath.Join(t.TempDir(), "hotdog kv.fbz")
	stdout, stderr, status := fbzCLI("convert", in, "-o", out)
	if status != 0 {
		t.Fatalf("status %d, stderr %s", status, stderr)
	}
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "wrote " + out + ": 16 layers, key/value format, version 2.19.1, " + strconv.Itoa(len(written)) + " bytes\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	// The edge-learning configuration cannot be written: one warning line.
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 ||
		!strings.HasPrefix(lines[0], "cnn2snn: warning: "+in+`: layer "akida_edge_layer": its edge-learning configuration (learning_type=1, num_weights=350`) {
		t.Errorf("stderr %q", stderr)
	}
	m, err := fbz.Decode(written)
	if err != nil || m.Version != "2.19.1" || len(m.Layers) != 16 || m.Layers[15].Learning != nil {
		t.Errorf("the output decodes to %v, %v", m, err)
	}
	if now, _ := os.ReadFile(in); !bytes.Equal(now, original) {
		t.Error("the input changed")
	}
}

func TestConvertDefaultOutputBesideInput(t *testing.T) {
	in := copyFixture(t, "v233_ei_pose_fc.fbz")
	stdout, stderr, status := fbzCLI("convert", in)
	want := strings.TrimSuffix(in, ".fbz") + ".kv.fbz"
	if status != 0 || stderr != "" || !strings.HasPrefix(stdout, "wrote "+want+": 5 layers, key/value format, version 2.3.3, ") {
		t.Fatalf("status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	a, _ := fbz.Decode(fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz"))
	written, _ := os.ReadFile(want)
	b, err := fbz.Decode(written)
	if err != nil || a.Summary() != b.Summary() {
		t.Errorf("the re-encoded file differs: %v", err)
	}
}

func TestConvertReencodeCreatesFolders(t *testing.T) {
	// As for a Keras conversion (and cnn2snn's convert), missing folders
	// of the output path are created.
	in := copyFixture(t, "v233_ei_pose_fc.fbz")
	out := filepath.Join(t.TempDir(), "new", "folder", "pose.fbz")
	stdout, stderr, status := fbzCLI("convert", in, "-o", out)
	written, err := os.ReadFile(out)
	if status != 0 || stderr != "" || err != nil || !strings.HasPrefix(stdout, "wrote "+out+": 5 layers, key/value format, version 2.3.3, "+strconv.Itoa(len(written))+" bytes") {
		t.Errorf("status %d, stdout %q, stderr %q, %v", status, stdout, stderr, err)
	}
}

func TestConvertErrors(t *testing.T) {
	in := copyFixture(t, "v233_ei_pose_fc.fbz")
	data, _ := os.ReadFile(in)
	broken := filepath.Join(t.TempDir(), "broken.fbz")
	os.WriteFile(broken, data[:1000], 0o644)
	for _, tc := range []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{"convert", in, "-o", in}, 1, "cnn2snn: " + in + ": the output would overwrite the input: choose another name with -o\n"},
		{[]string{"convert", broken}, 1, "cnn2snn: " + broken + ": Snappy block: a literal of 968 bytes is cut off by the end of the file (at file byte 982) (the file is damaged or is not an Akida .fbz model)\n"},
		{[]string{"convert"}, 2, "usage: cnn2snn convert -m FILE"},
	} {
		stdout, stderr, status := fbzCLI(tc.args...)
		if status != tc.status || !strings.HasPrefix(stderr, tc.stderr) || stdout != "" ||
			(tc.status == 1 && strings.Count(stderr, "\n") != 1) {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want %d, %q", tc.args, status, stdout, stderr, tc.status, tc.stderr)
		}
	}
	if _, err := os.Stat(strings.TrimSuffix(broken, ".fbz") + ".kv.fbz"); err == nil {
		t.Error("a failed conversion wrote an output file")
	}
}
