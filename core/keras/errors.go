package keras

import (
	"errors"
	"fmt"
)

// FormatError reports a file that is not a Keras model this package can
// read, or one whose content is inconsistent (a bad config, missing or
// extra weights, a weight whose shape disagrees with the config). Msg
// names the object concerned and says what to do. Error() returns Msg
// only: front ends print File in front of it ("cnn2snn: <file>: <msg>").
type FormatError struct {
	File string // base name of the file concerned; "" when not one file
	Msg  string
	Err  error // a sentinel such as ErrWeightsOnly, or nil
}

func (e *FormatError) Error() string { return e.Msg }
func (e *FormatError) Unwrap() error { return e.Err }

// UnsupportedError reports a valid Keras file in a form this package
// deliberately does not read: Keras 1, npz or sharded Keras 3 weights, a
// subclassed model, bfloat16 weights, a TF.js custom layer format …
type UnsupportedError struct {
	File string
	Msg  string
	Err  error // ErrSubclassed, or nil
}

func (e *UnsupportedError) Error() string { return e.Msg }
func (e *UnsupportedError) Unwrap() error { return e.Err }

// ErrWeightsOnly is wrapped by the *FormatError for a weights-only .h5
// given without its JSON config. Its text is the message users see.
var ErrWeightsOnly = errors.New("this file holds only weights (saved with save_weights); add the model's JSON file, or save the model with model.save")

// ErrAkidaModel is wrapped by the *FormatError for an Akida .fbz model
// given where a Keras model is read. Its text is the message users see.
var ErrAkidaModel = errors.New("this is an Akida model (.fbz), not a Keras model; it is already converted. Use 'cnn2snn summary' to look at it")

// ErrSubclassed is wrapped by the *UnsupportedError for a subclassed
// model, whose config has no layer graph.
var ErrSubclassed = errors.New("subclassed model")

func formatErrorf(file, format string, args ...any) error {
	return &FormatError{File: file, Msg: fmt.Sprintf(format, args...)}
}

func unsupportedf(file, format string, args ...any) error {
	return &UnsupportedError{File: file, Msg: fmt.Sprintf(format, args...)}
}

// withFile sets the file name of a FormatError or UnsupportedError that
// has none yet, so errors raised deep in the config parser still say which
// file they are about.
func withFile(err error, file string) error {
	var fe *FormatError
	if errors.As(err, &fe) && fe.File == "" {
		fe.File = file
	}
	var ue *UnsupportedError
	if errors.As(err, &ue) && ue.File == "" {
		ue.File = file
	}
	return err
}

func subclassedError(name, class string) error {
	return &UnsupportedError{
		Msg: fmt.Sprintf("the model %q is a subclassed Keras model (class %s): its file has no layer graph to convert; "+
			"rebuild it as a Functional or Sequential model (keras.Model(inputs, outputs) or keras.Sequential), "+
			"load the weights into it and save that model", name, class),
		Err: ErrSubclassed,
	}
}
