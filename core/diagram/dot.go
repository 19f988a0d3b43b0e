package diagram

import (
	"strings"
)

// DOT writes the diagram as a Graphviz DOT graph, for people who draw with
// Graphviz: the same boxes (their text as the node label, problem boxes in
// red with a tooltip per message, merges rounded, collapsed blocks
// shaded), one cluster per frame (the Akida block, its title as the
// label) and the same edges. Graphviz lays it out itself (dot -Tsvg).
func (d *Diagram) DOT() []byte {
	var b strings.Builder
	name := d.Name
	if name == "" {
		name = "model"
	}
	b.WriteString("digraph " + dotQuote(name) + " {\n")
	b.WriteString("  graph [rankdir=TB, fontname=\"monospace\", fontsize=10, nodesep=0.3, ranksep=0.35];\n")
	b.WriteString("  node [shape=box, style=filled, fillcolor=\"#ffffff\", color=\"#666677\", fontname=\"monospace\", fontsize=10];\n")
	b.WriteString("  edge [color=\"#777777\", arrowsize=0.6];\n")
	inFrame := map[string]bool{}
	for i, f := range d.Frames {
		fill, color := "#eef3fb", "#9db3d6"
		if f.Problem {
			fill, color = "#fdf0ef", "#d99a94"
		}
		b.WriteString("  subgraph " + dotQuote("cluster_"+itoa(i)) + " {\n")
		b.WriteString("    label=" + dotQuote(f.Label) + "; labeljust=l; style=\"filled,rounded\"; fillcolor=" +
			dotQuote(fill) + "; color=" + dotQuote(color) + ";\n")
		for _, l := range f.Layers {
			if x := d.BoxOf(l); x != nil {
				b.WriteString("    " + dotNode(x) + "\n")
				inFrame[x.ID] = true
			}
		}
		b.WriteString("  }\n")
	}
	for i := range d.Boxes {
		if x := &d.Boxes[i]; !inFrame[x.ID] {
			b.WriteString("  " + dotNode(x) + "\n")
		}
	}
	for _, e := range d.Edges {
		b.WriteString("  " + dotQuote(e.From) + " -> " + dotQuote(e.To) + ";\n")
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// dotNode is a box as a node statement.
func dotNode(x *Box) string {
	lines := make([]string, len(x.Lines))
	for i, l := range x.Lines {
		lines[i] = l.Text
	}
	attrs := []string{"label=" + dotQuote(strings.Join(lines, "\n"))}
	switch {
	case x.Collapsed:
		attrs = append(attrs, `fillcolor="#e4ecf8"`, `color="#6d8cc0"`, "penwidth=1.5")
	case x.Merge:
		attrs = append(attrs, `style="filled,rounded"`, `fillcolor="#f3f7ee"`)
	}
	if x.Problem {
		attrs = append(attrs, `color="#c62828"`, "penwidth=2", "tooltip="+dotQuote(boxTitle(*x)))
	}
	return dotQuote(x.ID) + " [" + strings.Join(attrs, ", ") + "];"
}

var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")

// dotQuote writes a DOT quoted string (a line break is a centered one).
func dotQuote(s string) string { return `"` + dotEscaper.Replace(s) + `"` }
