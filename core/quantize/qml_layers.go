package quantize

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// quantize_keras after sanitize (spec conversion-v2.md §4.2 steps 4–9):
// output quantizer placement, the replacement of the float layers by their
// quantized classes in model order, the InputQuantizer, the Dequantizers
// and last_output_bits.

// quantizedClass maps a float layer to quantizeml's quantized class name
// (its _GLOBAL_LAYER_TO_QLAYER, for the classes this tool reads); "" when
// quantizeml has none (BatchNormalization, AveragePooling2D, a Keras
// Activation, Softmax, ZeroPadding2D …).
func quantizedClass(l *keras.Layer) string {
	switch l.Config.(type) {
	case *keras.Conv2D:
		return "QuantizedConv2D"
	case *keras.Conv2DTranspose:
		return "QuantizedConv2DTranspose"
	case *keras.DepthwiseConv2D:
		return "QuantizedDepthwiseConv2D"
	case *keras.SeparableConv2D:
		return "QuantizedSeparableConv2D"
	case *keras.Dense:
		return "QuantizedDense"
	case *keras.ReLU:
		return "QuantizedReLU"
	case *keras.MaxPooling2D:
		return "QuantizedMaxPool2D"
	case *keras.GlobalAveragePooling2D:
		return "QuantizedGlobalAveragePooling2D"
	case *keras.Add:
		return "QuantizedAdd"
	case *keras.Concatenate:
		return "QuantizedConcatenate"
	case *keras.Flatten:
		return "QuantizedFlatten"
	case *keras.Reshape:
		return "QuantizedReshape"
	case *keras.Dropout:
		return "QuantizedDropout"
	case *keras.Rescaling:
		return "QuantizedRescaling"
	}
	return ""
}

// needsAlignedInputs reports the quantized classes quantizeml registers
// with aligned inputs (register_aligned_inputs): an output quantizer goes
// before them.
func needsAlignedInputs(class string) bool {
	switch class {
	case "QuantizedConv2D", "QuantizedConv2DTranspose", "QuantizedDepthwiseConv2D", "QuantizedSeparableConv2D",
		"QuantizedDense", "QuantizedAdd", "QuantizedConcatenate", "QuantizedFlatten":
		return true
	}
	return false
}

// noOutputQuantizer reports the quantized classes that cannot hold an
// output quantizer (_GLOBAL_NO_OUTPUT_QUANTIZER).
func noOutputQuantizer(class string) bool {
	switch class {
	case "QuantizedMaxPool2D", "QuantizedDropout", "QuantizedRescaling", "QuantizedFlatten",
		"QuantizedReshape", "QuantizedConcatenate":
		return true
	}
	return false
}

// hasQuantizableWeights reports the quantized classes with weights.
func hasQuantizableWeights(class string) bool {
	switch class {
	case "QuantizedConv2D", "QuantizedConv2DTranspose", "QuantizedDepthwiseConv2D", "QuantizedSeparableConv2D", "QuantizedDense":
		return true
	}
	return false
}

// prepareOutputQuantizers is _prepare_output_quantizers: walking the
// layers backwards, each layer whose quantized class needs aligned inputs
// puts an output quantizer on the nearest layers before it that can hold
// one. It returns the output quantizer config of each such layer.
func (q *qmlQuantizer) prepareOutputQuantizers(g *graph) map[string]*keras.QMLQuantizer {
	p := q.opts.Params
	oqs := map[string]*keras.QMLQuantizer{}
	var preceding func(l *keras.Layer) []*keras.Layer
	preceding = func(l *keras.Layer) []*keras.Layer {
		var out []*keras.Layer
		for _, in := range g.inbound(l) {
			if in == nil || in.IsInput() {
				continue
			}
			if class := quantizedClass(in); class == "" || noOutputQuantizer(class) {
				out = append(out, preceding(in)...)
			} else {
				out = append(out, in)
			}
		}
		return out
	}
	for i := len(g.m.Layers) - 1; i >= 0; i-- {
		next := g.m.Layers[i]
		if !needsAlignedInputs(quantizedClass(next)) {
			continue
		}
		for _, l := range preceding(next) {
			s := l.OutputShape
			vector := len(s) > 0 && keras.Elements(s) == s[len(s)-1]
			perTensor := vector || p.PerTensorActivations
			if oq, ok := oqs[l.Name]; ok {
				oq.PerAxis = oq.PerAxis && !perTensor
				continue
			}
			oq := &keras.QMLQuantizer{Bitwidth: p.OutputBits, Signed: true, PerAxis: !perTensor, Axis: -1,
				ScaleBits: 8, BufferBitwidth: p.BufferBits}
			switch {
			case isReLU(l):
				oq.Bitwidth, oq.Signed = p.ActivationBits, p.ActivationBits >= 8
			case isGAP(l):
				if prev := preceding(l); len(prev) > 0 && isReLU(prev[0]) {
					oq.Bitwidth = p.ActivationBits
				}
			}
			oqs[l.Name] = oq
		}
	}
	return oqs
}

// quantizeLayers builds the quantized model from the sanitized float one.
func (q *qmlQuantizer) quantizeLayers(fg *graph) (*graph, error) {
	oqs := q.prepareOutputQuantizers(fg)
	qg := newGraph(fg.m.Clone())
	p := q.opts.Params
	quantized := map[string]bool{}
	inputWeights := true // the first layer with weights takes input_weight_bits
	for i, l := range qg.m.Layers {
		if l.IsInput() {
			quantized[l.Name] = true
			continue
		}
		if !allIn(l.Inbound, quantized) {
			continue
		}
		bits := p.WeightBits
		if inputWeights {
			bits = p.InputWeightBits
		}
		n, err := q.quantizedLayer(l, oqs[l.Name], bits)
		if err != nil {
			return nil, err
		}
		if n == nil {
			continue
		}
		qg.m.Layers[i] = n
		quantized[l.Name] = true
		if hasQuantizableWeights(n.ClassName) {
			inputWeights = false
		}
	}
	if len(quantized) == 1 {
		// Only the InputLayer: quantizeml counts it among the layers that
		// are not quantizable.
		return nil, refusef("Impossible to quantize '%s'. At least one layer should be quantizable.", qg.m.Name)
	}
	if err := q.insertInputQuantizer(qg); err != nil {
		return nil, err
	}
	full := q.insertDequantizers(qg)
	if full && p.LastOutputBits != 0 {
		if err := q.applyLastOutputBits(qg); err != nil {
			return nil, err
		}
	}
	if full {
		last := qg.m.Outputs[0]
		d := qg.newLayer("dequantizer", "Dequantizer", &keras.QMLDequantizer{}, qg.layer(last).OutputShape)
		d.Package = "Custom"
		qg.insertAfter(last, d, nil)
		qg.m.Outputs = []string{d.Name}
		q.report.add(Action{Kind: ActionDequantizer, Layer: last, Result: d.Name,
			Text: sprintf("added Dequantizer %s at the end: the model is fully quantized", d.Name)})
	}
	qg.m.Class = "Functional"
	return qg, nil
}

func allIn(names []string, set map[string]bool) bool {
	for _, n := range names {
		if !set[n] {
			return false
		}
	}
	return true
}

// quantizedLayer returns the quantized version of a float layer with its
// output quantizer (nil: none) and weight bit width; nil when quantizeml
// leaves the layer float. The error is a refusal of quantizeml's layers.
func (q *qmlQuantizer) quantizedLayer(l *keras.Layer, oq *keras.QMLQuantizer, bits int) (*keras.Layer, error) {
	class := quantizedClass(l)
	if class == "" {
		return nil, nil
	}
	p := q.opts.Params
	qc := keras.QuantConfig{BufferBitwidth: p.BufferBits, OutputQuantizer: oq}
	neural := hasQuantizableWeights(class)
	if neural {
		if f, ok := l.DataFormat(); ok && f == "channels_first" {
			// neural_layer_init raises a TypeError, which quantize_keras
			// catches: the layer stays float.
			q.report.warn(sprintf("%s only accepts channels_last data_format. Receives channels_first. (%s stays float)", class, l.Name))
			return nil, nil
		}
		qc.BufferBitwidth = min(keras.QMLConvBufferLimit, p.BufferBits)
		qc.WeightQuantizer = &keras.QMLQuantizer{Bitwidth: bits, Signed: true, PerAxis: true, Axis: -1}
	}
	n := *l
	n.ClassName, n.Package = class, "Custom"
	n.Weights = slices.Clone(l.Weights)
	var cfg any
	switch c := l.Config.(type) {
	case *keras.Conv2D:
		if c.Groups > 1 {
			return nil, argumentError("groups", l.Name, "1", fmt.Sprint(c.Groups))
		}
		qconv := &keras.QMLConv2D{Conv2D: *c, QuantConfig: qc}
		if pv, ok := q.padding[l.Name]; ok {
			qconv.PaddingValue = slices.Clone(pv)
			qconv.Padding = "valid" // quantizeml pads 'same' itself
		}
		cfg = qconv
	case *keras.Conv2DTranspose:
		cfg = &keras.QMLConv2DTranspose{Conv2DTranspose: *c, QuantConfig: qc}
	case *keras.DepthwiseConv2D:
		qc.WeightQuantizer.Axis = -2
		cfg = &keras.QMLDepthwiseConv2D{DepthwiseConv2D: *c, QuantConfig: qc}
	case *keras.SeparableConv2D:
		if c.DepthMultiplier != 1 {
			return nil, argumentError("depth_multiplier", l.Name, "1", fmt.Sprint(c.DepthMultiplier))
		}
		qc.DWWeightQuantizer = &keras.QMLQuantizer{Bitwidth: bits, Signed: true}
		qc.PWWeightQuantizer, qc.WeightQuantizer = qc.WeightQuantizer, nil
		cfg = &keras.QMLSeparableConv2D{SeparableConv2D: *c, QuantConfig: qc}
	case *keras.Dense:
		cfg = &keras.QMLDense{Dense: *c, QuantConfig: qc}
	case *keras.ReLU:
		// Choice [INF]: the values quantizeml's arg_constraints print.
		if c.NegativeSlope != 0 {
			return nil, argumentError("negative_slope", l.Name, "[0]", pyrepr.Float(c.NegativeSlope))
		}
		if c.Threshold != 0 {
			return nil, argumentError("threshold", l.Name, "[0]", pyrepr.Float(c.Threshold))
		}
		var mv *float64
		if c.MaxValue != nil {
			v := *c.MaxValue
			mv = &v
		}
		cfg = &keras.QMLReLU{MaxValue: mv, QuantConfig: qc}
	case *keras.MaxPooling2D:
		cfg = &keras.QMLMaxPool2D{MaxPooling2D: *c}
	case *keras.GlobalAveragePooling2D:
		cfg = &keras.QMLGlobalAveragePooling2D{GlobalAveragePooling2D: *c, QuantConfig: qc}
	case *keras.Add:
		cfg = &keras.QMLAdd{QuantConfig: qc}
	case *keras.Concatenate:
		cfg = &keras.QMLConcatenate{Concatenate: *c, QuantConfig: qc}
	case *keras.Flatten:
		cfg = &keras.QMLFlatten{Flatten: *c}
	case *keras.Reshape:
		cfg = &keras.QMLReshape{Reshape: *c}
	case *keras.Dropout:
		cfg = &keras.QMLDropout{Dropout: *c}
	case *keras.Rescaling:
		if len(c.Scale) > 1 || slices.ContainsFunc(c.Offset, func(o float64) bool { return o != 0 }) {
			q.report.warn(sprintf("Rescaling %s keeps an offset or per-channel scales (quantizeml's align_rescaling could not fold them): it stays float, and quantization stops there", l.Name))
			return nil, nil
		}
		cfg = &keras.QMLRescaling{Rescaling: *c, QuantConfig: qc}
	}
	n.Config = cfg
	if oq != nil {
		shape := []int{}
		size := 1
		if oq.PerAxis {
			size = l.OutputShape[len(l.OutputShape)-1]
			shape = []int{size}
		}
		n.Weights = append(n.Weights,
			keras.Weight{Name: "output_quantizer/range_max", Shape: shape, Values: filled(size, 1)},
			keras.Weight{Name: "output_quantizer/rescaling_rate", Shape: slices.Clone(shape), Values: filled(size, 1)})
	}
	n.RawConfig = quantizedRawConfig(l, &n)
	q.report.add(quantizeAction(l, &n, bits))
	return &n, nil
}

// argumentError is quantizeml's check_arg_constraints refusal.
func argumentError(arg, layer, values, value string) error {
	return refusef("Argument '%s' in layer '%s' is only supported with one of %s. Receives '%s'.", arg, layer, values, value)
}

func filled(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// quantizedRawConfig is the raw config of a quantized layer: the float
// layer's, with quantizeml's quant_config (what get_config writes).
func quantizedRawConfig(float, n *keras.Layer) json.RawMessage {
	set := map[string]any{}
	if qc, ok := n.QuantizeML(); ok && qc != nil {
		set["quant_config"] = quantConfigJSON(qc)
	}
	if c, ok := n.Config.(*keras.QMLConv2D); ok && c.PaddingValue != nil {
		set["padding_value"] = c.PaddingValue
		set["padding"] = c.Padding
	}
	if n.UseBias() {
		set["use_bias"] = true
	}
	return rawConfig(float.RawConfig, n.Name, nil, set)
}

// quantConfigJSON writes a quant_config as quantizeml does.
func quantConfigJSON(qc *keras.QuantConfig) map[string]any {
	out := map[string]any{"buffer_bitwidth": qc.BufferBitwidth}
	weight := func(w *keras.QMLQuantizer) map[string]any {
		m := map[string]any{"bitwidth": w.Bitwidth}
		switch {
		case !w.PerAxis:
			m["axis"] = nil
		case w.Axis != -1:
			m["axis"] = w.Axis
		}
		return m
	}
	if qc.WeightQuantizer != nil {
		out["weight_quantizer"] = weight(qc.WeightQuantizer)
	}
	if qc.DWWeightQuantizer != nil {
		out["dw_weight_quantizer"] = weight(qc.DWWeightQuantizer)
	}
	if qc.PWWeightQuantizer != nil {
		out["pw_weight_quantizer"] = weight(qc.PWWeightQuantizer)
	}
	if oq := qc.OutputQuantizer; oq != nil {
		axis := "per-tensor"
		if oq.PerAxis {
			axis = "per-axis"
		}
		m := map[string]any{"bitwidth": oq.Bitwidth, "signed": oq.Signed, "axis": axis, "buffer_bitwidth": oq.BufferBitwidth}
		if oq.ScaleBits != 8 {
			m["scale_bits"] = oq.ScaleBits
		}
		out["output_quantizer"] = m
	}
	return out
}

// quantizeAction reports a layer replaced by its quantized class.
func quantizeAction(float, n *keras.Layer, bits int) Action {
	a := Action{Kind: ActionQuantizeLayer, Layer: n.Name, Class: n.ClassName}
	text := sprintf("quantized %s: %s → %s", n.Name, float.ClassName, n.ClassName)
	if qc, ok := n.QuantizeML(); ok && qc != nil && (qc.WeightQuantizer != nil || qc.PWWeightQuantizer != nil) {
		a.Bits, a.Quantizer = bits, "WeightQuantizer"
		axis := "per output channel"
		if _, dw := n.Config.(*keras.QMLDepthwiseConv2D); dw {
			axis = "per channel"
		}
		text += sprintf(" with %d-bit weights (%s)", bits, axis)
	}
	if oq := n.OutputQuantizer(); oq != nil {
		text += sprintf(", output quantizer %s", oqText(oq))
	}
	a.Text = text
	return a
}

// oqText describes an output quantizer: "8-bit signed per-axis".
func oqText(oq *keras.QMLQuantizer) string {
	sign := "unsigned"
	if oq.Signed {
		sign = "signed"
	}
	axis := "per-tensor"
	if oq.PerAxis {
		axis = "per-axis"
	}
	return sprintf("%d-bit %s %s", oq.Bitwidth, sign, axis)
}

// insertInputQuantizer is _insert_input_quantizer: a float model input
// gets an InputQuantizer of input_dtype's width and sign, per-axis unless
// per_tensor_activations or a 1-D input. An unsigned one needs a Conv2D
// or Dense as the first layer after it (past Rescalings), which is given a
// bias and, for a 'same' Conv2D, a padding value [0.0], so that the zero
// point can be folded into them after calibration.
func (q *qmlQuantizer) insertInputQuantizer(g *graph) error {
	p := q.opts.Params
	in := g.layer(g.m.Inputs[0])
	c, _ := in.Config.(*keras.InputLayer)
	dtype := "float32"
	if c != nil && c.Dtype != "" {
		dtype = c.Dtype
	}
	if !keras.IsFloatDtype(dtype) {
		if dtype != p.InputDtype {
			q.report.warn(sprintf("The provided model expects %s in %s but QuantizationParams.input_dtype is %s which is different. Keeping original signature without adding an input quantizer and continuing execution.",
				dtype, in.Name, dtype))
		}
		return nil
	}
	bits, signed, _ := keras.IntDtype(p.InputDtype) // validated
	perAxis := !p.PerTensorActivations && len(in.OutputShape) >= 2
	axis := "per-tensor"
	if perAxis {
		axis = "per-axis"
	}
	iq := g.newLayer("input_quantizer", "InputQuantizer",
		&keras.QMLInputQuantizer{Bitwidth: bits, Signed: signed, PerAxis: perAxis, Axis: axis}, in.OutputShape)
	iq.Package = "Custom"
	size, shape := 1, []int{}
	if perAxis {
		size = in.OutputShape[len(in.OutputShape)-1]
		shape = []int{size}
	}
	iq.Weights = []keras.Weight{
		{Name: "range_min", Shape: shape, Values: filled(size, 1)},
		{Name: "range_max", Shape: slices.Clone(shape), Values: filled(size, 1)},
	}
	iq.RawConfig = rawConfig(nil, iq.Name, nil, map[string]any{"bitwidth": bits, "signed": signed, "axis": axis})
	if !signed {
		next := g.single(in.Name)
		for next != nil {
			if _, ok := next.Config.(*keras.QMLRescaling); !ok {
				break
			}
			next = g.single(next.Name)
		}
		conv, isConv := configOf[*keras.QMLConv2D](next)
		_, isDense := configOf[*keras.QMLDense](next)
		if !isConv && !isDense {
			name := ""
			if next != nil {
				name = next.Name
			}
			return refusef("Impossible to quantize inputs: unsigned quantization (input_dtype = %s) is only possible if first layer (%s) was one of (Conv2D, BufferTempConv, Dense, StatefulProjection).", p.InputDtype, name)
		}
		changes := ""
		if !next.UseBias() {
			ensureBias(next)
			changes = "a zero bias"
		}
		if isConv && conv.PaddingValue == nil && conv.Padding == "same" {
			conv.PaddingValue, conv.Padding = []float64{0}, "valid"
			changes += map[bool]string{true: " and ", false: ""}[changes != ""] + "padding_value [0.0] ('same' padding done by the layer)"
		}
		next.RawConfig = quantizedRawConfig(next, next)
		if changes != "" {
			q.report.add(Action{Kind: ActionInputQuantizer, Layer: next.Name, Result: next.Name,
				Text: sprintf("%s gets %s, where the unsigned InputQuantizer's zero point is folded after calibration", next.Name, changes)})
		}
	}
	g.insertAfter(in.Name, iq, nil)
	sign := "unsigned"
	if signed {
		sign = "signed"
	}
	q.report.add(Action{Kind: ActionInputQuantizer, Layer: in.Name, Result: iq.Name,
		Text: sprintf("added InputQuantizer %s after the %s input %s: %d-bit %s %s (input_dtype %s)", iq.Name, dtype, in.Name, bits, sign, axis, p.InputDtype)})
	return nil
}

// configOf returns a layer's config as T.
func configOf[T any](l *keras.Layer) (T, bool) {
	var zero T
	if l == nil {
		return zero, false
	}
	c, ok := l.Config.(T)
	return c, ok
}

// insertDequantizers is _handle_not_quantizable_layers: every float layer
// fed by a quantized layer gets a Dequantizer <layer>/dequantizer in
// between (one per quantized layer, shared by its float outbounds). It
// returns whether the model is fully quantized.
func (q *qmlQuantizer) insertDequantizers(g *graph) bool {
	targets := map[string][]string{}
	var order []string
	warned := false
	for _, l := range g.m.Layers {
		if isQuantizedClass(l) || l.IsInput() {
			continue
		}
		for _, in := range g.inbound(l) {
			// An InputQuantizer is not one of quantizeml's quantized
			// classes (is_quantized_layer): a float layer right after it
			// gets no Dequantizer.
			if _, iq := configOf[*keras.QMLInputQuantizer](in); in == nil || iq || !isQuantizedClass(in) {
				continue
			}
			if !warned {
				q.report.warn(sprintf("'%s' of type %s is not supported to quantize, a Dequantizer is added before it and quantization will stop at this layer.Continuing execution.", l.Name, l.ClassName))
				warned = true
			}
			if _, ok := targets[in.Name]; !ok {
				order = append(order, in.Name)
			}
			if !containsString(targets[in.Name], l.Name) {
				targets[in.Name] = append(targets[in.Name], l.Name)
			}
		}
	}
	for _, name := range order {
		target := g.layer(name)
		d := g.newLayer(name+"/dequantizer", "Dequantizer", &keras.QMLDequantizer{}, target.OutputShape)
		d.Package = "Custom"
		g.insertAfter(name, d, targets[name])
		q.report.add(Action{Kind: ActionDequantizer, Layer: name, Result: d.Name,
			Text: sprintf("added Dequantizer %s before %s: quantization stops there (%s)", d.Name, strings.Join(targets[name], ", "), floatReason(g, targets[name][0]))})
	}
	return len(order) == 0
}

// floatReason says why a layer stays float.
func floatReason(g *graph, name string) string {
	l := g.layer(name)
	switch c := l.Config.(type) {
	case *keras.Activation:
		return sprintf("a Keras Activation(%q) has no quantized version", c.Activation)
	case nil:
		return sprintf("%s is a class this tool does not read", l.ClassName)
	}
	return sprintf("quantizeml has no quantized %s", l.ClassName)
}

// applyLastOutputBits is _apply_last_output_bits: the output layers'
// output quantizers become last_output_bits wide (16-bit scales from 16
// bits on).
func (q *qmlQuantizer) applyLastOutputBits(g *graph) error {
	p := q.opts.Params
	for _, name := range g.m.Outputs {
		l := g.layer(name)
		qc, ok := l.QuantizeML()
		if !ok || qc == nil || noOutputQuantizer(l.ClassName) {
			return refusef("Cannot apply last_output_bits on %s.", name)
		}
		scaleBits := 8
		if p.LastOutputBits >= 16 {
			scaleBits = 16
		}
		had := qc.OutputQuantizer != nil
		qc.OutputQuantizer = &keras.QMLQuantizer{Bitwidth: p.LastOutputBits, Signed: true, Axis: -1,
			ScaleBits: scaleBits, BufferBitwidth: p.BufferBits}
		if !had {
			l.Weights = append(l.Weights,
				keras.Weight{Name: "output_quantizer/range_max", Shape: []int{}, Values: []float32{1}},
				keras.Weight{Name: "output_quantizer/rescaling_rate", Shape: []int{}, Values: []float32{1}})
		} else {
			setScalarOQWeights(l)
		}
		l.RawConfig = quantizedRawConfig(l, l)
		q.report.add(Action{Kind: ActionLastOutputBits, Layer: name,
			Text: sprintf("%s: output quantizer %s with %d-bit scales (last_output_bits)", name, oqText(qc.OutputQuantizer), scaleBits)})
	}
	return nil
}

// setScalarOQWeights makes a layer's output quantizer variables per
// tensor (last_output_bits replaces a per-axis quantizer).
func setScalarOQWeights(l *keras.Layer) {
	for i := range l.Weights {
		if strings.HasPrefix(l.Weights[i].Name, "output_quantizer/") {
			l.Weights[i].Shape, l.Weights[i].Values = []int{}, []float32{1}
		}
	}
}
