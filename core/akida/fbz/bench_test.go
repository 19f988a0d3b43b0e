package fbz_test

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/akidatest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

// The largest fixture: legacy_mobilenet_edge_hotdog.fbz, a 1928752-byte
// payload. Throughput is reported per payload byte.
const benchFile = "legacy_mobilenet_edge_hotdog.fbz"

func BenchmarkDecode(b *testing.B) {
	file := readFixture(b, benchFile)
	payload, err := fbz.Decompress(file)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fbz.Decode(file); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	m := decodeFixture(b, benchFile)
	payload, err := fbz.EncodePayload(m, fbz.DefaultVersion)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fbz.Encode(m, fbz.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeAkida2 encodes the Akida 2.0 test graph (every v2 layer
// kind): Model.Check with its shape and variable checks, then the payload.
func BenchmarkEncodeAkida2(b *testing.B) {
	m := akidatest.Graph(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fbz.Encode(m, fbz.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
