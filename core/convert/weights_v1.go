package convert

import (
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The integer variables of an Akida 1.0 layer (conversion.md §7.4–§7.5,
// weights_ops.py of cnn2snn 2.19.1). Every rounding is named: integer
// weights round half to even (np.round), thresholds floor (np.floor), and
// products are rounded to float32 where NumPy computes in float32.

// layerWeights are an Akida layer's integer weights, in Akida's numpy
// layout (x, y, c, n), and the scale factors they were computed with, one
// per output channel.
type layerWeights struct {
	weights   []int8
	shape     []int
	pointwise []int8 // SeparableConvolutional only
	pwShape   []int
	sf        []float32
}

// convWeights quantizes a (Quantized)Conv2D kernel (kh, kw, cin, cout).
// Akida's Convolutional computes a true convolution, so its kernel is the
// Keras cross-correlation kernel flipped on both spatial axes; the
// InputConvolutional computes a cross-correlation and keeps it as is.
func convWeights(l *keras.Layer, q keras.WeightQuantizer, flip bool) (layerWeights, error) {
	k := l.Weight("kernel")
	if k == nil || len(k.Shape) != 4 {
		return layerWeights{}, fmt.Errorf("layer %q has no 4-D kernel", l.Name)
	}
	ints, sf, err := q.IntegerWeights(k.Values, k.Shape)
	if err != nil {
		return layerWeights{}, fmt.Errorf("layer %q: %w", l.Name, err)
	}
	if flip {
		ints = flipSpatial(ints, k.Shape)
	}
	return layerWeights{weights: ints, shape: k.Shape, sf: perChannel(sf, k.Shape[3])}, nil
}

// separableWeights quantizes a QuantizedSeparableConv2D: the depthwise
// kernel (kh, kw, cin, 1) with quantizer_dw, flipped (true convolution);
// the pointwise kernel (1, 1, cin, cout) with quantizer. The layer's scale
// factor is sf_dw · sf_pw, a float32 product.
func separableWeights(l *keras.Layer, c *keras.QuantizedSeparableConv2D) (layerWeights, error) {
	dw, pw := l.Weight("depthwise_kernel"), l.Weight("pointwise_kernel")
	if dw == nil || pw == nil || len(dw.Shape) != 4 || len(pw.Shape) != 4 {
		return layerWeights{}, fmt.Errorf("layer %q has no 4-D depthwise and pointwise kernels", l.Name)
	}
	dwInts, dwSF, err := c.QuantizerDW.IntegerWeights(dw.Values, dw.Shape)
	if err != nil {
		return layerWeights{}, fmt.Errorf("layer %q, depthwise kernel: %w", l.Name, err)
	}
	pwInts, pwSF, err := c.Quantizer.IntegerWeights(pw.Values, pw.Shape)
	if err != nil {
		return layerWeights{}, fmt.Errorf("layer %q, pointwise kernel: %w", l.Name, err)
	}
	if len(dwSF) != 1 {
		// cnn2snn documents a scalar depthwise factor (it does not check it);
		// a depth multiplier above 1 would give several.
		return layerWeights{}, fmt.Errorf("layer %q: its depthwise kernel %v gives %d scale factors; Akida needs one (depth_multiplier 1)", l.Name, dw.Shape, len(dwSF))
	}
	cout := pw.Shape[3]
	sf := perChannel(pwSF, cout)
	for i := range sf {
		sf[i] = dwSF[0] * sf[i]
	}
	return layerWeights{
		weights: flipSpatial(dwInts, dw.Shape), shape: dw.Shape,
		pointwise: pwInts, pwShape: pw.Shape, sf: sf,
	}, nil
}

// denseWeights quantizes a QuantizedDense kernel (F, units) read by an
// Akida FullyConnected whose input is (x, y, c) = in. Keras flattens its
// input row-major over (x, y, c), Akida column-major, so the kernel rows
// are permuted from (x, y, c) order to (c, y, x) order; the Akida shape is
// (1, 1, F, units). For a (1, 1, N) input the permutation is the identity.
func denseWeights(l *keras.Layer, q keras.WeightQuantizer, in [3]int) (layerWeights, error) {
	k := l.Weight("kernel")
	if k == nil || len(k.Shape) != 2 {
		return layerWeights{}, fmt.Errorf("layer %q has no 2-D kernel", l.Name)
	}
	inputs, units := k.Shape[0], k.Shape[1]
	if in[0]*in[1]*in[2] != inputs {
		return layerWeights{}, fmt.Errorf("layer %q: its kernel has %d inputs but the Akida layer before it outputs %d×%d×%d values", l.Name, inputs, in[0], in[1], in[2])
	}
	ints, sf, err := q.IntegerWeights(k.Values, k.Shape)
	if err != nil {
		return layerWeights{}, fmt.Errorf("layer %q: %w", l.Name, err)
	}
	x, y, c := in[0], in[1], in[2]
	out := make([]int8, len(ints))
	for ix := 0; ix < x; ix++ {
		for iy := 0; iy < y; iy++ {
			for ic := 0; ic < c; ic++ {
				from := ((ix*y)+iy)*c + ic
				to := ((ic*y)+iy)*x + ix
				copy(out[to*units:(to+1)*units], ints[from*units:(from+1)*units])
			}
		}
	}
	return layerWeights{weights: out, shape: []int{1, 1, inputs, units}, sf: perChannel(sf, units)}, nil
}

// flipSpatial reverses the first two axes of a (kh, kw, c, n) kernel.
func flipSpatial(w []int8, shape []int) []int8 {
	kh, kw, inner := shape[0], shape[1], shape[2]*shape[3]
	out := make([]int8, len(w))
	for i := 0; i < kh; i++ {
		for j := 0; j < kw; j++ {
			from := (i*kw + j) * inner
			to := ((kh-1-i)*kw + (kw - 1 - j)) * inner
			copy(out[to:to+inner], w[from:from+inner])
		}
	}
	return out
}

// perChannel broadcasts one scale factor to n channels (a per-tensor
// quantizer) or copies the per-channel ones.
func perChannel(sf []float32, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = sf[i%len(sf)]
	}
	return out
}

// scaledFactor is a·sf, the potential units of one Keras unit. NumPy
// multiplies the input scale (a Python float, or the float32 1/step of the
// previous activation) by the float32 scale factors in float32 — NumPy 2
// always; NumPy 1 too when sf is per channel (an array), the common case.
func scaledFactor(a float64, sf float32) float32 {
	return float32(a) * sf
}

// floorThreshold is np.floor(th).astype(np.int32); thresholds outside the
// int32 range (meaningless for Akida) saturate instead of wrapping.
func floorThreshold(th float64) int32 { return saturateInt32(math.Floor(th)) }

// actStepValue is (a·sf·step_ak).astype(float32) · g: the product is taken
// in float64 (step_ak is a float64 array in NumPy) and rounded to float32,
// then multiplied by the global average pooling size in float32.
func actStepValue(asf float32, stepAk float64, g int) float32 {
	return float32(float64(asf)*stepAk) * float32(g)
}

// nextInputScale is the input scale of the layer after an activation:
// 1/step, computed in float32 (NumPy 2: 1/np.float32). NumPy 1 computes it
// in float64, but it is then multiplied with float32 scale factors after a
// conversion to float32, which gives the same value.
func nextInputScale(step float32) float64 {
	return float64(1 / step)
}

// thresholds computes the Akida threshold and act_step of each output
// channel (conversion.md §7.5): with the block's input scaling (a, b),
// scale factors sf, Keras bias β, the activation's threshold thr = step/2
// and step (thr = 0 and step_ak = 1 without activation), and g = H·W of a
// global average pooling's input (1 without):
//
//	th       = a·sf·(thr − β)  [+ b·ΣW for the InputConvolutional]
//	threshold = floor(th·g)
//	act_step  = float32(a·sf·step·2^bits/16) · g
func thresholds(b *block, w layerWeights, a, shift float64, inputConv bool) ([]int32, []float32) {
	n := len(w.sf)
	beta := make([]float32, n)
	if bias := b.neural.Weight("bias"); bias != nil && b.neural.UseBias() && len(bias.Values) == n {
		copy(beta, bias.Values)
	}
	var thr float32
	stepAk := 1.0
	if act, ok := keras.AsQuantizedActivation(activationConfig(b)); ok {
		thr = act.Threshold()
		stepAk = float64(act.Step()) * math.Exp2(float64(act.Bits())) / 16
	}
	g := 1
	if b.gap != nil && len(b.gapInput) == 3 {
		g = b.gapInput[0] * b.gapInput[1]
	}
	var sumW []int64
	if inputConv {
		sumW = kernelSums(w.weights, n)
	}
	th := make([]int32, n)
	steps := make([]float32, n)
	for c := range n {
		asf := scaledFactor(a, w.sf[c])
		t := float64(asf) * (float64(thr) - float64(beta[c]))
		if inputConv {
			t += float64(sumW[c]) * shift
		}
		th[c] = floorThreshold(t * float64(g))
		steps[c] = actStepValue(asf, stepAk, g)
	}
	return th, steps
}

// kernelSums is Σ W over all axes but the last (output channels).
func kernelSums(w []int8, n int) []int64 {
	s := make([]int64, n)
	for i, x := range w {
		s[i%n] += int64(x)
	}
	return s
}

func activationConfig(b *block) any {
	if b.act == nil {
		return nil
	}
	return b.act.Config
}
