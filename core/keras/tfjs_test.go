package keras

import (
	"encoding/binary"
	"math"
	"reflect"
	"testing"
)

// A hand-made TF.js model whose weights use every dtype the manifest
// allows: float32, int32, and quantized uint8, uint16 and float16.
func TestTFJSDtypes(t *testing.T) {
	modelJSON := `{"format": "layers-model", "generatedBy": "hand-made",
	 "modelTopology": {"keras_version": "2.15.0", "backend": "tensorflow", "model_config": {"class_name": "Sequential", "config": {"name": "q", "layers": [
	   {"class_name": "Dense", "config": {"name": "d1", "units": 2, "batch_input_shape": [null, 2]}},
	   {"class_name": "Dense", "config": {"name": "d2", "units": 2}},
	   {"class_name": "Dense", "config": {"name": "d3", "units": 1, "use_bias": false}}]}}},
	 "weightsManifest": [{"paths": ["w.bin"], "weights": [
	   {"name": "d1/kernel", "shape": [2, 2], "dtype": "float32"},
	   {"name": "d1/bias", "shape": [2], "dtype": "int32"},
	   {"name": "d2/kernel", "shape": [2, 2], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1}},
	   {"name": "d2/bias", "shape": [2], "dtype": "float32", "quantization": {"dtype": "uint16", "scale": 0.25, "min": 10}},
	   {"name": "d3/kernel", "shape": [2, 1], "dtype": "float32", "quantization": {"dtype": "float16"}}]}]}`
	var bin []byte
	for _, f := range []float32{1.5, -2, 0.25, 8} {
		bin = binary.LittleEndian.AppendUint32(bin, math.Float32bits(f))
	}
	for _, i := range []int32{-3, 7} {
		bin = binary.LittleEndian.AppendUint32(bin, uint32(i))
	}
	bin = append(bin, 0, 1, 2, 255)
	bin = binary.LittleEndian.AppendUint16(bin, 0)
	bin = binary.LittleEndian.AppendUint16(bin, 65535)
	bin = binary.LittleEndian.AppendUint16(bin, 0x3c00) // 1.0
	bin = binary.LittleEndian.AppendUint16(bin, 0xc100) // -2.5
	m, err := Load([]File{{"model.json", []byte(modelJSON)}, {"w.bin", bin}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Format != FormatTFJSLayers || m.KerasVersion != "2.15.0" || m.Backend != "tensorflow" {
		t.Errorf("format %s version %s backend %s", m.Format, m.KerasVersion, m.Backend)
	}
	for _, tc := range []struct {
		layer, weight string
		want          []float32
	}{
		{"d1", "kernel", []float32{1.5, -2, 0.25, 8}},
		{"d1", "bias", []float32{-3, 7}},
		{"d2", "kernel", []float32{-1, -0.5, 0, 126.5}},
		{"d2", "bias", []float32{10, 10 + 65535*0.25}},
		{"d3", "kernel", []float32{1, -2.5}},
	} {
		if got := m.Layer(tc.layer).Weight(tc.weight).Values; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s/%s = %v, want %v", tc.layer, tc.weight, got, tc.want)
		}
	}
}

func TestTFJSUnsupportedDtype(t *testing.T) {
	modelJSON := `{"modelTopology": {"class_name": "Sequential", "config": {"name": "q", "layers": [
	   {"class_name": "Dense", "config": {"name": "d", "units": 1, "use_bias": false, "batch_input_shape": [null, 1]}}]}},
	 "weightsManifest": [{"paths": ["w.bin"], "weights": [{"name": "d/kernel", "shape": [1, 1], "dtype": "complex64"}]}]}`
	var ue *UnsupportedError
	wantError(t, loadErr(t, File{"model.json", []byte(modelJSON)}, File{"w.bin", make([]byte, 8)}),
		`weight "d/kernel" has dtype "complex64"; only float32, int32 and uint8/uint16/float16 quantized weights are supported`, &ue)
}

// A layer of a class this package does not know keeps its saved weights
// under their short names; its output shape and the shapes after it are
// unknown, and the weight checks after it accept any input size.
func TestUnknownClassWeights(t *testing.T) {
	files := weightsPair(t, func(s string) string { return replaceOnce(s, `"class_name": "Conv2D"`, `"class_name": "MyConv"`) })
	m, err := Load(files)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Layer("conv2d_1")
	if c.Config != nil || !reflect.DeepEqual(weightNames(c), []string{"kernel", "bias"}) || c.OutputShape != nil {
		t.Errorf("conv2d_1 config %v weights %v shape %v", c.Config, weightNames(c), c.OutputShape)
	}
	if d := m.Layer("dense_1"); d.OutputShape != nil || d.Params() != 1290 {
		t.Errorf("dense_1 shape %v params %d", d.OutputShape, d.Params())
	}
	if m.Params() != 1310 {
		t.Errorf("%d params", m.Params())
	}
}
