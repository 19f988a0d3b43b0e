package verify

import (
	"fmt"
	"math/rand/v2"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/sim"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/infer"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// inputStream draws the seeded inputs, one sample at a time.
//
// Akida takes integers: uniform in 0…255 for the 8-bit images of an
// InputConvolutional, in 0…2^input_bits − 1 for an InputData (4 bits as
// cnn2snn leaves it: 0…15). The Keras models take the same sample through
// the input scaling the conversion used, Keras = (Akida − shift) / scale —
// except when a Rescaling layer of the model gave that scaling: the
// Rescaling then does this division inside the Keras model, which takes
// the integers as they are. Every integer of the range is thus a valid
// Akida input, and its Keras counterpart is exactly what the converter's
// equivalence (conversion.md §7.6) relates it to.
type inputStream struct {
	rng        *rand.Rand
	akidaShape [4]int // (1, x, y, c)
	kerasShape []int  // (1, …) as the Keras model's input
	bits       int
	scale      float64
	shift      float64
	rescaling  bool   // the model's Rescaling layer scales the inputs
	source     string // where the scaling came from (convert.InputScaling)
}

func newInputStream(s *sim.Simulator, chain *keras.Model, scaling convert.InputScaling, seed uint64) (*inputStream, error) {
	in := s.InputShape()
	st := &inputStream{
		// The stream number is fixed so that a seed means the same inputs
		// in every release.
		rng:        rand.New(rand.NewPCG(seed, 0x5EED)),
		akidaShape: [4]int{1, in[0], in[1], in[2]},
		bits:       s.InputBits(),
		scale:      scaling.Scale,
		shift:      scaling.Shift,
		rescaling:  scaling.Source == convert.ScalingFromRescaling,
		source:     scaling.Source,
	}
	if !(st.scale > 0) {
		return nil, fmt.Errorf("input scaling (%g, %g): the scale must be positive", st.scale, st.shift)
	}
	shape := chain.Layers[0].OutputShape
	st.kerasShape = append([]int{1}, shape...)
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != in[0]*in[1]*in[2] {
		return nil, fmt.Errorf("the Keras model's input %v and the Akida model's input %v differ: %w", shape, in, ErrNotComparable)
	}
	return st, nil
}

// next draws one sample: the Akida integers and the Keras values.
func (st *inputStream) next() (sim.Input, infer.Tensor) {
	n := st.akidaShape[1] * st.akidaShape[2] * st.akidaShape[3]
	ak := sim.Input{Shape: st.akidaShape, Data: make([]uint8, n)}
	k := infer.Tensor{Shape: st.kerasShape, Data: make([]float32, n)}
	for i := range ak.Data {
		v := uint8(st.rng.IntN(1 << st.bits))
		ak.Data[i] = v
		if st.rescaling {
			k.Data[i] = float32(v)
		} else {
			k.Data[i] = float32((float64(v) - st.shift) / st.scale)
		}
	}
	return ak, k
}

// description says how the inputs are drawn.
func (st *inputStream) description() Input {
	in := Input{
		Shape: [3]int{st.akidaShape[1], st.akidaShape[2], st.akidaShape[3]},
		Bits:  st.bits, Scale: st.scale, Shift: st.shift + 0, // +0: no -0 in JSON
		Source: st.source,
	}
	top := 1<<st.bits - 1
	switch {
	case st.rescaling:
		in.Text = fmt.Sprintf("uniform integers 0…%d (%d-bit Akida inputs), given as they are to the Keras models, whose Rescaling layer scales them", top, st.bits)
	case st.scale == 1 && st.shift == 0:
		in.Text = fmt.Sprintf("uniform integers 0…%d (%d-bit Akida inputs), the same values for the Keras models (input scaling 1, 0)", top, st.bits)
	default:
		in.Text = fmt.Sprintf("uniform integers 0…%d (%d-bit Akida inputs); the Keras models get (x − %g) / %g", top, st.bits, st.shift+0, st.scale)
	}
	return in
}
