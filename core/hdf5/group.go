package hdf5

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

type linkKind int

const (
	hardLink linkKind = iota
	softLink
	externalLink
)

// link is one named member of a group.
type link struct {
	name   string
	kind   linkKind
	addr   uint64 // hard links: the object header
	target string // soft links: the path they point to
}

// Group is an HDF5 group: named links to datasets and other groups, plus
// attributes.
type Group struct {
	object
	links []link // sorted by name
}

// object is what groups and datasets share: the file, the path, the
// object header (for attributes).
type object struct {
	f    *File
	path string
	oh   objectHeader
}

// openGroup opens the group whose object header is at addr.
func (f *File) openGroup(addr uint64, path string) (*Group, error) {
	g, d, err := f.openObject(addr, path)
	if err == nil && g == nil {
		err = fmt.Errorf("hdf5: %s is a dataset, not a group", d.path)
	}
	return g, err
}

// openObject reads the object header at addr and opens the object as what
// it is, a group or a dataset, parsing the header once.
func (f *File) openObject(addr uint64, path string) (*Group, *Dataset, error) {
	oh, err := f.readObjectHeader(addr)
	if err != nil {
		return nil, nil, inObject(err, path)
	}
	switch oh.kind() {
	case "group":
		g, err := f.newGroup(oh, path)
		return g, nil, err
	case "dataset":
		d, err := f.newDataset(oh, path)
		return nil, d, err
	}
	return nil, nil, &UnsupportedError{Feature: "object that is neither a group nor a dataset (a committed datatype?)", Path: path}
}

// newGroup lists the group's links: from a symbol table (old-style groups,
// what Keras files use), from dense storage (a link info message pointing
// to a fractal heap), or from link messages in the header (compact
// new-style groups).
func (f *File) newGroup(oh objectHeader, path string) (*Group, error) {
	g := &Group{object: object{f: f, path: path, oh: oh}}
	var err error
	g.links, err = g.readLinks()
	if err != nil {
		return nil, inObject(err, "group "+path)
	}
	// Symbol tables come sorted by name; link messages and dense storage
	// (sorted by name hash) do not.
	byName := func(a, b link) int { return strings.Compare(a.name, b.name) }
	if !slices.IsSortedFunc(g.links, byName) {
		slices.SortFunc(g.links, byName)
	}
	for i := 1; i < len(g.links); i++ {
		if g.links[i].name == g.links[i-1].name {
			return nil, formatErr(int(oh.addr), "group %s: two members are named %q", path, g.links[i].name)
		}
	}
	return g, nil
}

func (g *Group) readLinks() ([]link, error) {
	f := g.f
	if m, ok := g.oh.find(msgSymbolTable); ok {
		c, err := f.messageCursor(m, "symbol table message")
		if err != nil {
			return nil, err
		}
		btree, heap := c.address(), c.address()
		if c.err != nil {
			return nil, c.err
		}
		return f.symbolTableLinks(btree, heap)
	}
	if m, ok := g.oh.find(msgLinkInfo); ok {
		c, err := f.messageCursor(m, "link info message")
		if err != nil {
			return nil, err
		}
		c.skip(1) // version
		flags := c.u8()
		if c.err != nil {
			return nil, c.err
		}
		if flags&0x01 != 0 {
			c.skip(8) // maximum creation index
		}
		heap, names := c.address(), c.address()
		if c.err != nil {
			return nil, c.err
		}
		if heap != undefinedAddress {
			return f.denseLinks(heap, names)
		}
	}
	var links []link
	for _, m := range g.oh.msgs {
		if m.typ != msgLink {
			continue
		}
		l, err := f.parseLink(m.start, m.end)
		if err != nil {
			return nil, err
		}
		links = append(links, l)
	}
	return links, nil
}

// denseLinks reads every link message stored in the fractal heap, found
// through the name-index v2 B-tree (records: name hash u32, heap ID).
func (f *File) denseLinks(heapAddr, btreeAddr uint64) ([]link, error) {
	heap, err := f.readFractalHeap(heapAddr)
	if err != nil {
		return nil, err
	}
	t, err := f.readBTreeV2(btreeAddr, btree2LinkNames)
	if err != nil {
		return nil, err
	}
	if t.recSize != 4+heap.idLen {
		return nil, formatErr(int(min(btreeAddr, uint64(len(f.b)))), "link name index at %#x: %d-byte records do not hold a %d-byte heap ID", btreeAddr, t.recSize, heap.idLen)
	}
	var links []link
	err = t.records(func(rec int) error {
		start, end, err := heap.object(rec + 4)
		if err != nil {
			return err
		}
		l, err := f.parseLink(start, end)
		links = append(links, l)
		return err
	})
	return links, err
}

// parseLink decodes a link message (spec §IV.A.2.g).
func (f *File) parseLink(start, end int) (link, error) {
	c := f.cursor(start, end, "link message")
	v, flags := c.u8(), c.u8()
	if c.err != nil {
		return link{}, c.err
	}
	if v != 1 {
		return link{}, formatErr(start, "link message: version %d is not 1", v)
	}
	kind := uint8(0)
	if flags&0x08 != 0 {
		kind = c.u8()
	}
	if flags&0x04 != 0 {
		c.skip(8) // creation order
	}
	if flags&0x10 != 0 {
		c.skip(1) // name character set
	}
	n := c.count(c.uint(1<<(flags&3)), c.remaining(), "link name length")
	l := link{name: string(c.take(n))}
	if c.err != nil {
		return l, c.err
	}
	switch kind {
	case 0:
		l.addr = c.address()
	case 1:
		l.kind = softLink
		l.target = string(c.take(int(c.u16())))
	case 64:
		l.kind = externalLink
	default:
		return l, &UnsupportedError{Feature: fmt.Sprintf("user-defined link type %d (link %q)", kind, l.name)}
	}
	if c.err != nil {
		return l, c.err
	}
	if l.name == "" {
		return l, formatErr(c.pos, "link message: empty link name")
	}
	return l, nil
}

// Path returns the group's absolute path, e.g. "/model_weights/conv_0".
func (g *Group) Path() string { return g.path }

// Members returns the names of the group's links, sorted byte-wise.
func (g *Group) Members() ([]string, error) {
	names := make([]string, len(g.links))
	for i, l := range g.links {
		names[i] = l.name
	}
	return names, nil
}

// find returns the member link called name.
func (g *Group) find(name string) (link, error) {
	i := sort.Search(len(g.links), func(i int) bool { return g.links[i].name >= name })
	if i == len(g.links) || g.links[i].name != name {
		return link{}, notFound("member", g.childPath(name))
	}
	l := g.links[i]
	return l, l.unsupported(g.childPath(name))
}

// unsupported returns the error for following a soft or external link at
// path, nil for a hard link.
func (l link) unsupported(path string) error {
	switch l.kind {
	case softLink:
		return &UnsupportedError{Feature: "soft link (to " + l.target + ")", Path: path}
	case externalLink:
		return &UnsupportedError{Feature: "external link", Path: path}
	}
	return nil
}

func (g *Group) childPath(name string) string {
	if g.path == "/" {
		return "/" + name
	}
	return g.path + "/" + name
}

// resolve walks a relative '/'-separated path down to the group holding
// its last component, which it returns with that group.
func (g *Group) resolve(path string) (*Group, string, error) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for _, p := range parts {
		if p == "" || p == "." || p == ".." {
			return nil, "", fmt.Errorf("hdf5: %s: path %q has an empty, \".\" or \"..\" component; give names relative to the group", g.path, path)
		}
	}
	for _, p := range parts[:len(parts)-1] {
		child, err := g.child(p)
		if err != nil {
			return nil, "", err
		}
		g = child
	}
	return g, parts[len(parts)-1], nil
}

// child opens the direct member name as a group.
func (g *Group) child(name string) (*Group, error) {
	l, err := g.find(name)
	if err != nil {
		return nil, err
	}
	return g.f.openGroup(l.addr, g.childPath(name))
}

// kind tells groups (symbol table, link info or link messages) from
// datasets (a data layout message); anything else, such as a committed
// datatype, is "other object".
func (oh *objectHeader) kind() string {
	for _, m := range oh.msgs {
		switch m.typ {
		case msgSymbolTable, msgLinkInfo, msgLink:
			return "group"
		case msgLayout:
			return "dataset"
		}
	}
	return "other object"
}

// Group opens the group at the relative path ('/'-separated), resolved one
// component at a time, so Keras layer names containing '/' (e.g.
// "conv_0/BN") work.
func (g *Group) Group(path string) (*Group, error) {
	parent, name, err := g.resolve(path)
	if err != nil {
		return nil, err
	}
	return parent.child(name)
}

// Dataset opens the dataset at the relative path ('/'-separated).
func (g *Group) Dataset(path string) (*Dataset, error) {
	parent, name, err := g.resolve(path)
	if err != nil {
		return nil, err
	}
	l, err := parent.find(name)
	if err != nil {
		return nil, err
	}
	sub, d, err := g.f.openObject(l.addr, parent.childPath(name))
	if err == nil && d == nil {
		err = fmt.Errorf("hdf5: %s is a group, not a dataset", sub.path)
	}
	return d, err
}

// IsGroup reports whether the member name (a relative path) is a group;
// false means a dataset.
func (g *Group) IsGroup(name string) (bool, error) {
	parent, last, err := g.resolve(name)
	if err != nil {
		return false, err
	}
	l, err := parent.find(last)
	if err != nil {
		return false, err
	}
	oh, err := g.f.readObjectHeader(l.addr)
	if err != nil {
		return false, inObject(err, parent.childPath(last))
	}
	return oh.kind() == "group", nil
}

// maxWalkDepth bounds how deep Walk descends; Keras files nest groups a
// handful of levels.
const maxWalkDepth = 256

// WalkFunc is called by Walk for each object: group or dataset is set, the
// other nil. err is the error that opening the object gave (both are nil
// then); returning nil continues the walk, returning an error stops it and
// Walk returns it.
type WalkFunc func(path string, group *Group, dataset *Dataset, err error) error

// Walk visits every group and dataset below g, depth first in name order,
// reading each object header once. A group reached by a second hard link
// is visited but not descended into again, so hard links that form a cycle
// or share subtrees cannot make the walk loop or grow exponentially.
func (g *Group) Walk(fn WalkFunc) error {
	expanded := map[uint64]bool{g.oh.addr: true}
	return g.walk(fn, expanded, 0)
}

func (g *Group) walk(fn WalkFunc, expanded map[uint64]bool, depth int) error {
	for _, l := range g.links {
		path := g.childPath(l.name)
		var sub *Group
		var d *Dataset
		var err error
		switch {
		case l.kind != hardLink:
			err = l.unsupported(path)
		case depth >= maxWalkDepth:
			err = fmt.Errorf("hdf5: %s: groups nest deeper than %d levels", path, maxWalkDepth)
		default:
			sub, d, err = g.f.openObject(l.addr, path)
		}
		if err := fn(path, sub, d, err); err != nil {
			return err
		}
		if sub == nil || expanded[sub.oh.addr] {
			continue
		}
		expanded[sub.oh.addr] = true
		if err := sub.walk(fn, expanded, depth+1); err != nil {
			return err
		}
	}
	return nil
}
