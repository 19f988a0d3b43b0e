package verify

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/sim"
)

// The replay of an output stage, step by step from Akida's arithmetic to
// quantizeml's, on values worked out by hand; the model-level tests
// (v2_test.go) cannot reach the float32 product and the float32 output
// bound with 8-bit models.

func TestStageStepsNameTheCause(t *testing.T) {
	wide := [2]int64{-1 << 27, 1<<27 - 1} // Akida's 28-bit signed outputs
	for _, tc := range []struct {
		name        string
		stage       stageV2
		x           int64
		akida, qml  int64
		cause, why  string
		outsideStep bool
	}{
		{
			// 8421889·255 = 2147581695 = 512·4194495 + 255: ·2^−9 + 0.5 is
			// 4194495.998 → 4194495. Above 2^31 float32 keeps multiples of
			// 256: 2147581696, which gives exactly 4194495.5 + 0.5 → 4194496.
			name:  "float32 product",
			stage: stageV2{scales: []int64{255}, shift: []int64{-9}, stored: []int64{-9}, postVB: 32, outVB: 27, out: wide},
			x:     8421889, akida: 4194495, qml: 4194496, cause: CauseFloat32,
			why: "output stage on 8421889: float32 rounds the product 8421889·255 = 2147581695 to 2.1475817e+09",
		},
		{
			// 2^26·4 = 2^28 saturates the 27 value bits: Akida at 2^27 − 1,
			// quantizeml's float32 bound at 2^27.
			name:  "saturation bound",
			stage: stageV2{scales: []int64{4}, shift: []int64{0}, stored: []int64{0}, postVB: 32, outVB: 27, out: wide},
			x:     1 << 26, akida: 1<<27 - 1, qml: 1 << 27, cause: CauseSaturationBound,
			why: "output stage on 67108864: quantizeml's float32 bound lets 134217728 through where Akida stops at 134217727",
		},
		{
			// 3·2^26 without scales: shifted by the stored −27, 1.5 → 2
			// (half up); by quantizeml's −28, 0.75 → 1.
			name:  "clipped shift",
			stage: stageV2{shift: []int64{-28}, stored: []int64{-27}, postVB: 32, outVB: 7, out: [2]int64{-128, 127}},
			x:     3 << 26, akida: 2, qml: 1, cause: CauseClippedShift,
			why: "output stage on 201326592: Akida shifts by the stored -27, quantizeml by -28",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &tc.stage
			if a, q := s.apply(tc.x, 0, akidaArith), s.apply(tc.x, 0, qmlArith); a != tc.akida || q != tc.qml {
				t.Fatalf("Akida %d, quantizeml %d; want %d, %d", a, q, tc.akida, tc.qml)
			}
			cause, why := s.steps(tc.x, 0, tc.akida, float64(tc.qml))
			if cause != tc.cause || why != tc.why {
				t.Errorf("cause %q: %s\nwant %q: %s", cause, why, tc.cause, tc.why)
			}
			// A Keras value that quantizeml's arithmetic does not give is
			// not the stage's doing.
			if cause, _ := s.steps(tc.x, 0, tc.akida, float64(tc.qml+5)); cause != "" {
				t.Errorf("Keras value %d: cause %q, want none", tc.qml+5, cause)
			}
		})
	}
}

func TestReplayArithmetic(t *testing.T) {
	// Akida's steps are the simulator's: its rounding shift (half up,
	// saturating at ±2^62) and its product saturated to post_op_buffer_bits.
	for _, tc := range []struct{ v, s, want int64 }{
		{5, -1, 3}, {-5, -1, -2}, {-3, -1, -1}, {-4, -1, -2}, {7, 2, 28}, {0, 70, 0},
		{1, 62, 1 << 62}, {-1, 62, -1 << 62}, {1 << 40, 30, 1 << 62}, {12345, -63, 0},
	} {
		if got := sim.ShiftRound(tc.v, tc.s); got != tc.want {
			t.Errorf("sim.ShiftRound(%d, %d) = %d, want %d", tc.v, tc.s, got, tc.want)
		}
	}
	if got := sim.ScaleProduct(1<<27, 1, 27); got != 1<<27-1 {
		t.Errorf("sim.ScaleProduct(2^27, 1, 27) = %d, want 2^27 − 1", got)
	}
	// quantizeml's bounds are float32's.
	for _, tc := range []struct {
		v    int64
		vb   int
		want int64
	}{
		{1 << 27, 27, 1 << 27}, // float32's 2^27 − 1 is 2^27
		{-1 << 40, 27, -1 << 27},
		{1 << 24, 24, 1<<24 - 1}, // exact below 25 value bits
		{200, 7, 127},
	} {
		if got := qmlSaturate(tc.v, tc.vb); got != tc.want {
			t.Errorf("qmlSaturate(%d, %d) = %d, want %d", tc.v, tc.vb, got, tc.want)
		}
	}
}

// accumulator: a stage input that differs in the two models.
func TestAccumulatorCauses(t *testing.T) {
	e := &explainV2{accHi: 1<<27 - 1, summands: 1}
	same := func(v int64) int64 { return v }
	x := int64(1<<25 + 3) // float32 holds 2^25 + 4
	for _, tc := range []struct {
		x     int64
		k     float64
		cause string
		why   string
	}{
		{x, float64(float32(x)), CauseFloat32, "the accumulator 33554435 is above 2^24, where float32 is off by up to 8: a value within that gives the Keras value 3.3554436e+07"},
		{x, float64(x + 100), CauseUnexplained, "the output stage starts from 33554435 in Akida; no value within float32's rounding (±8) gives the Keras value 3.3554535e+07"},
		{1<<27 - 1, 1 << 27, CauseSaturationBound, "the accumulator saturates: Akida at 134217727, quantizeml's float32 bound at 134217728"},
		{1000, 1001, CauseUnexplained, "the output stage starts from 1000 in Akida, exact in float32; no named cause gives the Keras value 1001"},
	} {
		cause, why := e.accumulator(tc.x, tc.k, same)
		if cause != tc.cause || why != tc.why {
			t.Errorf("x %d, Keras %v: %q: %s\nwant %q: %s", tc.x, tc.k, cause, why, tc.cause, tc.why)
		}
	}
	// A global sum of 100 positions allows 101 ulps.
	e.summands = 100
	if cause, _ := e.accumulator(x, float64(x+300), same); cause != CauseFloat32 {
		t.Errorf("a sum of 100 rounded values off by 300: cause %q, want %q", cause, CauseFloat32)
	}
}
