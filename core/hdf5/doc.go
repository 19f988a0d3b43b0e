// Package hdf5 reads HDF5 files from a byte slice: the focused, read-only
// subset that Keras and h5py write (spec/keras-files.md §7–§8), so that the
// same code runs natively, in the browser (GOOS=js) and in a Worker.
//
// Open parses only the superblock and the root group. Groups, datasets and
// attributes are parsed when they are looked up (Group.Group,
// Group.Dataset, Attr) or walked (Group.Walk), and dataset values decode
// straight from the input slice, which is never copied.
//
// What is read:
//
//   - superblock versions 0–3; object headers version 1 and 2 with
//     continuation blocks;
//   - old-style groups (symbol table, version 1 B-tree including internal
//     nodes, local heap), compact new-style groups (link messages) and dense
//     ones (fractal heap and version 2 B-tree); attributes compact or dense;
//   - scalar, simple and null dataspaces; integers of 1–8 bytes, IEEE
//     float16/32/64 in either byte order; fixed-length strings (any padding)
//     and variable-length strings (global heap);
//   - compact, contiguous and chunked data (version 1 B-tree or single-chunk
//     index) with the deflate and shuffle filters, and fill values for
//     storage never written.
//
// Everything else valid in HDF5 gives an *UnsupportedError naming the
// feature and the object. A file shorter than the end-of-file address of
// its superblock (a cut-off download, which the HDF5 library refuses)
// opens, File.MissingBytes says by how much, and what lies past the cut
// gives a FormatError. A damaged, truncated or hostile file gives a
// *FormatError with the file offset: every offset and length is checked
// against the input before use, structures that loop are refused, and no
// allocation exceeds what the input can justify (data no larger than the
// file, or 1100× it for deflate-compressed data). Every parser checks the
// cursor's error before it uses a value the cursor returned.
package hdf5
