package convert

import (
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/transform"
)

// block is one Akida 1.0 layer being planned by cnn2snn's legacy path: the
// Keras layers the generator reads for it (conversion.md §7.2) and the
// Keras layers shown for it.
type block struct {
	kind     akida.LayerType // Unknown when the block starts with a layer Akida cannot take
	name     string
	neural   *keras.Layer
	inShape  keras.Shape // the neural layer's input shape
	maxPool  *keras.Layer
	gap      *keras.Layer
	gapInput keras.Shape  // the GlobalAveragePooling2D's input shape
	act      *keras.Layer // a quantized activation (or a float ReLU in a float model)
	keras    []string     // every Keras layer of the block, in model order
	outShape []int        // Akida output shape (x, y, c), nil when unknown
}

// plan is the generator's grouping of a syncretized sequence into Akida
// layers, with the generator's problems.
type plan struct {
	inputData bool
	blocks    []*block
	diags     []compat.Diagnostic
}

// usesInputData is cnn2snn's input layer choice (conversion.md §7.1): with
// input_is_image (2.3.7) off, an InputData; otherwise (2.4 and later) an
// InputData unless the model input's last dimension is 1 or 3.
func usesInputData(input keras.Shape, inputIsImage bool) bool {
	if !inputIsImage || len(input) == 0 {
		return true
	}
	c := input[len(input)-1]
	return c != 1 && c != 3
}

// planBlocks walks the syncretized sequence as cnn2snn's
// sequential_convert_to_akida_layers does: a neural layer starts an Akida
// layer, a MaxPooling2D or GlobalAveragePooling2D adds its pooling, a
// quantized activation closes it; Flatten, Reshape, Activation and Softmax
// are ignored. It reports the generator's problems (first layer type,
// quantized types, bit widths) for layers the compatibility check
// accepted, so no layer is reported twice.
func planBlocks(seq *transform.Sequence, inputData bool, scaling InputScaling) *plan {
	p := &plan{inputData: inputData}
	layers := seq.Layers
	if len(layers) == 0 {
		p.diags = append(p.diags, compat.NothingToConvert(seq.Name))
		return p
	}
	if in := seq.InputShape(); flatOrImage(in) == nil || slices.ContainsFunc(in, func(d int) bool { return d <= 0 }) {
		p.diags = append(p.diags, compat.UnknownInputShape(seq.Input.Name, in))
	}
	i := 0
	if inputData {
		p.blocks = append(p.blocks, &block{kind: akida.InputData, name: seq.Name + "_input", outShape: flatOrImage(seq.InputShape())})
	} else {
		if i < len(layers) && isRescaling(layers[i]) {
			i++ // the leading Rescaling is the input scaling
		}
		if i >= len(layers) {
			p.diags = append(p.diags, compat.NothingToConvert(seq.Name))
			return p
		}
		if _, ok := layers[i].Config.(*keras.QuantizedConv2D); !ok {
			p.diags = append(p.diags, compat.FirstLayerType(layers[i].Name, layers[i].ClassName))
		}
	}
	firstNeural := !inputData
	var open *block // the block whose activation is still to come
	for ; i < len(layers); i++ {
		l := layers[i]
		switch {
		case compat.IsNeural(l):
			b := &block{kind: akidaKind(l), name: l.Name, neural: l, inShape: seq.LayerInputShape(i)}
			if firstNeural && b.kind == akida.Convolutional {
				b.kind = akida.InputConvolutional
			}
			p.checkNeural(l, firstNeural)
			firstNeural = false
			p.blocks = append(p.blocks, b)
			open = b
		case isMaxPool(l):
			if open != nil {
				open.maxPool = l
			}
		case isGAP(l):
			if open != nil {
				open.gap, open.gapInput = l, seq.LayerInputShape(i)
			}
		case compat.IsActivation(l):
			if act, ok := keras.AsQuantizedActivation(l.Config); ok {
				if bits := act.Bits(); bits != 1 && bits != 2 && bits != 4 {
					p.diags = append(p.diags, compat.BadActivationBitwidth(l.Name, bits))
				}
			} else {
				p.diags = append(p.diags, compat.UnsupportedType(l.Name, l.ClassName))
			}
			if open != nil {
				open.act = l
			}
			open = nil
		case isRescaling(l):
			// Ignored on the InputData path when the input shift is 0
			// (cnn2snn 2.18+); elsewhere unsupported. A Rescaling that is
			// not first is already reported by rescaling-first.
			if i == 0 && !(inputData && scaling.Shift == 0) {
				p.diags = append(p.diags, compat.UnsupportedType(l.Name, l.ClassName))
			}
		}
	}
	for _, b := range p.blocks {
		b.outShape = b.akidaOutputShape()
	}
	return p
}

// checkNeural reports the generator's checks on a neural layer: it must be
// quantized by cnn2snn, with 2, 4 or 8-bit weights, one width for both
// kernels of a separable layer. The first layer of an image model was
// already checked for its type (input-layer-type).
func (p *plan) checkNeural(l *keras.Layer, first bool) {
	q, ok := l.Config.(keras.CNN2SNNNeural)
	if !ok { // a float layer
		if !first {
			p.diags = append(p.diags, compat.UnsupportedType(l.Name, l.ClassName))
		}
		return
	}
	pw, dw := q.WeightQuantizers()
	if bits := pw.Bitwidth; bits != 2 && bits != 4 && bits != 8 {
		p.diags = append(p.diags, compat.BadWeightBitwidth(l.Name, bits))
	}
	if dw.Bitwidth != pw.Bitwidth {
		p.diags = append(p.diags, compat.MismatchedSeparableBits(l.Name))
	}
}

// assignKerasLayers fills each block's Keras layer list from the model's
// chain before syncretize (so Dropout and folded BatchNormalization layers
// are listed too): a neural layer starts its block; every other layer
// belongs to the block before it, except the model input, layers before the
// first neural layer, and a Flatten or Reshape followed by a neural layer
// (with the layers between them), which belong to the block after them.
func (p *plan) assignKerasLayers(chain []*keras.Layer, input string) {
	byNeural := map[string]*block{}
	for _, b := range p.blocks {
		if b.neural != nil {
			byNeural[b.neural.Name] = b
		}
	}
	var cur *block
	pending := []string{input}
	if p.inputData && len(p.blocks) > 0 {
		cur = p.blocks[0]
		cur.keras = append(cur.keras, input)
		pending = nil
	}
	for i, l := range chain {
		if b := byNeural[l.Name]; b != nil {
			b.keras = append(append(b.keras, pending...), l.Name)
			pending, cur = nil, b
			continue
		}
		// Once a Flatten heads for the next block, what follows it (e.g.
		// a Dropout) goes there too, keeping model order.
		if cur == nil || len(pending) > 0 || (isFlattenOrReshape(l) && neuralFollows(chain[i+1:], byNeural)) {
			pending = append(pending, l.Name)
			continue
		}
		cur.keras = append(cur.keras, l.Name)
	}
	if len(pending) > 0 && len(p.blocks) > 0 {
		last := p.blocks[len(p.blocks)-1]
		last.keras = append(last.keras, pending...)
	}
}

func neuralFollows(layers []*keras.Layer, byNeural map[string]*block) bool {
	for _, l := range layers {
		if byNeural[l.Name] != nil {
			return true
		}
	}
	return false
}

// akidaKind is the Akida 1.0 layer a neural layer becomes (not counting
// the input layer choice).
func akidaKind(l *keras.Layer) akida.LayerType {
	switch l.Config.(type) {
	case *keras.Conv2D, *keras.QuantizedConv2D:
		return akida.Convolutional
	case *keras.SeparableConv2D, *keras.QuantizedSeparableConv2D:
		return akida.SeparableConvolutional
	case *keras.Dense, *keras.QuantizedDense:
		return akida.FullyConnected
	}
	return akida.Unknown
}

// akidaOutputShape derives the Akida output shape (x, y, c) from the Keras
// shapes: the pooled output of a convolution, (1, 1, C) after a global
// average pooling or for a dense layer.
func (b *block) akidaOutputShape() []int {
	switch {
	case b.kind == akida.InputData:
		return b.outShape
	case b.neural == nil || b.neural.OutputShape == nil:
		return nil
	}
	out := b.neural.OutputShape
	if b.maxPool != nil {
		out = b.maxPool.OutputShape
	}
	if b.gap != nil && len(out) > 0 {
		return []int{1, 1, out[len(out)-1]}
	}
	return flatOrImage(out)
}

// flatOrImage maps a Keras shape to Akida's (x, y, c): (N) → (1, 1, N).
func flatOrImage(s keras.Shape) []int {
	switch len(s) {
	case 1:
		return []int{1, 1, s[0]}
	case 3:
		return []int{s[0], s[1], s[2]}
	}
	return nil
}

func isRescaling(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.Rescaling)
	return ok
}

func isMaxPool(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.MaxPooling2D)
	return ok
}

func isGAP(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.GlobalAveragePooling2D)
	return ok
}

func isFlattenOrReshape(l *keras.Layer) bool {
	switch l.Config.(type) {
	case *keras.Flatten, *keras.Reshape:
		return true
	}
	return false
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
			Activation:  b.act != nil,
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
		if q, ok := b.neural.Config.(keras.CNN2SNNNeural); ok {
			pw, _ := q.WeightQuantizers()
			weights = pw.Bitwidth
		}
	}
	if b.kind == akida.InputData {
		weights, activations = 0, 4 // InputData's input_bits (cnn2snn leaves akida's default)
	}
	if act, ok := keras.AsQuantizedActivation(activationConfig(b)); ok {
		activations = act.Bits()
	}
	return weights, activations
}
