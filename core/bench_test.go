package core

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// BenchmarkConvertQuantizeMLECG: the whole facade from the quantizeml ECG
// fixture's .h5 bytes to the Akida 2.0 .fbz — load, check, record the
// quantization variables, convert, encode — as every front end runs it.
func BenchmarkConvertQuantizeMLECG(b *testing.B) {
	file := File{Name: "ecg.h5", Data: fixtures.ReadShared(b, "keras", "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")}
	b.SetBytes(int64(len(file.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Convert([]File{file}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
