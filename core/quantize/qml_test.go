package quantize_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/quantize"
)

// perTensor returns quantizeml's default parameters with per-tensor
// activations (the per-axis default makes quantizeml refuse a Flatten
// after a per-axis activation).
func perTensor() quantize.QuantizationParams {
	p := quantize.DefaultQuantizationParams()
	p.PerTensorActivations = true
	return p
}

func akidaLayers(t *testing.T, m *keras.Model) ([]string, []string) {
	t.Helper()
	am, r, err := convert.Convert(m, convert.Options{Target: convert.TargetV2})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	var out []string
	for _, l := range am.Layers {
		out = append(out, l.Name+":"+l.Type.String())
	}
	return out, r.Warnings
}

// TestQuantizeMLConvertsToAkida2: the float fixtures and the float models
// of tools/qmlgen, quantized on 4 random samples, convert to these Akida
// 2.0 layers. A model ending in a softmax keeps it float after a
// Dequantizer, which the converter drops with its warning.
func TestQuantizeMLConvertsToAkida2(t *testing.T) {
	for _, c := range []struct {
		file      string
		layers    []string
		dropsHead bool
	}{
		{"qml_ds_cnn_keras2.15.h5", []string{"input_quantizer:Quantizer", "conv0:InputConv2D", "dw1:DepthwiseConv2D", "pw1:Conv2D",
			"dw2:DepthwiseConv2D", "dw2_identity_dw_conv:DepthwiseConv2D", "pw2:Conv2D", "dense:Dense1D", "dense/dequantizer:Dequantizer"}, true},
		{"qml_residual_keras2.15.h5", []string{"input_quantizer:Quantizer", "conv0:InputConv2D", "conv0_activ_identity_conv:Conv2D", "conv1:Conv2D",
			"conv2:Conv2D", "add:Add", "add_identity_conv:Conv2D", "dense:Dense1D", "dequantizer:Dequantizer"}, false},
		{"qml_concat_keras2.15.h5", []string{"input_quantizer:Quantizer", "conv0:InputConv2D", "relu0_identity_conv:Conv2D",
			"relu0_identity_conv_identity_conv_3:Conv2D", "conv1:Conv2D", "conv2:Conv2D", "conv3:Conv2D", "concat_relu2:Concatenate",
			"concat_relu2_identity_conv:Conv2D", "concat:Concatenate", "conv4:Conv2D", "dense:Dense1D", "dequantizer:Dequantizer"}, false},
		{"qml_avgpool_keras2.15.h5", []string{"input_quantizer:Quantizer", "conv0:InputConv2D", "avg:DepthwiseConv2D", "conv1:Conv2D",
			"dense:Dense1D", "dequantizer:Dequantizer"}, false},
		{"qml_rescaling_keras2.15.h5", []string{"input_quantizer:Quantizer", "conv0:InputConv2D", "conv1:Conv2D", "dense:Dense1D",
			"dequantizer:Dequantizer"}, false},
		{floatECG, []string{"input_quantizer:Quantizer", "conv2d:InputConv2D", "conv2d_1:Conv2D", "conv2d_2:Conv2D", "dense:Dense1D",
			"dense_1:Dense1D", "dequantizer:Dequantizer"}, false},
		{mnist, []string{"input_quantizer:Quantizer", "conv2d:InputConv2D", "conv2d_1:Conv2D", "dense:Dense1D", "dense_1:Dense1D",
			"dense_1/dequantizer:Dequantizer"}, true},
	} {
		t.Run(c.file, func(t *testing.T) {
			q, _, err := quantize.QuantizeML(loadTestdataOrFixture(t, c.file), quantize.QMLOptions{Samples: 4, Params: perTensor()})
			if err != nil {
				t.Fatal(err)
			}
			layers, warnings := akidaLayers(t, q)
			if !slices.Equal(layers, c.layers) {
				t.Errorf("Akida layers\n got %q\nwant %q", layers, c.layers)
			}
			if dropped := len(warnings) == 1 && strings.Contains(warnings[0], "because of a dequantizer"); dropped != c.dropsHead || len(warnings) > 1 {
				t.Errorf("warnings %q", warnings)
			}
		})
	}
}

// TestQuantizeMLMobileNetAkidaNet: the two ImageNet-style fixtures, whose
// layer lists are long: their Akida 2.0 layer counts and the layers the
// extensions make.
func TestQuantizeMLMobileNetAkidaNet(t *testing.T) {
	q, rep, err := quantize.QuantizeML(loadFixture(t, mobileNetVWW), quantize.QMLOptions{Samples: 2, Params: perTensor()})
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := akidaLayers(t, q)
	// Quantizer, InputConv2D, 13 × (DepthwiseConv2D, Conv2D), Dense1D,
	// Dequantizer: the AveragePooling2D over the final 3×3 became the
	// global pooling of conv2d_13's Akida layer.
	if len(layers) != 30 || layers[1] != "conv2d:InputConv2D" || layers[28] != "dense:Dense1D" {
		t.Errorf("MobileNet: %d layers %q", len(layers), layers)
	}
	if n := countActions(rep, quantize.ActionActivationToReLU); n != 27 {
		t.Errorf("MobileNet: %d Activation layers became ReLUs, want 27", n)
	}
	if n := countActions(rep, quantize.ActionAverageToGlobal); n != 1 {
		t.Errorf("MobileNet: %d average poolings made global, want 1", n)
	}

	q, rep, err = quantize.QuantizeML(loadFixture(t, akidaNet), quantize.QMLOptions{Samples: 1, Params: perTensor()})
	if err != nil {
		t.Fatal(err)
	}
	layers, _ = akidaLayers(t, q)
	if len(layers) != 28 || layers[5] != "separable_4_dw:DepthwiseConv2D" || layers[25] != "separable_13/global_avg_identity:Dense1D" {
		t.Errorf("AkidaNet: %d layers %q", len(layers), layers)
	}
	if n := countActions(rep, quantize.ActionSplitSeparable); n != 10 {
		t.Errorf("AkidaNet: %d separable layers split, want 10", n)
	}
	// The Rescaling(1/128, −1) offset is folded: conv_0 pads with 1.0,
	// which Akida's InputConv2D takes as round(1.0·128) = 128 saturated
	// to 127 (spec §4.4 item 6).
	if c, ok := q.Layer("conv_0").Config.(*keras.QMLConv2D); !ok || !slices.Equal(c.PaddingValue, []float64{1}) || c.Padding != "valid" {
		t.Errorf("conv_0 config %+v", q.Layer("conv_0").Config)
	}
	am, _, err := convert.Convert(q, convert.Options{Target: convert.TargetV2})
	if err != nil {
		t.Fatal(err)
	}
	checkUint8s(t, am, "conv_0", "padding_value", 127, 127, 127) // per input channel
}

func countActions(r *quantize.Report, kind string) int {
	n := 0
	for _, a := range r.Actions {
		if a.Kind == kind {
			n++
		}
	}
	return n
}

// TestQuantizeMLExactMovingAverage quantizes qml_exact as
// TestQuantizeMLExact does but with batch_size None: predict then makes
// num_samples = 2 steps of ceil(2/2) = 1 sample, and each observer keeps
// quantizeml's moving average v − (v − new)·0.1f after the first batch.
func TestQuantizeMLExactMovingAverage(t *testing.T) {
	m := loadTestdata(t, "qml_exact_keras2.15.h5")
	q, rep, err := quantize.QuantizeML(m, quantize.QMLOptions{
		Calibration: readTestdata(t, "qml_exact_calibration.npy"), Samples: 2})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.QuantizeML.Calibration; c.Batch != 1 || c.Batches != 2 {
		t.Errorf("calibration %+v, want 2 batches of 1", c)
	}
	// Input range_max: 9, then 9 − (9 − 12)·0.1f = 9 + 0.300000012 =
	// 9.30000019 (float32). range_min: 1 after the first sample, which
	// equals the variable's initial value, so quantizeml takes the second
	// batch's minimum −2 as it is instead of averaging.
	if got := weightValues(t, q, "input_quantizer", "range_max"); !slices.Equal(got, []float32{9.3}) {
		t.Errorf("range_max %v, want [9.3]", got)
	}
	if got := weightValues(t, q, "input_quantizer", "range_min"); !slices.Equal(got, []float32{-2}) {
		t.Errorf("range_min %v, want [-2]", got)
	}
	// ReLU: 3.125, then 3.125 − (3.125 − 10.5)·0.1f = 3.125 + 0.737500012
	// = 3.86249995 (float32); ideal 255·2^(1 − 8) = 1.9921875.
	observed := float32(3.125) - (float32(3.125)-10.5)*float32(0.1)
	if observed != 3.86249995 {
		t.Fatalf("the float32 arithmetic of this test: %v", observed)
	}
	if got := weightValues(t, q, "relu", "output_quantizer/range_max"); !slices.Equal(got, []float32{1.9921875}) {
		t.Errorf("relu range_max %v, want [1.9921875]", got)
	}
	if got := weightValues(t, q, "relu", "output_quantizer/rescaling_rate"); !slices.Equal(got, []float32{1.9921875 / observed}) {
		t.Errorf("relu rescaling_rate %v, want [%v]", got, 1.9921875/observed)
	}
}

// TestQuantizeMLTransforms checks what sanitize did to the models of
// tools/qmlgen, value by value where the transform computes.
func TestQuantizeMLTransforms(t *testing.T) {
	float := loadTestdata(t, "qml_ds_cnn_keras2.15.h5")
	q, rep, err := quantize.QuantizeML(float, quantize.QMLOptions{Samples: 1, Params: perTensor()})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{quantize.ActionRemoveZeroPadding, quantize.ActionEvenToOddKernel, quantize.ActionSplitDepthwise} {
		if countActions(rep, kind) != 1 {
			t.Errorf("ds_cnn: %d %s actions, want 1", countActions(rep, kind), kind)
		}
	}
	if n := countActions(rep, quantize.ActionFoldBatchNorm); n != 3 {
		t.Errorf("ds_cnn: %d folds, want 3", n)
	}
	// ZeroPadding2D((0, 1), (0, 1)) + 'valid' 3×3 stride 2 on 16×16 is
	// TensorFlow's 'same' (8·2 = 16): conv0 pads 'same', with a padding
	// value [0.0] from the unsigned InputQuantizer.
	if c := q.Layer("conv0").Config.(*keras.QMLConv2D); !slices.Equal(c.PaddingValue, []float64{0}) || c.Padding != "valid" {
		t.Errorf("conv0: padding %q, padding_value %v", c.Padding, c.PaddingValue)
	}
	// bn0 folded into conv0: kernel · gamma/sqrt(variance + 0.001).
	bn := float.Layer("bn0")
	gamma, variance := bn.Weight("gamma").Values, bn.Weight("moving_variance").Values
	s0 := gamma[0] / float32(math.Sqrt(float64(variance[0]+0.001)))
	if got, want := q.Layer("conv0").Weight("kernel").Values[0], float.Layer("conv0").Weight("kernel").Values[0]*s0; got != want {
		t.Errorf("conv0 kernel[0] %v, want %v", got, want)
	}
	// bias = beta + (0 − mean)·s (conv0 had no bias).
	beta, mean := bn.Weight("beta").Values[0], bn.Weight("moving_mean").Values[0]
	if got, want := q.Layer("conv0").Weight("bias").Values[0], beta+(0-mean)*s0; got != want {
		t.Errorf("conv0 bias[0] %v, want %v", got, want)
	}
	// pw2's 2×2 'same' kernel (stride 1) sits at rows/columns 1–2 of a
	// 3×3 one: TensorFlow pads a 2×2 'same' window 0 before and 1 after,
	// a 3×3 one 1 and 1.
	pw2 := q.Layer("pw2").Weight("kernel")
	orig := float.Layer("pw2").Weight("kernel").Values
	if !slices.Equal(pw2.Shape, []int{3, 3, 16, 16}) {
		t.Fatalf("pw2 kernel shape %v", pw2.Shape)
	}
	rate := q.Layer("relu3").Weight("output_quantizer/rescaling_rate").Values[0]
	for _, p := range []struct{ i, j, oi, oj int }{{1, 1, 0, 0}, {2, 2, 1, 1}, {1, 2, 0, 1}} {
		got := pw2.Values[(p.i*3+p.j)*256+5]
		if want := orig[(p.oi*2+p.oj)*256+5] / rate; got != want {
			t.Errorf("pw2 kernel[%d,%d,0,5] %v, want %v (the original divided by relu3's rescaling_rate)", p.i, p.j, got, want)
		}
	}
	if pw2.Values[0] != 0 || pw2.Values[(0*3+2)*256] != 0 {
		t.Errorf("pw2's new row and column are not zero")
	}
	// dw2 (5×5 stride 2) keeps its kernel with stride 1; the identity 3×3
	// stride-2 depthwise after it has 1 at the centre of each channel.
	if c := q.Layer("dw2").Config.(*keras.QMLDepthwiseConv2D); c.Strides != [2]int{1, 1} {
		t.Errorf("dw2 strides %v", c.Strides)
	}
	id := q.Layer("dw2_identity_dw_conv")
	k := id.Weight("depthwise_kernel").Values
	rateDW := q.Layer("dw2").Weight("output_quantizer/rescaling_rate").Values[0]
	if c := id.Config.(*keras.QMLDepthwiseConv2D); c.Strides != [2]int{2, 2} || id.UseBias() || k[4*16+3] != 1/rateDW || k[3] != 0 {
		t.Errorf("identity depthwise %+v, kernel centre %v", id.Config, k[4*16+3])
	}

	// qml_avgpool: the 2×2 AveragePooling2D becomes a DepthwiseConv2D of
	// 1/4 (then divided by relu0's rescaling_rate), the 4×4 one over the
	// whole input a GlobalAveragePooling2D.
	q, _, err = quantize.QuantizeML(loadTestdata(t, "qml_avgpool_keras2.15.h5"), quantize.QMLOptions{Samples: 1, Params: perTensor()})
	if err != nil {
		t.Fatal(err)
	}
	r0 := q.Layer("relu0").Weight("output_quantizer/rescaling_rate").Values[0]
	if avg := q.Layer("avg"); avg.ClassName != "QuantizedDepthwiseConv2D" || avg.Weight("depthwise_kernel").Values[7] != 0.25/r0 {
		t.Errorf("avg: %s %v", avg.ClassName, avg.Weight("depthwise_kernel").Values[:8])
	}
	if g, ok := q.Layer("avg_global").Config.(*keras.QMLGlobalAveragePooling2D); !ok || !g.KeepDims {
		t.Errorf("avg_global config %+v", q.Layer("avg_global").Config)
	}

	// qml_rescaling: Rescaling(1/127.5, −1) keeps its scale; conv0 takes
	// padding_value 0 − (−1) = 1.0 and bias Σ kernel·(−1) over each
	// filter's 27 weights (after bn0's fold).
	float = loadTestdata(t, "qml_rescaling_keras2.15.h5")
	q, rep, err = quantize.QuantizeML(float, quantize.QMLOptions{Samples: 1, Params: perTensor()})
	if err != nil {
		t.Fatal(err)
	}
	if countActions(rep, quantize.ActionAlignRescaling) != 1 {
		t.Errorf("no align-rescaling action")
	}
	if r := q.Layer("rescaling").Config.(*keras.QMLRescaling); !slices.Equal(r.Scale, []float64{1 / 127.5}) || !slices.Equal(r.Offset, []float64{0}) {
		t.Errorf("rescaling %+v", r.Rescaling)
	}
	conv0 := q.Layer("conv0")
	if c := conv0.Config.(*keras.QMLConv2D); !slices.Equal(c.PaddingValue, []float64{1}) {
		t.Errorf("conv0 padding_value %v", c.PaddingValue)
	}
	kernel := conv0.Weight("kernel").Values // already scaled by bn0
	var sum float64
	for i := 0; i < len(kernel); i += 4 {
		sum += float64(kernel[i])
	}
	bn = float.Layer("bn0")
	s := bn.Weight("gamma").Values[0] / float32(math.Sqrt(float64(bn.Weight("moving_variance").Values[0]+0.001)))
	folded := bn.Weight("beta").Values[0] + (0-bn.Weight("moving_mean").Values[0])*s
	if got, want := conv0.Weight("bias").Values[0], folded-float32(sum); math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("conv0 bias[0] %v, want %v", got, want)
	}
}

// TestQuantizeMLPerAxis: with quantizeml's default per-axis activations,
// every output quantizer of a model without Flatten holds one range per
// channel, and the model converts; a Flatten after a per-axis activation
// makes the recording refuse it as quantizeml does.
func TestQuantizeMLPerAxis(t *testing.T) {
	q, rep, err := quantize.QuantizeML(loadTestdata(t, "qml_ds_cnn_keras2.15.h5"), quantize.QMLOptions{Samples: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.QuantizeML.Warnings) == 0 || !strings.HasPrefix(rep.QuantizeML.Warnings[0], "Quantizing per-axis with random calibration samples is not accurate.") {
		t.Errorf("warnings %q", rep.QuantizeML.Warnings)
	}
	if w := q.Layer("relu1").Weight("output_quantizer/range_max"); !slices.Equal(w.Shape, []int{8}) {
		t.Errorf("relu1 range_max shape %v, want [8]", w.Shape)
	}
	if w := q.Layer("input_quantizer").Weight("range_max"); !slices.Equal(w.Shape, []int{3}) {
		t.Errorf("input range_max shape %v, want [3]", w.Shape)
	}
	// The GAP's output is a vector: its quantizer is per tensor.
	if w := q.Layer("gap").Weight("output_quantizer/range_max"); len(w.Shape) != 0 {
		t.Errorf("gap range_max shape %v, want ()", w.Shape)
	}
	akidaLayers(t, q)

	q, rep, err = quantize.QuantizeML(loadFixture(t, floatECG), quantize.QMLOptions{Samples: 2})
	if err != nil {
		t.Fatal(err)
	}
	if w := rep.QuantizeML.Warnings; len(w) != 2 || !strings.HasPrefix(w[1], "QuantizedFlatten flatten reshapes the per-axis activations of re_lu_2: ") {
		t.Errorf("warnings %q", w)
	}
	if _, _, err := convert.Convert(q, convert.Options{Target: convert.TargetV2}); err == nil || !strings.Contains(err.Error(), "QuantizedFlatten") {
		t.Errorf("per-axis ECG: %v, want the Flatten's refusal", err)
	}
}

// TestQuantizeMLRefusals: quantizeml's refusals, with its texts, each a
// *quantize.Refusal (the model's problem), which option errors are not.
func TestQuantizeMLRefusals(t *testing.T) {
	refused := func(err error) bool {
		var r *quantize.Refusal
		return errors.As(err, &r)
	}
	opts := quantize.QMLOptions{Samples: 1}
	for _, f := range []string{"quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"} {
		if _, _, err := quantize.QuantizeML(loadFixture(t, f), opts); !errors.Is(err, quantize.ErrRequantize) || !refused(err) ||
			!strings.Contains(err.Error(), "Requantizing a model is not supported. Please quantize the original float model directly.") {
			t.Errorf("%s: %v", f, err)
		}
	}
	dw := &keras.DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "same", DataFormat: "channels_last",
		DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear"}
	m := modeltest.New("dw_first", 4, 4, 2).
		Add("dw", dw, modeltest.Fill("depthwise_kernel", []int{3, 3, 2, 1}, func(i int) float32 { return float32(i%5) / 8 })).
		Add("relu", &keras.ReLU{}).Model()
	_, _, err := quantize.QuantizeML(m, opts)
	if want := "Impossible to quantize inputs: unsigned quantization (input_dtype = uint8) is only possible if first layer (dw) was one of (Conv2D, BufferTempConv, Dense, StatefulProjection)."; !refused(err) || err.Error() != want {
		t.Errorf("depthwise first: %v", err)
	}
	// int8 inputs: a signed InputQuantizer, which any first layer takes.
	p := quantize.DefaultQuantizationParams()
	p.InputDtype = "int8"
	if q, _, err := quantize.QuantizeML(m, quantize.QMLOptions{Samples: 1, Params: p}); err != nil {
		t.Errorf("depthwise first, int8 inputs: %v", err)
	} else if iq := q.Layer("input_quantizer").Config.(*keras.QMLInputQuantizer); !iq.Signed || iq.Bitwidth != 8 {
		t.Errorf("int8 InputQuantizer %+v", iq)
	}

	leaky := modeltest.New("leaky", 4).
		Add("dense", &keras.Dense{Units: 2, Activation: "linear", UseBias: true}, modeltest.W("kernel", []int{4, 2}, 1, 0, 0, 1, 1, 0, 0, 1), modeltest.W("bias", []int{2}, 0, 0)).
		Add("relu", &keras.ReLU{NegativeSlope: 0.1}).Model()
	if _, _, err := quantize.QuantizeML(leaky, opts); !refused(err) || err.Error() != "Argument 'negative_slope' in layer 'relu' is only supported with one of [0]. Receives '0.1'." {
		t.Errorf("leaky ReLU: %v", err)
	}

	only := modeltest.New("only_float", 4).Add("softmax", &keras.Softmax{Axis: []int{-1}}).Model()
	if _, _, err := quantize.QuantizeML(only, opts); !refused(err) || err.Error() != "Impossible to quantize 'only_float'. At least one layer should be quantizable." {
		t.Errorf("nothing quantizable: %v", err)
	}

	flat := modeltest.New("flat_out", 2, 2, 1).
		Add("conv", &keras.Conv2D{Filters: 2, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last",
			DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: true},
			modeltest.W("kernel", []int{1, 1, 1, 2}, 1, -1), modeltest.W("bias", []int{2}, 0, 0)).
		Add("flatten", &keras.Flatten{DataFormat: "channels_last"}).Model()
	p = quantize.DefaultQuantizationParams()
	p.LastOutputBits = 16
	if _, _, err := quantize.QuantizeML(flat, quantize.QMLOptions{Samples: 1, Params: p}); !refused(err) || err.Error() != "Cannot apply last_output_bits on flatten." {
		t.Errorf("last_output_bits on a Flatten: %v", err)
	}
	for _, bad := range []quantize.QMLOptions{
		{Params: quantize.QuantizationParams{ActivationBits: 8, WeightBits: 8, OutputBits: 8, InputWeightBits: 8, InputDtype: "float32", BufferBits: 32}},
		{BatchSize: -1}, {Samples: -1}, {Samples: 1 << 15, Epochs: 4},
	} {
		if _, _, err := quantize.QuantizeML(flat, bad); err == nil || refused(err) {
			t.Errorf("options %+v: %v, want an option error", bad, err)
		}
	}
}

// TestQuantizeMLLastOutputBits: the output layer's quantizer becomes
// last_output_bits wide with 16-bit scales from 16 bits on.
func TestQuantizeMLLastOutputBits(t *testing.T) {
	p := perTensor()
	p.LastOutputBits = 16
	q, _, err := quantize.QuantizeML(loadTestdata(t, "qml_exact_keras2.15.h5"), quantize.QMLOptions{Samples: 1, Params: p})
	if err != nil {
		t.Fatal(err)
	}
	oq := q.Layer("dense").OutputQuantizer()
	if oq == nil || oq.Bitwidth != 16 || oq.ScaleBits != 16 || oq.PerAxis || oq.BufferBitwidth != 32 {
		t.Errorf("dense output quantizer %+v", oq)
	}
}

// TestQuantizeMLCalibrationProgressAndStop: progress is reported before
// each batch and at the end; a cancelled context stops the calibration.
func TestQuantizeMLCalibrationProgressAndStop(t *testing.T) {
	m := loadTestdata(t, "qml_exact_keras2.15.h5")
	var calls [][2]int
	_, _, err := quantize.QuantizeML(m, quantize.QMLOptions{Samples: 3, Epochs: 2, Params: perTensor(),
		Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][2]int{{0, 6}, {1, 6}, {2, 6}, {3, 6}, {4, 6}, {5, 6}, {6, 6}}; !slices.Equal(calls, want) {
		t.Errorf("progress %v, want %v", calls, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, _, err = quantize.QuantizeML(m, quantize.QMLOptions{Samples: 5, Params: perTensor(), Context: ctx,
		Progress: func(done, total int) {
			if n++; done == 2 {
				cancel()
			}
		}})
	if !errors.Is(err, quantize.ErrCalibrationStopped) || n != 3 {
		t.Errorf("stopped calibration: %v after %d calls", err, n)
	}
}

// TestQuantizeMLPerAxisDeadChannel: a per-axis output quantizer whose
// channel never fires (the ReLU of x·(−1) − 1 on non-negative inputs)
// keeps range_max 0 there and rescaling_rate 1, so that the next kernel's
// channel is not divided (spec §4.7).
func TestQuantizeMLPerAxisDeadChannel(t *testing.T) {
	conv := &keras.Conv2D{Filters: 2, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last",
		DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: true}
	dw := &keras.DepthwiseConv2D{KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last",
		DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear"}
	m := modeltest.New("dead", 2, 2, 1).
		Add("conv", conv, modeltest.W("kernel", []int{1, 1, 1, 2}, 0.5, -1), modeltest.W("bias", []int{2}, 0, -1)).
		Add("relu", &keras.ReLU{}).
		Add("dw", dw, modeltest.W("depthwise_kernel", []int{1, 1, 2, 1}, 2, 3)).Model()
	q, rep, err := quantize.QuantizeML(m, quantize.QMLOptions{Samples: 8})
	if err != nil {
		t.Fatal(err)
	}
	rangeMax := weightValues(t, q, "relu", "output_quantizer/range_max")
	rate := weightValues(t, q, "relu", "output_quantizer/rescaling_rate")
	var observed []float32
	for _, qr := range rep.QuantizeML.Quantizers {
		if qr.Layer == "relu" {
			observed = qr.Calibrated
		}
	}
	if len(rangeMax) != 2 || len(observed) != 2 || rangeMax[1] != 0 || rate[1] != 1 || observed[1] != 0 {
		t.Fatalf("range_max %v, rate %v, observed %v", rangeMax, rate, observed)
	}
	// Channel 0: observed 0.5·x over the samples, the ideal range and its
	// rate; the depthwise kernel's channel 0 is divided, channel 1 not.
	if rangeMax[0] == observed[0] || rate[0] != rangeMax[0]/observed[0] {
		t.Errorf("channel 0: range_max %v, observed %v, rate %v", rangeMax[0], observed[0], rate[0])
	}
	if k := weightValues(t, q, "dw", "depthwise_kernel"); k[0] != 2/rate[0] || k[1] != 3 {
		t.Errorf("depthwise kernel %v", k)
	}
}

// TestQuantizeMLHostileWeights: weights that do not match the config are
// refused with the layer named, before any transform.
func TestQuantizeMLHostileWeights(t *testing.T) {
	conv := &keras.Conv2D{Filters: 2, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "valid", DataFormat: "channels_last",
		DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: true}
	for _, c := range []struct {
		m    *keras.Model
		want string
	}{
		{modeltest.New("no_kernel", 2, 2, 1).Add("conv", conv).Model(),
			`layer "conv" (Conv2D): it has no kernel weight; the file does not match its config, re-save the model`},
		{modeltest.New("short_kernel", 2, 2, 1).Add("conv", conv, keras.Weight{Name: "kernel", Shape: []int{1, 1, 1, 2}, Values: []float32{1}},
			modeltest.W("bias", []int{2}, 0, 0)).Model(),
			`layer "conv" (Conv2D): its kernel holds 1 values for shape [1 1 1 2]; the file does not match its config, re-save the model`},
		{modeltest.New("bn", 2, 2, 1).Add("conv", conv, modeltest.W("kernel", []int{1, 1, 1, 2}, 1, 1), modeltest.W("bias", []int{2}, 0, 0)).
			Add("bn", &keras.BatchNormalization{Axis: []int{-1}, Epsilon: 0.001, Center: true, Scale: true},
				modeltest.BatchNorm([]float32{1}, []float32{0}, []float32{0}, []float32{1})...).Model(),
			`layer "bn" (BatchNormalization): its gamma has 1 values for 2 channels; the file does not match its config, re-save the model`},
	} {
		if _, _, err := quantize.QuantizeML(c.m, quantize.QMLOptions{Samples: 1}); err == nil || err.Error() != c.want {
			t.Errorf("%s: %v", c.m.Name, err)
		}
	}
}

// TestQuantizeMLChoices pins qml_choices.go: the default sample counts,
// and seeded random samples that make two runs identical.
func TestQuantizeMLChoices(t *testing.T) {
	m := loadTestdata(t, "qml_exact_keras2.15.h5")
	a, rep, err := quantize.QuantizeML(m, quantize.QMLOptions{Params: perTensor()})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.QuantizeML.Calibration; quantize.DefaultQMLRandomSamples != 128 || c.Samples != 128 || c.Batches != 128 ||
		c.Seed != quantize.CalibrationSeed || c.Inputs != "integers 0…255 (uint8)" {
		t.Errorf("random calibration %+v", c)
	}
	b, _, err := quantize.QuantizeML(m, quantize.QMLOptions{Params: perTensor()})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range a.Layers {
		for i, w := range l.Weights {
			if !slices.Equal(w.Values, b.Layer(l.Name).Weights[i].Values) {
				t.Errorf("%s %s differs between two runs", l.Name, w.Name)
			}
		}
	}
	_, rep, err = quantize.QuantizeML(m, quantize.QMLOptions{Params: perTensor(), Calibration: readTestdata(t, "qml_exact_calibration.npy")})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.QuantizeML.Calibration; c.Samples != 1024 || c.Batch != 1 || c.Batches != 2 {
		t.Errorf("array calibration %+v: num_samples 1024 makes batches of ceil(2/1024) = 1", c)
	}
}
