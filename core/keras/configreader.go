package keras

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// configReader reads the keys of one layer's "config" object with the
// Python semantics Keras reads them with: an absent (or null) key takes
// the Keras default, unknown keys are ignored, an integer serves where a
// float is meant, a number where a flag is meant (bool), and a list where
// a tuple is meant (Keras 3's tuple objects are lists by then: see
// plainTuples). The first key with a value of
// the wrong kind is remembered as an error naming the layer and the key,
// so decoders can read all fields and check once at the end.
type configReader struct {
	layer, class string
	m            map[string]json.RawMessage
	err          error
}

func newConfigReader(layer, class string, raw json.RawMessage) (*configReader, error) {
	r := &configReader{layer: layer, class: class}
	if err := json.Unmarshal(raw, &r.m); err != nil || r.m == nil {
		return nil, formatErrorf("", "layer %q (%s): its config is not a JSON object; the file is damaged or was not written by Keras", layer, class)
	}
	return r, nil
}

// has reports whether the key is present with a non-null value.
func (r *configReader) has(key string) bool {
	v, ok := r.m[key]
	return ok && !isNull(v)
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// firstByte returns the first non-space byte of a JSON value ('{' for an
// object, '[' for a list), or 0.
func firstByte(v json.RawMessage) byte {
	t := bytes.TrimLeft(v, " \t\r\n")
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

// fail records the first wrong value.
func (r *configReader) fail(key, want string) {
	if r.err != nil {
		return
	}
	val := clip(string(r.m[key]))
	r.err = formatErrorf("", "layer %q (%s): config key %q is %s, expected %s; the file is damaged or was written by a tool this converter does not know",
		r.layer, r.class, key, val, want)
}

func (r *configReader) int(key string, def int) int {
	if !r.has(key) {
		return def
	}
	n, ok := jsonInt(r.m[key])
	if !ok {
		r.fail(key, "an integer")
		return def
	}
	return n
}

func (r *configReader) float(key string, def float64) float64 {
	if !r.has(key) {
		return def
	}
	var f float64
	if json.Unmarshal(r.m[key], &f) != nil {
		r.fail(key, "a number")
		return def
	}
	return f
}

// floatPtr returns nil for an absent or null key (Keras' None).
func (r *configReader) floatPtr(key string) *float64 {
	if !r.has(key) {
		return nil
	}
	f := r.float(key, 0)
	return &f
}

// bool reads a flag the way Keras does, with Python's truth value: Keras
// tests flags with `if self.scale:`, so a number stands for true unless
// it is 0 (files written by hand or by other tools say "scale": 1).
func (r *configReader) bool(key string, def bool) bool {
	if !r.has(key) {
		return def
	}
	var b bool
	if json.Unmarshal(r.m[key], &b) == nil {
		return b
	}
	var f float64
	if json.Unmarshal(r.m[key], &f) == nil {
		return f != 0
	}
	r.fail(key, "true or false")
	return def
}

func (r *configReader) string(key, def string) string {
	if !r.has(key) {
		return def
	}
	var s string
	if json.Unmarshal(r.m[key], &s) != nil {
		r.fail(key, "a string")
		return def
	}
	return s
}

// ints reads an integer or a list of integers (Keras accepts both for
// axes and tuples); nil entries (None) become -1.
func (r *configReader) ints(key string, def []int) []int {
	if !r.has(key) {
		return def
	}
	v := r.m[key]
	if n, ok := jsonInt(v); ok {
		return []int{n}
	}
	var list []json.RawMessage
	if json.Unmarshal(v, &list) != nil {
		r.fail(key, "an integer or a list of integers")
		return def
	}
	out := make([]int, len(list))
	for i, e := range list {
		if isNull(e) {
			out[i] = -1
			continue
		}
		n, ok := jsonInt(e)
		if !ok {
			r.fail(key, "an integer or a list of integers")
			return def
		}
		out[i] = n
	}
	return out
}

// pair reads a Keras 2-tuple such as kernel_size: an integer n (meaning
// (n, n)) or a list of two integers.
func (r *configReader) pair(key string, def [2]int) [2]int {
	if !r.has(key) {
		return def
	}
	v := r.ints(key, nil)
	switch len(v) {
	case 1:
		return [2]int{v[0], v[0]}
	case 2:
		return [2]int{v[0], v[1]}
	}
	r.fail(key, "an integer or a pair of integers")
	return def
}

// floats reads a number or a list of numbers (Rescaling's per-channel
// scale and offset).
func (r *configReader) floats(key string, def []float64) []float64 {
	if !r.has(key) {
		return def
	}
	var f float64
	if json.Unmarshal(r.m[key], &f) == nil {
		return []float64{f}
	}
	var list []float64
	if json.Unmarshal(r.m[key], &list) != nil {
		r.fail(key, "a number or a list of numbers")
		return def
	}
	return list
}

// dtype reads a dtype: a string, or a Keras 3 DTypePolicy object
// {"class_name": "DTypePolicy", "config": {"name": "float32"}}.
func (r *configReader) dtype(key, def string) string {
	if !r.has(key) {
		return def
	}
	if name, ok := policyName(r.m[key]); ok {
		return name
	}
	r.fail(key, "a dtype name or a DTypePolicy")
	return def
}

func policyName(v json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, true
	}
	var obj struct {
		Config struct {
			Name string `json:"name"`
		} `json:"config"`
	}
	if json.Unmarshal(v, &obj) == nil && obj.Config.Name != "" {
		return obj.Config.Name, true
	}
	return "", false
}

// activation reads an activation: a name ("relu"), or a serialized
// function object whose config is the name (Keras 3 custom functions).
func (r *configReader) activation(key, def string) string {
	if !r.has(key) {
		return def
	}
	var s string
	if json.Unmarshal(r.m[key], &s) == nil {
		return s
	}
	var obj struct {
		ClassName string          `json:"class_name"`
		Config    json.RawMessage `json:"config"`
	}
	if json.Unmarshal(r.m[key], &obj) == nil && obj.ClassName != "" {
		if json.Unmarshal(obj.Config, &s) == nil {
			return s
		}
		return obj.ClassName
	}
	r.fail(key, "an activation name")
	return def
}

// object returns a sub-object (e.g. "quant_config") as a reader, or nil
// when the key is absent or null.
func (r *configReader) object(key string) *configReader {
	if !r.has(key) {
		return nil
	}
	sub := &configReader{layer: r.layer, class: r.class}
	if json.Unmarshal(r.m[key], &sub.m) != nil || sub.m == nil {
		r.fail(key, "a JSON object")
		return nil
	}
	return sub
}

// adopt keeps the first error of a sub-reader (from object), so the
// layer's reader reports it.
func (r *configReader) adopt(sub *configReader) {
	if r.err == nil && sub != nil {
		r.err = sub.err
	}
}

// check returns the first error, its own or one adopted from a sub-reader.
func (r *configReader) check() error { return r.err }

// jsonInt decodes an integer, also written as a float with no fraction
// (Python json writes 6.0 for a float that Keras later casts to int).
func jsonInt(v json.RawMessage) (int, bool) {
	var f float64
	if json.Unmarshal(v, &f) != nil || f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		return 0, false
	}
	return int(f), true
}

// errorf records a semantic error in a config (e.g. a negative filter
// count), with the layer named.
func (r *configReader) errorf(format string, args ...any) {
	if r.err == nil {
		r.err = formatErrorf("", "layer %q (%s): %s", r.layer, r.class, fmt.Sprintf(format, args...))
	}
}

// plainTuples rewrites the tuple objects of Keras 3 JSON into the lists
// Keras 2 writes, so every reader sees a tuple as a list, as Python code
// does: {"class_name": "__tuple__", "items": [3, 3]} (model.to_json) and
// {"class_name": "__tuple__", "config": {"value": [3, 3]}}
// (serialize_keras_object). JSON without them is returned as it is; so is
// JSON that does not parse (its reader reports it).
func plainTuples(raw []byte) []byte {
	if !bytes.Contains(raw, []byte(`"__tuple__"`)) {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers keep their text
	var v any
	if dec.Decode(&v) != nil {
		return raw
	}
	out, err := json.Marshal(untuple(v))
	if err != nil {
		return raw
	}
	return out
}

// untuple replaces tuple objects by their items, at any depth.
func untuple(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if t["class_name"] == "__tuple__" {
			if items, ok := t["items"].([]any); ok {
				return untuple(items)
			}
			if cfg, ok := t["config"].(map[string]any); ok {
				if items, ok := cfg["value"].([]any); ok {
					return untuple(items)
				}
			}
		}
		for k, e := range t {
			t[k] = untuple(e)
		}
	case []any:
		for i, e := range t {
			t[i] = untuple(e)
		}
	}
	return v
}
