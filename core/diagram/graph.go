package diagram

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
)

// Limits on what is drawn, so that a hostile or absurd model cannot make
// the page allocate without bound: a model with more boxes, or whose long
// edges cross more rows in all, is refused with an error that says so.
const (
	MaxBoxes = 10000
	// MaxRoute bounds the sum over edges of the rows an edge crosses
	// between its two boxes (the layout's dummy vertices).
	MaxRoute = 200000
)

// graph is what is drawn, before the layout: the boxes with their text,
// the edges between boxes, the frames' blocks.
type graph struct {
	boxes    []Box
	edges    []gedge
	frames   []frameSpec
	problems []Problem
	added    []Block
}

// gedge is an edge between two boxes (indices into graph.boxes).
type gedge struct {
	from, to int
	links    []Link
}

// frameSpec is a block drawn as a frame around its boxes.
type frameSpec struct {
	id      string
	block   Block
	members []int // box indices, in model order
	problem bool
}

// kerasGraph makes the boxes, edges and frames of a Keras diagram.
func kerasGraph(r Report, o Options) (*graph, error) {
	layers := uniqueLayers(r.Keras.Layers)
	if len(layers) > MaxBoxes {
		return nil, fmt.Errorf("diagram: the model has %d layers, more than the %d this diagram draws", len(layers), MaxBoxes)
	}
	known := make(map[string]bool, len(layers))
	for _, l := range layers {
		known[l.Name] = true
	}
	g := &graph{}

	// Each layer's block: the first block that lists it.
	ids := blockIDs(r.Blocks)
	blockOf := map[string]int{}
	for bi, b := range r.Blocks {
		n := 0
		for _, name := range b.KerasLayers {
			if _, taken := blockOf[name]; known[name] && !taken {
				blockOf[name] = bi
				n++
			}
		}
		if n == 0 {
			g.added = append(g.added, b)
		}
	}
	collapsed := map[string]bool{}
	for _, id := range o.Collapsed {
		collapsed[id] = true
	}

	problems := map[string][]Problem{}
	for _, p := range r.Diagnostics {
		if known[p.Layer] {
			problems[p.Layer] = append(problems[p.Layer], p)
		} else {
			g.problems = append(g.problems, p)
		}
	}
	outbound := map[string][]string{}
	for _, l := range layers {
		for _, in := range l.Inbound {
			if known[in] && !slices.Contains(outbound[in], l.Name) {
				outbound[in] = append(outbound[in], l.Name)
			}
		}
	}

	layerBox := map[string]int{}
	blockBox := map[int]int{}
	frameOf := map[int]int{}
	for _, l := range layers {
		bi, inBlock := blockOf[l.Name]
		if inBlock && collapsed[ids[bi]] {
			if b, ok := blockBox[bi]; ok {
				box := &g.boxes[b]
				box.Layers = append(box.Layers, l.Name)
				addRules(box, problems[l.Name])
				layerBox[l.Name] = b
				continue
			}
			blockBox[bi] = len(g.boxes)
			layerBox[l.Name] = len(g.boxes)
			box := Box{ID: "block:" + ids[bi], Block: ids[bi], Collapsed: true, Layers: []string{l.Name},
				Name: ids[bi], Class: blockTitle(r.Blocks[bi]), Shape: akidaShape(r.Blocks[bi].OutputShape)}
			addRules(&box, problems[l.Name])
			g.boxes = append(g.boxes, box)
			continue
		}
		box := Box{ID: l.Name, Layer: l.Name, Name: l.Name, Class: l.ClassName, Shape: l.OutputShape.String()}
		addRules(&box, problems[l.Name])
		akidaLayer := ""
		if inBlock {
			box.Block = ids[bi]
			b := r.Blocks[bi]
			akidaLayer = ids[bi] + " (" + blockTitle(b) + ")"
			f, ok := frameOf[bi]
			if !ok {
				f = len(g.frames)
				frameOf[bi] = f
				g.frames = append(g.frames, frameSpec{id: ids[bi], block: b})
			}
			g.frames[f].members = append(g.frames[f].members, len(g.boxes))
			g.frames[f].problem = g.frames[f].problem || box.Problem
		}
		box.Details = kerasDetails(l, outbound[l.Name], akidaLayer, problems[l.Name])
		layerBox[l.Name] = len(g.boxes)
		g.boxes = append(g.boxes, box)
	}
	for bi, b := range blockBox {
		box := &g.boxes[b]
		box.Details = collapsedDetails(r.Blocks[bi], box.Layers, problemsOf(box.Layers, problems))
	}

	// One edge per inbound connection; between collapsed boxes, one edge
	// per pair of boxes carrying every connection it stands for.
	pair := map[[2]int]int{}
	for _, l := range layers {
		to := layerBox[l.Name]
		for i, in := range l.Inbound {
			from, ok := layerBox[in]
			if !ok || from == to {
				continue // an unknown inbound, or one inside a collapsed block
			}
			link := Link{From: in, To: l.Name, Index: i}
			if g.boxes[from].Collapsed || g.boxes[to].Collapsed {
				if e, ok := pair[[2]int{from, to}]; ok {
					g.edges[e].links = append(g.edges[e].links, link)
					continue
				}
				pair[[2]int{from, to}] = len(g.edges)
			}
			g.edges = append(g.edges, gedge{from: from, to: to, links: []Link{link}})
		}
	}
	return g, nil
}

// akidaGraph makes the boxes and edges of an Akida diagram.
func akidaGraph(m AkidaModel) (*graph, error) {
	seen := map[string]bool{}
	var layers []AkidaLayer
	for _, l := range m.Layers {
		if !seen[l.Name] {
			seen[l.Name] = true
			layers = append(layers, l)
		}
	}
	if len(layers) > MaxBoxes {
		return nil, fmt.Errorf("diagram: the Akida model has %d layers, more than the %d this diagram draws", len(layers), MaxBoxes)
	}
	index := map[string]int{}
	outbound := map[string][]string{}
	for i, l := range layers {
		index[l.Name] = i
		for _, in := range l.Inbounds {
			if seen[in] && !slices.Contains(outbound[in], l.Name) {
				outbound[in] = append(outbound[in], l.Name)
			}
		}
	}
	g := &graph{boxes: make([]Box, len(layers))}
	for i, l := range layers {
		g.boxes[i] = Box{ID: l.Name, Layer: l.Name, Name: l.Name, Class: l.Type, Shape: akidaShape(l.OutputShape),
			Details: akidaDetails(m, l, layers, index, outbound[l.Name])}
		for k, in := range l.Inbounds {
			if from, ok := index[in]; ok && from != i {
				g.edges = append(g.edges, gedge{from: from, to: i, links: []Link{{From: in, To: l.Name, Index: k}}})
			}
		}
	}
	return g, nil
}

// uniqueLayers drops any later layer with a name already seen (Keras names
// are unique; a report that repeats one is not drawn twice).
func uniqueLayers(layers []Layer) []Layer {
	seen := make(map[string]bool, len(layers))
	out := make([]Layer, 0, len(layers))
	for _, l := range layers {
		if !seen[l.Name] {
			seen[l.Name] = true
			out = append(out, l)
		}
	}
	return out
}

// blockIDs names each block by its Akida layer, made unique with "#2", "#3"
// … (akida layer names are unique in a converted model; a plan for a model
// that does not convert may repeat one).
func blockIDs(blocks []Block) []string {
	ids := make([]string, len(blocks))
	used := map[string]bool{}
	for i, b := range blocks {
		id := b.AkidaLayer
		for n := 2; used[id]; n++ {
			id = b.AkidaLayer + "#" + strconv.Itoa(n)
		}
		used[id] = true
		ids[i] = id
	}
	return ids
}

// addRules adds the problems' rules to the box, each once.
func addRules(box *Box, ps []Problem) {
	for _, p := range ps {
		if !slices.Contains(box.Rules, p.Rule) {
			box.Rules = append(box.Rules, p.Rule)
		}
	}
	box.Problem = len(box.Rules) > 0
}

func problemsOf(layers []string, problems map[string][]Problem) []Problem {
	var out []Problem
	for _, l := range layers {
		out = append(out, problems[l]...)
	}
	return out
}

// kerasDetails is what the selection pane shows of a Keras layer; akida is
// its block ("conv_1 (Convolutional w4 a4)"), "" for none.
func kerasDetails(l Layer, outbound []string, akida string, problems []Problem) []Detail {
	d := []Detail{
		{"layer", l.Name},
		{"class", l.ClassName},
		{"output shape", l.OutputShape.String()},
		{"inbound", listOrNone(l.Inbound)},
		{"outbound", listOrNone(outbound)},
		{"parameters", strconv.Itoa(l.Params)},
	}
	if akida != "" {
		d = append(d, Detail{"Akida layer", akida})
	}
	return append(d, problemDetails(problems)...)
}

// collapsedDetails is what the selection pane shows of a collapsed block.
func collapsedDetails(b Block, layers []string, problems []Problem) []Detail {
	d := []Detail{
		{"Akida layer", b.AkidaLayer},
		{"type", blockTitle(b)},
		{"output shape", akidaShape(b.OutputShape)},
		{"Keras layers", strings.Join(layers, ", ")},
	}
	return append(d, problemDetails(problems)...)
}

func problemDetails(problems []Problem) []Detail {
	var d []Detail
	for _, p := range problems {
		d = append(d, Detail{"problem [" + p.Rule + "]", p.Message})
	}
	return d
}

// akidaDetails is what the selection pane shows of an Akida layer: type,
// inbounds and outbounds, input and output shapes, parameters (sorted by
// name, the type number aside) and variables.
func akidaDetails(m AkidaModel, l AkidaLayer, layers []AkidaLayer, index map[string]int, outbound []string) []Detail {
	d := []Detail{
		{"layer", l.Name},
		{"type", l.Type},
		{"inbounds", listOrNone(l.Inbounds)},
		{"outbounds", listOrNone(outbound)},
	}
	var inputs []string
	for _, in := range l.Inbounds {
		if i, ok := index[in]; ok {
			inputs = append(inputs, akidaShape(layers[i].OutputShape))
		}
	}
	if len(l.Inbounds) == 0 && m.InputShape != nil {
		inputs = append(inputs, akidaShape(m.InputShape))
	}
	if len(inputs) > 0 {
		d = append(d, Detail{"input shape", strings.Join(inputs, ", ")})
	}
	d = append(d, Detail{"output shape", akidaShape(l.OutputShape)})
	keys := make([]string, 0, len(l.Params))
	for k := range l.Params {
		if k != "layer_type" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		d = append(d, Detail{k, strconv.Itoa(int(l.Params[k]))})
	}
	for _, v := range l.Variables {
		d = append(d, Detail{"variable " + v.Name, v.Type + " " + pyrepr.Tuple(v.Shape)})
	}
	return d
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
