package infer

import (
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// supportedClasses lists, for error messages, the classes the inference
// runs.
const supportedClasses = "InputLayer, Conv2D, DepthwiseConv2D, SeparableConv2D, Dense, BatchNormalization, ReLU, Activation, Softmax, " +
	"MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Reshape, Rescaling, Dropout, Add, Concatenate, ZeroPadding2D, " +
	"and cnn2snn's QuantizedConv2D, QuantizedSeparableConv2D, QuantizedDense, ActivationDiscreteRelu, QuantizedReLU"

// runLayer computes one layer's output. approximated is true for a
// quantizeml layer run as its float counterpart.
func runLayer(l *keras.Layer, ins []Tensor, opts Options) (out Tensor, approximated bool, err error) {
	if l.Origin() == keras.OriginQuantizeML {
		if !opts.QuantizeMLAsFloat {
			return Tensor{}, false, fmt.Errorf("layer %q cannot be run: class %s is a quantizeml layer: run the model in quantizeml's integer arithmetic with NewQuantizeML, or set Options.QuantizeMLAsFloat to run it as float Keras layers (an approximation): %w",
				l.Name, l.ClassName, ErrUnsupported)
		}
		approximated = true
	}
	out, known, err := forward(l, ins)
	if !known {
		return Tensor{}, false, fmt.Errorf("layer %q cannot be run: class %s is %w; the Keras inference runs %s. Remove the layer or replace it with one of these",
			l.Name, l.ClassName, ErrUnsupported, supportedClasses)
	}
	if err != nil {
		return Tensor{}, false, fmt.Errorf("layer %q (%s): %w", l.Name, l.ClassName, err)
	}
	return out, approximated, nil
}

// forward dispatches on the layer's typed config: cnn2snn's quantized
// layers with their quantized semantics, the others by the Keras class they
// are or extend (keras.Layer.Base), so that a quantizeml layer runs as its
// float counterpart. known is false for a class without a typed config or
// one the inference does not handle.
func forward(l *keras.Layer, ins []Tensor) (out Tensor, known bool, err error) {
	if l.IsInput() {
		return ins[0], true, nil
	}
	if l.Config == nil { // core/keras has no typed config for the class
		return Tensor{}, false, nil
	}
	if c, ok := l.Config.(*keras.QMLAdd); ok {
		out, err = add(ins, c.Average)
		return out, true, err
	}
	switch c := l.Base().(type) {
	case *keras.Add:
		out, err = add(ins, false)
		return out, true, err
	case *keras.Concatenate:
		out, err = concatenate(c.Axis, ins)
		return out, true, err
	}
	if len(ins) != 1 {
		return Tensor{}, true, fmt.Errorf("has %d inputs %v, expected 1; the model file is inconsistent, re-save it", len(ins), l.Inbound)
	}
	if out, known, err = forwardCNN2SNN(l, ins[0]); known {
		return out, known, err
	}
	if out, known, err = forwardQuantizeML(l, ins[0]); known {
		return out, known, err
	}
	return forwardKeras(l, ins[0])
}

// forwardKeras runs the Keras built-in layers, and the quantized layers
// that extend one as that layer.
func forwardKeras(l *keras.Layer, x Tensor) (Tensor, bool, error) {
	var out Tensor
	var err error
	switch c := l.Base().(type) {
	case *keras.Dropout:
		out = x
	case *keras.Conv2D:
		out, err = convLayer(l, c, nil, x)
	case *keras.DepthwiseConv2D:
		out, err = depthwiseLayer(l, c, x)
	case *keras.SeparableConv2D:
		out, err = separableLayer(l, c, nil, nil, x)
	case *keras.Dense:
		out, err = denseLayer(l, c, nil, x)
	case *keras.BatchNormalization:
		out, err = batchNorm(l, c, x)
	case *keras.ReLU:
		out = relu(c, x)
	case *keras.Activation:
		out, err = activationLayer(c.Activation, x)
	case *keras.Softmax:
		out, err = softmaxLayer(c, x)
	case *keras.MaxPooling2D:
		out, err = poolLayer((*poolConfig)(c), x, maxPool2D)
	case *keras.AveragePooling2D:
		out, err = poolLayer((*poolConfig)(c), x, avgPool2D)
	case *keras.GlobalAveragePooling2D:
		out, err = globalPoolLayer(c, x)
	case *keras.Flatten:
		out, err = flattenLayer(c, x)
	case *keras.Reshape:
		out, err = reshape(c.TargetShape, x)
	case *keras.Rescaling:
		out, err = rescale(c, x)
	case *keras.ZeroPadding2D:
		if err = channelsLast(c.DataFormat); err == nil {
			out, err = zeroPad2D(c.Padding, x)
		}
	default:
		return Tensor{}, false, nil
	}
	return out, true, err
}

// forwardCNN2SNN runs cnn2snn's legacy quantized layers with their
// quantized semantics.
func forwardCNN2SNN(l *keras.Layer, x Tensor) (Tensor, bool, error) {
	var out Tensor
	var err error
	switch c := l.Config.(type) {
	case *keras.QuantizedConv2D:
		out, err = convLayer(l, &c.Conv2D, &c.Quantizer, x)
	case *keras.QuantizedSeparableConv2D:
		out, err = separableLayer(l, &c.SeparableConv2D, &c.QuantizerDW, &c.Quantizer, x)
	case *keras.QuantizedDense:
		out, err = denseLayer(l, &c.Dense, &c.Quantizer, x)
	case *keras.ActivationDiscreteRelu:
		if err = c.CheckBits(); err == nil {
			out = quantizedActivation(c, x)
		}
	case *keras.QuantizedReLU:
		if err = c.CheckBits(); err == nil {
			out = quantizedActivation(c, x)
		}
	default:
		return Tensor{}, false, nil
	}
	return out, true, err
}

// forwardQuantizeML runs the quantizeml layers that extend no Keras layer
// as their float counterparts, ignoring every quantizer (runLayer has
// checked that this approximation was asked for). known is false for the
// others, which run as the Keras layer they extend.
func forwardQuantizeML(l *keras.Layer, x Tensor) (Tensor, bool, error) {
	switch c := l.Config.(type) {
	case *keras.QMLInputQuantizer, *keras.QMLDequantizer:
		return x, true, nil
	case *keras.QMLReLU:
		return relu(&keras.ReLU{MaxValue: c.MaxValue}, x), true, nil
	}
	return Tensor{}, false, nil
}

// quantizedActivation runs cnn2snn's ActivationDiscreteRelu or
// QuantizedReLU: step · clip(ceil((x − step/2)/step), 0, levels) in
// float32 (keras.QuantizedActivation.Apply). These are the values the
// Akida integer activations reproduce (times step), so the rounding of
// each operation matters at the interval boundaries.
func quantizedActivation(a keras.QuantizedActivation, x Tensor) Tensor {
	out := like(x)
	for i, v := range x.Data {
		out.Data[i] = a.Apply(v)
	}
	return out
}

// channelsLast refuses channels_first layers: every kernel here works on
// NHWC data.
func channelsLast(format string) error {
	if format == "channels_first" {
		return fmt.Errorf("data_format \"channels_first\" is %w; rebuild the model with channels_last (the Keras default) and re-save it", ErrUnsupported)
	}
	return nil
}

// convLayer runs Conv2D and QuantizedConv2D (q: its weight quantizer, nil
// for a float kernel).
func convLayer(l *keras.Layer, c *keras.Conv2D, q *keras.WeightQuantizer, x Tensor) (Tensor, error) {
	if err := channelsLast(c.DataFormat); err != nil {
		return Tensor{}, err
	}
	_, h, w, cin, err := rank4(x)
	if err != nil {
		return Tensor{}, err
	}
	groups := max(c.Groups, 1)
	if cin%groups != 0 || c.Filters%groups != 0 {
		return Tensor{}, fmt.Errorf("groups %d must divide the %d input channels and the %d filters; fix the config", groups, cin, c.Filters)
	}
	kernel, err := weight(l, "kernel", c.KernelSize[0], c.KernelSize[1], cin/groups, c.Filters)
	if err != nil {
		return Tensor{}, err
	}
	if q != nil {
		if kernel, err = q.Quantize(kernel, l.Weight("kernel").Shape); err != nil {
			return Tensor{}, err
		}
	}
	bias, err := optionalWeight(l, c.UseBias, "bias", c.Filters)
	if err != nil {
		return Tensor{}, err
	}
	rows, cols, err := convWindows(h, w, c.KernelSize, c.Strides, c.DilationRate, c.Padding)
	if err != nil {
		return Tensor{}, err
	}
	out, err := conv2D(x, kernel, bias, rows, cols, c.Filters, groups)
	if err != nil {
		return Tensor{}, err
	}
	return out, activate(c.Activation, out)
}

// depthwiseLayer runs DepthwiseConv2D.
func depthwiseLayer(l *keras.Layer, c *keras.DepthwiseConv2D, x Tensor) (Tensor, error) {
	if err := channelsLast(c.DataFormat); err != nil {
		return Tensor{}, err
	}
	_, h, w, cin, err := rank4(x)
	if err != nil {
		return Tensor{}, err
	}
	mult := c.DepthMultiplier
	kernel, err := weight(l, "depthwise_kernel", c.KernelSize[0], c.KernelSize[1], cin, mult)
	if err != nil {
		return Tensor{}, err
	}
	bias, err := optionalWeight(l, c.UseBias, "bias", cin*mult)
	if err != nil {
		return Tensor{}, err
	}
	rows, cols, err := convWindows(h, w, c.KernelSize, c.Strides, c.DilationRate, c.Padding)
	if err != nil {
		return Tensor{}, err
	}
	out, err := depthwiseConv2D(x, kernel, bias, rows, cols, mult)
	if err != nil {
		return Tensor{}, err
	}
	return out, activate(c.Activation, out)
}

// separableLayer runs SeparableConv2D and QuantizedSeparableConv2D: a
// depthwise convolution without bias, then a 1×1 convolution with the
// bias, then the activation (TF's separable_conv2d + bias_add). qdw and qpw
// quantize the depthwise and pointwise kernels; nil for float kernels.
func separableLayer(l *keras.Layer, c *keras.SeparableConv2D, qdw, qpw *keras.WeightQuantizer, x Tensor) (Tensor, error) {
	if err := channelsLast(c.DataFormat); err != nil {
		return Tensor{}, err
	}
	_, h, w, cin, err := rank4(x)
	if err != nil {
		return Tensor{}, err
	}
	mult := c.DepthMultiplier
	dw, err := weight(l, "depthwise_kernel", c.KernelSize[0], c.KernelSize[1], cin, mult)
	if err != nil {
		return Tensor{}, err
	}
	pw, err := weight(l, "pointwise_kernel", 1, 1, cin*mult, c.Filters)
	if err != nil {
		return Tensor{}, err
	}
	if qdw != nil {
		if dw, err = qdw.Quantize(dw, l.Weight("depthwise_kernel").Shape); err != nil {
			return Tensor{}, fmt.Errorf("quantizer_dw: %w", err)
		}
	}
	if qpw != nil {
		if pw, err = qpw.Quantize(pw, l.Weight("pointwise_kernel").Shape); err != nil {
			return Tensor{}, err
		}
	}
	bias, err := optionalWeight(l, c.UseBias, "bias", c.Filters)
	if err != nil {
		return Tensor{}, err
	}
	rows, cols, err := convWindows(h, w, c.KernelSize, c.Strides, c.DilationRate, c.Padding)
	if err != nil {
		return Tensor{}, err
	}
	mid, err := depthwiseConv2D(x, dw, nil, rows, cols, mult)
	if err != nil {
		return Tensor{}, err
	}
	one, _ := slide(rows.out, 1, 1, 1, "valid")
	oneCol, _ := slide(cols.out, 1, 1, 1, "valid")
	out, err := conv2D(mid, pw, bias, one, oneCol, c.Filters, 1)
	if err != nil {
		return Tensor{}, err
	}
	return out, activate(c.Activation, out)
}

// denseLayer runs Dense and QuantizedDense on the last axis.
func denseLayer(l *keras.Layer, c *keras.Dense, q *keras.WeightQuantizer, x Tensor) (Tensor, error) {
	if len(x.Shape) < 2 {
		return Tensor{}, fmt.Errorf("the input has shape %v; Dense needs a batch and a feature axis", x.Shape)
	}
	in := x.Shape[len(x.Shape)-1]
	kernel, err := weight(l, "kernel", in, c.Units)
	if err != nil {
		return Tensor{}, err
	}
	if q != nil {
		if kernel, err = q.Quantize(kernel, []int{in, c.Units}); err != nil {
			return Tensor{}, err
		}
	}
	bias, err := optionalWeight(l, c.UseBias, "bias", c.Units)
	if err != nil {
		return Tensor{}, err
	}
	out, err := dense(x, kernel, bias, c.Units)
	if err != nil {
		return Tensor{}, err
	}
	return out, activate(c.Activation, out)
}

// convWindows computes the row and column windows of a convolution.
func convWindows(h, w int, kernel, strides [2]int, dilation []int, padding string) (rows, cols window, err error) {
	d := [2]int{1, 1}
	switch len(dilation) {
	case 0:
	case 1:
		d = [2]int{dilation[0], dilation[0]}
	case 2:
		d = [2]int{dilation[0], dilation[1]}
	default:
		return window{}, window{}, fmt.Errorf("dilation_rate %v has %d values, expected 2", dilation, len(dilation))
	}
	if rows, err = slide(h, kernel[0], strides[0], d[0], padding); err != nil {
		return window{}, window{}, fmt.Errorf("height: %w", err)
	}
	if cols, err = slide(w, kernel[1], strides[1], d[1], padding); err != nil {
		return window{}, window{}, fmt.Errorf("width: %w", err)
	}
	return rows, cols, nil
}

// poolConfig is the shape MaxPooling2D and AveragePooling2D share.
type poolConfig = struct {
	PoolSize   [2]int
	Strides    [2]int
	Padding    string
	DataFormat string
}

func poolLayer(c *poolConfig, x Tensor, pool func(Tensor, window, window) (Tensor, error)) (Tensor, error) {
	if err := channelsLast(c.DataFormat); err != nil {
		return Tensor{}, err
	}
	_, h, w, _, err := rank4(x)
	if err != nil {
		return Tensor{}, err
	}
	rows, err := slide(h, c.PoolSize[0], c.Strides[0], 1, c.Padding)
	if err != nil {
		return Tensor{}, fmt.Errorf("height: %w", err)
	}
	cols, err := slide(w, c.PoolSize[1], c.Strides[1], 1, c.Padding)
	if err != nil {
		return Tensor{}, fmt.Errorf("width: %w", err)
	}
	return pool(x, rows, cols)
}

func globalPoolLayer(c *keras.GlobalAveragePooling2D, x Tensor) (Tensor, error) {
	if err := channelsLast(c.DataFormat); err != nil {
		return Tensor{}, err
	}
	if _, _, _, _, err := rank4(x); err != nil {
		return Tensor{}, err
	}
	return globalAvgPool2D(x, c.KeepDims), nil
}

func flattenLayer(c *keras.Flatten, x Tensor) (Tensor, error) {
	if len(x.Shape) > 2 {
		if err := channelsLast(c.DataFormat); err != nil {
			return Tensor{}, err
		}
	}
	return flatten(x), nil
}

// activationLayer is Keras Activation: a named activation on a copy of
// the input.
func activationLayer(name string, x Tensor) (Tensor, error) {
	out := like(x)
	copy(out.Data, x.Data)
	return out, activate(name, out)
}

// softmaxLayer is Keras Softmax along one axis (batch included in the
// numbering; -1 is the last).
func softmaxLayer(c *keras.Softmax, x Tensor) (Tensor, error) {
	if len(c.Axis) != 1 {
		return Tensor{}, fmt.Errorf("softmax over axes %v is %w (one axis only); use one axis and re-save the model", c.Axis, ErrUnsupported)
	}
	axis := c.Axis[0]
	if axis < 0 {
		axis += len(x.Shape)
	}
	if axis < 1 || axis >= len(x.Shape) {
		return Tensor{}, fmt.Errorf("axis %d does not fit the input shape %v (batch first); fix the axis", c.Axis[0], x.Shape)
	}
	out := like(x)
	copy(out.Data, x.Data)
	softmax(out, axis)
	return out, nil
}
