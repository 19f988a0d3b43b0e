package convert

import (
	"fmt"
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
	// Target is the Akida IP version: "v1" or "v2".
	Target string `json:"target"`
	// Compatible tells whether the model converts (no diagnostics).
	Compatible bool `json:"compatible"`
	// InputScaling is the input scaling used (legacy path only).
	InputScaling *InputScaling `json:"input_scaling,omitempty"`
	// Blocks are the Akida layers and the Keras layers of each.
	Blocks []compat.Block `json:"blocks"`
	// Diagnostics are every problem, in layer order (whole-model ones
	// first); empty when Compatible.
	Diagnostics []compat.Diagnostic `json:"diagnostics"`
	// Warnings are what the conversion changed to fit Akida 1.0 hardware
	// (cnn2snn's fix_v1_activation_variables).
	Warnings []string `json:"warnings"`
}

// Check reports whether the model converts, every problem, and the block
// structure — cnn2snn's check_model_compatibility, extended to the
// generator's checks (quantized types, bit widths) so that "compatible"
// means Convert succeeds. The error is for invalid options only.
func Check(m *keras.Model, o Options) (*Report, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	a := analyze(m, o)
	return a.report, nil
}

// Convert converts a model quantized with cnn2snn into Akida 1.0 layers.
// On a model that does not convert the error is an *Error whose text is
// the first error cnn2snn would raise and which carries every diagnostic;
// the Report is returned too. Models quantized with quantizeml give an
// error wrapping ErrQuantizeML once they pass their checks.
func Convert(m *keras.Model, o Options) (*akida.Model, *Report, error) {
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	a := analyze(m, o)
	if len(a.ordered) > 0 {
		return nil, a.report, &Error{First: a.ordered[0], Diagnostics: a.report.Diagnostics}
	}
	if a.report.Origin == OriginQuantizeML {
		return nil, a.report, fmt.Errorf("model %q: %w", m.Name, ErrQuantizeML)
	}
	am, err := generate(a.plan, a.scaling)
	if err != nil {
		return nil, a.report, err
	}
	warnings, err := fixV1ActivationVariables(am)
	if err != nil {
		return nil, a.report, err
	}
	if err := am.Check(); err != nil {
		return nil, a.report, fmt.Errorf("the Akida model built from %q is not valid: %w (please report this with the model file)", m.Name, err)
	}
	a.report.Warnings = append(a.report.Warnings, warnings...)
	return am, a.report, nil
}

// analysis is what Check and Convert share.
type analysis struct {
	report  *Report
	ordered []compat.Diagnostic // in cnn2snn's order: ordered[0] is what it raises
	scaling InputScaling
	plan    *plan
}

// analyze runs the whole pipeline in "collect every problem" mode.
func analyze(m *keras.Model, o Options) *analysis {
	a := &analysis{report: &Report{Model: m.Name, Origin: ModelOrigin(m), Target: o.target(), Warnings: []string{}}}
	var p *plan
	if a.report.Origin == OriginQuantizeML {
		var warnings []string
		a.ordered, p, warnings = checkQuantizeML(m, o.target())
		a.report.Warnings = append(a.report.Warnings, warnings...)
		if len(a.ordered) == 0 {
			// The checks pass, but Convert cannot go further: say so here too.
			a.report.Warnings = append(a.report.Warnings, ErrQuantizeML.Error())
		}
	} else {
		p = a.legacy(m, o)
	}
	a.plan = p
	a.report.Diagnostics = inLayerOrder(m, a.ordered)
	a.report.Compatible = len(a.ordered) == 0
	a.report.Blocks = blocksOf(p, a.ordered)
	return a
}

// legacy is cnn2snn's _convert_cnn2snn up to the generator.
func (a *analysis) legacy(m *keras.Model, o Options) *plan {
	if o.target() != TargetV1 {
		a.ordered = append(a.ordered, compat.TargetNotV1(o.target()))
	}
	scaling, diags := resolveInputScaling(m, o.InputScaling)
	a.scaling = scaling
	a.report.InputScaling = &scaling
	a.ordered = append(a.ordered, diags...)

	chain, err := transform.Sequentialize(m)
	a.addProblems(err)
	if chain == nil {
		return bestEffortPlan(m, o)
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
	return p
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

// blocksOf turns the plan into the report's blocks, marking the Keras
// layers that have diagnostics.
func blocksOf(p *plan, diags []compat.Diagnostic) []compat.Block {
	bad := map[string]bool{}
	for _, d := range diags {
		if d.Layer != "" {
			bad[d.Layer] = true
		}
	}
	out := []compat.Block{}
	if p == nil {
		return out
	}
	for _, b := range p.blocks {
		cb := compat.Block{
			AkidaLayer:  b.name,
			KerasLayers: append([]string{}, b.keras...),
			OutputShape: b.outShape,
			Activation:  b.act != nil || b.qmlActivation,
		}
		if b.kind != akida.Unknown {
			cb.AkidaType = b.kind.String()
		}
		cb.WeightBits, cb.ActivationBits = b.bits()
		for _, name := range b.keras {
			if bad[name] {
				cb.Incompatible = append(cb.Incompatible, name)
			}
		}
		out = append(out, cb)
	}
	return out
}

// bits returns the block's weight and activation bit widths (0 when not
// quantized or absent).
func (b *block) bits() (weights, activations int) {
	if b.neural != nil {
		switch c := b.neural.Config.(type) {
		case *keras.QuantizedConv2D:
			weights = c.Quantizer.Bitwidth
		case *keras.QuantizedSeparableConv2D:
			weights = c.Quantizer.Bitwidth
		case *keras.QuantizedDense:
			weights = c.Quantizer.Bitwidth
		}
	}
	if b.kind == akida.InputData {
		weights, activations = 0, 4 // InputData's input_bits (cnn2snn leaves akida's default)
	}
	if act, ok := keras.AsQuantizedActivation(activationConfig(b)); ok {
		activations = act.Bits()
	}
	if b.qmlWeightBits != 0 {
		weights, activations = b.qmlWeightBits, b.qmlActBits
	}
	return weights, activations
}
