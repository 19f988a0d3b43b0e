package akida

import (
	"testing"
)

func TestShapesOfTheSpecModel(t *testing.T) {
	shapes, err := specSummaryModel(t).Shapes()
	if err != nil {
		t.Fatal(err)
	}
	want := []LayerShapes{
		{Shape{28, 28, 1}, Shape{13, 13, 32}}, // Valid, stride 2: (28-3)/2+1
		{Shape{13, 13, 32}, Shape{7, 7, 64}},  // Same, stride 2: ceil(13/2)
		{Shape{7, 7, 64}, Shape{1, 1, 10}},
	}
	for i := range want {
		if shapes[i] != want[i] {
			t.Errorf("layer %d: %v, want %v", i, shapes[i], want[i])
		}
	}
}

// chain returns a model of an InputData of the given shape followed by l.
func chain(t *testing.T, shape [3]int, layers ...*Layer) *Model {
	t.Helper()
	in := DefaultInputData()
	in.InputShape = shape
	m := &Model{}
	for _, l := range append([]*Layer{NewInputData("input", in)}, layers...) {
		if err := m.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestPoolingShapes(t *testing.T) {
	conv := func(pad Padding, poolType PoolType, pool, stride [2]int) *Layer {
		o := DefaultConvolutional()
		o.KernelSize, o.Filters, o.Padding = [2]int{3, 3}, 8, pad
		o.PoolType, o.PoolSize, o.PoolStride = poolType, pool, stride
		return NewConvolutional("conv", o)
	}
	for _, tc := range []struct {
		name string
		l    *Layer
		want Shape
	}{
		{"max 2x2 same", conv(Same, MaxPooling, [2]int{2, 2}, [2]int{-1, -1}), Shape{7, 5, 8}},
		{"max 3x3 stride 2 valid", conv(Valid, MaxPooling, [2]int{3, 3}, [2]int{2, 2}), Shape{5, 3, 8}},
		{"global average", conv(Same, AveragePooling, [2]int{-1, -1}, [2]int{-1, -1}), Shape{1, 1, 8}},
		{"none", conv(Same, NoPooling, [2]int{-1, -1}, [2]int{-1, -1}), Shape{14, 10, 8}},
	} {
		out, err := chain(t, [3]int{14, 10, 4}, tc.l).OutputShape()
		if err != nil || out != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.name, out, err, tc.want)
		}
	}
}

func TestAkida2Shapes(t *testing.T) {
	c := DefaultConv2D()
	c.Filters, c.KernelSize, c.KernelStride = 16, 3, 2
	dw := DefaultDepthwiseConv2D()
	dw.KernelSize, dw.PoolType, dw.PoolSize = 3, MaxPooling, 2
	tr := DefaultConv2DTranspose()
	tr.Filters, tr.KernelSize = 4, 3
	d := DefaultDense1D()
	d.Units = 7

	m := chain(t, [3]int{32, 30, 3}, NewConv2D("conv", c), NewDepthwiseConv2D("dw", dw),
		NewConv2DTranspose("up", tr), NewDense1D("dense", d))
	shapes, err := m.Shapes()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []Shape{{32, 30, 3}, {16, 15, 16}, {8, 8, 16}, {16, 16, 4}, {1, 1, 7}} {
		if shapes[i].Output != want {
			t.Errorf("%s: %v, want %v", m.Layers[i].Name, shapes[i].Output, want)
		}
	}

	// Add and Concatenate take several inbounds.
	a, b := m.Layers[3], m.Layers[3]
	add := NewAdd("add", DefaultAdd())
	if err := m.Add(add, a, b); err != nil {
		t.Fatal(err)
	}
	cat := NewConcatenate("cat")
	if err := m.Add(cat, add, a); err != nil {
		t.Fatal(err)
	}
	if out, err := m.OutputShape(); err != nil || out != (Shape{16, 16, 8}) {
		t.Errorf("Concatenate output %v, %v; want [16, 16, 8]", out, err)
	}
	if s, err := m.LayerOutputShape("add"); err != nil || s != (Shape{16, 16, 4}) {
		t.Errorf("Add output %v, %v", s, err)
	}
}

func TestShapeErrors(t *testing.T) {
	big := DefaultConvolutional()
	big.KernelSize, big.Filters, big.Padding = [2]int{5, 5}, 8, Valid
	noFilters := DefaultConvolutional()
	noFilters.KernelSize = [2]int{3, 3}
	for _, tc := range []struct {
		m    *Model
		want string
	}{
		{chain(t, [3]int{4, 4, 1}, NewConvolutional("conv", big)),
			`layer "conv" (Convolutional): a window of 5 does not fit an input of 4 with Valid padding`},
		{chain(t, [3]int{4, 4, 1}, NewConvolutional("conv", noFilters)),
			`layer "conv" (Convolutional): its output would have 0 channels: set filters or units to a positive number`},
		{chain(t, [3]int{0, 4, 1}),
			`layer "input" (InputData): input shape [0, 4, 1] must be positive: set input_width, input_height and input_channels`},
		{&Model{Layers: []*Layer{{Name: "x", Type: LayerType(7)}}},
			`layer "x" (LayerType(7)): it has 0 inbound layers; it takes exactly 1`},
		{&Model{}, "the model has no layers"},
	} {
		_, err := tc.m.Shapes()
		if err == nil || err.Error() != tc.want {
			t.Errorf("error %v\nwant %s", err, tc.want)
		}
	}
}
