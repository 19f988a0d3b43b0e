package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// The real .fbz files of ../shared/fixtures/akida. No Keras model or akida
// output exists for any of them, so these tests check what can be checked
// without an oracle: shapes, value ranges, determinism, batch independence,
// predict = forward / act_step, agreement with the naive reference
// simulator, and a regression pin.
var fbzFixtures = []struct {
	file      string
	input     [3]int
	inputBits int
	output    [3]int
}{
	{"legacy_ei_gesture_fc.fbz", [3]int{1, 1, 51}, 4, [3]int{1, 1, 4}},
	{"v233_ei_pose_fc.fbz", [3]int{1, 1, 51}, 4, [3]int{1, 1, 4}},
	{"v233_ei_inventory_fomo.fbz", [3]int{224, 224, 3}, 8, [3]int{28, 28, 2}},
	{"legacy_ei_fomo_objdetection.fbz", [3]int{160, 160, 3}, 8, [3]int{20, 20, 2}},
	{"legacy_ei_akidanet_classifier.fbz", [3]int{160, 160, 3}, 8, [3]int{1, 1, 3}},
	{"v233_ei_akidanet_classifier.fbz", [3]int{160, 160, 3}, 8, [3]int{1, 1, 2}},
	{"legacy_mobilenet_edge_hotdog.fbz", [3]int{224, 224, 3}, 8, [3]int{1, 1, 10}},
}

func decodeFixture(t testing.TB, file string) *akida.Model {
	t.Helper()
	m, err := fbz.Decode(fixtures.ReadShared(t, "akida", file))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

// seededInput returns n samples of uniformly random values below
// 2^bits, the same on every platform (PCG with a fixed seed).
func seededInput(n int, shape [3]int, bits int, seed uint64) Input {
	r := rand.New(rand.NewPCG(seed, 1))
	in := Input{Shape: [4]int{n, shape[0], shape[1], shape[2]}, Data: make([]uint8, n*shape[0]*shape[1]*shape[2])}
	for i := range in.Data {
		in.Data[i] = uint8(r.IntN(1 << bits))
	}
	return in
}

func TestFixtures(t *testing.T) {
	for _, fx := range fbzFixtures {
		t.Run(fx.file, func(t *testing.T) {
			m := decodeFixture(t, fx.file)
			s, err := New(m)
			if err != nil {
				t.Fatal(err)
			}
			if s.InputShape() != akida.Shape(fx.input) || s.InputBits() != fx.inputBits {
				t.Fatalf("input %v of %d bits, want %v of %d bits", s.InputShape(), s.InputBits(), fx.input, fx.inputBits)
			}
			if s.LastActivation() {
				t.Fatalf("the last layer has an activation; every fixture's last layer has none")
			}
			in := seededInput(2, fx.input, fx.inputBits, 1)
			out, err := s.Forward(in, Options{KeepLayers: true})
			if err != nil {
				t.Fatal(err)
			}
			if want := [4]int{2, fx.output[0], fx.output[1], fx.output[2]}; out.Shape != want {
				t.Errorf("output shape %v, want %v", out.Shape, want)
			}
			checkLayers(t, m, out)

			// Determinism and batch independence: the second sample alone
			// gives the same outputs as in the batch.
			size := len(in.Data) / 2
			again, err := s.Forward(Input{Shape: [4]int{1, fx.input[0], fx.input[1], fx.input[2]}, Data: in.Data[size:]}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			half := len(out.Data) / 2
			checkOutput(t, again.Shape, again.Data, [4]int{1, fx.output[0], fx.output[1], fx.output[2]}, out.Data[half:])

			// predict = forward / act_step, per neuron.
			pred, err := s.Predict(in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			steps, _ := m.Layers[len(m.Layers)-1].Variable("act_step").Float32s()
			for i, v := range out.Data {
				if want := float32(float64(v) / float64(steps[i%len(steps)])); pred.Data[i] != want {
					t.Fatalf("predict[%d] = %v, want %d / %v = %v", i, pred.Data[i], v, steps[i%len(steps)], want)
				}
			}
		})
	}
}

// checkLayers checks every layer's output shape against the model's
// derived shapes and its values against the layer's range: activation
// levels within 0 … 2^act_bits − 1, not all equal (a layer stuck at one
// value would hide a broken threshold or step).
func checkLayers(t *testing.T, m *akida.Model, out *Output) {
	t.Helper()
	shapes, err := m.Shapes()
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Layers) != len(m.Layers) {
		t.Fatalf("%d layer outputs for %d layers", len(out.Layers), len(m.Layers))
	}
	for i, l := range m.Layers {
		lo := out.Layers[i]
		s := shapes[i].Output
		if lo.Name != l.Name || lo.Shape != [4]int{out.Shape[0], s[0], s[1], s[2]} {
			t.Errorf("layer %d: %q %v, want %q %v", i, lo.Name, lo.Shape, l.Name, s)
		}
		if l.Type == akida.InputData || l.Params.Value("activation") == 0 {
			continue
		}
		top := int32(1)<<l.Params.Int("act_bits") - 1
		distinct := map[int32]bool{}
		for _, v := range lo.Data {
			if v < 0 || v > top {
				t.Fatalf("layer %q: level %d outside 0…%d", l.Name, v, top)
			}
			distinct[v] = true
		}
		if len(distinct) < 2 {
			t.Errorf("layer %q: every output is %v", l.Name, lo.Data[0])
		}
	}
}

func TestFixturesMatchReference(t *testing.T) {
	for _, fx := range fbzFixtures {
		t.Run(fx.file, func(t *testing.T) {
			if testing.Short() && fx.input[0] > 1 {
				t.Skip("skipped in -short mode: the naive reference takes seconds on image models")
			}
			compareWithReference(t, decodeFixture(t, fx.file), seededInput(1, fx.input, fx.inputBits, 3))
		})
	}
}

// TestFixtureRegressionPin pins every layer's outputs of one fixture on a
// seeded input. It is a regression pin, not an oracle: the values come
// from this simulator (checked against the naive reference above), not
// from akida, so a change here means the simulator's results changed —
// find out why before updating the hash.
func TestFixtureRegressionPin(t *testing.T) {
	m := decodeFixture(t, "v233_ei_inventory_fomo.fbz")
	out, err := forwardKeep(m, seededInput(1, [3]int{224, 224, 3}, 8, 42))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, lo := range out.Layers {
		h.Write([]byte(lo.Name))
		h.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(lo.Data))))
		for _, v := range lo.Data {
			h.Write(binary.LittleEndian.AppendUint32(nil, uint32(v)))
		}
	}
	const want = "12235b154522bad41c5c8009482b9c991c8eedabe5e976567d3883fae180296e"
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("layer outputs hash %s, pinned %s; first outputs %v", got, want, out.Data[:8])
	}
}

func forwardKeep(m *akida.Model, in Input) (*Output, error) {
	s, err := New(m)
	if err != nil {
		return nil, err
	}
	return s.Forward(in, Options{KeepLayers: true})
}
