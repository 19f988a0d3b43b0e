package verify

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/sim"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// handModel is a two-feature model whose every number is known by hand
// (input scaling (1, 0), so a = 1; 4-bit inputs 0…15 through an InputData):
//
//	dense_0: kernel [0.7, 0.3], bias −0.035, MaxPerAxisQuantizer 4 bits:
//	         sf = 7/0.7 = 10, integer weights [7, 3], so p = 7·x1 + 3·x2
//	relu_0:  QuantizedReLU(4, max_value 3.75): step 0.25, threshold 0.125
//	         th = a·sf·(0.125 + 0.035) = 1.6 → T = 1, r = 0.6;
//	         s = a·sf·step = 2.5 potential units per level
//	dense_1: kernel [0.5, −0.25], bias [0.1, −0.03], 4 bits, a = 1/0.25 = 4:
//	         sf = [14, 28], act_step = a·sf = [56, 112] (no activation),
//	         th = −a·sf·β = [−5.6, 3.36] → T = [−6, 3], r = [0.4, 0.36]
//
// Keras' level is ceil((p/10 − 0.035 − 0.125)/0.25) = ceil((p − 1.6)/2.5),
// Akida's ceil((p − 1)/2.5): they differ exactly when a boundary
// 1 + 2.5·n lies in [p − 0.6, p), i.e. p − 1 ∈ (2.5·n, 2.5·n + 0.6]. For an
// integer p that is p − 1 = 2.5·n + 0.5 with n odd: p ∈ {4, 9, 14, …},
// below saturation (p = 39 gives level 15 on both sides): p ∈ {4, 9, 14,
// 19, 24, 29, 34}. (With r < 0.5 there would be no boundary case at all.)
func handModel() *keras.Model {
	q := keras.WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 4}
	dense := func(units int) *keras.QuantizedDense {
		return &keras.QuantizedDense{Dense: keras.Dense{Units: units, Activation: "linear", UseBias: true}, Quantizer: q}
	}
	return modeltest.New("hand", 2).
		Add("dense_0", dense(1), modeltest.W("kernel", []int{2, 1}, 0.7, 0.3), modeltest.W("bias", []int{1}, -0.035)).
		Add("relu_0", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 3.75}).
		Add("dense_1", dense(2), modeltest.W("kernel", []int{1, 2}, 0.5, -0.25), modeltest.W("bias", []int{2}, 0.1, -0.03)).
		Model()
}

// handBoundaryPotentials are the potentials p of dense_0 whose Akida level
// is one above Keras' (see handModel).
var handBoundaryPotentials = []int{4, 9, 14, 19, 24, 29, 34}

func convertHand(t *testing.T, m *keras.Model) Models {
	t.Helper()
	am, r, err := convert.Convert(m, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Models{Quantized: m, Akida: am, Scaling: *r.InputScaling}
}

func TestHandModel(t *testing.T) {
	m := convertHand(t, handModel())
	const samples = 300
	var done []int
	r, err := Run(m, Options{Samples: samples, Seed: 7, Progress: func(k, n int) {
		if n != samples {
			t.Errorf("progress total %d", n)
		}
		done = append(done, k)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != samples || done[0] != 0 || !slices.IsSorted(done) || done[samples-1] != samples-1 {
		t.Errorf("progress called with %d values from %d to %d", len(done), done[0], done[len(done)-1])
	}
	// The expected counts, from the same seeded inputs and the formula.
	st, err := newInputStream(mustSim(t, m.Akida), mustChain(t, m.Quantized), m.Scaling, 7)
	if err != nil {
		t.Fatal(err)
	}
	boundary := 0
	for range samples {
		in, k := st.next()
		if k.Data[0] != float32(in.Data[0]) || k.Data[1] != float32(in.Data[1]) {
			t.Fatalf("Keras input %v for Akida input %v: input scaling (1, 0) gives the same values", k.Data, in.Data)
		}
		if slices.Contains(handBoundaryPotentials, 7*int(in.Data[0])+3*int(in.Data[1])) {
			boundary++
		}
	}
	if boundary == 0 {
		t.Fatal("the seeded inputs hit no boundary case: choose another seed")
	}
	want := Input{Shape: [3]int{1, 1, 2}, Bits: 4, Scale: 1, Shift: 0, Source: "default",
		Text: "uniform integers 0…15 (4-bit Akida inputs), the same values for the Keras models (input scaling 1, 0)"}
	if r.Input != want {
		t.Errorf("input %+v, want %+v", r.Input, want)
	}
	if len(r.Layers) != 2 {
		t.Fatalf("%d layers compared, want dense_0 and dense_1", len(r.Layers))
	}
	d0, d1 := r.Layers[0], r.Layers[1]
	if d0.Name != "dense_0" || d0.Type != "FullyConnected" || d0.Keras != "relu_0" || !d0.Activation || d0.Values != samples {
		t.Errorf("layer 0: %+v", d0)
	}
	if d1.Name != "dense_1" || d1.Keras != "dense_1" || d1.Activation || d1.Values != 2*samples {
		t.Errorf("layer 1: %+v", d1)
	}
	// dense_0 is fed the model input: chained and isolated are the same
	// run, and every difference is a boundary case of one level.
	iso := d0.Isolated
	if iso.BoundaryCases != boundary || iso.Unexplained != 0 || iso.MaxLevelDiff != 1 || !iso.Proved {
		t.Errorf("dense_0 isolated: %+v, want %d boundary cases of one level, all explained", iso, boundary)
	}
	if want := 1 - float64(boundary)/samples; d0.Agreement != want || iso.Agreement != want {
		t.Errorf("dense_0 agreement %v chained, %v isolated; want %v", d0.Agreement, iso.Agreement, want)
	}
	near(t, "dense_0 floored fraction", iso.FloorFraction[:], 0.6, 0.6)
	near(t, "dense_0 interval", iso.Interval[:], 2.5, 2.5)
	// dense_1: r = 0.4 and 0.36 exactly, act_step 56 and 112.
	iso = d1.Isolated
	near(t, "dense_1 floored fraction", iso.FloorFraction[:], 0.36, 0.4)
	near(t, "dense_1 act_step", iso.Interval[:], 56, 112)
	if iso.Agreement != 1 || iso.Unexplained != 0 || iso.BoundaryCases != 0 || !iso.Proved {
		t.Errorf("dense_1 isolated: %+v", iso)
	}
	// Keras z0 = 0.5·y + 0.1 is always above z1 = −0.25·y − 0.03.
	if r.OutputAgreement != 1 || r.IsolatedOutputAgreement != 1 || r.FloatTop1Agreement != nil {
		t.Errorf("top-1: chained %v, isolated %v, float %v", r.OutputAgreement, r.IsolatedOutputAgreement, r.FloatTop1Agreement)
	}
	if r.Levels != samples || r.BoundaryCases != boundary || r.BoundaryRate != float64(boundary)/samples || r.Unexplained != 0 || !r.Proved {
		t.Errorf("totals: %d levels, %d boundary cases (rate %v), %d unexplained, proved %v", r.Levels, r.BoundaryCases, r.BoundaryRate, r.Unexplained, r.Proved)
	}
	t.Logf("%d boundary cases in %d samples", boundary, samples)
}

func near(t *testing.T, what string, got []float64, lo, hi float64) {
	t.Helper()
	if math.Abs(got[0]-lo) > 1e-4 || math.Abs(got[1]-hi) > 1e-4 {
		t.Errorf("%s %v, want [%v, %v]", what, got, lo, hi)
	}
}

// TestBrokenConversionsAreNotProved changes the converted model the way a
// converter bug would and checks that the verification says so.
func TestBrokenConversionsAreNotProved(t *testing.T) {
	for _, c := range []struct {
		name   string
		layer  int
		break_ func(t *testing.T, l *akida.Layer)
		reason string
	}{
		{"threshold one too low", 1, func(t *testing.T, l *akida.Layer) { addThreshold(t, l, -1) },
			"p − T is not within [x, x + 1) of the Keras pre-activation x"},
		{"threshold one too high", 1, func(t *testing.T, l *akida.Layer) { addThreshold(t, l, 1) },
			"p − T is not within [x, x + 1) of the Keras pre-activation x"},
		{"a weight off by one", 1, func(t *testing.T, l *akida.Layer) { addWeight(t, l, -1) },
			"p − T is not within [x, x + 1) of the Keras pre-activation x"},
		{"last threshold one too low", 2, func(t *testing.T, l *akida.Layer) { addThreshold(t, l, -1) },
			"p − T is not within [x, x + 1) of the Keras value x"},
		{"last act_step doubled", 2, func(t *testing.T, l *akida.Layer) { scaleStep(t, l, 2) },
			"p − T is not within [x, x + 1) of the Keras value x"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := convertHand(t, handModel())
			c.break_(t, m.Akida.Layers[c.layer])
			r, err := Run(m, Options{Samples: 64, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			iso := r.Layers[c.layer-1].Isolated
			if r.Proved || iso.Proved || r.Unexplained == 0 || iso.Unexplained != r.Unexplained {
				t.Fatalf("proved %v, %d unexplained (layer %d): %+v", r.Proved, r.Unexplained, iso.Unexplained, iso)
			}
			e := r.Examples[0]
			if e.Layer != m.Akida.Layers[c.layer].Name || e.Reason != c.reason || related(e.FloorFraction, e.KerasPotential) {
				t.Errorf("first example %+v", e)
			}
			if len(r.Examples) > maxExamples {
				t.Errorf("%d examples, at most %d kept", len(r.Examples), maxExamples)
			}
		})
	}
}

func addThreshold(t *testing.T, l *akida.Layer, d int32) {
	th, err := l.Variable("threshold").Int32s()
	if err != nil {
		t.Fatal(err)
	}
	th[0] += d
	v, err := akida.NewInt32s("threshold", []int{len(th)}, th)
	if err != nil {
		t.Fatal(err)
	}
	l.SetVariable(v)
}

func addWeight(t *testing.T, l *akida.Layer, d int8) {
	old := l.Variable("weights")
	w, err := old.Int8s()
	if err != nil {
		t.Fatal(err)
	}
	w[0] += d
	v, err := akida.NewWeights("weights", old.Shape, w, l.Params.Int("weights_bits"))
	if err != nil {
		t.Fatal(err)
	}
	l.SetVariable(v)
}

func scaleStep(t *testing.T, l *akida.Layer, k float32) {
	s, err := l.Variable("act_step").Float32s()
	if err != nil {
		t.Fatal(err)
	}
	for i := range s {
		s[i] *= k
	}
	v, err := akida.NewFloat32s("act_step", []int{len(s)}, s)
	if err != nil {
		t.Fatal(err)
	}
	l.SetVariable(v)
}

func TestErrors(t *testing.T) {
	m := convertHand(t, handModel())
	for _, c := range []struct {
		name string
		m    Models
		o    Options
		want string
	}{
		{"negative samples", m, Options{Samples: -1}, "verify: -1 samples requested: use 1 to 10000 (0 means 16)"},
		{"too many samples", m, Options{Samples: MaxSamples + 1}, "verify: 10001 samples requested: use 1 to 10000 (0 means 16)"},
		{"no Akida model", Models{Quantized: m.Quantized}, Options{}, "verify: both the quantized Keras model and the Akida model are needed"},
		{"another Keras model", Models{Quantized: renamed(m.Quantized, "dense_1", "other"), Akida: m.Akida, Scaling: m.Scaling}, Options{},
			`Akida layer "dense_1" (FullyConnected) has no neural layer of that name in the Keras model: the Akida model and the Keras model cannot be compared layer by layer; verify the Akida model converted from this Keras model`},
		{"activation removed", Models{Quantized: m.Quantized, Akida: withParam(m.Akida, 1, "activation", 0), Scaling: m.Scaling}, Options{},
			`Akida model: layer "dense_0" (FullyConnected): it has no activation but is not the last layer: the layer after it would read potentials, which Akida 1.0 layers cannot; give it an activation`},
		{"act_bits changed", Models{Quantized: m.Quantized, Akida: withParam(m.Akida, 1, "act_bits", 2), Scaling: m.Scaling}, Options{},
			`Akida layer "dense_0" (FullyConnected) has 2-bit activations, its Keras activation "relu_0" 4 bits: the Akida model and the Keras model cannot be compared layer by layer`},
		{"zero scale", Models{Quantized: m.Quantized, Akida: m.Akida, Scaling: convert.InputScaling{}}, Options{}, "input scaling (0, 0): the scale must be positive"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Run(c.m, c.o)
			if err == nil || err.Error() != c.want {
				t.Errorf("error %v\nwant  %s", err, c.want)
			}
			if strings.Contains(c.want, "cannot be compared") && !errors.Is(err, ErrNotComparable) {
				t.Errorf("error does not wrap ErrNotComparable")
			}
		})
	}
}

// renamed returns a copy of m with one layer renamed (and its users fed
// by the new name).
func renamed(m *keras.Model, from, to string) *keras.Model {
	c := m.Clone()
	for _, l := range c.Layers {
		if l.Name == from {
			l.Name = to
		}
		for i, in := range l.Inbound {
			if in == from {
				l.Inbound[i] = to
			}
		}
	}
	for i, o := range c.Outputs {
		if o == from {
			c.Outputs[i] = to
		}
	}
	return c
}

// withParam returns a copy of m with one parameter of layer i changed.
func withParam(m *akida.Model, i int, key string, v int32) *akida.Model {
	c := &akida.Model{Version: m.Version}
	for j, l := range m.Layers {
		l = copyLayer(l)
		l.Inbounds = m.Layers[j].Inbounds
		if j == i {
			l.Params.Set(key, v)
		}
		c.Layers = append(c.Layers, l)
	}
	return c
}

func mustSim(t *testing.T, m *akida.Model) *sim.Simulator {
	t.Helper()
	s, err := sim.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustChain(t *testing.T, m *keras.Model) *keras.Model {
	t.Helper()
	c, err := kerasChain(m)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClampedLayersAreNamed converts a model whose first act_step exceeds
// the Akida 1.0 maximum: dense_0 with kernel [0.0075, 0.003] has sf =
// 7/0.0075 ≈ 933, and QuantizedReLU(4, 1500) a step of 100, so act_step =
// a·sf·step ≈ 93333 > 65535. cnn2snn clamps it and floor-divides dense_1's
// weights by the ratio 1.42 (conversion.md §7.8): no exact relation is
// left to prove, and the verification names the layer.
func TestClampedLayersAreNamed(t *testing.T) {
	m := handModel()
	copy(m.Layer("dense_0").Weights[0].Values, []float32{0.0075, 0.003})
	m.Layer("relu_0").Config.(*keras.QuantizedReLU).MaxValue = 1500
	r, err := Run(convertHand(t, m), Options{Samples: 64, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	note := `layer "dense_0" holds act_step 65535 (its interval was shortened and the weights of layer "dense_1" floor-divided to compensate): the Akida 1.0 maximum, set by cnn2snn's fix_v1_activation_variables (conversion.md §7.8), so its values do not follow the exact relation; a smaller input scaling, max_value or bias keeps the layer within the hardware range`
	if !slices.Equal(r.Clamped, []string{"dense_0"}) || !slices.Equal(r.Notes, []string{note}) {
		t.Errorf("clamped %v, notes %q", r.Clamped, r.Notes)
	}
	if r.Proved || r.Layers[0].Isolated.Unexplained == 0 {
		t.Errorf("proved %v with %d unexplained values in dense_0", r.Proved, r.Layers[0].Isolated.Unexplained)
	}
}
