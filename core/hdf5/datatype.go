package hdf5

import (
	"fmt"
	"strconv"
)

// Class is the kind of values a Datatype holds.
type Class int

// The datatype classes this reader decodes. Other HDF5 classes (compound,
// enum, array, reference, opaque, bitfield, time) give an UnsupportedError.
const (
	Integer Class = iota + 1 // HDF5 fixed-point
	Float                    // IEEE 754 floating point
	String                   // fixed-length or variable-length string
)

// StringPad says how a fixed-length string fills its unused bytes.
type StringPad int

const (
	NullTerm StringPad = iota // a NUL ends the string
	NullPad                   // NULs fill the rest
	SpacePad                  // spaces fill the rest
)

// Datatype describes the stored element type of a dataset or attribute.
type Datatype struct {
	Class     Class
	Size      int  // bytes per element as stored; 16 for a variable-length string reference
	Signed    bool // Integer only
	BigEndian bool // Integer and Float
	VarLen    bool // String stored in the global heap
	Pad       StringPad
	UTF8      bool // String character set is UTF-8 (else ASCII)
}

// String returns the NumPy-like name: "float32", "int64", "uint8",
// "float16", "string(22)" (fixed length) or "string(vlen)". Byte order is
// not part of the name; see BigEndian.
func (t Datatype) String() string {
	switch t.Class {
	case Integer:
		if t.Signed {
			return "int" + strconv.Itoa(8*t.Size)
		}
		return "uint" + strconv.Itoa(8*t.Size)
	case Float:
		return "float" + strconv.Itoa(8*t.Size)
	case String:
		if t.VarLen {
			return "string(vlen)"
		}
		return "string(" + strconv.Itoa(t.Size) + ")"
	}
	return "unknown"
}

// numeric reports whether values can be read as numbers.
func (t Datatype) numeric() bool { return t.Class == Integer || t.Class == Float }

var datatypeClassNames = [...]string{
	2: "time", 4: "bitfield", 5: "opaque", 6: "compound", 7: "reference", 8: "enum", 10: "array",
}

// parseDatatype decodes a datatype message (spec §IV.A.2.d): class and
// version, 24 class bits, size, then class properties.
func parseDatatype(c *cursor) (Datatype, error) {
	classVersion := c.u8()
	bits := uint32(c.u8()) | uint32(c.u8())<<8 | uint32(c.u8())<<16
	size := c.u32()
	if c.err != nil {
		return Datatype{}, c.err
	}
	class := int(classVersion & 0x0f)
	var t Datatype
	switch class {
	case 0: // fixed-point
		c.skip(4) // bit offset, bit precision
		t = Datatype{Class: Integer, Size: int(size), BigEndian: bits&1 != 0, Signed: bits&8 != 0}
		if size != 1 && size != 2 && size != 4 && size != 8 {
			return t, &UnsupportedError{Feature: fmt.Sprintf("%d-byte integer", size)}
		}
	case 1: // floating point
		if bits&0x40 != 0 {
			return t, &UnsupportedError{Feature: "VAX-order float"}
		}
		c.skip(4) // bit offset, precision
		c.skip(1) // exponent location
		expBits := c.u8()
		c.skip(1) // mantissa location
		mantBits := c.u8()
		if c.err != nil {
			return t, c.err
		}
		t = Datatype{Class: Float, Size: int(size), BigEndian: bits&1 != 0}
		ieee := (size == 2 && expBits == 5 && mantBits == 10) ||
			(size == 4 && expBits == 8 && mantBits == 23) ||
			(size == 8 && expBits == 11 && mantBits == 52)
		if !ieee {
			return t, &UnsupportedError{Feature: fmt.Sprintf("%d-byte float with %d exponent and %d mantissa bits (not IEEE half/single/double, e.g. bfloat16)", size, expBits, mantBits)}
		}
	case 3: // fixed-length string
		if size == 0 {
			return t, formatErr(c.pos, "%s: fixed-length string of size 0", c.what)
		}
		t = Datatype{Class: String, Size: int(size), Pad: StringPad(bits & 0x0f), UTF8: (bits>>4)&0x0f == 1}
		if t.Pad > SpacePad {
			return t, formatErr(c.pos, "%s: string padding type %d is not defined", c.what, t.Pad)
		}
	case 9: // variable-length
		if bits&0x0f != 1 {
			return t, &UnsupportedError{Feature: "variable-length sequence (only variable-length strings are read)"}
		}
		// The base type is a character; refusing a nested variable-length
		// type here keeps the recursion one level deep whatever the input.
		if c.remaining() > 0 && c.b[c.pos]&0x0f == 9 {
			return t, &UnsupportedError{Feature: "variable-length string of a variable-length type"}
		}
		base, err := parseDatatype(c)
		if err != nil {
			return t, err
		}
		if base.Size != 1 {
			return t, formatErr(c.pos, "%s: variable-length string of %d-byte characters", c.what, base.Size)
		}
		t = Datatype{Class: String, Size: int(size), VarLen: true, Pad: StringPad((bits >> 4) & 0x0f), UTF8: (bits>>8)&0x0f == 1}
	default:
		name := "class " + strconv.Itoa(class)
		if class < len(datatypeClassNames) && datatypeClassNames[class] != "" {
			name = datatypeClassNames[class]
		}
		return t, &UnsupportedError{Feature: name + " datatype"}
	}
	return t, c.err
}
