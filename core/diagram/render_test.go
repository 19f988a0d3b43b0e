package diagram_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram"
)

// svgGroup is a <g> of the SVG with its attributes and text.
type svgGroup struct {
	class, id, layer, block, from, to string
	texts                             []string
}

// parseSVG reads the SVG as XML (failing on malformed XML) and returns
// its groups that carry a data attribute.
func parseSVG(t *testing.T, svg []byte) []svgGroup {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var groups []svgGroup
	var current *svgGroup
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if el.Name.Local == "g" {
				g := svgGroup{}
				for _, a := range el.Attr {
					switch a.Name.Local {
					case "class":
						g.class = a.Value
					case "data-id":
						g.id = a.Value
					case "data-layer":
						g.layer = a.Value
					case "data-block":
						g.block = a.Value
					case "data-from":
						g.from = a.Value
					case "data-to":
						g.to = a.Value
					}
				}
				if g.id != "" || g.block != "" || g.from != "" {
					groups = append(groups, g)
					current = &groups[len(groups)-1]
				}
			}
			inText = el.Name.Local == "text"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText && current != nil {
				current.texts = append(current.texts, string(el))
			}
		}
	}
	return groups
}

// The SVG of a residual model's check: one group per box, edge and frame,
// each with the data attributes the page hooks selection on, the classes
// that say merge, fork, problem and selected, and the box's text.
func TestSVG(t *testing.T) {
	r := residualReport(t, 2)
	d := draw(t, r, diagram.Options{})
	groups := parseSVG(t, d.SVG(diagram.SVGOptions{Selected: "block1/add"}))
	boxes, edges, frames := map[string]svgGroup{}, 0, 0
	for _, g := range groups {
		switch strings.Fields(g.class)[0] {
		case "box":
			boxes[g.id] = g
		case "edge":
			if d.Box(g.from) == nil || d.Box(g.to) == nil {
				t.Errorf("edge group %+v names a box the diagram does not have", g)
			}
			edges++
		case "frame":
			if d.Frame(g.block) == nil {
				t.Errorf("frame group %+v", g)
			}
			frames++
		}
	}
	if len(boxes) != len(d.Boxes) || edges != len(d.Edges) || frames != len(d.Frames) {
		t.Errorf("%d box, %d edge, %d frame groups; want %d, %d, %d", len(boxes), edges, frames, len(d.Boxes), len(d.Edges), len(d.Frames))
	}
	for _, b := range d.Boxes {
		g := boxes[b.ID]
		if g.layer != b.Layer || g.block != b.Block || len(g.texts) != len(b.Lines) || g.texts[0] != b.Name {
			t.Errorf("box %s: group %+v", b.ID, g)
		}
	}
	for id, want := range map[string]string{
		"conv_0/relu": "box fork",
		"block1/add":  "box merge problem selected",
		"block2/add":  "box merge problem",
		"gap":         "box",
	} {
		if boxes[id].class != want {
			t.Errorf("box %s: class %q, want %q", id, boxes[id].class, want)
		}
	}
	if got := boxes["block2/add"].texts; strings.Join(got, "|") != "block2/add|Add|(None, 8, 8, 4)|⚠ single-inbound-layer" {
		t.Errorf("block2/add text %q", got)
	}
	if g := boxes["conv_0/BN"]; g.block != "conv_0" {
		t.Errorf("conv_0/BN block %q", g.block)
	}

	c := draw(t, r, diagram.Options{Collapsed: []string{"conv_0"}})
	cg := parseSVG(t, c.SVG(diagram.SVGOptions{}))
	if g := cg[len(cg)-len(c.Boxes)]; g.id != "block:conv_0" || g.layer != "" || g.block != "conv_0" || g.class != "box fork collapsed" ||
		strings.Join(g.texts, "|") != "conv_0|InputConvolutional|[8, 8, 4]|4 Keras layers" {
		t.Errorf("collapsed box group %+v", g)
	}
}

// The chain's input box, exactly; and a name that needs escaping.
func TestSVGText(t *testing.T) {
	name := `a<b>&"c'`
	d := draw(t, kerasModel(
		layer("input", "InputLayer", []int{8}),
		layer(name, "Dense", []int{4}, "input"),
	), diagram.Options{})
	svg := string(d.SVG(diagram.SVGOptions{}))
	for _, want := range []string{
		`<svg xmlns="http://www.w3.org/2000/svg" class="cnn2snn-diagram" width="124" height="200" viewBox="0 0 124 200"`,
		`<g class="box" data-id="input" data-layer="input"><title>input (InputLayer)</title>` +
			`<rect x="16" y="16" width="92" height="60" rx="3" fill="#fff" stroke="#667"/>` +
			`<text class="name" x="62" y="34">input</text><text class="class" x="62" y="50">InputLayer</text>` +
			`<text class="shape" x="62" y="66">(None, 8)</text></g>`,
		`data-id="a&lt;b&gt;&amp;&quot;c&#39;"`,
		`<text class="name" x="62" y="142">a&lt;b&gt;&amp;&quot;c&#39;</text>`,
		`<g class="edge" data-from="input" data-to="a&lt;b&gt;&amp;&quot;c&#39;"><path d="M 62 76 C 62 100 62 100 62 124" fill="none" stroke="#777"/>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks\n%s\n%s", want, svg)
		}
	}
	groups := parseSVG(t, []byte(svg)) // the edge, then the two boxes
	if g := groups[2]; g.id != name || g.layer != name || g.texts[0] != name {
		t.Errorf("escaped name reads back as %+v", g)
	}
}

// The DOT of a small checked model, byte for byte: a cluster per block with
// its title, the problem box in red with its message as tooltip, the merge
// rounded.
func TestDOT(t *testing.T) {
	r := kerasModel(
		layer("input", "InputLayer", []int{8}),
		layer("a", "Dense", []int{8}, "input"),
		layer("b", "Dense", []int{8}, "input"),
		layer("add", "Add", []int{8}, "a", "b"),
	)
	r.Blocks = []diagram.Block{
		{AkidaLayer: "a", AkidaType: "FullyConnected", KerasLayers: []string{"input", "a"}, WeightBits: 4, ActivationBits: 4},
		{AkidaLayer: "b", AkidaType: "FullyConnected", KerasLayers: []string{"b", "add"}, WeightBits: 4, ActivationBits: 4, Incompatible: []string{"add"}},
	}
	r.Diagnostics = []diagram.Problem{{Layer: "add", Rule: "single-inbound-layer", Message: `Layer add must have only one inbound layer. Receives 2.`}}
	got := string(draw(t, r, diagram.Options{}).DOT())
	want := `digraph "test" {
  graph [rankdir=TB, fontname="monospace", fontsize=10, nodesep=0.3, ranksep=0.35];
  node [shape=box, style=filled, fillcolor="#ffffff", color="#666677", fontname="monospace", fontsize=10];
  edge [color="#777777", arrowsize=0.6];
  subgraph "cluster_0" {
    label="a: FullyConnected w4 a4"; labeljust=l; style="filled,rounded"; fillcolor="#eef3fb"; color="#9db3d6";
    "input" [label="input\nInputLayer\n(None, 8)"];
    "a" [label="a\nDense\n(None, 8)"];
  }
  subgraph "cluster_1" {
    label="b: FullyConnected w4 a4"; labeljust=l; style="filled,rounded"; fillcolor="#fdf0ef"; color="#d99a94";
    "b" [label="b\nDense\n(None, 8)"];
    "add" [label="add\nAdd\n(None, 8)\n⚠ single-inbound-layer", style="filled,rounded", fillcolor="#f3f7ee", color="#c62828", penwidth=2, tooltip="add (Add)\n[single-inbound-layer] Layer add must have only one inbound layer. Receives 2."];
  }
  "input" -> "a";
  "input" -> "b";
  "a" -> "add";
  "b" -> "add";
}
`
	if got != want {
		t.Errorf("DOT\n got %s\nwant %s", got, want)
	}
}

// renderDOT runs Graphviz's dot on the DOT text and returns its SVG; the
// test is skipped where dot is not installed.
func renderDOT(t *testing.T, dot []byte) string {
	t.Helper()
	if runtime.GOOS == "js" {
		t.Skip("skipped: no program can be run under GOOS=js, so Graphviz's dot does not render the DOT output here (the native test does)")
	}
	path, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("skipped: Graphviz's dot is not installed (apt-get install graphviz), so the DOT output is not rendered")
	}
	cmd := exec.Command(path, "-Tsvg")
	cmd.Stdin = bytes.NewReader(dot)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil || errOut.Len() > 0 {
		t.Fatalf("dot -Tsvg: %v\n%s\n%s", err, errOut.String(), dot)
	}
	return out.String()
}

// Graphviz draws the DOT of every fixture, collapsed or not, with one node
// per box, one edge per edge and one cluster per frame; and a name that
// needs escaping.
func TestDOTRendersWithGraphviz(t *testing.T) {
	count := func(svg, kind string) int {
		return len(regexp.MustCompile(`<g id="`+kind+`\d+" class="`+kind+`">`).FindAllString(svg, -1))
	}
	check := func(t *testing.T, d *diagram.Diagram) {
		svg := renderDOT(t, d.DOT())
		if n, e, c := count(svg, "node"), count(svg, "edge"), len(regexp.MustCompile(`class="cluster"`).FindAllString(svg, -1)); n != len(d.Boxes) || e != len(d.Edges) || c != len(d.Frames) {
			t.Errorf("Graphviz drew %d nodes, %d edges, %d clusters; want %d, %d, %d", n, e, c, len(d.Boxes), len(d.Edges), len(d.Frames))
		}
	}
	for _, f := range fixtureReports() {
		t.Run(f.name, func(t *testing.T) {
			r := f.report(t)
			d := draw(t, r, diagram.Options{})
			check(t, d)
			var all []string
			for _, fr := range d.Frames {
				all = append(all, fr.ID)
			}
			check(t, draw(t, r, diagram.Options{Collapsed: all}))
		})
	}
	t.Run("escaping", func(t *testing.T) {
		name := `a"b\c` + "\nd"
		r := kerasModel(layer("input", "InputLayer", []int{8}), layer(name, "Dense", []int{4}, "input"))
		r.Blocks = []diagram.Block{{AkidaLayer: name, AkidaType: "FullyConnected", KerasLayers: []string{name}}}
		r.Diagnostics = []diagram.Problem{{Layer: name, Rule: "r", Message: `say "no" \ here`}}
		d := draw(t, r, diagram.Options{})
		svg := renderDOT(t, d.DOT())
		for _, want := range []string{`>a&quot;b\c</text>`, `>d</text>`, `>d: FullyConnected</text>`, `[r] say &quot;no&quot; \ here"`} {
			if !strings.Contains(svg, want) {
				t.Errorf("Graphviz's SVG lacks %s:\n%s", want, svg)
			}
		}
	})
}
