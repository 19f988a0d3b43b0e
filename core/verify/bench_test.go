package verify_test

import (
	"os"
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

// BenchmarkAgreementV2 prints the Akida 2.0 figures of every quantizeml
// model (v2_test.go's cases) for `make bench`: on the seeded inputs a user
// would give (uint8 images, int8 values, floats over the InputQuantizer's
// calibrated range), the top-1 agreement of the Akida model with the
// quantized Keras model, chained (top1_%) and the last layer alone
// (alone_top1_%); the smallest per-layer share of equal values, chained
// (min_layer_%) and alone (min_alone_%); the differences alone that a
// named cause explains (explained) and that none does (unexplained); and
// the time per sample of a verification (ns/sample: load and convert
// once, then per sample the quantizeml forward pass, the Akida model and
// the layers whose Keras inputs differ from Akida's run alone).
func BenchmarkAgreementV2(b *testing.B) {
	for _, tc := range v2Cases {
		samples := 64
		b.Run(strings.TrimSuffix(tc.name, ".h5"), func(b *testing.B) {
			data, err := os.ReadFile(tc.path(b))
			if err != nil {
				b.Fatal(err)
			}
			files := []core.File{{Name: tc.name, Data: data}}
			var r *verify.Result
			start := time.Now()
			for b.Loop() {
				if r, err = core.Verify(files, core.Options{}, verify.Options{Samples: samples, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			minLayer, minAlone := 1.0, 1.0
			for _, l := range r.Layers {
				minLayer, minAlone = min(minLayer, l.Agreement), min(minAlone, l.Isolated.Agreement)
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*samples), "ns/sample")
			b.ReportMetric(100*r.OutputAgreement, "top1_%")
			b.ReportMetric(100*r.IsolatedOutputAgreement, "alone_top1_%")
			b.ReportMetric(100*minLayer, "min_layer_%")
			b.ReportMetric(100*minAlone, "min_alone_%")
			b.ReportMetric(float64(r.Explained), "explained")
			b.ReportMetric(float64(r.Unexplained), "unexplained")
			b.ReportMetric(float64(samples), "samples")
		})
	}
}
