package convert

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// What the Akida 2.0 converters share (conversion-v2.md §2.0): bit widths,
// activation, and the variables of the block's output stage.

// neuralBufferBits is a conv or dense layer's buffer_bits: quantizeml
// stores min(28, buffer_bitwidth) in its quant_config
// (keras.QMLConvBufferLimit) and keeps one bit less for the sign, which
// cnn2snn adds back.
func neuralBufferBits(l *keras.Layer) int {
	q, _ := l.QuantizeML()
	if q == nil {
		return keras.QMLConvBufferLimit
	}
	return min(keras.QMLConvBufferLimit, q.BufferBitwidth)
}

// blockBits are output_bits (the block's output quantizer's bitwidth, or
// buffer_bits without one) and post_op_buffer_bits (its buffer_bitwidth,
// or akida's default 32).
func blockBits(b *compat.QMLBlock, bufferBits int) akida.Bits {
	if oq := b.Last().OutputQuantizer(); oq != nil {
		return akida.Bits{OutputBits: oq.Bitwidth, BufferBits: bufferBits, PostOpBufferBits: oq.BufferBitwidth}
	}
	return akida.Bits{OutputBits: bufferBits, BufferBits: bufferBits, PostOpBufferBits: 32}
}

// blockActivation: ReLU with a QuantizedReLU, LUT with a
// QuantizedActivation, none otherwise.
func blockActivation(b *compat.QMLBlock) akida.ActivationType {
	switch {
	case b.Layer(compat.QReLU) != nil:
		return akida.ReLU
	case b.Layer(compat.QActivation) != nil:
		return akida.LUT
	}
	return akida.NoActivation
}

// outputShift is the shift cnn2snn stores: the recorded one, clipped at
// −buffer_bits + 1 (conversion-v2.md §4.4 item 3, V11).
func outputShift(shifts []int, bufferBits int) []int8 {
	out := make([]int8, len(shifts))
	for i, s := range shifts {
		out[i] = int8(max(s, -bufferBits+1))
	}
	return out
}

// setPostOps sets the variables of a neural block's output stage: a
// bounded ReLU's max_value and shift, a LUT activation's input scaling and
// table, and the block's output quantizer's scales and shift.
func (g *v2Generator) setPostOps(b *compat.QMLBlock, name string, bufferBits int) error {
	if relu := b.Layer(compat.QReLU); relu != nil {
		r, err := g.record(relu)
		if err != nil {
			return err
		}
		if r.MaxValue != nil { // an unbounded ReLU sets neither (V3)
			if err := set(g, name, "max_value", uint8s(r.MaxValue)); err != nil {
				return err
			}
			if err := set(g, name, "max_value_shift", uint8s(r.MaxValueShift)); err != nil {
				return err
			}
		}
	}
	if act := b.Layer(compat.QActivation); act != nil {
		if err := g.setLUT(b, act, name, bufferBits); err != nil {
			return err
		}
	}
	return g.setOutputQuantizer(b.Last(), name, "output_scales", "output_shift", bufferBits)
}

// setOutputQuantizer sets a layer's output quantizer as scales (when it
// received a QFloat) and a clipped shift; nothing without one.
func (g *v2Generator) setOutputQuantizer(l *keras.Layer, name, scales, shift string, bufferBits int) error {
	r, err := g.record(l)
	if err != nil || r.OutputQuantizer == nil {
		return err
	}
	if r.OutputQuantizer.Scales != nil {
		if err := set(g, name, scales, uint8s(r.OutputQuantizer.Scales)); err != nil {
			return err
		}
	}
	return set(g, name, shift, outputShift(r.OutputQuantizer.Shift, bufferBits))
}

// lutSize is the Akida LUT: one value per 11-bit input.
const lutSize = 1 << 11

// setLUT sets a LUT activation: the main layer's own (11-bit) output
// quantizer scales the accumulator into the table's input, and the table
// is ordered by input value.
func (g *v2Generator) setLUT(b *compat.QMLBlock, act *keras.Layer, name string, bufferBits int) error {
	r, err := g.record(act)
	if err != nil {
		return err
	}
	if r.LUT == nil || len(r.LUT.Values) != lutSize {
		return v2Errorf(compat.QMLLUTBits, "output_quantizer on %s must have a bitwidth of 11 bits.", act.Name)
	}
	if err := g.setOutputQuantizer(b.Root(), name, "activation_scales", "activation_shift", bufferBits); err != nil {
		return err
	}
	return set(g, name, "lut_values", r.LUT.Values)
}

// setBias sets the aligned bias and its shift, when the layer has one.
func (g *v2Generator) setBias(l *keras.Layer, r *keras.QMLRecord, name string) error {
	if !l.UseBias() || r.Bias == nil {
		return nil
	}
	bias := make([]int8, len(r.Bias))
	for i, v := range r.Bias {
		bias[i] = int8(v) // recorded saturated to the bias quantizer's 8 bits
	}
	if err := set(g, name, "bias", bias); err != nil {
		return err
	}
	return set(g, name, "bias_shift", uint8s(r.BiasShift))
}

// uint8s converts recorded shifts, scales and values that quantizeml keeps
// within 0…255 (cnn2snn casts them to uint8).
func uint8s(v []int) []uint8 {
	out := make([]uint8, len(v))
	for i, x := range v {
		out[i] = uint8(x)
	}
	return out
}
