package sim

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// The integer loops the layer kinds share. Every buffer is (x, y,
// channels) in C order, so one cell's channels are contiguous; the inner
// loops run over output channels (filters/units) with a weight row that is
// contiguous too, and skip zero inputs (most activations are 0). Nothing
// here allocates.

// accumulate adds v·w to acc element by element (len(w) == len(acc)). It
// is the inner loop of every layer: int32 potentials of Akida 1.0, int64
// sums of Akida 2.0. Eight elements per iteration: under GOOS=js the
// per-iteration cost dominates and this is about 40% faster than the plain
// loop (natively the same or slightly faster).
func accumulate[T int32 | int64](acc []T, v T, w []T) {
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

// correlate computes the cross-correlation of an (x, y, c) input with
// weights (kx, ky, c, f) over g's windows into acc, g's (x, y, f) output:
// the convolution of Akida 1.0's InputConvolutional and Convolutional and
// Akida 2.0's InputConv2D and Conv2D (their callers flip the weights of a
// true convolution). Cells outside the input hold padding[c], or 0 when
// padding is nil (choice #14: the input layers' padding_value).
func correlate[T int32 | int64](g *convGeometry, in []int32, weights, padding, acc []T) {
	inX, inY, C := g.in[0], g.in[1], g.in[2]
	outX, outY, F := g.out[0], g.out[1], g.out[2]
	tap := C * F
	for ox := range outX {
		for oy := range outY {
			a := acc[(ox*outY+oy)*F:][:F]
			clear(a)
			for kx := range g.kx {
				ix := ox*g.sx + kx - g.padX
				for ky := range g.ky {
					iy := oy*g.sy + ky - g.padY
					w := weights[(kx*g.ky+ky)*tap:][:tap]
					if ix < 0 || ix >= inX || iy < 0 || iy >= inY {
						for c, v := range padding {
							if v != 0 {
								accumulate(a, v, w[c*F:][:F])
							}
						}
						continue
					}
					for c, v := range in[(ix*inY+iy)*C:][:C] {
						if v != 0 {
							accumulate(a, T(v), w[c*F:][:F])
						}
					}
				}
			}
		}
	}
}

// depthwiseCorrelate computes each channel's cross-correlation with its
// own kernel, weights (kx, ky, c), over g's windows into acc (x, y, c):
// Akida 1.0's SeparableConvolutional's depthwise part and Akida 2.0's
// DepthwiseConv2D. Padded cells are 0.
func depthwiseCorrelate[T int32 | int64](g *convGeometry, in []int32, weights, acc []T) {
	inX, inY, C := g.in[0], g.in[1], g.in[2]
	outX, outY := g.out[0], g.out[1]
	for ox := range outX {
		for oy := range outY {
			a := acc[(ox*outY+oy)*C:][:C]
			clear(a)
			for kx := range g.kx {
				ix := ox*g.sx + kx - g.padX
				if ix < 0 || ix >= inX {
					continue
				}
				for ky := range g.ky {
					iy := oy*g.sy + ky - g.padY
					if iy < 0 || iy >= inY {
						continue
					}
					w := weights[(kx*g.ky+ky)*C:][:C]
					for c, v := range in[(ix*inY+iy)*C:][:C] {
						a[c] += T(v) * w[c]
					}
				}
			}
		}
	}
}

// convGeometry is the geometry of a convolution: input and output shapes,
// kernel size, strides and the padding before the first input cell.
type convGeometry struct {
	in, out                    akida.Shape
	kx, ky, sx, sy, padX, padY int
}

// pooling is a layer's pooling of its potentials.
type pooling struct {
	kind                       akida.PoolType
	global                     bool // Average with a negative size: the sum over all positions
	px, py, sx, sy, padX, padY int
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

// maxPool takes, per channel, the maximum of the values in each window of
// p over an in-shaped buffer; only cells inside the buffer count (choice
// #13). Every window holds at least one cell, whose value starts the
// maximum.
func maxPool[T int32 | int64](p *pooling, in, out akida.Shape, pot, dst []T) {
	inY, F := in[1], in[2]
	outX, outY := out[0], out[1]
	for ox := range outX {
		x0, x1 := poolWindow(ox, p.sx, p.px, p.padX, in[0])
		for oy := range outY {
			y0, y1 := poolWindow(oy, p.sy, p.py, p.padY, inY)
			acc := dst[(ox*outY+oy)*F:][:F]
			copy(acc, pot[(x0*inY+y0)*F:][:F])
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

// flip reverses a (kx, ky, rest) kernel on both spatial axes: a true
// convolution with the stored kernel is a cross-correlation with the
// flipped one.
func flip[T any](w []T, kx, ky, rest int) []T {
	out := make([]T, len(w))
	for x := range kx {
		for y := range ky {
			from := ((kx-1-x)*ky + (ky - 1 - y)) * rest
			to := (x*ky + y) * rest
			copy(out[to:to+rest], w[from:from+rest])
		}
	}
	return out
}
