package sim

import (
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// The Akida 2.0 neural layers (InputConv2D, Conv2D, DepthwiseConv2D,
// Conv2DTranspose, DepthwiseConv2DTranspose, Dense1D) share everything
// but their multiply-accumulate (conversion-v2.md §5.2), per output
// channel n:
//
//  1. inputs shifted: x' = sat(x·2^input_shift[c], buffer_bits);
//  2. exact sums Σ x'·w (the kind's accumulate, with its padding), then
//     acc = sat(acc, buffer_bits);
//  3. acc = sat(acc + sat(bias[n]·2^bias_shift[n]), buffer_bits);
//  4. max pooling over the layer's windows;
//  5. ReLU (max(acc, 0), at most max_value·2^max_value_shift) or a LUT;
//  6. global average pooling: the sum over all positions (V8, V9);
//  7. with an output stage, out = sat(shiftRound(sat(acc·output_scales),
//     output_shift), output_bits), else out = sat(acc, output_bits).
//
// All of it in int64, exactly.

// neuralVariables are the variables every v2 neural layer may have;
// InputConv2D adds padding_value (and refuses a non-zero input_shift).
func neuralVariables() []string {
	return []string{"weights", "bias", "bias_shift", "input_shift", "max_value", "max_value_shift",
		"output_scales", "output_shift", "activation_scales", "activation_shift", "lut_values"}
}

// v2Layer is one Akida 2.0 neural layer prepared for simulation.
type v2Layer struct {
	// geometry: in is the layer's input, out its accumulators (before
	// pooling); kernel fields for the convolution kinds only.
	convGeometry
	pooled akida.Shape // after max pooling
	out    akida.Shape // outputs (after global pooling)

	// accumulate computes the kind's exact sums Σ x·w into acc (the
	// accumulators' shape), padded cells included.
	accumulate func(l *v2Layer, in []int32, acc []int64)
	// weights in the kind's layout, ready for accumulate.
	weights []int64
	// padding holds the value of padded input cells per input channel
	// (InputConv2D's padding_value); nil when they are all 0.
	padding []int64

	// inputShift is input_shift per input value, cycling: one value per
	// channel for convolutions, per flattened feature for Dense1D (V6);
	// nil when there is none.
	inputShift []int64
	buffer     valueRange // buffer_bits, signed
	// bias is bias·2^bias_shift per channel, saturated to buffer; nil when
	// there is none.
	bias []int64

	pool pooling

	activation akida.ActivationType
	// ceiling is a ReLU's largest output per channel (reluCeiling, V3).
	ceiling []int64
	lut     lut

	// Output stage: outputScales and outputShift per channel when the layer
	// has one (both nil otherwise), products saturated to postOp.
	outputScales []int64
	outputShift  []int64
	postOp       valueRange
	outputs      valueRange // outputRange (V2)

	// channels is the number of output channels (the accumulators' last
	// dimension); macs the multiply-accumulates of one sample.
	channels int
	macs     float64
}

// lut is a LUT activation: acc·scales shifted and saturated to the table's
// input range (lutIndex), then replaced by the table's value.
type lut struct {
	scales, shifts []int64
	table          []int64
	bits           int
}

// neuralOptions say what a kind's multiply-accumulate needs from the
// common preparation.
type neuralOptions struct {
	inputShifts   int  // values per cycle of input_shift (0: the layer has none)
	paddingValues bool // the layer pads with padding_value (InputConv2D)
	pools         bool // the layer has pool parameters
}

// newV2Layer reads what every v2 neural layer has, for an input of shape
// in and accumulators of shape conv: bit widths, input shift, padding
// value, bias, pooling, activation and output stage. The kind then sets
// its geometry, weights, accumulate and macs, and calls finish.
func newV2Layer(l *akida.Layer, in akida.Shape, conv akida.Shape, o neuralOptions) (*v2Layer, error) {
	p := &v2Layer{convGeometry: convGeometry{in: in, out: conv}, channels: conv[2]}
	if err := checkSize("input", in); err != nil {
		return nil, err
	}
	if err := checkSize("accumulators", conv); err != nil {
		return nil, err
	}
	known := neuralVariables()
	if o.paddingValues {
		known = append(known, "padding_value")
	}
	if err := checkVariables(l, known...); err != nil {
		return nil, err
	}
	pr := &l.Params
	bb, ob, pb := pr.Int("buffer_bits"), pr.Int("output_bits"), pr.Int("post_op_buffer_bits")
	switch {
	case bb < 2 || bb > 32:
		return nil, fmt.Errorf("buffer_bits is %d: the simulator runs buffers of 2 to 32 bits", bb)
	case ob < 1 || ob > 32:
		return nil, fmt.Errorf("output_bits is %d: the simulator runs outputs of 1 to 32 bits", ob)
	case pb < 1 || pb > 61:
		return nil, fmt.Errorf("post_op_buffer_bits is %d: the simulator runs post-op buffers of 1 to 61 bits", pb)
	}
	p.buffer, p.postOp = signedRange(bb), postOpRange(pb)
	p.activation = akida.ActivationType(pr.Value("activation"))
	p.outputs = outputRange(p.activation, ob)
	if err := p.readInputShift(l, o.inputShifts); err != nil {
		return nil, err
	}
	if err := p.readPadding(l, o.paddingValues); err != nil {
		return nil, err
	}
	if err := p.readBias(l); err != nil {
		return nil, err
	}
	p.pooled, p.out = conv, conv
	if o.pools {
		if err := p.readPooling(l); err != nil {
			return nil, err
		}
	}
	if err := p.readActivation(l); err != nil {
		return nil, err
	}
	return p, p.readOutputStage(l)
}

// readInputShift reads input_shift (V4: absent is 0).
func (p *v2Layer) readInputShift(l *akida.Layer, n int) error {
	if n == 0 {
		return nil
	}
	s, err := channelVariable(l, "input_shift", n)
	if err != nil || s == nil {
		return err
	}
	if err := checkShifts("input_shift", s); err != nil {
		return err
	}
	for _, x := range s {
		if x != defaultInputShift {
			p.inputShift = s
			break
		}
	}
	return nil
}

// checkShifts refuses negative or absurd left shifts.
func checkShifts(name string, s []int64) error {
	for c, x := range s {
		if x < 0 || x > 255 {
			return fmt.Errorf("%s[%d] is %d: shifts are uint8 left shifts, 0…255", name, c, x)
		}
	}
	return nil
}

// readPadding reads padding_value: InputConv2D pads with it, every other
// layer with 0 (choice #14).
func (p *v2Layer) readPadding(l *akida.Layer, paddingValues bool) error {
	if !paddingValues {
		return nil
	}
	v, err := channelVariable(l, "padding_value", p.in[2])
	if err != nil || v == nil {
		return err
	}
	for c, x := range v {
		if x < 0 || x > 255 {
			return fmt.Errorf("padding_value[%d] is %d: padded cells hold an 8-bit input value, so it must be 0…255", c, x)
		}
		if x != 0 {
			p.padding = v
		}
	}
	return nil
}

// readBias reads bias and bias_shift into the saturated bias term.
func (p *v2Layer) readBias(l *akida.Layer) error {
	bias, err := channelVariable(l, "bias", p.channels)
	if err != nil {
		return err
	}
	shift, err := channelVariable(l, "bias_shift", p.channels)
	if err != nil {
		return err
	}
	if bias == nil {
		if shift != nil {
			return fmt.Errorf("variable \"bias_shift\" is set but \"bias\" is not: set both or neither")
		}
		return nil
	}
	if shift == nil {
		shift = make([]int64, p.channels)
	}
	if err := checkShifts("bias_shift", shift); err != nil {
		return err
	}
	p.bias = make([]int64, p.channels)
	for n := range p.bias {
		p.bias[n] = p.buffer.clamp(shiftLeft(bias[n], shift[n]))
	}
	return nil
}

// readPooling reads pool_type, pool_size and pool_stride: max pooling with
// the layer's padding, or global average pooling (Average with a size
// ≤ 0).
func (p *v2Layer) readPooling(l *akida.Layer) error {
	pr := &l.Params
	kind, size, stride := akida.PoolType(pr.Value("pool_type")), pr.Int("pool_size"), pr.Int("pool_stride")
	conv := p.convGeometry.out
	p.pool.kind = kind
	switch {
	case kind == akida.NoPooling:
		return nil
	case kind == akida.AveragePooling && size <= 0:
		p.pool.global = true
		p.out = akida.Shape{1, 1, conv[2]}
		return nil
	case kind == akida.AveragePooling:
		return fmt.Errorf("average pooling over %dx%d windows is not simulated: Akida 2.0 converters only produce global average pooling (pool_size -1)", size, size)
	case kind != akida.MaxPooling:
		return fmt.Errorf("pool_type %d is not simulated: use NoPooling (0), Max (1) or global Average (2)", kind)
	case size <= 0:
		return fmt.Errorf("max pooling of size %d: the pool size must be positive", size)
	}
	if stride <= 0 {
		stride = size // akida's wrappers: a negative pool stride means the pool size
	}
	same, err := samePadding(pr)
	if err != nil {
		return err
	}
	pp := &p.pool
	pp.px, pp.py, pp.sx, pp.sy = size, size, stride, stride
	ox, padX := windowOffsets(conv[0], size, stride, same)
	oy, padY := windowOffsets(conv[1], size, stride, same)
	if ox == 0 || oy == 0 {
		return fmt.Errorf("a %dx%d max pool does not fit its %v accumulators with Valid padding", size, size, conv)
	}
	pp.padX, pp.padY = padX, padY
	p.pooled = akida.Shape{ox, oy, conv[2]}
	p.out = p.pooled
	return nil
}

// readActivation reads a ReLU's ceiling or a LUT.
func (p *v2Layer) readActivation(l *akida.Layer) error {
	F := p.channels
	maxValue, err := channelVariable(l, "max_value", F)
	if err != nil {
		return err
	}
	maxShift, err := channelVariable(l, "max_value_shift", F)
	if err != nil {
		return err
	}
	lutNames := []string{"activation_scales", "activation_shift", "lut_values"}
	switch p.activation {
	case akida.NoActivation:
	case akida.ReLU:
		if maxShift != nil && maxValue == nil {
			return fmt.Errorf("variable \"max_value_shift\" is set but \"max_value\" is not: set both or neither")
		}
		if maxShift == nil {
			maxShift = make([]int64, F)
		}
		if err := checkShifts("max_value_shift", maxShift); err != nil {
			return err
		}
		p.ceiling = make([]int64, F)
		for n := range p.ceiling {
			if maxValue == nil {
				p.ceiling[n] = reluCeiling(0, 0, false)
			} else {
				p.ceiling[n] = reluCeiling(maxValue[n], maxShift[n], true)
			}
		}
	case akida.LUT:
		if err := p.readLUT(l); err != nil {
			return err
		}
		lutNames = nil // its own variables
	default:
		return fmt.Errorf("activation is %d: Akida 2.0 layers store 0 (none), 1 (ReLU) or 2 (LUT)", p.activation)
	}
	if p.activation != akida.ReLU && (maxValue != nil || maxShift != nil) {
		return fmt.Errorf("variable \"max_value\" is set but the layer's activation is %d, not a ReLU (1): remove it", p.activation)
	}
	for _, name := range lutNames {
		if l.Variable(name) != nil {
			return fmt.Errorf("variable %q is set but the layer's activation is %d, not a LUT (2): remove it", name, p.activation)
		}
	}
	return nil
}

// maxLUTBits is the widest LUT input simulated (akida's tables have 2048
// entries: 11 bits).
const maxLUTBits = 16

// readLUT reads a LUT activation: activation_scales and activation_shift
// (the 11-bit output quantizer before the table) and the table, whose
// 2^n entries are ordered by input value −2^(n−1) … 2^(n−1) − 1.
func (p *v2Layer) readLUT(l *akida.Layer) error {
	F := p.channels
	var err error
	lt := &p.lut
	if lt.table, err = requiredInt(l, "lut_values", "a LUT activation needs its table"); err != nil {
		return err
	}
	n := len(lt.table)
	lt.bits = 0
	for 1<<lt.bits < n && lt.bits <= maxLUTBits {
		lt.bits++
	}
	if n < 2 || 1<<lt.bits != n || lt.bits > maxLUTBits {
		return fmt.Errorf("variable \"lut_values\" holds %d values: a LUT table has 2^n entries (2048 for akida's 11-bit inputs), 2 to %d", n, 1<<maxLUTBits)
	}
	if lt.scales, err = channelVariable(l, "activation_scales", F); err != nil {
		return err
	}
	if lt.shifts, err = channelVariable(l, "activation_shift", F); err != nil {
		return err
	}
	if lt.scales == nil || lt.shifts == nil {
		return fmt.Errorf("variables \"activation_scales\" and \"activation_shift\" are needed: a LUT activation scales its inputs into the table's range; set them (a converted model has them)")
	}
	return nil
}

// readOutputStage reads output_scales and output_shift (V4: one absent is
// the identity, both absent is no output stage).
func (p *v2Layer) readOutputStage(l *akida.Layer) error {
	F := p.channels
	var err error
	if p.outputScales, err = channelVariable(l, "output_scales", F); err != nil {
		return err
	}
	if p.outputShift, err = channelVariable(l, "output_shift", F); err != nil {
		return err
	}
	if p.outputScales == nil && p.outputShift == nil {
		return nil // no output stage
	}
	if p.outputScales == nil {
		p.outputScales = constants(F, defaultOutputScale)
	}
	if p.outputShift == nil {
		p.outputShift = constants(F, defaultOutputShift)
	}
	for n, s := range p.outputShift {
		p.outputShift[n] = appliedOutputShift(s)
	}
	return nil
}

// constants is n copies of v.
func constants(n int, v int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// finish checks that the exact sums fit int64 and describes the layer.
// in is what the layer reads: its inbound's value range.
func (p *v2Layer) finish(in valueRange, input *modelInput) (*prepared, error) {
	if bound := p.sumBound(in); bound > limit62 {
		return nil, fmt.Errorf("its sums could reach %.0f (Σ|weights| × largest input), beyond the simulator's exact int64 accumulators: the model cannot be simulated exactly; use smaller weights or inputs", bound)
	}
	values := cells(p.convGeometry.out) + cells(p.out)
	if p.pool.kind == akida.MaxPooling {
		values += cells(p.pooled)
	}
	if p.inputShift != nil {
		values += cells(p.in)
	}
	return &prepared{kernel: p, out: p.out, values: p.outputs, activation: p.activation != akida.NoActivation,
		input: input, bufferValues: values, macs: p.macs}, nil
}

// sumBound is the largest |Σ x·w| of any output: the largest input (after
// the input shift, or a padding value) times the largest Σ|w| of an output
// channel.
func (p *v2Layer) sumBound(in valueRange) float64 {
	maxIn := in.maxAbs()
	if p.inputShift != nil {
		top := int64(0)
		for _, s := range p.inputShift {
			top = max(top, s)
		}
		maxIn = min(maxIn*math.Ldexp(1, int(min(top, 64))), p.buffer.maxAbs())
	}
	for _, v := range p.padding {
		maxIn = max(maxIn, float64(v))
	}
	sums := make([]float64, p.channels)
	for i, w := range p.weights {
		sums[i%p.channels] += math.Abs(float64(w))
	}
	bound := 0.0
	for _, s := range sums {
		bound = max(bound, s*maxIn)
	}
	return bound
}

// newRun allocates the layer's buffers for one run.
func (p *v2Layer) newRun() runFunc {
	acc := make([]int64, size(p.convGeometry.out))
	var shifted []int32
	if p.inputShift != nil {
		shifted = make([]int32, size(p.in))
	}
	pooled := acc
	if p.pool.kind == akida.MaxPooling {
		pooled = make([]int64, size(p.pooled))
	}
	var sums []int64
	if p.pool.global {
		sums = make([]int64, p.channels)
	}
	out := make([]int32, size(p.out))
	return func(ins []tensor) tensor {
		x := ins[0].ints
		if shifted != nil {
			p.shiftInputs(x, shifted)
			x = shifted
		}
		p.accumulate(p, x, acc)
		p.addBias(acc)
		v := acc
		if p.pool.kind == akida.MaxPooling {
			maxPool(&p.pool, p.convGeometry.out, p.pooled, acc, pooled)
			v = pooled
		}
		if p.pool.global {
			if activationBeforeGlobalSum {
				p.activate(v)
				globalSum(v, sums)
			} else {
				globalSum(v, sums)
				p.activate(sums)
			}
			v = sums
		} else {
			p.activate(v)
		}
		p.outputStage(v, out)
		return tensor{ints: out}
	}
}

// shiftInputs applies input_shift: x' = sat(x·2^s, buffer_bits).
func (p *v2Layer) shiftInputs(x, dst []int32) {
	n := len(p.inputShift)
	for i, v := range x {
		dst[i] = int32(p.buffer.clamp(shiftLeft(int64(v), p.inputShift[i%n])))
	}
}

// addBias saturates the sums to the buffer and adds the bias term,
// saturating again.
func (p *v2Layer) addBias(acc []int64) {
	F := p.channels
	for i, v := range acc {
		v = p.buffer.clamp(v)
		if p.bias != nil {
			v = p.buffer.clamp(v + p.bias[i%F])
		}
		acc[i] = v
	}
}

// activate applies the ReLU or LUT in place.
func (p *v2Layer) activate(v []int64) {
	F := p.channels
	switch p.activation {
	case akida.ReLU:
		for i, x := range v {
			v[i] = min(max(x, 0), p.ceiling[i%F])
		}
	case akida.LUT:
		lt := &p.lut
		for i, x := range v {
			n := i % F
			v[i] = lt.table[lutIndex(x, lt.scales[n], lt.shifts[n], p.postOp, lt.bits)]
		}
	}
}

// lutIndex is the table index of a LUT input x: u = sat(shiftRound(
// sat(x·scale), shift), bits) (the 11-bit output quantizer quantizeml puts
// before its activation table), at index u + 2^(bits−1).
func lutIndex(x, scale, shift int64, postOp valueRange, bits int) int64 {
	u := signedRange(bits).clamp(shiftRound(scaleProduct(x, scale, postOp), shift))
	return u + 1<<(bits-1)
}

// globalSum is global average pooling: the sum over all positions per
// channel, saturated to globalSumRange (V8); the 1/(H·W) is in the output
// scales.
func globalSum(v, sums []int64) {
	F := len(sums)
	clear(sums)
	for i, x := range v {
		sums[i%F] += x
	}
	for f, s := range sums {
		sums[f] = globalSumRange().clamp(s)
	}
}

// outputStage writes the layer's outputs: scaled, shifted and saturated
// with an output stage, else only saturated (V4).
func (p *v2Layer) outputStage(v []int64, out []int32) {
	F := p.channels
	if p.outputScales == nil { // no output stage: readOutputStage sets both or neither
		for i, x := range v {
			out[i] = int32(p.outputs.clamp(x))
		}
		return
	}
	for i, x := range v {
		n := i % F
		y := shiftRound(scaleProduct(x, p.outputScales[n], p.postOp), p.outputShift[n])
		out[i] = int32(p.outputs.clamp(y))
	}
}
