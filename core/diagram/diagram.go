// Package diagram draws a model as a layered, top-to-bottom diagram: one box
// per Keras layer (name, class, output shape), framed in the Akida layer it
// becomes (Akida type, weight and activation bits), the layers with
// problems marked with the rules they break, one edge per inbound
// connection, merges (Add, Concatenate) and forks drawn as such; or one
// box per layer of an Akida model, with its shapes and parameters for a
// selection pane.
//
// Keras and Akida compute the whole drawing (a Diagram: boxes, frames and
// edges with their coordinates, text lines and SVG path data); SVG and DOT
// write it. A front end only places what the Diagram holds, or shows its
// SVG. The package uses the standard library alone and nothing of the
// converter (its inputs are its own types with the reports' JSON names),
// so the page's wasm can call it on the main thread.
//
// The layout is the classic layered (Sugiyama) drawing: ranks by longest
// path, crossing reduction by barycenter sweeps, coordinates by weighted
// isotonic regression per rank (see layout.go and choices.go).
package diagram

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Diagram is a model drawn: every coordinate is in SVG user units (pixels
// at zoom 1), the origin at the top left, y growing downwards.
type Diagram struct {
	// Name is the model's name ("" when the report has none).
	Name string
	// Width and Height are the size of the whole drawing, margins included.
	Width, Height int
	// Boxes are the layers (or collapsed blocks), in model order.
	Boxes []Box
	// Frames are the Akida blocks around their layers' boxes (Keras
	// diagrams only; none for a collapsed block, whose box stands for it).
	Frames []Frame
	// Edges are the connections, in model order of their target.
	Edges []Edge
	// Ranks is the number of rows of boxes.
	Ranks int
	// Problems are the diagnostics no box shows: whole-model problems and
	// those naming a layer the model does not have.
	Problems []Problem
	// Added are the blocks with no Keras layer (Akida layers the converter
	// adds, e.g. an InputData after a Quantizer): the Keras diagram has no
	// box for them.
	Added []Block

	boxByID    map[string]int
	boxByLayer map[string]int
}

// Box is one layer, or one collapsed block, drawn as a rectangle.
type Box struct {
	// ID identifies the box among the diagram's boxes: the layer's name, or
	// for a collapsed block "block:" and the block's ID.
	ID string
	// Layer is the layer the box draws ("" for a collapsed block).
	Layer string
	// Block is the ID of the Akida block the box belongs to (the Frame of a
	// layer, the block a collapsed box stands for); "" when none.
	Block string
	// Collapsed marks a box standing for a whole block; Layers are then its
	// Keras layers in model order.
	Collapsed bool
	Layers    []string
	// Name, Class and Shape are what the box says: the layer's name, its
	// Keras class or Akida type, its output shape. A collapsed block says
	// its Akida layer's name, type with bits, and output shape.
	Name, Class, Shape string
	// Rules are the rules the layer (or a layer of the collapsed block)
	// breaks, each once, in diagnostic order; Problem is len(Rules) > 0.
	Rules   []string
	Problem bool
	// Merge: more than one edge comes in (Add, Concatenate); Fork: more
	// than one edge goes out.
	Merge, Fork bool
	// Rank is the row (0 at the top), Order the position in the row.
	Rank, Order int
	// X, Y, W, H are the rectangle.
	X, Y, W, H int
	// Lines are the box's text, placed.
	Lines []Text
	// Details are what a selection pane shows of the layer, in order.
	Details []Detail
}

// Frame is an Akida block drawn around the boxes of its Keras layers.
type Frame struct {
	// ID is the block's Akida layer name (made unique with "#2", "#3" … if
	// two blocks share it).
	ID        string
	AkidaType string
	// Layers are the block's Keras layers that have a box, in model order.
	Layers []string
	// Problem: a layer of the block has a problem.
	Problem bool
	// Label is the frame's title: "conv_1: Convolutional w4 a4".
	Label      string
	X, Y, W, H int
	Lines      []Text
}

// Edge is one connection drawn from a box to another.
type Edge struct {
	// From and To are box IDs.
	From, To string
	// Links are the inbound connections the edge draws: exactly one in a
	// diagram without collapsed blocks; the connections between the same
	// two boxes otherwise.
	Links []Link
	// Reversed: the edge goes up, against model order (only where collapsed
	// blocks make a cycle, or for inbounds that come later in the model).
	Reversed bool
	// Points are the route: from the bottom of From, through each row it
	// crosses, to the top of To.
	Points []Point
	// Path is the route as SVG path data (cubic curves between rows,
	// straight lines through them); Arrow the arrowhead's path at To.
	Path, Arrow string
}

// Link is one inbound connection: layer To's inbound number Index is layer
// From.
type Link struct {
	From, To string
	Index    int
}

// Point is a point of the drawing.
type Point struct{ X, Y int }

// Text is one line of text, placed: X is its center (text-anchor middle)
// or, for frame labels, its start; Y its baseline. Class is the SVG class:
// "name", "class", "shape", "rule", "count" or "label".
type Text struct {
	Text  string
	X, Y  int
	Class string
}

// Detail is one row of a selection pane: "output shape" → "(None, 8, 8, 2)".
type Detail struct {
	Key, Value string
}

// Options change a Keras diagram.
type Options struct {
	// Collapsed are the IDs of the blocks (Frame.ID, the Akida layer's name)
	// drawn as one box each; unknown IDs are ignored.
	Collapsed []string
}

// Box returns the box with this ID, or nil.
func (d *Diagram) Box(id string) *Box {
	if i, ok := d.boxByID[id]; ok {
		return &d.Boxes[i]
	}
	return nil
}

// BoxOf returns the box that shows the layer: its own box, or the box of
// its collapsed block; nil when the diagram has no such layer.
func (d *Diagram) BoxOf(layer string) *Box {
	if i, ok := d.boxByLayer[layer]; ok {
		return &d.Boxes[i]
	}
	return nil
}

// Frame returns the frame with this ID, or nil (a collapsed block has no
// frame).
func (d *Diagram) Frame(id string) *Frame {
	for i := range d.Frames {
		if d.Frames[i].ID == id {
			return &d.Frames[i]
		}
	}
	return nil
}

// BlockIDs returns the IDs of the report's blocks that have layers of the
// model, in block order: the frames of the diagram, and what
// Options.Collapsed takes to draw every block as one box.
func BlockIDs(r Report) []string {
	if r.Keras == nil {
		return nil
	}
	known := make(map[string]bool, len(r.Keras.Layers))
	for _, l := range r.Keras.Layers {
		known[l.Name] = true
	}
	var out []string
	for i, id := range blockIDs(r.Blocks) {
		if slices.ContainsFunc(r.Blocks[i].KerasLayers, func(l string) bool { return known[l] }) {
			out = append(out, id)
		}
	}
	return out
}

// Keras draws a Keras model: one box per layer, framed in its Akida block,
// with its problems. Its error is for a model too large to draw (see
// MaxBoxes and MaxRoute).
func Keras(r Report, o Options) (*Diagram, error) {
	if r.Keras == nil {
		return nil, fmt.Errorf("diagram: the report has no Keras layers to draw")
	}
	g, err := kerasGraph(r, o)
	if err != nil {
		return nil, err
	}
	d, err := g.draw()
	if err != nil {
		return nil, err
	}
	d.Name = r.Keras.Name
	return d, nil
}

// Akida draws an Akida model: one box per layer (name, type, output shape),
// one edge per inbound, with each layer's shapes, parameters and variables
// in its Details.
func Akida(m AkidaModel) (*Diagram, error) {
	g, err := akidaGraph(m)
	if err != nil {
		return nil, err
	}
	return g.draw()
}

// bits writes a block's bit widths: "w4 a4", "w8", "a8" or "".
func bits(b Block) string {
	var parts []string
	if b.WeightBits > 0 {
		parts = append(parts, "w"+strconv.Itoa(b.WeightBits))
	}
	if b.ActivationBits > 0 {
		parts = append(parts, "a"+strconv.Itoa(b.ActivationBits))
	}
	return strings.Join(parts, " ")
}

// blockTitle is a block's type and bits: "Convolutional w4 a4".
func blockTitle(b Block) string {
	t := b.AkidaType
	if t == "" {
		t = "no Akida layer"
	}
	if s := bits(b); s != "" {
		t += " " + s
	}
	return t
}
