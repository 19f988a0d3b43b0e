package verify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/sim"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/infer"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// inputsV2 draws the seeded inputs of an Akida 2.0 verification, what a
// user would give each model:
//
//   - a model whose first Akida layer reads uint8 images (an InputConv2D):
//     uniform integers 0…255;
//   - a signed InputData (an int8 Keras input): uniform integers
//     −128…127 (−2^(bits−1) … 2^(bits−1) − 1);
//   - a Quantizer (a float Keras input with an InputQuantizer): uniform
//     float32 values over the InputQuantizer's calibrated range
//     [range_min, range_max], per channel when it is per-axis — values the
//     quantizer was calibrated for, so that they use its whole integer
//     range without saturating it.
//
// The Keras model gets the values as they are. The Akida model gets the
// values the Keras model gives the Keras layer its first layer reads
// (source): the model input itself, or after a Keras layer the converter
// drops (a Rescaling, which changes only quantizeml's scales, or a float
// layer before the InputQuantizer, which the Akida model leaves to the
// user), so that both models see the same values.
type inputsV2 struct {
	rng        *rand.Rand
	kerasShape []int  // (1, …) as the Keras model's input
	akidaShape [4]int // (1, x, y, c)
	typ        sim.InputType
	bits       int
	lo, hi     []float32 // Float32Input: the range per channel (or one)
	source     string    // the Keras layer whose output the Akida model reads
	input      string    // the Keras model input
	quantizer  string    // Float32Input: the InputQuantizer
}

func newInputsV2(s *sim.Simulator, km *keras.Model, first *akida.Layer, pairs []*pairV2, holds map[string]string, seed uint64) (*inputsV2, error) {
	if len(km.Inputs) != 1 {
		return nil, fmt.Errorf("the Keras model has %d inputs: %w", len(km.Inputs), ErrNotComparable)
	}
	in := s.InputShape()
	st := &inputsV2{
		// The stream number is fixed so that a seed means the same inputs
		// in every release (the Akida 1.0 stream's).
		rng:        rand.New(rand.NewPCG(seed, 0x5EED)),
		akidaShape: [4]int{1, in[0], in[1], in[2]},
		typ:        s.InputType(),
		bits:       s.InputBits(),
		input:      km.Inputs[0],
	}
	il := km.Layer(st.input)
	if il == nil {
		return nil, fmt.Errorf("the Keras model input %q is not one of its layers: %w", st.input, ErrNotComparable)
	}
	st.kerasShape = append([]int{1}, il.OutputShape...)
	if keras.Elements(il.OutputShape) != in[0]*in[1]*in[2] {
		return nil, fmt.Errorf("the Keras model's input %v and the Akida model's input %v differ: %w", il.OutputShape, in, ErrNotComparable)
	}
	st.source = holds[first.Name]
	if first.Type != akida.InputData {
		// The Keras layer before the first Akida layer's neural layer.
		root := km.Layer(pairs[0].root)
		if len(root.Inbound) != 1 {
			return nil, fmt.Errorf("Keras layer %q, the first Akida layer's, has %d inputs: %w", root.Name, len(root.Inbound), ErrNotComparable)
		}
		st.source = root.Inbound[0]
	}
	if st.typ == sim.Float32Input {
		if err := st.calibratedRange(km, pairs[0]); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// calibratedRange reads the InputQuantizer's range_min and range_max.
func (st *inputsV2) calibratedRange(km *keras.Model, first *pairV2) error {
	q := km.Layer(first.keras)
	if _, ok := q.Config.(*keras.QMLInputQuantizer); !ok {
		return fmt.Errorf("the Akida model takes float inputs, but its first layer %q stands for Keras layer %q (%s), not an InputQuantizer: %w", first.layer.Name, q.Name, q.ClassName, ErrNotComparable)
	}
	lo, hi := q.Weight("range_min"), q.Weight("range_max")
	if lo == nil || hi == nil || len(lo.Values) != len(hi.Values) || len(lo.Values) == 0 {
		return fmt.Errorf("InputQuantizer %q has no calibrated range_min and range_max of one size: %w", q.Name, ErrNotComparable)
	}
	if c := st.akidaShape[3]; len(hi.Values) != 1 && len(hi.Values) != c {
		return fmt.Errorf("InputQuantizer %q has %d ranges for %d channels: %w", q.Name, len(hi.Values), c, ErrNotComparable)
	}
	for i := range lo.Values {
		a, b := lo.Values[i], hi.Values[i]
		if !(a <= b) || math.IsInf(float64(b-a), 0) {
			return fmt.Errorf("InputQuantizer %q has the range [%v, %v]: %w", q.Name, a, b, ErrNotComparable)
		}
	}
	st.lo, st.hi, st.quantizer = lo.Values, hi.Values, q.Name
	return nil
}

// next draws the Keras input of one sample.
func (st *inputsV2) next() infer.Tensor {
	n := st.akidaShape[1] * st.akidaShape[2] * st.akidaShape[3]
	k := infer.Tensor{Shape: st.kerasShape, Data: make([]float32, n)}
	c := st.akidaShape[3]
	for i := range k.Data {
		switch st.typ {
		case sim.Uint8Input:
			k.Data[i] = float32(st.rng.IntN(1 << st.bits))
		case sim.Int8Input:
			k.Data[i] = float32(st.rng.IntN(1<<st.bits) - 1<<(st.bits-1))
		default:
			ch := 0
			if len(st.lo) > 1 {
				ch = i % c
			}
			lo, hi := st.lo[ch], st.hi[ch]
			k.Data[i] = min(lo+float32(st.rng.Float64())*(hi-lo), hi)
		}
	}
	return k
}

// akidaInput is the Akida model's input for a sample: the values the
// Keras model gave the source layer, in the field the model reads.
func (st *inputsV2) akidaInput(res *infer.QMLResult) (sim.Input, error) {
	t, ok := res.Layers[st.source]
	if !ok {
		return sim.Input{}, fmt.Errorf("the Keras model gives no output for layer %q: %w", st.source, ErrNotComparable)
	}
	in := sim.Input{Shape: st.akidaShape}
	lo, hi := 0.0, math.Ldexp(1, st.bits)-1
	switch st.typ {
	case sim.Float32Input:
		in.Float = t.Values
		return in, nil
	case sim.Uint8Input:
		in.Data = make([]uint8, len(t.Values))
	default:
		in.Int8 = make([]int8, len(t.Values))
		lo, hi = -math.Ldexp(1, st.bits-1), math.Ldexp(1, st.bits-1)-1
	}
	for i, v := range t.Values {
		x := float64(v)
		if x != math.Trunc(x) || x < lo || x > hi {
			return sim.Input{}, fmt.Errorf("the Keras model gives layer %q the value %v, which the Akida model's %s inputs cannot hold: %w", st.source, v, st.typ, ErrNotComparable)
		}
		if in.Data != nil {
			in.Data[i] = uint8(x)
		} else {
			in.Int8[i] = int8(x)
		}
	}
	return in, nil
}

// description says how the inputs are drawn.
func (st *inputsV2) description() Input {
	in := Input{Shape: [3]int{st.akidaShape[1], st.akidaShape[2], st.akidaShape[3]}, Bits: st.bits, Scale: 1}
	switch st.typ {
	case sim.Uint8Input:
		in.Source = "uint8"
		in.Text = fmt.Sprintf("uniform integers 0…%d (the %d-bit unsigned images the Akida model reads), the same values for the Keras model", 1<<st.bits-1, st.bits)
	case sim.Int8Input:
		in.Source = "int8"
		in.Text = fmt.Sprintf("uniform integers %d…%d (the %d-bit signed inputs the Akida model reads), the same values for the Keras model", -1<<(st.bits-1), 1<<(st.bits-1)-1, st.bits)
	default:
		in.Source = "calibrated_range"
		var ranges []string
		for i := range st.lo {
			ranges = append(ranges, fmt.Sprintf("[%g, %g]", st.lo[i], st.hi[i]))
		}
		per := ""
		if len(ranges) > 1 {
			per = " per channel"
		}
		in.Text = fmt.Sprintf("uniform float32 values over InputQuantizer %q's calibrated range%s %s, the same values for both models", st.quantizer, per, strings.Join(ranges, ", "))
	}
	if st.source != st.input {
		in.Text += fmt.Sprintf(" (the Akida model reads them as Keras layer %q gives them)", st.source)
	}
	return in
}
