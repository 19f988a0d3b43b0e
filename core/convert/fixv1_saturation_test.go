package convert

import (
	"math"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// stepLayers builds a layer with activation whose act_step exceeds 65535
// on every channel, followed by a layer whose 8-bit weights it feeds (one
// weight per input channel).
func stepLayers(t *testing.T, actBits int32, steps []float32, thresholds []int32, next []int8) (*akida.Layer, *akida.Layer) {
	t.Helper()
	l := &akida.Layer{Name: "conv"}
	l.Params.Set("activation", 1)
	l.Params.Set("act_bits", actBits)
	n := len(steps)
	for _, v := range []func() (*akida.Variable, error){
		func() (*akida.Variable, error) { return akida.NewFloat32s("act_step", []int{n}, steps) },
		func() (*akida.Variable, error) { return akida.NewInt32s("threshold", []int{n}, thresholds) },
	} {
		variable, err := v()
		if err != nil {
			t.Fatal(err)
		}
		l.SetVariable(variable)
	}
	nl := &akida.Layer{Name: "next"}
	nl.Params.Set("weights_bits", 8)
	w, err := akida.NewWeights("weights", []int{1, 1, n, 1}, next, 8)
	if err != nil {
		t.Fatal(err)
	}
	nl.SetVariable(w)
	return l, nl
}

func thresholdsOf(t *testing.T, l *akida.Layer, name string) []int32 {
	t.Helper()
	v, err := l.Variable(name).Int32s()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Raising a threshold for an act_step above 65535 adds a negative term;
// at the int32 minimum (where floorThreshold clamps a threshold) the sum
// saturates instead of wrapping to a large positive threshold, and so does
// the term of a step so large that it leaves the int32 range (issue 13).
// Ordinary values keep cnn2snn's arithmetic exactly.
func TestRaiseThresholdsSaturates(t *testing.T) {
	for _, tc := range []struct {
		name       string
		actBits    int32
		steps      []float32
		thresholds []int32
		want       []int32
	}{
		// 0.5·(65535 − 70000) = −2232.5 → −2232 (half even); act_bits 4
		// divides by 1, act_bits 8 by 16: trunc(−139.5) = −139.
		{"ordinary", 4, []float32{70000, 70000}, []int32{1000, -5}, []int32{-1232, -2237}},
		{"ordinary 8 bits", 8, []float32{70000, 70000}, []int32{1000, -5}, []int32{861, -144}},
		// 0.5·(65535 − 262140) = −98302.5 → −98302: in int32 the minimum
		// would wrap to 2147385346.
		{"at the int32 minimum", 4, []float32{262140, 262140}, []int32{math.MinInt32, math.MinInt32 + 50000}, []int32{math.MinInt32, math.MinInt32}},
		// A step of 3e38 gives a term of −1.5e38, outside int32.
		{"term beyond int32", 4, []float32{3e38, float32(math.Inf(1))}, []int32{100, math.MaxInt32}, []int32{math.MinInt32, math.MinInt32}},
		// The largest threshold stays in range when the term is small.
		{"at the int32 maximum", 4, []float32{65537, 65537}, []int32{math.MaxInt32, 0}, []int32{math.MaxInt32 - 1, -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, next := stepLayers(t, tc.actBits, tc.steps, tc.thresholds, []int8{-128, 127})
			if err := equalizeActStep(l, next); err != nil {
				t.Fatal(err)
			}
			if got := thresholdsOf(t, l, "threshold"); !slices.Equal(got, tc.want) {
				t.Errorf("thresholds %v, want %v", got, tc.want)
			}
		})
	}
}

// The next layer's weights are floor-divided, per input channel, by
// old/65535 and stay int8: −128/1.0681 = −119.8 → −120 on channel 0, and
// 127/+Inf = 0 on channel 1 (an infinite step).
func TestDivideNextWeightsStaysInt8(t *testing.T) {
	l, next := stepLayers(t, 4, []float32{70000, float32(math.Inf(1))}, []int32{0, 0}, []int8{-128, 127})
	if err := equalizeActStep(l, next); err != nil {
		t.Fatal(err)
	}
	w, err := next.Variable("weights").Int8s()
	if err != nil {
		t.Fatal(err)
	}
	if want := []int8{-120, 0}; !slices.Equal(w, want) {
		t.Errorf("weights %v, want %v", w, want)
	}
}
