package sim

import (
	"fmt"
)

// Running one layer on values from elsewhere: verification feeds an Akida
// layer the values another model (the quantized Keras model) gives its
// inbound layers, to compare the layer's own arithmetic with that model's
// without the differences of the layers before it.

// OutputRange returns the range [lo, hi] of the integer outputs of the
// named layer: what the layers reading it are prepared for. ok is false
// for a layer the model does not have and for a Dequantizer, whose
// outputs are floats.
func (s *Simulator) OutputRange(name string) (lo, hi int64, ok bool) {
	i := s.nodeIndex(name)
	if i < 0 || s.nodes[i].float {
		return 0, 0, false
	}
	r := s.nodes[i].values
	return r.min, r.max, true
}

// RunLayer runs the named layer alone on a batch of its inbound layers'
// outputs, given in the layer's inbound order: ins[j] has the shape (N, X,
// Y, F) of inbound j's output and integer values (Data) within its
// OutputRange, the range the layer's arithmetic is prepared for. It
// returns the layer's outputs for the batch, as Forward would with those
// inbound values. The first layer, which reads the model input, runs with
// Forward.
func (s *Simulator) RunLayer(name string, ins []LayerOutput) (LayerOutput, error) {
	i := s.nodeIndex(name)
	if i < 0 {
		return LayerOutput{}, fmt.Errorf("the model has no layer %q: name one of its layers", name)
	}
	nd := s.nodes[i]
	if len(nd.inbounds) == 0 {
		return LayerOutput{}, fmt.Errorf("layer %q (%s) reads the model input: run the model with Forward", nd.name, nd.typ)
	}
	if len(ins) != len(nd.inbounds) {
		return LayerOutput{}, fmt.Errorf("layer %q (%s) has %d inbound layers, and %d inputs were given: give one per inbound layer, in its inbound order", nd.name, nd.typ, len(nd.inbounds), len(ins))
	}
	n := -1
	for j, from := range nd.inbounds {
		if err := s.checkInbound(nd, s.nodes[from], ins[j], &n); err != nil {
			return LayerOutput{}, err
		}
	}
	out := LayerOutput{Name: nd.name, Shape: [4]int{n, nd.out[0], nd.out[1], nd.out[2]}}
	if nd.float {
		out.Float = make([]float32, n*size(nd.out))
	} else {
		out.Data = make([]int32, n*size(nd.out))
	}
	run := nd.kernel.newRun()
	sample := make([]tensor, len(ins))
	for k := range n {
		for j, in := range ins {
			m := len(in.Data) / n
			sample[j] = tensor{ints: in.Data[k*m : (k+1)*m]}
		}
		x := run(sample)
		if out.Float != nil {
			copy(out.Float[k*len(x.floats):], x.floats)
		} else {
			copy(out.Data[k*len(x.ints):], x.ints)
		}
	}
	return out, nil
}

// checkInbound checks one input of RunLayer against the inbound layer
// from that produces it: its shape, its batch size (the same for every
// input: n, −1 before the first), its length and its value range.
func (s *Simulator) checkInbound(nd, from *node, in LayerOutput, n *int) error {
	want := from.out
	if in.Shape[0] < 0 || in.Shape[1] != want[0] || in.Shape[2] != want[1] || in.Shape[3] != want[2] || (*n >= 0 && in.Shape[0] != *n) {
		return fmt.Errorf("layer %q (%s): the input for inbound layer %q has shape %v; give its output shape (N, %d, %d, %d) with the same N for every inbound",
			nd.name, nd.typ, from.name, in.Shape, want[0], want[1], want[2])
	}
	*n = in.Shape[0]
	if len(in.Data) != *n*size(want) {
		return fmt.Errorf("layer %q (%s): the input for inbound layer %q holds %d integers, its shape %v needs %d", nd.name, nd.typ, from.name, len(in.Data), in.Shape, *n*size(want))
	}
	r := from.values
	for i, v := range in.Data {
		if int64(v) < r.min || int64(v) > r.max {
			return fmt.Errorf("layer %q (%s): value %d at index %d of the input for inbound layer %q is outside the %d…%d that layer outputs: give values of that range",
				nd.name, nd.typ, v, i, from.name, r.min, r.max)
		}
	}
	return nil
}

// nodeIndex is the index of the named layer, or −1.
func (s *Simulator) nodeIndex(name string) int {
	for i, nd := range s.nodes {
		if nd.name == name {
			return i
		}
	}
	return -1
}
