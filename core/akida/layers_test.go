package akida

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// paramString formats params as "key=value ..." in key order.
func paramString(p Params) string {
	var parts []string
	for k, v := range p.All() {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	return strings.Join(parts, " ")
}

func TestInputConvolutionalMatchesRealFile(t *testing.T) {
	// The first layer of v233_ei_inventory_fomo.fbz, as fbz-format.md §5.1
	// prints it (layer_type=2 is Layer.Type, not a parameter).
	o := DefaultInputConvolutional()
	o.InputShape = [3]int{224, 224, 3}
	o.KernelSize, o.Filters, o.Stride = [2]int{3, 3}, 16, [2]int{2, 2}
	o.WeightsBits, o.ActBits = 8, 4
	l := NewInputConvolutional("conv_0", o)
	want := "act_bits=4 activation=1 filters=16 input_channels=3 input_height=224 input_width=224 " +
		"kernel_height=3 kernel_width=3 padding=1 padding_value=0 pool_type=0 pooling_height=-1 " +
		"pooling_stride_x=-1 pooling_stride_y=-1 pooling_width=-1 stride_x=2 stride_y=2 weights_bits=8"
	if got := paramString(l.Params); got != want || l.Type != InputConvolutional || int32(l.Type) != 2 {
		t.Errorf("got %s %s\nwant InputConvolutional %s", l.Type, got, want)
	}
}

func TestAkida1Defaults(t *testing.T) {
	// Defaults of fbz-format.md §8.3.
	o := DefaultConvolutional()
	o.KernelSize, o.Filters = [2]int{3, 5}, 8
	want := "act_bits=1 activation=1 filters=8 kernel_height=5 kernel_width=3 padding=1 pool_type=0 " +
		"pooling_height=-1 pooling_stride_x=-1 pooling_stride_y=-1 pooling_width=-1 stride_x=1 stride_y=1 weights_bits=1"
	if got := paramString(NewConvolutional("c", o).Params); got != want {
		t.Errorf("Convolutional defaults\n got %s\nwant %s", got, want)
	}
	if got := NewSeparableConvolutional("s", DefaultSeparableConvolutional()).Params.Value("weights_bits"); got != 2 {
		t.Errorf("SeparableConvolutional weights_bits default = %d, want 2", got)
	}
	fc := DefaultFullyConnected()
	fc.Units = 10
	if got, want := paramString(NewFullyConnected("d", fc).Params), "act_bits=1 activation=1 units=10 weights_bits=1"; got != want {
		t.Errorf("FullyConnected defaults %s, want %s", got, want)
	}
	in := DefaultInputData()
	in.InputShape = [3]int{1, 1, 51}
	// The InputData layer of v233_ei_pose_fc.fbz.
	if got, want := paramString(NewInputData("i", in).Params), "input_bits=4 input_channels=51 input_height=1 input_signed=0 input_width=1"; got != want {
		t.Errorf("InputData defaults %s, want %s", got, want)
	}
}

func TestInputDataV2StoresSignedFromBits(t *testing.T) {
	// akida 2.19's InputData wrapper: input_signed = 0 if input_bits <= 4
	// else 1 (conversion-v2.md §2.1, §8).
	for _, tc := range []struct {
		bits int
		want string
	}{
		{8, "input_bits=8 input_channels=3 input_height=1 input_signed=1 input_width=128"},
		{5, "input_bits=5 input_channels=3 input_height=1 input_signed=1 input_width=128"},
		{4, "input_bits=4 input_channels=3 input_height=1 input_signed=0 input_width=128"},
		{1, "input_bits=1 input_channels=3 input_height=1 input_signed=0 input_width=128"},
	} {
		l := NewInputDataV2("input_1", [3]int{128, 1, 3}, tc.bits)
		if got := paramString(l.Params); got != tc.want || l.Type != InputData || l.Name != "input_1" {
			t.Errorf("%d bits: %s %s, want %s", tc.bits, l.Type, got, tc.want)
		}
	}
}

func TestPoolStrideDefaultsToPoolSize(t *testing.T) {
	// akida's wrappers replace a negative pool stride by the pool size.
	o := DefaultConvolutional()
	o.KernelSize, o.Filters = [2]int{3, 3}, 4
	o.PoolType, o.PoolSize = MaxPooling, [2]int{2, 3}
	p := NewConvolutional("c", o).Params
	if p.Value("pooling_stride_x") != 2 || p.Value("pooling_stride_y") != 3 || p.Value("pool_type") != 1 {
		t.Errorf("pool stride %d×%d type %d, want 2×3 type 1", p.Value("pooling_stride_x"), p.Value("pooling_stride_y"), p.Value("pool_type"))
	}
	o.PoolStride = [2]int{1, -1}
	p = NewConvolutional("c", o).Params
	if p.Value("pooling_stride_x") != 1 || p.Value("pooling_stride_y") != 3 {
		t.Errorf("explicit pool stride %d×%d, want 1×3", p.Value("pooling_stride_x"), p.Value("pooling_stride_y"))
	}
}

func TestAkida2Defaults(t *testing.T) {
	// Defaults of the latest Python wrappers (fbz-format.md §5.3).
	c := DefaultConv2D()
	c.Filters, c.KernelSize = 32, 3
	for _, tc := range []struct {
		l    *Layer
		want string
	}{
		{NewConv2D("c", c), "activation=1 buffer_bits=28 filters=32 kernel_size=3 kernel_stride=1 output_bits=8 " +
			"padding=1 pool_size=-1 pool_stride=-1 pool_type=0 post_op_buffer_bits=32 weights_bits=8"},
		{NewInputConv2D("i", InputConv2DOptions{InputShape: [3]int{32, 24, 3}, Conv2DOptions: DefaultInputConv2D().Conv2DOptions}),
			"activation=1 buffer_bits=32 filters=0 input_channels=3 input_x=32 input_y=24 kernel_size=0 kernel_stride=1 " +
				"output_bits=8 padding=1 pool_size=-1 pool_stride=-1 pool_type=0 post_op_buffer_bits=32 weights_bits=8"},
		{NewDepthwiseConv2D("dw", DefaultDepthwiseConv2D()), "activation=1 buffer_bits=28 kernel_size=0 kernel_stride=1 " +
			"output_bits=8 padding=1 pool_size=-1 pool_stride=-1 pool_type=0 post_op_buffer_bits=32 weights_bits=8"},
		{NewDense1D("d", DefaultDense1D()), "activation=0 buffer_bits=28 output_bits=8 post_op_buffer_bits=32 units=0 weights_bits=8"},
		{NewAdd("a", DefaultAdd()), "buffer_bits=32 output_bits=8 post_op_buffer_bits=32"},
		{NewConv2DTranspose("t", DefaultConv2DTranspose()), "activation=1 buffer_bits=28 filters=0 kernel_size=0 output_bits=8 post_op_buffer_bits=32 weights_bits=8"},
		{NewBufferTempConv("b", DefaultBufferTempConv()), "activation=1 buffer_bits=32 fifo_size=0 filters=0 output_bits=8 post_op_buffer_bits=32 weights_bits=8"},
		{NewQuantizer("q", QuantizerOptions{InputShape: [3]int{4, 5, 6}, OutputBits: 8, OutputSigned: true}),
			"channels_first=0 input_channels=6 input_height=5 input_width=4 output_bits=8 output_signed=1"},
		{NewDepthwiseConv2DTranspose("dt", DefaultDepthwiseConv2DTranspose()), "activation=1 buffer_bits=28 kernel_size=0 output_bits=8 post_op_buffer_bits=32 weights_bits=8"},
		{NewDepthwiseBufferTempConv("db", DefaultDepthwiseBufferTempConv()), "activation=1 buffer_bits=32 fifo_size=0 output_bits=8 post_op_buffer_bits=32 weights_bits=8"},
		{NewStatefulRecurrent("sr", DefaultStatefulRecurrent()), "activation=1 buffer_bits=28 downshape=1 internal_state_bits=16 " +
			"output_bits=8 output_channels=0 post_op_buffer_bits=32 stateful_channels=0 subsample=1 upshape=1"},
		{NewConcatenate("cat"), ""},
		{NewDequantizer("deq"), ""},
	} {
		if got := paramString(tc.l.Params); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.l.Type, got, tc.want)
		}
	}
}

func TestConstructorsStoreTheirTypesKeySet(t *testing.T) {
	layers := []*Layer{
		NewInputData("a", DefaultInputData()),
		NewInputConvolutional("b", DefaultInputConvolutional()),
		NewConvolutional("c", DefaultConvolutional()),
		NewSeparableConvolutional("d", DefaultSeparableConvolutional()),
		NewFullyConnected("e", DefaultFullyConnected()),
		NewInputConv2D("f", DefaultInputConv2D()),
		NewConv2D("g", DefaultConv2D()),
		NewDepthwiseConv2D("h", DefaultDepthwiseConv2D()),
		NewConv2DTranspose("i", DefaultConv2DTranspose()),
		NewDepthwiseConv2DTranspose("j", DefaultConv2DTranspose()),
		NewBufferTempConv("k", DefaultBufferTempConv()),
		NewDepthwiseBufferTempConv("l", DefaultBufferTempConv()),
		NewDense1D("m", DefaultDense1D()),
		NewAdd("n", DefaultAdd()),
		NewConcatenate("o"),
		NewDequantizer("p"),
		NewQuantizer("q", QuantizerOptions{}),
		NewInputDataV2("r", [3]int{1, 1, 1}, 8),
		NewStatefulRecurrent("s", DefaultStatefulRecurrent()),
	}
	for _, l := range layers {
		if got, want := l.Params.Keys(), l.Type.ParamKeys(); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%s stores %v, its type's key set is %v", l.Type, got, want)
		}
		if err := l.checkParams(); err != nil {
			t.Errorf("%s: %v", l.Type, err)
		}
	}
}

func TestLayerTypeTable(t *testing.T) {
	// The numbers of akida's C++ header akida/layer_params.h (fbz-format.md
	// §5.7, conversion-v2.md V14); 1–5 are also seen in real files.
	for _, tc := range []struct {
		t        LayerType
		num      int32
		name     string
		abbrev   string
		inFiles  bool
		v1       bool
		inbounds int
	}{
		{InputData, 1, "InputData", "InputData", true, true, 0},
		{InputConvolutional, 2, "InputConvolutional", "InputConv.", true, true, 0},
		{FullyConnected, 3, "FullyConnected", "Fully.", true, true, 1},
		{Convolutional, 4, "Convolutional", "Conv.", true, true, 1},
		{SeparableConvolutional, 5, "SeparableConvolutional", "Sep.Conv.", true, true, 1},
		{Add, 6, "Add", "Add", false, false, 2},
		{Concatenate, 12, "Concatenate", "Concatenate", false, false, 2},
		{Conv2D, 14, "Conv2D", "Conv2D", false, false, 1},
		{InputConv2D, 15, "InputConv2D", "InputConv2D", false, false, 0},
		{DepthwiseConv2D, 16, "DepthwiseConv2D", "DepthwiseConv2D", false, false, 1},
		{Conv2DTranspose, 17, "Conv2DTranspose", "Conv2DTranspose", false, false, 1},
		{Dequantizer, 19, "Dequantizer", "Dequantizer", false, false, 1},
		{DepthwiseConv2DTranspose, 20, "DepthwiseConv2DTranspose", "DepthwiseConv2DTranspose", false, false, 1},
		{BufferTempConv, 21, "BufferTempConv", "BufferTempConv", false, false, 1},
		{DepthwiseBufferTempConv, 22, "DepthwiseBufferTempConv", "DepthwiseBufferTempConv", false, false, 1},
		{Dense1D, 25, "Dense1D", "Dense1D", false, false, 1},
		{StatefulRecurrent, 26, "StatefulRecurrent", "StatefulRecurrent", false, false, 1},
		{Quantizer, 27, "Quantizer", "Quantizer", false, false, 0},
	} {
		if int32(tc.t) != tc.num || tc.t.String() != tc.name || tc.t.Abbrev() != tc.abbrev || !tc.t.Verified() ||
			tc.t.SeenInFiles() != tc.inFiles || tc.t.V1() != tc.v1 || tc.t.Inbounds() != tc.inbounds || tc.t.IsInput() != (tc.inbounds == 0) {
			t.Errorf("%d %s %s verified=%v in files=%v v1=%v inbounds=%d, want %+v", int32(tc.t), tc.t, tc.t.Abbrev(),
				tc.t.Verified(), tc.t.SeenInFiles(), tc.t.V1(), tc.t.Inbounds(), tc)
		}
		if back, ok := ParseLayerType(tc.name); !ok || back != tc.t {
			t.Errorf("ParseLayerType(%q) = %v, %v", tc.name, back, ok)
		}
	}
	if len(layerTypes) != 18 {
		t.Errorf("the table has %d types, the test %d", len(layerTypes), 18)
	}
	// The numbers of dropped layers, and PicoPostProcessing, whose number
	// the header does not give, are unknown.
	for _, n := range []LayerType{7, 13, 18, 23, 24, 28} {
		if n.Known() || n.Verified() || n.String() != fmt.Sprintf("LayerType(%d)", n) || n.Inbounds() != 1 || n.IsInput() {
			t.Errorf("LayerType(%d): known %v, name %s", n, n.Known(), n)
		}
	}
	if _, ok := ParseLayerType("PicoPostProcessing"); ok {
		t.Error("PicoPostProcessing has a number")
	}
	// Every table entry has a distinct number and name.
	nums, names := map[LayerType]bool{}, map[string]bool{}
	for _, info := range layerTypes {
		if nums[info.t] || names[info.name] {
			t.Errorf("duplicate table entry %d %s", info.t, info.name)
		}
		nums[info.t], names[info.name] = true, true
		if !slices.IsSorted(info.keys) {
			t.Errorf("%s keys not sorted: %v", info.name, info.keys)
		}
	}
}
