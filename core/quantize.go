package core

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// quantizeModel is the facade's quantization step for Akida 1.0: a float
// model is quantized the way cnn2snn.quantize does (conversion.md §6.4,
// core/quantize) before it is checked and converted, and a model quantized
// with cnn2snn is re-quantized when bit widths are given. bits has its
// defaults filled (4, 4, 8); calibration is the optional .npy batch the
// unbounded ReLUs are calibrated on (seeded inputs without it).
//
// The error is core/quantize's: a *quantize.Error lists the model's
// problems (the model returned is then the best-effort quantization, or nil
// when the model is not one chain); any other error comes with a nil model,
// except a failed calibration, which returns the model with cnn2snn's
// default max_value.
func quantizeModel(m *keras.Model, bits QuantizeOptions, calibration []byte, samples int) (*keras.Model, *quantize.Report, error) {
	return quantize.Model(m, quantize.Options{
		WeightBits: bits.Weights, ActivationBits: bits.Activations, InputWeightBits: bits.InputWeights,
		Calibration: calibration, CalibrationSamples: samples,
	})
}

// The defaults of the Akida 2.0 quantization that differ from quantizeml's.
const (
	// DefaultPerTensorActivations: quantizeml's QuantizationParams default
	// is per-axis, but its own warning asks for per-tensor activations
	// when calibrating on random samples (this tool's default), and with
	// per-axis activations before a Flatten quantizeml refuses the model
	// (the Flatten cannot align channels whose frac bits differ by more
	// than the activation bits): per-tensor is what converts.
	DefaultPerTensorActivations = true
	// CheckCalibrationSamples is the number of random samples Check
	// quantizes a float model for Akida 2.0 with: one, as cnn2snn's
	// check_model_compatibility does (quantize(..., num_samples=1)); the
	// calibration options are Convert's. The ranges do not decide
	// compatibility; Convert calibrates fully.
	CheckCalibrationSamples = 1
)

// quantizeMLOptions are the quantizeml options of a facade call.
func quantizeMLOptions(o Options, check bool) quantize.QMLOptions {
	bits := o.Quantize.WithDefaultsFor(akida.IPv2)
	p := quantize.DefaultQuantizationParams()
	p.WeightBits, p.ActivationBits, p.InputWeightBits = bits.Weights, bits.Activations, bits.InputWeights
	p.PerTensorActivations = DefaultPerTensorActivations
	if o.PerTensorActivations != nil {
		p.PerTensorActivations = *o.PerTensorActivations
	}
	if o.OutputBits != 0 {
		p.OutputBits = o.OutputBits
	}
	if o.InputDtype != "" {
		p.InputDtype = o.InputDtype
	}
	q := quantize.QMLOptions{Params: p, Calibration: o.Calibration, Samples: o.CalibrationSamples,
		BatchSize: o.CalibrationBatchSize, Epochs: o.CalibrationEpochs, Context: o.Context}
	if check {
		q.Calibration, q.Samples, q.BatchSize, q.Epochs = nil, CheckCalibrationSamples, 0, 1
	}
	return q
}

// candidate is one target's quantization of a float model: the model the
// converter receives and what the quantizer did and found.
type candidate struct {
	target       akida.IPVersion
	model        *keras.Model // nil when the quantizer returned none (not one chain, a refusal)
	quantization *quantize.Report
	// problems are the quantizer's diagnostics (cnn2snn's model problems,
	// or quantizeml's refusal); calibrationErr a failed Akida 1.0
	// calibration (Check goes on without it, Convert stops).
	problems       []compat.Diagnostic
	calibrationErr error
	steps          []string
	// checked is the converter's check of the candidate, which the
	// conversion goes on with when the candidate is chosen.
	checked *convert.Analysis
}

// report is the converter's report on the candidate; nil when it was not
// checked.
func (c *candidate) report() *convert.Report {
	if c.checked == nil {
		return nil
	}
	return c.checked.Report()
}

// quantizeV1 quantizes a float model (or re-quantizes a cnn2snn one) for
// Akida 1.0. The error is for options and calibration arrays only.
func (p pipeline) quantizeV1(m *keras.Model, o Options) (*candidate, error) {
	c := &candidate{target: akida.IPv1, model: m}
	bits := o.Quantize.WithDefaults()
	samples := o.CalibrationSamples
	if o.Target == "" {
		// The default flow tries Akida 1.0 first with samples meant for
		// either target: its calibration takes at most its own maximum.
		samples = min(samples, quantize.MaxCalibrationSamples)
	}
	q, qr, err := p.quantize(m, bits, o.Calibration, samples)
	c.quantization = qr
	var problems *quantize.Error
	switch {
	case errors.As(err, &problems):
		c.problems = problems.Diagnostics
		c.steps = append(c.steps, fmt.Sprintf("quantization: %d problems to fix in the float model", len(problems.Diagnostics)))
		if q == nil {
			return c, nil // not one chain: the converter's checks say why
		}
	case err != nil && q != nil:
		c.calibrationErr = err
		c.steps = append(c.steps, fmt.Sprintf("quantization: %v", err))
	case err != nil:
		return nil, err
	}
	if qr != nil && qr.Calibration != nil && qr.Calibration.Error == "" {
		c.steps = append(c.steps, qr.Calibration.Text)
	}
	verb := "quantized"
	if qr != nil && qr.Origin == "cnn2snn" {
		verb = "re-quantized"
	}
	c.steps = append(c.steps, fmt.Sprintf("%s with %d-bit weights, %d-bit activations and %d-bit input weights", verb, bits.Weights, bits.Activations, bits.InputWeights))
	c.model = q
	return c, nil
}

// quantizeV2 quantizes a float model for Akida 2.0 the quantizeml way. A
// refusal of quantizeml becomes the candidate's problem; the error is for
// options, calibration arrays that do not fit, failed forward passes and
// a stopped calibration.
func (p pipeline) quantizeV2(r *run, m *keras.Model, check bool) (*candidate, error) {
	c := &candidate{target: akida.IPv2}
	qo := quantizeMLOptions(r.o, check)
	if r.o.Progress != nil {
		qo.Progress = func(done, total int) {
			r.enter("calibrate", 0.2+0.2*float64(done)/float64(max(total, 1)))
		}
	}
	q, qr, err := p.quantizeML(m, qo)
	c.quantization = qr
	if err != nil {
		if !isRefusal(err) {
			return nil, err
		}
		c.problems = []compat.Diagnostic{compat.QMLQuantize.Diagnose("", err.Error())}
		c.steps = append(c.steps, "quantization for Akida 2.0 (quantizeml): "+err.Error())
		return c, nil
	}
	c.model = q
	pm := qo.Params
	if qr != nil && qr.QuantizeML != nil && qr.QuantizeML.Calibration != nil && qr.QuantizeML.Calibration.Text != "" {
		c.steps = append(c.steps, qr.QuantizeML.Calibration.Text)
	}
	axis := "per-axis"
	if pm.PerTensorActivations {
		axis = "per-tensor"
	}
	c.steps = append(c.steps, fmt.Sprintf("quantized the quantizeml way with %d-bit weights, %d-bit %s activations, %d-bit input weights, %d-bit outputs and %s inputs",
		pm.WeightBits, pm.ActivationBits, axis, pm.InputWeightBits, pm.OutputBits, pm.InputDtype))
	return c, nil
}

// isRefusal tells quantizeml's refusals of a model (reported as the
// model's problem) from failures to run (options, samples, stop).
func isRefusal(err error) bool {
	var r *quantize.Refusal
	return errors.As(err, &r)
}

// checkCandidate runs the converter's checks on a candidate.
func checkCandidate(c *candidate, original *keras.Model, o Options) error {
	m := c.model
	if m == nil {
		m = original
	}
	co := convertOptions(o)
	co.Target = c.target
	checked, err := convert.Analyze(m, co)
	if err != nil {
		return err
	}
	c.checked = checked
	return nil
}

// compatible reports whether the candidate converts.
func (c *candidate) compatible() bool {
	return c.report() != nil && c.report().Compatible && len(c.problems) == 0 && c.model != nil
}

// firstProblem is the candidate's first problem, for the reason a target
// was chosen.
func (c *candidate) firstProblem() string {
	switch {
	case len(c.problems) > 0:
		return c.problems[0].Message
	case c.report() != nil && len(c.report().Diagnostics) > 0:
		return c.report().Diagnostics[0].Message
	case c.calibrationErr != nil:
		return c.calibrationErr.Error()
	}
	return ""
}

// problemCount counts the candidate's problems.
func (c *candidate) problemCount() int {
	n := len(c.problems)
	if c.report() != nil {
		n += len(c.report().Diagnostics)
	}
	return n
}

// withQuantization adds what the quantizer did and found to a report: its
// Report, and its problems before the converter's (cnn2snn.quantize and
// quantizeml raise them before convert runs). A converter diagnostic about
// a layer the quantizer already reports is dropped: the quantizer left
// that layer as it was, so the converter's complaint about it
// ("unsupported type Conv2D") is a consequence, not another problem.
func withQuantization(report *CheckReport, c *candidate) {
	report.Quantization = c.quantization
	if c.calibrationErr != nil {
		report.Warnings = append(report.Warnings, c.calibrationErr.Error()+
			" (the check went on with cnn2snn's default max_value 2^bits − 1 for these ReLUs; a conversion stops here)")
	}
	if q := c.quantization; q != nil && q.QuantizeML != nil {
		for _, w := range q.QuantizeML.Warnings {
			report.Warnings = append(report.Warnings, "quantizeml: "+w)
		}
	}
	if len(c.problems) == 0 {
		return
	}
	reported := map[compat.Diagnostic]bool{}
	layers := map[string]bool{}
	for _, d := range c.problems {
		reported[d] = true
		if d.Layer != "" {
			layers[d.Layer] = true
		}
	}
	merged := append([]compat.Diagnostic{}, c.problems...)
	if c.target == akida.IPv1 || c.model != nil {
		for _, d := range report.Diagnostics {
			if !reported[d] && !layers[d.Layer] {
				merged = append(merged, d)
			}
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

// quantizationOptions lists the quantization options given, by their CLI
// names: the bit widths and the Akida 2.0 ones.
func quantizationOptions(o Options) []string {
	var out []string
	if o.Quantize != (QuantizeOptions{}) {
		out = append(out, "quantize")
	}
	return append(out, v2Options(o)...)
}

// v1Options lists the Akida 1.0 (legacy converter) options given.
func v1Options(o Options) []string {
	var out []string
	if o.InputScaling != nil {
		out = append(out, "input-scaling")
	}
	if o.InputIsImage != nil {
		out = append(out, "input-is-image")
	}
	return out
}

// v2Options lists the Akida 2.0 (quantizeml) options given.
func v2Options(o Options) []string {
	var out []string
	if o.OutputBits != 0 {
		out = append(out, "output-bits")
	}
	if o.PerTensorActivations != nil {
		out = append(out, "per-tensor-activations")
	}
	if o.InputDtype != "" {
		out = append(out, "input-dtype")
	}
	if o.CalibrationBatchSize != 0 {
		out = append(out, "calibration-batch-size")
	}
	if o.CalibrationEpochs != 0 {
		out = append(out, "calibration-epochs")
	}
	return out
}

// flags writes option names as CLI flags.
func flags(names []string) string {
	return "--" + strings.Join(names, ", --")
}
