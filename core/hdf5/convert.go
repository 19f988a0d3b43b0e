package hdf5

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/half"
)

// This file turns stored elements (raw bytes in the file's byte order) into
// Go values. Datasets and attributes share it.

// decodeFloat32s converts n = len(dst) numeric elements. The little-endian
// float32 case is the one Keras weights use, so it has its own loop.
func decodeFloat32s(dst []float32, raw []byte, t Datatype) {
	if t.Class == Float && t.Size == 4 && !t.BigEndian {
		littleEndianFloat32s(dst, raw)
		return
	}
	switch {
	case t.Class == Float && t.Size == 4:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.BigEndian.Uint32(raw[4*i:]))
		}
	case t.Class == Float && t.Size == 2:
		for i := range dst {
			dst[i] = half.Float32(order(t).Uint16(raw[2*i:]))
		}
	default:
		for i := range dst {
			dst[i] = float32(element(raw[i*t.Size:], t))
		}
	}
}

// decodeLittleEndianFloat32s is the portable loop: reslicing src to
// exactly 4*len(dst) bytes lets the compiler drop the bounds checks.
// littleEndianFloat32s (float32_le.go, float32_be.go) uses it on
// big-endian hosts.
func decodeLittleEndianFloat32s(dst []float32, src []byte) {
	src = src[:4*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

// decodeFloat64s converts numeric elements to float64.
func decodeFloat64s(dst []float64, raw []byte, t Datatype) {
	for i := range dst {
		dst[i] = element(raw[i*t.Size:], t)
	}
}

// element decodes one numeric element as float64.
func element(p []byte, t Datatype) float64 {
	o := order(t)
	switch t.Class {
	case Float:
		switch t.Size {
		case 2:
			return float64(half.Float32(o.Uint16(p)))
		case 4:
			return float64(math.Float32frombits(o.Uint32(p)))
		default:
			return math.Float64frombits(o.Uint64(p))
		}
	default:
		v := integer(p, t)
		if t.Signed {
			return float64(int64(v))
		}
		return float64(v)
	}
}

// integer reads one integer element, sign-extended to 64 bits if signed.
func integer(p []byte, t Datatype) uint64 {
	o := order(t)
	var v uint64
	switch t.Size {
	case 1:
		v = uint64(p[0])
	case 2:
		v = uint64(o.Uint16(p))
	case 4:
		v = uint64(o.Uint32(p))
	default:
		v = o.Uint64(p)
	}
	if shift := 64 - 8*uint(t.Size); t.Signed && shift > 0 {
		v = uint64(int64(v<<shift) >> shift)
	}
	return v
}

// decodeInt64s converts integer elements; an unsigned 64-bit value above
// MaxInt64 does not fit and is an error.
func decodeInt64s(dst []int64, raw []byte, t Datatype) error {
	for i := range dst {
		v := integer(raw[i*t.Size:], t)
		if !t.Signed && v > math.MaxInt64 {
			return fmt.Errorf("element %d, %d, does not fit in an int64", i, v)
		}
		dst[i] = int64(v)
	}
	return nil
}

func order(t Datatype) binary.ByteOrder {
	if t.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// decodeStrings reads n string elements: fixed-length ones trimmed by
// their padding, variable-length ones from the global heap.
func decodeStrings(f *File, raw []byte, n int, t Datatype) ([]string, error) {
	out := make([]string, n)
	vlen := vlenReader{f: f}
	for i := range out {
		p := raw[i*t.Size : (i+1)*t.Size]
		if t.VarLen {
			s, err := vlen.read(p)
			if err != nil {
				return nil, err
			}
			out[i] = string(s) // the stored length delimits it: no padding to trim
			continue
		}
		out[i] = string(trimString(p, t.Pad))
	}
	return out, nil
}

// trimString applies a string's padding rule as h5py does: null-terminated
// strings end at the first NUL; null- and space-padded strings lose their
// trailing NULs or spaces.
func trimString(p []byte, pad StringPad) []byte {
	switch pad {
	case NullTerm:
		if i := bytes.IndexByte(p, 0); i >= 0 {
			return p[:i]
		}
	case NullPad:
		return bytes.TrimRight(p, "\x00")
	case SpacePad:
		return bytes.TrimRight(p, " ")
	}
	return p
}
