package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Page is everything the converter page shows. Components read it; only
// the Controller changes it, under the render lock.
type Page struct {
	Version string // the converter's version; "" while its worker starts

	Files []FileInfo // the current model's files
	Kind  Kind       // what they are
	Form  Form       // the options as the user set them

	Dragging bool     // files are being dragged over the page
	Busy     bool     // a call is running
	Progress Progress // its stage and fraction

	Error string // the last error, shown above everything else

	Inspect  *InspectReport // the Keras model's layers
	Report   *Report        // its check or conversion report
	Summary  *SummaryReport // the converted or opened Akida model
	FBZName  string         // the .fbz file name of a conversion
	Selected string         // the Akida layer of the selected block

	VerifySamples int           // the number of seeded inputs to verify on
	Verification  *VerifyReport // the last verification of the converted model

	Downloads []Download
}

// FileInfo is one input file as the page lists it.
type FileInfo struct {
	Name string
	Size int
}

// Kind is what the dropped files are.
type Kind int

// Kinds of input.
const (
	KindNone  Kind = iota
	KindKeras      // a Keras model (one or several files)
	KindAkida      // an Akida .fbz model
)

// kindOf tells a Keras model from an Akida one by the file names: the
// converter tells Keras formats apart by content, but an .fbz has no magic
// bytes, so its extension is what identifies it.
func kindOf(names []string) (Kind, error) {
	fbz := 0
	for _, n := range names {
		if strings.HasSuffix(strings.ToLower(n), ".fbz") {
			fbz++
		}
	}
	switch {
	case len(names) == 0:
		return KindNone, fmt.Errorf("no file was dropped; drop a model file, or use Open model files")
	case fbz == 0:
		return KindKeras, nil
	case fbz == 1 && len(names) == 1:
		return KindAkida, nil
	}
	return KindNone, fmt.Errorf("%s: open one .fbz file on its own, or the files of one Keras model", strings.Join(names, ", "))
}

// Progress is the stage and fraction (0 to 1) of the running call.
type Progress struct {
	Stage    string
	Fraction float64
}

// Percent is the progress as a whole percentage, for the progress bar.
func (p Progress) Percent() string { return strconv.Itoa(int(p.Fraction*100 + 0.5)) }

// Download is a file the page offers: a Blob URL and its file name.
type Download struct {
	Label string // the button text, e.g. "Download mnist.fbz"
	Name  string // the file name
	URL   string // a blob: URL
	Bytes int
}

// Form holds the conversion options as the user set them.
type Form struct {
	// Scale and Shift are the input scaling as typed; both empty means
	// "not set": the converter then uses the model's Rescaling layer, if
	// any, else (1, 0).
	Scale, Shift string
	InputIsImage bool
	// Bit widths used to quantize a float model.
	WeightBits, ActivationBits, InputWeightBits int
	Target                                      string // "v1" or "v2"
}

// DefaultForm returns the options a dropped model is converted with:
// cnn2snn's defaults, quantizing float models with 4-bit weights, 4-bit
// activations and an 8-bit input layer.
func DefaultForm() Form {
	return Form{InputIsImage: true, WeightBits: 4, ActivationBits: 4, InputWeightBits: 8, Target: "v1"}
}

// Options returns the options object for the converter's API, or an error
// that names the field to fix.
func (f Form) Options() (map[string]any, error) {
	o := map[string]any{
		"inputIsImage": f.InputIsImage,
		"quantize":     map[string]any{"weights": f.WeightBits, "activations": f.ActivationBits, "inputWeights": f.InputWeightBits},
		"target":       f.Target,
	}
	scale, shift := strings.TrimSpace(f.Scale), strings.TrimSpace(f.Shift)
	if scale == "" && shift == "" {
		return o, nil
	}
	if scale == "" || shift == "" {
		return nil, fmt.Errorf("input scaling: give both the scale and the offset (e.g. 255 and 0), or neither to use the model's own")
	}
	a, err := strconv.ParseFloat(scale, 64)
	if err != nil {
		return nil, fmt.Errorf("input scaling: the scale %q is not a number", scale)
	}
	b, err := strconv.ParseFloat(shift, 64)
	if err != nil {
		return nil, fmt.Errorf("input scaling: the offset %q is not a number", shift)
	}
	o["inputScaling"] = []any{a, b}
	return o, nil
}

// BlockRow is one row of the block list: a block with the diagnostics of
// its Keras layers.
type BlockRow struct {
	Block
	Diagnostics []Diagnostic
	Selected    bool
}

// BlockRows returns the rows of the block list: the report's blocks for a
// Keras model, one block per layer for an opened .fbz.
func (p *Page) BlockRows() []BlockRow {
	var rows []BlockRow
	switch {
	case p.Report != nil:
		for _, b := range p.Report.Blocks {
			rows = append(rows, BlockRow{Block: b, Diagnostics: p.diagnosticsOf(b.KerasLayers)})
		}
	case p.Summary != nil:
		for _, l := range p.Summary.Model.Layers {
			rows = append(rows, BlockRow{Block: blockOf(l)})
		}
	}
	for i := range rows {
		rows[i].Selected = rows[i].AkidaLayer == p.Selected
	}
	return rows
}

// blockOf describes an Akida layer of an .fbz as a block without Keras
// layers. Akida 1.0 layers store their activation width as act_bits,
// Akida 2.0 layers as output_bits.
func blockOf(l AkidaLayer) Block {
	act := l.Params["act_bits"]
	if act == 0 {
		act = l.Params["output_bits"]
	}
	return Block{AkidaLayer: l.Name, AkidaType: l.Type, OutputShape: l.OutputShape,
		WeightBits: int(l.Params["weights_bits"]), ActivationBits: int(act)}
}

// diagnosticsOf returns the diagnostics of the named Keras layers.
func (p *Page) diagnosticsOf(layers []string) []Diagnostic {
	var out []Diagnostic
	for _, d := range p.Report.Diagnostics {
		for _, l := range layers {
			if d.Layer == l {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// ModelDiagnostics returns the problems of the whole model (no layer) and
// those of layers that no block lists, so that none goes unshown.
func (p *Page) ModelDiagnostics() []Diagnostic {
	if p.Report == nil {
		return nil
	}
	inBlock := map[string]bool{}
	for _, b := range p.Report.Blocks {
		for _, l := range b.KerasLayers {
			inBlock[l] = true
		}
	}
	var out []Diagnostic
	for _, d := range p.Report.Diagnostics {
		if d.Layer == "" || !inBlock[d.Layer] {
			out = append(out, d)
		}
	}
	return out
}

// SelectedRow returns the selected block, or the first one when none is
// selected.
func (p *Page) SelectedRow() (BlockRow, bool) {
	rows := p.BlockRows()
	for _, r := range rows {
		if r.Selected {
			return r, true
		}
	}
	if len(rows) > 0 {
		return rows[0], true
	}
	return BlockRow{}, false
}

// KerasLayer returns the inspected Keras layer with this name.
func (p *Page) KerasLayer(name string) (InspectLayer, bool) {
	if p.Inspect != nil {
		for _, l := range p.Inspect.Layers {
			if l.Name == name {
				return l, true
			}
		}
	}
	return InspectLayer{}, false
}

// AkidaLayer returns the Akida layer with this name from the summary of
// the converted or opened model.
func (p *Page) AkidaLayer(name string) (AkidaLayer, bool) {
	if p.Summary != nil {
		for _, l := range p.Summary.Model.Layers {
			if l.Name == name {
				return l, true
			}
		}
	}
	return AkidaLayer{}, false
}

// ModelName is the name the page shows for the current model.
func (p *Page) ModelName() string {
	switch {
	case p.Report != nil && p.Report.Model != "":
		return p.Report.Model
	case p.Inspect != nil && p.Inspect.Name != "":
		return p.Inspect.Name
	case len(p.Files) > 0:
		return p.Files[0].Name
	}
	return ""
}

// ScalingNote says where the input scaling of the last conversion came
// from, e.g. "(255, 0) from the Rescaling layer rescaling".
func (p *Page) ScalingNote() string {
	if p.Report == nil || p.Report.InputScaling == nil {
		return ""
	}
	s := p.Report.InputScaling
	pair := "(" + number(s.Scale) + ", " + number(s.Shift) + ")"
	switch s.Source {
	case "rescaling":
		return "Used " + pair + ", taken from the Rescaling layer " + s.Layer + "."
	case "option":
		return "Used " + pair + ", as set here."
	}
	return "Used " + pair + ": the model has no Rescaling layer and none is set here."
}

// HasResults tells whether there is anything to show about the model.
func (p *Page) HasResults() bool { return p.Inspect != nil || p.Report != nil || p.Summary != nil }

// Facts are the summary pane's rows: what the model is, its layer and
// parameter counts, and the .fbz size once there is one.
func (p *Page) Facts() [][2]string {
	var facts [][2]string
	add := func(name, value string) { facts = append(facts, [2]string{name, value}) }
	if m := p.Inspect; m != nil {
		add("Keras model", m.Name+" ("+formatName(m.Format, m.KerasVersion)+")")
		add("Keras layers", strconv.Itoa(len(m.Layers)))
		add("Keras parameters", groupDigits(m.TotalParams))
	}
	if r := p.Report; r != nil {
		add("Akida target", "Akida "+targetName(r.Target))
		add("Akida layers", strconv.Itoa(len(r.Blocks)))
	}
	if s := p.Summary; s != nil {
		if p.Report == nil {
			add("Akida layers", strconv.Itoa(len(s.Model.Layers)))
		}
		add("Input shape", shapeText(s.Model.InputShape))
		add("Output shape", shapeText(s.Model.OutputShape))
		add("Akida weights", groupDigits(weightCount(s.Model)))
		if s.Model.Version != "" {
			add("akida version", s.Model.Version)
		}
		if s.Bytes > 0 {
			add(".fbz size", sizeText(s.Bytes))
		}
	}
	return facts
}

// formatName names a Keras file format for people.
func formatName(format, version string) string {
	names := map[string]string{
		"keras2-h5":             "Keras 2 .h5",
		"keras3-h5":             "Keras 3 .h5",
		"keras3-zip":            ".keras",
		"keras-weights-h5+json": "weights .h5 + model .json",
		"tfjs-layers":           "TF.js layers model",
	}
	name := names[format]
	if name == "" {
		name = format
	}
	if version != "" {
		name += ", saved by Keras " + version
	}
	return name
}

// verdict sums up a report: whether the model converts and, if not, how
// many problems it has.
func verdict(r *Report) string {
	switch {
	case r == nil:
		return ""
	case r.Compatible:
		return "Compatible with Akida " + targetName(r.Target) + "."
	case len(r.Diagnostics) == 1:
		return "Not convertible to Akida " + targetName(r.Target) + ": 1 problem, marked below."
	}
	return "Not convertible to Akida " + targetName(r.Target) + ": " + strconv.Itoa(len(r.Diagnostics)) + " problems, marked below."
}

func rowClass(r BlockRow) string {
	c := "cnn2snn-block"
	if len(r.Incompatible) > 0 || len(r.Diagnostics) > 0 {
		c += " cnn2snn-incompatible"
	}
	if r.Selected {
		c += " cnn2snn-selected"
	}
	return c
}

// kerasClass marks the Keras layers of a block that have problems.
func kerasClass(r BlockRow, layer string) string {
	for _, l := range r.Incompatible {
		if l == layer {
			return "cnn2snn-keras-layer cnn2snn-incompatible"
		}
	}
	return "cnn2snn-keras-layer"
}

// incompatibleClass marks a row of a Keras layer that has problems.
func incompatibleClass(r BlockRow, layer string) string {
	for _, l := range r.Incompatible {
		if l == layer {
			return "cnn2snn-incompatible"
		}
	}
	return ""
}

// typeText names a block's Akida type; a block with none starts with a
// layer Akida has no equivalent for.
func typeText(t string) string {
	if t == "" {
		return "no Akida layer"
	}
	return t
}

// paramRows lists an Akida layer's parameters sorted by name.
func paramRows(params map[string]int32) [][2]string {
	rows := make([][2]string, 0, len(params))
	for k, v := range params {
		rows = append(rows, [2]string{k, strconv.Itoa(int(v))})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i][0] < rows[j][0] })
	return rows
}

// groupDigits writes 1234567 as "1,234,567".
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// shapeText formats a shape as akida prints it: [x, y, c].
func shapeText(s []int) string {
	if s == nil {
		return "unknown"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		if d < 0 {
			parts[i] = "None"
		} else {
			parts[i] = strconv.Itoa(d)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// bitsText shows a bit width; a block without one shows a dash.
func bitsText(bits int) string {
	if bits == 0 {
		return "–"
	}
	return strconv.Itoa(bits)
}

// sizeText formats a byte count for people: "6,500 bytes", "1.05 MB".
func sizeText(n int) string {
	switch {
	case n >= 1_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 2, 64) + " MB"
	case n >= 10_000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " kB"
	}
	return groupDigits(n) + " bytes"
}

// bitsLabel names a bit width in a menu: "4-bit".
func bitsLabel(b int) string { return strconv.Itoa(b) + "-bit" }

// atoi reads a menu value; the menus only hold numbers.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func number(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
