package transform

import (
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Syncretize applies cnn2snn's four syncretize passes, in this order
// (conversion.md §4):
//
//  1. remove Dropout layers;
//  2. swap an activation (ReLU or quantized) and a following MaxPooling2D;
//  3. swap a MaxPooling2D or GlobalAveragePooling2D and a following
//     BatchNormalization (gammas ≤ 0 refused before a max pooling);
//  4. fold each BatchNormalization into the neural layer before it.
//
// Passes 2–4 look at pairs left to right and skip both layers of a pair
// they rewrite, so pairs never overlap: in ReLU, MaxPool, MaxPool the second
// pool stays where it is.
//
// On problems the error is Problems, and the Sequence returned is still the
// rewritten one, with each BatchNormalization that could not be folded
// dropped (so later checks do not report it a second time). The input
// Sequence and its layers are not modified.
func Syncretize(s *Sequence) (*Sequence, error) {
	var problems Problems
	layers := removeDropout(s.Layers)
	layers = swapActivationMaxPool(layers)
	layers, problems = swapPoolBatchNorm(s, layers, problems)
	layers, problems = foldBatchNorms(s, layers, problems)
	out := &Sequence{Name: s.Name, Input: s.Input, Layers: layers}
	return out, problems.asError()
}

// removeDropout is pass 1: Dropout is the identity at inference. Flatten,
// Reshape, Activation and Softmax stay; the generator ignores them.
func removeDropout(layers []*keras.Layer) []*keras.Layer {
	out := make([]*keras.Layer, 0, len(layers))
	for _, l := range layers {
		if !compat.IsDropout(l) {
			out = append(out, l)
		}
	}
	return out
}

func isMaxPool(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.MaxPooling2D)
	return ok
}

func isGAP(l *keras.Layer) bool {
	_, ok := l.Config.(*keras.GlobalAveragePooling2D)
	return ok
}

func batchNorm(l *keras.Layer) (*keras.BatchNormalization, bool) {
	c, ok := l.Config.(*keras.BatchNormalization)
	return c, ok
}

// swapActivationMaxPool is pass 2: relu(maxpool(x)) = maxpool(relu(x))
// because the activation is monotonic, and Akida pools before activating.
// A GlobalAveragePooling2D is never swapped with an activation (averaging
// does not commute with a clipped ReLU).
func swapActivationMaxPool(layers []*keras.Layer) []*keras.Layer {
	out := make([]*keras.Layer, 0, len(layers))
	for i := 0; i < len(layers); i++ {
		if i+1 < len(layers) && compat.IsActivation(layers[i]) && isMaxPool(layers[i+1]) {
			act, pool := layers[i], layers[i+1]
			// The activation now follows the pool: its output is the pool's.
			out = append(out, pool, withOutputShape(act, pool.OutputShape))
			i++
			continue
		}
		out = append(out, layers[i])
	}
	return out
}

// swapPoolBatchNorm is pass 3: a BatchNormalization after a pooling is
// moved in front of it, so pass 4 can fold it. Max pooling commutes with a
// per-channel affine map only when its scale is positive, hence the gamma
// check; average pooling commutes with any. In front of a
// GlobalAveragePooling2D the BatchNormalization sees a 4-D tensor instead
// of a 2-D one, so its axis is reset to -1.
func swapPoolBatchNorm(s *Sequence, layers []*keras.Layer, problems Problems) ([]*keras.Layer, Problems) {
	out := make([]*keras.Layer, 0, len(layers))
	for i := 0; i < len(layers); i++ {
		if i+1 >= len(layers) || !(isMaxPool(layers[i]) || isGAP(layers[i])) {
			out = append(out, layers[i])
			continue
		}
		pool, bnLayer := layers[i], layers[i+1]
		bn, ok := batchNorm(bnLayer)
		if !ok {
			out = append(out, pool)
			continue
		}
		if isMaxPool(pool) {
			if !hasAllBatchNormWeights(bnLayer, bn) {
				problems = append(problems, compat.MissingBatchNormWeights(bnLayer, bn))
			} else if n := countAtMost(bnLayer.Weight("gamma").Values, 0); n > 0 {
				problems = append(problems, compat.NegativeGammas(bnLayer.Name, n))
			}
		}
		// The moved layer is a copy (its weights are shared, unchanged): it
		// now outputs the pooling's input shape.
		moved := withOutputShape(bnLayer, inputShapeOf(s, layers, i))
		if isGAP(pool) {
			cfg := *bn
			cfg.Axis = []int{-1}
			moved.Config = &cfg
		}
		out = append(out, moved, pool)
		i++
	}
	return out, problems
}

// foldBatchNorms is pass 4: a BatchNormalization directly after a neural
// layer becomes part of its kernel and bias. A BatchNormalization that is
// not after a neural layer stays (check_sequential_compatibility then
// refuses it); one that cannot be folded is reported and dropped.
func foldBatchNorms(s *Sequence, layers []*keras.Layer, problems Problems) ([]*keras.Layer, Problems) {
	out := make([]*keras.Layer, 0, len(layers))
	for i := 0; i < len(layers); i++ {
		if i+1 >= len(layers) || !compat.IsNeural(layers[i]) {
			out = append(out, layers[i])
			continue
		}
		bn, ok := batchNorm(layers[i+1])
		if !ok {
			out = append(out, layers[i])
			continue
		}
		folded, d := fold(layers[i], layers[i+1], bn, inputShapeOf(s, layers, i+1))
		if d != nil {
			problems = append(problems, *d)
			folded = layers[i]
		}
		out = append(out, folded)
		i++
	}
	return out, problems
}

// fold returns a copy of the neural layer with the BatchNormalization
// folded in, or the diagnostic that prevents it. With s = gamma /
// sqrt(moving_variance + epsilon) per output channel: kernel' = kernel·s on
// the last kernel axis (the pointwise kernel of a SeparableConv2D) and
// bias' = beta + (bias − moving_mean)·s, all in float32 as NumPy computes
// them.
func fold(neural, bnLayer *keras.Layer, bn *keras.BatchNormalization, bnInput keras.Shape) (*keras.Layer, *compat.Diagnostic) {
	if axis := normalizedAxes(bn.Axis, len(bnInput)+1); len(axis) != 1 || axis[0] != len(bnInput) {
		d := compat.BatchNormAxis(bnLayer.Name, axis)
		return nil, &d
	}
	if q, ok := weightQuantizer(neural); ok && !q.PerAxis() {
		d := compat.BatchNormQuantizer(bnLayer.Name)
		return nil, &d
	}
	kernelName := "kernel"
	if isSeparable(neural) {
		kernelName = "pointwise_kernel"
	}
	kernel := neural.Weight(kernelName)
	if !hasAllBatchNormWeights(bnLayer, bn) || kernel == nil || len(kernel.Shape) == 0 ||
		len(bnLayer.Weight("gamma").Values) != kernel.Shape[len(kernel.Shape)-1] {
		d := compat.MissingBatchNormWeights(bnLayer, bn)
		return nil, &d
	}
	gamma, beta := bnLayer.Weight("gamma").Values, bnLayer.Weight("beta").Values
	mean, variance := bnLayer.Weight("moving_mean").Values, bnLayer.Weight("moving_variance").Values
	eps := float32(bn.Epsilon)
	scale := make([]float32, len(gamma))
	for c := range scale {
		scale[c] = gamma[c] / float32(math.Sqrt(float64(variance[c]+eps)))
	}
	if n := countZeros(scale); n > 0 {
		d := compat.NullGammas(bnLayer.Name, n)
		return nil, &d
	}

	out := neural.Clone()
	k := out.Weight(kernelName)
	for i := range k.Values {
		k.Values[i] *= scale[i%len(scale)]
	}
	bias := make([]float32, len(scale))
	if b := out.Weight("bias"); b != nil {
		copy(bias, b.Values)
	}
	for c := range bias {
		// Explicit float32 conversions keep each operation rounded as NumPy
		// does (no fused multiply-add).
		bias[c] = beta[c] + float32(float32(bias[c]-mean[c])*scale[c])
	}
	if b := out.Weight("bias"); b != nil {
		b.Values = bias
	} else {
		out.Weights = append(out.Weights, keras.Weight{Name: "bias", Shape: []int{len(bias)}, Values: bias})
	}
	out.SetUseBias(true)
	return out, nil
}

// hasAllBatchNormWeights reports whether the BatchNormalization has the four
// weights the fold unpacks (center and scale on).
func hasAllBatchNormWeights(l *keras.Layer, bn *keras.BatchNormalization) bool {
	if !bn.Center || !bn.Scale {
		return false
	}
	n := -1
	for _, name := range []string{"gamma", "beta", "moving_mean", "moving_variance"} {
		w := l.Weight(name)
		if w == nil || (n >= 0 && len(w.Values) != n) {
			return false
		}
		n = len(w.Values)
	}
	return true
}

// normalizedAxes maps negative axes to rank+axis, as Keras does when it
// builds the layer (so cnn2snn prints [3], not [-1]).
func normalizedAxes(axes []int, rank int) []int {
	out := make([]int, len(axes))
	for i, a := range axes {
		if a < 0 {
			a += rank
		}
		out[i] = a
	}
	return out
}

func countAtMost(v []float32, limit float32) int {
	n := 0
	for _, x := range v {
		if x <= limit {
			n++
		}
	}
	return n
}

func countZeros(v []float32) int {
	n := 0
	for _, x := range v {
		if x == 0 {
			n++
		}
	}
	return n
}

// inputShapeOf is the input shape of layers[i] in the sequence being
// rewritten.
func inputShapeOf(s *Sequence, layers []*keras.Layer, i int) keras.Shape {
	if i == 0 {
		return s.InputShape()
	}
	return layers[i-1].OutputShape
}

// withOutputShape returns a shallow copy of the layer with another output
// shape (its config and weights are shared, not modified).
func withOutputShape(l *keras.Layer, shape keras.Shape) *keras.Layer {
	c := *l
	c.OutputShape = append(keras.Shape(nil), shape...)
	return &c
}

func isSeparable(l *keras.Layer) bool {
	switch l.Config.(type) {
	case *keras.SeparableConv2D, *keras.QuantizedSeparableConv2D:
		return true
	}
	return false
}

// weightQuantizer returns the quantizer cnn2snn evaluates when folding:
// the layer's "quantizer" (for a separable layer, the pointwise one).
func weightQuantizer(l *keras.Layer) (keras.WeightQuantizer, bool) {
	if c, ok := l.Config.(keras.CNN2SNNNeural); ok {
		pw, _ := c.WeightQuantizers()
		return pw, true
	}
	return keras.WeightQuantizer{}, false
}
