package fbz_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

// FuzzDecode feeds arbitrary bytes to Decode, and to DecodePayload as if
// they were a decompressed payload (mutated .fbz files rarely get past the
// Snappy stream; mutated payloads exercise the FlatBuffer reader). Seeds:
// testdata/fuzz/FuzzDecode (written by `go run ./tools/fbzgen`). Decoding
// must return a model or an error, never panic; a decoded model must
// summarise, and if it re-encodes, the re-encoded file must decode to the
// same model.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecoded(t, fbz.Decode, data)
		checkDecoded(t, fbz.DecodePayload, data)
	})
}

func checkDecoded(t *testing.T, decode func([]byte) (*akida.Model, error), data []byte) {
	t.Helper()
	m, err := decode(data)
	if err != nil {
		if m != nil {
			t.Fatalf("a model and the error %v", err)
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
	for name, layers := range map[string]int{"akida1_padded": 3, "akida1_unpadded": 3, "akida2_padded": 3, "legacy_learning": 2,
		"akida1_payload": 3, "akida2_payload": 3, "legacy_learning_payload": 2} {
		decode := fbz.Decode
		if strings.HasSuffix(name, "_payload") {
			decode = fbz.DecodePayload
		}
		m, err := decode(readSeed(t, name))
		if err != nil || len(m.Layers) != layers {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.HasPrefix(name, "legacy_learning") {
			dense := m.Layer("dense")
			if dense.Learning == nil || dense.Learning.NumWeights != 2 || dense.Variable("threshold") == nil {
				t.Errorf("legacy seed: learning %+v, variables %v", dense.Learning, describe(dense))
			}
		}
	}
}
