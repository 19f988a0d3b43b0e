package keras

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/hdf5"
)

// The Keras 3 ".keras" zip (keras-files.md §4): config.json, metadata.json
// and model.weights.h5, whose variables sit in
// layers/<snake_class>[_N]/vars/0,1,… rather than under layer names.

// maxInflated caps the size of one decompressed zip member, whatever its
// header claims: a .keras member is at most a model's weights, and models
// for Akida are far below this.
const maxInflated = 1 << 30

func loadKerasZip(f File) (*Model, error) {
	zr, err := zip.NewReader(bytes.NewReader(f.Data), int64(len(f.Data)))
	if err != nil {
		return nil, formatErrorf(f.Name, "the file looks like a zip but cannot be read as one (%v); it is damaged or truncated. Save the model again", err)
	}
	members := map[string]*zip.File{}
	for _, zf := range zr.File {
		members[zf.Name] = zf
	}
	if members["config.json"] == nil {
		if names := zipNames(zr); len(names) > 0 && isTFJSOrSavedModelZip(names) {
			return nil, formatErrorf(f.Name, "this zip is not a .keras model: it has no config.json (it holds %s). Unzip it and give the files themselves, or save the model with model.save(\"model.keras\")", strings.Join(names, ", "))
		}
		return nil, formatErrorf(f.Name, "this zip is not a .keras model: it has no config.json. Save the model with model.save(\"model.keras\")")
	}
	if err := checkWeightsMember(f.Name, zr.File, members); err != nil {
		return nil, err
	}
	config, err := zipMember(f, members["config.json"])
	if err != nil {
		return nil, err
	}
	version := ""
	if zm := members["metadata.json"]; zm != nil {
		meta, err := zipMember(f, zm)
		if err != nil {
			return nil, err
		}
		var md struct {
			KerasVersion string `json:"keras_version"`
		}
		if json.Unmarshal(meta, &md) != nil {
			return nil, formatErrorf(f.Name, "metadata.json is not valid JSON; the file is damaged. Save the model again")
		}
		version = md.KerasVersion
	}
	if version != "" {
		if _, err := checkKerasVersion(f.Name, version); err != nil {
			return nil, err
		}
	}
	m, g, err := buildModel(config)
	if err != nil {
		return nil, withFile(err, f.Name)
	}
	m.Format, m.KerasVersion = FormatKeras3Zip, version
	wb, err := zipMember(f, members["model.weights.h5"])
	if err != nil {
		return nil, err
	}
	h, err := openH5(File{Name: f.Name, Data: wb})
	if err != nil {
		return nil, err
	}
	if err := attachVarsWeights(h.Root(), g, newValueBudget(len(wb))); err != nil {
		return nil, withFile(err, f.Name)
	}
	return m, nil
}

// checkWeightsMember rejects the weights forms this package does not read.
func checkWeightsMember(file string, files []*zip.File, members map[string]*zip.File) error {
	if members["model.weights.h5"] != nil {
		return nil
	}
	if members["model.weights.npz"] != nil {
		return unsupportedf(file, "the weights are stored as model.weights.npz, which this converter does not read; save the model again with the default weights format (model.save(\"model.keras\"))")
	}
	for _, zf := range files { // in zip order, so the message is always the same
		if strings.HasSuffix(zf.Name, ".weights.json") || strings.HasSuffix(zf.Name, "_00000.weights.h5") {
			return unsupportedf(file, "the weights are sharded (%s), which this converter does not read; save the model again without max_shard_size", zf.Name)
		}
	}
	return formatErrorf(file, "the .keras file has no model.weights.h5; it is incomplete. Save the model again with model.save(\"model.keras\")")
}

// zipMember returns a member's bytes: a slice of the input for a Stored
// member (no copy, CRC checked), or the inflated bytes for a Deflated one.
func zipMember(f File, zf *zip.File) ([]byte, error) {
	off, err := zf.DataOffset()
	if err != nil {
		return nil, formatErrorf(f.Name, "zip member %s cannot be located (%v); the file is damaged", zf.Name, err)
	}
	switch zf.Method {
	case zip.Store:
		end := off + int64(zf.CompressedSize64)
		if off < 0 || zf.CompressedSize64 > uint64(len(f.Data)) || end > int64(len(f.Data)) {
			return nil, formatErrorf(f.Name, "zip member %s runs past the end of the file; the file is truncated", zf.Name)
		}
		b := f.Data[off:end:end]
		if crc32.ChecksumIEEE(b) != zf.CRC32 {
			return nil, formatErrorf(f.Name, "zip member %s fails its checksum; the file is damaged. Save the model again", zf.Name)
		}
		return b, nil
	case zip.Deflate:
		rc, err := zf.Open()
		if err != nil {
			return nil, formatErrorf(f.Name, "zip member %s cannot be opened (%v)", zf.Name, err)
		}
		defer rc.Close()
		if zf.UncompressedSize64 > maxInflated {
			return nil, unsupportedf(f.Name, "zip member %s inflates to %d bytes, more than the %d this converter holds in memory", zf.Name, zf.UncompressedSize64, int64(maxInflated))
		}
		// Read at most the declared size (plus one byte to detect a lie):
		// memory grows with the data actually inflated, never beyond it.
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(rc, int64(zf.UncompressedSize64)+1))
		if err != nil {
			return nil, formatErrorf(f.Name, "zip member %s cannot be inflated (%v); the file is damaged", zf.Name, err)
		}
		if uint64(n) != zf.UncompressedSize64 {
			return nil, formatErrorf(f.Name, "zip member %s inflates to another size than its header says; the file is damaged", zf.Name)
		}
		return buf.Bytes(), nil
	}
	return nil, unsupportedf(f.Name, "zip member %s uses compression method %d; re-zip the .keras file with deflate or no compression", zf.Name, zf.Method)
}

func zipNames(zr *zip.Reader) []string {
	var names []string
	for _, zf := range zr.File {
		names = append(names, zf.Name)
		if len(names) == 5 {
			names = append(names, "…")
			break
		}
	}
	return names
}

// isTFJSOrSavedModelZip spots zips of other model formats, to say so.
func isTFJSOrSavedModelZip(names []string) bool {
	for _, n := range names {
		if strings.HasSuffix(n, "model.json") || strings.HasSuffix(n, "saved_model.pb") || strings.HasSuffix(n, ".bin") {
			return true
		}
	}
	return false
}

// attachVarsWeights reads every layer's variables from a .keras /
// Keras 3 .weights.h5 file and attaches them in the order Keras saved
// them (trainable, then non-trainable, in creation order).
func attachVarsWeights(root *hdf5.Group, g *graph, budget *valueBudget) error {
	t, err := newVarsTree(root)
	if err != nil {
		return err
	}
	names := map[string]map[string]string{} // container path → layer name → group path
	for _, pl := range g.layers {
		if pl.varsPath == "" {
			continue // an InputLayer: no variables
		}
		byName, ok := names[pl.container]
		if !ok {
			var err error
			byName, err = t.varsNames(pl.container)
			if err != nil {
				return err
			}
			names[pl.container] = byName
		}
		path := pl.varsPath
		if p, ok := byName[pl.layer.Name]; ok {
			path = p
		}
		// Sub-objects hold variables in quantizeml layers (their
		// quantizers) and maybe in unknown classes; Keras built-ins keep
		// all theirs in "vars".
		nested := pl.layer.Config == nil || isQuantizeML(pl.layer.Config)
		saved, err := t.readVars(path, pl.layer.Name, nested, budget)
		if err != nil {
			return err
		}
		if err := attachWeights(pl.layer, saved, pl.in, false); err != nil {
			return err
		}
	}
	return nil
}

// varsTree is a .keras weights file as the tree of groups Keras meant.
// tf.keras on Windows joined the paths of its saveables with
// os.path.join, so its files hold root groups named "layers\dense" (each
// with its "vars"; metrics under "metrics\mean") where other files nest
// "layers/dense". The tree reads both as the path "layers/dense".
type varsTree struct {
	root *hdf5.Group
	// flat maps a path to the root member that holds it ("layers/dense"
	// → "layers\dense"); empty for files without backslash names.
	flat map[string]string
}

func newVarsTree(root *hdf5.Group) (*varsTree, error) {
	members, err := root.Members()
	if err != nil {
		return nil, h5Error("", err)
	}
	t := &varsTree{root: root, flat: map[string]string{}}
	for _, m := range members {
		if strings.Contains(m, `\`) {
			t.flat[strings.ReplaceAll(m, `\`, "/")] = m
		}
	}
	return t, nil
}

// group opens the group at path.
func (t *varsTree) group(path string) (*hdf5.Group, error) {
	// The longest flat group the path starts with, then the rest below it.
	for prefix := path; prefix != ""; prefix = parentPath(prefix) {
		if m, ok := t.flat[prefix]; ok {
			if prefix == path {
				return t.root.Group(m)
			}
			g, err := t.root.Group(m)
			if err != nil {
				return nil, err
			}
			return g.Group(path[len(prefix)+1:])
		}
	}
	return t.root.Group(path)
}

// parentPath drops the last component of a path ("" for one component).
func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// members lists the names below path, sorted: the group's own members,
// and in a Windows file the next component of every flat group below
// path. found is false when path is no group at all.
func (t *varsTree) members(path string) (names []string, found bool, err error) {
	g, err := t.group(path)
	switch {
	case err == nil:
		found = true
		if names, err = g.Members(); err != nil {
			return nil, false, h5Error("", err)
		}
	case !errors.Is(err, hdf5.ErrNotFound):
		return nil, false, h5Error("", err)
	}
	for p := range t.flat {
		if rest, ok := strings.CutPrefix(p, path+"/"); ok {
			next, _, _ := strings.Cut(rest, "/")
			if !slices.Contains(names, next) {
				names = append(names, next)
			}
			found = true
		}
	}
	sort.Strings(names)
	return names, found, nil
}

// varsNames maps layer names to their groups in one container using the
// "name" attribute Keras ≥ 3.6 writes on every vars group. Older files
// have no such attribute: the map is empty and the snake-case naming
// rule applies.
func (t *varsTree) varsNames(container string) (map[string]string, error) {
	out := map[string]string{}
	dir := container + "layers"
	members, found, err := t.members(dir)
	if err == nil && !found {
		dir = strings.ReplaceAll(dir, "layers", "_layer_checkpoint_dependencies")
		members, found, err = t.members(dir)
	}
	if err != nil || !found {
		return out, err
	}
	for _, m := range members {
		vars, err := t.group(dir + "/" + m + "/vars")
		if err != nil {
			continue // not a layer group (or no vars): the naming rule applies
		}
		if name, ok, err := stringAttr(vars, "name"); err == nil && ok {
			out[name] = dir + "/" + m
		}
	}
	return out, nil
}

// maxSaveableDepth bounds the walk into a layer's nested saveables.
const maxSaveableDepth = 4

// readVars reads a layer's variables from <path>/vars/0, 1, … in numeric
// order. A missing group means the layer has no saved variables; Keras
// 2.13/2.14 files keep layers under "_layer_checkpoint_dependencies"
// instead of "layers". With nested, the variables of the layer's own
// sub-objects (<path>/<attr>/vars, e.g. a quantizeml OutputQuantizer)
// follow, in attribute name order, named "<attr>/<i>".
func (t *varsTree) readVars(path, layer string, nested bool, budget *valueBudget) ([]savedWeight, error) {
	members, found, err := t.members(path)
	if err == nil && !found {
		path = strings.ReplaceAll(path, "layers", "_layer_checkpoint_dependencies")
		members, found, err = t.members(path)
	}
	if err != nil || !found {
		return nil, err
	}
	var saved []savedWeight
	err = t.collectVars(path, members, "", layer, nested, 0, budget, &saved)
	return saved, err
}

func (t *varsTree) collectVars(path string, members []string, prefix, layer string, nested bool, depth int, budget *valueBudget, saved *[]savedWeight) error {
	if slices.Contains(members, "vars") {
		if err := t.readVarsGroup(path, prefix, layer, budget, saved); err != nil {
			return err
		}
	}
	if !nested || depth >= maxSaveableDepth {
		return nil
	}
	for _, m := range members {
		if m == "vars" {
			continue
		}
		sub, found, err := t.members(path + "/" + m)
		if err != nil || !found {
			continue // a dataset, or unreadable: only groups hold saveables
		}
		if err := t.collectVars(path+"/"+m, sub, prefix+m+"/", layer, nested, depth+1, budget, saved); err != nil {
			return err
		}
	}
	return nil
}

// readVarsGroup appends the datasets of <path>/vars, numerically sorted.
func (t *varsTree) readVarsGroup(path, prefix, layer string, budget *valueBudget, saved *[]savedWeight) error {
	vars, err := t.group(path + "/vars")
	if err != nil {
		return h5Error("", err)
	}
	keys, err := vars.Members()
	if err != nil {
		return h5Error("", err)
	}
	index := make([]int, 0, len(keys))
	for _, k := range keys {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 {
			return formatErrorf("", "layer %q: %s/vars has a member %q that is not a variable number; the weights file is damaged", layer, path, k)
		}
		index = append(index, i)
	}
	sort.Ints(index) // "10" sorts before "2" in HDF5 order
	for _, i := range index {
		d, err := vars.Dataset(strconv.Itoa(i))
		if err != nil {
			return formatErrorf("", "layer %q: variable %s/vars/%d cannot be read (%v)", layer, path, i, plainH5(err))
		}
		if dt, ok, _ := datasetStringAttr(d, "dtype"); ok && dt == "bfloat16" {
			return unsupportedf("", "layer %q: variable %d is stored as bfloat16, which this converter does not read; cast the model to float32 and save it again", layer, i)
		}
		values, err := budget.float32s(d, layer)
		if err != nil {
			return err
		}
		name := ""
		if prefix != "" {
			name = prefix + strconv.Itoa(i)
		}
		*saved = append(*saved, savedWeight{name: name, shape: d.Shape(), values: values})
	}
	return nil
}

func datasetStringAttr(d *hdf5.Dataset, name string) (string, bool, error) {
	a, err := d.Attr(name)
	if err != nil {
		return "", false, err
	}
	s, err := a.String()
	return s, err == nil, err
}
