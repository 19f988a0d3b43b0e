package infer

import "fmt"

// maxElements bounds the size of any tensor the inference allocates
// (2^28 float32 values, 1 GiB). Weights bound most layer outputs, but a
// few config values (ZeroPadding2D's padding, Reshape's target, a huge
// batch) do not; this cap turns a hostile or mistaken config into an
// error instead of an allocation the input does not justify.
const maxElements = 1 << 28

// elements returns the number of values of a shape, checking that every
// dimension is positive and that the total stays under maxElements.
func elements(shape []int) (int, error) {
	if len(shape) == 0 {
		return 0, fmt.Errorf("a tensor needs at least a batch dimension")
	}
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return 0, fmt.Errorf("dimension %d is not positive", d)
		}
		if d > maxElements || n > maxElements/d {
			return 0, fmt.Errorf("shape %v has more than %d values, which the Keras inference refuses to allocate", shape, maxElements)
		}
		n *= d
	}
	return n, nil
}

// newTensor allocates a zeroed tensor, or returns an error when the shape
// is empty, non-positive or too large.
func newTensor(shape ...int) (Tensor, error) {
	n, err := elements(shape)
	if err != nil {
		return Tensor{}, err
	}
	return Tensor{Shape: shape, Data: make([]float32, n)}, nil
}

// like allocates a zeroed tensor of the same shape (already checked).
func like(t Tensor) Tensor {
	return Tensor{Shape: append([]int(nil), t.Shape...), Data: make([]float32, len(t.Data))}
}

// rank4 returns the N, H, W, C of an image tensor, or an error saying
// which rank the layer needs.
func rank4(t Tensor) (n, h, w, c int, err error) {
	if len(t.Shape) != 4 {
		return 0, 0, 0, 0, fmt.Errorf("the input has shape %v; this layer takes images (batch, height, width, channels)", t.Shape)
	}
	return t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3], nil
}
