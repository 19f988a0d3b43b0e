package compat

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Rules of transforms.syncretize (conversion.md §4). core/transform checks
// them while it swaps and folds layers, and builds the diagnostics with the
// functions below.

// BatchNormNegativeGamma: a BatchNormalization after a MaxPooling2D must
// have positive gammas to be moved in front of the pooling.
var BatchNormNegativeGamma = &Rule{
	Name:  "batchnorm-negative-gamma",
	Stage: StageSyncretize,
	Doc: "cnn2snn moves a BatchNormalization that follows a MaxPooling2D in front of the pooling, " +
		"so it can be folded into the convolution. That is only exact when every gamma is " +
		"positive: max-pooling commutes with a positive scale, not with a negative or zero one. " +
		"Put the BatchNormalization before the MaxPooling2D, or retrain with positive gammas " +
		"(e.g. a non-negative constraint on gamma).",
}

// BatchNormWeights: a BatchNormalization without gamma or beta. cnn2snn
// fails on it with a Python unpacking error; the message is ours.
var BatchNormWeights = &Rule{
	Name:  "batchnorm-weights",
	Stage: StageSyncretize,
	Doc: "cnn2snn folds a BatchNormalization into the preceding layer using its four weights " +
		"gamma, beta, moving_mean and moving_variance. A BatchNormalization built with " +
		"scale=False or center=False lacks gamma or beta, and cnn2snn stops with a Python error " +
		"on it. Build it with scale=True and center=True (the defaults) and retrain.",
}

// BatchNormLastAxis: the folded BatchNormalization normalizes channels.
var BatchNormLastAxis = &Rule{
	Name:  "batchnorm-last-axis",
	Stage: StageSyncretize,
	Doc: "A BatchNormalization is folded into the weights of the neural layer before it, one " +
		"factor per output channel, so it must normalize the last (channels) axis: axis=-1, the " +
		"Keras default. Build it with axis=-1.",
}

// BatchNormPerAxisQuantizer: folding keeps integer weights only with a
// per-axis quantizer.
var BatchNormPerAxisQuantizer = &Rule{
	Name:  "batchnorm-per-axis-quantizer",
	Stage: StageSyncretize,
	Doc: "Folding a BatchNormalization multiplies each output channel of the kernel by its own " +
		"factor. A quantizer with one scale for the whole tensor (MaxQuantizer, " +
		"StdWeightQuantizer) would then quantize the folded kernel differently from the trained " +
		"one. Quantize the layer with MaxPerAxisQuantizer or StdPerAxisQuantizer, or fold the " +
		"BatchNormalization before quantizing.",
}

// BatchNormNullGamma: a channel scaled by zero.
var BatchNormNullGamma = &Rule{
	Name:  "batchnorm-null-gamma",
	Stage: StageSyncretize,
	Doc: "Folding a BatchNormalization multiplies each output channel by gamma/sqrt(variance + " +
		"epsilon). A zero factor would make the channel's weights all zero and its threshold " +
		"meaningless, which cnn2snn refuses. Remove the dead channels (filters) from the layer, " +
		"or retrain.",
}

// NegativeGammas is BatchNormNegativeGamma's diagnostic: n gammas ≤ 0.
func NegativeGammas(bn string, n int) Diagnostic {
	return BatchNormNegativeGamma.Diagnose(bn, sprintf(
		"There are %d negative gammas in the batch norm layer %s. Negative gammas are not supported.", n, bn))
}

// MissingBatchNormWeights is BatchNormWeights' diagnostic.
func MissingBatchNormWeights(bn *keras.Layer, c *keras.BatchNormalization) Diagnostic {
	return BatchNormWeights.Diagnose(bn.Name, sprintf(
		"The BatchNormalization layer %s has %d weights (center=%s, scale=%s); cnn2snn can only fold a BatchNormalization that has gamma, beta, moving_mean and moving_variance.",
		bn.Name, len(bn.Weights), pyrepr.Bool(c.Center), pyrepr.Bool(c.Scale)))
}

// BatchNormAxis is BatchNormLastAxis' diagnostic; axis is the normalized
// axis list Keras holds after building the layer.
func BatchNormAxis(bn string, axis []int) Diagnostic {
	return BatchNormLastAxis.Diagnose(bn, sprintf(
		"The BatchNormalization layer %s must be applied on the last axis. Receives %s.", bn, pyrepr.IntList(axis)))
}

// BatchNormQuantizer is BatchNormPerAxisQuantizer's diagnostic.
func BatchNormQuantizer(bn string) Diagnostic {
	return BatchNormPerAxisQuantizer.Diagnose(bn, sprintf(
		"The BatchNormalization layer %s can only be folded into a quantized layer that uses a quantizer per axis.", bn))
}

// NullGammas is BatchNormNullGamma's diagnostic: n folding factors are 0.
func NullGammas(bn string, n int) Diagnostic {
	return BatchNormNullGamma.Diagnose(bn, sprintf(
		"There are %d null gammas in the batch norm layer %s. Null gammas are not supported.", n, bn))
}
