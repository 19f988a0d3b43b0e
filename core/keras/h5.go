package keras

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/hdf5"
)

// Legacy HDF5 files (keras-files.md §1–§3): a whole model saved with
// model.save("x.h5") by Keras 2, tf.keras or Keras 3, or a weights-only
// file from save_weights plus the model's JSON.

// openH5 opens an HDF5 file, turning reader errors into user words.
func openH5(f File) (*hdf5.File, error) {
	h, err := hdf5.Open(f.Data)
	if err != nil {
		return nil, h5Error(f.Name, err)
	}
	return h, nil
}

// h5Error wraps an HDF5 reader error: a damaged file is a FormatError, a
// feature the reader lacks an UnsupportedError.
func h5Error(file string, err error) error {
	var ue *hdf5.UnsupportedError
	if errors.As(err, &ue) {
		return &UnsupportedError{File: file, Msg: "the HDF5 file uses a feature this converter cannot read: " + plainH5(err), Err: err}
	}
	return &FormatError{File: file, Msg: "the HDF5 file cannot be read (" + plainH5(err) + "); it is damaged or truncated. Save the model again", Err: err}
}

// loadH5 reads a .h5 file, with modelJSON (a to_json config) for a
// weights-only file; modelJSON is nil otherwise. A file shorter than
// its superblock says loads with a warning when what the model needs lies
// before the cut; otherwise its error says that the file was cut.
func loadH5(f File, modelJSON *File) (*Model, error) {
	h, err := openH5(f)
	if err != nil {
		return nil, err
	}
	m, err := readH5(f, h, modelJSON)
	cut := h.MissingBytes()
	switch {
	case err != nil && cut > 0:
		return nil, cutOffError(err, cut)
	case err != nil:
		return nil, err
	case cut > 0:
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s: %s", f.Name, cutOffText(cut)))
	}
	return m, nil
}

// cutOffText says that an HDF5 file lacks bytes its superblock counts.
func cutOffText(missing uint64) string {
	return fmt.Sprintf("the file is %d bytes shorter than HDF5 says: it was probably cut off while downloading", missing)
}

// cutOffError adds to the error of a file that was cut short what most
// likely caused it and what to do.
func cutOffError(err error, missing uint64) error {
	more := "; " + cutOffText(missing) + ". Download it again"
	var fe *FormatError
	if errors.As(err, &fe) {
		return &FormatError{File: fe.File, Msg: fe.Msg + more, Err: fe.Err}
	}
	var ue *UnsupportedError
	if errors.As(err, &ue) {
		return &UnsupportedError{File: ue.File, Msg: ue.Msg + more, Err: ue.Err}
	}
	return err
}

// readH5 reads the model of an opened .h5 file.
func readH5(f File, h *hdf5.File, modelJSON *File) (*Model, error) {
	root := h.Root()
	config, hasConfig, err := stringAttr(root, "model_config")
	if err != nil {
		return nil, h5Error(f.Name, err)
	}
	if hasConfig {
		m, err := loadFullH5(f, h, config)
		if err != nil || modelJSON == nil {
			return m, err
		}
		// A complete model given with a JSON (as if its weights were
		// saved alone): Keras' load_model would read the file alone, so
		// its own config wins.
		if !sameModelConfig([]byte(config), modelJSON.Data) {
			m.Warnings = append(m.Warnings, fmt.Sprintf("%s: %s is a complete model with its own config, which was used; the JSON describes another model (its config differs)",
				modelJSON.Name, f.Name))
		}
		return m, nil
	}
	isWeights, err := isWeightsOnlyH5(root)
	if err != nil {
		return nil, h5Error(f.Name, err)
	}
	if !isWeights {
		return nil, formatErrorf(f.Name, "this HDF5 file is not a Keras model: it has no model_config attribute and no layer weights. Save the model with model.save(\"model.h5\") or model.save(\"model.keras\")")
	}
	if modelJSON == nil {
		return nil, &FormatError{File: f.Name, Msg: ErrWeightsOnly.Error(), Err: ErrWeightsOnly}
	}
	return loadWeightsH5(f, h, *modelJSON)
}

// sameModelConfig reports whether two model JSONs hold the same class
// and config, whatever else they hold (to_json adds keras_version and
// backend) and however they are formatted.
func sameModelConfig(a, b []byte) bool {
	type model struct {
		ClassName string `json:"class_name"`
		Config    any    `json:"config"`
	}
	var ma, mb model
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return false
	}
	return ma.ClassName == mb.ClassName && reflect.DeepEqual(ma.Config, mb.Config)
}

// isWeightsOnlyH5 recognizes save_weights files: Keras 2 puts layer_names
// on the root; Keras 3 (.weights.h5) uses the "layers"/"vars" layout.
func isWeightsOnlyH5(root *hdf5.Group) (bool, error) {
	names, err := root.AttrNames()
	if err != nil {
		return false, err
	}
	for _, n := range names {
		if n == "layer_names" || n == "layer_names0" {
			return true, nil
		}
	}
	return isVarsLayout(root)
}

// isVarsLayout reports the Keras 3 / .keras weights layout.
func isVarsLayout(root *hdf5.Group) (bool, error) {
	members, err := root.Members()
	if err != nil {
		return false, err
	}
	for _, m := range members {
		top, _, _ := strings.Cut(m, `\`) // tf.keras on Windows: "layers\dense"
		if top == "layers" || m == "vars" || top == "_layer_checkpoint_dependencies" {
			return true, nil
		}
	}
	return false, nil
}

// loadFullH5 reads model.save("x.h5"): config and versions from the root
// attributes, weights from /model_weights.
func loadFullH5(f File, h *hdf5.File, config string) (*Model, error) {
	root := h.Root()
	version, backend, err := versionAttrs(f.Name, root)
	if err != nil {
		return nil, err
	}
	cfg, keras1, major, err := legacyConfig(f.Name, version, backend, []byte(config))
	if err != nil {
		return nil, withFile(err, f.Name)
	}
	m, g, err := buildModel(cfg)
	if err != nil {
		return nil, withFile(err, f.Name)
	}
	g.keras1 = keras1
	m.KerasVersion, m.Backend = version, backend
	switch {
	case major >= 3:
		m.Format = FormatKeras3H5
	case major == 2:
		m.Format = FormatKeras2H5
	default:
		m.Format = FormatKeras1H5
	}
	weights, err := root.Group("model_weights")
	if err != nil {
		return nil, h5Error(f.Name, err)
	}
	if err := attachLegacyWeights(weights, g, newValueBudget(len(f.Data))); err != nil {
		return nil, withFile(err, f.Name)
	}
	return m, nil
}

// loadWeightsH5 reads a save_weights file plus the model's to_json().
func loadWeightsH5(f File, h *hdf5.File, modelJSON File) (*Model, error) {
	var envelope struct {
		KerasVersion string `json:"keras_version"`
		Backend      string `json:"backend"`
	}
	_ = json.Unmarshal(modelJSON.Data, &envelope) // a bad JSON is reported by buildModel
	root := h.Root()
	version, backend, err := versionAttrs(f.Name, root)
	if err != nil {
		return nil, err
	}
	if envelope.KerasVersion != "" {
		version = envelope.KerasVersion
	}
	if envelope.Backend != "" {
		backend = envelope.Backend
	}
	vars, err := isVarsLayout(root)
	if err != nil {
		return nil, h5Error(f.Name, err)
	}
	config := modelJSON.Data
	var keras1 *keras1Upgrade
	// Keras 3 .weights.h5 files and configs carry no version; their
	// layout alone rules out Keras 1.
	if !vars || version != "" {
		if config, keras1, _, err = legacyConfig(f.Name, version, backend, config); err != nil {
			return nil, withFile(err, modelJSON.Name)
		}
	}
	m, g, err := buildModel(config)
	if err != nil {
		return nil, withFile(err, modelJSON.Name)
	}
	g.keras1 = keras1
	m.KerasVersion, m.Backend, m.Format = version, backend, FormatWeightsH5JSON
	if vars {
		err = attachVarsWeights(root, g, newValueBudget(len(f.Data)))
	} else {
		err = attachLegacyWeights(root, g, newValueBudget(len(f.Data)))
	}
	if err != nil {
		return nil, withFile(err, f.Name)
	}
	return m, nil
}

// legacyConfig prepares the config of a legacy .h5 file, or of the JSON
// given with a save_weights .h5, written by the Keras of version: a Keras
// 1 config is translated into the Keras 2 form (keras1.go), a later one
// is kept. major is the Keras major version, 1 for a file naming none (as
// Keras 2's loader takes it).
func legacyConfig(file, version, backend string, config []byte) (cfg []byte, keras1 *keras1Upgrade, major int, err error) {
	if !isKeras1(version) {
		major, err := checkKerasVersion(file, version)
		return config, nil, major, err
	}
	if strings.TrimSpace(backend) == "theano" {
		return nil, nil, 1, unsupportedf(file, "the file was written by Keras 1 with the Theano backend, whose convolution kernels are flipped; "+
			"load the model in Keras 2 (2.0 to 2.2 read Keras 1 files) and save it again")
	}
	cfg, keras1, err = upgradeKeras1Config(config)
	return cfg, keras1, 1, err
}

// versionAttrs reads the keras_version and backend attributes Keras
// writes on the root group ("" when absent).
func versionAttrs(file string, root *hdf5.Group) (version, backend string, err error) {
	if version, _, err = stringAttr(root, "keras_version"); err != nil {
		return "", "", h5Error(file, err)
	}
	if backend, _, err = stringAttr(root, "backend"); err != nil {
		return "", "", h5Error(file, err)
	}
	return version, backend, nil
}

// checkKerasVersion rejects Keras 1 files (kernels in another layout) and
// returns the major version; an absent version is taken as Keras 1, as
// the TF.js converter does.
func checkKerasVersion(file, version string) (int, error) {
	major, err := strconv.Atoi(strings.SplitN(strings.TrimSpace(version), ".", 2)[0])
	if err != nil && version != "" {
		return 0, formatErrorf(file, "the keras_version attribute %q is not a version number; the file is damaged", version)
	}
	const advice = "files older than Keras 2 store kernels in another layout and are not supported. Load the model in Keras 2 or later and save it again"
	if version == "" {
		return 0, unsupportedf(file, "the file does not say which Keras wrote it (no keras_version), as Keras 1 files do; %s", advice)
	}
	if major < 2 {
		return 0, unsupportedf(file, "the file was written by Keras %s; %s", version, advice)
	}
	return major, nil
}

// attachLegacyWeights reads the layer groups named by layer_names (in
// model order) and attaches their weight_names datasets to the layers.
func attachLegacyWeights(weights *hdf5.Group, g *graph, budget *valueBudget) error {
	names, ok, err := chunkedStrings(weights, "layer_names")
	if err != nil {
		return h5Error("", err)
	}
	if !ok {
		return formatErrorf("", "the weights group %s has no layer_names attribute; the file is not a Keras weights file", weights.Path())
	}
	groups := make([]h5LayerGroup, 0, len(names))
	for _, name := range names {
		lg, err := weights.Group(name)
		if err != nil {
			return formatErrorf("", "layer_names lists %q but the file has no group for it (%v); the file is damaged", name, plainH5(err))
		}
		ws, err := readLegacyLayerWeights(lg, name, budget)
		if err != nil {
			return err
		}
		groups = append(groups, h5LayerGroup{name: name, weights: ws})
	}
	return attachGroups(groups, g)
}

// h5LayerGroup is one entry of layer_names with the weights saved for it.
type h5LayerGroup struct {
	name    string
	weights []savedWeight
}

// readLegacyLayerWeights reads the datasets listed in a layer group's
// weight_names, in that order.
func readLegacyLayerWeights(lg *hdf5.Group, layer string, budget *valueBudget) ([]savedWeight, error) {
	wnames, _, err := chunkedStrings(lg, "weight_names")
	if err != nil {
		return nil, h5Error("", err)
	}
	ws := make([]savedWeight, 0, len(wnames))
	for _, wn := range wnames {
		d, err := lg.Dataset(wn)
		if errors.Is(err, hdf5.ErrNotFound) {
			return nil, formatErrorf("", "layer %q: weight_names lists %q but the file has no such dataset (%v); the file is damaged", layer, wn, plainH5(err))
		}
		if err != nil {
			return nil, formatErrorf("", "layer %q: weight %s/%s cannot be read (%v)", layer, lg.Path(), wn, plainH5(err))
		}
		values, err := budget.float32s(d, layer)
		if err != nil {
			return nil, err
		}
		ws = append(ws, savedWeight{name: wn, shape: d.Shape(), values: values})
	}
	return ws, nil
}

// attachGroups gives each layer of the graph its saved weights. Groups are
// matched to top-level layers by name; when the names differ (a JSON and a
// weights file from different sessions), by position among the layers
// that have weights, as Keras' own load_weights does.
func attachGroups(groups []h5LayerGroup, g *graph) error {
	byTop := map[string][]*parsedLayer{}
	var tops []string // top-level names in model order
	for _, pl := range g.layers {
		top := pl.topName
		if _, seen := byTop[top]; !seen {
			tops = append(tops, top)
		}
		byTop[top] = append(byTop[top], pl)
	}
	byName := true
	for _, gr := range groups {
		if _, ok := byTop[gr.name]; !ok && len(gr.weights) > 0 {
			byName = false
		}
	}
	assigned := map[string][]savedWeight{}
	if byName {
		for _, gr := range groups {
			assigned[gr.name] = gr.weights
		}
	} else {
		var withWeights []h5LayerGroup
		for _, gr := range groups {
			if len(gr.weights) > 0 {
				withWeights = append(withWeights, gr)
			}
		}
		var topsWithWeights []string
		for _, top := range tops {
			if layersHaveWeights(byTop[top]) {
				topsWithWeights = append(topsWithWeights, top)
			}
		}
		if len(withWeights) != len(topsWithWeights) {
			return formatErrorf("", "the weights file has weights for %d layers (%s) but the model config has %d layers with weights; "+
				"the two files do not belong to the same model. Use the JSON and the weights saved from the same model",
				len(withWeights), groupNames(withWeights), len(topsWithWeights))
		}
		for i, gr := range withWeights {
			assigned[topsWithWeights[i]] = gr.weights
		}
	}
	for _, top := range tops {
		saved := assigned[top]
		if layers := byTop[top]; g.keras1 != nil && len(layers) == 1 {
			var err error
			if saved, err = g.keras1.weights(layers[0].layer, saved); err != nil {
				return err
			}
		}
		if err := attachTop(byTop[top], top, saved, true); err != nil {
			return err
		}
	}
	return nil
}

// attachTop attaches the weights saved under one top-level name: all to
// the layer itself, or spread by name over a nested model's layers.
func attachTop(layers []*parsedLayer, top string, saved []savedWeight, named bool) error {
	if len(layers) == 1 && layers[0].layer.Name == top {
		pl := layers[0]
		return attachWeights(pl.layer, saved, pl.in, named)
	}
	flat := make([]*Layer, len(layers))
	for i, pl := range layers {
		flat[i] = pl.layer
	}
	parts, err := distributeByName(saved, flat)
	if err != nil {
		return fmt.Errorf("nested model %q: %w", top, err)
	}
	for _, pl := range layers {
		if err := attachWeights(pl.layer, parts[pl.layer], pl.in, named); err != nil {
			return err
		}
	}
	return nil
}

// layersHaveWeights reports whether any of the layers has weights to load
// according to its class (unknown classes are assumed to have some).
func layersHaveWeights(layers []*parsedLayer) bool {
	for _, pl := range layers {
		exp, known := expectedWeights(pl.layer, pl.in)
		if !known || len(exp) > 0 {
			return true
		}
	}
	return false
}

func groupNames(groups []h5LayerGroup) string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.name
	}
	if len(names) > 6 {
		names = append(names[:6], "…")
	}
	return strings.Join(names, ", ")
}

// stringAttr reads a scalar string attribute; ok is false when absent.
func stringAttr(g *hdf5.Group, name string) (string, bool, error) {
	a, err := g.Attr(name)
	if errors.Is(err, hdf5.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	s, err := a.String()
	return s, err == nil, err
}

// chunkedStrings reads a string-list attribute that Keras may split into
// name0, name1, … when it is larger than the HDF5 header limit
// (keras-files.md §1.2). An empty numeric array (Keras' "no names") reads
// as an empty list.
func chunkedStrings(g *hdf5.Group, name string) ([]string, bool, error) {
	a, err := g.Attr(name)
	if err == nil {
		s, err := a.Strings()
		return s, true, err
	}
	if !errors.Is(err, hdf5.ErrNotFound) {
		return nil, false, err
	}
	var out []string
	for i := 0; ; i++ {
		a, err := g.Attr(name + strconv.Itoa(i))
		if errors.Is(err, hdf5.ErrNotFound) {
			return out, i > 0, nil
		}
		if err != nil {
			return nil, false, err
		}
		s, err := a.Strings()
		if err != nil {
			return nil, false, err
		}
		out = append(out, s...)
	}
}

// valueBudget bounds how many weight values one load may decode. HDF5
// hard links can give one large dataset many names, so a small hostile
// file could otherwise make the loader allocate many copies of it. Honest
// files hold at most one value per byte (int8) and Keras never compresses
// weights; the budget allows four values per byte plus 4 Mi values.
type valueBudget struct{ left, fileSize int }

func newValueBudget(fileSize int) *valueBudget {
	return &valueBudget{left: 4*fileSize + 1<<22, fileSize: fileSize}
}

// float32s decodes a dataset within the budget.
func (b *valueBudget) float32s(d *hdf5.Dataset, layer string) ([]float32, error) {
	n := d.Len()
	if n > b.left {
		return nil, formatErrorf("", "layer %q: the weights add up to more values than a file of %d bytes can hold; the file is damaged or hostile", layer, b.fileSize)
	}
	b.left -= n
	values, err := d.Float32s()
	if err != nil {
		return nil, formatErrorf("", "layer %q: weight %s cannot be read as numbers (%v)", layer, d.Path(), plainH5(err))
	}
	return values, nil
}

// plainH5 drops the "hdf5: " prefix of reader errors for messages.
func plainH5(err error) string { return strings.TrimPrefix(err.Error(), "hdf5: ") }
