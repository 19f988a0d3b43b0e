package api

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// benchmarkPost measures one endpoint on a fixture through the whole
// handler (body reading, converter, JSON), natively or under GOOS=js.
func benchmarkPost(b *testing.B, target, fixture string) {
	data := fixtures.ReadShared(b, "keras", fixture)
	h := New(Config{})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", target, bytes.NewReader(data)))
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkInspectAkidaNet(b *testing.B) {
	benchmarkPost(b, "/v1/inspect", "akidanet_imagenet_224_alpha_25_keras2.10.h5")
}

func BenchmarkHealthz(b *testing.B) {
	h := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	}
}

func BenchmarkCheckAkidaNet(b *testing.B) {
	benchmarkPost(b, "/v1/check", "akidanet_imagenet_224_alpha_25_keras2.10.h5")
}

// BenchmarkConvertAkidaNet: quantize (4, 4, 8), convert and encode the
// float AkidaNet 0.25, the figure the issue asks for.
func BenchmarkConvertAkidaNet(b *testing.B) {
	benchmarkPost(b, "/v1/convert", "akidanet_imagenet_224_alpha_25_keras2.10.h5")
}
