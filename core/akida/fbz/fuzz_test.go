package fbz_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

// FuzzDecode feeds arbitrary bytes to Decode. Seeds: testdata/fuzz/FuzzDecode
// (written by `go run ./tools/fbzgen`). Decode must return a model or an
// error, never panic; a decoded model must summarise, and if it re-encodes,
// the re-encoded file must decode to the same model.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, file []byte) {
		m, err := fbz.Decode(file)
		if err != nil {
			if m != nil {
				t.Fatalf("Decode returned a model and the error %v", err)
			}
			return
		}
		_ = m.Summary()
		_ = m.JSON()
		out, err := fbz.Encode(m, fbz.Options{})
		if err != nil {
			return // e.g. a parameter set Encode does not accept
		}
		again, err := fbz.Decode(out)
		if err != nil {
			t.Fatalf("a re-encoded model does not decode: %v", err)
		}
		if m.Version == "" {
			m.Version = fbz.DefaultVersion
		}
		for _, l := range m.Layers {
			l.Learning = nil // not written by Encode
		}
		sameModel(t, again, m)
	})
}

// readSeed reads one file of the fuzz corpus.
func readSeed(t *testing.T, name string) []byte {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzDecode", name))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") {
		t.Fatalf("%s is not a corpus file of one []byte", name)
	}
	b, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return []byte(b)
}

func TestFuzzSeedsAreValidModels(t *testing.T) {
	// The hand-built seeds decode, so the fuzzer mutates real models.
	for name, layers := range map[string]int{"akida1_padded": 3, "akida1_unpadded": 3, "akida2_padded": 3, "legacy_learning": 2} {
		m, err := fbz.Decode(readSeed(t, name))
		if err != nil || len(m.Layers) != layers {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if name == "legacy_learning" {
			dense := m.Layer("dense")
			if dense.Learning == nil || dense.Learning.NumWeights != 2 || dense.Variable("threshold") == nil {
				t.Errorf("legacy seed: learning %+v, variables %v", dense.Learning, describe(dense))
			}
		}
	}
}
