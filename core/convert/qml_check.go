package convert

import (
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The checks of cnn2snn 2.19.1's quantizeml path (conversion-v2.md §1):
// the model pre-checks, the block split, the pattern matching and the
// block rules of core/compat, for either target.

// inputScalingIgnored is cnn2snn's warning for an input scaling given with
// a quantizeml model.
const inputScalingIgnored = "Cannot use input_scaling parameter when converting QuantizeML models to Akida. Continuing execution without this parameter."

// quantizeMLV1 checks a quantizeml model against the Akida 1.0 converters.
// This tool does not generate those layers, which the last diagnostic
// says, so such a model is never reported compatible.
func (a *analysis) quantizeMLV1(m *keras.Model, o Options) {
	a.quantizeMLChecks(m, o, akida.IPv1)
	a.ordered = append(a.ordered, compat.Akida1NotImplemented(m.Name))
}

// quantizeMLV2 checks a quantizeml model against the Akida 2.0 converters,
// then generates it to collect the problems met while setting variables,
// so that Check says compatible exactly when Convert succeeds.
func (a *analysis) quantizeMLV2(m *keras.Model, o Options) {
	a.quantizeMLChecks(m, o, akida.IPv2)
	if len(a.ordered) == 0 {
		a.ordered = append(a.ordered, a.dryRunV2()...)
	}
}

// quantizeMLChecks runs the path's checks in cnn2snn's order and fills the
// report's blocks.
func (a *analysis) quantizeMLChecks(m *keras.Model, o Options, target akida.IPVersion) {
	if o.InputScaling != nil {
		a.report.Warnings = append(a.report.Warnings, inputScalingIgnored)
	}
	rules := []*compat.Rule{compat.QMLOnlySkippable, compat.QMLSequentialInputShape, compat.SingleInput,
		compat.SingleOutput, compat.InputRank, compat.ChannelsLast, compat.DilationRate}
	if target == akida.IPv1 {
		rules = append(rules, compat.SingleInboundNode, compat.SingleInboundLayer)
	}
	a.ordered = append(a.ordered, compat.CheckGraphRules(m, rules...)...)
	if len(m.Inputs) != 1 || target == akida.IPv1 && len(a.ordered) > 0 && !graphIsChain(m) {
		return // splitting would mislead
	}
	all, diags, warnings := splitQuantizeML(m, target)
	a.ordered = append(a.ordered, diags...)
	a.report.Warnings = append(a.report.Warnings, warnings...)
	blocks := slices.DeleteFunc(slices.Clone(all), func(b *compat.QMLBlock) bool { return len(b.Main) == 0 })
	if target == akida.IPv1 {
		matchV1(m, blocks)
	} else {
		matchV2(m, blocks)
	}
	a.ordered = append(a.ordered, compat.CheckQMLBlocks(m, blocks, target)...)
	a.qmlBlocks = blocks
	a.report.Blocks = qmlReportBlocks(m, all, target, a.ordered)
}

// graphIsChain reports whether every non-input layer has one inbound layer
// (splitting a graph with merges would mislead on Akida 1.0).
func graphIsChain(m *keras.Model) bool {
	for _, l := range m.Layers {
		if !l.IsInput() && len(l.Inbound) != 1 {
			return false
		}
	}
	return true
}

// matchV1 finds each block's Akida 1.0 pattern: the input patterns for
// the first convertible block of an image model (1 or 3 channels, uint8
// input), the others otherwise.
func matchV1(m *keras.Model, blocks []*compat.QMLBlock) {
	seenConvertible := false
	for _, b := range blocks {
		classes := b.Classes()
		if !seenConvertible {
			b.Pattern = findPattern(compat.QMLInputPatterns(akida.IPv1), classes, func(p compat.QMLPattern) bool {
				return p.Kind == akida.Unknown || imageInput(m, false)
			})
		}
		if b.Pattern == nil {
			b.Pattern = findPattern(compat.QMLPatterns(akida.IPv1), classes, nil)
		}
		seenConvertible = seenConvertible || !(len(b.Main) == 1 && classes[0] == compat.QInput)
	}
}

// matchV2 is the Akida 2.0 pattern lookup (conversion-v2.md §1.5 step 2):
// a block may match an input pattern only when no converter was accepted
// before it, an unsigned 8-bit InputQuantizer accepted first being set
// aside; it is an input block only for an image input (1 or 3 channels of
// uint8, a float input counting as uint8) or as the InputQuantizer itself.
func matchV2(m *keras.Model, blocks []*compat.QMLBlock) {
	accepted := 0
	var quantizer *keras.QMLInputQuantizer // the InputQuantizer accepted first
	for _, b := range blocks {
		classes := b.Classes()
		canBeInput := accepted == 0 && (quantizer == nil || !quantizer.Signed && quantizer.Bitwidth == 8)
		if canBeInput {
			b.Pattern = findPattern(compat.QMLInputPatterns(akida.IPv2), classes, func(p compat.QMLPattern) bool {
				return p.Kind == akida.Quantizer || imageInput(m, true)
			})
		}
		if b.Pattern == nil {
			b.Pattern = findPattern(compat.QMLPatterns(akida.IPv2), classes, nil)
		}
		if b.Pattern != nil && b.Pattern.Kind == akida.Quantizer && accepted == 0 && quantizer == nil {
			quantizer, _ = b.Root().Config.(*keras.QMLInputQuantizer)
			continue
		}
		accepted++ // an invalid block too: cnn2snn stops there, later blocks are not input blocks
	}
}

// findPattern returns the pattern with exactly these classes that ok
// accepts (nil: any), or nil.
func findPattern(patterns []compat.QMLPattern, classes []string, ok func(compat.QMLPattern) bool) *compat.QMLPattern {
	for _, p := range patterns {
		if slices.Equal(p.Classes, classes) && (ok == nil || ok(p)) {
			return &p
		}
	}
	return nil
}

// imageInput: the model input has 1 or 3 channels of uint8 (on Akida 2.0
// a float input counts as uint8, conversion-v2.md §1.5).
func imageInput(m *keras.Model, floatIsUint8 bool) bool {
	s := m.InputShape()
	c, ok := m.Layer(m.Inputs[0]).Config.(*keras.InputLayer)
	if !ok || len(s) == 0 || (s[len(s)-1] != 1 && s[len(s)-1] != 3) {
		return false
	}
	return c.Dtype == "uint8" || floatIsUint8 && keras.IsFloatDtype(c.Dtype)
}
