package hdf5

import "encoding/binary"

// Header message types used by this reader (HDF5 spec §IV.A.2).
const (
	msgNIL          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgFillOld      = 0x04
	msgFill         = 0x05
	msgLink         = 0x06
	msgExternal     = 0x07
	msgLayout       = 0x08
	msgFilters      = 0x0B
	msgAttribute    = 0x0C
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
)

// msgFlagShared marks a message whose body lives in another object header
// or the shared-message heap.
const msgFlagShared = 0x02

// message is one header message; its body is the file window [start, end).
type message struct {
	typ        uint16
	flags      uint8
	start, end int
}

// objectHeader is the parsed list of messages of one object, continuation
// blocks included.
type objectHeader struct {
	addr uint64
	msgs []message
}

// find returns the first message of a type, or false.
func (oh *objectHeader) find(typ uint16) (message, bool) {
	for _, m := range oh.msgs {
		if m.typ == typ {
			return m, true
		}
	}
	return message{}, false
}

// block is one stretch of header messages: the first chunk or a
// continuation block.
type block struct {
	start, end   int
	continuation bool
}

// readObjectHeader parses the object header at addr (version 1, or
// version 2 with its "OHDR" signature) and follows continuation messages.
func (f *File) readObjectHeader(addr uint64) (oh objectHeader, err error) {
	c, err := f.cursorAt(addr, "object header")
	if err != nil {
		return oh, err
	}
	oh.addr = addr
	var first block
	var v2 bool
	var v2flags uint8
	if c.remaining() >= 4 && string(f.b[c.pos:c.pos+4]) == "OHDR" {
		v2 = true
		c.skip(4)
		v := c.u8()
		v2flags = c.u8()
		if c.err != nil {
			return oh, c.err
		}
		if v != 2 {
			return oh, formatErr(c.pos-2, "object header: version %d after OHDR signature, want 2", v)
		}
		if v2flags&0x20 != 0 {
			c.skip(16) // access, modification, change and birth times
		}
		if v2flags&0x10 != 0 {
			c.skip(4) // attribute storage phase change values
		}
		n := c.count(c.uint(1<<(v2flags&3)), c.remaining(), "object header chunk size")
		if c.err != nil {
			return oh, c.err
		}
		first = block{start: c.pos, end: c.pos + n}
		c.skip(n)
		c.skip(4) // the checksum follows the first chunk, outside its size
	} else {
		version := c.u8()
		if c.err != nil {
			return oh, c.err
		}
		if version != 1 {
			return oh, formatErr(c.pos-1, "object header: version %d is not 1, and no OHDR signature", version)
		}
		c.skip(1) // reserved
		count := int(c.u16())
		c.skip(4) // reference count
		size := c.u32()
		c.skip(4) // the v1 prefix is padded to 16 bytes
		n := c.count(uint64(size), c.remaining(), "object header size")
		if c.err != nil {
			return oh, c.err
		}
		first = block{start: c.pos, end: c.pos + n}
		// count includes the messages of continuation blocks; each takes 8
		// bytes or more, which bounds the allocation by the file size.
		oh.msgs = make([]message, 0, min(count, len(f.b)/8))
	}
	if c.err != nil {
		return oh, c.err
	}

	// Continuation blocks are queued as they are found; seen refuses a
	// continuation that points at a block already read (a loop).
	var queueSpace [4]block
	queue := append(queueSpace[:0], first)
	var seen map[int]bool // made at the first continuation: most headers have none
	for len(queue) > 0 {
		b := queue[0]
		queue = queue[1:]
		n := len(oh.msgs)
		if v2 {
			oh.msgs, err = f.readMessagesV2(b, v2flags&0x04 != 0, oh.msgs)
		} else {
			oh.msgs, err = f.readMessagesV1(b, oh.msgs)
		}
		if err != nil {
			return oh, err
		}
		// Keep the block's messages but NIL (free space) and continuations,
		// which become queued blocks.
		kept := oh.msgs[:n]
		for _, m := range oh.msgs[n:] {
			if m.typ == msgNIL {
				continue
			}
			if m.typ != msgContinuation {
				kept = append(kept, m)
				continue
			}
			mc := f.cursor(m.start, m.end, "continuation message")
			caddr, clen := mc.address(), mc.length()
			if mc.err != nil {
				return oh, mc.err
			}
			start, end, err := f.window(caddr, clen, "object header continuation block")
			if err != nil {
				return oh, err
			}
			if seen == nil {
				seen = map[int]bool{first.start: true}
			}
			if seen[start] {
				return oh, formatErr(m.start, "object header at %#x: continuation block %#x is read twice (a loop)", addr, caddr)
			}
			seen[start] = true
			queue = append(queue, block{start: start, end: end, continuation: true})
		}
		oh.msgs = kept
	}
	return oh, nil
}

// readMessagesV1 appends the version 1 messages of a block to msgs: type
// u16, size u16, flags u8, 3 reserved bytes, then the body, 8-byte aligned.
func (f *File) readMessagesV1(b block, msgs []message) ([]message, error) {
	c := f.cursor(b.start, b.end, "object header message")
	for c.remaining() >= 8 {
		h := c.take(8)
		typ, size, flags := binary.LittleEndian.Uint16(h), binary.LittleEndian.Uint16(h[2:]), h[4]
		start := c.pos
		c.skip(int(size))
		if c.err != nil {
			return nil, c.err
		}
		msgs = append(msgs, message{typ: typ, flags: flags, start: start, end: c.pos})
	}
	return msgs, nil
}

// readMessagesV2 appends the version 2 messages of a block to msgs: type
// u8, size u16, flags u8, an optional creation order u16, then the body. A
// continuation block starts with "OCHK"; every block ends with a 4-byte
// checksum, and a gap smaller than a message header may precede it.
func (f *File) readMessagesV2(b block, creationOrder bool, msgs []message) ([]message, error) {
	c := f.cursor(b.start, b.end, "object header message")
	if b.continuation {
		c.signature("OCHK")
		c.end -= 4 // checksum
	}
	hdr := 4
	if creationOrder {
		hdr = 6
	}
	if c.err != nil {
		return nil, c.err
	}
	for c.remaining() >= hdr {
		typ, size, flags := c.u8(), c.u16(), c.u8()
		if creationOrder {
			c.skip(2)
		}
		start := c.pos
		c.skip(int(size))
		if c.err != nil {
			return nil, c.err
		}
		msgs = append(msgs, message{typ: uint16(typ), flags: flags, start: start, end: c.pos})
	}
	return msgs, nil
}

// messageCursor returns a cursor over a message body (what names the
// message for errors, e.g. "dataspace message"), refusing shared
// messages (stored elsewhere: committed datatypes, the shared message heap).
func (f *File) messageCursor(m message, what string) (cursor, error) {
	if m.flags&msgFlagShared != 0 {
		return cursor{}, &UnsupportedError{Feature: "shared " + what + " (committed datatype or shared object header message)"}
	}
	return f.cursor(m.start, m.end, what), nil
}
