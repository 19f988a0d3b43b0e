package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// File is one input file: its base name and its bytes.
type File = keras.File

// QuantizeOptions are the bit widths a float model is quantized with:
// weights, activations and the first layer's weights; zero means the
// target's default (4, 4, 8 for Akida 1.0; 8, 8, 8 for Akida 2.0).
type QuantizeOptions = convert.QuantizeBits

// Options are the conversion options every front end passes.
type Options struct {
	// InputScaling is (a, b) with Akida input = a × Keras input + b; nil:
	// from a leading Rescaling layer, else (1, 0).
	InputScaling *[2]float64
	// InputIsImage: nil or true, the first Akida layer is an
	// InputConvolutional when the input has 1 or 3 channels (cnn2snn 2.4+);
	// false forces an InputData (cnn2snn 2.3.7's input_is_image=False).
	InputIsImage *bool
	// Quantize are the bit widths used to quantize a float model first.
	Quantize QuantizeOptions
	// Calibration is an optional .npy of sample inputs for the quantizer.
	Calibration []byte
	// CalibrationSamples is the number of calibration samples (seeded ones
	// for Akida 1.0; random ones, or quantizeml's num_samples with an
	// array, for Akida 2.0); 0: the default.
	CalibrationSamples int
	// CalibrationBatchSize and CalibrationEpochs are quantizeml's
	// batch_size (0: None) and epochs (0: 1), for Akida 2.0.
	CalibrationBatchSize int
	CalibrationEpochs    int
	// OutputBits, PerTensorActivations and InputDtype are quantizeml's
	// output_bits (0: 8), per_tensor_activations (nil:
	// DefaultPerTensorActivations) and input_dtype ("": uint8), for Akida
	// 2.0.
	OutputBits           int
	PerTensorActivations *bool
	InputDtype           string
	// Target is "v1" (Akida 1.0), "v2" (Akida 2.0) or "" (the model's
	// own: Akida 2.0 for a quantizeml model, Akida 1.0 for a cnn2snn one,
	// and for a float model Akida 1.0 when it accepts the model, else
	// Akida 2.0 when it does).
	Target string
	// Context, when cancelled, stops a calibration (and with it the
	// check or conversion); nil never stops.
	Context context.Context
	// AkidaVersion is the version string written in the .fbz; empty: the
	// akida version whose file format this program writes (2.19.1).
	AkidaVersion string
	// Progress, when set, is called at each stage boundary with the stage
	// name ("load", "quantize", "calibrate", "check", "convert", "encode",
	// "done") and the fraction of the work done; "calibrate" is reported
	// before each calibration batch of an Akida 2.0 quantization.
	Progress func(stage string, fraction float64)
}

// Kind is what a set of input files holds.
type Kind string

// The kinds DetectKind tells apart.
const (
	KindNone  Kind = "none"  // no file, or only empty files
	KindKeras Kind = "keras" // a Keras model (any of the forms keras.Load reads)
	KindFBZ   Kind = "fbz"   // an Akida model (.fbz)
)

// DetectKind tells by content what a set of files holds, so that every
// front end (the CLI, the worker, the page) routes the same files the same
// way, whatever their names:
//
//   - no file, or only empty files: KindNone;
//   - several files: a Keras model (a weights .h5 with its JSON, a TF.js
//     model.json with its shards, with or without .bin);
//   - one HDF5, zip or JSON file: a Keras model, whatever its extension
//     (an .h5 named .keras, a Keras file named .fbz by mistake);
//   - one file that decodes as an Akida model: KindFBZ, with or without
//     the .fbz extension;
//   - anything else: KindFBZ when named .fbz (Summarize then says what is
//     wrong with it), else KindKeras (keras.Load says what it is).
func DetectKind(files []File) Kind {
	var nonEmpty []File
	for _, f := range files {
		if len(f.Data) > 0 {
			nonEmpty = append(nonEmpty, f)
		}
	}
	switch {
	case len(nonEmpty) == 0:
		return KindNone
	case len(nonEmpty) > 1:
		return KindKeras
	}
	f := nonEmpty[0]
	if looksLikeKeras(f.Data) {
		return KindKeras
	}
	if _, err := fbz.Decode(f.Data); err == nil || strings.HasSuffix(strings.ToLower(f.Name), ".fbz") {
		return KindFBZ
	}
	return KindKeras
}

// looksLikeKeras recognises the containers of Keras files: HDF5, zip, JSON
// (a JSON string too: a model JSON written with json.dump(model.to_json())).
func looksLikeKeras(b []byte) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\ufeff")), " \t\r\n")
	return bytes.HasPrefix(b, []byte("\x89HDF\r\n\x1a\n")) || bytes.HasPrefix(b, []byte("PK")) ||
		(len(t) > 0 && (t[0] == '{' || t[0] == '[' || t[0] == '"'))
}

// RefuseAkida returns the error for an Akida model given where a Keras
// model is read, recognised by its content (DetectKind): a
// *keras.FormatError wrapping keras.ErrAkidaModel; nil for anything else.
// Inspect, Check and Convert call it first; a front end that routes files
// before calling them may call it too.
func RefuseAkida(files []File) error {
	if DetectKind(files) != KindFBZ {
		return nil
	}
	name := ""
	for _, f := range files {
		if len(f.Data) > 0 {
			name = f.Name
		}
	}
	return &keras.FormatError{File: name, Msg: keras.ErrAkidaModel.Error(), Err: keras.ErrAkidaModel}
}

// Inspect reads a Keras model and describes its layers.
func Inspect(files []File) (r *keras.InspectReport, err error) {
	defer recoverAs("inspect", &err)
	if err := RefuseAkida(files); err != nil {
		return nil, err
	}
	m, err := keras.Load(files)
	if err != nil {
		return nil, err
	}
	return m.InspectReport(), nil
}

// Check reads a Keras model, quantizes it if it is a float model (for the
// target given, or for both, cnn2snn.quantize's way for Akida 1.0 and
// quantizeml's for Akida 2.0: chooseTarget), and reports whether it
// converts: every problem with cnn2snn's message, the Akida layer each
// Keras layer goes to, and each target's verdict. The error is for
// unreadable files and invalid options; an incompatible model is a report
// with Compatible false.
func Check(files []File, o Options) (*CheckReport, error) {
	return defaultPipeline().check(files, o)
}

// Convert reads a Keras model, quantizes it if needed, converts it to
// Akida 1.0 layers (a cnn2snn model) or Akida 2.0 layers (a quantizeml
// model; a float model goes to the target chosen as Check says) and
// encodes the .fbz file. A model that does not convert gives a
// *ModelError (cnn2snn's first error, with every diagnostic).
func Convert(files []File, o Options) (*ConvertResult, error) {
	return defaultPipeline().convert(files, o)
}

// Summarize decodes an .fbz file and describes the Akida model.
func Summarize(file []byte) (r *SummaryReport, err error) {
	defer recoverAs("summarize", &err)
	m, err := fbz.Decode(file)
	if err != nil {
		return nil, err
	}
	return &SummaryReport{FBZBytes: len(file), Summary: m.Summary(), Model: m.JSON()}, nil
}

// quantizeFunc quantizes a float model for Akida 1.0 and says what it did
// (see quantizeModel for its errors).
type quantizeFunc func(m *keras.Model, bits QuantizeOptions, calibration []byte, samples int) (*keras.Model, *quantize.Report, error)

// quantizeMLFunc quantizes a float model for Akida 2.0 (quantize.QuantizeML).
type quantizeMLFunc func(m *keras.Model, o quantize.QMLOptions) (*keras.Model, *quantize.Report, error)

// pipeline holds the steps that tests replace: the loader (to count the
// loads) and the quantizers (nil quantizeML: quantize.QuantizeML).
type pipeline struct {
	load       func([]File) (*keras.Model, error)
	quantize   quantizeFunc
	quantizeML quantizeMLFunc
}

func defaultPipeline() pipeline {
	return pipeline{load: keras.Load, quantize: quantizeModel, quantizeML: quantize.QuantizeML}
}

// run tracks the stage for progress reports and panic messages.
type run struct {
	o     Options
	stage string
	steps []string

	// chosen is the quantization of a float model the conversion uses
	// (nil for a model given quantized), and verdicts every target's,
	// Akida 1.0 first, when the target was not given.
	chosen   *candidate
	verdicts []*candidate
	// reason says why the target was chosen; warnings what was changed
	// or not used on the way.
	reason   string
	warnings []string

	// The model as loaded and as converted (the quantized one, or the same),
	// and how the loaded one was quantized: the origin reports give, where
	// the converter sees "cnn2snn" for a model this tool quantized.
	original, converted *keras.Model
	origin              string
}

// checkReport builds the report of a check or conversion: the converter's
// findings, the quantizer's, and the blocks listed with the user's layers.
func (r *run) checkReport(cr *convert.Report) CheckReport {
	out := r.reportFor(r.chosen, cr, r.steps)
	out.TargetReason = r.reason
	out.Warnings = append(out.Warnings, r.warnings...)
	for _, c := range r.verdicts {
		out.Verdicts = append(out.Verdicts, verdictOf(r.reportFor(c, c.report(), nil)))
	}
	return out
}

// reportFor builds the report of one candidate (nil: a model given
// quantized).
func (r *run) reportFor(c *candidate, cr *convert.Report, steps []string) CheckReport {
	if cr == nil {
		// The quantizer refused the model before the converter could look
		// at it.
		cr = &convert.Report{Origin: r.origin, Target: c.target, Blocks: []compat.Block{}, Diagnostics: []compat.Diagnostic{}, Warnings: []string{}}
		if r.original != nil {
			cr.Model = r.original.Name
		}
	}
	out := checkReport(cr, steps)
	out.Origin = r.origin
	if r.original != nil {
		out.Keras = r.original.InspectReport()
		// How the files were read comes before what the conversion did.
		out.Warnings = append(append([]string{}, r.original.Warnings...), out.Warnings...)
	}
	converted := r.converted
	if c != nil {
		withQuantization(&out, c)
		if c.model != nil {
			converted = c.model
		}
	}
	restoreOriginalLayers(out.Blocks, r.original, converted, splitFrom(c))
	return out
}

// verdictReport is the report of a check, or of a conversion the model
// refused: checkReport with the verdict as its last step.
func (r *run) verdictReport(cr *convert.Report) *CheckReport {
	out := r.checkReport(cr)
	out.Steps = append(out.Steps, compatibility(&out))
	return &out
}

// splitFrom maps each layer the quantizer added (a ReLU or Activation split
// from a neural layer's fused activation) to the layer it came from.
func splitFrom(c *candidate) map[string]string {
	from := map[string]string{}
	if c == nil || c.quantization == nil {
		return from
	}
	for _, a := range c.quantization.Actions {
		if a.Kind == quantize.ActionSplitActivation || a.Kind == quantize.ActionFinalActivation {
			from[a.Result] = a.Layer
		}
	}
	return from
}

func (r *run) enter(stage string, fraction float64) {
	r.stage = stage
	if r.o.Progress != nil {
		r.o.Progress(stage, fraction)
	}
}

func (r *run) step(format string, args ...any) {
	r.steps = append(r.steps, fmt.Sprintf(format, args...))
}

// prepare validates the options, loads the model and quantizes it: a
// float model for the target given, or for the one the default flow
// chooses (chooseTarget); a model given quantized is re-quantized when bit
// widths are given (cnn2snn) or refused (quantizeml), as the two
// quantizers do.
func (p pipeline) prepare(r *run, files []File, check bool) (*keras.Model, error) {
	if err := ValidateOptions(r.o); err != nil {
		return nil, err
	}
	if p.quantizeML == nil {
		p.quantizeML = quantize.QuantizeML
	}
	r.enter("load", 0)
	if err := RefuseAkida(files); err != nil {
		return nil, err
	}
	m, err := p.load(files)
	if err != nil {
		return nil, err
	}
	r.step("loaded %s model %q: %d layers, %d parameters", m.Format, m.Name, len(m.Layers), m.Params())
	r.original, r.converted = m, m
	r.origin = convert.ModelOrigin(m)
	r.enter("quantize", 0.2)
	if r.origin != convert.OriginFloat {
		return p.requantize(r, m)
	}
	var c *candidate
	v1, v2 := v1Options(r.o), v2Options(r.o)
	switch {
	case r.o.Target == string(akida.IPv1):
		c, err = p.quantizeV1(m, r.o)
	case r.o.Target == string(akida.IPv2):
		c, err = p.quantizeV2(r, m, check)
	case len(v1) > 0 && len(v2) > 0:
		err = fmt.Errorf("%s are Akida 1.0 options and %s Akida 2.0 ones: give --target v1 or v2, or the options of one target only", flags(v1), flags(v2))
	case len(v1) > 0:
		c, err = p.quantizeV1(m, r.o)
		r.reason = fmt.Sprintf("Akida 1.0: %s apply to Akida 1.0 only", flags(v1))
	case len(v2) > 0:
		c, err = p.quantizeV2(r, m, check)
		r.reason = fmt.Sprintf("Akida 2.0: %s are quantizeml's options, for Akida 2.0", flags(v2))
	default:
		c, err = p.chooseTarget(r, m, check)
	}
	if err != nil {
		return nil, err
	}
	r.use(c)
	return r.converted, nil
}

// use makes a candidate the quantization the conversion goes on with.
func (r *run) use(c *candidate) {
	r.chosen = c
	r.o.Target = string(c.target)
	r.steps = append(r.steps, c.steps...)
	if c.model != nil {
		r.converted = c.model
	}
}

// chooseTarget is the default flow for a float model: Akida 1.0 when it
// accepts the model (so that every model that converted for Akida 1.0
// before Akida 2.0 was added converts as it did), else Akida 2.0 when it
// accepts it; when neither does, Akida 1.0's verdict is the report's. A
// check also gives Akida 2.0's verdict when Akida 1.0 accepts, so that
// both stand side by side; a conversion does not spend the calibration on
// it. Bit widths that only Akida 2.0 takes (8-bit activations) choose it.
func (p pipeline) chooseTarget(r *run, m *keras.Model, check bool) (*candidate, error) {
	if err := r.o.Quantize.ValidateFor(akida.IPv1); err != nil {
		v2, err2 := p.v2Verdict(r, m, check)
		if err2 != nil {
			return nil, err2
		}
		r.verdicts = []*candidate{v2}
		r.reason = fmt.Sprintf("Akida 2.0: the bit widths are Akida 2.0's only (%v)", err)
		if !v2.compatible() {
			r.reason += ", and Akida 2.0 refuses the model"
		}
		return v2, nil
	}
	v1, err := p.quantizeV1(m, r.o)
	if err != nil {
		return nil, err
	}
	if err := checkCandidate(v1, m, r.o); err != nil {
		return nil, err
	}
	r.verdicts = []*candidate{v1}
	v1Accepts := v1.compatible() && v1.calibrationErr == nil
	const v1Reason = "Akida 1.0: it accepts the model (the default for the models it accepts)"
	if v1Accepts && !check {
		r.reason = v1Reason
		return v1, nil
	}
	var v2 *candidate
	if r.o.Quantize.ValidateFor(akida.IPv2) == nil {
		if v2, err = p.v2Verdict(r, m, check); err != nil {
			return nil, err
		}
		r.verdicts = append(r.verdicts, v2)
	}
	switch {
	case v1Accepts:
		r.reason = v1Reason
		if v2 != nil && v2.compatible() {
			r.reason += "; Akida 2.0 accepts it too (--target v2)"
		}
		return v1, nil
	case v2 != nil && v2.compatible():
		r.reason = fmt.Sprintf("Akida 2.0: Akida 1.0 refuses the model (%d problem%s, the first: %s), Akida 2.0 accepts it",
			v1.problemCount(), plural(v1.problemCount()), v1.firstProblem())
		return v2, nil
	}
	r.reason = "Akida 1.0: neither Akida 1.0 nor Akida 2.0 accepts the model; Akida 1.0's problems are listed"
	if v2 != nil {
		r.reason += fmt.Sprintf(", Akida 2.0's in the verdicts (%d problem%s, the first: %s)", v2.problemCount(), plural(v2.problemCount()), v2.firstProblem())
	}
	return v1, nil
}

// v2Verdict quantizes the float model for Akida 2.0 and checks it. A
// quantization that fails (other than a stop) is Akida 2.0's problem, not
// the call's error: Akida 1.0's verdict still stands.
func (p pipeline) v2Verdict(r *run, m *keras.Model, check bool) (*candidate, error) {
	v2, err := p.quantizeV2(r, m, check)
	switch {
	case errors.Is(err, quantize.ErrCalibrationStopped):
		return nil, err
	case err != nil:
		return &candidate{target: akida.IPv2, problems: []compat.Diagnostic{compat.QMLQuantize.Diagnose("", err.Error())},
			steps: []string{"quantization for Akida 2.0 (quantizeml): " + err.Error()}}, nil
	}
	return v2, checkCandidate(v2, m, r.o)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// requantize handles the quantization options given for a model that is
// already quantized: cnn2snn.quantize re-quantizes a cnn2snn model with new
// bit widths; quantizeml refuses to re-quantize. Without such options the
// model is converted as it is.
func (p pipeline) requantize(r *run, m *keras.Model) (*keras.Model, error) {
	given := quantizationOptions(r.o)
	if len(given) == 0 {
		r.step("the model is already quantized (%s): no quantization", r.origin)
		if r.o.Calibration != nil || r.o.CalibrationSamples != 0 {
			r.warnings = append(r.warnings, "the calibration options are not used: the model is already quantized")
		}
		return m, nil
	}
	if r.origin == convert.OriginQuantizeML {
		return nil, fmt.Errorf("%s: the model is already quantized with quantizeml, which refuses it: %w", flags(given), quantize.ErrRequantize)
	}
	if v2 := v2Options(r.o); len(v2) > 0 || r.o.Target == string(akida.IPv2) {
		return nil, fmt.Errorf("%s: the model is quantized with cnn2snn (Akida 1.0), which re-quantizes it with --quantize only; quantizeml refuses to re-quantize a quantized model (%v): quantize the original float model for Akida 2.0",
			flags(append(v2, "target v2")), quantize.ErrRequantize)
	}
	c, err := p.quantizeV1(m, r.o)
	if err != nil {
		return nil, err
	}
	r.use(c)
	r.reason = "Akida 1.0: the model is quantized with cnn2snn; it is re-quantized with the bit widths given, as cnn2snn.quantize does"
	return r.converted, nil
}

func (p pipeline) check(files []File, o Options) (report *CheckReport, err error) {
	r := &run{o: o}
	defer recoverStage(r, &err)
	m, err := p.prepare(r, files, true)
	if err != nil {
		return nil, err
	}
	r.enter("check", 0.4)
	cr := r.chosenReport()
	if cr == nil {
		if cr, err = convert.Check(m, convertOptions(r.o)); err != nil {
			return nil, err
		}
	}
	report = r.verdictReport(cr)
	r.enter("done", 1)
	return report, nil
}

// chosenReport is the converter's check of the chosen candidate when the
// default flow already ran it.
func (r *run) chosenReport() *convert.Report {
	if r.chosen != nil {
		return r.chosen.report()
	}
	return nil
}

// analysis is the converter's check of the model to convert: the chosen
// candidate's when the default flow checked it already (its recording
// and Akida 2.0 dry run are not made again), else a new one.
func (r *run) analysis(m *keras.Model) (*convert.Analysis, error) {
	if r.chosen != nil && r.chosen.checked != nil {
		return r.chosen.checked, nil
	}
	return convert.Analyze(m, convertOptions(r.o))
}

func (p pipeline) convert(files []File, o Options) (result *ConvertResult, err error) {
	r := &run{o: o}
	defer recoverStage(r, &err)
	m, err := p.prepare(r, files, false)
	if err != nil {
		return nil, err
	}
	r.enter("convert", 0.5)
	checked, err := r.analysis(m)
	if err != nil {
		return nil, err
	}
	if c := r.chosen; c != nil && len(c.problems) > 0 {
		// The model's problems, the quantizer's first, as Convert gives them.
		report := r.verdictReport(checked.Report())
		return nil, &ModelError{Report: report, Err: &convert.Error{First: report.Diagnostics[0], Diagnostics: report.Diagnostics}}
	}
	am, cr, err := checked.Convert()
	if err != nil {
		var ce *convert.Error
		if errors.As(err, &ce) && cr != nil {
			return nil, &ModelError{Report: r.verdictReport(cr), Err: ce}
		}
		return nil, err
	}
	if c := r.chosen; c != nil && c.calibrationErr != nil {
		// The model converts, but with cnn2snn's default max_value where
		// the calibration failed (its problems, if any, came first above).
		return nil, c.calibrationErr
	}
	r.step("converted to %d %s layers", len(am.Layers), akida.IPVersion(am.IPVersion()).Title())
	r.enter("encode", 0.8)
	// The model carries the version its file is written with, so that its
	// description in the report says what the .fbz says.
	am.Version = fbz.Options{Version: o.AkidaVersion}.VersionFor(am)
	file, err := fbz.Encode(am, fbz.Options{})
	if err != nil {
		return nil, err
	}
	r.step("encoded the .fbz file: %d bytes, akida version %s", len(file), am.Version)
	report := ConvertReport{
		CheckReport: r.checkReport(cr),
		Summary:     am.Summary(), Akida: am.JSON(),
		Layers: len(am.Layers), Weights: weightCount(am),
		FBZBytes: len(file), AkidaVersion: am.Version,
	}
	r.enter("done", 1)
	return &ConvertResult{FBZ: file, FileName: outputName(files, m.Name), Model: am, Report: report,
		Keras: r.original, Quantized: m, QuantizedBlocks: cr.Blocks, Recording: checked.Recording()}, nil
}

func compatibility(r *CheckReport) string {
	if r.Compatible {
		return fmt.Sprintf("compatible: %d Akida layers", len(r.Blocks))
	}
	return fmt.Sprintf("not compatible: %d problems", len(r.Diagnostics))
}

func convertOptions(o Options) convert.Options {
	return convert.Options{InputScaling: o.InputScaling, InputIsImage: o.InputIsImage, Quantize: o.Quantize, Target: akida.IPVersion(o.Target)}
}

// ValidateOptions checks the options that do not depend on the model
// (target, input scaling, bit widths, calibration, akida version), so a
// front end can refuse them before reading any file. Check and Convert
// call it too.
func ValidateOptions(o Options) error {
	if err := convertOptions(o).Validate(); err != nil {
		return err
	}
	if o.OutputBits != 0 && (o.OutputBits < 1 || o.OutputBits > 8) {
		return fmt.Errorf("output bitwidth %d is not allowed: Akida 2.0 layers output 1 to 8 bits", o.OutputBits)
	}
	if v2 := v2Options(o); len(v2) > 0 && o.Target == string(akida.IPv1) {
		return fmt.Errorf("%s: these options set quantizeml's quantization, for Akida 2.0; with --target v1 the model is quantized the cnn2snn way: remove them or use --target v2", flags(v2))
	}
	for _, c := range []struct {
		option string
		value  int
	}{{"calibration-samples", o.CalibrationSamples}, {"calibration-batch-size", o.CalibrationBatchSize}, {"calibration-epochs", o.CalibrationEpochs}} {
		if c.value < 0 {
			return fmt.Errorf("--%s %d: give a whole number, 1 or more (or none for the default)", c.option, c.value)
		}
	}
	switch {
	case o.CalibrationEpochs > 0 && o.CalibrationSamples > quantize.MaxQMLSamples/o.CalibrationEpochs:
		return fmt.Errorf("%d calibration samples × %d epochs is more than %d forward passes: use fewer", o.CalibrationSamples, o.CalibrationEpochs, quantize.MaxQMLSamples)
	case o.CalibrationSamples > quantize.MaxQMLSamples:
		return fmt.Errorf("%d calibration samples is more than %d: use fewer", o.CalibrationSamples, quantize.MaxQMLSamples)
	}
	if o.InputDtype != "" {
		p := quantize.DefaultQuantizationParams()
		p.InputDtype = o.InputDtype
		if err := p.Validate(); err != nil {
			return err
		}
	}
	if v := o.AkidaVersion; v != "" && !isVersion(v) {
		return fmt.Errorf("akida version %q is not a version number like %s", v, fbz.DefaultVersion)
	}
	return nil
}

// isVersion accepts dotted numbers such as 2.19.1.
func isVersion(v string) bool {
	for _, part := range strings.Split(v, ".") {
		if part == "" || strings.Trim(part, "0123456789") != "" {
			return false
		}
	}
	return true
}

// outputName is cnn2snn's CLI default: the model file's name with .fbz
// (model.h5 → model.fbz); the Keras model's name + .fbz when the files
// have no usable name.
func outputName(files []File, model string) string {
	for _, f := range files {
		base := path.Base(strings.ReplaceAll(f.Name, `\`, "/"))
		if strings.HasSuffix(strings.ToLower(base), ".bin") {
			continue // TF.js weight shards: take the model.json's name
		}
		if stem := strings.TrimSuffix(base, path.Ext(base)); stem != "" && stem != "." && stem != "/" {
			return stem + ".fbz"
		}
	}
	if model == "" {
		model = "model"
	}
	return model + ".fbz"
}

// recoverAs turns a panic into an error naming the stage, so no panic
// leaves the facade.
func recoverAs(stage string, err *error) {
	if p := recover(); p != nil {
		*err = internalError(stage, p)
	}
}

// recoverStage is recoverAs for the stage a run is in.
func recoverStage(r *run, err *error) {
	if p := recover(); p != nil {
		*err = internalError(r.stage, p)
	}
}

func internalError(stage string, p any) error {
	if stage == "" {
		stage = "start"
	}
	return fmt.Errorf("internal error in %s: %v — please report this with the model file", stage, p)
}
