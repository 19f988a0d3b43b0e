package akida

import (
	"fmt"
	"strconv"
	"strings"
)

// Summary returns the text akida's Model.summary() prints for an unmapped
// model (fbz-format.md §7): a header table (input shape, output shape,
// sequences, layers) under a centred "Model Summary" title, then the layer
// table with one software sequence block "SW/<first>-<last> (Software)" and
// one row per layer: "name (Abbrev)", output shape "[x, y, c]" and the
// numpy shape of its "weights"; a SeparableConvolutional adds a row with
// its "weights_pw" shape. Separator lines are as wide as their table.
//
// Choices where the spec's samples are silent:
//   - InputData counts in "Layers" (akida's Model.layers holds it) but has
//     no row and is not in the sequence, as in the samples that show only
//     the neural layers.
//   - Akida 2.0 rows use the same columns with the full class name and a
//     layer without weights (Add, Concatenate, Dequantizer, Quantizer)
//     shows "N/A" as kernel shape, as a third-party paste of a real v2
//     summary does (fbz-format.md §7); Dense1D kernels are 2-D.
//   - A graph (Add, Concatenate) prints its layers in model order in the
//     one software sequence, without an inbound column.
//   - A shape that cannot be derived shows "N/A".
//   - Trailing blanks are trimmed from every line, as in the spec's sample;
//     centring follows Python's str.center.
func (m *Model) Summary() string {
	shapes, _ := m.shapes() // the shapes derived before any error
	shapeText := func(i int, input bool) string {
		if i >= len(shapes) {
			return "N/A"
		}
		if input {
			return shapes[i].Input.String()
		}
		return shapes[i].Output.String()
	}

	var b strings.Builder
	inShape, outShape := "N/A", "N/A"
	if len(m.Layers) > 0 {
		inShape, outShape = shapeText(0, true), shapeText(len(m.Layers)-1, false)
	}

	var rows [][3]string
	var first, last string
	for i, l := range m.Layers {
		if l.Type == InputData {
			continue
		}
		if first == "" {
			first = l.Name
		}
		last = l.Name
		rows = append(rows, [3]string{l.Name + " (" + l.Type.Abbrev() + ")", shapeText(i, false), kernelText(l.Variable("weights"))})
		if l.Type == SeparableConvolutional {
			rows = append(rows, [3]string{"", "", kernelText(l.Variable("weights_pw"))})
		}
	}
	sequences := 0
	if len(rows) > 0 {
		sequences = 1
	}

	header := [][]string{
		{"Input shape", "Output shape", "Sequences", "Layers"},
		{inShape, outShape, strconv.Itoa(sequences), strconv.Itoa(len(m.Layers))},
	}
	widths, total := columnWidths(header)
	line(&b, center("Model Summary", total, ' '))
	line(&b, strings.Repeat("_", total))
	line(&b, tableRow(header[0], widths))
	line(&b, strings.Repeat("=", total))
	line(&b, tableRow(header[1], widths))
	line(&b, strings.Repeat("_", total))
	line(&b, "")

	table := [][]string{{"Layer (type)", "Output shape", "Kernel shape"}}
	for _, r := range rows {
		table = append(table, r[:])
	}
	widths, total = columnWidths(table)
	line(&b, strings.Repeat("_", total))
	line(&b, tableRow(table[0], widths))
	line(&b, "")
	if len(rows) > 0 {
		line(&b, center(" SW/"+first+"-"+last+" (Software) ", total, '='))
		line(&b, "")
	}
	for _, r := range table[1:] {
		line(&b, tableRow(r, widths))
		line(&b, strings.Repeat("_", total))
	}
	return b.String()
}

// kernelText is the numpy shape of a weights variable as Python prints a
// tuple, or "N/A" for a layer without it.
func kernelText(v *Variable) string {
	if v == nil {
		return "N/A"
	}
	parts := make([]string, len(v.Shape))
	for i, d := range v.Shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// columnWidths returns each column's widest cell and the table width: the
// columns with two blanks after each.
func columnWidths(rows [][]string) ([]int, int) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], len(cell))
		}
	}
	total := 0
	for _, w := range widths {
		total += w + 2
	}
	return widths, total
}

func tableRow(cells []string, widths []int) string {
	var b strings.Builder
	for i, cell := range cells {
		fmt.Fprintf(&b, "%-*s", widths[i]+2, cell)
	}
	return b.String()
}

// center centres s in width with fill, as Python's str.center does (the
// odd blank goes right unless width is odd too).
func center(s string, width int, fill byte) string {
	marg := width - len(s)
	if marg <= 0 {
		return s
	}
	left := marg/2 + (marg & width & 1)
	return strings.Repeat(string(fill), left) + s + strings.Repeat(string(fill), marg-left)
}

// line writes s without trailing blanks and a newline.
func line(b *strings.Builder, s string) {
	b.WriteString(strings.TrimRight(s, " "))
	b.WriteByte('\n')
}
