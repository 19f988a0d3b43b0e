package hdf5

import (
	"math/bits"
)

// fractalHeap is a fractal heap header ("FRHP", spec §III.G): the storage
// of dense links and dense attributes. Objects are found by heap IDs kept
// in a v2 B-tree.
type fractalHeap struct {
	f            *File
	addr         uint64
	idLen        int
	filtered     bool   // I/O filters on direct blocks: unsupported
	hugeBTree    uint64 // v2 B-tree of huge objects
	width        int    // doubling table width (blocks per row)
	startBlock   uint64 // size of the blocks in rows 0 and 1
	maxDirect    uint64 // largest direct block
	offsetBytes  int    // bytes of a heap offset: ceil(max heap size bits / 8)
	lengthBytes  int    // bytes of an object length in a managed heap ID
	rootAddr     uint64
	rootRows     int // 0: the root is a direct block
	maxDirectRow int // rows below this hold direct blocks
}

func (f *File) readFractalHeap(addr uint64) (*fractalHeap, error) {
	c, err := f.cursorAt(addr, "fractal heap header")
	if err != nil {
		return nil, err
	}
	h := &fractalHeap{f: f, addr: addr}
	c.signature("FRHP")
	version := c.u8()
	h.idLen = int(c.u16())
	filterLen := c.u16()
	c.skip(1) // flags: huge IDs wrapped, direct blocks checksummed (not verified)
	maxManaged := c.u32()
	c.length() // next huge object ID
	h.hugeBTree = c.address()
	c.length()  // free space in managed blocks
	c.address() // free-space manager
	c.length()  // managed space
	c.length()  // allocated managed space
	c.length()  // direct block allocation iterator offset
	c.length()  // managed objects
	c.length()  // huge objects size
	c.length()  // huge objects count
	c.length()  // tiny objects size
	c.length()  // tiny objects count
	h.width = int(c.u16())
	h.startBlock = c.length()
	h.maxDirect = c.length()
	maxHeapBits := int(c.u16())
	c.u16() // starting rows of the root indirect block
	h.rootAddr = c.address()
	h.rootRows = int(c.u16())
	if c.err != nil {
		return nil, c.err
	}
	h.filtered = filterLen > 0
	switch {
	case version != 0:
		return nil, formatErr(c.pos, "fractal heap at %#x: version %d is not 0", addr, version)
	case h.idLen < 2 || h.idLen > 4096:
		return nil, formatErr(c.pos, "fractal heap at %#x: heap ID length %d", addr, h.idLen)
	case h.width == 0 || h.width&(h.width-1) != 0 || h.width > 1<<16:
		return nil, formatErr(c.pos, "fractal heap at %#x: table width %d is not a power of two", addr, h.width)
	case !isPow2(h.startBlock) || !isPow2(h.maxDirect) || h.startBlock < 16 || h.maxDirect < h.startBlock:
		return nil, formatErr(c.pos, "fractal heap at %#x: block sizes %d..%d are not powers of two", addr, h.startBlock, h.maxDirect)
	case maxHeapBits < 1 || maxHeapBits > 64 || h.maxDirect > 1<<min(maxHeapBits, 63):
		return nil, formatErr(c.pos, "fractal heap at %#x: maximum heap size of %d bits", addr, maxHeapBits)
	case h.rootRows > 64:
		return nil, formatErr(c.pos, "fractal heap at %#x: root indirect block of %d rows", addr, h.rootRows)
	}
	h.offsetBytes = (maxHeapBits + 7) / 8
	// As H5HF__hdr_finish_init: the length of a managed object takes the
	// smaller of the bytes of a direct block offset and of the largest
	// managed object size.
	h.lengthBytes = min((bits.Len64(h.maxDirect-1)+7)/8, encodedSize(uint64(maxManaged)))
	h.maxDirectRow = bits.Len64(h.maxDirect) - bits.Len64(h.startBlock) + 2
	return h, nil
}

func isPow2(v uint64) bool { return v != 0 && v&(v-1) == 0 }

// rowBlockSize is the size of each block in row r of the doubling table,
// or false when it overflows 64 bits.
func (h *fractalHeap) rowBlockSize(r int) (uint64, bool) {
	if r == 0 {
		return h.startBlock, true
	}
	if r-1 >= 64-bits.Len64(h.startBlock) {
		return 0, false
	}
	return h.startBlock << (r - 1), true
}

// object returns the file window of the heap object whose ID is the
// h.idLen bytes at file offset idAt.
func (h *fractalHeap) object(idAt int) (start, end int, err error) {
	if idAt < 0 || h.idLen > len(h.f.b)-idAt {
		return 0, 0, formatErr(idAt, "fractal heap at %#x: heap ID outside the file", h.addr)
	}
	id := h.f.b[idAt : idAt+h.idLen]
	if id[0]>>6 != 0 {
		return 0, 0, formatErr(idAt, "fractal heap at %#x: heap ID version %d is not 0", h.addr, id[0]>>6)
	}
	switch (id[0] >> 4) & 3 {
	case 0:
		return h.managed(id, idAt)
	case 1:
		return h.huge(id, idAt)
	case 2:
		// A tiny object is stored in the ID itself, after a 4- or 12-bit length.
		n, at := int(id[0]&0x0f)+1, idAt+1
		if h.idLen > 18 {
			n, at = int(id[0]&0x0f)<<8+int(id[1])+1, idAt+2
		}
		if at+n > idAt+h.idLen {
			return 0, 0, formatErr(idAt, "fractal heap at %#x: tiny object of %d bytes overflows its %d-byte ID", h.addr, n, h.idLen)
		}
		return at, at + n, nil
	}
	return 0, 0, formatErr(idAt, "fractal heap at %#x: heap ID type 3 is not defined", h.addr)
}

// managed finds an object stored in a direct block: the ID holds its
// offset in the heap's address space and its length.
func (h *fractalHeap) managed(id []byte, idAt int) (int, int, error) {
	if h.filtered {
		return 0, 0, &UnsupportedError{Feature: "fractal heap with I/O filters"}
	}
	if 1+h.offsetBytes+h.lengthBytes > len(id) {
		return 0, 0, formatErr(idAt, "fractal heap at %#x: %d-byte heap IDs cannot hold a managed object", h.addr, len(id))
	}
	off := leUint(id[1 : 1+h.offsetBytes])
	n := leUint(id[1+h.offsetBytes : 1+h.offsetBytes+h.lengthBytes])
	blockAddr, blockOff, blockSize, err := h.directBlock(off, idAt)
	if err != nil {
		return 0, 0, err
	}
	start, _, err := h.f.window(blockAddr, blockSize, "fractal heap direct block")
	if err != nil {
		return 0, 0, err
	}
	if string(h.f.b[start:start+4]) != "FHDB" {
		return 0, 0, formatErr(start, "fractal heap direct block at %#x: signature %q, want \"FHDB\"", blockAddr, h.f.b[start:start+4])
	}
	// Heap offsets count from the start of the block, header included.
	rel := off - blockOff
	if n > blockSize-rel {
		return 0, 0, formatErr(start, "fractal heap at %#x: object at heap offset %d (%d bytes) overruns its direct block", h.addr, off, n)
	}
	return start + int(rel), start + int(rel+n), nil
}

// directBlock returns the address, heap offset and size of the direct
// block holding heap offset off, descending from the root through indirect
// blocks ("FHIB").
func (h *fractalHeap) directBlock(off uint64, idAt int) (addr, blockOff, size uint64, err error) {
	if h.rootRows == 0 {
		if off >= h.startBlock {
			return 0, 0, 0, formatErr(idAt, "fractal heap at %#x: heap offset %d is outside its single %d-byte block", h.addr, off, h.startBlock)
		}
		return h.rootAddr, 0, h.startBlock, nil
	}
	addr, rows, base := h.rootAddr, h.rootRows, uint64(0)
	// A child indirect block has fewer rows than its parent, so the descent
	// ends after at most 64 levels.
	for range 64 {
		c, err := h.f.cursorAt(addr, "fractal heap indirect block")
		if err != nil {
			return 0, 0, 0, err
		}
		c.signature("FHIB")
		c.skip(1 + c.offSize + h.offsetBytes) // version, heap header address, block offset
		if c.err != nil {
			return 0, 0, 0, c.err
		}
		row, col, blockStart, ok := h.locate(off-base, rows)
		if !ok {
			return 0, 0, 0, formatErr(c.pos, "fractal heap at %#x: heap offset %d is outside the doubling table", h.addr, off)
		}
		// Entries are row by row; those of direct rows are one address each
		// (no filtered sizes: filtered heaps are refused), and so are those
		// of indirect rows.
		c.skip((row*h.width + col) * c.offSize)
		child := c.address()
		if c.err != nil {
			return 0, 0, 0, c.err
		}
		if child == undefinedAddress {
			return 0, 0, 0, formatErr(c.pos, "fractal heap at %#x: heap offset %d is in an unallocated block", h.addr, off)
		}
		bs, _ := h.rowBlockSize(row)
		if row < h.maxDirectRow {
			return child, base + blockStart, bs, nil
		}
		// A child indirect block spanning bs bytes has this many rows.
		childRows := bits.Len64(bs) - bits.Len64(h.startBlock*uint64(h.width)) + 1
		if childRows >= rows || childRows < 1 {
			return 0, 0, 0, formatErr(c.pos, "fractal heap at %#x: an indirect block does not have fewer rows than its parent", h.addr)
		}
		addr, rows, base = child, childRows, base+blockStart
	}
	return 0, 0, 0, formatErr(idAt, "fractal heap at %#x: indirect blocks nest too deeply", h.addr)
}

// locate finds the row and column of the block covering offset rel of an
// indirect block with the given rows, and that block's offset.
func (h *fractalHeap) locate(rel uint64, rows int) (row, col int, blockStart uint64, ok bool) {
	var acc uint64
	for r := range rows {
		bs, ok := h.rowBlockSize(r)
		if !ok {
			return 0, 0, 0, false
		}
		hi, span := bits.Mul64(bs, uint64(h.width))
		if hi != 0 {
			return 0, 0, 0, false
		}
		if rel-acc < span {
			c := (rel - acc) / bs
			return r, int(c), acc + c*bs, true
		}
		acc += span // cannot overflow: rel ≥ acc+span
	}
	return 0, 0, 0, false
}

// huge finds an object stored outside the heap's blocks. Its address and
// length are in the ID itself when they fit, else in the huge-object
// v2 B-tree under the ID's key.
func (h *fractalHeap) huge(id []byte, idAt int) (int, int, error) {
	if h.filtered {
		return 0, 0, &UnsupportedError{Feature: "filtered huge fractal heap object"}
	}
	os, ls := h.f.offSize, h.f.lenSize
	if len(id)-1 >= os+ls {
		addr, n := leUint(id[1:1+os]), leUint(id[1+os:1+os+ls])
		s, e, err := h.f.window(addr, n, "huge fractal heap object")
		return s, e, err
	}
	key := leUint(id[1:min(len(id), 9)])
	t, err := h.f.readBTreeV2(h.hugeBTree, btree2HugeObjects)
	if err != nil {
		return 0, 0, err
	}
	var start, end int
	found := false
	err = t.records(func(rec int) error {
		c := h.f.cursor(rec, rec+t.recSize, "huge object record")
		addr, n, recKey := c.address(), c.length(), c.length()
		if c.err != nil {
			return c.err
		}
		if recKey != key {
			return nil
		}
		var werr error
		start, end, werr = h.f.window(addr, n, "huge fractal heap object")
		if werr != nil {
			return werr
		}
		found = true
		return errStop
	})
	if err != nil && err != errStop {
		return 0, 0, err
	}
	if !found {
		return 0, 0, formatErr(idAt, "fractal heap at %#x: no huge object with ID %d", h.addr, key)
	}
	return start, end, nil
}
