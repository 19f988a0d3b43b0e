package hdf5

import (
	"fmt"
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
	oh   *objectHeader
}

// openGroup parses the group whose object header is at addr and lists its
// links: from a symbol table (old-style groups, what Keras files use), from
// dense storage (link info message pointing to a fractal heap), or from
// link messages in the header (compact new-style groups).
func (f *File) openGroup(addr uint64, path string) (*Group, error) {
	oh, err := f.readObjectHeader(addr)
	if err != nil {
		return nil, inObject(err, "group "+path)
	}
	g := &Group{object: object{f: f, path: path, oh: oh}}
	g.links, err = g.readLinks()
	if err != nil {
		return nil, inObject(err, "group "+path)
	}
	sort.Slice(g.links, func(i, j int) bool { return g.links[i].name < g.links[j].name })
	for i := 1; i < len(g.links); i++ {
		if g.links[i].name == g.links[i-1].name {
			return nil, formatErr(int(addr), "group %s: two members are named %q", path, g.links[i].name)
		}
	}
	return g, nil
}

func (g *Group) readLinks() ([]link, error) {
	f := g.f
	if m, ok := g.oh.find(msgSymbolTable); ok {
		c, err := f.messageCursor(m, "symbol table")
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
		c, err := f.messageCursor(m, "link info")
		if err != nil {
			return nil, err
		}
		c.skip(1) // version
		flags := c.u8()
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
		return nil, formatErr(0, "link name index at %#x: %d-byte records do not hold a %d-byte heap ID", btreeAddr, t.recSize, heap.idLen)
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
	if v := c.u8(); v != 1 && c.err == nil {
		return link{}, formatErr(start, "link message: version %d is not 1", v)
	}
	flags := c.u8()
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
	if c.err == nil && l.name == "" {
		c.fail("empty link name")
	}
	return l, c.err
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
	switch l.kind {
	case softLink:
		return l, &UnsupportedError{Feature: "soft link (to " + l.target + ")", Path: g.childPath(name)}
	case externalLink:
		return l, &UnsupportedError{Feature: "external link", Path: g.childPath(name)}
	}
	return l, nil
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
	if name == "" || name == "." {
		return nil, fmt.Errorf("hdf5: %s: empty path component", g.path)
	}
	l, err := g.find(name)
	if err != nil {
		return nil, err
	}
	child, err := g.f.openGroup(l.addr, g.childPath(name))
	if err != nil {
		return nil, err
	}
	if kind := child.oh.kind(); kind != "group" {
		return nil, fmt.Errorf("hdf5: %s is a %s, not a group", child.path, kind)
	}
	return child, nil
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
	return g.f.openDataset(l.addr, parent.childPath(name))
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
