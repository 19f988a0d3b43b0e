package hdf5

import (
	"errors"
	"fmt"
	"sort"
)

// Attribute is a small named value attached to a group or dataset. Its
// data is stored whole in the attribute message.
type Attribute struct {
	f          *File
	owner      string // path of the group or dataset
	name       string
	space      dataspace
	dtype      Datatype
	start, end int // the data in the file
}

// parseAttribute decodes an attribute message (spec §IV.A.2.m), versions
// 1 to 3, found in an object header or in dense attribute storage. Its
// errors name the attribute and its owner.
func (f *File) parseAttribute(start, end int, owner string) (*Attribute, error) {
	a := &Attribute{f: f, owner: owner}
	if err := a.parse(start, end); err != nil {
		return nil, inObject(err, a.where())
	}
	return a, nil
}

func (a *Attribute) parse(start, end int) error {
	f := a.f
	h, c, err := f.attributeHeader(start, end)
	if err != nil {
		return err
	}
	a.name = h.name
	if h.flags&0x03 != 0 {
		return &UnsupportedError{Feature: "shared datatype or dataspace"}
	}
	typeStart := c.pos
	c.skip(h.pad(h.typeSize))
	spaceStart := c.pos
	c.skip(h.pad(h.spaceSize))
	if c.err != nil {
		return c.err
	}
	tc := f.cursor(typeStart, typeStart+h.typeSize, "datatype")
	if a.dtype, err = parseDatatype(&tc); err != nil {
		return err
	}
	sc := f.cursor(spaceStart, spaceStart+h.spaceSize, "dataspace")
	if a.space, err = parseDataspace(&sc); err != nil {
		return err
	}
	n := a.space.len()
	if n > 0 && a.dtype.Size > c.remaining()/n {
		return formatErr(c.pos, "%d elements of %d bytes do not fit in the %d bytes of the message", n, a.dtype.Size, c.remaining())
	}
	if a.dtype.VarLen && a.dtype.Size < 8+f.offSize {
		return formatErr(typeStart, "variable-length string references of %d bytes, want %d", a.dtype.Size, 8+f.offSize)
	}
	a.start, a.end = c.pos, c.pos+n*a.dtype.Size
	return nil
}

func (a *Attribute) where() string {
	if a.name == "" {
		return "attribute of " + a.owner
	}
	return fmt.Sprintf("attribute %q of %s", a.name, a.owner)
}

// eachAttribute calls fn with the file window of every attribute message
// of the object: those in its header, and the dense ones that an attribute
// info message points to (a fractal heap indexed by a v2 B-tree). fn
// returns errStop to end the walk early. fn's errors are returned as they
// are; the walk's own errors name the object.
func (o *object) eachAttribute(fn func(start, end int) error) error {
	for _, m := range o.oh.msgs {
		var err error
		switch m.typ {
		case msgAttribute:
			if m.flags&msgFlagShared != 0 {
				return &UnsupportedError{Feature: "shared attribute message", Path: o.path}
			}
			err = fn(m.start, m.end)
		case msgAttrInfo:
			err = o.eachDenseAttribute(m, fn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// errStop ends a walk early; it never reaches the caller.
var errStop = errors.New("stop")

func (o *object) eachDenseAttribute(m message, fn func(start, end int) error) error {
	f := o.f
	c, err := f.messageCursor(m, "attribute info message")
	if err != nil {
		return inObject(err, o.path)
	}
	c.skip(1) // version
	flags := c.u8()
	if c.err != nil {
		return inObject(c.err, o.path)
	}
	if flags&0x01 != 0 {
		c.skip(2) // maximum creation index
	}
	heapAddr, names := c.address(), c.address()
	if c.err != nil || heapAddr == undefinedAddress {
		return inObject(c.err, o.path)
	}
	heap, err := f.readFractalHeap(heapAddr)
	if err != nil {
		return inObject(err, o.path)
	}
	t, err := f.readBTreeV2(names, btree2AttrNames)
	if err != nil {
		return inObject(err, o.path)
	}
	if t.recSize != heap.idLen+9 {
		return inObject(formatErr(int(min(names, uint64(len(f.b)))), "attribute name index at %#x: %d-byte records do not hold a %d-byte heap ID", names, t.recSize, heap.idLen), o.path)
	}
	return t.records(func(rec int) error {
		if f.b[rec+heap.idLen]&0x01 != 0 {
			return &UnsupportedError{Feature: "shared attribute message", Path: o.path}
		}
		start, end, err := heap.object(rec)
		if err != nil {
			return inObject(err, o.path)
		}
		return fn(start, end)
	})
}

// attributeHeader is the part of an attribute message before its
// datatype.
type attributeHeader struct {
	version, flags      uint8
	name                string
	typeSize, spaceSize int
}

// pad rounds the size of a part of the message up to 8 bytes, as version 1
// stores them.
func (h attributeHeader) pad(n int) int {
	if h.version == 1 {
		return (n + 7) &^ 7
	}
	return n
}

// attributeHeader reads the attribute message at [start, end) up to its
// name and returns a cursor at the datatype. Listing and lookup stop there,
// so they do not parse every attribute's type.
func (f *File) attributeHeader(start, end int) (attributeHeader, cursor, error) {
	var h attributeHeader
	c := f.cursor(start, end, "attribute message")
	h.version, h.flags = c.u8(), c.u8()
	nameSize := int(c.u16())
	h.typeSize, h.spaceSize = int(c.u16()), int(c.u16())
	if h.version == 3 {
		c.skip(1) // name character set
	}
	if c.err != nil {
		return h, c, c.err
	}
	if h.version < 1 || h.version > 3 {
		return h, c, formatErr(start, "attribute message: version %d is not 1, 2 or 3", h.version)
	}
	name := c.take(h.pad(nameSize))
	if c.err != nil {
		return h, c, c.err
	}
	if nameSize == 0 || name[nameSize-1] != 0 {
		return h, c, formatErr(start, "attribute message: name is not NUL-terminated")
	}
	h.name = string(name[:nameSize-1])
	return h, c, nil
}

// AttrNames returns the names of the object's attributes, sorted byte-wise.
func (o *object) AttrNames() ([]string, error) {
	var names []string
	err := o.eachAttribute(func(start, end int) error {
		h, _, err := o.f.attributeHeader(start, end)
		names = append(names, h.name)
		return inObject(err, "attribute of "+o.path)
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// Attr returns the attribute called name.
func (o *object) Attr(name string) (*Attribute, error) {
	var found *Attribute
	err := o.eachAttribute(func(start, end int) error {
		h, _, err := o.f.attributeHeader(start, end)
		if err != nil {
			return inObject(err, "attribute of "+o.path)
		}
		if h.name != name {
			return nil
		}
		if found, err = o.f.parseAttribute(start, end, o.path); err != nil {
			return err
		}
		return errStop
	})
	if err != nil && err != errStop {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("%w: attribute %q of %s", ErrNotFound, name, o.path)
	}
	return found, nil
}

// Name returns the attribute's name.
func (a *Attribute) Name() string { return a.name }

// Shape returns the dimensions: empty for a scalar, nil for a null
// dataspace (no value, h5py.Empty).
func (a *Attribute) Shape() []int {
	if a.space.null {
		return nil
	}
	return append([]int{}, a.space.dims...)
}

// Type returns the stored element type.
func (a *Attribute) Type() Datatype { return a.dtype }

// Len returns the number of elements (1 for a scalar, 0 for null).
func (a *Attribute) Len() int { return a.space.len() }

func (a *Attribute) raw() []byte { return a.f.b[a.start:a.end] }

// Strings returns the attribute's strings: one for a scalar, n for a 1-D
// list, fixed-length or variable-length alike. An empty numeric array (what
// Keras writes for a layer without weights: float64, shape (0,)) gives an
// empty list.
func (a *Attribute) Strings() ([]string, error) {
	if a.dtype.Class != String {
		if a.Len() == 0 {
			return []string{}, nil
		}
		return nil, fmt.Errorf("hdf5: %s holds %s, not strings", a.where(), a.dtype)
	}
	s, err := decodeStrings(a.f, a.raw(), a.Len(), a.dtype)
	return s, inObject(err, a.where())
}

// String returns the value of a scalar or one-element string attribute.
func (a *Attribute) String() (string, error) {
	s, err := a.Strings()
	if err != nil {
		return "", err
	}
	if len(s) != 1 || a.dtype.Class != String {
		return "", fmt.Errorf("hdf5: %s holds %d strings, want exactly 1", a.where(), len(s))
	}
	return s[0], nil
}

// Float64s returns the numeric values as float64, in C order.
func (a *Attribute) Float64s() ([]float64, error) {
	if !a.dtype.numeric() {
		return nil, fmt.Errorf("hdf5: %s holds %s, not numbers", a.where(), a.dtype)
	}
	dst := make([]float64, a.Len())
	decodeFloat64s(dst, a.raw(), a.dtype)
	return dst, nil
}

// Int64s returns the integer values as int64, in C order.
func (a *Attribute) Int64s() ([]int64, error) {
	if a.dtype.Class != Integer {
		return nil, fmt.Errorf("hdf5: %s holds %s, not integers", a.where(), a.dtype)
	}
	dst := make([]int64, a.Len())
	if err := decodeInt64s(dst, a.raw(), a.dtype); err != nil {
		return nil, fmt.Errorf("hdf5: %s: %v", a.where(), err)
	}
	return dst, nil
}
