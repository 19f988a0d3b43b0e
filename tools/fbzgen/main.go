// Command fbzgen writes the seed corpus of core/akida/fbz's FuzzDecode:
// small .fbz files made by this project's encoder from hand-built models
// (Akida 1.0 and 2.0, padded and not), a legacy-generation file built with
// the flatc-generated code, the raw FlatBuffer payloads of these, and
// prefixes of the Apache-2.0 legacy_mobilenet_edge_hotdog.fbz when its path
// is given.
//
//	go run ./tools/fbzgen -out core/akida/fbz/testdata/fuzz/FuzzDecode \
//	    -hotdog ../shared/fixtures/akida/legacy_mobilenet_edge_hotdog.fbz
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	s "github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz/fbzschema"
	"github.com/golang/snappy"
	flatbuffers "github.com/google/flatbuffers/go"
)

func main() {
	out := flag.String("out", "core/akida/fbz/testdata/fuzz/FuzzDecode", "corpus directory")
	hotdog := flag.String("hotdog", "", "path of legacy_mobilenet_edge_hotdog.fbz (Apache-2.0), whose prefixes become seeds")
	flag.Parse()
	if err := run(*out, *hotdog); err != nil {
		fmt.Fprintln(os.Stderr, "fbzgen:", err)
		os.Exit(1)
	}
}

func run(dir, hotdog string) error {
	seeds := map[string][]byte{}
	v1, v2 := akida1Model(), akida2Model()
	for name, enc := range map[string]struct {
		m    *akida.Model
		opts fbz.Options
	}{
		"akida1_padded":   {v1, fbz.Options{}},
		"akida1_unpadded": {v1, fbz.Options{Unpadded: true}},
		"akida2_padded":   {v2, fbz.Options{}},
	} {
		b, err := fbz.Encode(enc.m, enc.opts)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		seeds[name] = b
	}
	seeds["legacy_learning"] = pad(legacyModel())
	// Raw payloads: FuzzDecode also reads its input as a payload, and
	// mutations of these reach the FlatBuffer reader directly.
	seeds["legacy_learning_payload"] = legacyModel()
	for name, m := range map[string]*akida.Model{"akida1_payload": v1, "akida2_payload": v2} {
		b, err := fbz.EncodePayload(m, fbz.DefaultVersion)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		seeds[name] = b
	}
	seeds["empty"] = nil
	seeds["hdf5_signature"] = []byte("\x89HDF\r\n\x1a\n\x00\x00\x00\x00")
	if hotdog != "" {
		b, err := os.ReadFile(hotdog)
		if err != nil {
			return err
		}
		for _, n := range []int{64, 700, 4096} {
			seeds[fmt.Sprintf("hotdog_prefix_%d", n)] = b[:n]
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range seeds {
		// The corpus file format of `go test -fuzz` for one []byte argument.
		text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// pad compresses a payload the way akida writes files.
func pad(payload []byte) []byte {
	dst := make([]byte, snappy.MaxEncodedLen(len(payload)))
	snappy.Encode(dst, payload)
	return dst
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// akida1Model: InputData 2×2×3, a 3×3 Convolutional with max pooling, a
// FullyConnected without activation.
func akida1Model() *akida.Model {
	in := akida.DefaultInputData()
	in.InputShape = [3]int{2, 2, 3}
	c := akida.DefaultConvolutional()
	c.KernelSize, c.Filters, c.WeightsBits, c.ActBits = [2]int{3, 3}, 2, 4, 2
	c.PoolType, c.PoolSize = akida.MaxPooling, [2]int{2, 2}
	conv := akida.NewConvolutional("conv", c)
	conv.SetVariable(must(akida.NewWeights("weights", []int{3, 3, 3, 2}, make([]int8, 54), 4)))
	conv.SetVariable(must(akida.NewInt32s("threshold", []int{2}, []int32{0, 5})))
	conv.SetVariable(must(akida.NewFloat32s("act_step", []int{2}, []float32{1, 2})))
	f := akida.DefaultFullyConnected()
	f.Units, f.Activation = 3, false
	dense := akida.NewFullyConnected("dense", f)
	dense.SetVariable(must(akida.NewWeights("weights", []int{1, 1, 2, 3}, []int8{1, 0, 1, 1, 0, 1}, 1)))
	m := &akida.Model{}
	for _, l := range []*akida.Layer{akida.NewInputData("input", in), conv, dense} {
		if err := m.Add(l); err != nil {
			panic(err)
		}
	}
	return m
}

// akida2Model: InputConv2D 4×4×1, Dense1D, Dequantizer.
func akida2Model() *akida.Model {
	c := akida.DefaultInputConv2D()
	c.InputShape, c.Filters, c.KernelSize = [3]int{4, 4, 1}, 2, 3
	conv := akida.NewInputConv2D("conv", c)
	conv.SetVariable(must(akida.NewWeights("weights", []int{3, 3, 1, 2}, make([]int8, 18), 8)))
	conv.SetVariable(must(akida.NewUint8s("bias_shift", []int{2}, []uint8{1, 2})))
	d := akida.DefaultDense1D()
	d.Units = 2
	m := &akida.Model{}
	for _, l := range []*akida.Layer{conv, akida.NewDense1D("dense", d), akida.NewDequantizer("dequantizer")} {
		if err := m.Add(l); err != nil {
			panic(err)
		}
	}
	return m
}

// legacyModel builds a legacy payload: InputData 1×1×4 and a
// FullyConnected with an edge-learning table.
func legacyModel() []byte {
	b := flatbuffers.NewBuilder(0)
	s.LegacyDimsStart(b)
	s.LegacyDimsAddX(b, 1)
	s.LegacyDimsAddY(b, 1)
	dims := s.LegacyDimsEnd(b)
	s.LegacyInputDataStart(b)
	s.LegacyInputDataAddDims(b, dims)
	s.LegacyInputDataAddChannels(b, 4)
	s.LegacyInputDataAddInputBits(b, 4)
	input := legacyLayer(b, "input", s.LegacyParamsLegacyInputData, s.LegacyInputDataEnd(b), "")

	s.LegacyLearningStart(b)
	s.LegacyLearningAddLearningType(b, 1)
	s.LegacyLearningAddNumWeights(b, 2)
	s.LegacyLearningAddNumClasses(b, 2)
	s.LegacyLearningAddInitialPlasticity(b, 1)
	learning := s.LegacyLearningEnd(b)
	s.LegacyActivationStart(b)
	s.LegacyActivationAddStep(b, 1)
	s.LegacyActivationAddActBits(b, 1)
	act := s.LegacyActivationEnd(b)
	s.LegacyNeuralStart(b)
	s.LegacyNeuralAddUnits(b, 2)
	s.LegacyNeuralAddWeightsBits(b, 1)
	s.LegacyNeuralAddLearning(b, learning)
	s.LegacyNeuralAddActivation(b, act)
	neural := s.LegacyNeuralEnd(b)
	s.LegacyFullyConnectedStart(b)
	s.LegacyFullyConnectedAddNeural(b, neural)

	// The 1-bit weights (1, 1, 4, 2), stored with the 2021 variable name
	// of the threshold.
	fc := s.LegacyFullyConnectedEnd(b)
	weights := variable(b, "weights", []uint32{2, 4, 1, 1}, []byte{1, 0, 0, 1, 1, 1, 0, 0}, 6)
	threshold := variable(b, "threshold_fire", []uint32{2}, make([]byte, 8), 0)
	dense := legacyLayer(b, "dense", s.LegacyParamsLegacyFullyConnected, fc, "input", threshold, weights)

	s.ModelStartLayersVector(b, 2)
	b.PrependUOffsetT(dense)
	b.PrependUOffsetT(input)
	layers := b.EndVector(2)
	s.ModelStart(b)
	s.ModelAddLayers(b, layers)
	b.Finish(s.ModelEnd(b))
	return b.FinishedBytes()
}

func variable(b *flatbuffers.Builder, name string, shape []uint32, data []byte, code byte) flatbuffers.UOffsetT {
	d := b.CreateByteVector(data)
	s.VariableStartShapeVector(b, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		b.PrependUint32(shape[i])
	}
	sh := b.EndVector(len(shape))
	n := b.CreateString(name)
	s.VariableStart(b)
	s.VariableAddName(b, n)
	s.VariableAddShape(b, sh)
	s.VariableAddData(b, d)
	b.PrependByte(code)
	b.Slot(3)
	return s.VariableEnd(b)
}

func legacyLayer(b *flatbuffers.Builder, name string, kind s.LegacyParams, table flatbuffers.UOffsetT, inbound string, vars ...flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	s.LayerParamsStart(b)
	s.LayerParamsAddLegacyLayerType(b, byte(kind)-1)
	s.LayerParamsAddLegacyType(b, kind)
	s.LayerParamsAddLegacy(b, table)
	params := s.LayerParamsEnd(b)
	s.LayerStartVariablesVector(b, len(vars))
	for i := len(vars) - 1; i >= 0; i-- {
		b.PrependUOffsetT(vars[i])
	}
	varVec := b.EndVector(len(vars))
	var in []flatbuffers.UOffsetT
	if inbound != "" {
		in = append(in, b.CreateString(inbound))
	}
	s.LayerStartInboundsVector(b, len(in))
	for _, o := range in {
		b.PrependUOffsetT(o)
	}
	inVec := b.EndVector(len(in))
	n := b.CreateString(name)
	s.LayerStart(b)
	s.LayerAddName(b, n)
	s.LayerAddVariables(b, varVec)
	s.LayerAddParams(b, params)
	s.LayerAddInbounds(b, inVec)
	return s.LayerEnd(b)
}
