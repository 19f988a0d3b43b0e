package core

import (
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// The reports every front end prints or returns. Field names are stable,
// snake_case in JSON, so `cnn2snn … --json`, the wasm API and the worker
// give the same shapes.

// CheckReport says whether a model converts to Akida, what stands in the
// way, and which Keras layers make each Akida layer.
type CheckReport struct {
	// Model is the Keras model's name.
	Model string `json:"model"`
	// Compatible is true when the model converts (no diagnostics).
	Compatible bool `json:"compatible"`
	// Origin is how the model was quantized: "float", "cnn2snn" or
	// "quantizeml" (before this tool's own quantization step).
	Origin string `json:"origin"`
	// Target is the Akida IP version: "v1" or "v2".
	Target string `json:"target"`
	// InputScaling is the input scaling used and its source (legacy path).
	InputScaling *convert.InputScaling `json:"input_scaling,omitempty"`
	// Blocks are the Akida layers, each with its Keras layers.
	Blocks []compat.Block `json:"blocks"`
	// Diagnostics are every problem, in layer order: {layer, rule, message}.
	Diagnostics []compat.Diagnostic `json:"diagnostics"`
	// Rules explains each rule named in Diagnostics: rule name → Doc.
	Rules map[string]string `json:"rules"`
	// Steps say what was done, in order (load, quantize, check …).
	Steps []string `json:"steps"`
	// Warnings are what was changed or ignored along the way.
	Warnings []string `json:"warnings"`
	// Keras is the model as loaded, as `cnn2snn inspect --json` reports it,
	// so a front end that shows the Keras layers next to their Akida blocks
	// needs no second reading of the files.
	Keras *keras.InspectReport `json:"keras,omitempty"`
	// Quantization is what the quantizer did to a float model (split
	// activations, folded BatchNormalization, quantized layers, ReLU
	// max_values and their calibration); nil for a model already quantized.
	Quantization *quantize.Report `json:"quantization,omitempty"`
	// TargetReason says why the target was chosen, when the user did not
	// give it (a float model) or re-quantization decided it.
	TargetReason string `json:"target_reason,omitempty"`
	// Verdicts are, for a float model whose target was not given, each
	// target's verdict side by side: Akida 1.0 first, then Akida 2.0 (a
	// conversion that Akida 1.0 accepts does not compute Akida 2.0's).
	Verdicts []Verdict `json:"verdicts,omitempty"`
}

// Verdict is one target's verdict on a float model: whether it converts
// once quantized for that target, and its problems.
type Verdict struct {
	Target       string              `json:"target"`
	Compatible   bool                `json:"compatible"`
	Blocks       []compat.Block      `json:"blocks"`
	Diagnostics  []compat.Diagnostic `json:"diagnostics"`
	Rules        map[string]string   `json:"rules"`
	Warnings     []string            `json:"warnings"`
	Quantization *quantize.Report    `json:"quantization,omitempty"`
}

// verdictOf keeps a report's verdict.
func verdictOf(r CheckReport) Verdict {
	return Verdict{Target: r.Target, Compatible: r.Compatible, Blocks: r.Blocks, Diagnostics: r.Diagnostics,
		Rules: r.Rules, Warnings: r.Warnings, Quantization: r.Quantization}
}

// ConvertReport is the CheckReport of a converted model plus what the
// conversion produced.
type ConvertReport struct {
	CheckReport
	// Summary is akida's Model.summary() text of the result.
	Summary string `json:"summary"`
	// Akida describes the Akida model: layers, parameters, variables.
	Akida akida.ModelJSON `json:"akida"`
	// Layers is the number of Akida layers; Weights the number of weight
	// values (all "weights" and "weights_pw" variables).
	Layers  int `json:"layers"`
	Weights int `json:"weights"`
	// FBZBytes is the size of the .fbz file; AkidaVersion the version
	// string written in it.
	FBZBytes     int    `json:"fbz_bytes"`
	AkidaVersion string `json:"akida_version"`
}

// ConvertResult is what Convert returns: the .fbz bytes, the file name to
// save them under, the Akida model, the report, and the Keras models the
// conversion started from (for Verify, which compares them with the Akida
// model without loading the files again).
type ConvertResult struct {
	FBZ      []byte        `json:"-"`
	FileName string        `json:"file_name"`
	Model    *akida.Model  `json:"-"`
	Report   ConvertReport `json:"report"`
	// Keras is the model as loaded from the files; Quantized the model the
	// converter received: Keras quantized by core/quantize for a float
	// model, Keras itself for a model given quantized.
	Keras     *keras.Model `json:"-"`
	Quantized *keras.Model `json:"-"`
	// QuantizedBlocks are the converter's blocks on Quantized (the
	// report's Blocks list the user's layers instead, folded ones
	// included), which pair the Keras and Akida 2.0 layers for Verify.
	QuantizedBlocks []compat.Block `json:"-"`
	// Recording is quantizeml's recorded quantization of Quantized that
	// an Akida 2.0 conversion read (nil otherwise), which Verify's
	// quantizeml forward pass takes as it is.
	Recording *keras.QMLRecording `json:"-"`
}

// SummaryReport describes an Akida model read from an .fbz file.
type SummaryReport struct {
	FBZBytes int             `json:"fbz_bytes"`
	Summary  string          `json:"summary"` // akida's Model.summary() text
	Model    akida.ModelJSON `json:"model"`
}

// ModelError is Convert's error for a model that does not convert: its
// text is the first error cnn2snn would raise, and Report holds every
// diagnostic and the block structure (the worker returns it with HTTP 400,
// the page shows it). It unwraps to the *convert.Error.
type ModelError struct {
	Report *CheckReport
	Err    *convert.Error
}

func (e *ModelError) Error() string { return e.Err.Error() }
func (e *ModelError) Unwrap() error { return e.Err }

// checkReport builds the CheckReport of a convert.Report.
//
// The report's blocks are a copy of the converter's: the facade lists the
// user's layers in them (restoreOriginalLayers) and marks the quantizer's
// problems (withQuantization), which must not change the converter's
// blocks on the quantized model (ConvertResult.QuantizedBlocks, a
// candidate's verdict).
func checkReport(r *convert.Report, steps []string) CheckReport {
	rules := map[string]string{}
	for _, d := range r.Diagnostics {
		if rule := compat.Lookup(d.Rule); rule != nil {
			rules[d.Rule] = rule.Doc
		}
	}
	return CheckReport{
		Model: r.Model, Compatible: r.Compatible, Origin: r.Origin, Target: string(r.Target),
		InputScaling: r.InputScaling, Blocks: cloneBlocks(r.Blocks), Diagnostics: r.Diagnostics,
		Rules: rules, Steps: steps, Warnings: append([]string{}, r.Warnings...),
	}
}

// cloneBlocks copies blocks with their layer lists.
func cloneBlocks(blocks []compat.Block) []compat.Block {
	out := slices.Clone(blocks)
	for i := range out {
		out[i].KerasLayers = slices.Clone(out[i].KerasLayers)
		out[i].Incompatible = slices.Clone(out[i].Incompatible)
	}
	return out
}

// weightCount counts the weight values of an Akida model.
func weightCount(m *akida.Model) int {
	n := 0
	for _, l := range m.Layers {
		for _, name := range []string{"weights", "weights_pw"} {
			if v := l.Variable(name); v != nil {
				n += v.Len()
			}
		}
	}
	return n
}
