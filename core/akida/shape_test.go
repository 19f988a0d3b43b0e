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

func TestAkida2ConvShapes(t *testing.T) {
	// Keras rules: Same → ceil(in/stride), Valid → (in-k)/stride+1; the
	// pool uses the layer's padding (cnn2snn stores the MaxPool's there);
	// Average pooling is global.
	conv := func(k, stride int, pad Padding, pool PoolType, size, poolStride int) *Layer {
		o := DefaultConv2D()
		o.Filters, o.KernelSize, o.KernelStride, o.Padding = 5, k, stride, pad
		o.PoolType, o.PoolSize, o.PoolStride = pool, size, poolStride
		return NewConv2D("conv", o)
	}
	for _, tc := range []struct {
		name string
		l    *Layer
		want Shape
	}{
		{"3x3 same stride 1", conv(3, 1, Same, NoPooling, -1, -1), Shape{15, 10, 5}},
		{"3x3 same stride 2", conv(3, 2, Same, NoPooling, -1, -1), Shape{8, 5, 5}},
		{"3x3 valid stride 1", conv(3, 1, Valid, NoPooling, -1, -1), Shape{13, 8, 5}},
		{"3x3 valid stride 2", conv(3, 2, Valid, NoPooling, -1, -1), Shape{7, 4, 5}},
		{"5x5 valid stride 3", conv(5, 3, Valid, NoPooling, -1, -1), Shape{4, 2, 5}},
		{"max 2/2 same", conv(3, 1, Same, MaxPooling, 2, 2), Shape{8, 5, 5}},
		{"max 3/2 same", conv(3, 1, Same, MaxPooling, 3, 2), Shape{8, 5, 5}},
		{"max 3/2 valid", conv(3, 1, Valid, MaxPooling, 3, 2), Shape{6, 3, 5}},
		{"max 3/3 same, fixture conv2d", conv(3, 1, Same, MaxPooling, 3, 3), Shape{5, 4, 5}},
		{"max 2, stride -1 = size", conv(3, 1, Same, MaxPooling, 2, -1), Shape{8, 5, 5}},
		{"global average", conv(3, 2, Valid, AveragePooling, -1, -1), Shape{1, 1, 5}},
	} {
		out, err := chain(t, [3]int{15, 10, 4}, tc.l).OutputShape()
		if err != nil || out != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.name, out, err, tc.want)
		}
	}
}

func TestFixtureShapes(t *testing.T) {
	// The quantizeml fixture's Akida layers (conversion-v2.md §6.2):
	// (43,43,16), (15,15,32), (5,5,64), (1,1,96), (1,1,5), (1,1,5).
	in := DefaultInputConv2D()
	in.InputShape, in.Filters, in.KernelSize = [3]int{128, 128, 1}, 16, 3
	in.PoolType, in.PoolSize, in.PoolStride = MaxPooling, 3, 3
	c := DefaultConv2D()
	c.KernelSize, c.PoolType, c.PoolSize, c.PoolStride = 3, MaxPooling, 3, 3
	c1, c2 := c, c
	c1.Filters, c2.Filters = 32, 64
	d, d1 := DefaultDense1D(), DefaultDense1D()
	d.Units, d.Activation, d1.Units = 96, ReLU, 5
	m := &Model{}
	for _, l := range []*Layer{NewInputConv2D("conv2d", in), NewConv2D("conv2d_1", c1), NewConv2D("conv2d_2", c2),
		NewDense1D("dense", d), NewDense1D("dense_1", d1), NewDequantizer("dequantizer")} {
		if err := m.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	shapes, err := m.Shapes()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []Shape{{43, 43, 16}, {15, 15, 32}, {5, 5, 64}, {1, 1, 96}, {1, 1, 5}, {1, 1, 5}} {
		if shapes[i].Output != want {
			t.Errorf("%s: %v, want %v", m.Layers[i].Name, shapes[i].Output, want)
		}
	}
	if shapes[0].Input != (Shape{128, 128, 1}) || shapes[3].Input != (Shape{5, 5, 64}) {
		t.Errorf("inputs %v, %v", shapes[0].Input, shapes[3].Input)
	}
}

func TestAkida2GraphShapeErrors(t *testing.T) {
	c := DefaultConv2D()
	c.Filters, c.KernelSize = 4, 3
	wide := c
	wide.Filters = 6
	graph := func() *Model {
		m := chain(t, [3]int{8, 8, 4}, NewConv2D("a", c), NewConv2D("b", c), NewConv2D("wide", wide))
		return m
	}
	merge := func(l *Layer, ins ...string) *Model {
		m := graph()
		l.Inbounds = ins
		m.Layers = append(m.Layers, l)
		return m
	}
	q := NewQuantizer("q", QuantizerOptions{InputShape: [3]int{8, 8, 4}, OutputBits: 8})
	quantized := func(shape [3]int) *Model {
		m := &Model{}
		in := NewInputDataV2("input", shape, 8)
		in.Inbounds = []string{"q"}
		m.Layers = []*Layer{q, in}
		return m
	}
	inputConv := NewInputConv2D("image", DefaultInputConv2D())
	inputConv.Params.Set("input_x", 8)
	inputConv.Params.Set("input_y", 8)
	inputConv.Params.Set("input_channels", 3)
	inputConv.Params.Set("kernel_size", 3)
	inputConv.Params.Set("filters", 2)
	for _, tc := range []struct {
		name string
		m    *Model
		want string
	}{
		{"add ok", merge(NewAdd("add", DefaultAdd()), "a", "b"), ""},
		{"add shapes", merge(NewAdd("add", DefaultAdd()), "a", "wide"),
			`layer "add" (Add): its inbounds "a" and "wide" have different shapes [8, 8, 4] and [8, 8, 6]: Add needs equal shapes`},
		{"add one inbound", merge(NewAdd("add", DefaultAdd()), "a"), `layer "add" (Add): it has 1 inbound layers; Add takes exactly 2`},
		{"add three inbounds", merge(NewAdd("add", DefaultAdd()), "a", "b", "wide"), `layer "add" (Add): it has 3 inbound layers; Add takes exactly 2`},
		{"concatenate ok", merge(NewConcatenate("cat"), "a", "wide"), ""},
		{"concatenate three", merge(NewConcatenate("cat"), "a", "b", "wide"),
			`layer "cat" (Concatenate): it has 3 inbound layers; Concatenate takes exactly 2`},
		{"conv two inbounds", merge(NewConv2D("c", c), "a", "b"), `layer "c" (Conv2D): it has 2 inbound layers; it takes exactly 1`},
		{"quantizer then input", quantized([3]int{8, 8, 4}), ""},
		{"quantizer mismatch", quantized([3]int{8, 8, 3}),
			`layer "input" (InputData): its input shape [8, 8, 3] is not the output shape [8, 8, 4] of its inbound layer "q"`},
		{"input conv after a mismatched layer", merge(inputConv, "a"), `layer "image" (InputConv2D): its input shape [8, 8, 3] is not the output shape [8, 8, 4] of its inbound layer "a"`},
		{"input data with two", merge(NewInputDataV2("in2", [3]int{8, 8, 4}, 8), "a", "b"),
			`layer "in2" (InputData): it has 2 inbound layers; an InputData takes none, or one (a Quantizer) whose output it describes`},
		{"transposed without kernel", merge(NewConv2DTranspose("t", DefaultConv2DTranspose()), "a"),
			`layer "t" (Conv2DTranspose): kernel 0x0: the kernel must be positive`},
		{"temporal without fifo", merge(NewDepthwiseBufferTempConv("bt", DefaultDepthwiseBufferTempConv()), "a"),
			`layer "bt" (DepthwiseBufferTempConv): fifo_size 0 must be positive`},
		{"stateful recurrent", merge(NewStatefulRecurrent("sr", DefaultStatefulRecurrent()), "a"),
			`layer "sr" (StatefulRecurrent): the output shape of a StatefulRecurrent layer is not known to this program (no source says how Akida lays out its time steps)`},
	} {
		_, err := tc.m.Shapes()
		if got := errText(err); got != tc.want {
			t.Errorf("%s: %q\nwant %q", tc.name, got, tc.want)
		}
		// Check reports the same, except for the StatefulRecurrent: a model
		// whose shapes cannot be derived is written as it is.
		wantCheck := tc.want
		if tc.name == "stateful recurrent" {
			wantCheck = ""
		}
		if got := errText(tc.m.Check()); got != wantCheck {
			t.Errorf("%s: Check() %q\nwant %q", tc.name, got, wantCheck)
		}
	}
}

// errText is the error's text, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
