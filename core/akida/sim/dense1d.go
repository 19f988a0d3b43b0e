package sim

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Dense1D, the Akida 2.0 fully connected layer (conversion-v2.md §2.7):
// its input is flattened in Keras order (x, y, c), which is the buffers'
// memory order, so unlike Akida 1.0's FullyConnected no rows are
// reordered; weights (in, units) as Keras stores them.

// prepareDense1D prepares a Dense1D.
func prepareDense1D(l *akida.Layer, in layerInputs) (*prepared, error) {
	shape := in.shapes[0]
	units := l.Params.Int("units")
	p, err := newV2Layer(l, shape, akida.Shape{1, 1, units}, neuralOptions{inputShifts: denseInputShifts(shape)})
	if err != nil {
		return nil, err
	}
	features := size(shape)
	if p.weights, err = weightVariable(l, []int{features, units}); err != nil {
		return nil, err
	}
	p.accumulate = (*v2Layer).dense
	p.macs = cells(shape) * float64(units)
	return p.finish(in.ranges[0], nil)
}

// dense computes Σ_k x[k]·W[k, n] over the flattened input.
func (l *v2Layer) dense(in []int32, acc []int64) {
	U := len(acc)
	clear(acc)
	for k, v := range in {
		if v != 0 {
			accumulate(acc, int64(v), l.weights[k*U:][:U])
		}
	}
}
