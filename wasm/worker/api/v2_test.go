package api

import (
	"bytes"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// A quantizeml model converts to Akida 2.0 by default, through the Worker
// as through the CLI: the same bytes, the target in a header; target=v1
// refuses it with the Akida 1.0 diagnostics.
func TestConvertAkida2(t *testing.T) {
	const name = "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"
	data := fixtures.ReadShared(t, "keras", name)
	h := New(Config{})
	rec := serve(t, h, "POST", "/v1/convert?filename="+name, bytes.NewReader(data))
	if rec.Code != 200 || rec.Header().Get("X-Cnn2snn-Target") != "v2" || rec.Header().Get("X-Cnn2snn-Layers") != "6" {
		t.Fatalf("convert: %d target %q layers %q: %s", rec.Code, rec.Header().Get("X-Cnn2snn-Target"), rec.Header().Get("X-Cnn2snn-Layers"), rec.Body)
	}
	want, err := core.Convert([]core.File{{Name: name, Data: data}}, core.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), want.FBZ) {
		t.Error("the Worker's .fbz differs from the facade's")
	}
	if got := akidaLayers(t, rec.Body.Bytes()); got != "conv2d:InputConv2D conv2d_1:Conv2D conv2d_2:Conv2D dense:Dense1D dense_1:Dense1D dequantizer:Dequantizer" {
		t.Errorf("layers %s", got)
	}
	rec = serve(t, h, "POST", "/v1/convert?target=v1&filename="+name, bytes.NewReader(data))
	if rec.Code != 400 {
		t.Errorf("target=v1: %d", rec.Code)
	}
}
