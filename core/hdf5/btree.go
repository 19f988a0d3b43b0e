package hdf5

// Version 1 B-tree node types (spec §III.A.1).
const (
	btreeGroup = 0 // keys: heap offsets of names; leaf children: symbol table nodes
	btreeChunk = 1 // keys: chunk size, filter mask, offsets; leaf children: chunks
)

// walkBTreeV1 visits, in order, every leaf-level child of the version 1
// B-tree at addr, internal nodes included. visit gets the file offset of the
// key that precedes the child and the child's address. A node's children
// must be exactly one level below it, so the walk cannot recurse forever; a
// node reached twice (a loop or shared subtree in a damaged file) is an
// error, so the walk is linear in the file size.
func (f *File) walkBTreeV1(addr uint64, typ uint8, keySize int, visit func(key int, child uint64) error) error {
	seen := map[uint64]bool{}
	var walk func(addr uint64, wantLevel int) error
	walk = func(addr uint64, wantLevel int) error {
		if seen[addr] {
			return formatErr(int(min(addr, uint64(len(f.b)))), "B-tree node at %#x is reached twice (the tree loops)", addr)
		}
		seen[addr] = true
		c, err := f.cursorAt(addr, "B-tree node")
		if err != nil {
			return err
		}
		c.signature("TREE")
		nodeType, level, entries := c.u8(), int(c.u8()), int(c.u16())
		c.address() // left sibling
		c.address() // right sibling
		if c.err != nil {
			return c.err
		}
		if nodeType != typ {
			return formatErr(c.pos, "B-tree node at %#x has type %d, want %d", addr, nodeType, typ)
		}
		if wantLevel >= 0 && level != wantLevel {
			return formatErr(c.pos, "B-tree node at %#x has level %d, want %d (below its parent)", addr, level, wantLevel)
		}
		// Read every key and child first so the whole node is checked
		// against the file before anything is visited.
		if entries*(keySize+c.offSize) > c.remaining() {
			return formatErr(c.pos, "B-tree node at %#x: %d entries do not fit in the file", addr, entries)
		}
		keys := make([]int, entries)
		children := make([]uint64, entries)
		for i := range entries {
			keys[i] = c.pos
			c.skip(keySize)
			children[i] = c.address()
		}
		c.skip(keySize) // the last key closes the node
		if c.err != nil {
			return c.err
		}
		for i, child := range children {
			if level == 0 {
				err = visit(keys[i], child)
			} else {
				err = walk(child, level-1)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return walk(addr, -1)
}

// symbolTableLinks lists an old-style group: the group B-tree's leaves
// are symbol table nodes ("SNOD"), whose entries name their objects by an
// offset into the local heap.
func (f *File) symbolTableLinks(btreeAddr, heapAddr uint64) ([]link, error) {
	heap, err := f.readLocalHeap(heapAddr)
	if err != nil {
		return nil, err
	}
	var links []link
	err = f.walkBTreeV1(btreeAddr, btreeGroup, f.lenSize, func(_ int, snod uint64) error {
		c, err := f.cursorAt(snod, "symbol table node")
		if err != nil {
			return err
		}
		c.signature("SNOD")
		if v := c.u8(); v != 1 && c.err == nil {
			return formatErr(c.pos-1, "symbol table node: version %d is not 1", v)
		}
		c.skip(1)
		n := int(c.u16())
		entrySize := 2*c.offSize + 4 + 4 + 16
		if c.err == nil && n*entrySize > c.remaining() {
			return formatErr(c.pos, "symbol table node at %#x: %d entries do not fit in the file", snod, n)
		}
		for range n {
			nameOff := c.address()
			objAddr := c.address()
			cacheType := c.u32()
			c.skip(4)
			scratch := c.take(16)
			if c.err != nil {
				return c.err
			}
			name, err := heap.name(f.b, nameOff)
			if err != nil {
				return err
			}
			l := link{name: name, kind: hardLink, addr: objAddr}
			if cacheType == 2 {
				// A soft link: the scratch pad holds the heap offset of its value.
				l.kind = softLink
				l.target, err = heap.name(f.b, leUint(scratch[:4]))
				if err != nil {
					return err
				}
			}
			links = append(links, l)
		}
		return nil
	})
	return links, err
}
