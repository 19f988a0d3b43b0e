package pyrepr

import (
	"math"
	"testing"
)

func TestPythonRepr(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Tuple([]int{1, 1}), "(1, 1)"},
		{Tuple([]int{2}), "(2,)"},
		{BatchShape([]int{28, 28, 1}), "(None, 28, 28, 1)"},
		{Tuple([]int{-1, 4}), "(None, 4)"},
		{StrList([]string{"a", "it's"}), `['a', 'it\'s']`},
		{IntList([]int{3}), "[3]"},
		{Float(255), "255.0"},
		{Float(1.0 / 255), "0.00392156862745098"},
		{Float(1e-5), "1e-05"},
		{Float(1e16), "1e+16"},
		// Python prints the shift of a Rescaling with offset 0 as -0.0.
		{FloatPair([2]float64{255, math.Copysign(0, -1)}), "(255.0, -0.0)"},
		// A list of floats, each as repr prints it: Go's %v or 'g' would
		// write 2e+10 and NaN where Python writes 20000000000.0 and nan.
		{FloatList([]float64{1, -0.5, 2e10, math.NaN()}), "[1.0, -0.5, 20000000000.0, nan]"},
		{FloatList(nil), "[]"},
		{NumpyInts([]int{0, 3}), "[0 3]"},
		{NumpyFloats([]float64{0.5, 1}), "[0.5 1.0]"},
		{Bool(true) + " " + Bool(false), "True False"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}
