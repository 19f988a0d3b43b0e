package hdf5

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// The expected values are what h5py 3.7 reads from each file, written by
// tools/hdf5gen/expected.py (real Keras fixtures) and tools/hdf5gen/edge.py
// (files this project makes). See tools/hdf5gen/h5describe.py for the
// meaning of each field.
type expectedFiles struct {
	Files []expectedFile `json:"files"`
}

type expectedFile struct {
	File       string            `json:"file"`
	Member     string            `json:"member"`
	Superblock int               `json:"superblock"`
	Groups     []expectedGroup   `json:"groups"`
	Datasets   []expectedDataset `json:"datasets"`
}

type expectedGroup struct {
	Path    string         `json:"path"`
	Members []string       `json:"members"`
	Attrs   []expectedAttr `json:"attrs"`
}

type expectedDataset struct {
	Path      string         `json:"path"`
	Shape     []int          `json:"shape"`
	Dtype     string         `json:"dtype"`
	Count     int            `json:"count"`
	BigEndian bool           `json:"big_endian"`
	Sum       jsonFloat      `json:"sum"`
	First     *jsonFloat     `json:"first"`
	Last      *jsonFloat     `json:"last"`
	Strings   []string       `json:"strings"`
	Attrs     []expectedAttr `json:"attrs"`
}

type expectedAttr struct {
	Name      string    `json:"name"`
	Dtype     string    `json:"dtype"`
	Shape     []int     `json:"shape"` // null for a null dataspace
	BigEndian bool      `json:"big_endian"`
	Count     int       `json:"count"`
	Sum       jsonFloat `json:"sum"`
	Strings   []string  `json:"strings"`
}

// jsonFloat is a float64 that JSON may also give as "+Inf", "-Inf" or "NaN".
type jsonFloat float64

func (v *jsonFloat) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		f, err := strconv.ParseFloat(s, 64)
		*v = jsonFloat(f)
		return err
	}
	var f float64
	err := json.Unmarshal(b, &f)
	*v = jsonFloat(f)
	return err
}

// same compares floats bit for bit, with NaN equal to NaN.
func same(got float64, want jsonFloat) bool {
	return got == float64(want) || (math.IsNaN(got) && math.IsNaN(float64(want)))
}

// seqSum adds in C order, as the generator's np.cumsum does.
func seqSum[T float32 | float64 | int64](v []T) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x)
	}
	return s
}

func loadExpected(t *testing.T, name string) []expectedFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var e expectedFiles
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(e.Files) == 0 {
		t.Fatalf("%s lists no files", name)
	}
	return e.Files
}

// fixtureBytes returns the HDF5 bytes of a real fixture: the file itself,
// or a member of a .keras zip.
func fixtureBytes(t testing.TB, file, member string) []byte {
	t.Helper()
	b := fixtures.ReadShared(t, "keras", file)
	if member == "" {
		return b
	}
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	r, err := z.Open(member)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	defer r.Close()
	h5, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s!%s: %v", file, member, err)
	}
	return h5
}

func TestRealFixtures(t *testing.T) {
	for _, e := range loadExpected(t, "expected_fixtures.json") {
		t.Run(e.File, func(t *testing.T) {
			checkFile(t, fixtureBytes(t, e.File, e.Member), e)
		})
	}
}

func TestEdgeFiles(t *testing.T) {
	for _, e := range loadExpected(t, "expected_edge.json") {
		t.Run(e.File, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", e.File))
			if err != nil {
				t.Fatal(err)
			}
			checkFile(t, b, e)
		})
	}
}

// checkFile compares everything the reader sees in b with what h5py read.
func checkFile(t *testing.T, b []byte, e expectedFile) {
	t.Helper()
	f, err := Open(b)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got := f.SuperblockVersion(); got != e.Superblock {
		t.Errorf("SuperblockVersion = %d, want %d", got, e.Superblock)
	}
	if got := f.MissingBytes(); got != 0 { // h5py opened it: HDF5 refuses files shorter than their end-of-file address
		t.Errorf("MissingBytes = %d, want 0", got)
	}
	// The tree walked with Members/IsGroup must list exactly h5py's groups
	// and datasets.
	var groups, datasets []string
	walk(t, f.Root(), &groups, &datasets)
	var wantGroups, wantDatasets []string
	for _, g := range e.Groups {
		wantGroups = append(wantGroups, g.Path)
	}
	for _, d := range e.Datasets {
		wantDatasets = append(wantDatasets, d.Path)
	}
	if !slices.Equal(groups, wantGroups) {
		t.Errorf("walk found %d groups, want %d:\n got %q\nwant %q", len(groups), len(wantGroups), groups, wantGroups)
	}
	if !slices.Equal(datasets, wantDatasets) {
		t.Errorf("walk found %d datasets, want %d", len(datasets), len(wantDatasets))
	}

	for _, eg := range e.Groups {
		g := f.Root()
		if eg.Path != "/" {
			if g, err = f.Root().Group(eg.Path[1:]); err != nil {
				t.Errorf("Group(%q): %v", eg.Path, err)
				continue
			}
		}
		if g.Path() != eg.Path {
			t.Errorf("Group(%q).Path() = %q", eg.Path, g.Path())
		}
		members, err := g.Members()
		if err != nil || !slices.Equal(members, eg.Members) {
			t.Errorf("%s: Members() = %q, %v; want %q", eg.Path, members, err, eg.Members)
		}
		checkAttrs(t, eg.Path, &g.object, eg.Attrs)
	}
	for _, ed := range e.Datasets {
		d, err := f.Root().Dataset(ed.Path[1:])
		if err != nil {
			t.Errorf("Dataset(%q): %v", ed.Path, err)
			continue
		}
		checkDataset(t, d, ed)
		checkAttrs(t, ed.Path, &d.object, ed.Attrs)
	}
}

// walk lists the tree depth-first in name order, as h5describe.py does.
func walk(t *testing.T, g *Group, groups, datasets *[]string) {
	t.Helper()
	*groups = append(*groups, g.Path())
	names, err := g.Members()
	if err != nil {
		t.Errorf("%s: Members: %v", g.Path(), err)
		return
	}
	for _, n := range names {
		isGroup, err := g.IsGroup(n)
		if err != nil {
			t.Errorf("%s: IsGroup(%q): %v", g.Path(), n, err)
			continue
		}
		if !isGroup {
			d, err := g.Dataset(n)
			if err != nil {
				t.Errorf("%s: Dataset(%q): %v", g.Path(), n, err)
				continue
			}
			*datasets = append(*datasets, d.Path())
			continue
		}
		sub, err := g.Group(n)
		if err != nil {
			t.Errorf("%s: Group(%q): %v", g.Path(), n, err)
			continue
		}
		walk(t, sub, groups, datasets)
	}
}

func checkDataset(t *testing.T, d *Dataset, e expectedDataset) {
	t.Helper()
	if got := d.Shape(); !slices.Equal(got, e.Shape) || (got == nil) != (e.Shape == nil) {
		t.Errorf("%s: Shape() = %v, want %v", e.Path, got, e.Shape)
	}
	if d.Len() != e.Count {
		t.Errorf("%s: Len() = %d, want %d", e.Path, d.Len(), e.Count)
	}
	typ := d.Type()
	if typ.String() != e.Dtype {
		t.Errorf("%s: Type() = %s, want %s", e.Path, typ, e.Dtype)
	}
	if typ.Class == String {
		got, err := d.Strings()
		if err != nil || !slices.Equal(got, e.Strings) {
			t.Errorf("%s: Strings() = %q, %v; want %q", e.Path, got, err, e.Strings)
		}
		return
	}
	if typ.BigEndian != e.BigEndian {
		t.Errorf("%s: BigEndian = %v, want %v", e.Path, typ.BigEndian, e.BigEndian)
	}
	f64, err := d.Float64s()
	if err != nil {
		t.Errorf("%s: Float64s: %v", e.Path, err)
		return
	}
	if s := seqSum(f64); !same(s, e.Sum) {
		t.Errorf("%s: sum = %v, want %v", e.Path, s, float64(e.Sum))
	}
	if len(f64) > 0 && (!same(f64[0], *e.First) || !same(f64[len(f64)-1], *e.Last)) {
		t.Errorf("%s: first, last = %v, %v; want %v, %v", e.Path, f64[0], f64[len(f64)-1], float64(*e.First), float64(*e.Last))
	}
	// float32 reads: exact for float32/float16 data, a rounding of others.
	f32, err := d.Float32s()
	if err != nil {
		t.Errorf("%s: Float32s: %v", e.Path, err)
		return
	}
	for i, v := range f32 {
		if want := float32(f64[i]); v != want && !(v != v && want != want) {
			t.Errorf("%s: Float32s()[%d] = %v, want %v", e.Path, i, v, want)
			break
		}
	}
	if typ.Class == Integer {
		i64, err := d.Int64s()
		if typ.Size == 8 && !typ.Signed && slices.Contains(f64, math.MaxUint64) {
			if err == nil {
				t.Errorf("%s: Int64s of a uint64 above MaxInt64 gave no error", e.Path)
			}
			return
		}
		if err != nil || !same(seqSum(i64), e.Sum) {
			t.Errorf("%s: Int64s sum = %v, %v; want %v", e.Path, seqSum(i64), err, float64(e.Sum))
		}
	} else if _, err := d.Int64s(); err == nil {
		t.Errorf("%s: Int64s of %s gave no error", e.Path, typ)
	}
}

func checkAttrs(t *testing.T, path string, o *object, want []expectedAttr) {
	t.Helper()
	names, err := o.AttrNames()
	if err != nil {
		t.Errorf("%s: AttrNames: %v", path, err)
		return
	}
	var wantNames []string
	for _, a := range want {
		wantNames = append(wantNames, a.Name)
	}
	if !slices.Equal(names, wantNames) && len(names)+len(wantNames) > 0 {
		t.Errorf("%s: AttrNames() = %q, want %q", path, names, wantNames)
	}
	for _, ea := range want {
		a, err := o.Attr(ea.Name)
		if err != nil {
			t.Errorf("%s: Attr(%q): %v", path, ea.Name, err)
			continue
		}
		where := path + "@" + ea.Name
		if got := a.Shape(); !slices.Equal(got, ea.Shape) || (got == nil) != (ea.Shape == nil) {
			t.Errorf("%s: Shape() = %v, want %v", where, got, ea.Shape)
		}
		if a.Type().String() != ea.Dtype {
			t.Errorf("%s: Type() = %s, want %s", where, a.Type(), ea.Dtype)
		}
		if ea.Strings != nil {
			got, err := a.Strings()
			if err != nil || !slices.Equal(got, ea.Strings) {
				t.Errorf("%s: Strings() = %q, %v; want %q", where, got, err, ea.Strings)
			}
			if len(ea.Strings) == 1 {
				if s, err := a.String(); err != nil || s != ea.Strings[0] {
					t.Errorf("%s: String() = %q, %v; want %q", where, s, err, ea.Strings[0])
				}
			}
			continue
		}
		if a.Type().BigEndian != ea.BigEndian {
			t.Errorf("%s: BigEndian = %v, want %v", where, a.Type().BigEndian, ea.BigEndian)
		}
		v, err := a.Float64s()
		if err != nil || len(v) != ea.Count || !same(seqSum(v), ea.Sum) {
			t.Errorf("%s: Float64s() = %d values summing to %v, %v; want %d summing to %v", where, len(v), seqSum(v), err, ea.Count, float64(ea.Sum))
		}
		// Keras stores "no names" as an empty float64 array.
		if s, err := a.Strings(); ea.Count == 0 && (err != nil || s == nil || len(s) != 0) {
			t.Errorf("%s: Strings() of an empty numeric attribute = %q, %v; want [], nil", where, s, err)
		}
	}
}
