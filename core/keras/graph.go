package keras

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// This file turns a model config (keras-files.md §6) into a flat layer
// graph: Sequential chains, Functional graphs in the Keras 2 and Keras 3
// inbound_nodes forms, and nested models flattened into their parent.

// maxNesting bounds how deeply models may be nested (and how deeply the
// args of a Keras 3 node are walked), so hostile configs cannot recurse
// without end.
const maxNesting = 32

// layerObject is one serialized Keras object: a layer entry of a model
// config, or the model itself.
type layerObject struct {
	ClassName      string          `json:"class_name"`
	RegisteredName *string         `json:"registered_name"`
	Name           string          `json:"name"`
	Config         json.RawMessage `json:"config"`
	InboundNodes   json.RawMessage `json:"inbound_nodes"`
}

// tensorRef names one output tensor of a layer. scope is the container
// (model or nested model) whose namespace the name belongs to; resolved
// refs, which name a layer of the flat graph, have scope resolvedScope.
type tensorRef struct {
	layer  string
	tensor int
	scope  int
}

const resolvedScope = -1

// parsedLayer is a layer of the flat graph plus what the weight loaders
// need to find its weights.
type parsedLayer struct {
	layer *Layer
	nodes [][]tensorRef

	// topName is the name of the top-level layer this layer belongs to: its
	// own name, or the outermost nested model holding it. Legacy .h5 and
	// TF.js store a nested model's weights under that name.
	topName string
	// varsPath is where a .keras weights file keeps the layer's variables
	// ("layers/conv2d", "layers/functional/layers/dense"), following
	// Keras' snake-case+counter naming; container is the path of the model
	// holding it ("" for the top model, "layers/functional/" …).
	varsPath, container string

	in Shape // the output shape of the first inbound layer, once inferred
}

// graph is the result of parsing a model config.
type graph struct {
	name, class     string
	inputs, outputs []string
	layers          []*parsedLayer
	// keras1 converts the weights of a Keras 1 file (keras1.go); nil
	// for every other file.
	keras1 *keras1Upgrade
}

// graphParser holds the state of one parse: the next scope number.
type graphParser struct {
	nextScope int
}

// parseModelConfig parses a model object {"class_name", "config", …}.
func parseModelConfig(raw []byte) (*graph, error) {
	raw = plainTuples(raw)
	var obj layerObject
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, formatErrorf("", "the model config is not valid JSON (%v); the file is damaged", jsonErrorText(err))
	}
	if obj.ClassName == "" {
		return nil, formatErrorf("", "the model config has no class_name; the file is not a Keras model")
	}
	class, _ := classOf(obj)
	p := &graphParser{}
	c, err := p.container(obj, class, nil, "", 0)
	if err != nil {
		return nil, err
	}
	g := &graph{name: c.name, class: class, inputs: c.inputs, layers: c.layers}
	for _, ref := range c.outputs {
		g.outputs = append(g.outputs, ref.layer)
	}
	if err := g.finish(); err != nil {
		return nil, err
	}
	return g, nil
}

// containerResult is a parsed (possibly nested) model.
type containerResult struct {
	name    string
	inputs  []string // the InputLayers, in input_layers order (top model only)
	layers  []*parsedLayer
	outputs []tensorRef
}

// isModelClass reports the classes whose config is a layer graph.
func isModelClass(class string) bool {
	return class == "Sequential" || class == "Functional" || class == "Model"
}

// container parses a Sequential or Functional model. outerIn is nil for
// the top model; for a nested model it holds the tensors feeding it, in
// the parent's scope, which replace the nested model's inputs.
func (p *graphParser) container(obj layerObject, class string, outerIn []tensorRef, path string, depth int) (*containerResult, error) {
	if depth > maxNesting {
		return nil, formatErrorf("", "models are nested more than %d deep; the file is damaged or hostile", maxNesting)
	}
	if firstByte(obj.Config) == '[' { // Keras ≤ 2.2.4 Sequential: config is a bare list of layers
		if class != "Sequential" {
			return nil, formatErrorf("", "model %q (%s): its config is a list, which only old Sequential models use; the file is damaged", obj.Name, class)
		}
		var layers []layerObject
		if err := json.Unmarshal(obj.Config, &layers); err != nil {
			return nil, formatErrorf("", "the Sequential model's layer list is not valid JSON (%v)", jsonErrorText(err))
		}
		return p.sequential(obj.Name, layers, nil, outerIn, path, depth)
	}
	// One pass over the config; "layers" is decoded only once known present.
	var mc struct {
		Name            string          `json:"name"`
		Layers          json.RawMessage `json:"layers"`
		InputLayers     json.RawMessage `json:"input_layers"`
		OutputLayers    json.RawMessage `json:"output_layers"`
		BuildInputShape json.RawMessage `json:"build_input_shape"`
	}
	name := obj.Name
	if err := json.Unmarshal(obj.Config, &mc); err != nil {
		return nil, formatErrorf("", "the config of model %q (%s) cannot be read: %v; the file is damaged", name, class, jsonErrorText(err))
	}
	if mc.Name != "" {
		name = mc.Name
	}
	if mc.Layers == nil {
		return nil, subclassedError(name, class)
	}
	var layers []layerObject
	if err := json.Unmarshal(mc.Layers, &layers); err != nil {
		return nil, formatErrorf("", "the layer list of model %q cannot be read: %v; the file is damaged", name, jsonErrorText(err))
	}
	if mc.InputLayers != nil && class != "Sequential" {
		return p.functional(name, layers, mc.InputLayers, mc.OutputLayers, outerIn, path, depth)
	}
	if class != "Sequential" && !isModelClass(class) {
		return nil, subclassedError(name, class)
	}
	return p.sequential(name, layers, mc.BuildInputShape, outerIn, path, depth)
}

// sequential chains the layers of a Sequential model.
func (p *graphParser) sequential(name string, objs []layerObject, buildInputShape json.RawMessage, outerIn []tensorRef, path string, depth int) (*containerResult, error) {
	scope := p.newScope()
	c := &containerResult{name: name}
	names := newSnakeNamer()
	var prev []tensorRef
	if outerIn != nil {
		if len(outerIn) != 1 {
			return nil, formatErrorf("", "nested Sequential model %q is called with %d inputs; a Sequential model takes one", name, len(outerIn))
		}
		prev = outerIn
	}
	for i, obj := range objs {
		class, pkg := classOf(obj)
		lname := layerName(obj)
		if class == "InputLayer" && pkg == "" {
			if outerIn != nil || i > 0 {
				continue // a nested model's input is replaced by the outer tensor
			}
			l, err := newLayer(obj, lname, class, pkg)
			if err != nil {
				return nil, err
			}
			c.layers = append(c.layers, &parsedLayer{layer: l, topName: lname, container: path})
			c.inputs = []string{lname}
			prev = []tensorRef{{layer: lname, scope: scope}}
			continue
		}
		if prev == nil { // no InputLayer: Keras builds one from the first layer's input shape
			in, err := synthesizeInput(obj, lname, buildInputShape)
			if err != nil {
				return nil, err
			}
			c.layers = append(c.layers, &parsedLayer{layer: in, topName: in.Name, container: path})
			c.inputs = []string{in.Name}
			prev = []tensorRef{{layer: in.Name, scope: scope}}
		}
		varsPath := path + "layers/" + names.next(class)
		if isModelClass(class) && pkg == "" {
			inner, err := p.container(obj, class, prev, varsPath+"/", depth+1)
			if err != nil {
				return nil, err
			}
			setTopName(inner.layers, lname)
			c.layers = append(c.layers, inner.layers...)
			prev = inner.outputs
			continue
		}
		l, err := newLayer(obj, lname, class, pkg)
		if err != nil {
			return nil, err
		}
		c.layers = append(c.layers, &parsedLayer{layer: l, nodes: [][]tensorRef{prev}, topName: lname, varsPath: varsPath, container: path})
		prev = []tensorRef{{layer: lname, scope: scope}}
	}
	if prev == nil {
		return nil, formatErrorf("", "the Sequential model %q has no layers", name)
	}
	c.outputs = prev
	return c, p.resolve(c, scope, nil, nil)
}

// functional parses a Functional model's layers and their inbound nodes.
func (p *graphParser) functional(name string, objs []layerObject, inputLayers, outputLayers json.RawMessage, outerIn []tensorRef, path string, depth int) (*containerResult, error) {
	scope := p.newScope()
	c := &containerResult{name: name}
	ins, err := parseTensorList(inputLayers, scope)
	if err != nil {
		return nil, formatErrorf("", "model %q: input_layers %v", name, err)
	}
	outs, err := parseTensorList(outputLayers, scope)
	if err != nil {
		return nil, formatErrorf("", "model %q: output_layers %v", name, err)
	}
	if len(outs) == 0 {
		return nil, formatErrorf("", "model %q has no output_layers; the file is damaged", name)
	}
	inputFor := map[string]tensorRef{} // nested model: its input name → the outer tensor
	if outerIn != nil {
		if len(outerIn) != len(ins) {
			return nil, formatErrorf("", "nested model %q has %d inputs but is called with %d tensors", name, len(ins), len(outerIn))
		}
		for i, in := range ins {
			inputFor[in.layer] = outerIn[i]
		}
	}
	aliases := map[string][]tensorRef{} // nested model name → its outputs
	names := newSnakeNamer()
	for _, obj := range objs {
		class, pkg := classOf(obj)
		lname := layerName(obj)
		varsPath := path + "layers/" + names.next(class)
		if _, replaced := inputFor[lname]; replaced && class == "InputLayer" {
			continue
		}
		nodes, err := parseInboundNodes(obj.InboundNodes, scope)
		if err != nil {
			return nil, formatErrorf("", "layer %q: inbound_nodes %v", lname, err)
		}
		if isModelClass(class) && pkg == "" {
			if len(nodes) != 1 {
				return nil, formatErrorf("", "nested model %q is called %d times; a nested model used more than once cannot be flattened into one graph. Call it once, or rebuild the model without sharing it", lname, len(nodes))
			}
			inner, err := p.container(obj, class, nodes[0], varsPath+"/", depth+1)
			if err != nil {
				return nil, err
			}
			setTopName(inner.layers, lname)
			c.layers = append(c.layers, inner.layers...)
			aliases[lname] = inner.outputs
			continue
		}
		l, err := newLayer(obj, lname, class, pkg)
		if err != nil {
			return nil, err
		}
		c.layers = append(c.layers, &parsedLayer{layer: l, nodes: nodes, topName: lname, varsPath: varsPath, container: path})
	}
	c.outputs = outs
	if outerIn == nil {
		for _, in := range ins {
			if l := c.layerNamed(in.layer); l == nil || !l.IsInput() {
				return nil, formatErrorf("", "model %q lists %q in input_layers, but it is not an InputLayer of the model; the file is damaged", name, in.layer)
			}
			c.inputs = append(c.inputs, in.layer)
		}
	}
	return c, p.resolve(c, scope, inputFor, aliases)
}

// setTopName marks the layers of a nested model as stored under the
// nested model's name (the outermost one wins, as it is set last).
func setTopName(layers []*parsedLayer, name string) {
	for _, pl := range layers {
		pl.topName = name
	}
}

func (c *containerResult) layerNamed(name string) *Layer {
	for _, pl := range c.layers {
		if pl.layer.Name == name {
			return pl.layer
		}
	}
	return nil
}

func (p *graphParser) newScope() int {
	p.nextScope++
	return p.nextScope
}

// resolve rewrites the refs of scope in c's layers and outputs: a nested
// model's name becomes the matching output of its inner graph, a nested
// model's input becomes the tensor feeding it, and any other name must be
// a layer of this container.
func (p *graphParser) resolve(c *containerResult, scope int, inputFor map[string]tensorRef, aliases map[string][]tensorRef) error {
	own := map[string]bool{}
	for _, l := range c.layers {
		own[l.layer.Name] = true
	}
	var resolveRef func(ref tensorRef, hops int) (tensorRef, error)
	resolveRef = func(ref tensorRef, hops int) (tensorRef, error) {
		if ref.scope != scope {
			return ref, nil // resolved already, or belongs to an outer model
		}
		if hops > maxNesting {
			return ref, formatErrorf("", "the reference to %q loops through nested models; the file is damaged", ref.layer)
		}
		if outer, ok := inputFor[ref.layer]; ok {
			return outer, nil
		}
		if outs, ok := aliases[ref.layer]; ok {
			if ref.tensor < 0 || ref.tensor >= len(outs) {
				return ref, formatErrorf("", "nested model %q has %d outputs; output %d does not exist", ref.layer, len(outs), ref.tensor)
			}
			return resolveRef(outs[ref.tensor], hops+1)
		}
		if !own[ref.layer] {
			return ref, formatErrorf("", "the model refers to a layer %q that is not in its layer list; the file is damaged", ref.layer)
		}
		return tensorRef{layer: ref.layer, tensor: ref.tensor, scope: resolvedScope}, nil
	}
	for _, l := range c.layers {
		for _, node := range l.nodes {
			for i, ref := range node {
				r, err := resolveRef(ref, 0)
				if err != nil {
					return fmt.Errorf("layer %q: %w", l.layer.Name, err)
				}
				node[i] = r
			}
		}
	}
	for i, ref := range c.outputs {
		r, err := resolveRef(ref, 0)
		if err != nil {
			return err
		}
		c.outputs[i] = r
	}
	return nil
}

// finish checks the flat graph (unique names) and fills Inbound.
func (g *graph) finish() error {
	seen := map[string]bool{}
	for _, l := range g.layers {
		if seen[l.layer.Name] {
			return formatErrorf("", "two layers are named %q once nested models are flattened; rename one of them in Keras and save the model again", l.layer.Name)
		}
		seen[l.layer.Name] = true
	}
	for _, l := range g.layers {
		l.layer.InboundNodes = len(l.nodes)
		if len(l.nodes) > 0 {
			l.layer.Inbound = make([]string, len(l.nodes[0]))
			for i, ref := range l.nodes[0] {
				l.layer.Inbound[i] = ref.layer
			}
		}
	}
	return nil
}

// classOf identifies a layer's class: registered_name when present, else
// class_name, with any "Package>" prefix split off (keras-files.md §6.1).
func classOf(obj layerObject) (class, pkg string) {
	id := obj.ClassName
	if obj.RegisteredName != nil && *obj.RegisteredName != "" {
		id = *obj.RegisteredName
	}
	if i := strings.LastIndex(id, ">"); i >= 0 {
		class, pkg = id[i+1:], id[:i]
	} else {
		class = id
	}
	if class == "BatchNormalizationV1" { // tf.keras 1.13 name (the TF.js converter maps it the same way)
		class = "BatchNormalization"
	}
	return class, pkg
}

// stripPackage removes a "Package>" prefix from a class name.
func stripPackage(id string) string {
	if i := strings.LastIndex(id, ">"); i >= 0 {
		return id[i+1:]
	}
	return id
}

// layerName is the "name" of a Functional layer entry, or config.name.
func layerName(obj layerObject) string {
	if obj.Name != "" {
		return obj.Name
	}
	var c struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(obj.Config, &c) // a bad config is reported by newLayer
	return c.Name
}

// newLayer builds a Layer with its typed config.
func newLayer(obj layerObject, name, class, pkg string) (*Layer, error) {
	if name == "" {
		return nil, formatErrorf("", "a %s layer has no name; the file is damaged", class)
	}
	raw := obj.Config
	if len(raw) == 0 || isNull(raw) {
		raw = json.RawMessage("{}")
	}
	l := &Layer{Name: name, ClassName: class, Package: pkg, RawConfig: raw}
	r, err := newConfigReader(name, class, raw)
	if err != nil {
		return nil, err
	}
	l.Config = decodeConfig(class, pkg, r)
	if err := r.check(); err != nil {
		return nil, err
	}
	return l, nil
}

// decodeConfig picks the typed config: quantizeml when the class carries
// a package prefix or a quant_config, cnn2snn for its bare legacy class
// names, Keras built-ins otherwise (conversion.md §2).
func decodeConfig(class, pkg string, r *configReader) any {
	_, hasQuantConfig := r.m["quant_config"]
	switch {
	case pkg != "" || hasQuantConfig:
		return decodeQuantizeMLConfig(class, r)
	case isCNN2SNNClass(class):
		return decodeCNN2SNNConfig(class, r)
	}
	return decodeKerasConfig(class, r)
}

// synthesizeInput makes the InputLayer that Keras creates for a
// Sequential model whose first layer carries the input shape. Keras 2
// names it "<first layer>_input"; this package does the same for every
// version.
func synthesizeInput(first layerObject, firstName string, buildInputShape json.RawMessage) (*Layer, error) {
	r, err := newConfigReader(firstName, "Sequential", first.Config)
	if err != nil {
		return nil, err
	}
	in := decodeInputLayer(r)
	if in.BatchShape == nil && len(buildInputShape) > 0 && !isNull(buildInputShape) {
		var shape []*int
		if json.Unmarshal(buildInputShape, &shape) == nil {
			in.BatchShape = make([]int, len(shape))
			for i, d := range shape {
				in.BatchShape[i] = -1
				if d != nil {
					in.BatchShape[i] = *d
				}
			}
		}
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	cfg, _ := json.Marshal(map[string]any{"batch_input_shape": shapeJSON(in.BatchShape), "dtype": in.Dtype, "name": firstName + "_input"})
	return &Layer{Name: firstName + "_input", ClassName: "InputLayer", Config: in, RawConfig: cfg}, nil
}

// shapeJSON writes -1 as null, as Keras does for None.
func shapeJSON(s []int) []any {
	if s == nil {
		return nil
	}
	out := make([]any, len(s))
	for i, d := range s {
		if d < 0 {
			out[i] = nil
		} else {
			out[i] = d
		}
	}
	return out
}

// clip shortens a JSON fragment for an error message and keeps it on one
// line (front ends print each error as one line).
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		s = strings.ToValidUTF8(s[:60], "") + "…"
	}
	return s
}

// jsonErrorText turns a encoding/json error into words without Go types.
func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		if strings.Contains(se.Error(), "unexpected end") {
			return "it ends too early: the file is truncated"
		}
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("the value of %q has the wrong type", te.Field)
		}
		return "a value has the wrong type"
	}
	return "it is truncated or damaged"
}
