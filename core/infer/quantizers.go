package infer

// STAND-IN, TO BE SWAPPED: this file holds the math of cnn2snn's weight
// quantizers and quantized activations (spec conversion.md §6.1, §6.3)
// because core/keras/quantizers.go, where the converter engineer will put
// it as methods on keras.WeightQuantizer, keras.ActivationDiscreteRelu
// and keras.QuantizedReLU, does not exist yet. When it lands, replace the
// three functions below by calls to those methods and delete this file;
// quantized_test.go pins the values both must give.

import (
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// maxActivationBits bounds a quantized activation's bitwidth so that its
// level count 2^bits − 1 stays exact in float32.
const maxActivationBits = 24

// quantizeWeights returns q(W) = clip(round(W·sf), −kmax, kmax) / sf, the
// kernel cnn2snn's quantized layers convolve with, where
// kmax = 2^(bitwidth−1) − 1, round is half-to-even (TF's round) and the
// scale factor sf (1/step) is, clipped to [0, 1000]:
//
//   - MaxQuantizer: kmax / max|W| over the whole tensor;
//   - MaxPerAxisQuantizer: kmax / max|W| per last-axis slice, the max
//     floored at 1e-10;
//   - StdWeightQuantizer: kmax / (threshold · std(W)), population std;
//   - StdPerAxisQuantizer: the same per last-axis slice.
//
// Every step is float32 like TF's, except the std, computed in float64
// (TF's float32 reduction order cannot be reproduced anyway). shape is the
// kernel's Keras shape; its last axis is the per-axis one.
func quantizeWeights(q keras.WeightQuantizer, w []float32, shape []int) ([]float32, error) {
	if q.Bitwidth < 2 || q.Bitwidth > 32 {
		return nil, fmt.Errorf("quantizer %s has bitwidth %d; cnn2snn weight quantizers take 2 to 32 bits", q.ClassName, q.Bitwidth)
	}
	kmax := float32(math.Ldexp(1, q.Bitwidth-1) - 1)
	axis := shape[len(shape)-1]
	var sf []float32 // one per last-axis channel
	switch q.ClassName {
	case "MaxQuantizer":
		sf = []float32{scaleFactor(kmax, maxAbs(w, 1, 0))}
	case "MaxPerAxisQuantizer":
		sf = make([]float32, axis)
		for c := range sf {
			sf[c] = scaleFactor(kmax, max(maxAbs(w, axis, c), 1e-10))
		}
	case "StdWeightQuantizer":
		sf = []float32{scaleFactor(kmax, float32(q.Threshold)*stdDev(w, 1, 0))}
	case "StdPerAxisQuantizer":
		sf = make([]float32, axis)
		for c := range sf {
			sf[c] = scaleFactor(kmax, float32(q.Threshold)*stdDev(w, axis, c))
		}
	default:
		return nil, fmt.Errorf("weight quantizer class %q is %w (MaxQuantizer, MaxPerAxisQuantizer, StdWeightQuantizer, StdPerAxisQuantizer)", q.ClassName, ErrUnsupported)
	}
	out := make([]float32, len(w))
	for i, v := range w {
		s := sf[i%len(sf)]
		k := float32(math.RoundToEven(float64(v * s)))
		out[i] = min(max(k, -kmax), kmax) / s
	}
	return out, nil
}

// scaleFactor is kmax/spread clipped to [0, 1000]; an all-zero tensor
// (spread 0, sf +Inf) gets 1000, as in cnn2snn.
func scaleFactor(kmax, spread float32) float32 {
	return min(max(kmax/spread, 0), 1000)
}

// maxAbs is max |w[i]| over the elements of last-axis channel c of n
// channels (n = 1: the whole tensor).
func maxAbs(w []float32, n, c int) float32 {
	var m float32
	for i := c; i < len(w); i += n {
		m = max(m, float32(math.Abs(float64(w[i]))))
	}
	return m
}

// stdDev is the population standard deviation of last-axis channel c of
// n channels.
func stdDev(w []float32, n, c int) float32 {
	var sum, sq float64
	count := 0
	for i := c; i < len(w); i += n {
		sum += float64(w[i])
		count++
	}
	mean := sum / float64(count)
	for i := c; i < len(w); i += n {
		d := float64(w[i]) - mean
		sq += d * d
	}
	return float32(math.Sqrt(sq / float64(count)))
}

// activationStep returns the float32 step and the number of levels
// (2^bitwidth − 1) of a cnn2snn quantized activation (conversion.md §6.3):
//
//   - ActivationDiscreteRelu: step = float32(min(levels, 6) / levels),
//     computed in float64 by Python, then made a float32 constant;
//   - QuantizedReLU: step = float32(max_value) / float32(levels), a
//     float32 division in TF.
func activationStep(config any) (step, levels float32, err error) {
	var bits int
	switch c := config.(type) {
	case *keras.ActivationDiscreteRelu:
		bits = c.Bitwidth
	case *keras.QuantizedReLU:
		bits = c.Bitwidth
	}
	if bits <= 0 || bits > maxActivationBits {
		return 0, 0, fmt.Errorf("bitwidth %d is out of range; cnn2snn quantized activations take 1 to %d bits", bits, maxActivationBits)
	}
	n := math.Ldexp(1, bits) - 1
	switch c := config.(type) {
	case *keras.ActivationDiscreteRelu:
		return float32(min(n, 6) / n), float32(n), nil
	case *keras.QuantizedReLU:
		return float32(c.MaxValue) / float32(n), float32(n), nil
	}
	return 0, 0, fmt.Errorf("%T is not a cnn2snn quantized activation", config)
}
