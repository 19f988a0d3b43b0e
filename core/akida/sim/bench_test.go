package sim

import (
	"testing"
)

// Benchmarks of one inference on real models: the simulator is built once
// (New), each iteration runs one seeded sample through Forward.

func benchmarkFixture(b *testing.B, file string, shape [3]int) {
	m := decodeFixture(b, file)
	s, err := New(m)
	if err != nil {
		b.Fatal(err)
	}
	in := seededInput(1, shape, 8, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := s.Forward(in, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForwardAkidaNetEI160 runs the Edge Impulse AkidaNet classifier
// (160×160×3, 16 layers, wider than AkidaNet 0.25).
func BenchmarkForwardAkidaNetEI160(b *testing.B) {
	benchmarkFixture(b, "v233_ei_akidanet_classifier.fbz", [3]int{160, 160, 3})
}

// BenchmarkForwardMobileNetHotdog224 runs the 224×224×3 MobileNet edge
// model (16 layers, 14 separable).
func BenchmarkForwardMobileNetHotdog224(b *testing.B) {
	benchmarkFixture(b, "legacy_mobilenet_edge_hotdog.fbz", [3]int{224, 224, 3})
}

// BenchmarkForwardFOMO224 runs the FOMO detector at 224×224×3.
func BenchmarkForwardFOMO224(b *testing.B) {
	benchmarkFixture(b, "v233_ei_inventory_fomo.fbz", [3]int{224, 224, 3})
}

// BenchmarkNew measures preparing a model (flips, reordering, bounds).
func BenchmarkNew(b *testing.B) {
	m := decodeFixture(b, "legacy_mobilenet_edge_hotdog.fbz")
	b.ReportAllocs()
	for range b.N {
		if _, err := New(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForwardAkidaNet025 runs AkidaNet 0.25 on one 224×224×3 input:
// the float fixture quantized the cnn2snn way (cnn2snnQuantized: 8-bit
// input layer, 4-bit weights and activations) and converted by
// core/convert. "active/op" is the share of non-zero activations, on
// which the work depends (zero inputs are skipped).
func BenchmarkForwardAkidaNet025(b *testing.B) {
	am := convertModel(b, cnn2snnQuantized(b, "akidanet_imagenet_224_alpha_25_keras2.10.h5"))
	s, err := New(am)
	if err != nil {
		b.Fatal(err)
	}
	in := seededInput(1, [3]int{224, 224, 3}, 8, 7)
	out, err := s.Forward(in, Options{KeepLayers: true})
	if err != nil {
		b.Fatal(err)
	}
	active, total := 0, 0
	for _, lo := range out.Layers[:len(out.Layers)-1] {
		for _, v := range lo.Data {
			if v != 0 {
				active++
			}
		}
		total += len(lo.Data)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := s.Forward(in, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(active)/float64(total), "active/op")
}
