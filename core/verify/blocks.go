package verify

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/transform"
)

// kerasChain returns the quantized model as the converter reads it:
// sequentialized and syncretized (Dropout removed, max pooling before the
// activation, BatchNormalization folded), as a chain of layers each fed by
// the one before. Each Akida layer's output then exists as a Keras tensor,
// including the pooled pre-activation. For a model quantized by
// core/quantize these steps change nothing (it already returns such a
// chain); a cnn2snn file with a BatchNormalization left after a quantized
// layer is run with the folded layer, which is what the Akida model holds.
func kerasChain(m *keras.Model) (*keras.Model, error) {
	seq, err := transform.Sequentialize(m)
	if err == nil {
		seq, err = transform.Syncretize(seq)
	}
	if err != nil {
		return nil, fmt.Errorf("model %q: %w: %w", m.Name, ErrNotComparable, err)
	}
	out := &keras.Model{Name: m.Name, Class: "Sequential", Format: m.Format, Inputs: []string{seq.Input.Name}}
	out.Layers = append(out.Layers, seq.Input)
	prev := seq.Input.Name
	for _, l := range seq.Layers {
		c := *l // the weights are shared, read-only
		c.Inbound, c.InboundNodes = []string{prev}, 1
		out.Layers = append(out.Layers, &c)
		prev = c.Name
	}
	out.Outputs = []string{prev}
	return out, nil
}

// block pairs an Akida layer with its Keras tensors, and holds what turns
// Keras values into Akida units.
type block struct {
	layer *akida.Layer
	index int // in the Akida model
	// output is the Keras layer whose output the Akida output stands for;
	// pre the one whose output is the pre-activation after pooling (the
	// same as output without activation).
	output, pre string
	// act is the closing quantized activation (nil without activation);
	// bits its width.
	act  keras.QuantizedActivation
	bits int
	// perUnit[f] is the number of potential units per Keras unit of the
	// pre-activation of neuron f (s/step with activation, act_step
	// without), offset the Keras value at potential th (the activation's
	// threshold step/2, or 0), and interval[f] the activation interval s
	// in potential units (act_step without activation).
	perUnit, interval []float64
	offset            float64
	// in and shape are the Akida input and output shapes (x, y, c) of one
	// sample.
	in, shape akida.Shape
}

// pairLayers pairs every Akida layer but InputData with the Keras chain:
// the Keras layer of the same name is the block's neural layer (the
// converter names Akida layers after them, conversion.md §7.3), the
// poolings after it belong to the block, and the first quantized
// activation closes it (§7.2); Flatten, Reshape and other layers the
// converter ignores are skipped.
func pairLayers(am *akida.Model, chain *keras.Model) ([]*block, error) {
	shapes, err := am.Shapes()
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(chain.Layers))
	for i, l := range chain.Layers {
		index[l.Name] = i
	}
	var blocks []*block
	for i, l := range am.Layers {
		if l.Type == akida.InputData {
			continue
		}
		k, ok := index[l.Name]
		if !ok || !compat.IsNeural(chain.Layers[k]) {
			return nil, fmt.Errorf("Akida layer %q (%s) has no neural layer of that name in the Keras model: %w; verify the Akida model converted from this Keras model", l.Name, l.Type, ErrNotComparable)
		}
		b := &block{layer: l, index: i, in: shapes[i].Input, shape: shapes[i].Output, pre: chain.Layers[k].Name}
		for _, next := range chain.Layers[k+1:] {
			if compat.IsNeural(next) {
				break
			}
			if compat.IsPooling(next) {
				b.pre = next.Name
			}
			if act, ok := keras.AsQuantizedActivation(next.Config); ok {
				b.act, b.bits, b.output = act, act.Bits(), next.Name
				break
			}
		}
		if b.act == nil {
			b.output = b.pre
		}
		if err := b.units(); err != nil {
			return nil, err
		}
		blocks = append(blocks, b)
	}
	if len(blocks) == 0 {
		return nil, fmt.Errorf("the Akida model has no neural layer: %w", ErrNotComparable)
	}
	return blocks, nil
}

// units reads the layer's act_step and derives the conversion factors
// between Keras values and potentials (conversion.md §7.5–§7.7,
// akida-arithmetic.md §2.3): with activation, s = act_step · 2^(4 −
// act_bits) potential units per Keras step, the level boundaries at
// T + n·s, the Keras ones at step/2 + n·step; without, act_step potential
// units per Keras unit.
func (b *block) units() error {
	l := b.layer
	hasAct := l.Params.Value("activation") == 1
	if hasAct != (b.act != nil) {
		return fmt.Errorf("Akida layer %q (%s): activation %v, but its Keras block %s: %w", l.Name, l.Type, hasAct, activationText(b.act), ErrNotComparable)
	}
	if hasAct && l.Params.Int("act_bits") != b.bits {
		return fmt.Errorf("Akida layer %q (%s) has %d-bit activations, its Keras activation %q %d bits: %w", l.Name, l.Type, l.Params.Int("act_bits"), b.output, b.bits, ErrNotComparable)
	}
	v := l.Variable("act_step")
	if v == nil {
		return fmt.Errorf("Akida layer %q (%s) has no act_step variable: %w", l.Name, l.Type, ErrNotComparable)
	}
	steps, err := v.Float32s()
	if err != nil {
		return fmt.Errorf("Akida layer %q (%s), act_step: %w", l.Name, l.Type, err)
	}
	if len(steps) != b.shape[2] {
		return fmt.Errorf("Akida layer %q (%s) has %d act_step values for %d neurons: %w", l.Name, l.Type, len(steps), b.shape[2], ErrNotComparable)
	}
	b.perUnit, b.interval = make([]float64, len(steps)), make([]float64, len(steps))
	for f, s := range steps {
		if !hasAct {
			b.perUnit[f], b.interval[f] = float64(s), float64(s)
			continue
		}
		b.interval[f] = float64(s) * math.Ldexp(1, 4-b.bits)
		b.perUnit[f] = b.interval[f] / float64(b.act.Step())
	}
	if hasAct {
		b.offset = float64(b.act.Threshold())
	}
	return nil
}

func activationText(act keras.QuantizedActivation) string {
	if act == nil {
		return "has no quantized activation"
	}
	return fmt.Sprintf("ends with a %d-bit quantized activation", act.Bits())
}

// levels turns the Keras outputs of a quantized activation into integer
// levels: each value must be exactly step × n, as the activation computes
// it in float32, with n from 0 to 2^bits − 1.
func (b *block) levels(values []float32, dst []int32) error {
	step, top := b.act.Step(), int32(b.act.Levels())
	for i, v := range values {
		n := int32(math.Round(float64(v) / float64(step)))
		if n < 0 || n > top || step*float32(n) != v {
			return fmt.Errorf("Keras layer %q output %v is not a level of its %d-bit activation (a multiple n × %v, n = 0…%d): %w", b.output, v, b.bits, step, top, ErrNotComparable)
		}
		dst[i] = n
	}
	return nil
}

// kerasPotential is the Keras pre-activation z of neuron f in potential
// units relative to the unfloored threshold th: (z − offset) × perUnit.
func (b *block) kerasPotential(z float32, f int) float64 {
	return (float64(z) - b.offset) * b.perUnit[f]
}

// clamped returns, for every layer but the last, a note when its act_step
// or threshold holds the Akida 1.0 maximum, i.e. when cnn2snn's
// fix_v1_activation_variables changed it: the converter's exact relation
// does not hold there, and verification cannot prove such layers.
func clamped(m *akida.Model) (layers, notes []string) {
	for i, l := range m.Layers[:max(len(m.Layers)-1, 0)] {
		var what []string
		if v := l.Variable("act_step"); v != nil {
			if steps, err := v.Float32s(); err == nil && slices.Contains(steps, convert.MaxActStep) {
				what = append(what, fmt.Sprintf("act_step %d (its interval was shortened and the weights of layer %q floor-divided to compensate)", convert.MaxActStep, m.Layers[i+1].Name))
			}
		}
		if v := l.Variable("threshold"); v != nil {
			if th, err := v.Int32s(); err == nil && slices.Contains(th, convert.MaxThreshold) {
				what = append(what, fmt.Sprintf("threshold %d (clipped)", convert.MaxThreshold))
			}
		}
		if len(what) > 0 {
			layers = append(layers, l.Name)
			notes = append(notes, fmt.Sprintf("layer %q holds %s: the Akida 1.0 maximum, set by cnn2snn's fix_v1_activation_variables (conversion.md §7.8), so its values do not follow the exact relation; a smaller input scaling, max_value or bias keeps the layer within the hardware range", l.Name, strings.Join(what, " and ")))
		}
	}
	return layers, notes
}
