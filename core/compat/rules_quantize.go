package compat

import (
	"strconv"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// DefaultArguments: what cnn2snn.quantize requires of a float neural layer
// (conversion.md §6.4). cnn2snn's quantized layers have no activation,
// groups, depth_multiplier or data_format argument, so a float layer using
// them cannot be replaced by its quantized version.
var DefaultArguments = &Rule{
	PerLayer: true,
	Name:     "default-arguments",
	Stage:    StageQuantize,
	Doc: "cnn2snn's quantized layers (QuantizedConv2D, QuantizedSeparableConv2D, QuantizedDense) " +
		"have no activation, groups, depth_multiplier or data_format argument, so a float layer " +
		"can only be quantized when it uses the defaults: activation='linear', groups=1, " +
		"depth_multiplier=1, data_format='channels_last'. Move a fused activation into its own " +
		"layer (Conv2D(..., activation='relu') → Conv2D(...) then ReLU(); a final softmax can stay " +
		"as an Activation layer), and use groups=1 and depth_multiplier=1.",
	Check: func(p *Pass) {
		for _, d := range NonDefaultArguments(p.Layer()) {
			p.Report(d)
		}
	},
}

// NonDefaultArguments returns DefaultArguments' diagnostics for one layer:
// one per argument of a float Conv2D, SeparableConv2D or Dense that differs
// from its default, in the order of cnn2snn's unsupported_args. core/quantize
// calls it on the layers it is about to replace.
//
// data_format is not checked although cnn2snn's list has it: every layer
// with data_format='channels_first' is already reported by ChannelsLast at
// sequentialize, which cnn2snn runs (and fails) before quantize gets here.
func NonDefaultArguments(l *keras.Layer) []Diagnostic {
	var out []Diagnostic
	check := func(arg, def, val string) {
		if val != def {
			out = append(out, Diagnostic{Layer: l.Name, Rule: "default-arguments", Message: sprintf(
				"Argument '%s' in layer '%s' is only supported with default value '%s'. Receives '%s'.", arg, l.Name, def, val)})
		}
	}
	switch c := l.Config.(type) {
	case *keras.Conv2D:
		check("activation", "linear", c.Activation)
		check("groups", "1", strconv.Itoa(c.Groups))
	case *keras.SeparableConv2D:
		check("activation", "linear", c.Activation)
		check("depth_multiplier", "1", strconv.Itoa(c.DepthMultiplier))
	case *keras.Dense:
		check("activation", "linear", c.Activation)
	}
	return out
}
