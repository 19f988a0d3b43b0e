package diagram_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram/fromcore"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// checkReport runs the converter's check on a model file, as the page and
// `cnn2snn check` do, and returns the diagram's input.
func checkReport(tb testing.TB, path, target string) diagram.Report {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := core.Check([]core.File{{Name: filepath.Base(path), Data: data}}, core.Options{Target: target})
	if err != nil {
		tb.Fatal(err)
	}
	return fromcore.Report(r.Keras, r.Blocks, r.Diagnostics)
}

// residualModel builds a small float ResNet in memory: a first convolution,
// n residual blocks (conv, ReLU, conv, Add with the block's input, ReLU),
// global average pooling and a classifier; 5n + 6 layers.
func residualModel(n int) *keras.Model {
	fill := func(i int) float32 { return 0.01 * float32(i%7) }
	conv := func(name string, in int) (*keras.Conv2D, []keras.Weight) {
		return &keras.Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "same",
				DataFormat: "channels_last", DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: true},
			[]keras.Weight{modeltest.Fill("kernel", []int{3, 3, in, 4}, fill), modeltest.Fill("bias", []int{4}, fill)}
	}
	c, w := conv("conv_0", 3)
	one, zero := []float32{1, 1, 1, 1}, []float32{0, 0, 0, 0}
	b := modeltest.New("resnet_test", 8, 8, 3).
		Add("conv_0", c, w...).
		Add("conv_0/BN", &keras.BatchNormalization{Axis: []int{3}, Momentum: 0.99, Epsilon: 0.001, Center: true, Scale: true},
			modeltest.BatchNorm(one, zero, zero, one)...).
		Add("conv_0/relu", &keras.ReLU{})
	prev := "conv_0/relu"
	for i := 1; i <= n; i++ {
		p := fmt.Sprintf("block%d/", i)
		ca, wa := conv(p+"conv_a", 4)
		cb, wb := conv(p+"conv_b", 4)
		b.AddFrom(p+"conv_a", ca, []string{prev}, wa...).
			Add(p+"relu_a", &keras.ReLU{}).
			Add(p+"conv_b", cb, wb...).
			AddFrom(p+"add", &keras.Add{}, []string{p + "conv_b", prev}).
			Add(p+"relu", &keras.ReLU{})
		prev = p + "relu"
	}
	b.Add("gap", &keras.GlobalAveragePooling2D{DataFormat: "channels_last"}).
		Add("classifier", &keras.Dense{Units: 3, Activation: "linear", UseBias: true},
			modeltest.Fill("kernel", []int{4, 3}, fill), modeltest.Fill("bias", []int{3}, fill))
	return b.Model()
}

// residualReport is the converter's check of residualModel(n): the Akida
// 1.0 plan groups each Add with the convolution before it, and reports the
// branches.
func residualReport(tb testing.TB, n int) diagram.Report {
	tb.Helper()
	m := residualModel(n)
	r, err := convert.Check(m, convert.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return fromcore.Report(m.InspectReport(), r.Blocks, r.Diagnostics)
}

type fixture struct {
	name   string
	report func(tb testing.TB) diagram.Report
}

func fixtureReports() []fixture {
	shared := func(file, target string) func(tb testing.TB) diagram.Report {
		return func(tb testing.TB) diagram.Report {
			return checkReport(tb, fixtures.Shared(tb, "keras", file), target)
		}
	}
	return []fixture{
		{"akidanet", shared("akidanet_imagenet_224_alpha_25_keras2.10.h5", "")},
		{"mobilenet-vww", shared("mobilenetv1_vww_96_keras2.4.h5", "v1")}, // its Akida 1.0 problems (by default it converts for Akida 2.0)
		{"quantizeml-ecg", shared("quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5", "v2")},
		{"qml-depthwise-add", func(tb testing.TB) diagram.Report {
			return checkReport(tb, fixtures.Repo(tb, "core", "keras", "testdata", "quantizeml", "qml_depthwise_add_gap_keras2.15.h5"), "v2")
		}},
		{"residual-2", func(tb testing.TB) diagram.Report { return residualReport(tb, 2) }},
		{"residual-30", func(tb testing.TB) diagram.Report { return residualReport(tb, 30) }},
	}
}

// TestFixtures draws every fixture, with no block collapsed and with every
// block collapsed, and checks what a reader relies on.
func TestFixtures(t *testing.T) {
	for _, f := range fixtureReports() {
		t.Run(f.name, func(t *testing.T) {
			r := f.report(t)
			d := draw(t, r, diagram.Options{})
			checkLayers(t, r, d)
			checkGeometry(t, d)
			checkFrames(t, r, d)
			checkProblems(t, r, d)

			var all []string
			for _, fr := range d.Frames {
				all = append(all, fr.ID)
			}
			if ids := diagram.BlockIDs(r); !slices.Equal(ids, all) {
				t.Errorf("BlockIDs %v, want the frames' %v", ids, all)
			}
			c := draw(t, r, diagram.Options{Collapsed: all})
			checkGeometry(t, c)
			checkCollapsed(t, r, d, c)
			checkProblems(t, r, c)
		})
	}
}

// checkLayers: one box per Keras layer, saying its name, class and shape;
// one edge per inbound connection.
func checkLayers(t *testing.T, r diagram.Report, d *diagram.Diagram) {
	t.Helper()
	if len(d.Boxes) != len(r.Keras.Layers) {
		t.Errorf("%d boxes for %d layers", len(d.Boxes), len(r.Keras.Layers))
	}
	var want []diagram.Link
	for i, l := range r.Keras.Layers {
		b := d.BoxOf(l.Name)
		if b == nil || i >= len(d.Boxes) || &d.Boxes[i] != b || b.ID != l.Name || b.Layer != l.Name ||
			b.Name != l.Name || b.Class != l.ClassName || b.Shape != l.OutputShape.String() {
			t.Errorf("layer %s: box %+v", l.Name, b)
			continue
		}
		for k, in := range l.Inbound {
			want = append(want, diagram.Link{From: in, To: l.Name, Index: k})
		}
	}
	var got []diagram.Link
	for _, e := range d.Edges {
		if len(e.Links) != 1 || e.Links[0].From != e.From || e.Links[0].To != e.To {
			t.Errorf("edge %s → %s: links %v", e.From, e.To, e.Links)
		}
		got = append(got, e.Links...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("edges: got %d links, want one per inbound connection (%d)\n got %v\nwant %v", len(got), len(want), got, want)
	}
}

// checkGeometry: no two boxes overlap (boxes side by side are at least 24
// apart, room for two frames); everything is inside the drawing; each edge
// runs from the bottom center of its source box to the top center of its
// target box, downwards.
func checkGeometry(t *testing.T, d *diagram.Diagram) {
	t.Helper()
	for i, a := range d.Boxes {
		if a.X < 0 || a.Y < 0 || a.X+a.W > d.Width || a.Y+a.H > d.Height {
			t.Errorf("box %s (%d,%d %d×%d) outside the %d×%d drawing", a.ID, a.X, a.Y, a.W, a.H, d.Width, d.Height)
		}
		for _, b := range d.Boxes[i+1:] {
			if a.X < b.X+b.W+24 && b.X < a.X+a.W+24 && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
				t.Errorf("boxes %s (%d,%d %d×%d) and %s (%d,%d %d×%d) overlap or are less than 24 apart",
					a.ID, a.X, a.Y, a.W, a.H, b.ID, b.X, b.Y, b.W, b.H)
			}
		}
	}
	for _, e := range d.Edges {
		from, to := d.Box(e.From), d.Box(e.To)
		first, last := e.Points[0], e.Points[len(e.Points)-1]
		if e.Reversed || first != (diagram.Point{X: from.X + from.W/2, Y: from.Y + from.H}) ||
			last != (diagram.Point{X: to.X + to.W/2, Y: to.Y}) || to.Rank <= from.Rank {
			t.Errorf("edge %s → %s: reversed %v, points %v", e.From, e.To, e.Reversed, e.Points)
		}
		for _, p := range e.Points {
			if p.X < 0 || p.Y < 0 || p.X > d.Width || p.Y > d.Height {
				t.Errorf("edge %s → %s: point %v outside the drawing", e.From, e.To, p)
			}
		}
	}
}

// checkFrames: each block with layers of the model has a frame around
// exactly their boxes (no other box inside), the frames do not overlap,
// and the blocks with none are listed as added. (A block may also list a
// layer the quantizer split from a neural layer's activation, e.g.
// dense/softmax, which the user's model does not have.)
func checkFrames(t *testing.T, r diagram.Report, d *diagram.Diagram) {
	t.Helper()
	framed := 0
	var added []string
	for _, b := range r.Blocks {
		var layers []string
		for _, l := range b.KerasLayers {
			if d.BoxOf(l) != nil {
				layers = append(layers, l)
			}
		}
		if len(layers) == 0 {
			added = append(added, b.AkidaLayer)
			continue
		}
		framed++
		f := d.Frame(b.AkidaLayer)
		if f == nil || !slices.Equal(f.Layers, layers) {
			t.Errorf("block %s: frame %+v, want its layers %v", b.AkidaLayer, f, layers)
		}
	}
	if len(d.Frames) != framed {
		t.Errorf("%d frames, want %d", len(d.Frames), framed)
	}
	var gotAdded []string
	for _, b := range d.Added {
		gotAdded = append(gotAdded, b.AkidaLayer)
	}
	if !slices.Equal(gotAdded, added) {
		t.Errorf("added blocks %v, want %v", gotAdded, added)
	}
	for i, f := range d.Frames {
		for _, b := range d.Boxes {
			inside := b.X >= f.X && b.Y >= f.Y && b.X+b.W <= f.X+f.W && b.Y+b.H <= f.Y+f.H
			meets := b.X < f.X+f.W && f.X < b.X+b.W && b.Y < f.Y+f.H && f.Y < b.Y+b.H
			member := slices.Contains(f.Layers, b.Layer)
			if member != inside || (!member && meets) {
				t.Errorf("frame %s (%d,%d %d×%d) and box %s (%d,%d %d×%d): member %v, inside %v, meets %v",
					f.ID, f.X, f.Y, f.W, f.H, b.ID, b.X, b.Y, b.W, b.H, member, inside, meets)
			}
		}
		for _, g := range d.Frames[i+1:] {
			if f.X < g.X+g.W && g.X < f.X+f.W && f.Y < g.Y+g.H && g.Y < f.Y+f.H {
				t.Errorf("frames %s and %s overlap", f.ID, g.ID)
			}
		}
	}
}

// checkProblems: each problem's box carries its rule (a line "⚠ rule"),
// each box with rules has a problem; the problems of the whole model are
// the diagram's.
func checkProblems(t *testing.T, r diagram.Report, d *diagram.Diagram) {
	t.Helper()
	var modelProblems []diagram.Problem
	rules := map[string][]string{}
	for _, p := range r.Diagnostics {
		b := d.BoxOf(p.Layer)
		if b == nil {
			modelProblems = append(modelProblems, p)
			continue
		}
		if !b.Problem || !slices.Contains(b.Rules, p.Rule) || !slices.Contains(b.Lines, diagram.Text{Text: "⚠ " + p.Rule, X: b.X + b.W/2, Y: b.Lines[len(b.Lines)-len(b.Rules)+slices.Index(b.Rules, p.Rule)].Y, Class: "rule"}) {
			t.Errorf("problem %v: box %s rules %v lines %v", p, b.ID, b.Rules, b.Lines)
		}
		if !slices.Contains(rules[b.ID], p.Rule) {
			rules[b.ID] = append(rules[b.ID], p.Rule)
		}
	}
	for _, b := range d.Boxes {
		if !slices.Equal(b.Rules, rules[b.ID]) || b.Problem != (len(rules[b.ID]) > 0) {
			t.Errorf("box %s: rules %v problem %v, want %v", b.ID, b.Rules, b.Problem, rules[b.ID])
		}
	}
	if !slices.Equal(d.Problems, modelProblems) {
		t.Errorf("model problems %v, want %v", d.Problems, modelProblems)
	}
}

// checkCollapsed: with every block collapsed, one box per block (the layers
// of no block keep theirs), each layer shown by its block's box, and the
// edges between boxes carry every connection between their layers.
func checkCollapsed(t *testing.T, r diagram.Report, d, c *diagram.Diagram) {
	t.Helper()
	if len(c.Frames) != 0 {
		t.Errorf("%d frames with every block collapsed", len(c.Frames))
	}
	unframed := 0
	for _, b := range d.Boxes {
		if b.Block == "" {
			unframed++
		}
	}
	if len(c.Boxes) != len(d.Frames)+unframed {
		t.Errorf("%d boxes collapsed, want %d blocks + %d layers of no block", len(c.Boxes), len(d.Frames), unframed)
	}
	var want []diagram.Link
	for _, l := range r.Keras.Layers {
		b := c.BoxOf(l.Name)
		if db := d.BoxOf(l.Name); db.Block != "" && (b.ID != "block:"+db.Block || !b.Collapsed || !slices.Contains(b.Layers, l.Name)) {
			t.Errorf("layer %s: collapsed box %s %v", l.Name, b.ID, b.Layers)
		}
		for k, in := range l.Inbound {
			if c.BoxOf(in) != b {
				want = append(want, diagram.Link{From: in, To: l.Name, Index: k})
			}
		}
	}
	var got []diagram.Link
	pairs := map[string]bool{}
	for _, e := range c.Edges {
		if pairs[e.From+"→"+e.To] {
			t.Errorf("two edges %s → %s", e.From, e.To)
		}
		pairs[e.From+"→"+e.To] = true
		for _, l := range e.Links {
			if c.BoxOf(l.From).ID != e.From || c.BoxOf(l.To).ID != e.To {
				t.Errorf("edge %s → %s carries link %v", e.From, e.To, l)
			}
		}
		got = append(got, e.Links...)
	}
	slices.SortFunc(got, func(a, b diagram.Link) int {
		return strings.Compare(fmt.Sprint(a.To, a.Index), fmt.Sprint(b.To, b.Index))
	})
	slices.SortFunc(want, func(a, b diagram.Link) int {
		return strings.Compare(fmt.Sprint(a.To, a.Index), fmt.Sprint(b.To, b.Index))
	})
	if !slices.Equal(got, want) {
		t.Errorf("collapsed links\n got %v\nwant %v", got, want)
	}
}

// AkidaNet 0.25 (float, checked for Akida 1.0 after quantization): 47
// layers in one column of 47 rows, in the 15 frames of its Akida layers;
// collapsed, 15 boxes joined by 14 edges.
func TestAkidaNet(t *testing.T) {
	r := checkReport(t, fixtures.Shared(t, "keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5"), "")
	d := draw(t, r, diagram.Options{})
	if len(d.Boxes) != 47 || len(d.Edges) != 46 || len(d.Frames) != 15 || d.Ranks != 47 || len(d.Problems) != 0 {
		t.Errorf("%d boxes, %d edges, %d frames, %d ranks, problems %v", len(d.Boxes), len(d.Edges), len(d.Frames), d.Ranks, d.Problems)
	}
	f := d.Frame("conv_0")
	if f.Label != "conv_0: InputConvolutional w8 a4" || !slices.Equal(f.Layers, []string{"input", "rescaling", "conv_0", "conv_0/BN", "conv_0/relu"}) {
		t.Errorf("frame conv_0: %q %v", f.Label, f.Layers)
	}
	if f := d.Frame("classifier"); f.Label != "classifier: FullyConnected w4" {
		t.Errorf("classifier frame %q", f.Label)
	}
	if b := d.Box("separable_13/global_avg"); b.Class != "GlobalAveragePooling2D" || b.Shape != "(None, 256)" || b.Block != "separable_13" {
		t.Errorf("global_avg box %+v", b)
	}
	x := d.Boxes[0].X + d.Boxes[0].W/2
	for _, b := range d.Boxes {
		if b.X+b.W/2 != x {
			t.Errorf("box %s is not in the column: center %d, want %d", b.ID, b.X+b.W/2, x)
		}
	}
	var all []string
	for _, f := range d.Frames {
		all = append(all, f.ID)
	}
	c := draw(t, r, diagram.Options{Collapsed: all})
	if len(c.Boxes) != 15 || len(c.Edges) != 14 || c.Ranks != 15 {
		t.Errorf("collapsed: %d boxes, %d edges, %d ranks", len(c.Boxes), len(c.Edges), c.Ranks)
	}
	b := c.BoxOf("conv_0/BN")
	if b.ID != "block:conv_0" || b.Class != "InputConvolutional w8 a4" || b.Shape != "[112, 112, 8]" ||
		!slices.Equal(b.Layers, f.Layers) || b.Lines[3].Text != "5 Keras layers" {
		t.Errorf("collapsed conv_0: %+v", b)
	}
}

// MobileNet v1 for visual wake words does not convert to Akida 1.0: its 40
// problems sit on 40 boxes, each box saying its rule.
func TestMobileNetVWWProblems(t *testing.T) {
	r := checkReport(t, fixtures.Shared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5"), "v1")
	d := draw(t, r, diagram.Options{})
	problems := 0
	for _, b := range d.Boxes {
		if b.Problem {
			problems++
		}
	}
	if len(d.Boxes) != 85 || len(r.Diagnostics) != 40 || problems != 40 {
		t.Errorf("%d boxes, %d problems on %d boxes", len(d.Boxes), len(r.Diagnostics), problems)
	}
	for id, want := range map[string][]string{
		"depthwise_conv2d":      {"unsupported-layer"},
		"activation_1":          {"two-activations"},
		"batch_normalization_1": {"unsupported-layer"},
		"average_pooling2d":     {"unsupported-layer"},
		"conv2d":                nil,
	} {
		if b := d.Box(id); !slices.Equal(b.Rules, want) {
			t.Errorf("%s: rules %v, want %v", id, b.Rules, want)
		}
	}
	if f := d.Frame("conv2d_13"); !f.Problem {
		t.Errorf("frame conv2d_13 not marked")
	}
}
