package akida

import (
	"fmt"
	"sort"
)

// LayerType is the number akida stores in a layer's "layer_type" parameter.
//
// Every number below is known: InputData … SeparableConvolutional (1–5)
// appear in real .fbz files, and all of them, the Akida 2.0 and Pico layers
// included, are the explicit values of akida's C++ enum in
// akida/layer_params.h, whose comment says they never change (spec
// fbz-format.md §5.7, conversion-v2.md V14). Values 7–11, 13, 18, 23 and 24
// belonged to layers akida has dropped (Dense2D, Shiftmax, ExtractToken,
// VitEncoderBlock, …) and are not reused. No public Akida 2.0 file shows the
// numbers, so a v2 model's other inferred part — the element type codes of
// its variables — is what Model.Unverified reports.
//
// PicoPostProcessing (an Akida Pico layer of the latest docs) is not in that
// header, so its number is unknown: it has no LayerType here and cannot be
// written (the converter refuses it). Every number lives in layerTypes below
// and nowhere else.
type LayerType int32

// The Akida layer types. Unknown (0) is never written.
const (
	Unknown                  LayerType = 0
	InputData                LayerType = 1
	InputConvolutional       LayerType = 2
	FullyConnected           LayerType = 3
	Convolutional            LayerType = 4
	SeparableConvolutional   LayerType = 5
	Add                      LayerType = 6
	Concatenate              LayerType = 12
	Conv2D                   LayerType = 14
	InputConv2D              LayerType = 15
	DepthwiseConv2D          LayerType = 16
	Conv2DTranspose          LayerType = 17
	Dequantizer              LayerType = 19
	DepthwiseConv2DTranspose LayerType = 20
	BufferTempConv           LayerType = 21
	DepthwiseBufferTempConv  LayerType = 22
	Dense1D                  LayerType = 25
	StatefulRecurrent        LayerType = 26 // Akida Pico
	Quantizer                LayerType = 27
)

// layerTypeInfo describes one layer type: its akida class name, the
// abbreviation Model.summary() prints for it, where its number comes from,
// whether it belongs to Akida 1.0, how many inbound layers it takes (0 for
// the layers that read the model input themselves), and the exact
// parameter keys its Python wrapper stores (layer_type excluded; sorted).
type layerTypeInfo struct {
	t        LayerType
	name     string
	abbrev   string
	source   numberSource
	v1       bool
	inbounds int
	keys     []string
}

// numberSource says where a layer type's number is known from.
type numberSource uint8

const (
	inFiles  numberSource = iota + 1 // real .fbz files (and akida's header)
	inHeader                         // akida's C++ header layer_params.h only
)

// Key sets shared by several layer types.
var (
	inputDataKeys = []string{"input_bits", "input_channels", "input_height", "input_signed", "input_width"}
	// Convolutional and SeparableConvolutional (fbz-format.md §5.1, [OBS]).
	convolutionalKeys = []string{"act_bits", "activation", "filters", "kernel_height", "kernel_width",
		"padding", "pool_type", "pooling_height", "pooling_stride_x", "pooling_stride_y",
		"pooling_width", "stride_x", "stride_y", "weights_bits"}
	// The Akida 2.0 post-op bit widths every neural 2.0 layer stores.
	v2BitKeys = []string{"buffer_bits", "output_bits", "post_op_buffer_bits"}
	// Conv2D and DepthwiseConv2D (DepthwiseConv2D has no filters).
	conv2DKeys = merge(v2BitKeys, "activation", "kernel_size", "kernel_stride", "padding", "pool_size",
		"pool_stride", "pool_type", "weights_bits")
)

// layerTypes is a constant table (never written). Key sets: v1 from real
// files (fbz-format.md §5.1); v2 from the Python wrappers of the latest
// docs (fbz-format.md §5.3, akida 2.19.x); Quantizer from its wrapper
// (conversion-v2.md §2.2); StatefulRecurrent from its wrapper's source,
// which also stores downshape and upshape (the signature the docs print
// lacks them).
var layerTypes = []layerTypeInfo{
	{InputData, "InputData", "InputData", inFiles, true, 0, inputDataKeys},
	{InputConvolutional, "InputConvolutional", "InputConv.", inFiles, true, 0,
		merge(convolutionalKeys, "input_channels", "input_height", "input_width", "padding_value")},
	{FullyConnected, "FullyConnected", "Fully.", inFiles, true, 1,
		[]string{"act_bits", "activation", "units", "weights_bits"}},
	{Convolutional, "Convolutional", "Conv.", inFiles, true, 1, convolutionalKeys},
	{SeparableConvolutional, "SeparableConvolutional", "Sep.Conv.", inFiles, true, 1, convolutionalKeys},
	{Add, "Add", "Add", inHeader, false, 2, v2BitKeys},
	{Concatenate, "Concatenate", "Concatenate", inHeader, false, 2, nil},
	{Conv2D, "Conv2D", "Conv2D", inHeader, false, 1, merge(conv2DKeys, "filters")},
	{InputConv2D, "InputConv2D", "InputConv2D", inHeader, false, 0,
		merge(conv2DKeys, "filters", "input_channels", "input_x", "input_y")},
	{DepthwiseConv2D, "DepthwiseConv2D", "DepthwiseConv2D", inHeader, false, 1, conv2DKeys},
	{Conv2DTranspose, "Conv2DTranspose", "Conv2DTranspose", inHeader, false, 1,
		merge(v2BitKeys, "activation", "filters", "kernel_size", "weights_bits")},
	{Dequantizer, "Dequantizer", "Dequantizer", inHeader, false, 1, nil},
	{DepthwiseConv2DTranspose, "DepthwiseConv2DTranspose", "DepthwiseConv2DTranspose", inHeader, false, 1,
		merge(v2BitKeys, "activation", "kernel_size", "weights_bits")},
	{BufferTempConv, "BufferTempConv", "BufferTempConv", inHeader, false, 1,
		merge(v2BitKeys, "activation", "fifo_size", "filters", "weights_bits")},
	{DepthwiseBufferTempConv, "DepthwiseBufferTempConv", "DepthwiseBufferTempConv", inHeader, false, 1,
		merge(v2BitKeys, "activation", "fifo_size", "weights_bits")},
	{Dense1D, "Dense1D", "Dense1D", inHeader, false, 1, merge(v2BitKeys, "activation", "units", "weights_bits")},
	{StatefulRecurrent, "StatefulRecurrent", "StatefulRecurrent", inHeader, false, 1, merge(v2BitKeys,
		"activation", "downshape", "internal_state_bits", "output_channels", "stateful_channels",
		"subsample", "upshape")},
	{Quantizer, "Quantizer", "Quantizer", inHeader, false, 0, []string{"channels_first", "input_channels",
		"input_height", "input_width", "output_bits", "output_signed"}},
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

// Verified reports whether the layer type's number is known rather than
// guessed: seen in real .fbz files (the Akida 1.0 layers 1–5) or given by
// akida's C++ header (all the others). Every type of this package is; a
// number read from a file that is not one of them is not.
func (t LayerType) Verified() bool {
	info, _ := t.info()
	return info.source == inFiles || info.source == inHeader
}

// SeenInFiles reports whether the layer type's number also appears in real
// .fbz files (only the Akida 1.0 layers 1–5 do; no Akida 2.0 file is
// public).
func (t LayerType) SeenInFiles() bool {
	info, _ := t.info()
	return info.source == inFiles
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
	info, ok := t.info()
	return ok && info.inbounds == 0
}

// Inbounds is the number of inbound layers a layer of this type takes: 0
// for the input layers, 2 for Add and Concatenate, 1 for the others (and
// for unknown types). An InputData may also take one: in Akida 2.0 it can
// follow a Quantizer (conversion-v2.md §2.1).
func (t LayerType) Inbounds() int {
	info, ok := t.info()
	if !ok {
		return 1
	}
	return info.inbounds
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
