package compat

import (
	"math"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// cnn2snn interpolates Python values into its messages (tuples, lists,
// shapes with None, floats). These helpers print Go values the way Python's
// repr does, so our messages match cnn2snn's text.

// PyTuple prints ints as a Python tuple: (1, 1), or (3,) for one element.
func PyTuple(v []int) string {
	parts := make([]string, len(v))
	for i, d := range v {
		parts[i] = pyDim(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// PyShape prints a Keras shape without its batch dimension as a Python
// tuple, unknown dimensions as None: (7, 7, 64) or (32,).
func PyShape(s keras.Shape) string { return PyTuple(s) }

// PyBatchShape prints a shape with the batch dimension in front, as Keras'
// model.input_shape: (None, 28, 28, 1).
func PyBatchShape(s keras.Shape) string { return PyTuple(append([]int{-1}, s...)) }

// PyIntList prints ints as a Python list: [3] or [1, 2].
func PyIntList(v []int) string {
	parts := make([]string, len(v))
	for i, d := range v {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// PyStrList prints strings as a Python list of str: ['a', 'b'].
func PyStrList(v []string) string {
	parts := make([]string, len(v))
	for i, s := range v {
		parts[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// PyFloat prints a float64 as Python's repr does: the shortest text that
// reads back to the same value, with ".0" on integral values and an
// exponent below 1e-4 or from 1e16 on (255.0, 0.00392156862745098, 1e-05).
func PyFloat(f float64) string {
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

// PyFloatPair prints a pair of floats as a Python tuple: (255.0, -0.0).
func PyFloatPair(p [2]float64) string {
	return "(" + PyFloat(p[0]) + ", " + PyFloat(p[1]) + ")"
}

func pyDim(d int) string {
	if d < 0 {
		return "None"
	}
	return strconv.Itoa(d)
}
