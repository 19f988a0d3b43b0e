package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// exercise opens b and reads everything reachable: every group (its
// attributes, members and their kinds), every dataset (its attributes and
// values as every type it allows). It returns the errors met (the walk
// goes on after one), so a test can assert that hostile input fails
// cleanly; a panic fails the test by itself.
func exercise(b []byte) []error {
	f, err := Open(b)
	if err != nil {
		return []error{err}
	}
	errs := readGroup(f.Root())
	err = f.Root().Walk(func(path string, g *Group, d *Dataset, err error) error {
		switch {
		case err != nil:
			errs = append(errs, err)
		case g != nil:
			errs = append(errs, readGroup(g)...)
		default:
			errs = append(errs, readAttrs(&d.object)...)
			errs = append(errs, readDataset(d)...)
		}
		return nil
	})
	errs = append(errs, err)
	return slices.DeleteFunc(errs, func(e error) bool { return e == nil })
}

func readGroup(g *Group) []error {
	errs := readAttrs(&g.object)
	names, err := g.Members()
	if err != nil {
		return append(errs, err)
	}
	for _, n := range names {
		_, err := g.IsGroup(n)
		errs = append(errs, err)
	}
	return errs
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
	_, err := d.Float32s()
	if d.Len() > 1<<20 {
		// Large (a mutated dataspace of compressed data may reach 1100×
		// the input): one read proves the point without tying up memory.
		return []error{err}
	}
	_, err2 := d.Float64s()
	_, err3 := d.Int64s()
	return []error{err, err2, err3}
}

// checkErrors fails the test for an error without this package's "hdf5: "
// prefix: every error must come from the reader (a FormatError,
// UnsupportedError or not-found/kind error), none escape raw.
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
	if fixtures.SharedDir(t) != "" { // the real files too, where ../shared is present
		for _, e := range loadExpected(t, "expected_fixtures.json") {
			inputs[e.File] = fixtureBytes(t, e.File, e.Member)
		}
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

// patched returns a copy of testdata/name with fn's changes; fn gets the
// opened original to locate structures.
func patched(t *testing.T, name string, fn func(f *File, b []byte)) []byte {
	t.Helper()
	orig, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(orig)
	if err != nil {
		t.Fatal(err)
	}
	b := slices.Clone(orig)
	fn(f, b)
	return b
}

// v1Messages lists the message header offsets of the first block of the
// version 1 object header at addr.
func v1Messages(b []byte, addr int) (types, offsets []int) {
	size := int(binary.LittleEndian.Uint32(b[addr+8:]))
	for p := addr + 16; p+8 <= addr+16+size; p += 8 + int(binary.LittleEndian.Uint16(b[p+2:])) {
		types = append(types, int(binary.LittleEndian.Uint16(b[p:])))
		offsets = append(offsets, p)
	}
	return types, offsets
}

// TestCraftedHostile damages specific structures and checks the exact
// error each gives, with no panic and no allocation beyond the input.
func TestCraftedHostile(t *testing.T) {
	le := binary.LittleEndian
	for _, tc := range []struct {
		name  string
		file  string
		patch func(t *testing.T, f *File, b []byte)
		read  func(f *File) error
		want  string
	}{{
		name: "B-tree child points back at its parent",
		file: "v0_big_group.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			root := btreeOf(t, f, "big")
			le.PutUint64(b[root+24+8:], uint64(root)) // child 0, after the node header and key 0
		},
		read: func(f *File) error { _, err := f.Root().Group("big"); return err },
		want: "hdf5: at offset 0x%x: group /big: B-tree node at 0x%x has level 1, want 0 (one below its parent: the tree loops or is damaged)",
	}, {
		name: "B-tree child points outside the file",
		file: "v0_big_group.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			root := btreeOf(t, f, "big")
			le.PutUint64(b[root+24+8:], 1<<40)
		},
		read: func(f *File) error { _, err := f.Root().Group("big"); return err },
		want: "hdf5: at offset 0x%x: group /big: B-tree node at address 0x10000000000 lies outside the file (35416 bytes); the file is truncated or damaged",
	}, {
		name: "B-tree entry count beyond the file",
		file: "v0_big_group.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			root := btreeOf(t, f, "big")
			le.PutUint16(b[root+6:], 0xffff)
		},
		read: func(f *File) error { _, err := f.Root().Group("big"); return err },
		want: "hdf5: at offset 0x%x: group /big: B-tree node at 0x%x: 65535 entries do not fit in the file",
	}, {
		name: "dataspace of 2^40 elements",
		file: "types.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			d := mustDataset(t, f, "float/float32")
			m, _ := d.oh.find(msgDataspace)
			le.PutUint64(b[m.start+8:], 1<<40)
			// Let the dataset claim unallocated storage, so only the size bound stands.
			l, _ := d.oh.find(msgLayout)
			le.PutUint64(b[l.start+2:], math.MaxUint64)
		},
		read: func(f *File) error { _, err := f.Root().Dataset("float/float32"); return err },
		want: "hdf5: at offset 0x%x: dataset /float/float32: dataspace [1099511627776] of 4-byte elements (4398046511104 bytes) is larger than the file (20904 bytes); refusing to allocate it",
	}, {
		name: "dataspace product overflows",
		file: "types.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			d := mustDataset(t, f, "float/float64_be")
			m, _ := d.oh.find(msgDataspace)
			le.PutUint64(b[m.start+8:], 1<<40)
			le.PutUint64(b[m.start+16:], 1<<40)
		},
		read: func(f *File) error { _, err := f.Root().Dataset("float/float64_be"); return err },
		want: "hdf5: at offset 0x%x: dataset /float/float64_be: dataspace message: shape [1099511627776 1099511627776] has more elements than fit in memory",
	}, {
		name: "compressed dataset claiming more than deflate can give",
		file: "chunked.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			d := mustDataset(t, f, "f64_gzip")
			m, _ := d.oh.find(msgDataspace)
			le.PutUint64(b[m.start+8:], 1<<20)
			le.PutUint64(b[m.start+16:], 1<<10)
		},
		read: func(f *File) error { _, err := f.Root().Dataset("f64_gzip"); return err },
		want: "hdf5: at offset 0x%x: dataset /f64_gzip: dataspace [1048576 1024] of 8-byte elements (8589934592 bytes) is larger than 1100× the file, the most deflate can expand (30010200 bytes); refusing to allocate it",
	}, {
		name: "compressed chunk claiming more than deflate can give",
		file: "chunked.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			d := mustDataset(t, f, "f64_gzip")
			m, _ := d.oh.find(msgLayout)
			le.PutUint32(b[m.start+3+8:], 200) // chunk dimensions after version, class, rank, B-tree address
			le.PutUint32(b[m.start+3+8+4:], 400)
		},
		read: func(f *File) error {
			d, err := f.Root().Dataset("f64_gzip")
			if err == nil {
				_, err = d.Float64s()
			}
			return err
		},
		want: "hdf5: at offset 0x%x: dataset /f64_gzip: chunk at 0x%x: deflate: %d compressed bytes cannot expand to 640000",
	}, {
		name: "attribute dataspace of an unknown version",
		file: "types.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			a := mustAttr(t, mustGroup(t, f.Root(), "attrs"), "f32_list")
			// The v1 dataspace (8 bytes, then the size and maximum size of
			// its one dimension) sits right before the data.
			b[a.start-24] = 9
		},
		read: func(f *File) error {
			g, err := f.Root().Group("attrs")
			if err == nil {
				_, err = g.Attr("f32_list")
			}
			return err
		},
		want: "hdf5: at offset 0x%x: attribute \"f32_list\" of /attrs: dataspace: version 9 is not 1 or 2",
	}, {
		name: "attribute message of an unknown version",
		file: "types.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			b[attrMessage(t, mustGroup(t, f.Root(), "attrs"), "f32_list")] = 7
		},
		read: func(f *File) error {
			g, err := f.Root().Group("attrs")
			if err == nil {
				_, err = g.AttrNames()
			}
			return err
		},
		want: "hdf5: at offset 0x%x: attribute of /attrs: attribute message: version 7 is not 1, 2 or 3",
	}, {
		name: "attribute name without its NUL",
		file: "types.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			m := attrMessage(t, mustGroup(t, f.Root(), "attrs"), "f32_list")
			nameEnd := m + 8 + int(le.Uint16(b[m+2:])) // version 1 and 2: the name follows 8 bytes of header
			if b[m] == 3 {
				nameEnd++ // version 3 has a character set byte before it
			}
			b[nameEnd-1] = 'x'
		},
		read: func(f *File) error {
			g, err := f.Root().Group("attrs")
			if err == nil {
				_, err = g.Attr("f32_list")
			}
			return err
		},
		want: "hdf5: at offset 0x%x: attribute of /attrs: attribute message: name is not NUL-terminated",
	}, {
		name: "continuation block that loops to its own header",
		file: "types.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			d := mustDataset(t, f, "float/float32")
			types, offs := v1Messages(b, int(d.oh.addr))
			i := slices.Index(types, msgNIL)
			if i < 0 || le.Uint16(b[offs[i]+2:]) < 16 {
				t.Fatal("no NIL message of 16 bytes to turn into a continuation")
			}
			le.PutUint16(b[offs[i]:], msgContinuation)
			le.PutUint64(b[offs[i]+8:], d.oh.addr+16)                        // the first block itself
			le.PutUint64(b[offs[i]+16:], uint64(le.Uint32(b[d.oh.addr+8:]))) // its size
		},
		read: func(f *File) error { _, err := f.Root().Dataset("float/float32"); return err },
		want: "hdf5: at offset 0x%x: /float/float32: object header at 0x%x: continuation block 0x%x is read twice (a loop)",
	}, {
		name: "contiguous data past the end",
		file: "types.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			d := mustDataset(t, f, "float/float32")
			l, _ := d.oh.find(msgLayout)
			le.PutUint64(b[l.start+2:], uint64(len(b)-10))
		},
		read: func(f *File) error { _, err := f.Root().Dataset("float/float32"); return err },
		want: "hdf5: at offset 0x%x: dataset /float/float32: contiguous data at address 0x%x (52 bytes) lies outside the file (20904 bytes); the file is truncated or damaged",
	}, {
		name: "local heap name offset out of range",
		file: "v0_big_group.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			m, _ := f.Root().oh.find(msgSymbolTable)
			heap := int(le.Uint64(b[m.start+8:]))
			le.PutUint64(b[heap+8:], 4) // data segment size
		},
		read: func(f *File) error { _, err := Open(f.b); return err },
		want: "hdf5: at offset 0x%x: group /: local heap: name offset %d is outside the 4-byte data segment",
	}, {
		name: "v2 B-tree node pointing at the header",
		file: "latest_dense.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			_, names := linkInfo(t, mustGroup(t, f.Root(), "many"))
			le.PutUint64(b[names+4+1+1+4+2+2+1+1:], names) // root node address := the header
		},
		read: func(f *File) error { _, err := f.Root().Group("many"); return err },
		want: "hdf5: at offset 0x%x: group /many: v2 B-tree node: expected signature \"BTIN\", found \"BTHD\"",
	}, {
		name: "fractal heap object beyond its block",
		file: "latest_dense.h5",
		patch: func(t *testing.T, f *File, b []byte) {
			heap, _ := linkInfo(t, mustGroup(t, f.Root(), "many"))
			// Shrink the doubling table so that heap offsets fall outside it.
			le.PutUint16(b[int(heap)+4+1+2+2+1+4+12*8+2+8+8+2+2+8:], 1)
		},
		read: func(f *File) error { _, err := f.Root().Group("many"); return err },
		want: "hdf5: at offset 0x%x: group /many: fractal heap at 0x%x: heap offset %d is outside the doubling table",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b := patched(t, tc.file, func(f *File, b []byte) { tc.patch(t, f, b) })
			f, err := Open(b)
			if err == nil {
				err = tc.read(f)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v (%T), want a FormatError", err, err)
			}
			// Offsets depend on the file layout: the test takes them from
			// the error and checks the rest of the text.
			want := tc.want
			if strings.Contains(want, "%") {
				want = fillOffsets(want, err.Error())
			}
			if err.Error() != want {
				t.Errorf("error:\n got %v\nwant %s", err, want)
			}
			checkErrors(t, tc.name, exercise(b))
		})
	}
}

// fillOffsets fills the %x and %d verbs of want with the numbers found at
// the same places in got, so only the words are compared.
func fillOffsets(want, got string) string {
	var args []any
	w, g := want, got
	for {
		i := strings.IndexByte(w, '%')
		if i < 0 || i > len(g) || w[:i] != g[:i] {
			break
		}
		g = g[i:]
		j := 0
		for j < len(g) && strings.ContainsRune("0123456789abcdef", rune(g[j])) {
			j++
		}
		args = append(args, g[:j])
		g = g[j:]
		w = w[i+2:]
	}
	if len(args) == 0 {
		return want
	}
	return fmt.Sprintf(strings.NewReplacer("%x", "%s", "%d", "%s").Replace(want), args...)
}

// attrMessage returns the file offset of the header message holding the
// attribute called name.
func attrMessage(t *testing.T, g *Group, name string) int {
	t.Helper()
	for _, m := range g.oh.msgs {
		if h, _, err := g.f.attributeHeader(m.start, m.end); m.typ == msgAttribute && err == nil && h.name == name {
			return m.start
		}
	}
	t.Fatalf("%s has no attribute message %q", g.path, name)
	return 0
}

// btreeOf returns the file offset of a group's symbol table B-tree.
func btreeOf(t *testing.T, f *File, path string) int {
	t.Helper()
	m, _ := mustGroup(t, f.Root(), path).oh.find(msgSymbolTable)
	return int(binary.LittleEndian.Uint64(f.b[m.start:]))
}
