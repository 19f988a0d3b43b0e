package hdf5

import "math"

// maxRank is HDF5's limit on the number of dimensions (H5S_MAX_RANK).
const maxRank = 32

// dataspace is the shape of a dataset or attribute: dims is empty for a
// scalar; null is the "no data" dataspace (h5py.Empty).
type dataspace struct {
	dims []int
	null bool
}

// parseDataspace decodes a dataspace message (spec §IV.A.2.b), versions 1
// and 2. Maximum dimensions and permutations are skipped: only the current
// shape matters for reading.
func parseDataspace(c *cursor) (dataspace, error) {
	version := c.u8()
	rank := int(c.u8())
	flags := c.u8()
	var s dataspace
	if c.err != nil {
		return s, c.err
	}
	switch version {
	case 1:
		c.skip(5) // reserved
	case 2:
		kind := c.u8()
		if c.err != nil {
			return s, c.err
		}
		switch kind {
		case 0, 1: // scalar (rank 0) or simple
		case 2:
			s.null = true
		default:
			return s, formatErr(c.pos-1, "%s: type %d is not scalar, simple or null", c.what, kind)
		}
	default:
		return s, formatErr(c.pos-3, "%s: version %d is not 1 or 2", c.what, version)
	}
	if c.err != nil {
		return s, c.err
	}
	if rank > maxRank {
		return s, formatErr(c.pos, "%s: rank %d exceeds HDF5's maximum of %d", c.what, rank, maxRank)
	}
	if s.null {
		return s, nil
	}
	s.dims = make([]int, rank)
	for i := range s.dims {
		// Each dimension is bounded later against the storage size; here
		// only against what an int holds.
		s.dims[i] = c.count(c.length(), math.MaxInt, "dimension")
	}
	_ = flags // bit 0: maximum dimensions follow; bit 1: permutation (never written)
	if c.err != nil {
		return s, c.err
	}
	if _, ok := elementCount(s.dims); !ok {
		return s, formatErr(c.pos, "%s: shape %v has more elements than fit in memory", c.what, s.dims)
	}
	return s, nil
}

// elementCount is the product of dims (1 for a scalar), or false on overflow.
func elementCount(dims []int) (int, bool) {
	n := 1
	for _, d := range dims {
		if d != 0 && n > math.MaxInt/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// len returns the number of elements: 0 for null, 1 for scalar.
func (s dataspace) len() int {
	if s.null {
		return 0
	}
	n, _ := elementCount(s.dims)
	return n
}
