package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
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
// (160×160×3, 16 layers), the AkidaNet family's stand-in until the
// converter can produce AkidaNet 0.25 at 224×224.
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

// BenchmarkForwardAkidaNet025Synthetic runs the AkidaNet 0.25 topology at
// 224×224×3 — the layers, kernels, strides and filter counts of
// ../shared/fixtures/keras/akidanet_imagenet_224_alpha_25 as the converter
// maps them (InputConvolutional, 3 Convolutional, 10 Separable, global
// average pooling, FullyConnected 1000) — with seeded random 4-bit
// weights and act_steps calibrated on the input so that activations are
// spread over the 4-bit levels. It stands in for the converted model
// until core.Convert can produce it; the work per inference depends on
// the share of zero activations, which is reported as "active/op".
func BenchmarkForwardAkidaNet025Synthetic(b *testing.B) {
	m, in := syntheticAkidaNet025(b)
	s, err := New(m)
	if err != nil {
		b.Fatal(err)
	}
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

// syntheticAkidaNet025 builds the synthetic AkidaNet 0.25 and one seeded
// 224×224×3 input. Each layer is first added without activation to read
// its potentials on the input; its act_step is then set so that the 95th
// percentile of the positive potentials reaches the top level 15.
func syntheticAkidaNet025(b *testing.B) (*akida.Model, Input) {
	r := rand.New(rand.NewPCG(25, 224))
	in := seededInput(1, [3]int{224, 224, 3}, 8, 224)
	m := &akida.Model{}
	type spec struct {
		sep             bool
		filters, stride int
	}
	specs := []spec{{false, 8, 2}, {false, 16, 1}, {false, 32, 2}, {false, 32, 1},
		{true, 64, 2}, {true, 64, 1}, {true, 128, 2}, {true, 128, 1}, {true, 128, 1},
		{true, 128, 1}, {true, 128, 1}, {true, 128, 1}, {true, 256, 2}, {true, 256, 1}}
	channels := 3
	for i, sp := range specs {
		o := akida.DefaultConvolutional()
		o.KernelSize, o.Filters, o.Stride, o.WeightsBits, o.ActBits = [2]int{3, 3}, sp.filters, [2]int{sp.stride, sp.stride}, 4, 4
		if i == len(specs)-1 {
			o.PoolType = akida.AveragePooling
		}
		var l *akida.Layer
		switch {
		case i == 0:
			o.WeightsBits = 8
			l = akida.NewInputConvolutional("conv_0", akida.InputConvolutionalOptions{InputShape: [3]int{224, 224, 3}, ConvolutionalOptions: o})
			setWeights(b, l, "weights", []int{3, 3, 3, sp.filters}, 8, randomInt8s(r, 27*sp.filters, 8))
		case sp.sep:
			l = akida.NewSeparableConvolutional(fmt.Sprintf("separable_%d", i), o)
			setWeights(b, l, "weights", []int{3, 3, channels, 1}, 4, randomInt8s(r, 9*channels, 4))
			setWeights(b, l, "weights_pw", []int{1, 1, channels, sp.filters}, 4, randomInt8s(r, channels*sp.filters, 4))
		default:
			l = akida.NewConvolutional(fmt.Sprintf("conv_%d", i), o)
			setWeights(b, l, "weights", []int{3, 3, channels, sp.filters}, 4, randomInt8s(r, 9*channels*sp.filters, 4))
		}
		calibrate(b, m, l, in, sp.filters)
		channels = sp.filters
	}
	o := akida.DefaultFullyConnected()
	o.Units, o.WeightsBits, o.Activation = 1000, 4, false
	fc := akida.NewFullyConnected("classifier", o)
	setWeights(b, fc, "weights", []int{1, 1, channels, 1000}, 4, randomInt8s(r, channels*1000, 4))
	setNeurons(b, fc, make([]int32, 1000), ones(1000))
	if err := m.Add(fc); err != nil {
		b.Fatal(err)
	}
	return m, in
}

// calibrate adds l to m, runs m to read l's potentials (threshold 0, no
// activation), and gives l a 4-bit activation whose top level sits at the
// 95th percentile of its positive potentials.
func calibrate(b *testing.B, m *akida.Model, l *akida.Layer, in Input, filters int) {
	l.Params.Set("activation", 0)
	setNeurons(b, l, make([]int32, filters), ones(filters))
	if err := m.Add(l); err != nil {
		b.Fatal(err)
	}
	out, err := Forward(m, in)
	if err != nil {
		b.Fatal(err)
	}
	var positive []int32
	for _, p := range out.Data {
		if p > 0 {
			positive = append(positive, p)
		}
	}
	slices.Sort(positive)
	step := float32(1)
	if len(positive) > 0 {
		step = max(1, float32(positive[len(positive)*95/100])/15)
	}
	steps := make([]float32, filters)
	for i := range steps {
		steps[i] = step
	}
	setNeurons(b, l, make([]int32, filters), steps)
	l.Params.Set("activation", 1)
}
