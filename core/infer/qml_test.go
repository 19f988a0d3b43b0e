package infer

import (
	"math"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

func loadQMLFixture(t testing.TB) *QuantizeML {
	t.Helper()
	name := "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"
	m, err := keras.Load([]keras.File{{Name: name, Data: fixtures.ReadShared(t, "keras", name)}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := NewQuantizeML(m)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func filled(v float32, shape ...int) Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = v
	}
	return Tensor{Shape: shape, Data: data}
}

func intsOf(t QTensor, from, to int) []int64 {
	var out []int64
	for i := from; i < to; i++ {
		out = append(out, t.Int(i))
	}
	return out
}

// The end-to-end vectors of spec conversion-v2.md §6.5 on the quantizeml
// fixture: the Akida layer conv2d's output is the Keras re_lu's (conv,
// max pool, ReLU, output quantizer), dense's is re_lu_3's, and dense_1
// has no output quantizer (its accumulator, F = 5).
func TestQuantizeMLFixtureVectors(t *testing.T) {
	q := loadQMLFixture(t)
	for _, c := range []struct {
		name     string
		input    float32
		conv, fc []int64
		acc      []int64
		out      []float32
	}{
		{"zeros", 0,
			[]int64{2, 0, 2, 2, 1, 1, 0, 1, 0, 2, 2, 2, 0, 2, 1, 1},
			[]int64{0, 0, 36, 39, 0, 82, 58, 29, 0, 29, 45, 20},
			[]int64{-12295, -34134, -18046, -14355, 12202},
			[]float32{-1.675169, -6.486299, -2.817843, -2.244475, 1.745322}},
		{"ones", 1,
			[]int64{0, 1, 0, 0, 14, 0, 2, 3, 14, 0, 2, 0, 2, 0, 15, 0},
			[]int64{0, 0, 57, 28, 0, 66, 31, 18, 0, 63, 28, 43},
			[]int64{13621, -24800, -41770, -23933, 9632},
			[]float32{1.855834, -4.712609, -6.522294, -3.742043, 1.377720}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := q.Run(filled(c.input, 1, 128, 128, 1), Options{KeepLayers: true})
			if err != nil {
				t.Fatal(err)
			}
			relu := res.Layers["re_lu"]
			if !slices.Equal(relu.Shape, []int{1, 43, 43, 16}) || !slices.Equal(relu.Frac, []int{2}) || relu.ValueBits != 7 {
				t.Errorf("re_lu shape %v frac %v value bits %d", relu.Shape, relu.Frac, relu.ValueBits)
			}
			if got := intsOf(relu, 0, 16); !slices.Equal(got, c.conv) {
				t.Errorf("re_lu (0,0,:) = %v, want %v", got, c.conv)
			}
			if got := intsOf(res.Layers["re_lu_3"], 0, 12); !slices.Equal(got, c.fc) {
				t.Errorf("re_lu_3 [0:12] = %v, want %v", got, c.fc)
			}
			acc := res.Layers["dense_1"]
			if got := intsOf(acc, 0, 5); !slices.Equal(got, c.acc) || !slices.Equal(acc.Frac, []int{5}) {
				t.Errorf("dense_1 = %v (F %v), want %v (F = 5)", got, acc.Frac, c.acc)
			}
			out := res.Outputs[0]
			if !slices.Equal(out.Shape, []int{1, 5}) {
				t.Fatalf("output shape %v", out.Shape)
			}
			for i, want := range c.out {
				if math.Abs(float64(out.Data[i]-want)) > 1e-6*math.Abs(float64(want)) {
					t.Errorf("output[%d] = %.7g, want %.7g", i, out.Data[i], want)
				}
			}
			// The Dequantizer's output is dense_1's integers times its scales.
			if deq := res.Layers["dequantizer"]; !deq.IsFloat() || !slices.Equal(deq.Values, out.Data) {
				t.Errorf("dequantizer %+v, output %v", deq.QTensor, out.Data)
			}
		})
	}
}

// With zero input every conv2d position away from the border sees only
// the bias: channel 0 is 69·2^1 = 138, the pool keeps it, 138·231 =
// 31878, shift −14: floor(31878/16384 + 0.5) = 2 (spec §6.5), everywhere.
func TestQuantizeMLFixtureZeroInputIsUniform(t *testing.T) {
	q := loadQMLFixture(t)
	res, err := q.Run(filled(0, 1, 128, 128, 1), Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	relu := res.Layers["re_lu"]
	for p := range 43 * 43 {
		if v := relu.Int(p * 16); v != 2 {
			t.Fatalf("re_lu channel 0 at position %d = %d, want 2", p, v)
		}
	}
	if conv := res.Layers["conv2d"]; conv.Int(0) != 138 || conv.Scales == nil || conv.ValueBits != 27 {
		t.Errorf("conv2d (0,0,0) = %d %+v, want 138 in a 27-bit QFloat", conv.Int(0), conv.QTensor)
	}
}

func TestQuantizeMLInputChecks(t *testing.T) {
	q := loadQMLFixture(t)
	in := filled(0, 1, 128, 128, 1)
	in.Data[5] = 256
	if _, err := q.Run(in, Options{}); err == nil || err.Error() != "input value 256 at index 5 is not an integer in 0…255, which the model's uint8 input takes; give integer values of that range" {
		t.Errorf("256: %v", err)
	}
	in.Data[5] = 0.5
	if _, err := q.Run(in, Options{}); err == nil {
		t.Error("0.5 accepted as uint8")
	}
}

func BenchmarkQuantizeMLFixture(b *testing.B) {
	q := loadQMLFixture(b)
	in := filled(0, 1, 128, 128, 1)
	for i := range in.Data {
		in.Data[i] = float32(i * 7 % 256)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := q.Run(in, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuantizeMLFixtureRecord(b *testing.B) {
	name := "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"
	m, err := keras.Load([]keras.File{{Name: name, Data: fixtures.ReadShared(b, "keras", name)}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := keras.RecordQuantizeML(m); err != nil {
			b.Fatal(err)
		}
	}
}

// A recording made already (by the conversion) is taken as it is.
func TestNewQuantizeMLRecorded(t *testing.T) {
	q := loadQMLFixture(t)
	again, err := NewQuantizeMLRecorded(q.model, q.Recording())
	if err != nil || again.Recording() != q.Recording() {
		t.Errorf("%v: the recording given was not used", err)
	}
	if _, err := NewQuantizeMLRecorded(&keras.Model{}, q.Recording()); err == nil {
		t.Error("a model without layers is accepted with a recording")
	}
}
