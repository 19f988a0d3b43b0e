package convert

import (
	"fmt"
	"slices"
	"sort"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/transform"
)

// Origins of a model, as convert routes it (conversion.md §2).
const (
	OriginFloat      = "float"      // no quantized layer: cnn2snn's legacy path, after quantization
	OriginCNN2SNN    = "cnn2snn"    // quantized with cnn2snn's legacy quantizers
	OriginQuantizeML = "quantizeml" // quantized with quantizeml: the quantizeml path
)

// Report describes a check or a conversion.
type Report struct {
	// Model is the Keras model's name.
	Model string `json:"model"`
	// Origin is OriginFloat, OriginCNN2SNN or OriginQuantizeML.
	Origin string `json:"origin"`
	// Target is the Akida IP version converted to: "v1" or "v2".
	Target akida.IPVersion `json:"target"`
	// Compatible tells whether the model converts (no diagnostics): Convert
	// succeeds exactly when Check says Compatible.
	Compatible bool `json:"compatible"`
	// InputScaling is the input scaling used (legacy path only).
	InputScaling *InputScaling `json:"input_scaling,omitempty"`
	// Blocks are the Akida layers and the Keras layers of each.
	Blocks []compat.Block `json:"blocks"`
	// Diagnostics are every problem, in layer order (whole-model ones
	// first); empty when Compatible.
	Diagnostics []compat.Diagnostic `json:"diagnostics"`
	// Warnings are what the conversion changed or ignored: the Akida 1.0
	// post-conversion fix (cnn2snn's fix_v1_activation_variables), the
	// layers after a Dequantizer, an input scaling given to a quantizeml
	// model.
	Warnings []string `json:"warnings"`
}

// Check reports whether the model converts, every problem, and the block
// structure — cnn2snn's check_model_compatibility, extended to the
// generator's checks (quantized types, bit widths, variables) so that
// "compatible" means Convert succeeds. The error is for invalid options
// only.
func Check(m *keras.Model, o Options) (*Report, error) {
	x, err := Analyze(m, o)
	if err != nil {
		return nil, err
	}
	return x.Report(), nil
}

// Convert converts a quantized model into Akida layers: a model quantized
// with cnn2snn into Akida 1.0 layers (cnn2snn's legacy path), a model
// quantized with quantizeml into Akida 2.0 layers (its quantizeml path).
// On a model that does not convert the error is an *Error whose text is
// the first error cnn2snn would raise and which carries every diagnostic;
// the Report is returned too.
func Convert(m *keras.Model, o Options) (*akida.Model, *Report, error) {
	x, err := Analyze(m, o)
	if err != nil {
		return nil, nil, err
	}
	return x.Convert()
}

// Analysis is a model checked by Analyze and ready to be converted: a
// caller that checks a model and then converts it (the facade's default
// flow) converts the analysis, so that nothing is done twice — on the
// quantizeml path, the recording of quantizeml's variables and the Akida
// 2.0 model that Check builds to know whether Convert succeeds.
type Analysis struct {
	a *analysis
}

// Analyze checks the model as Check does and keeps what it found for
// Convert. The error is for invalid options only.
func Analyze(m *keras.Model, o Options) (*Analysis, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Analysis{analyze(m, o)}, nil
}

// Report is the check's report (Check's).
func (x *Analysis) Report() *Report { return x.a.report }

// Recording is quantizeml's recorded quantization of a model on the
// quantizeml path to Akida 2.0, which its conversion reads (nil on the
// other paths, and when the recording failed): the reference a
// verification runs (core/infer) takes it as it is.
func (x *Analysis) Recording() *keras.QMLRecording { return x.a.recording }

// Convert converts the analysed model, as Convert does: the report it
// returns is the check's with what the conversion changed in its
// warnings (the check's own report is left as it was).
func (x *Analysis) Convert() (*akida.Model, *Report, error) {
	a := x.a
	if len(a.ordered) > 0 {
		return nil, a.report, &Error{First: a.ordered[0], Diagnostics: a.report.Diagnostics}
	}
	am, warnings, err := a.path.generate(a)
	if err != nil {
		return nil, a.report, err
	}
	if err := am.Check(); err != nil {
		return nil, a.report, fmt.Errorf("the Akida model built from %q is not valid: %w (please report this with the model file)", a.model.Name, err)
	}
	report := *a.report
	report.Warnings = append(slices.Clone(a.report.Warnings), warnings...)
	return am, &report, nil
}

// path is one of cnn2snn's conversion paths, chosen by the model's origin
// and the target: what it checks and how it generates the Akida model.
type path struct {
	// check fills the analysis: the diagnostics in cnn2snn's order, the
	// report's blocks and warnings, and what generate needs.
	check func(a *analysis, m *keras.Model, o Options)
	// generate builds the Akida model of a model check accepted, and says
	// what it changed.
	generate func(a *analysis) (*akida.Model, []string, error)
}

// pathFor chooses the path (conversion-v2.md §1.1): any quantizeml layer
// takes the quantizeml path, to the target asked; other models take the
// legacy path, which produces Akida 1.0 layers only.
func pathFor(origin string, target akida.IPVersion) path {
	switch {
	case origin == OriginQuantizeML && target == akida.IPv2:
		return path{check: (*analysis).quantizeMLV2, generate: (*analysis).generateV2}
	case origin == OriginQuantizeML:
		return path{check: (*analysis).quantizeMLV1, generate: notGenerated}
	}
	return path{check: (*analysis).legacy, generate: (*analysis).generateV1}
}

// notGenerated is the generator of a path whose checks always report a
// problem (Convert never calls it).
func notGenerated(a *analysis) (*akida.Model, []string, error) {
	return nil, nil, fmt.Errorf("model %q: no Akida model is generated on this path", a.report.Model)
}

// analysis is what Check and Convert share.
type analysis struct {
	report  *Report
	path    path
	ordered []compat.Diagnostic // in cnn2snn's order: ordered[0] is what it raises

	// The legacy path: the input scaling and the plan of Akida 1.0 layers.
	scaling InputScaling
	plan    *plan
	// The quantizeml path: the model and its blocks.
	model     *keras.Model
	qmlBlocks []*compat.QMLBlock
	recording *keras.QMLRecording // quantizeml's variables, recorded once
	v2Model   *akida.Model        // built once, by Check's dry run
	v2Diags   []compat.Diagnostic
}

// analyze runs the chosen path's checks in "collect every problem" mode.
func analyze(m *keras.Model, o Options) *analysis {
	origin := ModelOrigin(m)
	target := o.targetFor(origin)
	a := &analysis{
		report: &Report{Model: m.Name, Origin: origin, Target: target, Warnings: []string{}, Blocks: []compat.Block{}},
		path:   pathFor(origin, target),
		model:  m,
	}
	a.path.check(a, m, o)
	a.report.Diagnostics = inLayerOrder(m, a.ordered)
	a.report.Compatible = len(a.ordered) == 0
	return a
}

// legacy is cnn2snn's _convert_cnn2snn up to the generator.
func (a *analysis) legacy(m *keras.Model, o Options) {
	if a.report.Target != akida.IPv1 {
		a.ordered = append(a.ordered, compat.TargetNotV1(string(a.report.Target)))
	}
	scaling, diags := resolveInputScaling(m, o.InputScaling)
	a.scaling = scaling
	a.report.InputScaling = &scaling
	a.ordered = append(a.ordered, diags...)

	chain, err := transform.Sequentialize(m)
	a.addProblems(err)
	if chain == nil {
		a.ordered = append(a.ordered, compat.CheckEveryLayer(m, a.report.Origin == OriginFloat)...)
		a.plan = bestEffortPlan(m, o)
		a.report.Blocks = blocksOf(a.plan, a.ordered)
		return
	}
	seq, err := transform.Syncretize(chain)
	a.addProblems(err)
	if a.report.Origin == OriginFloat {
		a.ordered = append(a.ordered, compat.CheckQuantizable(seq.Layers)...)
	}
	a.ordered = append(a.ordered, compat.CheckSequence(seq.Layers, seq.InputShape())...)
	p := planBlocks(seq, usesInputData(seq.InputShape(), o.inputIsImage()), scaling)
	a.ordered = append(a.ordered, p.diags...)
	p.assignKerasLayers(chain.Layers, chain.Input.Name)
	a.plan = p
	a.report.Blocks = blocksOf(p, a.ordered)
}

// generateV1 is the legacy path's generator followed by cnn2snn 2.18+'s
// Akida 1.0 fix.
func (a *analysis) generateV1() (*akida.Model, []string, error) {
	am, err := generate(a.plan, a.scaling)
	if err != nil {
		return nil, nil, err
	}
	warnings, err := fixV1ActivationVariables(am)
	if err != nil {
		return nil, nil, err
	}
	return am, warnings, nil
}

func (a *analysis) addProblems(err error) {
	if problems, ok := err.(transform.Problems); ok {
		a.ordered = append(a.ordered, problems...)
	}
}

// bestEffortPlan groups a model that is not one chain in model order, for
// the report only (its diagnostics say why it does not convert).
func bestEffortPlan(m *keras.Model, o Options) *plan {
	var input *keras.Layer
	var layers []*keras.Layer
	for _, l := range m.Layers {
		if l.IsInput() {
			if input == nil {
				input = l
			}
			continue
		}
		layers = append(layers, l)
	}
	if input == nil {
		return &plan{}
	}
	seq := &transform.Sequence{Name: m.Name, Input: input, Layers: layers}
	p := planBlocks(seq, usesInputData(seq.InputShape(), o.inputIsImage()), InputScaling{Scale: 1})
	p.diags = nil
	p.assignKerasLayers(layers, input.Name)
	return p
}

// ModelOrigin tells how the model was quantized, by its layers' classes:
// OriginQuantizeML if any layer is quantizeml's, else OriginCNN2SNN if any
// is cnn2snn's, else OriginFloat.
func ModelOrigin(m *keras.Model) string {
	out := OriginFloat
	for _, l := range m.Layers {
		switch l.Origin() {
		case keras.OriginQuantizeML:
			return OriginQuantizeML
		case keras.OriginCNN2SNN:
			out = OriginCNN2SNN
		}
	}
	return out
}

// inLayerOrder sorts diagnostics by their layer's position in the model
// (whole-model ones first), keeping cnn2snn's order within a layer.
func inLayerOrder(m *keras.Model, ds []compat.Diagnostic) []compat.Diagnostic {
	index := make(map[string]int, len(m.Layers))
	for i, l := range m.Layers {
		index[l.Name] = i
	}
	pos := func(d compat.Diagnostic) int {
		if i, ok := index[d.Layer]; ok {
			return i
		}
		return -1
	}
	out := append([]compat.Diagnostic{}, ds...)
	sort.SliceStable(out, func(i, j int) bool { return pos(out[i]) < pos(out[j]) })
	return out
}
