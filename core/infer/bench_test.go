package infer

import (
	"path/filepath"
	"testing"
)

// benchInput returns the first sample of a reference folder's batch.
func benchInput(b *testing.B, folder string) Tensor {
	b.Helper()
	in := readNPY(b, filepath.Join("testdata", "reference", folder, "input.npy"))
	per := len(in.Data) / in.Shape[0]
	return Tensor{Shape: append([]int{1}, in.Shape[1:]...), Data: in.Data[:per]}
}

func benchmarkModel(b *testing.B, folder string) {
	m := loadReferenceModel(b, folder)
	input := benchInput(b, folder)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Run(m, input, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAkidaNetFloat is the float AkidaNet 0.25 fixture on one
// 224×224×3 image (Rescaling, 4 Conv2D, 10 SeparableConv2D, 14 BN, 14
// ReLU, GAP, Dense 1000).
func BenchmarkAkidaNetFloat(b *testing.B) {
	benchmarkModel(b, "akidanet_imagenet_224_alpha_25_keras2.10")
}

// BenchmarkMobileNetVWW96 is MobileNetV1 0.25 (Visual Wake Words) on one
// 96×96×3 image: the DepthwiseConv2D path.
func BenchmarkMobileNetVWW96(b *testing.B) { benchmarkModel(b, "mobilenetv1_vww_96_keras2.4") }

// BenchmarkTinyCNN is the project-made 16×16×3 TF.js model: the per-layer
// overhead when the arithmetic is small.
func BenchmarkTinyCNN(b *testing.B) { benchmarkModel(b, "tfjs_tiny_cnn") }
