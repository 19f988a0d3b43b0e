package keras

import "fmt"

// Output shape inference, without the batch dimension, for every typed
// class. -1 is an unknown dimension and stays unknown through arithmetic.
// A layer whose class is unknown, or whose input shape is unknown, gets a
// nil shape, and so do the layers after it: inference never fails a load.

// maxDim bounds inferred dimensions so hostile configs cannot make
// products overflow.
const maxDim = 1 << 40

// inferShapes fills OutputShape for every layer in model order.
func inferShapes(layers []*Layer) {
	byName := make(map[string]*Layer, len(layers))
	for _, l := range layers {
		var ins []Shape
		for _, name := range l.Inbound {
			var s Shape
			if in := byName[name]; in != nil {
				s = in.OutputShape
			}
			ins = append(ins, s)
		}
		l.OutputShape = outputShape(l, ins)
		byName[l.Name] = l
	}
}

// outputShape computes one layer's output shape from its input shapes.
func outputShape(l *Layer, ins []Shape) Shape {
	if c, ok := l.Config.(*InputLayer); ok {
		if len(c.BatchShape) == 0 {
			return nil
		}
		return normalized(c.BatchShape[1:])
	}
	if len(ins) == 0 {
		return nil
	}
	for _, s := range ins {
		if s == nil {
			return nil
		}
	}
	if c, ok := l.Config.(shaped); ok {
		return c.outputShape(ins)
	}
	return nil
}

// shaped is implemented by every typed config: its output shape from its
// input shapes (one or more, none unknown). The quantized types inherit
// the method of the Keras config they embed.
type shaped interface {
	outputShape(ins []Shape) Shape
}

func (c *Conv2D) outputShape(ins []Shape) Shape {
	return convShape(ins[0], c.Filters, c.KernelSize, c.Strides, c.Padding, c.DataFormat, c.DilationRate)
}

// outputShape of quantizeml's QuantizedConv2D: with a padding_value,
// quantizeml saves "padding": "valid" but pads 'same' itself with that
// value before a valid convolution, so the output has the 'same' size
// (spec conversion-v2.md §2.0, §3.1).
func (c *QMLConv2D) outputShape(ins []Shape) Shape {
	padding := c.Padding
	if c.PaddingValue != nil {
		padding = "same"
	}
	return convShape(ins[0], c.Filters, c.KernelSize, c.Strides, padding, c.DataFormat, c.DilationRate)
}

func (c *SeparableConv2D) outputShape(ins []Shape) Shape {
	return convShape(ins[0], c.Filters, c.KernelSize, c.Strides, c.Padding, c.DataFormat, c.DilationRate)
}

func (c *DepthwiseConv2D) outputShape(ins []Shape) Shape { return depthwiseShape(ins[0], c) }

func (c *Conv2DTranspose) outputShape(ins []Shape) Shape {
	return transposeShape(ins[0], c.Filters, c.KernelSize, c.Strides, c.OutputPadding, c.Padding, c.DataFormat, c.DilationRate)
}

func (c *Dense) outputShape(ins []Shape) Shape { return denseShape(ins[0], c.Units) }

func (c *MaxPooling2D) outputShape(ins []Shape) Shape {
	return poolShape(ins[0], c.PoolSize, c.Strides, c.Padding, c.DataFormat)
}

func (c *AveragePooling2D) outputShape(ins []Shape) Shape {
	return poolShape(ins[0], c.PoolSize, c.Strides, c.Padding, c.DataFormat)
}

func (c *GlobalAveragePooling2D) outputShape(ins []Shape) Shape { return gapShape(ins[0], c) }
func (c *Flatten) outputShape(ins []Shape) Shape                { return flattenShape(ins[0]) }
func (c *Reshape) outputShape(ins []Shape) Shape                { return reshapeShape(ins[0], c.TargetShape) }
func (c *Concatenate) outputShape(ins []Shape) Shape            { return concatShape(ins, c.Axis) }
func (c *ZeroPadding2D) outputShape(ins []Shape) Shape          { return zeroPadShape(ins[0], c) }
func (c *Add) outputShape(ins []Shape) Shape                    { return broadcastShape(ins) }
func (c *QMLAdd) outputShape(ins []Shape) Shape                 { return broadcastShape(ins) }

// The classes that keep their input's shape.
func (c *InputLayer) outputShape(ins []Shape) Shape             { return clone(ins[0]) }
func (c *BatchNormalization) outputShape(ins []Shape) Shape     { return clone(ins[0]) }
func (c *ReLU) outputShape(ins []Shape) Shape                   { return clone(ins[0]) }
func (c *Activation) outputShape(ins []Shape) Shape             { return clone(ins[0]) }
func (c *Softmax) outputShape(ins []Shape) Shape                { return clone(ins[0]) }
func (c *Rescaling) outputShape(ins []Shape) Shape              { return clone(ins[0]) }
func (c *Dropout) outputShape(ins []Shape) Shape                { return clone(ins[0]) }
func (c *ActivationDiscreteRelu) outputShape(ins []Shape) Shape { return clone(ins[0]) }
func (c *QuantizedReLU) outputShape(ins []Shape) Shape          { return clone(ins[0]) }
func (c *QMLReLU) outputShape(ins []Shape) Shape                { return clone(ins[0]) }
func (c *QMLInputQuantizer) outputShape(ins []Shape) Shape      { return clone(ins[0]) }
func (c *QMLDequantizer) outputShape(ins []Shape) Shape         { return clone(ins[0]) }

func clone(s Shape) Shape { return append(Shape{}, s...) }

// normalized maps every negative (None) dimension to -1.
func normalized(s []int) Shape {
	out := make(Shape, len(s))
	for i, d := range s {
		if d < 0 {
			d = -1
		}
		out[i] = d
	}
	return out
}

// spatialAxes returns the indexes of (height, width, channels) in a rank-3
// shape for the data format, or ok=false for another rank.
func spatialAxes(in Shape, dataFormat string) (h, w, ch int, ok bool) {
	if len(in) != 3 {
		return 0, 0, 0, false
	}
	if dataFormat == "channels_first" {
		return 1, 2, 0, true
	}
	return 0, 1, 2, true
}

// convLength is the output length of a convolution or pooling window
// along one axis (Keras conv_utils.conv_output_length).
func convLength(n, kernel, stride, dilation int, padding string) int {
	if n < 0 {
		return -1
	}
	effective := (kernel-1)*dilation + 1
	if padding == "same" {
		return (n + stride - 1) / stride
	}
	if n < effective {
		return 0
	}
	return (n-effective)/stride + 1
}

func dilationAt(d []int, i int) int {
	switch {
	case len(d) == 0:
		return 1
	case i < len(d):
		return d[i]
	}
	return d[len(d)-1]
}

func convShape(in Shape, filters int, kernel, strides [2]int, padding, dataFormat string, dilation []int) Shape {
	h, w, ch, ok := spatialAxes(in, dataFormat)
	if !ok {
		return nil
	}
	out := make(Shape, 3)
	out[h] = convLength(in[h], kernel[0], strides[0], dilationAt(dilation, 0), padding)
	out[w] = convLength(in[w], kernel[1], strides[1], dilationAt(dilation, 1), padding)
	out[ch] = filters
	return out
}

// transposeLength is Keras' deconv_output_length along one axis.
func transposeLength(n, kernel, stride, dilation int, padding string, outputPadding []int, axis int) int {
	if n < 0 {
		return -1
	}
	k := (kernel-1)*dilation + 1
	if outputPadding == nil {
		if padding == "same" {
			return mulDims(n, stride)
		}
		return addDims(mulDims(n, stride), max(k-stride, 0))
	}
	pad := 0
	if padding == "same" {
		pad = k / 2
	}
	out := addDims(mulDims(max(n-1, 0), stride), k+outputPadding[axis]) - 2*pad
	return max(out, 0)
}

func transposeShape(in Shape, filters int, kernel, strides [2]int, outputPadding []int, padding, dataFormat string, dilation []int) Shape {
	h, w, ch, ok := spatialAxes(in, dataFormat)
	if !ok {
		return nil
	}
	out := make(Shape, 3)
	out[h] = transposeLength(in[h], kernel[0], strides[0], dilationAt(dilation, 0), padding, outputPadding, 0)
	out[w] = transposeLength(in[w], kernel[1], strides[1], dilationAt(dilation, 1), padding, outputPadding, 1)
	out[ch] = filters
	return out
}

func depthwiseShape(in Shape, c *DepthwiseConv2D) Shape {
	out := convShape(in, 0, c.KernelSize, c.Strides, c.Padding, c.DataFormat, c.DilationRate)
	if out == nil {
		return nil
	}
	_, _, ch, _ := spatialAxes(in, c.DataFormat)
	out[ch] = mulDims(in[ch], c.DepthMultiplier)
	return out
}

func poolShape(in Shape, size, strides [2]int, padding, dataFormat string) Shape {
	h, w, ch, ok := spatialAxes(in, dataFormat)
	if !ok {
		return nil
	}
	out := make(Shape, 3)
	out[h] = convLength(in[h], size[0], strides[0], 1, padding)
	out[w] = convLength(in[w], size[1], strides[1], 1, padding)
	out[ch] = in[ch]
	return out
}

func gapShape(in Shape, c *GlobalAveragePooling2D) Shape {
	h, w, ch, ok := spatialAxes(in, c.DataFormat)
	if !ok {
		return nil
	}
	if !c.KeepDims {
		return Shape{in[ch]}
	}
	out := make(Shape, 3)
	out[h], out[w], out[ch] = 1, 1, in[ch]
	return out
}

func denseShape(in Shape, units int) Shape {
	if len(in) == 0 {
		return nil
	}
	out := clone(in)
	out[len(out)-1] = units
	return out
}

// flattenShape is the product of all dimensions (Keras' Flatten on a
// channels_first input permutes values, not the count).
func flattenShape(in Shape) Shape {
	n := 1
	for _, d := range in {
		n = mulDims(n, d)
	}
	return Shape{n}
}

// reshapeShape fills the single -1 of the target from the input size.
func reshapeShape(in Shape, target []int) Shape {
	if target == nil {
		return nil
	}
	total := flattenShape(in)[0]
	out := normalized(target)
	unknown, known := -1, 1
	for i, d := range out {
		if d == -1 {
			if unknown >= 0 {
				return nil // two unknown dimensions: Keras rejects this too
			}
			unknown = i
			continue
		}
		known = mulDims(known, d)
	}
	if unknown >= 0 {
		if total < 0 || known <= 0 || total%known != 0 {
			out[unknown] = -1
		} else {
			out[unknown] = total / known
		}
	}
	return out
}

// concatShape joins the inputs along axis (negative counts from the end,
// and axis 0 would be the batch dimension).
func concatShape(ins []Shape, axis int) Shape {
	rank := len(ins[0])
	a := axis
	if a < 0 {
		a += rank
	} else {
		a-- // Keras axes count the batch dimension
	}
	if a < 0 || a >= rank {
		return nil
	}
	out := clone(ins[0])
	for _, s := range ins[1:] {
		if len(s) != rank {
			return nil
		}
		out[a] = addDims(out[a], s[a])
	}
	return out
}

func zeroPadShape(in Shape, c *ZeroPadding2D) Shape {
	h, w, _, ok := spatialAxes(in, c.DataFormat)
	if !ok {
		return nil
	}
	out := clone(in)
	out[h] = addDims(in[h], c.Padding[0][0]+c.Padding[0][1])
	out[w] = addDims(in[w], c.Padding[1][0]+c.Padding[1][1])
	return out
}

// broadcastShape is the shape of an element-wise merge (Add): inputs of
// the same rank broadcast dimension by dimension.
func broadcastShape(ins []Shape) Shape {
	out := clone(ins[0])
	for _, s := range ins[1:] {
		if len(s) != len(out) {
			return nil
		}
		for i, d := range s {
			if out[i] == 1 || out[i] == -1 && d != 1 {
				out[i] = d
			}
		}
	}
	return out
}

func mulDims(a, b int) int {
	if a < 0 || b < 0 {
		return -1
	}
	if a != 0 && b > maxDim/a {
		return -1
	}
	return a * b
}

func addDims(a, b int) int {
	if a < 0 || b < 0 || a > maxDim || b > maxDim {
		return -1
	}
	return a + b
}

// String formats a shape as Keras prints it, with the batch dimension:
// (None, 112, 112, 8).
func (s Shape) String() string {
	if s == nil {
		return "?"
	}
	if len(s) == 0 {
		return "(None,)"
	}
	out := "(None"
	for _, d := range s {
		if d < 0 {
			out += ", None"
		} else {
			out += fmt.Sprintf(", %d", d)
		}
	}
	return out + ")"
}
