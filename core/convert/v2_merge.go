package convert

import "github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"

// buildAdd is cnn2snn's Add converter (conversion-v2.md §2.8): the
// buffer is the QuantizedAdd's own (32 bits by default); the inputs are
// aligned by a_shift and b_shift; an output quantizer gives a shift only
// (its input is a FixedPoint).
func buildAdd(g *v2Generator, l qmlLayer) (*akida.Layer, func() error, error) {
	root := l.block.Root()
	r, err := g.record(root)
	if err != nil {
		return nil, nil, err
	}
	bufferBits := 32
	if q, _ := root.QuantizeML(); q != nil {
		bufferBits = q.BufferBitwidth
	}
	layer := akida.NewAdd(l.name, blockBits(l.block, bufferBits))
	return layer, func() error {
		if err := set(g, l.name, "a_shift", uint8s(r.AShift)); err != nil {
			return err
		}
		if err := set(g, l.name, "b_shift", uint8s(r.BShift)); err != nil {
			return err
		}
		return g.setOutputQuantizer(l.block.Last(), l.name, "output_scales", "output_shift", bufferBits)
	}, nil
}

// buildConcatenate is cnn2snn's Concatenate converter: no parameters, no
// variables (conversion-v2.md §2.9).
func buildConcatenate(_ *v2Generator, l qmlLayer) (*akida.Layer, func() error, error) {
	return akida.NewConcatenate(l.name), nil, nil
}

// buildDequantizer is cnn2snn's Dequantizer converter (§2.10): scales
// S / 2^F per channel of its input.
func buildDequantizer(g *v2Generator, l qmlLayer) (*akida.Layer, func() error, error) {
	r, err := g.record(l.block.Root())
	if err != nil {
		return nil, nil, err
	}
	return akida.NewDequantizer(l.name), func() error {
		return set(g, l.name, "scales", r.DequantizerScales)
	}, nil
}
