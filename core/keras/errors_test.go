package keras

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// loadErr runs Load and returns its error, failing when there is none.
func loadErr(t *testing.T, files ...File) error {
	t.Helper()
	m, err := Load(files)
	if err == nil {
		t.Fatalf("Load succeeded (%d layers), want an error", len(m.Layers))
	}
	return err
}

func wantError(t *testing.T, err error, want string, target any) {
	t.Helper()
	if err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
	if !errors.As(err, target) {
		t.Errorf("error is %T, want %T", err, target)
	}
}

func TestWeightsOnlyAlone(t *testing.T) {
	name := "keras2.0_conv2d_model_weights.h5"
	err := loadErr(t, File{Name: name, Data: fixtures.ReadShared(t, "keras", name)})
	var fe *FormatError
	wantError(t, err, "this file holds only weights (saved with save_weights); add the model's JSON file, or save the model with model.save", &fe)
	if !errors.Is(err, ErrWeightsOnly) || fe.File != name {
		t.Errorf("errors.Is(ErrWeightsOnly) = %v, file %q", errors.Is(err, ErrWeightsOnly), fe.File)
	}
}

func TestSubclassedFixture(t *testing.T) {
	name := "keras3.15_subclassed_nested_container.keras"
	err := loadErr(t, File{Name: name, Data: fixtures.ReadShared(t, "keras", name)})
	var ue *UnsupportedError
	wantError(t, err, `the model "nested_dense_model" is a subclassed Keras model (class NestedDenseModel): its file has no layer graph to convert; `+
		`rebuild it as a Functional or Sequential model (keras.Model(inputs, outputs) or keras.Sequential), load the weights into it and save that model`, &ue)
	if !errors.Is(err, ErrSubclassed) || ue.File != name {
		t.Errorf("errors.Is(ErrSubclassed) = %v, file %q", errors.Is(err, ErrSubclassed), ue.File)
	}
}

func TestNotAKerasModel(t *testing.T) {
	random := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(random)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	var emptyZip bytes.Buffer
	zw := zip.NewWriter(&emptyZip)
	w, _ := zw.Create("notes.txt")
	w.Write([]byte("hello"))
	zw.Close()
	var tfjsZip bytes.Buffer
	zw = zip.NewWriter(&tfjsZip)
	zw.Create("model.json")
	zw.Create("group1-shard1of1.bin")
	zw.Close()
	const advice = "; give a .h5 or .keras file saved with model.save, a weights .h5 with its model .json, or a TF.js model.json with its .bin files"
	for _, tc := range []struct {
		file File
		want string
	}{
		{File{"weights.bin.h5", random}, "this is not a Keras model file" + advice},
		{File{"photo.png", png}, "this is not a Keras model file (it is a PNG image)" + advice},
		{File{"model.h5", []byte("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n")},
			"this is not a Keras model file (it is a Git LFS pointer: fetch the real file with git lfs pull)" + advice},
		{File{"model.keras", nil}, "the file is empty"},
		{File{"notes.zip", emptyZip.Bytes()}, `this zip is not a .keras model: it has no config.json. Save the model with model.save("model.keras")`},
		{File{"web.zip", tfjsZip.Bytes()}, `this zip is not a .keras model: it has no config.json (it holds model.json, group1-shard1of1.bin). Unzip it and give the files themselves, or save the model with model.save("model.keras")`},
		{File{"not_keras.h5", readTestdata(t, "not_keras.h5")},
			`this HDF5 file is not a Keras model: it has no model_config attribute and no layer weights. Save the model with model.save("model.h5") or model.save("model.keras")`},
	} {
		t.Run(tc.file.Name, func(t *testing.T) {
			var fe *FormatError
			wantError(t, loadErr(t, tc.file), tc.want, &fe)
			if fe != nil && fe.File != tc.file.Name {
				t.Errorf("error file %q", fe.File)
			}
		})
	}
	t.Run("fbz", func(t *testing.T) {
		name := "v233_ei_pose_fc.fbz"
		var fe *FormatError
		wantError(t, loadErr(t, File{name, fixtures.ReadShared(t, "akida", name)}),
			"this is an Akida model (.fbz), not a Keras model; it is already converted. Use 'cnn2snn summary' to look at it", &fe)
	})
}

// zipOf builds a .keras-like zip in memory.
func zipOf(t *testing.T, method uint16, members map[string][]byte, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range order {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(members[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mnistMembers returns the members of the real .keras fixture.
func mnistMembers(t *testing.T) map[string][]byte {
	t.Helper()
	data := fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras")
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		out[f.Name] = b.Bytes()
	}
	return out
}

func TestKerasZipVariants(t *testing.T) {
	members := mnistMembers(t)
	t.Run("deflated", func(t *testing.T) {
		// Users re-zip .keras files; the loader inflates members.
		data := zipOf(t, zip.Deflate, members, "metadata.json", "config.json", "model.weights.h5")
		m, err := Load([]File{{"mnist.keras", data}})
		if err != nil {
			t.Fatal(err)
		}
		if m.Params() != 225034 || m.Format != FormatKeras3Zip {
			t.Errorf("%d params, format %s", m.Params(), m.Format)
		}
	})
	t.Run("npz", func(t *testing.T) {
		npz := map[string][]byte{"config.json": members["config.json"], "metadata.json": members["metadata.json"], "model.weights.npz": {1, 2}}
		var ue *UnsupportedError
		wantError(t, loadErr(t, File{"m.keras", zipOf(t, zip.Store, npz, "metadata.json", "config.json", "model.weights.npz")}),
			`the weights are stored as model.weights.npz, which this converter does not read; save the model again with the default weights format (model.save("model.keras"))`, &ue)
	})
	t.Run("sharded", func(t *testing.T) {
		sharded := map[string][]byte{"config.json": members["config.json"], "model.weights.json": []byte(`{"weight_map": {}}`), "model_00000.weights.h5": {0}}
		var ue *UnsupportedError
		wantError(t, loadErr(t, File{"m.keras", zipOf(t, zip.Store, sharded, "config.json", "model.weights.json", "model_00000.weights.h5")}),
			"the weights are sharded (model.weights.json), which this converter does not read; save the model again without max_shard_size", &ue)
	})
	t.Run("no weights", func(t *testing.T) {
		var fe *FormatError
		wantError(t, loadErr(t, File{"m.keras", zipOf(t, zip.Store, members, "config.json")}),
			`the .keras file has no model.weights.h5; it is incomplete. Save the model again with model.save("model.keras")`, &fe)
	})
	t.Run("corrupt member", func(t *testing.T) {
		data := zipOf(t, zip.Store, members, "metadata.json", "config.json", "model.weights.h5")
		i := bytes.Index(data, []byte(`"Sequential"`))
		data[i+1] = 's' // changes config.json without fixing its CRC
		var fe *FormatError
		wantError(t, loadErr(t, File{"m.keras", data}), "zip member config.json fails its checksum; the file is damaged. Save the model again", &fe)
	})
	t.Run("weights.h5 with config.json", func(t *testing.T) {
		// A Keras 3 save_weights file with the model's JSON config.
		m, err := Load([]File{{"config.json", members["config.json"]}, {"model.weights.h5", members["model.weights.h5"]}})
		if err != nil {
			t.Fatal(err)
		}
		if m.Format != FormatWeightsH5JSON || m.Params() != 225034 || m.Layer("conv2d_1").Weight("kernel") == nil {
			t.Errorf("format %s, %d params", m.Format, m.Params())
		}
	})
	t.Run("weights.h5 alone", func(t *testing.T) {
		var fe *FormatError
		wantError(t, loadErr(t, File{"model.weights.h5", members["model.weights.h5"]}),
			"this file holds only weights (saved with save_weights); add the model's JSON file, or save the model with model.save", &fe)
	})
	t.Run("Keras 1", func(t *testing.T) {
		meta := map[string][]byte{"config.json": members["config.json"], "metadata.json": []byte(`{"keras_version": "1.2.2"}`), "model.weights.h5": members["model.weights.h5"]}
		var ue *UnsupportedError
		wantError(t, loadErr(t, File{"old.keras", zipOf(t, zip.Store, meta, "metadata.json", "config.json", "model.weights.h5")}),
			"the file was written by Keras 1.2.2; files older than Keras 2 store kernels in another layout and are not supported. Load the model in Keras 2 or later and save it again", &ue)
	})
}

// weightsPair returns the Keras 2.0 JSON + weights fixture, with the JSON
// passed through edit.
func weightsPair(t *testing.T, edit func(string) string) []File {
	t.Helper()
	js := string(fixtures.ReadShared(t, "keras", "keras2.0_conv2d_model.json"))
	edited := edit(js)
	if edited == js {
		t.Fatal("the edit changed nothing")
	}
	return []File{
		{"keras2.0_conv2d_model.json", []byte(edited)},
		{"keras2.0_conv2d_model_weights.h5", fixtures.ReadShared(t, "keras", "keras2.0_conv2d_model_weights.h5")},
	}
}

func replaceOnce(s, old, new string) string { return strings.Replace(s, old, new, 1) }

func TestWeightMismatch(t *testing.T) {
	const advice = "the weights do not belong to this model config. Use the weights saved together with this model (model.save writes both)"
	t.Run("extra weight", func(t *testing.T) {
		files := weightsPair(t, func(s string) string { return strings.Replace(s, `"use_bias": true`, `"use_bias": false`, 1) })
		var fe *FormatError
		wantError(t, loadErr(t, files...), `layer "conv2d_1" (Conv2D): the file has 2 weights (kernel, bias) but the layer config needs 1 (kernel); `+advice, &fe)
		if fe.File != "keras2.0_conv2d_model_weights.h5" {
			t.Errorf("error file %q", fe.File)
		}
	})
	t.Run("kernel shape", func(t *testing.T) {
		files := weightsPair(t, func(s string) string { return strings.Replace(s, `"filters": 2`, `"filters": 3`, 1) })
		var fe *FormatError
		wantError(t, loadErr(t, files...), `layer "conv2d_1" (Conv2D): weight "kernel" has shape (3, 3, 1, 2) in the file, but the layer config and its input shape give (3, 3, 1, 3); `+advice, &fe)
	})
	t.Run("dense input", func(t *testing.T) {
		// A 9x9 input makes Flatten give 162 inputs, not the saved 128.
		files := weightsPair(t, func(s string) string {
			return strings.Replace(s, "null,\n                    8,\n                    8,", "null,\n                    9,\n                    9,", 1)
		})
		var fe *FormatError
		wantError(t, loadErr(t, files...), `layer "dense_1" (Dense): weight "kernel" has shape (128, 10) in the file, but the layer config and its input shape give (162, 10); `+advice, &fe)
	})
	t.Run("missing weights", func(t *testing.T) {
		// A BatchNormalization where the weights file has a layer without weights.
		files := weightsPair(t, func(s string) string {
			return strings.Replace(s, `"class_name": "Dropout"`, `"class_name": "BatchNormalization"`, 1)
		})
		var fe *FormatError
		wantError(t, loadErr(t, files...), `layer "dropout_1" (BatchNormalization): the file has 0 weights (none) but the layer config needs 4 (gamma, beta, moving_mean, moving_variance); `+advice, &fe)
	})
	t.Run("Keras 1", func(t *testing.T) {
		// Keras 2 reads a file it takes for Keras 1 through its legacy
		// conversion, which leaves a Keras 2 config and channels_last
		// kernels as they are (issue 13; keras1_test.go has real Keras 1
		// files).
		files := weightsPair(t, func(s string) string {
			return strings.Replace(s, `"keras_version": "2.0.0"`, `"keras_version": "1.2.2"`, 1)
		})
		m, err := Load(files)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Load(weightsPair(t, func(s string) string { return s + " " }))
		if err != nil {
			t.Fatal(err)
		}
		if m.KerasVersion != "1.2.2" || !reflect.DeepEqual(m.Layers, want.Layers) {
			t.Errorf("a Keras 2 config marked 1.2.2: version %q, layers differ from the Keras 2.0 load: %v", m.KerasVersion, !reflect.DeepEqual(m.Layers, want.Layers))
		}
	})
}

func TestBfloat16Weights(t *testing.T) {
	var ue *UnsupportedError
	wantError(t, loadErr(t, File{"config.json", readTestdata(t, "keras3_weights", "config.json")}, File{"bfloat16.weights.h5", readTestdata(t, "keras3_weights", "bfloat16.weights.h5")}),
		`layer "dense": variable 0 is stored as bfloat16, which this converter does not read; cast the model to float32 and save it again`, &ue)
	if ue.File != "bfloat16.weights.h5" {
		t.Errorf("error file %q", ue.File)
	}
}

func TestFileCombinations(t *testing.T) {
	h5 := File{"mobilenetv1_vww_96_keras2.4.h5", fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")}
	js := File{"keras2.0_conv2d_model.json", fixtures.ReadShared(t, "keras", "keras2.0_conv2d_model.json")}
	var fe *FormatError
	wantError(t, loadErr(t, h5, h5), "cannot tell how these files go together: mobilenetv1_vww_96_keras2.4.h5, mobilenetv1_vww_96_keras2.4.h5. "+
		"Give one .h5 or .keras file, a weights .h5 with its model .json, or a TF.js model.json with its .bin files", &fe)
	// A complete model given with a JSON loads with its own config, and
	// says so when the JSON describes another model (issue 13).
	m, err := Load([]File{h5, js})
	if err != nil || len(m.Layers) != 85 {
		t.Fatalf("a complete model with a JSON: %v", err)
	}
	wantWarnings := []string{"keras2.0_conv2d_model.json: mobilenetv1_vww_96_keras2.4.h5 is a complete model with its own config, which was used; the JSON describes another model (its config differs)"}
	if !reflect.DeepEqual(m.Warnings, wantWarnings) {
		t.Errorf("warnings %q, want %q", m.Warnings, wantWarnings)
	}
	wantError(t, loadErr(t, js), "this JSON file is a model config without weights; add the weights .h5 file saved with save_weights, or save the whole model with model.save", &fe)
	wantError(t, loadErr(t, File{"group1-shard1of1.bin", []byte{1, 2, 3, 4}}), "this .bin file holds TF.js weights only; give it together with its model.json", &fe)
	wantError(t, loadErr(t), "no file given; give a Keras model file (.h5 or .keras), a weights .h5 with its model .json, or a TF.js model.json with its .bin files", &fe)
	var ue *UnsupportedError
	wantError(t, loadErr(t, File{"model.weights.npz", []byte("PK\x03\x04")}), `NumPy .npz weights are not supported; save the model with model.save("model.keras") using the default weights format`, &ue)
}

func tfjsFiles(t *testing.T, name string) []File {
	t.Helper()
	var mj tfjsModelJSON
	data := readTestdata(t, "tfjs", name, "model.json")
	if err := json.Unmarshal(data, &mj); err != nil {
		t.Fatal(err)
	}
	files := []File{{"model.json", data}}
	for _, p := range mj.WeightsManifest[0].Paths {
		base := p[strings.LastIndex(p, "/")+1:]
		files = append(files, File{base, readTestdata(t, "tfjs", name, base)})
	}
	return files
}

// JSON files saved by editors that add a UTF-8 byte order mark load.
func TestJSONWithBOM(t *testing.T) {
	files := weightsPair(t, func(s string) string { return "\ufeff" + s })
	m, err := Load(files)
	if err != nil || m.Params() != 1310 {
		t.Fatalf("Load: %v", err)
	}
	tf := tfjsFiles(t, "sequential_dense")
	tf[0].Data = append([]byte("\xef\xbb\xbf"), tf[0].Data...)
	if m, err := Load(tf); err != nil || m.Format != FormatTFJSLayers {
		t.Fatalf("TF.js with BOM: %v", err)
	}
}

func TestTFJSErrors(t *testing.T) {
	files := tfjsFiles(t, "tiny_cnn")
	var fe *FormatError
	wantError(t, loadErr(t, files[0], files[1], files[3]), "the weights manifest needs group1-shard2of3.bin, which was not given; add every .bin file that sits next to model.json", &fe)
	short := File{files[3].Name, files[3].Data[:100]}
	wantError(t, loadErr(t, files[0], files[1], files[2], short), `weight "sep_2/bias" (shape [16], float32) runs past the end of the weight shards; a .bin file is missing or truncated`, &fe)
	extra := File{"group1-shard9of9.bin", []byte{0, 0, 0, 0}}
	wantError(t, loadErr(t, append(files, extra)...), "this file is not listed in the weights manifest of model.json; remove it, or give the model.json it belongs to", &fe)
	long := File{files[3].Name, append(append([]byte{}, files[3].Data...), 0, 0, 0, 0)}
	wantError(t, loadErr(t, files[0], files[1], files[2], long), "the shards group1-shard1of3.bin, group1-shard2of3.bin, group1-shard3of3.bin hold 4 bytes more than the weights manifest describes; they do not belong to this model.json", &fe)
	wantError(t, loadErr(t, File{"model.json", []byte(`{"modelTopology": {"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"name": "d", "units": 1, "batch_input_shape": [null, 1]}}]}},
		"weightsManifest": [{"paths": [""], "weights": []}]}`)}), `the weights manifest lists a shard with no file name (""); the model.json is damaged`, &fe)
	var ue *UnsupportedError
	wantError(t, loadErr(t, File{"model.json", []byte(`{"format": "graph-model", "modelTopology": {}, "weightsManifest": []}`)}),
		"this is a TF.js graph model, which has no Keras layers; convert the Keras model itself (the .h5 or .keras file), or a TF.js layers model", &ue)
}

// Every prefix of a real file gives an error or, when the cut only
// removes bytes the loader does not need (h5py leaves unused B-tree nodes
// at the end), the same model: never a panic, never wrong weights.
func TestTruncatedFiles(t *testing.T) {
	for _, f := range []File{
		{"keras3_legacy.h5", readTestdata(t, "keras3_legacy.h5")},
		{"keras3_nested_deflated.keras", readTestdata(t, "keras3_nested_deflated.keras")},
		{"tf213_checkpoint_deps.keras", readTestdata(t, "tf213_checkpoint_deps.keras")},
	} {
		full, err := Load([]File{f})
		if err != nil {
			t.Fatal(err)
		}
		loaded := 0
		for n := 0; n < len(f.Data); n += 1 + len(f.Data)/300 {
			m, err := Load([]File{{f.Name, f.Data[:n]}})
			if err != nil {
				continue
			}
			loaded++
			// A cut HDF5 file says so (issue 13); a zip cut anywhere does
			// not open.
			want := []string{fmt.Sprintf("%s: the file is %d bytes shorter than HDF5 says: it was probably cut off while downloading", f.Name, len(f.Data)-n)}
			if !reflect.DeepEqual(m.Warnings, want) {
				t.Errorf("%s cut to %d bytes: warnings %q, want %q", f.Name, n, m.Warnings, want)
			}
			m.Warnings = nil
			if !reflect.DeepEqual(m, full) {
				t.Errorf("%s cut to %d bytes loads a different model", f.Name, n)
			}
		}
		if loaded > 15 {
			t.Errorf("%s: %d of 300 prefixes load", f.Name, loaded)
		}
	}
}

// When the JSON's layer names differ from the weights file's (a config
// and weights from two sessions), weights go by position among the layers
// that have weights, as Keras' load_weights does.
func TestWeightsMatchedByPosition(t *testing.T) {
	rename := func(s string) string {
		return replaceOnce(replaceOnce(s, `"name": "conv2d_1"`, `"name": "convA"`), `"name": "dense_1"`, `"name": "denseB"`)
	}
	m, err := Load(weightsPair(t, rename))
	if err != nil {
		t.Fatal(err)
	}
	if got := weightNames(m.Layer("convA")); !reflect.DeepEqual(got, []string{"kernel", "bias"}) || m.Layer("denseB").Params() != 1290 {
		t.Errorf("convA weights %v, denseB params %d", got, m.Layer("denseB").Params())
	}
	extra := func(s string) string {
		return replaceOnce(rename(s), `"class_name": "Dropout"`, `"class_name": "BatchNormalization"`)
	}
	var fe *FormatError
	wantError(t, loadErr(t, weightsPair(t, extra)...), "the weights file has weights for 2 layers (conv2d_1, dense_1) but the model config has 3 layers with weights; "+
		"the two files do not belong to the same model. Use the JSON and the weights saved from the same model", &fe)
}

// A small file cannot make the loader decode far more values than it
// holds: five names for one compressed 4 MiB dataset are refused.
func TestRepeatedWeightsBudget(t *testing.T) {
	data := readTestdata(t, "hostile_repeated_weights.h5")
	var fe *FormatError
	wantError(t, loadErr(t, File{"hostile.h5", data}),
		fmt.Sprintf(`layer "blob": the weights add up to more values than a file of %d bytes can hold; the file is damaged or hostile`, len(data)), &fe)
}

func TestCheckKerasVersion(t *testing.T) {
	for _, tc := range []struct {
		version string
		major   int
		err     string
	}{
		{"2.15.0", 2, ""},
		{"3.15.1", 3, ""},
		{"2.4.0-tf", 2, ""},
		{"1.2.2", 0, "the file was written by Keras 1.2.2; files older than Keras 2 store kernels in another layout and are not supported. Load the model in Keras 2 or later and save it again"},
		{"", 0, "the file does not say which Keras wrote it (no keras_version), as Keras 1 files do; files older than Keras 2 store kernels in another layout and are not supported. Load the model in Keras 2 or later and save it again"},
		{"banana", 0, `the keras_version attribute "banana" is not a version number; the file is damaged`},
	} {
		major, err := checkKerasVersion("m.h5", tc.version)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if major != tc.major || got != tc.err {
			t.Errorf("checkKerasVersion(%q) = %d, %q; want %d, %q", tc.version, major, got, tc.major, tc.err)
		}
	}
}
