package keras

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Typed configs read from the real fixtures.
func TestConfigsFromFixtures(t *testing.T) {
	aki := loadShared(t, "akidanet_imagenet_224_alpha_25_keras2.10.h5")
	if got := aki.Layer("conv_0").Config.(*Conv2D); !reflect.DeepEqual(got, &Conv2D{
		Filters: 8, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", DataFormat: "channels_last",
		DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: false,
	}) {
		t.Errorf("conv_0 %+v", got)
	}
	if got := aki.Layer("separable_4").Config.(*SeparableConv2D); !reflect.DeepEqual(got, &SeparableConv2D{
		Filters: 64, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", DataFormat: "channels_last",
		DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear", UseBias: false,
	}) {
		t.Errorf("separable_4 %+v", got)
	}
	if got := aki.Layer("conv_0/relu").Config.(*ReLU); got.MaxValue == nil || *got.MaxValue != 6 || got.NegativeSlope != 0 || got.Threshold != 0 {
		t.Errorf("conv_0/relu %+v", got)
	}
	if got := aki.Layer("conv_0/BN").Config.(*BatchNormalization); !reflect.DeepEqual(got, &BatchNormalization{
		Axis: []int{3}, Momentum: 0.99, Epsilon: 0.001, Center: true, Scale: true,
	}) {
		t.Errorf("conv_0/BN %+v", got)
	}
	if got := aki.Layer("rescaling").Config.(*Rescaling); !reflect.DeepEqual(got, &Rescaling{Scale: []float64{0.0078125}, Offset: []float64{-1}}) {
		t.Errorf("rescaling %+v", got)
	}
	if got := aki.Layer("separable_13/global_avg").Config.(*GlobalAveragePooling2D); got.KeepDims || got.DataFormat != "channels_last" {
		t.Errorf("global_avg %+v", got)
	}
	if got := aki.Layer("dropout").Config.(*Dropout); got.Rate != 0.001 {
		t.Errorf("dropout %+v", got)
	}
	if got := aki.Layer("classifier").Config.(*Dense); !reflect.DeepEqual(got, &Dense{Units: 1000, Activation: "linear", UseBias: true}) {
		t.Errorf("classifier %+v", got)
	}

	mob := loadShared(t, "mobilenetv1_vww_96_keras2.4.h5")
	if got := mob.Layer("depthwise_conv2d").Config.(*DepthwiseConv2D); !reflect.DeepEqual(got, &DepthwiseConv2D{
		KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "same", DataFormat: "channels_last",
		DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear", UseBias: true,
	}) {
		t.Errorf("depthwise_conv2d %+v", got)
	}
	if got := mob.Layer("activation").Config.(*Activation); got.Activation != "relu" {
		t.Errorf("activation %+v", got)
	}
	if got := mob.Layer("average_pooling2d").Config.(*AveragePooling2D); !reflect.DeepEqual(got, &AveragePooling2D{
		PoolSize: [2]int{3, 3}, Strides: [2]int{3, 3}, Padding: "valid", DataFormat: "channels_last",
	}) {
		t.Errorf("average_pooling2d %+v", got)
	}

	mnist := loadShared(t, "mnist_cnn_sequential_keras3.15.keras")
	if got := mnist.Layer("input_layer").Config.(*InputLayer); !reflect.DeepEqual(got, &InputLayer{BatchShape: []int{-1, 28, 28, 1}, Dtype: "float32"}) {
		t.Errorf("input_layer %+v", got)
	}
	if got := mnist.Layer("dense_1").Config.(*Dense); got.Activation != "softmax" || got.Units != 10 {
		t.Errorf("dense_1 %+v", got)
	}
	if got := mnist.Layer("max_pooling2d").Config.(*MaxPooling2D); got.PoolSize != [2]int{2, 2} || got.Strides != [2]int{2, 2} || got.Padding != "valid" {
		t.Errorf("max_pooling2d %+v", got)
	}
}

// The quantizeml fixture's layers get QML types with their quant_config;
// keys the file leaves out take quantizeml's defaults.
func TestQuantizeMLConfigs(t *testing.T) {
	m := loadShared(t, "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")
	conv := m.Layer("conv2d")
	c, ok := conv.Config.(*QMLConv2D)
	if !ok {
		t.Fatalf("conv2d config is %T", conv.Config)
	}
	if c.Filters != 16 || c.Padding != "same" || conv.Package != "Custom" || conv.Origin() != OriginQuantizeML {
		t.Errorf("conv2d %+v package %q origin %v", c.Conv2D, conv.Package, conv.Origin())
	}
	wantQC := QuantConfig{
		WeightQuantizer: &QMLQuantizer{Bitwidth: 8, Signed: true, PerAxis: true, Axis: -1},
		BufferBitwidth:  28,
	}
	if !reflect.DeepEqual(c.QuantConfig, wantQC) {
		t.Errorf("conv2d quant_config %+v, weight %+v", c.QuantConfig, c.QuantConfig.WeightQuantizer)
	}
	r := m.Layer("re_lu").Config.(*QMLReLU)
	if r.MaxValue != nil {
		t.Errorf("re_lu max_value %v, want None", *r.MaxValue)
	}
	wantOut := &QMLQuantizer{Bitwidth: 8, Signed: true, PerAxis: false, Axis: -1, ScaleBits: 8, BufferBitwidth: 32}
	if !reflect.DeepEqual(r.QuantConfig.OutputQuantizer, wantOut) || r.QuantConfig.BufferBitwidth != 32 || r.QuantConfig.WeightQuantizer != nil {
		t.Errorf("re_lu quant_config %+v output %+v", r.QuantConfig, r.QuantConfig.OutputQuantizer)
	}
	if got := m.Layer("max_pooling2d").Config.(*QMLMaxPool2D); got.PoolSize != [2]int{3, 3} || got.Padding != "same" {
		t.Errorf("max_pooling2d %+v", got)
	}
	for name, want := range map[string]string{
		"dropout": "*keras.QMLDropout", "flatten": "*keras.QMLFlatten", "dense": "*keras.QMLDense", "dequantizer": "*keras.QMLDequantizer",
	} {
		if got := typeName(m.Layer(name).Config); got != want {
			t.Errorf("%s config is %s, want %s", name, got, want)
		}
	}
	if m.Layer("input_1").Origin() != OriginKeras {
		t.Error("the InputLayer is not a Keras built-in")
	}
}

func typeName(v any) string { return reflect.TypeOf(v).String() }

// configOf decodes one layer object the way the model parser does.
func configOf(t *testing.T, obj string) *Layer {
	t.Helper()
	var o layerObject
	if err := json.Unmarshal([]byte(obj), &o); err != nil {
		t.Fatal(err)
	}
	class, pkg := classOf(o)
	l, err := newLayer(o, layerName(o), class, pkg)
	if err != nil {
		t.Fatalf("newLayer: %v", err)
	}
	return l
}

// cnn2snn's legacy quantized layers: bare class names with a "quantizer"
// sub-object (conversion.md §6); no file with them is public, so the
// configs follow cnn2snn's get_config.
func TestCNN2SNNConfigs(t *testing.T) {
	conv := configOf(t, `{"class_name": "QuantizedConv2D", "config": {"name": "conv_0", "filters": 8, "kernel_size": [3, 3],
		"strides": [2, 2], "padding": "same", "use_bias": true,
		"quantizer": {"class_name": "StdWeightQuantizer", "config": {"name": "sw", "bitwidth": 2, "threshold": 2.5}}}}`)
	if conv.Origin() != OriginCNN2SNN || conv.Package != "" {
		t.Errorf("origin %v package %q", conv.Origin(), conv.Package)
	}
	want := &QuantizedConv2D{
		Conv2D: Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", DataFormat: "channels_last",
			DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: true},
		Quantizer: WeightQuantizer{ClassName: "StdWeightQuantizer", Bitwidth: 2, Threshold: 2.5},
	}
	if got := conv.Config.(*QuantizedConv2D); !reflect.DeepEqual(got, want) {
		t.Errorf("QuantizedConv2D\n got %+v\nwant %+v", got, want)
	}
	sep := configOf(t, `{"class_name": "QuantizedSeparableConv2D", "config": {"name": "sep", "filters": 16, "kernel_size": 3,
		"quantizer": {"class_name": "MaxPerAxisQuantizer", "config": {"bitwidth": 4}}}}`)
	s := sep.Config.(*QuantizedSeparableConv2D)
	if s.KernelSize != [2]int{3, 3} || s.DepthMultiplier != 1 || s.QuantizerDW != s.Quantizer || s.Quantizer != (WeightQuantizer{"MaxPerAxisQuantizer", 4, 3}) {
		t.Errorf("QuantizedSeparableConv2D %+v", s)
	}
	dense := configOf(t, `{"class_name": "QuantizedDense", "config": {"name": "d", "units": 10,
		"quantizer": {"class_name": "MaxQuantizer", "config": {"bitwidth": 3}}}}`)
	if d := dense.Config.(*QuantizedDense); d.Units != 10 || !d.UseBias || d.Quantizer.Bitwidth != 3 {
		t.Errorf("QuantizedDense %+v", d)
	}
	relu := configOf(t, `{"class_name": "QuantizedReLU", "config": {"name": "r", "bitwidth": 4, "max_value": null}}`)
	if r := relu.Config.(*QuantizedReLU); r.Bitwidth != 4 || r.MaxValue != 15 || relu.Origin() != OriginCNN2SNN {
		t.Errorf("QuantizedReLU %+v origin %v", r, relu.Origin())
	}
	adr := configOf(t, `{"class_name": "ActivationDiscreteRelu", "config": {"name": "a"}}`)
	if a := adr.Config.(*ActivationDiscreteRelu); a.Bitwidth != 1 {
		t.Errorf("ActivationDiscreteRelu %+v", a)
	}
	// The same bare class with a quant_config, or with a package prefix
	// (Keras 3: registered_name), is quantizeml's.
	qml := configOf(t, `{"class_name": "QuantizedReLU", "registered_name": "Custom>QuantizedReLU", "config": {"name": "r"}}`)
	if q, ok := qml.Config.(*QMLReLU); !ok || q.MaxValue == nil || *q.MaxValue != 6 || qml.Origin() != OriginQuantizeML {
		t.Errorf("Custom>QuantizedReLU is %T %+v", qml.Config, qml.Config)
	}
	unknownQML := configOf(t, `{"class_name": "Custom>QuantizedPermute", "config": {"name": "perm", "quant_config": {}}}`)
	if unknownQML.Config != nil || unknownQML.Origin() != OriginQuantizeML {
		t.Errorf("Custom>QuantizedPermute config %v origin %v", unknownQML.Config, unknownQML.Origin())
	}
	qml2 := configOf(t, `{"class_name": "QuantizedDense", "config": {"name": "d", "units": 4, "quant_config": {"weight_quantizer": {"bitwidth": 4, "axis": null}}}}`)
	if q, ok := qml2.Config.(*QMLDense); !ok || q.QuantConfig.WeightQuantizer.PerAxis || q.QuantConfig.WeightQuantizer.Bitwidth != 4 {
		t.Errorf("QuantizedDense with quant_config is %T %+v", qml2.Config, qml2.Config)
	}
}

func TestCNN2SNNConfigErrors(t *testing.T) {
	for _, tc := range []struct{ obj, want string }{
		{`{"class_name": "QuantizedConv2D", "config": {"name": "c", "filters": 4, "kernel_size": 3}}`,
			`layer "c" (QuantizedConv2D): has no "quantizer" sub-object (cnn2snn) nor "quant_config" (quantizeml); the layer cannot be quantized as saved. Re-save the model with cnn2snn or quantizeml`},
		{`{"class_name": "QuantizedDense", "config": {"name": "d", "units": 4, "quantizer": {"class_name": "Foo", "config": {"bitwidth": 4}}}}`,
			`layer "d" (QuantizedDense): quantizer class "Foo" is not a cnn2snn weight quantizer (MaxQuantizer, MaxPerAxisQuantizer, StdWeightQuantizer, StdPerAxisQuantizer)`},
		{`{"class_name": "QuantizedDense", "config": {"name": "d", "units": 4, "quantizer": {"class_name": "MaxQuantizer", "config": {"bitwidth": 1}}}}`,
			`layer "d" (QuantizedDense): quantizer bitwidth is 1; cnn2snn quantizers need at least 2 bits`},
	} {
		var o layerObject
		if err := json.Unmarshal([]byte(tc.obj), &o); err != nil {
			t.Fatal(err)
		}
		class, pkg := classOf(o)
		_, err := newLayer(o, layerName(o), class, pkg)
		if err == nil || err.Error() != tc.want {
			t.Errorf("error\n got %v\nwant %s", err, tc.want)
		}
	}
}

// Absent keys take the Keras defaults; Keras 3 forms (DTypePolicy,
// activation objects) and tuples given as one int are read.
func TestConfigDefaults(t *testing.T) {
	for _, tc := range []struct {
		obj  string
		want any
	}{
		{`{"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": 5}}`,
			&Conv2D{Filters: 2, KernelSize: [2]int{5, 5}, Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last",
				DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: true}},
		{`{"class_name": "Conv1D", "config": {"name": "c1"}}`, nil},
		{`{"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": [1, 1], "dilation_rate": [1],
			"activation": {"module": "keras.activations", "class_name": "function", "config": "gelu", "registered_name": "function"}}}`,
			&Conv2D{Filters: 2, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last",
				DilationRate: []int{1}, Groups: 1, Activation: "gelu", UseBias: true}},
		{`{"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": [3, 3], "strides": null}}`,
			&MaxPooling2D{PoolSize: [2]int{3, 3}, Strides: [2]int{3, 3}, Padding: "valid", DataFormat: "channels_last"}},
		{`{"class_name": "BatchNormalization", "config": {"name": "b", "axis": -1}}`,
			&BatchNormalization{Axis: []int{-1}, Momentum: 0.99, Epsilon: 0.001, Center: true, Scale: true}},
		{`{"class_name": "ReLU", "config": {"name": "r"}}`, &ReLU{}},
		{`{"class_name": "Softmax", "config": {"name": "s"}}`, &Softmax{Axis: []int{-1}}},
		{`{"class_name": "Concatenate", "config": {"name": "cat"}}`, &Concatenate{Axis: -1}},
		{`{"class_name": "ZeroPadding2D", "config": {"name": "z", "padding": [[1, 2], [3, 4]]}}`,
			&ZeroPadding2D{Padding: [2][2]int{{1, 2}, {3, 4}}, DataFormat: "channels_last"}},
		{`{"class_name": "ZeroPadding2D", "config": {"name": "z", "padding": [1, 2]}}`,
			&ZeroPadding2D{Padding: [2][2]int{{1, 1}, {2, 2}}, DataFormat: "channels_last"}},
		{`{"class_name": "ZeroPadding2D", "config": {"name": "z"}}`, &ZeroPadding2D{Padding: [2][2]int{{1, 1}, {1, 1}}, DataFormat: "channels_last"}},
		{`{"class_name": "Rescaling", "config": {"name": "r", "scale": [0.5, 0.25, 2.0], "offset": [0, 1, 2]}}`,
			&Rescaling{Scale: []float64{0.5, 0.25, 2}, Offset: []float64{0, 1, 2}}},
		{`{"class_name": "InputLayer", "config": {"name": "i", "batch_shape": [null, 4], "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_float16"}}}}`,
			&InputLayer{BatchShape: []int{-1, 4}, Dtype: "mixed_float16"}},
		{`{"class_name": "BatchNormalizationV1", "config": {"name": "b", "axis": 3, "center": false}}`,
			&BatchNormalization{Axis: []int{3}, Momentum: 0.99, Epsilon: 0.001, Center: false, Scale: true}},
		{`{"class_name": "Custom>QuantizedAdd", "config": {"name": "a", "quant_config": {"output_quantizer": {"bitwidth": 4, "axis": "per-axis"}}}}`,
			&QMLAdd{QuantConfig: QuantConfig{OutputQuantizer: &QMLQuantizer{Bitwidth: 4, Signed: true, PerAxis: true, Axis: -1, ScaleBits: 8, BufferBitwidth: 32}, BufferBitwidth: 32}}},
		{`{"class_name": "Custom>InputQuantizer", "config": {"name": "iq", "bitwidth": 8, "signed": false}}`,
			&QMLInputQuantizer{Bitwidth: 8, Signed: false, Axis: "per-tensor"}},
		{`{"class_name": "Custom>QuantizedDepthwiseConv2D", "config": {"name": "dw", "kernel_size": [3, 3], "quant_config": {"weight_quantizer": {"bitwidth": 4}}}}`,
			&QMLDepthwiseConv2D{DepthwiseConv2D: DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last",
				DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear", UseBias: true},
				QuantConfig: QuantConfig{WeightQuantizer: &QMLQuantizer{Bitwidth: 4, Signed: true, PerAxis: true, Axis: -2}, BufferBitwidth: 32}}},
	} {
		l := configOf(t, tc.obj)
		if tc.want == nil {
			if l.Config != nil {
				t.Errorf("%s: config %+v, want nil (unknown class)", l.ClassName, l.Config)
			}
			continue
		}
		if !reflect.DeepEqual(l.Config, tc.want) {
			t.Errorf("%s\n got %+v\nwant %+v", tc.obj, l.Config, tc.want)
		}
	}
}

// Clone copies everything: changing the copy leaves the original intact.
func TestClone(t *testing.T) {
	m := loadShared(t, "akidanet_imagenet_224_alpha_25_keras2.10.h5")
	before := m.Layer("conv_0/relu").Config.(*ReLU)
	c := m.Clone()
	if !reflect.DeepEqual(c, m) {
		t.Fatal("the clone differs from the original")
	}
	cl := c.Layer("conv_0")
	cl.Config.(*Conv2D).DilationRate[0] = 7
	cl.Weights[0].Values[0] = 42
	cl.Weights[0].Shape[0] = 9
	cl.OutputShape[0] = 1
	cl.Inbound[0] = "x"
	cl.RawConfig[1] = 'X'
	*c.Layer("conv_0/relu").Config.(*ReLU).MaxValue = 1
	c.Inputs[0] = "y"
	ol := m.Layer("conv_0")
	if ol.Config.(*Conv2D).DilationRate[0] != 1 || ol.Weights[0].Values[0] == 42 || ol.Weights[0].Shape[0] != 3 ||
		ol.OutputShape[0] != 112 || ol.Inbound[0] != "rescaling" || ol.RawConfig[1] == 'X' || *before.MaxValue != 6 || m.Inputs[0] != "input" {
		t.Error("changing the clone changed the original")
	}
	// Every config type of the package clones (reflection covers them all).
	for _, cfg := range []any{&QMLConv2D{PaddingValue: []float64{1}, QuantConfig: QuantConfig{OutputQuantizer: &QMLQuantizer{Bitwidth: 8}}},
		&QuantizedSeparableConv2D{}, &ZeroPadding2D{}, &QMLInputQuantizer{}, &InputLayer{BatchShape: []int{-1, 2}}} {
		if got := cloneConfig(cfg); !reflect.DeepEqual(got, cfg) {
			t.Errorf("clone of %T differs", cfg)
		}
	}
	q := &QMLConv2D{QuantConfig: QuantConfig{OutputQuantizer: &QMLQuantizer{Bitwidth: 8}}}
	qc := cloneConfig(q).(*QMLConv2D)
	qc.QuantConfig.OutputQuantizer.Bitwidth = 4
	if q.QuantConfig.OutputQuantizer.Bitwidth != 8 {
		t.Error("cloned quantizer pointer is shared")
	}
}

func TestConfigReaderErrors(t *testing.T) {
	for _, tc := range []struct{ obj, want string }{
		{`{"class_name": "Dense", "config": {"name": "d", "units": "ten"}}`,
			`layer "d" (Dense): config key "units" is "ten", expected an integer; the file is damaged or was written by a tool this converter does not know`},
		{`{"class_name": "Dense", "config": {"name": "d", "units": 2.5}}`,
			`layer "d" (Dense): config key "units" is 2.5, expected an integer; the file is damaged or was written by a tool this converter does not know`},
		{`{"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": [1, 2, 3]}}`,
			`layer "c" (Conv2D): config key "kernel_size" is [1, 2, 3], expected an integer or a pair of integers; the file is damaged or was written by a tool this converter does not know`},
		{`{"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": 3, "padding": "causal"}}`,
			`layer "c" (Conv2D): padding is "causal", expected "valid" or "same"`},
		{`{"class_name": "ReLU", "config": "relu"}`, `a ReLU layer has no name; the file is damaged`},
		{`{"class_name": "ReLU", "name": "r", "config": "relu"}`,
			`layer "r" (ReLU): its config is not a JSON object; the file is damaged or was not written by Keras`},
		{`{"class_name": "Custom>QuantizedReLU", "config": {"name": "q", "quant_config": {"output_quantizer": {"axis": 2}}}}`,
			`layer "q" (QuantizedReLU): config key "axis" is 2, expected a string; the file is damaged or was written by a tool this converter does not know`},
	} {
		var o layerObject
		if err := json.Unmarshal([]byte(tc.obj), &o); err != nil {
			t.Fatal(err)
		}
		class, pkg := classOf(o)
		_, err := newLayer(o, layerName(o), class, pkg)
		if err == nil || err.Error() != tc.want {
			t.Errorf("error\n got %v\nwant %s", err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "json:") {
			t.Errorf("error shows Go jargon: %v", err)
		}
	}
}
