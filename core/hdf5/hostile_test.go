package hdf5

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// exercise opens b and reads everything reachable: every group, every
// attribute, every dataset as float32, float64, int64 and strings as its
// type allows. It returns the errors met (the walk goes on after one), so
// a test can assert that hostile input fails cleanly; a panic fails the
// test by itself.
func exercise(b []byte) []error {
	f, err := Open(b)
	if err != nil {
		return []error{err}
	}
	var errs []error
	var visit func(g *Group, depth int)
	visit = func(g *Group, depth int) {
		errs = append(errs, readAttrs(&g.object)...)
		names, err := g.Members()
		if err != nil {
			errs = append(errs, err)
			return
		}
		for _, n := range names {
			isGroup, err := g.IsGroup(n)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if isGroup {
				// Hard links may form cycles (a group linking to an
				// ancestor); the depth cap keeps the walk finite.
				if sub, err := g.Group(n); err != nil {
					errs = append(errs, err)
				} else if depth < 16 {
					visit(sub, depth+1)
				}
				continue
			}
			d, err := g.Dataset(n)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, readAttrs(&d.object)...)
			errs = append(errs, readDataset(d)...)
		}
	}
	visit(f.Root(), 0)
	return slices.DeleteFunc(errs, func(e error) bool { return e == nil })
}

func readAttrs(o *object) []error {
	names, err := o.AttrNames()
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, n := range names {
		a, err := o.Attr(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		a.Shape()
		_ = a.Type().String()
		if a.Type().Class == String {
			_, err = a.Strings()
			errs = append(errs, err)
			continue
		}
		_, err = a.Float64s()
		errs = append(errs, err)
		if a.Type().Class == Integer {
			_, err = a.Int64s()
			errs = append(errs, err)
		}
		_, err = a.Strings()
		errs = append(errs, err)
	}
	return errs
}

func readDataset(d *Dataset) []error {
	d.Shape()
	if d.Type().Class == String {
		_, err := d.Strings()
		return []error{err}
	}
	_, err1 := d.Float32s()
	_, err2 := d.Float64s()
	_, err3 := d.Int64s()
	return []error{err1, err2, err3}
}

// typedError reports whether every error is a FormatError,
// UnsupportedError or a not-found/kind error from this package, i.e. no
// raw error escaped without saying where it happened.
func checkErrors(t *testing.T, what string, errs []error) {
	t.Helper()
	for _, err := range errs {
		if !strings.HasPrefix(err.Error(), "hdf5: ") {
			t.Errorf("%s: error without the hdf5 prefix: %v", what, err)
		}
	}
}

func TestEmptyAndNotHDF5(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"nil", nil, "hdf5: at offset 0x0: the input is empty, not an HDF5 file"},
		{"text", []byte("this is a JSON file, not HDF5"), "hdf5: at offset 0x0: no HDF5 signature found (29 bytes); this is not an HDF5 file"},
		{"signature only", []byte(signature), "hdf5: at offset 0x8: superblock: needs 1 bytes but only 0 remain; the file is truncated or damaged"},
		{"zip", []byte("PK\x03\x04" + strings.Repeat("\x00", 600)), "hdf5: at offset 0x0: no HDF5 signature found (604 bytes); this is not an HDF5 file"},
		{"superblock v4", []byte(signature + "\x04" + strings.Repeat("\x00", 100)), "hdf5: unsupported: superblock version 4 (this reader covers what Keras and h5py write by default; re-save the file with default h5py settings)"},
		{"bad offset size", []byte(signature + "\x00\x00\x00\x00\x00\x03\x08" + strings.Repeat("\x00", 100)), "hdf5: at offset 0x0: superblock: size of offsets 3 / lengths 8 is not 2, 4 or 8"},
	} {
		f, err := Open(tc.in)
		if f != nil || err == nil || err.Error() != tc.want {
			t.Errorf("%s: Open = %v, %v; want error %q", tc.name, f, err, tc.want)
		}
		var fe *FormatError
		var ue *UnsupportedError
		if !errors.As(err, &fe) && !errors.As(err, &ue) {
			t.Errorf("%s: %T is neither a FormatError nor an UnsupportedError", tc.name, err)
		}
	}
}

// hostileInputs lists the small files the hostile tests damage: the edge
// files and the smallest real fixture.
func hostileInputs(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, name := range []string{"latest_dense.h5", "v0_big_group.h5", "chunked.h5", "types.h5", "unsupported.h5"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}

// TestTruncated cuts files at every 997th byte: each prefix must give
// errors, never a panic, and the walk must still visit what it can.
func TestTruncated(t *testing.T) {
	inputs := hostileInputs(t)
	for _, e := range loadExpected(t, "expected_fixtures.json") {
		b := fixtureBytes(t, e.File, e.Member)
		inputs[e.File] = b
	}
	cuts := 0
	for name, b := range inputs {
		for _, n := range metadataCuts(t, b, 997) {
			errs := exercise(b[:n])
			if len(errs) == 0 {
				t.Errorf("%s cut at %d of %d bytes: no error", name, n, len(b))
			}
			checkErrors(t, fmt.Sprintf("%s cut at %d", name, n), errs)
			cuts++
		}
	}
	t.Logf("%d truncated files exercised", cuts)
}

// metadataCuts returns every step-th offset of b that is not inside a
// contiguous dataset's raw data: cutting inside weights is the same case
// over and over, cutting inside metadata is not.
func metadataCuts(t *testing.T, b []byte, step int) []int {
	t.Helper()
	f, err := Open(b)
	if err != nil {
		t.Fatal(err)
	}
	var raw [][2]int
	var visit func(g *Group)
	visit = func(g *Group) {
		names, _ := g.Members()
		for _, n := range names {
			if ok, _ := g.IsGroup(n); ok {
				sub, _ := g.Group(n)
				visit(sub)
			} else if d, err := g.Dataset(n); err == nil && d.layout.class == contiguousLayout && d.layout.addr != undefinedAddress {
				raw = append(raw, [2]int{int(d.layout.addr), int(d.layout.addr) + d.nbytes})
			}
		}
	}
	visit(f.Root())
	var cuts []int
	for n := step; n < len(b); n += step {
		if !slices.ContainsFunc(raw, func(r [2]int) bool { return n > r[0] && n < r[1] }) {
			cuts = append(cuts, n)
		}
	}
	return append(cuts, len(b)-1)
}

// TestCorruptBytes flips the bits of single bytes all over the metadata
// of the small files (offsets, sizes, signatures, versions alike) and
// reads everything. The fuzzer explores further; this is the
// deterministic sample.
func TestCorruptBytes(t *testing.T) {
	n := 0
	for name, b := range hostileInputs(t) {
		for _, i := range metadataCuts(t, b, 211) {
			c := slices.Clone(b)
			c[i] ^= 0xff
			checkErrors(t, fmt.Sprintf("%s[%d]^=0xff", name, i), exercise(c))
			n++
		}
	}
	t.Logf("%d corrupted files exercised", n)
}
