package infer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// FuzzRunTFJS mutates the model.json of the project-made TF.js models
// (their configs: kernel sizes, strides, paddings, shapes, axes, units …)
// and runs whatever core/keras still loads on a small input: Run must
// return an error or a result of the shape it claims, never panic nor
// allocate past the limits of tensor.go. `go test -fuzz FuzzRunTFJS ./core/infer/`.
func FuzzRunTFJS(f *testing.F) {
	type model struct {
		dir  string
		bins []keras.File
	}
	var models []model
	for _, name := range []string{"tiny_cnn", "branchy", "sequential_dense"} {
		dir := fixtures.Repo(f, "core", "keras", "testdata", "tfjs", name)
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		m := model{dir: dir}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".bin") {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					f.Fatal(err)
				}
				m.bins = append(m.bins, keras.File{Name: e.Name(), Data: b})
			}
		}
		js, err := os.ReadFile(filepath.Join(dir, "model.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(len(models)), js)
		models = append(models, m)
	}
	f.Fuzz(func(t *testing.T, which uint8, js []byte) {
		mdl := models[int(which)%len(models)]
		m, err := keras.Load(append([]keras.File{{Name: "model.json", Data: js}}, mdl.bins...))
		if err != nil || len(m.Inputs) != 1 {
			return
		}
		shape := []int{2}
		for _, d := range modelInputShape(m) {
			shape = append(shape, max(d, 1)) // an unknown dimension gets 1
		}
		n, err := elements(shape)
		if err != nil || n > 1<<16 {
			return
		}
		input := Tensor{Shape: shape, Data: make([]float32, n)}
		for i := range input.Data {
			input.Data[i] = float32(i%7) - 3
		}
		res, err := Run(m, input, Options{})
		if err != nil {
			return
		}
		for _, out := range res.Outputs {
			if n, err := elements(out.Shape); err != nil || n != len(out.Data) || out.Shape[0] != 2 {
				t.Fatalf("output of shape %v holds %d values", out.Shape, len(out.Data))
			}
		}
	})
}
