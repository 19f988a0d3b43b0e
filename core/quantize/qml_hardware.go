package quantize

import (
	"fmt"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// quantizeml's sanitize_for_hardware (quantizeml 1.1.1
// models/transforms/split_concat_layers.py, convert_even_to_odd_kernel.py,
// split_dw_layers.py, insert_identity_convs.py): rewrites that give Akida
// 2.0 layers it has, each equivalent in float.

// splitConcatenate is split_concat_layers: a Concatenate of n > 2 inputs
// becomes a chain of n − 1 two-input Concatenates, the intermediate ones
// named <name>_<input>, the last one keeping the name.
func (q *qmlQuantizer) splitConcatenate(g *graph) error {
	for _, l := range slices.Clone(g.m.Layers) {
		c, ok := l.Config.(*keras.Concatenate)
		if !ok || len(l.Inbound) <= 2 {
			continue
		}
		ins := slices.Clone(l.Inbound)
		shapes := l.InputShapes(g.m)
		at := g.index(l.Name)
		current, shape := ins[0], shapes[0]
		var made []string
		for i := 1; i < len(ins); i++ {
			shape = concatShape(shape, shapes[i], c.Axis)
			if i == len(ins)-1 {
				l.Inbound = []string{current, ins[i]}
				l.OutputShape = shape
				made = append(made, l.Name)
				break
			}
			n := g.newLayer(l.Name+"_"+ins[i], "Concatenate", &keras.Concatenate{Axis: c.Axis}, shape)
			n.Inbound = []string{current, ins[i]}
			n.RawConfig = rawConfig(l.RawConfig, n.Name, nil, nil)
			g.m.Layers = slices.Insert(g.m.Layers, at, n)
			at++
			current = n.Name
			made = append(made, n.Name)
		}
		q.report.add(Action{Kind: ActionSplitConcatenate, Layer: l.Name, Result: made[0],
			Text: sprintf("split Concatenate %s of %d inputs into %d two-input Concatenates (%v): Akida's Concatenate takes two",
				l.Name, len(ins), len(made), made)})
	}
	return nil
}

// concatShape is the shape of two tensors concatenated along axis.
func concatShape(a, b keras.Shape, axis int) keras.Shape {
	out := append(keras.Shape(nil), a...)
	if len(a) == 0 || len(a) != len(b) {
		return out
	}
	ax := axis
	if ax < 0 {
		ax += len(a) + 1
	}
	ax-- // without the batch dimension
	if ax >= 0 && ax < len(out) && out[ax] >= 0 && b[ax] >= 0 {
		out[ax] += b[ax]
	}
	return out
}

// evenToOddKernels is convert_even_to_odd_kernel: a 'same' Conv2D or
// DepthwiseConv2D with an even square kernel that Akida does not take
// (stride 1: 2, 4 or 6; stride 2: 2; a first Conv2D on a 1 or 3-channel
// input: 2 or 6 with stride 1 or 2) gets a kernel one larger, the original
// placed so that TensorFlow's 'same' padding gives the same outputs. The
// Conv2DTranspose that quantizeml also matches (a Conv2D subclass) is left
// alone here.
func (q *qmlQuantizer) evenToOddKernels(g *graph) error {
	type target struct {
		l      *keras.Layer
		kernel *keras.Weight
		setK   func(int)
	}
	var targets []target
	for _, l := range g.m.Layers {
		size, strides, ok := l.Kernel()
		var w *keras.Weight
		var setK func(int)
		switch c := l.Config.(type) {
		case *keras.Conv2D:
			w, setK = l.Weight("kernel"), func(k int) { c.KernelSize = [2]int{k, k} }
		case *keras.DepthwiseConv2D:
			w, setK = l.Weight("depthwise_kernel"), func(k int) { c.KernelSize = [2]int{k, k} }
		default:
			continue
		}
		if !ok || l.Padding() != "same" || w == nil {
			continue
		}
		k, s := size[0], strides[0]
		var match bool
		if _, conv := l.Config.(*keras.Conv2D); conv && q.feedsFromInput(g, l) && (inChannels(g, l) == 1 || inChannels(g, l) == 3) {
			match = (s == 1 || s == 2) && (k == 2 || k == 6)
		} else {
			match = (s == 1 && (k == 2 || k == 4 || k == 6)) || (s == 2 && k == 2)
		}
		if !match {
			continue
		}
		if size[1] != size[0] {
			return skipf("%s has the non-square kernel %v; quantizeml grows square kernels only", l.Name, size)
		}
		targets = append(targets, target{l, w, setK})
	}
	for _, t := range targets {
		size, strides, _ := t.l.Kernel()
		k := size[0]
		row, col := 1, 1
		if strides[0] == 2 {
			in := g.inputShape(t.l)
			row, col = in[0]%2, in[1]%2
		}
		growKernel(t.kernel, k, row, col)
		t.setK(k + 1)
		t.l.RawConfig = rawConfig(t.l.RawConfig, t.l.Name, nil, map[string]any{"kernel_size": []int{k + 1, k + 1}})
		q.report.add(Action{Kind: ActionEvenToOddKernel, Layer: t.l.Name,
			Text: sprintf("%s: its %d×%d kernel becomes %d×%d (zeros around the original), which pads 'same' the same way: Akida takes odd kernels",
				t.l.Name, k, k, k+1, k+1)})
	}
	return nil
}

// feedsFromInput reports whether l's input is the model input, through
// Rescaling layers only.
func (q *qmlQuantizer) feedsFromInput(g *graph, l *keras.Layer) bool {
	for in := g.parent(l); in != nil; in = g.parent(in) {
		if in.IsInput() {
			return true
		}
		if _, ok := in.Config.(*keras.Rescaling); !ok {
			return false
		}
	}
	return false
}

// inChannels is the last dimension of l's input.
func inChannels(g *graph, l *keras.Layer) int {
	s := g.inputShape(l)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}

// growKernel puts a k×k kernel into a (k+1)×(k+1) one of zeros at row, col.
func growKernel(w *keras.Weight, k, row, col int) {
	rest := keras.Elements(w.Shape[2:])
	n := k + 1
	out := make([]float32, n*n*rest)
	for i := range k {
		for j := range k {
			copy(out[((i+row)*n+(j+col))*rest:][:rest], w.Values[(i*k+j)*rest:][:rest])
		}
	}
	w.Values = out
	w.Shape = append([]int{n, n}, w.Shape[2:]...)
}

// splitDepthwise is split_dw_layers: a 'same' DepthwiseConv2D of stride 2
// and kernel 5 or 7 becomes the same convolution with stride 1 followed by
// an identity 3×3 DepthwiseConv2D of stride 2 (named
// <name>_identity_dw_conv, no bias, 1 at the kernel centre).
func (q *qmlQuantizer) splitDepthwise(g *graph) error {
	for _, l := range slices.Clone(g.m.Layers) {
		c, ok := l.Config.(*keras.DepthwiseConv2D)
		if !ok || c.Strides[0] != 2 || (c.KernelSize[0] != 5 && c.KernelSize[0] != 7) || c.Padding != "same" {
			continue
		}
		in := g.inputShape(l)
		if len(in) != 3 {
			return skipf("%s has no known (height, width, channels) input", l.Name)
		}
		channels := l.Weight("depthwise_kernel").Shape[2]
		out := l.OutputShape
		c.Strides = [2]int{1, 1}
		l.OutputShape = keras.Shape{in[0], in[1], out[2]}
		l.RawConfig = rawConfig(l.RawConfig, l.Name, nil, map[string]any{"strides": []int{1, 1}})
		kernel := keras.Weight{Name: "depthwise_kernel", Shape: []int{3, 3, channels, 1}, Values: make([]float32, 9*channels)}
		for ch := range channels {
			kernel.Values[4*channels+ch] = 1 // [1, 1, ch, 0]
		}
		id := g.newLayer(l.Name+"_identity_dw_conv", "DepthwiseConv2D", &keras.DepthwiseConv2D{
			KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", DataFormat: "channels_last",
			DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear"}, out, kernel)
		g.insertAfter(l.Name, id, nil)
		q.report.add(Action{Kind: ActionSplitDepthwise, Layer: l.Name, Result: id.Name,
			Text: sprintf("%s (%d×%d, stride 2) becomes stride 1 followed by an identity 3×3 DepthwiseConv2D %s of stride 2: Akida's depthwise convolutions of that size take stride 1",
				l.Name, c.KernelSize[0], c.KernelSize[1], id.Name)})
	}
	return nil
}

// identityConv makes a 1×1 Conv2D of the given channels without bias whose
// kernel is the identity.
func identityConv(g *graph, base string, shape keras.Shape) *keras.Layer {
	n := shape[len(shape)-1]
	kernel := keras.Weight{Name: "kernel", Shape: []int{1, 1, n, n}, Values: make([]float32, n*n)}
	for i := range n {
		kernel.Values[i*n+i] = 1
	}
	return g.newLayer(base, "Conv2D", &keras.Conv2D{Filters: n, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1},
		Padding: "valid", DataFormat: "channels_last", DilationRate: []int{1, 1}, Groups: 1, Activation: "linear"},
		shape, kernel)
}

// isSkip reports an Add or Concatenate.
func isSkip(l *keras.Layer) bool {
	switch l.Base().(type) {
	case *keras.Add, *keras.Concatenate:
		return true
	}
	return false
}

// insertIdentityConvs is insert_identity_convs: 1×1 identity Conv2D layers
// (named <layer>_identity_conv) where Akida needs a layer it can map the
// pattern on, in quantizeml's five passes.
func (q *qmlQuantizer) insertIdentityConvs(g *graph) {
	identity := func(target *keras.Layer, why string) {
		id := identityConv(g, target.Name+"_identity_conv", target.OutputShape)
		g.insertAfter(target.Name, id, nil)
		q.report.add(Action{Kind: ActionIdentityConv, Layer: target.Name, Result: id.Name,
			Text: sprintf("inserted an identity 1×1 Conv2D %s after %s: %s", id.Name, target.Name, why)})
	}
	// 1. Add > ReLU > GlobalAveragePooling2D: after the Add.
	for _, p := range pairs(g, func(l *keras.Layer) bool { _, ok := l.Base().(*keras.Add); return ok }, isReLU) {
		if next := g.single(p[1].Name); next != nil && isGAP(next) {
			identity(p[0], "Akida pools after the activation of a convolution, which an Add does not have")
		}
	}
	// 2. An Add or Concatenate with a 4-D output and no convolution among
	// its outbound layers.
	for _, l := range slices.Clone(g.m.Layers) {
		if !isSkip(l) || len(l.OutputShape) != 3 {
			continue
		}
		if !slices.ContainsFunc(g.outbound(l.Name), isConvolution) {
			identity(l, "Akida needs a convolution after a skip connection")
		}
	}
	// 3. The first Conv2D on a 1 or 3-channel input (after its ReLU and
	// MaxPooling2D) with more than one outbound.
	if t := q.firstConvWithBranches(g); t != nil {
		identity(t, "the input convolution of Akida (InputConv2D) feeds one layer")
	}
	// 4. quantizeml's _insert_identity_to_force_different_inbounds (a skip
	// whose two inputs are the same tensor) reads the inbound's
	// output_shape[0][-1], which for a one-output layer is the batch
	// dimension None: the pass always fails in quantizeml 1.1.1 and is
	// swallowed by safe_fail, so it is not applied here either.
	// 5. A layer with more than two outbound layers and a 4-D output: its
	// last two outbounds are fed by an identity conv, until two are left.
	for _, l := range slices.Clone(g.m.Layers) {
		outs := g.outbound(l.Name)
		if len(outs) <= 2 || len(l.OutputShape) != 3 {
			continue
		}
		names := make([]string, len(outs))
		for i, o := range outs {
			names[i] = o.Name
		}
		for len(names) > 2 {
			id := identityConv(g, fmt.Sprintf("%s_identity_conv_%d", l.Name, len(names)), l.OutputShape)
			last := slices.Clone(names[len(names)-2:])
			names = append(names[:len(names)-2], id.Name)
			g.insertAfter(l.Name, id, last)
			q.report.add(Action{Kind: ActionIdentityConv, Layer: l.Name, Result: id.Name,
				Text: sprintf("inserted an identity 1×1 Conv2D %s after %s to feed %v: an Akida layer feeds at most two", id.Name, l.Name, last)})
		}
	}
}

// isConvolution reports the layers quantizeml's _find_skip_sequences takes
// for a convolution after a skip.
func isConvolution(l *keras.Layer) bool {
	switch l.Base().(type) {
	case *keras.Conv2D, *keras.DepthwiseConv2D, *keras.Conv2DTranspose:
		return true
	}
	return false
}

// firstConvWithBranches is _find_hrc_with_multi_outbounds: the first layer
// after the input and its Rescalings, if a Conv2D on a 1 or 3-channel
// input, followed by its ReLU/MaxPooling2D chain; returned when the end of
// that chain has more than one outbound.
func (q *qmlQuantizer) firstConvWithBranches(g *graph) *keras.Layer {
	t := g.layer(g.m.Inputs[0])
	for t != nil {
		if _, resc := t.Config.(*keras.Rescaling); !t.IsInput() && !resc {
			break
		}
		t = g.single(t.Name)
	}
	if t == nil {
		return nil
	}
	if _, ok := t.Config.(*keras.Conv2D); !ok || (inChannels(g, t) != 1 && inChannels(g, t) != 3) {
		return nil
	}
	for {
		next := g.single(t.Name)
		if next == nil || !(isReLU(next) || isMaxPool(next)) {
			break
		}
		t = next
	}
	if len(g.outbound(t.Name)) <= 1 {
		return nil
	}
	return t
}
