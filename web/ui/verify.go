package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The verification as the page shows it: a verdict, three figures with
// what each means, and one row per Akida layer. The sentences are for a
// user who has not read core/verify; the JSON report keeps every figure.

// Sample counts of a verification. The default is the API's: a few
// seconds for AkidaNet 0.25 in a browser (about half a second a sample).
const (
	DefaultVerifySamples = 4
	MaxVerifySamples     = 10000 // core/verify's limit
)

// verifySamplesFrom reads the number of inputs as typed in the page.
func verifySamplesFrom(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > MaxVerifySamples {
		return 0, fmt.Errorf("verify: the number of inputs must be a whole number from 1 to %d; got %q", MaxVerifySamples, s)
	}
	return n, nil
}

// CanVerify tells whether the page holds a converted Keras model, the
// only thing verify can check (an opened .fbz has no Keras model).
func (p *Page) CanVerify() bool { return p.Kind == KindKeras && p.FBZName != "" }

// Verdict says in a sentence whether the conversion is proved and, if
// not, why.
func (r *VerifyReport) Verdict() string {
	switch {
	case r.Proved:
		return "Proved: every difference between the Akida model and the quantized Keras model is explained by cnn2snn's floored thresholds."
	case len(r.Clamped) > 0:
		return "Not proved: cnn2snn clamped the values of " + layersText(r.Clamped) + " to the Akida 1.0 limits, so the Akida model cannot match the Keras model exactly there (see the notes)."
	case r.Unexplained > 0:
		return "Not proved: " + groupDigits(r.Unexplained) + " values differ in a way cnn2snn's floored thresholds do not explain. The conversion may be wrong: please report it with the model file."
	}
	return "Not proved: in the layers marked ✗, the threshold fraction cnn2snn drops is not the same for all values of a neuron."
}

func layersText(names []string) string {
	if len(names) == 1 {
		return "layer " + names[0]
	}
	return "layers " + strings.Join(names, ", ")
}

// VerifyFigure is one figure of a verification: what it is, its value and
// what it means.
type VerifyFigure struct {
	Key     string // for scripts and tests: output, float, boundary
	Name    string
	Value   string
	Meaning string
}

// Figures are the verification's headline figures.
func (r *VerifyReport) Figures() []VerifyFigure {
	float := VerifyFigure{Key: "float", Name: "Top-1 agreement, float Keras ↔ Akida", Value: "–",
		Meaning: "The model was given already quantized: there is no float model to compare with."}
	if r.FloatTop1Agreement != nil {
		float.Value = percentText(*r.FloatTop1Agreement)
		float.Meaning = "How often the Akida model picks the same class as your original float model. Measured on " +
			r.inputsText() + ", not on real data: it shows how far quantization moved the outputs, not your model's accuracy."
	}
	return []VerifyFigure{
		{Key: "output", Name: "Top-1 agreement, quantized Keras ↔ Akida", Value: percentText(r.OutputAgreement),
			Meaning: "How often the Akida model picks the same class as the quantized Keras model it was converted from."},
		float,
		{Key: "boundary", Name: "Boundary cases", Value: groupDigits(r.BoundaryCases) + " of " + groupDigits(r.Levels) + " values (" + rateText(r.BoundaryRate) + ")",
			Meaning: "Values where an Akida layer is one level above Keras because cnn2snn rounds each threshold down. This is how cnn2snn converts, not an error."},
	}
}

// inputsText names the inputs: "4 seeded random inputs".
func (r *VerifyReport) inputsText() string {
	if r.Samples == 1 {
		return "1 seeded random input"
	}
	return groupDigits(r.Samples) + " seeded random inputs"
}

// InputsNote says what ran: how many inputs, the seed, how they were drawn.
func (r *VerifyReport) InputsNote() string {
	return "Ran on " + r.inputsText() + " (seed " + strconv.FormatUint(r.Seed, 10) + "): " + r.Input.Text + "."
}

// VerifyRow is one Akida layer of the verification table.
type VerifyRow struct {
	Akida, Type, Keras string
	Agreement          string // through the whole model
	MaxDiff            string // in levels; in potential units for a last layer without activation
	Alone              string // the layer alone
	BoundaryCases      string
	Explained          string // ✓, or ✗ with the number of unexplained values
	Proved             bool
}

// Rows are the verification's per-layer rows, in model order.
func (r *VerifyReport) Rows() []VerifyRow {
	rows := make([]VerifyRow, len(r.Layers))
	for i, l := range r.Layers {
		row := VerifyRow{Akida: l.Name, Type: l.Type, Keras: l.Keras,
			Agreement: percentText(l.Agreement), MaxDiff: diffText(l),
			Alone: percentText(l.Isolated.Agreement), BoundaryCases: groupDigits(l.Isolated.BoundaryCases),
			Explained: "✓", Proved: l.Isolated.Proved}
		switch {
		case l.Isolated.Unexplained > 0:
			row.Explained = "✗ " + groupDigits(l.Isolated.Unexplained) + " unexplained"
		case !l.Isolated.Proved:
			row.Explained = "✗"
		}
		rows[i] = row
	}
	return rows
}

// diffText is a layer's largest difference: whole levels, or potential
// units (with two decimals) for a last layer without activation.
func diffText(l VerifyLayer) string {
	if !l.Activation {
		return strconv.FormatFloat(l.MaxLevelDiff, 'f', 2, 64) + " potential units"
	}
	if l.MaxLevelDiff == 1 {
		return "1 level"
	}
	return strconv.FormatFloat(l.MaxLevelDiff, 'f', -1, 64) + " levels"
}

// percentText writes a share as a percentage with two decimals; only an
// exact 1 shows as 100% (and an exact 0 as 0%), so that 99.999% does not
// read as full agreement.
func percentText(share float64) string {
	switch {
	case share == 1:
		return "100%"
	case share == 0:
		return "0%"
	}
	pct := math.Max(math.Min(share*100, 99.99), 0.01)
	return strconv.FormatFloat(pct, 'f', 2, 64) + "%"
}

// rateText writes a small share with three decimals: boundary rates are
// often below 0.1%.
func rateText(share float64) string {
	if share == 0 {
		return "0%"
	}
	return strconv.FormatFloat(share*100, 'f', 3, 64) + "%"
}
