package sim

import (
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// The Akida 2.0 transposed convolutions: Conv2DTranspose and
// DepthwiseConv2DTranspose, stride 2 with Same padding only, weights not
// flipped (conversion-v2.md §2.6). They compute TensorFlow's
// conv2d_transpose: every input cell (i, j) adds x·w[kx, ky] to the output
// cell (2i + kx − pad, 2j + ky − pad), where pad is the padding before the
// first cell of the Same convolution that maps the (2X, 2Y) output back to
// the input: ⌊max(k − 2, 0) / 2⌋.

// prepareConv2DTranspose prepares a Conv2DTranspose: weights
// (k, k, in, filters), the Keras kernel transposed by quantizeml.
func prepareConv2DTranspose(l *akida.Layer, in layerInputs) (*prepared, error) {
	C, F := in.shapes[0][2], l.Params.Int("filters")
	g, err := transposeGeometry(l, in.shapes[0], F)
	if err != nil {
		return nil, err
	}
	p, err := newV2Layer(l, g.in, g.out, neuralOptions{inputShifts: C})
	if err != nil {
		return nil, err
	}
	p.convGeometry = g
	if p.weights, err = weightVariable(l, []int{g.kx, g.ky, C, F}); err != nil {
		return nil, err
	}
	p.accumulate = (*v2Layer).transpose
	p.macs = cells(g.in) * float64(g.kx*g.ky) * float64(F)
	return p.finish(in.ranges[0], nil)
}

// prepareDepthwiseConv2DTranspose prepares a DepthwiseConv2DTranspose:
// each channel with its own (k, k) kernel, stored (k, k, C, 1).
func prepareDepthwiseConv2DTranspose(l *akida.Layer, in layerInputs) (*prepared, error) {
	C := in.shapes[0][2]
	g, err := transposeGeometry(l, in.shapes[0], C)
	if err != nil {
		return nil, err
	}
	p, err := newV2Layer(l, g.in, g.out, neuralOptions{inputShifts: C})
	if err != nil {
		return nil, err
	}
	p.convGeometry = g
	if p.weights, err = weightVariable(l, []int{g.kx, g.ky, C, 1}); err != nil {
		return nil, err
	}
	p.accumulate = (*v2Layer).depthwiseTranspose
	p.macs = cells(g.in) * float64(g.kx*g.ky)
	return p.finish(in.ranges[0], nil)
}

// transposeStride is the only stride of Akida's transposed convolutions.
const transposeStride = 2

// transposeGeometry derives a transposed convolution's output (2X, 2Y,
// channels) and the padding before its first output cell.
func transposeGeometry(l *akida.Layer, in akida.Shape, channels int) (convGeometry, error) {
	k := l.Params.Int("kernel_size")
	g := convGeometry{in: in, kx: k, ky: k, sx: transposeStride, sy: transposeStride}
	if k <= 0 {
		return g, fmt.Errorf("kernel_size %d: it must be positive", k)
	}
	_, g.padX = sameOffsets(transposeStride*in[0], k, transposeStride)
	_, g.padY = sameOffsets(transposeStride*in[1], k, transposeStride)
	g.out = akida.Shape{transposeStride * in[0], transposeStride * in[1], channels}
	return g, nil
}

// transpose scatters every input cell through the kernel l.weights
// (kx, ky, c, f) onto the output cells it reaches.
func (l *v2Layer) transpose(in []int32, acc []int64) {
	clear(acc)
	inX, inY, C := l.in[0], l.in[1], l.in[2]
	outX, outY, F := l.convGeometry.out[0], l.convGeometry.out[1], l.convGeometry.out[2]
	tap := C * F
	for ix := range inX {
		for iy := range inY {
			cell := in[(ix*inY+iy)*C:][:C]
			for kx := range l.kx {
				ox := ix*l.sx + kx - l.padX
				if ox < 0 || ox >= outX {
					continue
				}
				for ky := range l.ky {
					oy := iy*l.sy + ky - l.padY
					if oy < 0 || oy >= outY {
						continue
					}
					a := acc[(ox*outY+oy)*F:][:F]
					w := l.weights[(kx*l.ky+ky)*tap:][:tap]
					for c, v := range cell {
						if v != 0 {
							accumulate(a, int64(v), w[c*F:][:F])
						}
					}
				}
			}
		}
	}
}

// depthwiseTranspose is transpose per channel with l.weights (kx, ky, c).
func (l *v2Layer) depthwiseTranspose(in []int32, acc []int64) {
	clear(acc)
	inX, inY, C := l.in[0], l.in[1], l.in[2]
	outX, outY := l.convGeometry.out[0], l.convGeometry.out[1]
	for ix := range inX {
		for iy := range inY {
			cell := in[(ix*inY+iy)*C:][:C]
			for kx := range l.kx {
				ox := ix*l.sx + kx - l.padX
				if ox < 0 || ox >= outX {
					continue
				}
				for ky := range l.ky {
					oy := iy*l.sy + ky - l.padY
					if oy < 0 || oy >= outY {
						continue
					}
					a := acc[(ox*outY+oy)*C:][:C]
					w := l.weights[(kx*l.ky+ky)*C:][:C]
					for c, v := range cell {
						a[c] += int64(v) * w[c]
					}
				}
			}
		}
	}
}
