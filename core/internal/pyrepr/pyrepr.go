// Package pyrepr prints Go values the way Python's repr (and numpy's
// array print) does, so that messages quoting cnn2snn, quantizeml and
// Keras — which interpolate Python values (tuples, lists, shapes with
// None, floats) into their texts — match theirs. Every package of the
// core that writes such a message formats with it.
package pyrepr

import (
	"math"
	"strconv"
	"strings"
)

// Tuple prints ints as a Python tuple, negative ones (unknown dimensions)
// as None: (1, 1), (None, 4), or (3,) for one element.
func Tuple(v []int) string {
	parts := make([]string, len(v))
	for i, d := range v {
		parts[i] = dim(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// BatchShape prints a shape without its batch dimension with the batch
// dimension in front, as Keras' model.input_shape: (None, 28, 28, 1).
func BatchShape(s []int) string { return Tuple(append([]int{-1}, s...)) }

// IntList prints ints as a Python list: [3] or [1, 2].
func IntList(v []int) string {
	parts := make([]string, len(v))
	for i, d := range v {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// StrList prints strings as a Python list of str: ['a', 'b'].
func StrList(v []string) string {
	parts := make([]string, len(v))
	for i, s := range v {
		parts[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Float prints a float64 as Python's repr does: the shortest text that
// reads back to the same value, with ".0" on integral values and an
// exponent below 1e-4 or from 1e16 on (255.0, 0.00392156862745098, 1e-05).
func Float(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	a := math.Abs(f)
	if a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// FloatPair prints a pair of floats as a Python tuple: (255.0, -0.0).
func FloatPair(p [2]float64) string {
	return "(" + Float(p[0]) + ", " + Float(p[1]) + ")"
}

// FloatList prints floats as a Python list: [1.0, -0.5].
func FloatList(v []float64) string { return list(v, Float, ", ") }

// NumpyInts prints ints as numpy prints an integer array: [0 3].
func NumpyInts(v []int) string { return list(v, strconv.Itoa, " ") }

// NumpyFloats prints floats as the values of a numpy array, separated by
// blanks: [0.5 1.0].
func NumpyFloats(v []float64) string { return list(v, Float, " ") }

// Bool prints a bool as Python does: True or False.
func Bool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func list[T any](v []T, format func(T) string, sep string) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = format(x)
	}
	return "[" + strings.Join(parts, sep) + "]"
}

func dim(d int) string {
	if d < 0 {
		return "None"
	}
	return strconv.Itoa(d)
}
