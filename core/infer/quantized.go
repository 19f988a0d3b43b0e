package infer

import "math"

// quantizedActivation is cnn2snn's QuantizedActivation forward pass
// (ActivationDiscreteRelu, QuantizedReLU):
//
//	y = step · clip(ceil((x − threshold) / step), 0, levels),  threshold = step/2
//
// in float32, operation by operation as TF does: x ≤ threshold gives 0,
// threshold + (n−1)·step < x ≤ threshold + n·step gives n·step, and the
// output saturates at levels·step. These are the values the Akida
// integer activations reproduce (times step), so the rounding of each
// operation matters at the interval boundaries.
func quantizedActivation(x Tensor, step, levels float32) Tensor {
	out := like(x)
	threshold := step * 0.5
	for i, v := range x.Data {
		q := float32(math.Ceil(float64((v - threshold) / step)))
		out.Data[i] = step * min(max(q, 0), levels)
	}
	return out
}
