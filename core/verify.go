package core

import (
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
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
// model converted to Akida 1.0, the float model on vo.Samples seeded inputs, comparing them layer
// by layer (core/verify). The models compared are those Convert returns:
// the files are read once.
func Verify(files []File, o Options, vo VerifyOptions) (*VerifyReport, error) {
	return defaultPipeline().verify(files, o, vo)
}

func (p pipeline) verify(files []File, o Options, vo VerifyOptions) (report *VerifyReport, err error) {
	if err := vo.Validate(); err != nil {
		return nil, err
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
	models, err := verifyModels(res)
	if err != nil {
		return nil, err
	}
	report, err = verify.Run(models, vo)
	if err == nil && progress != nil {
		progress("done", 1)
	}
	return report, err
}

// verifyModels are the models of a conversion that verify compares: the
// Akida model, the Keras model the converter received, and the model as
// loaded when it was float (a model given quantized has no float figure).
func verifyModels(res *ConvertResult) (verify.Models, error) {
	if res.Report.Origin == convert.OriginQuantizeML || res.Model.IPVersion() == string(akida.IPv2) {
		// Akida 2.0: the quantizeml model (given, or quantized from the
		// float one) against its Akida 2.0 layers, paired by the
		// converter's blocks on it.
		if res.Model.IPVersion() != string(akida.IPv2) {
			return verify.Models{}, fmt.Errorf("verify compares a quantizeml model with its Akida 2.0 conversion, and this one was converted for the target %s: choose the target v2 (Akida 2.0) to verify it", res.Report.Target)
		}
		return verify.Models{Quantized: res.Quantized, Akida: res.Model, Blocks: res.QuantizedBlocks, Recording: res.Recording}, nil
	}
	scaling := res.Report.InputScaling
	if scaling == nil || res.Quantized == nil { // the legacy path always sets them
		return verify.Models{}, internalError("verify", "the conversion reports no input scaling or no quantized Keras model")
	}
	m := verify.Models{Quantized: res.Quantized, Akida: res.Model, Scaling: *scaling}
	if res.Report.Origin == convert.OriginFloat {
		m.Float = res.Keras
	}
	return m, nil
}
