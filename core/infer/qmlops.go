package infer

import (
	"fmt"
	"math"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The quantizeml layer kernels. Each takes the layer's record (the
// recorded integers and the descriptions of its input and result) and
// computes the integer values the record's Raw describes; quantizedLayer
// then applies the output quantizer. Values stay float32 integers between
// layers, as in quantizeml; products and sums are exact in int64 (see the
// choice in qml.go).

// castInput is quantizeml's treatment of a float tensor reaching a
// quantized layer: a cast to the context's input dtype, uint8 (the
// recording's castFloat). TF's cast truncates towards zero; values
// outside 0…255 have no defined cast and are refused.
func castInput(t QTensor) (QTensor, error) {
	if !t.IsFloat() {
		return t, nil
	}
	out := QTensor{Shape: t.Shape, Values: make([]float32, len(t.Values)), QTensor: keras.QTensor{ValueBits: 8, Frac: []int{0}}}
	for i, v := range t.Values {
		tv := float32(math.Trunc(float64(v)))
		if !(tv >= 0 && tv <= 255) {
			return QTensor{}, fmt.Errorf("input value %g at index %d is outside 0…255: quantizeml casts a float input to uint8 before this layer; give values of that range or quantize the input with an InputQuantizer", v, i)
		}
		out.Values[i] = tv
	}
	return out, nil
}

// channels returns the size of the last axis.
func (t QTensor) channels() int { return t.Shape[len(t.Shape)-1] }

// aligned returns the values shifted left per channel by shifts (one, or
// one per channel) and saturated to vb value bits: quantizeml's expand.
// Without shifts it returns the values as they are (a promotion).
func aligned(t QTensor, shifts []int, vb int) ([]float32, error) {
	if shifts == nil {
		return t.Values, nil
	}
	c := t.channels()
	if len(shifts) != 1 && len(shifts) != c {
		return nil, fmt.Errorf("%d input shifts for %d channels; the model's shapes are inconsistent, re-save it", len(shifts), c)
	}
	out := make([]float32, len(t.Values))
	for i, v := range t.Values {
		s := shifts[0]
		if len(shifts) > 1 {
			s = shifts[i%c]
		}
		out[i] = keras.QMLSaturate(keras.QMLRescale(v, s), vb)
	}
	return out, nil
}

// inputQuantizer is quantizeml's InputQuantizer: q = sat(round(x·2^F),
// vb) per channel, plus the zero point (saturated again) when unsigned.
func inputQuantizer(r *keras.QMLRecord, x QTensor) (QTensor, error) {
	d := r.Raw
	c := x.channels()
	if err := fits(x, d, r); err != nil || (len(r.ZeroPoints) > 1 && len(r.ZeroPoints) != c) {
		return QTensor{}, fmt.Errorf("the input has %d channels, which its quantizer's ranges do not fit; the model's shapes are inconsistent, re-save it", c)
	}
	out := QTensor{Shape: x.Shape, Values: make([]float32, len(x.Values))}
	for i, v := range x.Values {
		ch := i % c
		f := d.FracAt(ch)
		q := keras.QMLSaturate(keras.RoundHalfEven(v*keras.QMLPow2(f)), d.ValueBits)
		if r.ZeroPoints != nil {
			zp := r.ZeroPoints[0]
			if len(r.ZeroPoints) > 1 {
				zp = r.ZeroPoints[ch]
			}
			q = keras.QMLSaturate(q+float32(zp), d.ValueBits)
		}
		out.Values[i] = q
	}
	return out, nil
}

// outputQuantize is quantizeml's OutputQuantizer on values described by
// t.QTensor (spec §4.4 item 3): for a QFloat, p = sat(v·qs, buffer bits)
// in float32, then sat(rescale(p, sh), vb_out); for a FixedPoint
// sat(rescale(v, sh), vb_out).
func outputQuantize(t QTensor, oq *keras.QMLOutputQuantizer, out keras.QTensor) QTensor {
	res := QTensor{Shape: t.Shape, Values: make([]float32, len(t.Values)), QTensor: out}
	c := t.channels()
	for i, v := range t.Values {
		ch := i % c
		sh := oq.Shift[0]
		if len(oq.Shift) > 1 {
			sh = oq.Shift[ch]
		}
		if oq.Scales != nil {
			qs := oq.Scales[0]
			if len(oq.Scales) > 1 {
				qs = oq.Scales[ch]
			}
			v = keras.QMLSaturate(v*float32(qs), oq.BufferBits)
		}
		res.Values[i] = keras.QMLSaturate(keras.QMLRescale(v, sh), out.ValueBits)
	}
	return res
}

// convKind tells the convolution kernels apart.
type convKind int

const (
	convPlain               convKind = iota // Conv2D: kernel (kh, kw, cin, cout)
	convDepthwise                           // DepthwiseConv2D: kernel (kh, kw, c, 1)
	convTransposed                          // Conv2DTranspose: recorded kernel (kh, kw, cin, cout)
	convDepthwiseTransposed                 // DepthwiseConv2DTranspose: kernel (kh, kw, c, 1)
)

// convGeometry is what a convolution's config says about its windows.
type convGeometry struct {
	kernel, strides [2]int
	dilation        []int
	padding         string // "same" for a QuantizedConv2D with a padding_value
}

// qmlConv runs a quantizeml convolution: input alignment, padding (with
// the padding value when one is recorded), the exact integer sums, then
// the accumulator's saturation and the aligned bias.
func qmlConv(r *keras.QMLRecord, x QTensor, g convGeometry, kind convKind) (QTensor, error) {
	x, err := castInput(x)
	if err != nil {
		return QTensor{}, err
	}
	n, h, w, cin, err := rank4(Tensor{Shape: x.Shape})
	if err != nil {
		return QTensor{}, err
	}
	k := r.Weights
	if err := checkKernel(k, g, cin, kind); err != nil {
		return QTensor{}, err
	}
	vb := r.Raw.ValueBits
	xa, err := aligned(x, r.InputShift, vb)
	if err != nil {
		return QTensor{}, err
	}
	xs := toInts(xa)
	var sums []int64
	var oh, ow int
	switch kind {
	case convPlain, convDepthwise:
		rows, cols, err := convWindows(h, w, g.kernel, g.strides, g.dilation, g.padding)
		if err != nil {
			return QTensor{}, err
		}
		if r.PaddingValue != nil {
			xs, h, w = padWith(xs, n, h, w, cin, rows, cols, r.PaddingValue)
			if rows, cols, err = convWindows(h, w, g.kernel, g.strides, g.dilation, "valid"); err != nil {
				return QTensor{}, err
			}
		}
		oh, ow = rows.out, cols.out
		if kind == convPlain {
			sums, err = convInts(xs, n, h, w, cin, k.Values, rows, cols, k.Shape[3])
		} else {
			sums, err = depthwiseInts(xs, n, h, w, cin, k.Values, rows, cols)
		}
		if err != nil {
			return QTensor{}, err
		}
	default:
		if d := g.dilation; len(d) > 0 && slices.ContainsFunc(d, func(v int) bool { return v != 1 }) {
			return QTensor{}, fmt.Errorf("dilation_rate %v in a transposed convolution is %w", d, ErrUnsupported)
		}
		rows, err := transposeWindow(h, g.kernel[0], g.strides[0], g.padding)
		if err != nil {
			return QTensor{}, fmt.Errorf("height: %w", err)
		}
		cols, err := transposeWindow(w, g.kernel[1], g.strides[1], g.padding)
		if err != nil {
			return QTensor{}, fmt.Errorf("width: %w", err)
		}
		oh, ow = rows.out, cols.out
		if sums, err = transposedInts(xs, n, h, w, cin, k, rows, cols, kind == convDepthwiseTransposed); err != nil {
			return QTensor{}, err
		}
	}
	cout := len(sums) / (n * oh * ow)
	return accumulate(r, []int{n, oh, ow, cout}, sums), nil
}

// checkKernel compares the recorded kernel with the layer's geometry and
// input channels: (kh, kw, cin, cout) for a convolution (the transposed
// one as recorded), (kh, kw, cin, 1) for a depthwise one.
func checkKernel(k *keras.QMLWeights, g convGeometry, cin int, kind convKind) error {
	s := k.Shape
	ok := len(s) == 4 && s[0] == g.kernel[0] && s[1] == g.kernel[1] && s[2] == cin && s[3] > 0
	if kind == convDepthwise || kind == convDepthwiseTransposed {
		ok = ok && s[3] == 1
	}
	if !ok {
		return fmt.Errorf("the kernel has shape %v, which does not fit a %v kernel over %d input channels; the model file is inconsistent, re-save it", s, g.kernel, cin)
	}
	return nil
}

// accumulate turns exact sums into quantizeml's accumulator: rounded to
// float32, saturated to the buffer, plus the aligned bias β_int·2^shift
// (itself saturated), saturated again.
func accumulate(r *keras.QMLRecord, shape []int, sums []int64) QTensor {
	vb := r.Raw.ValueBits
	out := QTensor{Shape: shape, Values: make([]float32, len(sums))}
	c := shape[len(shape)-1]
	var bias []float32
	if r.Bias != nil {
		bias = make([]float32, c)
		for ch := range bias {
			bias[ch] = keras.QMLSaturate(keras.QMLRescale(float32(r.Bias[ch]), r.BiasShift[ch]), vb)
		}
	}
	for i, s := range sums {
		v := keras.QMLSaturate(float32(s), vb)
		if bias != nil {
			v = keras.QMLSaturate(v+bias[i%c], vb)
		}
		out.Values[i] = v
	}
	return out
}

// toInts converts float32 integers to int64.
func toInts(v []float32) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// padWith pads an NHWC tensor for the windows rows and cols ('same') with
// a value per channel (one value for all when pv has one), returning the
// padded tensor and its height and width: quantizeml's explicit padding
// of a QuantizedConv2D with a padding_value.
func padWith(x []int64, n, h, w, c int, rows, cols window, pv []int) ([]int64, int, int) {
	ph := (rows.out-1)*rows.stride + (rows.size-1)*rows.dilation + 1
	pw := (cols.out-1)*cols.stride + (cols.size-1)*cols.dilation + 1
	ph, pw = max(ph, h+rows.padBefore), max(pw, w+cols.padBefore)
	out := make([]int64, n*ph*pw*c)
	for i := range out {
		if len(pv) == 1 {
			out[i] = int64(pv[0])
		} else {
			out[i] = int64(pv[i%c])
		}
	}
	for b := range n {
		for y := range h {
			copy(out[((b*ph+y+rows.padBefore)*pw+cols.padBefore)*c:], x[(b*h+y)*w*c:][:w*c])
		}
	}
	return out, ph, pw
}

// convInts is an exact integer Conv2D: out[n,oy,ox,co] = Σ x·k[ky,kx,ci,co]
// over the cells inside the input (padding is zero).
func convInts(x []int64, n, h, w, cin int, k []int8, rows, cols window, cout int) ([]int64, error) {
	if err := checkWork(n, rows.out, cols.out, min(rows.size, h), min(cols.size, w), cin, cout); err != nil {
		return nil, err
	}
	if _, err := elements([]int{n, rows.out, cols.out, cout}); err != nil {
		return nil, err
	}
	out := make([]int64, n*rows.out*cols.out*cout)
	kw := cols.size
	for b := range n {
		for oy := range rows.out {
			kyLo, kyHi := rows.cells(oy)
			for ox := range cols.out {
				kxLo, kxHi := cols.cells(ox)
				o := out[((b*rows.out+oy)*cols.out+ox)*cout:][:cout]
				for ky := kyLo; ky < kyHi; ky++ {
					iy := rows.at(oy, ky)
					for kx := kxLo; kx < kxHi; kx++ {
						px := x[((b*h+iy)*w+cols.at(ox, kx))*cin:][:cin]
						kk := k[(ky*kw+kx)*cin*cout:][:cin*cout]
						for ci, v := range px {
							if v == 0 {
								continue
							}
							row := kk[ci*cout:][:cout]
							for co, q := range row {
								o[co] += v * int64(q)
							}
						}
					}
				}
			}
		}
	}
	return out, nil
}

// depthwiseInts is an exact integer DepthwiseConv2D (multiplier 1):
// out[n,oy,ox,c] = Σ x[…,c]·k[ky,kx,c,0].
func depthwiseInts(x []int64, n, h, w, c int, k []int8, rows, cols window) ([]int64, error) {
	if err := checkWork(n, rows.out, cols.out, min(rows.size, h), min(cols.size, w), c); err != nil {
		return nil, err
	}
	if _, err := elements([]int{n, rows.out, cols.out, c}); err != nil {
		return nil, err
	}
	out := make([]int64, n*rows.out*cols.out*c)
	kw := cols.size
	for b := range n {
		for oy := range rows.out {
			kyLo, kyHi := rows.cells(oy)
			for ox := range cols.out {
				kxLo, kxHi := cols.cells(ox)
				o := out[((b*rows.out+oy)*cols.out+ox)*c:][:c]
				for ky := kyLo; ky < kyHi; ky++ {
					iy := rows.at(oy, ky)
					for kx := kxLo; kx < kxHi; kx++ {
						px := x[((b*h+iy)*w+cols.at(ox, kx))*c:][:c]
						kk := k[(ky*kw+kx)*c:][:c]
						for i, v := range px {
							o[i] += v * int64(kk[i])
						}
					}
				}
			}
		}
	}
	return out, nil
}

// transposeWindow is the geometry of a transposed convolution along one
// axis (TF's conv2d_transpose, output_padding None): the output has
// in·stride cells ('same') or in·stride + max(k − stride, 0) ('valid'),
// and input cell i, kernel cell k land on output cell
// i·stride + k − padBefore, with padBefore = max(k − stride, 0)/2 for
// 'same' (the padding of the forward convolution it transposes).
func transposeWindow(in, size, stride int, padding string) (window, error) {
	if size <= 0 || stride <= 0 || size > maxSampleElements || stride > maxSampleElements || in > maxSampleElements/stride {
		return window{}, fmt.Errorf("window size %d and stride %d must be positive and at most %d", size, stride, maxSampleElements)
	}
	w := window{in: in, size: size, stride: stride, dilation: 1}
	switch padding {
	case "same":
		w.out = in * stride
		w.padBefore = max(size-stride, 0) / 2
	case "valid":
		w.out = in*stride + max(size-stride, 0)
	default:
		return window{}, fmt.Errorf("padding %q is %w (only \"valid\" and \"same\" are)", padding, ErrUnsupported)
	}
	return w, nil
}

// transposedInts is an exact integer Conv2DTranspose with the recorded
// (kh, kw, cin, cout) kernel, or a DepthwiseConv2DTranspose with a
// (kh, kw, c, 1) one: every input cell scatters x·k into the output
// cells it lands on.
func transposedInts(x []int64, n, h, w, cin int, k *keras.QMLWeights, rows, cols window, depthwise bool) ([]int64, error) {
	cout := k.Shape[3]
	if depthwise {
		cout = cin
	}
	if err := checkWork(n, h, w, rows.size, cols.size, cin, cout); err != nil {
		return nil, err
	}
	if _, err := elements([]int{n, rows.out, cols.out, cout}); err != nil {
		return nil, err
	}
	out := make([]int64, n*rows.out*cols.out*cout)
	kw := cols.size
	for b := range n {
		for iy := range h {
			for ix := range w {
				px := x[((b*h+iy)*w+ix)*cin:][:cin]
				for ky := range rows.size {
					oy := iy*rows.stride + ky - rows.padBefore
					if oy < 0 || oy >= rows.out {
						continue
					}
					for kx := range kw {
						ox := ix*cols.stride + kx - cols.padBefore
						if ox < 0 || ox >= cols.out {
							continue
						}
						o := out[((b*rows.out+oy)*cols.out+ox)*cout:][:cout]
						if depthwise {
							kk := k.Values[(ky*kw+kx)*cin:][:cin]
							for c, v := range px {
								o[c] += v * int64(kk[c])
							}
							continue
						}
						kk := k.Values[(ky*kw+kx)*cin*cout:][:cin*cout]
						for ci, v := range px {
							if v == 0 {
								continue
							}
							for co, q := range kk[ci*cout:][:cout] {
								o[co] += v * int64(q)
							}
						}
					}
				}
			}
		}
	}
	return out, nil
}

// qmlDense is quantizeml's QuantizedDense: alignment, the exact product
// with the (in, units) kernel, accumulator and bias. Keras applies a
// Dense to the last axis.
func qmlDense(r *keras.QMLRecord, x QTensor) (QTensor, error) {
	x, err := castInput(x)
	if err != nil {
		return QTensor{}, err
	}
	k := r.Weights
	in, units := k.Shape[0], k.Shape[1]
	if x.channels() != in {
		return QTensor{}, fmt.Errorf("the input has %d features on its last axis, the kernel takes %d; the file is inconsistent, re-save it", x.channels(), in)
	}
	rows := len(x.Values) / in
	if err := checkWork(rows, in, units); err != nil {
		return QTensor{}, err
	}
	xa, err := aligned(x, r.InputShift, r.Raw.ValueBits)
	if err != nil {
		return QTensor{}, err
	}
	xs := toInts(xa)
	sums := make([]int64, rows*units)
	for i := range rows {
		o := sums[i*units:][:units]
		for j, v := range xs[i*in:][:in] {
			if v == 0 {
				continue
			}
			for u, q := range k.Values[j*units:][:units] {
				o[u] += v * int64(q)
			}
		}
	}
	shape := slices.Clone(x.Shape)
	shape[len(shape)-1] = units
	return accumulate(r, shape, sums), nil
}

// qmlReLU is quantizeml's QuantizedReLU: max(v, 0), and min(v,
// m_int·2^shift) per channel when bounded (the bound saturated to the
// ReLU's buffer).
func qmlReLU(r *keras.QMLRecord, x QTensor) (QTensor, error) {
	x, err := castInput(x)
	if err != nil {
		return QTensor{}, err
	}
	out := QTensor{Shape: x.Shape, Values: make([]float32, len(x.Values))}
	var bound []float32
	for i, m := range r.MaxValue {
		bound = append(bound, keras.QMLSaturate(keras.QMLRescale(float32(m), r.MaxValueShift[i]), r.Raw.ValueBits))
	}
	c := x.channels()
	if len(bound) > 1 && len(bound) != c {
		return QTensor{}, fmt.Errorf("%d max values for %d channels; the model's shapes are inconsistent, re-save it", len(bound), c)
	}
	for i, v := range x.Values {
		v = max(v, 0)
		switch len(bound) {
		case 0:
		case 1:
			v = min(v, bound[0])
		default:
			v = min(v, bound[i%c])
		}
		out.Values[i] = v
	}
	return out, nil
}

// qmlLUT is quantizeml's QuantizedActivation: each integer input i is
// replaced by table[i + 2^vb].
func qmlLUT(r *keras.QMLRecord, x QTensor) (QTensor, error) {
	lut := r.LUT
	off := 1 << lut.InputBits
	out := QTensor{Shape: x.Shape, Values: make([]float32, len(x.Values))}
	for i, v := range x.Values {
		j := int(v) + off
		if j < 0 || j >= len(lut.Values) {
			return QTensor{}, fmt.Errorf("input value %g is outside the look-up table's %d-bit range", v, lut.InputBits+1)
		}
		out.Values[i] = float32(lut.Values[j])
	}
	return out, nil
}

// qmlGAP is quantizeml's QuantizedGlobalAveragePooling2D: alignment, then
// the exact sum over height and width, saturated to the GAP's buffer (the
// division by H·W is in the scales).
func qmlGAP(r *keras.QMLRecord, c *keras.QMLGlobalAveragePooling2D, x QTensor) (QTensor, error) {
	x, err := castInput(x)
	if err != nil {
		return QTensor{}, err
	}
	n, h, w, ch, err := rank4(Tensor{Shape: x.Shape})
	if err != nil {
		return QTensor{}, err
	}
	vb := r.Raw.ValueBits
	xs, err := aligned(x, r.InputShift, vb)
	if err != nil {
		return QTensor{}, err
	}
	shape := []int{n, ch}
	if c.KeepDims {
		shape = []int{n, 1, 1, ch}
	}
	out := QTensor{Shape: shape, Values: make([]float32, n*ch)}
	sums := make([]int64, ch)
	for b := range n {
		clear(sums)
		for p := range h * w {
			for i, v := range xs[(b*h*w+p)*ch:][:ch] {
				sums[i] += int64(v)
			}
		}
		for i, s := range sums {
			out.Values[b*ch+i] = keras.QMLSaturate(float32(s), vb)
		}
	}
	return out, nil
}

// qmlAdd is quantizeml's QuantizedAdd: both inputs shifted to their
// common frac bits and saturated to the Add's buffer, then added and
// saturated again (in float32).
func qmlAdd(r *keras.QMLRecord, ins []QTensor) (QTensor, error) {
	if len(ins) != 2 || !slices.Equal(ins[0].Shape, ins[1].Shape) {
		return QTensor{}, fmt.Errorf("adds inputs of shapes %v; quantizeml's Add takes two inputs of one shape", shapesOf(ins))
	}
	vb := r.Raw.ValueBits
	a, err := aligned(ins[0], r.AShift, vb)
	if err != nil {
		return QTensor{}, err
	}
	b, err := aligned(ins[1], r.BShift, vb)
	if err != nil {
		return QTensor{}, err
	}
	out := QTensor{Shape: ins[0].Shape, Values: make([]float32, len(a))}
	for i := range a {
		out.Values[i] = keras.QMLSaturate(a[i]+b[i], vb)
	}
	return out, nil
}

func shapesOf(ts []QTensor) [][]int {
	s := make([][]int, len(ts))
	for i, t := range ts {
		s[i] = t.Shape
	}
	return s
}

// qmlConcatenate joins the integer values along the last axis.
func qmlConcatenate(l *keras.Layer, ins []QTensor) (QTensor, error) {
	ts := make([]Tensor, len(ins))
	for i, t := range ins {
		t, err := castInput(t)
		if err != nil {
			return QTensor{}, err
		}
		ts[i] = Tensor{Shape: t.Shape, Data: t.Values}
	}
	c, _ := l.Config.(*keras.QMLConcatenate)
	if a := c.Axis; a != -1 && a != len(ins[0].Shape)-1 {
		return QTensor{}, fmt.Errorf("concatenation on axis %d is %w in quantizeml arithmetic (the last axis only)", a, ErrUnsupported)
	}
	t, err := concatenate(-1, ts)
	if err != nil {
		return QTensor{}, err
	}
	return QTensor{Shape: t.Shape, Values: t.Data}, nil
}

// qmlReshape is QuantizedFlatten / QuantizedReshape: a per-axis input is
// aligned first (saturating at its own value bits), then the values take
// the layer's shape.
func qmlReshape(l *keras.Layer, r *keras.QMLRecord, x QTensor) (QTensor, error) {
	x, err := castInput(x)
	if err != nil {
		return QTensor{}, err
	}
	values, err := aligned(x, r.InputShift, r.Raw.ValueBits)
	if err != nil {
		return QTensor{}, err
	}
	shape := append([]int{x.Shape[0]}, l.OutputShape...)
	if n, err := elements(shape); err != nil || n != len(values) {
		return QTensor{}, fmt.Errorf("cannot reshape %v to %v; the model's shapes are inconsistent", x.Shape, shape)
	}
	return QTensor{Shape: shape, Values: values}, nil
}

// qmlMaxPool is the maximum of the integer values over each window
// (padding cells never win), as Keras MaxPooling2D.
func qmlMaxPool(c *keras.MaxPooling2D, x QTensor) (QTensor, error) {
	t, err := poolLayer((*poolConfig)(c), Tensor{Shape: x.Shape, Data: x.Values}, maxPool2D)
	if err != nil {
		return QTensor{}, err
	}
	return QTensor{Shape: t.Shape, Values: t.Data}, nil
}
