package quantize_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// FuzzModel quantizes mutations of the project's TF.js models (their
// model.json; the weight shards stay): whatever keras.Load accepts,
// quantize.Model returns a chain, an *Error or another error, never a
// panic. Seeds: tiny_cnn, branchy, sequential_dense.
func FuzzModel(f *testing.F) {
	var models [][]keras.File
	for _, name := range []string{"tiny_cnn", "branchy", "sequential_dense"} {
		files := tfjsFiles(f, name)
		for _, file := range files {
			if file.Name == "model.json" {
				f.Add(uint8(len(models)), file.Data)
			}
		}
		models = append(models, files)
	}
	f.Fuzz(func(t *testing.T, which uint8, js []byte) {
		var files []keras.File
		for _, file := range models[int(which)%len(models)] {
			if file.Name == "model.json" {
				file.Data = js
			}
			files = append(files, file)
		}
		m, err := keras.Load(files)
		if err != nil {
			return
		}
		o := quantize.DefaultOptions()
		o.CalibrationSamples = 1
		q, rep, err := quantize.Model(m, o)
		var qe *quantize.Error
		switch {
		case err == nil && q == nil, rep == nil && !strings.HasPrefix(errText(err), "quantize:"):
			t.Fatalf("model %v, report %v, error %v", q, rep, err)
		case errors.As(err, &qe) && len(qe.Diagnostics) == 0:
			t.Fatal("an *Error without diagnostics")
		}
		if q != nil {
			for i, l := range q.Layers[1:] {
				if len(l.Inbound) != 1 || l.Inbound[0] != q.Layers[i].Name {
					t.Fatalf("layer %s is not chained", l.Name)
				}
			}
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
