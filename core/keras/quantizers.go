package keras

import (
	"fmt"
	"math"
)

// The math of cnn2snn's legacy weight quantizers and quantized activations
// (conversion.md §6.1, §6.3), as cnn2snn 2.19.1 computes it in TensorFlow:
// float32 everywhere, TF round = half to even. The converter turns it into
// Akida integers (integer weights, thresholds, steps); the float inference
// uses Quantize and Apply to reproduce the quantized Keras model.

// maxScaleFactor is the upper clip cnn2snn applies to every scale factor:
// an all-zero weight tensor (or channel) gives an infinite factor, which
// becomes 1000.
const maxScaleFactor float32 = 1000

// minPerAxisRange is the floor MaxPerAxisQuantizer puts under each
// channel's max|W| before dividing, so a zero channel gives a huge (then
// clipped) factor instead of a division by zero.
const minPerAxisRange float32 = 1e-10

// RoundHalfEven rounds x to the nearest integer, ties to even: TF's
// tf.round and NumPy's np.round, which cnn2snn uses for every rounding.
func RoundHalfEven(x float32) float32 {
	return float32(math.RoundToEven(float64(x)))
}

// PerAxis reports whether the quantizer computes one scale factor per
// output channel (the last kernel axis) rather than one for the tensor.
// cnn2snn can fold BatchNormalization only into layers whose quantizer is
// per axis (conversion.md §4).
func (q WeightQuantizer) PerAxis() bool {
	return q.ClassName == "MaxPerAxisQuantizer" || q.ClassName == "StdPerAxisQuantizer"
}

// checkBits rejects bit widths the integer math cannot represent. The
// config decoder already refuses fewer than 2 bits (cnn2snn's ValueError);
// more than 8 bits cannot be stored in the int8 weights cnn2snn writes.
func (q WeightQuantizer) checkBits() error {
	if q.Bitwidth < 2 || q.Bitwidth > 8 {
		return fmt.Errorf("%s has bitwidth %d; cnn2snn weight quantizers work with 2 to 8 bits", q.ClassName, q.Bitwidth)
	}
	return nil
}

// KMax is the largest integer weight magnitude, 2^(bitwidth-1) − 1 (7 for
// 4 bits). It is 0 for a bit width outside 2…8.
func (q WeightQuantizer) KMax() float32 {
	if q.checkBits() != nil {
		return 0
	}
	return float32(int(1)<<(q.Bitwidth-1) - 1)
}

// ScaleFactors returns the quantizer's scale factors sf (= 1/step) for the
// kernel w of the given shape (C order, output channels last): one value
// for MaxQuantizer and StdWeightQuantizer, one per output channel for the
// per-axis quantizers. Every factor is clipped to [0, 1000] as cnn2snn does.
func (q WeightQuantizer) ScaleFactors(w []float32, shape []int) ([]float32, error) {
	if err := q.checkBits(); err != nil {
		return nil, err
	}
	channels, err := kernelChannels(w, shape)
	if err != nil {
		return nil, err
	}
	kmax := q.KMax()
	switch q.ClassName {
	case "MaxQuantizer":
		return []float32{clipScale(kmax / maxAbs(w, 1)[0])}, nil
	case "MaxPerAxisQuantizer":
		sf := maxAbs(w, channels)
		for c, r := range sf {
			sf[c] = clipScale(kmax / max(r, minPerAxisRange))
		}
		return sf, nil
	case "StdWeightQuantizer":
		return []float32{clipScale(kmax / (float32(q.Threshold) * stdDev(w, 1)[0]))}, nil
	case "StdPerAxisQuantizer":
		sf := stdDev(w, channels)
		for c, std := range sf {
			sf[c] = clipScale(kmax / (float32(q.Threshold) * std))
		}
		return sf, nil
	}
	return nil, fmt.Errorf("%q is not a cnn2snn weight quantizer (MaxQuantizer, MaxPerAxisQuantizer, StdWeightQuantizer, StdPerAxisQuantizer)", q.ClassName)
}

// IntegerWeights returns the Akida integer weights of the kernel, in the
// kernel's own layout, with the scale factors they were computed with:
// clip(round(w·sf), −kmax, kmax), the product taken in float32 and rounded
// half to even. (cnn2snn computes round(q(w)·sf) with q(w) =
// clip(round(w·sf))/sf; for the small integers involved this is the same
// integer.)
func (q WeightQuantizer) IntegerWeights(w []float32, shape []int) ([]int8, []float32, error) {
	sf, err := q.ScaleFactors(w, shape)
	if err != nil {
		return nil, nil, err
	}
	kmax := q.KMax()
	out := make([]int8, len(w))
	c := 0 // the channel of w[i]: the last axis varies fastest
	for i, x := range w {
		k := RoundHalfEven(x * sf[c])
		out[i] = int8(min(max(k, -kmax), kmax))
		if c++; c == len(sf) {
			c = 0
		}
	}
	return out, sf, nil
}

// Quantize returns q(w) = clip(round(w·sf), −kmax, kmax) / sf, the float
// kernel a cnn2snn quantized layer convolves with in Keras.
func (q WeightQuantizer) Quantize(w []float32, shape []int) ([]float32, error) {
	ints, sf, err := q.IntegerWeights(w, shape)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(w))
	for i, k := range ints {
		out[i] = float32(k) / sf[i%len(sf)]
	}
	return out, nil
}

// kernelChannels checks that w matches shape and returns the size of the
// last axis (the output channels of a Keras kernel).
func kernelChannels(w []float32, shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return 0, fmt.Errorf("kernel shape %v has a dimension that is not positive", shape)
		}
		n *= d
		if n > len(w) {
			break
		}
	}
	if len(shape) == 0 || n != len(w) {
		return 0, fmt.Errorf("kernel shape %v does not match its %d values", shape, len(w))
	}
	return shape[len(shape)-1], nil
}

// clipScale clips a scale factor to [0, 1000]; +Inf (all-zero weights)
// becomes 1000 and NaN (0/0) becomes 0, as tf.clip_by_value does.
func clipScale(sf float32) float32 {
	if sf != sf { // NaN
		return 0
	}
	return min(max(sf, 0), maxScaleFactor)
}

// maxAbs returns max|w| of each of the channels of w's last axis, in one
// pass over w (channels = 1: the whole tensor).
func maxAbs(w []float32, channels int) []float32 {
	m := make([]float32, channels)
	c := 0
	for _, x := range w {
		m[c] = max(m[c], abs32(x))
		if c++; c == channels {
			c = 0
		}
	}
	return m
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// stdDev returns the population standard deviation of each channel (as
// maxAbs), as float32. TensorFlow reduces in float32 with its own summation
// order; accumulating in float64 and rounding once gives the correctly
// rounded value, which can differ from TF's in the last bit only.
func stdDev(w []float32, channels int) []float32 {
	sum := make([]float64, channels)
	c := 0
	for _, x := range w {
		sum[c] += float64(x)
		if c++; c == channels {
			c = 0
		}
	}
	n := float64(len(w) / channels)
	sq := make([]float64, channels)
	for i, x := range w {
		d := float64(x) - sum[i%channels]/n
		sq[i%channels] += d * d
	}
	out := make([]float32, channels)
	for c := range out {
		out[c] = float32(math.Sqrt(sq[c] / n))
	}
	return out
}

// QuantizedActivation is what cnn2snn's quantized activations
// (ActivationDiscreteRelu, QuantizedReLU) share: a staircase ReLU with
// 2^bits − 1 steps of height Step, the first one reached above Threshold =
// Step/2.
type QuantizedActivation interface {
	// Bits is the activation bit width (the config's "bitwidth").
	Bits() int
	// Levels is the number of non-zero output values, 2^bits − 1.
	Levels() int
	// Step is the height of one step, a float32 constant as in TF.
	Step() float32
	// Threshold is Step/2: inputs at or below it give 0.
	Threshold() float32
	// Apply is the Keras forward pass:
	// step · clip(ceil((x − threshold)/step), 0, levels), in float32.
	Apply(x float32) float32
}

// AsQuantizedActivation returns the quantized activation math of a layer
// config, or false for any other config.
func AsQuantizedActivation(config any) (QuantizedActivation, bool) {
	switch c := config.(type) {
	case *ActivationDiscreteRelu:
		return c, true
	case *QuantizedReLU:
		return c, true
	}
	return nil, false
}

// checkActivationBits returns an error when the bit width is not positive
// (cnn2snn's QuantizedActivation raises a ValueError) or too large to count
// levels in an int.
func checkActivationBits(bits int) error {
	if bits <= 0 || bits > 30 {
		return fmt.Errorf("bitwidth %d is not a usable activation bit width; cnn2snn needs a positive bit width (1, 2 or 4 for Akida 1.0)", bits)
	}
	return nil
}

// levels is 2^bits − 1, or 0 for an unusable bit width (whose Step is then
// NaN or Inf; the converter reports the bit width first).
func levels(bits int) int {
	if checkActivationBits(bits) != nil {
		return 0
	}
	return 1<<bits - 1
}

// CheckBits reports a bit width cnn2snn would refuse.
func (a *ActivationDiscreteRelu) CheckBits() error { return checkActivationBits(a.Bitwidth) }

// Bits returns the activation bit width.
func (a *ActivationDiscreteRelu) Bits() int { return a.Bitwidth }

// Levels returns 2^bitwidth − 1.
func (a *ActivationDiscreteRelu) Levels() int { return levels(a.Bitwidth) }

// Step is float32(min(levels, 6)/levels): 1 for 1 and 2 bits, 6/7 for 3,
// 0.4 for 4 bits. The quotient is taken in float64 (Python) and stored as a
// float32 constant.
func (a *ActivationDiscreteRelu) Step() float32 {
	l := float64(a.Levels())
	return float32(min(l, 6) / l)
}

// Threshold is Step/2 in float32.
func (a *ActivationDiscreteRelu) Threshold() float32 { return a.Step() * 0.5 }

// Apply is the Keras forward pass of the activation.
func (a *ActivationDiscreteRelu) Apply(x float32) float32 {
	return applyStaircase(x, a.Step(), a.Levels())
}

// CheckBits reports a bit width cnn2snn would refuse.
func (r *QuantizedReLU) CheckBits() error { return checkActivationBits(r.Bitwidth) }

// Bits returns the activation bit width.
func (r *QuantizedReLU) Bits() int { return r.Bitwidth }

// Levels returns 2^bitwidth − 1.
func (r *QuantizedReLU) Levels() int { return levels(r.Bitwidth) }

// Step is float32(max_value)/levels, divided in float32 as TF does with
// its float32 constant.
func (r *QuantizedReLU) Step() float32 {
	return float32(r.MaxValue) / float32(r.Levels())
}

// Threshold is Step/2 in float32.
func (r *QuantizedReLU) Threshold() float32 { return r.Step() * 0.5 }

// Apply is the Keras forward pass of the activation.
func (r *QuantizedReLU) Apply(x float32) float32 {
	return applyStaircase(x, r.Step(), r.Levels())
}

// applyStaircase is cnn2snn's QuantizedActivation.call:
// step · clip(ceil((x − step/2)/step), 0, levels), all in float32.
func applyStaircase(x, step float32, levels int) float32 {
	n := float32(math.Ceil(float64((x - step*0.5) / step)))
	return step * min(max(n, 0), float32(levels))
}
