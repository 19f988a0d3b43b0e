package transform_test

import (
	"errors"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/transform"
)

func conv(filters int, useBias bool) *keras.Conv2D {
	return &keras.Conv2D{Filters: filters, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "same",
		DataFormat: "channels_last", DilationRate: []int{1, 1}, Groups: 1, Activation: "linear", UseBias: useBias}
}

func qconv(filters int, quantizer string) *keras.QuantizedConv2D {
	return &keras.QuantizedConv2D{Conv2D: *conv(filters, false), Quantizer: keras.WeightQuantizer{ClassName: quantizer, Bitwidth: 4}}
}

func bn(axis ...int) *keras.BatchNormalization {
	return &keras.BatchNormalization{Axis: axis, Epsilon: 1, Center: true, Scale: true}
}

func relu() *keras.ReLU { return &keras.ReLU{} }

func maxpool() *keras.MaxPooling2D {
	return &keras.MaxPooling2D{PoolSize: [2]int{2, 2}, Strides: [2]int{2, 2}, Padding: "same", DataFormat: "channels_last"}
}

// names lists "name:Class" for each layer.
func names(layers []*keras.Layer) []string {
	out := make([]string, len(layers))
	for i, l := range layers {
		out[i] = l.Name + ":" + l.ClassName
	}
	return out
}

func problems(t *testing.T, err error) transform.Problems {
	t.Helper()
	var p transform.Problems
	if err != nil && !errors.As(err, &p) {
		t.Fatalf("error %v is not transform.Problems", err)
	}
	return p
}

func sameProblems(t *testing.T, err error, want ...compat.Diagnostic) {
	t.Helper()
	got := problems(t, err)
	if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual([]compat.Diagnostic(got), want)) {
		t.Errorf("problems:\n got %+v\nwant %+v", []compat.Diagnostic(got), want)
	}
	if len(want) > 0 && err.Error() != want[0].Message {
		t.Errorf("error text %q, want the first problem's %q", err.Error(), want[0].Message)
	}
}

func TestSequentializeChain(t *testing.T) {
	m := modeltest.New("chain", 4, 4, 1).
		Add("conv", conv(2, true), modeltest.W("kernel", []int{1, 1, 1, 2}, 1, 1), modeltest.W("bias", []int{2}, 0, 0)).
		Add("relu", relu()).
		Model()
	s, err := transform.Sequentialize(m)
	sameProblems(t, err)
	if s.Name != "chain" || s.Input.Name != "input" || !slices.Equal(names(s.Layers), []string{"conv:Conv2D", "relu:ReLU"}) {
		t.Errorf("sequence %s %s %v", s.Name, s.Input.Name, names(s.Layers))
	}
	if got := s.InputShape(); !slices.Equal(got, keras.Shape{4, 4, 1}) {
		t.Errorf("input shape %v", got)
	}
}

func TestSequentializeBranches(t *testing.T) {
	// input → a, input → b: a fork; a, b → concat with axis 1 and three
	// inbounds.
	m := modeltest.New("fork", 4, 4, 2).
		Add("a", relu()).
		AddFrom("b", relu(), []string{"input"}).
		AddFrom("concat", &keras.Concatenate{Axis: 1}, []string{"a", "b", "input"}).
		Model()
	s, err := transform.Sequentialize(m)
	if s != nil {
		t.Errorf("a forked model has no sequence, got %v", names(s.Layers))
	}
	sameProblems(t, err,
		diag("concat", "concatenate-axis", "The Concatenate layer 'concat' must have axis=-1. Receives axis=1."),
		diag("concat", "concatenate-inbounds", "The Concatenate layer 'concat' must have exactly two inbound layers. Receives inbound layers ['a', 'b', 'input']."),
		diag("", "single-branch", "The model contains more than one sequential branch."),
	)
	// A valid Concatenate of two branches still makes several branches.
	m2 := modeltest.New("concat", 4, 4, 2).
		Add("a", relu()).
		AddFrom("b", relu(), []string{"input"}).
		AddFrom("concat", &keras.Concatenate{Axis: -1}, []string{"a", "b"}).
		Model()
	_, err = transform.Sequentialize(m2)
	sameProblems(t, err, diag("", "single-branch", "The model contains more than one sequential branch."))
}

func TestSequentializeMergeReportsInboundsFirst(t *testing.T) {
	// A residual Add: cnn2snn fails on the Add's two inbounds before it
	// looks for branches.
	m := modeltest.New("residual", 4, 4, 2).
		Add("conv", conv(2, true)).
		AddFrom("add", &keras.Add{}, []string{"conv", "input"}).
		Model()
	_, err := transform.Sequentialize(m)
	sameProblems(t, err,
		diag("add", "single-inbound-layer", "Layer add must have only one inbound layer. Receives 2."),
		diag("", "single-branch", "The model contains more than one sequential branch."),
	)
}

// syncretize builds input → layers… and syncretizes it.
func syncretize(t *testing.T, b *modeltest.Builder) (*transform.Sequence, error) {
	t.Helper()
	s, err := transform.Sequentialize(b.Model())
	if err != nil {
		t.Fatalf("sequentialize: %v", err)
	}
	return transform.Syncretize(s)
}

func TestSyncretizePasses(t *testing.T) {
	// Pass 1 drops the dropout; pass 2 swaps relu/pool (pairs do not
	// overlap: the second pool stays after the relu); pass 3 moves the BN
	// in front of the pool; pass 4 folds conv2 + bn2.
	b := modeltest.New("passes", 8, 8, 2).
		Add("conv", conv(2, true), modeltest.W("kernel", []int{1, 1, 2, 2}, 1, 0, 0, 1), modeltest.W("bias", []int{2}, 0, 0)).
		Add("drop", &keras.Dropout{Rate: 0.5}).
		Add("relu", relu()).
		Add("pool1", maxpool()).
		Add("pool2", maxpool()).
		Add("conv2", conv(2, false), modeltest.W("kernel", []int{1, 1, 2, 2}, 1, 2, 3, 4)).
		Add("pool3", maxpool()).
		Add("bn2", bn(3), modeltest.BatchNorm([]float32{1, 2}, []float32{0, 0}, []float32{0, 0}, []float32{0, 0})...).
		Add("bn3", bn(3), modeltest.BatchNorm([]float32{1, 1}, []float32{0, 0}, []float32{0, 0}, []float32{0, 0})...)
	s, err := syncretize(t, b)
	sameProblems(t, err)
	want := []string{"conv:Conv2D", "pool1:MaxPooling2D", "relu:ReLU", "pool2:MaxPooling2D", "conv2:Conv2D", "pool3:MaxPooling2D", "bn3:BatchNormalization"}
	if got := names(s.Layers); !slices.Equal(got, want) {
		t.Errorf("layers %v\nwant   %v", got, want)
	}
	// The activation now follows the pool: it outputs the pool's shape.
	if got := s.Layers[2].OutputShape; !slices.Equal(got, keras.Shape{4, 4, 2}) {
		t.Errorf("relu output shape %v, want (4, 4, 2)", got)
	}
	// bn2 (moved before pool3, then folded into conv2): s = gamma/sqrt(0+1)
	// = [1, 2]; kernel (1,1,2,2) = [[1, 2], [3, 4]] → [[1, 4], [3, 8]];
	// bias = beta + (0 − mean)·s = [0, 0]; use_bias turned on.
	conv2 := s.Layers[4]
	if got := conv2.Weight("kernel").Values; !slices.Equal(got, []float32{1, 4, 3, 8}) {
		t.Errorf("folded kernel %v, want [1 4 3 8]", got)
	}
	if bias := conv2.Weight("bias"); bias == nil || !slices.Equal(bias.Values, []float32{0, 0}) || !conv2.Config.(*keras.Conv2D).UseBias {
		t.Errorf("folded bias %v, use_bias %v", bias, conv2.Config.(*keras.Conv2D).UseBias)
	}
	// bn3 cannot be folded (after a pool) and stays for the compatibility check.
}

func TestFoldFormula(t *testing.T) {
	// Conv kernel (1,1,1,2) = [2, 3], bias [1, -1]. BN epsilon 1:
	// s = gamma/sqrt(var + 1) = [2/sqrt(4), 0.5/sqrt(1)] = [1, 0.5]
	// kernel' = [2·1, 3·0.5] = [2, 1.5]
	// bias'   = beta + (bias − mean)·s = [0.5 + (1−1)·1, 0 + (−1−2)·0.5] = [0.5, −1.5]
	b := modeltest.New("fold", 2, 2, 1).
		Add("conv", conv(2, true), modeltest.W("kernel", []int{1, 1, 1, 2}, 2, 3), modeltest.W("bias", []int{2}, 1, -1)).
		Add("bn", bn(-1), modeltest.BatchNorm([]float32{2, 0.5}, []float32{0.5, 0}, []float32{1, 2}, []float32{3, 0})...)
	original := b.Model().Layer("conv").Weight("kernel").Values
	s, err := syncretize(t, b)
	sameProblems(t, err)
	if len(s.Layers) != 1 {
		t.Fatalf("layers %v, want the folded conv only", names(s.Layers))
	}
	if got := s.Layers[0].Weight("kernel").Values; !slices.Equal(got, []float32{2, 1.5}) {
		t.Errorf("kernel %v, want [2 1.5]", got)
	}
	if got := s.Layers[0].Weight("bias").Values; !slices.Equal(got, []float32{0.5, -1.5}) {
		t.Errorf("bias %v, want [0.5 -1.5]", got)
	}
	if !slices.Equal(original, []float32{2, 3}) {
		t.Errorf("the input model was modified: kernel %v", original)
	}
}

func TestFoldSeparableScalesPointwiseOnly(t *testing.T) {
	sep := &keras.QuantizedSeparableConv2D{
		SeparableConv2D: keras.SeparableConv2D{Filters: 2, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "same", DataFormat: "channels_last", DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear"},
		Quantizer:       keras.WeightQuantizer{ClassName: "MaxPerAxisQuantizer", Bitwidth: 4},
		QuantizerDW:     keras.WeightQuantizer{ClassName: "MaxQuantizer", Bitwidth: 4},
	}
	// s = [2, 3] (epsilon 1, variance 0): depthwise [5] unchanged, pointwise
	// [1, 1] → [2, 3], bias = beta − mean·s = [1 − 0, 1 − 1·3] = [1, −2].
	b := modeltest.New("sep", 2, 2, 1).
		Add("sep", sep, modeltest.W("depthwise_kernel", []int{1, 1, 1, 1}, 5), modeltest.W("pointwise_kernel", []int{1, 1, 1, 2}, 1, 1)).
		Add("bn", bn(3), modeltest.BatchNorm([]float32{2, 3}, []float32{1, 1}, []float32{0, 1}, []float32{0, 0})...)
	s, err := syncretize(t, b)
	sameProblems(t, err)
	l := s.Layers[0]
	if dw, pw, bias := l.Weight("depthwise_kernel").Values, l.Weight("pointwise_kernel").Values, l.Weight("bias"); !slices.Equal(dw, []float32{5}) ||
		!slices.Equal(pw, []float32{2, 3}) || bias == nil || !slices.Equal(bias.Values, []float32{1, -2}) {
		t.Errorf("depthwise %v pointwise %v bias %v", dw, pw, bias)
	}
	if !l.Config.(*keras.QuantizedSeparableConv2D).UseBias {
		t.Error("use_bias not turned on")
	}
}

func TestSyncretizeErrors(t *testing.T) {
	ones := []float32{1, 1, 1}
	zeros := []float32{0, 0, 0}
	weights := func(gamma []float32) []keras.Weight { return modeltest.BatchNorm(gamma, zeros, zeros, ones) }
	kernel := modeltest.W("kernel", []int{1, 1, 3, 3}, 1, 0, 0, 0, 1, 0, 0, 0, 1)
	noScale := bn(3)
	noScale.Scale = false
	b := modeltest.New("errors", 4, 4, 3).
		Add("conv_a", conv(3, false), kernel).
		Add("pool_a", maxpool()).
		Add("bn_neg", bn(3), weights([]float32{-1, -0.5, 2})...). // 2 negative gammas before a max pooling
		Add("relu_a", relu()).
		Add("conv_b", conv(3, false), kernel).
		Add("bn_axis", bn(1), weights(ones)...). // not the last axis
		Add("relu_b", relu()).
		Add("conv_c", qconv(3, "MaxQuantizer"), kernel).
		Add("bn_quant", bn(-1), weights(ones)...). // per-tensor quantizer
		Add("relu_c", relu()).
		Add("conv_d", conv(3, false), kernel).
		Add("bn_null", bn(3), weights([]float32{0, 1, 1})...). // gamma 0 → s = 0
		Add("relu_d", relu()).
		Add("conv_e", conv(3, false), kernel).
		Add("bn_noscale", noScale, modeltest.BatchNorm(ones, zeros, zeros, ones)[1:]...)
	s, err := syncretize(t, b)
	sameProblems(t, err,
		// pass 3 reports first, then pass 4 in layer order
		diag("bn_neg", "batchnorm-negative-gamma", "There are 2 negative gammas in the batch norm layer bn_neg. Negative gammas are not supported."),
		diag("bn_axis", "batchnorm-last-axis", "The BatchNormalization layer bn_axis must be applied on the last axis. Receives [1]."),
		diag("bn_quant", "batchnorm-per-axis-quantizer", "The BatchNormalization layer bn_quant can only be folded into a quantized layer that uses a quantizer per axis."),
		diag("bn_null", "batchnorm-null-gamma", "There are 1 null gammas in the batch norm layer bn_null. Null gammas are not supported."),
		diag("bn_noscale", "batchnorm-weights", "The BatchNormalization layer bn_noscale has 3 weights (center=True, scale=False); cnn2snn can only fold a BatchNormalization that has gamma, beta, moving_mean and moving_variance."),
	)
	// Every BN that could not be folded is dropped, so the compatibility
	// check does not report it again; bn_neg was moved and folded.
	want := []string{"conv_a:Conv2D", "pool_a:MaxPooling2D", "relu_a:ReLU", "conv_b:Conv2D", "relu_b:ReLU",
		"conv_c:QuantizedConv2D", "relu_c:ReLU", "conv_d:Conv2D", "relu_d:ReLU", "conv_e:Conv2D"}
	if got := names(s.Layers); !slices.Equal(got, want) {
		t.Errorf("layers %v\nwant   %v", got, want)
	}
}

func TestGlobalAveragePoolingBatchNormSwap(t *testing.T) {
	// BN after a GAP normalizes (N, C): axis 1. Moved in front of the GAP it
	// sees (N, H, W, C): its axis is reset to -1, then folded. Gammas ≤ 0
	// are fine before an average pooling.
	b := modeltest.New("gap", 4, 4, 2).
		Add("conv", conv(2, true), modeltest.W("kernel", []int{1, 1, 2, 2}, 1, 0, 0, 1), modeltest.W("bias", []int{2}, 0, 0)).
		Add("gap", &keras.GlobalAveragePooling2D{DataFormat: "channels_last"}).
		Add("bn", bn(1), modeltest.BatchNorm([]float32{-2, 1}, []float32{0, 0}, []float32{0, 0}, []float32{0, 0})...).
		Add("relu", relu())
	s, err := syncretize(t, b)
	sameProblems(t, err)
	if got := names(s.Layers); !slices.Equal(got, []string{"conv:Conv2D", "gap:GlobalAveragePooling2D", "relu:ReLU"}) {
		t.Errorf("layers %v", got)
	}
	if got := s.Layers[0].Weight("kernel").Values; !slices.Equal(got, []float32{-2, 0, 0, 1}) {
		t.Errorf("folded kernel %v, want [-2 0 0 1]", got)
	}
}

// TestAkidaNetFixture: sequentialize and syncretize the real AkidaNet 0.25:
// 14 BatchNormalizations folded into conv/separable layers (the last one
// after the GAP swap), the Dropout removed.
func TestAkidaNetFixture(t *testing.T) {
	b, err := os.ReadFile(fixtures.Shared(t, "keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := keras.Load([]keras.File{{Name: "akidanet.h5", Data: b}})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := transform.Sequentialize(m)
	sameProblems(t, err)
	if len(chain.Layers) != 46 {
		t.Errorf("%d layers after the input, want 46", len(chain.Layers))
	}
	s, err := transform.Syncretize(chain)
	sameProblems(t, err)
	var want []string
	want = append(want, "rescaling:Rescaling")
	for i := range 4 {
		n := "conv_" + string(rune('0'+i))
		want = append(want, n+":Conv2D", n+"/relu:ReLU")
	}
	for i := 4; i <= 12; i++ {
		n := "separable_" + itoa(i)
		want = append(want, n+":SeparableConv2D", n+"/relu:ReLU")
	}
	want = append(want, "separable_13:SeparableConv2D", "separable_13/global_avg:GlobalAveragePooling2D", "separable_13/relu:ReLU", "classifier:Dense")
	if got := names(s.Layers); !slices.Equal(got, want) {
		t.Errorf("layers:\n got %v\nwant %v", got, want)
	}
	// conv_0: kernel' = kernel · gamma/sqrt(var + 0.001) per output channel,
	// bias' = beta − mean · s (no bias before).
	orig, bnl := m.Layer("conv_0"), m.Layer("conv_0/BN")
	folded := s.Layers[1]
	gamma, beta := bnl.Weight("gamma").Values, bnl.Weight("beta").Values
	mean, variance := bnl.Weight("moving_mean").Values, bnl.Weight("moving_variance").Values
	k, k2 := orig.Weight("kernel").Values, folded.Weight("kernel").Values
	for i := range k {
		c := i % 8
		sc := gamma[c] / float32(math.Sqrt(float64(variance[c]+0.001)))
		if k2[i] != k[i]*sc {
			t.Fatalf("conv_0 kernel[%d] = %v, want %v", i, k2[i], k[i]*sc)
		}
	}
	for c, bias := range folded.Weight("bias").Values {
		sc := gamma[c] / float32(math.Sqrt(float64(variance[c]+0.001)))
		if want := beta[c] + float32(-mean[c]*sc); bias != want {
			t.Errorf("conv_0 bias[%d] = %v, want %v", c, bias, want)
		}
	}
	// separable_13's pointwise kernel carries separable_13/BN (moved from
	// after the GAP); its depthwise kernel is unchanged.
	sep := s.Layers[len(s.Layers)-4]
	if !slices.Equal(sep.Weight("depthwise_kernel").Values, m.Layer("separable_13").Weight("depthwise_kernel").Values) {
		t.Error("separable_13 depthwise kernel changed")
	}
	if slices.Equal(sep.Weight("pointwise_kernel").Values, m.Layer("separable_13").Weight("pointwise_kernel").Values) {
		t.Error("separable_13 pointwise kernel not folded")
	}
	if sep.Weight("bias") == nil {
		t.Error("separable_13 has no bias after folding")
	}
}

func itoa(i int) string {
	return strings.TrimLeft(string([]byte{byte('0' + i/10), byte('0' + i%10)}), "0")
}

func TestZeroGammaBeforeMaxPoolCountsAsNegative(t *testing.T) {
	// cnn2snn counts gamma ≤ 0 as "negative" before a max pooling; the
	// same zero gamma then also makes a null folding factor.
	b := modeltest.New("zero", 4, 4, 2).
		Add("conv", conv(2, true), modeltest.W("kernel", []int{1, 1, 2, 2}, 1, 0, 0, 1), modeltest.W("bias", []int{2}, 0, 0)).
		Add("pool", maxpool()).
		Add("bn", bn(3), modeltest.BatchNorm([]float32{0, 1}, []float32{0, 0}, []float32{0, 0}, []float32{1, 1})...)
	_, err := syncretize(t, b)
	sameProblems(t, err,
		diag("bn", "batchnorm-negative-gamma", "There are 1 negative gammas in the batch norm layer bn. Negative gammas are not supported."),
		diag("bn", "batchnorm-null-gamma", "There are 1 null gammas in the batch norm layer bn. Null gammas are not supported."),
	)
}

// diag is a compat.Diagnostic with its fields named.
func diag(layer, rule, message string) compat.Diagnostic {
	return compat.Diagnostic{Layer: layer, Rule: rule, Message: message}
}
