package diagram

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The geometry, in SVG user units. Text is monospace at 12 px, whose
// advance is 0.6 em (7.2 px) in the common monospace fonts (DejaVu Sans
// Mono, Liberation Mono, Courier New, Menlo): 7.5 per character leaves a
// little room, so a box is sized without measuring text in a browser.
const (
	fontSize   = 12
	lineHeight = 16
	baseline   = 12 // from the top of a line to its baseline
	boxPadX    = 8
	boxPadY    = 6
	minBoxW    = 64
	framePad   = 6  // between a frame and its boxes
	frameHead  = 16 // the frame's title above its boxes
	labelPadX  = 6
	rankGap    = 48 // between two rows of boxes: room for two frames' edges and titles
	boxGap     = 24 // between two boxes side by side: room for two frames
	routeGap   = 16 // between a box and an edge passing beside it
	laneGap    = 12 // between two edges passing side by side
	margin     = 16
	arrowLen   = 7
	arrowHalf  = 4

	// sweeps is the number of barycenter sweeps of the crossing reduction
	// (alternately down and up) and of the coordinate assignment.
	sweeps = 8
	// boxWeight is a box's weight against a passing edge's (1) when a row
	// is placed: the boxes keep their place, the long edges go around them.
	boxWeight = 1000
)

// textWidth is the width of a line of text at fontSize.
func textWidth(s string) int {
	return (utf8.RuneCountInString(s)*15 + 1) / 2
}

// even rounds a width up to an even number, so that a box's center is a
// whole number and an edge between two boxes of a column is straight.
func even(w int) int { return w + w%2 }

// vertex is a box, or a dummy: the point where a long edge crosses a row.
type vertex struct {
	box          int // index into graph.boxes; -1 for a dummy
	w            int
	rank, order  int
	left         float64 // the left edge (x for a dummy)
	preds, succs []int
}

func (v *vertex) center() float64 { return v.left + float64(v.w)/2 }

func (v *vertex) weight() float64 {
	if v.box < 0 {
		return 1
	}
	return boxWeight
}

// route is an edge through the layers: its vertices from the upper box to
// the lower one.
type route struct {
	chain    []int
	reversed bool
}

// draw lays the graph out and returns the diagram.
func (g *graph) draw() (*Diagram, error) {
	g.sizeBoxes()
	vs, routes, err := g.layer()
	if err != nil {
		return nil, err
	}
	rows := orderRows(vs)
	placeRows(vs, rows)
	d := &Diagram{Ranks: len(rows), Problems: g.problems, Added: g.added}
	tops, heights := rowTops(vs, rows, g.boxes)
	for i := range g.boxes {
		v := &vs[i]
		b := &g.boxes[i]
		b.Rank, b.Order = v.rank, v.order
		b.X, b.Y = int(v.left), tops[v.rank]
	}
	g.markMergesAndForks()
	d.Frames = g.placeFrames()
	d.Edges = g.routeEdges(vs, routes, tops, heights)
	d.Boxes = g.boxes
	d.normalize()
	for i := range d.Boxes {
		placeBoxText(&d.Boxes[i])
	}
	for i := range d.Frames {
		f := &d.Frames[i]
		f.Lines = []Text{{Text: f.Label, X: f.X + labelPadX, Y: f.Y + baseline, Class: "label"}}
	}
	d.boxByID = make(map[string]int, len(d.Boxes))
	d.boxByLayer = make(map[string]int, len(d.Boxes))
	for i, b := range d.Boxes {
		d.boxByID[b.ID] = i
		if b.Collapsed {
			for _, l := range b.Layers {
				d.boxByLayer[l] = i
			}
		} else {
			d.boxByLayer[b.Layer] = i
		}
	}
	return d, nil
}

// boxLines is a box's text: name, class, shape, the number of layers of a
// collapsed block, one line per rule broken.
func boxLines(b *Box) []Text {
	lines := []Text{{Text: b.Name, Class: "name"}, {Text: b.Class, Class: "class"}, {Text: b.Shape, Class: "shape"}}
	if b.Collapsed {
		n := strconv.Itoa(len(b.Layers)) + " Keras layer"
		if len(b.Layers) != 1 {
			n += "s"
		}
		lines = append(lines, Text{Text: n, Class: "count"})
	}
	for _, r := range b.Rules {
		lines = append(lines, Text{Text: "⚠ " + r, Class: "rule"})
	}
	return lines
}

// sizeBoxes sets each box's size from its text, and widens the boxes of a
// frame to the frame's title.
func (g *graph) sizeBoxes() {
	for i := range g.boxes {
		b := &g.boxes[i]
		b.Lines = boxLines(b)
		b.W = minBoxW
		for _, l := range b.Lines {
			b.W = max(b.W, even(textWidth(l.Text)+2*boxPadX))
		}
		b.H = 2*boxPadY + len(b.Lines)*lineHeight
	}
	for _, f := range g.frames {
		title := even(textWidth(frameLabel(f)) + 2*labelPadX - 2*framePad)
		for _, m := range f.members {
			g.boxes[m].W = max(g.boxes[m].W, title)
		}
	}
}

func frameLabel(f frameSpec) string { return f.id + ": " + blockTitle(f.block) }

// layer assigns the ranks (longest path from the sources, edges oriented
// by model order) and breaks the edges longer than one rank with dummies.
func (g *graph) layer() ([]vertex, []route, error) {
	n := len(g.boxes)
	vs := make([]vertex, n)
	for i := range vs {
		vs[i] = vertex{box: i, w: g.boxes[i].W}
	}
	// Orient every edge from the box earlier in model order to the later
	// one: the oriented graph has no cycle, and in a valid model (whose
	// inbounds come first) no edge is turned.
	type oriented struct{ u, v int }
	es := make([]oriented, len(g.edges))
	ins := make([][]int, n)
	outs := make([][]int, n)
	for i, e := range g.edges {
		u, v := e.from, e.to
		if u > v {
			u, v = v, u
		}
		es[i] = oriented{u, v}
		ins[v] = append(ins[v], u)
		outs[u] = append(outs[u], v)
	}
	for v := range n {
		for _, u := range ins[v] {
			vs[v].rank = max(vs[v].rank, vs[u].rank+1)
		}
	}
	// A source (a second input, a constant) sits just above the first box
	// that uses it, not at the top with a long edge down.
	for v := range n {
		if len(ins[v]) == 0 && len(outs[v]) > 0 {
			r := math.MaxInt
			for _, w := range outs[v] {
				r = min(r, vs[w].rank)
			}
			vs[v].rank = r - 1
		}
	}
	total := 0
	for _, e := range es {
		total += vs[e.v].rank - vs[e.u].rank - 1
	}
	if total > MaxRoute {
		return nil, nil, fmt.Errorf("diagram: the model's edges cross %d rows in all, more than the %d this diagram draws; collapse blocks to draw it", total, MaxRoute)
	}
	routes := make([]route, len(es))
	for i, e := range es {
		chain := []int{e.u}
		for r := vs[e.u].rank + 1; r < vs[e.v].rank; r++ {
			vs = append(vs, vertex{box: -1, rank: r})
			chain = append(chain, len(vs)-1)
		}
		chain = append(chain, e.v)
		for k := 1; k < len(chain); k++ {
			vs[chain[k-1]].succs = append(vs[chain[k-1]].succs, chain[k])
			vs[chain[k]].preds = append(vs[chain[k]].preds, chain[k-1])
		}
		routes[i] = route{chain: chain, reversed: g.edges[i].from > g.edges[i].to}
	}
	return vs, routes, nil
}

// orderRows orders each row to reduce crossings: barycenter sweeps, down
// then up, keeping the order with the fewest crossings. Ties keep the
// current order, which starts as model order with the boxes before the
// dummies: of two branches, the first one in the model is on the left.
func orderRows(vs []vertex) [][]int {
	nr := 0
	for _, v := range vs {
		nr = max(nr, v.rank+1)
	}
	rows := make([][]int, nr)
	for i, v := range vs {
		rows[v.rank] = append(rows[v.rank], i)
	}
	setOrder(vs, rows)
	best := cloneRows(rows)
	bestCross := crossings(vs, rows)
	for s := 0; s < sweeps && bestCross > 0; s++ {
		if s%2 == 0 {
			for r := 1; r < nr; r++ {
				sortByBarycenter(vs, rows[r], func(v *vertex) []int { return v.preds })
			}
		} else {
			for r := nr - 2; r >= 0; r-- {
				sortByBarycenter(vs, rows[r], func(v *vertex) []int { return v.succs })
			}
		}
		if c := crossings(vs, rows); c < bestCross {
			best, bestCross = cloneRows(rows), c
		}
	}
	setOrder(vs, best)
	return best
}

func setOrder(vs []vertex, rows [][]int) {
	for _, row := range rows {
		for i, v := range row {
			vs[v].order = i
		}
	}
}

func cloneRows(rows [][]int) [][]int {
	out := make([][]int, len(rows))
	for i, r := range rows {
		out[i] = slices.Clone(r)
	}
	return out
}

// sortByBarycenter sorts a row by the mean order of each vertex's
// neighbours in the adjacent row (its own order when it has none there).
func sortByBarycenter(vs []vertex, row []int, neighbours func(*vertex) []int) {
	bc := make(map[int]float64, len(row))
	for _, v := range row {
		ns := neighbours(&vs[v])
		if len(ns) == 0 {
			bc[v] = float64(vs[v].order)
			continue
		}
		sum := 0.0
		for _, n := range ns {
			sum += float64(vs[n].order)
		}
		bc[v] = sum / float64(len(ns))
	}
	sort.SliceStable(row, func(i, j int) bool { return bc[row[i]] < bc[row[j]] })
	for i, v := range row {
		vs[v].order = i
	}
}

// crossings counts the edge crossings between every two adjacent rows
// (Barth, Jünger and Mutzel's bilayer count with an accumulator tree).
func crossings(vs []vertex, rows [][]int) int {
	total := 0
	pos := make([]int, len(vs))
	for _, row := range rows {
		for i, v := range row {
			pos[v] = i
		}
	}
	for r := 0; r+1 < len(rows); r++ {
		type seg struct{ a, b int }
		var segs []seg
		for _, u := range rows[r] {
			for _, w := range vs[u].succs {
				segs = append(segs, seg{pos[u], pos[w]})
			}
		}
		sort.Slice(segs, func(i, j int) bool {
			if segs[i].a != segs[j].a {
				return segs[i].a < segs[j].a
			}
			return segs[i].b < segs[j].b
		})
		tree := make([]int, len(rows[r+1])+1) // Fenwick tree over lower positions
		for k, s := range segs {
			// segments already counted whose lower end is right of s.b
			seen := 0
			for i := s.b + 1; i > 0; i -= i & -i {
				seen += tree[i]
			}
			total += k - seen
			for i := s.b + 1; i < len(tree); i += i & -i {
				tree[i]++
			}
		}
	}
	return total
}

// gap is the least room between two vertices side by side.
func gap(a, b *vertex) int {
	switch {
	case a.box >= 0 && b.box >= 0:
		return boxGap
	case a.box >= 0 || b.box >= 0:
		return routeGap
	}
	return laneGap
}

// placeRows assigns x: each row packed around 0, then sweeps that move
// each vertex towards the weighted mean of its neighbours in the row above
// (down) or below (up), as near as the row's order and gaps allow.
func placeRows(vs []vertex, rows [][]int) {
	for _, row := range rows {
		want := make([]float64, len(row))
		placeRow(vs, row, want)
	}
	for s := 0; s < sweeps; s++ {
		down := s%2 == 0
		for k := range rows {
			r := k
			if !down {
				r = len(rows) - 1 - k
			}
			row := rows[r]
			want := make([]float64, len(row))
			for i, v := range row {
				ns := vs[v].preds
				if !down {
					ns = vs[v].succs
				}
				want[i] = vs[v].center()
				sum, weight := 0.0, 0.0
				for _, n := range ns {
					sum += vs[n].weight() * vs[n].center()
					weight += vs[n].weight()
				}
				if weight > 0 {
					want[i] = sum / weight
				}
			}
			placeRow(vs, row, want)
		}
	}
	// Whole numbers at the end: the room between two vertices is whole, and
	// rounding half up commutes with adding a whole number, so rounding
	// each left edge keeps every gap.
	for i := range vs {
		vs[i].left = math.Floor(vs[i].left + 0.5)
	}
}

// placeRow puts the row's vertices as near their wanted centers as the
// gaps allow, minimising the weighted squared distance (isotonic
// regression by pool-adjacent-violators over the left edges less the room
// the vertices before need).
func placeRow(vs []vertex, row []int, want []float64) {
	n := len(row)
	offset := make([]float64, n)
	for i := 1; i < n; i++ {
		a, b := &vs[row[i-1]], &vs[row[i]]
		offset[i] = offset[i-1] + float64(a.w+gap(a, b))
	}
	// pools of consecutive vertices sharing one value
	type pool struct {
		sum, weight float64
		count       int
	}
	var pools []pool
	for i, v := range row {
		w := vs[v].weight()
		target := want[i] - float64(vs[v].w)/2 - offset[i]
		pools = append(pools, pool{w * target, w, 1})
		for len(pools) > 1 {
			a, b := pools[len(pools)-2], pools[len(pools)-1]
			if a.sum/a.weight <= b.sum/b.weight {
				break
			}
			pools = pools[:len(pools)-2]
			pools = append(pools, pool{a.sum + b.sum, a.weight + b.weight, a.count + b.count})
		}
	}
	i := 0
	for _, p := range pools {
		y := p.sum / p.weight
		for range p.count {
			vs[row[i]].left = y + offset[i]
			i++
		}
	}
}

// rowTops returns each row's top and height (its tallest box).
func rowTops(vs []vertex, rows [][]int, boxes []Box) (tops, heights []int) {
	tops = make([]int, len(rows))
	heights = make([]int, len(rows))
	for r, row := range rows {
		for _, v := range row {
			if b := vs[v].box; b >= 0 {
				heights[r] = max(heights[r], boxes[b].H)
			}
		}
		if r > 0 {
			tops[r] = tops[r-1] + heights[r-1] + rankGap
		}
	}
	return tops, heights
}

func (g *graph) markMergesAndForks() {
	in := make([]int, len(g.boxes))
	out := make([]int, len(g.boxes))
	for _, e := range g.edges {
		out[e.from]++
		in[e.to]++
	}
	for i := range g.boxes {
		g.boxes[i].Merge = in[i] > 1
		g.boxes[i].Fork = out[i] > 1
	}
}

// placeFrames draws each block's frame around its boxes, its title above.
func (g *graph) placeFrames() []Frame {
	frames := make([]Frame, 0, len(g.frames))
	for _, f := range g.frames {
		x0, y0, x1, y1 := math.MaxInt, math.MaxInt, math.MinInt, math.MinInt
		layers := make([]string, len(f.members))
		for k, m := range f.members {
			b := &g.boxes[m]
			x0, y0 = min(x0, b.X), min(y0, b.Y)
			x1, y1 = max(x1, b.X+b.W), max(y1, b.Y+b.H)
			layers[k] = b.Layer
		}
		frames = append(frames, Frame{
			ID: f.id, AkidaType: f.block.AkidaType, Layers: layers, Problem: f.problem, Label: frameLabel(f),
			X: x0 - framePad, Y: y0 - framePad - frameHead,
			W: x1 - x0 + 2*framePad, H: y1 - y0 + 2*framePad + frameHead,
		})
	}
	return frames
}

// routeEdges computes each edge's points, SVG path and arrowhead: from the
// bottom center of the upper box, straight through each row it crosses,
// in vertical-tangent cubic curves between rows, to the top center of the
// lower box (reversed for an edge that goes up).
func (g *graph) routeEdges(vs []vertex, routes []route, tops, heights []int) []Edge {
	edges := make([]Edge, len(g.edges))
	for i, e := range g.edges {
		r := routes[i]
		var pts []Point
		first := &g.boxes[vs[r.chain[0]].box]
		pts = append(pts, Point{first.X + first.W/2, first.Y + first.H})
		for _, v := range r.chain[1 : len(r.chain)-1] {
			x := int(vs[v].left)
			pts = append(pts, Point{x, tops[vs[v].rank]}, Point{x, tops[vs[v].rank] + heights[vs[v].rank]})
		}
		last := &g.boxes[vs[r.chain[len(r.chain)-1]].box]
		pts = append(pts, Point{last.X + last.W/2, last.Y})
		if r.reversed {
			slices.Reverse(pts) // from the top of the lower box up to the bottom of the upper one
		}
		edges[i] = Edge{From: g.boxes[e.from].ID, To: g.boxes[e.to].ID, Links: e.links, Reversed: r.reversed, Points: pts}
	}
	return edges
}

// normalize moves the drawing so that its top left corner is at the
// margin, sets its size, and writes the edges' paths.
func (d *Diagram) normalize() {
	x0, y0, x1, y1 := math.MaxInt, math.MaxInt, math.MinInt, math.MinInt
	grow := func(x, y, w, h int) {
		x0, y0 = min(x0, x), min(y0, y)
		x1, y1 = max(x1, x+w), max(y1, y+h)
	}
	for _, b := range d.Boxes {
		grow(b.X, b.Y, b.W, b.H)
	}
	for _, f := range d.Frames {
		grow(f.X, f.Y, f.W, f.H)
	}
	for _, e := range d.Edges {
		for _, p := range e.Points {
			grow(p.X-arrowHalf, p.Y, 2*arrowHalf, 0)
		}
	}
	if x0 > x1 { // nothing to draw
		d.Width, d.Height = 2*margin, 2*margin
		return
	}
	dx, dy := margin-x0, margin-y0
	for i := range d.Boxes {
		d.Boxes[i].X += dx
		d.Boxes[i].Y += dy
	}
	for i := range d.Frames {
		d.Frames[i].X += dx
		d.Frames[i].Y += dy
	}
	for i := range d.Edges {
		e := &d.Edges[i]
		for k := range e.Points {
			e.Points[k].X += dx
			e.Points[k].Y += dy
		}
		e.Path, e.Arrow = edgePath(e.Points)
	}
	d.Width, d.Height = x1-x0+2*margin, y1-y0+2*margin
}

// edgePath writes the route: a curve from each point to the next between
// rows (even segments), a straight line through a row (odd segments); and
// the arrowhead at the last point, pointing the way the edge goes.
func edgePath(pts []Point) (path, arrow string) {
	var b strings.Builder
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	pt := func(p Point) string { return strconv.Itoa(p.X) + " " + strconv.Itoa(p.Y) }
	b.WriteString("M " + pt(pts[0]))
	for k := 1; k < len(pts); k++ {
		p, q := pts[k-1], pts[k]
		if k%2 == 0 {
			b.WriteString(" L " + pt(q))
			continue
		}
		ym := num(float64(p.Y+q.Y) / 2)
		b.WriteString(" C " + strconv.Itoa(p.X) + " " + ym + " " + strconv.Itoa(q.X) + " " + ym + " " + pt(q))
	}
	tip := pts[len(pts)-1]
	back := -arrowLen // the edge comes down onto the tip
	if len(pts) > 1 && pts[len(pts)-2].Y > tip.Y {
		back = arrowLen
	}
	arrow = "M " + pt(Point{tip.X - arrowHalf, tip.Y + back}) + " L " + pt(tip) + " L " + pt(Point{tip.X + arrowHalf, tip.Y + back}) + " Z"
	return b.String(), arrow
}

// placeBoxText places the box's lines, centered, one under the other.
func placeBoxText(b *Box) {
	for i := range b.Lines {
		b.Lines[i].X = b.X + b.W/2
		b.Lines[i].Y = b.Y + boxPadY + i*lineHeight + baseline
	}
}
