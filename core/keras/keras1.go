package keras

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Keras 1 files (keras_version 1.x, or none at all: Keras 2's loader takes
// a file without keras_version for a Keras 1 file) are read the way Keras
// 2 reads them. Their layer configs are translated into the Keras 2 form
// (the legacy interfaces of Keras 2.0: nb_filter → filters, border_mode →
// padding, dim_ordering → data_format, output_dim → units, p → rate, the
// Merge layer → Add, Concatenate …), and their weights, which carry flat
// names such as "convolution2d_1_W" and "batchnormalization_1_running_std"
// and are matched by position, are converted as Keras 2's
// preprocess_weights_for_loading does for original_keras_version '1': the
// kernel of a convolution saved with dim_ordering "th" is transposed from
// (filters, channels, rows, cols) to (rows, cols, channels, filters).
// running_std holds the moving variance (Keras 1 named it badly), so it is
// taken as moving_variance, as Keras 2 does. Forms without a Keras 2
// equivalent are refused with a message that names the layer.

// keras1Upgrade is what translating a Keras 1 config found: the layers
// whose kernels are in Theano order.
type keras1Upgrade struct {
	thKernels map[string]bool
}

// isKeras1 tells a Keras 1 version (or none) from a later one.
func isKeras1(version string) bool {
	v := strings.TrimSpace(version)
	return v == "" || v == "1" || strings.HasPrefix(v, "1.")
}

// keras1Refusal is the advice of every Keras 1 form this package refuses.
const keras1Refusal = "Keras 2 reads it through its legacy layers, which have no equivalent here. Load the model in Keras 2 (2.0 to 2.2 read Keras 1 files) and save it again"

// upgradeKeras1Config translates a Keras 1 model config into the Keras 2
// form. A config already in the Keras 2 form passes through unchanged.
func upgradeKeras1Config(config []byte) ([]byte, *keras1Upgrade, error) {
	u := &keras1Upgrade{thKernels: map[string]bool{}}
	model, ok := decodeNumbers(config)
	if !ok {
		return config, u, nil // buildModel reports the bad JSON
	}
	if err := u.model(model, 0); err != nil {
		return nil, nil, err
	}
	out, err := json.Marshal(model)
	if err != nil {
		return nil, nil, formatErrorf("", "the Keras 1 model config cannot be written in the Keras 2 form (%v)", err)
	}
	if before, _ := decodeNumbers(config); before != nil {
		if same, err := json.Marshal(before); err == nil && bytes.Equal(same, out) {
			return config, u, nil // nothing to translate: the layers keep their JSON as written
		}
	}
	return out, u, nil
}

// decodeNumbers decodes a JSON object, numbers kept as their text.
func decodeNumbers(b []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// model translates the layers of a Sequential (config: a list, or an
// object with "layers") or functional ("Model") config, nested models
// included.
func (u *keras1Upgrade) model(obj map[string]any, depth int) error {
	if depth > maxNesting {
		return formatErrorf("", "models are nested more than %d deep; the file is damaged or hostile", maxNesting)
	}
	var layers []any
	switch c := obj["config"].(type) {
	case []any:
		layers = c
	case map[string]any:
		layers, _ = c["layers"].([]any)
	}
	for _, l := range layers {
		lo, ok := l.(map[string]any)
		if !ok {
			continue // buildModel reports it
		}
		class, _ := lo["class_name"].(string)
		var err error
		if isModelClass(class) {
			err = u.model(lo, depth+1)
		} else {
			err = u.layer(lo, class)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// keras2Class returns the Keras 2 name of a Keras 1 convolution class.
func keras2Class(class string) string {
	if class == "SeparableConvolution2D" {
		return "SeparableConv2D"
	}
	return "Conv2D" // Convolution2D, AtrousConvolution2D
}

// keras2Merge returns the Keras 2 layer that does what a Keras 1 Merge
// mode does; ok is false for a mode that has none.
func keras2Merge(mode string) (class string, ok bool) {
	switch mode {
	case "sum":
		return "Add", true
	case "concat":
		return "Concatenate", true
	case "mul":
		return "Multiply", true
	case "ave":
		return "Average", true
	case "max":
		return "Maximum", true
	}
	return "", false
}

// layer translates one layer entry in place.
func (u *keras1Upgrade) layer(lo map[string]any, class string) error {
	cfg, ok := lo["config"].(map[string]any)
	if !ok {
		return nil // buildModel reports it
	}
	name, _ := cfg["name"].(string)
	refuse := func(format string, args ...any) error {
		return unsupportedf("", "layer %q (%s, Keras 1): %s; %s", name, class, fmt.Sprintf(format, args...), keras1Refusal)
	}
	rename(cfg, "input_dtype", "dtype")
	if err := keras1DataFormat(cfg); err != nil {
		return refuse("%v", err)
	}
	switch class {
	case "Convolution2D", "AtrousConvolution2D", "SeparableConvolution2D":
		lo["class_name"] = keras2Class(class) // Keras 2 kept the old names as aliases
		if !has(cfg, "nb_filter") {
			return nil // already the Keras 2 form
		}
		rename(cfg, "nb_filter", "filters")
		cfg["kernel_size"] = []any{cfg["nb_row"], cfg["nb_col"]}
		delete(cfg, "nb_row")
		delete(cfg, "nb_col")
		rename(cfg, "subsample", "strides")
		rename(cfg, "atrous_rate", "dilation_rate")
		rename(cfg, "bias", "use_bias")
		if err := keras1Padding(cfg); err != nil {
			return refuse("%v", err)
		}
		if cfg["data_format"] == "channels_first" && class != "SeparableConvolution2D" {
			u.thKernels[name] = true
		}
		if cfg["data_format"] == "channels_first" && class == "SeparableConvolution2D" {
			return refuse(`dim_ordering "th" separable kernels are not converted by Keras 2 either`)
		}
	case "Dense":
		rename(cfg, "output_dim", "units")
		rename(cfg, "bias", "use_bias")
	case "BatchNormalization":
		if mode, ok := cfg["mode"]; ok && fmt.Sprint(mode) != "0" {
			return refuse("mode %v normalizes with the batch's own statistics (mode 0 is the only one Keras 2 kept)", mode)
		}
		delete(cfg, "mode")
	case "MaxPooling2D", "AveragePooling2D":
		if err := keras1Padding(cfg); err != nil {
			return refuse("%v", err)
		}
	case "Dropout":
		rename(cfg, "p", "rate")
	case "ZeroPadding2D":
		if pad, ok := cfg["padding"].(map[string]any); ok { // {"top_pad": 1, "bottom_pad": 1, …}
			cfg["padding"] = []any{[]any{pad["top_pad"], pad["bottom_pad"]}, []any{pad["left_pad"], pad["right_pad"]}}
		}
	case "Merge":
		if _, ok := cfg["layers"]; ok {
			return refuse("it merges Sequential models (branches inside a Sequential model)")
		}
		mode, _ := cfg["mode"].(string)
		merged, ok := keras2Merge(mode)
		if !ok {
			return refuse("mode %q (or a function) has no Keras 2 merge layer", mode)
		}
		lo["class_name"] = merged
		if merged == "Concatenate" {
			axis := any(json.Number("-1"))
			if a, ok := cfg["concat_axis"]; ok {
				axis = a
			}
			cfg["axis"] = axis
		}
		for _, k := range []string{"mode", "concat_axis", "dot_axes", "output_shape", "output_shape_type", "output_mask", "output_mask_type", "mode_type", "arguments"} {
			delete(cfg, k)
		}
	}
	return nil
}

// keras1DataFormat replaces dim_ordering by data_format ("default" was
// resolved when the layer was built; Keras 2 takes it as its own
// default, channels_last).
func keras1DataFormat(cfg map[string]any) error {
	v, ok := cfg["dim_ordering"]
	if !ok {
		return nil
	}
	delete(cfg, "dim_ordering")
	switch v {
	case "th":
		cfg["data_format"] = "channels_first"
	case "tf", "default":
		cfg["data_format"] = "channels_last"
	default:
		return fmt.Errorf("dim_ordering %v is not \"th\" or \"tf\"", v)
	}
	return nil
}

// keras1Padding replaces border_mode by padding; Theano's "full" mode has
// no Keras 2 equivalent.
func keras1Padding(cfg map[string]any) error {
	v, ok := cfg["border_mode"]
	if !ok {
		return nil
	}
	delete(cfg, "border_mode")
	if v != "valid" && v != "same" {
		return fmt.Errorf("border_mode %v has no Keras 2 equivalent (only \"valid\" and \"same\")", v)
	}
	cfg["padding"] = v
	return nil
}

func has(m map[string]any, key string) bool {
	_, ok := m[key]
	return ok
}

// rename moves a key, keeping a value already under the new name.
func rename(m map[string]any, from, to string) {
	v, ok := m[from]
	if !ok {
		return
	}
	delete(m, from)
	if _, exists := m[to]; !exists {
		m[to] = v
	}
}

// weights converts the weights saved for one Keras 1 layer: a Theano-order
// kernel becomes a Keras 2 kernel. Others are kept as saved (Keras 2
// matches Keras 1 weights by position).
func (u *keras1Upgrade) weights(l *Layer, saved []savedWeight) ([]savedWeight, error) {
	if !u.thKernels[l.Name] || len(saved) == 0 {
		return saved, nil
	}
	k := saved[0]
	if len(k.shape) != 4 {
		return nil, formatErrorf("", "layer %q (%s, Keras 1): its kernel has shape %s, not the 4 dimensions of a Theano-order kernel (filters, channels, rows, cols); the file is damaged", l.Name, l.ClassName, tupleString(k.shape))
	}
	out := append([]savedWeight{}, saved...)
	out[0] = savedWeight{name: k.name, shape: []int{k.shape[2], k.shape[3], k.shape[1], k.shape[0]}, values: theanoToKeras2(k.values, k.shape)}
	return out, nil
}

// theanoToKeras2 transposes a kernel of shape (f, c, r, k) to (r, k, c, f)
// (numpy.transpose(w, (2, 3, 1, 0))).
func theanoToKeras2(w []float32, shape []int) []float32 {
	f, c, r, k := shape[0], shape[1], shape[2], shape[3]
	out := make([]float32, len(w))
	for fi := range f {
		for ci := range c {
			for ri := range r {
				for ki := range k {
					out[((ri*k+ki)*c+ci)*f+fi] = w[((fi*c+ci)*r+ri)*k+ki]
				}
			}
		}
	}
	return out
}
