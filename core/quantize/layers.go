package quantize

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The layer replacement of cnn2snn.quantize (conversion.md §6.4): float
// neural layers become cnn2snn quantized layers with per-axis quantizers,
// ReLUs become QuantizedReLUs, cnn2snn layers get their bit widths changed.

// Quantizer classes cnn2snn.quantize gives a float layer.
const (
	perAxisQuantizer   = "MaxPerAxisQuantizer" // kernels (one scale per output channel)
	perTensorQuantizer = "MaxQuantizer"        // separable depthwise kernels
)

// weightBitsSeq hands out cnn2snn's weight bit widths in layer order: the
// first neural layer met gets the input weight bits, the others the
// weight bits.
type weightBitsSeq struct {
	o       Options
	started bool
}

func (s *weightBitsSeq) next() (bits int, first bool) {
	if !s.started {
		s.started = true
		return s.o.InputWeightBits, true
	}
	return s.o.WeightBits, false
}

// isFloatNeural reports the float classes cnn2snn.quantize replaces
// (exact types: a DepthwiseConv2D or Conv2DTranspose is left as it is).
func isFloatNeural(l *keras.Layer) bool {
	switch l.Config.(type) {
	case *keras.Conv2D, *keras.SeparableConv2D, *keras.Dense:
		return true
	}
	return false
}

// checkArguments reports, with cnn2snn's message, every float neural layer
// to be quantized whose arguments the quantized layer cannot take.
func (q *quantizer) checkArguments(layers []*keras.Layer) []compat.Diagnostic {
	var ds []compat.Diagnostic
	seq := weightBitsSeq{o: q.opts}
	for _, l := range layers {
		if !isFloatNeural(l) {
			if compat.IsQuantizedNeural(l) {
				seq.next()
			}
			continue
		}
		if bits, _ := seq.next(); bits == 0 {
			continue // left float: cnn2snn checks nothing
		}
		ds = append(ds, compat.NonDefaultArguments(l)...)
	}
	return ds
}

// quantizeLayers replaces the layers. Layers with problems (reported by
// checkArguments) are left as they are.
func (q *quantizer) quantizeLayers(layers []*keras.Layer) ([]*keras.Layer, error) {
	out := make([]*keras.Layer, 0, len(layers))
	seq := weightBitsSeq{o: q.opts}
	for _, l := range layers {
		var n *keras.Layer
		var err error
		switch {
		case isFloatNeural(l):
			bits, first := seq.next()
			n = q.quantizeNeural(l, bits, first)
		case compat.IsQuantizedNeural(l):
			bits, first := seq.next()
			n, err = q.requantizeNeural(l, bits, first)
		default:
			n, err = q.quantizeActivation(l)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// quantizeNeural replaces a float Conv2D, SeparableConv2D or Dense by its
// cnn2snn quantized class with a MaxPerAxisQuantizer (and a MaxQuantizer
// for the depthwise kernel of a separable layer).
func (q *quantizer) quantizeNeural(l *keras.Layer, bits int, first bool) *keras.Layer {
	if bits == 0 {
		q.report.add(Action{Kind: ActionKeepFloat, Layer: l.Name, Text: sprintf("%s stays float (weight bitwidth 0)", l.Name)})
		return withUseBias(l)
	}
	if len(compat.NonDefaultArguments(l)) > 0 {
		return l
	}
	pw := keras.WeightQuantizer{ClassName: perAxisQuantizer, Bitwidth: bits, Threshold: 3}
	n := *l
	set := map[string]any{"quantizer": quantizerConfig(pw)}
	drop := []string{"data_format", "activation", "groups"}
	detail := sprintf("%s (one scale per output channel)", perAxisQuantizer)
	switch c := l.Config.(type) {
	case *keras.Conv2D:
		n.ClassName, n.Config = "QuantizedConv2D", &keras.QuantizedConv2D{Conv2D: *c, Quantizer: pw}
	case *keras.SeparableConv2D:
		dw := keras.WeightQuantizer{ClassName: perTensorQuantizer, Bitwidth: bits, Threshold: 3}
		n.ClassName = "QuantizedSeparableConv2D"
		n.Config = &keras.QuantizedSeparableConv2D{SeparableConv2D: *c, Quantizer: pw, QuantizerDW: dw}
		set["quantizer_dw"] = quantizerConfig(dw)
		drop = []string{"data_format", "activation", "depth_multiplier"}
		detail = sprintf("pointwise %s (one scale per output channel), depthwise %s", perAxisQuantizer, perTensorQuantizer)
	case *keras.Dense:
		n.ClassName, n.Config = "QuantizedDense", &keras.QuantizedDense{Dense: *c, Quantizer: pw}
		drop = []string{"activation"}
	}
	n.Package = ""
	set["use_bias"] = n.UseBias()
	n.RawConfig = rawConfig(l.RawConfig, l.Name, drop, set)
	q.report.add(Action{Kind: ActionQuantizeLayer, Layer: l.Name, Class: n.ClassName, Bits: bits, Quantizer: perAxisQuantizer,
		Text: sprintf("quantized %s: %s → %s with %d-bit weights, %s%s", l.Name, l.ClassName, n.ClassName, bits, detail, firstNote(first))})
	return &n
}

func firstNote(first bool) string {
	if first {
		return " (first neural layer: the input weight bitwidth)"
	}
	return ""
}

// requantizeNeural changes the bit width of a cnn2snn quantized layer,
// keeping its quantizer classes, as cnn2snn.quantize does.
func (q *quantizer) requantizeNeural(l *keras.Layer, bits int, first bool) (*keras.Layer, error) {
	if bits == 0 {
		return nil, fmt.Errorf("A quantized layer cannot be quantized with bitwidth 0. Receives layer %s of type  %s.", l.Name, l.ClassName)
	}
	n := *l
	set := map[string]any{}
	var qz keras.WeightQuantizer
	switch c := l.Config.(type) {
	case *keras.QuantizedConv2D:
		cfg := *c
		cfg.Quantizer.Bitwidth = bits
		qz, n.Config = cfg.Quantizer, &cfg
	case *keras.QuantizedSeparableConv2D:
		cfg := *c
		cfg.Quantizer.Bitwidth, cfg.QuantizerDW.Bitwidth = bits, bits
		qz, n.Config = cfg.Quantizer, &cfg
		set["quantizer_dw"] = quantizerConfig(cfg.QuantizerDW)
	case *keras.QuantizedDense:
		cfg := *c
		cfg.Quantizer.Bitwidth = bits
		qz, n.Config = cfg.Quantizer, &cfg
	}
	set["quantizer"] = quantizerConfig(qz)
	set["use_bias"] = n.UseBias()
	n.RawConfig = rawConfig(l.RawConfig, l.Name, nil, set)
	q.report.add(Action{Kind: ActionQuantizeLayer, Layer: l.Name, Class: n.ClassName, Bits: bits, Quantizer: qz.ClassName,
		Text: sprintf("re-quantized %s (%s, %s): %d-bit weights%s", l.Name, l.ClassName, qz.ClassName, bits, firstNote(first))})
	return &n, nil
}

// quantizeActivation replaces a ReLU by a QuantizedReLU, changes the bit
// width of cnn2snn's quantized activations, and returns other layers as
// they are.
func (q *quantizer) quantizeActivation(l *keras.Layer) (*keras.Layer, error) {
	bits := q.opts.ActivationBits
	var maxValue float64
	var source, note string
	switch c := l.Config.(type) {
	case *keras.ReLU:
		if bits == 0 {
			q.report.add(Action{Kind: ActionKeepFloat, Layer: l.Name, Text: sprintf("%s stays float (activation bitwidth 0)", l.Name)})
			return l, nil
		}
		if c.Threshold != 0 {
			// cnn2snn prints this and keeps the ReLU; the converter then
			// refuses it as an unsupported type.
			q.report.add(Action{Kind: ActionSkipReLU, Layer: l.Name, Text: sprintf("Skipping ReLU layer %s with non-zero threshold", l.Name)})
			return l, nil
		}
		maxValue, source = q.reluMaxValue(l, c, bits)
		if c.NegativeSlope != 0 {
			note = sprintf("; its negative_slope %s is dropped, as cnn2snn does: the quantized ReLU outputs 0 for negative inputs", pyrepr.Float(c.NegativeSlope))
		}
	case *keras.ActivationDiscreteRelu:
		if bits == 0 {
			return nil, quantizedActivationBitsZero(l)
		}
		// cnn2snn: QuantizedReLU(bits, step * levels), a float32 product.
		maxValue, source = float64(c.Step()*float32(c.Levels())), MaxValueConverted
	case *keras.QuantizedReLU:
		if bits == 0 {
			return nil, quantizedActivationBitsZero(l)
		}
		maxValue, source = c.MaxValue, MaxValueKept
	default:
		return l, nil
	}
	n := *l
	n.ClassName, n.Package = "QuantizedReLU", ""
	n.Config = &keras.QuantizedReLU{Bitwidth: bits, MaxValue: maxValue}
	n.RawConfig = rawConfig(nil, l.Name, nil, map[string]any{"bitwidth": bits, "max_value": maxValue})
	mv := maxValue
	q.report.add(Action{Kind: ActionQuantizeReLU, Layer: l.Name, Class: n.ClassName, Bits: bits,
		MaxValue: &mv, MaxValueSource: source, Extension: source == MaxValueCalibrated,
		Text: sprintf("%s %s → QuantizedReLU with %d-bit activations, max_value %s%s", l.ClassName, l.Name, bits, q.maxValueText(l.Name, maxValue, source), note)})
	return &n, nil
}

func quantizedActivationBitsZero(l *keras.Layer) error {
	return fmt.Errorf("A quantized activation cannot be quantized with bitwidth 0. Receives layer %s of type  %s.", l.Name, l.ClassName)
}

// reluMaxValue is the max_value of a ReLU's QuantizedReLU: its own, else
// the calibrated one, else cnn2snn's default 2^bits − 1 (a ReLU left
// uncalibrated because the model has problems, or whose outputs were all 0).
func (q *quantizer) reluMaxValue(l *keras.Layer, c *keras.ReLU, bits int) (float64, string) {
	if c.MaxValue != nil {
		return *c.MaxValue, MaxValueKept
	}
	if v, ok := q.maxValues[l.Name]; ok {
		return v, MaxValueCalibrated
	}
	return math.Exp2(float64(bits)) - 1, MaxValueDefault
}

// maxValueText says where a max_value comes from.
func (q *quantizer) maxValueText(layer string, v float64, source string) string {
	s := pyrepr.Float(v)
	switch source {
	case MaxValueKept:
		return s + " (kept)"
	case MaxValueConverted:
		return s + " (step × levels of the ActivationDiscreteRelu)"
	case MaxValueCalibrated:
		return "calibrated to " + s + " " + q.report.Calibration.describe(layer)
	}
	return s + " (cnn2snn's default 2^bits − 1" + q.report.Calibration.defaultReason(layer) + ")"
}

// quantizerConfig is the serialized form of a cnn2snn weight quantizer
// (conversion.md §6.1).
func quantizerConfig(w keras.WeightQuantizer) map[string]any {
	cfg := map[string]any{"bitwidth": w.Bitwidth}
	if w.ClassName == "StdWeightQuantizer" || w.ClassName == "StdPerAxisQuantizer" {
		cfg["threshold"] = w.Threshold
	}
	return map[string]any{"class_name": w.ClassName, "config": cfg}
}

// withUseBias returns the float layer with its raw config's use_bias in
// step with the typed config (a folded layer has a bias).
func withUseBias(l *keras.Layer) *keras.Layer {
	n := *l
	n.RawConfig = rawConfig(l.RawConfig, l.Name, nil, map[string]any{"use_bias": l.UseBias()})
	return &n
}

// rawConfig keeps a rewritten layer's raw "config" JSON in step with its
// typed config: the original object (or an empty one) with the name set,
// the keys in drop removed and those in set written.
func rawConfig(raw json.RawMessage, name string, drop []string, set map[string]any) json.RawMessage {
	m := map[string]json.RawMessage{}
	if len(raw) > 0 && json.Unmarshal(raw, &m) != nil || m == nil {
		m = map[string]json.RawMessage{}
	}
	put := func(k string, v any) {
		if b, err := json.Marshal(v); err == nil {
			m[k] = b
		}
	}
	put("name", name)
	for _, k := range drop {
		delete(m, k)
	}
	for k, v := range set {
		put(k, v)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return b
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
