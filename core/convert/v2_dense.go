package convert

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// buildDense1D is cnn2snn's Dense1D converter (conversion-v2.md §2.7): the
// Keras (in, units) kernel as recorded, without the permutation Akida 1.0
// needs (Akida 2.0 reads the Keras row-major flattening); a ReLU only when
// the block ends with one; the input shift the Dense layer recorded (a
// Flatten's own alignment is not carried, as in cnn2snn).
func buildDense1D(g *v2Generator, l qmlLayer) (*akida.Layer, func() error, error) {
	b := l.block
	dense := b.Layer(compat.QDense)
	r, err := g.record(dense)
	if err != nil {
		return nil, nil, err
	}
	bufferBits := neuralBufferBits(dense)
	o := akida.DefaultDense1D()
	o.Units = dense.Base().(*keras.Dense).Units
	if compat.QMLClass(b.Last()) == compat.QReLU {
		o.Activation = akida.ReLU
	}
	o.WeightsBits = compat.WeightBits(dense)
	o.Bits = blockBits(b, bufferBits)
	return akida.NewDense1D(l.name, o), func() error {
		if err := set(g, l.name, "weights", r.Weights.Values); err != nil {
			return err
		}
		if err := g.setBias(dense, r, l.name); err != nil {
			return err
		}
		if r.InputShift != nil {
			if err := set(g, l.name, "input_shift", uint8s(r.InputShift)); err != nil {
				return err
			}
		}
		return g.setPostOps(b, l.name, bufferBits)
	}, nil
}
