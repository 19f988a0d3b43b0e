package verify

import (
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/sim"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/infer"
)

// Akida 2.0 verification: a quantizeml-quantized Keras model, run in
// quantizeml's own arithmetic (core/infer's QuantizeML: integers held in
// float32, as TensorFlow computes them), against its Akida 2.0 conversion
// run by core/akida/sim (exact integers), layer by layer.
//
// Pairing (v2pairs.go): each Akida layer but InputData stands for the
// last non-skippable Keras layer of its block in the conversion's report
// (Models.Blocks, the Keras layers cnn2snn grouped into it): the layer
// whose output quantizer the Akida output stage holds, or whose result it
// gives without one — the ReLU of a Conv2D > MaxPool2D > ReLU block, the
// Dense itself (its accumulator) without an output quantizer, the GAP of
// Conv2D > ReLU > GAP, the InputQuantizer of a Quantizer, the Dequantizer.
// Their outputs are compared value by value in C order: integers, or a
// Dequantizer's floats. The inputs are described in v2inputs.go.
//
// As for Akida 1.0 there are two comparisons: chained, the whole Akida
// model against the whole Keras model, whose differences carry on into
// the layers after; and alone (isolated), each Akida layer fed the Keras
// integers of the layers before it (sim.Simulator.RunLayer), where every
// difference is the layer's own. Each isolated difference gets a cause
// (v2explain.go), found by replaying the layer's output stage from the
// value Akida starts it from, one step at a time from Akida's arithmetic
// to quantizeml's: float32 rounding above 2^24 (CauseFloat32), the
// saturation bound 2^vb that float32 makes of 2^vb − 1
// (CauseSaturationBound), cnn2snn's clipped output shift
// (CauseClippedShift). A difference no step reproduces is unexplained,
// and a verification with unexplained differences is not proved.
//
// Top-1 agreement compares the argmax over the last layer's channels at
// every output position, ties going to the first channel, as for Akida
// 1.0. There is no float figure on Akida 2.0, for a float model this tool
// quantized either: Models.Float is not read.

// MaxLayerDifferences bounds the differences each layer lists
// (Isolated.Differences); Causes counts them all.
const MaxLayerDifferences = 16

// verifierV2 holds the prepared models and the running tallies of an
// Akida 2.0 verification.
type verifierV2 struct {
	models  Models
	qml     *infer.QuantizeML
	sim     *sim.Simulator
	pairs   []*pairV2
	explain []*explainV2
	// holds maps every Akida layer to the Keras layer whose output it
	// holds (InputData included).
	holds  map[string]string
	index  map[string]int // Akida layer → index in the model
	inputs *inputsV2

	chained, isolated      []tallyV2
	output, isolatedOutput top1
	examples               []Difference
	notes                  []string
}

// tallyV2 accumulates the comparison of one Akida 2.0 layer.
type tallyV2 struct {
	values, agree int
	maxDiff       float64
	causes        map[string]int // isolated only
	diffs         []Difference   // isolated only, the first MaxLayerDifferences
}

func runV2(m Models, o Options) (*Result, error) {
	v, err := newVerifierV2(m, o)
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

func newVerifierV2(m Models, o Options) (*verifierV2, error) {
	if len(m.Blocks) == 0 {
		return nil, fmt.Errorf("the conversion's blocks are needed to pair the Akida 2.0 layers with the Keras layers: %w", ErrNotComparable)
	}
	q, err := infer.NewQuantizeMLRecorded(m.Quantized, m.Recording)
	if err != nil {
		return nil, fmt.Errorf("quantized Keras model: %w", err)
	}
	s, err := sim.New(m.Akida)
	if err != nil {
		return nil, fmt.Errorf("Akida model: %w", err)
	}
	rec := q.Recording()
	pairs, holds, err := pairV2Layers(m.Akida, m.Quantized, rec, m.Blocks)
	if err != nil {
		return nil, err
	}
	inputs, err := newInputsV2(s, m.Quantized, m.Akida.Layers[0], pairs, holds, o.Seed)
	if err != nil {
		return nil, err
	}
	v := &verifierV2{models: m, qml: q, sim: s, pairs: pairs, holds: holds, inputs: inputs,
		index:   make(map[string]int, len(m.Akida.Layers)),
		chained: make([]tallyV2, len(pairs)), isolated: make([]tallyV2, len(pairs))}
	for i, l := range m.Akida.Layers {
		v.index[l.Name] = i
	}
	for i, p := range pairs {
		e, err := newExplainV2(m.Akida, s, rec, p)
		if err != nil {
			return nil, err
		}
		v.explain = append(v.explain, e)
		v.isolated[i].causes = map[string]int{}
		v.notes = append(v.notes, clippedNotes(p, e)...)
	}
	return v, nil
}

// clippedNotes name the channels whose output (or activation) shift
// cnn2snn clipped: their values can differ from quantizeml's.
func clippedNotes(p *pairV2, e *explainV2) []string {
	var notes []string
	for _, st := range []struct {
		name  string
		stage *stageV2
	}{{"output_shift", e.out}, {"activation_shift", e.lut}} {
		if st.stage == nil {
			continue
		}
		if cs := st.stage.clipped(); len(cs) > 0 {
			c := cs[0]
			notes = append(notes, fmt.Sprintf("layer %q: cnn2snn clipped the %s of %d of its %d channels at −buffer_bits + 1 (channel %d: %d, quantizeml shifts by %d), so their outputs can differ from quantizeml's (cause %s)",
				p.layer.Name, st.name, len(cs), len(st.stage.shift), c, st.stage.stored[c], st.stage.shift[c], CauseClippedShift))
		}
	}
	return notes
}

// sample runs one input through both models and adds it to the tallies.
func (v *verifierV2) sample(k int) error {
	kres, err := v.qml.Run(v.inputs.next(), infer.Options{KeepLayers: true})
	if err != nil {
		return fmt.Errorf("quantized Keras model: %w", err)
	}
	ain, err := v.inputs.akidaInput(kres)
	if err != nil {
		return err
	}
	ares, err := v.sim.Forward(ain, sim.Options{KeepLayers: true})
	if err != nil {
		return fmt.Errorf("Akida model: %w", err)
	}
	for j, p := range v.pairs {
		kt := kres.Layers[p.keras]
		chained := ares.Layers[p.index]
		if kt.IsFloat() != p.float {
			return fmt.Errorf("Akida layer %q (%s) and its Keras layer %q do not both give floats: %w", p.layer.Name, p.layer.Type, p.keras, ErrNotComparable)
		}
		sm, alone, err := v.alone(p, ain, kres, ares)
		if err != nil {
			return err
		}
		if err := v.chained[j].compare(p, chained, kt.Values, nil); err != nil {
			return err
		}
		cmp := &comparison{sample: k, sm: sm, e: v.explain[j], v: v}
		if err := v.isolated[j].compare(p, alone, kt.Values, cmp); err != nil {
			return err
		}
		if j == len(v.pairs)-1 {
			f := p.shape[2]
			keras := float32Floats(kt.Values)
			v.output.add(outputFloats(chained), keras, f)
			v.isolatedOutput.add(outputFloats(alone), keras, f)
		}
	}
	return nil
}

// alone runs a pair's layer on the Keras values of its inbound layers. It
// skips the run when they equal the Akida model's own (then the chained
// output is the isolated one) and for the first layer, which reads the
// model input.
func (v *verifierV2) alone(p *pairV2, ain sim.Input, kres *infer.QMLResult, ares *sim.Output) (*sampleV2, sim.LayerOutput, error) {
	sm := &sampleV2{input: ain}
	if len(p.layer.Inbounds) == 0 {
		return sm, ares.Layers[p.index], nil
	}
	same := true
	for _, name := range p.layer.Inbounds {
		kt, ok := kres.Layers[v.holds[name]]
		if !ok {
			return nil, sim.LayerOutput{}, fmt.Errorf("Akida layer %q reads layer %q, whose Keras layer %q gives no output: %w", p.layer.Name, name, v.holds[name], ErrNotComparable)
		}
		from := ares.Layers[v.index[name]]
		lo, hi, _ := v.sim.OutputRange(name)
		in := sim.LayerOutput{Name: name, Shape: from.Shape, Data: make([]int32, len(kt.Values))}
		if len(kt.Values) != len(from.Data) {
			return nil, sim.LayerOutput{}, fmt.Errorf("Akida layer %q outputs %d values, its Keras layer %q %d: %w", name, len(from.Data), v.holds[name], len(kt.Values), ErrNotComparable)
		}
		for i, x := range kt.Values {
			n := int64(min(max(float64(x), float64(lo)), float64(hi)))
			if float64(n) != float64(x) {
				sm.clampedInputs++
			}
			in.Data[i] = int32(n)
			same = same && in.Data[i] == from.Data[i]
		}
		sm.ins = append(sm.ins, in)
	}
	if same {
		return sm, ares.Layers[p.index], nil
	}
	out, err := v.sim.RunLayer(p.layer.Name, sm.ins)
	if err != nil {
		return nil, sim.LayerOutput{}, fmt.Errorf("Akida layer %q alone: %w", p.layer.Name, err)
	}
	return sm, out, nil
}

// comparison is what explaining an isolated difference needs.
type comparison struct {
	sample int
	sm     *sampleV2
	e      *explainV2
	v      *verifierV2
}

// compare adds one sample of a layer: the Akida output and the Keras
// values. With cmp (isolated), every difference gets its cause.
func (t *tallyV2) compare(p *pairV2, out sim.LayerOutput, keras []float32, cmp *comparison) error {
	n := len(out.Data)
	if p.float {
		n = len(out.Float)
	}
	if n != len(keras) {
		return fmt.Errorf("Akida layer %q has %d values per sample, its Keras layer %q %d: %w", p.layer.Name, n, p.keras, len(keras), ErrNotComparable)
	}
	for i, k := range keras {
		t.values++
		var a float64
		if p.float {
			a = float64(out.Float[i])
		} else {
			a = float64(out.Data[i])
		}
		if a == float64(k) {
			t.agree++
			continue
		}
		t.maxDiff = max(t.maxDiff, math.Abs(a-float64(k)))
		if cmp == nil {
			continue
		}
		d := p.difference(cmp.sample, i)
		if p.float {
			d.Cause, d.Reason = cmp.e.explainFloat(cmp.sm, a, float64(k))
			af, kf := a, float64(k)
			d.AkidaFloat, d.KerasFloat = &af, &kf
		} else {
			d.AkidaLevel, d.KerasLevel = int(a), int(k)
			d.Cause, d.Reason = cmp.e.explain(cmp.sm, i, int64(a), float64(k))
		}
		t.causes[d.Cause]++
		if len(t.diffs) < MaxLayerDifferences {
			t.diffs = append(t.diffs, d)
		}
		if d.Cause == CauseUnexplained && len(cmp.v.examples) < maxExamples {
			cmp.v.examples = append(cmp.v.examples, d)
		}
	}
	return nil
}

// difference locates value i of a sample.
func (p *pairV2) difference(sample, i int) Difference {
	f := p.shape[2]
	cell := i / f
	return Difference{Layer: p.layer.Name, Sample: sample, Position: [3]int{cell / p.shape[1], cell % p.shape[1], i % f}}
}

func (t *tallyV2) share() float64 {
	if t.values == 0 {
		return 0
	}
	return float64(t.agree) / float64(t.values)
}

// outputFloats are a layer's outputs for the top-1: its floats or its
// integers.
func outputFloats(o sim.LayerOutput) []float64 {
	if o.Float != nil {
		return float32Floats(o.Float)
	}
	return int32Floats(o.Data)
}

// causes lists the counts of each cause met, in report order.
func causesOf(counts map[string]int) []Cause {
	var out []Cause
	for _, name := range causeNames() {
		if n := counts[name]; n > 0 {
			out = append(out, Cause{Name: name, Text: causeText(name), Values: n})
		}
	}
	return out
}

// result gathers the tallies.
func (v *verifierV2) result(n int, seed uint64) *Result {
	r := &Result{
		Model: v.models.Quantized.Name, Samples: n, Seed: seed, Target: string(akida.IPv2), Input: v.inputs.description(),
		OutputAgreement: v.output.share(), IsolatedOutputAgreement: v.isolatedOutput.share(),
		Examples: v.examples, Notes: v.notes,
	}
	total := map[string]int{}
	for i, p := range v.pairs {
		c, iso := &v.chained[i], &v.isolated[i]
		l := Layer{
			Name: p.layer.Name, Type: p.layer.Type.String(), Keras: p.keras, Shape: [3]int(p.shape), Activation: !p.float,
			Values: c.values, Agreement: c.share(), MaxLevelDiff: c.maxDiff,
			Isolated: Isolated{Agreement: iso.share(), MaxLevelDiff: iso.maxDiff, Unexplained: iso.causes[CauseUnexplained],
				Causes: causesOf(iso.causes), Differences: iso.diffs},
		}
		l.Isolated.Explained = iso.values - iso.agree - l.Isolated.Unexplained
		l.Isolated.Proved = l.Isolated.Unexplained == 0
		for name, count := range iso.causes {
			total[name] += count
		}
		r.Levels += iso.values
		r.Unexplained += l.Isolated.Unexplained
		r.Explained += l.Isolated.Explained
		r.Layers = append(r.Layers, l)
	}
	r.Causes = causesOf(total)
	r.Proved = r.Unexplained == 0
	return r
}
