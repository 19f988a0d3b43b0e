package hdf5

import (
	"fmt"
	"math"
	"slices"
)

// maxInflate bounds how much larger than the file the data of a
// deflate-compressed dataset may be: zlib cannot compress better than about
// 1032:1. Other datasets may be no larger than the file, even where their
// storage was never written and reads as the fill value: a tiny file must
// not make the reader allocate gigabytes.
const maxInflate = 1100

// Dataset is an HDF5 dataset: a typed n-dimensional array.
type Dataset struct {
	object
	space     dataspace
	dtype     Datatype
	layout    layout
	filters   []filter
	fillStart int // fill value bytes in the file; empty means zeros
	fillEnd   int
	nbytes    int // elements × element size
}

// newDataset parses the dataset's header messages and checks that its
// storage can hold the elements its dataspace claims, before anything is
// allocated for them.
func (f *File) newDataset(oh objectHeader, path string) (*Dataset, error) {
	d := &Dataset{object: object{f: f, path: path, oh: oh}}
	if err := d.parse(); err != nil {
		return nil, inObject(err, "dataset "+path)
	}
	return d, nil
}

func (d *Dataset) parse() error {
	f, oh := d.f, &d.oh
	if _, ok := oh.find(msgExternal); ok {
		return &UnsupportedError{Feature: "external data files"}
	}
	c, err := f.requiredMessage(oh, msgDataspace, "dataspace message")
	if err != nil {
		return err
	}
	if d.space, err = parseDataspace(&c); err != nil {
		return err
	}
	if c, err = f.requiredMessage(oh, msgDatatype, "datatype message"); err != nil {
		return err
	}
	if d.dtype, err = parseDatatype(&c); err != nil {
		return err
	}
	if c, err = f.requiredMessage(oh, msgLayout, "data layout message"); err != nil {
		return err
	}
	if d.layout, err = parseLayout(&c); err != nil {
		return err
	}
	if m, ok := oh.find(msgFilters); ok {
		if c, err = f.messageCursor(m, "filter pipeline message"); err != nil {
			return err
		}
		if d.filters, err = parseFilters(&c); err != nil {
			return err
		}
	}
	if d.fillStart, d.fillEnd, err = f.parseFill(oh); err != nil {
		return err
	}
	if n := d.fillEnd - d.fillStart; n != 0 && n != d.dtype.Size {
		return formatErr(d.fillStart, "fill value of %d bytes for %d-byte elements", n, d.dtype.Size)
	}
	if d.dtype.VarLen && d.dtype.Size < 8+f.offSize {
		return formatErr(int(oh.addr), "variable-length string references of %d bytes, want %d", d.dtype.Size, 8+f.offSize)
	}
	return d.checkStorage()
}

// requiredMessage returns a cursor over the first message of a type,
// which the object must have.
func (f *File) requiredMessage(oh *objectHeader, typ uint16, what string) (cursor, error) {
	m, ok := oh.find(typ)
	if !ok {
		return cursor{}, formatErr(int(oh.addr), "object header at %#x has no %s", oh.addr, what)
	}
	return f.messageCursor(m, what)
}

// checkStorage bounds the dataset's size by the bytes that store it.
func (d *Dataset) checkStorage() error {
	n := d.space.len()
	if n > 0 && d.dtype.Size > math.MaxInt/n {
		return formatErr(int(d.oh.addr), "dataspace %v of %d-byte elements overflows", d.space.dims, d.dtype.Size)
	}
	d.nbytes = n * d.dtype.Size
	limit, bound := len(d.f.b), "the file"
	if slices.ContainsFunc(d.filters, func(f filter) bool { return f.id == filterDeflate }) {
		limit, bound = maxInflate*len(d.f.b), fmt.Sprintf("%d× the file, the most deflate can expand", maxInflate)
	}
	l := &d.layout
	switch l.class {
	case compactLayout:
		if d.nbytes > l.end-l.start {
			return formatErr(l.start, "compact data holds %d bytes, but %d elements of %d bytes need %d", l.end-l.start, n, d.dtype.Size, d.nbytes)
		}
	case contiguousLayout:
		if l.addr == undefinedAddress {
			break // never written: reads as the fill value, bounded below
		}
		if l.size != unknownSize && l.size < uint64(d.nbytes) {
			return formatErr(int(d.oh.addr), "contiguous storage of %d bytes, but %d elements of %d bytes need %d", l.size, n, d.dtype.Size, d.nbytes)
		}
		if _, _, err := d.f.window(l.addr, uint64(d.nbytes), "contiguous data"); err != nil && d.nbytes > 0 {
			return err
		}
		return nil
	case chunkedLayout:
		if len(l.chunk) != len(d.space.dims) {
			return formatErr(int(d.oh.addr), "chunks of rank %d for a dataspace of rank %d", len(l.chunk), len(d.space.dims))
		}
		chunkElems, ok := elementCount(l.chunk)
		if !ok || chunkElems > limit/max(d.dtype.Size, 1) {
			return formatErr(int(d.oh.addr), "chunk %v of %d-byte elements is larger than %s (%d bytes)", l.chunk, d.dtype.Size, bound, limit)
		}
	}
	if d.nbytes > limit {
		return formatErr(int(d.oh.addr), "dataspace %v of %d-byte elements (%d bytes) is larger than %s (%d bytes); refusing to allocate it",
			d.space.dims, d.dtype.Size, d.nbytes, bound, limit)
	}
	return nil
}

// Path returns the dataset's absolute path.
func (d *Dataset) Path() string { return d.path }

// Shape returns the dimensions: empty for a scalar dataset.
func (d *Dataset) Shape() []int { return append([]int{}, d.space.dims...) }

// Len returns the number of elements (1 for a scalar, 0 for a null dataspace).
func (d *Dataset) Len() int { return d.space.len() }

// Type returns the stored element type.
func (d *Dataset) Type() Datatype { return d.dtype }

// raw returns the dataset's elements in C order as stored (file byte
// order). Contiguous and compact data are slices of the input, not copies.
func (d *Dataset) raw() ([]byte, error) {
	l := &d.layout
	switch l.class {
	case compactLayout:
		return d.f.b[l.start : l.start+d.nbytes], nil
	case contiguousLayout:
		if l.addr == undefinedAddress || d.nbytes == 0 {
			return d.filled(), nil
		}
		start, end, err := d.f.window(l.addr, uint64(d.nbytes), "contiguous data")
		if err != nil {
			return nil, inObject(err, "dataset "+d.path)
		}
		return d.f.b[start:end], nil
	}
	out := d.filled()
	if err := d.readChunks(out); err != nil {
		return nil, inObject(err, "dataset "+d.path)
	}
	return out, nil
}

// filled returns a new buffer for the dataset, holding the fill value.
func (d *Dataset) filled() []byte {
	out := make([]byte, d.nbytes)
	fill := d.f.b[d.fillStart:d.fillEnd]
	if len(fill) == 0 || d.nbytes == 0 {
		return out
	}
	n := copy(out, fill)
	for n < len(out) {
		n += copy(out[n:], out[:n])
	}
	return out
}

// readChunks decodes every stored chunk into out (the dataset in C order).
// Chunks never written keep the fill value already in out.
func (d *Dataset) readChunks(out []byte) error {
	f, l := d.f, &d.layout
	es := d.dtype.Size
	chunkElems, _ := elementCount(l.chunk)
	chunkBytes := chunkElems * es
	dec := &chunkDecoder{filters: d.filters, elemSize: es}
	put := func(addr uint64, size uint64, mask uint32, offsets []int) error {
		start, end, err := f.window(addr, size, "chunk")
		if err != nil {
			return err
		}
		data, err := dec.decode(f.b[start:end], mask, chunkBytes)
		if err != nil {
			return formatErr(start, "chunk at %#x: %v", addr, err)
		}
		copyChunk(out, data, d.space.dims, l.chunk, offsets, es)
		return nil
	}
	if l.single {
		if l.addr == undefinedAddress {
			return nil
		}
		size := l.singleSize
		if size == 0 {
			size = uint64(chunkBytes)
		}
		return put(l.addr, size, l.singleMask, make([]int, len(l.chunk)))
	}
	if l.addr == undefinedAddress {
		return nil // no chunk written yet
	}
	rank := len(l.chunk)
	keySize := 4 + 4 + 8*(rank+1)
	offsets := make([]int, rank)
	return f.walkBTreeV1(l.addr, btreeChunk, keySize, func(key int, child uint64) error {
		c := f.cursor(key, key+keySize, "chunk B-tree key")
		size, mask := c.u32(), c.u32()
		for i := range offsets {
			offsets[i] = c.count(c.uint(8), math.MaxInt, "chunk offset")
		}
		if c.err != nil {
			return c.err
		}
		return put(child, uint64(size), mask, offsets)
	})
}

// copyChunk copies the part of a chunk (dims cdims, at element offsets
// off) that lies inside the dataset (dims dims) into out. Edge chunks are
// stored whole, so their rows are cut at the dataset's bounds.
func copyChunk(out, chunk []byte, dims, cdims, off []int, es int) {
	rank := len(dims)
	if rank == 0 {
		copy(out, chunk)
		return
	}
	count := make([]int, rank)
	for i := range dims {
		if off[i] >= dims[i] {
			return // outside the current extent (the dataset shrank): ignored, as HDF5 does
		}
		count[i] = min(cdims[i], dims[i]-off[i])
	}
	rowBytes := count[rank-1] * es
	idx := make([]int, rank) // position inside the chunk; the last index stays 0
	for {
		src, dst := 0, 0
		for i := range rank {
			src = src*cdims[i] + idx[i]
			dst = dst*dims[i] + off[i] + idx[i]
		}
		copy(out[dst*es:dst*es+rowBytes], chunk[src*es:])
		// Advance the odometer over all dimensions but the last.
		i := rank - 2
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < count[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// ReadFloat32s reads every element, in C order, into dst, whose length must
// be Len(). Integers, float16 and float64 are converted; little-endian
// float32 (Keras weights) is decoded straight from the input bytes.
func (d *Dataset) ReadFloat32s(dst []float32) error {
	if err := d.checkRead(len(dst), "ReadFloat32s"); err != nil {
		return err
	}
	raw, err := d.raw()
	if err != nil {
		return err
	}
	decodeFloat32s(dst, raw, d.dtype)
	return nil
}

// Float32s returns every element as float32, in C order.
func (d *Dataset) Float32s() ([]float32, error) {
	dst := make([]float32, d.Len())
	if err := d.ReadFloat32s(dst); err != nil {
		return nil, err
	}
	return dst, nil
}

// Float64s returns every numeric element as float64, in C order.
func (d *Dataset) Float64s() ([]float64, error) {
	if err := d.checkRead(d.Len(), "Float64s"); err != nil {
		return nil, err
	}
	raw, err := d.raw()
	if err != nil {
		return nil, err
	}
	dst := make([]float64, d.Len())
	decodeFloat64s(dst, raw, d.dtype)
	return dst, nil
}

// Int64s returns every integer element as int64, in C order. Float data is
// an error (read it with Float32s or Float64s).
func (d *Dataset) Int64s() ([]int64, error) {
	if d.dtype.Class != Integer {
		return nil, fmt.Errorf("hdf5: dataset %s holds %s, not integers; read it with Float64s", d.path, d.dtype)
	}
	raw, err := d.raw()
	if err != nil {
		return nil, err
	}
	dst := make([]int64, d.Len())
	if err := decodeInt64s(dst, raw, d.dtype); err != nil {
		return nil, fmt.Errorf("hdf5: dataset %s: %v", d.path, err)
	}
	return dst, nil
}

// Strings returns every string element, in C order.
func (d *Dataset) Strings() ([]string, error) {
	if d.dtype.Class != String {
		return nil, fmt.Errorf("hdf5: dataset %s holds %s, not strings", d.path, d.dtype)
	}
	raw, err := d.raw()
	if err != nil {
		return nil, err
	}
	s, err := decodeStrings(d.f, raw, d.Len(), d.dtype)
	return s, inObject(err, "dataset "+d.path)
}

func (d *Dataset) checkRead(n int, method string) error {
	if !d.dtype.numeric() {
		return fmt.Errorf("hdf5: dataset %s holds %s, not numbers; read it with Strings", d.path, d.dtype)
	}
	if n != d.Len() {
		return fmt.Errorf("hdf5: %s of dataset %s: destination has %d elements, the dataset %d", method, d.path, n, d.Len())
	}
	return nil
}
