package fbz

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz/fbzschema"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/golang/snappy"
	flatbuffers "github.com/google/flatbuffers/go"
)

func TestDecodeBudget(t *testing.T) {
	// Real models use a fraction of the budget (8× the payload + 64 KiB).
	for _, file := range []string{"v233_ei_pose_fc.fbz", "legacy_ei_gesture_fc.fbz", "v233_ei_akidanet_classifier.fbz", "legacy_mobilenet_edge_hotdog.fbz"} {
		payload, err := Decompress(fixtures.ReadShared(t, "akida", file))
		if err != nil {
			t.Fatal(err)
		}
		d := &decoder{buf: payload, budget: 8*len(payload) + 1<<16}
		start := d.budget
		if _, err := d.model(); err != nil {
			t.Fatal(err)
		}
		used := start - d.budget
		t.Logf("%s: %d bytes charged for a %d-byte payload (%.3f×)", file, used, len(payload), float64(used)/float64(len(payload)))
		if used > len(payload)+1<<16 {
			t.Errorf("%s: %d bytes charged, more than the payload + 64 KiB", file, used)
		}
	}
}

func TestSharedTablesCannotAmplify(t *testing.T) {
	// 50 layer offsets all point at one layer whose 4000 parameter entries
	// all point at one entry: a 16 KB payload that would decode to 200000
	// parameters if tables were followed without a bound.
	const layerCount, n = 50, 4000
	b := flatbuffers.NewBuilder(0)
	key := b.CreateString("k")
	fbzschema.ParamEntryStart(b)
	fbzschema.ParamEntryAddKey(b, key)
	entry := fbzschema.ParamEntryEnd(b)
	fbzschema.ParamMapStartEntriesVector(b, n)
	for range n {
		b.PrependUOffsetT(entry)
	}
	entries := b.EndVector(n)
	fbzschema.ParamMapStart(b)
	fbzschema.ParamMapAddEntries(b, entries)
	pm := fbzschema.ParamMapEnd(b)
	fbzschema.LayerParamsStart(b)
	fbzschema.LayerParamsAddParams(b, pm)
	params := fbzschema.LayerParamsEnd(b)
	name := b.CreateString("x")
	fbzschema.LayerStart(b)
	fbzschema.LayerAddName(b, name)
	fbzschema.LayerAddParams(b, params)
	layer := fbzschema.LayerEnd(b)
	fbzschema.ModelStartLayersVector(b, layerCount)
	for range layerCount {
		b.PrependUOffsetT(layer)
	}
	layers := b.EndVector(layerCount)
	fbzschema.ModelStart(b)
	fbzschema.ModelAddLayers(b, layers)
	b.Finish(fbzschema.ModelEnd(b))
	payload := b.FinishedBytes()

	_, err := DecodePayload(payload)
	if err == nil || !strings.Contains(err.Error(), "the payload refers to the same data far more often than a real model does") {
		t.Errorf("error %v, want the budget error", err)
	}
}

func TestCompressMatchesSnappyEncode(t *testing.T) {
	// compress splits the payload among workers; the result must be the
	// bytes of a single snappy.Encode, zero-padded to 32 + n + n/6.
	hotdog, err := Decompress(fixtures.ReadShared(t, "akida", "legacy_mobilenet_edge_hotdog.fbz"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 65535, 65536, 65537, 3*65536 + 5, len(hotdog)} {
		payload := hotdog[:n]
		want := snappy.Encode(nil, payload)
		for _, workers := range []int{1, 2, 3, 8} {
			file, stream := compress(payload, workers)
			if len(file) != 32+n+n/6 || !bytes.Equal(file[:stream], want) || bytes.ContainsFunc(file[stream:], func(r rune) bool { return r != 0 }) {
				t.Errorf("%d bytes, %d workers: file of %d bytes, stream %d bytes equal to snappy.Encode's %d: %v",
					n, workers, len(file), stream, len(want), bytes.Equal(file[:stream], want))
			}
		}
	}
}

func TestVariableDataIsNotCopied(t *testing.T) {
	// Decode keeps variable data as slices of the decompressed payload:
	// the only copy of the weights is the Snappy decoding itself. The
	// slices are capped, so appending to one cannot overwrite the payload.
	payload, err := Decompress(fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz"))
	if err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(payload)
	m, err := DecodePayload(payload)
	if err != nil {
		t.Fatal(err)
	}
	w := m.Layer("dense").Variable("weights")
	if cap(w.Data) != len(w.Data) {
		t.Errorf("weights data has capacity %d for %d bytes", cap(w.Data), len(w.Data))
	}
	w.Data[0] ^= 0xff
	if bytes.Equal(payload, before) {
		t.Error("changing the decoded weights did not change the payload: the data was copied")
	}
}
