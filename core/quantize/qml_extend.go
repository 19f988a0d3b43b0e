package quantize

import (
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Where the quantizeml mode goes beyond quantizeml 1.1.1 (each reported as
// an extension): rewrites, equivalent in float, that let common float
// models reach Akida 2.0 layers where quantizeml would stop quantizing
// (it puts a Dequantizer before a layer it cannot quantize) or cnn2snn
// would refuse the block.

// activationsToReLU turns Activation("relu") and Activation("relu6")
// layers — written as such or split from a fused activation — into ReLU
// layers of the same name. quantizeml quantizes only its own Activation
// class and Keras ReLU layers: a Keras Activation layer stays float, a
// Dequantizer goes before it and quantization stops there (spec §4.7), so
// a model written with Conv2D(..., activation="relu") would be quantized
// up to its first layer only.
func (q *qmlQuantizer) activationsToReLU(g *graph) {
	for _, l := range g.m.Layers {
		a, ok := l.Config.(*keras.Activation)
		if !ok {
			continue
		}
		maxValue, isReLU := fusedReLUMax(a.Activation)
		if !isReLU {
			continue
		}
		act := a.Activation
		l.ClassName, l.Package = "ReLU", ""
		l.Config = &keras.ReLU{MaxValue: maxValue}
		l.RawConfig = reluRawConfig(l.Name, maxValue)
		q.report.add(Action{Kind: ActionActivationToReLU, Layer: l.Name, Result: l.Name, Extension: true,
			Text: sprintf("Activation layer %s (%q) becomes a ReLU layer%s (extension: quantizeml leaves Keras Activation layers float and stops quantizing there)",
				l.Name, act, maxValueNote(maxValue))})
	}
}

// splitSeparable turns a SeparableConv2D (depth_multiplier 1) into a
// DepthwiseConv2D <name>_dw without bias followed by a 1×1 Conv2D <name>
// holding the pointwise kernel and the bias: the same function. quantizeml
// would make it a QuantizedSeparableConv2D, for which cnn2snn has no Akida
// 2.0 layer (conversion-v2.md §1.5); BrainChip's Akida 2.0 models are
// written with the two layers instead.
func (q *qmlQuantizer) splitSeparable(g *graph) {
	for _, l := range slices.Clone(g.m.Layers) {
		c, ok := l.Config.(*keras.SeparableConv2D)
		if !ok || c.DepthMultiplier != 1 || c.Activation != "linear" {
			continue
		}
		dwk, pwk := l.Weight("depthwise_kernel"), l.Weight("pointwise_kernel")
		if dwk == nil || pwk == nil || len(dwk.Shape) != 4 || len(pwk.Shape) != 4 || len(l.OutputShape) != 3 {
			continue
		}
		cin := dwk.Shape[2]
		dwShape := keras.Shape{l.OutputShape[0], l.OutputShape[1], cin}
		dw := g.newLayer(l.Name+"_dw", "DepthwiseConv2D", &keras.DepthwiseConv2D{
			KernelSize: c.KernelSize, Strides: c.Strides, Padding: c.Padding, DataFormat: c.DataFormat,
			DilationRate: c.DilationRate, DepthMultiplier: 1, Activation: "linear"}, dwShape,
			keras.Weight{Name: "depthwise_kernel", Shape: dwk.Shape, Values: dwk.Values})
		dw.Inbound = slices.Clone(l.Inbound)
		weights := []keras.Weight{{Name: "kernel", Shape: pwk.Shape, Values: pwk.Values}}
		if b := l.Weight("bias"); b != nil {
			weights = append(weights, *b)
		}
		l.ClassName, l.Package = "Conv2D", ""
		l.Config = &keras.Conv2D{Filters: c.Filters, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "valid",
			DataFormat: c.DataFormat, DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: c.UseBias}
		l.Weights = weights
		l.Inbound = []string{dw.Name}
		l.RawConfig = rawConfig(nil, l.Name, nil, map[string]any{"filters": c.Filters, "kernel_size": []int{1, 1}, "use_bias": c.UseBias})
		g.m.Layers = slices.Insert(g.m.Layers, g.index(l.Name), dw)
		q.report.add(Action{Kind: ActionSplitSeparable, Layer: l.Name, Result: dw.Name, Extension: true,
			Text: sprintf("SeparableConv2D %s becomes DepthwiseConv2D %s and a 1×1 Conv2D %s (extension: Akida 2.0 has no separable layer, and cnn2snn refuses quantizeml's QuantizedSeparableConv2D for it)",
				l.Name, dw.Name, l.Name)})
	}
}

// averageToGlobalPool turns an AveragePooling2D whose window is its whole
// input (output 1×1) into a GlobalAveragePooling2D with keepdims: the same
// function. quantizeml has no quantized AveragePooling2D: it would stop
// quantizing there.
func (q *qmlQuantizer) averageToGlobalPool(g *graph) {
	for _, l := range g.m.Layers {
		c, ok := l.Config.(*keras.AveragePooling2D)
		in := g.inputShape(l)
		if !ok || c.DataFormat == "channels_first" || len(in) != 3 || len(l.OutputShape) != 3 {
			continue
		}
		if c.PoolSize != [2]int{in[0], in[1]} || l.OutputShape[0] != 1 || l.OutputShape[1] != 1 {
			continue
		}
		l.ClassName, l.Package = "GlobalAveragePooling2D", ""
		l.Config = &keras.GlobalAveragePooling2D{DataFormat: "channels_last", KeepDims: true}
		l.RawConfig = rawConfig(nil, l.Name, nil, map[string]any{"data_format": "channels_last", "keepdims": true})
		q.report.add(Action{Kind: ActionAverageToGlobal, Layer: l.Name, Result: l.Name, Extension: true,
			Text: sprintf("AveragePooling2D %s pools its whole %d×%d input: it becomes a GlobalAveragePooling2D with keepdims (extension: quantizeml has no quantized AveragePooling2D and stops quantizing there)",
				l.Name, in[0], in[1])})
	}
}

// identityAfterGlobalPool inserts an identity layer between a
// GlobalAveragePooling2D and the ReLU after it — a Dense when the pooling
// outputs a vector, a 1×1 Conv2D otherwise — named <pooling>_identity.
// Akida 2.0 averages after the activation (the Keras pattern Conv2D >
// ReLU > GlobalAveragePooling2D), so a Conv2D > GlobalAveragePooling2D >
// ReLU block (Akida 1.0 models, which pool first) matches no Akida 2.0
// pattern; with the identity, the pooling ends one block and the identity
// layer and the ReLU make the next.
func (q *qmlQuantizer) identityAfterGlobalPool(g *graph) {
	for _, p := range pairs(g, isGAP, isReLU) {
		gap := p[0]
		var id *keras.Layer
		if len(gap.OutputShape) == 1 {
			n := gap.OutputShape[0]
			kernel := keras.Weight{Name: "kernel", Shape: []int{n, n}, Values: make([]float32, n*n)}
			for i := range n {
				kernel.Values[i*n+i] = 1
			}
			id = g.newLayer(gap.Name+"_identity", "Dense", &keras.Dense{Units: n, Activation: "linear"}, gap.OutputShape, kernel)
		} else {
			id = identityConv(g, gap.Name+"_identity", gap.OutputShape)
		}
		g.insertAfter(gap.Name, id, nil)
		q.report.add(Action{Kind: ActionIdentityConv, Layer: gap.Name, Result: id.Name, Extension: true,
			Text: sprintf("inserted an identity %s %s between %s and %s (extension: Akida 2.0 averages after the activation, so GlobalAveragePooling2D > ReLU needs a layer in between)",
				id.ClassName, id.Name, gap.Name, p[1].Name)})
	}
}

// averageToDepthwise turns an AveragePooling2D that pads nothing into a
// DepthwiseConv2D <name> of the same window and strides, without bias,
// whose kernel is 1/(window size) everywhere: the same function.
// quantizeml has no quantized AveragePooling2D: it would stop quantizing
// there. A pooling that pads ('same' with a window overlapping the
// border) averages fewer values at the borders, which a convolution
// cannot do: it is left as it is.
func (q *qmlQuantizer) averageToDepthwise(g *graph) {
	for _, l := range g.m.Layers {
		c, ok := l.Config.(*keras.AveragePooling2D)
		in := g.inputShape(l)
		if !ok || c.DataFormat == "channels_first" || len(in) != 3 || len(l.OutputShape) != 3 || in[2] <= 0 {
			continue
		}
		if c.Padding == "same" && !padsNothing(in, c.PoolSize, c.Strides) {
			continue
		}
		kh, kw, ch := c.PoolSize[0], c.PoolSize[1], in[2]
		kernel := keras.Weight{Name: "depthwise_kernel", Shape: []int{kh, kw, ch, 1}, Values: filled(kh*kw*ch, 1/float32(kh*kw))}
		l.ClassName, l.Package = "DepthwiseConv2D", ""
		l.Config = &keras.DepthwiseConv2D{KernelSize: c.PoolSize, Strides: c.Strides, Padding: "valid", DataFormat: "channels_last",
			DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear"}
		l.Weights = []keras.Weight{kernel}
		l.RawConfig = rawConfig(nil, l.Name, nil, map[string]any{"kernel_size": []int{kh, kw}, "strides": c.Strides[:], "use_bias": false})
		q.report.add(Action{Kind: ActionAverageToDepthwise, Layer: l.Name, Result: l.Name, Extension: true,
			Text: sprintf("AveragePooling2D %s (%d×%d, strides %d×%d) becomes a DepthwiseConv2D whose kernel is 1/%d everywhere (extension: quantizeml has no quantized AveragePooling2D and stops quantizing there)",
				l.Name, kh, kw, c.Strides[0], c.Strides[1], kh*kw)})
	}
}

// padsNothing reports whether TensorFlow's 'same' padding adds no cell for
// this input, window and strides.
func padsNothing(in keras.Shape, size, strides [2]int) bool {
	for a := range 2 {
		out := (in[a] + strides[a] - 1) / strides[a]
		if (out-1)*strides[a]+size[a] > in[a] {
			return false
		}
	}
	return true
}
