package verify

import (
	"fmt"
	"math"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/sim"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The causes of an Akida 2.0 difference: the known ways in which the
// Akida 2.0 simulation (exact integers, conversion-v2.md §5) and
// quantizeml's arithmetic (float32 tensors, §4.4) part, which cnn2snn's
// conversion cannot remove.
const (
	// CauseFloat32: quantizeml holds integers in float32, which rounds
	// those above 2^24 — an accumulator, its product with the output scale,
	// the rescale's + 0.5 — where the simulation is exact (§5.4, V10).
	CauseFloat32 = "float32"
	// CauseSaturationBound: quantizeml's saturation bound 2^vb − 1 is
	// computed in float32, which makes it 2^vb from 25 value bits on;
	// Akida's registers stop at 2^vb − 1.
	CauseSaturationBound = "saturation_bound"
	// CauseClippedShift: cnn2snn stores output_shift clipped at
	// −buffer_bits + 1, and Akida shifts by the stored value, quantizeml
	// by the unclipped one (V11).
	CauseClippedShift = "clipped_shift"
	// CauseUnexplained: none of the above reproduces the Keras value.
	CauseUnexplained = "unexplained"
)

// causeNames lists the causes in report order.
func causeNames() []string {
	return []string{CauseFloat32, CauseSaturationBound, CauseClippedShift, CauseUnexplained}
}

// causeText says what a cause is.
func causeText(name string) string {
	switch name {
	case CauseFloat32:
		return "quantizeml computes in float32, which rounds integers above 2^24 (an accumulator, or its product with the output scale); Akida computes exactly (conversion-v2.md §5.4, V10)"
	case CauseSaturationBound:
		return "quantizeml saturates at 2^vb − 1 computed in float32, which is 2^vb from 25 value bits on; Akida stops at 2^vb − 1"
	case CauseClippedShift:
		return "cnn2snn stores output_shift clipped at −buffer_bits + 1, and Akida shifts by it; quantizeml shifts by the unclipped value (V11)"
	}
	return "no named cause reproduces the Keras value: the conversion, the Akida simulation or the quantizeml emulation may be wrong"
}

// arith is a way of computing an output stage: Akida's, quantizeml's, or
// a step between them. Going from Akida's to quantizeml's one step at a
// time, the first step that changes a value names its cause.
type arith int

const (
	akidaArith     arith = iota // exact integers, Akida's bounds, the stored shift
	unclippedArith              // … with quantizeml's unclipped shift
	qmlBoundsArith              // … and quantizeml's float32 saturation bounds
	qmlArith                    // quantizeml's float32 arithmetic
)

// cause is the cause of the step into ar.
func (ar arith) cause() string {
	switch ar {
	case unclippedArith:
		return CauseClippedShift
	case qmlBoundsArith:
		return CauseSaturationBound
	case qmlArith:
		return CauseFloat32
	}
	return ""
}

// stageV2 is an output quantizer (conversion-v2.md §4.4 item 3) as both
// models apply it, per channel: p = sat(acc·scale, postVB), out =
// sat(shift(p, shift), out). Akida applies the stored (clipped) shift,
// exactly; quantizeml the recorded shift, in float32.
type stageV2 struct {
	scales []int64 // nil: a FixedPoint input (an Add's), no product
	shift  []int64 // quantizeml's recorded shift
	stored []int64 // the Akida layer's output_shift (activation_shift)
	postVB int     // value bits of the product: the quantizer's buffer_bitwidth
	outVB  int     // quantizeml's output value bits
	out    [2]int64
}

// newStage reads a stage from quantizeml's record of the output quantizer
// (oq, with its output's value bits outVB) and the Akida layer's stored
// shift variable; out is Akida's output range.
func newStage(l *akida.Layer, shiftName string, oq *keras.QMLOutputQuantizer, outVB int, out [2]int64, channels int) (*stageV2, error) {
	s := &stageV2{postVB: oq.BufferBits, outVB: outVB, out: out}
	var ok bool
	if s.shift, ok = perChannelInts(oq.Shift, channels); !ok {
		return nil, fmt.Errorf("quantizeml records %d shifts for the %d channels of Akida layer %q: %w", len(oq.Shift), channels, l.Name, ErrNotComparable)
	}
	if oq.Scales != nil {
		if s.scales, ok = perChannelInts(oq.Scales, channels); !ok {
			return nil, fmt.Errorf("quantizeml records %d scales for the %d channels of Akida layer %q: %w", len(oq.Scales), channels, l.Name, ErrNotComparable)
		}
	}
	v := l.Variable(shiftName)
	if v == nil {
		return nil, fmt.Errorf("Akida layer %q has no %s, but its Keras block has an output quantizer: %w", l.Name, shiftName, ErrNotComparable)
	}
	stored, err := v.Int32s()
	if err != nil {
		i8, err8 := v.Int8s()
		if err8 != nil {
			return nil, fmt.Errorf("Akida layer %q, %s: %w", l.Name, shiftName, err)
		}
		for _, x := range i8 {
			stored = append(stored, int32(x))
		}
	}
	st := make([]int, len(stored))
	for i, x := range stored {
		st[i] = int(x)
	}
	if s.stored, ok = perChannelInts(st, channels); !ok {
		return nil, fmt.Errorf("Akida layer %q has %d %s values for %d channels: %w", l.Name, len(stored), shiftName, channels, ErrNotComparable)
	}
	return s, nil
}

// perChannelInts expands one value or one per channel to channels values.
func perChannelInts(v []int, channels int) ([]int64, bool) {
	if len(v) != 1 && len(v) != channels {
		return nil, false
	}
	out := make([]int64, channels)
	for c := range out {
		out[c] = int64(v[min(c, len(v)-1)])
	}
	return out, true
}

// clipped lists the channels whose stored shift is not quantizeml's.
func (s *stageV2) clipped() []int {
	var out []int
	for c := range s.shift {
		if s.shift[c] != s.stored[c] {
			out = append(out, c)
		}
	}
	return out
}

// apply computes the stage on an input a of channel c in arithmetic ar.
// Akida's steps are the simulator's own (sim.ScaleProduct, sim.ShiftRound:
// the replay computes what it computes); quantizeml's are core/keras's.
func (s *stageV2) apply(a int64, c int, ar arith) int64 {
	if ar == qmlArith {
		v := float32(a)
		if s.scales != nil {
			v = keras.QMLSaturate(v*float32(s.scales[c]), s.postVB)
		}
		return int64(keras.QMLSaturate(keras.QMLRescale(v, int(s.shift[c])), s.outVB))
	}
	sh := s.shift[c]
	if ar == akidaArith {
		sh = s.stored[c]
	}
	qmlBounds := ar == qmlBoundsArith
	p := a
	switch {
	case s.scales != nil && qmlBounds:
		p = qmlSaturate(a*s.scales[c], s.postVB)
	case s.scales != nil:
		p = sim.ScaleProduct(a, s.scales[c], s.postVB)
	}
	o := sim.ShiftRound(p, sh)
	if qmlBounds {
		return qmlSaturate(o, s.outVB)
	}
	return min(max(o, s.out[0]), s.out[1])
}

// qmlSaturate clamps an exact integer to quantizeml's float32 saturation
// bounds (keras.QMLBounds: the upper one is 2^vb from vb = 25 on).
func qmlSaturate(v int64, vb int) int64 {
	lo, hi := keras.QMLBounds(vb)
	return int64(min(max(float64(v), float64(lo)), float64(hi)))
}

// explainV2 finds the cause of one Akida layer's differences by replay:
// it computes, with the Akida simulator, the value the layer's output
// stage starts from (the layer run without its output stage), applies the
// stage step by step from Akida's arithmetic to quantizeml's, and names
// the step that turns the Akida value into the Keras one. When no step
// does, the stage's input itself differs: quantizeml's accumulator was
// rounded to float32 (above 2^24: the Keras value is then the stage of a
// value within the rounding error), or saturated at its float32 bound
// 2^(bb−1) where Akida stops one below; a LUT's input stage (the 11-bit
// quantizer before the table) is replayed the same way.
type explainV2 struct {
	pair *pairV2
	// out is the output stage (nil without); lut the activation stage and
	// table of a LUT layer (nil without).
	out, lut *stageV2
	table    []int64
	// accHi is the largest accumulator Akida holds (2^(bb−1) − 1, 0 for a
	// layer without accumulator); summands the number of values summed
	// into one output (H·W before a global average pooling, else 1).
	accHi    int64
	summands float64
	// copies: the layer has no arithmetic of its own to differ by
	// (Quantizer and Keras InputQuantizer compute alike, Concatenate
	// copies, a Dequantizer's floats are compared apart).
	copies bool
	// noStage and noLUT are the layer without its output stage, and
	// without its activation too (LUT layers): built on first use.
	build          func(noLUT bool) (*variantRun, error)
	noStage, noLUT *variantRun
}

// variantRun runs a variant of one Akida layer on a sample: the model
// input for the first layer, else the inbound values.
type variantRun struct {
	s     *sim.Simulator
	name  string
	first bool
}

func (r *variantRun) run(in sim.Input, ins []sim.LayerOutput) ([]int32, error) {
	if r.first {
		out, err := r.s.Forward(in, sim.Options{})
		if err != nil {
			return nil, err
		}
		return out.Data, nil
	}
	out, err := r.s.RunLayer(r.name, ins)
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}

// newExplainV2 prepares the replay of a pair's layer: its output stage
// from quantizeml's record of the block's output quantizer, a LUT's
// activation stage and table, and the variants of the layer.
func newExplainV2(am *akida.Model, s *sim.Simulator, rec *keras.QMLRecording, p *pairV2) (*explainV2, error) {
	l := p.layer
	e := &explainV2{pair: p, summands: 1}
	channels := p.shape[2]
	switch l.Type {
	case akida.Quantizer, akida.Concatenate, akida.Dequantizer:
		e.copies = true
		return e, nil
	}
	// sim.New has checked buffer_bits (2 to 32 bits).
	if bb := l.Params.Int("buffer_bits"); bb >= 2 && bb <= 62 {
		e.accHi = 1<<(bb-1) - 1
	}
	if l.Type != akida.Add && akida.PoolType(l.Params.Value("pool_type")) == akida.AveragePooling {
		e.summands = float64(p.in[0] * p.in[1]) // at least the positions summed
	}
	r := rec.Layer(p.keras)
	if r.OutputQuantizer != nil {
		lo, hi, ok := s.OutputRange(l.Name)
		if !ok {
			return nil, fmt.Errorf("Akida layer %q has no integer outputs: %w", l.Name, ErrNotComparable)
		}
		var err error
		if e.out, err = newStage(l, "output_shift", r.OutputQuantizer, r.Output.ValueBits, [2]int64{lo, hi}, channels); err != nil {
			return nil, err
		}
	}
	if akida.ActivationType(l.Params.Value("activation")) == akida.LUT && l.Type != akida.Add {
		if err := e.readLUT(rec, channels); err != nil {
			return nil, err
		}
	}
	e.build = func(noLUT bool) (*variantRun, error) {
		vm := variantModel(am, p.index, func(c *akida.Layer) { withoutStage(c, noLUT) })
		vs, err := sim.New(vm)
		if err != nil {
			return nil, fmt.Errorf("Akida layer %q without its output stage: %w", l.Name, err)
		}
		return &variantRun{s: vs, name: l.Name, first: len(l.Inbounds) == 0}, nil
	}
	return e, nil
}

// readLUT reads a LUT layer's activation stage (the 11-bit output
// quantizer of the block's neural layer) and the table of its
// QuantizedActivation.
func (e *explainV2) readLUT(rec *keras.QMLRecording, channels int) error {
	l, p := e.pair.layer, e.pair
	root := rec.Layer(p.root)
	var act *keras.QMLRecord
	for _, name := range p.main {
		if r := rec.Layer(name); r != nil && r.LUT != nil {
			act = r
		}
	}
	if root == nil || root.OutputQuantizer == nil || act == nil {
		return fmt.Errorf("Akida layer %q has a LUT activation, but its Keras block has no neural layer with an output quantizer followed by a QuantizedActivation: %w", l.Name, ErrNotComparable)
	}
	vb := act.LUT.InputBits
	var err error
	if e.lut, err = newStage(l, "activation_shift", root.OutputQuantizer, root.Output.ValueBits, [2]int64{-1 << vb, 1<<vb - 1}, channels); err != nil {
		return err
	}
	e.table = make([]int64, len(act.LUT.Values))
	for i, v := range act.LUT.Values {
		e.table[i] = int64(v)
	}
	return nil
}

// withoutStage removes a layer's output stage, so that it outputs what
// the stage would start from (saturated to its buffer, or to 32 bits for
// a global sum), and with noLUT its LUT activation too.
func withoutStage(l *akida.Layer, noLUT bool) {
	drop := []string{"output_scales", "output_shift"}
	if noLUT {
		drop = append(drop, "activation_scales", "activation_shift", "lut_values")
		l.Params.Set("activation", int32(akida.NoActivation))
	}
	l.Variables = slices.DeleteFunc(slices.Clone(l.Variables), func(v *akida.Variable) bool { return slices.Contains(drop, v.Name) })
	bits := l.Params.Value("buffer_bits")
	if akida.PoolType(l.Params.Value("pool_type")) == akida.AveragePooling {
		bits = 32
	}
	l.Params.Set("output_bits", bits)
}

// variantModel is the part of am that layer index needs (it and the
// layers it reads from, directly or not), with that layer changed by
// change; the other layers are shared, read-only.
func variantModel(am *akida.Model, index int, change func(*akida.Layer)) *akida.Model {
	need := map[string]bool{am.Layers[index].Name: true}
	for i := index; i >= 0; i-- {
		if l := am.Layers[i]; need[l.Name] {
			for _, in := range l.Inbounds {
				need[in] = true
			}
		}
	}
	m := &akida.Model{Version: am.Version}
	for _, l := range am.Layers[:index] {
		if need[l.Name] {
			m.Layers = append(m.Layers, l)
		}
	}
	c := *am.Layers[index]
	c.Params = c.Params.Clone()
	change(&c)
	m.Layers = append(m.Layers, &c)
	return m
}

// sampleV2 is what the replay of one sample needs: the inputs of the
// layer alone, and the variants' outputs once computed.
type sampleV2 struct {
	input         sim.Input
	ins           []sim.LayerOutput
	clampedInputs int // Keras inbound values beyond Akida's range
	stageIn, raw  []int32
}

// explain returns the cause of a difference at value i between the Akida
// integer a and the Keras value k, with a sentence saying how it arises.
func (e *explainV2) explain(sm *sampleV2, i int, a int64, k float64) (cause, why string) {
	if sm.clampedInputs > 0 {
		return CauseSaturationBound, sm.clampedText()
	}
	if e.copies {
		return CauseUnexplained, fmt.Sprintf("a %s has no arithmetic that could differ: Akida gives %d, Keras %v", e.pair.layer.Type, a, k)
	}
	c := i % e.pair.shape[2]
	x, stage := a, func(v int64) int64 { return v }
	if e.out != nil {
		if sm.stageIn == nil {
			var err error
			if sm.stageIn, err = e.variant(&e.noStage, false, sm); err != nil {
				return CauseUnexplained, fmt.Sprintf("the replay could not run: %v", err)
			}
		}
		x = int64(sm.stageIn[i])
		if got := e.out.apply(x, c, akidaArith); got != a {
			return CauseUnexplained, fmt.Sprintf("replaying Akida's output stage on %d gives %d, the simulator %d", x, got, a)
		}
		if cause, why := e.out.steps(x, c, a, k); cause != "" {
			return cause, why
		}
		stage = func(v int64) int64 { return e.out.apply(v, c, qmlArith) }
	}
	if e.lut != nil {
		return e.lutInput(sm, i, c, k, stage)
	}
	return e.accumulator(x, k, stage)
}

// explainFloat returns the cause of a difference between a Dequantizer's
// floats: only inputs beyond Akida's range can explain one, as both
// models multiply in float32.
func (e *explainV2) explainFloat(sm *sampleV2, a, k float64) (string, string) {
	if sm.clampedInputs > 0 {
		return CauseSaturationBound, sm.clampedText()
	}
	return CauseUnexplained, fmt.Sprintf("both models multiply the same integer by the same float32 scale, yet Akida gives %v and Keras %v", a, k)
}

// clampedText says why a sample's Keras inputs were clamped.
func (sm *sampleV2) clampedText() string {
	return fmt.Sprintf("%d Keras input values of the layer lie beyond what the Akida layer before can output (quantizeml's float32 bound 2^vb, where Akida stops at 2^vb − 1): they were given clamped", sm.clampedInputs)
}

// variant runs a variant of the layer on the sample, building it on first
// use.
func (e *explainV2) variant(v **variantRun, noLUT bool, sm *sampleV2) ([]int32, error) {
	if *v == nil {
		var err error
		if *v, err = e.build(noLUT); err != nil {
			return nil, err
		}
	}
	out, err := (*v).run(sm.input, sm.ins)
	if err != nil {
		return nil, fmt.Errorf("Akida layer %q without its output stage: %w", e.pair.layer.Name, err)
	}
	return out, nil
}

// steps replays a stage on x from Akida's arithmetic to quantizeml's and
// names the first step that changes the value, when quantizeml's
// arithmetic gives the Keras value k and Akida's the Akida value a; ""
// when quantizeml's does not give k.
func (s *stageV2) steps(x int64, c int, a int64, k float64) (string, string) {
	if float64(s.apply(x, c, qmlArith)) != k {
		return "", ""
	}
	for ar := unclippedArith; ar <= qmlArith; ar++ {
		v := s.apply(x, c, ar)
		if v == a {
			continue
		}
		switch ar {
		case unclippedArith:
			return ar.cause(), fmt.Sprintf("output stage on %d: Akida shifts by the stored %d, quantizeml by %d", x, s.stored[c], s.shift[c])
		case qmlBoundsArith:
			return ar.cause(), fmt.Sprintf("output stage on %d: quantizeml's float32 bound lets %d through where Akida stops at %d", x, v, a)
		}
		return ar.cause(), fmt.Sprintf("output stage on %d: float32 rounds the product %d·%d = %d to %v", x, x, s.scale(c), x*s.scale(c), float32(x)*float32(s.scale(c)))
	}
	return "", ""
}

// scale is the stage's scale of channel c (1 without a product).
func (s *stageV2) scale(c int) int64 {
	if s.scales == nil {
		return 1
	}
	return s.scales[c]
}

// maxScan bounds the candidate accumulators accumulator tries one by one.
const maxScan = 1 << 16

// accumulator explains a difference whose stage input x differs in the
// two models (stage takes it to the output in quantizeml's arithmetic):
// quantizeml's accumulator saturated at its float32 bound 2^(bb−1) where
// Akida holds 2^(bb−1) − 1 (x = accHi), or was rounded to float32 (|x| ≥
// 2^24: some value within the rounding error of x gives the Keras value
// k).
func (e *explainV2) accumulator(x int64, k float64, stage func(int64) int64) (string, string) {
	if hi := e.accHi; hi > 0 && x == hi && float64(stage(hi+1)) == k {
		return CauseSaturationBound, fmt.Sprintf("the accumulator saturates: Akida at %d, quantizeml's float32 bound at %d", hi, hi+1)
	}
	ax := math.Abs(float64(x))
	if ax < 1<<24 {
		return CauseUnexplained, fmt.Sprintf("the output stage starts from %d in Akida, exact in float32; no named cause gives the Keras value %v", x, k)
	}
	// float32 rounds each term by half an ulp at |x| (2^(e−24) for |x| in
	// [2^(e−1), 2^e)); a sum of n rounded terms, rounded once more, is off
	// by at most (n + 1) halves: allow (n + 1) ulps.
	_, exp := math.Frexp(ax)
	delta := int64((e.summands + 1) * math.Ldexp(1, exp-24))
	found := false
	if 2*delta+1 <= maxScan {
		for v := x - delta; v <= x+delta && !found; v++ {
			found = float64(stage(v)) == k
		}
	} else { // the stage is monotonic without a LUT
		lo, up := float64(stage(x-delta)), float64(stage(x+delta))
		found = k >= min(lo, up) && k <= max(lo, up)
	}
	if !found {
		return CauseUnexplained, fmt.Sprintf("the output stage starts from %d in Akida; no value within float32's rounding (±%d) gives the Keras value %v", x, delta, k)
	}
	return CauseFloat32, fmt.Sprintf("the accumulator %d is above 2^24, where float32 is off by up to %d: a value within that gives the Keras value %v", x, delta, k)
}

// lutInput explains a LUT layer's difference that its output stage does
// not: the LUT's input stage (the 11-bit quantizer before the table)
// replayed step by step on the raw accumulator r, then r's own rounding
// or saturation.
func (e *explainV2) lutInput(sm *sampleV2, i, c int, k float64, stage func(int64) int64) (cause, why string) {
	if sm.raw == nil {
		var err error
		if sm.raw, err = e.variant(&e.noLUT, true, sm); err != nil {
			return CauseUnexplained, fmt.Sprintf("the replay could not run: %v", err)
		}
	}
	r := int64(sm.raw[i])
	through := func(v int64, ar arith) int64 {
		u := e.lut.apply(v, c, ar) + int64(len(e.table)/2)
		return stage(e.table[min(max(u, 0), int64(len(e.table)-1))])
	}
	if float64(through(r, qmlArith)) == k {
		prev := through(r, akidaArith)
		for ar := unclippedArith; ar <= qmlArith; ar++ {
			if through(r, ar) != prev {
				return ar.cause(), fmt.Sprintf("the LUT's input stage on %d: %s", r, causeText(ar.cause()))
			}
		}
	}
	return e.accumulator(r, k, func(v int64) int64 { return through(v, qmlArith) })
}
