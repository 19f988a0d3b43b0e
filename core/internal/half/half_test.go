package half

import (
	"math"
	"testing"
)

func TestFloat32(t *testing.T) {
	for h, want := range map[uint16]float32{
		0x0000: 0, 0x3c00: 1, 0xc000: -2, 0x3800: 0.5, 0x7bff: 65504, 0x0400: 6.1035156e-05,
		0x0001: 5.9604645e-08, 0x8001: -5.9604645e-08, 0x3555: 0.33325195,
	} {
		if got := Float32(h); got != want {
			t.Errorf("Float32(%#04x) = %g, want %g", h, got, want)
		}
	}
	if got := Float32(0x7c00); !math.IsInf(float64(got), 1) {
		t.Errorf("Float32(0x7c00) = %g, want +Inf", got)
	}
	if got := Float32(0xfc00); !math.IsInf(float64(got), -1) {
		t.Errorf("Float32(0xfc00) = %g, want -Inf", got)
	}
	if got := Float32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("Float32(0x7e00) = %g, want NaN", got)
	}
	if got := math.Float32bits(Float32(0x8000)); got != 0x80000000 {
		t.Errorf("Float32(0x8000) bits %#x, want -0", got)
	}
}
