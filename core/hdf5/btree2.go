package hdf5

import (
	"math/bits"
)

// Version 2 B-tree record types used by dense groups and attributes
// (spec §III.A.2).
const (
	btree2HugeObjects = 1 // fractal heap huge objects, not filtered: address, length, ID
	btree2LinkNames   = 5 // dense links by name hash: hash u32, heap ID (7 bytes)
	btree2AttrNames   = 8 // dense attributes by name hash: heap ID (8), flags, creation order, hash
)

// btreeMaxDepth bounds the v2 B-trees accepted. With the smallest nodes
// HDF5 writes, depth 10 already indexes more records than any file holds.
const btreeMaxDepth = 10

// btreeV2 is a version 2 B-tree header ("BTHD").
type btreeV2 struct {
	f           *File
	typ         uint8
	nodeSize    int
	recSize     int
	depth       int
	root        uint64
	rootRecords int
	// Field widths inside internal nodes, derived from the node size as the
	// HDF5 library does (H5B2__hdr_init): the record count of a child takes
	// nrecSize bytes; at depth d > 1 the child's total record count takes
	// totalSize[d-1] bytes.
	nrecSize  int
	totalSize []int
	maxLeaf   int
	maxInner  []int
}

const btree2Prefix = 4 + 1 + 1 + 4 // signature, version, type, checksum

func (f *File) readBTreeV2(addr uint64, typ uint8) (*btreeV2, error) {
	c, err := f.cursorAt(addr, "v2 B-tree header")
	if err != nil {
		return nil, err
	}
	c.signature("BTHD")
	version, gotType := c.u8(), c.u8()
	t := &btreeV2{f: f, typ: typ}
	t.nodeSize, t.recSize, t.depth = int(c.u32()), int(c.u16()), int(c.u16())
	c.skip(2) // split and merge percents
	t.root = c.address()
	t.rootRecords = int(c.u16())
	c.length() // total records
	if c.err != nil {
		return nil, c.err
	}
	switch {
	case version != 0:
		return nil, formatErr(c.pos, "v2 B-tree at %#x: version %d is not 0", addr, version)
	case gotType != typ:
		return nil, formatErr(c.pos, "v2 B-tree at %#x: record type %d, want %d", addr, gotType, typ)
	case t.recSize == 0 || t.nodeSize < btree2Prefix+t.recSize || t.nodeSize > len(f.b):
		return nil, formatErr(c.pos, "v2 B-tree at %#x: node size %d and record size %d are inconsistent with a %d-byte file", addr, t.nodeSize, t.recSize, len(f.b))
	case t.depth > btreeMaxDepth:
		return nil, formatErr(c.pos, "v2 B-tree at %#x: depth %d exceeds %d", addr, t.depth, btreeMaxDepth)
	}
	t.maxLeaf = (t.nodeSize - btree2Prefix) / t.recSize
	t.nrecSize = encodedSize(uint64(t.maxLeaf))
	t.totalSize = make([]int, t.depth+1)
	t.maxInner = make([]int, t.depth+1)
	cum := uint64(t.maxLeaf)
	for d := 1; d <= t.depth; d++ {
		ptr := t.pointerSize(d)
		n := (t.nodeSize - btree2Prefix - ptr) / (t.recSize + ptr)
		if n < 1 {
			return nil, formatErr(c.pos, "v2 B-tree at %#x: internal nodes of %d bytes hold no record", addr, t.nodeSize)
		}
		t.maxInner[d] = n
		hi, lo := bits.Mul64(uint64(n)+1, cum)
		cum = lo + uint64(n)
		if hi != 0 || cum < lo {
			return nil, formatErr(c.pos, "v2 B-tree at %#x: depth %d is too deep for its node size", addr, t.depth)
		}
		t.totalSize[d] = encodedSize(cum)
	}
	return t, nil
}

// encodedSize is the bytes needed to store values up to v
// (H5VM_limit_enc_size: floor(log2(v))/8 + 1).
func encodedSize(v uint64) int {
	return (bits.Len64(v)-1)/8 + 1
}

// pointerSize is the size of a child pointer in an internal node at depth d.
func (t *btreeV2) pointerSize(d int) int {
	n := t.f.offSize + t.nrecSize
	if d > 1 {
		n += t.totalSize[d-1]
	}
	return n
}

// records visits the file offset of every record, in key order.
func (t *btreeV2) records(visit func(rec int) error) error {
	if t.root == undefinedAddress || t.rootRecords == 0 {
		return nil
	}
	// Depth decreases at each level, so the walk cannot loop; the budget
	// stops nodes shared by many parents from making it exponential.
	budget := len(t.f.b)/t.nodeSize + 1
	var walk func(addr uint64, depth, nrec int) error
	walk = func(addr uint64, depth, nrec int) error {
		if budget--; budget < 0 {
			return formatErr(int(min(addr, uint64(len(t.f.b)))), "v2 B-tree node at %#x: the tree has more nodes than the file can hold (nodes are shared or loop)", addr)
		}
		start, end, err := t.f.window(addr, uint64(t.nodeSize), "v2 B-tree node")
		if err != nil {
			return err
		}
		c := t.f.cursor(start, end, "v2 B-tree node")
		limit := t.maxLeaf
		if depth == 0 {
			c.signature("BTLF")
		} else {
			c.signature("BTIN")
			limit = t.maxInner[depth]
		}
		version, typ := c.u8(), c.u8()
		if c.err != nil {
			return c.err
		}
		if version != 0 || typ != t.typ {
			return formatErr(start, "v2 B-tree node at %#x: version %d type %d, want 0 and %d", addr, version, typ, t.typ)
		}
		if nrec > limit {
			return formatErr(start, "v2 B-tree node at %#x: %d records, but the node holds at most %d", addr, nrec, limit)
		}
		recs := c.pos
		c.skip(nrec * t.recSize)
		if c.err != nil {
			return c.err
		}
		if depth == 0 {
			for i := range nrec {
				if err := visit(recs + i*t.recSize); err != nil {
					return err
				}
			}
			return nil
		}
		for i := 0; i <= nrec; i++ {
			child := c.address()
			childRecs := c.count(c.uint(t.nrecSize), 1<<16-1, "v2 B-tree child record count")
			if depth > 1 {
				c.uint(t.totalSize[depth-1])
			}
			if c.err != nil {
				return c.err
			}
			if err := walk(child, depth-1, childRecs); err != nil {
				return err
			}
			if i < nrec {
				if err := visit(recs + i*t.recSize); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(t.root, t.depth, t.rootRecords)
}
