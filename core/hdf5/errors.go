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
// the problem was found (-1 if none applies); Msg names the object or
// structure and the problem.
type FormatError struct {
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Offset < 0 { // no position in the file to point at
		return "hdf5: " + e.Msg
	}
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
		" (this reader covers what Keras and h5py write by default; re-save the file with default h5py settings)"
}

// formatErr builds a FormatError at a file offset.
func formatErr(off int, format string, args ...any) error {
	return &FormatError{Offset: int64(off), Msg: fmt.Sprintf(format, args...)}
}

// inObject adds the path of the object being read to errors that do not
// name one yet, so that every error says where in the file it happened.
func inObject(err error, path string) error {
	var fe *FormatError
	var ue *UnsupportedError
	switch {
	case errors.As(err, &fe):
		return &FormatError{Offset: fe.Offset, Msg: path + ": " + fe.Msg}
	case errors.As(err, &ue) && ue.Path == "":
		return &UnsupportedError{Feature: ue.Feature, Path: path}
	}
	return err
}

func notFound(kind, path string) error {
	return fmt.Errorf("%w: %s %s", ErrNotFound, kind, path)
}
