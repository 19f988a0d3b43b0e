package convert

import (
	"errors"
	"fmt"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The Akida 2.0 generator of cnn2snn's quantizeml path
// (conversion-v2.md §1.2, §2): quantizeml's recorded quantities (keras.
// RecordQuantizeML) are computed once, the blocks are laid out with their
// inbounds (layoutV2), and each becomes its Akida 2.0 layer: parameters
// from the Keras configs, variables from the records. One file per layer
// kind, as cnn2snn's quantizeml package has one module per converter:
// v2_input.go (InputData, Quantizer), v2_conv.go (InputConv2D, Conv2D,
// DepthwiseConv2D, transposed), v2_dense.go, v2_merge.go (Add,
// Concatenate), v2_dequantizer.go; v2_outputs.go holds what they share.

// v2Generator builds one Akida 2.0 model.
type v2Generator struct {
	model *keras.Model
	rec   *keras.QMLRecording
	ak    *akida.Model
}

// v2Error is a problem met while converting a block: cnn2snn's message and
// the rule it breaks. cnn2snn re-raises it with the block's layers
// (compat.BlockError).
type v2Error struct {
	rule    *compat.Rule
	message string
}

func (e *v2Error) Error() string { return e.message }

func v2Errorf(rule *compat.Rule, format string, args ...any) error {
	return &v2Error{rule: rule, message: fmt.Sprintf(format, args...)}
}

// buildV2 builds the Akida 2.0 model of a model whose block checks passed,
// collecting every problem met while setting variables (cnn2snn raises
// the first). The result is kept: Check builds it to know whether Convert
// succeeds, and Convert returns it.
func (a *analysis) buildV2() (*akida.Model, []compat.Diagnostic) {
	if a.v2Model != nil || a.v2Diags != nil {
		return a.v2Model, a.v2Diags
	}
	rec, err := keras.RecordQuantizeML(a.model)
	if err != nil {
		a.v2Diags = []compat.Diagnostic{recordingDiagnostic(err)}
		return nil, a.v2Diags
	}
	a.recording = rec
	a.v2Model, a.v2Diags = buildV2(a.model, rec, a.qmlBlocks) // a model or diagnostics, never neither
	return a.v2Model, a.v2Diags
}

func buildV2(m *keras.Model, rec *keras.QMLRecording, blocks []*compat.QMLBlock) (*akida.Model, []compat.Diagnostic) {
	layers, diags := layoutV2(m, blocks)
	g := &v2Generator{model: m, rec: rec, ak: &akida.Model{}}
	missing := map[string]bool{} // layers that could not be added
	for _, l := range layers {
		// A layer fed by one that could not be added cannot be added
		// either; its own problems are not known yet (cnn2snn stops at the
		// first), and "inbound missing" would only repeat the first.
		if slices.ContainsFunc(l.inbounds, func(n string) bool { return missing[n] }) {
			missing[l.name] = true
			continue
		}
		if err := g.add(l); err != nil {
			diags = append(diags, g.diagnostic(l, err))
			missing[l.name] = g.ak.Layer(l.name) == nil
		}
	}
	if len(diags) > 0 {
		return nil, diags
	}
	return g.ak, nil
}

// dryRunV2 returns the problems Convert would meet generating the model.
func (a *analysis) dryRunV2() []compat.Diagnostic {
	_, diags := a.buildV2()
	return diags
}

// generateV2 returns the Akida 2.0 model (the path's generator).
func (a *analysis) generateV2() (*akida.Model, []string, error) {
	am, diags := a.buildV2()
	if len(diags) > 0 {
		return nil, nil, &Error{First: diags[0], Diagnostics: diags}
	}
	return am, nil, nil
}

// recordingDiagnostic reports a failure of quantizeml's recording pass
// (its quantizers' own errors, raised as they are).
func recordingDiagnostic(err error) compat.Diagnostic {
	var re *keras.QMLRecordError
	if errors.As(err, &re) {
		return compat.QMLRecording.Diagnose(re.Layer, fmt.Sprintf("%s (layer %s, %s)", re.Err, re.Layer, re.Class))
	}
	return compat.QMLRecording.Diagnose("", err.Error())
}

// diagnostic turns an error met converting a layer into its diagnostic,
// re-raised as cnn2snn does with the block's layers.
func (g *v2Generator) diagnostic(l qmlLayer, err error) compat.Diagnostic {
	rule, message := compat.QMLGenerate, err.Error()
	var e *v2Error
	if errors.As(err, &e) {
		rule, message = e.rule, e.message
	}
	b := l.block
	if b == nil { // an inserted InputData: cnn2snn creates it within the next block's conversion
		b = l.next
	}
	return rule.Diagnose(b.Named().Name, compat.BlockError(b, message))
}

// add builds the Akida layer of one laid-out layer, adds it to the model
// with its inbounds and sets its variables.
func (g *v2Generator) add(l qmlLayer) error {
	var build func(*v2Generator, qmlLayer) (*akida.Layer, func() error, error)
	switch l.kind {
	case akida.InputData:
		build = buildInputData
	case akida.Quantizer:
		build = buildQuantizer
	case akida.InputConv2D, akida.Conv2D, akida.DepthwiseConv2D:
		build = buildConv
	case akida.Conv2DTranspose, akida.DepthwiseConv2DTranspose:
		build = buildTranspose
	case akida.Dense1D:
		build = buildDense1D
	case akida.Add:
		build = buildAdd
	case akida.Concatenate:
		build = buildConcatenate
	case akida.Dequantizer:
		build = buildDequantizer
	default:
		return v2Errorf(compat.QMLNotSupportedYet, "the Akida 2.0 %s layer is not converted by this tool yet", l.kind)
	}
	layer, variables, err := build(g, l)
	if err != nil {
		return err
	}
	var inbounds []*akida.Layer
	for _, name := range l.inbounds {
		inbounds = append(inbounds, g.ak.Layer(name))
	}
	if err := g.ak.Add(layer, inbounds...); err != nil {
		return err
	}
	if variables == nil {
		return nil
	}
	return variables()
}

// record returns the recording of a Keras layer, or an error when the
// recording pass gave none (a layer after the Dequantizer).
func (g *v2Generator) record(l *keras.Layer) (*keras.QMLRecord, error) {
	r := g.rec.Layer(l.Name)
	if r == nil {
		return nil, fmt.Errorf("layer %s has no quantized values: it comes after the model's Dequantizer", l.Name)
	}
	return r, nil
}

// set sets a variable of the layer being built, with cnn2snn's broadcast
// of single values.
func set[T akida.Values](g *v2Generator, layer, variable string, values []T) error {
	return akida.SetValues(g.ak, layer, variable, values)
}
