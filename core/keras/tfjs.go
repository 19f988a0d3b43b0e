package keras

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"path"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/half"
)

// The TF.js layers format (keras-files.md §5): model.json with the Keras
// config in modelTopology and a weightsManifest, plus .bin shards holding
// the weights back to back, little-endian, in manifest order. Quantized
// weights (uint8, uint16, float16) are dequantized to float32.

type tfjsModelJSON struct {
	Format          string              `json:"format"`
	ModelTopology   json.RawMessage     `json:"modelTopology"`
	WeightsManifest []tfjsManifestGroup `json:"weightsManifest"`
}

type tfjsManifestGroup struct {
	Paths   []string            `json:"paths"`
	Weights []tfjsManifestEntry `json:"weights"`
}

type tfjsManifestEntry struct {
	Name         string `json:"name"`
	Shape        []int  `json:"shape"`
	Dtype        string `json:"dtype"`
	Quantization *struct {
		Dtype string  `json:"dtype"`
		Scale float64 `json:"scale"`
		Min   float64 `json:"min"`
	} `json:"quantization"`
}

// isTFJSModelJSON tells a TF.js model.json from a Keras to_json() config.
func isTFJSModelJSON(b []byte) bool {
	var probe struct {
		ModelTopology   json.RawMessage `json:"modelTopology"`
		WeightsManifest json.RawMessage `json:"weightsManifest"`
	}
	return json.Unmarshal(b, &probe) == nil && (probe.ModelTopology != nil || probe.WeightsManifest != nil)
}

func loadTFJS(modelJSON File, shards []File) (*Model, error) {
	var mj tfjsModelJSON
	if err := json.Unmarshal(modelJSON.Data, &mj); err != nil {
		return nil, formatErrorf(modelJSON.Name, "the TF.js model.json cannot be read (%s); the file is damaged", jsonErrorText(err))
	}
	if mj.Format == "graph-model" {
		return nil, unsupportedf(modelJSON.Name, "this is a TF.js graph model, which has no Keras layers; convert the Keras model itself (the .h5 or .keras file), or a TF.js layers model")
	}
	if mj.Format != "" && mj.Format != "layers-model" {
		return nil, unsupportedf(modelJSON.Name, "the TF.js model format %q is not supported; only \"layers-model\" files hold Keras layers", mj.Format)
	}
	config, version, backend, err := tfjsTopology(mj.ModelTopology)
	if err != nil {
		return nil, withFile(err, modelJSON.Name)
	}
	if strings.HasPrefix(version, "1.") {
		return nil, unsupportedf(modelJSON.Name, "the model was written by Keras %s; files older than Keras 2 store kernels in another layout and are not supported. Load the model in Keras 2 or later and save it again", version)
	}
	m, g, err := buildModel(config)
	if err != nil {
		return nil, withFile(err, modelJSON.Name)
	}
	m.Format, m.KerasVersion, m.Backend = FormatTFJSLayers, version, backend
	weights, err := readTFJSWeights(modelJSON.Name, mj.WeightsManifest, shards)
	if err != nil {
		return nil, err
	}
	flat := make([]*Layer, len(g.layers))
	for i, pl := range g.layers {
		flat[i] = pl.layer
	}
	parts, err := distributeByName(weights, flat)
	if err != nil {
		return nil, withFile(err, modelJSON.Name)
	}
	for _, pl := range g.layers {
		if err := attachWeights(pl.layer, parts[pl.layer], pl.in, true); err != nil {
			return nil, withFile(err, modelJSON.Name)
		}
	}
	return m, nil
}

// tfjsTopology returns the model config from modelTopology, which is
// {"model_config": {...}, "keras_version", "backend"} when written by the
// TF.js converter and {"class_name", "config", "keras_version", "backend"}
// when written by TF.js itself.
func tfjsTopology(raw json.RawMessage) (config []byte, version, backend string, err error) {
	var topo struct {
		ModelConfig  json.RawMessage `json:"model_config"`
		ClassName    string          `json:"class_name"`
		KerasVersion string          `json:"keras_version"`
		Backend      string          `json:"backend"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &topo) != nil {
		return nil, "", "", formatErrorf("", "the TF.js model.json has no readable modelTopology; the file is damaged")
	}
	switch {
	case len(topo.ModelConfig) > 0 && !isNull(topo.ModelConfig):
		return topo.ModelConfig, topo.KerasVersion, topo.Backend, nil
	case topo.ClassName != "":
		return raw, topo.KerasVersion, topo.Backend, nil
	}
	return nil, "", "", formatErrorf("", "the TF.js modelTopology has neither model_config nor class_name; the file is damaged")
}

// readTFJSWeights decodes every manifest entry from the shards of its
// group. Shards are not concatenated: a weight that lies inside one shard
// is decoded straight from it, and only a weight split across two shards
// is gathered into a temporary buffer.
func readTFJSWeights(jsonName string, manifest []tfjsManifestGroup, files []File) ([]savedWeight, error) {
	byName := map[string][]byte{}
	for _, f := range files {
		byName[f.Name] = f.Data
	}
	var out []savedWeight
	used := map[string]bool{}
	for _, group := range manifest {
		var shards [][]byte
		for _, p := range group.Paths {
			base := path.Base(p)
			if strings.TrimSpace(p) == "" || base == "." || base == "/" {
				return nil, formatErrorf(jsonName, "the weights manifest lists a shard with no file name (%q); the model.json is damaged", p)
			}
			data, ok := byName[base]
			if !ok {
				return nil, formatErrorf(jsonName, "the weights manifest needs %s, which was not given; add every .bin file that sits next to model.json", base)
			}
			used[base] = true
			shards = append(shards, data)
		}
		r := &shardReader{shards: shards}
		for _, e := range group.Weights {
			w, err := readTFJSWeight(jsonName, r, e)
			if err != nil {
				return nil, err
			}
			out = append(out, w)
		}
		if rest := r.remaining(); rest != 0 {
			return nil, formatErrorf(jsonName, "the shards %s hold %d bytes more than the weights manifest describes; they do not belong to this model.json", strings.Join(group.Paths, ", "), rest)
		}
	}
	for _, f := range files {
		if !used[f.Name] {
			return nil, formatErrorf(f.Name, "this file is not listed in the weights manifest of %s; remove it, or give the model.json it belongs to", jsonName)
		}
	}
	return out, nil
}

// readTFJSWeight decodes one manifest entry into float32.
func readTFJSWeight(jsonName string, r *shardReader, e tfjsManifestEntry) (savedWeight, error) {
	dtype, size := e.Dtype, 4
	if e.Quantization != nil {
		dtype = e.Quantization.Dtype
	}
	switch dtype {
	case "float32", "int32":
	case "uint8":
		size = 1
	case "uint16", "float16":
		size = 2
	default:
		return savedWeight{}, unsupportedf(jsonName, "weight %q has dtype %q; only float32, int32 and uint8/uint16/float16 quantized weights are supported", e.Name, dtype)
	}
	if e.Quantization == nil && size != 4 {
		return savedWeight{}, unsupportedf(jsonName, "weight %q has dtype %q without quantization parameters; re-export the model with float32 weights", e.Name, dtype)
	}
	// Count elements without overflow: more elements than bytes left can
	// never fit, whatever the shape claims.
	n, left := 1, r.remaining()
	for _, d := range e.Shape {
		if d < 0 {
			return savedWeight{}, formatErrorf(jsonName, "weight %q has a negative dimension in its shape %v; the model.json is damaged", e.Name, e.Shape)
		}
		if d > 0 && n > left/d {
			n = left + 1
			break
		}
		n *= d
	}
	b, err := r.next(n * size)
	if err != nil {
		return savedWeight{}, formatErrorf(jsonName, "weight %q (shape %v, %s) runs past the end of the weight shards; a .bin file is missing or truncated", e.Name, e.Shape, dtype)
	}
	values := make([]float32, n)
	for i := range values {
		switch dtype {
		case "float32":
			values[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		case "int32":
			values[i] = float32(int32(binary.LittleEndian.Uint32(b[4*i:])))
		case "uint8":
			values[i] = float32(float64(b[i])*e.Quantization.Scale + e.Quantization.Min)
		case "uint16":
			values[i] = float32(float64(binary.LittleEndian.Uint16(b[2*i:]))*e.Quantization.Scale + e.Quantization.Min)
		case "float16":
			values[i] = half.Float32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	}
	shape := e.Shape
	if shape == nil {
		shape = []int{}
	}
	return savedWeight{name: e.Name, shape: shape, values: values}, nil
}

// shardReader reads consecutive byte ranges from a list of shards as if
// they were one buffer.
type shardReader struct {
	shards [][]byte
	i, off int // current shard and offset in it
}

func (r *shardReader) remaining() int {
	n := 0
	for j := r.i; j < len(r.shards); j++ {
		n += len(r.shards[j])
	}
	return n - r.off
}

// next returns the next n bytes: a sub-slice when they lie in one shard,
// a copy when they cross a shard boundary.
func (r *shardReader) next(n int) ([]byte, error) {
	if n > r.remaining() {
		return nil, errTruncated
	}
	for r.i < len(r.shards) && r.off == len(r.shards[r.i]) {
		r.i, r.off = r.i+1, 0
	}
	if n == 0 {
		return nil, nil
	}
	if cur := r.shards[r.i]; r.off+n <= len(cur) {
		b := cur[r.off : r.off+n]
		r.off += n
		return b, nil
	}
	b := make([]byte, 0, n)
	for len(b) < n {
		cur := r.shards[r.i][r.off:]
		take := min(len(cur), n-len(b))
		b = append(b, cur[:take]...)
		r.off += take
		if r.off == len(r.shards[r.i]) {
			r.i, r.off = r.i+1, 0
		}
	}
	return b, nil
}

var errTruncated = errors.New("keras: weight shards truncated")
