package hdf5

import (
	"errors"
	"fmt"
)

// ErrNotFound is wrapped by lookups of a group member or attribute that does
// not exist; test for it with errors.Is.
var ErrNotFound = errors.New("hdf5: not found")

// FormatError reports bytes that do not follow the HDF5 format: a damaged,
// truncated or hostile file. Offset is the byte position in the file where
// the problem was found.
type FormatError struct {
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("hdf5: at offset %#x: %s", e.Offset, e.Msg)
}

// UnsupportedError reports a valid HDF5 feature that this reader does not
// implement. Feature names it; Path is the object that uses it, if known.
type UnsupportedError struct {
	Feature string
	Path    string
}

func (e *UnsupportedError) Error() string {
	where := ""
	if e.Path != "" {
		where = " in " + e.Path
	}
	return "hdf5: unsupported: " + e.Feature + where +
		" (this reader covers the HDF5 subset that Keras and h5py write; re-save the file with h5py defaults)"
}
