package convert

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// buildInputData is cnn2snn's InputData creation (conversion-v2.md §2.1):
// (a) from the Keras model input, its shape left-padded to three
// dimensions and 8 × the dtype's size bits (a float input counts as int8),
// signed inputs only; (b) after a Quantizer, with the Quantizer's output
// dimensions and bits.
func buildInputData(g *v2Generator, l qmlLayer) (*akida.Layer, func() error, error) {
	if !l.fromModelInput {
		q := g.ak.Layer(l.inbounds[0])
		shape, err := g.ak.LayerOutputShape(q.Name)
		if err != nil {
			return nil, nil, err
		}
		bits, _ := q.Params.Get("output_bits")
		return akida.NewInputDataV2(l.name, [3]int{shape[0], shape[1], shape[2]}, int(bits)), nil, nil
	}
	in := g.model.Layer(l.name)
	shape := in.OutputShape
	if len(shape) > 3 {
		return nil, nil, v2Errorf(compat.QMLInputDims, "input shape must not exceed 3 dimensions.Receives %s", pyrepr.Tuple(shape))
	}
	dtype := "float32"
	if c, ok := in.Config.(*keras.InputLayer); ok {
		dtype = c.Dtype
	}
	bits, signed := dtypeBits(dtype)
	if !signed {
		return nil, nil, v2Errorf(compat.QMLSignedInput, "Only signed inputs are supported.")
	}
	return akida.NewInputDataV2(l.name, leftPadded(shape), bits), nil, nil
}

// dtypeBits is 8 × the dtype's size and its signedness; a float input
// (or a dtype Keras does not write) counts as int8 ("to validate
// quantizations made prior to QML 0.13.0").
func dtypeBits(dtype string) (bits int, signed bool) {
	if bits, signed, ok := keras.IntDtype(dtype); ok {
		return bits, signed
	}
	return 8, true
}

// leftPadded is a Keras shape without batch padded with 1s in front to
// three dimensions: (N,) → (1, 1, N).
func leftPadded(s keras.Shape) [3]int {
	out := [3]int{1, 1, 1}
	copy(out[3-len(s):], s)
	return out
}

// buildQuantizer is cnn2snn's Quantizer converter (conversion-v2.md §2.2):
// the InputQuantizer's input shape, bits and sign; scales 2^F per tensor
// or per input channel; zero points when unsigned.
func buildQuantizer(g *v2Generator, l qmlLayer) (*akida.Layer, func() error, error) {
	root := l.block.Root()
	c := root.Config.(*keras.QMLInputQuantizer)
	r, err := g.record(root)
	if err != nil {
		return nil, nil, err
	}
	in := root.InputShape(g.model)
	if len(in) > 3 {
		return nil, nil, v2Errorf(compat.QMLInputDims, "input shape must not exceed 3 dimensions.Receives %s", pyrepr.Tuple(in))
	}
	layer := akida.NewQuantizer(l.name, akida.QuantizerOptions{InputShape: leftPadded(in), OutputBits: c.Bitwidth, OutputSigned: c.Signed})
	return layer, func() error {
		scales := make([]float32, len(r.Output.Frac))
		for i, f := range r.Output.Frac {
			scales[i] = keras.QMLPow2(f) // what quantizeml multiplies by
		}
		if err := set(g, l.name, "scales", scales); err != nil {
			return err
		}
		if c.Signed {
			return nil
		}
		return set(g, l.name, "zero_points", uint8s(r.ZeroPoints))
	}, nil
}
