package core

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// The default flow for a float model (facade.go chooseTarget) and the
// quantization options of Akida 2.0.

// TestFloatModelsDefaultToAkida2: MobileNet-VWW, which Akida 1.0 refuses
// (DepthwiseConv2D, AveragePooling2D), converts to Akida 2.0 with the
// default options, and the report says why; both verdicts are given.
func TestFloatModelsDefaultToAkida2(t *testing.T) {
	vww := []File{fixture(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")}
	var stages []string
	res, err := Convert(vww, Options{CalibrationSamples: 2, Progress: func(stage string, _ float64) {
		if len(stages) == 0 || stages[len(stages)-1] != stage {
			stages = append(stages, stage)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	if r.Target != "v2" || !r.Compatible || r.Layers != 30 || r.Origin != "float" {
		t.Errorf("target %s compatible %v, %d layers", r.Target, r.Compatible, r.Layers)
	}
	wantReason := "Akida 2.0: Akida 1.0 refuses the model (40 problems, the first: Layer depthwise_conv2d of type DepthwiseConv2D is not supported for Akida conversion), Akida 2.0 accepts it"
	if r.TargetReason != wantReason {
		t.Errorf("reason %q", r.TargetReason)
	}
	if len(r.Verdicts) != 2 || r.Verdicts[0].Target != "v1" || r.Verdicts[0].Compatible || len(r.Verdicts[0].Diagnostics) != 40 ||
		r.Verdicts[1].Target != "v2" || !r.Verdicts[1].Compatible || len(r.Verdicts[1].Diagnostics) != 0 {
		t.Errorf("verdicts %+v", r.Verdicts)
	}
	if q := r.Quantization; q == nil || q.Mode != quantize.ModeQuantizeML || q.QuantizeML.Calibration.Samples != 2 {
		t.Errorf("quantization %+v", q)
	}
	if !slices.Contains(r.Steps, "converted to 30 Akida 2.0 layers") {
		t.Errorf("steps %q", r.Steps)
	}
	if !slices.Equal(stages, []string{"load", "quantize", "calibrate", "convert", "encode", "done"}) {
		t.Errorf("stages %v", stages)
	}
	m, err := fbz.Decode(res.FBZ)
	if err != nil || len(m.Layers) != 30 || m.Layers[1].Type.String() != "InputConv2D" {
		t.Errorf("decoded: %v", err)
	}
	// The blocks list the user's layers: the folded BatchNormalization
	// with its convolution.
	if b := r.Blocks[1]; b.AkidaLayer != "conv2d" || !slices.Equal(b.KerasLayers, []string{"conv2d", "batch_normalization", "activation"}) {
		t.Errorf("block %+v", b)
	}

	// The user can force Akida 1.0: its problems.
	_, err = Convert(vww, Options{Target: "v1"})
	var me *ModelError
	if !errors.As(err, &me) || len(me.Report.Diagnostics) != 40 || me.Report.Verdicts != nil {
		t.Errorf("forced v1: %v", err)
	}
}

// TestFloatModelsAkida1First: a float model Akida 1.0 accepts stays Akida
// 1.0 (its bytes are pinned by TestAkida1OutputUnchanged); Check gives
// Akida 2.0's verdict beside it, quantized on one random sample as
// cnn2snn's check_model_compatibility does; --target v2 converts it for
// Akida 2.0.
func TestFloatModelsAkida1First(t *testing.T) {
	ecg := []File{fixture(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")}
	res, err := Convert(ecg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Report; r.Target != "v1" || r.TargetReason != "Akida 1.0: it accepts the model (the default for the models it accepts)" || len(r.Verdicts) != 1 {
		t.Errorf("convert: target %s, reason %q, %d verdicts", r.Target, r.TargetReason, len(r.Verdicts))
	}
	check, err := Check(ecg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if check.Target != "v1" || !check.Compatible || len(check.Verdicts) != 2 || !check.Verdicts[0].Compatible || !check.Verdicts[1].Compatible ||
		check.TargetReason != "Akida 1.0: it accepts the model (the default for the models it accepts); Akida 2.0 accepts it too (--target v2)" {
		t.Errorf("check: target %s, reason %q, verdicts %+v", check.Target, check.TargetReason, check.Verdicts)
	}
	if c := check.Verdicts[1].Quantization.QuantizeML.Calibration; c.Samples != 1 || c.Batches != 1 {
		t.Errorf("check calibration %+v", c)
	}
	if got := blockTypes(check.Verdicts[1].Blocks); !slices.Equal(got, []string{"Quantizer", "InputConv2D", "Conv2D", "Conv2D", "Dense1D", "Dense1D", "Dequantizer"}) {
		t.Errorf("Akida 2.0 verdict blocks %v", got)
	}
	for _, f := range []string{"float_ecg_cnn_bn_keras2.15.h5", "mnist_cnn_sequential_keras3.15.keras"} {
		res, err := Convert([]File{fixture(t, "keras", f)}, Options{Target: "v2", CalibrationSamples: 2})
		if err != nil {
			t.Errorf("%s --target v2: %v", f, err)
			continue
		}
		if res.Report.Target != "v2" || res.Model.Layers[0].Type.String() != "Quantizer" || res.Report.Verdicts != nil {
			t.Errorf("%s --target v2: %s", f, res.Report.Target)
		}
	}
	// 8-bit activations are Akida 2.0's only: they choose it.
	res, err = Convert(ecg, Options{Quantize: QuantizeOptions{Weights: 8, Activations: 8, InputWeights: 8}, CalibrationSamples: 1})
	if err != nil || res.Report.Target != "v2" || len(res.Report.Verdicts) != 1 ||
		res.Report.TargetReason != "Akida 2.0: the bit widths are Akida 2.0's only (quantize: activation bitwidth 8 is not allowed: Activation bitwidth must be in (1, 2, 4))" {
		t.Errorf("8,8,8: %v %+v", err, res)
	}
	// quantizeml options choose Akida 2.0 too.
	res, err = Convert(ecg, Options{OutputBits: 8, CalibrationSamples: 1})
	if err != nil || res.Report.Target != "v2" || res.Report.TargetReason != "Akida 2.0: --output-bits are quantizeml's options, for Akida 2.0" {
		t.Errorf("--output-bits: %v", err)
	}
}

func blockTypes(blocks []compat.Block) []string {
	var out []string
	for _, b := range blocks {
		out = append(out, b.AkidaType)
	}
	return out
}

// TestRequantization: bit widths given for a model already quantized —
// cnn2snn.quantize re-quantizes a cnn2snn model, quantizeml refuses; never
// ignored.
func TestRequantization(t *testing.T) {
	tiny := []File{{Name: "tiny.h5", Data: readPath(t, fixtures.Repo(t, "core", "convert", "testdata", "cnn2snn_tiny_keras2.15.h5"))}}
	plain, err := Convert(tiny, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(plain.Report.Steps, "the model is already quantized (cnn2snn): no quantization") {
		t.Errorf("steps %q", plain.Report.Steps)
	}
	re, err := Convert(tiny, Options{Quantize: QuantizeOptions{Weights: 2, Activations: 2, InputWeights: 8}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(re.Report.Steps, "re-quantized with 2-bit weights, 2-bit activations and 8-bit input weights") ||
		re.Report.Quantization == nil || re.Report.Quantization.Origin != "cnn2snn" {
		t.Errorf("steps %q", re.Report.Steps)
	}
	var bits []int
	for _, l := range re.Model.Layers {
		bits = append(bits, l.Params.Int("act_bits"))
	}
	if !slices.Equal(bits[:2], []int{2, 2}) {
		t.Errorf("act_bits %v, want 2", bits)
	}
	qml := []File{fixture(t, "keras", "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5")}
	_, err = Convert(qml, Options{Quantize: QuantizeOptions{Weights: 4}})
	if !errors.Is(err, quantize.ErrRequantize) || err.Error() != "--quantize: the model is already quantized with quantizeml, which refuses it: Requantizing a model is not supported. Please quantize the original float model directly." {
		t.Errorf("quantizeml model with --quantize: %v", err)
	}
	if _, err := Check(tiny, Options{OutputBits: 8}); err == nil || !strings.Contains(err.Error(), "quantizeml refuses to re-quantize a quantized model") {
		t.Errorf("cnn2snn model with --output-bits: %v", err)
	}
}

// TestQuantizeMLOptionErrors: the Akida 2.0 options are checked before any
// file is read.
func TestQuantizeMLOptionErrors(t *testing.T) {
	yes := true
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Target: "v1", PerTensorActivations: &yes}, "--per-tensor-activations: these options set quantizeml's quantization, for Akida 2.0; with --target v1 the model is quantized the cnn2snn way: remove them or use --target v2"},
		{Options{OutputBits: 9}, "output bitwidth 9 is not allowed: Akida 2.0 layers output 1 to 8 bits"},
		{Options{InputDtype: "float16"}, "Unsupported float16 input dtype: it should be a integer subdtype."},
		{Options{Target: "v2", Quantize: QuantizeOptions{Weights: 2}}, "quantize: weight bitwidth 2 is not allowed for Akida 2.0: its layers take 4 or 8-bit weights"},
		{Options{CalibrationSamples: 40000, CalibrationEpochs: 2}, "40000 calibration samples × 2 epochs is more than 65536 forward passes: use fewer"},
		{Options{CalibrationEpochs: -1}, "--calibration-epochs -1: give a whole number, 1 or more (or none for the default)"},
		{Options{CalibrationSamples: 8, CalibrationBatchSize: -4}, "--calibration-batch-size -4: give a whole number, 1 or more (or none for the default)"},
	} {
		if err := ValidateOptions(c.o); err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v", c.o, err)
		}
	}
	ecg := []File{fixture(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")}
	if _, err := Check(ecg, Options{InputScaling: &[2]float64{255, 0}, OutputBits: 8}); err == nil ||
		err.Error() != "--input-scaling are Akida 1.0 options and --output-bits Akida 2.0 ones: give --target v1 or v2, or the options of one target only" {
		t.Errorf("mixed options: %v", err)
	}
}

// TestCalibrationStops: a cancelled context stops the Akida 2.0
// calibration, and the conversion with it.
func TestCalibrationStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	o := Options{Target: "v2", CalibrationSamples: 50, Context: ctx, Progress: func(stage string, fraction float64) {
		if stage == "calibrate" && fraction > 0.25 {
			cancel()
		}
	}}
	_, err := Convert([]File{fixture(t, "keras", "float_ecg_cnn_bn_keras2.15.h5")}, o)
	if !errors.Is(err, quantize.ErrCalibrationStopped) {
		t.Errorf("error %v", err)
	}
}

func readPath(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyFloatToAkida2: every float model converted for Akida 2.0
// agrees with its quantizeml model: on 4 seeded inputs the outputs' top-1
// agree, every layer's agreement is reported, and every difference has a
// named cause (AkidaNet's 224×224 layers: quantizeml's float32
// accumulation, spec conversion-v2.md §5.4).
func TestVerifyFloatToAkida2(t *testing.T) {
	for _, c := range []struct {
		dir, file string
		layers    int
		exact     bool
	}{
		{"keras", "mobilenetv1_vww_96_keras2.4.h5", 30, true},
		{"keras", "float_ecg_cnn_bn_keras2.15.h5", 7, true},
		{"keras", "mnist_cnn_sequential_keras3.15.keras", 6, true},
		{"keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5", 28, false},
		{"testdata", "qml_ds_cnn_keras2.15.h5", 9, true},
		{"testdata", "qml_residual_keras2.15.h5", 9, true},
		{"testdata", "qml_concat_keras2.15.h5", 13, true},
		{"testdata", "qml_avgpool_keras2.15.h5", 6, true},
		{"testdata", "qml_rescaling_keras2.15.h5", 5, true},
	} {
		var files []File
		if c.dir == "keras" {
			files = []File{fixture(t, "keras", c.file)}
		} else {
			files = []File{{Name: c.file, Data: readPath(t, fixtures.Repo(t, "core", "quantize", "testdata", c.file))}}
		}
		r, err := Verify(files, Options{Target: "v2", CalibrationSamples: 8}, VerifyOptions{Samples: 4, Seed: 1})
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if r.Target != "v2" || r.OutputAgreement < 0.99 || r.Unexplained != 0 || !r.Proved || len(r.Layers) != c.layers {
			t.Errorf("%s: target %s, output agreement %v, %d unexplained, %d layers", c.file, r.Target, r.OutputAgreement, r.Unexplained, len(r.Layers))
		}
		exact := r.Explained == 0
		for _, l := range r.Layers {
			exact = exact && l.Agreement == 1
		}
		if exact != c.exact {
			t.Errorf("%s: every activation equal: %v, want %v (%d explained differences)", c.file, exact, c.exact, r.Explained)
		}
	}
}

// The default flow converts the analysis it chose the target with, so
// that quantizeml's recording and the Akida 2.0 dry run of the check are
// not made again, and the recording reaches Verify with the result.
func TestDefaultFlowConvertsItsCheck(t *testing.T) {
	files := []File{{Name: "residual.h5", Data: readPath(t, fixtures.Repo(t, "core", "quantize", "testdata", "qml_residual_keras2.15.h5"))}}
	o := Options{CalibrationSamples: 8}
	r := &run{o: o}
	m, err := defaultPipeline().prepare(r, files, false)
	if err != nil || r.chosen == nil || r.chosen.target != akida.IPv2 || r.chosen.checked == nil {
		t.Fatalf("prepare: %v, chosen %+v", err, r.chosen)
	}
	if x, err := r.analysis(m); err != nil || x != r.chosen.checked {
		t.Errorf("the conversion analyses the model again (%v)", err)
	}
	res, err := Convert(files, o)
	if err != nil || res.Recording == nil || res.Recording.Layer(res.Quantized.Outputs[0]) == nil {
		t.Fatalf("convert: %v; recording %v", err, res.Recording)
	}
	v1, err := Convert([]File{{Name: "tiny.h5", Data: readPath(t, fixtures.Repo(t, "core", "convert", "testdata", "cnn2snn_tiny_keras2.15.h5"))}}, Options{})
	if err != nil || v1.Recording != nil {
		t.Errorf("an Akida 1.0 conversion: %v, recording %v", err, v1.Recording)
	}
}
