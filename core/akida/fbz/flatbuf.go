package fbz

import (
	"encoding/binary"
	"fmt"
	"math"
)

// A bounds-checked FlatBuffers reader. The generated accessors of the
// FlatBuffers runtime trust the buffer and panic on a bad offset; the
// decoder reads through these functions instead, which check every
// uoffset, soffset, vtable, field and vector length against the buffer
// before touching the bytes they point to, and return an error naming the
// offset.

// table is a verified FlatBuffers table: its vtable and its extent lie
// inside buf.
type table struct {
	buf    []byte
	pos    int // start of the table (its soffset to the vtable)
	vt     int // start of the vtable
	vtSize int // vtable size in bytes (4 + 2 per field slot)
	size   int // table size in bytes, from the vtable
}

// tableAt verifies the table starting at pos.
func tableAt(buf []byte, pos int) (table, error) {
	if pos < 0 || pos > len(buf)-4 {
		return table{}, fmt.Errorf("a table at byte %d lies outside the %d-byte payload", pos, len(buf))
	}
	vt := int64(pos) - int64(int32(binary.LittleEndian.Uint32(buf[pos:])))
	if vt < 0 || vt > int64(len(buf)-4) {
		return table{}, fmt.Errorf("the table at byte %d has its vtable at byte %d, outside the payload", pos, vt)
	}
	t := table{buf: buf, pos: pos, vt: int(vt)}
	t.vtSize = int(binary.LittleEndian.Uint16(buf[t.vt:]))
	t.size = int(binary.LittleEndian.Uint16(buf[t.vt+2:]))
	if t.vtSize < 4 || t.vtSize%2 != 0 || t.vt+t.vtSize > len(buf) {
		return table{}, fmt.Errorf("the vtable at byte %d declares %d bytes, which do not fit the payload", t.vt, t.vtSize)
	}
	if t.size < 4 || pos+t.size > len(buf) {
		return table{}, fmt.Errorf("the table at byte %d declares %d bytes, which do not fit the payload", pos, t.size)
	}
	return t, nil
}

// field returns the position of field id's value, size bytes long, and
// whether the table has the field (absent fields take their default).
func (t table) field(id, size int) (int, bool, error) {
	slot := 4 + 2*id
	if slot+2 > t.vtSize {
		return 0, false, nil
	}
	off := int(binary.LittleEndian.Uint16(t.buf[t.vt+slot:]))
	if off == 0 {
		return 0, false, nil
	}
	if off < 4 || off+size > t.size {
		return 0, false, fmt.Errorf("field %d of the table at byte %d lies outside the table's %d bytes", id, t.pos, t.size)
	}
	return t.pos + off, true, nil
}

func (t table) uint8(id int, def uint8) (uint8, error) {
	p, ok, err := t.field(id, 1)
	if !ok || err != nil {
		return def, err
	}
	return t.buf[p], nil
}

func (t table) int8(id int, def int8) (int8, error) {
	v, err := t.uint8(id, uint8(def))
	return int8(v), err
}

func (t table) uint32(id int, def uint32) (uint32, error) {
	p, ok, err := t.field(id, 4)
	if !ok || err != nil {
		return def, err
	}
	return binary.LittleEndian.Uint32(t.buf[p:]), nil
}

func (t table) int32(id int, def int32) (int32, error) {
	v, err := t.uint32(id, uint32(def))
	return int32(v), err
}

func (t table) float64(id int, def float64) (float64, error) {
	p, ok, err := t.field(id, 8)
	if !ok || err != nil {
		return def, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(t.buf[p:])), nil
}

// ref follows the uoffset stored in field id and returns the position it
// points to, which lies inside the payload.
func (t table) ref(id int) (int, bool, error) {
	p, ok, err := t.field(id, 4)
	if !ok || err != nil {
		return 0, false, err
	}
	target, err := follow(t.buf, p)
	return target, err == nil, err
}

// follow reads the uoffset at p and returns the position it points to.
func follow(buf []byte, p int) (int, error) {
	target := int64(p) + int64(binary.LittleEndian.Uint32(buf[p:]))
	if target >= int64(len(buf)) {
		return 0, fmt.Errorf("the offset at byte %d points to byte %d, past the end of the %d-byte payload", p, target, len(buf))
	}
	return int(target), nil
}

// subtable returns the table field id refers to.
func (t table) subtable(id int) (table, bool, error) {
	p, ok, err := t.ref(id)
	if !ok || err != nil {
		return table{}, false, err
	}
	sub, err := tableAt(t.buf, p)
	return sub, err == nil, err
}

// vectorAt verifies the vector starting at p: its uint32 length, then n
// elements of elemSize bytes, all inside the payload. It returns the
// position of the first element and n.
func vectorAt(buf []byte, p, elemSize int) (start, n int, err error) {
	if p > len(buf)-4 {
		return 0, 0, fmt.Errorf("a vector at byte %d lies outside the %d-byte payload", p, len(buf))
	}
	count := uint64(binary.LittleEndian.Uint32(buf[p:]))
	if count*uint64(elemSize) > uint64(len(buf)-p-4) {
		return 0, 0, fmt.Errorf("a vector at byte %d declares %d elements of %d bytes, which run past the end of the %d-byte payload", p, count, elemSize, len(buf))
	}
	return p + 4, int(count), nil
}

// vector returns the vector field id refers to.
func (t table) vector(id, elemSize int) (start, n int, ok bool, err error) {
	p, ok, err := t.ref(id)
	if !ok || err != nil {
		return 0, 0, false, err
	}
	start, n, err = vectorAt(t.buf, p, elemSize)
	return start, n, err == nil, err
}

// stringAt returns the bytes of the string starting at p.
func stringAt(buf []byte, p int) ([]byte, error) {
	start, n, err := vectorAt(buf, p, 1)
	if err != nil {
		return nil, err
	}
	return buf[start : start+n], nil
}

// string returns the string field id refers to.
func (t table) string(id int) ([]byte, bool, error) {
	p, ok, err := t.ref(id)
	if !ok || err != nil {
		return nil, false, err
	}
	s, err := stringAt(t.buf, p)
	return s, err == nil, err
}

// tableIn returns element i of a vector of tables starting at start.
func tableIn(buf []byte, start, i int) (table, error) {
	p, err := follow(buf, start+4*i)
	if err != nil {
		return table{}, err
	}
	return tableAt(buf, p)
}
