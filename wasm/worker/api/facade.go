package api

// This file is the only one that calls the converter (package core). It
// turns the handler's files and options into the converter's and its
// errors into problems.
//
// TEMPORARY: the facade (core.Inspect/Check/Convert) has not landed yet;
// inspect reads the model with core/keras directly.

import (
	"errors"

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

type inspectLayer struct {
	Name      string `json:"name"`
	ClassName string `json:"class_name"`
}

type inspectReport struct {
	Name   string         `json:"name"`
	Format string         `json:"format"`
	Layers []inspectLayer `json:"layers"`
}

func inspectModel(files []file) (any, error) {
	m, err := keras.Load(kerasFiles(files))
	if err != nil {
		return nil, err
	}
	rep := inspectReport{Name: m.Name, Format: string(m.Format)}
	for _, l := range m.Layers {
		rep.Layers = append(rep.Layers, inspectLayer{Name: l.Name, ClassName: l.ClassName})
	}
	return rep, nil
}

func checkModel(files []file, o options) (any, error) {
	return nil, errors.New("/v1/check is not wired to the converter yet")
}

func convertModel(files []file, o options) (any, error) {
	return nil, errors.New("/v1/convert is not wired to the converter yet")
}

// modelProblem turns a converter error into a 400, naming the file the
// error is about as the CLI does ("<file>: <message>").
func modelProblem(err error) *problem {
	var fe *keras.FormatError
	if errors.As(err, &fe) && fe.File != "" {
		return badRequest(fe.File + ": " + err.Error())
	}
	var ue *keras.UnsupportedError
	if errors.As(err, &ue) && ue.File != "" {
		return badRequest(ue.File + ": " + err.Error())
	}
	return badRequest(err.Error())
}
