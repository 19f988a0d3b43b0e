package akida

import (
	"fmt"
	"sort"
)

// LayerType is the number akida stores in a layer's "layer_type" parameter.
//
// Only InputData … SeparableConvolutional (1–5) are confirmed: they appear
// in real .fbz files (spec fbz-format.md §5.7). No public Akida 2.0 file
// exists, so the numbers of the 2.0 and Pico layers are inferred: they
// follow "candidate A" of the spec — akida's C++ enum keeps stable values,
// older docs list members at these positions, and members that appeared
// later (Dense1D, Quantizer, PicoPostProcessing) were appended after
// VitEncoderBlock (24). A model using them reports it through
// Model.Unverified. Every number lives in layerTypes below and nowhere else.
type LayerType int32

// The Akida layer types. Unknown (0) is never written.
const (
	Unknown                  LayerType = 0
	InputData                LayerType = 1
	InputConvolutional       LayerType = 2
	FullyConnected           LayerType = 3
	Convolutional            LayerType = 4
	SeparableConvolutional   LayerType = 5
	Add                      LayerType = 6  // inferred
	Concatenate              LayerType = 12 // inferred
	Conv2D                   LayerType = 14 // inferred
	InputConv2D              LayerType = 15 // inferred
	DepthwiseConv2D          LayerType = 16 // inferred
	Conv2DTranspose          LayerType = 17 // inferred
	Dequantizer              LayerType = 19 // inferred
	DepthwiseConv2DTranspose LayerType = 20 // inferred
	BufferTempConv           LayerType = 21 // inferred
	DepthwiseBufferTempConv  LayerType = 22 // inferred
	StatefulRecurrent        LayerType = 23 // inferred (Akida Pico)
	Dense1D                  LayerType = 25 // inferred: appended after VitEncoderBlock = 24
	Quantizer                LayerType = 26 // inferred: appended
	PicoPostProcessing       LayerType = 27 // inferred: appended (Akida Pico)
)

// layerTypeInfo describes one layer type: its akida class name, the
// abbreviation Model.summary() prints for it, whether its number is
// confirmed by a real file, whether it belongs to Akida 1.0, whether it
// takes the model input itself (no inbound layer), and the exact parameter
// keys its Python wrapper stores (layer_type excluded; sorted).
type layerTypeInfo struct {
	t        LayerType
	name     string
	abbrev   string
	verified bool
	v1       bool
	input    bool
	keys     []string
}

// Key sets shared by several layer types.
var (
	inputDataKeys = []string{"input_bits", "input_channels", "input_height", "input_signed", "input_width"}
	// Convolutional and SeparableConvolutional (fbz-format.md §5.1, [OBS]).
	convolutionalKeys = []string{"act_bits", "activation", "filters", "kernel_height", "kernel_width",
		"padding", "pool_type", "pooling_height", "pooling_stride_x", "pooling_stride_y",
		"pooling_width", "stride_x", "stride_y", "weights_bits"}
	// The Akida 2.0 post-op bit widths every neural 2.0 layer stores.
	v2BitKeys = []string{"buffer_bits", "output_bits", "post_op_buffer_bits"}
)

// layerTypes is a constant table (never written). Key sets: v1 from real
// files (fbz-format.md §5.1), v2 from the Python wrappers of the latest
// docs (§5.3; akida 2.19.x), Quantizer from its wrapper
// (input_width/height/channels, output_bits, output_signed, channels_first).
var layerTypes = []layerTypeInfo{
	{InputData, "InputData", "InputData", true, true, true, inputDataKeys},
	{InputConvolutional, "InputConvolutional", "InputConv.", true, true, true,
		merge(convolutionalKeys, "input_channels", "input_height", "input_width", "padding_value")},
	{FullyConnected, "FullyConnected", "Fully.", true, true, false,
		[]string{"act_bits", "activation", "units", "weights_bits"}},
	{Convolutional, "Convolutional", "Conv.", true, true, false, convolutionalKeys},
	{SeparableConvolutional, "SeparableConvolutional", "Sep.Conv.", true, true, false, convolutionalKeys},
	{Add, "Add", "Add", false, false, false, v2BitKeys},
	{Concatenate, "Concatenate", "Concatenate", false, false, false, nil},
	{Conv2D, "Conv2D", "Conv2D", false, false, false, merge(v2BitKeys, "activation", "filters",
		"kernel_size", "kernel_stride", "padding", "pool_size", "pool_stride", "pool_type", "weights_bits")},
	{InputConv2D, "InputConv2D", "InputConv2D", false, false, true, merge(v2BitKeys, "activation",
		"filters", "input_channels", "input_x", "input_y", "kernel_size", "kernel_stride", "padding",
		"pool_size", "pool_stride", "pool_type", "weights_bits")},
	{DepthwiseConv2D, "DepthwiseConv2D", "DepthwiseConv2D", false, false, false, merge(v2BitKeys,
		"activation", "kernel_size", "kernel_stride", "padding", "pool_size", "pool_stride", "pool_type",
		"weights_bits")},
	{Conv2DTranspose, "Conv2DTranspose", "Conv2DTranspose", false, false, false, merge(v2BitKeys,
		"activation", "filters", "kernel_size", "weights_bits")},
	{Dequantizer, "Dequantizer", "Dequantizer", false, false, false, nil},
	{DepthwiseConv2DTranspose, "DepthwiseConv2DTranspose", "DepthwiseConv2DTranspose", false, false, false,
		merge(v2BitKeys, "activation", "kernel_size", "weights_bits")},
	{BufferTempConv, "BufferTempConv", "BufferTempConv", false, false, false, merge(v2BitKeys,
		"activation", "fifo_size", "filters", "weights_bits")},
	{DepthwiseBufferTempConv, "DepthwiseBufferTempConv", "DepthwiseBufferTempConv", false, false, false,
		merge(v2BitKeys, "activation", "fifo_size", "weights_bits")},
	{StatefulRecurrent, "StatefulRecurrent", "StatefulRecurrent", false, false, false, merge(v2BitKeys,
		"activation", "downshape", "internal_state_bits", "output_channels", "stateful_channels",
		"subsample", "upshape")},
	{Dense1D, "Dense1D", "Dense1D", false, false, false, merge(v2BitKeys, "activation", "units", "weights_bits")},
	{Quantizer, "Quantizer", "Quantizer", false, false, true, []string{"channels_first", "input_channels",
		"input_height", "input_width", "output_bits", "output_signed"}},
	{PicoPostProcessing, "PicoPostProcessing", "PicoPostProcessing", false, false, false,
		[]string{"buffer_bits"}},
}

// merge returns the sorted union of a key set and more keys.
func merge(keys []string, more ...string) []string {
	out := append(append([]string(nil), keys...), more...)
	sort.Strings(out)
	return out
}

func (t LayerType) info() (layerTypeInfo, bool) {
	for _, info := range layerTypes {
		if info.t == t {
			return info, true
		}
	}
	return layerTypeInfo{}, false
}

// String is akida's class name of the layer type, e.g. "InputConvolutional",
// or "LayerType(7)" for a number this package does not know.
func (t LayerType) String() string {
	if info, ok := t.info(); ok {
		return info.name
	}
	return fmt.Sprintf("LayerType(%d)", int32(t))
}

// Known reports whether the layer type is one of the types above.
func (t LayerType) Known() bool {
	_, ok := t.info()
	return ok
}

// Verified reports whether the layer type's number is confirmed by a real
// .fbz file (only the Akida 1.0 layers 1–5 are).
func (t LayerType) Verified() bool {
	info, _ := t.info()
	return info.verified
}

// V1 reports whether the layer type is an Akida 1.0 layer (InputData
// included: it starts models of both generations).
func (t LayerType) V1() bool {
	info, _ := t.info()
	return info.v1
}

// IsInput reports whether layers of this type read the model input
// themselves and take their input shape from their own parameters.
func (t LayerType) IsInput() bool {
	info, _ := t.info()
	return info.input
}

// ParamKeys returns the parameter keys akida stores for the layer type,
// sorted, without "layer_type" (which Layer.Type holds). It returns nil for
// an unknown type and for types without parameters (Concatenate,
// Dequantizer).
func (t LayerType) ParamKeys() []string {
	info, _ := t.info()
	return append([]string(nil), info.keys...)
}

// Abbrev is the short name Model.summary() prints, e.g. "Sep.Conv.". Akida
// 2.0 layers print their full class name (fbz-format.md §7).
func (t LayerType) Abbrev() string {
	if info, ok := t.info(); ok {
		return info.abbrev
	}
	return t.String()
}

// ParseLayerType returns the layer type with the given akida class name.
func ParseLayerType(name string) (LayerType, bool) {
	for _, info := range layerTypes {
		if info.name == name {
			return info.t, true
		}
	}
	return Unknown, false
}
