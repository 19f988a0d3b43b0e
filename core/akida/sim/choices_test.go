package sim

import (
	"math"
	"math/big"
	"slices"
	"testing"
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
