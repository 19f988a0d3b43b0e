package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// referenceForward is a deliberately naive simulator written straight from
// the spec's formulas (akida-arithmetic.md §2), sharing nothing with the
// optimized kernels but the named choices: int64 sums, the kernel flip
// written as an index (K−1−k) instead of a flipped copy, the
// FullyConnected weight row looked up per input cell, windows recomputed
// per output, activationLevel per value. It returns every layer's output
// for one sample, as int64 so that an int32 wrap in the simulator would
// show.
func referenceForward(t testing.TB, m *akida.Model, sample []uint8) [][]int64 {
	t.Helper()
	shapes, err := m.Shapes()
	if err != nil {
		t.Fatal(err)
	}
	var outs [][]int64
	var x []int64
	for i, l := range m.Layers {
		in := shapes[i].Input
		switch l.Type {
		case akida.InputData:
			x = make([]int64, len(sample))
			for j, v := range sample {
				x[j] = int64(v)
			}
			outs = append(outs, x)
			continue
		case akida.InputConvolutional:
			if i == 0 {
				x = make([]int64, len(sample))
				for j, v := range sample {
					x[j] = int64(v)
				}
			}
		}
		var pot []int64
		var conv akida.Shape
		switch l.Type {
		case akida.InputConvolutional, akida.Convolutional, akida.SeparableConvolutional:
			pot, conv = refConvolution(t, l, x, in)
		case akida.FullyConnected:
			pot, conv = refFullyConnected(t, l, x, in)
		}
		pot, conv = refPool(l, pot, conv)
		x = refActivate(t, l, pot, conv[2])
		outs = append(outs, x)
	}
	return outs
}

// refAt reads cell (x, y, c) of an (X, Y, C) tensor, or pad outside it.
func refAt(v []int64, s akida.Shape, x, y, c int, pad int64) int64 {
	if x < 0 || x >= s[0] || y < 0 || y >= s[1] {
		return pad
	}
	return v[(x*s[1]+y)*s[2]+c]
}

// refOffsets is the TF Same rule, or Valid.
func refOffsets(n, k, s int, same bool) (out, before int) {
	if !same {
		return (n-k)/s + 1, 0
	}
	out = int(math.Ceil(float64(n) / float64(s)))
	total := (out-1)*s + k - n
	if total < 0 {
		total = 0
	}
	return out, total / 2
}

func refWeights(t testing.TB, l *akida.Layer, name string) []int8 {
	w, err := l.Variable(name).Int8s()
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func refConvolution(t testing.TB, l *akida.Layer, x []int64, in akida.Shape) ([]int64, akida.Shape) {
	p := &l.Params
	kx, ky, sx, sy := p.Int("kernel_width"), p.Int("kernel_height"), p.Int("stride_x"), p.Int("stride_y")
	same := p.Value("padding") == int32(akida.Same)
	ox, padX := refOffsets(in[0], kx, sx, same)
	oy, padY := refOffsets(in[1], ky, sy, same)
	C, F := in[2], p.Int("filters")
	w := refWeights(t, l, "weights")
	pad := int64(0)
	if l.Type == akida.InputConvolutional {
		pad = int64(p.Value("padding_value"))
	}
	// tap returns the input cell a kernel index reads: the stored index
	// for a cross-correlation, the mirrored one for a true convolution.
	tap := func(o, s, k, K, before int) int {
		if l.Type == akida.InputConvolutional {
			return o*s + k - before
		}
		return o*s + (K - 1 - k) - before
	}
	conv := akida.Shape{ox, oy, F}
	out := make([]int64, ox*oy*F)
	if l.Type == akida.SeparableConvolutional {
		pw := refWeights(t, l, "weights_pw")
		dw := make([]int64, C)
		for a := range ox {
			for b := range oy {
				for c := range C {
					dw[c] = 0
					for i := range kx {
						for j := range ky {
							dw[c] += int64(w[(i*ky+j)*C+c]) * refAt(x, in, tap(a, sx, i, kx, padX), tap(b, sy, j, ky, padY), c, 0)
						}
					}
				}
				for f := range F {
					var s int64
					for c := range C {
						s += int64(pw[c*F+f]) * dw[c]
					}
					out[(a*oy+b)*F+f] = s
				}
			}
		}
		return out, conv
	}
	for a := range ox {
		for b := range oy {
			for f := range F {
				var s int64
				for i := range kx {
					for j := range ky {
						for c := range C {
							s += int64(w[((i*ky+j)*C+c)*F+f]) * refAt(x, in, tap(a, sx, i, kx, padX), tap(b, sy, j, ky, padY), c, pad)
						}
					}
				}
				out[(a*oy+b)*F+f] = s
			}
		}
	}
	return out, conv
}

func refFullyConnected(t testing.TB, l *akida.Layer, x []int64, in akida.Shape) ([]int64, akida.Shape) {
	units := l.Params.Int("units")
	w := refWeights(t, l, "weights")
	out := make([]int64, units)
	for u := range units {
		for a := range in[0] {
			for b := range in[1] {
				for c := range in[2] {
					row := (c*in[1]+b)*in[0] + a // (C, Y, X) order
					out[u] += int64(w[row*units+u]) * refAt(x, in, a, b, c, 0)
				}
			}
		}
	}
	return out, akida.Shape{1, 1, units}
}

func refPool(l *akida.Layer, pot []int64, s akida.Shape) ([]int64, akida.Shape) {
	p := &l.Params
	if l.Type == akida.FullyConnected {
		return pot, s
	}
	switch akida.PoolType(p.Value("pool_type")) {
	case akida.AveragePooling: // global: the sum
		out := make([]int64, s[2])
		for i, v := range pot {
			out[i%s[2]] += v
		}
		return out, akida.Shape{1, 1, s[2]}
	case akida.MaxPooling:
		px, py := p.Int("pooling_width"), p.Int("pooling_height")
		sx, sy := p.Int("pooling_stride_x"), p.Int("pooling_stride_y")
		if sx <= 0 {
			sx = px
		}
		if sy <= 0 {
			sy = py
		}
		same := p.Value("padding") == int32(akida.Same)
		ox, padX := refOffsets(s[0], px, sx, same)
		oy, padY := refOffsets(s[1], py, sy, same)
		out := make([]int64, ox*oy*s[2])
		for a := range ox {
			for b := range oy {
				for f := range s[2] {
					best := int64(math.MinInt64)
					for i := range px {
						for j := range py {
							x, y := a*sx+i-padX, b*sy+j-padY
							if x >= 0 && x < s[0] && y >= 0 && y < s[1] {
								best = max(best, pot[(x*s[1]+y)*s[2]+f])
							}
						}
					}
					out[(a*oy+b)*s[2]+f] = best
				}
			}
		}
		return out, akida.Shape{ox, oy, s[2]}
	}
	return pot, s
}

func refActivate(t testing.TB, l *akida.Layer, pot []int64, neurons int) []int64 {
	th, err := l.Variable("threshold").Int32s()
	if err != nil {
		t.Fatal(err)
	}
	steps, err := l.Variable("act_step").Float32s()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(pot))
	for i, p := range pot {
		f := i % neurons
		switch {
		case l.Params.Value("activation") == 0:
			out[i] = p - int64(th[f])
		case p > math.MaxInt32 || p < math.MinInt32:
			t.Fatalf("layer %q: potential %d beyond int32", l.Name, p)
		default:
			out[i] = int64(activationLevel(int32(p), th[f], steps[f], l.Params.Int("act_bits")))
		}
	}
	return out
}

// compareWithReference runs the simulator with KeepLayers and checks every
// layer of every sample against referenceForward.
func compareWithReference(t *testing.T, m *akida.Model, in Input) {
	t.Helper()
	out, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := out.Forward(in, Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	size := in.Shape[1] * in.Shape[2] * in.Shape[3]
	for n := range in.Shape[0] {
		want := referenceForward(t, m, in.Data[n*size:(n+1)*size])
		for i, lo := range got.Layers {
			per := len(lo.Data) / in.Shape[0]
			g := lo.Data[n*per : (n+1)*per]
			if len(g) != len(want[i]) {
				t.Fatalf("sample %d layer %q: %d values, reference %d", n, lo.Name, len(g), len(want[i]))
			}
			for j := range g {
				if int64(g[j]) != want[i][j] {
					t.Fatalf("sample %d layer %q value %d: simulator %d, reference %d", n, lo.Name, j, g[j], want[i][j])
				}
			}
		}
	}
}

// randomModel builds a small random Akida 1.0 model: an input layer, up to
// three convolution-type layers with random kernels (odd and even),
// strides, paddings, poolings and bits, and optionally a FullyConnected;
// the last layer has no activation half of the time.
func randomModel(t *testing.T, r *rand.Rand) (*akida.Model, Input) {
	X, Y := 3+r.IntN(8), 3+r.IntN(8)
	C := 1 + r.IntN(3)
	m := &akida.Model{}
	add := func(l *akida.Layer) {
		if err := m.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	inputBits := 8
	if r.IntN(2) == 0 {
		inputBits = 1 + r.IntN(8)
		o := akida.DefaultInputData()
		o.InputShape, o.InputBits = [3]int{X, Y, C}, inputBits
		add(akida.NewInputData("input", o))
	}
	shape := akida.Shape{X, Y, C}
	layers := 1 + r.IntN(3)
	fc := r.IntN(3) == 0
	for i := range layers {
		o := akida.DefaultConvolutional()
		o.KernelSize = [2]int{1 + r.IntN(4), 1 + r.IntN(4)}
		o.Stride = [2]int{1 + r.IntN(2), 1 + r.IntN(2)}
		o.Filters = 1 + r.IntN(5)
		o.Padding = akida.Padding(r.IntN(2))
		if o.Padding == akida.Valid && (shape[0] < o.KernelSize[0] || shape[1] < o.KernelSize[1]) {
			o.Padding = akida.Same
		}
		o.WeightsBits, o.ActBits = 4, []int{1, 2, 4}[r.IntN(3)]
		o.Activation = fc || i < layers-1 || r.IntN(2) == 0
		var l *akida.Layer
		switch {
		case i == 0 && len(m.Layers) == 0:
			io := akida.InputConvolutionalOptions{InputShape: [3]int(shape), ConvolutionalOptions: o, PaddingValue: r.IntN(256)}
			io.WeightsBits = 8
			l = akida.NewInputConvolutional(fmt.Sprintf("l%d", i), io)
		case r.IntN(2) == 0:
			l = akida.NewSeparableConvolutional(fmt.Sprintf("l%d", i), o)
		default:
			l = akida.NewConvolutional(fmt.Sprintf("l%d", i), o)
		}
		add(l)
		shapes, err := m.Shapes()
		if err != nil {
			t.Fatal(err)
		}
		conv := shapes[len(shapes)-1].Output
		// Pooling on what the convolution gives.
		switch r.IntN(4) {
		case 0:
			l.Params.Set("pool_type", int32(akida.AveragePooling))
		case 1:
			px, py := 1+r.IntN(3), 1+r.IntN(3)
			if l.Params.Value("padding") == int32(akida.Valid) && (conv[0] < px || conv[1] < py) {
				break
			}
			l.Params.Set("pool_type", int32(akida.MaxPooling))
			l.Params.Set("pooling_width", int32(px))
			l.Params.Set("pooling_height", int32(py))
			l.Params.Set("pooling_stride_x", int32(r.IntN(3)-1)) // −1 means the pool size; 0 too
			l.Params.Set("pooling_stride_y", int32(1+r.IntN(2)))
		}
		if shapes, err = m.Shapes(); err != nil {
			t.Fatal(err)
		}
		in, out := shapes[len(shapes)-1].Input, shapes[len(shapes)-1].Output
		bits := o.WeightsBits
		if l.Type == akida.InputConvolutional {
			bits = 8
		}
		if l.Type == akida.SeparableConvolutional {
			setWeights(t, l, "weights", []int{o.KernelSize[0], o.KernelSize[1], in[2], 1}, bits, randomInt8s(r, o.KernelSize[0]*o.KernelSize[1]*in[2], bits))
			setWeights(t, l, "weights_pw", []int{1, 1, in[2], o.Filters}, bits, randomInt8s(r, in[2]*o.Filters, bits))
		} else {
			setWeights(t, l, "weights", []int{o.KernelSize[0], o.KernelSize[1], in[2], o.Filters}, bits, randomInt8s(r, o.KernelSize[0]*o.KernelSize[1]*in[2]*o.Filters, bits))
		}
		setRandomNeurons(t, r, l, o.Filters)
		shape = out
	}
	if fc {
		o := akida.DefaultFullyConnected()
		o.Units, o.WeightsBits, o.Activation, o.ActBits = 1+r.IntN(6), 4, r.IntN(2) == 0, 4
		l := akida.NewFullyConnected("fc", o)
		add(l)
		n := shape[0] * shape[1] * shape[2]
		setWeights(t, l, "weights", []int{1, 1, n, o.Units}, 4, randomInt8s(r, n*o.Units, 4))
		setRandomNeurons(t, r, l, o.Units)
	}
	in := Input{Shape: [4]int{2, X, Y, C}, Data: make([]uint8, 2*X*Y*C)}
	for i := range in.Data {
		in.Data[i] = uint8(r.IntN(1 << inputBits))
	}
	return m, in
}

func randomInt8s(r *rand.Rand, n, bits int) []int8 {
	out := make([]int8, n)
	lo := -(1 << (bits - 1))
	for i := range out {
		out[i] = int8(lo + r.IntN(1<<bits))
	}
	return out
}

func setRandomNeurons(t *testing.T, r *rand.Rand, l *akida.Layer, n int) {
	th := make([]int32, n)
	steps := make([]float32, n)
	for i := range th {
		th[i] = int32(r.IntN(400) - 200)
		steps[i] = float32(0.5 + 40*r.Float64())
	}
	setNeurons(t, l, th, steps)
}

func TestRandomModelsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(2025, 7))
	for i := range 300 {
		m, in := randomModel(t, r)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			compareWithReference(t, m, in)
		})
	}
}

// TestReferenceAgreesWithHandComputedModels makes sure the reference
// itself computes what the hand-computed tests expect.
func TestReferenceAgreesWithHandComputedModels(t *testing.T) {
	want := []int64{-3, -9, 1, 19, 25, 31}
	outs := referenceForward(t, inputConvModel(t, akida.Same), inputConvInput.Data)
	if got := outs[len(outs)-1]; !slices.Equal(got, want) {
		t.Errorf("reference InputConvolutional %v, want %v", got, want)
	}
	outs = referenceForward(t, poolModel(t, akida.Same, akida.MaxPooling, [2]int{2, 2}, [2]int{2, 2}), poolInput.Data)
	if got := outs[len(outs)-1]; !slices.Equal(got, []int64{-1, -3, -7, -9}) {
		t.Errorf("reference max pool %v, want [-1 -3 -7 -9]", got)
	}
}
