package convert

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/sim"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/infer"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/transform"
)

// TestTinyModelAgreesWithKeras runs the project-made cnn2snn-quantized
// model (testdata/make_cnn2snn_tiny.py) through the quantized Keras forward
// pass (core/infer) and its conversion through the Akida integer simulator
// (core/akida/sim), on random 8-bit images: every Akida activation level
// must be the Keras activation divided by its step, and the last layer's
// potentials, scaled back by act_step, the Keras outputs before softmax.
// This checks the converter's weights, thresholds, steps, flips and
// input-shift terms as a whole.
func TestTinyModelAgreesWithKeras(t *testing.T) {
	data, err := os.ReadFile("testdata/cnn2snn_tiny_keras2.15.h5")
	if err != nil {
		t.Fatal(err)
	}
	m, err := keras.Load([]keras.File{{Name: "tiny.h5", Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("rescaling 1/255", func(t *testing.T) { agree(t, m) })
	// Keras x = akida/128 − 1: input scaling (128, 128), an input shift
	// that enters the thresholds and the padding value (exactly: 128 is an
	// integer, so Akida pads with the value Keras' zero padding stands for).
	shifted := m.Clone()
	*shifted.Layer("rescaling").Config.(*keras.Rescaling) = keras.Rescaling{Scale: []float64{1.0 / 128}, Offset: []float64{-1}}
	t.Run("rescaling 1/128, offset -1", func(t *testing.T) { agree(t, shifted) })
}

func agree(t *testing.T, m *keras.Model) {
	am, _ := convertOK(t, m, Options{})
	const n = 64
	rng := rand.New(rand.NewPCG(1, 2))
	pixels := make([]uint8, n*8*8)
	floats := make([]float32, len(pixels))
	for i := range pixels {
		pixels[i] = uint8(rng.IntN(256))
		floats[i] = float32(pixels[i])
	}
	k, err := infer.Run(m, infer.Tensor{Shape: []int{n, 8, 8, 1}, Data: floats}, infer.Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(am)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Predict(sim.Input{Shape: [4]int{n, 8, 8, 1}, Data: pixels}, sim.Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	step := float32(6) / 15 // QuantizedReLU(4, 6) and ActivationDiscreteRelu(4) both have step 0.4
	for _, c := range []struct{ akida, keras string }{{"conv_0", "pool"}, {"separable_1", "separable_1/relu"}} {
		levels, ok := layerOutput(p.Layers, c.akida)
		if !ok {
			t.Fatalf("no simulator output for %s", c.akida)
		}
		want := k.Layers[c.keras].Data
		if len(levels) != len(want) {
			t.Fatalf("%s: %d values, Keras %s has %d", c.akida, len(levels), c.keras, len(want))
		}
		mismatches := 0
		for i, v := range levels {
			if int32(math.Round(float64(want[i]/step))) != v {
				mismatches++
			}
		}
		// Exact equivalence holds up to float rounding at level boundaries.
		t.Logf("%s: %d of %d activation levels differ", c.akida, mismatches, len(levels))
		if mismatches > len(levels)/100 {
			t.Errorf("%s: %d of %d activation levels differ from Keras %s/step", c.akida, mismatches, len(levels), c.keras)
		}
	}
	// The last layer's bias is floored into its threshold, so the Akida
	// output can be off by less than one potential unit: 1/act_step.
	want := k.Layers["dense"].Data
	steps := float32s(t, am.Layers[len(am.Layers)-1], "act_step")
	for i, v := range p.Data {
		if diff := math.Abs(float64(v - want[i])); diff >= 1/float64(steps[i%len(steps)]) {
			t.Errorf("output %d: Akida %v, Keras %v: off by %g, more than 1/act_step = %g", i, v, want[i], diff, 1/steps[i%len(steps)])
		}
	}
}

func layerOutput(layers []sim.LayerOutput, name string) ([]int32, bool) {
	for _, l := range layers {
		if l.Name == name {
			return l.Data, true
		}
	}
	return nil, false
}

// TestEveryLayerOfQuantizedFixturesAgreesWithKeras checks each Akida
// layer of real topologies (AkidaNet 0.25, the ECG CNN, quantized by
// quantizeForTest) on its own: its neural layer (BatchNormalization folded)
// with its pooling and any Flatten before it, without the activation, fed
// random 4-bit activation levels through an InputData. Without activation
// Akida's predict is (p − T)/act_step, which must equal the Keras output up
// to the threshold's floor: less than 1/act_step. This checks weights,
// flips, separable kernels, the dense permutation and the GAP factor
// exactly. (With activations, cnn2snn's single floored threshold moves some
// higher levels by one where a step boundary falls within the floored
// fraction — inherent to the conversion, and frequent with 4-bit weights —
// so whole-model level comparisons are not exact.)
func TestEveryLayerOfQuantizedFixturesAgreesWithKeras(t *testing.T) {
	for _, file := range []string{"akidanet_imagenet_224_alpha_25_keras2.10.h5", "float_ecg_cnn_bn_keras2.15.h5"} {
		t.Run(file, func(t *testing.T) {
			m := quantizeForTest(loadFixture(t, file), 4, 4, 8)
			chain, err := transform.Sequentialize(m)
			if err != nil {
				t.Fatal(err)
			}
			seq, err := transform.Syncretize(chain)
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			var prevStep float32
			var part []*keras.Layer // layers since the last activation
			for i, l := range seq.Layers {
				act, isAct := keras.AsQuantizedActivation(l.Config)
				if !isAct {
					part = append(part, l)
					continue
				}
				if prevStep != 0 { // not the input layer's block
					agreeAlone(t, seq.LayerInputShape(i-len(part)), part, prevStep)
					checked++
				}
				prevStep, part = act.Step(), nil
			}
			if len(part) > 0 { // the last layer, without activation
				agreeAlone(t, seq.LayerInputShape(len(seq.Layers)-len(part)), part, prevStep)
				checked++
			}
			t.Logf("%d Akida layers checked", checked)
		})
	}
}

// agreeAlone converts the layers as a model of their own (InputData with
// 4-bit levels of the given step) and compares Akida's predict with Keras.
func agreeAlone(t *testing.T, in keras.Shape, layers []*keras.Layer, step float32) {
	t.Helper()
	b := modeltest.New("part", in...)
	for _, l := range layers {
		b.Add(l.Name, l.Config, l.Weights...)
	}
	m := b.Model()
	no := false
	am, _, err := Convert(m, Options{InputIsImage: &no, InputScaling: scaling(nextInputScale(step), 0)})
	if err != nil {
		t.Fatalf("%s: %v", layers[0].Name, err)
	}
	const n = 2
	size := n
	for _, d := range in {
		size *= d
	}
	rng := rand.New(rand.NewPCG(uint64(size), 7))
	levels, floats := make([]uint8, size), make([]float32, size)
	for i := range levels {
		levels[i] = uint8(rng.IntN(16))
		floats[i] = float32(levels[i]) * step
	}
	k, err := infer.Run(m, infer.Tensor{Shape: append([]int{n}, in...), Data: floats}, infer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ak := flatOrImage(in)
	p, err := sim.Predict(am, sim.Input{Shape: [4]int{n, ak[0], ak[1], ak[2]}, Data: levels})
	if err != nil {
		t.Fatal(err)
	}
	last := am.Layers[len(am.Layers)-1]
	steps := float32s(t, last, "act_step")
	want := k.Outputs[0].Data
	if len(p.Data) != len(want) {
		t.Fatalf("%s: %d Akida outputs, %d Keras", last.Name, len(p.Data), len(want))
	}
	bad := 0
	for i, v := range p.Data {
		if diff := math.Abs(float64(v - want[i])); diff >= 1/float64(steps[i%len(steps)])+1e-4 {
			bad++
			if bad <= 3 {
				t.Errorf("%s output %d: Akida %v, Keras %v (1/act_step = %g)", last.Name, i, v, want[i], 1/steps[i%len(steps)])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d outputs differ", last.Name, bad, len(want))
	}
}
