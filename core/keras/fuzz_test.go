package keras

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzLoad feeds one or two files to Load. Whatever the bytes, Load must
// return a model or a *FormatError / *UnsupportedError with a message
// free of Go jargon, never panic, and a loaded model must be consistent.
// The seed corpus (testdata/fuzz/FuzzLoad) holds a tiny .h5, a tiny
// .keras, a TF.js model.json with its shard, a Keras 3 config, and the
// forms of issue 13 (a Keras 1 .h5, a .keras saved on Windows, a Keras 3
// to_json with tuple objects, a double-encoded JSON); it is written by
// `go run ./tools/kerasgen/fuzzcorpus`.
func FuzzLoad(f *testing.F) {
	f.Fuzz(func(t *testing.T, name1 string, data1 []byte, name2 string, data2 []byte) {
		files := []File{{Name: name1, Data: data1}}
		if name2 != "" {
			files = append(files, File{Name: name2, Data: data2})
		}
		m, err := Load(files)
		if err != nil {
			var fe *FormatError
			var ue *UnsupportedError
			if !errors.As(err, &fe) && !errors.As(err, &ue) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if msg := err.Error(); msg == "" || strings.Contains(msg, "json: ") || strings.Contains(msg, "runtime error") {
				t.Fatalf("unclear error message: %q", msg)
			}
			return
		}
		names := map[string]bool{}
		for _, l := range m.Layers {
			if names[l.Name] {
				t.Fatalf("two layers named %q", l.Name)
			}
			names[l.Name] = true
			for _, w := range l.Weights {
				n := 1
				for _, d := range w.Shape {
					n *= d
				}
				if n != len(w.Values) {
					t.Fatalf("layer %q weight %q: shape %v but %d values", l.Name, w.Name, w.Shape, len(w.Values))
				}
			}
		}
		for _, l := range m.Layers {
			for _, in := range l.Inbound {
				if !names[in] {
					t.Fatalf("layer %q has inbound %q, which is not a layer", l.Name, in)
				}
			}
		}
		if _, err := json.Marshal(m.InspectReport()); err != nil {
			t.Fatalf("report: %v", err)
		}
		_ = m.Clone()
	})
}

// The fuzz seed tiny_dense.h5 loads with the exact values the generator
// wrote (kernel 0..5 in (3, 2), bias (0.5, -0.5)).
func TestTinyDenseH5(t *testing.T) {
	m, err := Load([]File{{"tiny_dense.h5", readTestdata(t, "tiny_dense.h5")}})
	if err != nil {
		t.Fatal(err)
	}
	d := m.Layer("d")
	if d == nil || len(d.Weights) != 2 {
		t.Fatalf("layers %v", layerSummary(m))
	}
	k, b := d.Weight("kernel"), d.Weight("bias")
	if !reflect.DeepEqual(k.Shape, []int{3, 2}) || !reflect.DeepEqual(k.Values, []float32{0, 1, 2, 3, 4, 5}) ||
		!reflect.DeepEqual(b.Values, []float32{0.5, -0.5}) || !reflect.DeepEqual(d.OutputShape, Shape{2}) {
		t.Errorf("kernel %v %v bias %v shape %v", k.Shape, k.Values, b.Values, d.OutputShape)
	}
}
