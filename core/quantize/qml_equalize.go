package quantize

import (
	"math"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The end of quantizeml's calibrate (spec conversion-v2.md §4.3, §4.7;
// quantizeml 1.1.1 models/calibrate.py _set_and_equalize,
// _set_and_fold_zero_point): the observed ranges go into the quantizers,
// output quantizers are equalized with the layer after them, and an
// unsigned InputQuantizer's zero point is folded into the next layer.

// setRanges applies the observers, in the quantized model's layer order.
func (q *qmlQuantizer) setRanges(observers []*observer) error {
	for _, o := range observers {
		var err error
		if o.input {
			err = q.setAndFoldZeroPoint(o)
		} else {
			q.setAndEqualize(o)
		}
		if err != nil {
			return err
		}
	}
	q.dropZeroPaddingValues()
	return nil
}

// idealRangeMax is FixedPoint(2^b − 1, b, b − floor_log2(r)).to_float():
// (2^b − 1)·2^(floor(log2 r) − b), the largest value of b bits at the
// frac bits that fit r (quantizeml passes the bitwidth, not the value
// bits). A range of 0 gives 0.
func idealRangeMax(r float32, bits int) float32 {
	if r == 0 {
		return 0
	}
	return float32(math.Ldexp(float64(int64(1)<<bits-1), keras.QMLFloorLog2(r)-bits))
}

// setAndEqualize is _set_and_equalize: range_max takes the observed
// range; then, when the quantizer rescales (its input is a QFloat: not an
// Add's) and the layer's outputs reach one convolution or dense layer
// through layers that keep the equalization valid, range_max takes the
// ideal range instead, rescaling_rate = ideal / observed, and that next
// layer's kernel is divided by rescaling_rate along its input channels.
func (q *qmlQuantizer) setAndEqualize(o *observer) {
	l := q.quant.layer(o.target)
	oq := l.OutputQuantizer()
	rangeMax, rate := l.Weight("output_quantizer/range_max"), l.Weight("output_quantizer/rescaling_rate")
	observed := slices.Clone(o.max)
	copy(rangeMax.Values, observed)
	rep := QuantizerReport{Layer: l.Name, Kind: QuantizerOutput, Bits: oq.Bitwidth, Signed: oq.Signed,
		Axis: axisName(oq.PerAxis), Calibrated: observed, RangeMax: rangeMax.Values, RescalingRate: rate.Values}
	defer func() { q.report.QuantizeML.Quantizers = append(q.report.QuantizeML.Quantizers, rep) }()
	if _, isAdd := l.Config.(*keras.QMLAdd); isAdd {
		rep.Note = "no equalization: the Add's output quantizer only shifts (its input has no scales)"
		return
	}
	next, reshape := q.equalizationTarget(l, oq.PerAxis)
	if next == nil {
		rep.Note = "no equalization: no single convolution or dense layer follows"
		return
	}
	ideal := make([]float32, len(observed))
	same := true
	for i, r := range observed {
		ideal[i] = idealRangeMax(r, oq.Bitwidth)
		same = same && ideal[i] == r
	}
	if same {
		rep.Note = "no equalization: the calibrated range is already ideal"
		return
	}
	copy(rangeMax.Values, ideal)
	denominator := slices.Clone(observed)
	if oq.PerAxis {
		// A channel whose ideal range is 0 keeps rescaling_rate 1; its
		// range_max stays 0 (spec §4.7).
		for i := range ideal {
			if ideal[i] == 0 {
				denominator[i], ideal[i] = 1, 1
			}
		}
	}
	for i := range rate.Values {
		rate.Values[i] = ideal[i] / denominator[i]
	}
	divideKernel(next, rate.Values, reshape)
	rep.EqualizedWith = next.Name
	q.report.add(Action{Kind: ActionEqualize, Layer: l.Name, Result: next.Name,
		Text: sprintf("equalized %s with %s: range_max %s (ideal for %d bits), rescaling_rate %s, %s's kernel divided by it",
			l.Name, next.Name, floatsText(rangeMax.Values), oq.Bitwidth, floatsText(rate.Values), next.Name)})
}

// reshapeOp is a Flatten or Reshape met between an output quantizer and
// the layer it is equalized with: its input and output shapes.
type reshapeOp struct{ in, out keras.Shape }

// equalizationTarget is _get_next_layer: the layer after l through single
// outbounds, past Dropout, MaxPooling2D, GlobalAveragePooling2D and
// Dequantizer layers (and Reshape/Flatten when per tensor; one of them
// otherwise, which is returned too), when it is a Conv2D, Conv2DTranspose,
// SeparableConv2D, DepthwiseConv2D or Dense (quantized or not) with groups
// 1 and channels_last.
func (q *qmlQuantizer) equalizationTarget(l *keras.Layer, perAxis bool) (*keras.Layer, *reshapeOp) {
	g := q.quant
	var reshape *reshapeOp
	for cur := l; ; {
		next := g.single(cur.Name)
		if next == nil {
			return nil, nil
		}
		_, deq := next.Config.(*keras.QMLDequantizer)
		switch c := next.Base().(type) {
		case *keras.Conv2D:
			if c.Groups > 1 || c.DataFormat == "channels_first" {
				return nil, nil
			}
			return next, reshape
		case *keras.Conv2DTranspose, *keras.SeparableConv2D, *keras.DepthwiseConv2D, *keras.Dense:
			if f, _ := next.DataFormat(); f == "channels_first" {
				return nil, nil
			}
			return next, reshape
		case *keras.Dropout, *keras.MaxPooling2D, *keras.GlobalAveragePooling2D:
		case *keras.Reshape, *keras.Flatten:
			if perAxis {
				if reshape != nil {
					return nil, nil
				}
				reshape = &reshapeOp{in: g.inputShape(next), out: next.OutputShape}
			}
		default:
			if !deq {
				return nil, nil
			}
		}
		cur = next
	}
}

// divideKernel divides the first weight of the layer (its kernel) by the
// rescaling rate along its input channels: the axis before the last for
// Conv2D, DepthwiseConv2D, SeparableConv2D and Dense, the last for a
// Conv2DTranspose (kernel (h, w, filters, channels)). After a Flatten or
// Reshape that changed the last dimension, the kernel's input axis is
// first reshaped to the shape before it (e.g. (H·W·C, F) → (H, W, C, F)).
func divideKernel(l *keras.Layer, rate []float32, reshape *reshapeOp) {
	w := &l.Weights[0]
	rank := len(w.Shape)
	axis := rank - 2
	if _, ok := l.Base().(*keras.Conv2DTranspose); ok && reshape == nil {
		axis = rank - 1
	}
	channels, stride := w.Shape[axis], keras.Elements(w.Shape[axis+1:])
	if reshape != nil && len(reshape.in) > 0 && len(reshape.out) > 0 && reshape.in[len(reshape.in)-1] != reshape.out[len(reshape.out)-1] {
		// The input axis (H·W·C) is read as (H, W, C): the channel is
		// the index modulo C.
		channels = reshape.in[len(reshape.in)-1]
	}
	for i := range w.Values {
		c := i / stride % w.Shape[axis] % channels
		w.Values[i] /= rate[min(c, len(rate)-1)]
	}
}

// setAndFoldZeroPoint is _set_and_fold_zero_point: the InputQuantizer takes
// the observed range (range_min clipped to ≤ 0 when unsigned); an
// unsigned one with a non-zero range_min shifts its outputs by the zero
// point, which is compensated in the next layer past Rescalings (scaled
// by them): bias += Σ kernel·range_min over every axis but the output
// one, padding_value −= range_min.
func (q *qmlQuantizer) setAndFoldZeroPoint(o *observer) error {
	l := q.quant.layer(o.target)
	iq := l.Config.(*keras.QMLInputQuantizer)
	lo, hi := slices.Clone(o.min), slices.Clone(o.max)
	if !iq.Signed {
		for i := range lo {
			if lo[i] > 0 {
				lo[i] = 0
			}
		}
	}
	copy(l.Weight("range_min").Values, lo)
	copy(l.Weight("range_max").Values, hi)
	q.report.QuantizeML.Quantizers = append(q.report.QuantizeML.Quantizers, QuantizerReport{
		Layer: l.Name, Kind: QuantizerInput, Bits: iq.Bitwidth, Signed: iq.Signed, Axis: axisName(iq.PerAxis),
		Calibrated: slices.Clone(o.max), CalibratedMin: slices.Clone(o.min), RangeMin: lo, RangeMax: hi})
	if iq.Signed || !slices.ContainsFunc(lo, func(v float32) bool { return v != 0 }) {
		return nil
	}
	g := q.quant
	next := g.single(l.Name)
	for next != nil {
		r, ok := next.Config.(*keras.QMLRescaling)
		if !ok {
			break
		}
		for i := range lo {
			lo[i] *= float32(r.Scale[0])
		}
		next = g.single(next.Name)
	}
	failed := func() error {
		name := ""
		if next != nil {
			name = next.Name
		}
		return refusef("During calibration, impossible to fold zero point in %s.", name)
	}
	if next == nil || next.Weight("kernel") == nil || next.Weight("bias") == nil {
		return failed()
	}
	conv, isConv := next.Config.(*keras.QMLConv2D)
	if _, isDense := next.Config.(*keras.QMLDense); !isConv && !isDense {
		return failed()
	}
	kernel := next.Weight("kernel")
	offset, err := perChannel(float64s(lo), kernel.Shape[len(kernel.Shape)-2])
	if err != nil {
		return failed()
	}
	if isConv && conv.PaddingValue != nil {
		pv := make([]float64, max(len(conv.PaddingValue), len(lo)))
		for i := range pv {
			pv[i] = conv.PaddingValue[min(i, len(conv.PaddingValue)-1)] - float64(lo[min(i, len(lo)-1)])
		}
		if allEqual(pv) {
			pv = pv[:1]
		}
		conv.PaddingValue = pv
		next.RawConfig = quantizedRawConfig(next, next)
	}
	foldOffset(next, offset)
	q.report.add(Action{Kind: ActionFoldZeroPoint, Layer: l.Name, Result: next.Name,
		Text: sprintf("folded the zero point of %s (range_min %s) into the bias of %s", l.Name, floatsText(lo), next.Name)})
	return nil
}

func float64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// dropZeroPaddingValues is an extension: quantizeml gives the first
// 'same' Conv2D after an unsigned InputQuantizer a padding_value [0.0] so
// that a zero point can be folded into it, and saves it with padding
// 'valid'. When no zero point was folded (the inputs are never negative)
// the padding value stays 0 — the layer pads with zeros like any 'same'
// convolution — but when a MaxPool2D follows, cnn2snn's check reads the
// 'valid' padding and refuses the block ("Pooling layer … must have the
// same padding as …"). There the padding value is removed and the layer
// made 'same' again: the same function.
func (q *qmlQuantizer) dropZeroPaddingValues() {
	for _, l := range q.quant.m.Layers {
		c, ok := l.Config.(*keras.QMLConv2D)
		if !ok || c.PaddingValue == nil || slices.ContainsFunc(c.PaddingValue, func(v float64) bool { return v != 0 }) {
			continue
		}
		next := q.quant.single(l.Name)
		if _, pool := configOf[*keras.QMLMaxPool2D](next); !pool {
			continue
		}
		c.PaddingValue, c.Padding = nil, "same"
		l.RawConfig = quantizedRawConfig(l, l)
		q.report.add(Action{Kind: ActionDropPaddingValue, Layer: l.Name, Extension: true,
			Text: sprintf("%s pads with zeros: its padding_value [0.0] is removed and its padding is 'same' again, so that the max pooling %s after it keeps the same padding (extension: cnn2snn refuses the 'valid' padding quantizeml saves with a padding value)",
				l.Name, next.Name)})
	}
}

// axisName is "per-axis" or "per-tensor".
func axisName(perAxis bool) string {
	if perAxis {
		return "per-axis"
	}
	return "per-tensor"
}

// floatsText prints a range: the value, or min…max over the channels.
func floatsText(v []float32) string {
	if len(v) == 0 {
		return "[]"
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	if len(v) == 1 || lo == hi {
		return sprintf("%.6g", lo)
	}
	return sprintf("%.6g…%.6g over %d channels", lo, hi, len(v))
}
