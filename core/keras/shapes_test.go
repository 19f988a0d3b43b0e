package keras

import (
	"reflect"
	"testing"
)

// shapeOf runs outputShape on one layer config with the given inputs.
func shapeOf(config any, ins ...Shape) Shape {
	return outputShape(&Layer{Config: config}, ins)
}

func conv(filters, k, s int, padding string, dilation ...int) *Conv2D {
	if dilation == nil {
		dilation = []int{1, 1}
	}
	return &Conv2D{Filters: filters, KernelSize: [2]int{k, k}, Strides: [2]int{s, s}, Padding: padding, DataFormat: "channels_last", DilationRate: dilation, Groups: 1}
}

// Expected values follow Keras' conv_utils.conv_output_length.
func TestOutputShapes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config any
		ins    []Shape
		want   Shape
	}{
		{"conv valid", conv(32, 3, 1, "valid"), []Shape{{28, 28, 1}}, Shape{26, 26, 32}},
		{"conv valid stride 2", conv(8, 3, 2, "valid"), []Shape{{28, 28, 1}}, Shape{13, 13, 8}},
		{"conv same stride 2", conv(8, 3, 2, "same"), []Shape{{7, 224, 3}}, Shape{4, 112, 8}},
		{"conv dilation 2", conv(4, 3, 1, "valid", 2, 2), []Shape{{28, 28, 1}}, Shape{24, 24, 4}},
		{"conv kernel larger than input", conv(4, 5, 1, "valid"), []Shape{{3, 3, 1}}, Shape{0, 0, 4}},
		{"conv unknown size", conv(4, 3, 1, "valid"), []Shape{{-1, -1, 3}}, Shape{-1, -1, 4}},
		{"conv channels_first", &Conv2D{Filters: 6, KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_first", DilationRate: []int{1, 1}},
			[]Shape{{3, 32, 30}}, Shape{6, 30, 28}},
		{"conv on a vector", conv(4, 3, 1, "valid"), []Shape{{10}}, nil},
		{"depthwise multiplier 2", &DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", DepthMultiplier: 2, DilationRate: []int{1, 1}},
			[]Shape{{9, 9, 3}}, Shape{5, 5, 6}},
		{"separable", &SeparableConv2D{Filters: 16, KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "valid", DepthMultiplier: 1, DilationRate: []int{1, 1}},
			[]Shape{{8, 8, 8}}, Shape{6, 6, 16}},
		{"max pool same 3/3", &MaxPooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{3, 3}, Padding: "same"}, []Shape{{128, 128, 16}}, Shape{43, 43, 16}},
		{"avg pool valid 3/3", &AveragePooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{3, 3}, Padding: "valid"}, []Shape{{3, 3, 64}}, Shape{1, 1, 64}},
		{"avg pool valid 2/1", &AveragePooling2D{PoolSize: [2]int{2, 2}, Strides: [2]int{1, 1}, Padding: "valid"}, []Shape{{5, 4, 2}}, Shape{4, 3, 2}},
		{"gap", &GlobalAveragePooling2D{}, []Shape{{7, 7, 256}}, Shape{256}},
		{"gap keepdims", &GlobalAveragePooling2D{KeepDims: true}, []Shape{{7, 7, 256}}, Shape{1, 1, 256}},
		{"gap channels_first", &GlobalAveragePooling2D{DataFormat: "channels_first", KeepDims: true}, []Shape{{256, 7, 7}}, Shape{256, 1, 1}},
		{"flatten", &Flatten{}, []Shape{{5, 5, 64}}, Shape{1600}},
		{"flatten unknown", &Flatten{}, []Shape{{-1, 5, 64}}, Shape{-1}},
		{"reshape -1", &Reshape{TargetShape: []int{9, -1}}, []Shape{{252}}, Shape{9, 28}},
		{"reshape fixed", &Reshape{TargetShape: []int{2, 3}}, []Shape{{6}}, Shape{2, 3}},
		{"reshape unknown input", &Reshape{TargetShape: []int{-1, 4}}, []Shape{{-1}}, Shape{-1, 4}},
		{"reshape two unknown", &Reshape{TargetShape: []int{-1, -1}}, []Shape{{6}}, nil},
		{"dense", &Dense{Units: 10}, []Shape{{128}}, Shape{10}},
		{"dense rank 3", &Dense{Units: 4}, []Shape{{9, 28}}, Shape{9, 4}},
		{"concat last", &Concatenate{Axis: -1}, []Shape{{6, 6, 4}, {6, 6, 3}}, Shape{6, 6, 7}},
		{"concat axis 1", &Concatenate{Axis: 1}, []Shape{{2, 5}, {3, 5}}, Shape{5, 5}},
		{"concat rank mismatch", &Concatenate{Axis: -1}, []Shape{{2, 5}, {5}}, nil},
		{"concat batch axis", &Concatenate{Axis: 0}, []Shape{{2}, {3}}, nil},
		{"zero padding", &ZeroPadding2D{Padding: [2][2]int{{1, 0}, {0, 2}}}, []Shape{{12, 12, 4}}, Shape{13, 14, 4}},
		{"add", &Add{}, []Shape{{12, 12, 4}, {12, 12, 4}}, Shape{12, 12, 4}},
		{"add broadcast", &Add{}, []Shape{{1, 12, 4}, {12, 12, 1}}, Shape{12, 12, 4}},
		{"batchnorm", &BatchNormalization{}, []Shape{{3, 3, 8}}, Shape{3, 3, 8}},
		{"quantizeml conv", &QMLConv2D{Conv2D: *conv(16, 3, 1, "same")}, []Shape{{128, 128, 1}}, Shape{128, 128, 16}},
		{"quantizeml pool", &QMLMaxPool2D{MaxPooling2D: MaxPooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{3, 3}, Padding: "same"}}, []Shape{{43, 43, 32}}, Shape{15, 15, 32}},
		{"quantizeml dense", &QMLDense{Dense: Dense{Units: 96}}, []Shape{{1600}}, Shape{96}},
		{"quantizeml reshape", &QMLReshape{Reshape{TargetShape: []int{-1}}}, []Shape{{4, 4}}, Shape{16}},
		{"cnn2snn conv", &QuantizedConv2D{Conv2D: *conv(8, 3, 2, "same")}, []Shape{{224, 224, 3}}, Shape{112, 112, 8}},
		{"cnn2snn activation", &ActivationDiscreteRelu{Bitwidth: 4}, []Shape{{4}}, Shape{4}},
		{"unknown class", nil, []Shape{{4}}, nil},
		{"unknown input", &Dense{Units: 3}, []Shape{nil}, nil},
		{"input layer", &InputLayer{BatchShape: []int{-1, 96, 96, 3}}, nil, Shape{96, 96, 3}},
		{"input layer without shape", &InputLayer{}, nil, nil},
	} {
		if got := shapeOf(tc.config, tc.ins...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A layer of an unknown class has no shape, and neither has anything
// after it; loading does not fail.
func TestUnknownClassShapes(t *testing.T) {
	cfg := `{"class_name": "Sequential", "config": {"name": "s", "layers": [
		{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 16], "name": "in"}},
		{"class_name": "Dense", "config": {"name": "d1", "units": 8}},
		{"class_name": "MyCustomLayer", "config": {"name": "custom"}},
		{"class_name": "Dense", "config": {"name": "d2", "units": 2}}]}}`
	m, _ := mustBuild(t, []byte(cfg))
	want := []string{"in (InputLayer) <-  : (None, 16)", "d1 (Dense) <- in : (None, 8)", "custom (MyCustomLayer) <- d1 : ?", "d2 (Dense) <- custom : ?"}
	if got := layerSummary(m); !reflect.DeepEqual(got, want) {
		t.Errorf("layers %q", got)
	}
	if m.Layer("custom").Config != nil {
		t.Error("unknown class has a typed config")
	}
}

func TestShapeString(t *testing.T) {
	for _, tc := range []struct {
		s    Shape
		want string
	}{
		{Shape{112, 112, 8}, "(None, 112, 112, 8)"},
		{Shape{1000}, "(None, 1000)"},
		{Shape{-1, 4}, "(None, None, 4)"},
		{Shape{}, "(None,)"},
		{nil, "?"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%v.String() = %q, want %q", []int(tc.s), got, tc.want)
		}
	}
}

func TestElementsAndInputShape(t *testing.T) {
	if n := Elements([]int{3, 3, 8, 16}); n != 1152 {
		t.Errorf("Elements (3, 3, 8, 16) = %d", n)
	}
	if n := Elements(nil); n != 1 {
		t.Errorf("Elements () = %d, want 1 (a scalar)", n)
	}
	m := &Model{Layers: []*Layer{
		{Name: "a", OutputShape: Shape{4, 4, 2}},
		{Name: "b", OutputShape: Shape{4, 4, 3}},
		{Name: "one", Inbound: []string{"a"}},
		{Name: "two", Inbound: []string{"a", "b"}},
		{Name: "lost", Inbound: []string{"nowhere"}},
	}}
	if s := m.Layer("one").InputShape(m); s.String() != "(None, 4, 4, 2)" {
		t.Errorf("one: %v", s)
	}
	for _, name := range []string{"a", "two", "lost"} {
		if s := m.Layer(name).InputShape(m); s != nil {
			t.Errorf("%s: %v, want nil", name, s)
		}
	}
}
