package infer

import (
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// activationNames are the Keras activation names the inference knows, as
// an activation= argument or an Activation layer. Transcendental ones are
// computed in float64 and rounded once to float32.
const activationNames = "linear, relu, relu6, sigmoid, tanh, softmax, softplus, softsign, elu, selu, exponential, swish, silu, gelu"

// activate applies a Keras activation, by name, to t in place. softmax
// acts on the last axis, as keras.activations.softmax does by default.
func activate(name string, t Tensor) error {
	var f func(float64) float64
	switch name {
	case "linear", "":
		return nil
	case "relu":
		for i, v := range t.Data {
			t.Data[i] = max(v, 0)
		}
		return nil
	case "relu6":
		for i, v := range t.Data {
			t.Data[i] = min(max(v, 0), 6)
		}
		return nil
	case "softmax":
		softmax(t, len(t.Shape)-1)
		return nil
	case "sigmoid":
		f = sigmoid
	case "tanh":
		f = math.Tanh
	case "softplus":
		// log(1 + e^x) without overflow for large x.
		f = func(x float64) float64 { return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }
	case "softsign":
		f = func(x float64) float64 { return x / (1 + math.Abs(x)) }
	case "elu":
		f = func(x float64) float64 {
			if x > 0 {
				return x
			}
			return math.Expm1(x)
		}
	case "selu":
		// The constants of keras.activations.selu.
		const alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
		f = func(x float64) float64 {
			if x > 0 {
				return scale * x
			}
			return scale * alpha * math.Expm1(x)
		}
	case "exponential":
		f = math.Exp
	case "swish", "silu":
		f = func(x float64) float64 { return x * sigmoid(x) }
	case "gelu":
		// keras.activations.gelu's default is the exact form
		// (approximate=False): x·Φ(x).
		f = func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
	default:
		return fmt.Errorf("activation %q is %w (it knows %s); replace it with one of these and re-save the model", name, ErrUnsupported, activationNames)
	}
	for i, v := range t.Data {
		t.Data[i] = float32(f(float64(v)))
	}
	return nil
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x) // no overflow of e^−x for very negative x
	return e / (1 + e)
}

// softmax normalizes t in place along one axis: exp(x − max) / Σ exp(x − max),
// in float64. Subtracting the max is what TF does too; it keeps exp from
// overflowing on the large logits of unscaled inputs.
func softmax(t Tensor, axis int) {
	size := t.Shape[axis]
	inner := 1
	for _, d := range t.Shape[axis+1:] {
		inner *= d
	}
	exps := make([]float64, size)
	for base := 0; base < len(t.Data); base += size * inner {
		for j := range inner {
			top := math.Inf(-1)
			for k := range size {
				top = max(top, float64(t.Data[base+k*inner+j]))
			}
			var sum float64
			for k := range size {
				exps[k] = math.Exp(float64(t.Data[base+k*inner+j]) - top)
				sum += exps[k]
			}
			for k := range size {
				t.Data[base+k*inner+j] = float32(exps[k] / sum)
			}
		}
	}
}

// relu is keras.layers.ReLU, with the same case analysis as
// keras.activations.relu (Keras 2 backend.relu and Keras 3 alike):
//
//	y = x if x > threshold, else 0   (threshold ≠ 0)
//	y = max(x, 0)                    (threshold = 0)
//	y = min(max(y, 0), max_value)    (max_value set)
//	y = y − negative_slope·max(threshold − x, 0)
//
// So below the threshold the output is negative_slope·(x − threshold),
// at the threshold exactly it is 0, and a negative threshold lets small
// negative values through unless max_value clips them.
func relu(c *keras.ReLU, x Tensor) Tensor {
	out := like(x)
	threshold := float32(c.Threshold)
	slope := float32(c.NegativeSlope)
	var top float32
	if c.MaxValue != nil {
		top = float32(*c.MaxValue)
	}
	for i, v := range x.Data {
		var y float32
		if threshold != 0 {
			if v > threshold {
				y = v
			}
		} else {
			y = max(v, 0)
		}
		if c.MaxValue != nil {
			y = min(max(y, 0), top)
		}
		if slope != 0 {
			y -= slope * max(threshold-v, 0)
		}
		out.Data[i] = y
	}
	return out
}
