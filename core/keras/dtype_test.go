package keras

import "testing"

func TestIntDtype(t *testing.T) {
	for _, c := range []struct {
		dtype  string
		bits   int
		signed bool
		ok     bool
	}{
		{"uint8", 8, false, true}, {"int8", 8, true, true}, {"uint16", 16, false, true}, {"int16", 16, true, true},
		{"uint32", 32, false, true}, {"int32", 32, true, true}, {"int64", 64, true, true},
		{"float32", 0, false, false}, {"bfloat16", 0, false, false}, {"uint4", 0, false, false},
		{"uint", 0, false, false}, {"", 0, false, false}, {"bool", 0, false, false},
	} {
		bits, signed, ok := IntDtype(c.dtype)
		if bits != c.bits || signed != c.signed || ok != c.ok {
			t.Errorf("IntDtype(%q) = %d, %v, %v; want %d, %v, %v", c.dtype, bits, signed, ok, c.bits, c.signed, c.ok)
		}
	}
	for d, want := range map[string]bool{"float16": true, "float32": true, "float64": true, "bfloat16": true,
		"uint8": false, "int32": false, "": false} {
		if IsFloatDtype(d) != want {
			t.Errorf("IsFloatDtype(%q) = %v", d, !want)
		}
	}
}
