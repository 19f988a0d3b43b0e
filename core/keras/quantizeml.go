package keras

// Typed configs of BrainChip quantizeml layers (conversion.md §8.1,
// conversion-v2.md §1.6, §3). Their bare class names collide with
// cnn2snn's (QuantizedConv2D …), so the Go types carry a QML prefix. Each
// embeds the config of the Keras layer it extends (and so inherits its
// shape, padding, data format …, classes.go) and its quant_config (and so
// implements QuantizeMLConfig).

// QuantConfig is a quantizeml layer's "quant_config". A quantizer is nil
// when the config does not have it (the layer then does not quantize that
// tensor, e.g. a QuantizedConv2D with no output_quantizer).
type QuantConfig struct {
	WeightQuantizer   *QMLQuantizer // conv/dense weights
	DWWeightQuantizer *QMLQuantizer // QuantizedSeparableConv2D depthwise weights
	PWWeightQuantizer *QMLQuantizer // QuantizedSeparableConv2D pointwise weights
	BiasQuantizer     *QMLQuantizer
	OutputQuantizer   *QMLQuantizer
	MaxValueQuantizer *QMLQuantizer // QuantizedReLU with a max_value
	BufferBitwidth    int           // default 32; quantizeml clamps it to 28 for conv/dense
	LUTBitwidth       int           // QuantizedActivation: lut_bitwidth, default 14
}

// QMLQuantizer is one quantizer entry of a quant_config, with quantizeml's
// defaults for the keys the file leaves out.
type QMLQuantizer struct {
	Bitwidth int
	Signed   bool
	// PerAxis is true for a per-axis quantizer; Axis is then the axis
	// (weight quantizers: an int, default -1; output quantizers:
	// "per-axis" means the last axis, -1). A per-tensor quantizer (axis
	// None or "per-tensor") has PerAxis false.
	PerAxis        bool
	Axis           int
	ScaleBits      int  // output quantizers: default 8
	BufferBitwidth int  // output quantizers: default 32
	FPQuantizer    bool // weight quantizers: FixedPoint instead of QFloat
}

// QMLConv2D is quantizeml's QuantizedConv2D.
type QMLConv2D struct {
	Conv2D
	QuantConfig
	PaddingValue []float64 // optional top-level padding_value list
}

// QMLConv2DTranspose is quantizeml's QuantizedConv2DTranspose ('same'
// padding and stride 2 only on Akida 2.0).
type QMLConv2DTranspose struct {
	Conv2DTranspose
	QuantConfig
}

// QMLDepthwiseConv2DTranspose is quantizeml's
// QuantizedDepthwiseConv2DTranspose. Its float base, quantizeml's
// DepthwiseConv2DTranspose, extends Keras' DepthwiseConv2D (same config
// and depthwise_kernel (kh, kw, C, 1)) but transposes: stride 2, 'same'.
// quantizeml forces its weight quantizer per tensor.
type QMLDepthwiseConv2DTranspose struct {
	DepthwiseConv2D
	QuantConfig
}

// outputShape is a transposed convolution's, not the embedded
// DepthwiseConv2D's.
func (c *QMLDepthwiseConv2DTranspose) outputShape(ins []Shape) Shape {
	_, _, ch, ok := spatialAxes(ins[0], c.DataFormat)
	if !ok {
		return nil
	}
	return transposeShape(ins[0], ins[0][ch], c.KernelSize, c.Strides, nil, c.Padding, c.DataFormat, c.DilationRate)
}

// base is nil: quantizeml's float DepthwiseConv2DTranspose is not a Keras
// built-in, and computes otherwise than the DepthwiseConv2D it extends.
func (c *QMLDepthwiseConv2DTranspose) base() any { return nil }

// QMLActivation is quantizeml's QuantizedActivation: a look-up table
// activation (gelu, swish, hard_silu, leaky_relu) on an 11-bit input.
type QMLActivation struct {
	Activation string
	Alpha      float64 // leaky_relu's negative slope, default 0.2
	QuantConfig
}

func (c *QMLActivation) outputShape(ins []Shape) Shape { return clone(ins[0]) }

// QMLDepthwiseConv2D is quantizeml's QuantizedDepthwiseConv2D. Its weight
// quantizer is per-axis on axis -2, which quantizeml forces.
type QMLDepthwiseConv2D struct {
	DepthwiseConv2D
	QuantConfig
}

// QMLSeparableConv2D is quantizeml's QuantizedSeparableConv2D. Its
// depthwise weight quantizer is per-tensor, which quantizeml forces.
type QMLSeparableConv2D struct {
	SeparableConv2D
	QuantConfig
}

// QMLDense is quantizeml's QuantizedDense.
type QMLDense struct {
	Dense
	QuantConfig
}

// QMLReLU is quantizeml's QuantizedReLU.
type QMLReLU struct {
	MaxValue *float64 // default 6; nil = None (unbounded)
	QuantConfig
}

// QMLMaxPool2D is quantizeml's QuantizedMaxPool2D.
type QMLMaxPool2D struct {
	MaxPooling2D
	QuantConfig
}

// QMLGlobalAveragePooling2D is quantizeml's QuantizedGlobalAveragePooling2D.
type QMLGlobalAveragePooling2D struct {
	GlobalAveragePooling2D
	QuantConfig
}

// QMLAdd is quantizeml's QuantizedAdd.
type QMLAdd struct {
	Average bool // the sum is halved
	QuantConfig
}

// QMLConcatenate is quantizeml's QuantizedConcatenate.
type QMLConcatenate struct {
	Concatenate
	QuantConfig
}

// QMLFlatten is quantizeml's QuantizedFlatten.
type QMLFlatten struct{ Flatten }

// QMLReshape is quantizeml's QuantizedReshape.
type QMLReshape struct{ Reshape }

// QMLDropout is quantizeml's QuantizedDropout (identity at inference).
type QMLDropout struct{ Dropout }

// QMLRescaling is quantizeml's QuantizedRescaling (scalar scale, zero
// offset).
type QMLRescaling struct {
	Rescaling
	QuantConfig
}

// QMLInputQuantizer is quantizeml's InputQuantizer layer.
type QMLInputQuantizer struct {
	Bitwidth int    // default 8
	Signed   bool   // default true
	PerAxis  bool   // axis "per-axis" (default "per-tensor")
	Axis     string // as saved: "per-tensor" or "per-axis"
}

// QMLDequantizer is quantizeml's Dequantizer layer (QTensor → float).
type QMLDequantizer struct{}

// The quantizeml classes without a quant_config still are quantizeml's.
func (*QMLFlatten) QuantizeML() *QuantConfig        { return nil }
func (*QMLReshape) QuantizeML() *QuantConfig        { return nil }
func (*QMLDropout) QuantizeML() *QuantConfig        { return nil }
func (*QMLInputQuantizer) QuantizeML() *QuantConfig { return nil }
func (*QMLDequantizer) QuantizeML() *QuantConfig    { return nil }

// decodeQuantizeMLConfig decodes a quantizeml class, or returns nil for a
// class this package does not know.
func decodeQuantizeMLConfig(class string, r *configReader) any {
	switch class {
	case "QuantizedConv2D":
		return &QMLConv2D{Conv2D: decodeConv2D(r), QuantConfig: decodeQuantConfig(r, class), PaddingValue: r.floats("padding_value", nil)}
	case "QuantizedDepthwiseConv2D":
		return &QMLDepthwiseConv2D{DepthwiseConv2D: decodeDepthwiseConv2D(r), QuantConfig: decodeQuantConfig(r, class)}
	case "QuantizedConv2DTranspose":
		return &QMLConv2DTranspose{Conv2DTranspose: decodeConv2DTranspose(r), QuantConfig: decodeQuantConfig(r, class)}
	case "QuantizedDepthwiseConv2DTranspose":
		return &QMLDepthwiseConv2DTranspose{DepthwiseConv2D: decodeDepthwiseConv2D(r), QuantConfig: decodeQuantConfig(r, class)}
	case "QuantizedActivation":
		return &QMLActivation{Activation: r.string("activation", ""), Alpha: r.float("alpha", 0.2), QuantConfig: decodeQuantConfig(r, class)}
	case "QuantizedSeparableConv2D":
		return &QMLSeparableConv2D{SeparableConv2D: decodeSeparableConv2D(r), QuantConfig: decodeQuantConfig(r, class)}
	case "QuantizedDense":
		return &QMLDense{Dense: decodeDense(r), QuantConfig: decodeQuantConfig(r, class)}
	case "QuantizedReLU":
		c := &QMLReLU{QuantConfig: decodeQuantConfig(r, class)}
		if _, present := r.m["max_value"]; !present {
			six := 6.0
			c.MaxValue = &six
		} else {
			c.MaxValue = r.floatPtr("max_value")
		}
		return c
	case "QuantizedMaxPool2D":
		p := decodePool(r)
		return &QMLMaxPool2D{MaxPooling2D: MaxPooling2D(p), QuantConfig: decodeQuantConfig(r, class)}
	case "QuantizedGlobalAveragePooling2D":
		return &QMLGlobalAveragePooling2D{GlobalAveragePooling2D: decodeGAP(r), QuantConfig: decodeQuantConfig(r, class)}
	case "QuantizedAdd":
		return &QMLAdd{Average: r.bool("average", false), QuantConfig: decodeQuantConfig(r, class)}
	case "QuantizedConcatenate":
		return &QMLConcatenate{Concatenate: Concatenate{Axis: r.int("axis", -1)}, QuantConfig: decodeQuantConfig(r, class)}
	case "QuantizedFlatten":
		return &QMLFlatten{Flatten{DataFormat: r.string("data_format", "channels_last")}}
	case "QuantizedReshape":
		return &QMLReshape{Reshape{TargetShape: r.ints("target_shape", nil)}}
	case "QuantizedDropout":
		return &QMLDropout{Dropout{Rate: r.float("rate", 0)}}
	case "QuantizedRescaling":
		return &QMLRescaling{Rescaling: decodeRescaling(r), QuantConfig: decodeQuantConfig(r, class)}
	case "InputQuantizer":
		axis := r.string("axis", "per-tensor")
		return &QMLInputQuantizer{Bitwidth: r.int("bitwidth", 8), Signed: r.bool("signed", true), PerAxis: axis == "per-axis", Axis: axis}
	case "Dequantizer":
		return &QMLDequantizer{}
	}
	return nil
}

// decodeQuantConfig reads quant_config with quantizeml's defaults
// (WeightQuantizer(bitwidth=4, signed=True, axis=-1),
// AlignedWeightQuantizer(bitwidth=8, signed=True), OutputQuantizer(
// bitwidth=8, signed=True, axis="per-tensor", scale_bits=8,
// buffer_bitwidth=32), max_value_quantizer bitwidth 8 unsigned).
func decodeQuantConfig(r *configReader, class string) QuantConfig {
	qc := QuantConfig{BufferBitwidth: 32}
	if class == "QuantizedActivation" {
		qc.LUTBitwidth = 14
	}
	q := r.object("quant_config")
	if q == nil {
		return qc
	}
	qc.BufferBitwidth = q.int("buffer_bitwidth", 32)
	if class == "QuantizedActivation" {
		qc.LUTBitwidth = q.int("lut_bitwidth", 14)
	}
	qc.WeightQuantizer = decodeQMLWeightQuantizer(q, "weight_quantizer")
	qc.DWWeightQuantizer = decodeQMLWeightQuantizer(q, "dw_weight_quantizer")
	qc.PWWeightQuantizer = decodeQMLWeightQuantizer(q, "pw_weight_quantizer")
	if b := q.object("bias_quantizer"); b != nil {
		qc.BiasQuantizer = &QMLQuantizer{Bitwidth: b.int("bitwidth", 8), Signed: b.bool("signed", true)}
		q.adopt(b)
	}
	if o := q.object("output_quantizer"); o != nil {
		axis := o.string("axis", "per-tensor")
		if axis != "per-tensor" && axis != "per-axis" {
			o.errorf("quant_config output_quantizer axis is %q, expected \"per-tensor\" or \"per-axis\"", axis)
		}
		qc.OutputQuantizer = &QMLQuantizer{
			Bitwidth: o.int("bitwidth", 8), Signed: o.bool("signed", true),
			PerAxis: axis == "per-axis", Axis: -1,
			ScaleBits: o.int("scale_bits", 8), BufferBitwidth: o.int("buffer_bitwidth", 32),
		}
		q.adopt(o)
	}
	if m := q.object("max_value_quantizer"); m != nil {
		qc.MaxValueQuantizer = &QMLQuantizer{Bitwidth: m.int("bitwidth", 8), Signed: m.bool("signed", false)}
		q.adopt(m)
	}
	switch class { // quantizeml overrides the saved axis of these two
	case "QuantizedDepthwiseConv2D":
		if qc.WeightQuantizer != nil {
			qc.WeightQuantizer.PerAxis, qc.WeightQuantizer.Axis = true, -2
		}
	case "QuantizedDepthwiseConv2DTranspose":
		if qc.WeightQuantizer != nil {
			qc.WeightQuantizer.PerAxis, qc.WeightQuantizer.Axis = false, 0
		}
	case "QuantizedSeparableConv2D":
		if qc.DWWeightQuantizer != nil {
			qc.DWWeightQuantizer.PerAxis, qc.DWWeightQuantizer.Axis = false, 0
		}
	}
	r.adopt(q)
	return qc
}

func decodeQMLWeightQuantizer(q *configReader, key string) *QMLQuantizer {
	w := q.object(key)
	if w == nil {
		return nil
	}
	wq := &QMLQuantizer{Bitwidth: w.int("bitwidth", 4), Signed: w.bool("signed", true), FPQuantizer: w.bool("fp_quantizer", false)}
	if _, present := w.m["axis"]; !present {
		wq.PerAxis, wq.Axis = true, -1
	} else if w.has("axis") {
		wq.PerAxis, wq.Axis = true, w.int("axis", -1)
	}
	q.adopt(w)
	return wq
}
