package sim

import "math"

// Integer helpers of the Akida 2.0 arithmetic: saturation and exact shifts
// in int64. Values stay within ±2^62 so that no sum of two of them
// overflows.

// limit62 bounds every shifted value: far beyond any Akida register, and
// small enough that two of them add without overflow.
const limit62 = 1 << 62

// clamp saturates v to the range.
func (r valueRange) clamp(v int64) int64 {
	return min(max(v, r.min), r.max)
}

// clampFloat saturates a float64 to the range and returns it as an
// integer; f must be integral (or infinite).
func (r valueRange) clampFloat(f float64) int64 {
	switch {
	case f <= float64(r.min):
		return r.min
	case f >= float64(r.max):
		return r.max
	}
	return int64(f)
}

// shiftLeft is v·2^s for s ≥ 0, saturated at ±2^62.
func shiftLeft(v, s int64) int64 {
	if v == 0 {
		return 0
	}
	if s >= 62 || abs64(v) > limit62>>s {
		if v < 0 {
			return -limit62
		}
		return limit62
	}
	return v << s
}

// abs64 is |v| for v > math.MinInt64.
func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// isFinite reports whether f is neither infinite nor NaN.
func isFinite(f float32) bool {
	return !math.IsInf(float64(f), 0) && !math.IsNaN(float64(f))
}
