package sim

import (
	"math"
	"math/big"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// One test per named choice of choices.go.

func TestSameOffsetsFollowTensorFlow(t *testing.T) {
	// Choice #12: out = ceil(n/s), pad_total = max((out−1)·s + k − n, 0),
	// before = floor(pad_total/2): an odd extra cell goes after.
	tests := []struct{ n, k, stride, out, before int }{
		{4, 3, 2, 2, 0},     // total 1: all after
		{5, 3, 2, 3, 1},     // total 2
		{224, 3, 2, 112, 0}, // total 1 (AkidaNet's first layer)
		{7, 3, 1, 7, 1},     // total 2
		{6, 2, 1, 6, 0},     // even kernel: total 1, after
		{6, 4, 1, 6, 1},     // even kernel: total 3 → 1 before, 2 after
		{3, 2, 2, 2, 0},     // pool 2 stride 2 on 3: total 1
		{5, 1, 2, 3, 0},     // 1×1 kernel never pads
		{2, 5, 1, 2, 2},     // kernel larger than the input: total 4
	}
	for _, tt := range tests {
		out, before := sameOffsets(tt.n, tt.k, tt.stride)
		if out != tt.out || before != tt.before {
			t.Errorf("sameOffsets(n=%d, k=%d, s=%d) = (%d, %d), want (%d, %d)", tt.n, tt.k, tt.stride, out, before, tt.out, tt.before)
		}
	}
}

func TestValidOffsets(t *testing.T) {
	tests := []struct{ n, k, stride, out int }{{4, 3, 2, 1}, {5, 3, 2, 2}, {7, 3, 1, 5}, {2, 3, 1, 0}}
	for _, tt := range tests {
		out, before := windowOffsets(tt.n, tt.k, tt.stride, false)
		if out != tt.out || before != 0 {
			t.Errorf("Valid windowOffsets(n=%d, k=%d, s=%d) = (%d, %d), want (%d, 0)", tt.n, tt.k, tt.stride, out, before, tt.out)
		}
	}
}

func TestIntervalLengthUsesActStepAsStored(t *testing.T) {
	// Choice #2: act_step is not rounded to 1/16; s = act_step·2^(4−bits).
	step := float32(2.3) // 2.2999999523162842 as a float32; 1/16 rounding would give 2.3125
	tests := []struct {
		bits int
		want float64
	}{{4, float64(step)}, {2, 4 * float64(step)}, {1, 8 * float64(step)}, {8, float64(step) / 16}}
	for _, tt := range tests {
		if got := intervalLength(step, tt.bits); got != tt.want {
			t.Errorf("intervalLength(%v, %d) = %v, want %v", step, tt.bits, got, tt.want)
		}
	}
}

func TestActivationLevelBoundaryBelongsToLowerLevel(t *testing.T) {
	// Choice #1: T + n·s < p ≤ T + (n+1)·s gives level n+1; p = T + n·s
	// exactly gives level n.
	tests := []struct {
		p, threshold int32
		step         float32
		bits         int
		want         int32
	}{
		{10, 10, 4, 4, 0}, // p = T
		{11, 10, 4, 4, 1},
		{14, 10, 4, 4, 1}, // p − T = s exactly
		{15, 10, 4, 4, 2},
		{70, 10, 4, 4, 15}, // 60/4 = 15 exactly, the top level
		{71, 10, 4, 4, 15}, // saturated
		{1000, 10, 4, 4, 15},
		{-5, -10, 2.5, 4, 2}, // p − T = 5 = 2·s exactly
		{-4, -10, 2.5, 4, 3},
		{1, 0, 4, 2, 1}, // 2 bits: s = 16
		{16, 0, 4, 2, 1},
		{17, 0, 4, 2, 2},
		{100, 0, 4, 2, 3},
		{1, 0, 4, 1, 1}, // 1 bit: any p > T
		{math.MaxInt32, math.MinInt32, 1, 4, 15},
		{math.MinInt32, math.MaxInt32, 1, 4, 0},
	}
	for _, tt := range tests {
		if got := activationLevel(tt.p, tt.threshold, tt.step, tt.bits); got != tt.want {
			t.Errorf("activationLevel(p=%d, T=%d, step=%v, bits=%d) = %d, want %d", tt.p, tt.threshold, tt.step, tt.bits, got, tt.want)
		}
	}
}

func TestLevelBoundariesEqualActivationLevel(t *testing.T) {
	// Choice #3: the boundaries T + ⌊j·s⌋ give exactly ceil((p−T)/s) for
	// every potential, also for steps that are not integers or whose
	// multiples fall a hair from an integer.
	steps := []float32{1, 3, 2.5, 0.0625, 0.1, 1.0 / 3, 7.3, 13.447483, 346.35715, 1e-6, 1e9}
	thresholds := []int32{0, -1, 7, -1000, 123456}
	for _, bits := range []int{1, 2, 4, 8} {
		for _, step := range steps {
			for _, T := range thresholds {
				b := levelBoundaries(nil, T, step, bits)
				if len(b) != 1<<bits-1 {
					t.Fatalf("%d boundaries for %d bits, want %d", len(b), bits, 1<<bits-1)
				}
				span := int32(min(float64(int(1)<<bits)*intervalLength(step, bits)+4, 5000))
				for p := T - 4; p <= T+span; p++ {
					if got, want := level(b, p), activationLevel(p, T, step, bits); got != want {
						t.Fatalf("bits %d step %v T %d p %d: boundaries give %d, activationLevel %d", bits, step, T, p, got, want)
					}
				}
			}
		}
	}
}

func TestActivationLevelIsExactCeil(t *testing.T) {
	// activationLevel against exact rational arithmetic, at the potentials
	// around every boundary T + n·s, where any rounding would show.
	for _, bits := range []int{1, 2, 4, 8} {
		for _, step := range []float32{0.7, 1.0 / 3, 2.5, 13.447483, 346.35715, 1e-3} {
			const T = -17
			s := new(big.Rat).SetFloat64(intervalLength(step, bits))
			for n := 0; n <= 1<<bits; n++ {
				edge := T + int32(math.Floor(float64(n)*intervalLength(step, bits)))
				for p := edge - 1; p <= edge+1; p++ {
					if got, want := activationLevel(p, T, step, bits), ratLevel(p, T, s, bits); got != want {
						t.Fatalf("bits %d step %v p %d: activationLevel %d, exact %d", bits, step, p, got, want)
					}
				}
			}
		}
	}
}

// ratLevel is min(ceil((p − T)/s), 2^bits − 1) for p > T, computed with
// rationals.
func ratLevel(p, T int32, s *big.Rat, bits int) int32 {
	if p <= T {
		return 0
	}
	q := new(big.Rat).Quo(new(big.Rat).SetInt64(int64(p)-int64(T)), s)
	n := new(big.Int).Quo(q.Num(), q.Denom()) // floor, q > 0
	if !q.IsInt() {
		n.Add(n, big.NewInt(1))
	}
	top := int64(1)<<bits - 1
	if !n.IsInt64() || n.Int64() > top {
		return int32(top)
	}
	return int32(n.Int64())
}

func TestLevelBoundariesExactWhereFloat32DivisionIsNot(t *testing.T) {
	// act_step 0.7 is 0.699999988 as a float32, so p − T = 7 lies just
	// above the boundary 10·s: the exact level is 11. A float32 division
	// 7/s rounds to exactly 10 and would give level 10.
	step := float32(0.7)
	if q := float32(7) / step; q != 10 {
		t.Fatalf("float32 division gives %v; the premise of this test no longer holds", q)
	}
	if got := activationLevel(7, 0, step, 4); got != 11 {
		t.Errorf("activationLevel(7, 0, 0.7, 4) = %d, want 11", got)
	}
	if got := level(levelBoundaries(nil, 0, step, 4), 7); got != 11 {
		t.Errorf("boundaries give level %d for p = 7, want 11", got)
	}
}

func TestLevelBoundariesClampBeyondInt32(t *testing.T) {
	b := levelBoundaries(nil, math.MaxInt32-10, 1e9, 2)
	if !slices.Equal(b, []int32{math.MaxInt32 - 10, math.MaxInt32, math.MaxInt32}) {
		t.Errorf("boundaries %v, want [MaxInt32−10 MaxInt32 MaxInt32]", b)
	}
}

func TestPredictValueRoundsOnce(t *testing.T) {
	// Choice #6: (p − T)/act_step in float64, rounded once to float32.
	tests := []struct {
		d    int32
		step float32
		want float32
	}{
		{37, 3, float32(37.0 / 3.0)},
		{-9, 2, -4.5},
		{0, 7, 0},
		// 16777217 is not a float32; in float64 the quotient is exact
		// before the one rounding: 16777217/1 → 16777216 (ties to even).
		{16777217, 1, 16777216},
		{16777219, 1, 16777220},
	}
	for _, tt := range tests {
		if got := predictValue(tt.d, tt.step); got != tt.want {
			t.Errorf("predictValue(%d, %v) = %v, want %v", tt.d, tt.step, got, tt.want)
		}
	}
}

func TestFullyConnectedIndexIsCYX(t *testing.T) {
	// Choice #15: (c·Y + y)·X + x, checked on a non-square 2×3×2 input
	// against cnn2snn's permutation: Keras flattens (x, y, c) row-major,
	// the converter moves Keras row k = (x·Y + y)·C + c to (c·Y + y)·X + x.
	X, Y, C := 2, 3, 2
	seen := make([]bool, X*Y*C)
	for x := range X {
		for y := range Y {
			for c := range C {
				i := fullyConnectedIndex(x, y, c, X, Y)
				if seen[i] {
					t.Fatalf("index %d used twice", i)
				}
				seen[i] = true
			}
		}
	}
	if got := fullyConnectedIndex(1, 2, 1, X, Y); got != 11 {
		t.Errorf("fullyConnectedIndex(1, 2, 1) = %d, want 11", got)
	}
	if got := fullyConnectedIndex(1, 0, 0, X, Y); got != 1 {
		t.Errorf("fullyConnectedIndex(1, 0, 0) = %d, want 1 (x varies fastest)", got)
	}
	if got := fullyConnectedIndex(0, 1, 0, X, Y); got != 2 {
		t.Errorf("fullyConnectedIndex(0, 1, 0) = %d, want 2", got)
	}
	if got := fullyConnectedIndex(0, 0, 1, X, Y); got != 6 {
		t.Errorf("fullyConnectedIndex(0, 0, 1) = %d, want 6 (c varies slowest)", got)
	}
}

func TestPoolWindowClipsPaddedCells(t *testing.T) {
	// Choice #13: Same 2×2 stride 2 on 3 cells: windows [0,2) and [2,3).
	tests := []struct{ o, stride, k, pad, n, from, to int }{
		{0, 2, 2, 0, 3, 0, 2},
		{1, 2, 2, 0, 3, 2, 3},
		{0, 1, 3, 1, 4, 0, 2}, // 3-wide Same window, one padded cell before
		{3, 1, 3, 1, 4, 2, 4}, // and one after
	}
	for _, tt := range tests {
		from, to := poolWindow(tt.o, tt.stride, tt.k, tt.pad, tt.n)
		if from != tt.from || to != tt.to {
			t.Errorf("poolWindow(o=%d, s=%d, k=%d, pad=%d, n=%d) = [%d, %d), want [%d, %d)", tt.o, tt.stride, tt.k, tt.pad, tt.n, from, to, tt.from, tt.to)
		}
	}
}

func TestCheckActStep(t *testing.T) {
	for _, bad := range []float32{0, -1, float32(math.Inf(1)), float32(math.NaN())} {
		if err := checkActStep([]float32{1, bad}); err == nil {
			t.Errorf("act_step %v accepted", bad)
		}
	}
	if err := checkActStep([]float32{1e-6, 3e38}); err != nil {
		t.Errorf("tiny and huge positive steps refused: %v", err)
	}
}

// One test per Akida 2.0 choice V1–V14 of choices.go (the layer tests of
// v2_layers_test.go show each in a model too).

func TestPostOpRangeIsValueBits(t *testing.T) {
	// V1: post_op_buffer_bits 32 → [−2^32, 2^32 − 1], not [−2^31, 2^31 − 1].
	if r := postOpRange(32); r != (valueRange{-1 << 32, 1<<32 - 1}) {
		t.Errorf("postOpRange(32) = %v", r)
	}
}

func TestOutputRange(t *testing.T) {
	// V2: unsigned only after a ReLU with fewer than 8 bits.
	tests := []struct {
		activation akida.ActivationType
		bits       int
		want       valueRange
	}{
		{akida.ReLU, 8, valueRange{-128, 127}},
		{akida.ReLU, 4, valueRange{0, 15}},
		{akida.ReLU, 1, valueRange{0, 1}},
		{akida.NoActivation, 4, valueRange{-8, 7}},
		{akida.LUT, 4, valueRange{-8, 7}},
		{akida.NoActivation, 28, valueRange{-1 << 27, 1<<27 - 1}},
		{akida.NoActivation, 32, valueRange{math.MinInt32, math.MaxInt32}},
	}
	for _, tt := range tests {
		if got := outputRange(tt.activation, tt.bits); got != tt.want {
			t.Errorf("outputRange(%d, %d) = %v, want %v", tt.activation, tt.bits, got, tt.want)
		}
	}
}

func TestReLUCeiling(t *testing.T) {
	// V3: unset means unbounded; O1's (1, 30) means 2^30; shifts saturate.
	tests := []struct {
		value, shift int64
		set          bool
		want         int64
	}{
		{0, 0, false, math.MaxInt64},
		{1, 30, true, 1 << 30},
		{3, 2, true, 12},
		{255, 255, true, 1 << 62},
		{0, 200, true, 0},
	}
	for _, tt := range tests {
		if got := reluCeiling(tt.value, tt.shift, tt.set); got != tt.want {
			t.Errorf("reluCeiling(%d, %d, %v) = %d, want %d", tt.value, tt.shift, tt.set, got, tt.want)
		}
	}
}

func TestDefaultsAreIdentity(t *testing.T) {
	// V4.
	if defaultOutputScale != 1 || defaultOutputShift != 0 || defaultInputShift != 0 {
		t.Errorf("defaults (%d, %d, %d), want (1, 0, 0)", defaultOutputScale, defaultOutputShift, defaultInputShift)
	}
}

func TestShiftRoundHalfUp(t *testing.T) {
	// V5: floor(v·2^s + 1/2) for every sign; exact left shifts.
	tests := []struct{ v, s, want int64 }{
		{5, -1, 3}, {-5, -1, -2}, {3, -1, 2}, {-3, -1, -1}, {7, -1, 4}, {-7, -1, -3},
		{6, -2, 2}, {-6, -2, -1}, {-7, -2, -2}, {31878, -14, 2}, // the spec's worked example (§6.5)
		{1, -62, 0}, {-1, -62, 0}, {1 << 61, -62, 1}, {-(1 << 61), -62, 0}, {12345, -100, 0}, {-12345, -100, 0},
		{3, 0, 3}, {-3, 4, -48}, {1, 61, 1 << 61}, {1, 62, 1 << 62}, {-5, 100, -(1 << 62)},
	}
	for _, tt := range tests {
		if got := shiftRound(tt.v, tt.s); got != tt.want {
			t.Errorf("shiftRound(%d, %d) = %d, want %d", tt.v, tt.s, got, tt.want)
		}
	}
	// Against exact rational rounding over a range of values and shifts.
	for s := int64(-10); s < 0; s++ {
		for v := int64(-3000); v <= 3000; v++ {
			want := new(big.Rat).SetFrac(big.NewInt(v), new(big.Int).Lsh(big.NewInt(1), uint(-s)))
			want.Add(want, big.NewRat(1, 2))
			floor := new(big.Int).Div(want.Num(), want.Denom()) // Euclidean: floor for a positive denominator
			if got := shiftRound(v, s); got != floor.Int64() {
				t.Fatalf("shiftRound(%d, %d) = %d, want %d", v, s, got, floor.Int64())
			}
		}
	}
}

func TestDenseInputShiftsPerFeature(t *testing.T) {
	// V6: one per flattened feature.
	if n := denseInputShifts(akida.Shape{5, 5, 64}); n != 1600 {
		t.Errorf("denseInputShifts(5, 5, 64) = %d, want 1600", n)
	}
}

func TestQuantizeInput(t *testing.T) {
	// V7: half to even, quantizeml's ranges, saturation before and after
	// the zero point.
	signed8, unsigned8 := quantizerRange(8, true), quantizerRange(8, false)
	if signed8 != (valueRange{-128, 127}) || unsigned8 != (valueRange{-256, 255}) {
		t.Fatalf("quantizerRange: signed %v, unsigned %v", signed8, unsigned8)
	}
	tests := []struct {
		x, scale float32
		zp       int64
		r        valueRange
		want     int64
	}{
		{0.5, 1, 0, signed8, 0}, {1.5, 1, 0, signed8, 2}, {2.5, 1, 0, signed8, 2}, {-2.5, 1, 0, signed8, -2},
		{-0.5, 1, 0, signed8, 0}, {0.625, 4, 0, signed8, 2}, {0.875, 4, 0, signed8, 4},
		{300, 1, 0, signed8, 127}, {-300, 1, 0, signed8, -128},
		{250, 1, 10, unsigned8, 255},   // 250 + 10 saturated after the zero point
		{300, 1, -100, unsigned8, 155}, // saturated to 255 before it: 255 − 100
		{-1, 1, 3, unsigned8, 2}, {-300, 1, 3, unsigned8, -253},
		{float32(math.Inf(1)), 1, 0, signed8, 127}, {1e30, 1e30, 0, signed8, 127},
	}
	for _, tt := range tests {
		if got := quantizeInput(tt.x, tt.scale, tt.zp, tt.r); got != tt.want {
			t.Errorf("quantizeInput(%v, %v, %d, %v) = %d, want %d", tt.x, tt.scale, tt.zp, tt.r, got, tt.want)
		}
	}
}

func TestGlobalSumRange(t *testing.T) {
	// V8: 33-bit signed.
	if globalSumRange() != (valueRange{-1 << 32, 1<<32 - 1}) {
		t.Errorf("globalSumRange() = %v", globalSumRange())
	}
	sums := make([]int64, 2)
	globalSum([]int64{1 << 31, -(1 << 31), 1 << 31, -(1 << 31), 1 << 31, -(1 << 31), 5, 7}, sums)
	if !slices.Equal(sums, []int64{1<<32 - 1, -(1 << 32)}) {
		t.Errorf("globalSum = %v", sums)
	}
}

func TestActivationBeforeGlobalSum(t *testing.T) {
	// V9 (TestGlobalAveragePoolingSumsAfterReLU shows it in a model).
	if !activationBeforeGlobalSum {
		t.Error("the activation must run before the global sum (quantizeml's order)")
	}
}

func TestScaleProductIsExact(t *testing.T) {
	// V10: exact products, saturated, also where int64 would overflow.
	r := postOpRange(61)
	tests := []struct{ acc, scale, want int64 }{
		{1<<27 - 1, 3, 402653181}, {-(1 << 27), 255, -34225520640},
		{1 << 40, 1 << 30, r.max}, {-(1 << 40), 1 << 30, r.min}, {1 << 40, -(1 << 40), r.min},
		{math.MaxInt64 / 2, 3, r.max}, {0, math.MaxInt64, 0},
	}
	for _, tt := range tests {
		if got := scaleProduct(tt.acc, tt.scale, r); got != tt.want {
			t.Errorf("scaleProduct(%d, %d) = %d, want %d", tt.acc, tt.scale, got, tt.want)
		}
	}
	if got := scaleProduct(1<<27-1, 255, postOpRange(32)); got != 1<<32-1 {
		t.Errorf("scaleProduct saturates to post_op bits: %d", got)
	}
}

func TestAppliedOutputShiftIsStored(t *testing.T) {
	// V11.
	for _, s := range []int64{-27, -26, -1, 0, 3} {
		if got := appliedOutputShift(s); got != s {
			t.Errorf("appliedOutputShift(%d) = %d", s, got)
		}
	}
}

func TestDequantizeInFloat32(t *testing.T) {
	// V12: float32(v)·scale in float32.
	tests := []struct {
		v     int32
		scale float32
		want  float32
	}{
		{16777217, 3, 50331648}, {-12295, 1.0 / 32, -384.21875}, {3, 0.1, 0.3}, {0, 1e-30, 0},
	}
	for _, tt := range tests {
		if got := dequantize(tt.v, tt.scale); got != tt.want {
			t.Errorf("dequantize(%d, %v) = %v, want %v", tt.v, tt.scale, got, tt.want)
		}
	}
}

func TestSameShapeAndPerChannel(t *testing.T) {
	// V13: Keras layouts, leading 1s ignored; per-channel values or one.
	tests := []struct {
		got, want []int
		same      bool
	}{
		{[]int{3, 3, 16, 32}, []int{3, 3, 16, 32}, true},
		{[]int{1600, 96}, []int{1600, 96}, true},
		{[]int{1, 1, 1600, 96}, []int{1600, 96}, true},
		{[]int{1600, 96}, []int{1, 1, 1600, 96}, true},
		{[]int{1, 1, 3, 3}, []int{1, 1, 3, 3}, true}, // a 1×1 kernel: both trimmed alike
		{[]int{96, 1600}, []int{1600, 96}, false},
		{[]int{3, 3, 32, 16}, []int{3, 3, 16, 32}, false},
		{[]int{3, 3, 16}, []int{3, 3, 16, 1}, false},
	}
	for _, tt := range tests {
		if got := sameShape(tt.got, tt.want); got != tt.same {
			t.Errorf("sameShape(%v, %v) = %v, want %v", tt.got, tt.want, got, tt.same)
		}
	}
	if v, ok := perChannel([]int64{7}, 3); !ok || !slices.Equal(v, []int64{7, 7, 7}) {
		t.Errorf("perChannel of one value: %v %v", v, ok)
	}
	if v, ok := perChannel([]int64{1, 2, 3}, 3); !ok || !slices.Equal(v, []int64{1, 2, 3}) {
		t.Errorf("perChannel of three values: %v %v", v, ok)
	}
	if _, ok := perChannel([]int64{1, 2}, 3); ok {
		t.Error("perChannel accepts two values for three channels")
	}
}

func TestKindsByName(t *testing.T) {
	// V14: the simulator names layer types by akida's constants; the table
	// covers exactly these (by class name, whatever their numbers).
	want := []string{"Add", "Concatenate", "Conv2D", "Conv2DTranspose", "Dense1D", "DepthwiseConv2D",
		"DepthwiseConv2DTranspose", "Dequantizer", "FullyConnected", "InputConv2D", "InputConvolutional",
		"InputData", "Quantizer", "SeparableConvolutional", "Convolutional"}
	slices.Sort(want)
	var got []string
	for n := range int32(128) {
		if t := akida.LayerType(n); prepareFor(t) != nil {
			got = append(got, t.String())
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("prepareFor runs %v, want %v", got, want)
	}
}
