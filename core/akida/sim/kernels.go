package sim

import (
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// The integer kernels. Every buffer is (x, y, channels) in C order, so one
// cell's channels are contiguous; the inner loops run over output
// channels (filters/units) with a weight row that is contiguous too, and
// skip zero inputs (most activation levels are 0). Nothing here
// allocates: the workspace holds every buffer.

// workspace holds the buffers of one run: the input sample and, per layer,
// its potentials, depthwise sums (Separable), pooled potentials and
// outputs. Layers write their outputs into their own buffer, so a run can
// keep every layer's values.
type workspace struct {
	input   []int32
	buffers []buffers
}

type buffers struct {
	potentials []int32 // before pooling (conv shape)
	depthwise  []int32 // Separable only
	out        []int32 // after pooling and activation (out shape)
}

func newWorkspace(layers []*layer) *workspace {
	in := layers[0].in
	ws := &workspace{input: make([]int32, in[0]*in[1]*in[2]), buffers: make([]buffers, len(layers))}
	for i, l := range layers {
		if l.typ == akida.InputData {
			continue
		}
		b := &ws.buffers[i]
		b.potentials = make([]int32, l.conv[0]*l.conv[1]*l.conv[2])
		if l.typ == akida.SeparableConvolutional {
			b.depthwise = make([]int32, l.conv[0]*l.conv[1]*l.in[2])
		}
		if l.pool.kind == akida.NoPooling {
			b.out = b.potentials // activation in place
		} else {
			b.out = make([]int32, l.out[0]*l.out[1]*l.out[2])
		}
	}
	return ws
}

// forward runs the layer on one sample and returns its output buffer.
func (l *layer) forward(in []int32, b *buffers) []int32 {
	switch l.typ {
	case akida.InputData:
		return in
	case akida.InputConvolutional, akida.Convolutional:
		l.correlate(in, b.potentials)
	case akida.SeparableConvolutional:
		l.depthwiseCorrelate(in, b.depthwise)
		l.pointwiseSum(b.depthwise, b.potentials)
	case akida.FullyConnected:
		l.dot(in, b.potentials)
	}
	switch {
	case l.pool.global:
		sumPositions(b.potentials, b.out)
	case l.pool.kind == akida.MaxPooling:
		l.maxPool(b.potentials, b.out)
	}
	l.activate(b.out)
	return b.out
}

// correlate computes the cross-correlation of the input with l.weights
// (kx, ky, c, f); Convolutional weights were flipped by New. Cells outside
// the input hold paddingValue (choice #14: InputConvolutional's
// padding_value, 0 for the others).
func (l *layer) correlate(in, pot []int32) {
	inX, inY, C := l.in[0], l.in[1], l.in[2]
	outX, outY, F := l.conv[0], l.conv[1], l.conv[2]
	tap := C * F
	for ox := range outX {
		for oy := range outY {
			acc := pot[(ox*outY+oy)*F:][:F]
			clear(acc)
			for kx := range l.kx {
				ix := ox*l.sx + kx - l.padX
				for ky := range l.ky {
					iy := oy*l.sy + ky - l.padY
					w := l.weights[(kx*l.ky+ky)*tap:][:tap]
					if ix < 0 || ix >= inX || iy < 0 || iy >= inY {
						if l.paddingValue != 0 {
							for c := range C {
								accumulate(acc, l.paddingValue, w[c*F:][:F])
							}
						}
						continue
					}
					cell := in[(ix*inY+iy)*C:][:C]
					for c, v := range cell {
						if v != 0 {
							accumulate(acc, v, w[c*F:][:F])
						}
					}
				}
			}
		}
	}
}

// accumulate adds v·w to acc element by element (len(w) == len(acc)). It
// is the inner loop of every layer. Eight elements per iteration: under
// GOOS=js the per-iteration cost dominates and this is about 40% faster
// than the plain loop (natively the same or slightly faster).
func accumulate(acc []int32, v int32, w []int32) {
	w = w[:len(acc)]
	f := 0
	for ; f+8 <= len(acc); f += 8 {
		a, b := acc[f:f+8:f+8], w[f:f+8:f+8]
		a[0] += v * b[0]
		a[1] += v * b[1]
		a[2] += v * b[2]
		a[3] += v * b[3]
		a[4] += v * b[4]
		a[5] += v * b[5]
		a[6] += v * b[6]
		a[7] += v * b[7]
	}
	for ; f < len(acc); f++ {
		acc[f] += v * w[f]
	}
}

// depthwiseCorrelate computes each channel's cross-correlation with its
// own (flipped) kernel l.weights (kx, ky, c); padding cells are 0.
func (l *layer) depthwiseCorrelate(in, dw []int32) {
	inX, inY, C := l.in[0], l.in[1], l.in[2]
	outX, outY := l.conv[0], l.conv[1]
	for ox := range outX {
		for oy := range outY {
			acc := dw[(ox*outY+oy)*C:][:C]
			clear(acc)
			for kx := range l.kx {
				ix := ox*l.sx + kx - l.padX
				if ix < 0 || ix >= inX {
					continue
				}
				for ky := range l.ky {
					iy := oy*l.sy + ky - l.padY
					if iy < 0 || iy >= inY {
						continue
					}
					cell := in[(ix*inY+iy)*C:][:C]
					w := l.weights[(kx*l.ky+ky)*C:][:C]
					for c, v := range cell {
						acc[c] += v * w[c]
					}
				}
			}
		}
	}
}

// pointwiseSum applies the pointwise kernel l.pointwise (c, f) to every
// cell of the depthwise sums.
func (l *layer) pointwiseSum(dw, pot []int32) {
	C, F := l.in[2], l.conv[2]
	cells := l.conv[0] * l.conv[1]
	for i := range cells {
		acc := pot[i*F:][:F]
		clear(acc)
		for c, v := range dw[i*C:][:C] {
			if v != 0 {
				accumulate(acc, v, l.pointwise[c*F:][:F])
			}
		}
	}
}

// dot computes a FullyConnected's potentials: l.weights rows are in the
// input's memory order (New reordered them from (C, Y, X), choice #15).
func (l *layer) dot(in, pot []int32) {
	F := l.conv[2]
	clear(pot)
	for i, v := range in {
		if v != 0 {
			accumulate(pot, v, l.weights[i*F:][:F])
		}
	}
}

// sumPositions is global average pooling as Akida 1.0 computes it: the
// exact sum over all positions, per channel (choice #5).
func sumPositions(pot, out []int32) {
	F := len(out)
	clear(out)
	for i := 0; i < len(pot); i += F {
		for f, v := range pot[i : i+F] {
			out[f] += v
		}
	}
}

// maxPool takes, per channel, the maximum of the potentials in each
// window; only cells inside the potentials count (choice #13).
func (l *layer) maxPool(pot, out []int32) {
	p := &l.pool
	inX, inY, F := l.conv[0], l.conv[1], l.conv[2]
	outX, outY := l.out[0], l.out[1]
	for ox := range outX {
		x0, x1 := poolWindow(ox, p.sx, p.px, p.padX, inX)
		for oy := range outY {
			y0, y1 := poolWindow(oy, p.sy, p.py, p.padY, inY)
			acc := out[(ox*outY+oy)*F:][:F]
			for f := range acc {
				acc[f] = math.MinInt32
			}
			for x := x0; x < x1; x++ {
				for y := y0; y < y1; y++ {
					for f, v := range pot[(x*inY+y)*F:][:F] {
						acc[f] = max(acc[f], v)
					}
				}
			}
		}
	}
}

// poolWindow returns the input cells [from, to) of output position o of a
// window of size k moved by stride, with pad cells of padding before the
// input, clipped to the n input cells: padded cells are not part of any
// window (choice #13). Every Same or Valid window holds at least one input
// cell.
func poolWindow(o, stride, k, pad, n int) (from, to int) {
	start := o*stride - pad
	return max(start, 0), min(start+k, n)
}

// activate turns potentials into outputs in place: activation levels
// (choices #1–#3) or, without activation, p − T (choice #6).
func (l *layer) activate(v []int32) {
	F := len(l.threshold)
	if !l.activation {
		for i := 0; i < len(v); i += F {
			cell := v[i : i+F]
			for f, t := range l.threshold[:len(cell)] {
				cell[f] -= t
			}
		}
		return
	}
	L := l.levels
	for i := 0; i < len(v); i += F {
		cell := v[i : i+F]
		for f, p := range cell {
			cell[f] = level(l.boundaries[f*L:][:L], p)
		}
	}
}

// level is the activation level of potential p: the number of a neuron's
// sorted boundaries (levelBoundaries) that p exceeds. Most potentials are
// at or below the threshold, so that case is tested first; the others are
// counted without branches, which the processor cannot mispredict.
func level(b []int32, p int32) int32 {
	if len(b) == 0 || p <= b[0] {
		return 0
	}
	n := int32(1)
	for _, x := range b[1:] {
		if p > x {
			n++
		}
	}
	return n
}
