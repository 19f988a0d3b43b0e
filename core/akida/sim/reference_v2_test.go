package sim

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// refV2 is a deliberately naive Akida 2.0 simulator written straight from
// conversion-v2.md §5, sharing no code with the kernels: arbitrary
// precision integers (math/big) everywhere, so that no overflow can hide;
// every output computed on its own with its inputs gathered by index
// (transposed convolutions too, where the kernels scatter); kernel flips
// written as indices (K−1−k); the flattening of Dense1D written as its
// index; rounding as big.Int's arithmetic right shift. What it shares with
// the simulator are the spec's choices, written again here.
type refV2 struct {
	t      testing.TB
	m      *akida.Model
	shapes []akida.LayerShapes
}

// refTensor is one layer's outputs for one sample: integers or floats.
type refTensor struct {
	ints   []*big.Int
	floats []float32
	shape  akida.Shape
}

func (r *refV2) forward(in Input, sample int) []refTensor {
	var outs []refTensor
	index := map[string]int{}
	for i, l := range r.m.Layers {
		var ins []refTensor
		if i == 0 {
			ins = []refTensor{refInput(in, sample, r.shapes[0].Input)}
		}
		for _, name := range l.Inbounds {
			ins = append(ins, outs[index[name]])
		}
		outs = append(outs, r.layer(l, ins, r.shapes[i].Output))
		index[l.Name] = i
	}
	return outs
}

func refInput(in Input, sample int, s akida.Shape) refTensor {
	n := s[0] * s[1] * s[2]
	t := refTensor{shape: s}
	for j := range n {
		k := sample*n + j
		switch {
		case in.Float != nil:
			t.floats = append(t.floats, in.Float[k])
		case in.Int8 != nil:
			t.ints = append(t.ints, big.NewInt(int64(in.Int8[k])))
		default:
			t.ints = append(t.ints, big.NewInt(int64(in.Data[k])))
		}
	}
	return t
}

// refInts reads any integer variable; nil when absent.
func (r *refV2) refInts(l *akida.Layer, name string) []int64 {
	v := l.Variable(name)
	if v == nil {
		return nil
	}
	var out []int64
	switch v.Type {
	case akida.Int32:
		x, _ := v.Int32s()
		for _, e := range x {
			out = append(out, int64(e))
		}
	case akida.Uint8:
		x, _ := v.Uint8s()
		for _, e := range x {
			out = append(out, int64(e))
		}
	default:
		x, err := v.Int8s()
		if err != nil {
			r.t.Fatal(err)
		}
		for _, e := range x {
			out = append(out, int64(e))
		}
	}
	return out
}

// at returns a per-channel value: values[c], or the one value for all.
func at[T any](values []T, c int) T {
	if len(values) == 1 {
		return values[0]
	}
	return values[c]
}

func bigPow2(n int64) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(n)) }

// refSat clamps v to [lo, hi].
func refSat(v *big.Int, lo, hi *big.Int) *big.Int {
	switch {
	case v.Cmp(lo) < 0:
		return new(big.Int).Set(lo)
	case v.Cmp(hi) > 0:
		return new(big.Int).Set(hi)
	}
	return v
}

// refSatBits clamps v to bits-bit signed values.
func refSatBits(v *big.Int, bits int) *big.Int {
	return refSat(v, new(big.Int).Neg(bigPow2(int64(bits-1))), new(big.Int).Sub(bigPow2(int64(bits-1)), big.NewInt(1)))
}

// refShift is v·2^s, rounding half up for s < 0: floor((v + 2^(−s−1)) / 2^(−s)).
func refShift(v *big.Int, s int64) *big.Int {
	if s >= 0 {
		return new(big.Int).Lsh(v, uint(s))
	}
	x := new(big.Int).Add(v, bigPow2(-s-1))
	return x.Rsh(x, uint(-s)) // arithmetic: floor
}

func (r *refV2) layer(l *akida.Layer, ins []refTensor, out akida.Shape) refTensor {
	p := &l.Params
	switch l.Type {
	case akida.InputData:
		return ins[0]
	case akida.Quantizer:
		scales, _ := l.Variable("scales").Float32s()
		zp := r.refInts(l, "zero_points")
		bits := p.Int("output_bits")
		lo, hi := -(int64(1) << (bits - 1)), int64(1)<<(bits-1)-1
		if p.Value("output_signed") == 0 {
			lo, hi = -(int64(1) << bits), int64(1)<<bits-1
		}
		t := refTensor{shape: out}
		for i, x := range ins[0].floats {
			c := i % out[2]
			q := math.RoundToEven(float64(x * at(scales, c)))
			q = min(max(q, float64(lo)), float64(hi))
			v := int64(q)
			if zp != nil {
				v = min(max(v+at(zp, c), lo), hi)
			}
			t.ints = append(t.ints, big.NewInt(v))
		}
		return t
	case akida.Dequantizer:
		scales, _ := l.Variable("scales").Float32s()
		t := refTensor{shape: out}
		for i, v := range ins[0].ints {
			t.floats = append(t.floats, float32(v.Int64())*at(scales, i%out[2]))
		}
		return t
	case akida.Concatenate:
		t := refTensor{shape: out}
		for cell := range out[0] * out[1] {
			for _, in := range ins {
				t.ints = append(t.ints, in.ints[cell*in.shape[2]:(cell+1)*in.shape[2]]...)
			}
		}
		return t
	case akida.Add:
		return r.add(l, ins, out)
	}
	return r.neural(l, ins[0], out)
}

func (r *refV2) add(l *akida.Layer, ins []refTensor, out akida.Shape) refTensor {
	bb, ob := l.Params.Int("buffer_bits"), l.Params.Int("output_bits")
	as, bs, os := r.refInts(l, "a_shift"), r.refInts(l, "b_shift"), r.refInts(l, "output_shift")
	t := refTensor{shape: out}
	for i := range ins[0].ints {
		c := i % out[2]
		a, b := ins[0].ints[i], ins[1].ints[i]
		if as != nil {
			a = refShift(a, at(as, c))
		}
		if bs != nil {
			b = refShift(b, at(bs, c))
		}
		s := refSatBits(new(big.Int).Add(refSatBits(a, bb), refSatBits(b, bb)), bb)
		if os != nil {
			s = refShift(s, at(os, c))
		}
		t.ints = append(t.ints, refSatBits(s, ob))
	}
	return t
}

// neural computes an Akida 2.0 neural layer, one output at a time.
func (r *refV2) neural(l *akida.Layer, in refTensor, out akida.Shape) refTensor {
	p := &l.Params
	bb := p.Int("buffer_bits")
	x := in.ints
	// 1. Input shift.
	if s := r.refInts(l, "input_shift"); s != nil {
		x = make([]*big.Int, len(in.ints))
		for i, v := range in.ints {
			x[i] = refSatBits(refShift(v, s[i%len(s)]), bb)
		}
	}
	// 2. Sums.
	sums, conv := r.sums(l, x, in.shape)
	// 3. Saturation and bias.
	bias, biasShift := r.refInts(l, "bias"), r.refInts(l, "bias_shift")
	for i, v := range sums {
		v = refSatBits(v, bb)
		if bias != nil {
			n := i % conv[2]
			b := big.NewInt(at(bias, n))
			if biasShift != nil {
				b = refShift(b, at(biasShift, n))
			}
			v = refSatBits(new(big.Int).Add(v, refSatBits(b, bb)), bb)
		}
		sums[i] = v
	}
	// 4. Max pooling.
	kind := akida.PoolType(p.Value("pool_type"))
	global := kind == akida.AveragePooling
	if kind == akida.MaxPooling {
		sums, conv = refMaxPool(l, sums, conv)
	}
	// 5. Activation, 6. global sum.
	sums = r.activate(l, sums, conv[2])
	if global {
		total := make([]*big.Int, conv[2])
		for n := range total {
			total[n] = new(big.Int)
		}
		for i, v := range sums {
			total[i%conv[2]].Add(total[i%conv[2]], v)
		}
		for n, v := range total {
			total[n] = refSat(v, new(big.Int).Neg(bigPow2(32)), new(big.Int).Sub(bigPow2(32), big.NewInt(1)))
		}
		sums = total
	}
	// 7. Output stage and saturation.
	ob, pb := p.Int("output_bits"), p.Int("post_op_buffer_bits")
	lo, hi := new(big.Int).Neg(bigPow2(int64(ob-1))), new(big.Int).Sub(bigPow2(int64(ob-1)), big.NewInt(1))
	if akida.ActivationType(p.Value("activation")) == akida.ReLU && ob < 8 {
		lo, hi = new(big.Int), new(big.Int).Sub(bigPow2(int64(ob)), big.NewInt(1))
	}
	scales, shifts := r.refInts(l, "output_scales"), r.refInts(l, "output_shift")
	t := refTensor{shape: out}
	for i, v := range sums {
		n := i % out[2]
		if scales != nil || shifts != nil {
			if scales != nil {
				v = new(big.Int).Mul(v, big.NewInt(at(scales, n)))
			}
			v = refSat(v, new(big.Int).Neg(bigPow2(int64(pb))), new(big.Int).Sub(bigPow2(int64(pb)), big.NewInt(1)))
			if shifts != nil {
				v = refShift(v, at(shifts, n))
			}
		}
		t.ints = append(t.ints, refSat(v, lo, hi))
	}
	if len(t.ints) != out[0]*out[1]*out[2] {
		r.t.Fatalf("layer %q: reference computed %d values for %v", l.Name, len(t.ints), out)
	}
	return t
}

// sums computes Σ x·w per output (before pooling) and its shape.
func (r *refV2) sums(l *akida.Layer, x []*big.Int, in akida.Shape) ([]*big.Int, akida.Shape) {
	p := &l.Params
	w := r.refInts(l, "weights")
	X, Y, C := in[0], in[1], in[2]
	cell := func(a, b, c int) *big.Int { return x[(a*Y+b)*C+c] }
	var out []*big.Int
	switch l.Type {
	case akida.Dense1D:
		U := p.Int("units")
		for n := range U {
			s := new(big.Int)
			for a := range X {
				for b := range Y {
					for c := range C {
						k := (a*Y+b)*C + c // Keras flatten order
						s.Add(s, new(big.Int).Mul(cell(a, b, c), big.NewInt(w[k*U+n])))
					}
				}
			}
			out = append(out, s)
		}
		return out, akida.Shape{1, 1, U}
	case akida.Conv2DTranspose, akida.DepthwiseConv2DTranspose:
		K := p.Int("kernel_size")
		F, depthwise := p.Int("filters"), l.Type == akida.DepthwiseConv2DTranspose
		if depthwise {
			F = C
		}
		pad := max(K-2, 0) / 2
		for ox := range 2 * X {
			for oy := range 2 * Y {
				for n := range F {
					s := new(big.Int)
					for kx := range K {
						for ky := range K {
							// Gather: the input cell whose scatter reaches
							// (ox, oy) through tap (kx, ky).
							ix2, iy2 := ox+pad-kx, oy+pad-ky
							if ix2 < 0 || iy2 < 0 || ix2%2 != 0 || iy2%2 != 0 || ix2/2 >= X || iy2/2 >= Y {
								continue
							}
							if depthwise {
								s.Add(s, new(big.Int).Mul(cell(ix2/2, iy2/2, n), big.NewInt(w[(kx*K+ky)*C+n])))
								continue
							}
							for c := range C {
								s.Add(s, new(big.Int).Mul(cell(ix2/2, iy2/2, c), big.NewInt(w[((kx*K+ky)*C+c)*F+n])))
							}
						}
					}
					out = append(out, s)
				}
			}
		}
		return out, akida.Shape{2 * X, 2 * Y, F}
	}
	// InputConv2D, Conv2D, DepthwiseConv2D.
	K, S := p.Int("kernel_size"), p.Int("kernel_stride")
	same := p.Value("padding") == int32(akida.Same)
	ox, padX := refOffsets(X, K, S, same)
	oy, padY := refOffsets(Y, K, S, same)
	depthwise := l.Type == akida.DepthwiseConv2D
	F := p.Int("filters")
	if depthwise {
		F = C
	}
	padValue := r.refInts(l, "padding_value")
	for a := range ox {
		for b := range oy {
			for n := range F {
				s := new(big.Int)
				for kx := range K {
					for ky := range K {
						// Stored index: as is for InputConv2D, mirrored for
						// the true convolutions.
						sx, sy := kx, ky
						if l.Type != akida.InputConv2D {
							sx, sy = K-1-kx, K-1-ky
						}
						i, j := a*S+kx-padX, b*S+ky-padY
						for c := range C {
							if depthwise && c != n {
								continue
							}
							var v *big.Int
							switch {
							case i >= 0 && i < X && j >= 0 && j < Y:
								v = cell(i, j, c)
							case padValue != nil:
								v = big.NewInt(at(padValue, c))
							default:
								continue
							}
							wi := ((sx*K+sy)*C+c)*F + n
							if depthwise {
								wi = (sx*K+sy)*C + c
							}
							s.Add(s, new(big.Int).Mul(v, big.NewInt(w[wi])))
						}
					}
				}
				out = append(out, s)
			}
		}
	}
	return out, akida.Shape{ox, oy, F}
}

func refMaxPool(l *akida.Layer, v []*big.Int, s akida.Shape) ([]*big.Int, akida.Shape) {
	p := &l.Params
	size, stride := p.Int("pool_size"), p.Int("pool_stride")
	if stride <= 0 {
		stride = size
	}
	same := p.Value("padding") == int32(akida.Same)
	ox, padX := refOffsets(s[0], size, stride, same)
	oy, padY := refOffsets(s[1], size, stride, same)
	var out []*big.Int
	for a := range ox {
		for b := range oy {
			for f := range s[2] {
				var best *big.Int
				for i := range size {
					for j := range size {
						x, y := a*stride+i-padX, b*stride+j-padY
						if x >= 0 && x < s[0] && y >= 0 && y < s[1] {
							if c := v[(x*s[1]+y)*s[2]+f]; best == nil || c.Cmp(best) > 0 {
								best = c
							}
						}
					}
				}
				out = append(out, best)
			}
		}
	}
	return out, akida.Shape{ox, oy, s[2]}
}

func (r *refV2) activate(l *akida.Layer, v []*big.Int, F int) []*big.Int {
	p := &l.Params
	out := make([]*big.Int, len(v))
	switch akida.ActivationType(p.Value("activation")) {
	case akida.ReLU:
		mv, ms := r.refInts(l, "max_value"), r.refInts(l, "max_value_shift")
		for i, x := range v {
			if x.Sign() < 0 {
				x = new(big.Int)
			}
			if mv != nil {
				ceiling := big.NewInt(at(mv, i%F))
				if ms != nil {
					ceiling = refShift(ceiling, at(ms, i%F))
				}
				if x.Cmp(ceiling) > 0 {
					x = ceiling
				}
			}
			out[i] = x
		}
	case akida.LUT:
		table := r.refInts(l, "lut_values")
		scales, shifts := r.refInts(l, "activation_scales"), r.refInts(l, "activation_shift")
		bits := 0
		for 1<<bits < len(table) {
			bits++
		}
		pb := p.Int("post_op_buffer_bits")
		for i, x := range v {
			n := i % F
			u := refSat(new(big.Int).Mul(x, big.NewInt(at(scales, n))), new(big.Int).Neg(bigPow2(int64(pb))), new(big.Int).Sub(bigPow2(int64(pb)), big.NewInt(1)))
			u = refSatBits(refShift(u, at(shifts, n)), bits)
			out[i] = big.NewInt(table[u.Int64()+int64(len(table)/2)])
		}
	default:
		copy(out, v)
	}
	return out
}

// compareV2WithReference runs the simulator with KeepLayers and checks
// every layer of every sample against refV2.
func compareV2WithReference(t *testing.T, m *akida.Model, in Input) {
	t.Helper()
	got := run(t, m, in)
	shapes, err := m.Shapes()
	if err != nil {
		t.Fatal(err)
	}
	r := &refV2{t: t, m: m, shapes: shapes}
	for n := range in.Shape[0] {
		want := r.forward(in, n)
		for i, lo := range got.Layers {
			w := want[i]
			if w.floats != nil {
				per := len(lo.Float) / in.Shape[0]
				if g := lo.Float[n*per : (n+1)*per]; !slices.Equal(g, w.floats) {
					t.Fatalf("sample %d layer %q: simulator %v, reference %v", n, lo.Name, g, w.floats)
				}
				continue
			}
			per := len(lo.Data) / in.Shape[0]
			g := lo.Data[n*per : (n+1)*per]
			if len(g) != len(w.ints) {
				t.Fatalf("sample %d layer %q: %d values, reference %d", n, lo.Name, len(g), len(w.ints))
			}
			for j := range g {
				if !w.ints[j].IsInt64() || int64(g[j]) != w.ints[j].Int64() {
					t.Fatalf("sample %d layer %q value %d: simulator %d, reference %v", n, lo.Name, j, g[j], w.ints[j])
				}
			}
		}
	}
}

// v2Random builds random Akida 2.0 models.
type v2Random struct {
	t *testing.T
	r *rand.Rand
	m *akida.Model
	n int // layers made, for names
}

func (g *v2Random) name(kind string) string {
	g.n++
	return fmt.Sprintf("%s_%d", kind, g.n)
}

func (g *v2Random) add(l *akida.Layer, ins ...*akida.Layer) akida.Shape {
	if err := g.m.Add(l, ins...); err != nil {
		g.t.Fatal(err)
	}
	s, err := g.m.LayerOutputShape(l.Name)
	if err != nil {
		g.t.Fatal(err)
	}
	return s
}

func (g *v2Random) int8s(n, lo, hi int) []int8 {
	out := make([]int8, n)
	for i := range out {
		out[i] = int8(lo + g.r.IntN(hi-lo+1))
	}
	return out
}

func (g *v2Random) uint8s(n, lo, hi int) []uint8 {
	out := make([]uint8, n)
	for i := range out {
		out[i] = uint8(lo + g.r.IntN(hi-lo+1))
	}
	return out
}

// channels is the count of a per-channel variable: all channels, or
// sometimes one value for all.
func (g *v2Random) channels(n int) int {
	if g.r.IntN(5) == 0 {
		return 1
	}
	return n
}

// bits picks random bit widths: small ones to reach saturation, and the
// converter's 28/8/32.
func (g *v2Random) bits() akida.Bits {
	if g.r.IntN(3) == 0 {
		return akida.Bits{OutputBits: 8, BufferBits: 28, PostOpBufferBits: 32}
	}
	return akida.Bits{OutputBits: 2 + g.r.IntN(14), BufferBits: 10 + g.r.IntN(23), PostOpBufferBits: 12 + g.r.IntN(30)}
}

// variables sets the variables every v2 neural layer may have, for f
// output channels and an input of c channels (or features for Dense1D).
func (g *v2Random) variables(l *akida.Layer, f, inputShifts int) {
	t := g.t
	if g.r.IntN(2) == 0 {
		n := g.channels(f)
		setInt8s(t, l, "bias", []int{n}, g.int8s(n, -128, 127)...)
		if g.r.IntN(4) != 0 {
			setUint8s(t, l, "bias_shift", []int{n}, g.uint8s(n, 0, 6)...)
		}
	}
	if inputShifts > 0 && g.r.IntN(3) == 0 {
		n := g.channels(inputShifts)
		setUint8s(t, l, "input_shift", []int{n}, g.uint8s(n, 0, 3)...)
	}
	switch akida.ActivationType(l.Params.Value("activation")) {
	case akida.ReLU:
		if g.r.IntN(2) == 0 {
			n := g.channels(f)
			setUint8s(t, l, "max_value", []int{n}, g.uint8s(n, 0, 255)...)
			setUint8s(t, l, "max_value_shift", []int{n}, g.uint8s(n, 0, 4)...)
		}
	case akida.LUT:
		size := 1 << (1 + g.r.IntN(6))
		table := make([]int32, size)
		for i := range table {
			table[i] = int32(g.r.IntN(2001) - 1000)
		}
		setInt32s(t, l, "lut_values", []int{size}, table...)
		n := g.channels(f)
		setUint8s(t, l, "activation_scales", []int{n}, g.uint8s(n, 1, 255)...)
		setInt8s(t, l, "activation_shift", []int{n}, g.int8s(n, -12, 1)...)
	}
	if g.r.IntN(4) != 0 {
		n := g.channels(f)
		if g.r.IntN(5) != 0 {
			setUint8s(t, l, "output_scales", []int{n}, g.uint8s(n, 1, 255)...)
		}
		setInt8s(t, l, "output_shift", []int{n}, g.int8s(n, -14, 2)...)
	}
}

// activation picks none, ReLU or LUT.
func (g *v2Random) activation() akida.ActivationType {
	return akida.ActivationType(g.r.IntN(3))
}

// pool sets a random pooling on a convolution's options when it fits.
func (g *v2Random) pool(o *akida.Conv2DOptions, conv akida.Shape) {
	switch g.r.IntN(4) {
	case 0:
		o.PoolType, o.PoolSize = akida.AveragePooling, -1
	case 1:
		size := 1 + g.r.IntN(3)
		if o.Padding == akida.Valid && (conv[0] < size || conv[1] < size) {
			return
		}
		o.PoolType, o.PoolSize, o.PoolStride = akida.MaxPooling, size, g.r.IntN(4)-1
	}
}

// conv adds a random InputConv2D, Conv2D or DepthwiseConv2D.
func (g *v2Random) conv(kind akida.LayerType, in akida.Shape, inbound *akida.Layer, pools bool) (*akida.Layer, akida.Shape) {
	t := g.t
	o := akida.DefaultConv2D()
	o.KernelSize, o.KernelStride, o.Filters = 1+g.r.IntN(4), 1+g.r.IntN(2), 1+g.r.IntN(4)
	o.Padding = akida.Padding(g.r.IntN(2))
	if o.Padding == akida.Valid && (in[0] < o.KernelSize || in[1] < o.KernelSize) {
		o.Padding = akida.Same
	}
	o.Activation, o.Bits = g.activation(), g.bits()
	C, F := in[2], o.Filters
	if kind == akida.DepthwiseConv2D {
		F = C
	}
	if pools {
		sx, _ := windowOffsets(in[0], o.KernelSize, o.KernelStride, o.Padding == akida.Same)
		sy, _ := windowOffsets(in[1], o.KernelSize, o.KernelStride, o.Padding == akida.Same)
		g.pool(&o, akida.Shape{sx, sy, F})
	}
	var l *akida.Layer
	k := o.KernelSize
	switch kind {
	case akida.InputConv2D:
		l = akida.NewInputConv2D(g.name("input_conv"), akida.InputConv2DOptions{InputShape: [3]int(in), Conv2DOptions: o})
		setInt8s(t, l, "weights", []int{k, k, C, F}, g.int8s(k*k*C*F, -128, 127)...)
		if g.r.IntN(2) == 0 {
			n := g.channels(C)
			setUint8s(t, l, "padding_value", []int{n}, g.uint8s(n, 0, 255)...)
		}
		g.variables(l, F, 0)
	case akida.Conv2D:
		l = akida.NewConv2D(g.name("conv"), o)
		setInt8s(t, l, "weights", []int{k, k, C, F}, g.int8s(k*k*C*F, -128, 127)...)
		g.variables(l, F, C)
	default:
		l = akida.NewDepthwiseConv2D(g.name("dw"), o)
		setInt8s(t, l, "weights", []int{k, k, C, 1}, g.int8s(k*k*C, -128, 127)...)
		g.variables(l, F, C)
	}
	if inbound == nil {
		return l, g.add(l)
	}
	return l, g.add(l, inbound)
}

// transpose adds a random transposed convolution.
func (g *v2Random) transpose(in akida.Shape, inbound *akida.Layer) (*akida.Layer, akida.Shape) {
	t := g.t
	o := akida.DefaultConv2DTranspose()
	o.KernelSize, o.Filters, o.Activation, o.Bits = 1+g.r.IntN(4), 1+g.r.IntN(3), g.activation(), g.bits()
	k, C := o.KernelSize, in[2]
	var l *akida.Layer
	if g.r.IntN(2) == 0 {
		l = akida.NewConv2DTranspose(g.name("tconv"), o)
		setInt8s(t, l, "weights", []int{k, k, C, o.Filters}, g.int8s(k*k*C*o.Filters, -128, 127)...)
		g.variables(l, o.Filters, C)
	} else {
		l = akida.NewDepthwiseConv2DTranspose(g.name("dtconv"), o)
		setInt8s(t, l, "weights", []int{k, k, C, 1}, g.int8s(k*k*C, -128, 127)...)
		g.variables(l, C, C)
	}
	return l, g.add(l, inbound)
}

// randomV2Model builds an input layer (signed InputData, InputConv2D on
// uint8 images, or Quantizer → InputData on floats), up to three layers
// among the convolutions, sometimes a residual Add or a Concatenate, a
// Dense1D half of the time and a Dequantizer half of the time; and two
// samples of input.
func randomV2Model(t *testing.T, r *rand.Rand) (*akida.Model, Input) {
	g := &v2Random{t: t, r: r, m: &akida.Model{}}
	X, Y, C := 1+r.IntN(6), 1+r.IntN(6), 1+r.IntN(3)
	shape := akida.Shape{X, Y, C}
	var last *akida.Layer
	in := Input{Shape: [4]int{2, X, Y, C}}
	n := 2 * X * Y * C
	switch r.IntN(3) {
	case 0:
		last, shape = g.conv(akida.InputConv2D, shape, nil, true)
		in.Data = g.uint8s(n, 0, 255)
	case 1:
		last = signedInput([3]int(shape))
		g.add(last)
		in.Int8 = g.int8s(n, -128, 127)
	default:
		q := akida.NewQuantizer("quantizer", akida.QuantizerOptions{InputShape: [3]int(shape), OutputBits: 2 + r.IntN(7), OutputSigned: r.IntN(2) == 0})
		cs := g.channels(C)
		scales := make([]float32, cs)
		for i := range scales {
			scales[i] = float32(math.Ldexp(1, r.IntN(6)))
		}
		setFloat32s(t, q, "scales", []int{cs}, scales...)
		if q.Params.Value("output_signed") == 0 {
			setUint8s(t, q, "zero_points", []int{cs}, g.uint8s(cs, 0, 8)...)
		}
		g.add(q)
		o := akida.DefaultInputData()
		o.InputShape, o.InputBits, o.Signed = [3]int(shape), 8, true
		last = akida.NewInputData("input", o)
		g.add(last, q)
		in.Float = make([]float32, n)
		for i := range in.Float {
			in.Float[i] = float32(r.NormFloat64() * 8)
		}
	}
	for range r.IntN(4) {
		switch r.IntN(5) {
		case 0:
			if shape[0]*shape[1] <= 16 {
				last, shape = g.transpose(shape, last)
				continue
			}
			fallthrough
		case 1, 2:
			last, shape = g.conv(akida.Conv2D, shape, last, true)
		case 3:
			last, shape = g.conv(akida.DepthwiseConv2D, shape, last, true)
		case 4:
			// A fork joined by an Add (a same-shaped 1×1 or 3×3 Same conv
			// beside the identity) or a Concatenate (any conv beside it).
			o := akida.DefaultConv2D()
			o.KernelSize, o.Filters, o.Activation, o.Bits = 1+2*r.IntN(2), shape[2], g.activation(), g.bits()
			b := akida.NewConv2D(g.name("branch"), o)
			setInt8s(t, b, "weights", []int{o.KernelSize, o.KernelSize, shape[2], shape[2]}, g.int8s(o.KernelSize*o.KernelSize*shape[2]*shape[2], -128, 127)...)
			g.variables(b, shape[2], shape[2])
			g.add(b, last)
			var join *akida.Layer
			if r.IntN(2) == 0 {
				join = akida.NewAdd(g.name("add"), g.bits())
				for _, name := range []string{"a_shift", "b_shift"} {
					if r.IntN(3) != 0 {
						k := g.channels(shape[2])
						setUint8s(t, join, name, []int{k}, g.uint8s(k, 0, 4)...)
					}
				}
				if r.IntN(2) == 0 {
					k := g.channels(shape[2])
					setInt8s(t, join, "output_shift", []int{k}, g.int8s(k, -6, 1)...)
				}
			} else {
				join = akida.NewConcatenate(g.name("concat"))
			}
			shape = g.add(join, last, b)
			last = join
		}
	}
	if r.IntN(2) == 0 {
		o := akida.DefaultDense1D()
		o.Units, o.Activation, o.Bits = 1+r.IntN(5), g.activation(), g.bits()
		l := akida.NewDense1D(g.name("dense"), o)
		features := shape[0] * shape[1] * shape[2]
		setInt8s(t, l, "weights", []int{features, o.Units}, g.int8s(features*o.Units, -128, 127)...)
		g.variables(l, o.Units, features)
		shape = g.add(l, last)
	}
	if r.IntN(2) == 0 {
		d := akida.NewDequantizer("dequantizer")
		k := g.channels(shape[2])
		scales := make([]float32, k)
		for i := range scales {
			scales[i] = float32(r.Float64() / 64)
		}
		setFloat32s(t, d, "scales", []int{k}, scales...)
		g.add(d)
	}
	return g.m, in
}

func TestRandomV2ModelsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 2))
	for i := range 400 {
		m, in := randomV2Model(t, r)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			compareV2WithReference(t, m, in)
		})
	}
}

// TestV2ReferenceAgreesWithHandComputedModels makes sure the reference
// itself computes what the hand-computed tests expect.
func TestV2ReferenceAgreesWithHandComputedModels(t *testing.T) {
	m := residualModel(t)
	shapes, err := m.Shapes()
	if err != nil {
		t.Fatal(err)
	}
	outs := (&refV2{t: t, m: m, shapes: shapes}).forward(Input{Shape: [4]int{1, 2, 2, 1}, Int8: int8s(1, -1, 2, 5)}, 0)
	var add []int64
	for _, v := range outs[3].ints {
		add = append(add, v.Int64())
	}
	if !slices.Equal(add, []int64{2, -1, 3, 8}) || !slices.Equal(outs[4].floats, []float32{1, -0.5, 1.5, 4}) {
		t.Errorf("reference residual model: Add %v, Dequantizer %v", add, outs[4].floats)
	}
}
