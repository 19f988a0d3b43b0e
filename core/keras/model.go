// Package keras reads Keras model files into a Model: the layer graph in
// model order, a typed config for every layer class the converter knows,
// the output shape of every layer and its weights as float32.
//
// Load accepts every on-disk form a cnn2snn user may have (spec
// keras-files.md §1–§5):
//
//   - a Keras 2 / tf.keras legacy .h5 (model.save("x.h5")), and a Keras
//     1 one, read as Keras 2 reads it (keras1.go),
//   - a Keras 3 legacy .h5,
//   - a Keras 3 .keras zip (also written by tf.keras 2.13+),
//   - a weights-only .h5 (save_weights) plus the model's JSON (to_json),
//   - a TF.js layers model.json plus its .bin weight shards.
//
// Nested Sequential and Functional models are flattened into one graph, so
// downstream code (the converter, the float inference, the UI) sees plain
// layers connected by name. Nothing here knows about files on disk: every
// input is a []byte, which is never copied (weights are decoded once into
// float32 slices).
package keras

import (
	"encoding/json"
	"strings"
)

// File is one input file: its base name (used to tell formats apart, e.g.
// "model.json" or "group1-shard1of2.bin") and its bytes.
type File struct {
	Name string
	Data []byte
}

// Format names the on-disk form a Model was read from.
type Format string

// The formats Load reads.
const (
	FormatKeras1H5      Format = "keras1-h5"             // Keras 1 model.save("x.h5"), read as Keras 2 reads it
	FormatKeras2H5      Format = "keras2-h5"             // Keras 2 / tf.keras model.save("x.h5")
	FormatKeras3H5      Format = "keras3-h5"             // Keras 3 model.save("x.h5") (legacy layout)
	FormatKeras3Zip     Format = "keras3-zip"            // .keras zip ("Keras v3" saving format, also tf.keras 2.13+)
	FormatWeightsH5JSON Format = "keras-weights-h5+json" // save_weights .h5 plus model.to_json()
	FormatTFJSLayers    Format = "tfjs-layers"           // TF.js model.json + .bin shards
)

// Model is a Keras model as a flat layer graph.
type Model struct {
	Name  string // the model's name, e.g. "akidanet_0.25_160_1000"
	Class string // "Sequential", "Functional", or "Model" (older tf.keras and TF.js)

	Format       Format
	KerasVersion string // e.g. "2.15.0"; "" when the file does not say
	Backend      string // e.g. "tensorflow"; "" when the file does not say

	Inputs  []string // names of the input layers (InputLayer), in model order
	Outputs []string // names of the layers whose outputs are the model outputs

	// Layers in model order. Nested Sequential/Functional models are
	// flattened: their layers appear in place of the nested model, and
	// their inner InputLayers are dropped.
	Layers []*Layer

	// Warnings say what Load read differently from a plain file, each
	// starting with the file name: a model JSON found inside a JSON
	// string, a file cut short, a complete model given with a JSON that
	// differs from its own config. Nil for a plain file.
	Warnings []string
}

// Layer is one layer of the graph.
type Layer struct {
	Name string

	// ClassName is the bare class, e.g. "Conv2D" or "QuantizedConv2D", with
	// any "Package>" prefix stripped. Package is that prefix ("Custom" for
	// quantizeml layers, which Keras serializes as "Custom>QuantizedConv2D"
	// or with registered_name "Custom>…"); "" for Keras built-ins and for
	// unregistered classes such as cnn2snn's legacy quantized layers.
	ClassName string
	Package   string

	// Config is the typed config for classes this package knows (a pointer
	// such as *Conv2D, *QuantizedConv2D or *QMLConv2D), nil otherwise.
	// RawConfig is the layer's "config" JSON object, always kept.
	Config    any
	RawConfig json.RawMessage

	// Inbound names the layers feeding this layer's first inbound node, in
	// order; empty for input layers. InboundNodes counts the nodes in the
	// config: a layer called several times (a shared layer) has more than
	// one, and only the first is described by Inbound.
	Inbound      []string
	InboundNodes int

	// OutputShape is the layer's output shape WITHOUT the batch dimension;
	// -1 marks a dimension Keras leaves unknown (None). It is nil when it
	// could not be inferred (an unknown class, or a layer after one).
	OutputShape Shape

	// Weights in Keras order: trainable weights, then non-trainable ones,
	// as Keras saves them.
	Weights []Weight
}

// Shape is a tensor shape; -1 is an unknown dimension.
type Shape []int

// Weight is one saved variable of a layer.
type Weight struct {
	// Name is the short Keras name: "kernel", "bias", "depthwise_kernel",
	// "pointwise_kernel", "gamma", "beta", "moving_mean",
	// "moving_variance", or for quantizeml "output_quantizer/range_max",
	// "output_quantizer/rescaling_rate", "range_min", "range_max".
	Name   string
	Shape  []int
	Values []float32 // row-major (C order), len = product of Shape
}

// Layer returns the layer with this name, or nil.
func (m *Model) Layer(name string) *Layer {
	for _, l := range m.Layers {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// Outbound returns the names of the layers that take the named layer as
// an input (through their first inbound node), in model order.
func (m *Model) Outbound(name string) []string {
	var out []string
	for _, l := range m.Layers {
		for _, in := range l.Inbound {
			if in == name {
				out = append(out, l.Name)
				break
			}
		}
	}
	return out
}

// InputShape returns the shape (without the batch dimension) of the
// model's first input, or nil when the model has no input with a known
// shape. Models for Akida have exactly one input; use Inputs for more.
func (m *Model) InputShape() Shape {
	if len(m.Inputs) == 0 {
		return nil
	}
	if l := m.Layer(m.Inputs[0]); l != nil {
		return l.OutputShape
	}
	return nil
}

// Params returns the number of weight elements of the model, trainable or
// not, as Keras' "Total params".
func (m *Model) Params() int {
	n := 0
	for _, l := range m.Layers {
		n += l.Params()
	}
	return n
}

// Params returns the number of weight elements of the layer.
func (l *Layer) Params() int {
	n := 0
	for _, w := range l.Weights {
		n += len(w.Values)
	}
	return n
}

// Weight returns the weight with this short name (e.g. "kernel"), or nil.
func (l *Layer) Weight(name string) *Weight {
	for i := range l.Weights {
		if l.Weights[i].Name == name {
			return &l.Weights[i]
		}
	}
	return nil
}

// InputShapes returns the output shapes of the layer's inbound layers, in
// inbound order (nil entries where a shape is unknown).
func (l *Layer) InputShapes(m *Model) []Shape {
	shapes := make([]Shape, len(l.Inbound))
	for i, name := range l.Inbound {
		if in := m.Layer(name); in != nil {
			shapes[i] = in.OutputShape
		}
	}
	return shapes
}

// InputShape returns the output shape of the layer's one inbound layer;
// nil when it has none or several, or when that shape is unknown.
func (l *Layer) InputShape(m *Model) Shape {
	if len(l.Inbound) != 1 {
		return nil
	}
	if in := m.Layer(l.Inbound[0]); in != nil {
		return in.OutputShape
	}
	return nil
}

// Elements returns the number of values of a tensor of this shape, whose
// dimensions must all be known: their product (1 for a scalar). The
// number of values between neighbours along axis a of a C-order tensor
// is Elements(shape[a+1:]).
func Elements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// IsInput reports whether the layer is an InputLayer.
func (l *Layer) IsInput() bool { return l.ClassName == "InputLayer" && l.Package == "" }

// Origin tells which quantization framework a layer comes from.
type Origin int

// Origins of a layer class.
const (
	OriginKeras      Origin = iota // a Keras built-in (or an unknown class)
	OriginCNN2SNN                  // cnn2snn's legacy quantized layers (Akida 1.0 path)
	OriginQuantizeML               // BrainChip quantizeml layers (Akida 2.0 path)
)

func (o Origin) String() string {
	switch o {
	case OriginCNN2SNN:
		return "cnn2snn"
	case OriginQuantizeML:
		return "quantizeml"
	}
	return "keras"
}

// Origin tells a quantizeml layer from a legacy cnn2snn one. The bare
// class names QuantizedConv2D, QuantizedDense, QuantizedReLU … exist in
// both packages, so the decision follows conversion.md §2: quantizeml
// layers are registered Keras serializables (a "Package>" prefix or
// registered_name, "Custom" by default) and carry a "quant_config";
// cnn2snn's are written under the bare name and carry a "quantizer"
// sub-object (or are one of cnn2snn's activation classes).
func (l *Layer) Origin() Origin {
	switch l.Config.(type) {
	case *QuantizedConv2D, *QuantizedSeparableConv2D, *QuantizedDense,
		*ActivationDiscreteRelu, *QuantizedReLU:
		return OriginCNN2SNN
	}
	if isQuantizeML(l.Config) {
		return OriginQuantizeML
	}
	// Unknown classes: fall back on the same evidence, read from the JSON.
	if l.Config == nil && (l.Package != "" || hasKey(l.RawConfig, "quant_config")) &&
		strings.HasPrefix(l.ClassName, "Quantized") {
		return OriginQuantizeML
	}
	return OriginKeras
}

// Clone returns a deep copy of the model: layers, typed configs, shapes
// and weight values are all copied, so the converter can transform the
// copy freely.
func (m *Model) Clone() *Model {
	c := *m
	c.Inputs = append([]string(nil), m.Inputs...)
	c.Outputs = append([]string(nil), m.Outputs...)
	c.Warnings = append([]string(nil), m.Warnings...)
	c.Layers = make([]*Layer, len(m.Layers))
	for i, l := range m.Layers {
		c.Layers[i] = l.Clone()
	}
	return &c
}

// Clone returns a deep copy of the layer.
func (l *Layer) Clone() *Layer {
	c := *l
	c.Config = cloneConfig(l.Config)
	c.RawConfig = append(json.RawMessage(nil), l.RawConfig...)
	c.Inbound = append([]string(nil), l.Inbound...)
	if l.OutputShape != nil {
		c.OutputShape = append(Shape(nil), l.OutputShape...)
	}
	c.Weights = make([]Weight, len(l.Weights))
	for i, w := range l.Weights {
		c.Weights[i] = Weight{
			Name:   w.Name,
			Shape:  append([]int(nil), w.Shape...),
			Values: append([]float32(nil), w.Values...),
		}
	}
	return &c
}

// hasKey reports whether a JSON object has the key (false for non-objects).
func hasKey(obj json.RawMessage, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(obj, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}
