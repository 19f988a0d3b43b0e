package keras

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Load reads a Keras model from one or more files:
//
//   - one .h5 saved with model.save (Keras 1, Keras 2, tf.keras or
//     Keras 3), also when given with a model .json (its own config wins),
//   - one .keras zip,
//   - a weights-only .h5 (save_weights) plus the model's .json (to_json),
//     also a .json written with json.dump(model.to_json(), f),
//   - a TF.js model.json plus its weight shards.
//
// Files are told apart by their content (HDF5 and zip signatures, JSON
// keys) and by their names only where content cannot tell: the shards a
// TF.js manifest lists (with or without .bin), .bin files, .fbz. What was
// read differently from a plain file is said in Model.Warnings. The bytes are not copied: the Model's weights are the only new
// allocation of their size. Errors are *FormatError or *UnsupportedError
// with a message that names the problem and what to do.
func Load(files []File) (*Model, error) {
	if len(files) == 0 {
		return nil, &FormatError{Msg: "no file given; give a Keras model file (.h5 or .keras), a weights .h5 with its model .json, or a TF.js model.json with its .bin files"}
	}
	files, warnings := unwrapFiles(files)
	m, err := loadFiles(files)
	if err != nil {
		return nil, err
	}
	m.Warnings = append(warnings, m.Warnings...)
	return m, nil
}

// unwrapFiles returns a copy of the files with what wraps their content
// removed: a UTF-8 byte order mark some editors add to JSON, and the JSON
// string that json.dump(model.to_json(), f) writes around a model's JSON
// (Keras reads neither; the warnings say what was done).
func unwrapFiles(files []File) ([]File, []string) {
	out := make([]File, len(files))
	var warnings []string
	for i, f := range files {
		f.Data = bytes.TrimPrefix(f.Data, []byte("\xef\xbb\xbf"))
		if inner, ok := unquoteJSON(f.Data); ok {
			f.Data = inner
			warnings = append(warnings, f.Name+": "+doubleEncodedWarning)
		}
		out[i] = f
	}
	return out, warnings
}

// doubleEncodedWarning explains a model JSON found inside a JSON string.
const doubleEncodedWarning = "the file holds the model's JSON inside a JSON string (as json.dump(model.to_json(), f) writes it); " +
	"it was read as the JSON it holds. Write the JSON itself: open(\"model.json\", \"w\").write(model.to_json())"

// unquoteJSON decodes a JSON string whose content is a JSON object or
// list, and nested strings of them (json.dump applied twice); ok is
// false for anything else.
func unquoteJSON(b []byte) ([]byte, bool) {
	const maxDepth = 4 // json.dump applied more often than this is not a mistake
	unwrapped := false
	for range maxDepth {
		if firstByte(b) != '"' {
			break
		}
		var s string
		if json.Unmarshal(b, &s) != nil {
			break
		}
		b, unwrapped = []byte(s), true
	}
	if c := firstByte(b); unwrapped && (c == '{' || c == '[') {
		return b, true
	}
	return nil, false
}

// loadFiles tells the files apart and loads them as the model they make.
func loadFiles(files []File) (*Model, error) {
	var h5s, zips, modelJSONs, tfjsJSONs, bins []File
	shards := tfjsShardNames(files)
	for _, f := range files {
		kind := sniff(f)
		if shards[f.Name] && kind != kindTFJSJSON {
			// The manifest names it: a weight shard, whatever its name
			// ends with (older tfjs-converters wrote "group1-shard1of1").
			kind = kindBin
		}
		switch kind {
		case kindHDF5:
			h5s = append(h5s, f)
		case kindZip:
			zips = append(zips, f)
		case kindTFJSJSON:
			tfjsJSONs = append(tfjsJSONs, f)
		case kindJSON:
			modelJSONs = append(modelJSONs, f)
		case kindBin:
			bins = append(bins, f)
		default:
			return nil, notKerasError(f, kind)
		}
	}
	switch {
	case len(files) == 1 && len(h5s) == 1:
		return loadH5(h5s[0], nil)
	case len(files) == 1 && len(zips) == 1:
		return loadKerasZip(zips[0])
	case len(files) == 2 && len(h5s) == 1 && len(modelJSONs) == 1:
		return loadH5(h5s[0], &modelJSONs[0])
	case len(tfjsJSONs) == 1 && len(tfjsJSONs)+len(bins) == len(files):
		return loadTFJS(tfjsJSONs[0], bins)
	case len(files) == 1 && len(modelJSONs) == 1:
		return nil, formatErrorf(files[0].Name, "this JSON file is a model config without weights; add the weights .h5 file saved with save_weights, or save the whole model with model.save")
	case len(files) == 1 && len(bins) == 1:
		return nil, formatErrorf(files[0].Name, "this .bin file holds TF.js weights only; give it together with its model.json")
	}
	return nil, &FormatError{Msg: fmt.Sprintf("cannot tell how these files go together: %s. Give one .h5 or .keras file, a weights .h5 with its model .json, or a TF.js model.json with its .bin files",
		fileNames(files))}
}

// tfjsShardNames returns the base names of the weight shards listed by
// the manifest of the one TF.js model.json among the files (none when
// there is no such file, or several).
func tfjsShardNames(files []File) map[string]bool {
	var manifest []tfjsManifestGroup
	found := 0
	for _, f := range files {
		if firstByte(f.Data) != '{' || !isTFJSModelJSON(f.Data) {
			continue
		}
		found++
		var mj struct {
			WeightsManifest []tfjsManifestGroup `json:"weightsManifest"`
		}
		_ = json.Unmarshal(f.Data, &mj) // a bad manifest is reported by loadTFJS
		manifest = mj.WeightsManifest
	}
	names := map[string]bool{}
	if found != 1 {
		return names
	}
	for _, g := range manifest {
		for _, p := range g.Paths {
			names[path.Base(p)] = true
		}
	}
	return names
}

// fileKind is what the bytes of an input file look like.
type fileKind int

const (
	kindUnknown fileKind = iota
	kindHDF5
	kindZip
	kindJSON     // a Keras model config (to_json)
	kindTFJSJSON // a TF.js model.json
	kindBin      // a TF.js weight shard (recognized by its name only)
	kindFBZ      // an Akida model
	kindNPZ      // NumPy weights (Keras 3 npz format), a zip
	kindShardMap // Keras 3 sharded weights map (*.weights.json)
	kindEmpty
)

// File signatures.
const (
	hdf5Magic = "\x89HDF\r\n\x1a\n"
	zipMagic  = "PK\x03\x04"
	emptyZip  = "PK\x05\x06" // a zip with no members starts with its end record
)

func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

func sniff(f File) fileKind {
	lower := strings.ToLower(f.Name)
	data := f.Data
	switch {
	case len(data) == 0:
		return kindEmpty
	case hasPrefix(data, hdf5Magic):
		return kindHDF5
	case strings.HasSuffix(lower, ".npz"):
		return kindNPZ
	case hasPrefix(data, zipMagic) || hasPrefix(data, emptyZip):
		return kindZip
	case strings.HasSuffix(lower, ".fbz"):
		return kindFBZ
	case strings.HasSuffix(lower, ".weights.json"):
		return kindShardMap
	case strings.HasSuffix(lower, ".bin"):
		return kindBin
	}
	if c := firstByte(data); c == '{' || c == '[' {
		if isTFJSModelJSON(data) {
			return kindTFJSJSON
		}
		return kindJSON
	}
	return kindUnknown
}

// notKerasError explains a file that is not any Keras format.
func notKerasError(f File, kind fileKind) error {
	switch kind {
	case kindEmpty:
		return formatErrorf(f.Name, "the file is empty")
	case kindFBZ:
		return &FormatError{File: f.Name, Msg: ErrAkidaModel.Error(), Err: ErrAkidaModel}
	case kindNPZ:
		return unsupportedf(f.Name, "NumPy .npz weights are not supported; save the model with model.save(\"model.keras\") using the default weights format")
	case kindShardMap:
		return unsupportedf(f.Name, "sharded Keras weights are not supported; save the model again without max_shard_size")
	}
	if isShardName(f.Name) { // "group1-shard1of2" without .bin, given without its model.json
		return formatErrorf(f.Name, "this file looks like a TF.js weight shard (its name); give it together with its model.json")
	}
	what := describeBytes(f.Data)
	return formatErrorf(f.Name, "this is not a Keras model file%s; give a .h5 or .keras file saved with model.save, a weights .h5 with its model .json, or a TF.js model.json with its .bin files", what)
}

// isShardName reports the names the TF.js converter gives weight shards:
// "group<N>-shard<I>of<K>", with or without an extension.
func isShardName(name string) bool {
	base, _, _ := strings.Cut(strings.ToLower(name), ".")
	group, rest, ok := strings.Cut(base, "-shard")
	if !ok || !strings.HasPrefix(group, "group") || !isDigits(group[len("group"):]) {
		return false
	}
	i, k, ok := strings.Cut(rest, "of")
	return ok && isDigits(i) && isDigits(k)
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// describeBytes names a few common non-model formats users drop by
// mistake.
func describeBytes(b []byte) string {
	switch {
	case hasPrefix(b, "\x89PNG"):
		return " (it is a PNG image)"
	case hasPrefix(b, "\xff\xd8\xff"):
		return " (it is a JPEG image)"
	case hasPrefix(b, "%PDF"):
		return " (it is a PDF document)"
	case hasPrefix(b, "\x93NUMPY"):
		return " (it is a NumPy .npy array)"
	case hasPrefix(b, "version https://git-lfs"):
		return " (it is a Git LFS pointer: fetch the real file with git lfs pull)"
	}
	return ""
}

func fileNames(files []File) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// buildModel parses a model config into a Model with typed configs,
// inbound names and output shapes (weights are attached by the caller).
func buildModel(config []byte) (*Model, *graph, error) {
	g, err := parseModelConfig(config)
	if err != nil {
		return nil, nil, err
	}
	m := &Model{Name: g.name, Class: g.class, Inputs: g.inputs, Outputs: g.outputs}
	m.Layers = make([]*Layer, len(g.layers))
	for i, pl := range g.layers {
		m.Layers[i] = pl.layer
	}
	inferShapes(m.Layers)
	byName := make(map[string]*Layer, len(m.Layers))
	for _, l := range m.Layers {
		byName[l.Name] = l
	}
	for _, pl := range g.layers {
		if len(pl.layer.Inbound) > 0 {
			if in := byName[pl.layer.Inbound[0]]; in != nil {
				pl.in = in.OutputShape
			}
		}
	}
	return m, g, nil
}
