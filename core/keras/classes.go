package keras

// What a layer's typed config can tell about itself, so that other
// packages ask a layer instead of switching on every config type.
//
// Quantized classes extend a Keras built-in one in Python (cnn2snn's and
// quantizeml's QuantizedConv2D are Conv2D subclasses); in Go their config
// types embed the built-in config type, and so inherit its methods. A
// question about the Keras side of a layer (its data format, padding,
// dilation, output shape, float weights) is answered by the embedded
// config; a question about quantization by the interfaces below. A new
// quantized class therefore costs one type (embedding its Keras base) and
// a decoder line.

// kerasClass is implemented by the config of every Keras built-in class,
// and through embedding by the classes that extend one.
type kerasClass interface {
	// base returns the built-in config: the receiver itself, which for a
	// quantized type is its embedded Keras config.
	base() any
}

// Base returns the config of the Keras built-in class the layer's class is
// or extends — what Python's isinstance sees: a *Conv2D for a Keras Conv2D,
// cnn2snn's QuantizedConv2D and quantizeml's QuantizedConv2D alike. It is
// nil for classes that extend no built-in this package types (quantizeml's
// QuantizedReLU, QuantizedAdd, InputQuantizer, Dequantizer; cnn2snn's
// activations) and for unknown classes.
func (l *Layer) Base() any {
	if k, ok := l.Config.(kerasClass); ok {
		return k.base()
	}
	return nil
}

// QuantizeMLConfig is implemented by the config of every quantizeml class.
// QuantizeML returns the layer's quant_config, or nil for the classes that
// have none (QuantizedFlatten, QuantizedReshape, QuantizedDropout,
// InputQuantizer, Dequantizer).
type QuantizeMLConfig interface {
	QuantizeML() *QuantConfig
}

// QuantizeML returns the layer's quantizeml config and true for a
// quantizeml class; nil and false otherwise.
func (l *Layer) QuantizeML() (*QuantConfig, bool) {
	q, ok := l.Config.(QuantizeMLConfig)
	if !ok {
		return nil, false
	}
	return q.QuantizeML(), true
}

// QuantizeML returns the quant_config itself; every quantizeml type that
// embeds a QuantConfig inherits it.
func (q *QuantConfig) QuantizeML() *QuantConfig { return q }

// OutputQuantizer returns the layer's quantizeml output quantizer, or nil
// (no quant_config, no output_quantizer, or not a quantizeml layer).
func (l *Layer) OutputQuantizer() *QMLQuantizer {
	if q, ok := l.QuantizeML(); ok && q != nil {
		return q.OutputQuantizer
	}
	return nil
}

// CNN2SNNNeural is implemented by cnn2snn's legacy quantized neural
// layers: their weight quantizers. Depthwise is the separable layer's
// depthwise quantizer, and the only quantizer of the others.
type CNN2SNNNeural interface {
	WeightQuantizers() (pointwise, depthwise WeightQuantizer)
}

// WeightQuantizers of a QuantizedConv2D: its one quantizer twice.
func (c *QuantizedConv2D) WeightQuantizers() (WeightQuantizer, WeightQuantizer) {
	return c.Quantizer, c.Quantizer
}

// WeightQuantizers of a QuantizedSeparableConv2D: quantizer, quantizer_dw.
func (c *QuantizedSeparableConv2D) WeightQuantizers() (WeightQuantizer, WeightQuantizer) {
	return c.Quantizer, c.QuantizerDW
}

// WeightQuantizers of a QuantizedDense: its one quantizer twice.
func (c *QuantizedDense) WeightQuantizers() (WeightQuantizer, WeightQuantizer) {
	return c.Quantizer, c.Quantizer
}

// The Keras-side questions. Each is an unexported method of the built-in
// configs that have the property, promoted to the types that embed them.

type dataFormatted interface{ dataFormat() string }
type dilated interface{ dilation() []int }
type padded interface{ padding() string }
type kerneled interface{ kernel() (size, strides [2]int) }

// DataFormat returns the layer's data_format and true, for the classes
// that have one.
func (l *Layer) DataFormat() (string, bool) {
	if d, ok := l.Config.(dataFormatted); ok {
		return d.dataFormat(), true
	}
	return "", false
}

// DilationRate returns the layer's dilation_rate and true, for the
// convolutions that have one.
func (l *Layer) DilationRate() ([]int, bool) {
	if d, ok := l.Config.(dilated); ok {
		return d.dilation(), true
	}
	return nil, false
}

// Padding returns the "padding" of a convolution or pooling config ("valid"
// or "same"), or "" for other classes.
func (l *Layer) Padding() string {
	if p, ok := l.Config.(padded); ok {
		return p.padding()
	}
	return ""
}

// Kernel returns the kernel (or pool) size and strides of a convolution or
// pooling config, and false for other classes.
func (l *Layer) Kernel() (size, strides [2]int, ok bool) {
	if k, ok := l.Config.(kerneled); ok {
		size, strides = k.kernel()
		return size, strides, true
	}
	return size, strides, false
}

func (c *InputLayer) base() any             { return c }
func (c *Conv2D) base() any                 { return c }
func (c *Conv2DTranspose) base() any        { return c }
func (c *DepthwiseConv2D) base() any        { return c }
func (c *SeparableConv2D) base() any        { return c }
func (c *Dense) base() any                  { return c }
func (c *BatchNormalization) base() any     { return c }
func (c *ReLU) base() any                   { return c }
func (c *Activation) base() any             { return c }
func (c *Softmax) base() any                { return c }
func (c *MaxPooling2D) base() any           { return c }
func (c *AveragePooling2D) base() any       { return c }
func (c *GlobalAveragePooling2D) base() any { return c }
func (c *Flatten) base() any                { return c }
func (c *Reshape) base() any                { return c }
func (c *Rescaling) base() any              { return c }
func (c *Dropout) base() any                { return c }
func (c *Add) base() any                    { return c }
func (c *Concatenate) base() any            { return c }
func (c *ZeroPadding2D) base() any          { return c }

func (c *Conv2D) dataFormat() string                 { return c.DataFormat }
func (c *Conv2DTranspose) dataFormat() string        { return c.DataFormat }
func (c *DepthwiseConv2D) dataFormat() string        { return c.DataFormat }
func (c *SeparableConv2D) dataFormat() string        { return c.DataFormat }
func (c *MaxPooling2D) dataFormat() string           { return c.DataFormat }
func (c *AveragePooling2D) dataFormat() string       { return c.DataFormat }
func (c *GlobalAveragePooling2D) dataFormat() string { return c.DataFormat }
func (c *Flatten) dataFormat() string                { return c.DataFormat }
func (c *ZeroPadding2D) dataFormat() string          { return c.DataFormat }

func (c *Conv2D) dilation() []int          { return c.DilationRate }
func (c *Conv2DTranspose) dilation() []int { return c.DilationRate }
func (c *DepthwiseConv2D) dilation() []int { return c.DilationRate }
func (c *SeparableConv2D) dilation() []int { return c.DilationRate }

func (c *Conv2D) padding() string           { return c.Padding }
func (c *Conv2DTranspose) padding() string  { return c.Padding }
func (c *DepthwiseConv2D) padding() string  { return c.Padding }
func (c *SeparableConv2D) padding() string  { return c.Padding }
func (c *MaxPooling2D) padding() string     { return c.Padding }
func (c *AveragePooling2D) padding() string { return c.Padding }

func (c *Conv2D) kernel() ([2]int, [2]int)           { return c.KernelSize, c.Strides }
func (c *Conv2DTranspose) kernel() ([2]int, [2]int)  { return c.KernelSize, c.Strides }
func (c *DepthwiseConv2D) kernel() ([2]int, [2]int)  { return c.KernelSize, c.Strides }
func (c *SeparableConv2D) kernel() ([2]int, [2]int)  { return c.KernelSize, c.Strides }
func (c *MaxPooling2D) kernel() ([2]int, [2]int)     { return c.PoolSize, c.Strides }
func (c *AveragePooling2D) kernel() ([2]int, [2]int) { return c.PoolSize, c.Strides }

// isQuantizeML reports whether a config is a quantizeml class's.
func isQuantizeML(c any) bool {
	_, ok := c.(QuantizeMLConfig)
	return ok
}

// biased is implemented by the configs with a use_bias argument.
type biased interface{ useBiasField() *bool }

func (c *Conv2D) useBiasField() *bool          { return &c.UseBias }
func (c *Conv2DTranspose) useBiasField() *bool { return &c.UseBias }
func (c *DepthwiseConv2D) useBiasField() *bool { return &c.UseBias }
func (c *SeparableConv2D) useBiasField() *bool { return &c.UseBias }
func (c *Dense) useBiasField() *bool           { return &c.UseBias }

// UseBias returns the layer's use_bias (false for classes without one).
func (l *Layer) UseBias() bool {
	if b, ok := l.Config.(biased); ok {
		return *b.useBiasField()
	}
	return false
}

// SetUseBias sets use_bias in the layer's typed config (BatchNormalization
// folding gives a layer a bias); it does nothing for classes without one.
func (l *Layer) SetUseBias(v bool) {
	if b, ok := l.Config.(biased); ok {
		*b.useBiasField() = v
	}
}
