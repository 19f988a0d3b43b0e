package quantize

import (
	"fmt"
	"math"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// quantizeml's sanitize (spec conversion-v2.md §4.2 step 3; quantizeml
// 1.1.1 models/transforms/sanitize.py), for the layers this tool reads:
// sanitize_base then sanitize_for_hardware, each transform in quantizeml's
// order. Transforms for layers core/keras does not type (Lambda, Conv3D,
// LeakyReLU, PReLU) have nothing to do here. Not applied:
// convert_conv_to_dw_conv (a grouped Conv2D equivalent to a depthwise one)
// and remove_reshape (consecutive Reshape/Flatten layers); a model with
// them keeps them, and the converter says what it makes of them.
//
// quantizeml wraps every transform in safe_fail: an exception inside a
// transform leaves the model as it was, silently. Here the transform is
// skipped the same way, and the report says why (a warning), since the
// layers it would have changed then stop the quantization or the
// conversion.

// sanitize runs the transforms on g, in place.
func (q *qmlQuantizer) sanitize(g *graph) error {
	q.splitActivations(g)
	q.activationsToReLU(g)   // extension
	q.splitSeparable(g)      // extension
	q.averageToGlobalPool(g) // extension
	q.averageToDepthwise(g)  // extension
	q.safe("align_rescaling", g, q.alignRescaling)
	q.safe("invert_activation_maxpool", g, q.invertActivationMaxPool)
	q.safe("invert_batchnorm_pooling", g, q.invertBatchNormPooling)
	q.safe("fold_batchnorms", g, q.foldBatchNorms)
	q.safe("remove_zeropadding2d", g, q.removeZeroPadding)
	// sanitize_for_hardware
	q.safe("split_concat_layers", g, q.splitConcatenate)
	q.safe("convert_even_to_odd_kernel", g, q.evenToOddKernels)
	q.safe("split_dw_layers", g, q.splitDepthwise)
	q.insertIdentityConvs(g)
	q.identityAfterGlobalPool(g) // extension
	return nil
}

// transformError is a transform's failure that quantizeml's safe_fail
// swallows.
type transformError struct{ msg string }

func (e *transformError) Error() string { return e.msg }

func skipf(format string, args ...any) error { return &transformError{fmt.Sprintf(format, args...)} }

// safe runs a transform the way quantizeml's safe_fail does: on failure the
// model is left as it was before the transform (the transforms here check
// everything before changing anything) and the report says so.
func (q *qmlQuantizer) safe(name string, g *graph, transform func(*graph) error) {
	if err := transform(g); err != nil {
		q.report.warn(fmt.Sprintf("quantizeml's %s left the model unchanged: %v", name, err))
	}
}

// activationOf returns the fused activation= argument of a layer that has
// one, and a setter.
func activationOf(l *keras.Layer) (string, func(string), bool) {
	switch c := l.Config.(type) {
	case *keras.Conv2D:
		return c.Activation, func(a string) { c.Activation = a }, true
	case *keras.Conv2DTranspose:
		return c.Activation, func(a string) { c.Activation = a }, true
	case *keras.DepthwiseConv2D:
		return c.Activation, func(a string) { c.Activation = a }, true
	case *keras.SeparableConv2D:
		return c.Activation, func(a string) { c.Activation = a }, true
	case *keras.Dense:
		return c.Activation, func(a string) { c.Activation = a }, true
	}
	return "", nil, false
}

// splitActivations is split_layers_with_activations: every layer with an
// activation= other than linear gets a plain Activation layer named
// <layer>_activ after it.
func (q *qmlQuantizer) splitActivations(g *graph) {
	for _, l := range slices.Clone(g.m.Layers) {
		act, set, ok := activationOf(l)
		if !ok || act == "linear" || act == "" {
			continue
		}
		set("linear")
		l.RawConfig = rawConfig(l.RawConfig, l.Name, nil, map[string]any{"activation": "linear"})
		a := g.newLayer(l.Name+"_activ", "Activation", &keras.Activation{Activation: act}, l.OutputShape)
		a.RawConfig = rawConfig(nil, a.Name, nil, map[string]any{"activation": act})
		g.insertAfter(l.Name, a, nil)
		q.report.add(Action{Kind: ActionSplitActivation, Layer: l.Name, Result: a.Name,
			Text: sprintf("split the fused activation %q of %s into an Activation layer %s", act, l.Name, a.Name)})
	}
}

// alignRescaling is align_rescaling: the first Rescaling layer, when it
// has an offset or per-channel scales, gets them folded into the Conv2D or
// Dense after it — the offset into its bias (and into a padding value
// for a 'same' Conv2D, which quantizeml makes a PaddedConv2D), per-channel
// scales into its kernel — and keeps a scalar scale and no offset.
func (q *qmlQuantizer) alignRescaling(g *graph) error {
	var r *keras.Layer
	for _, l := range g.m.Layers {
		if _, ok := l.Config.(*keras.Rescaling); ok {
			r = l
			break
		}
	}
	if r == nil {
		return nil
	}
	c := r.Config.(*keras.Rescaling)
	perAxis := len(c.Scale) > 1
	if !perAxis && !slices.ContainsFunc(c.Offset, func(o float64) bool { return o != 0 }) {
		return nil // already aligned
	}
	dst := g.single(r.Name)
	if dst == nil {
		return skipf("Found a non-aligned Rescaling layer in the model with multiple outbounds which is not supported.")
	}
	conv, isConv := dst.Config.(*keras.Conv2D)
	if _, isDense := dst.Config.(*keras.Dense); !isConv && !isDense {
		return skipf("Layer type %s after Rescaling not supported, must be in [Conv2D, Dense, BufferTempConv, DepthwiseBufferTempConv].", dst.ClassName)
	}
	kernel := dst.Weight("kernel")
	cin := kernel.Shape[len(kernel.Shape)-2]
	offset, err := perChannel(c.Offset, cin)
	if err != nil {
		return skipf("the Rescaling offset %v does not match the %d input channels of %s", c.Offset, cin, dst.Name)
	}
	scale, err := perChannel(c.Scale, cin)
	if err != nil {
		return skipf("the Rescaling scale %v does not match the %d input channels of %s", c.Scale, cin, dst.Name)
	}
	ensureBias(dst)
	if isConv && conv.Padding == "same" {
		// PaddedConv2D: an explicit 'same' padding with padding_value.
		pv := []float64{0}
		// _fold_rescaling: padding_value − offset, reduced to one value
		// when all are equal, then divided by a per-channel scale.
		vals := make([]float64, len(c.Offset))
		for i, o := range c.Offset {
			vals[i] = pv[0] - o
		}
		if allEqual(vals) {
			vals = vals[:1]
		}
		if perAxis {
			div := make([]float64, max(len(vals), len(c.Scale)))
			for i := range div {
				div[i] = float64(float32(vals[min(i, len(vals)-1)])) / c.Scale[i%len(c.Scale)]
			}
			vals = div
		}
		q.paddingValue(dst, vals)
	}
	foldOffset(dst, offset)
	if perAxis {
		scaleInputChannels(kernel, scale, true)
		c.Scale = []float64{1}
	}
	c.Offset = []float64{0}
	r.RawConfig = rawConfig(r.RawConfig, r.Name, nil, map[string]any{"scale": c.Scale[0], "offset": 0.0})
	text := sprintf("aligned Rescaling %s: its offset %v is folded into the bias of %s", r.Name, pyrepr.FloatList(offsetValues(offset)), dst.Name)
	if pv, ok := q.padding[dst.Name]; ok {
		text += sprintf(", which pads with %s ('same' padding with a value, quantizeml's PaddedConv2D)", pyrepr.FloatList(pv))
	}
	if perAxis {
		text += sprintf("; its per-channel scale %v into its kernel", pyrepr.FloatList(c.Scale))
	}
	q.report.add(Action{Kind: ActionAlignRescaling, Layer: r.Name, Result: dst.Name, Text: text})
	return nil
}

// paddingValue records the padding_value of a float Conv2D (quantizeml's
// PaddedConv2D): the float graph has no field for it.
func (q *qmlQuantizer) paddingValue(l *keras.Layer, v []float64) {
	if q.padding == nil {
		q.padding = map[string][]float64{}
	}
	q.padding[l.Name] = v
}

func allEqual(v []float64) bool {
	for _, x := range v[1:] {
		if x != v[0] {
			return false
		}
	}
	return true
}

func offsetValues(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	if len(out) > 1 && allEqual(out) {
		return out[:1]
	}
	return out
}

// perChannel returns one float32 value per channel: a scalar repeated, or
// the n values given.
func perChannel(v []float64, n int) ([]float32, error) {
	switch len(v) {
	case 0:
		v = []float64{0}
		fallthrough
	case 1:
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(v[0])
		}
		return out, nil
	case n:
		out := make([]float32, n)
		for i, x := range v {
			out[i] = float32(x)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%d values for %d channels", len(v), n)
}

// ensureBias gives a layer without bias a zero bias (quantizeml sets
// use_bias=True and zeroes the new variable).
func ensureBias(l *keras.Layer) {
	if l.UseBias() {
		return
	}
	l.SetUseBias(true)
	n := outputChannels(l)
	l.Weights = append(l.Weights, keras.Weight{Name: "bias", Shape: []int{n}, Values: make([]float32, n)})
	l.RawConfig = rawConfig(l.RawConfig, l.Name, []string{"bias_initializer"}, map[string]any{"use_bias": true})
}

// outputChannels is the number of output channels of a neural layer: the
// kernel's output axis.
func outputChannels(l *keras.Layer) int {
	switch l.Config.(type) {
	case *keras.DepthwiseConv2D:
		k := l.Weight("depthwise_kernel")
		return k.Shape[2] * k.Shape[3]
	case *keras.Conv2DTranspose:
		return l.Weight("kernel").Shape[2]
	case *keras.SeparableConv2D:
		k := l.Weight("pointwise_kernel")
		return k.Shape[len(k.Shape)-1]
	}
	k := l.Weight("kernel")
	return k.Shape[len(k.Shape)-1]
}

// foldOffset adds Σ kernel·offset over every axis but the output one to
// the bias (_fold_rescaling). Choice: the sum is computed in float64 and
// rounded once to float32; numpy sums the float32 products pairwise, which
// may differ in the last bit.
func foldOffset(l *keras.Layer, offset []float32) {
	kernel, bias := l.Weight("kernel"), l.Weight("bias")
	cout := kernel.Shape[len(kernel.Shape)-1]
	cin := kernel.Shape[len(kernel.Shape)-2]
	sums := make([]float64, cout)
	for i, w := range kernel.Values {
		c := i % cout
		ci := i / cout % cin
		sums[c] += float64(w * offset[ci])
	}
	for c := range bias.Values {
		bias.Values[c] += float32(sums[c])
	}
}

// scaleInputChannels multiplies (or divides) a kernel along its input
// channel axis, the one before the last.
func scaleInputChannels(kernel *keras.Weight, s []float32, multiply bool) {
	cout := kernel.Shape[len(kernel.Shape)-1]
	cin := kernel.Shape[len(kernel.Shape)-2]
	for i := range kernel.Values {
		ci := i / cout % cin
		if multiply {
			kernel.Values[i] *= s[ci]
		} else {
			kernel.Values[i] /= s[ci]
		}
	}
}

// isReLU reports a Keras ReLU layer.
func isReLU(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.ReLU)
	return ok
}

// pairs returns quantizeml's find_layers_pairs: each layer matching second
// whose single inbound layer matches first and has that layer as its only
// outbound.
func pairs(g *graph, first, second func(*keras.Layer) bool) [][2]*keras.Layer {
	var out [][2]*keras.Layer
	for _, l := range g.m.Layers {
		if !second(l) {
			continue
		}
		p := g.parent(l)
		if p != nil && first(p) && len(g.outbound(p.Name)) == 1 {
			out = append(out, [2]*keras.Layer{p, l})
		}
	}
	return out
}

// invertActivationMaxPool is invert_activation_maxpool: a ReLU followed by
// a MaxPooling2D becomes MaxPooling2D then ReLU (equivalent: max pooling
// commutes with a non-decreasing function).
func (q *qmlQuantizer) invertActivationMaxPool(g *graph) error {
	for _, p := range pairs(g, isReLU, isMaxPool) {
		act, pool := p[0], p[1]
		actShape := pool.OutputShape
		pool.OutputShape = append(keras.Shape(nil), pool.OutputShape...)
		act.OutputShape = append(keras.Shape(nil), actShape...)
		g.swap(act, pool)
		q.report.add(Action{Kind: ActionMoveMaxPool, Layer: pool.Name, Result: act.Name,
			Text: sprintf("moved %s %s before %s %s (quantizeml's invert_activation_maxpool: Akida pools before it activates)",
				pool.ClassName, pool.Name, act.ClassName, act.Name)})
	}
	return nil
}

func isMaxPool(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.MaxPooling2D)
	return ok
}

func isGAP(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.GlobalAveragePooling2D)
	return ok
}

func isBatchNorm(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.BatchNormalization)
	return ok
}

// invertBatchNormPooling is invert_batchnorm_pooling: a MaxPooling2D or
// GlobalAveragePooling2D followed by a BatchNormalization becomes the
// BatchNormalization then the pooling, so that it can be folded. A
// BatchNormalization after a max pooling with a gamma ≤ 0 makes the
// whole transform fail (quantizeml's RuntimeError, swallowed).
func (q *qmlQuantizer) invertBatchNormPooling(g *graph) error {
	found := pairs(g, func(l *keras.Layer) bool { return isMaxPool(l) || isGAP(l) }, isBatchNorm)
	for _, p := range found {
		if !isMaxPool(p[0]) {
			continue
		}
		gamma := p[1].Weight("gamma")
		if gamma == nil {
			continue
		}
		n := 0
		for _, v := range gamma.Values {
			if v <= 0 {
				n++
			}
		}
		if n > 0 {
			return skipf("There are %d negative gammas in the BatchNormalization layer %s. Negative gammas are not supported.", n, p[1].Name)
		}
	}
	for _, p := range found {
		pool, bn := p[0], p[1]
		if isGAP(pool) {
			bn.Config.(*keras.BatchNormalization).Axis = []int{-1}
		}
		bn.OutputShape = append(keras.Shape(nil), g.inputShape(pool)...)
		g.swap(pool, bn)
		q.report.add(Action{Kind: ActionInvertBatchNorm, Layer: bn.Name, Result: pool.Name,
			Text: sprintf("moved BatchNormalization %s before %s %s, so that it can be folded (quantizeml's invert_batchnorm_pooling)",
				bn.Name, pool.ClassName, pool.Name)})
	}
	return nil
}

// isFoldTarget reports the layers a BatchNormalization folds into.
func isFoldTarget(l *keras.Layer) bool {
	switch l.Config.(type) {
	case *keras.Conv2D, *keras.Conv2DTranspose, *keras.SeparableConv2D, *keras.DepthwiseConv2D, *keras.Dense:
		return true
	}
	return false
}

// foldBatchNorms is fold_batchnorms: each BatchNormalization right after
// a neural layer (its only outbound) is folded into its kernel and bias.
// A null gamma, a BatchNormalization not on the last axis, or one without
// gamma or beta (center/scale False: quantizeml unpacks four weights) makes
// the whole transform fail, so that none is folded.
func (q *qmlQuantizer) foldBatchNorms(g *graph) error {
	found := pairs(g, isFoldTarget, isBatchNorm)
	for _, p := range found {
		bn := p[1]
		c := bn.Config.(*keras.BatchNormalization)
		gamma, beta := bn.Weight("gamma"), bn.Weight("beta")
		if gamma == nil || beta == nil || bn.Weight("moving_mean") == nil || bn.Weight("moving_variance") == nil {
			return skipf("BatchNormalization %s has no gamma or no beta (scale or center is False); quantizeml folds only those with all four weights", bn.Name)
		}
		n := 0
		for _, v := range gamma.Values {
			if v == 0 {
				n++
			}
		}
		if n > 0 {
			return skipf("There are %d null gammas in the BatchNormalization layer '%s'. Null gammas are not supported.", n, bn.Name)
		}
		if c, ok := p[0].Config.(*keras.DepthwiseConv2D); ok && c.DepthMultiplier > 1 {
			// quantizeml broadcasts the scale on (C, 1): a multiplier
			// makes it fail.
			return skipf("BatchNormalization %s follows DepthwiseConv2D %s of depth_multiplier %d, whose kernel quantizeml cannot scale", bn.Name, p[0].Name, c.DepthMultiplier)
		}
		rank := len(bn.OutputShape) + 1
		if len(c.Axis) != 1 || (c.Axis[0]+rank)%rank != rank-1 {
			return skipf("The BatchNormalization must be applied on the last axis. '%s' layer has axis=%v.", bn.Name, c.Axis)
		}
	}
	for _, p := range found {
		target, bn := p[0], p[1]
		foldBatchNorm(target, bn)
		g.remove(bn)
		q.report.add(Action{Kind: ActionFoldBatchNorm, Layer: bn.Name, Result: target.Name,
			Text: sprintf("BatchNormalization %s folded into %s (kernel and bias scaled per output channel)", bn.Name, target.Name)})
	}
	return nil
}

// foldBatchNorm computes _compute_BN_folded_weights in float32:
// s = gamma / sqrt(variance + epsilon), kernel·s on the output axis,
// bias = beta + (bias − mean)·s.
func foldBatchNorm(target, bn *keras.Layer) {
	c := bn.Config.(*keras.BatchNormalization)
	gamma, beta := bn.Weight("gamma").Values, bn.Weight("beta").Values
	mean, variance := bn.Weight("moving_mean").Values, bn.Weight("moving_variance").Values
	eps := float32(c.Epsilon)
	s := make([]float32, len(gamma))
	for i := range s {
		s[i] = gamma[i] / float32(math.Sqrt(float64(variance[i]+eps)))
	}
	var kernel *keras.Weight
	axis := -1 // the kernel axis of the output channels, from the end
	switch target.Config.(type) {
	case *keras.DepthwiseConv2D:
		kernel, axis = target.Weight("depthwise_kernel"), -2
	case *keras.Conv2DTranspose:
		kernel, axis = target.Weight("kernel"), -2
	case *keras.SeparableConv2D:
		kernel = target.Weight("pointwise_kernel")
	default:
		kernel = target.Weight("kernel")
	}
	scaleAxis(kernel, s, axis)
	ensureBias(target)
	bias := target.Weight("bias")
	for i := range bias.Values {
		bias.Values[i] = beta[i] + (bias.Values[i]-mean[i])*s[i]
	}
}

// scaleAxis multiplies a weight along an axis counted from the end (−1:
// the last).
func scaleAxis(w *keras.Weight, s []float32, axis int) {
	a := len(w.Shape) + axis
	stride, n := keras.Elements(w.Shape[a+1:]), w.Shape[a]
	for i := range w.Values {
		w.Values[i] *= s[i/stride%n]
	}
}

// removeZeroPadding is remove_zeropadding2d: a ZeroPadding2D whose only
// outbound is a 'valid' Conv2D, SeparableConv2D or DepthwiseConv2D is
// removed and the convolution made 'same', when the convolution's output
// size times its strides is the padding's input size (quantizeml's test
// for a 'same' padding: it does not compare the padding itself).
func (q *qmlQuantizer) removeZeroPadding(g *graph) error {
	for _, zp := range slices.Clone(g.m.Layers) {
		z, ok := zp.Config.(*keras.ZeroPadding2D)
		if !ok || zp.InboundNodes > 1 {
			continue
		}
		next := g.single(zp.Name)
		if next == nil || next.Padding() != "valid" {
			continue
		}
		var setSame func()
		switch c := next.Config.(type) {
		case *keras.Conv2D:
			setSame = func() { c.Padding = "same" }
		case *keras.Conv2DTranspose:
			setSame = func() { c.Padding = "same" }
		case *keras.SeparableConv2D:
			setSame = func() { c.Padding = "same" }
		case *keras.DepthwiseConv2D:
			setSame = func() { c.Padding = "same" }
		default:
			continue
		}
		in, out := g.inputShape(zp), next.OutputShape
		_, strides, _ := next.Kernel()
		if len(in) != 3 || len(out) != 3 || out[0]*strides[0] != in[0] || out[1]*strides[1] != in[1] {
			continue
		}
		setSame()
		next.RawConfig = rawConfig(next.RawConfig, next.Name, nil, map[string]any{"padding": "same"})
		g.remove(zp)
		text := sprintf("removed ZeroPadding2D %s: %s pads 'same' instead", zp.Name, next.Name)
		if !isSamePadding(z.Padding, in, next) {
			text += sprintf(" (quantizeml checks the sizes only: its padding %v is not the 'same' padding, so the values near the borders change)", z.Padding)
		}
		q.report.add(Action{Kind: ActionRemoveZeroPadding, Layer: zp.Name, Result: next.Name, Text: text})
	}
	return nil
}

// isSamePadding reports whether a ZeroPadding2D's padding is what 'same'
// pads before the convolution (TensorFlow: the extra row and column go at
// the bottom and right).
func isSamePadding(pad [2][2]int, in keras.Shape, conv *keras.Layer) bool {
	size, strides, _ := conv.Kernel()
	for a := range 2 {
		out := (in[a] + strides[a] - 1) / strides[a]
		total := max((out-1)*strides[a]+size[a]-in[a], 0)
		if pad[a][0] != total/2 || pad[a][1] != total-total/2 {
			return false
		}
	}
	return true
}
