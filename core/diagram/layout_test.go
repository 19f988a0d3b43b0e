package diagram_test

import (
	"reflect"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram"
)

// layer builds a Keras layer of a test model.
func layer(name, class string, shape []int, inbound ...string) diagram.Layer {
	return diagram.Layer{Name: name, ClassName: class, OutputShape: shape, Inbound: inbound}
}

func kerasModel(layers ...diagram.Layer) diagram.Report {
	return diagram.Report{Keras: &diagram.Model{Name: "test", Layers: layers}}
}

func draw(t *testing.T, r diagram.Report, o diagram.Options) *diagram.Diagram {
	t.Helper()
	d, err := diagram.Keras(r, o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// geometry is a box's place: rank, order and rectangle.
type geometry struct {
	Rank, Order, X, Y, W, H int
}

func geometries(d *diagram.Diagram) map[string]geometry {
	out := map[string]geometry{}
	for _, b := range d.Boxes {
		out[b.ID] = geometry{b.Rank, b.Order, b.X, b.Y, b.W, b.H}
	}
	return out
}

func routes(d *diagram.Diagram) map[string][]diagram.Point {
	out := map[string][]diagram.Point{}
	for _, e := range d.Edges {
		out[e.From+"->"+e.To] = e.Points
	}
	return out
}

// The widths below are worked out from the text: 7.5 units per character
// plus 8 on each side, rounded up to an even number; "InputLayer" (10
// characters) makes a 92-wide box, "(None, 8)" (9) an 84-wide one. A box
// of three lines is 6 + 3×16 + 6 = 60 high; rows are 48 apart; the
// drawing has a 16 margin.

func TestChain(t *testing.T) {
	d := draw(t, kerasModel(
		layer("input", "InputLayer", []int{8}),
		layer("dense", "Dense", []int{4}, "input"),
		layer("relu", "ReLU", []int{4}, "dense"),
	), diagram.Options{})
	want := map[string]geometry{
		"input": {0, 0, 16, 16, 92, 60},
		"dense": {1, 0, 20, 124, 84, 60},
		"relu":  {2, 0, 20, 232, 84, 60},
	}
	if got := geometries(d); !reflect.DeepEqual(got, want) {
		t.Errorf("boxes\n got %v\nwant %v", got, want)
	}
	wantRoutes := map[string][]diagram.Point{
		"input->dense": {{62, 76}, {62, 124}},
		"dense->relu":  {{62, 184}, {62, 232}},
	}
	if got := routes(d); !reflect.DeepEqual(got, wantRoutes) {
		t.Errorf("edges\n got %v\nwant %v", got, wantRoutes)
	}
	if d.Width != 124 || d.Height != 308 || d.Ranks != 3 {
		t.Errorf("size %d×%d, %d ranks; want 124×308, 3 ranks", d.Width, d.Height, d.Ranks)
	}
	e := d.Edges[0]
	if e.Path != "M 62 76 C 62 100 62 100 62 124" || e.Arrow != "M 58 117 L 62 124 L 66 117 Z" {
		t.Errorf("path %q arrow %q", e.Path, e.Arrow)
	}
	in := d.Box("input")
	if in.Lines[0] != (diagram.Text{Text: "input", X: 62, Y: 34, Class: "name"}) ||
		in.Lines[2] != (diagram.Text{Text: "(None, 8)", X: 62, Y: 66, Class: "shape"}) {
		t.Errorf("input text %v", in.Lines)
	}
	for _, b := range d.Boxes {
		if b.Merge || b.Fork || b.Problem {
			t.Errorf("%s: merge %v fork %v problem %v in a chain", b.ID, b.Merge, b.Fork, b.Problem)
		}
	}
}

// A fork into two branches that an Add merges: the branches side by side
// under the fork, 24 apart, centered; the merge centered under them.
func TestForkAndMerge(t *testing.T) {
	d := draw(t, kerasModel(
		layer("input", "InputLayer", []int{8}),
		layer("a", "Dense", []int{8}, "input"),
		layer("b", "Dense", []int{8}, "input"),
		layer("add", "Add", []int{8}, "a", "b"),
	), diagram.Options{})
	want := map[string]geometry{
		"input": {0, 0, 66, 16, 92, 60},
		"a":     {1, 0, 16, 124, 84, 60},
		"b":     {1, 1, 124, 124, 84, 60},
		"add":   {2, 0, 70, 232, 84, 60},
	}
	if got := geometries(d); !reflect.DeepEqual(got, want) {
		t.Errorf("boxes\n got %v\nwant %v", got, want)
	}
	wantRoutes := map[string][]diagram.Point{
		"input->a": {{112, 76}, {58, 124}},
		"input->b": {{112, 76}, {166, 124}},
		"a->add":   {{58, 184}, {112, 232}},
		"b->add":   {{166, 184}, {112, 232}},
	}
	if got := routes(d); !reflect.DeepEqual(got, wantRoutes) {
		t.Errorf("edges\n got %v\nwant %v", got, wantRoutes)
	}
	if d.Width != 224 || d.Height != 308 {
		t.Errorf("size %d×%d, want 224×308", d.Width, d.Height)
	}
	if in, add := d.Box("input"), d.Box("add"); !in.Fork || in.Merge || !add.Merge || add.Fork {
		t.Errorf("input fork %v merge %v; add merge %v fork %v", in.Fork, in.Merge, add.Merge, add.Fork)
	}
	if got := d.Edges[1].Path; got != "M 112 76 C 112 100 166 100 166 124" {
		t.Errorf("input->b path %q", got)
	}
}

// A residual block: the main path stays one straight column, the skip
// connection goes down beside it (16 right of the boxes) and curves into
// the Add, which stays under the main path.
func TestResidualBlock(t *testing.T) {
	d := draw(t, kerasModel(
		layer("input", "InputLayer", []int{8}),
		layer("conv1", "Conv2D", []int{8}, "input"),
		layer("conv2", "Conv2D", []int{8}, "conv1"),
		layer("add", "Add", []int{8}, "conv2", "input"),
	), diagram.Options{})
	want := map[string]geometry{
		"input": {0, 0, 16, 16, 92, 60},
		"conv1": {1, 0, 20, 124, 84, 60},
		"conv2": {2, 0, 20, 232, 84, 60},
		"add":   {3, 0, 20, 340, 84, 60},
	}
	if got := geometries(d); !reflect.DeepEqual(got, want) {
		t.Errorf("boxes\n got %v\nwant %v", got, want)
	}
	wantRoutes := map[string][]diagram.Point{
		"input->conv1": {{62, 76}, {62, 124}},
		"conv1->conv2": {{62, 184}, {62, 232}},
		"conv2->add":   {{62, 292}, {62, 340}},
		"input->add":   {{62, 76}, {120, 124}, {120, 184}, {120, 232}, {120, 292}, {62, 340}},
	}
	if got := routes(d); !reflect.DeepEqual(got, wantRoutes) {
		t.Errorf("edges\n got %v\nwant %v", got, wantRoutes)
	}
	if d.Width != 140 || d.Height != 416 {
		t.Errorf("size %d×%d, want 140×416", d.Width, d.Height)
	}
	skip := d.Edges[3]
	if skip.Links[0] != (diagram.Link{From: "input", To: "add", Index: 1}) {
		t.Errorf("skip edge links %v", skip.Links)
	}
	if want := "M 62 76 C 62 100 120 100 120 124 L 120 184 C 120 208 120 208 120 232 L 120 292 C 120 316 62 316 62 340"; skip.Path != want {
		t.Errorf("skip path\n got %q\nwant %q", skip.Path, want)
	}
}
