package diagram_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram"
)

// Collapsing a block whose layers are not consecutive (b and d, with c of
// another block between them) makes a cycle between the two boxes: the
// edge against model order is drawn upwards and marked reversed.
func TestCollapseCycle(t *testing.T) {
	r := kerasModel(
		layer("a", "InputLayer", []int{8}),
		layer("b", "Dense", []int{8}, "a"),
		layer("c", "Dense", []int{8}, "b"),
		layer("d", "Dense", []int{8}, "c"),
	)
	r.Blocks = []diagram.Block{
		{AkidaLayer: "x", AkidaType: "FullyConnected", KerasLayers: []string{"b", "d"}},
		{AkidaLayer: "y", AkidaType: "FullyConnected", KerasLayers: []string{"c"}},
	}
	d := draw(t, r, diagram.Options{Collapsed: []string{"x", "unknown"}})
	var ids []string
	for _, b := range d.Boxes {
		ids = append(ids, fmt.Sprintf("%s@%d", b.ID, b.Rank))
	}
	if want := []string{"a@0", "block:x@1", "c@2"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("boxes %v, want %v", ids, want)
	}
	if len(d.Edges) != 3 {
		t.Fatalf("edges %+v", d.Edges)
	}
	up := d.Edges[2]
	x, c := d.Box("block:x"), d.Box("c")
	if up.From != "c" || up.To != "block:x" || !up.Reversed || up.Links[0] != (diagram.Link{From: "c", To: "d", Index: 0}) ||
		!reflect.DeepEqual(up.Points, []diagram.Point{{c.X + c.W/2, c.Y}, {x.X + x.W/2, x.Y + x.H}}) {
		t.Errorf("reversed edge %+v", up)
	}
	tip := up.Points[1]
	if want := fmt.Sprintf("M %d %d L %d %d L %d %d Z", tip.X-4, tip.Y+7, tip.X, tip.Y, tip.X+4, tip.Y+7); up.Arrow != want {
		t.Errorf("arrow %q, want %q (pointing up)", up.Arrow, want)
	}
	if x.Name != "x" || x.Class != "FullyConnected" || !reflect.DeepEqual(x.Layers, []string{"b", "d"}) || d.BoxOf("d") != x {
		t.Errorf("collapsed box %+v", x)
	}
	if d.Box("c").Block != "y" || len(d.Frames) != 1 || d.Frames[0].ID != "y" {
		t.Errorf("frames %+v", d.Frames)
	}
}

// What a report may hold that a model does not: an inbound naming no
// layer (skipped), a repeated layer name (drawn once), a problem of the
// whole model or of an unknown layer (the diagram's Problems), a block
// whose layers are all unknown (Added), two blocks of one name.
func TestReportOddities(t *testing.T) {
	r := kerasModel(
		layer("in", "InputLayer", []int{4}),
		layer("a", "Dense", []int{4}, "in", "ghost"),
		layer("a", "Dense", []int{4}, "in"),
		layer("b", "Dense", []int{2}, "a"),
	)
	r.Blocks = []diagram.Block{
		{AkidaLayer: "in_input", AkidaType: "InputData"},
		{AkidaLayer: "a", AkidaType: "FullyConnected", KerasLayers: []string{"in", "a"}, WeightBits: 4, ActivationBits: 4},
		{AkidaLayer: "a", AkidaType: "FullyConnected", KerasLayers: []string{"b", "a/softmax"}, WeightBits: 4},
	}
	r.Diagnostics = []diagram.Problem{
		{Layer: "", Rule: "single-branch", Message: "whole model"},
		{Layer: "b", Rule: "final-activation", Message: "on b"},
		{Layer: "b", Rule: "final-activation", Message: "again on b"},
		{Layer: "gone", Rule: "unsupported-layer", Message: "no such layer"},
	}
	d := draw(t, r, diagram.Options{})
	if len(d.Boxes) != 3 || len(d.Edges) != 2 || d.Edges[0].Links[0] != (diagram.Link{From: "in", To: "a", Index: 0}) {
		t.Errorf("boxes %d, edges %+v", len(d.Boxes), d.Edges)
	}
	if len(d.Problems) != 2 || d.Problems[0].Rule != "single-branch" || d.Problems[1].Layer != "gone" {
		t.Errorf("diagram problems %v", d.Problems)
	}
	if b := d.Box("b"); !reflect.DeepEqual(b.Rules, []string{"final-activation"}) || b.Block != "a#2" {
		t.Errorf("b: rules %v block %q", b.Rules, b.Block)
	}
	var labels []string
	for _, f := range d.Frames {
		labels = append(labels, f.Label)
	}
	if want := []string{"a: FullyConnected w4 a4", "a#2: FullyConnected w4"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("frame labels %q, want %q", labels, want)
	}
	if len(d.Added) != 1 || d.Added[0].AkidaLayer != "in_input" {
		t.Errorf("added %v", d.Added)
	}
	if !d.Frames[1].Problem || d.Frames[0].Problem {
		t.Errorf("frame problems %v %v", d.Frames[0].Problem, d.Frames[1].Problem)
	}
	wantDetails := []diagram.Detail{
		{"layer", "b"}, {"class", "Dense"}, {"output shape", "(None, 2)"}, {"inbound", "a"}, {"outbound", "none"},
		{"parameters", "0"}, {"Akida layer", "a#2 (FullyConnected w4)"},
		{"problem [final-activation]", "on b"}, {"problem [final-activation]", "again on b"},
	}
	if !reflect.DeepEqual(d.Box("b").Details, wantDetails) {
		t.Errorf("b details\n got %v\nwant %v", d.Box("b").Details, wantDetails)
	}
}

// A second input sits just above the layer that takes it, not at the top.
func TestSecondInput(t *testing.T) {
	d := draw(t, kerasModel(
		layer("in1", "InputLayer", []int{4}),
		layer("a", "Dense", []int{4}, "in1"),
		layer("b", "Dense", []int{4}, "a"),
		layer("in2", "InputLayer", []int{4}),
		layer("cat", "Concatenate", []int{8}, "b", "in2"),
	), diagram.Options{})
	var ranks []int
	for _, b := range d.Boxes {
		ranks = append(ranks, b.Rank)
	}
	if want := []int{0, 1, 2, 2, 3}; !reflect.DeepEqual(ranks, want) {
		t.Errorf("ranks %v, want %v", ranks, want)
	}
	checkGeometry(t, d)
}

func TestLimits(t *testing.T) {
	if _, err := diagram.Keras(diagram.Report{}, diagram.Options{}); err == nil || err.Error() != "diagram: the report has no Keras layers to draw" {
		t.Errorf("no Keras: %v", err)
	}
	big := make([]diagram.Layer, diagram.MaxBoxes+1)
	for i := range big {
		big[i] = layer(fmt.Sprint("l", i), "Dense", []int{1})
	}
	_, err := diagram.Keras(kerasModel(big...), diagram.Options{})
	if err == nil || err.Error() != "diagram: the model has 10001 layers, more than the 10000 this diagram draws" {
		t.Errorf("too many layers: %v", err)
	}
	// 700 layers in a chain, each also fed by the input: the edges from
	// the input cross 1 + 2 + … + 699 = 244,650 rows.
	long := []diagram.Layer{layer("in", "InputLayer", []int{1}), layer("l0", "Dense", []int{1}, "in")}
	for i := 1; i < 700; i++ {
		long = append(long, layer(fmt.Sprint("l", i), "Add", []int{1}, fmt.Sprint("l", i-1), "in"))
	}
	_, err = diagram.Keras(kerasModel(long...), diagram.Options{})
	if err == nil || err.Error() != "diagram: the model's edges cross 244650 rows in all, more than the 200000 this diagram draws; collapse blocks to draw it" {
		t.Errorf("too long: %v", err)
	}
	empty := draw(t, kerasModel(), diagram.Options{})
	if len(empty.Boxes) != 0 || empty.Width != 32 || empty.Height != 32 || !strings.Contains(string(empty.SVG(diagram.SVGOptions{})), `viewBox="0 0 32 32"`) {
		t.Errorf("empty model: %+v", empty)
	}
}
