package infer

import (
	"math"
	"os"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Forward passes of the small quantizeml models of core/keras/testdata/
// quantizeml (tools/qmlgen/make_qml_testdata.py). Their integer kernels
// are known (the script prints them); the values below are worked out by
// hand from them and the recorded variables (core/keras's
// qmlrecord_test.go derives those), with quantizeml's rescale
// floor(x·2^sh + 0.5).

func loadQMLModel(t testing.TB, name string) *keras.Model {
	t.Helper()
	b, err := os.ReadFile(fixtures.Repo(t, "core", "keras", "testdata", "quantizeml", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := keras.Load([]keras.File{{Name: name, Data: b}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func runQML(t *testing.T, m *keras.Model, in Tensor) *QMLResult {
	t.Helper()
	q, err := NewQuantizeML(m)
	if err != nil {
		t.Fatal(err)
	}
	res, err := q.Run(in, Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// pixel returns the integer values of position (y, x) of an NHWC output.
func pixel(t QTensor, y, x int) []int64 {
	w, c := t.Shape[2], t.Shape[3]
	return intsOf(t, (y*w+x)*c, (y*w+x+1)*c)
}

// everywhere checks that every position of an NHWC output holds want.
func everywhere(t *testing.T, name string, out QTensor, want []int64) {
	t.Helper()
	for y := range out.Shape[1] {
		for x := range out.Shape[2] {
			if got := pixel(out, y, x); !slices.Equal(got, want) {
				t.Fatalf("%s at (%d, %d) = %v, want %v everywhere", name, y, x, got, want)
			}
		}
	}
}

// qml_input_pad on a uint8 image of 127s. The padding value is 127 too,
// so every conv2d position sees nine cells of 127: 127·Σk per channel,
// with Σk = 54, −131, −329, −44 (the kernel's channel sums), plus the
// bias β_int·2^shift = 0, 75·4, −125·8, 37:
//
//	6858, −16637 + 300 = −16337, −41783 − 1000 = −42783, −5588 + 37 = −5551.
//
// A zero padding would change the border positions.
func TestQMLInputPaddingForward(t *testing.T) {
	m := loadQMLModel(t, "qml_input_pad_keras2.15.h5")
	res := runQML(t, m, filled(127, 1, 5, 5, 3))
	everywhere(t, "conv2d", res.Layers["conv2d"], []int64{6858, -16337, -42783, -5551})
	// re_lu: max(v, 0) (no channel reaches its bound 191·2^9 = 97792 …),
	// OQ channel 0: 6858·129 = 884682, ·2^−17 = 6.75, +0.5, floor → 7.
	relu := res.Layers["re_lu"]
	everywhere(t, "re_lu", relu, []int64{7, 0, 0, 0})
	if !slices.Equal(relu.Frac, []int{4, 5, 6, 7}) {
		t.Errorf("re_lu frac bits %v, want per-axis [4 5 6 7]", relu.Frac)
	}
	// conv2d_1 (1x1): input shift 3 on channel 0: 7·8 = 56; kernel rows
	// (127, −127), so 56·127 = 7112, −7112; bias 127·2^7 = 16256 and −123:
	// 23368, −7235 (F = 7). Dequantized: 23368·2^−14 = 1.42626953125,
	// −7235·2^−12 = −1.766357421875.
	everywhere(t, "conv2d_1", res.Layers["conv2d_1"], []int64{23368, -7235})
	out := res.Outputs[0]
	if out.Data[0] != 1.42626953125 || out.Data[1] != -1.766357421875 {
		t.Errorf("output %v, want 1.42626953125, -1.766357421875", out.Data[:2])
	}
}

// A large bias makes the bounded ReLU clip: β = 10 on channel 0 is
// recorded as 10/S_acc = 163200 → clog2 18, f = −11, round(163200/2048 =
// 79.69) = 80, shift 11: 80·2048 = 163840; with 6858 that is 170698,
// clipped to 191·2^9 = 97792; OQ: 97792·129·2^−17 = 96.25 → 96. Then
// conv2d_1: 96·8 = 768; 768·127 + 16256 = 113792, −97536 − 123 = −97659.
func TestQMLBoundedReLUClips(t *testing.T) {
	m := loadQMLModel(t, "qml_input_pad_keras2.15.h5")
	m.Layer("conv2d").Weight("bias").Values[0] = 10
	res := runQML(t, m, filled(127, 1, 5, 5, 3))
	if got := pixel(res.Layers["conv2d"], 2, 2)[0]; got != 170698 {
		t.Errorf("conv2d channel 0 = %d, want 170698", got)
	}
	if got := pixel(res.Layers["re_lu"], 2, 2); !slices.Equal(got, []int64{96, 0, 0, 0}) {
		t.Errorf("re_lu = %v, want [96 0 0 0]", got)
	}
	everywhere(t, "conv2d_1", res.Layers["conv2d_1"], []int64{113792, -97659})
}

// qml_depthwise_add_gap on zeros: every layer up to the Add sees only
// biases. depthwise: 102·2^4 = 1632 and −102·2^3 = −816; OQ (255,
// sh −16): 1632·255/65536 = 6.35 → 6, −816·255/65536 = −3.18 → floor(−2.68)
// = −3. conv_b has no bias: 0. add: 6·2^1 + 0 = 12, −3·2 = −6 (F = 6);
// OQ sh −1: floor(6 + 0.5) = 6, floor(−3 + 0.5) = −3.
func TestQMLDepthwiseAddGAPZeros(t *testing.T) {
	m := loadQMLModel(t, "qml_depthwise_add_gap_keras2.15.h5")
	res := runQML(t, m, filled(0, 1, 4, 4, 2))
	everywhere(t, "depthwise", res.Layers["depthwise"], []int64{6, -3})
	everywhere(t, "conv_b", res.Layers["conv_b"], []int64{0, 0})
	everywhere(t, "add", res.Layers["add"], []int64{6, -3})
	// conv2d_2 interior (all nine cells inside): 6·Σk[:, :, 0, co] −
	// 3·Σk[:, :, 1, co] with channel sums (532, −31, 207, −208) and
	// (−66, −328, −84, 250): 3390, 798, 1494, −1998; bias 77·16, −128·16,
	// 0, 20: 4622, −1250, 1494, −1978; the ReLU keeps 4622, 0, 1494, 0.
	for _, p := range [][2]int{{1, 1}, {1, 2}, {2, 1}, {2, 2}} {
		if got := pixel(res.Layers["conv2d_2"], p[0], p[1]); !slices.Equal(got, []int64{4622, -1250, 1494, -1978}) {
			t.Errorf("conv2d_2 at %v = %v", p, got)
		}
		if got := pixel(res.Layers["re_lu"], p[0], p[1]); !slices.Equal(got, []int64{4622, 0, 1494, 0}) {
			t.Errorf("re_lu at %v = %v", p, got)
		}
	}
	checkGAPAndDense(t, m, res)
}

// checkGAPAndDense recomputes the GAP and the Dense from the ReLU's kept
// output with the recorded variables: GAP = Σ over the 16 positions,
// then ·255·2^sh (sh = −18, −19, −18, −17) rounded half up and saturated
// to int8; dense = Σ gap·k + β_int·2^shift.
func checkGAPAndDense(t *testing.T, m *keras.Model, res *QMLResult) {
	t.Helper()
	relu := res.Layers["re_lu"]
	shifts := []int{-18, -19, -18, -17}
	gap := make([]int64, 4)
	for c := range 4 {
		sum := 0.0
		for p := range 16 {
			sum += float64(relu.Int(p*4 + c))
		}
		gap[c] = int64(math.Max(-128, math.Min(127, math.Floor(sum*255*math.Ldexp(1, shifts[c])+0.5))))
	}
	if got := intsOf(res.Layers["gap"], 0, 4); !slices.Equal(got, gap) {
		t.Errorf("gap = %v, want %v", got, gap)
	}
	// dense kernel rows: (127, −127, 127), (124, −25, 20), (−65, −42, 112),
	// (39, 118, 86); bias 102·2^3, 0, −102·2^3.
	k := [][]int64{{127, -127, 127}, {124, -25, 20}, {-65, -42, 112}, {39, 118, 86}}
	bias := []int64{816, 0, -816}
	for u := range 3 {
		s := bias[u]
		for i := range 4 {
			s += gap[i] * k[i][u]
		}
		if got := res.Layers["dense"].Int(u); got != s {
			t.Errorf("dense[%d] = %d, want %d", u, got, s)
		}
	}
}

// qml_depthwise_add_gap on x = 0.5 (channel 0), −0.25 (channel 1): the
// per-axis InputQuantizer (F = 7, 6) gives 64 and −16.
func TestQMLDepthwiseAddGAPValues(t *testing.T) {
	m := loadQMLModel(t, "qml_depthwise_add_gap_keras2.15.h5")
	in := filled(0.5, 1, 4, 4, 2)
	for i := 1; i < len(in.Data); i += 2 {
		in.Data[i] = -0.25
	}
	res := runQML(t, m, in)
	everywhere(t, "input_quantizer", res.Layers["input_quantizer"], []int64{64, -16})
	// depthwise, per-channel F kept. Interior (nine cells): 64·Σk0 =
	// 64·(−157) = −10048 + 1632 = −8416; −16·Σk1 = −16·(−58) = 928 − 816 =
	// 112. OQ: −8416·255/65536 = −32.75 → floor(−32.25) = −33;
	// 112·255/65536 = 0.44 → 0.
	// Corner (0, 0) sees kernel cells (1..2, 1..2): 117 − 112 + 40 − 7 = 38
	// and 25 + 70 + 4 + 83 = 182: 64·38 + 1632 = 4064 → 4064·255/65536 =
	// 15.81 → 16; −16·182 − 816 = −3728 → −14.51 → floor(−14.01) = −15.
	dw := res.Layers["depthwise"]
	if got := pixel(dw, 1, 1); !slices.Equal(got, []int64{-33, 0}) {
		t.Errorf("depthwise interior %v, want [-33 0]", got)
	}
	if got := pixel(dw, 0, 0); !slices.Equal(got, []int64{16, -15}) {
		t.Errorf("depthwise corner %v, want [16 -15]", got)
	}
	if !slices.Equal(dw.Frac, []int{5}) {
		t.Errorf("depthwise frac %v", dw.Frac)
	}
	// conv_b: input shift [0, 1]: 64 and −32; kernel rows (127, −127),
	// (83, 75): 8128 − 2656 = 5472, −8128 − 2400 = −10528; OQ qs 160:
	// 5472·160·2^−15 = 26.72 → 27; −10528·160·2^−14 = −102.81 →
	// floor(−102.31) = −103.
	everywhere(t, "conv_b", res.Layers["conv_b"], []int64{27, -103})
	// add: a·2 + b: interior −66 + 27 = −39, 0 − 103 = −103 → ·2^−1:
	// floor(−19.5 + 0.5) = −19, floor(−51.5 + 0.5) = −51; corner
	// 32 + 27 = 59 → 30, −30 − 103 = −133 → −66.
	if got := pixel(res.Layers["add"], 2, 2); !slices.Equal(got, []int64{-19, -51}) {
		t.Errorf("add interior %v, want [-19 -51]", got)
	}
	if got := pixel(res.Layers["add"], 0, 0); !slices.Equal(got, []int64{30, -66}) {
		t.Errorf("add corner %v, want [30 -66]", got)
	}
	checkGAPAndDense(t, m, res)
}

// qml_lut_unsigned on x = 0.25: the unsigned InputQuantizer gives
// round(0.25·128) + 64 = 96; the padding value is 64 (the zero point: the
// padded cells stand for 0).
func TestQMLLUTUnsignedForward(t *testing.T) {
	m := loadQMLModel(t, "qml_lut_unsigned_keras2.15.h5")
	res := runQML(t, m, filled(0.25, 1, 4, 4, 1))
	everywhere(t, "input_quantizer", res.Layers["input_quantizer"], []int64{96})
	// conv2d interior: 96·Σk = 96·417 = 40032 + 102·4 = 40440,
	// 96·(−632) = −60672 − 77·64 = −65600. 11-bit OQ (qs 255, sh −13,
	// −14): 40440·255/8192 = 1258.8 → 1259, saturated to 1023;
	// −65600·255/16384 = −1021.0 → floor(−1020.5) = −1021.
	// Corner: 64·Σk + 32·(cells 1..2, 1..2: 88 + 92 + 4 − 26 = 158;
	// −89 − 62 − 92 − 88 = −331) = 31744 + 408 = 32152 → 1000.8 → 1001;
	// −51040 − 4928 = −55968 → −871.08 → floor(−870.58) = −871.
	conv := res.Layers["conv2d"]
	if got := pixel(conv, 1, 1); !slices.Equal(got, []int64{1023, -1021}) {
		t.Errorf("conv2d interior %v, want [1023 -1021]", got)
	}
	if got := pixel(conv, 0, 0); !slices.Equal(got, []int64{1001, -871}) {
		t.Errorf("conv2d corner %v, want [1001 -871]", got)
	}
	// LUT (x = i/256): gelu(1023/256) → 8191, gelu(−1021/256) → 0,
	// gelu(1001/256) = 3.9099758 → 8014.7 → 8015, gelu(−871/256) =
	// −0.0011365673 → −2.33 → −2. OQ (255, sh −14): 8191·255/16384 =
	// 127.48 → 127 (the int8 maximum), 0, 8015 → 124.75 → 125, −2 → 0.
	act := res.Layers["activation"]
	if got := pixel(act, 1, 1); !slices.Equal(got, []int64{127, 0}) {
		t.Errorf("activation interior %v, want [127 0]", got)
	}
	if got := pixel(act, 0, 0); !slices.Equal(got, []int64{125, 0}) {
		t.Errorf("activation corner %v, want [125 0]", got)
	}
	// flatten keeps the values; dense = Σ x·k + bias (82·1, −128·8).
	flat := res.Layers["flatten"]
	if !slices.Equal(flat.Shape, []int{1, 32}) || !slices.Equal(flat.Values, act.Values) {
		t.Errorf("flatten %v", flat.Shape)
	}
	k := m.Layer("dense").Weight("kernel").Values
	scales := []float32{keras.QMLPow2(7), keras.QMLPow2(6)}
	for u, bias := range []int64{82, -1024} {
		s := bias
		for i := range 32 {
			s += flat.Int(i) * int64(k[i*2+u]*scales[u])
		}
		if got := res.Layers["dense"].Int(u); got != s {
			t.Errorf("dense[%d] = %d, want %d", u, got, s)
		}
	}
}

// Values outside the LUT-free path: an input out of the unsigned
// quantizer's range saturates (x = 2 → 256 + 64, saturated to 255).
func TestQMLInputQuantizerSaturates(t *testing.T) {
	m := loadQMLModel(t, "qml_lut_unsigned_keras2.15.h5")
	res := runQML(t, m, filled(2, 1, 4, 4, 1))
	everywhere(t, "input_quantizer", res.Layers["input_quantizer"], []int64{255})
	res = runQML(t, m, filled(-0.5, 1, 4, 4, 1))
	everywhere(t, "input_quantizer", res.Layers["input_quantizer"], []int64{0})
}

// qml_transpose_concat on x = (0.5, −0.25; 0.125, 1.0): the InputQuantizer
// (F = 7) gives 64, −32, 16 and 128 saturated to 127.
func TestQMLTransposeConcatForward(t *testing.T) {
	m := loadQMLModel(t, "qml_transpose_concat_keras2.15.h5")
	res := runQML(t, m, Tensor{Shape: []int{1, 2, 2, 1}, Data: []float32{0.5, -0.25, 0.125, 1}})
	if got := intsOf(res.Layers["input_quantizer"], 0, 4); !slices.Equal(got, []int64{64, -32, 16, 127}) {
		t.Fatalf("input_quantizer %v", got)
	}
	// conv_t (stride 2, 'same', k = 3: no padding before, 4×4 output):
	// output (oy, ox) = Σ q[iy, ix]·K[oy − 2iy, ox − 2ix]. Filter kernels
	// K0 = (127 −26 39; 88 −53 104; 61 13 60),
	// K1 = (−127 15 −85; −12 −104 66; −113 −107 −43).
	//   (0,0): 64·K[0,0] = 8128, −8128
	//   (1,1): 64·K[1,1] = −3392, −6656
	//   (2,2): 64·K[2,2] − 32·K[2,0] + 16·K[0,2] + 127·K[0,0] = 18641, −16625
	//   (3,3): 127·K[1,1] = −6731, −13208
	// plus bias 102·8 = 816, −102·32 = −3264; OQ ·255·2^−15, ·255·2^−16:
	//   (0,0): 8944 → 69.6 → 70; −11392 → −44.3 → −44
	//   (1,1): −2576 → −20.05 → −20; −9920 → −38.6 → −39
	//   (2,2): 19457 → 151.4 → 127 (saturated); −19889 → −77.4 → −77
	//   (3,3): −5915 → −46.03 → −46; −16472 → −64.09 → −64
	ct := res.Layers["conv_t"]
	for _, c := range []struct {
		y, x int
		want []int64
	}{{0, 0, []int64{70, -44}}, {1, 1, []int64{-20, -39}}, {2, 2, []int64{127, -77}}, {3, 3, []int64{-46, -64}}} {
		if got := pixel(ct, c.y, c.x); !slices.Equal(got, c.want) {
			t.Errorf("conv_t (%d, %d) = %v, want %v", c.y, c.x, got, c.want)
		}
	}
	// conv_c = 127·a − 5·b, OQ ·255·2^−14: (0,0) 9110 → 141.8 → 127;
	// (3,3) −5842 + 320 = −5522 → −85.9 → −86.
	// dw_t (k = 4, stride 2, one cell of padding before): output (0,0) is
	// in[0,0]·K[1,1] and (7,7) is in[3,3]·K[2,2]. in = the concatenation
	// aligned by 1, 1, 0: (140, −88, 127) and (−92, −128, −86);
	// K[1,1] = (−126, 44, 34), K[2,2] = (74, 74, 92); bias 816, 0, −816:
	//   (0,0): −17640 + 816 = −16824, −3872, 4318 − 816 = 3502
	//   (7,7): −6808 + 816 = −5992, −9472, −7912 − 816 = −8728
	dw := res.Layers["dw_t"]
	if !slices.Equal(dw.Shape, []int{1, 8, 8, 3}) {
		t.Fatalf("dw_t shape %v", dw.Shape)
	}
	if got := pixel(dw, 0, 0); !slices.Equal(got, []int64{-16824, -3872, 3502}) {
		t.Errorf("dw_t (0,0) = %v", got)
	}
	if got := pixel(dw, 7, 7); !slices.Equal(got, []int64{-5992, -9472, -8728}) {
		t.Errorf("dw_t (7,7) = %v", got)
	}
	// Dequantized: v·2^−14.
	if out := res.Outputs[0].Data; out[0] != -1.02685546875 || out[1] != -0.236328125 || out[2] != 0.2137451171875 {
		t.Errorf("output (0,0) = %v", out[:3])
	}
}

// A model whose saved shapes disagree with its weights gives an error
// naming the layer (here from the recording), not an index out of range.
func TestQMLInconsistentShapes(t *testing.T) {
	m := loadQMLModel(t, "qml_input_pad_keras2.15.h5")
	m.Layer("re_lu").OutputShape = keras.Shape{5, 5, 3}
	_, err := NewQuantizeML(m)
	if err == nil || err.Error() != `layer "re_lu" (QuantizedReLU): max_value is aligned on a tensor with 4 channels, expected 3` {
		t.Errorf("error %v", err)
	}
	// The forward pass checks what it computes against the record too.
	r := &keras.QMLRecord{Raw: keras.QTensor{ValueBits: 7, Frac: []int{1, 2, 3}}}
	if err := fits(QTensor{Shape: []int{1, 2}}, r.Raw, r); err == nil ||
		err.Error() != "the layer computes 2 channels but its quantization variables have 3; the model's shapes are inconsistent, re-save it" {
		t.Errorf("fits: %v", err)
	}
}

// A float Keras layer on the float input (here a Rescaling(0.5) put in
// front of the InputQuantizer) is not quantized: the float inference runs
// it, and the InputQuantizer quantizes its output (0.5·0.5 = 0.25 → 96).
func TestQMLFloatLayerBeforeInputQuantizer(t *testing.T) {
	m := loadQMLModel(t, "qml_lut_unsigned_keras2.15.h5")
	pre := &keras.Layer{Name: "pre", ClassName: "Rescaling", Config: &keras.Rescaling{Scale: []float64{0.5}, Offset: []float64{0}},
		Inbound: []string{"input_1"}, InboundNodes: 1, OutputShape: keras.Shape{4, 4, 1}}
	m.Layers = slices.Insert(m.Layers, 1, pre)
	m.Layer("input_quantizer").Inbound = []string{"pre"}
	q, err := NewQuantizeML(m)
	if err != nil {
		t.Fatal(err)
	}
	if q.Recording().Layer("pre") != nil || q.Recording().Layer("input_quantizer") == nil {
		t.Error("the float Rescaling was recorded, or the InputQuantizer was not")
	}
	res, err := q.Run(filled(0.5, 1, 4, 4, 1), Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Layers["pre"]; !p.IsFloat() || p.Values[0] != 0.25 {
		t.Errorf("pre %+v %v", p.QTensor, p.Values[:1])
	}
	everywhere(t, "input_quantizer", res.Layers["input_quantizer"], []int64{96})
}
