package hdf5

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func openTestdata(t *testing.T, name string) *File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

func mustDataset(t *testing.T, f *File, path string) *Dataset {
	t.Helper()
	d, err := f.Root().Dataset(path)
	if err != nil {
		t.Fatalf("Dataset(%q): %v", path, err)
	}
	return d
}

func mustAttr(t *testing.T, o interface {
	Attr(string) (*Attribute, error)
}, name string) *Attribute {
	t.Helper()
	a, err := o.Attr(name)
	if err != nil {
		t.Fatalf("Attr(%q): %v", name, err)
	}
	return a
}

// TestUnsupported checks that valid HDF5 outside the reader's scope is
// refused with an UnsupportedError naming the feature and the object.
func TestUnsupported(t *testing.T) {
	f := openTestdata(t, "unsupported.h5")
	const hint = " (this reader covers what Keras and h5py write by default; re-save the file with default h5py settings)"
	for _, tc := range []struct{ path, feature, where string }{
		{"fletcher32", "filter fletcher32 (id 3; only gzip and shuffle are read)", "dataset /fletcher32"},
		{"scaleoffset", "filter scaleoffset (id 6; only gzip and shuffle are read)", "dataset /scaleoffset"},
		{"compound", "compound datatype", "dataset /compound"},
		{"fixed_array_index", "chunk index fixed array (data layout version 4, from libver='latest')", "dataset /fixed_array_index"},
		{"soft", "soft link (to /fletcher32)", "/soft"},
	} {
		_, err := f.Root().Dataset(tc.path)
		want := "hdf5: unsupported: " + tc.feature + " in " + tc.where + hint
		if err == nil || err.Error() != want {
			t.Errorf("Dataset(%q) error:\n got %v\nwant %s", tc.path, err, want)
		}
		var ue *UnsupportedError
		if !errors.As(err, &ue) || ue.Feature != tc.feature || ue.Path != tc.where {
			t.Errorf("Dataset(%q): %#v, want an UnsupportedError{%q, %q}", tc.path, err, tc.feature, tc.where)
		}
	}
	// An attribute of an unsupported type is listed; only reading it fails.
	names, err := f.Root().AttrNames()
	if err != nil || !slices.Equal(names, []string{"enum"}) {
		t.Errorf("AttrNames() = %q, %v; want [enum]", names, err)
	}
	_, err = f.Root().Attr("enum")
	if want := `hdf5: unsupported: enum datatype in attribute "enum" of /` + hint; err == nil || err.Error() != want {
		t.Errorf("Attr(enum) error:\n got %v\nwant %s", err, want)
	}
	// The members are all listed, whatever they are.
	members, _ := f.Root().Members()
	if want := []string{"compound", "fixed_array_index", "fletcher32", "scaleoffset", "soft"}; !slices.Equal(members, want) {
		t.Errorf("Members() = %q, want %q", members, want)
	}
}

func TestNotFoundAndWrongKind(t *testing.T) {
	f := openTestdata(t, "v0_big_group.h5")
	root := f.Root()
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"missing dataset", func() error { _, err := root.Dataset("big/conv_0/BN/beta:0"); return err },
			"hdf5: not found: member /big/conv_0/BN/beta:0"},
		{"missing group on the way", func() error { _, err := root.Group("big/conv_1/BN"); return err },
			"hdf5: not found: member /big/conv_1"},
		{"missing attribute", func() error { _, err := root.Attr("layer_names"); return err },
			`hdf5: not found: attribute "layer_names" of /`},
		{"missing IsGroup", func() error { _, err := root.IsGroup("nope"); return err },
			"hdf5: not found: member /nope"},
	} {
		err := tc.call()
		if !errors.Is(err, ErrNotFound) || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q wrapping ErrNotFound", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"dataset as group", func() error { _, err := root.Group("data"); return err }, "hdf5: /data is a dataset, not a group"},
		{"group as dataset", func() error { _, err := root.Dataset("big/conv_0"); return err }, "hdf5: /big/conv_0 is a group, not a dataset"},
		{"dataset in the middle", func() error { _, err := root.Dataset("data/x"); return err }, "hdf5: /data is a dataset, not a group"},
		{"empty component", func() error { _, err := root.Dataset("big//m000"); return err },
			`hdf5: /: path "big//m000" has an empty, "." or ".." component; give names relative to the group`},
	} {
		if err := tc.call(); err == nil || err.Error() != tc.want || errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestKerasLayerNamesWithSlash: a layer called "conv_0/BN" is the group
// conv_0 holding BN; paths resolve one component at a time.
func TestKerasLayerNamesWithSlash(t *testing.T) {
	f, err := Open(fixtureBytes(t, "akidanet_imagenet_224_alpha_25_keras2.10.h5", ""))
	if err != nil {
		t.Fatal(err)
	}
	mw, err := f.Root().Group("model_weights")
	if err != nil {
		t.Fatal(err)
	}
	bn, err := mw.Group("conv_0/BN")
	if err != nil {
		t.Fatal(err)
	}
	if bn.Path() != "/model_weights/conv_0/BN" {
		t.Errorf("Path() = %q", bn.Path())
	}
	wn, err := mustAttr(t, bn, "weight_names").Strings()
	if want := []string{"conv_0/BN/gamma:0", "conv_0/BN/beta:0", "conv_0/BN/moving_mean:0", "conv_0/BN/moving_variance:0"}; err != nil || !slices.Equal(wn, want) {
		t.Fatalf("weight_names = %q, %v", wn, err)
	}
	d, err := bn.Dataset(wn[0])
	if err != nil {
		t.Fatal(err)
	}
	if d.Path() != "/model_weights/conv_0/BN/conv_0/BN/gamma:0" || !slices.Equal(d.Shape(), []int{8}) || d.Type().String() != "float32" {
		t.Errorf("%s: shape %v type %s", d.Path(), d.Shape(), d.Type())
	}
	isGroup, err := mw.IsGroup("separable_4")
	if err != nil || !isGroup {
		t.Errorf("IsGroup(separable_4) = %v, %v", isGroup, err)
	}
	isGroup, err = mw.IsGroup("separable_4/separable_4/depthwise_kernel:0")
	if err != nil || isGroup {
		t.Errorf("IsGroup(separable_4/.../depthwise_kernel:0) = %v, %v", isGroup, err)
	}
	// A layer without weights has an empty float64 weight_names.
	drop := mustAttr(t, mustGroup(t, mw, "dropout"), "weight_names")
	if s, err := drop.Strings(); err != nil || s == nil || len(s) != 0 || drop.Type().String() != "float64" || !slices.Equal(drop.Shape(), []int{0}) {
		t.Errorf("dropout weight_names: %q, %v, %s %v", s, err, drop.Type(), drop.Shape())
	}
	if _, err := drop.String(); err == nil {
		t.Error("String() of an empty list gave no error")
	}
}

func mustGroup(t *testing.T, g *Group, path string) *Group {
	t.Helper()
	sub, err := g.Group(path)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// TestKerasAttributeEncodings: the encodings of spec/keras-files.md §1.2
// and §1.3 side by side in types.h5.
func TestKerasAttributeEncodings(t *testing.T) {
	f := openTestdata(t, "types.h5")
	k := mustGroup(t, f.Root(), "keras_model_weights")
	var names []string
	for i := 0; ; i++ {
		a, err := k.Attr("layer_names" + string(rune('0'+i)))
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if a.Type().String() != "string(27)" || a.Type().VarLen {
			t.Errorf("%s: %s, want fixed string(27)", a.Name(), a.Type())
		}
		s, err := a.Strings()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, s...)
	}
	if len(names) != 10 || names[0] != "layer_with_a_long_name_0000" || names[9] != "layer_with_a_long_name_0009" {
		t.Errorf("layer_names0+1 = %q", names)
	}
	wn := mustAttr(t, k, "weight_names")
	if s, err := wn.Strings(); err != nil || !slices.Equal(s, []string{"dense/kernel:0", "dense/bias:0"}) || wn.Type().String() != "string(vlen)" {
		t.Errorf("weight_names = %q, %v (%s)", s, err, wn.Type())
	}
	a := mustGroup(t, f.Root(), "attrs")
	for name, want := range map[string]string{
		"str_scalar_utf8":       "keras 2.15.0 ✓",
		"bytes_scalar":          `{"class_name": "Functional"}`,
		"fixed_scalar":          "tf",
		"fixed_spacepad_scalar": "hi",
		"one_element_list":      "only",
	} {
		if s, err := mustAttr(t, a, name).String(); err != nil || s != want {
			t.Errorf("%s: String() = %q, %v; want %q", name, s, err, want)
		}
	}
	if _, err := mustAttr(t, a, "vlen_list").String(); err == nil {
		t.Error("String() of a 3-element list gave no error")
	}
	if v, err := mustAttr(t, a, "i64_scalar").Int64s(); err != nil || !slices.Equal(v, []int64{-9}) {
		t.Errorf("i64_scalar = %v, %v", v, err)
	}
	if v, err := mustAttr(t, a, "f64_be").Float64s(); err != nil || !slices.Equal(v, []float64{3.5, -1}) {
		t.Errorf("f64_be = %v, %v", v, err)
	}
	null := mustAttr(t, a, "null")
	if null.Shape() != nil || null.Len() != 0 {
		t.Errorf("null attribute: shape %v len %d", null.Shape(), null.Len())
	}
	if _, err := mustAttr(t, a, "f32_list").Strings(); err == nil {
		t.Error("Strings() of a non-empty float list gave no error")
	}
}

// TestExactValues pins decoded values that sums could hide: integer
// extremes of every width, float16 specials, big-endian data, fill values.
func TestExactValues(t *testing.T) {
	f := openTestdata(t, "types.h5")
	ints := map[string][]int64{
		"int/int8":      {-128, -1, 0, 1, 127, -128, 127},
		"int/uint8":     {0, 1, 127, 200, 255, 0, 255},
		"int/int16":     {-128, -1, 0, 1, 127, math.MinInt16, math.MaxInt16},
		"int/uint16":    {0, 1, 127, 200, 255, 0, math.MaxUint16},
		"int/int32":     {-128, -1, 0, 1, 127, math.MinInt32, math.MaxInt32},
		"int/uint32":    {0, 1, 127, 200, 255, 0, math.MaxUint32},
		"int/int64":     {-128, -1, 0, 1, 127, math.MinInt64, math.MaxInt64},
		"int/int64_be":  {-5, 1 << 40, 3},
		"int/uint16_be": {1, 258, 65535},
	}
	for path, want := range ints {
		got, err := mustDataset(t, f, path).Int64s()
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: Int64s() = %v, %v; want %v", path, got, err, want)
		}
	}
	_, err := mustDataset(t, f, "int/uint64").Int64s()
	if want := "hdf5: dataset /int/uint64: element 6, 18446744073709551615, does not fit in an int64"; err == nil || err.Error() != want {
		t.Errorf("uint64 max: %v, want %q", err, want)
	}
	f16, err := mustDataset(t, f, "float/float16").Float32s()
	// 6.1e-5 and 1e-7 are below the smallest normal half: subnormals
	// 1023×2⁻²⁴ and 2×2⁻²⁴.
	want16 := []float32{0.5, -2, 65504, 1023.0 / (1 << 24), 2.0 / (1 << 24), 0, 0, 3.140625}
	if err != nil || !slices.Equal(f16, want16) || !math.Signbit(float64(f16[6])) {
		t.Errorf("float16 = %v, %v; want %v (last zero negative)", f16, err, want16)
	}
	inf, _ := mustDataset(t, f, "float/float16_inf_nan").Float32s()
	if !math.IsInf(float64(inf[0]), 1) || !math.IsInf(float64(inf[1]), -1) || inf[2] != 1 {
		t.Errorf("float16 infinities = %v", inf)
	}
	be, _ := mustDataset(t, f, "float/float32_be").Float32s()
	le, _ := mustDataset(t, f, "float/float32").Float32s()
	if !slices.Equal(be, le) || le[1] != float32(math.Sin(0.37)+0.01) {
		t.Errorf("float32 big-endian %v != little-endian %v", be, le)
	}
	if s, err := mustDataset(t, f, "str/fixed_nullterm").Strings(); err != nil || !slices.Equal(s, []string{"xy", "hello"}) {
		t.Errorf("fixed_nullterm = %q, %v", s, err)
	}
	if v, err := mustDataset(t, f, "compact_f32").Float64s(); err != nil || !slices.Equal(v, []float64{1, 2, 3, 4, 5, 6.5}) {
		t.Errorf("compact_f32 = %v, %v", v, err)
	}

	c := openTestdata(t, "chunked.h5")
	part, err := mustDataset(t, c, "f32_partly_written").Float32s()
	if err != nil || part[0] != 0 || part[3*10+3] != 15 || part[4] != -1.5 || part[99] != -1.5 {
		t.Errorf("f32_partly_written: %v, %v", part, err)
	}
	if v, err := mustDataset(t, c, "i32_unwritten").Int64s(); err != nil || !slices.Equal(v, []int64{7, 7, 7, 7, 7, 7}) {
		t.Errorf("i32_unwritten = %v, %v", v, err)
	}
	if v, err := mustDataset(t, c, "f32_unwritten_nofill").Float32s(); err != nil || !slices.Equal(v, []float32{0, 0, 0}) {
		t.Errorf("f32_unwritten_nofill = %v, %v", v, err)
	}
}

func TestReadErrors(t *testing.T) {
	f := openTestdata(t, "types.h5")
	d := mustDataset(t, f, "float/float32")
	if err := d.ReadFloat32s(make([]float32, 12)); err == nil || err.Error() != "hdf5: ReadFloat32s of dataset /float/float32: destination has 12 elements, the dataset 13" {
		t.Errorf("short dst: %v", err)
	}
	if _, err := d.Int64s(); err == nil || err.Error() != "hdf5: dataset /float/float32 holds float32, not integers; read it with Float64s" {
		t.Errorf("Int64s of float32: %v", err)
	}
	if _, err := d.Strings(); err == nil || err.Error() != "hdf5: dataset /float/float32 holds float32, not strings" {
		t.Errorf("Strings of float32: %v", err)
	}
	s := mustDataset(t, f, "str/vlen_ascii")
	if _, err := s.Float32s(); err == nil || err.Error() != "hdf5: dataset /str/vlen_ascii holds string(vlen), not numbers; read it with Strings" {
		t.Errorf("Float32s of strings: %v", err)
	}
}

// TestFloat32Paths: the copy used on little-endian hosts and the portable
// loop used on big-endian ones decode the same values.
func TestFloat32Paths(t *testing.T) {
	src := make([]byte, 4*1000)
	for i := range 1000 {
		binary.LittleEndian.PutUint32(src[4*i:], math.Float32bits(float32(i)*-0.37)^uint32(i%3)<<30)
	}
	a, b := make([]float32, 1000), make([]float32, 1000)
	littleEndianFloat32s(a, src)
	decodeLittleEndianFloat32s(b, src)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) || math.Float32bits(a[i]) != binary.LittleEndian.Uint32(src[4*i:]) {
			t.Fatalf("element %d: %v vs %v", i, a[i], b[i])
		}
	}
	littleEndianFloat32s(nil, nil) // no element, no panic
}

// TestWalk visits every object once per link and stops on request.
func TestWalk(t *testing.T) {
	f := openTestdata(t, "v0_big_group.h5")
	var groups, datasets int
	err := f.Root().Walk(func(path string, g *Group, d *Dataset, err error) error {
		switch {
		case err != nil:
			return err
		case g != nil:
			groups++
		case d != nil:
			datasets++
			if d.Path() != path {
				t.Errorf("dataset path %q, walk path %q", d.Path(), path)
			}
		}
		return nil
	})
	if err != nil || groups != 3 || datasets != 302 {
		t.Errorf("Walk: %d groups, %d datasets, %v; want 3, 302", groups, datasets, err)
	}
	stop := errors.New("stop here")
	n := 0
	err = f.Root().Walk(func(string, *Group, *Dataset, error) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("Walk returned %v after %d calls, want the callback's error after 1", err, n)
	}
	// Walking unsupported.h5 reports each unsupported member to the callback.
	u := openTestdata(t, "unsupported.h5")
	var failed []string
	err = u.Root().Walk(func(path string, g *Group, d *Dataset, err error) error {
		var ue *UnsupportedError
		if errors.As(err, &ue) {
			failed = append(failed, path)
		}
		return nil
	})
	if want := []string{"/compound", "/fixed_array_index", "/fletcher32", "/scaleoffset", "/soft"}; err != nil || !slices.Equal(failed, want) {
		t.Errorf("Walk(unsupported.h5) failed on %q, %v; want %q", failed, err, want)
	}
}

// TestEdgeStructures checks that the edge files really contain the
// structures they are meant to test, so a passing TestEdgeFiles means
// those structures were read.
func TestEdgeStructures(t *testing.T) {
	latest := openTestdata(t, "latest_dense.h5")
	if latest.SuperblockVersion() != 3 || string(latest.b[latest.Root().oh.addr:][:4]) != "OHDR" {
		t.Errorf("latest_dense.h5: superblock %d, root header not OHDR", latest.SuperblockVersion())
	}
	many := mustGroup(t, latest.Root(), "many")
	heap, names := linkInfo(t, many)
	h, err := latest.readFractalHeap(heap)
	if err != nil || h.rootRows == 0 {
		t.Errorf("/many: fractal heap %+v, %v; want an indirect root block", h, err)
	}
	bt, err := latest.readBTreeV2(names, btree2LinkNames)
	if err != nil || bt.depth != 1 {
		t.Errorf("/many: name index depth %d, %v; want 1 (internal node)", bt.depth, err)
	}
	if m, _ := many.Members(); len(m) != 300 {
		t.Errorf("/many has %d members, want 300", len(m))
	}
	attrs := mustGroup(t, latest.Root(), "attrs")
	if _, ok := attrs.oh.find(msgAttrInfo); !ok {
		t.Error("/attrs has no attribute info message (attributes are not dense)")
	}
	big := mustAttr(t, attrs, "big")
	if big.Len() != 10000 || big.end-big.start != 80000 {
		t.Errorf("/attrs@big: %d elements in %d bytes", big.Len(), big.end-big.start)
	}
	small := mustGroup(t, latest.Root(), "small")
	if _, ok := small.oh.find(msgLink); !ok {
		t.Error("/small has no link messages (not a compact new-style group)")
	}
	for path, filtered := range map[string]bool{"small/single_chunk_gzip": true, "small/single_chunk": false} {
		if l := mustDataset(t, latest, path).layout; !l.single || (l.singleSize > 0) != filtered {
			t.Errorf("%s: layout %+v, want a single-chunk index (filtered: %v)", path, l, filtered)
		}
	}

	v0 := openTestdata(t, "v0_big_group.h5")
	g := mustGroup(t, v0.Root(), "big")
	m, _ := g.oh.find(msgSymbolTable)
	btree := int(binary.LittleEndian.Uint64(v0.b[m.start:]))
	if level := v0.b[btree+5]; level != 1 {
		t.Errorf("/big: B-tree root level %d, want 1", level)
	}

	c := openTestdata(t, "chunked.h5")
	d := mustDataset(t, c, "f32_gzip_shuffle")
	if d.layout.class != chunkedLayout || len(d.filters) != 2 || d.filters[0].id != filterShuffle || d.filters[1].id != filterDeflate {
		t.Errorf("f32_gzip_shuffle: layout %d filters %v", d.layout.class, d.filters)
	}
	if mustDataset(t, openTestdata(t, "types.h5"), "compact_f32").layout.class != compactLayout {
		t.Error("compact_f32 is not compact")
	}
}

func linkInfo(t *testing.T, g *Group) (heap, names uint64) {
	t.Helper()
	m, ok := g.oh.find(msgLinkInfo)
	if !ok {
		t.Fatalf("%s has no link info message", g.Path())
	}
	c := g.f.cursor(m.start, m.end, "")
	c.skip(2)
	return c.address(), c.address()
}

// MissingBytes is what the input lacks against the end-of-file address of
// its superblock (versions 0 and 3 here). h5py writes the root group's
// heap last, so these files are given a larger end-of-file address
// instead of being cut; core/keras tests real cuts. Bytes after the end (a
// file padded by a copy tool) are not missing.
func TestMissingBytes(t *testing.T) {
	for name, eofAt := range map[string]int{"types.h5": 40, "latest_dense.h5": 28} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.LittleEndian.Uint64(b[eofAt:]); got != uint64(len(b)) {
			t.Fatalf("%s: end-of-file address %d at offset %d, want the file size %d", name, got, eofAt, len(b))
		}
		withEOF := func(eof uint64) []byte {
			c := slices.Clone(b)
			binary.LittleEndian.PutUint64(c[eofAt:], eof)
			return c
		}
		for _, tc := range []struct {
			data []byte
			want uint64
		}{
			{b, 0},
			{withEOF(uint64(len(b)) + 1), 1},
			{withEOF(uint64(len(b)) + 1000), 1000},
			{withEOF(math.MaxUint64), 0}, // undefined: nothing to compare with
			{append(slices.Clone(b), make([]byte, 100)...), 0},
		} {
			f, err := Open(tc.data)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got := f.MissingBytes(); got != tc.want {
				t.Errorf("%s: MissingBytes = %d, want %d", name, got, tc.want)
			}
		}
	}
}
