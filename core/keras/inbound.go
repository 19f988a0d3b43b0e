package keras

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Reading the connections of a Functional config (keras-files.md §6.3):
// inbound_nodes in the Keras 2 and Keras 3 forms, and input_layers /
// output_layers as triples, a flat triple or a dict.

// parseInboundNodes reads inbound_nodes in either form (keras-files.md
// §6.3): Keras 2 [[["name", 0, 0, {}], …], …] or Keras 3
// [{"args": [...], "kwargs": {...}}, …].
func parseInboundNodes(raw json.RawMessage, scope int) ([][]tensorRef, error) {
	if len(raw) == 0 || isNull(raw) {
		return nil, nil
	}
	var nodes []json.RawMessage
	if err := json.Unmarshal(raw, &nodes); err != nil {
		return nil, fmt.Errorf("is not a list; the file is damaged")
	}
	out := make([][]tensorRef, 0, len(nodes))
	for _, n := range nodes {
		var refs []tensorRef
		var err error
		if firstByte(n) == '{' {
			var node struct {
				Args json.RawMessage `json:"args"`
			}
			if json.Unmarshal(n, &node) != nil {
				return nil, fmt.Errorf("has a node that cannot be read")
			}
			err = collectKerasTensors(node.Args, scope, 0, &refs)
		} else {
			refs, err = parseLegacyNode(n, scope)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, refs)
	}
	return out, nil
}

// parseLegacyNode reads a Keras 2 node: a list of [name, node, tensor(, kwargs)].
func parseLegacyNode(raw json.RawMessage, scope int) ([]tensorRef, error) {
	var entries []json.RawMessage
	if json.Unmarshal(raw, &entries) != nil {
		return nil, fmt.Errorf("has a node that is not a list")
	}
	refs := make([]tensorRef, 0, len(entries))
	for _, e := range entries {
		ref, ok := parseTriple(e, scope)
		if !ok {
			return nil, fmt.Errorf("has an entry %s that is not [layer name, node index, tensor index]", clip(string(e)))
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

// parseTriple reads ["name", node_index, tensor_index(, kwargs)].
func parseTriple(raw json.RawMessage, scope int) (tensorRef, bool) {
	var t []json.RawMessage
	if json.Unmarshal(raw, &t) != nil || len(t) < 3 || len(t) > 4 {
		return tensorRef{}, false
	}
	var name string
	if json.Unmarshal(t[0], &name) != nil {
		return tensorRef{}, false
	}
	tensor, ok := jsonInt(t[2])
	if _, okNode := jsonInt(t[1]); !ok || !okNode {
		return tensorRef{}, false
	}
	return tensorRef{layer: name, tensor: tensor, scope: scope}, true
}

// collectKerasTensors walks a Keras 3 node's args in order and collects
// every {"class_name": "__keras_tensor__", "config": {"keras_history":
// [name, node, tensor]}}. Constants (__numpy__, numbers) are skipped.
func collectKerasTensors(raw json.RawMessage, scope, depth int, refs *[]tensorRef) error {
	if depth > maxNesting {
		return fmt.Errorf("is nested too deeply")
	}
	switch firstByte(raw) {
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return fmt.Errorf("has args that cannot be read")
		}
		for _, e := range list {
			if err := collectKerasTensors(e, scope, depth+1, refs); err != nil {
				return err
			}
		}
	case '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return fmt.Errorf("has args that cannot be read")
		}
		var class string
		_ = json.Unmarshal(obj["class_name"], &class)
		if class == "__keras_tensor__" {
			var cfg struct {
				History json.RawMessage `json:"keras_history"`
			}
			if json.Unmarshal(obj["config"], &cfg) != nil {
				return fmt.Errorf("has a tensor without keras_history")
			}
			ref, ok := parseTriple(cfg.History, scope)
			if !ok {
				return fmt.Errorf("has a tensor whose keras_history %s is not [layer name, node index, tensor index]", clip(string(cfg.History)))
			}
			*refs = append(*refs, ref)
			return nil
		}
		keys := make([]string, 0, len(obj)) // e.g. {"class_name": "__tuple__", "config": {"value": [...]}}
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := collectKerasTensors(obj[k], scope, depth+1, refs); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseTensorList reads input_layers / output_layers: a list of triples,
// a flat triple (Keras 3, single tensor), or a dict of triples (Keras 3,
// dict inputs; flattened in sorted key order as Keras does).
func parseTensorList(raw json.RawMessage, scope int) ([]tensorRef, error) {
	if len(raw) == 0 || isNull(raw) {
		return nil, nil
	}
	var out []tensorRef
	var walk func(v json.RawMessage, depth int) error
	walk = func(v json.RawMessage, depth int) error {
		if depth > maxNesting {
			return fmt.Errorf("is nested too deeply")
		}
		if ref, ok := parseTriple(v, scope); ok {
			out = append(out, ref)
			return nil
		}
		var list []json.RawMessage
		if json.Unmarshal(v, &list) == nil {
			for _, e := range list {
				if err := walk(e, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		var dict map[string]json.RawMessage
		if json.Unmarshal(v, &dict) == nil {
			keys := make([]string, 0, len(dict))
			for k := range dict {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if err := walk(dict[k], depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		return fmt.Errorf("has an entry %s that is not [layer name, node index, tensor index]", clip(string(v)))
	}
	if err := walk(raw, 0); err != nil {
		return nil, err
	}
	return out, nil
}
