package infer

import (
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// batchNorm is Keras BatchNormalization at inference:
// y = (x − moving_mean) · gamma / sqrt(moving_variance + epsilon) + beta,
// per channel of one axis (usually the last). gamma is 1 when scale is
// false, beta 0 when center is false. The per-channel factor is computed
// in float64 and rounded once; x − mean is kept as its own step (rather
// than folding mean into an offset) so that large activations close to
// their mean do not lose their difference to cancellation.
func batchNorm(l *keras.Layer, c *keras.BatchNormalization, x Tensor) (Tensor, error) {
	if len(c.Axis) != 1 {
		return Tensor{}, fmt.Errorf("normalizes over axes %v; the Keras inference supports one axis (the channels): %w", c.Axis, ErrUnsupported)
	}
	axis := c.Axis[0]
	if axis < 0 {
		axis += len(x.Shape)
	}
	if axis < 1 || axis >= len(x.Shape) {
		return Tensor{}, fmt.Errorf("axis %d does not fit the input shape %v (batch first); re-save the model with the channels axis", c.Axis[0], x.Shape)
	}
	ch := x.Shape[axis]
	mean, err := weight(l, "moving_mean", ch)
	if err != nil {
		return Tensor{}, err
	}
	variance, err := weight(l, "moving_variance", ch)
	if err != nil {
		return Tensor{}, err
	}
	gamma, err := optionalWeight(l, c.Scale, "gamma", ch)
	if err != nil {
		return Tensor{}, err
	}
	beta, err := optionalWeight(l, c.Center, "beta", ch)
	if err != nil {
		return Tensor{}, err
	}
	mul := make([]float32, ch)
	add := make([]float32, ch)
	for i := range ch {
		g := 1.0
		if gamma != nil {
			g = float64(gamma[i])
		}
		mul[i] = float32(g / math.Sqrt(float64(variance[i])+c.Epsilon))
		if beta != nil {
			add[i] = beta[i]
		}
	}
	out := like(x)
	inner := 1
	for _, d := range x.Shape[axis+1:] {
		inner *= d
	}
	for base := 0; base < len(x.Data); base += ch * inner {
		for i := range ch {
			seg := x.Data[base+i*inner:][:inner]
			o := out.Data[base+i*inner:][:inner]
			m, k, b := mean[i], mul[i], add[i]
			for j, v := range seg {
				o[j] = (v-m)*k + b
			}
		}
	}
	return out, nil
}

// rescale is Keras Rescaling: y = x·scale + offset, where scale and
// offset are scalars or one value per channel (last axis), cast to
// float32 as Keras does before multiplying.
func rescale(c *keras.Rescaling, x Tensor) (Tensor, error) {
	ch := x.Shape[len(x.Shape)-1]
	scale, err := perChannel("scale", c.Scale, ch)
	if err != nil {
		return Tensor{}, err
	}
	offset, err := perChannel("offset", c.Offset, ch)
	if err != nil {
		return Tensor{}, err
	}
	out := like(x)
	for base := 0; base < len(x.Data); base += ch {
		o := out.Data[base:][:ch]
		for i, v := range x.Data[base:][:ch] {
			o[i] = v*scale[i] + offset[i]
		}
	}
	return out, nil
}

// perChannel broadcasts a scalar or per-channel config list to ch float32
// values.
func perChannel(name string, v []float64, ch int) ([]float32, error) {
	if len(v) != 1 && len(v) != ch {
		return nil, fmt.Errorf("%s has %d values; give one value, or one per channel (%d)", name, len(v), ch)
	}
	out := make([]float32, ch)
	for i := range out {
		out[i] = float32(v[min(i, len(v)-1)])
	}
	return out, nil
}
