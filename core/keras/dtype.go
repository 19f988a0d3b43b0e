package keras

import "strings"

// The NumPy dtype names Keras configs write (InputLayer.dtype), read in
// one place for every package that asks what a model input holds.

// IntDtype returns the width and sign of an integer dtype: "uint8" is 8
// bits unsigned, "int16" 16 bits signed, up to 64 bits. ok is false for
// any other name.
func IntDtype(dtype string) (bits int, signed, ok bool) {
	rest, unsigned := strings.CutPrefix(dtype, "u")
	digits, isInt := strings.CutPrefix(rest, "int")
	if !isInt {
		return 0, false, false
	}
	switch digits {
	case "8":
		bits = 8
	case "16":
		bits = 16
	case "32":
		bits = 32
	case "64":
		bits = 64
	default:
		return 0, false, false
	}
	return bits, !unsigned, true
}

// IsFloatDtype reports whether the dtype is a float type: float16,
// float32, float64, bfloat16 (or another "float…").
func IsFloatDtype(dtype string) bool {
	return strings.HasPrefix(dtype, "float") || dtype == "bfloat16"
}
