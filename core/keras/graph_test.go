package keras

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// layerSummary is "name (Class) <- inbound : shape" for compact asserts.
func layerSummary(m *Model) []string {
	out := make([]string, len(m.Layers))
	for i, l := range m.Layers {
		out[i] = l.Name + " (" + l.ClassName + ") <- " + strings.Join(l.Inbound, ",") + " : " + l.OutputShape.String()
	}
	return out
}

func readTestdata(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustBuild(t *testing.T, config []byte) (*Model, *graph) {
	t.Helper()
	m, g, err := buildModel(config)
	if err != nil {
		t.Fatalf("buildModel: %v", err)
	}
	return m, g
}

// A Keras 3 Functional model with two inputs merged by Add: Keras 3
// inbound_nodes ({"args": [[kt, kt]]}), a list of input triples and a flat
// output triple.
func TestKeras3FunctionalMultiInputAdd(t *testing.T) {
	m, g := mustBuild(t, readTestdata(t, "configs", "keras3_functional_add.json"))
	want := []string{
		"input_a (InputLayer) <-  : (None, 8, 8, 3)",
		"input_b (InputLayer) <-  : (None, 8, 8, 3)",
		"conv_a (Conv2D) <- input_a : (None, 8, 8, 4)",
		"conv_b (Conv2D) <- input_b : (None, 8, 8, 4)",
		"add (Add) <- conv_a,conv_b : (None, 8, 8, 4)",
		"gap (GlobalAveragePooling2D) <- add : (None, 1, 1, 4)",
		"classifier (Dense) <- gap : (None, 1, 1, 5)",
	}
	if got := layerSummary(m); !reflect.DeepEqual(got, want) {
		t.Errorf("layers:\n got %q\nwant %q", got, want)
	}
	if m.Name != "two_inputs" || m.Class != "Functional" {
		t.Errorf("model %q (%s)", m.Name, m.Class)
	}
	if !reflect.DeepEqual(m.Inputs, []string{"input_a", "input_b"}) || !reflect.DeepEqual(m.Outputs, []string{"classifier"}) {
		t.Errorf("inputs %v outputs %v", m.Inputs, m.Outputs)
	}
	if got := m.Outbound("input_a"); !reflect.DeepEqual(got, []string{"conv_a"}) {
		t.Errorf("Outbound(input_a) = %v", got)
	}
	if got := m.Layer("add").InputShapes(m); !reflect.DeepEqual(got, []Shape{{8, 8, 4}, {8, 8, 4}}) {
		t.Errorf("add input shapes %v", got)
	}
	// The .keras vars paths follow the snake-case + counter rule.
	var paths []string
	for _, pl := range g.layers {
		paths = append(paths, pl.varsPath)
	}
	wantPaths := []string{"layers/input_layer", "layers/input_layer_1", "layers/conv2d", "layers/conv2d_1", "layers/add", "layers/global_average_pooling2d", "layers/dense"}
	if !reflect.DeepEqual(paths, wantPaths) {
		t.Errorf("vars paths %q, want %q", paths, wantPaths)
	}
	// Inputs follow input_layers, not the order of the layer list.
	swapped := strings.Replace(string(readTestdata(t, "configs", "keras3_functional_add.json")),
		`[["input_a", 0, 0], ["input_b", 0, 0]]`, `[["input_b", 0, 0], ["input_a", 0, 0]]`, 1)
	if m2, _ := mustBuild(t, []byte(swapped)); !reflect.DeepEqual(m2.Inputs, []string{"input_b", "input_a"}) {
		t.Errorf("inputs %v, want input_layers order", m2.Inputs)
	}
	c := m.Layer("conv_b").Config.(*Conv2D)
	if c.UseBias || c.Padding != "valid" || c.KernelSize != [2]int{1, 1} || c.Activation != "linear" {
		t.Errorf("conv_b config %+v", c)
	}
	if in := m.Layer("input_a").Config.(*InputLayer); !reflect.DeepEqual(in.BatchShape, []int{-1, 8, 8, 3}) || in.Dtype != "float32" {
		t.Errorf("input_a config %+v", in)
	}
}

// A Functional model with a flat-triple input_layers and a nested
// Sequential (with its own InputLayer) called on an inner layer: the
// nested layers are flattened in place, the nested input disappears, and
// the reference to the nested model ("block", node 1) becomes its last
// layer.
func TestKeras3NestedSequentialFlattened(t *testing.T) {
	m, g := mustBuild(t, readTestdata(t, "configs", "keras3_functional_nested.json"))
	want := []string{
		"input_layer (InputLayer) <-  : (None, 10, 10, 1)",
		"rescaling (Rescaling) <- input_layer : (None, 10, 10, 1)",
		"block_conv (Conv2D) <- rescaling : (None, 4, 4, 6)",
		"block_bn (BatchNormalization) <- block_conv : (None, 4, 4, 6)",
		"block_relu (ReLU) <- block_bn : (None, 4, 4, 6)",
		"flatten (Flatten) <- block_relu : (None, 96)",
		"dense (Dense) <- flatten : (None, 3)",
	}
	if got := layerSummary(m); !reflect.DeepEqual(got, want) {
		t.Errorf("layers:\n got %q\nwant %q", got, want)
	}
	if !reflect.DeepEqual(m.Inputs, []string{"input_layer"}) || !reflect.DeepEqual(m.Outputs, []string{"dense"}) {
		t.Errorf("inputs %v outputs %v", m.Inputs, m.Outputs)
	}
	tops := map[string]string{}
	paths := map[string]string{}
	for _, pl := range g.layers {
		tops[pl.layer.Name], paths[pl.layer.Name] = pl.topName, pl.varsPath
	}
	if tops["block_bn"] != "block" || tops["dense"] != "dense" {
		t.Errorf("top names %v", tops)
	}
	if paths["block_conv"] != "layers/sequential/layers/conv2d" || paths["dense"] != "layers/dense" {
		t.Errorf("vars paths %v", paths)
	}
	bn := m.Layer("block_bn").Config.(*BatchNormalization)
	if !reflect.DeepEqual(bn.Axis, []int{-1}) || bn.Center || !bn.Scale {
		t.Errorf("block_bn %+v", bn)
	}
	if r := m.Layer("block_relu").Config.(*ReLU); r.MaxValue == nil || *r.MaxValue != 6 {
		t.Errorf("block_relu max_value %v", r.MaxValue)
	}
	if r := m.Layer("rescaling").Config.(*Rescaling); !reflect.DeepEqual(r.Scale, []float64{1.0 / 255}) || !reflect.DeepEqual(r.Offset, []float64{0}) {
		t.Errorf("rescaling %+v", r)
	}
	exp, _ := expectedWeights(m.Layer("block_bn"), Shape{4, 4, 6})
	if got := expectedNames(exp); got != "gamma, moving_mean, moving_variance" {
		t.Errorf("BN with center=false expects %s", got)
	}
}

// A Keras 2 Functional model nesting a Functional whose input has the same
// name as the outer input (names are scoped per model), and a layer shared
// by two calls.
func TestKeras2NestedFunctionalAndSharedLayer(t *testing.T) {
	m, _ := mustBuild(t, readTestdata(t, "configs", "keras2_nested_functional_shared.json"))
	want := []string{
		"input_1 (InputLayer) <-  : (None, 4)",
		"dense_0 (Dense) <- input_1 : (None, 8)",
		"inner_dense (Dense) <- dense_0 : (None, 8)",
		"inner_relu (ReLU) <- inner_dense : (None, 8)",
		"shared (Dense) <- inner_relu : (None, 8)",
	}
	if got := layerSummary(m); !reflect.DeepEqual(got, want) {
		t.Errorf("layers:\n got %q\nwant %q", got, want)
	}
	if n := m.Layer("shared").InboundNodes; n != 2 {
		t.Errorf("shared layer has %d inbound nodes, want 2", n)
	}
	if n := m.Layer("dense_0").InboundNodes; n != 1 {
		t.Errorf("dense_0 has %d inbound nodes, want 1", n)
	}
	if !reflect.DeepEqual(m.Outputs, []string{"shared"}) {
		t.Errorf("outputs %v", m.Outputs)
	}
}

// The old Keras 2.0 Sequential whose config is a bare list: the InputLayer
// is synthesized from the first layer's batch_input_shape and named
// "<first layer>_input" as Keras 2 does.
func TestBareListSequential(t *testing.T) {
	cfg := `{"class_name": "Sequential", "keras_version": "2.0.0", "config": [
	 {"class_name": "Conv2D", "config": {"name": "c", "batch_input_shape": [null, 8, 8, 1], "filters": 2, "kernel_size": [3, 3], "padding": "same"}},
	 {"class_name": "Flatten", "config": {"name": "f"}},
	 {"class_name": "Dense", "config": {"name": "d", "units": 10}}]}`
	m, _ := mustBuild(t, []byte(cfg))
	want := []string{
		"c_input (InputLayer) <-  : (None, 8, 8, 1)",
		"c (Conv2D) <- c_input : (None, 8, 8, 2)",
		"f (Flatten) <- c : (None, 128)",
		"d (Dense) <- f : (None, 10)",
	}
	if got := layerSummary(m); !reflect.DeepEqual(got, want) {
		t.Errorf("layers:\n got %q\nwant %q", got, want)
	}
	if m.Name != "" || m.Class != "Sequential" || !reflect.DeepEqual(m.Inputs, []string{"c_input"}) {
		t.Errorf("model %q %s inputs %v", m.Name, m.Class, m.Inputs)
	}
	if got := string(m.Layers[0].RawConfig); got != `{"batch_input_shape":[null,8,8,1],"dtype":"float32","name":"c_input"}` {
		t.Errorf("synthesized InputLayer config %s", got)
	}
}

// A Sequential without InputLayer and without an input shape on its first
// layer takes the shape from build_input_shape.
func TestSequentialBuildInputShape(t *testing.T) {
	cfg := `{"class_name": "Sequential", "config": {"name": "s", "build_input_shape": [null, 6],
	 "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2}}]}}`
	m, _ := mustBuild(t, []byte(cfg))
	if got := layerSummary(m); !reflect.DeepEqual(got, []string{"d_input (InputLayer) <-  : (None, 6)", "d (Dense) <- d_input : (None, 2)"}) {
		t.Errorf("layers %q", got)
	}
}

func TestGraphErrors(t *testing.T) {
	for _, tc := range []struct{ name, config, want string }{
		{"not JSON", `{"class_name": `, "the model config is not valid JSON (it ends too early: the file is truncated); the file is damaged"},
		{"syntax", `{"class_name": "Sequential",, }`, "the model config is not valid JSON (syntax error at byte 29); the file is damaged"},
		{"no class", `{"config": {}}`, "the model config has no class_name; the file is not a Keras model"},
		{"unknown inbound", `{"class_name": "Functional", "config": {"name": "m", "layers": [
			{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "name": "in"}, "name": "in", "inbound_nodes": []},
			{"class_name": "Dense", "config": {"name": "d", "units": 1}, "name": "d", "inbound_nodes": [[["ghost", 0, 0, {}]]]}],
			"input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0]]}}`,
			`layer "d": the model refers to a layer "ghost" that is not in its layer list; the file is damaged`},
		{"input not an InputLayer", `{"class_name": "Functional", "config": {"name": "m", "layers": [
			{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "name": "in"}, "name": "in", "inbound_nodes": []},
			{"class_name": "Dense", "config": {"name": "d", "units": 1}, "name": "d", "inbound_nodes": [[["in", 0, 0, {}]]]}],
			"input_layers": [["d", 0, 0]], "output_layers": [["d", 0, 0]]}}`,
			`model "m" lists "d" in input_layers, but it is not an InputLayer of the model; the file is damaged`},
		{"bad node", `{"class_name": "Functional", "config": {"name": "m", "layers": [
			{"class_name": "Dense", "config": {"name": "d", "units": 1}, "name": "d", "inbound_nodes": [[["x"]]]}],
			"input_layers": [], "output_layers": [["d", 0, 0]]}}`,
			`layer "d": inbound_nodes has an entry ["x"] that is not [layer name, node index, tensor index]`},
		{"bad kernel", `{"class_name": "Sequential", "config": {"name": "s", "layers": [
			{"class_name": "InputLayer", "config": {"batch_shape": [null, 4, 4, 1], "name": "i"}},
			{"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": [3, "x"]}}]}}`,
			`layer "c" (Conv2D): config key "kernel_size" is [3, "x"], expected an integer or a list of integers; the file is damaged or was written by a tool this converter does not know`},
		{"multi-line value", "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": [{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": [\n  1,\n  2\n]}}]}}",
			`layer "d" (Dense): config key "units" is [ 1, 2 ], expected an integer; the file is damaged or was written by a tool this converter does not know`},
		{"zero units", `{"class_name": "Sequential", "config": {"name": "s", "layers": [
			{"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "i"}},
			{"class_name": "Dense", "config": {"name": "d", "units": 0}}]}}`,
			`layer "d" (Dense): units is 0, expected a positive number`},
		{"duplicate names", `{"class_name": "Sequential", "config": {"name": "s", "layers": [
			{"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "i"}},
			{"class_name": "Dense", "config": {"name": "d", "units": 2}},
			{"class_name": "Sequential", "config": {"name": "inner", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2}}]}}]}}`,
			`two layers are named "d" once nested models are flattened; rename one of them in Keras and save the model again`},
		{"shared nested model", `{"class_name": "Functional", "config": {"name": "m", "layers": [
			{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "name": "in"}, "name": "in", "inbound_nodes": []},
			{"class_name": "Sequential", "config": {"name": "seq", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2}}]}, "name": "seq",
			 "inbound_nodes": [[["in", 0, 0, {}]], [["in", 0, 0, {}]]]}],
			"input_layers": [["in", 0, 0]], "output_layers": [["seq", 1, 0]]}}`,
			`nested model "seq" is called 2 times; a nested model used more than once cannot be flattened into one graph. Call it once, or rebuild the model without sharing it`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := buildModel([]byte(tc.config))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error\n got %v\nwant %s", err, tc.want)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error is %T, want *FormatError", err)
			}
		})
	}
}

// The subclassed fixture's config (copied from
// keras3.15_subclassed_nested_container.keras) has no layer graph.
func TestSubclassedConfig(t *testing.T) {
	cfg := `{"module": null, "class_name": "NestedDenseModel", "config": {"name": "nested_dense_model", "trainable": true, "num": 3},
	 "registered_name": "legacy_nested_container>NestedDenseModel", "build_config": {"input_shape": [2, 4]}}`
	_, _, err := buildModel([]byte(cfg))
	want := `the model "nested_dense_model" is a subclassed Keras model (class NestedDenseModel): its file has no layer graph to convert; ` +
		`rebuild it as a Functional or Sequential model (keras.Model(inputs, outputs) or keras.Sequential), load the weights into it and save that model`
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got %v\nwant %s", err, want)
	}
	if !errors.Is(err, ErrSubclassed) {
		t.Error("error does not wrap ErrSubclassed")
	}
}

func TestToSnakeCase(t *testing.T) {
	// Expected values computed with keras.src.utils.naming.to_snake_case.
	for in, want := range map[string]string{
		"Conv2D": "conv2d", "MaxPooling2D": "max_pooling2d", "ReLU": "re_lu", "BatchNormalization": "batch_normalization",
		"QuantizedConv2D": "quantized_conv2d", "GlobalAveragePooling2D": "global_average_pooling2d",
		"SeparableConv2D": "separable_conv2d", "DepthwiseConv2D": "depthwise_conv2d", "InputLayer": "input_layer",
		"Dense": "dense", "ActivationDiscreteRelu": "activation_discrete_relu", "ZeroPadding2D": "zero_padding2d",
		"HTTPServer": "http_server", "ABc": "a_bc", "Sequential": "sequential", "Functional": "functional",
	} {
		if got := toSnakeCase(in); got != want {
			t.Errorf("toSnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSnakeNamerCounters(t *testing.T) {
	n := newSnakeNamer()
	var got []string
	for _, c := range []string{"Conv2D", "Dense", "Conv2D", "Conv2D", "Dense"} {
		got = append(got, n.next(c))
	}
	want := []string{"conv2d", "dense", "conv2d_1", "conv2d_2", "dense_1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
}
