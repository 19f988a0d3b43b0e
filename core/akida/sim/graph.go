package sim

import (
	"cmp"
	"errors"
	"fmt"
	"math"

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

// Simulator runs one Akida model. It is built once per model (New), holds
// only read-only prepared data, and can run any number of inputs, also
// concurrently.
type Simulator struct {
	// nodes are the prepared layers in model order, which is topological:
	// every layer's inbounds come before it.
	nodes []*node
	// input describes the values the model's input layer reads.
	input modelInput
}

// node is one layer of the prepared graph.
type node struct {
	name string
	typ  akida.LayerType
	// inbounds are the indices of the layers feeding this one, in the
	// layer's inbound order; empty for the layer that reads the model input.
	inbounds []int
	// in are the shapes the layer reads: one per inbound, or the model
	// input's shape.
	in []akida.Shape
	*prepared
}

// prepared is what a layer kind's prepare function returns: the kernel and
// the facts the rest of the simulator needs about the layer.
type prepared struct {
	kernel kernel
	out    akida.Shape
	// float: the layer outputs floats (tensor.floats), not integers.
	float bool
	// values is the range of the layer's output values, which bounds the
	// arithmetic of the layers reading them.
	values valueRange
	// activation: the layer outputs activation levels (Akida 1.0).
	activation bool
	// predict converts the layer's forward outputs into akida's predict
	// floats; nil when predict does not apply to the layer.
	predict func(ints []int32, out []float32)
	// input is set by input layers: the model input they read when they
	// have no inbound.
	input *modelInput
	// check, when set, runs after the model-wide checks of the layer
	// (limits, output shape) with whether the layer is the model's last.
	check func(last bool) error
	// bufferValues and macs are what the layer needs per sample, counted
	// against maxModelValues and maxMACs.
	bufferValues, macs float64
}

// kernel computes one layer.
type kernel interface {
	// newRun returns a function that runs the layer on one sample, with
	// working memory of its own: a run allocates it once for all samples.
	// The function returns the layer's output buffer, which stays valid
	// until its next call.
	newRun() runFunc
}

// runFunc runs a layer on one sample: ins are its inbound layers' outputs
// (for the input layer, the model input).
type runFunc func(ins []tensor) tensor

// tensor is one sample's values of a layer: integers, or floats for the
// model input of a Quantizer and the outputs of a Dequantizer.
type tensor struct {
	ints   []int32
	floats []float32
}

// modelInput describes the values an input layer reads.
type modelInput struct {
	typ    InputType
	bits   int
	values valueRange
}

// valueRange is the closed range [min, max] of a layer's values.
type valueRange struct{ min, max int64 }

// maxAbs is the largest magnitude in the range.
func (r valueRange) maxAbs() float64 {
	return max(math.Abs(float64(r.min)), math.Abs(float64(r.max)))
}

// unsignedRange is the range of bits-bit unsigned values.
func unsignedRange(bits int) valueRange { return valueRange{0, 1<<bits - 1} }

// signedRange is the range of bits-bit signed values (two's complement).
func signedRange(bits int) valueRange { return valueRange{-1 << (bits - 1), 1<<(bits-1) - 1} }

// layerInputs is what a layer reads: the shape and value range of each
// inbound layer's outputs. An input layer reading the model input gets its
// own input shape and no ranges (it defines them).
type layerInputs struct {
	shapes []akida.Shape
	ranges []valueRange
}

// ErrUnsupported is wrapped by the errors New returns for layer types the
// simulator does not run.
var ErrUnsupported = errors.New("the simulator does not run this layer type")

// New prepares a model for simulation: it checks the model's graph (one
// input layer, every layer fed by earlier ones, every layer but the last
// feeding another), that every layer is of a kind the simulator runs with
// the variables its type needs and values the simulator can run exactly
// (see the choices in choices.go), and lays the weights out for the
// integer kernels.
func New(m *akida.Model) (*Simulator, error) {
	if m == nil || len(m.Layers) == 0 {
		return nil, errors.New("the model has no layers: nothing to simulate")
	}
	if err := checkKinds(m); err != nil {
		return nil, err
	}
	v2 := m.IPVersion() == "v2"
	check := checkChain
	if v2 {
		check = checkInputs
	}
	if err := check(m); err != nil {
		return nil, err
	}
	shapes, err := m.Shapes()
	if err != nil {
		return nil, err
	}
	if v2 {
		if err := checkGraph(m, shapes); err != nil {
			return nil, err
		}
	}
	s := &Simulator{}
	index := make(map[string]int, len(m.Layers))
	use := usage{values: cells(shapes[0].Input)} // the model input sample
	for i, l := range m.Layers {
		n, err := s.prepare(l, i, shapes[i], index, i == len(m.Layers)-1, &use)
		if err != nil {
			return nil, fmt.Errorf("layer %q (%s): %w", l.Name, l.Type, err)
		}
		s.nodes = append(s.nodes, n)
		index[l.Name] = i
	}
	return s, nil
}

// prepare prepares layer i, whose inbounds are earlier layers (index).
func (s *Simulator) prepare(l *akida.Layer, i int, shapes akida.LayerShapes, index map[string]int, last bool, use *usage) (*node, error) {
	n := &node{name: l.Name, typ: l.Type}
	in := layerInputs{}
	// The first layer, an input layer (checkChain, checkInputs), reads the
	// model input.
	if i == 0 {
		in.shapes = []akida.Shape{shapes.Input}
	} else {
		for _, name := range l.Inbounds {
			j := index[name]
			from := s.nodes[j]
			if from.float {
				return nil, fmt.Errorf("it reads the float outputs of layer %q (%s): a Dequantizer's outputs can only be the model's outputs; make the Dequantizer the last layer", from.name, from.typ)
			}
			n.inbounds = append(n.inbounds, j)
			in.shapes = append(in.shapes, from.out)
			in.ranges = append(in.ranges, from.values)
		}
	}
	n.in = in.shapes
	var err error
	if n.prepared, err = prepareFor(l.Type)(l, in); err != nil {
		return nil, err
	}
	if i == 0 {
		if n.input == nil {
			return nil, errors.New("it does not read the model input although it is the first layer; please report this")
		}
		s.input = *n.input
	}
	if err := n.fits(shapes.Output, use); err != nil {
		return nil, err
	}
	if n.check != nil {
		return n, n.check(last)
	}
	return n, nil
}

// usage counts what the layers prepared so far need per sample.
type usage struct {
	values, macs float64
}

// fits checks what a prepared layer needs against the simulator's limits
// and its output shape against the one the model derives.
func (n *node) fits(modelOut akida.Shape, use *usage) error {
	use.values += n.bufferValues
	use.macs += n.macs
	if use.values > maxModelValues || use.macs > maxMACs {
		return fmt.Errorf("the model would need %.0f buffer values and %.0f multiply-accumulates per sample up to this layer, beyond the simulator's limits (%d and %d): the model is too large to simulate", use.values, use.macs, maxModelValues, int64(maxMACs))
	}
	if n.out != modelOut {
		return fmt.Errorf("the simulator computes an output shape %v, the model %v; please report this", n.out, modelOut)
	}
	return nil
}

// checkKinds refuses layer types the simulator does not run.
func checkKinds(m *akida.Model) error {
	for _, l := range m.Layers {
		switch {
		case !l.Type.Known():
			return fmt.Errorf("layer %q has layer type number %d, which this program does not know: it cannot be simulated", l.Name, int32(l.Type))
		case prepareFor(l.Type) == nil:
			return fmt.Errorf("layer %q (%s) cannot be simulated: %w; temporal and Akida Pico layers keep state between samples, which it does not model", l.Name, l.Type, ErrUnsupported)
		}
	}
	return nil
}

// checkInputs verifies an Akida 2.0 model's layer types and input
// layers: no Akida 1.0 neural layer (checkGeneration), the first layer an
// input layer, a Quantizer only there, and any later input layer fed by
// one layer (an InputData after a Quantizer).
func checkInputs(m *akida.Model) error {
	if err := checkGeneration(m); err != nil {
		return err
	}
	first := m.Layers[0]
	if !first.Type.IsInput() {
		return fmt.Errorf("the first layer %q is a %s: an Akida 2.0 model starts with an InputData, InputConv2D or Quantizer layer", first.Name, first.Type)
	}
	for _, l := range m.Layers[1:] {
		switch {
		case !l.Type.IsInput():
		case l.Type == akida.Quantizer:
			return fmt.Errorf("layer %q (Quantizer) is not the first layer: a Quantizer reads the model's float inputs, so it must be the first layer", l.Name)
		case len(l.Inbounds) != 1:
			return fmt.Errorf("layer %q (%s) is an input layer but is not the first layer, and it has %d inbound layers: an Akida 2.0 model has one input; feed it from one layer (the Quantizer before it)", l.Name, l.Type, len(l.Inbounds))
		}
	}
	return nil
}

// checkGeneration refuses a model that mixes Akida 1.0 neural layers with
// Akida 2.0 layers: akida builds a model for one IP version, and the two
// generations' layers exchange different values (levels, integers).
func checkGeneration(m *akida.Model) error {
	var v1, v2 *akida.Layer
	for _, l := range m.Layers {
		switch {
		case !l.Type.V1():
			v2 = cmp.Or(v2, l)
		case l.Type != akida.InputData:
			v1 = cmp.Or(v1, l)
		}
	}
	if v1 != nil {
		return fmt.Errorf("the model mixes Akida 1.0 layers (%q, %s) and Akida 2.0 layers (%q, %s): a model is made for one Akida version; convert it for one target", v1.Name, v1.Type, v2.Name, v2.Type)
	}
	return nil
}

// checkGraph verifies the rest of an Akida 2.0 model's graph: an input
// layer after the first takes its inbound's output shape, and every layer
// but the last feeds another, so that the last layer's outputs are the
// model's.
func checkGraph(m *akida.Model, shapes []akida.LayerShapes) error {
	fed := make(map[string]bool, len(m.Layers))
	for i, l := range m.Layers {
		for _, in := range l.Inbounds {
			fed[in] = true
		}
		if i == 0 || !l.Type.IsInput() {
			continue
		}
		from := m.Layer(l.Inbounds[0])
		if got := shapeOf(m, shapes, from); got != shapes[i].Input {
			return fmt.Errorf("layer %q (%s) takes inputs of shape %v, but its inbound layer %q (%s) gives %v: set its input shape to its inbound's output", l.Name, l.Type, shapes[i].Input, from.Name, from.Type, got)
		}
	}
	for _, l := range m.Layers[:len(m.Layers)-1] {
		if !fed[l.Name] {
			return fmt.Errorf("layer %q (%s) feeds no layer but is not the last layer: the simulator runs models whose one output is the last layer; remove the layer or feed it to another", l.Name, l.Type)
		}
	}
	return nil
}

// shapeOf is the output shape of a layer of m.
func shapeOf(m *akida.Model, shapes []akida.LayerShapes, l *akida.Layer) akida.Shape {
	for i, x := range m.Layers {
		if x == l {
			return shapes[i].Output
		}
	}
	return akida.Shape{}
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

// last is the model's last layer, whose outputs are the model's.
func (s *Simulator) last() *node { return s.nodes[len(s.nodes)-1] }

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

// size is the number of values of a shape checked by checkSize.
func size(s akida.Shape) int { return s[0] * s[1] * s[2] }

// run simulates every sample and returns the outputs of every layer (all
// of them with keep, else only the last). Each layer's working memory is
// allocated once per call and reused across samples.
func (s *Simulator) run(in Input, keep bool) []LayerOutput {
	n := in.Shape[0]
	runs := make([]runFunc, len(s.nodes))
	outs := make([]LayerOutput, len(s.nodes))
	for i, nd := range s.nodes {
		runs[i] = nd.kernel.newRun()
		if keep || i == len(s.nodes)-1 {
			outs[i] = LayerOutput{Name: nd.name, Shape: [4]int{n, nd.out[0], nd.out[1], nd.out[2]}}
			if nd.float {
				outs[i].Float = make([]float32, n*size(nd.out))
			} else {
				outs[i].Data = make([]int32, n*size(nd.out))
			}
		}
	}
	input := in.newSample(size(s.nodes[0].in[0]))
	values := make([]tensor, len(s.nodes))
	ins := make([][]tensor, len(s.nodes))
	for i, nd := range s.nodes {
		ins[i] = make([]tensor, max(len(nd.inbounds), 1))
	}
	for k := range n {
		in.sample(k, input)
		for i, nd := range s.nodes {
			if len(nd.inbounds) == 0 {
				ins[i][0] = input
			}
			for j, from := range nd.inbounds {
				ins[i][j] = values[from]
			}
			x := runs[i](ins[i])
			values[i] = x
			if lo := &outs[i]; lo.Data != nil {
				copy(lo.Data[k*len(x.ints):(k+1)*len(x.ints)], x.ints)
			} else if lo.Float != nil {
				copy(lo.Float[k*len(x.floats):(k+1)*len(x.floats)], x.floats)
			}
		}
	}
	if keep {
		return outs
	}
	return outs[len(outs)-1:]
}
