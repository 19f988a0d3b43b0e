package quantize_test

import (
	"testing"
	"time"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// BenchmarkFloatToAkida2 measures the figure: a float model to an
// Akida 2.0 .fbz with the facade's defaults (quantizeml's parameters with
// per-tensor activations, 128 random calibration samples), loading
// excluded. Besides ns/op it reports each phase in ms/op: calibrate (the
// float forward passes with observers), quantize (the rest of
// QuantizeML: sanitize, quantized layers, ranges and equalization),
// convert and encode.
func BenchmarkFloatToAkida2(b *testing.B) {
	for _, c := range []struct{ name, file string }{{"MobileNetVWW96", mobileNetVWW}, {"AkidaNet", akidaNet}} {
		b.Run(c.name, func(b *testing.B) {
			m := loadFixture(b, c.file)
			p := quantize.DefaultQuantizationParams()
			p.PerTensorActivations = true
			var calibrate, quant, conv, enc time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				var first, last time.Time
				start := time.Now()
				qm, _, err := quantize.QuantizeML(m, quantize.QMLOptions{Params: p, Progress: func(done, total int) {
					if done == 0 {
						first = time.Now()
					}
					if done == total {
						last = time.Now()
					}
				}})
				if err != nil {
					b.Fatal(err)
				}
				quantized := time.Now()
				am, _, err := convert.Convert(qm, convert.Options{Target: convert.TargetV2})
				if err != nil {
					b.Fatal(err)
				}
				converted := time.Now()
				if _, err := fbz.Encode(am, fbz.Options{}); err != nil {
					b.Fatal(err)
				}
				calibrate += last.Sub(first)
				quant += quantized.Sub(start) - last.Sub(first)
				conv += converted.Sub(quantized)
				enc += time.Since(converted)
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
			b.ReportMetric(ms(calibrate), "calibrate-ms/op")
			b.ReportMetric(ms(quant), "quantize-ms/op")
			b.ReportMetric(ms(conv), "convert-ms/op")
			b.ReportMetric(ms(enc), "encode-ms/op")
		})
	}
}
