// Package npy reads and writes NumPy .npy arrays (format versions 1.0–3.0):
// the batches users give to `cnn2snn predict`, the calibration samples of
// the quantizer and the reference outputs of the tests.
//
// Only C-order arrays of plain numbers are supported: booleans, integers of
// 1, 2, 4 and 8 bytes and floats of 2, 4 and 8 bytes, in either byte order.
// Anything else is an error that says what the file holds.
package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/half"
)

// magic starts every .npy file.
const magic = "\x93NUMPY"

// damaged ends the errors for bytes that do not follow the format.
const damaged = "; the file is damaged or truncated: save the array again with numpy.save"

// maxElements bounds what a header may claim before the data is checked
// against the input size, so a hostile header cannot force a huge allocation.
const maxElements = 1 << 31

// Array is one decoded array. Data holds the element bytes as stored
// (C order, in the byte order of Descr).
type Array struct {
	Shape []int
	Descr string // NumPy type string, e.g. "<f4", "|u1"
	Data  []byte
}

// Len is the number of elements.
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// elementCount is the product of shape, or false when it exceeds
// maxElements. Each dimension is at most maxElements, but the product of a
// hostile header's dimensions could still wrap around to a small number
// (2^31 · 2^31 · 4 is 0 in an int64) and pass for an empty array.
func elementCount(shape []int) (int, bool) {
	if slices.Contains(shape, 0) {
		return 0, true
	}
	n := 1
	for _, d := range shape {
		if n > maxElements/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// dtype is what a descr string says about the elements.
type dtype struct {
	kind      byte // 'f' float, 'i' signed, 'u' unsigned, 'b' bool
	size      int
	bigEndian bool
}

func parseDescr(descr string) (dtype, error) {
	t, ok := descrType(descr)
	if !ok {
		return dtype{}, fmt.Errorf("npy: unsupported element type %q: only numbers (bool, int8–int64, uint8–uint64, float16–float64) are supported", descr)
	}
	return t, nil
}

// descrType reads a type string such as "<f4": byte order, kind, size.
func descrType(descr string) (dtype, bool) {
	if len(descr) < 3 {
		return dtype{}, false
	}
	var t dtype
	switch descr[0] {
	case '<', '|', '=':
	case '>':
		t.bigEndian = true
	default:
		return dtype{}, false
	}
	t.kind = descr[1]
	size, err := strconv.Atoi(descr[2:])
	if err != nil {
		return dtype{}, false
	}
	t.size = size
	switch t.kind {
	case 'f':
		return t, size == 2 || size == 4 || size == 8
	case 'i', 'u':
		return t, size == 1 || size == 2 || size == 4 || size == 8
	case 'b':
		return t, size == 1
	}
	return dtype{}, false
}

// Decode parses a .npy file held in b. The returned Array's Data aliases b.
func Decode(b []byte) (*Array, error) {
	if len(b) < 10 || string(b[:6]) != magic {
		return nil, errors.New("npy: not a NumPy .npy file (the file does not start with \\x93NUMPY); save arrays with numpy.save")
	}
	major := b[6]
	var headerLen, start int
	switch major {
	case 1:
		headerLen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, errors.New("npy: truncated header" + damaged)
		}
		hl := binary.LittleEndian.Uint32(b[8:12])
		if hl > uint32(len(b)) {
			return nil, errors.New("npy: truncated header" + damaged)
		}
		headerLen, start = int(hl), 12
	default:
		return nil, fmt.Errorf("npy: unsupported format version %d.%d; save the array with numpy.save, which writes versions 1.0 to 3.0", major, b[7])
	}
	if start+headerLen > len(b) {
		return nil, errors.New("npy: truncated header" + damaged)
	}
	a, err := parseHeader(string(b[start : start+headerLen]))
	if err != nil {
		return nil, err
	}
	t, err := parseDescr(a.Descr)
	if err != nil {
		return nil, err
	}
	data := b[start+headerLen:]
	n, ok := elementCount(a.Shape)
	if !ok || n > len(data)/t.size+1 {
		return nil, fmt.Errorf("npy: the header claims shape %v but the file holds only %d data bytes"+damaged, a.Shape, len(data))
	}
	if len(data) < n*t.size {
		return nil, fmt.Errorf("npy: truncated data: shape %v needs %d bytes, the file holds %d"+damaged, a.Shape, n*t.size, len(data))
	}
	a.Data = data[:n*t.size]
	return a, nil
}

// parseHeader reads the Python dict literal of the header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
func parseHeader(h string) (*Array, error) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "{") || !strings.HasSuffix(h, "}") {
		return nil, fmt.Errorf("npy: malformed header %q"+damaged, h)
	}
	descr, err := headerValue(h, "descr")
	if err != nil {
		return nil, err
	}
	fortran, err := headerValue(h, "fortran_order")
	if err != nil {
		return nil, err
	}
	shape, err := headerValue(h, "shape")
	if err != nil {
		return nil, err
	}
	if fortran != "False" {
		return nil, errors.New("npy: Fortran-order arrays are not supported; save a C-order array (numpy.ascontiguousarray)")
	}
	if len(descr) < 2 || (descr[0] != '\'' && descr[0] != '"') || descr[len(descr)-1] != descr[0] {
		return nil, fmt.Errorf("npy: unsupported element type %s (structured arrays are not supported)", descr)
	}
	a := &Array{Descr: descr[1 : len(descr)-1]}
	if !strings.HasPrefix(shape, "(") || !strings.HasSuffix(shape, ")") {
		return nil, fmt.Errorf("npy: malformed shape %q"+damaged, shape)
	}
	for _, f := range strings.Split(shape[1:len(shape)-1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(strings.TrimSuffix(f, "L"))
		if err != nil || d < 0 || d > maxElements {
			return nil, fmt.Errorf("npy: malformed shape %q"+damaged, shape)
		}
		a.Shape = append(a.Shape, d)
	}
	if a.Shape == nil {
		a.Shape = []int{}
	}
	return a, nil
}

// headerValue returns the literal that follows 'key': in the header dict.
// Values are a quoted string, a bare word or a parenthesised tuple.
func headerValue(h, key string) (string, error) {
	i := strings.Index(h, "'"+key+"'")
	if i < 0 {
		i = strings.Index(h, `"`+key+`"`)
	}
	if i < 0 {
		return "", fmt.Errorf("npy: header has no %q entry"+damaged, key)
	}
	rest := strings.TrimSpace(h[i+len(key)+2:])
	if !strings.HasPrefix(rest, ":") {
		return "", fmt.Errorf("npy: malformed header near %q"+damaged, key)
	}
	rest = strings.TrimSpace(rest[1:])
	if rest == "" {
		return "", fmt.Errorf("npy: malformed header near %q"+damaged, key)
	}
	var end int
	switch rest[0] {
	case '(':
		end = strings.IndexByte(rest, ')') + 1
	case '[':
		end = strings.LastIndexByte(rest, ']') + 1
	case '\'', '"':
		end = strings.IndexByte(rest[1:], rest[0]) + 2
	default:
		end = strings.IndexAny(rest, ",}")
	}
	if end <= 0 {
		return "", fmt.Errorf("npy: malformed header near %q"+damaged, key)
	}
	return strings.TrimSpace(rest[:end]), nil
}

// Float32s converts every element to float32.
func (a *Array) Float32s() ([]float32, error) {
	t, err := parseDescr(a.Descr)
	if err != nil {
		return nil, err
	}
	n := a.Len()
	out := make([]float32, n)
	var order binary.ByteOrder = binary.LittleEndian
	if t.bigEndian {
		order = binary.BigEndian
	}
	for i := 0; i < n; i++ {
		e := a.Data[i*t.size : (i+1)*t.size]
		out[i] = elementFloat(t, order, e)
	}
	return out, nil
}

func elementFloat(t dtype, order binary.ByteOrder, e []byte) float32 {
	switch t.kind {
	case 'f':
		switch t.size {
		case 2:
			return half.Float32(order.Uint16(e))
		case 4:
			return math.Float32frombits(order.Uint32(e))
		default:
			return float32(math.Float64frombits(order.Uint64(e)))
		}
	case 'i':
		switch t.size {
		case 1:
			return float32(int8(e[0]))
		case 2:
			return float32(int16(order.Uint16(e)))
		case 4:
			return float32(int32(order.Uint32(e)))
		default:
			return float32(int64(order.Uint64(e)))
		}
	default: // 'u', 'b'
		switch t.size {
		case 1:
			return float32(e[0])
		case 2:
			return float32(order.Uint16(e))
		case 4:
			return float32(order.Uint32(e))
		default:
			return float32(order.Uint64(e))
		}
	}
}

// Encode writes a version 1.0 .npy file. descr is the NumPy type string of
// data's element bytes ("<f4", "|u1", "<i4", ...).
func Encode(w io.Writer, descr string, shape []int, data []byte) error {
	t, err := parseDescr(descr)
	if err != nil {
		return err
	}
	n, ok := elementCount(shape)
	if !ok {
		return fmt.Errorf("npy: shape %v has more than %d elements, which Decode would refuse", shape, maxElements)
	}
	if n*t.size != len(data) {
		return fmt.Errorf("npy: shape %v of %s needs %d bytes, got %d", shape, descr, n*t.size, len(data))
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	shapeText := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		shapeText += ","
	}
	shapeText += ")"
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shapeText)
	// Pad with spaces so that the data starts on a 64-byte boundary; the
	// header ends with a newline, as numpy writes it.
	total := len(magic) + 4 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	buf := make([]byte, 0, len(magic)+4+len(header))
	buf = append(buf, magic...)
	buf = append(buf, 1, 0)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(header)))
	buf = append(buf, header...)
	if _, err := w.Write(buf); err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// EncodeFloat32 writes float32 values as a little-endian "<f4" array.
func EncodeFloat32(w io.Writer, shape []int, values []float32) error {
	data := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	return Encode(w, "<f4", shape, data)
}
