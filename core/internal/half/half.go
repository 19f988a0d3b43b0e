// Package half converts IEEE 754 half-precision (float16) values, which
// HDF5 datasets, TF.js weight manifests and NumPy arrays may all hold.
package half

import "math"

// Float32 returns the float32 equal to the half-precision bits h: every
// float16 value, subnormals, infinities and NaN included, is exact in
// float32.
func Float32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN: keep the payload
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign) // ±0
	case exp == 0: // subnormal: frac × 2^-24
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	// Normal: rebias the exponent from 15 to 127.
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
