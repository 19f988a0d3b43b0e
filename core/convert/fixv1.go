package convert

import (
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Akida 1.0 hardware limits that cnn2snn 2.18+ enforces after converting
// (fix_v1_activation_variables, conversion.md §7.8; akida-arithmetic.md
// §2.5): act_step ≤ 2^16 − 1 and threshold ≤ 2^19 − 1 on every layer but
// the last. core/verify reads them to name the layers clamped to them.
const (
	MaxActStep   = 1<<16 - 1 // 65535
	MaxThreshold = 1<<19 - 1 // 524287
)

// fixV1ActivationVariables applies cnn2snn's two post-conversion fixes and
// returns its warnings:
//
//  1. a layer (not the last) with act_step values above 65535 gets them set
//     to 65535; a layer with activation adds to its threshold
//     trunc(round_half_even(0.5·(new − old)) / 2^(act_bits − 4)), in float32;
//     the next layer's weights are floor-divided, per input channel, by
//     ratio = old/65535 (1 where the step was fine), which keeps the next
//     layer's potentials in proportion;
//  2. thresholds above 524287 (not on the last layer) are clipped, with
//     cnn2snn's warning. Negative thresholds are never clipped.
func fixV1ActivationVariables(m *akida.Model) ([]string, error) {
	last := len(m.Layers) - 1
	for i, l := range m.Layers[:max(last, 0)] {
		if err := equalizeActStep(l, m.Layers[i+1]); err != nil {
			return nil, err
		}
	}
	var warnings []string
	for _, l := range m.Layers[:max(last, 0)] {
		clipped, err := saturateThreshold(l)
		if err != nil {
			return nil, err
		}
		if clipped {
			warnings = append(warnings, fmt.Sprintf(
				"The %s layer holds very high threshold values which are not compatible with the hardware. Those are clipped to the maximum supported value %d. Continuing execution.", l.Name, MaxThreshold))
		}
	}
	return warnings, nil
}

// equalizeActStep is step 1 for one layer and the layer after it.
func equalizeActStep(l, next *akida.Layer) error {
	v := l.Variable("act_step")
	if v == nil {
		return nil // InputData
	}
	steps, err := v.Float32s()
	if err != nil {
		return err
	}
	ratio := make([]float32, len(steps))
	exceeds := false
	for c, s := range steps {
		ratio[c] = 1
		if s > MaxActStep {
			ratio[c], exceeds = s/MaxActStep, true
		}
	}
	if !exceeds {
		return nil
	}
	if l.Params.Value("activation") == 1 {
		if err := raiseThresholds(l, steps, ratio); err != nil {
			return err
		}
	}
	fixed := make([]float32, len(steps))
	for c, s := range steps {
		fixed[c] = min(s, MaxActStep)
	}
	nv, err := akida.NewFloat32s("act_step", v.Shape, fixed)
	if err != nil {
		return err
	}
	l.SetVariable(nv)
	return divideNextWeights(l, next, ratio)
}

// raiseThresholds adds trunc(round(0.5·(new − old)) / 2^(act_bits−4)) to the
// thresholds of the channels whose step is reduced (the term is 0 for the
// others), the term in float32 as NumPy computes it. The sum saturates to
// the int32 range (DESIGN.md: explicit saturation): a step far above 65535
// makes the term reach beyond int32, and the threshold may already sit at
// the int32 minimum (floorThreshold clamps it there), where adding in
// int32 would wrap around and flip its sign.
func raiseThresholds(l *akida.Layer, steps, ratio []float32) error {
	v := l.Variable("threshold")
	th, err := v.Int32s()
	if err != nil {
		return err
	}
	if len(th) != len(steps) {
		return fmt.Errorf("layer %q: %d thresholds for %d act_step values", l.Name, len(th), len(steps))
	}
	div := float32(math.Exp2(float64(l.Params.Value("act_bits") - 4)))
	for c, s := range steps {
		if ratio[c] == 1 {
			continue
		}
		half := float32(0.5) * (float32(MaxActStep) - s)
		term := math.Trunc(float64(keras.RoundHalfEven(half) / div)) // an integer, or −Inf
		th[c] = saturateInt32(float64(th[c]) + term)                 // exact: both below 2^53 unless saturating
	}
	nv, err := akida.NewInt32s("threshold", v.Shape, th)
	if err != nil {
		return err
	}
	l.SetVariable(nv)
	return nil
}

// divideNextWeights floor-divides the next layer's weights by ratio along
// their input-channel axis (axis 2 of (x, y, c, n)), as NumPy broadcasts
// it. A FullyConnected after a spatial layer reads x·y·c inputs, against
// which cnn2snn's per-channel ratio does not broadcast (NumPy raises).
func divideNextWeights(l, next *akida.Layer, ratio []float32) error {
	v := next.Variable("weights")
	if v == nil {
		return nil
	}
	if len(v.Shape) != 4 || v.Shape[2] != len(ratio) {
		return fmt.Errorf("layer %q: its act_step exceeds %d and cnn2snn compensates in the next layer's weights per input channel, which is not possible for layer %q with weights of shape %v (cnn2snn fails here too); lower the activation's scale (e.g. a smaller input scaling or max_value) and convert again",
			l.Name, MaxActStep, next.Name, v.Shape)
	}
	w, err := v.Int8s()
	if err != nil {
		return err
	}
	inner := v.Shape[3]
	for i, x := range w {
		c := (i / inner) % len(ratio)
		// ratio > 1 keeps the quotient within int8; saturating says so
		// rather than trusting it.
		w[i] = saturateInt8(math.Floor(float64(float32(x) / ratio[c])))
	}
	nv, err := akida.NewWeights(v.Name, v.Shape, w, int(next.Params.Value("weights_bits")))
	if err != nil {
		return fmt.Errorf("layer %q: %w", next.Name, err)
	}
	next.SetVariable(nv)
	return nil
}

// saturateThreshold is step 2 for one layer; it reports whether it clipped.
func saturateThreshold(l *akida.Layer) (bool, error) {
	v := l.Variable("threshold")
	if v == nil {
		return false, nil
	}
	th, err := v.Int32s()
	if err != nil {
		return false, err
	}
	clipped := false
	for c, t := range th {
		if t > MaxThreshold {
			th[c], clipped = MaxThreshold, true
		}
	}
	if !clipped {
		return false, nil
	}
	nv, err := akida.NewInt32s("threshold", v.Shape, th)
	if err != nil {
		return false, err
	}
	l.SetVariable(nv)
	return true, nil
}

// saturateInt32 converts a float64 to int32, truncated toward zero and
// saturated at the ends of the range (NaN, which no step yields, goes to
// the minimum): every int32 the Akida 1.0 generator stores (thresholds,
// padding value, the fix's thresholds) goes through it.
func saturateInt32(f float64) int32 {
	switch {
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32 || math.IsNaN(f):
		return math.MinInt32
	}
	return int32(f)
}

// saturateInt8 is saturateInt32 for int8 weights.
func saturateInt8(f float64) int8 {
	switch {
	case f >= math.MaxInt8:
		return math.MaxInt8
	case f <= math.MinInt8 || math.IsNaN(f):
		return math.MinInt8
	}
	return int8(f)
}
