package infer

import "fmt"

// window is how a sliding window (a convolution kernel or a pooling
// window) walks one spatial axis. Output position o reads input position
// o*stride − padBefore + k*dilation for window cell k; positions outside
// [0, in) are padding.
type window struct {
	in, out   int
	size      int // kernel or pool size, in cells
	stride    int
	dilation  int
	padBefore int
}

// slide computes the window geometry with TensorFlow's rules:
//
//   - "valid": no padding, out = floor((in − span)/stride) + 1, where
//     span = (size−1)·dilation + 1 is the window's extent;
//   - "same": out = ceil(in/stride), and the padding needed to get there,
//     pad_total = max((out−1)·stride + span − in, 0), is split with the
//     smaller half first: pad_before = floor(pad_total/2). An even
//     pad_total is symmetric; an odd one puts the extra cell after (bottom
//     or right), which is where TF and Keras differ from frameworks that
//     pad before.
func slide(in, size, stride, dilation int, padding string) (window, error) {
	if size <= 0 || stride <= 0 || dilation <= 0 || size > maxSampleElements || stride > maxSampleElements || dilation > maxSampleElements {
		return window{}, fmt.Errorf("window size %d, stride %d and dilation %d must be positive and at most %d", size, stride, dilation, maxSampleElements)
	}
	w := window{in: in, size: size, stride: stride, dilation: dilation}
	span := (size-1)*dilation + 1
	switch padding {
	case "valid":
		if in < span {
			return window{}, fmt.Errorf("the input has %d cells but the window spans %d with padding \"valid\", so the output would be empty; use a larger input or padding \"same\"", in, span)
		}
		w.out = (in-span)/stride + 1
	case "same":
		w.out = (in + stride - 1) / stride
		w.padBefore = max((w.out-1)*stride+span-in, 0) / 2
	default:
		return window{}, fmt.Errorf("padding %q is %w (only \"valid\" and \"same\" are); re-save the model with one of them", padding, ErrUnsupported)
	}
	return w, nil
}

// cells returns the window cells [lo, hi) of output position o that fall
// inside the input. Walking only these, instead of testing every cell,
// keeps bounds checks out of the inner loops and makes a window far
// larger than the input cost nothing.
func (w window) cells(o int) (lo, hi int) {
	start := o*w.stride - w.padBefore // input position of cell 0
	if start < 0 {
		lo = (-start + w.dilation - 1) / w.dilation
	}
	hi = min(w.size, (w.in-start+w.dilation-1)/w.dilation)
	return lo, max(hi, lo)
}

// at returns the input position of cell k of output position o.
func (w window) at(o, k int) int {
	return o*w.stride - w.padBefore + k*w.dilation
}
