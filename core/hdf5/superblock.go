package hdf5

import "strconv"

// signature is the 8-byte HDF5 format signature that starts the superblock.
const signature = "\x89HDF\r\n\x1a\n"

// File is an HDF5 file opened over a byte slice.
type File struct {
	b        []byte
	version  int    // superblock version, 0–3
	offSize  int    // bytes in a file address
	lenSize  int    // bytes in a length
	base     uint64 // base address: file addresses are relative to it
	rootAddr uint64 // address of the root group's object header
	eof      uint64 // end-of-file address: the size the file should have, less base
	root     *Group
}

// Open reads the superblock and root group of the HDF5 file in b. The File
// keeps referencing b (nothing is copied), so b must not change while the
// File is in use.
func Open(b []byte) (*File, error) {
	at, err := findSignature(b)
	if err != nil {
		return nil, err
	}
	f := &File{b: b}
	if err := f.readSuperblock(at); err != nil {
		return nil, err
	}
	root, err := f.openGroup(f.rootAddr, "/")
	if err != nil {
		return nil, err
	}
	f.root = root
	return f, nil
}

// Root returns the root group "/".
func (f *File) Root() *Group { return f.root }

// MissingBytes returns how many bytes the input lacks to reach the
// end-of-file address in the superblock: more than zero when the file was
// cut short, as an interrupted download leaves it. The HDF5 library
// refuses such a file outright; this reader reads what lies before the
// cut and gives a FormatError for anything past it, so a caller can read
// what it needs and warn about the rest.
func (f *File) MissingBytes() uint64 {
	if f.eof == undefinedAddress {
		return 0
	}
	want := f.base + f.eof
	if want < f.eof || want <= uint64(len(f.b)) { // overflow: a damaged address, not a cut
		return 0
	}
	return want - uint64(len(f.b))
}

// SuperblockVersion returns the superblock version (0 for files written
// with h5py's defaults, as Keras does; 2 or 3 with libver="latest").
func (f *File) SuperblockVersion() int { return f.version }

// findSignature looks for the superblock at offset 0 and then at every
// power of two from 512 (the spec's user-block positions).
func findSignature(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, formatErr(0, "the input is empty, not an HDF5 file")
	}
	for at := 0; at+len(signature) <= len(b); at = max(512, 2*at) {
		if string(b[at:at+len(signature)]) == signature {
			return at, nil
		}
	}
	return 0, formatErr(0, "no HDF5 signature found (%d bytes); this is not an HDF5 file", len(b))
}

func (f *File) readSuperblock(at int) error {
	c := f.cursor(at+len(signature), len(f.b), "superblock")
	f.version = int(c.u8())
	switch f.version {
	case 0, 1:
		c.skip(4) // free-space, root symbol table entry and shared header versions, reserved
		f.offSize, f.lenSize = int(c.u8()), int(c.u8())
		c.skip(1 + 2 + 2 + 4) // reserved, group leaf/internal node K, consistency flags
		if f.version == 1 {
			c.skip(4) // indexed storage internal node K, reserved
		}
	case 2, 3:
		f.offSize, f.lenSize = int(c.u8()), int(c.u8())
		c.skip(1) // consistency flags
	default:
		return &UnsupportedError{Feature: "superblock version " + strconv.Itoa(f.version)}
	}
	if c.err != nil {
		return c.err
	}
	for _, s := range []int{f.offSize, f.lenSize} {
		if s != 2 && s != 4 && s != 8 {
			return formatErr(at, "superblock: size of offsets %d / lengths %d is not 2, 4 or 8", f.offSize, f.lenSize)
		}
	}
	c.offSize, c.lenSize = f.offSize, f.lenSize
	c.address() // base address, see below
	if f.version <= 1 {
		c.address() // free-space info
		f.eof = c.address()
		c.address() // driver info block
		// The root group symbol table entry: link name offset, then the
		// object header address; its cache holds nothing we need.
		c.address()
		f.rootAddr = c.address()
	} else {
		c.address() // superblock extension
		f.eof = c.address()
		f.rootAddr = c.address()
	}
	if c.err != nil {
		return c.err
	}
	// Addresses are relative to the superblock: the HDF5 library replaces
	// a stored base address that differs from the superblock position
	// (a file with a user block) by that position, and so do we.
	f.base = uint64(at)
	return nil
}
