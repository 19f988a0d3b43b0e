package fbz_test

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	s "github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz/fbzschema"
	flatbuffers "github.com/google/flatbuffers/go"
)

// The real legacy files have square kernels, strides and pools, so they
// cannot tell x from y. These payloads, built with the flatc-generated
// builders, give every legacy field a distinct value.

func legacyKernel(b *flatbuffers.Builder, w, h, pad byte) flatbuffers.UOffsetT {
	s.LegacyKernelStart(b)
	s.LegacyKernelAddW(b, w)
	s.LegacyKernelAddH(b, h)
	s.LegacyKernelAddPadding(b, pad)
	return s.LegacyKernelEnd(b)
}

func legacyStride(b *flatbuffers.Builder, x, y byte) flatbuffers.UOffsetT {
	s.LegacyStrideStart(b)
	s.LegacyStrideAddX(b, x)
	s.LegacyStrideAddY(b, y)
	return s.LegacyStrideEnd(b)
}

func legacyPooling(b *flatbuffers.Builder, w, h int8, kind byte, sx, sy int8) flatbuffers.UOffsetT {
	s.LegacyPoolingStart(b)
	s.LegacyPoolingAddW(b, w)
	s.LegacyPoolingAddH(b, h)
	s.LegacyPoolingAddType(b, kind)
	s.LegacyPoolingAddStrideX(b, sx)
	s.LegacyPoolingAddStrideY(b, sy)
	return s.LegacyPoolingEnd(b)
}

func legacyActivation(b *flatbuffers.Builder, on bool, bits byte) flatbuffers.UOffsetT {
	s.LegacyActivationStart(b)
	s.LegacyActivationAddActivation(b, on)
	s.LegacyActivationAddStep(b, 1)
	s.LegacyActivationAddActBits(b, bits)
	return s.LegacyActivationEnd(b)
}

func legacyNeural(b *flatbuffers.Builder, units uint32, bits byte, act, learning flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	s.LegacyNeuralStart(b)
	s.LegacyNeuralAddUnits(b, units)
	s.LegacyNeuralAddWeightsBits(b, bits)
	if learning != 0 {
		s.LegacyNeuralAddLearning(b, learning)
	}
	s.LegacyNeuralAddActivation(b, act)
	return s.LegacyNeuralEnd(b)
}

func legacyDims(b *flatbuffers.Builder, x, y uint32) flatbuffers.UOffsetT {
	s.LegacyDimsStart(b)
	s.LegacyDimsAddX(b, x)
	s.LegacyDimsAddY(b, y)
	return s.LegacyDimsEnd(b)
}

// legacyLayer wraps a union table into a Layer.
func legacyLayer(b *flatbuffers.Builder, name string, kind s.LegacyParams, table flatbuffers.UOffsetT, inbound string) flatbuffers.UOffsetT {
	s.LayerParamsStart(b)
	s.LayerParamsAddLegacyLayerType(b, byte(kind)-1)
	s.LayerParamsAddLegacyType(b, kind)
	s.LayerParamsAddLegacy(b, table)
	params := s.LayerParamsEnd(b)
	var inbounds []flatbuffers.UOffsetT
	if inbound != "" {
		inbounds = append(inbounds, b.CreateString(inbound))
	}
	s.LayerStartInboundsVector(b, len(inbounds))
	for _, in := range inbounds {
		b.PrependUOffsetT(in)
	}
	inVec := b.EndVector(len(inbounds))
	nameOff := b.CreateString(name)
	s.LayerStart(b)
	s.LayerAddName(b, nameOff)
	s.LayerAddParams(b, params)
	s.LayerAddInbounds(b, inVec)
	return s.LayerEnd(b)
}

func legacyModel(b *flatbuffers.Builder, layers ...flatbuffers.UOffsetT) []byte {
	s.ModelStartLayersVector(b, len(layers))
	for i := len(layers) - 1; i >= 0; i-- {
		b.PrependUOffsetT(layers[i])
	}
	vec := b.EndVector(len(layers))
	s.ModelStart(b)
	s.ModelAddLayers(b, vec)
	b.Finish(s.ModelEnd(b))
	return b.FinishedBytes()
}

func TestLegacyFieldPositions(t *testing.T) {
	b := flatbuffers.NewBuilder(0)

	dims, kernel, stride := legacyDims(b, 32, 24), legacyKernel(b, 3, 5, 0), legacyStride(b, 1, 2)
	pool, act := legacyPooling(b, 2, 3, 1, 1, 2), legacyActivation(b, true, 2)
	s.LegacyInputConvolutionalStart(b)
	s.LegacyInputConvolutionalAddDims(b, dims)
	s.LegacyInputConvolutionalAddKernel(b, kernel)
	s.LegacyInputConvolutionalAddStride(b, stride)
	s.LegacyInputConvolutionalAddFilters(b, 8)
	s.LegacyInputConvolutionalAddWeightsBits(b, 8)
	s.LegacyInputConvolutionalAddPooling(b, pool)
	s.LegacyInputConvolutionalAddChannels(b, 3)
	s.LegacyInputConvolutionalAddPaddingValue(b, 7)
	s.LegacyInputConvolutionalAddActivation(b, act)
	inputConv := legacyLayer(b, "conv_0", s.LegacyParamsLegacyInputConvolutional, s.LegacyInputConvolutionalEnd(b), "")

	neural := legacyNeural(b, 6, 4, legacyActivation(b, true, 4), 0)
	kernel, pool, stride = legacyKernel(b, 1, 3, 1), legacyPooling(b, -1, -1, 0, -1, -1), legacyStride(b, 2, 1)
	s.LegacyConvolutionalStart(b)
	s.LegacyConvolutionalAddNeural(b, neural)
	s.LegacyConvolutionalAddKernel(b, kernel)
	s.LegacyConvolutionalAddPooling(b, pool)
	s.LegacyConvolutionalAddStride(b, stride)
	conv := legacyLayer(b, "conv_1", s.LegacyParamsLegacyConvolutional, s.LegacyConvolutionalEnd(b), "conv_0")

	neural = legacyNeural(b, 5, 2, legacyActivation(b, false, 1), 0)
	kernel, pool, stride = legacyKernel(b, 3, 3, 1), legacyPooling(b, -1, -1, 2, -1, -1), legacyStride(b, 1, 1)
	s.LegacyConvolutionalStart(b)
	s.LegacyConvolutionalAddNeural(b, neural)
	s.LegacyConvolutionalAddKernel(b, kernel)
	s.LegacyConvolutionalAddPooling(b, pool)
	s.LegacyConvolutionalAddStride(b, stride)
	inner := s.LegacyConvolutionalEnd(b)
	s.LegacySeparableConvolutionalStart(b)
	s.LegacySeparableConvolutionalAddConv(b, inner)
	sep := legacyLayer(b, "sep", s.LegacyParamsLegacySeparableConvolutional, s.LegacySeparableConvolutionalEnd(b), "conv_1")

	s.LegacyLearningStart(b)
	s.LegacyLearningAddLearningType(b, 1)
	s.LegacyLearningAddNumWeights(b, 7)
	s.LegacyLearningAddNumClasses(b, 4)
	s.LegacyLearningAddInitialPlasticity(b, 0.5)
	s.LegacyLearningAddLearningCompetition(b, 0.25)
	s.LegacyLearningAddMinPlasticity(b, 0.125)
	s.LegacyLearningAddPlasticityDecay(b, 0.0625)
	learning := s.LegacyLearningEnd(b)
	neural = legacyNeural(b, 4, 1, legacyActivation(b, false, 1), learning)
	s.LegacyFullyConnectedStart(b)
	s.LegacyFullyConnectedAddNeural(b, neural)
	fc := legacyLayer(b, "fc", s.LegacyParamsLegacyFullyConnected, s.LegacyFullyConnectedEnd(b), "sep")

	m, err := fbz.DecodePayload(legacyModel(b, inputConv, conv, sep, fc))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"act_bits=2 activation=1 filters=8 input_channels=3 input_height=24 input_width=32 kernel_height=5 kernel_width=3 " +
			"padding=0 padding_value=7 pool_type=1 pooling_height=3 pooling_stride_x=1 pooling_stride_y=2 pooling_width=2 " +
			"stride_x=1 stride_y=2 weights_bits=8",
		"act_bits=4 activation=1 filters=6 kernel_height=3 kernel_width=1 padding=1 pool_type=0 pooling_height=-1 " +
			"pooling_stride_x=-1 pooling_stride_y=-1 pooling_width=-1 stride_x=2 stride_y=1 weights_bits=4",
		"act_bits=1 activation=0 filters=5 kernel_height=3 kernel_width=3 padding=1 pool_type=2 pooling_height=-1 " +
			"pooling_stride_x=-1 pooling_stride_y=-1 pooling_width=-1 stride_x=1 stride_y=1 weights_bits=2",
		"act_bits=1 activation=0 units=4 weights_bits=1",
	}
	types := []akida.LayerType{akida.InputConvolutional, akida.Convolutional, akida.SeparableConvolutional, akida.FullyConnected}
	for i, l := range m.Layers {
		if got := paramString(l.Params); got != want[i] || l.Type != types[i] {
			t.Errorf("layer %s: %s %s\nwant %s %s", l.Name, l.Type, got, types[i], want[i])
		}
	}
	wantLearning := akida.Learning{LearningType: 1, NumWeights: 7, NumClasses: 4, InitialPlasticity: 0.5,
		LearningCompetition: 0.25, MinPlasticity: 0.125, PlasticityDecay: 0.0625}
	if l := m.Layers[3].Learning; l == nil || *l != wantLearning {
		t.Errorf("learning %+v, want %+v", l, wantLearning)
	}
	// Shapes: 32×24, kernel 3×5 Valid, stride 1×2 → 30×10; max pool 2×3
	// stride 1×2 Valid → 29×4.
	if s, err := m.LayerOutputShape("conv_0"); err != nil || s != (akida.Shape{29, 4, 8}) {
		t.Errorf("conv_0 output %v, %v; want [29, 4, 8]", s, err)
	}
}

func TestLegacyInputData(t *testing.T) {
	b := flatbuffers.NewBuilder(0)
	dims := legacyDims(b, 2, 3)
	s.LegacyInputDataStart(b)
	s.LegacyInputDataAddDims(b, dims)
	s.LegacyInputDataAddChannels(b, 5)
	s.LegacyInputDataAddSigned_(b, true)
	s.LegacyInputDataAddInputBits(b, 8)
	in := legacyLayer(b, "input", s.LegacyParamsLegacyInputData, s.LegacyInputDataEnd(b), "")
	m, err := fbz.DecodePayload(legacyModel(b, in))
	if err != nil {
		t.Fatal(err)
	}
	l := m.Layers[0]
	if got, want := paramString(l.Params), "input_bits=8 input_channels=5 input_height=3 input_signed=1 input_width=2"; got != want || l.Type != akida.InputData {
		t.Errorf("%s %s, want InputData %s", l.Type, got, want)
	}
}

func TestLegacyErrors(t *testing.T) {
	// layer builds a one-layer legacy payload whose LayerParams hold the
	// given 0-based type and union type, with an empty union table.
	layer := func(zeroBased, union byte) []byte {
		b := flatbuffers.NewBuilder(0)
		s.LegacyFullyConnectedStart(b)
		table := s.LegacyFullyConnectedEnd(b)
		s.LayerParamsStart(b)
		s.LayerParamsAddLegacyLayerType(b, zeroBased)
		s.LayerParamsAddLegacyType(b, s.LegacyParams(union))
		if union != 0 {
			s.LayerParamsAddLegacy(b, table)
		}
		params := s.LayerParamsEnd(b)
		name := b.CreateString("dense")
		s.LayerStart(b)
		s.LayerAddName(b, name)
		s.LayerAddParams(b, params)
		return legacyModel(b, s.LayerEnd(b))
	}
	for _, tc := range []struct {
		payload []byte
		want    string
	}{
		{layer(0, 3), `layer 0 "dense": parameters: the legacy layer type 0 disagrees with its parameter table type 3`},
		{layer(8, 9), `layer 0 "dense": parameters: legacy parameter table type 9 is not one of the five Akida 1.0 layers (1–5)`},
		{layer(0, 0), `layer 0 "dense": parameters: the layer has neither key/value parameters nor a legacy parameter table`},
	} {
		_, err := fbz.DecodePayload(tc.payload)
		if err == nil || err.Error() != tc.want+damaged {
			t.Errorf("error %v\nwant %s", err, tc.want+damaged)
		}
	}
	// An empty FullyConnected table reads as all defaults (0).
	m, err := fbz.DecodePayload(layer(2, 3))
	if err != nil || paramString(m.Layers[0].Params) != "act_bits=0 activation=0 units=0 weights_bits=0" {
		t.Errorf("empty table: %v, %v", m, err)
	}
}
