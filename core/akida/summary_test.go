package akida

import (
	"testing"
)

// weights returns a zero weights variable of the given numpy shape.
func weights(t *testing.T, name string, shape ...int) *Variable {
	t.Helper()
	n := 1
	for _, d := range shape {
		n *= d
	}
	v, err := NewWeights(name, shape, make([]int8, n), 4)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// specSummaryModel is the model whose summary fbz-format.md §7 prints
// (akida 2.19.1, from a public notebook): 28×28×1 input, a 3×3 input conv
// with 32 filters to 13×13, a separable conv to 7×7×64, a dense of 10.
func specSummaryModel(t *testing.T) *Model {
	in := DefaultInputConvolutional()
	in.InputShape, in.KernelSize, in.Filters = [3]int{28, 28, 1}, [2]int{3, 3}, 32
	in.Padding, in.Stride = Valid, [2]int{2, 2}
	conv := NewInputConvolutional("conv2d", in)
	conv.SetVariable(weights(t, "weights", 3, 3, 1, 32))

	so := DefaultSeparableConvolutional()
	so.KernelSize, so.Filters, so.Stride = [2]int{3, 3}, 64, [2]int{2, 2}
	sep := NewSeparableConvolutional("separable_conv2d", so)
	sep.SetVariable(weights(t, "weights_pw", 1, 1, 32, 64))
	sep.SetVariable(weights(t, "weights", 3, 3, 32, 1))

	fo := DefaultFullyConnected()
	fo.Units = 10
	dense := NewFullyConnected("dense", fo)
	dense.SetVariable(weights(t, "weights", 1, 1, 3136, 10))

	m := &Model{}
	for _, l := range []*Layer{conv, sep, dense} {
		if err := m.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestSummaryReproducesTheSpecSample(t *testing.T) {
	// Copied from fbz-format.md §7 (trailing blanks are not shown there).
	const want = `                Model Summary
______________________________________________
Input shape  Output shape  Sequences  Layers
==============================================
[28, 28, 1]  [1, 1, 10]    1          3
______________________________________________

______________________________________________________________
Layer (type)                  Output shape  Kernel shape

================= SW/conv2d-dense (Software) =================

conv2d (InputConv.)           [13, 13, 32]  (3, 3, 1, 32)
______________________________________________________________
separable_conv2d (Sep.Conv.)  [7, 7, 64]    (3, 3, 32, 1)
______________________________________________________________
                                            (1, 1, 32, 64)
______________________________________________________________
dense (Fully.)                [1, 1, 10]    (1, 1, 3136, 10)
______________________________________________________________
`
	if got := specSummaryModel(t).Summary(); got != want {
		t.Errorf("Summary() =\n%s\nwant\n%s", got, want)
	}
}

func TestSummaryOfAkida2Layers(t *testing.T) {
	// Akida 2.0 rows print the full class name; a layer without weights
	// (Dequantizer) prints N/A; InputData counts in Layers but has no row.
	m := &Model{}
	in := DefaultInputData()
	in.InputShape, in.InputBits = [3]int{1, 1, 256}, 8
	d := DefaultDense1D()
	d.Units = 128
	dense := NewDense1D("dense", d)
	v, err := NewWeights("weights", []int{256, 128}, make([]int8, 256*128), 8)
	if err != nil {
		t.Fatal(err)
	}
	dense.SetVariable(v)
	for _, l := range []*Layer{NewInputData("input", in), dense, NewDequantizer("dequantizer")} {
		if err := m.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	const want = `                Model Summary
______________________________________________
Input shape  Output shape  Sequences  Layers
==============================================
[1, 1, 256]  [1, 1, 128]   1          3
______________________________________________

_______________________________________________________
Layer (type)               Output shape  Kernel shape

=========== SW/dense-dequantizer (Software) ===========

dense (Dense1D)            [1, 1, 128]   (256, 128)
_______________________________________________________
dequantizer (Dequantizer)  [1, 1, 128]   N/A
_______________________________________________________
`
	if got := m.Summary(); got != want {
		t.Errorf("Summary() =\n%s\nwant\n%s", got, want)
	}
}

func TestCenterFollowsPython(t *testing.T) {
	// Python: "ab".center(5, "=") == "==ab=", "ab".center(7, "=") == "===ab==",
	// "abc".center(6, "=") == "=abc==", "abc".center(8, "=") == "==abc===".
	for _, tc := range []struct {
		s     string
		width int
		want  string
	}{
		{"ab", 5, "==ab="}, {"ab", 7, "===ab=="}, {"abc", 6, "=abc=="}, {"abc", 8, "==abc==="}, {"abcd", 2, "abcd"},
	} {
		if got := center(tc.s, tc.width, '='); got != tc.want {
			t.Errorf("center(%q, %d) = %q, want %q", tc.s, tc.width, got, tc.want)
		}
	}
}
