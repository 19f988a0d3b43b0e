package sim

import (
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// The Akida 2.0 layers with several inbounds: Add and Concatenate
// (conversion-v2.md §2.8–§2.9, §5.3).

// add is a prepared Add: s = sat(sat(a·2^a_shift) + sat(b·2^b_shift)) in
// buffer_bits, then with an output shift out = sat(shiftRound(s,
// output_shift), output_bits), else out = sat(s, output_bits).
type add struct {
	aShift, bShift []int64 // per channel
	buffer         valueRange
	outputShift    []int64 // per channel; nil without an output stage
	outputs        valueRange
	size           int
}

// prepareAdd prepares an Add of its two inbounds, in inbound order.
func prepareAdd(l *akida.Layer, in layerInputs) (*prepared, error) {
	if err := checkVariables(l, "a_shift", "b_shift", "output_shift"); err != nil {
		return nil, err
	}
	pr := &l.Params
	bb, ob := pr.Int("buffer_bits"), pr.Int("output_bits")
	switch {
	case bb < 2 || bb > 32:
		return nil, fmt.Errorf("buffer_bits is %d: the simulator runs buffers of 2 to 32 bits", bb)
	case ob < 1 || ob > 32:
		return nil, fmt.Errorf("output_bits is %d: the simulator runs outputs of 1 to 32 bits", ob)
	}
	shape := in.shapes[0]
	C := shape[2]
	a := &add{buffer: signedRange(bb), outputs: outputRange(akida.NoActivation, ob), size: size(shape)}
	var err error
	for _, s := range []struct {
		name string
		dst  *[]int64
	}{{"a_shift", &a.aShift}, {"b_shift", &a.bShift}} {
		if *s.dst, err = channelVariable(l, s.name, C); err != nil {
			return nil, err
		}
		if *s.dst == nil {
			*s.dst = constants(C, defaultInputShift)
		}
		if err := checkShifts(s.name, *s.dst); err != nil {
			return nil, err
		}
	}
	if a.outputShift, err = channelVariable(l, "output_shift", C); err != nil {
		return nil, err
	}
	for n, s := range a.outputShift {
		a.outputShift[n] = appliedOutputShift(s)
	}
	return &prepared{kernel: a, out: shape, values: a.outputs, bufferValues: cells(shape), macs: cells(shape)}, nil
}

func (a *add) newRun() runFunc {
	out := make([]int32, a.size)
	C := len(a.aShift)
	return func(ins []tensor) tensor {
		x, y := ins[0].ints, ins[1].ints
		for i := range out {
			c := i % C
			s := a.buffer.clamp(a.buffer.clamp(shiftLeft(int64(x[i]), a.aShift[c])) + a.buffer.clamp(shiftLeft(int64(y[i]), a.bShift[c])))
			if a.outputShift != nil {
				s = shiftRound(s, a.outputShift[c])
			}
			out[i] = int32(a.outputs.clamp(s))
		}
		return tensor{ints: out}
	}
}

// concatenate is a prepared Concatenate: per cell, the channels of every
// inbound one after the other.
type concatenate struct {
	channels []int // per inbound
	out      akida.Shape
}

// prepareConcatenate prepares a Concatenate of its inbounds on the channel
// axis (akida requires the same bit width and sign of all of them; the
// simulator copies the values as they are).
func prepareConcatenate(l *akida.Layer, in layerInputs) (*prepared, error) {
	if err := checkVariables(l); err != nil {
		return nil, err
	}
	c := &concatenate{out: in.shapes[0]}
	c.out[2] = 0
	values := in.ranges[0]
	for i, s := range in.shapes {
		c.channels = append(c.channels, s[2])
		c.out[2] += s[2]
		values = valueRange{min(values.min, in.ranges[i].min), max(values.max, in.ranges[i].max)}
	}
	return &prepared{kernel: c, out: c.out, values: values, bufferValues: cells(c.out)}, nil
}

func (c *concatenate) newRun() runFunc {
	out := make([]int32, size(c.out))
	return func(ins []tensor) tensor {
		cells := c.out[0] * c.out[1]
		for i := range cells {
			dst := out[i*c.out[2]:]
			for j, n := range c.channels {
				copy(dst, ins[j].ints[i*n:(i+1)*n])
				dst = dst[n:]
			}
		}
		return tensor{ints: out}
	}
}
