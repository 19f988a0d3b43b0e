package keras

import (
	"fmt"
	"strconv"
	"strings"
)

// savedWeight is a weight as a file stores it. name is the full saved
// name ("conv_0/BN/gamma:0", "sequential/conv2d/kernel",
// "conv2d/kernel"), or "" when the format has no names (.keras vars).
type savedWeight struct {
	name   string
	shape  []int
	values []float32
}

// expectedWeight is a weight a layer of a known class must have.
type expectedWeight struct {
	name  string
	alias string // another saved name of the same variable, e.g. Keras 3 DepthwiseConv2D "kernel"
	shape []int  // -1 = any size (unknown input dimension)
}

// expectedWeights returns the weights of a layer in Keras order, computed
// from its config and input shape; known is false for classes whose
// weights this package does not check (unknown classes).
func expectedWeights(l *Layer, in Shape) (ws []expectedWeight, known bool) {
	if l.Config == nil {
		return nil, false
	}
	channels := -1 // input channels, or -1 when unknown
	if len(in) > 0 {
		channels = in[len(in)-1]
		if f, _ := l.DataFormat(); f == "channels_first" && len(in) == 3 {
			channels = in[0]
		}
	}
	if w, ok := l.Config.(weighted); ok {
		ws = w.weights(in, channels)
	}
	if q, ok := l.QuantizeML(); ok && q != nil {
		outChannels := -1
		if len(l.OutputShape) > 0 {
			outChannels = l.OutputShape[len(l.OutputShape)-1]
		}
		ws = append(ws, outputQuantizerWeights(q, outChannels)...)
	}
	return ws, true // a typed class without weights has none
}

// weighted is implemented by the configs of classes with weights (and,
// through embedding, by the quantized classes that extend them): their
// float weights in Keras order from the input shape and channels.
type weighted interface {
	weights(in Shape, channels int) []expectedWeight
}

func (c *Conv2D) weights(_ Shape, channels int) []expectedWeight { return convWeights(c, channels) }
func (c *DepthwiseConv2D) weights(_ Shape, channels int) []expectedWeight {
	return depthwiseWeights(c, channels)
}
func (c *SeparableConv2D) weights(_ Shape, channels int) []expectedWeight {
	return separableWeights(c, channels)
}
func (c *Dense) weights(_ Shape, channels int) []expectedWeight { return denseWeights(c, channels) }
func (c *BatchNormalization) weights(in Shape, _ int) []expectedWeight {
	return batchNormWeights(c, in)
}

func (c *Conv2DTranspose) weights(_ Shape, channels int) []expectedWeight {
	ws := []expectedWeight{{name: "kernel", shape: []int{c.KernelSize[0], c.KernelSize[1], c.Filters, channels}}}
	if c.UseBias {
		ws = append(ws, expectedWeight{name: "bias", shape: []int{c.Filters}})
	}
	return ws
}

// weights of an InputQuantizer: its calibrated range, one value per
// tensor or per channel.
func (c *QMLInputQuantizer) weights(_ Shape, channels int) []expectedWeight {
	shape := []int{}
	if c.PerAxis {
		shape = []int{channels}
	}
	return []expectedWeight{{name: "range_min", shape: shape}, {name: "range_max", shape: shape}}
}

func convWeights(c *Conv2D, channels int) []expectedWeight {
	in := channels
	if in > 0 && c.Groups > 1 {
		in = channels / c.Groups
	}
	ws := []expectedWeight{{name: "kernel", shape: []int{c.KernelSize[0], c.KernelSize[1], in, c.Filters}}}
	if c.UseBias {
		ws = append(ws, expectedWeight{name: "bias", shape: []int{c.Filters}})
	}
	return ws
}

func depthwiseWeights(c *DepthwiseConv2D, channels int) []expectedWeight {
	ws := []expectedWeight{{name: "depthwise_kernel", alias: "kernel",
		shape: []int{c.KernelSize[0], c.KernelSize[1], channels, c.DepthMultiplier}}}
	if c.UseBias {
		ws = append(ws, expectedWeight{name: "bias", shape: []int{mulDims(channels, c.DepthMultiplier)}})
	}
	return ws
}

func separableWeights(c *SeparableConv2D, channels int) []expectedWeight {
	ws := []expectedWeight{
		{name: "depthwise_kernel", shape: []int{c.KernelSize[0], c.KernelSize[1], channels, c.DepthMultiplier}},
		{name: "pointwise_kernel", shape: []int{1, 1, mulDims(channels, c.DepthMultiplier), c.Filters}},
	}
	if c.UseBias {
		ws = append(ws, expectedWeight{name: "bias", shape: []int{c.Filters}})
	}
	return ws
}

func denseWeights(c *Dense, inputs int) []expectedWeight {
	ws := []expectedWeight{{name: "kernel", shape: []int{inputs, c.Units}}}
	if c.UseBias {
		ws = append(ws, expectedWeight{name: "bias", shape: []int{c.Units}})
	}
	return ws
}

// batchNormWeights: gamma (if scale), beta (if center), moving_mean,
// moving_variance, each of the size of the normalized axis. With several
// axes the shape is left unchecked (Keras 2 and 3 lay them out
// differently).
func batchNormWeights(c *BatchNormalization, in Shape) []expectedWeight {
	var shape []int
	if len(c.Axis) == 1 && in != nil {
		a := c.Axis[0]
		if a < 0 {
			a += len(in) + 1 // Keras axes count the batch dimension
		}
		if a >= 1 && a <= len(in) {
			shape = []int{in[a-1]}
		}
	}
	var ws []expectedWeight
	if c.Scale {
		ws = append(ws, expectedWeight{name: "gamma", shape: shape})
	}
	if c.Center {
		ws = append(ws, expectedWeight{name: "beta", shape: shape})
	}
	return append(ws, expectedWeight{name: "moving_mean", shape: shape}, expectedWeight{name: "moving_variance", shape: shape})
}

// outputQuantizerWeights are a quantizeml OutputQuantizer's calibration
// variables (range_max, rescaling_rate: scalars per-tensor, one per
// channel per-axis), saved after the layer's own weights.
func outputQuantizerWeights(qc *QuantConfig, channels int) []expectedWeight {
	if qc.OutputQuantizer == nil {
		return nil
	}
	shape := []int{}
	if qc.OutputQuantizer.PerAxis {
		shape = []int{channels}
	}
	return []expectedWeight{
		{name: "output_quantizer/range_max", shape: shape},
		{name: "output_quantizer/rescaling_rate", shape: shape},
	}
}

// attachWeights checks the saved weights of one layer against its class
// and sets l.Weights in Keras order with short names. named says whether
// the saved weights carry names (h5, TF.js) or only an order (.keras).
func attachWeights(l *Layer, saved []savedWeight, in Shape, named bool) error {
	exp, known := expectedWeights(l, in)
	if !known {
		l.Weights = make([]Weight, len(saved))
		for i, s := range saved {
			name := s.name
			switch {
			case named:
				name = shortWeightName(s.name, l.Name)
			case name == "": // a .keras file does not name variables: use their number
				name = strconv.Itoa(i)
			}
			l.Weights[i] = Weight{Name: name, Shape: s.shape, Values: s.values}
		}
		return nil
	}
	ordered, err := matchWeights(l, exp, saved, named)
	if err != nil {
		return err
	}
	l.Weights = make([]Weight, len(exp))
	for i, e := range exp {
		s := ordered[i]
		if !shapeMatches(e.shape, s.shape) {
			return &FormatError{Msg: fmt.Sprintf("layer %q (%s): weight %q has shape %s in the file, but the layer config and its input shape give %s; "+
				"the weights do not belong to this model config. Use the weights saved together with this model (model.save writes both)",
				l.Name, l.ClassName, e.name, tupleString(s.shape), tupleString(e.shape))}
		}
		l.Weights[i] = Weight{Name: e.name, Shape: s.shape, Values: s.values}
	}
	return nil
}

// matchWeights puts the saved weights in the expected order. Named weights
// are matched by their last name components; when none of the names
// match but the count does (variables renamed after creation), the saved
// order is trusted, as Keras' own loader does.
func matchWeights(l *Layer, exp []expectedWeight, saved []savedWeight, named bool) ([]savedWeight, error) {
	if named {
		ordered := make([]savedWeight, len(exp))
		used := make([]bool, len(saved))
		found := 0
		for i, e := range exp {
			for j, s := range saved {
				if !used[j] && (nameEndsWith(s.name, e.name) || e.alias != "" && nameEndsWith(s.name, e.alias)) {
					ordered[i], used[j] = s, true
					found++
					break
				}
			}
		}
		if found == len(exp) && len(saved) == len(exp) {
			return ordered, nil
		}
		if found > 0 { // some names match, some do not: refuse to guess
			return nil, weightCountError(l, exp, saved)
		}
	}
	if len(saved) == len(exp) {
		return saved, nil
	}
	return nil, weightCountError(l, exp, saved)
}

func weightCountError(l *Layer, exp []expectedWeight, saved []savedWeight) error {
	return &FormatError{Msg: fmt.Sprintf("layer %q (%s): the file has %d weights (%s) but the layer config needs %d (%s); "+
		"the weights do not belong to this model config. Use the weights saved together with this model (model.save writes both)",
		l.Name, l.ClassName, len(saved), savedNames(saved, l.Name), len(exp), expectedNames(exp))}
}

// nameEndsWith reports whether a saved name ("conv_0/BN/gamma:0") ends
// with the short name ("gamma") as whole "/"-separated components.
func nameEndsWith(saved, short string) bool {
	n := trimVariableSuffix(saved)
	return n == short || strings.HasSuffix(n, "/"+short)
}

// trimVariableSuffix drops TensorFlow's ":0" output index.
func trimVariableSuffix(name string) string {
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			return name[:i]
		}
	}
	return name
}

// shortWeightName strips the layer name and the ":0" suffix:
// "re_lu/output_quantizer/range_max:0" → "output_quantizer/range_max",
// "sequential/conv2d/kernel" → "kernel" (layer "conv2d").
func shortWeightName(saved, layer string) string {
	n := trimVariableSuffix(saved)
	s := "/" + n
	if i := strings.LastIndex(s, "/"+layer+"/"); i >= 0 {
		return s[i+len(layer)+2:]
	}
	return n
}

// shapeMatches compares a saved shape with an expected one; -1 in the
// expected shape matches any size, a nil expected shape matches any shape.
func shapeMatches(want, got []int) bool {
	if want == nil {
		return true
	}
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] >= 0 && want[i] != got[i] {
			return false
		}
	}
	return true
}

// tupleString prints a weight shape as Python does: (3, 3, 1, 16), (16,), ().
func tupleString(s []int) string {
	if s == nil {
		return "(any)"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		if d < 0 {
			parts[i] = "?"
		} else {
			parts[i] = strconv.Itoa(d)
		}
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func savedNames(saved []savedWeight, layer string) string {
	if len(saved) == 0 {
		return "none"
	}
	names := make([]string, len(saved))
	for i, s := range saved {
		if s.name == "" {
			names[i] = tupleString(s.shape)
		} else {
			names[i] = shortWeightName(s.name, layer)
		}
	}
	return strings.Join(names, ", ")
}

func expectedNames(exp []expectedWeight) string {
	if len(exp) == 0 {
		return "none"
	}
	names := make([]string, len(exp))
	for i, e := range exp {
		names[i] = e.name
	}
	return strings.Join(names, ", ")
}

// distributeByName splits the weights saved for a group of layers (a
// nested model's .h5 group, or a whole TF.js manifest) among the layers:
// each weight goes to the layer whose name appears in the weight name as
// whole "/"-separated components, the longest such name winning
// ("conv_0/BN/gamma" belongs to "conv_0/BN", not "conv_0").
func distributeByName(weights []savedWeight, layers []*Layer) (map[*Layer][]savedWeight, error) {
	out := map[*Layer][]savedWeight{}
	for _, w := range weights {
		s := "/" + trimVariableSuffix(w.name) + "/"
		var owner *Layer
		for _, l := range layers {
			if strings.Contains(s, "/"+l.Name+"/") && (owner == nil || len(l.Name) > len(owner.Name)) {
				owner = l
			}
		}
		if owner == nil {
			return nil, &FormatError{Msg: fmt.Sprintf("weight %q belongs to no layer of the model config; the weights do not belong to this model. Use the weights saved together with this model", w.name)}
		}
		out[owner] = append(out[owner], w)
	}
	return out, nil
}
