package api

// This file is the only one that calls the converter (package core). It
// turns the handler's files and options into the converter's and its
// errors into problems.
//
// TEMPORARY: the facade (core.Inspect/Check/Convert) has not landed yet;
// inspect reads the model with core/keras directly.

import (
	"errors"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

func version() string { return core.Version }

func kerasFiles(files []file) []keras.File {
	out := make([]keras.File, len(files))
	for i, f := range files {
		out[i] = keras.File{Name: f.Name, Data: f.Data}
	}
	return out
}

func inspectModel(files []file) (any, error) {
	m, err := keras.Load(kerasFiles(files))
	if err != nil {
		return nil, err
	}
	return m.InspectReport(), nil
}

func checkModel(files []file, o options) (any, error) {
	return nil, errors.New("/v1/check is not wired to the converter yet")
}

func convertModel(files []file, o options) (any, error) {
	return nil, errors.New("/v1/convert is not wired to the converter yet")
}

// modelProblem turns a converter error into a 400 that names the file it
// is about as the CLI does ("<file>: <message>"): the file the error
// names, else the request's files.
func modelProblem(err error, files []file) *problem {
	return badRequest(errorFile(err, files) + ": " + err.Error())
}

func errorFile(err error, files []file) string {
	var fe *keras.FormatError
	if errors.As(err, &fe) && fe.File != "" {
		return fe.File
	}
	var ue *keras.UnsupportedError
	if errors.As(err, &ue) && ue.File != "" {
		return ue.File
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}
