// Package fbz reads and writes Akida model files (.fbz): a raw Snappy
// block holding a FlatBuffer without file identifier (spec fbz-format.md).
//
// Decode reads both payload generations — the legacy one (akida ≤ 2.2,
// typed parameter tables) and the key/value one (akida ≥ 2.3) — into an
// akida.Model with the key/value parameter names. Encode always writes the
// key/value generation. The schema is schema/akida.fbs; fbzschema holds the
// code flatc generates from it, which Encode builds with. Decode does not
// use the generated accessors: they trust the buffer, so it reads through
// its own bounds-checked functions (flatbuf.go).
package fbz

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Decode reads an .fbz file.
func Decode(file []byte) (*akida.Model, error) {
	if err := sniff(file); err != nil {
		return nil, err
	}
	payload, err := Decompress(file)
	if err != nil {
		return nil, err
	}
	return DecodePayload(payload)
}

// sniff recognises files that are often given instead of an .fbz, so the
// error says what the file is rather than how its Snappy stream fails. No
// real .fbz starts like these: "PK" and "{" would declare payloads of 80
// and 123 bytes, too small for any model, and the 8-byte HDF5 signature is
// not a plausible Snappy start.
func sniff(file []byte) error {
	const convert = "not an Akida .fbz model: convert a Keras model with 'cnn2snn convert' first"
	switch {
	case bytes.HasPrefix(file, []byte("\x89HDF\r\n\x1a\n")):
		return &FormatError{Part: "file", Reason: "this is an HDF5 file (a Keras .h5 model?), " + convert}
	case bytes.HasPrefix(file, []byte("PK\x03\x04")):
		return &FormatError{Part: "file", Reason: "this is a zip archive (a Keras .keras model?), " + convert}
	case bytes.HasPrefix(bytes.TrimLeft(file, " \t\r\n"), []byte("{")):
		return &FormatError{Part: "file", Reason: "this is a JSON file (a Keras or TF.js model description?), " + convert}
	}
	return nil
}

// decoder reads one payload. budget bounds what the decoded model may
// allocate: a hostile payload can point many layers at the same tables, and
// without a bound a small file could expand into a huge model.
type decoder struct {
	buf    []byte
	budget int
}

// Costs, in bytes, charged against the budget for what the decoder
// allocates besides strings (variable data is not copied).
const (
	layerCost    = 128
	variableCost = 128
	paramCost    = 48
	stringCost   = 16
)

// DecodePayload reads a decompressed FlatBuffer payload.
func DecodePayload(payload []byte) (*akida.Model, error) {
	// A real model decodes to less than its payload size plus fixed costs
	// (see TestDecodeBudget); 8× leaves room and still bounds a hostile one.
	d := &decoder{buf: payload, budget: 8*len(payload) + 1<<16}
	return d.model()
}

// spend charges n bytes against the budget.
func (d *decoder) spend(n int) error {
	d.budget -= n
	if d.budget < 0 {
		return fmt.Errorf("the payload refers to the same data far more often than a real model does (the decoded model would exceed 8 times its %d bytes)", len(d.buf))
	}
	return nil
}

func payloadError(err error) error {
	return &FormatError{Part: "FlatBuffer payload", Reason: err.Error()}
}

func (d *decoder) model() (*akida.Model, error) {
	if len(d.buf) < 8 {
		return nil, payloadError(fmt.Errorf("%d bytes are too few for a model", len(d.buf)))
	}
	rootPos, err := follow(d.buf, 0)
	if err != nil {
		return nil, payloadError(fmt.Errorf("root: %w", err))
	}
	root, err := tableAt(d.buf, rootPos)
	if err != nil {
		return nil, payloadError(fmt.Errorf("root: %w", err))
	}
	version, _, err := root.string(2)
	if err != nil {
		return nil, payloadError(fmt.Errorf("version: %w", err))
	}
	start, n, _, err := root.vector(0, 4)
	if err != nil {
		return nil, payloadError(fmt.Errorf("layer list: %w", err))
	}
	if n == 0 {
		return nil, payloadError(fmt.Errorf("the payload holds no layers: it is not an Akida model"))
	}
	if err := d.spend(n*layerCost + len(version)); err != nil {
		return nil, payloadError(err)
	}
	m := &akida.Model{Version: string(version), Layers: make([]*akida.Layer, 0, n)}
	for i := range n {
		l, err := d.layer(start, i)
		if err != nil {
			part := fmt.Sprintf("layer %d", i)
			if l != nil && l.Name != "" {
				part += fmt.Sprintf(" %q", l.Name)
			}
			return nil, &FormatError{Part: part, Reason: err.Error()}
		}
		m.Layers = append(m.Layers, l)
	}
	if err := m.CheckGraph(); err != nil {
		return nil, &FormatError{Part: "model", Reason: err.Error()}
	}
	return m, nil
}

// layer reads layer i of the layer vector. On error it returns the layer
// read so far, so the error can name it.
func (d *decoder) layer(vec, i int) (*akida.Layer, error) {
	t, err := tableIn(d.buf, vec, i)
	if err != nil {
		return nil, err
	}
	l := &akida.Layer{}
	name, ok, err := t.string(1)
	if err != nil || !ok || len(name) == 0 {
		return nil, fmt.Errorf("name: %w", orMissing(err, "the layer has no name"))
	}
	if err := d.spend(len(name)); err != nil {
		return nil, err
	}
	l.Name = string(name)

	params, ok, err := t.subtable(3)
	if err != nil || !ok {
		return l, fmt.Errorf("parameters: %w", orMissing(err, "the layer has no parameter table"))
	}
	kv, isKV, err := params.subtable(3)
	switch {
	case err != nil:
	case isKV:
		err = d.kvParams(kv, l)
	default:
		err = d.legacyParams(params, l)
	}
	if err != nil {
		return l, fmt.Errorf("parameters: %w", err)
	}

	if err := d.variables(t, l); err != nil {
		return l, err
	}
	if err := d.inbounds(t, l); err != nil {
		return l, fmt.Errorf("inbounds: %w", err)
	}
	return l, nil
}

// orMissing returns err, or a new error saying what is missing.
func orMissing(err error, missing string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s", missing)
}

// kvParams reads the key/value parameters of akida ≥ 2.3: ParamMap{0:
// [ParamEntry{0: key, 1: value}]}, the layer type being the entry
// "layer_type".
func (d *decoder) kvParams(kv table, l *akida.Layer) error {
	start, n, _, err := kv.vector(0, 4)
	if err != nil {
		return err
	}
	if err := d.spend(n * paramCost); err != nil {
		return err
	}
	// Collected and sorted once: inserting n unsorted keys one by one
	// would take n² steps on a hostile file.
	entries := make([]akida.Param, 0, n)
	hasType := false
	for i := range n {
		e, err := tableIn(d.buf, start, i)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		key, ok, err := e.string(0)
		if err != nil || !ok {
			return fmt.Errorf("entry %d: %w", i, orMissing(err, "the entry has no key"))
		}
		value, err := e.int32(1, 0)
		if err != nil {
			return fmt.Errorf("entry %q: %w", key, err)
		}
		if string(key) == "layer_type" {
			if hasType {
				return fmt.Errorf("\"layer_type\" is given twice")
			}
			hasType, l.Type = true, akida.LayerType(value)
			continue
		}
		if err := d.spend(len(key)); err != nil {
			return err
		}
		entries = append(entries, akida.Param{Key: string(key), Value: value})
	}
	if !hasType {
		return fmt.Errorf("there is no \"layer_type\" entry")
	}
	slices.SortFunc(entries, func(a, b akida.Param) int { return strings.Compare(a.Key, b.Key) })
	for i, e := range entries {
		if i > 0 && entries[i-1].Key == e.Key {
			return fmt.Errorf("parameter %q is given twice", e.Key)
		}
		l.Params.Set(e.Key, e.Value) // appends: the keys come in order
	}
	return nil
}

// currentVariableName maps the variable names of 2021 files to today's.
func currentVariableName(name string) string {
	switch name {
	case "threshold_fire":
		return "threshold"
	case "threshold_fire_step":
		return "act_step"
	}
	return name
}

// variables reads the layer's variables, sorted by name (after renaming
// the old names).
func (d *decoder) variables(t table, l *akida.Layer) error {
	start, n, _, err := t.vector(2, 4)
	if err != nil {
		return fmt.Errorf("variables: %w", err)
	}
	if err := d.spend(n * variableCost); err != nil {
		return err
	}
	l.Variables = make([]*akida.Variable, 0, n)
	for i := range n {
		v, err := d.variable(start, i)
		if err != nil {
			if v != nil {
				return fmt.Errorf("variable %q: %w", v.Name, err)
			}
			return fmt.Errorf("variable %d: %w", i, err)
		}
		l.Variables = append(l.Variables, v)
	}
	slices.SortFunc(l.Variables, func(a, b *akida.Variable) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(l.Variables); i++ {
		if l.Variables[i-1].Name == l.Variables[i].Name {
			return fmt.Errorf("two variables are named %q", l.Variables[i].Name)
		}
	}
	return nil
}

// variable reads Variable{0: name, 1: shape (numpy shape reversed),
// 2: data, 3: type}. Data stays a slice of the payload: no copy.
func (d *decoder) variable(vec, i int) (*akida.Variable, error) {
	t, err := tableIn(d.buf, vec, i)
	if err != nil {
		return nil, err
	}
	name, ok, err := t.string(0)
	if err != nil || !ok {
		return nil, orMissing(err, "the variable has no name")
	}
	v := &akida.Variable{Name: currentVariableName(string(name))}
	shapeStart, dims, _, err := t.vector(1, 4)
	if err != nil {
		return v, fmt.Errorf("shape: %w", err)
	}
	dataStart, size, _, err := t.vector(2, 1)
	if err != nil {
		return v, fmt.Errorf("data: %w", err)
	}
	code, err := t.uint8(3, 0)
	if err != nil {
		return v, fmt.Errorf("type: %w", err)
	}
	if err := d.spend(len(name) + 8*dims); err != nil {
		return v, err
	}
	v.Type = akida.ElementType(code)
	v.Shape = make([]int, dims)
	for k := range dims {
		v.Shape[dims-1-k] = int(binary.LittleEndian.Uint32(d.buf[shapeStart+4*k:]))
	}
	v.Data = d.buf[dataStart : dataStart+size : dataStart+size]
	if err := v.Check(); err != nil {
		return v, err
	}
	return v, nil
}

func (d *decoder) inbounds(t table, l *akida.Layer) error {
	start, n, _, err := t.vector(4, 4)
	if err != nil {
		return err
	}
	l.Inbounds = make([]string, 0, n)
	for i := range n {
		p, err := follow(d.buf, start+4*i)
		if err != nil {
			return err
		}
		s, err := stringAt(d.buf, p)
		if err != nil {
			return err
		}
		if err := d.spend(stringCost + len(s)); err != nil {
			return err
		}
		l.Inbounds = append(l.Inbounds, string(s))
	}
	return nil
}
