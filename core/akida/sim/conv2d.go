package sim

import (
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// The Akida 2.0 convolutions: InputConv2D (a cross-correlation with the
// stored weights, padded with padding_value), Conv2D and DepthwiseConv2D
// (true convolutions: the stored weights are the Keras kernels flipped on
// both spatial axes, so flipping them back gives the cross-correlation),
// conversion-v2.md §2.3–§2.5, §5.2.

// prepareInputConv2D prepares an InputConv2D, the image input layer: as
// the first layer it reads uint8 images (Input.Data).
func prepareInputConv2D(l *akida.Layer, in layerInputs) (*prepared, error) {
	p, err := prepareConvolution2D(l, in.shapes[0], true, false)
	if err != nil {
		return nil, err
	}
	if p.inputShift != nil {
		return nil, fmt.Errorf("variable \"input_shift\" is not 0: an InputConv2D shifts no inputs (cnn2snn refuses a non-zero one); set it to 0 or remove it")
	}
	var input *modelInput
	values := in.ranges
	if values == nil {
		input = &modelInput{typ: Uint8Input, bits: inputConvolutionalBits, values: unsignedRange(inputConvolutionalBits)}
		values = []valueRange{input.values}
	}
	return p.finish(values[0], input)
}

// prepareConv2D prepares a Conv2D.
func prepareConv2D(l *akida.Layer, in layerInputs) (*prepared, error) {
	p, err := prepareConvolution2D(l, in.shapes[0], false, true)
	if err != nil {
		return nil, err
	}
	return p.finish(in.ranges[0], nil)
}

// prepareConvolution2D prepares an InputConv2D (not flipped, with
// padding_value) or a Conv2D (flipped).
func prepareConvolution2D(l *akida.Layer, in akida.Shape, paddingValues, flipped bool) (*v2Layer, error) {
	F := l.Params.Int("filters")
	g, err := v2Geometry(l, in, F)
	if err != nil {
		return nil, err
	}
	C := in[2]
	p, err := newV2Layer(l, in, g.out, neuralOptions{inputShifts: C, paddingValues: paddingValues, pools: true})
	if err != nil {
		return nil, err
	}
	p.convGeometry = g
	if p.weights, err = weightVariable(l, []int{g.kx, g.ky, C, F}); err != nil {
		return nil, err
	}
	if flipped {
		p.weights = flip(p.weights, g.kx, g.ky, C*F)
	}
	p.accumulate = (*v2Layer).correlate
	p.macs = cells(g.out) * float64(g.kx*g.ky) * float64(C)
	return p, nil
}

// prepareDepthwiseConv2D prepares a DepthwiseConv2D: each channel
// convolved with its own (k, k) kernel, stored (k, k, C, 1) and flipped.
func prepareDepthwiseConv2D(l *akida.Layer, in layerInputs) (*prepared, error) {
	C := in.shapes[0][2]
	g, err := v2Geometry(l, in.shapes[0], C)
	if err != nil {
		return nil, err
	}
	p, err := newV2Layer(l, g.in, g.out, neuralOptions{inputShifts: C, pools: true})
	if err != nil {
		return nil, err
	}
	p.convGeometry = g
	if p.weights, err = weightVariable(l, []int{g.kx, g.ky, C, 1}); err != nil {
		return nil, err
	}
	p.weights = flip(p.weights, g.kx, g.ky, C)
	p.accumulate = (*v2Layer).depthwise
	p.macs = cells(g.out) * float64(g.kx*g.ky)
	return p.finish(in.ranges[0], nil)
}

// v2Geometry reads a square kernel_size, kernel_stride and the padding and
// derives the accumulators' shape with channels channels.
func v2Geometry(l *akida.Layer, in akida.Shape, channels int) (convGeometry, error) {
	pr := &l.Params
	k, s := pr.Int("kernel_size"), pr.Int("kernel_stride")
	g := convGeometry{in: in, kx: k, ky: k, sx: s, sy: s}
	if k <= 0 || s <= 0 {
		return g, fmt.Errorf("kernel_size %d with kernel_stride %d: both must be positive", k, s)
	}
	same, err := samePadding(pr)
	if err != nil {
		return g, err
	}
	ox, padX := windowOffsets(in[0], k, s, same)
	oy, padY := windowOffsets(in[1], k, s, same)
	if ox == 0 || oy == 0 {
		return g, fmt.Errorf("a %dx%d kernel does not fit its %v input with Valid padding", k, k, in)
	}
	g.padX, g.padY = padX, padY
	g.out = akida.Shape{ox, oy, channels}
	return g, nil
}

// correlate is the InputConv2D's and Conv2D's multiply-accumulate:
// correlate with l.weights (flipped by prepare for a Conv2D), padded with
// l.padding (InputConv2D's padding_value per channel) or 0.
func (l *v2Layer) correlate(in []int32, acc []int64) {
	correlate(&l.convGeometry, in, l.weights, l.padding, acc)
}

// depthwise is the DepthwiseConv2D's: each channel with its own (flipped)
// kernel l.weights (kx, ky, c); padded cells are 0.
func (l *v2Layer) depthwise(in []int32, acc []int64) {
	depthwiseCorrelate(&l.convGeometry, in, l.weights, acc)
}
