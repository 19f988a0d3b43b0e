package infer

import (
	"fmt"
	"slices"
)

// Allocation limits. Weights bound most layer outputs, but a few config
// values (ZeroPadding2D's padding, Reshape's target, a huge image size)
// do not, and a hostile or mistaken config must give an error rather than
// an allocation its few bytes do not justify. The batch is the user's
// own data, so the limit is per sample (2^24 values, 64 MiB: a
// 512×512×64 feature map), with an overall cap (2^28 values, 1 GiB) that
// keeps a huge batch inside what a 32-bit wasm address space can hold.
const (
	maxSampleElements = 1 << 24
	maxElements       = 1 << 28
)

// elements returns the number of values of a batch-first shape, checking
// that every dimension is positive and that the sizes stay under the
// limits.
func elements(shape []int) (int, error) {
	if len(shape) == 0 {
		return 0, fmt.Errorf("a tensor needs at least a batch dimension")
	}
	per := 1
	for _, d := range shape[1:] {
		if d <= 0 {
			return 0, fmt.Errorf("dimension %d is not positive", d)
		}
		if d > maxSampleElements || per > maxSampleElements/d {
			return 0, fmt.Errorf("shape %v has more than %d values per sample, which the Keras inference refuses to allocate", shape, maxSampleElements)
		}
		per *= d
	}
	if n := shape[0]; n <= 0 {
		return 0, fmt.Errorf("dimension %d is not positive", n)
	} else if n > maxElements/per {
		return 0, fmt.Errorf("shape %v has more than %d values, which the Keras inference refuses to allocate; run the batch in smaller parts", shape, maxElements)
	}
	return shape[0] * per, nil
}

// maxSampleWork bounds the multiply-adds (or compares) one layer may
// spend per sample: 2^32, above the largest layer of VGG16 at 224×224
// (1.85e9). Like the size limits, it turns a config whose few bytes ask
// for hours of arithmetic (a pooling window of millions of cells over a
// padded map) into an error.
const maxSampleWork = 1 << 32

// checkWork multiplies the loop counts of a layer's computation for one
// sample and refuses a product above maxSampleWork.
func checkWork(counts ...int) error {
	work := 1
	for _, c := range counts {
		if c > 0 && work > maxSampleWork/c {
			return fmt.Errorf("the layer needs more than %d multiply-adds per sample (loop counts %v), which the Keras inference refuses to run", maxSampleWork, slices.Clone(counts)) // the clone keeps counts on the stack
		}
		work *= max(c, 0)
	}
	return nil
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
