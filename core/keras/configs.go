package keras

import "encoding/json"

// Typed configs of the Keras built-in layers and of cnn2snn's legacy
// quantized layers (conversion.md §6). Every field has the meaning of the
// Keras constructor argument of the same name; an absent or null key takes
// the Keras default. Tuples keep their Keras form ([2]int), except
// DilationRate, which stays a slice so that a 1-D (1,) is visible
// (cnn2snn rejects any dilation other than (1, 1), conversion.md §3).

// InputLayer is the model input.
type InputLayer struct {
	// BatchShape includes the batch dimension: [-1, 224, 224, 3]. -1 is
	// None. Keras 2 calls it batch_input_shape, Keras 3 batch_shape. Nil
	// when the file gives no shape.
	BatchShape []int
	Dtype      string // "float32", "uint8" …
	Sparse     bool
}

// Conv2D is keras.layers.Conv2D.
type Conv2D struct {
	Filters      int
	KernelSize   [2]int
	Strides      [2]int
	Padding      string // "valid" or "same"
	DataFormat   string // "channels_last" or "channels_first"
	DilationRate []int
	Groups       int
	Activation   string // "linear", "relu" …
	UseBias      bool
}

// Conv2DTranspose is keras.layers.Conv2DTranspose. Its kernel is
// (kh, kw, filters, input channels). OutputPadding is nil for None.
type Conv2DTranspose struct {
	Filters       int
	KernelSize    [2]int
	Strides       [2]int
	Padding       string
	OutputPadding []int
	DataFormat    string
	DilationRate  []int
	Activation    string
	UseBias       bool
}

// DepthwiseConv2D is keras.layers.DepthwiseConv2D.
type DepthwiseConv2D struct {
	KernelSize      [2]int
	Strides         [2]int
	Padding         string
	DataFormat      string
	DilationRate    []int
	DepthMultiplier int
	Activation      string
	UseBias         bool
}

// SeparableConv2D is keras.layers.SeparableConv2D.
type SeparableConv2D struct {
	Filters         int
	KernelSize      [2]int
	Strides         [2]int
	Padding         string
	DataFormat      string
	DilationRate    []int
	DepthMultiplier int
	Activation      string
	UseBias         bool
}

// Dense is keras.layers.Dense.
type Dense struct {
	Units      int
	Activation string
	UseBias    bool
}

// BatchNormalization is keras.layers.BatchNormalization.
type BatchNormalization struct {
	Axis     []int // Keras 2 saves a list ([3]); an int is read as one axis
	Momentum float64
	Epsilon  float64
	Center   bool // beta is present
	Scale    bool // gamma is present
}

// ReLU is keras.layers.ReLU.
type ReLU struct {
	MaxValue      *float64 // nil = unbounded
	NegativeSlope float64
	Threshold     float64
}

// Activation is keras.layers.Activation.
type Activation struct {
	Activation string // "relu", "softmax", "linear" …
}

// Softmax is keras.layers.Softmax.
type Softmax struct {
	Axis []int
}

// MaxPooling2D is keras.layers.MaxPooling2D.
type MaxPooling2D struct {
	PoolSize   [2]int
	Strides    [2]int // defaults to PoolSize
	Padding    string
	DataFormat string
}

// AveragePooling2D is keras.layers.AveragePooling2D.
type AveragePooling2D struct {
	PoolSize   [2]int
	Strides    [2]int // defaults to PoolSize
	Padding    string
	DataFormat string
}

// GlobalAveragePooling2D is keras.layers.GlobalAveragePooling2D.
type GlobalAveragePooling2D struct {
	DataFormat string
	KeepDims   bool
}

// Flatten is keras.layers.Flatten.
type Flatten struct {
	DataFormat string
}

// Reshape is keras.layers.Reshape.
type Reshape struct {
	TargetShape []int // without the batch dimension; one entry may be -1
}

// Rescaling is keras.layers.Rescaling: y = x*Scale + Offset. A scalar is
// a one-element slice; per-channel lists are kept as they are.
type Rescaling struct {
	Scale  []float64
	Offset []float64
}

// Dropout is keras.layers.Dropout (identity at inference).
type Dropout struct {
	Rate float64
}

// Add is keras.layers.Add.
type Add struct{}

// Concatenate is keras.layers.Concatenate.
type Concatenate struct {
	Axis int // -1 by default
}

// ZeroPadding2D is keras.layers.ZeroPadding2D.
type ZeroPadding2D struct {
	Padding    [2][2]int // ((top, bottom), (left, right))
	DataFormat string
}

// WeightQuantizer is a cnn2snn legacy weight quantizer sub-object
// (conversion.md §6.1): MaxQuantizer, MaxPerAxisQuantizer,
// StdWeightQuantizer or StdPerAxisQuantizer.
type WeightQuantizer struct {
	ClassName string
	Bitwidth  int     // default 4
	Threshold float64 // Std* only; default 3
}

// QuantizedConv2D is cnn2snn's legacy QuantizedConv2D: a Conv2D with a
// weight quantizer. cnn2snn drops data_format, activation and groups from
// the config, so they take their defaults.
type QuantizedConv2D struct {
	Conv2D
	Quantizer WeightQuantizer
}

// QuantizedSeparableConv2D is cnn2snn's legacy QuantizedSeparableConv2D.
// QuantizerDW is a copy of Quantizer when the file has none (old models).
type QuantizedSeparableConv2D struct {
	SeparableConv2D
	Quantizer   WeightQuantizer
	QuantizerDW WeightQuantizer
}

// QuantizedDense is cnn2snn's legacy QuantizedDense.
type QuantizedDense struct {
	Dense
	Quantizer WeightQuantizer
}

// ActivationDiscreteRelu is cnn2snn's legacy quantized ReLU with a step
// of min(2^bitwidth-1, 6)/(2^bitwidth-1).
type ActivationDiscreteRelu struct {
	Bitwidth int // default 1
}

// QuantizedReLU is cnn2snn's legacy QuantizedReLU. MaxValue is filled
// with the cnn2snn default 2^bitwidth-1 when the file has None.
type QuantizedReLU struct {
	Bitwidth int // default 1
	MaxValue float64
}

// decodeKerasConfig decodes the config of a Keras built-in class, or
// returns nil for a class this package does not know.
func decodeKerasConfig(class string, r *configReader) any {
	switch class {
	case "InputLayer":
		return decodeInputLayer(r)
	case "Conv2D":
		c := decodeConv2D(r)
		return &c
	case "Conv2DTranspose":
		c := decodeConv2DTranspose(r)
		return &c
	case "DepthwiseConv2D":
		c := decodeDepthwiseConv2D(r)
		return &c
	case "SeparableConv2D":
		c := decodeSeparableConv2D(r)
		return &c
	case "Dense":
		c := decodeDense(r)
		return &c
	case "BatchNormalization":
		return &BatchNormalization{
			Axis:     r.ints("axis", []int{-1}),
			Momentum: r.float("momentum", 0.99),
			Epsilon:  r.float("epsilon", 0.001),
			Center:   r.bool("center", true),
			Scale:    r.bool("scale", true),
		}
	case "ReLU":
		return &ReLU{
			MaxValue:      r.floatPtr("max_value"),
			NegativeSlope: r.float("negative_slope", 0),
			Threshold:     r.float("threshold", 0),
		}
	case "Activation":
		return &Activation{Activation: r.activation("activation", "linear")}
	case "Softmax":
		return &Softmax{Axis: r.ints("axis", []int{-1})}
	case "MaxPooling2D":
		p := decodePool(r)
		return (*MaxPooling2D)(&p)
	case "AveragePooling2D":
		p := decodePool(r)
		return (*AveragePooling2D)(&p)
	case "GlobalAveragePooling2D":
		c := decodeGAP(r)
		return &c
	case "Flatten":
		c := Flatten{DataFormat: r.string("data_format", "channels_last")}
		return &c
	case "Reshape":
		c := Reshape{TargetShape: r.ints("target_shape", nil)}
		return &c
	case "Rescaling":
		c := decodeRescaling(r)
		return &c
	case "Dropout":
		c := Dropout{Rate: r.float("rate", 0)}
		return &c
	case "Add":
		return &Add{}
	case "Concatenate":
		c := Concatenate{Axis: r.int("axis", -1)}
		return &c
	case "ZeroPadding2D":
		return decodeZeroPadding2D(r)
	}
	return nil
}

// decodeCNN2SNNConfig decodes cnn2snn's legacy quantized classes, or
// returns nil for other classes.
func decodeCNN2SNNConfig(class string, r *configReader) any {
	switch class {
	case "QuantizedConv2D":
		return &QuantizedConv2D{Conv2D: decodeConv2D(r), Quantizer: decodeWeightQuantizer(r, "quantizer", nil)}
	case "QuantizedSeparableConv2D":
		q := decodeWeightQuantizer(r, "quantizer", nil)
		return &QuantizedSeparableConv2D{
			SeparableConv2D: decodeSeparableConv2D(r),
			Quantizer:       q,
			QuantizerDW:     decodeWeightQuantizer(r, "quantizer_dw", &q),
		}
	case "QuantizedDense":
		return &QuantizedDense{Dense: decodeDense(r), Quantizer: decodeWeightQuantizer(r, "quantizer", nil)}
	case "ActivationDiscreteRelu":
		return &ActivationDiscreteRelu{Bitwidth: r.int("bitwidth", 1)}
	case "QuantizedReLU":
		bits := r.int("bitwidth", 1)
		maxValue := float64(int(1)<<min(max(bits, 0), 30) - 1)
		if p := r.floatPtr("max_value"); p != nil {
			maxValue = *p
		}
		return &QuantizedReLU{Bitwidth: bits, MaxValue: maxValue}
	}
	return nil
}

// isCNN2SNNClass reports the class names cnn2snn registers in
// cnn2snn_objects (conversion.md §6.3), apart from the quantizers, which
// only appear as sub-objects.
func isCNN2SNNClass(class string) bool {
	switch class {
	case "QuantizedConv2D", "QuantizedSeparableConv2D", "QuantizedDense", "ActivationDiscreteRelu", "QuantizedReLU":
		return true
	}
	return false
}

func decodeInputLayer(r *configReader) *InputLayer {
	c := &InputLayer{Dtype: r.dtype("dtype", "float32"), Sparse: r.bool("sparse", false)}
	switch {
	case r.has("batch_shape"): // Keras 3
		c.BatchShape = r.ints("batch_shape", nil)
	case r.has("batch_input_shape"): // Keras 2, TF.js
		c.BatchShape = r.ints("batch_input_shape", nil)
	case r.has("input_shape"): // some Keras 2 and TF.js writers: no batch dim
		c.BatchShape = append([]int{-1}, r.ints("input_shape", nil)...)
	}
	return c
}

func decodeConv2D(r *configReader) Conv2D {
	c := Conv2D{
		Filters:      r.int("filters", 0),
		KernelSize:   r.pair("kernel_size", [2]int{0, 0}),
		Strides:      r.pair("strides", [2]int{1, 1}),
		Padding:      r.string("padding", "valid"),
		DataFormat:   r.string("data_format", "channels_last"),
		DilationRate: r.ints("dilation_rate", []int{1, 1}),
		Groups:       r.int("groups", 1),
		Activation:   r.activation("activation", "linear"),
		UseBias:      r.bool("use_bias", true),
	}
	checkConv(r, c.KernelSize, c.Strides, c.Padding, c.DilationRate)
	if c.Filters <= 0 {
		r.errorf("filters is %d, expected a positive number", c.Filters)
	}
	if c.Groups <= 0 {
		r.errorf("groups is %d, expected a positive number", c.Groups)
	}
	return c
}

func decodeConv2DTranspose(r *configReader) Conv2DTranspose {
	c := Conv2DTranspose{
		Filters:       r.int("filters", 0),
		KernelSize:    r.pair("kernel_size", [2]int{0, 0}),
		Strides:       r.pair("strides", [2]int{1, 1}),
		Padding:       r.string("padding", "valid"),
		OutputPadding: r.ints("output_padding", nil),
		DataFormat:    r.string("data_format", "channels_last"),
		DilationRate:  r.ints("dilation_rate", []int{1, 1}),
		Activation:    r.activation("activation", "linear"),
		UseBias:       r.bool("use_bias", true),
	}
	checkConv(r, c.KernelSize, c.Strides, c.Padding, c.DilationRate)
	if c.Filters <= 0 {
		r.errorf("filters is %d, expected a positive number", c.Filters)
	}
	if p := c.OutputPadding; p != nil && (len(p) != 2 || p[0] < 0 || p[1] < 0) {
		r.errorf("output_padding is %v, expected None or two non-negative sizes", p)
	}
	return c
}

func decodeDepthwiseConv2D(r *configReader) DepthwiseConv2D {
	c := DepthwiseConv2D{
		KernelSize:      r.pair("kernel_size", [2]int{0, 0}),
		Strides:         r.pair("strides", [2]int{1, 1}),
		Padding:         r.string("padding", "valid"),
		DataFormat:      r.string("data_format", "channels_last"),
		DilationRate:    r.ints("dilation_rate", []int{1, 1}),
		DepthMultiplier: r.int("depth_multiplier", 1),
		Activation:      r.activation("activation", "linear"),
		UseBias:         r.bool("use_bias", true),
	}
	checkConv(r, c.KernelSize, c.Strides, c.Padding, c.DilationRate)
	if c.DepthMultiplier <= 0 {
		r.errorf("depth_multiplier is %d, expected a positive number", c.DepthMultiplier)
	}
	return c
}

func decodeSeparableConv2D(r *configReader) SeparableConv2D {
	c := SeparableConv2D{
		Filters:         r.int("filters", 0),
		KernelSize:      r.pair("kernel_size", [2]int{0, 0}),
		Strides:         r.pair("strides", [2]int{1, 1}),
		Padding:         r.string("padding", "valid"),
		DataFormat:      r.string("data_format", "channels_last"),
		DilationRate:    r.ints("dilation_rate", []int{1, 1}),
		DepthMultiplier: r.int("depth_multiplier", 1),
		Activation:      r.activation("activation", "linear"),
		UseBias:         r.bool("use_bias", true),
	}
	checkConv(r, c.KernelSize, c.Strides, c.Padding, c.DilationRate)
	if c.Filters <= 0 {
		r.errorf("filters is %d, expected a positive number", c.Filters)
	}
	if c.DepthMultiplier <= 0 {
		r.errorf("depth_multiplier is %d, expected a positive number", c.DepthMultiplier)
	}
	return c
}

// checkConv rejects values that would make shape arithmetic meaningless.
func checkConv(r *configReader, kernel, strides [2]int, padding string, dilation []int) {
	if kernel[0] <= 0 || kernel[1] <= 0 {
		r.errorf("kernel_size is %v, expected positive sizes", kernel)
	}
	if strides[0] <= 0 || strides[1] <= 0 {
		r.errorf("strides is %v, expected positive steps", strides)
	}
	for _, d := range dilation {
		if d <= 0 {
			r.errorf("dilation_rate is %v, expected positive rates", dilation)
		}
	}
	checkPadding(r, padding)
}

func checkPadding(r *configReader, padding string) {
	if padding != "valid" && padding != "same" {
		r.errorf("padding is %q, expected \"valid\" or \"same\"", padding)
	}
}

func decodeDense(r *configReader) Dense {
	c := Dense{
		Units:      r.int("units", 0),
		Activation: r.activation("activation", "linear"),
		UseBias:    r.bool("use_bias", true),
	}
	if c.Units <= 0 {
		r.errorf("units is %d, expected a positive number", c.Units)
	}
	return c
}

// pool holds the fields MaxPooling2D and AveragePooling2D share.
type pool = struct {
	PoolSize   [2]int
	Strides    [2]int
	Padding    string
	DataFormat string
}

func decodePool(r *configReader) pool {
	p := pool{
		PoolSize:   r.pair("pool_size", [2]int{2, 2}),
		Padding:    r.string("padding", "valid"),
		DataFormat: r.string("data_format", "channels_last"),
	}
	p.Strides = r.pair("strides", p.PoolSize) // Keras: strides=None means pool_size
	if p.PoolSize[0] <= 0 || p.PoolSize[1] <= 0 || p.Strides[0] <= 0 || p.Strides[1] <= 0 {
		r.errorf("pool_size %v and strides %v must be positive", p.PoolSize, p.Strides)
	}
	checkPadding(r, p.Padding)
	return p
}

func decodeGAP(r *configReader) GlobalAveragePooling2D {
	return GlobalAveragePooling2D{
		DataFormat: r.string("data_format", "channels_last"),
		KeepDims:   r.bool("keepdims", false),
	}
}

func decodeRescaling(r *configReader) Rescaling {
	return Rescaling{Scale: r.floats("scale", []float64{1}), Offset: r.floats("offset", []float64{0})}
}

// decodeZeroPadding2D reads padding as an int, a pair (symmetric per
// axis) or a pair of pairs.
func decodeZeroPadding2D(r *configReader) *ZeroPadding2D {
	c := &ZeroPadding2D{DataFormat: r.string("data_format", "channels_last"), Padding: [2][2]int{{1, 1}, {1, 1}}}
	if !r.has("padding") {
		return c
	}
	var nested [][]int
	if json.Unmarshal(r.m["padding"], &nested) == nil && len(nested) == 2 && len(nested[0]) == 2 && len(nested[1]) == 2 {
		c.Padding = [2][2]int{{nested[0][0], nested[0][1]}, {nested[1][0], nested[1][1]}}
	} else if p := r.ints("padding", nil); len(p) == 1 {
		c.Padding = [2][2]int{{p[0], p[0]}, {p[0], p[0]}}
	} else if len(p) == 2 {
		c.Padding = [2][2]int{{p[0], p[0]}, {p[1], p[1]}}
	} else {
		r.fail("padding", "an integer, a pair, or a pair of pairs")
	}
	for _, side := range c.Padding {
		if side[0] < 0 || side[1] < 0 {
			r.errorf("padding %v must not be negative", c.Padding)
		}
	}
	return c
}

// decodeWeightQuantizer reads a cnn2snn quantizer sub-object
// {"class_name": "MaxPerAxisQuantizer", "config": {"bitwidth": 4, …}}.
// When the key is absent it returns *fallback (QuantizedSeparableConv2D's
// quantizer_dw) or records an error: cnn2snn's quantized layers always
// have one.
func decodeWeightQuantizer(r *configReader, key string, fallback *WeightQuantizer) WeightQuantizer {
	obj := r.object(key)
	if obj == nil {
		if fallback != nil {
			return *fallback
		}
		if r.err == nil {
			r.errorf("has no %q sub-object (cnn2snn) nor \"quant_config\" (quantizeml); the layer cannot be quantized as saved. Re-save the model with cnn2snn or quantizeml", key)
		}
		return WeightQuantizer{}
	}
	q := WeightQuantizer{ClassName: stripPackage(obj.string("class_name", "")), Bitwidth: 4, Threshold: 3}
	if cfg := obj.object("config"); cfg != nil {
		q.Bitwidth = cfg.int("bitwidth", 4)
		q.Threshold = cfg.float("threshold", 3)
		r.adopt(cfg)
	}
	r.adopt(obj)
	switch q.ClassName {
	case "MaxQuantizer", "MaxPerAxisQuantizer", "StdWeightQuantizer", "StdPerAxisQuantizer":
	default:
		r.errorf("%s class %q is not a cnn2snn weight quantizer (MaxQuantizer, MaxPerAxisQuantizer, StdWeightQuantizer, StdPerAxisQuantizer)", key, q.ClassName)
	}
	if q.Bitwidth < 2 {
		r.errorf("%s bitwidth is %d; cnn2snn quantizers need at least 2 bits", key, q.Bitwidth)
	}
	return q
}
