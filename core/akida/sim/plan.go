package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Limits on what a model may demand per sample. A decoded model can claim
// sizes its bytes do not pay for (many filters on a large input, large
// kernels): without limits a small hostile file could make a run allocate
// gigabytes or compute for hours. Real Akida 1.0 models are far below:
// AkidaNet 0.25 at 224×224 holds about 1.3 million values in all its
// buffers and needs about 10^8 multiply-accumulates.
const (
	// maxModelValues bounds the int32 values of all layer buffers of one
	// sample together (256 MiB).
	maxModelValues = 1 << 26
	// maxMACs bounds the multiply-accumulates of one sample (minutes of
	// work).
	maxMACs = 1 << 37
)

// layer is one Akida layer prepared for simulation: shapes, weights laid
// out for the inner loops, and the activation's precomputed boundaries.
type layer struct {
	name string
	typ  akida.LayerType
	// inputBits is the width of the model input values an input layer
	// reads: InputData's input_bits, 8 for InputConvolutional.
	inputBits int
	in        akida.Shape // input (x, y, c)
	conv      akida.Shape // potentials before pooling
	out       akida.Shape // output, after pooling

	// Convolution geometry (InputConvolutional, Convolutional, Separable).
	kx, ky, sx, sy, padX, padY int
	paddingValue               int32 // InputConvolutional only (choice #14)
	// weights: InputConvolutional and Convolutional (kx, ky, c, f) ready
	// for a cross-correlation (Convolutional's stored kernel flipped on
	// both spatial axes); Separable's depthwise part (kx, ky, c), flipped;
	// FullyConnected (x, y, c, units) rows in input memory order.
	weights []int32
	// pointwise is Separable's (c, f) pointwise kernel.
	pointwise []int32

	pool pooling

	// Activation: boundaries per neuron (levels−1 each, choice #3); without
	// activation the thresholds and steps give p − T and predict's floats.
	activation bool
	levels     int // 2^act_bits − 1
	boundaries []int32
	threshold  []int32
	actStep    []float32
}

// pooling is a layer's pooling of its potentials.
type pooling struct {
	kind                       akida.PoolType
	global                     bool // Average with pooling_width −1: the sum over all positions
	px, py, sx, sy, padX, padY int
}

// Simulator runs one Akida 1.0 model. It is built once per model (New),
// holds only read-only prepared data, and can run any number of inputs,
// also concurrently.
type Simulator struct {
	layers []*layer
	// inputBits is the width of the model's input values: InputData's
	// input_bits, 8 for InputConvolutional.
	inputBits int
}

// ErrV2 is wrapped by the errors New returns for Akida 2.0 layers.
var ErrV2 = errors.New("only Akida 1.0 layers can be simulated")

// New prepares a model for simulation: it checks that every layer is an
// Akida 1.0 layer in a single chain, with the variables its type needs and
// values the simulator can run exactly (see the Choices in choices.go),
// and lays the weights out for the integer kernels.
func New(m *akida.Model) (*Simulator, error) {
	if m == nil || len(m.Layers) == 0 {
		return nil, errors.New("the model has no layers: nothing to simulate")
	}
	if err := checkV1(m); err != nil {
		return nil, err
	}
	if err := checkChain(m); err != nil {
		return nil, err
	}
	shapes, err := m.Shapes()
	if err != nil {
		return nil, err
	}
	s := &Simulator{}
	use := usage{values: cells(shapes[0].Input)} // the workspace's input sample
	maxIn := 0.0                                 // the largest value the next layer can read
	for i, l := range m.Layers {
		p, err := prepare(l, shapes[i].Input)
		if err == nil && i == 0 {
			s.inputBits = p.inputBits
			maxIn = float64(int(1)<<p.inputBits - 1)
		}
		if err == nil {
			err = p.fits(shapes[i].Output, i == len(m.Layers)-1, maxIn, &use)
		}
		if err != nil {
			return nil, fmt.Errorf("layer %q (%s): %w", l.Name, l.Type, err)
		}
		if p.typ != akida.InputData {
			maxIn = float64(p.levels)
		}
		s.layers = append(s.layers, p)
	}
	return s, nil
}

// usage counts what the layers prepared so far need per sample.
type usage struct {
	values, macs float64
}

// fits checks what a prepared layer needs against the rest of the model:
// the simulator's limits, the model's derived output shape, an activation
// unless it is the last layer, and int32 potentials for inputs up to maxIn.
func (p *layer) fits(modelOut akida.Shape, last bool, maxIn float64, use *usage) error {
	use.values += p.bufferValues()
	use.macs += p.macs()
	if use.values > maxModelValues || use.macs > maxMACs {
		return fmt.Errorf("the model would need %.0f buffer values and %.0f multiply-accumulates per sample up to this layer, beyond the simulator's limits (%d and %d): the model is too large to simulate", use.values, use.macs, maxModelValues, int64(maxMACs))
	}
	if p.out != modelOut {
		return fmt.Errorf("the simulator computes an output shape %v, the model %v; please report this", p.out, modelOut)
	}
	if p.typ == akida.InputData {
		return nil
	}
	if !p.activation && !last {
		return errors.New("it has no activation but is not the last layer: the layer after it would read potentials, which Akida 1.0 layers cannot; give it an activation")
	}
	return p.checkBound(maxIn)
}

// checkV1 refuses layer types the simulator does not run.
func checkV1(m *akida.Model) error {
	for _, l := range m.Layers {
		switch {
		case !l.Type.Known():
			return fmt.Errorf("layer %q has layer type number %d, which this program does not know: it cannot be simulated", l.Name, int32(l.Type))
		case !l.Type.V1():
			return fmt.Errorf("Akida 2.0 layer %s (%s) cannot be simulated yet: %w", l.Name, l.Type, ErrV2)
		}
	}
	return nil
}

// checkChain verifies that the model is one chain starting at its input
// layer, the only topology Akida 1.0 models have.
func checkChain(m *akida.Model) error {
	first := m.Layers[0]
	if first.Type != akida.InputData && first.Type != akida.InputConvolutional {
		return fmt.Errorf("the first layer %q is a %s: an Akida 1.0 model starts with an InputData or InputConvolutional layer", first.Name, first.Type)
	}
	for i, l := range m.Layers[1:] {
		prev := m.Layers[i]
		if l.Type.IsInput() {
			return fmt.Errorf("layer %q (%s) is an input layer but is not the first layer: an Akida 1.0 model has one input layer", l.Name, l.Type)
		}
		if len(l.Inbounds) > 1 || (len(l.Inbounds) == 1 && l.Inbounds[0] != prev.Name) {
			return fmt.Errorf("layer %q (%s) is fed by %v, not by the layer before it (%q): the simulator runs sequential Akida 1.0 models only", l.Name, l.Type, l.Inbounds, prev.Name)
		}
	}
	return nil
}

// prepare checks one layer and lays out its data.
func prepare(l *akida.Layer, in akida.Shape) (*layer, error) {
	p := &layer{name: l.Name, typ: l.Type, in: in, conv: in, out: in}
	if l.Type == akida.InputData {
		if l.Params.Value("input_signed") != 0 {
			return nil, errors.New("signed inputs (input_signed=1) are not simulated: the simulator takes unsigned uint8 inputs only")
		}
		p.inputBits = l.Params.Int("input_bits")
		if p.inputBits < 1 || p.inputBits > 8 {
			return nil, fmt.Errorf("input_bits is %d: inputs are uint8, so input_bits must be 1…8", p.inputBits)
		}
		return p, nil
	}
	if err := checkSize("input", in); err != nil {
		return nil, err
	}
	var err error
	switch l.Type {
	case akida.InputConvolutional, akida.Convolutional:
		err = p.prepareConvolution(l)
	case akida.SeparableConvolutional:
		err = p.prepareSeparable(l)
	case akida.FullyConnected:
		err = p.prepareFullyConnected(l)
	}
	if err != nil {
		return nil, err
	}
	if err := checkSize("potentials", p.conv); err != nil {
		return nil, err
	}
	if err := p.preparePooling(l); err != nil {
		return nil, err
	}
	return p, p.prepareActivation(l)
}

// checkSize refuses one tensor too large to simulate (maxModelValues),
// before anything is derived from its size.
func checkSize(what string, s akida.Shape) error {
	if n := cells(s); n > maxModelValues {
		return fmt.Errorf("its %s %v would hold %.0f values, more than the simulator's limit of %d: the model is too large to simulate", what, s, n, maxModelValues)
	}
	return nil
}

// cells is the number of values of a shape, in float64 so that hostile
// shapes cannot overflow.
func cells(s akida.Shape) float64 {
	return float64(s[0]) * float64(s[1]) * float64(s[2])
}

// bufferValues is the number of int32 values the layer's own buffers hold
// for one sample (see newWorkspace): potentials, pooled outputs unless
// they are the potentials themselves, depthwise sums.
func (p *layer) bufferValues() float64 {
	if p.typ == akida.InputData {
		return 0
	}
	n := cells(p.conv)
	if p.pool.kind != akida.NoPooling {
		n += cells(p.out)
	}
	if p.typ == akida.SeparableConvolutional {
		n += float64(p.conv[0]) * float64(p.conv[1]) * float64(p.in[2])
	}
	return n
}

// macs is the number of multiply-accumulates of the layer for one sample.
func (p *layer) macs() float64 {
	taps := float64(p.kx) * float64(p.ky)
	switch p.typ {
	case akida.InputConvolutional, akida.Convolutional:
		return cells(p.conv) * taps * float64(p.in[2])
	case akida.SeparableConvolutional:
		return float64(p.conv[0]) * float64(p.conv[1]) * float64(p.in[2]) * (taps + float64(p.conv[2]))
	case akida.FullyConnected:
		return cells(p.in) * float64(p.conv[2])
	}
	return 0
}

// geometry reads the kernel size, strides and padding of a convolution
// and derives the potentials' shape and the padding offsets.
func (p *layer) geometry(l *akida.Layer, filters int) error {
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
	p.conv = akida.Shape{ox, oy, filters}
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
func (p *layer) prepareConvolution(l *akida.Layer) error {
	filters := l.Params.Int("filters")
	if err := p.geometry(l, filters); err != nil {
		return err
	}
	c := p.in[2]
	w, err := weightValues(l, "weights", []int{p.kx, p.ky, c, filters})
	if err != nil {
		return err
	}
	if l.Type == akida.InputConvolutional {
		p.weights = w
		p.inputBits = inputConvolutionalBits
		pv := l.Params.Value("padding_value")
		if pv < 0 || pv > 255 {
			return fmt.Errorf("padding_value is %d: padded cells hold an 8-bit input value, so it must be 0…255", pv)
		}
		p.paddingValue = pv
		return checkWTAGroups(l, filters)
	}
	p.weights = flip(w, p.kx, p.ky, c*filters)
	return nil
}

// prepareSeparable lays out a SeparableConvolutional: depthwise weights
// (kx, ky, c, 1) flipped like a Convolutional's, pointwise (1, 1, c, f).
func (p *layer) prepareSeparable(l *akida.Layer) error {
	filters := l.Params.Int("filters")
	if err := p.geometry(l, filters); err != nil {
		return err
	}
	c := p.in[2]
	dw, err := weightValues(l, "weights", []int{p.kx, p.ky, c, 1})
	if err != nil {
		return err
	}
	pw, err := weightValues(l, "weights_pw", []int{1, 1, c, filters})
	if err != nil {
		return err
	}
	p.weights = flip(dw, p.kx, p.ky, c)
	p.pointwise = pw
	return checkSize("depthwise sums", akida.Shape{p.conv[0], p.conv[1], c})
}

// prepareFullyConnected lays out a FullyConnected. Its weights
// (1, 1, X·Y·C, units) have rows in (C, Y, X) order (choice #15); they are
// reordered once into the input's memory order (x, y, c), so the kernel is
// a plain dot product over the input buffer.
func (p *layer) prepareFullyConnected(l *akida.Layer) error {
	units := l.Params.Int("units")
	X, Y, C := p.in[0], p.in[1], p.in[2]
	w, err := weightValues(l, "weights", []int{1, 1, X * Y * C, units})
	if err != nil {
		return err
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
	p.conv = akida.Shape{1, 1, units}
	return nil
}

// preparePooling reads the pooling parameters. Pooling windows use the
// layer's padding, as the model's derived shapes do.
func (p *layer) preparePooling(l *akida.Layer) error {
	pr := &l.Params
	kind := akida.PoolType(pr.Value("pool_type"))
	p.pool.kind = kind
	switch {
	case l.Type == akida.FullyConnected || kind == akida.NoPooling:
		p.pool.kind = akida.NoPooling
		p.out = p.conv
		return nil
	case kind == akida.AveragePooling && pr.Int("pooling_width") < 0 && pr.Int("pooling_height") < 0:
		p.pool.global = true
		p.out = akida.Shape{1, 1, p.conv[2]}
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
	ox, padX := windowOffsets(p.conv[0], pp.px, pp.sx, same)
	oy, padY := windowOffsets(p.conv[1], pp.py, pp.sy, same)
	if ox == 0 || oy == 0 {
		return fmt.Errorf("a %dx%d max pool does not fit its %v potentials with Valid padding", pp.px, pp.py, p.conv)
	}
	pp.padX, pp.padY = padX, padY
	p.out = akida.Shape{ox, oy, p.conv[2]}
	return nil
}

// prepareActivation reads threshold and act_step and, with an activation,
// precomputes every neuron's level boundaries.
func (p *layer) prepareActivation(l *akida.Layer) error {
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
func (p *layer) checkBound(maxIn float64) error {
	bound := p.potentialBound(maxIn)
	if p.pool.global {
		bound *= float64(p.conv[0]) * float64(p.conv[1])
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
// when its inputs are at most maxIn: max over neurons of Σ|w|·maxIn (for a
// Separable, also each depthwise sum, and the pointwise sums over the
// depthwise bounds). Partial sums are bounded by the same numbers.
func (p *layer) potentialBound(maxIn float64) float64 {
	if p.typ == akida.InputConvolutional {
		maxIn = max(maxIn, float64(p.paddingValue))
	}
	neurons := p.conv[2]
	sums := make([]float64, neurons)
	bound := 0.0
	switch p.typ {
	case akida.SeparableConvolutional:
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
	default:
		for i, w := range p.weights {
			sums[i%neurons] += math.Abs(float64(w)) * maxIn
		}
	}
	for _, s := range sums {
		bound = max(bound, s)
	}
	return bound
}

// flip reverses a (kx, ky, rest) kernel on both spatial axes: a true
// convolution with the stored kernel is a cross-correlation with the
// flipped one.
func flip(w []int32, kx, ky, rest int) []int32 {
	out := make([]int32, len(w))
	for x := range kx {
		for y := range ky {
			from := ((kx-1-x)*ky + (ky - 1 - y)) * rest
			to := (x*ky + y) * rest
			copy(out[to:to+rest], w[from:from+rest])
		}
	}
	return out
}

// variable returns a layer's variable, or an error naming what is missing.
func variable(l *akida.Layer, name string) (*akida.Variable, error) {
	v := l.Variable(name)
	if v == nil {
		return nil, fmt.Errorf("variable %q is missing: an Akida 1.0 %s layer needs %s; set it (a converted or saved model has it)", name, l.Type, neededVariables(l.Type))
	}
	if err := v.Check(); err != nil {
		return nil, fmt.Errorf("variable %q: %w", name, err)
	}
	return v, nil
}

// neededVariables names the variables a layer type needs, for errors
// (an InputConvolutional's wta_groups is optional: checkWTAGroups).
func neededVariables(t akida.LayerType) string {
	if t == akida.SeparableConvolutional {
		return "weights, weights_pw, threshold and act_step"
	}
	return "weights, threshold and act_step"
}

// weightValues reads a weights variable of the given numpy shape as int32.
func weightValues(l *akida.Layer, name string, shape []int) ([]int32, error) {
	v, err := variable(l, name)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(v.Shape, shape) {
		return nil, fmt.Errorf("variable %q has shape %v, but the layer's parameters and input need %v", name, v.Shape, shape)
	}
	w, err := v.Int8s()
	if err != nil {
		return nil, err
	}
	out := make([]int32, len(w))
	for i, x := range w {
		out[i] = int32(x)
	}
	return out, nil
}

// int32Values reads a per-neuron int32 variable.
func int32Values(l *akida.Layer, name string, neurons int) ([]int32, error) {
	v, err := variable(l, name)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(v.Shape, []int{neurons}) {
		return nil, fmt.Errorf("variable %q has shape %v, but the layer has %d neurons: it needs shape [%d]", name, v.Shape, neurons, neurons)
	}
	return v.Int32s()
}

// float32Values reads a per-neuron float32 variable.
func float32Values(l *akida.Layer, name string, neurons int) ([]float32, error) {
	v, err := variable(l, name)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(v.Shape, []int{neurons}) {
		return nil, fmt.Errorf("variable %q has shape %v, but the layer has %d neurons: it needs shape [%d]", name, v.Shape, neurons, neurons)
	}
	return v.Float32s()
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
