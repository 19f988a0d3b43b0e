package keras

import (
	"errors"
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
)

// RecordQuantizeML computes, for a quantizeml-quantized model, what
// quantizeml's record_quantization_variables would hold after its forward
// pass (spec conversion-v2.md §1.2 step 2, §4.5): the integer weights,
// aligned biases, shifts, output scales, look-up tables and frac bits of
// every layer. None of them depends on the sample quantizeml feeds, so
// they are computed directly: each tensor's description (value bits,
// frac bits, scales) is propagated from the model input through the
// layers in model order (core/keras keeps layers in topological order),
// and every quantizer of spec §4.4 is applied to the float weights and
// calibration variables the file stores.
//
// Keras layers that take only float tensors (the float head quantizeml
// leaves after a Dequantizer) are not quantized and get no record.
// A failure is a *QMLRecordError naming the layer; its Err holds
// quantizeml's own message where the spec gives one.
func RecordQuantizeML(m *Model) (*QMLRecording, error) {
	if m == nil || len(m.Layers) == 0 {
		return nil, errors.New("the model has no layers; load a Keras model first")
	}
	rec := &QMLRecording{index: make(map[string]int, len(m.Layers))}
	outs := make(map[string]QTensor, len(m.Layers))
	for _, l := range m.Layers {
		ins := make([]QTensor, len(l.Inbound))
		allFloat := len(l.Inbound) > 0
		for i, name := range l.Inbound {
			t, ok := outs[name]
			if !ok {
				return nil, &QMLRecordError{Layer: l.Name, Class: l.ClassName,
					Err: fmt.Errorf("its input %q is not computed before it (missing or later in the model); the model file is inconsistent, re-save it", name)}
			}
			ins[i] = t
			allFloat = allFloat && t.IsFloat()
		}
		if _, quantizeml := l.QuantizeML(); allFloat && !quantizeml {
			outs[l.Name] = QTensor{} // a float layer (the head after a Dequantizer): the float inference runs it
			continue
		}
		r, err := recordLayer(m, l, ins)
		if err != nil {
			return nil, &QMLRecordError{Layer: l.Name, Class: l.ClassName, Err: err}
		}
		outs[l.Name] = r.Output
		rec.index[l.Name] = len(rec.Layers)
		rec.Layers = append(rec.Layers, r)
	}
	return rec, nil
}

// QMLRecording holds the record of every quantized layer, in model order.
type QMLRecording struct {
	Layers []*QMLRecord
	index  map[string]int
}

// Layer returns the record of the named layer, or nil when the layer is
// not in the model or is a float Keras layer (after a Dequantizer).
func (r *QMLRecording) Layer(name string) *QMLRecord {
	if i, ok := r.index[name]; ok {
		return r.Layers[i]
	}
	return nil
}

// QMLRecord is what quantizeml records for one layer, with the
// descriptions of the tensors it takes and gives. Fields a layer class
// does not record are nil.
type QMLRecord struct {
	Name  string
	Class string // the Keras class name, e.g. "QuantizedConv2D"

	// Inputs describe the tensors the layer receives, in inbound order,
	// as their layers give them (before any alignment of this layer).
	Inputs []QTensor
	// Raw describes the layer's result before its output quantizer (a
	// conv's accumulator after the bias, a ReLU's clipped values …);
	// Output describes what it gives: Raw, or the output quantizer's
	// result. A float tensor (a Dequantizer's output, a float model
	// input) has no Frac.
	Raw    QTensor
	Output QTensor

	// InputShift is the left shift of each input channel (or Dense
	// feature) that aligned a per-axis input on its largest frac bits
	// (spec §4.4 item 4); nil when the input was per-tensor. Flatten and
	// Reshape record it too when they align a per-axis input.
	InputShift []int

	// Weights are the integer kernel (Keras layout) and its scales.
	Weights *QMLWeights
	// Bias is the aligned bias β_int (before its shift) and BiasShift
	// the left shift F_acc − f_b that aligns it on the accumulator, per
	// output channel (spec §4.4 item 2). nil without a bias.
	Bias      []int32
	BiasShift []int

	// PaddingValue is a QuantizedConv2D's padding_value aligned on its
	// input, already shifted (pv_int·2^(F_in − f)), one or one per input
	// channel (spec §4.4 item 6): what the input is padded with.
	PaddingValue []int

	// MaxValue and MaxValueShift are a bounded ReLU's max_value m_int and
	// its shift, one or one per channel (spec §4.4 item 5): values are
	// clipped at m_int·2^shift.
	MaxValue      []int
	MaxValueShift []int

	// AShift and BShift align a QuantizedAdd's two inputs on their
	// largest frac bits (spec §4.4 item 10), one or one per channel.
	AShift, BShift []int

	// ZeroPoints are an unsigned InputQuantizer's zero points (its frac
	// bits are Output.Frac), one or one per channel (spec §4.4 item 8).
	ZeroPoints []int

	// DequantizerScales are a Dequantizer's float scales S / 2^F per
	// channel (S = 1 for a FixedPoint input; spec §2.10).
	DequantizerScales []float32

	// LUT is a QuantizedActivation's table (spec §4.4 item 7).
	LUT *QMLLUT

	// OutputQuantizer is the record of the layer's output quantizer,
	// nil when it has none.
	OutputQuantizer *QMLOutputQuantizer
}

// QMLRecordError is a failure to record one layer.
type QMLRecordError struct {
	Layer string
	Class string
	Err   error // quantizeml's message where the spec gives one
}

func (e *QMLRecordError) Error() string {
	return fmt.Sprintf("layer %q (%s): %v", e.Layer, e.Class, e.Err)
}

func (e *QMLRecordError) Unwrap() error { return e.Err }

// inputDescription is what quantizeml's tensor_inputs makes of a model
// input of this Keras dtype: an integer tensor becomes a FixedPoint with
// 8·size bits (minus the sign bit when signed) and no frac bits. A float
// input stays float (an InputQuantizer quantizes it; other layers cast it
// first, see castFloat).
func inputDescription(dtype string) (QTensor, error) {
	if bits, signed, ok := IntDtype(dtype); ok && bits <= 32 {
		return QTensor{ValueBits: qmlValueBits(bits, signed), Signed: signed, Frac: []int{0}}, nil
	}
	if IsFloatDtype(dtype) {
		return QTensor{}, nil
	}
	return QTensor{}, fmt.Errorf("the model input has dtype %q; quantizeml takes integer (uint8, int8 …) or float inputs", dtype)
}

// castFloat is quantizeml's treatment of a float tensor reaching a
// quantized layer other than an InputQuantizer: it is cast to the
// quantization context's input_dtype. Choice: the default context,
// uint8 (QuantizationParams.input_dtype), since the file does not record
// the one used.
func castFloat(t QTensor) QTensor {
	if t.IsFloat() {
		return QTensor{ValueBits: 8, Frac: []int{0}}
	}
	return t
}

// layerChannels returns the last dimension of the layer's output and the
// output's rank with the batch dimension.
func layerChannels(l *Layer) (channels, rank int, err error) {
	s := l.OutputShape
	if len(s) == 0 || s[len(s)-1] <= 0 {
		return 0, 0, fmt.Errorf("its output shape %v is unknown; the recording needs the number of channels", s)
	}
	return s[len(s)-1], len(s) + 1, nil
}

// recordLayer dispatches on the layer's config.
func recordLayer(m *Model, l *Layer, ins []QTensor) (*QMLRecord, error) {
	r := &QMLRecord{Name: l.Name, Class: l.ClassName, Inputs: ins}
	if l.IsInput() {
		c, _ := l.Config.(*InputLayer)
		if c == nil {
			return nil, errors.New("the input layer has no config")
		}
		t, err := inputDescription(c.Dtype)
		if err != nil {
			return nil, err
		}
		r.Raw, r.Output = t, t
		return r, nil
	}
	if l.InboundNodes > 1 {
		return nil, fmt.Errorf("the layer is called %d times (a shared layer); quantizeml records one call: give each call its own layer", l.InboundNodes)
	}
	if len(ins) == 0 {
		return nil, errors.New("the layer has no input; the model file is inconsistent, re-save it")
	}
	var err error
	switch c := l.Config.(type) {
	case *QMLInputQuantizer:
		err = recordInputQuantizer(l, c, r)
	case *QMLRescaling:
		err = recordRescaling(c, r)
	case *QMLConv2D:
		err = recordNeural(m, l, r, neuralLayer{kernel: "kernel", qc: &c.QuantConfig, useBias: c.UseBias, paddingValue: c.PaddingValue})
	case *QMLConv2DTranspose:
		err = recordNeural(m, l, r, neuralLayer{kernel: "kernel", qc: &c.QuantConfig, useBias: c.UseBias, transposed: true})
	case *QMLDepthwiseConv2D:
		if c.DepthMultiplier != 1 {
			return nil, fmt.Errorf("depth_multiplier is %d; quantizeml's QuantizedDepthwiseConv2D and Akida's DepthwiseConv2D take 1", c.DepthMultiplier)
		}
		err = recordNeural(m, l, r, neuralLayer{kernel: "depthwise_kernel", qc: &c.QuantConfig, useBias: c.UseBias, depthwise: true, keepPerAxis: true})
	case *QMLDepthwiseConv2DTranspose:
		// Its class name is not one of the three tensor_inputs leaves
		// unaligned, so unlike QuantizedDepthwiseConv2D it aligns a
		// per-axis input [SRC Q1 layers_base.py:tensor_inputs].
		err = recordNeural(m, l, r, neuralLayer{kernel: "depthwise_kernel", qc: &c.QuantConfig, useBias: c.UseBias, depthwise: true})
	case *QMLDense:
		err = recordNeural(m, l, r, neuralLayer{kernel: "kernel", qc: &c.QuantConfig, useBias: c.UseBias})
	case *QMLReLU:
		err = recordReLU(l, c, r)
	case *QMLActivation:
		err = recordActivation(c, r)
	case *QMLMaxPool2D:
		r.Raw = castFloat(ins[0])
	case *QMLGlobalAveragePooling2D:
		err = recordGAP(m, l, &c.QuantConfig, r)
	case *QMLAdd:
		err = recordAdd(c, r)
	case *QMLConcatenate:
		err = recordConcatenate(m, l, r)
	case *QMLFlatten, *QMLReshape:
		err = recordReshape(r)
	case *QMLDropout, *Dropout:
		r.Raw = ins[0]
	case *QMLDequantizer:
		err = recordDequantizer(r)
	case *QMLSeparableConv2D:
		return nil, errors.New("QuantizedSeparableConv2D has no Akida 2.0 layer (cnn2snn converts it for Akida 1.0 only) and is not recorded; quantize the model for Akida 2.0, which uses DepthwiseConv2D and Conv2D")
	default:
		return nil, fmt.Errorf("class %s receives a quantized tensor but is not a quantizeml layer the recording knows; quantizeml puts a Dequantizer before float layers: re-quantize the model", l.ClassName)
	}
	if err != nil {
		return nil, err
	}
	r.Output = r.Raw
	if oq := l.OutputQuantizer(); oq != nil {
		return r, applyOutputQuantizer(l, oq, r)
	}
	return r, nil
}

// applyOutputQuantizer runs the layer's OutputQuantizer on r.Raw with the
// calibration variables the file stores.
func applyOutputQuantizer(l *Layer, oq *QMLQuantizer, r *QMLRecord) error {
	if r.Raw.IsFloat() {
		return errors.New("The OutputQuantizer accepts only QTensor inputs.")
	}
	channels, rank, err := layerChannels(l)
	if err != nil {
		return err
	}
	rangeMax, rate := l.Weight("output_quantizer/range_max"), l.Weight("output_quantizer/rescaling_rate")
	if rangeMax == nil || rate == nil {
		return errors.New("its output quantizer has no output_quantizer/range_max or output_quantizer/rescaling_rate weight; the file was not saved by quantizeml after calibration: re-save the quantized model")
	}
	rec, out, err := outputQuantizer(oq, rangeMax.Values, rate.Values, r.Raw, channels, rank)
	if err != nil {
		return err
	}
	r.OutputQuantizer, r.Output = rec, out
	return nil
}

func recordInputQuantizer(l *Layer, c *QMLInputQuantizer, r *QMLRecord) error {
	lo, hi := l.Weight("range_min"), l.Weight("range_max")
	if lo == nil || hi == nil {
		return errors.New("the InputQuantizer has no range_min or range_max weight; the file was not saved by quantizeml after calibration: re-save the quantized model")
	}
	channels, _, err := layerChannels(l)
	if err != nil {
		return err
	}
	if want := map[bool]int{true: channels, false: 1}[c.PerAxis]; len(hi.Values) != want {
		return fmt.Errorf("range_max has %d values; a %s InputQuantizer over %d channels needs %d: the file does not match its config, re-save the model", len(hi.Values), c.Axis, channels, want)
	}
	frac, zp, err := qmlInputQuantizer(c.Bitwidth, c.Signed, lo.Values, hi.Values)
	if err != nil {
		return err
	}
	r.Raw = QTensor{ValueBits: qmlValueBits(c.Bitwidth, c.Signed), Signed: c.Signed, Frac: frac}
	if !c.Signed {
		// quantizeml returns the unsigned, zero-point-shifted values as a
		// QFloat with scale 1 (spec §4.4 item 8), which is what lets the
		// next conv align a padding value on them.
		r.ZeroPoints = zp
		r.Raw.Scales = []float32{1}
	}
	return nil
}

// recordRescaling: a QuantizedRescaling multiplies the scales by its
// scalar scale (a FixedPoint input becomes a QFloat); quantizeml supports
// no offset (sanitize folds it into the next layer).
func recordRescaling(c *QMLRescaling, r *QMLRecord) error {
	if len(c.Scale) != 1 {
		return fmt.Errorf("scale %v is not a scalar; QuantizedRescaling takes one scale", c.Scale)
	}
	for _, o := range c.Offset {
		if o != 0 {
			return fmt.Errorf("offset %v is not zero; quantizeml folds a Rescaling offset into the next layer before quantizing: re-quantize the float model", c.Offset)
		}
	}
	in := castFloat(r.Inputs[0])
	s := float32(c.Scale[0])
	out := in
	if in.IsQFloat() {
		out.Scales = make([]float32, len(in.Scales))
		for i, x := range in.Scales {
			out.Scales[i] = x * s
		}
	} else {
		out.Scales = []float32{s}
	}
	if err := checkFinite("the rescaled scales", out.Scales); err != nil {
		return err
	}
	r.Raw = out
	return nil
}

// neuralLayer says how recordNeural treats a conv, depthwise or dense
// layer.
type neuralLayer struct {
	kernel       string // weight name of the kernel
	qc           *QuantConfig
	useBias      bool
	keepPerAxis  bool // a per-axis input is not aligned (QuantizedDepthwiseConv2D)
	depthwise    bool // each channel has its own filter: input frac bits and scales pass through per channel
	transposed   bool // Conv2DTranspose: the (h, w, filters, in) kernel is quantized as (h, w, in, filters)
	paddingValue []float64
}

// recordNeural records a QuantizedConv2D, QuantizedDepthwiseConv2D or
// QuantizedDense: input alignment, padding value, integer weights,
// accumulator description and aligned bias (spec §4.4 items 1, 2, 4, 6).
func recordNeural(m *Model, l *Layer, r *QMLRecord, n neuralLayer) error {
	in := castFloat(r.Inputs[0])
	if err := checkQuantizerBits("buffer_bitwidth", n.qc.BufferBitwidth, maxBufferBits); err != nil {
		return err
	}
	vbBuf := min(QMLConvBufferLimit, n.qc.BufferBitwidth) - 1 // one bit for the sign
	in, err := alignInput(in, vbBuf, !n.keepPerAxis, r)
	if err != nil {
		return err
	}
	if n.paddingValue != nil {
		if err := recordPaddingValue(m, l, n, in, r); err != nil {
			return err
		}
	}
	kernel := l.Weight(n.kernel)
	if kernel == nil {
		return fmt.Errorf("the layer has no %s weight; the file does not match its config, re-save the model", n.kernel)
	}
	wq := n.qc.WeightQuantizer
	if wq == nil {
		return errors.New("its quant_config has no weight_quantizer; quantizeml writes one for every neural layer: re-save the quantized model")
	}
	if n.transposed {
		kernel = transposeKernel(kernel)
	}
	if r.Weights, err = quantizeWeights(kernel, wq); err != nil {
		return err
	}
	channels, _, err := layerChannels(l)
	if err != nil {
		return err
	}
	acc, err := accumulator(in, r.Weights, channels, n.depthwise)
	if err != nil {
		return err
	}
	if n.useBias {
		bias := l.Weight("bias")
		if bias == nil {
			return errors.New("use_bias is true but the layer has no bias weight; the file does not match its config, re-save the model")
		}
		if !acc.IsQFloat() {
			return errors.New("the bias cannot be aligned on a FixedPoint accumulator (fp_quantizer weights on a FixedPoint input): AlignedWeightQuantizer only accepts QFloat")
		}
		bits, signed := 8, true
		if bq := n.qc.BiasQuantizer; bq != nil {
			bits, signed = bq.Bitwidth, bq.Signed
		}
		if len(bias.Values) != channels {
			return fmt.Errorf("the bias has %d values for %d output channels; the file does not match its config, re-save the model", len(bias.Values), channels)
		}
		if r.Bias, r.BiasShift, err = alignedQuantizer("bias", bias.Values, bits, signed, acc, channels); err != nil {
			return err
		}
	}
	r.Raw = acc
	return nil
}

// alignInput is quantizeml's tensor_inputs for a layer with a buffer of
// vb value bits (spec §4.4 item 4): an input that is not per-tensor (frac
// bits or scales per channel) is expanded to its largest frac bits and
// the shifts recorded as input_shift, unless the layer keeps per-axis
// inputs (QuantizedDepthwiseConv2D, QuantizedReLU); otherwise the value
// bits are just raised.
func alignInput(in QTensor, vb int, align bool, r *QMLRecord) (QTensor, error) {
	if align && !in.PerTensor() {
		out, shifts, err := expandInput(in, vb)
		r.InputShift = shifts
		return out, err
	}
	return promote(in, vb)
}

// transposeKernel returns a Conv2DTranspose kernel (h, w, filters, in)
// as (h, w, in, filters), the layout quantizeml quantizes and records
// (per output filter, the last axis) [SRC Q1 convolution.py].
func transposeKernel(k *Weight) *Weight {
	if len(k.Shape) != 4 {
		return k
	}
	h, w, f, in := k.Shape[0], k.Shape[1], k.Shape[2], k.Shape[3]
	t := &Weight{Name: k.Name, Shape: []int{h, w, in, f}, Values: make([]float32, len(k.Values))}
	for p := range h * w {
		for o := range f {
			for i := range in {
				t.Values[(p*in+i)*f+o] = k.Values[(p*f+o)*in+i]
			}
		}
	}
	return t
}

// accumulator describes a conv/dense result: value bits of the buffer,
// the input's frac bits (plus the weights' for an fp_quantizer), and the
// weight scales times the input scales, per output channel.
func accumulator(in QTensor, w *QMLWeights, channels int, depthwise bool) (QTensor, error) {
	nw := max(len(w.Scales), len(w.Frac))
	if nw != 1 && nw != channels {
		return QTensor{}, fmt.Errorf("the kernel is quantized along an axis of %d values, not the %d output channels; check the weight quantizer's axis", nw, channels)
	}
	if !depthwise && len(in.Scales) > 1 {
		return QTensor{}, errors.New("the input has per-channel scales, which a convolution or dense layer cannot carry to its outputs; quantizeml puts an output quantizer before such layers: re-quantize the model")
	}
	if depthwise && in.channels() != 1 && in.channels() != channels {
		return QTensor{}, fmt.Errorf("the input has %d channels and the output %d; a depthwise convolution keeps the channels", in.channels(), channels)
	}
	acc := QTensor{ValueBits: in.ValueBits, Signed: true}
	n := max(nw, len(in.Frac))
	if !depthwise {
		n = nw
	}
	acc.Frac = make([]int, n)
	for c := range acc.Frac {
		acc.Frac[c] = in.FracAt(min(c, len(in.Frac)-1))
		if w.Frac != nil {
			acc.Frac[c] += w.Frac[min(c, len(w.Frac)-1)]
		}
	}
	acc.Frac = collapse(acc.Frac)
	if w.Scales != nil || in.IsQFloat() {
		ns := max(len(w.Scales), len(in.Scales), 1)
		acc.Scales = make([]float32, ns)
		for c := range acc.Scales {
			s := float32(1)
			if w.Scales != nil {
				s = w.Scales[min(c, len(w.Scales)-1)]
			}
			if in.IsQFloat() {
				s = in.ScaleAt(min(c, len(in.Scales)-1)) * s
			}
			acc.Scales[c] = s
		}
	}
	return acc, nil
}

// collapse returns a one-element slice when every element is the same
// and there is more than one; per-axis frac bits that are all equal
// describe a per-tensor value (an fp_quantizer kernel per tensor).
func collapse(f []int) []int {
	for _, x := range f[1:] {
		if x != f[0] {
			return f
		}
	}
	return f[:1]
}

// recordPaddingValue aligns a QuantizedConv2D's padding_value on its
// (aligned) input with an AlignedWeightQuantizer of the weight bitwidth
// (spec §4.4 item 6) and records the shifted value.
func recordPaddingValue(m *Model, l *Layer, n neuralLayer, in QTensor, r *QMLRecord) error {
	if !in.IsQFloat() {
		return errors.New("When using a non-zero padding value, the inputs must be QFloat.")
	}
	inChannels := 0
	if in := l.InputShape(m); len(in) > 0 {
		inChannels = in[len(in)-1]
	}
	if len(n.paddingValue) != 1 && len(n.paddingValue) != inChannels {
		return fmt.Errorf("The padding value must be a scalar or a list of values, for a value per input channel. Receives %s.", pyrepr.FloatList(n.paddingValue))
	}
	wq := n.qc.WeightQuantizer
	if wq == nil {
		return errors.New("its quant_config has no weight_quantizer; quantizeml writes one for every neural layer: re-save the quantized model")
	}
	pv := make([]float32, len(n.paddingValue))
	for i, v := range n.paddingValue {
		pv[i] = float32(v)
	}
	vals, shifts, err := alignedQuantizer("padding_value", pv, wq.Bitwidth, wq.Signed, in, max(inChannels, 1))
	if err != nil {
		return err
	}
	r.PaddingValue = make([]int, len(vals))
	for c, v := range vals {
		r.PaddingValue[c] = int(QMLSaturate(QMLRescale(float32(v), shifts[c]), in.ValueBits))
	}
	return nil
}

// recordReLU: a QuantizedReLU promotes its input to its (unsigned)
// buffer, makes a FixedPoint a QFloat with scale 1, clips at 0 and, when
// bounded, at max_value aligned on the input (spec §4.4 item 5).
func recordReLU(l *Layer, c *QMLReLU, r *QMLRecord) error {
	if err := checkQuantizerBits("buffer_bitwidth", c.QuantConfig.BufferBitwidth, maxBufferBits); err != nil {
		return err
	}
	in, err := promote(castFloat(r.Inputs[0]), c.QuantConfig.BufferBitwidth) // unsigned: not decremented
	if err != nil {
		return err
	}
	if !in.IsQFloat() {
		in.Scales = []float32{1}
	}
	if c.MaxValue != nil {
		channels, _, err := layerChannels(l)
		if err != nil {
			return err
		}
		bits := 8
		if mq := c.QuantConfig.MaxValueQuantizer; mq != nil {
			bits = mq.Bitwidth
		}
		vals, shifts, err := alignedQuantizer("max_value", []float32{float32(*c.MaxValue)}, bits, false, in, channels)
		if err != nil {
			return err
		}
		r.MaxValue, r.MaxValueShift = make([]int, len(vals)), shifts
		for i, v := range vals {
			r.MaxValue[i] = int(v)
		}
	}
	in.Signed = false
	r.Raw = in
	return nil
}

// recordActivation: a QuantizedActivation maps its per-tensor
// FixedPoint input through a look-up table (spec §4.4 item 7); the output
// is a QFloat with lut_bitwidth − 1 value bits, no frac bits and the
// table's scale. It has no buffer, so its input is neither promoted nor
// aligned.
func recordActivation(c *QMLActivation, r *QMLRecord) error {
	in := castFloat(r.Inputs[0])
	if in.IsQFloat() {
		return errors.New("QuantizedActivation only accepts FixedPoint inputs (its input is a QFloat: the layer before it has no output quantizer); re-quantize the model")
	}
	if !in.PerTensor() {
		return errors.New("QuantizedActivation only supports per-tensor inputs.")
	}
	act, err := LUTActivation(c.Activation, float32(c.Alpha))
	if err != nil {
		return err
	}
	if r.LUT, err = qmlLUT(act, in.ValueBits, in.Frac[0], c.LUTBitwidth-1); err != nil {
		return err
	}
	r.Raw = QTensor{ValueBits: r.LUT.LUTBits, Signed: true, Frac: []int{0}, Scales: []float32{r.LUT.Scale}}
	return nil
}

// recordGAP: the sum over height and width in the GAP's buffer, the
// division by H·W moved into the scales (spec §4.4 item 9). A per-axis
// input is aligned first (the GAP is not one of the layers that skip it).
func recordGAP(m *Model, l *Layer, qc *QuantConfig, r *QMLRecord) error {
	in := castFloat(r.Inputs[0])
	shapes := l.InputShapes(m)
	if len(shapes) != 1 || len(shapes[0]) != 3 || shapes[0][0] <= 0 || shapes[0][1] <= 0 {
		return fmt.Errorf("its input shape %v is not a known (height, width, channels) image", shapes)
	}
	if err := checkQuantizerBits("buffer_bitwidth", qc.BufferBitwidth, maxBufferBits); err != nil {
		return err
	}
	vb := qc.BufferBitwidth // unsigned buffer: not decremented (spec §4.4 items 4, 9)
	in, err := alignInput(in, vb, true, r)
	if err != nil {
		return err
	}
	// Choice: the scales are divided by float32(H·W) in float32 (QFloat
	// division by the element count); a FixedPoint input gets 1/(H·W).
	hw := float32(shapes[0][0] * shapes[0][1])
	out := in
	out.Scales = make([]float32, max(len(in.Scales), 1))
	for c := range out.Scales {
		out.Scales[c] = in.ScaleAt(c) / hw
	}
	r.Raw = out
	return nil
}

// recordAdd: both FixedPoint inputs are shifted left to their largest
// frac bits (per channel) in the Add's signed buffer; average adds one
// frac bit (spec §4.4 item 10).
func recordAdd(c *QMLAdd, r *QMLRecord) error {
	if len(r.Inputs) != 2 {
		return fmt.Errorf("the Add has %d inputs; quantizeml's QuantizedAdd and Akida's Add take two", len(r.Inputs))
	}
	a, b := castFloat(r.Inputs[0]), castFloat(r.Inputs[1])
	if a.IsQFloat() || b.IsQFloat() {
		return errors.New("an input is a QFloat (its layer has no output quantizer); QuantizedAdd adds FixedPoint inputs: re-quantize the model so that an output quantizer precedes the Add")
	}
	if len(a.Frac) != 1 && len(b.Frac) != 1 && len(a.Frac) != len(b.Frac) {
		return fmt.Errorf("the inputs have %d and %d per-channel frac bits", len(a.Frac), len(b.Frac))
	}
	if err := checkQuantizerBits("buffer_bitwidth", c.QuantConfig.BufferBitwidth, maxBufferBits); err != nil {
		return err
	}
	vb := c.QuantConfig.BufferBitwidth - 1
	n := max(len(a.Frac), len(b.Frac))
	frac := make([]int, n)
	r.AShift, r.BShift = make([]int, n), make([]int, n)
	for i := range frac {
		fa, fb := a.FracAt(min(i, len(a.Frac)-1)), b.FracAt(min(i, len(b.Frac)-1))
		frac[i] = max(fa, fb)
		r.AShift[i], r.BShift[i] = frac[i]-fa, frac[i]-fb
		if err := checkRescale("the Add's first input", r.AShift[i], vb); err != nil {
			return err
		}
		if err := checkRescale("the Add's second input", r.BShift[i], vb); err != nil {
			return err
		}
		if c.Average {
			frac[i]++
		}
	}
	if vb < a.ValueBits || vb < b.ValueBits {
		return fmt.Errorf("Cannot reduce value bits from %d to %d: use a quantizer instead (the Add's buffer_bitwidth is narrower than its inputs)", max(a.ValueBits, b.ValueBits), vb)
	}
	r.Raw = QTensor{ValueBits: vb, Signed: true, Frac: frac}
	return nil
}

// recordConcatenate concatenates the inputs' descriptions along the
// channels. Choice (spec §4.4 item 10 says only that values are
// concatenated): the frac bits become per channel, collapsed to one
// when all are equal, and the value bits are the widest input's.
func recordConcatenate(m *Model, l *Layer, r *QMLRecord) error {
	shapes := l.InputShapes(m)
	var out QTensor
	for i, in := range r.Inputs {
		in = castFloat(in)
		if in.IsQFloat() {
			return errors.New("an input is a QFloat (its layer has no output quantizer); QuantizedConcatenate joins FixedPoint inputs: re-quantize the model")
		}
		if i >= len(shapes) || len(shapes[i]) == 0 || shapes[i][len(shapes[i])-1] <= 0 {
			return fmt.Errorf("input %d has an unknown shape", i)
		}
		c := shapes[i][len(shapes[i])-1]
		for k := range c {
			out.Frac = append(out.Frac, in.FracAt(min(k, len(in.Frac)-1)))
		}
		out.ValueBits = max(out.ValueBits, in.ValueBits)
		out.Signed = out.Signed || in.Signed
	}
	if len(out.Frac) == 0 {
		return errors.New("the Concatenate has no input")
	}
	out.Frac = collapse(out.Frac)
	r.Raw = out
	return nil
}

// recordReshape: a QuantizedFlatten or QuantizedReshape only moves
// values, but quantizeml's aligns a per-axis input first (at the input's
// value bits), since the channels are mixed afterwards (spec §2.7).
func recordReshape(r *QMLRecord) error {
	in := castFloat(r.Inputs[0])
	if len(in.Scales) > 1 {
		return errors.New("the input has per-channel scales, which a reshape mixes; quantizeml puts an output quantizer before it: re-quantize the model")
	}
	if in.PerAxis() {
		var err error
		if in, r.InputShift, err = expandInput(in, in.ValueBits); err != nil {
			return err
		}
	}
	r.Raw = in
	return nil
}

// recordDequantizer: the float output is v·2^−F·S, i.e. v times the
// scales S / 2^F, computed in float32 (spec §2.10).
func recordDequantizer(r *QMLRecord) error {
	in := r.Inputs[0]
	if len(r.Inputs) != 1 {
		return fmt.Errorf("Multi-inbounds in %s is not supported.", r.Name)
	}
	if in.IsFloat() {
		return errors.New("the Dequantizer's input is already a float tensor; nothing to dequantize")
	}
	n := in.channels()
	r.DequantizerScales = make([]float32, n)
	for c := range r.DequantizerScales {
		r.DequantizerScales[c] = in.ScaleAt(c) / QMLPow2(in.FracAt(min(c, len(in.Frac)-1)))
	}
	r.Raw = QTensor{}
	return nil
}
