package infer

import (
	"fmt"
	"slices"
)

// flatten is Keras Flatten with channels_last data: (N, …) → (N, product).
// The data is already in C order (NHWC), so only the shape changes and
// the values are shared with the input.
func flatten(x Tensor) Tensor {
	return Tensor{Shape: []int{x.Shape[0], len(x.Data) / x.Shape[0]}, Data: x.Data}
}

// reshape is Keras Reshape: the target shape excludes the batch and may
// hold one -1, inferred from the number of values. Data is shared.
func reshape(target []int, x Tensor) (Tensor, error) {
	per := len(x.Data) / x.Shape[0]
	shape := append([]int{x.Shape[0]}, target...)
	unknown, known := -1, 1
	for i, d := range target {
		switch {
		case d == -1 && unknown < 0:
			unknown = i + 1
		case d <= 0:
			return Tensor{}, fmt.Errorf("target_shape %v: dimensions must be positive, with at most one -1", target)
		default:
			known *= d
			if known > per {
				return Tensor{}, fmt.Errorf("target_shape %v holds more than the %d values of the input %v; fix the target shape", target, per, x.Shape)
			}
		}
	}
	if unknown > 0 {
		if per%known != 0 {
			return Tensor{}, fmt.Errorf("target_shape %v cannot hold the %d values of the input %v; fix the target shape", target, per, x.Shape)
		}
		shape[unknown] = per / known
	} else if known != per {
		return Tensor{}, fmt.Errorf("target_shape %v holds %d values but the input %v has %d per sample; fix the target shape", target, known, x.Shape, per)
	}
	return Tensor{Shape: shape, Data: x.Data}, nil
}

// zeroPad2D is Keras ZeroPadding2D: pad[0] rows (top, bottom) and pad[1]
// columns (left, right) of zeros around each image.
func zeroPad2D(pad [2][2]int, x Tensor) (Tensor, error) {
	n, h, w, c, err := rank4(x)
	if err != nil {
		return Tensor{}, err
	}
	for _, p := range []int{pad[0][0], pad[0][1], pad[1][0], pad[1][1]} {
		if p < 0 || p > maxSampleElements {
			return Tensor{}, fmt.Errorf("padding %v must be between 0 and %d", pad, maxSampleElements)
		}
	}
	oh, ow := h+pad[0][0]+pad[0][1], w+pad[1][0]+pad[1][1]
	out, err := newTensor(n, oh, ow, c)
	if err != nil {
		return Tensor{}, err
	}
	for b := range n {
		for y := range h {
			src := x.Data[(b*h+y)*w*c:][:w*c]
			copy(out.Data[((b*oh+y+pad[0][0])*ow+pad[1][0])*c:], src)
		}
	}
	return out, nil
}

// add is Keras Add: the element-wise sum of inputs of one shape. average
// halves it (quantizeml's QuantizedAdd with average=True).
func add(ins []Tensor, average bool) (Tensor, error) {
	if len(ins) < 2 {
		return Tensor{}, fmt.Errorf("has %d input; Add needs at least 2", len(ins))
	}
	for _, t := range ins[1:] {
		if !slices.Equal(t.Shape, ins[0].Shape) {
			return Tensor{}, fmt.Errorf("adds inputs of shapes %v and %v; the Keras inference adds inputs of one shape only (no broadcasting): %w", ins[0].Shape, t.Shape, ErrUnsupported)
		}
	}
	out := like(ins[0])
	copy(out.Data, ins[0].Data)
	for _, t := range ins[1:] {
		for i, v := range t.Data {
			out.Data[i] += v
		}
	}
	if average {
		for i := range out.Data {
			out.Data[i] /= 2
		}
	}
	return out, nil
}

// concatenate is Keras Concatenate along axis (batch included: -1 is the
// last axis, 0 would be the batch and is refused).
func concatenate(axis int, ins []Tensor) (Tensor, error) {
	if len(ins) < 2 {
		return Tensor{}, fmt.Errorf("has %d input; Concatenate needs at least 2", len(ins))
	}
	rank := len(ins[0].Shape)
	a := axis
	if a < 0 {
		a += rank
	}
	if a < 1 || a >= rank {
		return Tensor{}, fmt.Errorf("axis %d does not fit inputs of rank %d (batch first, and the batch axis cannot be concatenated); fix the axis", axis, rank)
	}
	shape := slices.Clone(ins[0].Shape)
	shape[a] = 0
	for _, t := range ins {
		if len(t.Shape) != rank || !slices.Equal(t.Shape[:a], ins[0].Shape[:a]) || !slices.Equal(t.Shape[a+1:], ins[0].Shape[a+1:]) {
			return Tensor{}, fmt.Errorf("inputs of shapes %v and %v cannot be concatenated on axis %d: every other dimension must be equal", ins[0].Shape, t.Shape, axis)
		}
		shape[a] += t.Shape[a]
	}
	out, err := newTensor(shape...)
	if err != nil {
		return Tensor{}, err
	}
	inner := 1
	for _, d := range shape[a+1:] {
		inner *= d
	}
	outer := len(out.Data) / (shape[a] * inner)
	pos := 0
	for o := range outer {
		for _, t := range ins {
			chunk := t.Shape[a] * inner
			pos += copy(out.Data[pos:], t.Data[o*chunk:][:chunk])
		}
	}
	return out, nil
}
