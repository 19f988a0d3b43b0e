package sim

import (
	"errors"
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// The Akida 1.0 neural layers: InputConvolutional, Convolutional,
// SeparableConvolutional and FullyConnected. Each computes int32
// potentials (its own potentials function), pools them, and turns them
// into activation levels or, on a last layer without activation, p − T
// (akida-arithmetic.md §2).

// v1Layer is one Akida 1.0 neural layer prepared for simulation: shapes,
// weights laid out for the inner loops, and the activation's precomputed
// boundaries.
type v1Layer struct {
	convGeometry // in; out is the potentials' shape, before pooling
	out          akida.Shape
	// potentials computes the layer's potentials from its input.
	potentials func(l *v1Layer, in []int32, b *v1Buffers)

	// padding holds the value of padded input cells per input channel:
	// InputConvolutional's padding_value (choice #14); nil when it is 0.
	padding []int32
	// weights: InputConvolutional and Convolutional (kx, ky, c, f) ready
	// for a cross-correlation (Convolutional's stored kernel flipped on
	// both spatial axes); Separable's depthwise part (kx, ky, c), flipped;
	// FullyConnected (x, y, c, units) rows in input memory order.
	weights []int32
	// pointwise is Separable's (c, f) pointwise kernel.
	pointwise []int32
	// macs is the number of multiply-accumulates for one sample.
	macs float64

	pool pooling

	// Activation: boundaries per neuron (levels−1 each, choice #3); without
	// activation the thresholds and steps give p − T and predict's floats.
	activation bool
	levels     int // 2^act_bits − 1
	boundaries []int32
	threshold  []int32
	actStep    []float32
}

// v1Buffers are one run's buffers of a layer.
type v1Buffers struct {
	potentials []int32 // before pooling (conv shape)
	depthwise  []int32 // Separable only
	out        []int32 // after pooling and activation (out shape)
}

// prepareInputConvolutional prepares an InputConvolutional: a
// cross-correlation with the stored weights over 8-bit images, padded with
// padding_value.
func prepareInputConvolutional(l *akida.Layer, in layerInputs) (*prepared, error) {
	p, err := newV1Layer(in)
	if err != nil {
		return nil, err
	}
	if err := p.prepareConvolution(l, false); err != nil {
		return nil, err
	}
	pv := l.Params.Value("padding_value")
	if pv < 0 || pv > 255 {
		return nil, fmt.Errorf("padding_value is %d: padded cells hold an 8-bit input value, so it must be 0…255", pv)
	}
	if pv != 0 {
		p.padding = make([]int32, p.in[2])
		for c := range p.padding {
			p.padding[c] = pv
		}
	}
	if err := checkWTAGroups(l, p.convGeometry.out[2]); err != nil {
		return nil, err
	}
	ranges := in.ranges
	input := &modelInput{typ: Uint8Input, bits: inputConvolutionalBits, values: unsignedRange(inputConvolutionalBits)}
	if ranges == nil {
		ranges = []valueRange{input.values}
	}
	return p.finish(l, ranges, input)
}

// prepareConvolutional prepares a Convolutional: a true convolution, i.e.
// a cross-correlation with the stored weights flipped on both spatial
// axes.
func prepareConvolutional(l *akida.Layer, in layerInputs) (*prepared, error) {
	p, err := newV1Layer(in)
	if err != nil {
		return nil, err
	}
	if err := p.prepareConvolution(l, true); err != nil {
		return nil, err
	}
	return p.finish(l, in.ranges, nil)
}

// newV1Layer starts a layer reading one input.
func newV1Layer(in layerInputs) (*v1Layer, error) {
	p := &v1Layer{convGeometry: convGeometry{in: in.shapes[0]}}
	return p, checkSize("input", p.in)
}

// finish prepares pooling and activation and describes the layer.
func (p *v1Layer) finish(l *akida.Layer, ranges []valueRange, input *modelInput) (*prepared, error) {
	if err := checkSize("potentials", p.convGeometry.out); err != nil {
		return nil, err
	}
	if err := p.preparePooling(l); err != nil {
		return nil, err
	}
	if err := p.prepareActivation(l); err != nil {
		return nil, err
	}
	out := &prepared{kernel: p, out: p.out, activation: p.activation, input: input,
		values: valueRange{0, int64(p.levels)}, bufferValues: p.bufferValues(), macs: p.macs}
	if !p.activation {
		out.predict = p.predict
	}
	maxIn := ranges[0].maxAbs()
	out.check = func(last bool) error {
		if !p.activation && !last {
			return errors.New("it has no activation but is not the last layer: the layer after it would read potentials, which Akida 1.0 layers cannot; give it an activation")
		}
		return p.checkBound(maxIn)
	}
	return out, nil
}

// bufferValues is the number of int32 values the layer's own buffers hold
// for one sample (see newRun): potentials, pooled outputs unless they are
// the potentials themselves, depthwise sums.
func (p *v1Layer) bufferValues() float64 {
	n := cells(p.convGeometry.out)
	if p.pool.kind != akida.NoPooling {
		n += cells(p.out)
	}
	if p.pointwise != nil {
		n += float64(p.convGeometry.out[0]) * float64(p.convGeometry.out[1]) * float64(p.in[2])
	}
	return n
}

// geometry reads the kernel size, strides and padding of a convolution
// and derives the potentials' shape and the padding offsets.
func (p *v1Layer) geometry(l *akida.Layer, filters int) error {
	pr := &l.Params
	p.kx, p.ky = pr.Int("kernel_width"), pr.Int("kernel_height")
	p.sx, p.sy = pr.Int("stride_x"), pr.Int("stride_y")
	if p.kx <= 0 || p.ky <= 0 || p.sx <= 0 || p.sy <= 0 {
		return fmt.Errorf("kernel %dx%d with stride %dx%d: kernel sizes and strides must be positive", p.kx, p.ky, p.sx, p.sy)
	}
	same, err := samePadding(pr)
	if err != nil {
		return err
	}
	var ox, oy int
	ox, p.padX = windowOffsets(p.in[0], p.kx, p.sx, same)
	oy, p.padY = windowOffsets(p.in[1], p.ky, p.sy, same)
	if ox == 0 || oy == 0 {
		return fmt.Errorf("a %dx%d kernel does not fit its %v input with Valid padding", p.kx, p.ky, p.in)
	}
	p.convGeometry.out = akida.Shape{ox, oy, filters}
	return nil
}

// samePadding reads the padding parameter: Same (true) or Valid (false).
func samePadding(pr *akida.Params) (bool, error) {
	switch akida.Padding(pr.Value("padding")) {
	case akida.Same:
		return true, nil
	case akida.Valid:
		return false, nil
	}
	return false, fmt.Errorf("padding %d is not simulated: use Valid (0) or Same (1)", pr.Value("padding"))
}

// prepareConvolution lays out an InputConvolutional (cross-correlation
// with the stored weights) or Convolutional (true convolution: the stored
// weights flipped on both spatial axes, then a cross-correlation).
func (p *v1Layer) prepareConvolution(l *akida.Layer, flipped bool) error {
	filters := l.Params.Int("filters")
	if err := p.geometry(l, filters); err != nil {
		return err
	}
	c := p.in[2]
	w, err := weightValues(l, "weights", []int{p.kx, p.ky, c, filters})
	if err != nil {
		return err
	}
	p.weights = w
	if flipped {
		p.weights = flip(w, p.kx, p.ky, c*filters)
	}
	p.potentials = (*v1Layer).correlate
	p.macs = cells(p.convGeometry.out) * (float64(p.kx) * float64(p.ky)) * float64(c)
	return nil
}

// prepareSeparable prepares a SeparableConvolutional: depthwise weights
// (kx, ky, c, 1) flipped like a Convolutional's, pointwise (1, 1, c, f).
func prepareSeparable(l *akida.Layer, in layerInputs) (*prepared, error) {
	p, err := newV1Layer(in)
	if err != nil {
		return nil, err
	}
	filters := l.Params.Int("filters")
	if err := p.geometry(l, filters); err != nil {
		return nil, err
	}
	c := p.in[2]
	dw, err := weightValues(l, "weights", []int{p.kx, p.ky, c, 1})
	if err != nil {
		return nil, err
	}
	pw, err := weightValues(l, "weights_pw", []int{1, 1, c, filters})
	if err != nil {
		return nil, err
	}
	p.weights = flip(dw, p.kx, p.ky, c)
	p.pointwise = pw
	p.potentials = (*v1Layer).separable
	conv := p.convGeometry.out
	p.macs = float64(conv[0]) * float64(conv[1]) * float64(c) * (float64(p.kx)*float64(p.ky) + float64(filters))
	if err := checkSize("depthwise sums", akida.Shape{p.convGeometry.out[0], p.convGeometry.out[1], c}); err != nil {
		return nil, err
	}
	return p.finish(l, in.ranges, nil)
}

// prepareFullyConnected prepares a FullyConnected. Its weights
// (1, 1, X·Y·C, units) have rows in (C, Y, X) order (choice #15); they are
// reordered once into the input's memory order (x, y, c), so the kernel is
// a plain dot product over the input buffer.
func prepareFullyConnected(l *akida.Layer, in layerInputs) (*prepared, error) {
	p, err := newV1Layer(in)
	if err != nil {
		return nil, err
	}
	units := l.Params.Int("units")
	X, Y, C := p.in[0], p.in[1], p.in[2]
	w, err := weightValues(l, "weights", []int{1, 1, X * Y * C, units})
	if err != nil {
		return nil, err
	}
	p.weights = make([]int32, len(w))
	for x := range X {
		for y := range Y {
			for c := range C {
				to := ((x*Y+y)*C + c) * units
				from := fullyConnectedIndex(x, y, c, X, Y) * units
				copy(p.weights[to:to+units], w[from:from+units])
			}
		}
	}
	p.convGeometry.out = akida.Shape{1, 1, units}
	p.potentials = (*v1Layer).dot
	p.macs = cells(p.in) * float64(units)
	return p.finish(l, in.ranges, nil)
}

// preparePooling reads the pooling parameters. Pooling windows use the
// layer's padding, as the model's derived shapes do.
func (p *v1Layer) preparePooling(l *akida.Layer) error {
	pr := &l.Params
	kind := akida.PoolType(pr.Value("pool_type"))
	p.pool.kind = kind
	conv := p.convGeometry.out
	switch {
	case l.Type == akida.FullyConnected || kind == akida.NoPooling:
		p.pool.kind = akida.NoPooling
		p.out = conv
		return nil
	case kind == akida.AveragePooling && pr.Int("pooling_width") < 0 && pr.Int("pooling_height") < 0:
		p.pool.global = true
		p.out = akida.Shape{1, 1, conv[2]}
		return nil
	case kind == akida.AveragePooling:
		return fmt.Errorf("average pooling over %dx%d windows is not simulated: Akida 1.0 converters only produce global average pooling (pooling_width = pooling_height = -1)", pr.Int("pooling_width"), pr.Int("pooling_height"))
	case kind != akida.MaxPooling:
		return fmt.Errorf("pool_type %d is not simulated: use NoPooling (0), Max (1) or global Average (2)", kind)
	}
	pp := &p.pool
	pp.px, pp.py = pr.Int("pooling_width"), pr.Int("pooling_height")
	pp.sx, pp.sy = pr.Int("pooling_stride_x"), pr.Int("pooling_stride_y")
	if pp.px <= 0 || pp.py <= 0 {
		return fmt.Errorf("max pooling of %dx%d: the pool size must be positive", pp.px, pp.py)
	}
	// A negative pool stride means the pool size (akida's wrappers).
	if pp.sx <= 0 {
		pp.sx = pp.px
	}
	if pp.sy <= 0 {
		pp.sy = pp.py
	}
	same, err := samePadding(pr)
	if err != nil {
		return err
	}
	ox, padX := windowOffsets(conv[0], pp.px, pp.sx, same)
	oy, padY := windowOffsets(conv[1], pp.py, pp.sy, same)
	if ox == 0 || oy == 0 {
		return fmt.Errorf("a %dx%d max pool does not fit its %v potentials with Valid padding", pp.px, pp.py, conv)
	}
	pp.padX, pp.padY = padX, padY
	p.out = akida.Shape{ox, oy, conv[2]}
	return nil
}

// prepareActivation reads threshold and act_step and, with an activation,
// precomputes every neuron's level boundaries.
func (p *v1Layer) prepareActivation(l *akida.Layer) error {
	neurons := p.out[2]
	var err error
	if p.threshold, err = int32Values(l, "threshold", neurons); err != nil {
		return err
	}
	if p.actStep, err = float32Values(l, "act_step", neurons); err != nil {
		return err
	}
	if err := checkActStep(p.actStep); err != nil {
		return err
	}
	switch l.Params.Value("activation") {
	case 0:
		return nil
	case 1:
	default:
		return fmt.Errorf("activation is %d: Akida 1.0 layers store 0 (no activation) or 1", l.Params.Value("activation"))
	}
	bits := l.Params.Int("act_bits")
	if bits < 1 || bits > maxActBits {
		return fmt.Errorf("act_bits is %d: the simulator runs activations of 1 to %d bits", bits, maxActBits)
	}
	p.activation = true
	p.levels = 1<<bits - 1
	p.boundaries = make([]int32, 0, neurons*p.levels)
	for f := range neurons {
		p.boundaries = levelBoundaries(p.boundaries, p.threshold[f], p.actStep[f], bits)
	}
	return nil
}

// checkBound enforces choice #4: with inputs up to maxIn, no potential,
// partial sum, pooled sum or p − T of the layer may leave the int32 range.
// The bound is computed in float64, which is exact far beyond int32.
func (p *v1Layer) checkBound(maxIn float64) error {
	bound := p.potentialBound(maxIn)
	if p.pool.global {
		bound *= float64(p.convGeometry.out[0]) * float64(p.convGeometry.out[1])
	}
	maxT := 0.0
	for _, t := range p.threshold {
		maxT = max(maxT, math.Abs(float64(t)))
	}
	if bound+maxT > math.MaxInt32 {
		return fmt.Errorf("its potentials could reach %.0f (Σ|weights| × largest input, summed over the pooled positions for global average pooling) and its thresholds %.0f, beyond the int32 accumulators of the simulator: the model cannot be simulated exactly; use smaller weights or inputs", bound, maxT)
	}
	return nil
}

// potentialBound is the largest |value| the layer's accumulators can hold
// when its inputs are at most maxIn (and padded cells hold the padding
// value): max over neurons of Σ|w|·maxIn (for a Separable, also each
// depthwise sum, and the pointwise sums over the depthwise bounds).
// Partial sums are bounded by the same numbers.
func (p *v1Layer) potentialBound(maxIn float64) float64 {
	for _, v := range p.padding {
		maxIn = max(maxIn, float64(v))
	}
	neurons := p.convGeometry.out[2]
	sums := make([]float64, neurons)
	bound := 0.0
	if p.pointwise != nil {
		c := p.in[2]
		depthwise := make([]float64, c)
		for i, w := range p.weights {
			depthwise[i%c] += math.Abs(float64(w)) * maxIn
		}
		for i, w := range p.pointwise {
			sums[i%neurons] += math.Abs(float64(w)) * depthwise[i/neurons]
		}
		for _, d := range depthwise {
			bound = max(bound, d)
		}
	} else {
		for i, w := range p.weights {
			sums[i%neurons] += math.Abs(float64(w)) * maxIn
		}
	}
	for _, s := range sums {
		bound = max(bound, s)
	}
	return bound
}

// predict is akida's predict for a layer without activation:
// (p − T) / act_step per neuron (choice #6).
func (p *v1Layer) predict(ints []int32, out []float32) {
	neurons := p.out[2]
	for i, v := range ints {
		out[i] = predictValue(v, p.actStep[i%neurons])
	}
}

// newRun allocates the layer's buffers for one run.
func (p *v1Layer) newRun() runFunc {
	b := &v1Buffers{potentials: make([]int32, size(p.convGeometry.out))}
	if p.pointwise != nil {
		b.depthwise = make([]int32, p.convGeometry.out[0]*p.convGeometry.out[1]*p.in[2])
	}
	if p.pool.kind == akida.NoPooling {
		b.out = b.potentials // activation in place
	} else {
		b.out = make([]int32, size(p.out))
	}
	return func(ins []tensor) tensor { return tensor{ints: p.forward(ins[0].ints, b)} }
}

// forward runs the layer on one sample and returns its output buffer.
func (p *v1Layer) forward(in []int32, b *v1Buffers) []int32 {
	p.potentials(p, in, b)
	switch {
	case p.pool.global:
		sumPositions(b.potentials, b.out)
	case p.pool.kind == akida.MaxPooling:
		maxPool(&p.pool, p.convGeometry.out, p.out, b.potentials, b.out)
	}
	p.activate(b.out)
	return b.out
}

// correlate computes an InputConvolutional's or Convolutional's
// potentials: the cross-correlation with l.weights (kx, ky, c, f)
// (Convolutional weights were flipped by New), padded with l.padding.
func (l *v1Layer) correlate(in []int32, b *v1Buffers) {
	correlate(&l.convGeometry, in, l.weights, l.padding, b.potentials)
}

// separable computes a SeparableConvolutional's potentials: the depthwise
// sums, then the pointwise kernel over them.
func (l *v1Layer) separable(in []int32, b *v1Buffers) {
	depthwiseCorrelate(&l.convGeometry, in, l.weights, b.depthwise)
	l.pointwiseSum(b.depthwise, b.potentials)
}

// pointwiseSum applies the pointwise kernel l.pointwise (c, f) to every
// cell of the depthwise sums.
func (l *v1Layer) pointwiseSum(dw, pot []int32) {
	C, F := l.in[2], l.convGeometry.out[2]
	cells := l.convGeometry.out[0] * l.convGeometry.out[1]
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
func (l *v1Layer) dot(in []int32, b *v1Buffers) {
	pot := b.potentials
	F := l.convGeometry.out[2]
	clear(pot)
	for i, v := range in {
		if v != 0 {
			accumulate(pot, v, l.weights[i*F:][:F])
		}
	}
}

// activate turns potentials into outputs in place: activation levels
// (choices #1–#3) or, without activation, p − T (choice #6).
func (l *v1Layer) activate(v []int32) {
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

// checkWTAGroups accepts wta_groups only when it puts every neuron in its
// own group (the value every real file holds): winner-take-all between
// neurons is not documented well enough to simulate.
func checkWTAGroups(l *akida.Layer, filters int) error {
	v := l.Variable("wta_groups")
	if v == nil {
		return nil // absent: no winner-take-all
	}
	g, err := int32Values(l, "wta_groups", filters)
	if err != nil {
		return err
	}
	seen := make(map[int32]bool, len(g))
	for f, x := range g {
		if seen[x] {
			return fmt.Errorf("wta_groups puts neuron %d in group %d with another neuron: winner-take-all is not simulated; use one group per neuron (0, 1, 2, …)", f, x)
		}
		seen[x] = true
	}
	return nil
}
