package hdf5

import (
	"encoding/binary"
	"fmt"
	"math"
)

// undefinedAddress is the "address not allocated" value (all bits set),
// normalised to 64 bits whatever the file's size of offsets.
const undefinedAddress = math.MaxUint64

// cursor reads little-endian fields from the window [pos, end) of the file.
// The first read past end records a FormatError; later reads return zero
// values, so a parser checks c.err once after a run of fields instead of
// after every field (the bufio.Scanner pattern).
type cursor struct {
	b       []byte // the whole file: offsets in errors are file offsets
	pos     int
	end     int
	what    string // the structure being parsed, for error messages
	offSize int    // superblock "size of offsets"
	lenSize int    // superblock "size of lengths"
	err     error
}

// cursor returns a cursor over the file window [start, end), which the
// caller has checked with window.
func (f *File) cursor(start, end int, what string) cursor {
	return cursor{b: f.b, pos: start, end: end, what: what, offSize: f.offSize, lenSize: f.lenSize}
}

// window checks that the n bytes at file address addr (relative to the base
// address) lie inside the file and returns their absolute offsets.
func (f *File) window(addr, n uint64, what string) (start, end int, err error) {
	if addr == undefinedAddress {
		return 0, 0, formatErr(-1, "%s has an undefined address", what)
	}
	size := uint64(len(f.b))
	abs := addr + f.base
	if abs < addr || abs >= size || n > size-abs {
		extent := ""
		if n > 0 {
			extent = fmt.Sprintf(" (%d bytes)", n)
		}
		return 0, 0, formatErr(int(min(abs, size)), "%s at address %#x%s lies outside the file (%d bytes); the file is truncated or damaged",
			what, addr, extent, size)
	}
	return int(abs), int(abs + n), nil
}

// cursorAt returns a cursor from addr to the end of the file.
func (f *File) cursorAt(addr uint64, what string) (cursor, error) {
	start, _, err := f.window(addr, 0, what)
	if err != nil {
		return cursor{}, err
	}
	return f.cursor(start, len(f.b), what), nil
}

func (c *cursor) fail(format string, args ...any) {
	if c.err == nil {
		c.err = formatErr(c.pos, c.what+": "+format, args...)
	}
}

// take returns the next n bytes and advances, or nil after an error.
func (c *cursor) take(n int) []byte {
	if c.err != nil {
		return nil
	}
	if n < 0 || n > c.end-c.pos {
		c.fail("needs %d bytes but only %d remain; the file is truncated or damaged", n, c.end-c.pos)
		return nil
	}
	p := c.b[c.pos : c.pos+n : c.pos+n]
	c.pos += n
	return p
}

func (c *cursor) skip(n int) { c.take(n) }

func (c *cursor) u8() uint8 {
	if p := c.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (c *cursor) u16() uint16 {
	if p := c.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (c *cursor) u32() uint32 {
	if p := c.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

// uint reads an n-byte little-endian unsigned integer, 1 ≤ n ≤ 8.
func (c *cursor) uint(n int) uint64 {
	if n < 1 || n > 8 {
		c.fail("field of %d bytes is not a supported integer size", n)
		return 0
	}
	p := c.take(n)
	if len(p) == 8 { // addresses and lengths: the common case, decoded in one load
		return binary.LittleEndian.Uint64(p)
	}
	return leUint(p)
}

func leUint(p []byte) uint64 {
	var v uint64
	for i := len(p) - 1; i >= 0; i-- {
		v = v<<8 | uint64(p[i])
	}
	return v
}

// address reads a file address ("size of offsets" bytes); all bits set
// means undefined and is returned as undefinedAddress.
func (c *cursor) address() uint64 {
	v := c.uint(c.offSize)
	if c.err == nil && c.offSize < 8 && v == 1<<(8*c.offSize)-1 {
		return undefinedAddress
	}
	return v
}

// length reads a "size of lengths" field.
func (c *cursor) length() uint64 { return c.uint(c.lenSize) }

// signature checks a 4-byte structure signature such as "TREE".
func (c *cursor) signature(sig string) {
	if p := c.take(len(sig)); p != nil && string(p) != sig {
		c.pos -= len(sig)
		c.fail("expected signature %q, found %q", sig, p)
	}
}

// count converts a length read from the file to an int no larger than
// limit (usually the bytes left), so that it can size an allocation.
func (c *cursor) count(v uint64, limit int, what string) int {
	if c.err == nil && v > uint64(max(limit, 0)) {
		c.fail("%s %d is larger than the %d the data can hold", what, v, limit)
		return 0
	}
	return int(v)
}

func (c *cursor) remaining() int { return c.end - c.pos }
