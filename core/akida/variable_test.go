package akida

import (
	"slices"
	"testing"
)

func TestNewWeightsStoresOneBytePerElement(t *testing.T) {
	// A 4-bit FullyConnected kernel (x, y, inputs, units) = (1, 1, 3, 2):
	// one byte per weight, two's complement, not packed (fbz-format.md §4).
	v, err := NewWeights("weights", []int{1, 1, 3, 2}, []int8{-8, 7, 0, -1, 3, -3}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if v.Type != Int4 || v.Type.String() != "int4" || v.Len() != 6 {
		t.Errorf("type %v (%d), len %d; want int4 (7), 6", v.Type, v.Type, v.Len())
	}
	if want := []byte{0xf8, 0x07, 0x00, 0xff, 0x03, 0xfd}; string(v.Data) != string(want) {
		t.Errorf("data % x, want % x", v.Data, want)
	}
	back, err := v.Int8s()
	if err != nil || !slices.Equal(back, []int8{-8, 7, 0, -1, 3, -3}) {
		t.Errorf("Int8s() = %v, %v", back, err)
	}
	if err := v.Check(); err != nil {
		t.Errorf("Check() = %v", err)
	}
}

func TestNewWeightsRejects(t *testing.T) {
	cases := []struct {
		name   string
		shape  []int
		values []int8
		bits   int
		want   string
	}{
		{"4-bit overflow", []int{2}, []int8{7, 8}, 4, `variable "w": value 8 at index 1 does not fit 4-bit weights (-8…7)`},
		{"1-bit negative", []int{2}, []int8{1, -1}, 1, `variable "w": value -1 at index 1 does not fit 1-bit weights (0…1)`},
		{"3 bits", []int{1}, []int8{1}, 3, `variable "w": weights of 3 bits have no Akida element type: use 1, 2, 4 or 8 bits`},
		{"count", []int{2, 2}, []int8{1, 2, 3}, 8, `variable "w": shape [2 2] holds 4 elements, but 3 values were given`},
	}
	for _, tc := range cases {
		_, err := NewWeights("w", tc.shape, tc.values, tc.bits)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestTypedVariablesRoundTrip(t *testing.T) {
	th, err := NewInt32s("threshold", []int{3}, []int32{-5, 0, 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0xfb, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x10, 0}; string(th.Data) != string(want) {
		t.Errorf("int32 data % x, want % x (little-endian)", th.Data, want)
	}
	if got, err := th.Int32s(); err != nil || !slices.Equal(got, []int32{-5, 0, 1 << 20}) {
		t.Errorf("Int32s() = %v, %v", got, err)
	}
	step, err := NewFloat32s("act_step", []int{2}, []float32{1, 0.0625})
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3d}; string(step.Data) != string(want) {
		t.Errorf("float32 data % x, want % x", step.Data, want)
	}
	if got, err := step.Float32s(); err != nil || !slices.Equal(got, []float32{1, 0.0625}) {
		t.Errorf("Float32s() = %v, %v", got, err)
	}
	sh, _ := NewUint8s("bias_shift", []int{2}, []uint8{0, 255})
	if got, err := sh.Uint8s(); err != nil || !slices.Equal(got, []uint8{0, 255}) || sh.Type.Verified() {
		t.Errorf("Uint8s() = %v, %v, verified %v", got, err, sh.Type.Verified())
	}
	a, _ := NewInt16s("A_real", []int{2}, []int16{-300, 300})
	if got, err := a.Int16s(); err != nil || !slices.Equal(got, []int16{-300, 300}) {
		t.Errorf("Int16s() = %v, %v", got, err)
	}

	if _, err := th.Float32s(); err == nil || err.Error() != `variable "threshold" holds int32 elements, not float32` {
		t.Errorf("Float32s on int32: %v", err)
	}
	if _, err := step.Int8s(); err == nil || err.Error() != `variable "act_step" holds float32 elements, not one-byte weights` {
		t.Errorf("Int8s on float32: %v", err)
	}
}

func TestVariableCheck(t *testing.T) {
	for _, tc := range []struct {
		v    Variable
		want string
	}{
		{Variable{Name: "w", Type: Int32, Shape: []int{2}, Data: make([]byte, 8)}, ""},
		{Variable{Name: "w", Type: Int32, Shape: []int{3}, Data: make([]byte, 8)}, "shape [3] of int32 needs 12 bytes, but the data holds 8 bytes"},
		{Variable{Name: "w", Type: 9, Shape: []int{1}, Data: make([]byte, 1)}, "element type code 9 is not one this program knows (0–7)"},
		{Variable{Name: "w", Type: Int8, Shape: []int{-1}}, "shape [-1] has a dimension outside 0…2147483647"},
		// Huge dimensions must not overflow into a false match.
		{Variable{Name: "w", Type: Int8, Shape: []int{1<<31 - 1, 1<<31 - 1, 1<<31 - 1}, Data: make([]byte, 1)},
			"shape [2147483647 2147483647 2147483647] of int8 needs an impossible number of bytes, but the data holds 1 bytes"},
		{Variable{Name: "w", Type: Int8, Shape: []int{0, 1 << 30}}, ""},
	} {
		err := tc.v.Check()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("Check(%v %v, %d bytes) = %q, want %q", tc.v.Type, tc.v.Shape, len(tc.v.Data), got, tc.want)
		}
	}
}

func TestElementTypeCodes(t *testing.T) {
	// The codes seen in real files (fbz-format.md §4) are verified, the
	// others are choices.
	for code, want := range map[ElementType]struct {
		name     string
		size     int
		verified bool
	}{
		0: {"int32", 4, true}, 1: {"float32", 4, true}, 2: {"uint8", 1, false}, 3: {"int8", 1, true},
		4: {"int16", 2, false}, 5: {"int2", 1, false}, 6: {"bit", 1, true}, 7: {"int4", 1, true},
	} {
		if code.String() != want.name || code.Size() != want.size || code.Verified() != want.verified {
			t.Errorf("code %d: %s size %d verified %v, want %+v", uint8(code), code, code.Size(), code.Verified(), want)
		}
	}
	if ElementType(8).Known() || ElementType(8).String() != "ElementType(8)" {
		t.Errorf("code 8: known %v, name %s", ElementType(8).Known(), ElementType(8))
	}
}
