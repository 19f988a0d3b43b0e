package convert

import (
	"fmt"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// buildConv is cnn2snn's InputConv2D, Conv2D and DepthwiseConv2D
// converters (conversion-v2.md §2.3–2.5): square kernel and stride, the
// padding (Same with a padding value or a 1×1 kernel, then the pool's),
// the pooling, the activation and the bits; weights as quantizeml records
// them, flipped on both spatial axes for Conv2D and DepthwiseConv2D (a true
// convolution), not for InputConv2D.
func buildConv(g *v2Generator, l qmlLayer) (*akida.Layer, func() error, error) {
	b, root := l.block, l.block.Root()
	r, err := g.record(root)
	if err != nil {
		return nil, nil, err
	}
	bufferBits := neuralBufferBits(root)
	o := akida.DefaultConv2D()
	size, strides, _ := root.Kernel()
	o.KernelSize, o.KernelStride = size[0], strides[0]
	o.Padding = v2Padding(root)
	if pool := b.Layer(compat.QMaxPool); pool != nil {
		poolSize, poolStrides, _ := pool.Kernel()
		o.PoolType, o.PoolSize, o.PoolStride = akida.MaxPooling, poolSize[0], poolStrides[0]
		o.Padding = akidaPadding(pool.Padding())
	} else if b.Layer(compat.QGAP) != nil {
		o.PoolType = akida.AveragePooling // size and stride stay -1: global
	}
	o.Activation = blockActivation(b)
	o.WeightsBits = compat.WeightBits(root)
	o.Bits = blockBits(b, bufferBits)
	if c, ok := root.Base().(*keras.Conv2D); ok {
		o.Filters = c.Filters
	}
	var layer *akida.Layer
	switch l.kind {
	case akida.InputConv2D:
		in := root.InputShape(g.model)
		if len(in) != 3 {
			return nil, nil, fmt.Errorf("the InputConv2D needs an image input (H, W, C), not %v", in)
		}
		layer = akida.NewInputConv2D(l.name, akida.InputConv2DOptions{InputShape: [3]int{in[0], in[1], in[2]}, Conv2DOptions: o})
	case akida.Conv2D:
		layer = akida.NewConv2D(l.name, o)
	default:
		layer = akida.NewDepthwiseConv2D(l.name, o)
	}
	return layer, func() error {
		weights := r.Weights.Values
		if l.kind != akida.InputConv2D {
			weights = flipSpatial(weights, r.Weights.Shape)
		}
		if err := set(g, l.name, "weights", weights); err != nil {
			return err
		}
		if err := g.setBias(root, r, l.name); err != nil {
			return err
		}
		if err := g.setConvInputs(l, r); err != nil {
			return err
		}
		return g.setPostOps(b, l.name, bufferBits)
	}, nil
}

// setConvInputs sets what a convolution reads its input with, as
// cnn2snn's set_conv_variables_v2 does: the input shift of a per-axis
// input (Conv2D; an error on InputConv2D; never recorded on
// DepthwiseConv2D, which quantizeml does not align), then the padding
// value, which must be an uint8 value whatever the layer, and which only
// InputConv2D may have (it must be zero elsewhere).
func (g *v2Generator) setConvInputs(l qmlLayer, r *keras.QMLRecord) error {
	nonZero := func(v int) bool { return v != 0 }
	switch {
	case l.kind == akida.InputConv2D && slices.ContainsFunc(r.InputShift, nonZero):
		return v2Errorf(compat.QMLInputShift, "InputConv2D layer must only have non-zero input shift.")
	case l.kind == akida.Conv2D && r.InputShift != nil:
		if err := set(g, l.name, "input_shift", uint8s(r.InputShift)); err != nil {
			return err
		}
	}
	pv := r.PaddingValue
	if pv == nil {
		pv = []int{0}
	}
	if slices.ContainsFunc(pv, func(v int) bool { return v < 0 || v > 255 }) {
		return v2Errorf(compat.QMLPaddingValueRange, "padding_value must be an uint8 value")
	}
	if l.kind == akida.InputConv2D {
		return set(g, l.name, "padding_value", uint8s(pv))
	}
	if slices.ContainsFunc(pv, nonZero) {
		return v2Errorf(compat.QMLV2PaddingValue, "Conv2D padding value must be zero. Got %s.", pyrepr.NumpyInts(pv))
	}
	return nil
}

// buildTranspose is cnn2snn's Conv2DTranspose and DepthwiseConv2DTranspose
// converters (conversion-v2.md §2.6): stride 2 and 'same' padding are
// implied; weights as recorded, (h, w, in, filters) for Conv2DTranspose
// (quantizeml quantizes the transposed kernel), not flipped.
func buildTranspose(g *v2Generator, l qmlLayer) (*akida.Layer, func() error, error) {
	b, root := l.block, l.block.Root()
	r, err := g.record(root)
	if err != nil {
		return nil, nil, err
	}
	bufferBits := neuralBufferBits(root)
	o := akida.DefaultConv2DTranspose()
	size, _, _ := root.Kernel()
	o.KernelSize = size[0]
	o.Activation = blockActivation(b)
	o.WeightsBits = compat.WeightBits(root)
	o.Bits = blockBits(b, bufferBits)
	var layer *akida.Layer
	if c, ok := root.Config.(*keras.QMLConv2DTranspose); ok {
		o.Filters = c.Filters
		layer = akida.NewConv2DTranspose(l.name, o)
	} else {
		layer = akida.NewDepthwiseConv2DTranspose(l.name, o)
	}
	return layer, func() error {
		if err := set(g, l.name, "weights", r.Weights.Values); err != nil {
			return err
		}
		if err := g.setBias(root, r, l.name); err != nil {
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

// v2Padding is cnn2snn's get_padding: Same when the layer pads with a value
// (quantizeml then saves "valid" and pads itself) or has a 1×1 kernel, or
// is 'same'; Valid otherwise.
func v2Padding(l *keras.Layer) akida.Padding {
	if c, ok := l.Config.(*keras.QMLConv2D); ok && c.PaddingValue != nil {
		return akida.Same
	}
	if size, _, _ := l.Kernel(); size == [2]int{1, 1} {
		return akida.Same
	}
	return akidaPadding(l.Padding())
}

func akidaPadding(p string) akida.Padding {
	if p == "same" {
		return akida.Same
	}
	return akida.Valid
}
