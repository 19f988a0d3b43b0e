package convert

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The quantizeml path of cnn2snn 2.19.1 (conversion.md §9), as far as its
// checks for an Akida 1.0 target go: the model is split into blocks that
// end at output quantizers, each block must match an Akida 1.0 layer
// pattern, and each pattern's converter checks bit widths, paddings and the
// ReLU. Generating the Akida layers of such a model is not implemented
// (Convert returns ErrQuantizeML). For an Akida 2.0 target only the general
// checks run.

// qmlPattern is one block pattern (class names after skipping) and the
// Akida 1.0 layer it becomes.
type qmlPattern struct {
	classes []string
	kind    akida.LayerType
}

const (
	qConv    = "QuantizedConv2D"
	qSep     = "QuantizedSeparableConv2D"
	qDense   = "QuantizedDense"
	qReLU    = "QuantizedReLU"
	qMaxPool = "QuantizedMaxPool2D"
	qGAP     = "QuantizedGlobalAveragePooling2D"
	qFlatten = "QuantizedFlatten"
	qReshape = "QuantizedReshape"
	qDeq     = "Dequantizer"
	qInput   = "InputQuantizer"
)

// qmlV1InputPatterns are the Akida 1.0 input-layer patterns; qmlV1Patterns
// the others, in the order this program lists them in messages (cnn2snn
// lists them in its converters' registration order, which depends on its
// import order: here convolution, separable, dense, dequantizer).
func qmlV1InputPatterns() []qmlPattern {
	return []qmlPattern{
		{[]string{qConv, qReLU}, akida.InputConvolutional},
		{[]string{qConv, qMaxPool, qReLU}, akida.InputConvolutional},
		{[]string{qInput}, akida.Unknown},
	}
}

func qmlV1Patterns() []qmlPattern {
	return []qmlPattern{
		{[]string{qConv}, akida.Convolutional},
		{[]string{qConv, qReLU}, akida.Convolutional},
		{[]string{qConv, qMaxPool, qReLU}, akida.Convolutional},
		{[]string{qConv, qGAP, qReLU}, akida.Convolutional},
		{[]string{qConv, qGAP}, akida.Convolutional},
		{[]string{qSep}, akida.SeparableConvolutional},
		{[]string{qSep, qReLU}, akida.SeparableConvolutional},
		{[]string{qSep, qGAP, qReLU}, akida.SeparableConvolutional},
		{[]string{qSep, qGAP}, akida.SeparableConvolutional},
		{[]string{qSep, qMaxPool, qReLU}, akida.SeparableConvolutional},
		{[]string{qDense}, akida.FullyConnected},
		{[]string{qDense, qReLU}, akida.FullyConnected},
		{[]string{qFlatten, qDense}, akida.FullyConnected},
		{[]string{qFlatten, qDense, qReLU}, akida.FullyConnected},
		{[]string{qReshape, qDense}, akida.FullyConnected},
		{[]string{qReshape, qDense, qReLU}, akida.FullyConnected},
		{[]string{qReshape, qFlatten, qDense}, akida.FullyConnected},
		{[]string{qReshape, qFlatten, qDense, qReLU}, akida.FullyConnected},
		{[]string{qDeq}, akida.Unknown},
	}
}

// qmlBlock is one block of the quantizeml split.
type qmlBlock struct {
	layers []*keras.Layer // every layer of the block, in model order
	main   []*keras.Layer // the layers left after skipping
	kind   akida.LayerType
	input  bool // matched an input pattern
}

// checkQuantizeML returns the quantizeml path's diagnostics in cnn2snn's
// order, the block plan for the report, and its warnings.
func checkQuantizeML(m *keras.Model, target string) ([]compat.Diagnostic, *plan, []string) {
	var diags []compat.Diagnostic
	if allSkippable(m) {
		diags = append(diags, compat.QMLOnlySkippable.Diagnose("", "Cannot convert model with only skippable layers."))
	}
	rules := []*compat.Rule{compat.SingleInput, compat.SingleOutput, compat.InputRank, compat.ChannelsLast, compat.DilationRate}
	if target == TargetV1 {
		rules = append(rules, compat.SingleInboundNode, compat.SingleInboundLayer)
	}
	diags = append(diags, compat.CheckGraphRules(m, rules...)...)
	if target != TargetV1 || len(m.Inputs) != 1 || len(diags) > 0 && !graphIsChain(m) {
		return diags, &plan{}, nil
	}
	blocks, splitDiags, warnings := splitQuantizeML(m)
	diags = append(diags, splitDiags...)
	var construction, conversion []compat.Diagnostic
	seenConvertible := false
	for _, b := range blocks {
		if len(b.main) == 0 {
			continue
		}
		if !matchQMLBlock(m, b, !seenConvertible) {
			construction = append(construction, invalidBlock(b))
			seenConvertible = true
			continue
		}
		seenConvertible = seenConvertible || !(len(b.main) == 1 && qmlClass(b.main[0]) == qInput)
		construction = append(construction, constructionChecks(m, b)...)
		conversion = append(conversion, conversionChecks(b)...)
	}
	diags = append(append(diags, construction...), conversion...)
	return diags, qmlPlan(m, blocks), warnings
}

// graphIsChain reports whether every non-input layer has one inbound layer
// (splitting a graph with merges would mislead).
func graphIsChain(m *keras.Model) bool {
	for _, l := range m.Layers {
		if !l.IsInput() && len(l.Inbound) != 1 {
			return false
		}
	}
	return true
}

// isQMLSkippable: InputLayer, Rescaling, Activation, Softmax, Dropout
// (quantizeml's QuantizedRescaling and QuantizedDropout subclass them),
// and a QuantizedReshape that only adds or removes dimensions of size 1.
func isQMLSkippable(m *keras.Model, l *keras.Layer) bool {
	switch l.Config.(type) {
	case *keras.InputLayer, *keras.Rescaling, *keras.QMLRescaling, *keras.Activation,
		*keras.Softmax, *keras.Dropout, *keras.QMLDropout:
		return true
	case *keras.QMLReshape:
		ins := l.InputShapes(m)
		return len(ins) == 1 && slices.Equal(withoutOnes(ins[0]), withoutOnes(l.OutputShape))
	}
	return false
}

func withoutOnes(s keras.Shape) []int {
	var out []int
	for _, d := range s {
		if d != 1 {
			out = append(out, d)
		}
	}
	return out
}

// qmlClass is the class name block patterns match a layer by: its class
// for a quantizeml layer, "" for any other. cnn2snn's legacy layers have
// the same bare names (QuantizedConv2D, QuantizedReLU …) but none of
// quantizeml's configuration (conversion.md §2), so in a model that mixes
// the two they must match no pattern.
func qmlClass(l *keras.Layer) string {
	if l.Config == nil || l.Origin() != keras.OriginQuantizeML {
		return ""
	}
	return l.ClassName
}

func isDequantizer(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.QMLDequantizer)
	return ok
}

func allSkippable(m *keras.Model) bool {
	for _, l := range m.Layers {
		if !isQMLSkippable(m, l) && !isDequantizer(l) {
			return false
		}
	}
	return true
}

// quantConfig returns a quantizeml layer's quant_config, or nil.
func quantConfig(l *keras.Layer) *keras.QuantConfig {
	switch c := l.Config.(type) {
	case *keras.QMLConv2D:
		return &c.QuantConfig
	case *keras.QMLDepthwiseConv2D:
		return &c.QuantConfig
	case *keras.QMLSeparableConv2D:
		return &c.QuantConfig
	case *keras.QMLDense:
		return &c.QuantConfig
	case *keras.QMLReLU:
		return &c.QuantConfig
	case *keras.QMLMaxPool2D:
		return &c.QuantConfig
	case *keras.QMLGlobalAveragePooling2D:
		return &c.QuantConfig
	case *keras.QMLAdd:
		return &c.QuantConfig
	case *keras.QMLConcatenate:
		return &c.QuantConfig
	case *keras.QMLRescaling:
		return &c.QuantConfig
	}
	return nil
}

func outputQuantizer(l *keras.Layer) *keras.QMLQuantizer {
	if qc := quantConfig(l); qc != nil {
		return qc.OutputQuantizer
	}
	return nil
}

// splitQuantizeML is cnn2snn's split_model_into_blocks for Akida 1.0: the
// first Dequantizer is a block of its own and what follows it is dropped
// (with cnn2snn's warning); walking from the output backwards, a layer that
// ends a block (the last one, one with several outbounds, one feeding the
// first layer of a block) grows it backwards through its inbound layers
// until a layer with an output quantizer (which on Akida 1.0 must be a
// QuantizedReLU), an InputQuantizer or the model input.
func splitQuantizeML(m *keras.Model) ([]*qmlBlock, []compat.Diagnostic, []string) {
	var diags []compat.Diagnostic
	var warnings []string
	before := m.Layers
	var blocks [][]*keras.Layer
	if i := slices.IndexFunc(m.Layers, isDequantizer); i >= 0 {
		before = m.Layers[:i]
		blocks = append(blocks, []*keras.Layer{m.Layers[i]})
		if skipped := m.Layers[i+1:]; len(skipped) > 0 {
			warnings = append(warnings, dequantizerWarning(before, skipped))
		}
	}
	inBlock := map[string]bool{}
	first := map[string]bool{}
	for _, b := range blocks {
		first[b[0].Name] = true
	}
	for i := len(before) - 1; i >= 0; i-- {
		l := before[i]
		if !endsBlock(m, l, len(blocks) == 0, first) {
			if !inBlock[l.Name] {
				diags = append(diags, compat.QMLOrphanLayer.Diagnosef(l.Name, "Impossible to append %s into a block.", l.Name))
			}
			continue
		}
		b, d := growBlock(m, l)
		diags = append(diags, d...)
		blocks = append(blocks, b)
		first[b[0].Name] = true
		for _, x := range b {
			inBlock[x.Name] = true
		}
	}
	slices.Reverse(blocks)
	out := make([]*qmlBlock, len(blocks))
	for i, b := range blocks {
		qb := &qmlBlock{layers: b}
		for _, l := range b {
			if !isQMLSkippable(m, l) {
				qb.main = append(qb.main, l)
			}
		}
		out[i] = qb
	}
	return out, diags, warnings
}

func endsBlock(m *keras.Model, l *keras.Layer, noBlockYet bool, first map[string]bool) bool {
	if noBlockYet {
		return true
	}
	outs := m.Outbound(l.Name)
	if len(outs) != 1 {
		return true
	}
	return first[outs[0]]
}

// growBlock is _search_block_v1, iterative.
func growBlock(m *keras.Model, target *keras.Layer) ([]*keras.Layer, []compat.Diagnostic) {
	block := []*keras.Layer{target}
	cur := target
	for range m.Layers {
		if len(cur.Inbound) == 0 {
			break
		}
		prev := m.Layer(cur.Inbound[0])
		if prev == nil {
			break
		}
		if outputQuantizer(prev) != nil {
			if _, ok := prev.Config.(*keras.QMLReLU); !ok {
				return block, []compat.Diagnostic{compat.QMLBlockBoundary.Diagnosef(prev.Name,
					"Model incompatible with akida v1 version. The layer %s followed by %s is not valid.", prev.Name, cur.Name)}
			}
			break
		}
		if _, ok := prev.Config.(*keras.QMLInputQuantizer); ok {
			break
		}
		block = append([]*keras.Layer{prev}, block...)
		cur = prev
	}
	return block, nil
}

func dequantizerWarning(before, skipped []*keras.Layer) string {
	stop := ""
	if len(before) > 0 {
		stop = " at layer " + before[len(before)-1].Name
	}
	var b strings.Builder
	b.WriteString("___________________________________________________\nLayer (type)\n===================================================\n")
	for _, l := range skipped {
		b.WriteString(l.Name + " (" + l.ClassName + ")\n")
	}
	b.WriteString("===================================================\n")
	return fmt.Sprintf("Conversion stops %s because of a dequantizer. The end of the model is ignored:\n %s. \n This can be expected for model heads (e.g. softmax for classification) but could also mean that processing layers were not quantized.", stop, b.String())
}

// matchQMLBlock finds the block's Akida 1.0 pattern: the input patterns
// for the first convertible block of an image model (1 or 3 channels,
// uint8 input), the others otherwise.
func matchQMLBlock(m *keras.Model, b *qmlBlock, firstConvertible bool) bool {
	classes := make([]string, len(b.main))
	for i, l := range b.main {
		classes[i] = qmlClass(l)
	}
	if firstConvertible {
		for _, p := range qmlV1InputPatterns() {
			if slices.Equal(p.classes, classes) && (p.kind == akida.Unknown || imageInput(m)) {
				b.kind, b.input = p.kind, true
				return true
			}
		}
	}
	for _, p := range qmlV1Patterns() {
		if slices.Equal(p.classes, classes) {
			b.kind = p.kind
			return true
		}
	}
	return false
}

// imageInput: the model input has 1 or 3 channels of uint8.
func imageInput(m *keras.Model) bool {
	s := m.InputShape()
	in := m.Layer(m.Inputs[0])
	c, ok := in.Config.(*keras.InputLayer)
	return len(s) > 0 && (s[len(s)-1] == 1 || s[len(s)-1] == 3) && ok && c.Dtype == "uint8"
}

// invalidBlock is cnn2snn's "Invalid block found during conversion"
// message, with the patterns that share a class with the block (all of
// them when none does). A cnn2snn legacy layer, whose class name reads
// like a quantizeml one, is named as such.
func invalidBlock(b *qmlBlock) compat.Diagnostic {
	var names, classes []string
	legacy := ""
	for _, l := range b.main {
		names = append(names, l.ClassName+" ("+l.Name+")")
		classes = append(classes, l.ClassName)
		if legacy == "" && l.Origin() == keras.OriginCNN2SNN {
			legacy = "Layer " + l.Name + " is cnn2snn's legacy " + l.ClassName + ", not quantizeml's: quantize the whole float model with one of them."
		}
	}
	display := func(filter bool) string {
		var out strings.Builder
		for _, p := range qmlV1Patterns() {
			if !filter || slices.ContainsFunc(p.classes, func(c string) bool { return slices.Contains(classes, c) }) {
				out.WriteString(" - " + strings.Join(p.classes, " > ") + "\n")
			}
		}
		return out.String()
	}
	patterns := display(true)
	if patterns == "" {
		patterns = display(false)
	}
	return compat.QMLInvalidBlock.Diagnose(b.main[0].Name, "Invalid block found during conversion:\n "+
		strings.Join(names, "\n")+"\nCompatible patterns that contain the faulty layers are:\n"+patterns+legacy)
}

// constructionChecks are the checks cnn2snn's block converters make when
// they are created (for every block, before any is converted).
func constructionChecks(m *keras.Model, b *qmlBlock) []compat.Diagnostic {
	var diags []compat.Diagnostic
	main := b.main[0]
	qc := quantConfig(main)
	switch b.kind {
	case akida.InputConvolutional:
		in := inputShapeOf(m, main)
		if len(in) == 0 || (in[len(in)-1] != 1 && in[len(in)-1] != 3) {
			diags = append(diags, compat.QMLInputConvChannels.Diagnosef(main.Name,
				"InputConvolutional layer can only handle image like inputs (i.e 3-D or 1-D input shape). Received: %s.", compat.PyShape(in)))
		}
		if bits := weightBits(qc.WeightQuantizer); bits != 4 && bits != 8 {
			diags = append(diags, compat.QMLInputConvWeightBits.Diagnosef(main.Name,
				"InputConvolutional layer can only handle weights with 4 or 8 bits. Received: %d.", bits))
		}
		diags = append(diags, poolChecks(m, b)...)
	case akida.Convolutional:
		if bits := weightBits(qc.WeightQuantizer); bits != 1 && bits != 2 && bits != 4 {
			diags = append(diags, compat.QMLConvWeightBits.Diagnosef(main.Name,
				"Convolutional layer can only handle weights with 1, 2 or 4 bits. Received: %d.", bits))
		}
		diags = append(diags, poolChecks(m, b)...)
	case akida.SeparableConvolutional:
		dw, pw := weightBits(qc.DWWeightQuantizer), weightBits(qc.PWWeightQuantizer)
		if dw != 1 && dw != 2 && dw != 4 {
			diags = append(diags, compat.QMLSeparableWeightBits.Diagnosef(main.Name,
				"SeparableConvolutional layer can only handle 1, 2, or 4 weight bits. Received: %d.", dw))
		}
		if pw != dw {
			diags = append(diags, compat.QMLSeparablePointwiseBits.Diagnosef(main.Name,
				"SeparableConvolutional layer pointwise weights should also be 4 bits. Received: %d.", pw))
		}
		diags = append(diags, poolChecks(m, b)...)
	case akida.FullyConnected:
		dense := b.main[slices.IndexFunc(b.main, func(l *keras.Layer) bool { return qmlClass(l) == qDense })]
		in := inputShapeOf(m, dense)
		if len(in) == 0 || product(in) != in[len(in)-1] {
			diags = append(diags, compat.QMLDenseFlat.Diagnosef(dense.Name,
				"The dense layer only handles flattened shapes (i.e (1, 1, X) or (X,)). Received: (%s)  shape.", compat.PyShape(in)))
		}
		if relu := b.main[len(b.main)-1]; qmlClass(relu) == qReLU {
			diags = append(diags, reluChecks(relu)...)
		}
	}
	return diags
}

// conversionChecks are the checks made while converting each block, after
// all blocks were created.
func conversionChecks(b *qmlBlock) []compat.Diagnostic {
	var diags []compat.Diagnostic
	main := b.main[0]
	relu := b.main[len(b.main)-1]
	if qmlClass(relu) != qReLU {
		relu = nil
	}
	switch b.kind {
	case akida.InputConvolutional, akida.Convolutional:
		if c, ok := main.Config.(*keras.QMLConv2D); ok {
			diags = append(diags, paddingValueChecks(main.Name, c.PaddingValue, b.kind == akida.InputConvolutional)...)
		}
		if relu != nil {
			diags = append(diags, reluChecks(relu)...)
		}
	case akida.SeparableConvolutional:
		if relu != nil {
			diags = append(diags, reluChecks(relu)...)
		}
	case akida.FullyConnected:
		dense := b.main[slices.IndexFunc(b.main, func(l *keras.Layer) bool { return qmlClass(l) == qDense })]
		if bits := weightBits(quantConfig(dense).WeightQuantizer); bits != 1 && bits != 2 && bits != 4 {
			diags = append(diags, compat.QMLDenseWeightBits.Diagnosef(dense.Name,
				"FullyConnected layer only supports 1, 2 or 4 weight bits value. Received weight_bits=%d.", bits))
		}
	}
	if relu != nil {
		if q := outputQuantizer(relu); q != nil && q.Bitwidth != 1 && q.Bitwidth != 2 && q.Bitwidth != 4 {
			diags = append(diags, compat.QMLActivationBits.Diagnosef(relu.Name,
				"%s: in AkidaVersion.v1, activations must have 1, 2 or 4 bits (the output_quantizer bitwidth). Received: %d.", relu.Name, q.Bitwidth))
		}
	}
	return diags
}

// reluChecks is v1_relu_checks: a bounded ReLU with a per-tensor output
// quantizer. cnn2snn raises the first; every one that applies is reported.
func reluChecks(relu *keras.Layer) []compat.Diagnostic {
	var diags []compat.Diagnostic
	c, ok := relu.Config.(*keras.QMLReLU)
	if !ok {
		return nil
	}
	if c.MaxValue == nil {
		diags = append(diags, compat.QMLReLUUnbounded.Diagnosef(relu.Name,
			"%s: in AkidaVersion.v1, unbounded QuantizedReLU is not supported.", relu.Name))
	}
	switch q := c.QuantConfig.OutputQuantizer; {
	case q == nil:
		diags = append(diags, compat.QMLReLUOutputQuantizer.Diagnosef(relu.Name,
			"%s: in AkidaVersion.v1, output_quantizer is mandatory.", relu.Name))
	case q.PerAxis:
		diags = append(diags, compat.QMLReLUPerTensor.Diagnosef(relu.Name,
			"%s: in AkidaVersion.v1, output_quantizer must be per-tensor.", relu.Name))
	}
	return diags
}

// poolChecks: a max pooling with the convolution's padding (a 1×1 kernel
// counts as 'same'); a global average pooling over at most 256 positions.
func poolChecks(m *keras.Model, b *qmlBlock) []compat.Diagnostic {
	var diags []compat.Diagnostic
	conv := b.main[0]
	for _, l := range b.main[1:] {
		switch p := l.Config.(type) {
		case *keras.QMLMaxPool2D:
			pad, kernel := convPadding(conv)
			if kernel == [2]int{1, 1} {
				pad = "same"
			}
			if pad != p.Padding {
				diags = append(diags, compat.QMLPoolPadding.Diagnosef(l.Name,
					"Pooling layer %s (padding: %s) must have the same padding as %s (padding: %s).", l.Name, p.Padding, conv.Name, pad))
			}
		case *keras.QMLGlobalAveragePooling2D:
			if in := inputShapeOf(m, l); len(in) == 3 && in[0]*in[1] > 256 {
				diags = append(diags, compat.QMLGAPSize.Diagnosef(l.Name,
					"Unsupported spatial size product (%d). We only accepts values smaller than 256. Consider to replace GlobalAveragePooling2D by MaxPooling2D.", in[0]*in[1]))
			}
		}
	}
	return diags
}

// paddingValueChecks: only the input layer pads with a value, one for all
// channels.
func paddingValueChecks(name string, values []float64, input bool) []compat.Diagnostic {
	distinct := slices.Compact(slices.Sorted(slices.Values(values)))
	switch {
	case input && len(distinct) > 1:
		return []compat.Diagnostic{compat.QMLPaddingValue.Diagnosef(name,
			"InputConvolutional cannot have per-axis padding value. Got %s.", numpyFloats(values))}
	case !input && slices.ContainsFunc(values, func(v float64) bool { return v != 0 }):
		return []compat.Diagnostic{compat.QMLPaddingValue.Diagnosef(name,
			"Convolutional padding value must be zero. Got %s.", numpyFloats(values))}
	}
	return nil
}

func numpyFloats(v []float64) string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = compat.PyFloat(f)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func convPadding(l *keras.Layer) (string, [2]int) {
	switch c := l.Config.(type) {
	case *keras.QMLConv2D:
		return c.Padding, c.KernelSize
	case *keras.QMLSeparableConv2D:
		return c.Padding, c.KernelSize
	}
	return "", [2]int{}
}

func weightBits(q *keras.QMLQuantizer) int {
	if q == nil {
		return 0
	}
	return q.Bitwidth
}

func inputShapeOf(m *keras.Model, l *keras.Layer) keras.Shape {
	if ins := l.InputShapes(m); len(ins) == 1 {
		return ins[0]
	}
	return nil
}

func product(s keras.Shape) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// qmlPlan turns the blocks into the report's grouping: one block per Akida
// layer; blocks of skipped layers join the next one; the Dequantizer (which
// Akida 1.0 folds into the last layer's act_step) and the layers after it
// join the last one; an InputData comes first when no input pattern matched.
func qmlPlan(m *keras.Model, blocks []*qmlBlock) *plan {
	p := &plan{}
	var pending []string
	inputMatched := false
	for _, qb := range blocks {
		names := make([]string, len(qb.layers))
		for i, l := range qb.layers {
			names[i] = l.Name
		}
		if len(qb.main) == 0 || isDequantizer(qb.main[0]) || qmlClass(qb.main[0]) == qInput {
			pending = append(pending, names...)
			continue
		}
		inputMatched = inputMatched || qb.input
		b := &block{kind: qb.kind, name: qmlMainLayer(qb).Name, keras: append(pending, names...)}
		pending = nil
		b.qmlWeightBits, b.qmlActBits, b.qmlActivation = qmlBits(qb)
		last := qb.main[len(qb.main)-1]
		if qmlClass(last) == qReLU && len(qb.main) > 1 {
			last = qb.main[len(qb.main)-2]
		}
		b.outShape = flatOrImage(last.OutputShape)
		p.blocks = append(p.blocks, b)
	}
	// The Dequantizer and what follows join the last block.
	if n := len(p.blocks); n > 0 {
		p.blocks[n-1].keras = append(p.blocks[n-1].keras, pending...)
	}
	if !inputMatched && len(m.Inputs) == 1 {
		in := m.Layer(m.Inputs[0])
		p.blocks = append([]*block{{kind: akida.InputData, name: in.Name, outShape: flatOrImage(in.OutputShape), qmlActBits: 4}}, p.blocks...)
		p.inputData = true
		// The input layer is listed in the first block; show it in the
		// InputData one instead.
		if len(p.blocks) > 1 {
			p.blocks[1].keras = slices.DeleteFunc(p.blocks[1].keras, func(s string) bool { return s == in.Name })
		}
		p.blocks[0].keras = []string{in.Name}
	}
	return p
}

// qmlBits returns the block's weight bits, activation bits (the ReLU
// output quantizer's) and whether it ends with a ReLU.
func qmlBits(qb *qmlBlock) (weights, activations int, relu bool) {
	for _, l := range qb.main {
		qc := quantConfig(l)
		switch qmlClass(l) {
		case qConv, qDense:
			weights = weightBits(qc.WeightQuantizer)
		case qSep:
			weights = weightBits(qc.DWWeightQuantizer)
		case qReLU:
			relu = true
			if qc.OutputQuantizer != nil {
				activations = qc.OutputQuantizer.Bitwidth
			}
		}
	}
	return weights, activations, relu
}

// qmlMainLayer is the block's neural layer (the Akida layer is named after
// it), or its first layer.
func qmlMainLayer(qb *qmlBlock) *keras.Layer {
	for _, l := range qb.main {
		switch qmlClass(l) {
		case qConv, qSep, qDense:
			return l
		}
	}
	return qb.main[0]
}
