package diagram

import (
	"strconv"
	"strings"
)

// SVGOptions change the SVG.
type SVGOptions struct {
	// Selected is the ID of a box drawn selected ("" for none).
	Selected string
}

// svgStyle is the SVG's own style sheet. Every rule is scoped to the
// diagram's class, so the SVG can be put into a page as it is and saved as
// an .svg file as it is (a viewer without CSS still draws the boxes, the
// text and the edges from the presentation attributes).
const svgStyle = `.cnn2snn-diagram .background{fill:#fff}` +
	`.cnn2snn-diagram .frame rect{fill:#eef3fb;stroke:#9db3d6}` +
	`.cnn2snn-diagram .frame.problem rect{fill:#fdf0ef;stroke:#d99a94}` +
	`.cnn2snn-diagram .frame text{fill:#2b4a7a}` +
	`.cnn2snn-diagram .edge path{fill:none;stroke:#777;stroke-width:1.2}` +
	`.cnn2snn-diagram .edge path.arrow{fill:#777;stroke:none}` +
	`.cnn2snn-diagram .box{cursor:pointer}` +
	`.cnn2snn-diagram .box rect{fill:#fff;stroke:#667}` +
	`.cnn2snn-diagram .box.merge rect{fill:#f3f7ee}` +
	`.cnn2snn-diagram .box.collapsed rect{fill:#e4ecf8;stroke:#6d8cc0;stroke-width:1.5}` +
	`.cnn2snn-diagram .box.problem rect{stroke:#c62828;stroke-width:2}` +
	`.cnn2snn-diagram .box.selected rect{stroke:#1565c0;stroke-width:3}` +
	`.cnn2snn-diagram text{fill:#222}` +
	`.cnn2snn-diagram .name{font-weight:bold}` +
	`.cnn2snn-diagram .class,.cnn2snn-diagram .count{fill:#555}` +
	`.cnn2snn-diagram .rule{fill:#c62828}` +
	`.cnn2snn-diagram .fork-point{fill:#777}`

// Corner radii: a layer's box is square-ish, a merge's rounded like a pill.
const (
	boxRadius   = 3
	mergeRadius = 12
	frameRadius = 6
	forkRadius  = 3
)

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// SVG writes the diagram as an SVG document: frames, then edges, then
// boxes, each a group with its classes and data attributes for the page to
// hook selection on — data-block on a frame, data-from and data-to (box
// IDs) on an edge, data-id, data-layer and data-block on a box. The same
// bytes serve inline in a page and as an .svg download.
func (d *Diagram) SVG(o SVGOptions) []byte {
	var b strings.Builder
	b.Grow(1024 + 600*len(d.Boxes) + 300*len(d.Edges) + 200*len(d.Frames))
	w, h := strconv.Itoa(d.Width), strconv.Itoa(d.Height)
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="cnn2snn-diagram" width="` + w + `" height="` + h +
		`" viewBox="0 0 ` + w + ` ` + h + `" font-family="DejaVu Sans Mono,Menlo,Consolas,Liberation Mono,monospace" font-size="` +
		strconv.Itoa(fontSize) + `">`)
	b.WriteString("<style>" + svgStyle + "</style>")
	b.WriteString(`<rect class="background" width="` + w + `" height="` + h + `" fill="#fff"/>`)

	b.WriteString(`<g class="frames">`)
	for _, f := range d.Frames {
		class := "frame"
		if f.Problem {
			class += " problem"
		}
		b.WriteString(`<g class="` + class + `" data-block="` + esc(f.ID) + `">`)
		rect(&b, f.X, f.Y, f.W, f.H, frameRadius, "#eef3fb", "#9db3d6")
		texts(&b, f.Lines)
		b.WriteString("</g>")
	}
	b.WriteString("</g>")

	b.WriteString(`<g class="edges">`)
	for _, e := range d.Edges {
		class := "edge"
		if e.Reversed {
			class += " reversed"
		}
		b.WriteString(`<g class="` + class + `" data-from="` + esc(e.From) + `" data-to="` + esc(e.To) + `">`)
		b.WriteString(`<path d="` + e.Path + `" fill="none" stroke="#777"/>`)
		b.WriteString(`<path class="arrow" d="` + e.Arrow + `" fill="#777"/>`)
		b.WriteString("</g>")
	}
	b.WriteString("</g>")

	b.WriteString(`<g class="boxes" text-anchor="middle">`)
	for _, x := range d.Boxes {
		class := "box"
		for _, c := range []struct {
			on   bool
			name string
		}{{x.Merge, "merge"}, {x.Fork, "fork"}, {x.Collapsed, "collapsed"}, {x.Problem, "problem"}, {x.ID == o.Selected && o.Selected != "", "selected"}} {
			if c.on {
				class += " " + c.name
			}
		}
		b.WriteString(`<g class="` + class + `" data-id="` + esc(x.ID) + `"`)
		if x.Layer != "" {
			b.WriteString(` data-layer="` + esc(x.Layer) + `"`)
		}
		if x.Block != "" {
			b.WriteString(` data-block="` + esc(x.Block) + `"`)
		}
		b.WriteString(">")
		b.WriteString("<title>" + esc(boxTitle(x)) + "</title>")
		radius := boxRadius
		if x.Merge {
			radius = mergeRadius
		}
		stroke := "#667"
		if x.Problem {
			stroke = "#c62828"
		}
		rect(&b, x.X, x.Y, x.W, x.H, radius, "#fff", stroke)
		texts(&b, x.Lines)
		if x.Fork {
			b.WriteString(`<circle class="fork-point" cx="` + strconv.Itoa(x.X+x.W/2) + `" cy="` + strconv.Itoa(x.Y+x.H) +
				`" r="` + strconv.Itoa(forkRadius) + `" fill="#777"/>`)
		}
		b.WriteString("</g>")
	}
	b.WriteString("</g></svg>\n")
	return []byte(b.String())
}

func rect(b *strings.Builder, x, y, w, h, radius int, fill, stroke string) {
	b.WriteString(`<rect x="` + strconv.Itoa(x) + `" y="` + strconv.Itoa(y) + `" width="` + strconv.Itoa(w) +
		`" height="` + strconv.Itoa(h) + `" rx="` + strconv.Itoa(radius) + `" fill="` + fill + `" stroke="` + stroke + `"/>`)
}

func texts(b *strings.Builder, lines []Text) {
	for _, t := range lines {
		b.WriteString(`<text class="` + t.Class + `" x="` + strconv.Itoa(t.X) + `" y="` + strconv.Itoa(t.Y) + `">` +
			esc(t.Text) + "</text>")
	}
}

// boxTitle is the box's tooltip: its name and class, and each problem's
// message.
func boxTitle(x Box) string {
	t := x.Name + " (" + x.Class + ")"
	for _, d := range x.Details {
		if strings.HasPrefix(d.Key, "problem ") {
			t += "\n" + strings.TrimPrefix(d.Key, "problem ") + " " + d.Value
		}
	}
	return t
}

func esc(s string) string { return xmlEscaper.Replace(s) }

func itoa(n int) string { return strconv.Itoa(n) }
