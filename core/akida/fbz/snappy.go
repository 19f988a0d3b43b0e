package fbz

import (
	"encoding/binary"
	"fmt"
)

// maxPayload is the largest payload accepted: FlatBuffers cannot address
// more than 2 GiB.
const maxPayload = 1<<31 - 1

// maxExpansion bounds what a Snappy stream of n bytes can decode to: the
// densest tag, a 3-byte copy, emits 64 bytes.
func maxExpansion(n int) uint64 {
	return uint64(n)*64/3 + 64
}

// Decompress returns the FlatBuffer payload of an .fbz file: a raw Snappy
// block (varint length, then tags; no framing, no magic).
//
// Every known akida-written file is padded after the Snappy stream, with
// zeros or leftover bytes, up to 32 + n + n/6 bytes, so a strict Snappy
// decoder rejects it. This one decodes tags only until the declared n bytes
// exist and ignores what follows (fbz-format.md §2.4). It refuses a
// declared length that the input could not expand to before allocating
// anything, and checks every tag against the input and output bounds.
func Decompress(file []byte) ([]byte, error) {
	if len(file) == 0 {
		return nil, &FormatError{Part: "file", Reason: "the file is empty"}
	}
	n, hdr, err := readVarint(file)
	if err != nil {
		return nil, err
	}
	body := file[hdr:]
	if n > maxPayload || uint64(n) > maxExpansion(len(body)) {
		return nil, snappyError(0, "the header declares %d uncompressed bytes, more than the %d bytes that follow can expand to", n, len(body))
	}
	out := make([]byte, n)
	d, s := 0, 0 // positions in out and body
	for d < len(out) {
		if s >= len(body) {
			return nil, snappyError(hdr+s, "the stream ends after %d of the %d declared bytes", d, n)
		}
		tag := body[s]
		var length, offset int
		switch tag & 3 {
		case 0: // literal
			length = int(tag>>2) + 1
			s++
			if extra := int(tag>>2) - 59; extra > 0 { // length-1 in the next 1–4 bytes
				if s+extra > len(body) {
					return nil, snappyError(hdr+s-1, "literal length runs past the end of the file")
				}
				var l uint64
				for i := extra - 1; i >= 0; i-- {
					l = l<<8 | uint64(body[s+i])
				}
				s += extra
				if l >= uint64(len(out)-d) {
					return nil, snappyError(hdr+s-extra-1, "a literal of %d bytes runs past the declared length %d", l+1, n)
				}
				length = int(l) + 1
			}
			if length > len(out)-d {
				return nil, snappyError(hdr+s-1, "a literal of %d bytes runs past the declared length %d", length, n)
			}
			if length > len(body)-s {
				return nil, snappyError(hdr+s-1, "a literal of %d bytes is cut off by the end of the file", length)
			}
			copy(out[d:], body[s:s+length])
			d += length
			s += length
			continue
		case 1: // copy with 1-byte offset
			if s+2 > len(body) {
				return nil, snappyError(hdr+s, "a copy tag is cut off by the end of the file")
			}
			length = int(tag>>2&7) + 4
			offset = int(tag>>5)<<8 | int(body[s+1])
			s += 2
		case 2: // copy with 2-byte offset
			if s+3 > len(body) {
				return nil, snappyError(hdr+s, "a copy tag is cut off by the end of the file")
			}
			length = int(tag>>2) + 1
			offset = int(binary.LittleEndian.Uint16(body[s+1:]))
			s += 3
		case 3: // copy with 4-byte offset
			if s+5 > len(body) {
				return nil, snappyError(hdr+s, "a copy tag is cut off by the end of the file")
			}
			length = int(tag>>2) + 1
			offset = int(binary.LittleEndian.Uint32(body[s+1:]))
			s += 5
		}
		if offset == 0 || offset > d {
			return nil, snappyError(hdr+s, "a copy refers %d bytes back at output byte %d, outside the output", offset, d)
		}
		if length > len(out)-d {
			return nil, snappyError(hdr+s, "a copy of %d bytes runs past the declared length %d", length, n)
		}
		// An overlapping copy (offset < length) repeats the last offset
		// bytes: copying from a fixed source start doubles what each
		// copy call can take.
		src, end := d-offset, d+length
		for d < end {
			d += copy(out[d:end], out[src:d])
		}
	}
	return out, nil
}

// readVarint reads the uncompressed length that starts a Snappy block
// (a little-endian base-128 varint of at most 5 bytes).
func readVarint(b []byte) (n int, size int, err error) {
	var v uint64
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, 0, snappyError(i, "the length header is cut off by the end of the file")
		}
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			if v > 1<<32-1 {
				break
			}
			return int(v), i + 1, nil
		}
	}
	return 0, 0, snappyError(0, "the length header is not a valid varint of at most 32 bits")
}

func snappyError(offset int, format string, args ...any) error {
	return &FormatError{Part: "Snappy block", Reason: fmt.Sprintf(format, args...) + fmt.Sprintf(" (at file byte %d)", offset)}
}
