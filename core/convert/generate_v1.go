package convert

import (
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// generate builds the Akida 1.0 model of a plan without problems: one
// layer per block, its parameters (conversion.md §7.3) and variables
// (§7.4–§7.5), the input scaling of each block being the one the previous
// activation leaves, (1/step, 0).
func generate(p *plan, scaling InputScaling) (*akida.Model, error) {
	m := &akida.Model{}
	a, shift := scaling.Scale, scaling.Shift
	var prevOut [3]int
	for _, b := range p.blocks {
		l, err := buildLayer(b, a, shift, prevOut)
		if err != nil {
			return nil, err
		}
		if err := m.Add(l); err != nil {
			return nil, fmt.Errorf("layer %q: %w", b.name, err)
		}
		if len(b.outShape) == 3 {
			prevOut = [3]int{b.outShape[0], b.outShape[1], b.outShape[2]}
		}
		if act, ok := keras.AsQuantizedActivation(activationConfig(b)); ok {
			a, shift = nextInputScale(act.Step()), 0
		}
	}
	return m, nil
}

// buildLayer makes the Akida layer of one block; in is the output shape of
// the Akida layer before it (a FullyConnected permutes its weights by it).
func buildLayer(b *block, a, shift float64, in [3]int) (*akida.Layer, error) {
	if b.kind == akida.InputData {
		o := akida.DefaultInputData() // input_bits 4, unsigned: cnn2snn leaves the defaults
		o.InputShape = [3]int{b.outShape[0], b.outShape[1], b.outShape[2]}
		return akida.NewInputData(b.name, o), nil
	}
	var (
		l   *akida.Layer
		w   layerWeights
		err error
	)
	act, hasAct := keras.AsQuantizedActivation(activationConfig(b))
	switch c := b.neural.Config.(type) {
	case *keras.QuantizedConv2D:
		inputConv := b.kind == akida.InputConvolutional
		if w, err = convWeights(b.neural, c.Quantizer, !inputConv); err != nil {
			return nil, err
		}
		o := convOptions(b, &c.Conv2D, c.Quantizer.Bitwidth, akida.DefaultConvolutional())
		if inputConv {
			if len(b.inShape) != 3 {
				return nil, fmt.Errorf("layer %q: the InputConvolutional needs an image input (H, W, C), not %v", b.name, b.inShape)
			}
			l = akida.NewInputConvolutional(b.name, akida.InputConvolutionalOptions{
				InputShape:           [3]int{b.inShape[0], b.inShape[1], b.inShape[2]},
				ConvolutionalOptions: o,
				PaddingValue:         paddingValue(shift),
			})
		} else {
			l = akida.NewConvolutional(b.name, o)
		}
	case *keras.QuantizedSeparableConv2D:
		if w, err = separableWeights(b.neural, c); err != nil {
			return nil, err
		}
		conv := keras.Conv2D{KernelSize: c.KernelSize, Strides: c.Strides, Padding: c.Padding, Filters: c.Filters}
		l = akida.NewSeparableConvolutional(b.name, convOptions(b, &conv, c.Quantizer.Bitwidth, akida.DefaultSeparableConvolutional()))
	case *keras.QuantizedDense:
		if w, err = denseWeights(b.neural, c.Quantizer, in); err != nil {
			return nil, err
		}
		o := akida.DefaultFullyConnected()
		o.Units, o.WeightsBits, o.Activation = c.Units, c.Quantizer.Bitwidth, hasAct
		if hasAct {
			o.ActBits = act.Bits()
		}
		l = akida.NewFullyConnected(b.name, o)
	default:
		return nil, fmt.Errorf("layer %q: %s is not a cnn2snn quantized layer", b.name, b.neural.ClassName)
	}
	if err := setVariables(l, b, w, a, shift); err != nil {
		return nil, fmt.Errorf("layer %q: %w", b.name, err)
	}
	return l, nil
}

// convOptions maps the Keras convolution and the block's pooling and
// activation to Akida's parameters: kernel_size[0] → kernel_width (Keras'
// first spatial axis, see conversion.md §7.3), padding 'same' → Same, a
// MaxPooling2D's pool_size and strides, a GlobalAveragePooling2D as an
// Average pooling of size -1 (global), and act_bits from the activation
// (the default 1 stays when there is none: the last layer).
func convOptions(b *block, c *keras.Conv2D, weightBits int, o akida.ConvolutionalOptions) akida.ConvolutionalOptions {
	o.KernelSize, o.Stride, o.Filters, o.WeightsBits = c.KernelSize, c.Strides, c.Filters, weightBits
	o.Padding = akida.Valid
	if c.Padding == "same" {
		o.Padding = akida.Same
	}
	if p, ok := b.maxPoolConfig(); ok {
		o.PoolType, o.PoolSize, o.PoolStride = akida.MaxPooling, p.PoolSize, p.Strides
	}
	if b.gap != nil {
		o.PoolType = akida.AveragePooling
	}
	act, ok := keras.AsQuantizedActivation(activationConfig(b))
	o.Activation = ok
	if ok {
		o.ActBits = act.Bits()
	}
	return o
}

func (b *block) maxPoolConfig() (*keras.MaxPooling2D, bool) {
	if b.maxPool == nil {
		return nil, false
	}
	p, ok := b.maxPool.Config.(*keras.MaxPooling2D)
	return p, ok
}

// setVariables stores weights (and weights_pw), threshold and act_step,
// plus the wta_groups every InputConvolutional carries in akida's files
// (0 … n−1: each neuron its own group; cnn2snn does not set it, akida
// creates it with the layer).
func setVariables(l *akida.Layer, b *block, w layerWeights, a, shift float64) error {
	bits := int(l.Params.Value("weights_bits"))
	weights, err := akida.NewWeights("weights", w.shape, w.weights, bits)
	if err != nil {
		return err
	}
	l.SetVariable(weights)
	if w.pointwise != nil {
		pw, err := akida.NewWeights("weights_pw", w.pwShape, w.pointwise, bits)
		if err != nil {
			return err
		}
		l.SetVariable(pw)
	}
	th, steps := thresholds(b, w, a, shift, l.Type == akida.InputConvolutional)
	n := []int{len(th)}
	thV, err := akida.NewInt32s("threshold", n, th)
	if err != nil {
		return err
	}
	stepV, err := akida.NewFloat32s("act_step", n, steps)
	if err != nil {
		return err
	}
	l.SetVariable(thV)
	l.SetVariable(stepV)
	if l.Type == akida.InputConvolutional {
		groups := make([]int32, len(th))
		for i := range groups {
			groups[i] = int32(i)
		}
		wta, err := akida.NewInt32s("wta_groups", n, groups)
		if err != nil {
			return err
		}
		l.SetVariable(wta)
	}
	return nil
}

// paddingValue is int(b): Keras pads with 0, which is b in Akida input
// units, and cnn2snn stores it truncated toward zero. Values beyond the
// int32 parameter range saturate.
func paddingValue(shift float64) int { return int(saturateInt32(shift)) }
