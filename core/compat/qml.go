package compat

import (
	"slices"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The quantizeml path's vocabulary (conversion-v2.md §1): blocks of Keras
// layers that end at output quantizers, the block patterns each Akida
// version accepts, and the layers cnn2snn skips. core/convert splits a
// model into QMLBlocks and matches them; the StageQuantizeML rules check
// each block.

// Akida IP versions, the targets of a conversion.
const (
	V1 = akida.IPv1 // Akida 1.0: AKD1000, AKD1500
	V2 = akida.IPv2 // Akida 2.0
)

// QMLPattern is one block pattern: the quantizeml class names of a block's
// layers after skipping, and the Akida layer it becomes.
type QMLPattern struct {
	Classes []string
	Kind    akida.LayerType
	// Input: an input pattern (the block may be the model's first
	// convertible one; InputQuantizer patterns have Kind Quantizer on
	// Akida 2.0 and Unknown on Akida 1.0, where the quantizer is folded).
	Input bool
}

// String is the pattern as cnn2snn lists it: "A > B > C".
func (p QMLPattern) String() string { return strings.Join(p.Classes, " > ") }

// quantizeml class names.
const (
	QConv        = "QuantizedConv2D"
	QSep         = "QuantizedSeparableConv2D"
	QDepthwise   = "QuantizedDepthwiseConv2D"
	QConvT       = "QuantizedConv2DTranspose"
	QDepthwiseT  = "QuantizedDepthwiseConv2DTranspose"
	QDense       = "QuantizedDense"
	QReLU        = "QuantizedReLU"
	QActivation  = "QuantizedActivation"
	QMaxPool     = "QuantizedMaxPool2D"
	QGAP         = "QuantizedGlobalAveragePooling2D"
	QFlatten     = "QuantizedFlatten"
	QReshape     = "QuantizedReshape"
	QAdd         = "QuantizedAdd"
	QConcatenate = "QuantizedConcatenate"
	QDequantizer = "Dequantizer"
	QInput       = "InputQuantizer"
	QBTC         = "QuantizedBufferTempConv"
	QDepthwiseBT = "QuantizedDepthwiseBufferTempConv"
	QProjection  = "QuantizedStatefulProjection"
	QRecurrent   = "QuantizedStatefulRecurrent"
	QExtract     = "QuantizedExtractToken"
	QPicoPost    = "QuantizedPicoPostProcessing"
)

// QMLInputPatterns are the input-layer patterns of the target, in
// cnn2snn's registration order.
func QMLInputPatterns(target akida.IPVersion) []QMLPattern {
	if target == V1 {
		return []QMLPattern{
			{[]string{QConv, QReLU}, akida.InputConvolutional, true},
			{[]string{QConv, QMaxPool, QReLU}, akida.InputConvolutional, true},
			{[]string{QInput}, akida.Unknown, true},
		}
	}
	return []QMLPattern{ // conversion-v2.md §1.5
		{[]string{QInput}, akida.Quantizer, true},
		{[]string{QConv, QReLU}, akida.InputConv2D, true},
		{[]string{QConv, QMaxPool, QReLU}, akida.InputConv2D, true},
		{[]string{QConv, QActivation}, akida.InputConv2D, true},
		{[]string{QConv, QMaxPool, QActivation}, akida.InputConv2D, true},
	}
}

// QMLPatterns are the other patterns of the target, in the order cnn2snn
// lists them in its "Invalid block" message. On Akida 2.0 that is the
// import order of cnn2snn's quantizeml/__init__.py (conversion-v2.md §1.5);
// on Akida 1.0 this program's order (convolution, separable, dense,
// dequantizer).
func QMLPatterns(target akida.IPVersion) []QMLPattern {
	if target == V1 {
		return []QMLPattern{
			{[]string{QConv}, akida.Convolutional, false},
			{[]string{QConv, QReLU}, akida.Convolutional, false},
			{[]string{QConv, QMaxPool, QReLU}, akida.Convolutional, false},
			{[]string{QConv, QGAP, QReLU}, akida.Convolutional, false},
			{[]string{QConv, QGAP}, akida.Convolutional, false},
			{[]string{QSep}, akida.SeparableConvolutional, false},
			{[]string{QSep, QReLU}, akida.SeparableConvolutional, false},
			{[]string{QSep, QGAP, QReLU}, akida.SeparableConvolutional, false},
			{[]string{QSep, QGAP}, akida.SeparableConvolutional, false},
			{[]string{QSep, QMaxPool, QReLU}, akida.SeparableConvolutional, false},
			{[]string{QDense}, akida.FullyConnected, false},
			{[]string{QDense, QReLU}, akida.FullyConnected, false},
			{[]string{QFlatten, QDense}, akida.FullyConnected, false},
			{[]string{QFlatten, QDense, QReLU}, akida.FullyConnected, false},
			{[]string{QReshape, QDense}, akida.FullyConnected, false},
			{[]string{QReshape, QDense, QReLU}, akida.FullyConnected, false},
			{[]string{QReshape, QFlatten, QDense}, akida.FullyConnected, false},
			{[]string{QReshape, QFlatten, QDense, QReLU}, akida.FullyConnected, false},
			{[]string{QDequantizer}, akida.Unknown, false},
		}
	}
	var out []QMLPattern
	add := func(kind akida.LayerType, patterns ...[]string) {
		for _, p := range patterns {
			out = append(out, QMLPattern{p, kind, false})
		}
	}
	add(akida.Dense1D, []string{QDense}, []string{QDense, QReLU}, []string{QFlatten, QDense},
		[]string{QFlatten, QDense, QReLU}, []string{QReshape, QDense}, []string{QReshape, QDense, QReLU},
		[]string{QReshape, QFlatten, QDense}, []string{QReshape, QFlatten, QDense, QReLU})
	add(akida.Conv2D, []string{QConv}, []string{QConv, QReLU}, []string{QConv, QMaxPool, QReLU},
		[]string{QConv, QReLU, QGAP}, []string{QConv, QGAP}, []string{QConv, QActivation},
		[]string{QConv, QMaxPool, QActivation}, []string{QConv, QActivation, QGAP})
	add(akida.Conv2DTranspose, []string{QConvT}, []string{QConvT, QReLU}, []string{QConvT, QActivation})
	add(akida.DepthwiseConv2D, []string{QDepthwise}, []string{QDepthwise, QReLU}, []string{QDepthwise, QMaxPool, QReLU},
		[]string{QDepthwise, QActivation}, []string{QDepthwise, QMaxPool, QActivation})
	add(akida.DepthwiseConv2DTranspose, []string{QDepthwiseT}, []string{QDepthwiseT, QReLU}, []string{QDepthwiseT, QActivation})
	add(akida.Add, []string{QAdd})
	add(akida.Concatenate, []string{QConcatenate})
	add(akida.Dequantizer, []string{QDequantizer})
	add(akida.BufferTempConv, []string{QBTC}, []string{QBTC, QReLU})
	add(akida.DepthwiseBufferTempConv, []string{QDepthwiseBT}, []string{QDepthwiseBT, QReLU})
	add(akida.StatefulRecurrent, []string{QProjection, QRecurrent, QExtract, QProjection},
		[]string{QProjection, QRecurrent, QExtract, QProjection, QReLU})
	// Akida Pico's PicoPostProcessing has no known layer_type number
	// (fbz-format.md §5.7), so this program has no Akida type for it.
	add(akida.Unknown, []string{QPicoPost})
	return out
}

// QMLBlock is one block of the quantizeml split, as the block rules see it.
type QMLBlock struct {
	// Layers are every layer of the block, in model order; Main the ones
	// left after skipping (never empty for a block the rules check).
	Layers, Main []*keras.Layer
	// Pattern is the pattern the block matched; nil for an invalid block.
	Pattern *QMLPattern
}

// Classes returns the quantizeml class names of the block's main layers,
// as patterns match them ("" for a layer that is not quantizeml's).
func (b *QMLBlock) Classes() []string {
	out := make([]string, len(b.Main))
	for i, l := range b.Main {
		out[i] = QMLClass(l)
	}
	return out
}

// Kind returns the Akida layer the block becomes (Unknown when invalid).
func (b *QMLBlock) Kind() akida.LayerType {
	if b.Pattern == nil {
		return akida.Unknown
	}
	return b.Pattern.Kind
}

// Layer returns the block's first main layer of the class, or nil.
func (b *QMLBlock) Layer(class string) *keras.Layer {
	for _, l := range b.Main {
		if QMLClass(l) == class {
			return l
		}
	}
	return nil
}

// Root returns the block's first main layer, whose inbounds are the Akida
// layer's (conversion-v2.md §1.7).
func (b *QMLBlock) Root() *keras.Layer { return b.Main[0] }

// Named returns the layer the Akida layer is named after and that carries
// its weights: the block's main layer (QuantizedConv2D, QuantizedDense …),
// its first main layer that is not a Flatten or Reshape in front of a
// Dense; for a StatefulRecurrent, its output projection, the last
// QuantizedStatefulProjection (conversion-v2.md §2.0).
func (b *QMLBlock) Named() *keras.Layer {
	if b.Kind() == akida.StatefulRecurrent {
		for i := len(b.Main) - 1; i >= 0; i-- {
			if QMLClass(b.Main[i]) == QProjection {
				return b.Main[i]
			}
		}
	}
	for _, l := range b.Main {
		if c := QMLClass(l); c != QFlatten && c != QReshape {
			return l
		}
	}
	return b.Root()
}

// Last returns the block's last main layer (its output quantizer is the
// block's).
func (b *QMLBlock) Last() *keras.Layer { return b.Main[len(b.Main)-1] }

// QMLClass is the class name block patterns match a layer by: its class
// for a quantizeml layer, "" for any other. cnn2snn's legacy layers have
// the same bare names (QuantizedConv2D, QuantizedReLU …) but none of
// quantizeml's configuration (conversion.md §2), so in a model that mixes
// the two they match no pattern. cnn2snn matches by exact class, so a
// subclass of a quantizeml layer (an unknown class here) matches none
// either.
func QMLClass(l *keras.Layer) string {
	if l.Origin() != keras.OriginQuantizeML {
		return ""
	}
	return l.ClassName
}

// IsQMLSkippable reports the layers cnn2snn's quantizeml path skips in a
// block (conversion-v2.md §1.5): InputLayer, Rescaling, Activation,
// Softmax, Dropout and their subclasses (quantizeml's QuantizedRescaling
// and QuantizedDropout), and a QuantizedReshape that only adds or removes
// dimensions of size 1.
func IsQMLSkippable(m *keras.Model, l *keras.Layer) bool {
	switch l.Base().(type) {
	case *keras.InputLayer, *keras.Rescaling, *keras.Activation, *keras.Softmax, *keras.Dropout:
		return true
	}
	if _, ok := l.Config.(*keras.QMLReshape); ok {
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

// IsDequantizer reports quantizeml's Dequantizer layer.
func IsDequantizer(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.QMLDequantizer)
	return ok
}

// InvalidBlock is cnn2snn's "Invalid block found during conversion"
// diagnostic for a block that matches no pattern of the target, with the
// patterns that share a class with the block (all of them when none does).
// A cnn2snn legacy layer, whose class name reads like a quantizeml one, is
// named as such.
func InvalidBlock(b *QMLBlock, target akida.IPVersion) Diagnostic {
	var names, classes []string
	legacy := ""
	for _, l := range b.Main {
		names = append(names, l.ClassName+" ("+l.Name+")")
		classes = append(classes, l.ClassName)
		if legacy == "" && l.Origin() == keras.OriginCNN2SNN {
			legacy = "Layer " + l.Name + " is cnn2snn's legacy " + l.ClassName + ", not quantizeml's: quantize the whole float model with one of them."
		}
	}
	display := func(filter bool) string {
		var out strings.Builder
		for _, p := range QMLPatterns(target) {
			if !filter || slices.ContainsFunc(p.Classes, func(c string) bool { return slices.Contains(classes, c) }) {
				out.WriteString(" - " + p.String() + "\n")
			}
		}
		return out.String()
	}
	patterns := display(true)
	if patterns == "" {
		patterns = display(false)
	}
	return Diagnostic{Layer: b.Root().Name, Rule: "qml-invalid-block", Message: "Invalid block found during conversion:\n " +
		strings.Join(names, "\n") + "\nCompatible patterns that contain the faulty layers are:\n" + patterns + legacy}

}
