// Package compat holds the compatibility rules of cnn2snn's conversion —
// its legacy path to Akida 1.0 and its quantizeml path to Akida 1.0 and
// 2.0 (Rule.Targets) —, each a named value with a Doc a user can read
// and, where it can be run on its own, its check — in the manner of
// golang.org/x/tools/go/analysis.
//
// cnn2snn stops at the first problem it meets and raises it. The rules here
// report every problem, each as a Diagnostic carrying the layer, the rule
// name and cnn2snn's own message text (spec conversion.md §2–§7, §9), so a
// user sees all of them at once and can read each rule's Doc for the fix.
// The order in which the drivers report is cnn2snn's order: the first
// diagnostic is the error cnn2snn would raise.
//
// Stages follow cnn2snn's pipeline: option checks, sequentialize (the graph
// must be one branch), syncretize (BatchNormalization folding and the
// swaps), quantize (what a float layer must be to be quantized),
// check_sequential_compatibility (the layer order), the Akida 1.0 generator
// (bit widths, quantized types) and, for models quantized with quantizeml,
// that path's checks. Rules of the sequentialize, quantize and
// compatibility stages have a Check, run by CheckGraph, CheckQuantizable
// and CheckSequence; the others are checked by core/transform and
// core/convert as they rewrite the model, because their check needs the
// state of that rewrite.
package compat

import (
	"fmt"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Diagnostic is one problem found in a model.
type Diagnostic struct {
	// Layer is the Keras layer concerned; "" for a problem of the whole
	// model (e.g. two inputs) or of the options.
	Layer string `json:"layer"`
	// Rule is the name of the rule that found it; Lookup(Rule).Doc explains
	// it and the way out.
	Rule string `json:"rule"`
	// Message is cnn2snn's text for the problem (or, for the few checks
	// cnn2snn does not have, a text in the same style; see each rule).
	Message string `json:"message"`
	// Extension marks a problem cnn2snn would not report yet: it stops at
	// an earlier one (e.g. the branches of a model that is not one chain)
	// and would only meet this one once that is fixed.
	Extension bool `json:"extension,omitempty"`
}

// Error returns the message, so a Diagnostic can be returned as an error.
func (d Diagnostic) Error() string { return d.Message }

// Stage is the step of cnn2snn's pipeline a rule belongs to.
type Stage int

// The stages, in the order cnn2snn runs them.
const (
	StageOptions       Stage = iota // convert's own arguments (input scaling, target)
	StageSequentialize              // transforms.sequentialize: one input, one output, one branch
	StageSyncretize                 // transforms.syncretize: BatchNormalization folding and swaps
	StageQuantize                   // cnn2snn.quantize: what a float layer must be to be quantized
	StageCompatibility              // check_sequential_compatibility: the order of layers
	StageGenerate                   // model_generator: quantized types and bit widths
	StageQuantizeML                 // the quantizeml path's model checks and block split
	StageQMLBlock                   // the quantizeml path's block converters, as they are built
	StageQMLVariables               // the quantizeml path's block converters, as they set variables
)

func (s Stage) String() string {
	switch s {
	case StageOptions:
		return "options"
	case StageSequentialize:
		return "sequentialize"
	case StageSyncretize:
		return "syncretize"
	case StageQuantize:
		return "quantize"
	case StageCompatibility:
		return "compatibility"
	case StageGenerate:
		return "generate"
	case StageQuantizeML:
		return "quantizeml"
	case StageQMLBlock:
		return "quantizeml-block"
	case StageQMLVariables:
		return "quantizeml-variables"
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

// MarshalText writes the stage's name in JSON.
func (s Stage) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Rule is one compatibility rule.
type Rule struct {
	// Name identifies the rule in diagnostics, e.g. "two-neural-layers".
	Name string `json:"name"`
	// Stage is the pipeline step that checks it.
	Stage Stage `json:"stage"`
	// Targets are the Akida versions whose conversion checks the rule;
	// nil means Akida 1.0 only (the rules of cnn2snn's legacy path).
	Targets []akida.IPVersion `json:"targets"`
	// Doc explains, in one paragraph, what the rule requires, why Akida
	// needs it and how to change the model.
	Doc string `json:"doc"`
	// PerLayer: the Check looks at one layer alone (not at its neighbours
	// in the sequence), so CheckEveryLayer can run it on a model that is
	// not one chain.
	PerLayer bool `json:"-"`
	// Check runs the rule on its own: on the whole model for
	// StageSequentialize rules (Pass.Model), on one layer of the syncretized
	// sequence for StageQuantize and StageCompatibility rules
	// (Pass.Layers[Pass.Index]), on one block of the quantizeml split for
	// StageQMLBlock and StageQMLVariables rules (Pass.Block). It is nil for
	// rules that core/transform or core/convert check during their rewrite.
	Check func(p *Pass) `json:"-"`
}

// AppliesTo reports whether the rule checks conversions to the target.
func (r *Rule) AppliesTo(target akida.IPVersion) bool {
	if len(r.Targets) == 0 {
		return target == V1
	}
	return slices.Contains(r.Targets, target)
}

// Diagnose returns a diagnostic of this rule.
func (r *Rule) Diagnose(layer, message string) Diagnostic {
	return Diagnostic{Layer: layer, Rule: r.Name, Message: message}
}

// Diagnosef returns a diagnostic of this rule with a formatted message.
func (r *Rule) Diagnosef(layer, format string, args ...any) Diagnostic {
	return r.Diagnose(layer, fmt.Sprintf(format, args...))
}

// Pass is what a rule's Check looks at, and where it reports.
type Pass struct {
	// Model is the model being converted (StageSequentialize rules).
	Model *keras.Model
	// Layers is the syncretized sequence, without the InputLayer, and Input
	// the shape of its input (StageCompatibility rules).
	Layers []*keras.Layer
	Input  keras.Shape
	// Index is the position in Layers of the layer under check.
	Index int
	// LastNeural and LastActivation are check_sequential_compatibility's
	// state before the layer under check: the neural layer met since the
	// last activation (nil if none) and the activation met since the last
	// neural layer (nil if none; at the start it is the first layer itself,
	// as cnn2snn sets it, so a model cannot start with an activation).
	LastNeural, LastActivation *keras.Layer
	// Block is the quantizeml block under check and Target the Akida
	// version converted to (StageQMLBlock, StageQMLVariables rules).
	Block  *QMLBlock
	Target akida.IPVersion

	// graph: Layers are every layer of a model that is not one chain, in
	// model order (CheckEveryLayer): a layer's input is its own inbound's
	// output, and the rules skip what only a chain decides.
	graph bool
	diags []Diagnostic
}

// Layer returns the layer under check.
func (p *Pass) Layer() *keras.Layer { return p.Layers[p.Index] }

// InputShape returns the input shape of the layer at position i of the
// sequence: the output of the layer before it, or the sequence input.
func (p *Pass) InputShape(i int) keras.Shape {
	if p.graph {
		return p.Layers[i].InputShape(p.Model)
	}
	if i == 0 {
		return p.Input
	}
	return p.Layers[i-1].OutputShape
}

// Report records a problem.
func (p *Pass) Report(d Diagnostic) { p.diags = append(p.diags, d) }

// Rules returns every rule, grouped by stage in pipeline order.
func Rules() []*Rule {
	return []*Rule{
		// options
		InputScalingConflict, InputScalingPositive, RescalingValues, TargetVersion,
		// sequentialize
		ChannelsLast, DilationRate, SingleInput, SingleOutput, InputRank, SingleInboundNode,
		SingleInboundLayer, ConcatenateAxis, ConcatenateInbounds, SingleBranch,
		// syncretize
		BatchNormNegativeGamma, BatchNormWeights, BatchNormLastAxis, BatchNormPerAxisQuantizer,
		BatchNormNullGamma,
		// quantize
		DefaultArguments, QMLQuantize,
		// check_sequential_compatibility
		DenseInputShape, ConvDilation, TwoNeuralLayers, TwoActivations, PoolingFirst,
		PoolingAfterConv, MaxPoolPadding, FlattenBeforeDense, ReshapeShape, RescalingFirst,
		FinalActivation, UnsupportedLayer,
		// model_generator
		InputShape, InputLayerType, QuantizedType, WeightBitwidth, SeparableBitwidth, ActivationBitwidth,
		EmptyModel,
		// quantizeml path: model checks and split
		QMLOnlySkippable, QMLSequentialInputShape, QMLBlockBoundary, QMLOrphanLayer, QMLRecording,
		// quantizeml path: block converters, in the order they check
		QMLInvalidBlock, QMLNotSupportedYet, QMLInputConvChannels, QMLPoolPadding, QMLPoolShape,
		QMLInputConvWeightBits, QMLConvWeightBits, QMLSeparableWeightBits, QMLSeparablePointwiseBits,
		QMLV2WeightBits, QMLV2SquareKernel, QMLTransposeGeometry, QMLGAPSize, QMLDenseFlat,
		QMLDequantizerInbounds,
		// quantizeml path: block converters setting variables
		QMLReLUUnbounded, QMLReLUOutputQuantizer, QMLReLUPerTensor, QMLPaddingValue,
		QMLDenseWeightBits, QMLActivationBits, QMLAkida1NotImplemented, QMLInbounds, QMLSignedInput,
		QMLInputDims, QMLPaddingValueRange, QMLV2PaddingValue, QMLInputShift, QMLLUTBits, QMLGenerate,
	}
}

// Lookup returns the rule with this name, or nil.
func Lookup(name string) *Rule {
	for _, r := range Rules() {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// CheckGraph runs the StageSequentialize rules that have a Check on the
// whole model, in cnn2snn's order, and returns what they report. The
// branch rules (ConcatenateAxis, ConcatenateInbounds, SingleBranch) are
// checked by transform.Sequentialize as it walks the graph.
func CheckGraph(m *keras.Model) []Diagnostic {
	p := &Pass{Model: m}
	for _, r := range Rules() {
		if r.Stage == StageSequentialize && r.Check != nil {
			r.Check(p)
		}
	}
	return p.diags
}

// CheckGraphRules runs the given whole-model rules (StageSequentialize and
// StageQuantizeML rules that check Pass.Model), in the order given (the
// quantizeml path checks the graph in another order than sequentialize).
func CheckGraphRules(m *keras.Model, rules ...*Rule) []Diagnostic {
	p := &Pass{Model: m}
	for _, r := range rules {
		if (r.Stage == StageSequentialize || r.Stage == StageQuantizeML) && r.Check != nil {
			r.Check(p)
		}
	}
	return p.diags
}

// CheckQMLBlocks runs the quantizeml block rules of the target over the
// blocks of a split (blocks whose main layers are all skipped are left
// out by the caller), in cnn2snn's order: every block's StageQMLBlock rules
// first (cnn2snn builds every block converter before it converts any), in
// the order its converter checks them (kernelFirst), then every block's
// StageQMLVariables rules. Only QMLInvalidBlock looks at
// a block that matched no pattern.
func CheckQMLBlocks(m *keras.Model, blocks []*QMLBlock, target akida.IPVersion) []Diagnostic {
	p := &Pass{Model: m, Target: target}
	for _, stage := range []Stage{StageQMLBlock, StageQMLVariables} {
		for _, b := range blocks {
			p.Block = b
			rules := Rules()
			if stage == StageQMLBlock {
				first := kernelFirst(b.Kind())
				rules = slices.Concat(first, slices.DeleteFunc(rules, func(r *Rule) bool { return slices.Contains(first, r) }))
			}
			for _, r := range rules {
				if r.Stage != stage || r.Check == nil || !r.AppliesTo(target) {
					continue
				}
				if b.Pattern == nil && r != QMLInvalidBlock {
					continue
				}
				r.Check(p)
			}
		}
	}
	return p.diags
}

// CheckQuantizable runs the StageQuantize rules over the syncretized
// sequence: the checks cnn2snn.quantize makes on float layers before it can
// replace them by quantized ones.
func CheckQuantizable(layers []*keras.Layer) []Diagnostic {
	p := &Pass{Layers: layers}
	for _, r := range Rules() {
		if r.Stage != StageQuantize || r.Check == nil {
			continue
		}
		for i := range layers {
			p.Index = i
			r.Check(p)
		}
	}
	return p.diags
}

// CheckEveryLayer runs the per-layer rules of the quantize (for a float
// model) and compatibility stages on every layer of a model that is not one
// chain. cnn2snn stops at the branch problems sequentialize raises; this
// runs what it would check next, so that one check shows every problem,
// and marks those diagnostics as extensions. Layers whose fate depends on
// the chain (Dropout and BatchNormalization, which syncretize removes or
// folds; the merges, which the branch rules report) are left out.
func CheckEveryLayer(m *keras.Model, float bool) []Diagnostic {
	var layers []*keras.Layer
	for _, l := range m.Layers {
		switch {
		case l.IsInput(), IsDropout(l):
			continue
		}
		switch l.Base().(type) {
		case *keras.BatchNormalization, *keras.Add, *keras.Concatenate:
			continue
		}
		layers = append(layers, l)
	}
	p := &Pass{Model: m, Layers: layers, graph: true}
	for i := range layers {
		p.Index = i
		for _, r := range Rules() {
			if r.PerLayer && r.Check != nil && (r.Stage == StageCompatibility || float && r.Stage == StageQuantize) {
				r.Check(p)
			}
		}
	}
	for i := range p.diags {
		p.diags[i].Extension = true
	}
	return p.diags
}

// CheckSequence runs check_sequential_compatibility over the syncretized
// sequence (the layers after the InputLayer; input is the shape they
// receive) and returns every problem, layer by layer, each layer's in rule
// order. cnn2snn raises the first one.
func CheckSequence(layers []*keras.Layer, input keras.Shape) []Diagnostic {
	if len(layers) == 0 {
		return nil
	}
	p := &Pass{Layers: layers, Input: input, LastActivation: layers[0]}
	var rules []*Rule
	for _, r := range Rules() {
		if r.Stage == StageCompatibility && r.Check != nil {
			rules = append(rules, r)
		}
	}
	for i, l := range layers {
		p.Index = i
		for _, r := range rules {
			r.Check(p)
		}
		// cnn2snn's state update: a neural layer resets the activation seen,
		// an activation resets the neural layer seen.
		switch {
		case IsNeural(l):
			p.LastNeural, p.LastActivation = l, nil
		case IsActivation(l):
			p.LastNeural, p.LastActivation = nil, l
		}
	}
	return p.diags
}
