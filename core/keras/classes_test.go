package keras

import (
	"reflect"
	"slices"
	"testing"
)

// A quantized class answers the Keras-side questions through the Keras
// config it embeds, and the quantization ones through its interface.
func TestLayerBehaviour(t *testing.T) {
	keras := configOf(t, `{"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": 3, "strides": 2,
		"padding": "same", "dilation_rate": [1, 1], "use_bias": false}}`)
	legacy := configOf(t, `{"class_name": "QuantizedConv2D", "config": {"name": "q", "filters": 4, "kernel_size": 3,
		"padding": "same", "quantizer": {"class_name": "MaxPerAxisQuantizer", "config": {"bitwidth": 2}}}}`)
	qml := configOf(t, `{"class_name": "Custom>QuantizedConv2D", "config": {"name": "m", "filters": 4, "kernel_size": 3,
		"data_format": "channels_last", "dilation_rate": [2, 2], "quant_config": {"weight_quantizer": {"bitwidth": 8},
		"output_quantizer": {"bitwidth": 8, "axis": "per-axis"}}}}`)

	if b, ok := keras.Base().(*Conv2D); !ok || b != keras.Config {
		t.Errorf("Conv2D base is %T %p, want the config itself", keras.Base(), keras.Base())
	}
	if b, ok := legacy.Base().(*Conv2D); !ok || b != &legacy.Config.(*QuantizedConv2D).Conv2D {
		t.Errorf("cnn2snn QuantizedConv2D base is %T, want its embedded Conv2D", legacy.Base())
	}
	if b, ok := qml.Base().(*Conv2D); !ok || b.Filters != 4 || b != &qml.Config.(*QMLConv2D).Conv2D {
		t.Errorf("quantizeml QuantizedConv2D base is %T, want its embedded Conv2D", qml.Base())
	}
	if p := keras.Padding(); p != "same" {
		t.Errorf("Conv2D padding %q", p)
	}
	if size, strides, ok := keras.Kernel(); !ok || size != [2]int{3, 3} || strides != [2]int{2, 2} {
		t.Errorf("Conv2D kernel %v strides %v ok %v", size, strides, ok)
	}
	if d, ok := qml.DilationRate(); !ok || !slices.Equal(d, []int{2, 2}) {
		t.Errorf("quantizeml dilation %v %v", d, ok)
	}
	if f, ok := legacy.DataFormat(); !ok || f != "channels_last" {
		t.Errorf("cnn2snn data format %q %v", f, ok)
	}
	if keras.UseBias() || !legacy.UseBias() {
		t.Errorf("use_bias: Conv2D %v (false saved), QuantizedConv2D %v (default true)", keras.UseBias(), legacy.UseBias())
	}
	keras.SetUseBias(true)
	if !keras.Config.(*Conv2D).UseBias {
		t.Error("SetUseBias did not reach the config")
	}

	if _, ok := keras.QuantizeML(); ok {
		t.Error("a Keras Conv2D is not a quantizeml layer")
	}
	if _, ok := legacy.QuantizeML(); ok {
		t.Error("cnn2snn's QuantizedConv2D is not a quantizeml layer")
	}
	qc, ok := qml.QuantizeML()
	if !ok || qc.WeightQuantizer.Bitwidth != 8 || !qml.OutputQuantizer().PerAxis {
		t.Errorf("quantizeml config %+v ok %v", qc, ok)
	}
	if w, ok := legacy.Config.(CNN2SNNNeural); !ok {
		t.Error("cnn2snn QuantizedConv2D has no weight quantizers")
	} else if pw, dw := w.WeightQuantizers(); pw.Bitwidth != 2 || dw.Bitwidth != 2 {
		t.Errorf("weight quantizers %+v %+v", pw, dw)
	}

	flatten := configOf(t, `{"class_name": "Custom>QuantizedFlatten", "config": {"name": "f"}}`)
	if qc, ok := flatten.QuantizeML(); !ok || qc != nil || flatten.OutputQuantizer() != nil {
		t.Errorf("QuantizedFlatten is quantizeml's with no quant_config: got %v %v", qc, ok)
	}
	relu := configOf(t, `{"class_name": "Custom>QuantizedReLU", "config": {"name": "r", "max_value": null}}`)
	if relu.Base() != nil || relu.Padding() != "" {
		t.Errorf("QuantizedReLU extends no Keras built-in: base %T", relu.Base())
	}
}

// The Akida 2.0 classes this package types: their configs, shapes and
// expected weights.
func TestQuantizeMLV2Classes(t *testing.T) {
	up := configOf(t, `{"class_name": "Custom>QuantizedConv2DTranspose", "config": {"name": "up", "filters": 8,
		"kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "quant_config": {"weight_quantizer": {"bitwidth": 8}}}}`)
	c, ok := up.Config.(*QMLConv2DTranspose)
	if !ok || c.Filters != 8 || c.Strides != [2]int{2, 2} || c.OutputPadding != nil || c.WeightQuantizer.Bitwidth != 8 {
		t.Fatalf("QuantizedConv2DTranspose %T %+v", up.Config, up.Config)
	}
	// Keras deconv_output_length: 'same' without output_padding is in·stride.
	if got := up.Config.(shaped).outputShape([]Shape{{5, 7, 3}}); !slices.Equal(got, Shape{10, 14, 8}) {
		t.Errorf("transposed shape %v, want (10, 14, 8)", got)
	}
	ws := up.Config.(weighted).weights(Shape{5, 7, 3}, 3)
	if len(ws) != 2 || !slices.Equal(ws[0].shape, []int{3, 3, 8, 3}) || !slices.Equal(ws[1].shape, []int{8}) {
		t.Errorf("transposed weights %+v, want kernel (3, 3, 8, 3) and bias (8)", ws)
	}

	dwUp := configOf(t, `{"class_name": "Custom>QuantizedDepthwiseConv2DTranspose", "config": {"name": "dwup",
		"kernel_size": [4, 4], "strides": [2, 2], "padding": "same", "quant_config": {"weight_quantizer": {"bitwidth": 4, "axis": -2}}}}`)
	d, ok := dwUp.Config.(*QMLDepthwiseConv2DTranspose)
	if !ok || d.WeightQuantizer.PerAxis || dwUp.Base() != nil {
		t.Fatalf("QuantizedDepthwiseConv2DTranspose %T %+v (weight quantizer forced per tensor, no Keras base)", dwUp.Config, dwUp.Config)
	}
	if got := dwUp.Config.(shaped).outputShape([]Shape{{4, 4, 6}}); !slices.Equal(got, Shape{8, 8, 6}) {
		t.Errorf("depthwise transposed shape %v, want (8, 8, 6)", got)
	}

	act := configOf(t, `{"class_name": "Custom>QuantizedActivation", "config": {"name": "g", "activation": "gelu",
		"quant_config": {"output_quantizer": {"bitwidth": 8}}}}`)
	want := &QMLActivation{Activation: "gelu", Alpha: 0.2, QuantConfig: QuantConfig{BufferBitwidth: 32, LUTBitwidth: 14,
		OutputQuantizer: &QMLQuantizer{Bitwidth: 8, Signed: true, Axis: -1, ScaleBits: 8, BufferBitwidth: 32}}}
	if !reflect.DeepEqual(act.Config, want) {
		t.Errorf("QuantizedActivation %+v\nwant %+v", act.Config, want)
	}

	// Keras' own Conv2DTranspose, valid padding: in·stride + max(k − stride, 0).
	k := configOf(t, `{"class_name": "Conv2DTranspose", "config": {"name": "t", "filters": 2, "kernel_size": 3, "strides": 2}}`)
	if got := k.Config.(shaped).outputShape([]Shape{{5, 5, 1}}); !slices.Equal(got, Shape{11, 11, 2}) {
		t.Errorf("valid transposed shape %v, want (11, 11, 2)", got)
	}
	// With output_padding: (in − 1)·stride + k − 2·pad + output_padding.
	k = configOf(t, `{"class_name": "Conv2DTranspose", "config": {"name": "t", "filters": 2, "kernel_size": 3, "strides": 2,
		"padding": "same", "output_padding": [1, 0]}}`)
	if got := k.Config.(shaped).outputShape([]Shape{{5, 5, 1}}); !slices.Equal(got, Shape{10, 9, 2}) {
		t.Errorf("output_padding transposed shape %v, want (10, 9, 2)", got)
	}
}
