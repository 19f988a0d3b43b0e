package hdf5

// Version 1 B-tree node types (spec §III.A.1).
const (
	btreeGroup = 0 // keys: heap offsets of names; leaf children: symbol table nodes
	btreeChunk = 1 // keys: chunk size, filter mask, offsets; leaf children: chunks
)

// walkBTreeV1 visits, in order, every leaf-level child of the version 1
// B-tree at addr, internal nodes included. visit gets the file offset of the
// key that precedes the child and the child's address.
//
// A node's children must be exactly one level below it, so a node pointing
// back up (a loop) is refused and the recursion is at most 255 deep. Nodes
// shared by several parents could still make the walk exponential, so it
// may visit no more nodes than fit in the file.
func (f *File) walkBTreeV1(addr uint64, typ uint8, keySize int, visit func(key int, child uint64) error) error {
	nodeHeader := 4 + 1 + 1 + 2 + 2*f.offSize
	budget := len(f.b)/(nodeHeader+keySize) + 1
	var walk func(addr uint64, wantLevel int) error
	walk = func(addr uint64, wantLevel int) error {
		if budget--; budget < 0 {
			return formatErr(int(min(addr, uint64(len(f.b)))), "B-tree node at %#x: the tree has more nodes than the file can hold (nodes are shared or loop)", addr)
		}
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
			return formatErr(c.pos, "B-tree node at %#x has level %d, want %d (one below its parent: the tree loops or is damaged)", addr, level, wantLevel)
		}
		if entries*(keySize+c.offSize)+keySize > c.remaining() {
			return formatErr(c.pos, "B-tree node at %#x: %d entries do not fit in the file", addr, entries)
		}
		for range entries {
			key := c.pos
			c.skip(keySize)
			child := c.address()
			if c.err != nil {
				return c.err
			}
			if level == 0 {
				err = visit(key, child)
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
		v := c.u8()
		c.skip(1)
		n := int(c.u16())
		if c.err != nil {
			return c.err
		}
		if v != 1 {
			return formatErr(c.pos-4, "symbol table node: version %d is not 1", v)
		}
		entrySize := 2*c.offSize + 4 + 4 + 16
		if n*entrySize > c.remaining() {
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
