package hdf5

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen opens arbitrary bytes, walks the whole tree and reads every
// attribute and dataset: whatever the input, the reader must return errors,
// never panic, loop or allocate beyond what the input justifies. The seed
// corpus is testdata/fuzz/FuzzOpen (tiny h5py files and the first 4 KiB
// of two real Keras files, and crashers kept as seeds) plus three edge
// files added here.
//
// Run it with a bounded minimization, as `make fuzz` does:
//
//	go test ./core/hdf5 -run '^$' -fuzz FuzzOpen -fuzzminimizetime 200x
//
// With go test's default (60 s per input), each new interesting input of a
// few KiB keeps a worker minimizing for the whole minute: HDF5 structures
// sit at absolute offsets, so no shorter input keeps the new coverage, and
// the minimizer tries them all (13 executions in 30 s, issue 13).
func FuzzOpen(f *testing.F) {
	// The larger edge files (latest_dense.h5, v0_big_group.h5) would slow
	// every execution down; the corpus has small dense and old-style files.
	for _, name := range []string{"chunked.h5", "types.h5", "unsupported.h5"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkErrors(t, "fuzz input", exercise(b))
	})
}
