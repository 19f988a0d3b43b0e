package sim

import (
	"math/rand/v2"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// ecgSizedModel is an Akida 2.0 model of the size of the spec's quantizeml
// ECG fixture (conversion-v2.md §6.2): a 128×128×1 uint8 input, an
// InputConv2D and two Conv2D of 16, 32 and 64 filters (3×3, Same, max pool
// 3/3, ReLU, 8-bit outputs, 28-bit buffers) giving 43×43, 15×15 and 5×5,
// Dense1D 1600 → 96 (ReLU) and 96 → 5 (no output stage), and a
// Dequantizer. Weights and biases are seeded random int8, output scales
// 128…255 and shifts chosen so that the activations spread over 0…127
// as a trained model's do. The converter of the real fixture is not
// written yet; this model has its shapes and arithmetic, not its values.
func ecgSizedModel(t testing.TB) *akida.Model {
	r := rand.New(rand.NewPCG(128, 1))
	ints := func(n, lo, hi int) []int8 {
		out := make([]int8, n)
		for i := range out {
			out[i] = int8(lo + r.IntN(hi-lo+1))
		}
		return out
	}
	bytes := func(n, lo, hi int) []uint8 {
		out := make([]uint8, n)
		for i := range out {
			out[i] = uint8(lo + r.IntN(hi-lo+1))
		}
		return out
	}
	neural := func(l *akida.Layer, weights []int, shift int8, outputStage bool) {
		n := 1
		for _, d := range weights {
			n *= d
		}
		f := weights[len(weights)-1]
		setInt8s(t, l, "weights", weights, ints(n, -127, 127)...)
		setInt8s(t, l, "bias", []int{f}, ints(f, -128, 127)...)
		setUint8s(t, l, "bias_shift", []int{f}, bytes(f, 0, 6)...)
		if outputStage {
			setUint8s(t, l, "output_scales", []int{f}, bytes(f, 128, 255)...)
			shifts := make([]int8, f)
			for i := range shifts {
				shifts[i] = shift - int8(r.IntN(2))
			}
			setInt8s(t, l, "output_shift", []int{f}, shifts...)
		}
	}
	block := func() akida.Conv2DOptions {
		o := akida.DefaultConv2D()
		o.KernelSize, o.Padding = 3, akida.Same
		o.PoolType, o.PoolSize, o.PoolStride = akida.MaxPooling, 3, 3
		o.Activation, o.Bits = akida.ReLU, akida.Bits{OutputBits: 8, BufferBits: 28, PostOpBufferBits: 32}
		return o
	}
	io := akida.InputConv2DOptions{InputShape: [3]int{128, 128, 1}, Conv2DOptions: block()}
	io.Filters = 16
	conv := akida.NewInputConv2D("conv2d", io)
	neural(conv, []int{3, 3, 1, 16}, -17, true)
	setUint8s(t, conv, "padding_value", []int{1}, 0)
	o := block()
	o.Filters = 32
	conv1 := akida.NewConv2D("conv2d_1", o)
	neural(conv1, []int{3, 3, 16, 32}, -18, true)
	o.Filters = 64
	conv2 := akida.NewConv2D("conv2d_2", o)
	neural(conv2, []int{3, 3, 32, 64}, -19, true)
	do := akida.DefaultDense1D()
	do.Units, do.Activation = 96, akida.ReLU
	dense := akida.NewDense1D("dense", do)
	neural(dense, []int{1600, 96}, -20, true)
	do = akida.DefaultDense1D()
	do.Units, do.Bits = 5, akida.Bits{OutputBits: 28, BufferBits: 28, PostOpBufferBits: 32}
	dense1 := akida.NewDense1D("dense_1", do)
	neural(dense1, []int{96, 5}, 0, false)
	dq := akida.NewDequantizer("dequantizer")
	setFloat32s(t, dq, "scales", []int{5}, 1.3624798e-4, 1.9002457e-4, 1.5614780e-4, 1.5635494e-4, 1.4303571e-4)
	return model(t, conv, conv1, conv2, dense, dense1, dq)
}

// ecgInput is n seeded uint8 samples of 128×128×1.
func ecgInput(n int) Input {
	return seededInput(n, [3]int{128, 128, 1}, 8, 5)
}

func TestECGSizedModel(t *testing.T) {
	// The benchmark's model: shapes as the spec's table, activations
	// spread (not all 0, not all saturated), and every layer equal to the
	// naive reference's.
	m := ecgSizedModel(t)
	in := ecgInput(1)
	out := run(t, m, in)
	wantShapes := [][4]int{{1, 43, 43, 16}, {1, 15, 15, 32}, {1, 5, 5, 64}, {1, 1, 1, 96}, {1, 1, 1, 5}, {1, 1, 1, 5}}
	for i, lo := range out.Layers {
		if lo.Shape != wantShapes[i] {
			t.Errorf("layer %q: shape %v, want %v", lo.Name, lo.Shape, wantShapes[i])
		}
	}
	for _, lo := range out.Layers[:4] {
		zero, top := 0, 0
		for _, v := range lo.Data {
			switch v {
			case 0:
				zero++
			case 127:
				top++
			}
		}
		if zero == len(lo.Data) || zero+top == len(lo.Data) || top > len(lo.Data)/4 {
			t.Errorf("layer %q: %d of %d outputs are 0 and %d are 127: the benchmark's activations are degenerate", lo.Name, zero, len(lo.Data), top)
		}
	}
	if len(out.Float) != 5 {
		t.Fatalf("%d float outputs, want 5", len(out.Float))
	}
	if testing.Short() {
		t.Skip("skipped in -short mode: the naive reference takes seconds")
	}
	compareV2WithReference(t, m, in)
}

// BenchmarkForwardV2ECGSized runs one 128×128×1 sample through the
// ECG-sized Akida 2.0 model (about 15 million multiply-accumulates).
// "active/op" is the share of non-zero activations of the hidden layers.
func BenchmarkForwardV2ECGSized(b *testing.B) {
	s, err := New(ecgSizedModel(b))
	if err != nil {
		b.Fatal(err)
	}
	in := ecgInput(1)
	out, err := s.Forward(in, Options{KeepLayers: true})
	if err != nil {
		b.Fatal(err)
	}
	active, total := 0, 0
	for _, lo := range out.Layers[:4] {
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

// BenchmarkNewV2ECGSized measures preparing the ECG-sized model (flips,
// variables, bounds).
func BenchmarkNewV2ECGSized(b *testing.B) {
	m := ecgSizedModel(b)
	b.ReportAllocs()
	for range b.N {
		if _, err := New(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForwardV2ECG runs one 128×128×1 uint8 sample through the
// quantizeml ECG fixture converted for Akida 2.0 by core/convert (its real
// weights, which BenchmarkForwardV2ECGSized's model only sizes like).
func BenchmarkForwardV2ECG(b *testing.B) {
	const file = "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"
	km, err := keras.Load([]keras.File{{Name: file, Data: fixtures.ReadShared(b, "keras", file)}})
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(convertModel(b, km))
	if err != nil {
		b.Fatal(err)
	}
	in := ecgInput(1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Forward(in, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
