package core

import (
	"bytes"
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
// default (4, 4, 8).
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
	// Target is "v1" (Akida 1.0, the default) or "v2".
	Target string
	// AkidaVersion is the version string written in the .fbz; empty: the
	// akida version whose file format this program writes (2.19.1).
	AkidaVersion string
	// Progress, when set, is called at each stage boundary with the stage
	// name ("load", "quantize", "check", "convert", "encode", "done") and
	// the fraction of the work done.
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

// Check reads a Keras model, quantizes it if it is a float model
// (core/quantize, cnn2snn.quantize's way), and reports whether it converts:
// every problem with cnn2snn's message, and the Akida layer each Keras
// layer goes to. The error is for unreadable files and invalid options; an
// incompatible model is a report with Compatible false.
func Check(files []File, o Options) (*CheckReport, error) {
	return defaultPipeline().check(files, o)
}

// Convert reads a Keras model, quantizes it if needed, converts it to
// Akida 1.0 layers and encodes the .fbz file. A model that does not
// convert gives a *ModelError (cnn2snn's first error, with every
// diagnostic).
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

// quantizeFunc quantizes a float model and says what it did (see
// quantizeModel for its errors).
type quantizeFunc func(m *keras.Model, bits QuantizeOptions, calibration []byte) (*keras.Model, *quantize.Report, error)

// pipeline holds the steps that tests replace: the loader (to count the
// loads) and the quantizer.
type pipeline struct {
	load     func([]File) (*keras.Model, error)
	quantize quantizeFunc
}

func defaultPipeline() pipeline { return pipeline{load: keras.Load, quantize: quantizeModel} }

// run tracks the stage for progress reports and panic messages.
type run struct {
	o     Options
	stage string
	steps []string

	// What the quantization of a float model did (nil otherwise), the
	// model problems it found, and a calibration that failed (Check goes on
	// without it, Convert stops).
	quantization     *quantize.Report
	quantizeProblems []compat.Diagnostic
	calibrationErr   error

	// The model as loaded and as converted (the quantized one, or the same),
	// and how the loaded one was quantized: the origin reports give, where
	// the converter sees "cnn2snn" for a model this tool quantized.
	original, converted *keras.Model
	origin              string
}

// checkReport builds the report of a check or conversion: the converter's
// findings, the quantizer's, and the blocks listed with the user's layers.
func (r *run) checkReport(cr *convert.Report) CheckReport {
	out := checkReport(cr, r.steps)
	out.Origin = r.origin
	if r.original != nil {
		out.Keras = r.original.InspectReport()
		// How the files were read comes before what the conversion did.
		out.Warnings = append(append([]string{}, r.original.Warnings...), out.Warnings...)
	}
	withQuantization(&out, r)
	restoreOriginalLayers(out.Blocks, r.original, r.converted, r.splitFrom())
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
func (r *run) splitFrom() map[string]string {
	from := map[string]string{}
	if r.quantization == nil {
		return from
	}
	for _, a := range r.quantization.Actions {
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

// prepare validates the options, loads the model and quantizes it.
func (p pipeline) prepare(r *run, files []File) (*keras.Model, error) {
	if err := ValidateOptions(r.o); err != nil {
		return nil, err
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
		r.step("the model is already quantized (%s): no quantization", r.origin)
		return m, nil
	}
	bits := r.o.Quantize.WithDefaults()
	q, qr, err := p.quantize(m, bits, r.o.Calibration)
	r.quantization = qr
	var problems *quantize.Error
	switch {
	case errors.As(err, &problems):
		r.quantizeProblems = problems.Diagnostics
		r.step("quantization: %d problems to fix in the float model", len(problems.Diagnostics))
		if q == nil {
			return m, nil // not one chain: the converter's checks say why
		}
	case err != nil && q != nil:
		r.calibrationErr = err
		r.step("quantization: %v", err)
	case err != nil:
		return nil, err
	}
	if qr != nil && qr.Calibration != nil && qr.Calibration.Error == "" {
		r.step("%s", qr.Calibration.Text)
	}
	r.step("quantized with %d-bit weights, %d-bit activations and %d-bit input weights", bits.Weights, bits.Activations, bits.InputWeights)
	r.converted = q
	return q, nil
}

func (p pipeline) check(files []File, o Options) (report *CheckReport, err error) {
	r := &run{o: o}
	defer recoverStage(r, &err)
	m, err := p.prepare(r, files)
	if err != nil {
		return nil, err
	}
	r.enter("check", 0.4)
	cr, err := convert.Check(m, convertOptions(o))
	if err != nil {
		return nil, err
	}
	report = r.verdictReport(cr)
	r.enter("done", 1)
	return report, nil
}

func (p pipeline) convert(files []File, o Options) (result *ConvertResult, err error) {
	r := &run{o: o}
	defer recoverStage(r, &err)
	m, err := p.prepare(r, files)
	if err != nil {
		return nil, err
	}
	r.enter("convert", 0.5)
	if len(r.quantizeProblems) > 0 {
		// The model's problems, the quantizer's first, as Convert gives them.
		cr, err := convert.Check(m, convertOptions(o))
		if err != nil {
			return nil, err
		}
		report := r.verdictReport(cr)
		return nil, &ModelError{Report: report, Err: &convert.Error{First: report.Diagnostics[0], Diagnostics: report.Diagnostics}}
	}
	am, cr, err := convert.Convert(m, convertOptions(o))
	if err != nil {
		var ce *convert.Error
		if errors.As(err, &ce) && cr != nil {
			return nil, &ModelError{Report: r.verdictReport(cr), Err: ce}
		}
		return nil, err
	}
	if r.calibrationErr != nil {
		// The model converts, but with cnn2snn's default max_value where
		// the calibration failed (its problems, if any, came first above).
		return nil, r.calibrationErr
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
		Keras: r.original, Quantized: m}, nil
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
// (target, input scaling, bit widths, akida version), so a front end can
// refuse them before reading any file. Check and Convert call it too.
func ValidateOptions(o Options) error {
	if err := convertOptions(o).Validate(); err != nil {
		return err
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
