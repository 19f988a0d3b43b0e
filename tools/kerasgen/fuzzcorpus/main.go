// Command fuzzcorpus writes the seed corpus of core/keras's FuzzLoad
// (core/keras/testdata/fuzz/FuzzLoad) from the package's small test
// files, in the "go test fuzz v1" format. Run from the repository root:
//
//	go run ./tools/kerasgen/fuzzcorpus
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
)

func main() {
	// seeds: corpus entry name → (file name, testdata path) pairs; the second
	// file is optional.
	seeds := []struct {
		entry        string
		name1, path1 string
		name2, path2 string
	}{
		{"tiny_h5", "tiny_dense.h5", "tiny_dense.h5", "", ""},
		{"tiny_keras", "model.keras", "keras3_nested_deflated.keras", "", ""},
		{"tfjs_model_json", "model.json", "tfjs/sequential_dense/model.json", "group1-shard1of1.bin", "tfjs/sequential_dense/group1-shard1of1.bin"},
		{"keras3_config_json", "config.json", "configs/keras3_functional_add.json", "", ""},
		// The file forms of issue 13.
		{"keras1_h5", "model.h5", "keras1_functional.h5", "", ""},
		{"windows_keras", "model.keras", "tf215_windows.keras", "", ""},
		{"keras3_tuples_json", "model.json", "keras3_tuples/model.json", "model.weights.h5", "keras3_tuples/model.weights.h5"},
		{"double_encoded_json", "model.json", "keras2_double_encoded/model.json", "model_weights.h5", "keras2_double_encoded/model_weights.h5"},
	}
	testdata := filepath.Join("core", "keras", "testdata")
	dir := filepath.Join(testdata, "fuzz", "FuzzLoad")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, s := range seeds {
		data1, err := os.ReadFile(filepath.Join(testdata, s.path1))
		if err != nil {
			log.Fatal(err)
		}
		var data2 []byte
		if s.path2 != "" {
			if data2, err = os.ReadFile(filepath.Join(testdata, s.path2)); err != nil {
				log.Fatal(err)
			}
		}
		text := fmt.Sprintf("go test fuzz v1\nstring(%q)\n[]byte(%q)\nstring(%q)\n[]byte(%q)\n", s.name1, data1, s.name2, data2)
		if err := os.WriteFile(filepath.Join(dir, s.entry), []byte(text), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
