package hdf5

import (
	"fmt"
	"math"
)

// Data layout classes (spec §IV.A.2.i).
const (
	compactLayout    = 0
	contiguousLayout = 1
	chunkedLayout    = 2
)

// layout says where a dataset's raw data is.
type layout struct {
	class      int
	addr       uint64 // contiguous: the data; chunked: the chunk B-tree, or the single chunk
	size       uint64 // contiguous: bytes stored, or unknownSize
	start, end int    // compact: the data, inside the message
	chunk      []int  // chunked: chunk dimensions (the dataset's rank)
	// Layout version 4 with a "single chunk" index: addr is the chunk itself,
	// of singleSize bytes after filters (0: unfiltered, size from chunk dims).
	single     bool
	singleSize uint64
	singleMask uint32
}

// unknownSize marks a contiguous size that layout versions 1 and 2 do not
// store.
const unknownSize = math.MaxUint64

var chunkIndexNames = [...]string{2: "implicit", 3: "fixed array", 4: "extensible array", 5: "version 2 B-tree"}

// parseLayout decodes a data layout message, versions 1 to 4.
func parseLayout(c *cursor) (layout, error) {
	var l layout
	version := c.u8()
	if c.err != nil {
		return l, c.err
	}
	switch version {
	case 1, 2:
		return parseLayoutV1(c)
	case 3, 4:
	default:
		return l, &UnsupportedError{Feature: fmt.Sprintf("data layout message version %d", version)}
	}
	l.class = int(c.u8())
	if c.err != nil {
		return l, c.err
	}
	switch l.class {
	case compactLayout:
		n := int(c.u16())
		l.start = c.pos
		c.skip(n)
		l.end = c.pos
	case contiguousLayout:
		l.addr = c.address()
		l.size = c.length()
	case chunkedLayout:
		if version == 3 {
			// Dimensionality counts the dataset's rank plus one: the last
			// "dimension" is the element size.
			rank := int(c.u8()) - 1
			l.addr = c.address()
			if c.err != nil {
				return l, c.err // rank is then -1, not a value from the file
			}
			if rank < 1 || rank > maxRank {
				return l, formatErr(c.pos, "%s: chunk dimensionality %d", c.what, rank+1)
			}
			l.chunk = make([]int, rank)
			for i := range l.chunk {
				l.chunk[i] = int(c.u32())
			}
			c.skip(4) // element size
			break
		}
		flags := c.u8()
		rank := int(c.u8()) - 1
		dimBytes := int(c.u8())
		if c.err != nil {
			return l, c.err
		}
		if rank < 1 || rank > maxRank || dimBytes < 1 || dimBytes > 8 {
			return l, formatErr(c.pos, "%s: chunk dimensionality %d with %d-byte sizes", c.what, rank+1, dimBytes)
		}
		l.chunk = make([]int, rank)
		for i := range l.chunk {
			l.chunk[i] = c.count(c.uint(dimBytes), 1<<32-1, "chunk dimension")
		}
		c.uint(dimBytes) // element size
		index := int(c.u8())
		if c.err != nil {
			return l, c.err
		}
		if index != 1 {
			name := fmt.Sprintf("type %d", index)
			if index < len(chunkIndexNames) && chunkIndexNames[index] != "" {
				name = chunkIndexNames[index]
			}
			return l, &UnsupportedError{Feature: "chunk index " + name + " (data layout version 4, from libver='latest')"}
		}
		l.single = true
		if flags&0x02 != 0 {
			l.singleSize = c.length()
			l.singleMask = c.u32()
		}
		l.addr = c.address()
	case 3:
		return l, &UnsupportedError{Feature: "virtual dataset layout"}
	default:
		return l, formatErr(c.pos-1, "%s: layout class %d is not defined", c.what, l.class)
	}
	if c.err != nil {
		return l, c.err
	}
	for _, d := range l.chunk {
		if d == 0 {
			return l, formatErr(c.pos, "%s: chunk dimension of 0", c.what)
		}
	}
	return l, nil
}

// parseLayoutV1 decodes layout messages version 1 and 2 (HDF5 1.4/1.6).
// As in the HDF5 library, the dimensionality is the rank plus one for
// chunked data (the last size being the element size), and the dimension
// sizes of contiguous data are not used.
func parseLayoutV1(c *cursor) (layout, error) {
	var l layout
	ndims := int(c.u8())
	l.class = int(c.u8())
	c.skip(5)
	if l.class != compactLayout {
		l.addr = c.address()
	}
	if c.err != nil {
		return l, c.err
	}
	if ndims < 1 || ndims > maxRank+1 {
		return l, formatErr(c.pos, "%s: layout dimensionality %d", c.what, ndims)
	}
	dims := make([]int, ndims)
	for i := range dims {
		dims[i] = int(c.u32())
	}
	if c.err != nil {
		return l, c.err
	}
	switch l.class {
	case compactLayout:
		n := c.count(uint64(c.u32()), c.remaining(), "compact data size")
		if c.err != nil {
			return l, c.err
		}
		l.start = c.pos
		c.skip(n)
		l.end = c.pos
	case contiguousLayout:
		l.size = unknownSize // only the dataspace says how much is stored
	case chunkedLayout:
		if ndims < 2 {
			return l, formatErr(c.pos, "%s: chunk dimensionality %d", c.what, ndims)
		}
		l.chunk = dims[:ndims-1]
	default:
		return l, formatErr(c.pos, "%s: layout class %d is not defined", c.what, l.class)
	}
	return l, c.err
}

// parseFill returns the dataset's fill value as a file window (empty when
// the fill value is undefined or default, meaning zeros). The fill value
// message (0x05) takes precedence over the old one (0x04).
func (f *File) parseFill(oh *objectHeader) (start, end int, err error) {
	if m, ok := oh.find(msgFill); ok {
		c, err := f.messageCursor(m, "fill value message")
		if err != nil {
			return 0, 0, err
		}
		version := c.u8()
		if c.err != nil {
			return 0, 0, c.err
		}
		var flags uint8
		switch version {
		case 1, 2:
			c.skip(2)      // allocation and write times
			flags = c.u8() // "defined": size and value follow only if set (as H5O__fill_new_decode)
		case 3:
			flags = c.u8() & 0x20
		default:
			return 0, 0, formatErr(c.pos-1, "fill value message: version %d is not 1, 2 or 3", version)
		}
		if c.err != nil || flags == 0 {
			return 0, 0, c.err
		}
		n := int(c.u32())
		if c.err != nil {
			return 0, 0, c.err
		}
		start := c.pos
		c.skip(n)
		return start, c.pos, c.err
	}
	if m, ok := oh.find(msgFillOld); ok {
		c, err := f.messageCursor(m, "fill value message")
		if err != nil {
			return 0, 0, err
		}
		n := int(c.u32())
		if c.err != nil {
			return 0, 0, c.err
		}
		start := c.pos
		c.skip(n)
		return start, c.pos, c.err
	}
	return 0, 0, nil
}
