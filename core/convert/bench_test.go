package convert

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

// The Akida 2.0 path on the quantizeml ECG fixture (conversion-v2.md §6):
// the model loaded once, then per iteration the quantizeml checks, the
// recording of the quantization variables and the Akida 2.0 generator
// (ConvertV2ECG), and the same followed by the .fbz encoding
// (ConvertEncodeV2ECG).

const ecgQuantizeML = "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"

func BenchmarkConvertV2ECG(b *testing.B) {
	m := loadFixture(b, ecgQuantizeML)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Convert(m, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConvertEncodeV2ECG(b *testing.B) {
	m := loadFixture(b, ecgQuantizeML)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		am, _, err := Convert(m, Options{})
		if err != nil {
			b.Fatal(err)
		}
		file, err := fbz.Encode(am, fbz.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n = len(file)
	}
	b.ReportMetric(float64(n), "fbz_bytes")
}
