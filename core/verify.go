package core

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/verify"
)

// VerifyOptions are the inputs a verification runs on: the number of
// seeded inputs and the seed.
type VerifyOptions = verify.Options

// VerifyReport is what Verify found (JSON-ready: `cnn2snn verify --json`
// and the wasm API print it as it is).
type VerifyReport = verify.Result

// Verify converts a Keras model exactly as Convert does (same options,
// same errors: a model that does not convert gives Convert's *ModelError)
// and then runs the quantized Keras model, the Akida model and, for a float
// model, the float model on vo.Samples seeded inputs, comparing them layer
// by layer (core/verify).
func Verify(files []File, o Options, vo VerifyOptions) (*VerifyReport, error) {
	return defaultPipeline().verify(files, o, vo)
}

func (p pipeline) verify(files []File, o Options, vo VerifyOptions) (report *VerifyReport, err error) {
	if err := vo.Validate(); err != nil {
		return nil, err
	}
	// The conversion is Convert's own; its quantization step is wrapped to
	// keep the float model and the quantized one it returns.
	var float, quantized *keras.Model
	q := p.quantize
	p.quantize = func(m *keras.Model, bits QuantizeOptions, calibration []byte) (*keras.Model, *quantize.Report, error) {
		out, r, err := q(m, bits, calibration)
		float, quantized = m, out
		return out, r, err
	}
	progress := o.Progress
	if progress != nil {
		// Conversion is the first fifth of the work; its "done" is not ours.
		o.Progress = func(stage string, fraction float64) {
			if stage != "done" {
				progress(stage, fraction/5)
			}
		}
	}
	res, err := p.convert(files, o)
	if err != nil {
		return nil, err
	}
	defer recoverAs("verify", &err)
	if progress != nil {
		// The samples are the other four fifths.
		vo.Progress = func(done, total int) {
			progress("verify", 0.2+0.8*float64(done)/float64(total))
		}
	}
	if quantized == nil {
		// The model was given quantized: Convert converted it as loaded.
		if quantized, err = keras.Load(files); err != nil {
			return nil, err
		}
		float = nil
	}
	scaling := res.Report.InputScaling
	if scaling == nil { // the legacy path always sets it
		return nil, internalError("verify", "the conversion reports no input scaling")
	}
	report, err = verify.Run(verify.Models{Float: float, Quantized: quantized, Akida: res.Model, Scaling: *scaling}, vo)
	if err == nil && progress != nil {
		progress("done", 1)
	}
	return report, err
}
