package hdf5

import (
	"bytes"
	"encoding/binary"
)

// localHeap is an old-style group's heap of link names (spec §III.D):
// "HEAP", version 0, data segment size and address.
type localHeap struct {
	start, end int // the data segment in the file
}

func (f *File) readLocalHeap(addr uint64) (localHeap, error) {
	c, err := f.cursorAt(addr, "local heap")
	if err != nil {
		return localHeap{}, err
	}
	c.signature("HEAP")
	v := c.u8()
	if c.err != nil {
		return localHeap{}, c.err
	}
	if v != 0 {
		return localHeap{}, formatErr(c.pos-1, "local heap: version %d is not 0", v)
	}
	c.skip(3)
	size := c.length()
	c.length() // free list head
	data := c.address()
	if c.err != nil {
		return localHeap{}, c.err
	}
	start, end, err := f.window(data, size, "local heap data segment")
	return localHeap{start, end}, err
}

// name returns the NUL-terminated string at offset off of the heap.
func (h localHeap) name(b []byte, off uint64) (string, error) {
	if off >= uint64(h.end-h.start) {
		return "", formatErr(h.start, "local heap: name offset %d is outside the %d-byte data segment", off, h.end-h.start)
	}
	s := b[h.start+int(off) : h.end]
	n := bytes.IndexByte(s, 0)
	if n < 0 {
		return "", formatErr(h.start+int(off), "local heap: name at offset %d has no terminating NUL", off)
	}
	return string(s[:n]), nil
}

// globalHeap is one parsed global heap collection ("GCOL", spec §III.E):
// the objects holding variable-length data, by index.
type globalHeap struct {
	addr    uint64
	objects map[uint16][2]int // index → file window [start, end)
}

func (f *File) readGlobalHeap(addr uint64) (*globalHeap, error) {
	c, err := f.cursorAt(addr, "global heap collection")
	if err != nil {
		return nil, err
	}
	start := c.pos
	c.signature("GCOL")
	v := c.u8()
	if c.err != nil {
		return nil, c.err
	}
	if v != 1 {
		return nil, formatErr(c.pos-1, "global heap collection: version %d is not 1", v)
	}
	c.skip(3)
	size := c.count(c.length(), c.end-start, "global heap collection size")
	if c.err != nil {
		return nil, c.err
	}
	c.end = start + size
	h := &globalHeap{addr: addr, objects: map[uint16][2]int{}}
	objHeader := 2 + 2 + 4 + c.lenSize
	for c.remaining() >= objHeader {
		index := c.u16()
		c.skip(2 + 4) // reference count, reserved
		size := c.length()
		if c.err != nil {
			return nil, c.err
		}
		if index == 0 { // free space (its size counts its header): the rest is unused
			break
		}
		n := c.count(size, c.remaining(), "global heap object size")
		if c.err != nil {
			return nil, c.err
		}
		objStart := c.pos
		c.skip(n)
		c.skip(min((8-n%8)%8, c.remaining())) // objects are padded to 8 bytes
		if c.err != nil {
			return nil, c.err
		}
		h.objects[index] = [2]int{objStart, objStart + n}
	}
	return h, c.err
}

// vlenReader resolves variable-length string references (length u32,
// collection address, object index u32), keeping the last collection so a
// list of strings parses each collection once.
type vlenReader struct {
	f    *File
	heap *globalHeap
}

// read returns the bytes of the string that ref (an element of a vlen
// string dataset or attribute, 8+offSize bytes, checked by the caller)
// points to; they are not copied.
func (r *vlenReader) read(ref []byte) ([]byte, error) {
	os := r.f.offSize
	length := binary.LittleEndian.Uint32(ref)
	addr := leUint(ref[4 : 4+os])
	if os < 8 && addr == 1<<(8*os)-1 {
		addr = undefinedAddress
	}
	index := binary.LittleEndian.Uint32(ref[4+os:])
	if length == 0 && (addr == 0 || addr == undefinedAddress) {
		return nil, nil // h5py writes empty strings without a heap object
	}
	if r.heap == nil || r.heap.addr != addr {
		h, err := r.f.readGlobalHeap(addr)
		if err != nil {
			return nil, err
		}
		r.heap = h
	}
	w, ok := r.heap.objects[uint16(index)]
	if !ok || index > 0xffff {
		return nil, formatErr(int(addr), "global heap collection at %#x has no object %d", addr, index)
	}
	if uint64(length) > uint64(w[1]-w[0]) {
		return nil, formatErr(w[0], "variable-length string of %d bytes is longer than its %d-byte heap object", length, w[1]-w[0])
	}
	return r.f.b[w[0] : w[0]+int(length)], nil
}
