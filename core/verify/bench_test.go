package verify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/verify"
)

// BenchmarkAgreement prints the agreement figures of every convertible
// fixture for `make bench`, as benchmark metrics (they are figures, not
// pass/fail tests): on seeded uniform inputs (not real data: images of
// noise), the top-1 agreement of the Akida model with the float Keras
// model (float_top1_%), with the quantized Keras model (top1_%) and, each
// last layer alone, with the quantized Keras levels before it
// (alone_top1_%); the isolated boundary rate (boundary_%); and the time
// per sample of a verification (ns/sample: quantize and convert once, then
// per sample the quantized Keras model, the Akida model, every Akida layer
// alone twice and the float model).
func BenchmarkAgreement(b *testing.B) {
	for _, fc := range fixtureCases {
		samples := 64
		if strings.HasPrefix(fc.files[0], "akidanet") {
			samples = 16
		}
		b.Run(strings.TrimSuffix(fc.files[0], ".h5"), func(b *testing.B) {
			var files []core.File
			for _, n := range fc.files {
				files = append(files, core.File{Name: n, Data: fixtures.ReadShared(b, "keras", n)})
			}
			var r *verify.Result
			start := time.Now()
			for b.Loop() {
				var err error
				if r, err = core.Verify(files, core.Options{}, verify.Options{Samples: samples, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*samples), "ns/sample")
			b.ReportMetric(100**r.FloatTop1Agreement, "float_top1_%")
			b.ReportMetric(100*r.OutputAgreement, "top1_%")
			b.ReportMetric(100*r.IsolatedOutputAgreement, "alone_top1_%")
			b.ReportMetric(100*r.BoundaryRate, "boundary_%")
			b.ReportMetric(float64(samples), "samples")
		})
	}
}
