package quantize

import (
	"fmt"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// graph is a model being rewritten the way quantizeml rewrites a Keras
// config: layers inserted after a layer, removed, swapped with their
// outbound, each change keeping the layer list in topological order (as
// tf_keras orders a Functional model's layers) and the model outputs in
// step.
type graph struct {
	m *keras.Model
}

func newGraph(m *keras.Model) *graph { return &graph{m: m} }

// model returns the rewritten model.
func (g *graph) model() *keras.Model { return g.m }

func (g *graph) layer(name string) *keras.Layer { return g.m.Layer(name) }

func (g *graph) index(name string) int {
	return slices.IndexFunc(g.m.Layers, func(l *keras.Layer) bool { return l.Name == name })
}

// outbound returns the layers fed by the named layer, one entry per
// outbound node as Keras counts them: a layer called on the same tensor
// twice (Add(x, x)) is listed twice.
func (g *graph) outbound(name string) []*keras.Layer {
	var out []*keras.Layer
	for _, l := range g.m.Layers {
		for _, in := range l.Inbound {
			if in == name {
				out = append(out, l)
			}
		}
	}
	return out
}

// single returns the only outbound layer of the named layer, or nil when it
// has none or several (quantizeml's "len(outbound_nodes) == 1").
func (g *graph) single(name string) *keras.Layer {
	if out := g.outbound(name); len(out) == 1 {
		return out[0]
	}
	return nil
}

// inbound returns the layers feeding l, in order (nil entries for names
// not in the model).
func (g *graph) inbound(l *keras.Layer) []*keras.Layer {
	out := make([]*keras.Layer, len(l.Inbound))
	for i, name := range l.Inbound {
		out[i] = g.layer(name)
	}
	return out
}

// parent returns the single inbound layer of l, or nil.
func (g *graph) parent(l *keras.Layer) *keras.Layer {
	if len(l.Inbound) != 1 {
		return nil
	}
	return g.layer(l.Inbound[0])
}

// isOutput reports whether the named layer is a model output.
func (g *graph) isOutput(name string) bool { return containsString(g.m.Outputs, name) }

// freshName returns base, or base_1, base_2 … when the name is taken.
func (g *graph) freshName(base string) string {
	name := base
	for i := 1; g.layer(name) != nil; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	return name
}

// rename replaces the inbound from → to in every layer listed (all layers
// when only is nil), and in the model outputs when only is nil.
func (g *graph) rename(from, to string, only []string) {
	for _, l := range g.m.Layers {
		if l.Name == to || (only != nil && !containsString(only, l.Name)) {
			continue
		}
		for i, in := range l.Inbound {
			if in == from {
				l.Inbound[i] = to
			}
		}
	}
	if only == nil {
		for i, out := range g.m.Outputs {
			if out == from {
				g.m.Outputs[i] = to
			}
		}
	}
}

// insertAfter inserts n right after target (quantizeml's insert_in_config):
// n takes target as its input and replaces it as the input of target's
// outbound layers and as a model output — or only as the input of the
// layers named in only, when only is not nil.
func (g *graph) insertAfter(target string, n *keras.Layer, only []string) {
	g.rename(target, n.Name, only)
	n.Inbound = []string{target}
	n.InboundNodes = 1
	i := g.index(target)
	g.m.Layers = slices.Insert(g.m.Layers, i+1, n)
}

// remove takes a single-inbound layer out of the graph: its outbound layers
// and the model outputs take its input instead.
func (g *graph) remove(l *keras.Layer) {
	g.rename(l.Name, l.Inbound[0], nil)
	g.m.Layers = slices.DeleteFunc(g.m.Layers, func(x *keras.Layer) bool { return x == l })
}

// swap inverts first → second, where second is first's only outbound and
// has first as its only inbound (quantizeml's invert_layer_pairs): second
// takes first's input, first takes second's output. second moves to
// first's place in the layer list, first right after it.
func (g *graph) swap(first, second *keras.Layer) {
	var after []string // second's outbound layers
	for _, l := range g.outbound(second.Name) {
		if !containsString(after, l.Name) {
			after = append(after, l.Name)
		}
	}
	output := g.isOutput(second.Name)
	second.Inbound = append([]string(nil), first.Inbound...)
	first.Inbound = []string{second.Name}
	g.rename(second.Name, first.Name, after)
	if output {
		for i, out := range g.m.Outputs {
			if out == second.Name {
				g.m.Outputs[i] = first.Name
			}
		}
	}
	g.m.Layers = slices.DeleteFunc(g.m.Layers, func(x *keras.Layer) bool { return x == second })
	i := g.index(first.Name)
	g.m.Layers = slices.Insert(g.m.Layers, i, second)
}

// newLayer makes a layer with a fresh name and a Keras built-in config.
func (g *graph) newLayer(base, class string, config any, shape keras.Shape, weights ...keras.Weight) *keras.Layer {
	name := g.freshName(base)
	return &keras.Layer{Name: name, ClassName: class, Config: config, InboundNodes: 1,
		OutputShape: append(keras.Shape(nil), shape...), Weights: weights,
		RawConfig: rawConfig(nil, name, nil, nil)}
}

// inputShape returns the output shape of l's first inbound layer.
func (g *graph) inputShape(l *keras.Layer) keras.Shape {
	if len(l.Inbound) == 0 {
		return nil
	}
	if in := g.layer(l.Inbound[0]); in != nil {
		return in.OutputShape
	}
	return nil
}
