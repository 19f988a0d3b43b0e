package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// layoutMessages are valid data layout messages of every version and
// class, for 8-byte addresses and lengths: each is cut at every length
// below.
var layoutMessages = map[string][]byte{
	"v3 chunked": {3, 2, 3, 0x40, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0},
	"v4 single chunk": {4, 2, 0x02, 3, 1, 8, 4, 4, 1,
		0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0},
	"v3 contiguous": {3, 1, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0},
	"v3 compact":    {3, 0, 4, 0, 1, 2, 3, 4},
	"v1 chunked":    {1, 3, 2, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0},
	"v1 compact":    {1, 2, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 9, 9, 9, 9},
}

// Every prefix of a data layout message gives a FormatError about the
// message (the cursor's "needs N bytes", or a size larger than what is
// left), never a panic or another error: a value read after the cursor
// failed is not used. Before issue 13 a version 3 chunked
// message cut after its class byte read its rank as 0 − 1 and allocated a
// slice of length −1 (makeslice: len out of range); testdata/fuzz/FuzzOpen
// keeps that crasher as a whole file.
func TestLayoutCutAnywhere(t *testing.T) {
	for name, msg := range layoutMessages {
		f := &File{b: msg, offSize: 8, lenSize: 8}
		c := f.cursor(0, len(msg), "data layout message")
		if _, err := parseLayout(&c); err != nil {
			t.Fatalf("%s: the whole message: %v", name, err)
		}
		for n := range len(msg) {
			f := &File{b: msg[:n], offSize: 8, lenSize: 8}
			c := f.cursor(0, n, "data layout message")
			_, err := parseLayout(&c)
			var fe *FormatError
			if !errors.As(err, &fe) || !strings.HasPrefix(fe.Msg, "data layout message: ") || fe.Offset > int64(n) {
				t.Errorf("%s cut at %d bytes: %v, want a FormatError about the message", name, n, err)
			}
		}
	}
	// The crasher itself, to the letter.
	msg := layoutMessages["v3 chunked"][:2]
	f := &File{b: msg, offSize: 8, lenSize: 8}
	c := f.cursor(0, 2, "data layout message")
	_, err := parseLayout(&c)
	want := "hdf5: at offset 0x2: data layout message: needs 1 bytes but only 0 remain; the file is truncated or damaged"
	if err == nil || err.Error() != want {
		t.Errorf("v3 chunked cut after its class: %v, want %q", err, want)
	}
}

// layoutCutAfterClass is chunked.h5 with the layout message of f32_3d
// (version 3, chunked) shortened to its version and class bytes; a NIL
// message fills the rest, so the object header stays valid. It is the
// seed testdata/fuzz/FuzzOpen/layout_v3_cut_after_class.
func layoutCutAfterClass(t *testing.T) []byte {
	t.Helper()
	return patched(t, "chunked.h5", func(f *File, b []byte) {
		d := mustDataset(t, f, "f32_3d")
		m, _ := d.oh.find(msgLayout)
		if b[m.start] != 3 || b[m.start+1] != chunkedLayout {
			t.Fatalf("f32_3d's layout message is version %d class %d, want 3 and 2", b[m.start], b[m.start+1])
		}
		size := m.end - m.start
		binary.LittleEndian.PutUint16(b[m.start-6:], 2) // the v1 message header: type u16, size u16, flags, reserved
		binary.LittleEndian.PutUint16(b[m.start+2:], msgNIL)
		binary.LittleEndian.PutUint16(b[m.start+4:], uint16(size-2-8))
	})
}

func TestLayoutCutAfterClassSeed(t *testing.T) {
	b := layoutCutAfterClass(t)
	want := "hdf5: at offset 0x%x: dataset /f32_3d: data layout message: needs 1 bytes but only 0 remain; the file is truncated or damaged"
	f, err := Open(b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Root().Dataset("f32_3d")
	var fe *FormatError
	if !errors.As(err, &fe) || err.Error() != fmt.Sprintf(want, fe.Offset) {
		t.Fatalf("Dataset(f32_3d) = %v, want %q", err, want)
	}
	seed, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzOpen", "layout_v3_cut_after_class"))
	if err != nil {
		t.Fatal(err)
	}
	if string(seed) != fuzzSeed(b) {
		t.Errorf("testdata/fuzz/FuzzOpen/layout_v3_cut_after_class is not layoutCutAfterClass's file; write it again with fuzzSeed")
	}
}

// fuzzSeed encodes one []byte input in the "go test fuzz v1" format.
func fuzzSeed(b []byte) string {
	return "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
}
