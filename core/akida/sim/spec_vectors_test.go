package sim

import (
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The end-to-end vectors of conversion-v2.md §6.5 for the quantizeml ECG
// fixture converted for Akida 2.0 (a re-implementation's figures [INF], a
// regression target, not akida's outputs). checkSpecVector compares the
// layers a model has with them; a test of the converter calls it with the
// fixture converted (every layer, both vectors). Until then the conv2d
// layer alone can be checked on the zero input, where only its biases and
// output stage count, all of which §6.4 lists.
var specVectors = []struct {
	name  string
	input uint8 // every pixel of the 128×128×1 input
	// conv2d's outputs at (0, 0), dense's first 12, dense_1's integers
	// (accumulators, no output stage) and the Dequantizer's floats.
	conv2d, dense, dense1 []int32
	output                []float32
}{
	{"all zeros", 0,
		[]int32{2, 0, 2, 2, 1, 1, 0, 1, 0, 2, 2, 2, 0, 2, 1, 1},
		[]int32{0, 0, 36, 39, 0, 82, 58, 29, 0, 29, 45, 20},
		[]int32{-12295, -34134, -18046, -14355, 12202},
		[]float32{-1.675169, -6.486299, -2.817843, -2.244475, 1.745322}},
	{"all ones", 1,
		[]int32{0, 1, 0, 0, 14, 0, 2, 3, 14, 0, 2, 0, 2, 0, 15, 0},
		[]int32{0, 0, 57, 28, 0, 66, 31, 18, 0, 63, 28, 43},
		[]int32{13621, -24800, -41770, -23933, 9632},
		[]float32{1.855834, -4.712609, -6.522294, -3.742043, 1.377720}},
}

// checkSpecVector runs m on vector v of specVectors and compares the
// outputs of the layers m has among conv2d, dense, dense_1 and
// dequantizer. The floats are compared to the spec's 7 significant
// digits.
func checkSpecVector(t *testing.T, m *akida.Model, v int) {
	t.Helper()
	sv := specVectors[v]
	in := Input{Shape: [4]int{1, 128, 128, 1}, Data: make([]uint8, 128*128)}
	for i := range in.Data {
		in.Data[i] = sv.input
	}
	out := run(t, m, in)
	checked := 0
	for _, lo := range out.Layers {
		var want []int32
		switch lo.Name {
		case "conv2d":
			want = sv.conv2d
		case "dense":
			want = sv.dense
		case "dense_1":
			want = sv.dense1
		case "dequantizer":
			for i, w := range sv.output {
				if d := lo.Float[i] - w; d > 5e-6 || d < -5e-6 {
					t.Errorf("%s: dequantizer output %d is %v, the spec %v", sv.name, i, lo.Float[i], w)
				}
			}
			checked++
			continue
		default:
			continue
		}
		checked++
		if got := lo.Data[:len(want)]; !slices.Equal(got, want) {
			t.Errorf("%s: %s outputs %v, the spec %v", sv.name, lo.Name, got, want)
		}
	}
	if checked == 0 {
		t.Fatal("the model has none of the layers the spec's vectors give")
	}
}

// specConv2d is the fixture's first Akida layer, InputConv2D conv2d, with
// the biases, bias shifts, output scales and output shifts of
// conversion-v2.md §6.4 and zero weights (only the first 8 of 144 are
// listed there): on a zero input its outputs are those of the real layer.
func specConv2d(t *testing.T) *akida.Model {
	o := akida.DefaultInputConv2D()
	o.InputShape = [3]int{128, 128, 1}
	o.Filters, o.KernelSize, o.KernelStride, o.Padding = 16, 3, 1, akida.Same
	o.PoolType, o.PoolSize, o.PoolStride, o.Activation = akida.MaxPooling, 3, 3, akida.ReLU
	o.Bits = akida.Bits{OutputBits: 8, BufferBits: 28, PostOpBufferBits: 32}
	l := akida.NewInputConv2D("conv2d", o)
	setInt8s(t, l, "weights", []int{3, 3, 1, 16}, make([]int8, 144)...)
	setInt8s(t, l, "bias", []int{16}, 69, -88, 74, 106, 12, 20, -116, 17, 2, 52, 119, 83, -72, 67, 16, 18)
	setUint8s(t, l, "bias_shift", []int{16}, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 0)
	setUint8s(t, l, "padding_value", []int{1}, 0)
	setUint8s(t, l, "output_scales", []int{16}, 231, 213, 196, 172, 147, 131, 176, 163, 227, 172, 239, 241, 144, 128, 230, 232)
	setInt8s(t, l, "output_shift", []int{16}, -14, -14, -14, -13, -11, -11, -13, -12, -11, -12, -14, -14, -14, -13, -12, -12)
	return model(t, l)
}

func TestSpecVectorConv2dOnZeros(t *testing.T) {
	// conversion-v2.md §6.5, all-zero input, conv2d at (0, 0): e.g.
	// channel 0: 69·2^1 = 138, ReLU and pooling keep it, 138·231 = 31878,
	// shiftRound(31878, −14) = floor((31878 + 8192)/16384) = 2; channel 1:
	// −88·2 = −176, ReLU 0. The whole 43×43 map holds the same values.
	m := specConv2d(t)
	checkSpecVector(t, m, 0)
	out := run(t, m, Input{Shape: [4]int{1, 128, 128, 1}, Data: make([]uint8, 128*128)})
	if out.Shape != [4]int{1, 43, 43, 16} {
		t.Fatalf("conv2d output shape %v, want (1, 43, 43, 16) (spec §6.2)", out.Shape)
	}
	for i, v := range out.Data {
		if v != specVectors[0].conv2d[i%16] {
			t.Fatalf("conv2d output %d is %d, not the constant map of the zero input", i, v)
		}
	}
}

// The quantizeml fixture converted for Akida 2.0 gives conversion-v2.md
// §6.5's end-to-end vectors: conv2d's first outputs, dense's, dense_1's
// accumulators and the dequantized outputs, for all-zero and all-one
// inputs.
func TestSpecVectorsConvertedFixture(t *testing.T) {
	const file = "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"
	km, err := keras.Load([]keras.File{{Name: file, Data: fixtures.ReadShared(t, "keras", file)}})
	if err != nil {
		t.Fatal(err)
	}
	m := convertModel(t, km)
	for v := range specVectors {
		checkSpecVector(t, m, v)
	}
}
