package core

import (
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// quantizeModel is the facade's quantization step: a float model is
// quantized the way cnn2snn.quantize does (conversion.md §6.4, core/quantize)
// before it is checked and converted; models already quantized never reach
// it. bits has its defaults filled (4, 4, 8); calibration is the optional
// .npy batch the unbounded ReLUs are calibrated on (seeded inputs without
// it).
//
// The error is core/quantize's: a *quantize.Error lists the model's
// problems (the model returned is then the best-effort quantization, or nil
// when the model is not one chain); any other error comes with a nil model,
// except a failed calibration, which returns the model with cnn2snn's
// default max_value.
func quantizeModel(m *keras.Model, bits QuantizeOptions, calibration []byte) (*keras.Model, *quantize.Report, error) {
	return quantize.Model(m, quantize.Options{
		WeightBits: bits.Weights, ActivationBits: bits.Activations, InputWeightBits: bits.InputWeights,
		Calibration: calibration,
	})
}

// withQuantization adds what the quantizer did and found to a report: its
// Report, and its problems before the converter's (cnn2snn.quantize raises
// them before convert runs). A converter diagnostic about a layer the
// quantizer already reports is dropped: the quantizer left that layer as it
// was, so the converter's complaint about it ("unsupported type Conv2D") is
// a consequence, not another problem.
func withQuantization(report *CheckReport, r *run) {
	report.Quantization = r.quantization
	if r.calibrationErr != nil {
		report.Warnings = append(report.Warnings, r.calibrationErr.Error()+
			" (the check went on with cnn2snn's default max_value 2^bits − 1 for these ReLUs; a conversion stops here)")
	}
	if len(r.quantizeProblems) == 0 {
		return
	}
	reported := map[compat.Diagnostic]bool{}
	layers := map[string]bool{}
	for _, d := range r.quantizeProblems {
		reported[d] = true
		if d.Layer != "" {
			layers[d.Layer] = true
		}
	}
	merged := append([]compat.Diagnostic{}, r.quantizeProblems...)
	for _, d := range report.Diagnostics {
		if !reported[d] && !layers[d.Layer] {
			merged = append(merged, d)
		}
	}
	report.Diagnostics = merged
	report.Compatible = false
	report.Rules = map[string]string{} // the rules of the diagnostics kept
	for i, b := range report.Blocks {
		for _, name := range b.KerasLayers {
			if layers[name] && !slices.Contains(b.Incompatible, name) {
				report.Blocks[i].Incompatible = append(report.Blocks[i].Incompatible, name)
			}
		}
	}
	for _, d := range merged {
		if rule := compat.Lookup(d.Rule); rule != nil {
			report.Rules[d.Rule] = rule.Doc
		}
	}
}
