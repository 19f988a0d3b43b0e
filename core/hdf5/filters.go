package hdf5

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
)

// Filter identifiers (spec §IV.A.2.l).
const (
	filterDeflate = 1
	filterShuffle = 2
)

var filterNames = map[uint16]string{
	3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset",
	32000: "lzf", 32001: "blosc", 32004: "lz4", 32008: "bitshuffle", 32015: "zstd",
}

// filter is one stage of a dataset's filter pipeline. Its "optional" flag
// is not kept: a chunk's filter mask already says which stages were
// skipped when it was written.
type filter struct {
	id uint16
}

// parseFilters decodes a filter pipeline message, versions 1 and 2, and
// refuses any filter other than deflate and shuffle.
func parseFilters(c *cursor) ([]filter, error) {
	version := c.u8()
	n := int(c.u8())
	if c.err != nil {
		return nil, c.err
	}
	if version == 1 {
		c.skip(6)
	} else if version != 2 {
		return nil, formatErr(c.pos-2, "%s: version %d is not 1 or 2", c.what, version)
	}
	var filters []filter
	for range n {
		id := c.u16()
		nameLen := 0
		if version == 1 || id >= 256 {
			nameLen = int(c.u16())
		}
		c.skip(2) // flags
		values := int(c.u16())
		if c.err != nil {
			return nil, c.err
		}
		if version == 1 {
			nameLen = (nameLen + 7) &^ 7 // names are padded to 8 bytes
		}
		c.skip(nameLen)
		c.skip(4 * values) // client data: shuffle's element size is known from the datatype
		if version == 1 && values%2 == 1 {
			c.skip(4)
		}
		if c.err != nil {
			return nil, c.err
		}
		if id != filterDeflate && id != filterShuffle {
			name := filterNames[id]
			if name == "" {
				name = "unknown"
			}
			return nil, &UnsupportedError{Feature: fmt.Sprintf("filter %s (id %d; only gzip and shuffle are read)", name, id)}
		}
		filters = append(filters, filter{id: id})
	}
	return filters, c.err
}

// chunkDecoder undoes a filter pipeline on chunks, reusing its buffers and
// zlib reader across the chunks of a dataset.
type chunkDecoder struct {
	filters  []filter
	elemSize int
	zr       io.ReadCloser
	buf      [2][]byte
}

// decode returns the chunk's raw bytes, exactly size of them. mask has a
// bit set for each filter that was skipped when the chunk was written. The
// result may alias the decoder's buffers or src.
func (d *chunkDecoder) decode(src []byte, mask uint32, size int) ([]byte, error) {
	data := src
	next := 0
	for i := len(d.filters) - 1; i >= 0; i-- {
		if mask&(1<<i) != 0 {
			continue
		}
		// Check sizes before taking a buffer, so a tiny hostile chunk
		// cannot claim a huge one.
		switch d.filters[i].id {
		case filterDeflate:
			if size > maxInflate*len(data)+1024 {
				return nil, fmt.Errorf("deflate: %d compressed bytes cannot expand to %d", len(data), size)
			}
		case filterShuffle:
			if len(data) != size {
				return nil, fmt.Errorf("shuffled chunk of %d bytes, want %d", len(data), size)
			}
		}
		out := d.buffer(next, size)
		next = 1 - next
		if d.filters[i].id == filterDeflate {
			if err := d.inflate(out, data); err != nil {
				return nil, err
			}
		} else {
			unshuffle(out, data, d.elemSize)
		}
		data = out
	}
	if len(data) < size {
		return nil, fmt.Errorf("chunk of %d bytes, want %d", len(data), size)
	}
	return data[:size], nil
}

func (d *chunkDecoder) buffer(i, size int) []byte {
	if cap(d.buf[i]) < size {
		d.buf[i] = make([]byte, size)
	}
	return d.buf[i][:size]
}

// inflate decompresses a zlib stream (HDF5's deflate filter) into exactly
// len(out) bytes; a stream that ends early or holds more is an error.
func (d *chunkDecoder) inflate(out, in []byte) error {
	var err error
	if d.zr == nil {
		d.zr, err = zlib.NewReader(bytes.NewReader(in))
	} else {
		err = d.zr.(zlib.Resetter).Reset(bytes.NewReader(in), nil)
	}
	if err != nil {
		return fmt.Errorf("deflate: %v", err)
	}
	if _, err := io.ReadFull(d.zr, out); err != nil {
		return fmt.Errorf("deflate: chunk decompresses to fewer than %d bytes: %v", len(out), err)
	}
	var one [1]byte
	if n, _ := d.zr.Read(one[:]); n > 0 {
		return fmt.Errorf("deflate: chunk decompresses to more than %d bytes", len(out))
	}
	return nil
}

// unshuffle undoes the shuffle filter: the chunk holds byte 0 of every
// element, then byte 1 of every element, and so on; leftover bytes that do
// not make a whole element are stored as is at the end.
func unshuffle(dst, src []byte, elemSize int) {
	n := len(src) / elemSize
	if elemSize <= 1 || n <= 1 {
		copy(dst, src)
		return
	}
	for j := range elemSize {
		plane := src[j*n : (j+1)*n]
		for i, b := range plane {
			dst[i*elemSize+j] = b
		}
	}
	copy(dst[n*elemSize:], src[n*elemSize:])
}
