package verify

import (
	"errors"
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/sim"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/infer"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Run verifies a conversion on o.Samples seeded inputs (see the package
// doc for what is compared). Samples run one at a time, so memory stays
// that of one sample whatever their number.
func Run(m Models, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if m.Quantized == nil || m.Akida == nil {
		return nil, errors.New("verify: both the quantized Keras model and the Akida model are needed")
	}
	if m.Akida.IPVersion() == string(akida.IPv2) {
		return runV2(m, o)
	}
	v, err := newVerifier(m, o)
	if err != nil {
		return nil, err
	}
	n := o.samples()
	for k := range n {
		if o.Progress != nil {
			o.Progress(k, n)
		}
		if err := v.sample(k); err != nil {
			return nil, fmt.Errorf("sample %d: %w", k, err)
		}
	}
	return v.result(n, o.Seed), nil
}

// verifier holds the prepared models and the running tallies.
type verifier struct {
	models Models
	chain  *keras.Model
	sim    *sim.Simulator
	blocks []*block
	alone  []alone
	inputs *inputStream

	chained, isolated []tally // per block
	output, isolatedOutput,
	float top1
	floatComparable bool
	examples        []Difference
	clamped, notes  []string
}

// alone is one Akida layer run on its own, fed the model input (the
// first layer, or the one after InputData) or the Keras levels of the
// layer before it through an InputData.
type alone struct {
	levels     *sim.Simulator // the layer as it is (nil without activation)
	potentials *sim.Simulator // the layer without activation: p − T
	modelInput bool
}

func newVerifier(m Models, o Options) (*verifier, error) {
	chain, err := kerasChain(m.Quantized)
	if err != nil {
		return nil, err
	}
	s, err := sim.New(m.Akida)
	if err != nil {
		return nil, fmt.Errorf("Akida model: %w", err)
	}
	blocks, err := pairLayers(m.Akida, chain)
	if err != nil {
		return nil, err
	}
	inputs, err := newInputStream(s, chain, m.Scaling, o.Seed)
	if err != nil {
		return nil, err
	}
	v := &verifier{models: m, chain: chain, sim: s, blocks: blocks, inputs: inputs,
		chained: make([]tally, len(blocks)), isolated: make([]tally, len(blocks))}
	for i, b := range blocks {
		a, err := newAlone(m.Akida, b)
		if err != nil {
			return nil, err
		}
		v.alone = append(v.alone, a)
		v.isolated[i].neurons(b.shape[2])
	}
	v.floatComparable = m.Float != nil
	v.clamped, v.notes = clamped(m.Akida)
	return v, nil
}

// newAlone builds the models that run one Akida layer on its own.
func newAlone(m *akida.Model, b *block) (alone, error) {
	var input *akida.Layer
	a := alone{modelInput: b.index == 0}
	if b.index > 0 {
		prev := m.Layers[b.index-1]
		if prev.Type == akida.InputData {
			input, a.modelInput = copyLayer(prev), true
		} else {
			o := akida.DefaultInputData()
			o.InputShape = [3]int(b.in)
			o.InputBits = prev.Params.Int("act_bits")
			input = akida.NewInputData(b.layer.Name+" (Keras levels)", o)
		}
	}
	build := func(activation bool) (*sim.Simulator, error) {
		am := &akida.Model{}
		if input != nil {
			if err := am.Add(copyLayer(input)); err != nil {
				return nil, err
			}
		}
		l := copyLayer(b.layer)
		if !activation {
			l.Params.Set("activation", 0)
		}
		if err := am.Add(l); err != nil {
			return nil, err
		}
		s, err := sim.New(am)
		if err != nil {
			return nil, fmt.Errorf("Akida layer %q alone: %w", b.layer.Name, err)
		}
		return s, nil
	}
	var err error
	if b.act != nil {
		if a.levels, err = build(true); err != nil {
			return a, err
		}
	}
	a.potentials, err = build(false)
	return a, err
}

// copyLayer copies a layer with its own parameters and no inbounds; the
// variables are shared (nothing changes them).
func copyLayer(l *akida.Layer) *akida.Layer {
	c := *l
	c.Params = l.Params.Clone()
	c.Inbounds = nil
	return &c
}

// sample runs one input through every model and adds it to the tallies.
func (v *verifier) sample(k int) error {
	ak, kin := v.inputs.next()
	keep := infer.Options{KeepLayers: true}
	kres, err := infer.Run(v.chain, kin, keep)
	if err != nil {
		return fmt.Errorf("quantized Keras model: %w", err)
	}
	akLayers, akOutput, err := v.runAkida(v.sim, ak)
	if err != nil {
		return fmt.Errorf("Akida model: %w", err)
	}
	var prevLevels []int32 // Keras levels of the block before
	var lastIsolated []float64
	for i, b := range v.blocks {
		out, pre := kres.Layers[b.output].Data, kres.Layers[b.pre].Data
		chained := akLayers[b.index].Data
		if len(out) != len(chained) || len(pre) != len(chained) {
			return fmt.Errorf("Akida layer %q has %d values per sample, its Keras layer %q %d: %w", b.layer.Name, len(chained), b.output, len(out), ErrNotComparable)
		}
		var levels []int32
		if b.act != nil {
			levels = make([]int32, len(out))
			if err := b.levels(out, levels); err != nil {
				return err
			}
			v.chained[i].levels(chained, levels)
		} else {
			v.chained[i].potentials(b, chained, pre)
		}
		in := ak
		if !v.alone[i].modelInput {
			in = levelsInput(prevLevels, b.in)
		}
		lastIsolated, err = v.isolate(i, k, in, levels, pre)
		if err != nil {
			return err
		}
		prevLevels = levels
	}
	// The Keras values the top-1 reads: the last block's levels, or its
	// output before any final softmax.
	last := v.blocks[len(v.blocks)-1]
	f := last.shape[2]
	kerasOutput := int32Floats(prevLevels)
	if last.act == nil {
		kerasOutput = float32Floats(kres.Layers[last.output].Data)
	}
	v.output.add(akOutput, kerasOutput, f)
	v.isolatedOutput.add(lastIsolated, kerasOutput, f)
	if v.floatComparable {
		return v.compareFloat(kin, akOutput, f)
	}
	return nil
}

// runAkida runs a simulator on one sample and returns every layer's
// output and the values the top-1 reads: predict's floats for a last
// layer without activation, else the levels.
func (v *verifier) runAkida(s *sim.Simulator, in sim.Input) ([]sim.LayerOutput, []float64, error) {
	keep := sim.Options{KeepLayers: true}
	if s.LastActivation() {
		out, err := s.Forward(in, keep)
		if err != nil {
			return nil, nil, err
		}
		return out.Layers, int32Floats(out.Data), nil
	}
	p, err := s.Predict(in, keep)
	if err != nil {
		return nil, nil, err
	}
	return p.Layers, float32Floats(p.Data), nil
}

// isolate runs block i alone on in and compares it with the Keras levels
// (with activation) or pre-activations (without). It returns the values
// the isolated top-1 reads.
func (v *verifier) isolate(i, sample int, in sim.Input, kerasLevels []int32, pre []float32) ([]float64, error) {
	b, a := v.blocks[i], v.alone[i]
	pl, predicted, err := v.runAkida(a.potentials, in)
	if err != nil {
		return nil, fmt.Errorf("Akida layer %q alone: %w", b.layer.Name, err)
	}
	potentials := pl[len(pl)-1].Data
	if b.act == nil {
		v.isolated[i].potentialsAlone(b, potentials, pre, sample, v)
		return predicted, nil
	}
	out, err := a.levels.Forward(in, sim.Options{})
	if err != nil {
		return nil, fmt.Errorf("Akida layer %q alone: %w", b.layer.Name, err)
	}
	v.isolated[i].levelsAlone(b, out.Data, potentials, kerasLevels, pre, sample, v)
	return int32Floats(out.Data), nil
}

// levelsInput packs Keras levels as the uint8 input of an InputData.
func levelsInput(levels []int32, shape akida.Shape) sim.Input {
	in := sim.Input{Shape: [4]int{1, shape[0], shape[1], shape[2]}, Data: make([]uint8, len(levels))}
	for i, n := range levels {
		in.Data[i] = uint8(n) // 0 … 2^act_bits − 1, checked by block.levels
	}
	return in
}

// compareFloat runs the float model on the Keras input and compares its
// top-1 with Akida's.
func (v *verifier) compareFloat(kin infer.Tensor, akOutput []float64, f int) error {
	res, err := infer.Run(v.models.Float, kin, infer.Options{})
	if err != nil {
		return fmt.Errorf("float Keras model: %w", err)
	}
	out := res.Outputs[0].Data
	if len(out) != len(akOutput) {
		v.floatComparable = false
		v.notes = append(v.notes, fmt.Sprintf("the float model's output has %d values per sample and the Akida model's %d: no float top-1 figure", len(out), len(akOutput)))
		return nil
	}
	v.float.add(akOutput, float32Floats(out), f)
	return nil
}

// example records an unexplained difference, up to maxExamples.
func (v *verifier) example(d Difference) {
	if len(v.examples) < maxExamples {
		v.examples = append(v.examples, d)
	}
}

// result gathers the tallies.
func (v *verifier) result(n int, seed uint64) *Result {
	r := &Result{
		Model: v.models.Quantized.Name, Samples: n, Seed: seed, Target: string(akida.IPv1), Input: v.inputs.description(),
		OutputAgreement:         v.output.share(),
		IsolatedOutputAgreement: v.isolatedOutput.share(),
		Examples:                v.examples, Clamped: v.clamped, Notes: v.notes, Proved: true,
	}
	if v.floatComparable {
		share := v.float.share()
		r.FloatTop1Agreement = &share
	}
	for i, b := range v.blocks {
		c, iso := &v.chained[i], &v.isolated[i]
		l := Layer{
			Name: b.layer.Name, Type: b.layer.Type.String(), Keras: b.output, Shape: [3]int(b.shape), Activation: b.act != nil,
			Values: c.values, Agreement: c.share(), MaxLevelDiff: c.maxDiff,
			Isolated: iso.summary(b),
		}
		r.Layers = append(r.Layers, l)
		if b.act != nil {
			r.Levels += iso.values
		}
		r.BoundaryCases += iso.boundary
		r.Unexplained += iso.unexplained
		r.Proved = r.Proved && l.Isolated.Proved
	}
	if r.Levels > 0 {
		r.BoundaryRate = float64(r.BoundaryCases) / float64(r.Levels)
	}
	return r
}
