package akida_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/akidatest"
)

// variables formats a layer's variables as "name:type[numpy,shape]" in
// name order.
func variables(l *akida.Layer) string {
	var parts []string
	for _, v := range l.Variables {
		parts = append(parts, fmt.Sprintf("%s:%s%s", v.Name, v.Type, strings.ReplaceAll(fmt.Sprint(v.Shape), " ", ",")))
	}
	return strings.Join(parts, " ")
}

func TestV2ModelVariables(t *testing.T) {
	// Element types of conversion-v2.md §2, shapes of V13.
	const post = "bias:int8[%[1]d] bias_shift:uint8[%[1]d] output_scales:uint8[%[1]d] output_shift:int8[%[1]d]"
	out := func(n int, more ...string) string {
		return strings.Join(append(more, fmt.Sprintf(post, n)), " ")
	}
	sorted := func(s string) string {
		f := strings.Fields(s)
		slices.Sort(f)
		return strings.Join(f, " ")
	}
	for _, tc := range []struct {
		m    *akida.Model
		want map[string]string
	}{
		{akidatest.Graph(t), map[string]string{
			"conv0": out(8, "padding_value:uint8[3]", "weights:int8[3,3,3,8]"),
			"dw":    out(8, "activation_scales:uint8[8] activation_shift:int8[8] lut_values:int32[2048]", "weights:int4[3,3,8,1]"),
			"pw":    out(8, "input_shift:uint8[8] max_value:uint8[8] max_value_shift:uint8[8]", "weights:int8[1,1,8,8]"),
			"add":   "a_shift:uint8[8] b_shift:uint8[8] output_shift:int8[8]",
			"up":    out(4, "weights:int8[3,3,8,4]"),
			"dwup":  out(8, "weights:int8[4,4,8,1]"),
			"cat":   "",
			"head":  out(6, "weights:int8[3,3,12,6]"),
			"dense": "bias:int8[5] bias_shift:uint8[5] input_shift:uint8[6] weights:int8[6,5]",
			// Dequantizer scales are float32, one per channel.
			"dequantizer": "scales:float32[5]",
		}},
		{akidatest.Temporal(t), map[string]string{
			"input_quantizer": "scales:float32[2] zero_points:uint8[2]",
			"input":           "",
			"dense":           out(3, "weights:int4[32,3]"),
			"dwtemp":          out(3, "weights:int8[1,1,5,3]"),
			"temp":            out(2, "input_shift:uint8[3]", "weights:int8[1,1,6,2]"),
			"dequantizer":     "scales:float32[2]",
		}},
	} {
		if len(tc.m.Layers) != len(tc.want) {
			t.Errorf("%d layers, want %d", len(tc.m.Layers), len(tc.want))
		}
		for _, l := range tc.m.Layers {
			if got, want := variables(l), sorted(tc.want[l.Name]); got != want {
				t.Errorf("%s (%s):\n got %s\nwant %s", l.Name, l.Type, got, want)
			}
		}
	}
}

func TestSetValuesBytes(t *testing.T) {
	m := akidatest.Graph(t)
	conv0 := m.Layer("conv0")
	for _, tc := range []struct {
		layer, variable string
		want            []byte
	}{
		// One value fills the variable (cnn2snn's broadcast): -9 as int8.
		{"conv0", "output_shift", bytes.Repeat([]byte{0xf7}, 8)},
		{"conv0", "bias", []byte{0xfd, 0xfe, 0xff, 0, 1, 2, 3, 4}},
		{"conv0", "padding_value", []byte{0, 1, 2}},
		{"pw", "max_value", bytes.Repeat([]byte{96}, 8)},
		{"add", "b_shift", []byte{0, 1, 2, 3, 0, 1, 2, 3}},
		// float32 little-endian: 0.125, 0.25, …
		{"dequantizer", "scales", []byte{0, 0, 0, 0x3e, 0, 0, 0x80, 0x3e, 0, 0, 0xc0, 0x3e, 0, 0, 0, 0x3f, 0, 0, 0x20, 0x3f}},
	} {
		if v := m.Layer(tc.layer).Variable(tc.variable); v == nil || !bytes.Equal(v.Data, tc.want) {
			t.Errorf("%s.%s = %v, want % x", tc.layer, tc.variable, v, tc.want)
		}
	}
	// int32 LUT, little-endian: the first entry is -4096.
	if lut := m.Layer("dw").Variable("lut_values"); !bytes.Equal(lut.Data[:8], []byte{0, 0xf0, 0xff, 0xff, 1, 0xf0, 0xff, 0xff}) {
		t.Errorf("lut_values starts % x", lut.Data[:8])
	}
	// Weights keep the Keras C order: (kh, kw, in, filters).
	w, _ := conv0.Variable("weights").Int8s()
	if w[0] != -127 || w[1] != -126 || len(w) != 216 {
		t.Errorf("conv0 weights start %v (%d)", w[:2], len(w))
	}
}

func TestSetValuesErrors(t *testing.T) {
	m := akidatest.Graph(t)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{akida.SetValues(m, "nope", "bias", []int8{1}), `cannot set variable "bias": the model has no layer "nope"`},
		{akida.SetValues(m, "conv0", "input_shift", []uint8{1}),
			`layer "conv0" (InputConv2D): "input_shift" is not a variable of akida's InputConv2D (it has activation_scales, activation_shift, ` +
				`bias, bias_shift, lut_values, max_value, max_value_shift, output_scales, output_shift, padding_value, weights)`},
		{akida.SetValues(m, "cat", "scales", []float32{1}), `layer "cat" (Concatenate): akida's Concatenate has no variables, so none named "scales"`},
		{akida.SetValues(m, "conv0", "bias_shift", []int8{1}), `layer "conv0" (InputConv2D): variable "bias_shift" holds uint8 elements: give []uint8 values, not []int8`},
		{akida.SetValues(m, "dequantizer", "scales", []int32{1}), `layer "dequantizer" (Dequantizer): variable "scales" holds float32 elements: give []float32 values, not []int32`},
		{akida.SetValues(m, "conv0", "output_scales", []uint8{1, 2}),
			`layer "conv0" (InputConv2D): variable "output_scales" of shape [8] holds 8 values, but 2 were given`},
		// weights and bias are not broadcast (cnn2snn assigns them directly).
		{akida.SetValues(m, "conv0", "bias", []int8{1}), `layer "conv0" (InputConv2D): variable "bias" of shape [8] holds 8 values, but 1 were given`},
		{akida.SetValues(m, "dw", "weights", slices.Repeat([]int8{8}, 72)),
			`layer "dw" (DepthwiseConv2D): variable "weights": value 8 at index 0 does not fit 4-bit weights (-8…7)`},
		{akida.SetValues(akidatest.Temporal(t), "temp", "weights", []int8{1}),
			`layer "temp" (BufferTempConv): the shape of variable "weights" is not known to this program: build it with a New… variable function and Layer.SetVariable`},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("error %v\nwant %s", tc.err, tc.want)
		}
	}
	// Absurd parameters cannot make SetValues allocate without bound.
	huge := akidatest.Graph(t)
	huge.Layer("head").Params.Set("filters", 1<<30)
	if err := akida.SetValues(huge, "head", "weights", []int8{1, 2}); err == nil ||
		err.Error() != `layer "head" (Conv2D): variable "weights": shape [3 3 12 1073741824] holds more than 2147483648 elements: check the layer's parameters` {
		t.Errorf("huge filters: %v", err)
	}
	// A failed SetValues leaves the variable as it was.
	if b := m.Layer("conv0").Variable("bias"); b.Data[0] != 0xfd {
		t.Errorf("bias changed to % x", b.Data)
	}
}

func TestCheckV2Variables(t *testing.T) {
	for _, m := range []*akida.Model{akidatest.Graph(t), akidatest.Temporal(t)} {
		if err := m.Check(); err != nil {
			t.Errorf("a well-built model fails Check: %v", err)
		}
	}
	for _, tc := range []struct {
		name   string
		change func(m *akida.Model)
		want   string
	}{
		{"type", func(m *akida.Model) {
			v, _ := akida.NewInt32s("bias_shift", []int{8}, make([]int32, 8))
			m.Layer("pw").SetVariable(v)
		}, `layer "pw" (Conv2D): variable "bias_shift" holds int32 elements; akida's Conv2D stores uint8 there`},
		{"weights bits", func(m *akida.Model) { m.Layer("pw").Params.Set("weights_bits", 4) },
			`layer "pw" (Conv2D): variable "weights" holds int8 elements; akida's Conv2D stores int4 there`},
		{"shape", func(m *akida.Model) { m.Layer("up").Variable("weights").Shape = []int{3, 3, 4, 8} },
			`layer "up" (Conv2DTranspose): variable "weights" has shape [3 3 4 8]; with input [8, 8, 8] and output [16, 16, 4] it must be [3 3 8 4]`},
		{"filters", func(m *akida.Model) { m.Layer("head").Params.Set("filters", 7) },
			`layer "head" (Conv2D): variable "bias" has shape [6]; with input [16, 16, 12] and output [1, 1, 7] it must be [7]`},
		{"name", func(m *akida.Model) {
			v, _ := akida.NewUint8s("threshold", []int{1}, []uint8{1})
			m.Layer("dense").SetVariable(v)
		}, `layer "dense" (Dense1D): "threshold" is not a variable of akida's Dense1D (it has bias, bias_shift, input_shift, max_value, max_value_shift, output_scales, output_shift, weights)`},
		{"graph shapes", func(m *akida.Model) { m.Layer("cat").Inbounds = []string{"conv0", "up"} },
			`layer "cat" (Concatenate): its inbounds "conv0" and "up" have different spatial sizes [8, 8, 8] and [16, 16, 4]: Concatenate joins channels of equal width and height`},
	} {
		m := akidatest.Graph(t)
		tc.change(m)
		if err := m.Check(); err == nil || err.Error() != tc.want {
			t.Errorf("%s: Check() = %v\nwant %s", tc.name, err, tc.want)
		}
	}
}

func TestVariableNames(t *testing.T) {
	for _, tc := range []struct {
		t    akida.LayerType
		want string
	}{
		{akida.Conv2D, "activation_scales activation_shift bias bias_shift input_shift lut_values max_value max_value_shift output_scales output_shift weights"},
		{akida.DepthwiseConv2D, "activation_scales activation_shift bias bias_shift lut_values max_value max_value_shift output_scales output_shift weights"},
		{akida.Add, "a_shift b_shift output_shift"},
		{akida.Quantizer, "scales zero_points"},
		{akida.StatefulRecurrent, "A_imag A_real bias bias_shift in_proj input_shift internal_state_outputs_shift max_value max_value_shift " +
			"new_state_scale new_state_shift out_proj output_scales output_shift"},
		{akida.Concatenate, ""},
		{akida.InputData, ""},
		{akida.Convolutional, ""},
	} {
		if got := strings.Join(tc.t.VariableNames(), " "); got != tc.want {
			t.Errorf("%s: %s\nwant %s", tc.t, got, tc.want)
		}
	}
}
