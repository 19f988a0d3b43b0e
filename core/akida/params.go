package akida

import (
	"encoding/json"
	"iter"
	"sort"
)

// Param is one key/value parameter of a layer, e.g. {"filters", 32}.
type Param struct {
	Key   string
	Value int32
}

// Params are a layer's parameters: akida's LayerParams dict, keyed by the
// names the kv .fbz generation stores ("kernel_width", "act_bits", …).
// Booleans are 0/1 and enums their numbers, as in the file. The layer type
// is not among them: Layer.Type holds it.
//
// Params keep their entries sorted by key (the order the file stores them
// in), so iteration is deterministic. The zero value is empty and ready to
// use. Params share their storage when copied; use Clone for an
// independent copy.
type Params struct {
	entries []Param
}

// find returns the index of key, or where it would be inserted.
func (p Params) find(key string) (int, bool) {
	i := sort.Search(len(p.entries), func(i int) bool { return p.entries[i].Key >= key })
	return i, i < len(p.entries) && p.entries[i].Key == key
}

// Get returns the value of key and whether it is set.
func (p Params) Get(key string) (int32, bool) {
	i, ok := p.find(key)
	if !ok {
		return 0, false
	}
	return p.entries[i].Value, true
}

// Value returns the value of key, or 0 when it is not set (the value the
// file format gives an absent parameter).
func (p Params) Value(key string) int32 {
	v, _ := p.Get(key)
	return v
}

// Int returns the value of key as an int (0 when it is not set), for shape
// arithmetic.
func (p Params) Int(key string) int {
	return int(p.Value(key))
}

// Set sets key to v, adding the key in its sorted place if it is new.
func (p *Params) Set(key string, v int32) {
	i, ok := p.find(key)
	if ok {
		p.entries[i].Value = v
		return
	}
	p.entries = append(p.entries, Param{})
	copy(p.entries[i+1:], p.entries[i:])
	p.entries[i] = Param{key, v}
}

// Delete removes key if it is set.
func (p *Params) Delete(key string) {
	if i, ok := p.find(key); ok {
		p.entries = append(p.entries[:i], p.entries[i+1:]...)
	}
}

// Len returns the number of parameters.
func (p Params) Len() int { return len(p.entries) }

// All iterates over the parameters in key order.
func (p Params) All() iter.Seq2[string, int32] {
	return func(yield func(string, int32) bool) {
		for _, e := range p.entries {
			if !yield(e.Key, e.Value) {
				return
			}
		}
	}
}

// Keys returns the keys in sorted order.
func (p Params) Keys() []string {
	keys := make([]string, len(p.entries))
	for i, e := range p.entries {
		keys[i] = e.Key
	}
	return keys
}

// Clone returns an independent copy.
func (p Params) Clone() Params {
	return Params{entries: append([]Param(nil), p.entries...)}
}

// Equal reports whether both hold the same keys with the same values.
func (p Params) Equal(q Params) bool {
	if len(p.entries) != len(q.entries) {
		return false
	}
	for i, e := range p.entries {
		if q.entries[i] != e {
			return false
		}
	}
	return true
}

// MarshalJSON writes the parameters as a JSON object in key order.
func (p Params) MarshalJSON() ([]byte, error) {
	m := make(map[string]int32, len(p.entries))
	for _, e := range p.entries {
		m[e.Key] = e.Value
	}
	return json.Marshal(m) // encoding/json sorts map keys
}
