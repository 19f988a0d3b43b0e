package quantize_test

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// BenchmarkQuantizeConvertEncodeAkidaNet measures the figure:
// quantize + convert + encode of the float AkidaNet 0.25 fixture (the 2 MB
// .h5), loading excluded (BenchmarkLoadAkidaNet measures it).
func BenchmarkQuantizeConvertEncodeAkidaNet(b *testing.B) {
	m := loadFixture(b, akidaNet)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		qm, _, err := quantize.Model(m, quantize.DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		am, _, err := convert.Convert(qm, convert.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := fbz.Encode(am, fbz.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuantizeAkidaNet is the quantization alone.
func BenchmarkQuantizeAkidaNet(b *testing.B) {
	m := loadFixture(b, akidaNet)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := quantize.Model(m, quantize.DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadAkidaNet is the load the benchmarks above exclude.
func BenchmarkLoadAkidaNet(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		loadFixture(b, akidaNet)
	}
}

// BenchmarkQuantizeECG includes the calibration of its four unbounded
// ReLUs on 16 seeded 128×128 inputs.
func BenchmarkQuantizeECG(b *testing.B) {
	m := loadFixture(b, floatECG)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := quantize.Model(m, quantize.DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
