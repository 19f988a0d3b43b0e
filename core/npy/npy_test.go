package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The files in testdata were written by numpy (testdata/make.py).
func TestDecodeNumpyFiles(t *testing.T) {
	cases := []struct {
		file  string
		descr string
		shape []int
		want  []float32
	}{
		{"f4_2x3.npy", "<f4", []int{2, 3}, []float32{0, 0.25, 0.5, 0.75, 1, 1.25}},
		{"u1_1x2x2x1.npy", "|u1", []int{1, 2, 2, 1}, []float32{0, 7, 200, 255}},
		{"f8be_3.npy", ">f8", []int{3}, []float32{1.5, -2.25, 1e10}},
		{"i2_scalar.npy", "<i2", []int{}, []float32{-300}},
		{"f2_4.npy", "<f2", []int{4}, []float32{0.5, -1, 65504, 5.9604645e-08}},
		{"v2_i4.npy", "<i4", []int{3}, []float32{1, -2, 3}},
	}
	for _, c := range cases {
		a, err := Decode(read(t, c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if a.Descr != c.descr || !reflect.DeepEqual(a.Shape, c.shape) {
			t.Errorf("%s: descr %q shape %v, want %q %v", c.file, a.Descr, a.Shape, c.descr, c.shape)
		}
		got, err := a.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: values %v, want %v", c.file, got, c.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	f4 := read(t, "f4_2x3.npy")
	cases := map[string]struct {
		data []byte
		want string
	}{
		"fortran":    {read(t, "fortran.npy"), "npy: Fortran-order arrays are not supported; save a C-order array (numpy.ascontiguousarray)"},
		"structured": {read(t, "structured.npy"), "npy: unsupported element type [('a', '<f4'), ('b', '<i4')] (structured arrays are not supported)"},
		"not npy":    {[]byte("\x89HDF\r\n\x1a\n........"), "npy: not a NumPy .npy file (the file does not start with \\x93NUMPY); save arrays with numpy.save"},
		"empty":      {nil, "npy: not a NumPy .npy file"},
		"truncated":  {f4[:len(f4)-1], "npy: truncated data: shape [2 3] needs 24 bytes, the file holds 23; the file is damaged or truncated: save the array again with numpy.save"},
		"header cut": {f4[:40], "npy: truncated header"},
		"huge shape": {[]byte(strings.Replace(string(f4), "(2, 3)", "(9999999999999, 3)", 1)), "npy: malformed shape"},
		"complex": {version1("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 8),
			`npy: unsupported element type "<c8": only numbers (bool, int8–int64, uint8–uint64, float16–float64) are supported`},
		"version 4": {append([]byte(magic+"\x04\x00"), f4[8:]...),
			"npy: unsupported format version 4.0; save the array with numpy.save, which writes versions 1.0 to 3.0"},
		// 2^31 · 2^31 · 4 elements wrap around to 0 in an int.
		"wrapping shape": {version1("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 2147483648, 4), }", 8),
			"npy: the header claims shape [2147483648 2147483648 4] but the file holds only 8 data bytes; the file is damaged or truncated: save the array again with numpy.save"},
	}
	for name, c := range cases {
		_, err := Decode(c.data)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: error %v, want prefix %q", name, err, c.want)
		}
	}
}

// version1 builds a format 1.0 file from a header and n zero data bytes.
func version1(header string, n int) []byte {
	b := []byte(magic + "\x01\x00")
	b = append(b, byte(len(header)), byte(len(header)>>8))
	b = append(b, header...)
	return append(b, make([]byte, n)...)
}

func TestEncodeMatchesNumpy(t *testing.T) {
	var buf bytes.Buffer
	if err := EncodeFloat32(&buf, []int{2, 3}, []float32{0, 0.25, 0.5, 0.75, 1, 1.25}); err != nil {
		t.Fatal(err)
	}
	if want := read(t, "f4_2x3.npy"); !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("EncodeFloat32 wrote\n%q\nnumpy wrote\n%q", buf.Bytes(), want)
	}
	buf.Reset()
	if err := Encode(&buf, "|u1", []int{1, 2, 2, 1}, []byte{0, 7, 200, 255}); err != nil {
		t.Fatal(err)
	}
	if want := read(t, "u1_1x2x2x1.npy"); !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Encode |u1 differs from numpy")
	}
	if err := Encode(&buf, "<f4", []int{3}, []byte{1}); err == nil {
		t.Error("Encode accepted data of the wrong length")
	}
	if err := Encode(&buf, "<f4", []int{1 << 31, 1 << 31, 4}, nil); err == nil || err.Error() != "npy: shape [2147483648 2147483648 4] has more than 2147483648 elements, which Decode would refuse" {
		t.Errorf("Encode of a shape whose size wraps around: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"f4_2x3.npy", "u1_1x2x2x1.npy", "f8be_3.npy", "v2_i4.npy", "f2_4.npy"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Decode(b)
		if err != nil {
			return
		}
		if _, err := a.Float32s(); err != nil {
			t.Fatalf("decoded but cannot convert: %v", err)
		}
	})
}
