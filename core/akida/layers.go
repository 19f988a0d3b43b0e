package akida

// Layer constructors. Each layer type has an options struct and a Default…
// function returning it filled with the defaults of akida's Python
// constructor (fbz-format.md §8.3 for Akida 1.0, §5.3 for Akida 2.0;
// Concatenate and Dequantizer take none, the Quantizer documents none), so
// a caller sets only what differs:
//
//	o := akida.DefaultConvolutional()
//	o.KernelSize, o.Filters, o.WeightsBits, o.ActBits = [2]int{3, 3}, 32, 4, 4
//	conv := akida.NewConvolutional("conv_1", o)
//
// The constructors store exactly the keys akida's wrappers store, with the
// wrappers' tuple → key mapping: shape[0] → width/x, shape[1] → height/y,
// kernel_size[0] → kernel_width, and a negative Akida 1.0 pool stride
// replaced by the pool size (conversion.md §7.3). They do not validate
// values; Model.Check and the shape functions report what does not fit.

// InputDataOptions are the arguments of akida.InputData.
type InputDataOptions struct {
	InputShape [3]int // (x, y, channels)
	InputBits  int
	Signed     bool
}

// DefaultInputData returns InputData's defaults: 4-bit unsigned inputs.
func DefaultInputData() InputDataOptions {
	return InputDataOptions{InputBits: 4}
}

// NewInputData returns an InputData layer, the input of models whose first
// neural layer does not read images.
func NewInputData(name string, o InputDataOptions) *Layer {
	l := &Layer{Name: name, Type: InputData}
	setShape3(&l.Params, "input_width", "input_height", "input_channels", o.InputShape)
	l.Params.Set("input_bits", int32(o.InputBits))
	l.Params.Set("input_signed", boolParam(o.Signed))
	return l
}

// NewInputDataV2 returns the InputData cnn2snn 2.19 builds on the
// quantizeml path (conversion-v2.md §2.1): akida 2.19's wrapper takes no
// input_signed argument and stores input_signed = 1 when input_bits > 4,
// else 0. inputShape is (x, y, channels), the Keras input shape left-padded
// with 1s to three dimensions.
func NewInputDataV2(name string, inputShape [3]int, inputBits int) *Layer {
	return NewInputData(name, InputDataOptions{InputShape: inputShape, InputBits: inputBits, Signed: inputBits > 4})
}

// ConvolutionalOptions are the arguments of akida.Convolutional and
// akida.SeparableConvolutional (Filters = pointwise filters there).
type ConvolutionalOptions struct {
	KernelSize  [2]int
	Filters     int
	Padding     Padding
	Stride      [2]int // kernel_stride
	WeightsBits int
	PoolSize    [2]int // (-1, -1): no pooling window; AveragePooling with -1 is global
	PoolType    PoolType
	PoolStride  [2]int // negative: the pool size
	Activation  bool
	ActBits     int
}

// DefaultConvolutional returns Convolutional's defaults: Same padding,
// stride 1, 1-bit weights, no pooling, activation with 1-bit outputs.
func DefaultConvolutional() ConvolutionalOptions {
	return ConvolutionalOptions{
		Padding: Same, Stride: [2]int{1, 1}, WeightsBits: 1,
		PoolSize: [2]int{-1, -1}, PoolType: NoPooling, PoolStride: [2]int{-1, -1},
		Activation: true, ActBits: 1,
	}
}

// DefaultSeparableConvolutional returns SeparableConvolutional's defaults:
// those of Convolutional with 2-bit weights.
func DefaultSeparableConvolutional() ConvolutionalOptions {
	o := DefaultConvolutional()
	o.WeightsBits = 2
	return o
}

// NewConvolutional returns a Convolutional layer (a true convolution with
// the stored weights; the converter flips Keras kernels for it).
func NewConvolutional(name string, o ConvolutionalOptions) *Layer {
	l := &Layer{Name: name, Type: Convolutional}
	setConvolutional(&l.Params, o)
	return l
}

// NewSeparableConvolutional returns a SeparableConvolutional layer:
// depthwise ("weights") then pointwise ("weights_pw") with o.Filters
// outputs.
func NewSeparableConvolutional(name string, o ConvolutionalOptions) *Layer {
	l := &Layer{Name: name, Type: SeparableConvolutional}
	setConvolutional(&l.Params, o)
	return l
}

// InputConvolutionalOptions are the arguments of akida.InputConvolutional.
type InputConvolutionalOptions struct {
	InputShape [3]int // (x, y, channels): 1 or 3 channels of 8-bit pixels
	ConvolutionalOptions
	// PaddingValue is the input value the borders are padded with
	// (cnn2snn: the integer part of the input shift).
	PaddingValue int
}

// DefaultInputConvolutional returns InputConvolutional's defaults: those
// of Convolutional, padding value 0.
func DefaultInputConvolutional() InputConvolutionalOptions {
	return InputConvolutionalOptions{ConvolutionalOptions: DefaultConvolutional()}
}

// NewInputConvolutional returns an InputConvolutional layer, the image
// input layer of Akida 1.0 (a cross-correlation, like Keras).
func NewInputConvolutional(name string, o InputConvolutionalOptions) *Layer {
	l := &Layer{Name: name, Type: InputConvolutional}
	setConvolutional(&l.Params, o.ConvolutionalOptions)
	setShape3(&l.Params, "input_width", "input_height", "input_channels", o.InputShape)
	l.Params.Set("padding_value", int32(o.PaddingValue))
	return l
}

// FullyConnectedOptions are the arguments of akida.FullyConnected.
type FullyConnectedOptions struct {
	Units       int
	WeightsBits int
	Activation  bool
	ActBits     int
}

// DefaultFullyConnected returns FullyConnected's defaults: 1-bit weights,
// activation with 1-bit outputs.
func DefaultFullyConnected() FullyConnectedOptions {
	return FullyConnectedOptions{WeightsBits: 1, Activation: true, ActBits: 1}
}

// NewFullyConnected returns a FullyConnected layer (output (1, 1, units)).
func NewFullyConnected(name string, o FullyConnectedOptions) *Layer {
	l := &Layer{Name: name, Type: FullyConnected}
	l.Params.Set("units", int32(o.Units))
	l.Params.Set("weights_bits", int32(o.WeightsBits))
	l.Params.Set("activation", boolParam(o.Activation))
	l.Params.Set("act_bits", int32(o.ActBits))
	return l
}

func setShape3(p *Params, x, y, c string, shape [3]int) {
	p.Set(x, int32(shape[0]))
	p.Set(y, int32(shape[1]))
	p.Set(c, int32(shape[2]))
}

func setConvolutional(p *Params, o ConvolutionalOptions) {
	p.Set("kernel_width", int32(o.KernelSize[0]))
	p.Set("kernel_height", int32(o.KernelSize[1]))
	p.Set("filters", int32(o.Filters))
	p.Set("padding", int32(o.Padding))
	p.Set("stride_x", int32(o.Stride[0]))
	p.Set("stride_y", int32(o.Stride[1]))
	p.Set("weights_bits", int32(o.WeightsBits))
	p.Set("pooling_width", int32(o.PoolSize[0]))
	p.Set("pooling_height", int32(o.PoolSize[1]))
	p.Set("pool_type", int32(o.PoolType))
	// akida's wrappers replace a negative pool stride by the pool size.
	stride := o.PoolStride
	for i := range stride {
		if stride[i] < 0 {
			stride[i] = o.PoolSize[i]
		}
	}
	p.Set("pooling_stride_x", int32(stride[0]))
	p.Set("pooling_stride_y", int32(stride[1]))
	p.Set("activation", boolParam(o.Activation))
	p.Set("act_bits", int32(o.ActBits))
}

// ---- Akida 2.0 ----

// Bits are the bit widths every Akida 2.0 neural layer stores.
type Bits struct {
	OutputBits       int
	BufferBits       int
	PostOpBufferBits int
}

func (b Bits) set(p *Params) {
	p.Set("output_bits", int32(b.OutputBits))
	p.Set("buffer_bits", int32(b.BufferBits))
	p.Set("post_op_buffer_bits", int32(b.PostOpBufferBits))
}

// Conv2DOptions are the arguments of akida.Conv2D, akida.InputConv2D
// (plus InputShape) and akida.DepthwiseConv2D (Filters unused). Akida 2.0
// kernels, strides and pools are square: one number each.
type Conv2DOptions struct {
	Filters      int
	KernelSize   int
	KernelStride int
	Padding      Padding
	PoolType     PoolType
	PoolSize     int // -1: none; AveragePooling with -1 is global
	PoolStride   int
	Activation   ActivationType
	WeightsBits  int
	Bits
}

// DefaultConv2D returns Conv2D's defaults: stride 1, Same padding, no
// pooling, ReLU, 8-bit weights and outputs, 28-bit buffer, 32-bit post-op
// buffer.
func DefaultConv2D() Conv2DOptions {
	return Conv2DOptions{
		KernelStride: 1, Padding: Same, PoolType: NoPooling, PoolSize: -1, PoolStride: -1,
		Activation: ReLU, WeightsBits: 8, Bits: Bits{OutputBits: 8, BufferBits: 28, PostOpBufferBits: 32},
	}
}

// NewConv2D returns a Conv2D layer.
func NewConv2D(name string, o Conv2DOptions) *Layer {
	l := &Layer{Name: name, Type: Conv2D}
	setConv2D(&l.Params, o)
	l.Params.Set("filters", int32(o.Filters))
	return l
}

// InputConv2DOptions are the arguments of akida.InputConv2D.
type InputConv2DOptions struct {
	InputShape [3]int // (x, y, channels)
	Conv2DOptions
}

// DefaultInputConv2D returns InputConv2D's defaults: those of Conv2D with
// a 32-bit buffer.
func DefaultInputConv2D() InputConv2DOptions {
	o := InputConv2DOptions{Conv2DOptions: DefaultConv2D()}
	o.BufferBits = 32
	return o
}

// NewInputConv2D returns an InputConv2D layer, the image input layer of
// Akida 2.0.
func NewInputConv2D(name string, o InputConv2DOptions) *Layer {
	l := &Layer{Name: name, Type: InputConv2D}
	setConv2D(&l.Params, o.Conv2DOptions)
	l.Params.Set("filters", int32(o.Filters))
	setShape3(&l.Params, "input_x", "input_y", "input_channels", o.InputShape)
	return l
}

// DefaultDepthwiseConv2D returns DepthwiseConv2D's defaults (those of
// Conv2D).
func DefaultDepthwiseConv2D() Conv2DOptions { return DefaultConv2D() }

// NewDepthwiseConv2D returns a DepthwiseConv2D layer; o.Filters is unused.
func NewDepthwiseConv2D(name string, o Conv2DOptions) *Layer {
	l := &Layer{Name: name, Type: DepthwiseConv2D}
	setConv2D(&l.Params, o)
	return l
}

func setConv2D(p *Params, o Conv2DOptions) {
	p.Set("kernel_size", int32(o.KernelSize))
	p.Set("kernel_stride", int32(o.KernelStride))
	p.Set("padding", int32(o.Padding))
	p.Set("pool_type", int32(o.PoolType))
	p.Set("pool_size", int32(o.PoolSize))
	p.Set("pool_stride", int32(o.PoolStride))
	p.Set("activation", int32(o.Activation))
	p.Set("weights_bits", int32(o.WeightsBits))
	o.Bits.set(p)
}

// TransposeOptions are the arguments of akida.Conv2DTranspose and
// akida.DepthwiseConv2DTranspose (Filters unused): stride 2, Same padding.
type TransposeOptions struct {
	Filters     int
	KernelSize  int
	Activation  ActivationType
	WeightsBits int
	Bits
}

// DefaultConv2DTranspose returns the transposed convolutions' defaults:
// ReLU, 8-bit weights and outputs, 28-bit buffer, 32-bit post-op buffer.
func DefaultConv2DTranspose() TransposeOptions {
	return TransposeOptions{Activation: ReLU, WeightsBits: 8, Bits: Bits{8, 28, 32}}
}

// NewConv2DTranspose returns a Conv2DTranspose layer.
func NewConv2DTranspose(name string, o TransposeOptions) *Layer {
	l := &Layer{Name: name, Type: Conv2DTranspose}
	setTranspose(&l.Params, o)
	l.Params.Set("filters", int32(o.Filters))
	return l
}

// DefaultDepthwiseConv2DTranspose returns DepthwiseConv2DTranspose's
// defaults (those of Conv2DTranspose).
func DefaultDepthwiseConv2DTranspose() TransposeOptions { return DefaultConv2DTranspose() }

// NewDepthwiseConv2DTranspose returns a DepthwiseConv2DTranspose layer;
// o.Filters is unused.
func NewDepthwiseConv2DTranspose(name string, o TransposeOptions) *Layer {
	l := &Layer{Name: name, Type: DepthwiseConv2DTranspose}
	setTranspose(&l.Params, o)
	return l
}

func setTranspose(p *Params, o TransposeOptions) {
	p.Set("kernel_size", int32(o.KernelSize))
	p.Set("activation", int32(o.Activation))
	p.Set("weights_bits", int32(o.WeightsBits))
	o.Bits.set(p)
}

// BufferTempConvOptions are the arguments of akida.BufferTempConv and
// akida.DepthwiseBufferTempConv (Filters unused).
type BufferTempConvOptions struct {
	Filters     int
	FIFOSize    int
	Activation  ActivationType
	WeightsBits int
	Bits
}

// DefaultBufferTempConv returns the temporal convolutions' defaults: ReLU,
// 8-bit weights and outputs, 32-bit buffers.
func DefaultBufferTempConv() BufferTempConvOptions {
	return BufferTempConvOptions{Activation: ReLU, WeightsBits: 8, Bits: Bits{8, 32, 32}}
}

// NewBufferTempConv returns a BufferTempConv layer.
func NewBufferTempConv(name string, o BufferTempConvOptions) *Layer {
	l := &Layer{Name: name, Type: BufferTempConv}
	setBufferTempConv(&l.Params, o)
	l.Params.Set("filters", int32(o.Filters))
	return l
}

// DefaultDepthwiseBufferTempConv returns DepthwiseBufferTempConv's defaults
// (those of BufferTempConv).
func DefaultDepthwiseBufferTempConv() BufferTempConvOptions { return DefaultBufferTempConv() }

// NewDepthwiseBufferTempConv returns a DepthwiseBufferTempConv layer;
// o.Filters is unused.
func NewDepthwiseBufferTempConv(name string, o BufferTempConvOptions) *Layer {
	l := &Layer{Name: name, Type: DepthwiseBufferTempConv}
	setBufferTempConv(&l.Params, o)
	return l
}

func setBufferTempConv(p *Params, o BufferTempConvOptions) {
	p.Set("fifo_size", int32(o.FIFOSize))
	p.Set("activation", int32(o.Activation))
	p.Set("weights_bits", int32(o.WeightsBits))
	o.Bits.set(p)
}

// Dense1DOptions are the arguments of akida.Dense1D.
type Dense1DOptions struct {
	Units       int
	Activation  ActivationType
	WeightsBits int
	Bits
}

// DefaultDense1D returns Dense1D's defaults: no activation, 8-bit weights
// and outputs, 28-bit buffer, 32-bit post-op buffer.
func DefaultDense1D() Dense1DOptions {
	return Dense1DOptions{Activation: NoActivation, WeightsBits: 8, Bits: Bits{8, 28, 32}}
}

// NewDense1D returns a Dense1D layer (output (1, 1, units)).
func NewDense1D(name string, o Dense1DOptions) *Layer {
	l := &Layer{Name: name, Type: Dense1D}
	l.Params.Set("units", int32(o.Units))
	l.Params.Set("activation", int32(o.Activation))
	l.Params.Set("weights_bits", int32(o.WeightsBits))
	o.Bits.set(&l.Params)
	return l
}

// DefaultAdd returns Add's defaults: 8-bit outputs, 32-bit buffers.
func DefaultAdd() Bits { return Bits{OutputBits: 8, BufferBits: 32, PostOpBufferBits: 32} }

// NewAdd returns an Add layer (its two inbounds are set by Model.Add).
func NewAdd(name string, b Bits) *Layer {
	l := &Layer{Name: name, Type: Add}
	b.set(&l.Params)
	return l
}

// NewConcatenate returns a Concatenate layer (no parameters).
func NewConcatenate(name string) *Layer {
	return &Layer{Name: name, Type: Concatenate}
}

// NewDequantizer returns a Dequantizer layer (no parameters).
func NewDequantizer(name string) *Layer {
	return &Layer{Name: name, Type: Dequantizer}
}

// StatefulRecurrentOptions are the arguments of akida.StatefulRecurrent
// (Akida Pico). Downshape and Upshape are in its wrapper's source, not in
// the signature the docs print (fbz-format.md §5.3).
type StatefulRecurrentOptions struct {
	StatefulChannels  int
	OutputChannels    int
	Subsample         int
	Downshape         int
	Upshape           int
	Activation        ActivationType
	InternalStateBits int
	Bits
}

// DefaultStatefulRecurrent returns StatefulRecurrent's defaults: subsample,
// downshape and upshape 1, ReLU, 8-bit outputs, 28-bit buffer, 32-bit
// post-op buffer, 16-bit internal state.
func DefaultStatefulRecurrent() StatefulRecurrentOptions {
	return StatefulRecurrentOptions{Subsample: 1, Downshape: 1, Upshape: 1, Activation: ReLU,
		InternalStateBits: 16, Bits: Bits{OutputBits: 8, BufferBits: 28, PostOpBufferBits: 32}}
}

// NewStatefulRecurrent returns a StatefulRecurrent layer. Its output shape
// is not derived by this package (Model.Shapes reports it).
func NewStatefulRecurrent(name string, o StatefulRecurrentOptions) *Layer {
	l := &Layer{Name: name, Type: StatefulRecurrent}
	l.Params.Set("stateful_channels", int32(o.StatefulChannels))
	l.Params.Set("output_channels", int32(o.OutputChannels))
	l.Params.Set("subsample", int32(o.Subsample))
	l.Params.Set("downshape", int32(o.Downshape))
	l.Params.Set("upshape", int32(o.Upshape))
	l.Params.Set("activation", int32(o.Activation))
	l.Params.Set("internal_state_bits", int32(o.InternalStateBits))
	o.Bits.set(&l.Params)
	return l
}

// QuantizerOptions are the arguments of akida.Quantizer (no defaults are
// documented except ChannelsFirst = false).
type QuantizerOptions struct {
	InputShape    [3]int // (x, y, channels)
	OutputBits    int
	OutputSigned  bool
	ChannelsFirst bool
}

// NewQuantizer returns a Quantizer layer, which turns float inputs into
// integers (round(input × scales) + zero_points).
func NewQuantizer(name string, o QuantizerOptions) *Layer {
	l := &Layer{Name: name, Type: Quantizer}
	setShape3(&l.Params, "input_width", "input_height", "input_channels", o.InputShape)
	l.Params.Set("output_bits", int32(o.OutputBits))
	l.Params.Set("output_signed", boolParam(o.OutputSigned))
	l.Params.Set("channels_first", boolParam(o.ChannelsFirst))
	return l
}
