package infer

import (
	"errors"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// runErr runs a model that must fail and returns its error text.
func runErr(t *testing.T, m *keras.Model, input Tensor) error {
	t.Helper()
	res, err := Run(m, input, Options{})
	if err == nil {
		t.Fatalf("Run succeeded with outputs %v; want an error", res.Outputs)
	}
	return err
}

func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if err.Error() != want {
		t.Errorf("error\n got: %s\nwant: %s", err, want)
	}
}

func TestUnknownClassIsNamed(t *testing.T) {
	m := chain([]int{4}, layer("lstm", "LSTM", nil))
	err := runErr(t, m, Tensor{Shape: []int{1, 4}, Data: make([]float32, 4)})
	wantError(t, err, `layer "lstm" cannot be run: class LSTM is not supported by the Keras inference; the Keras inference runs `+supportedClasses+`. Remove the layer or replace it with one of these`)
	if !errors.Is(err, ErrUnsupported) {
		t.Error("not errors.Is(err, ErrUnsupported)")
	}
	// A merge of an unknown class is reported as unknown, not as a layer
	// with too many inputs.
	m = branches([]int{2}, layer("mul", "Multiply", nil))
	err = runErr(t, m, Tensor{Shape: []int{1, 2}, Data: []float32{1, 2}})
	wantError(t, err, `layer "mul" cannot be run: class Multiply is not supported by the Keras inference; the Keras inference runs `+supportedClasses+`. Remove the layer or replace it with one of these`)
}

func TestQuantizeMLNeedsTheOption(t *testing.T) {
	l := layer("conv2d", "QuantizedConv2D", &keras.QMLConv2D{Conv2D: *conv2DConfig(1, 1, 1, "valid")},
		wt("kernel", []int{1, 1, 1, 1}, 2), wt("bias", []int{1}, 1))
	l.Package = "Custom"
	m := chain([]int{1, 1, 1}, l)
	input := Tensor{Shape: []int{1, 1, 1, 1}, Data: []float32{3}}
	err := runErr(t, m, input)
	wantError(t, err, `layer "conv2d" cannot be run: class QuantizedConv2D is a quantizeml layer: run the model in quantizeml's integer arithmetic with NewQuantizeML, or set Options.QuantizeMLAsFloat to run it as float Keras layers (an approximation): not supported by the Keras inference`)
	if !errors.Is(err, ErrUnsupported) {
		t.Error("not errors.Is(err, ErrUnsupported)")
	}
	res, err := Run(m, input, Options{QuantizeMLAsFloat: true})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, res.Outputs[0], []int{1, 1, 1, 1}, []float32{7}, 0)
	if len(res.Approximated) != 1 || res.Approximated[0] != "conv2d" {
		t.Errorf("Approximated = %v, want [conv2d]", res.Approximated)
	}
}

func TestInputShapeErrors(t *testing.T) {
	m := chain([]int{28, 28, 1}, layer("f", "Flatten", &keras.Flatten{DataFormat: "channels_last"}))
	for _, c := range []struct {
		input Tensor
		want  string
	}{
		{Tensor{Shape: []int{1, 28, 28, 3}, Data: make([]float32, 28*28*3)},
			`the input has shape [1 28 28 3] but the model input "input" takes (None, 28, 28, 1) (batch first); resize or reshape the input`},
		{Tensor{Shape: []int{28, 28, 1}, Data: make([]float32, 28*28)},
			`the input has shape [28 28 1] but the model takes (None, 28, 28, 1): add the batch dimension first, e.g. [1 28 28 1]`},
		{Tensor{Shape: []int{2, 28, 28, 1}, Data: make([]float32, 28*28)},
			`the input has shape [2 28 28 1] (1568 values) but holds 784 values; give exactly one value per element`},
		{Tensor{Shape: []int{0, 28, 28, 1}},
			`input shape [0 28 28 1]: dimension 0 is not positive`},
		{Tensor{Shape: []int{1, 1 << 20, 1 << 20, 1}},
			`input shape [1 1048576 1048576 1]: shape [1 1048576 1048576 1] has more than 16777216 values per sample, which the Keras inference refuses to allocate`},
		{Tensor{Shape: []int{1 << 20, 28, 28, 1}},
			`input shape [1048576 28 28 1]: shape [1048576 28 28 1] has more than 268435456 values, which the Keras inference refuses to allocate; run the batch in smaller parts`},
	} {
		wantError(t, runErr(t, m, c.input), c.want)
	}
}

func TestMalformedWeights(t *testing.T) {
	input := Tensor{Shape: []int{1, 3, 3, 2}, Data: make([]float32, 18)}
	// The kernel was made for 1 input channel; the input has 2.
	m := chain([]int{3, 3, 2}, layer("conv", "Conv2D", conv2DConfig(4, 3, 1, "same"),
		wt("kernel", []int{3, 3, 1, 4}, make([]float32, 36)...), wt("bias", []int{4}, 0, 0, 0, 0)))
	wantError(t, runErr(t, m, input), `layer "conv" (Conv2D): weight "kernel" has shape [3 3 1 4], expected [3 3 2 4] from the layer config and its input shape; the weights do not belong to this config: re-save the model`)

	// A weight whose values are fewer than its shape says (damaged file).
	m = chain([]int{3, 3, 2}, layer("conv", "Conv2D", conv2DConfig(1, 1, 1, "same"),
		wt("kernel", []int{1, 1, 2, 1}, 1), wt("bias", []int{1}, 0)))
	wantError(t, runErr(t, m, input), `layer "conv" (Conv2D): weight "kernel" of shape [1 1 2 1] holds 1 values instead of 2; the model file is damaged`)

	// use_bias true but no bias saved.
	m = chain([]int{3, 3, 2}, layer("conv", "Conv2D", conv2DConfig(1, 1, 1, "same"), wt("kernel", []int{1, 1, 2, 1}, 1, 1)))
	wantError(t, runErr(t, m, input), `layer "conv" (Conv2D): has no weight "bias"; the file's weights do not match the layer config: re-save the model with its weights`)
}

func TestHostileConfigs(t *testing.T) {
	input := Tensor{Shape: []int{1, 2, 2, 1}, Data: make([]float32, 4)}
	// Paddings that would need 2^62 and 2^30 values per sample must not
	// be allocated.
	huge := 1 << 30
	m := chain([]int{2, 2, 1}, layer("pad", "ZeroPadding2D", &keras.ZeroPadding2D{Padding: [2][2]int{{huge, huge}, {huge, huge}}, DataFormat: "channels_last"}))
	wantError(t, runErr(t, m, input), `layer "pad" (ZeroPadding2D): padding [[1073741824 1073741824] [1073741824 1073741824]] must be between 0 and 16777216`)
	m = chain([]int{2, 2, 1}, layer("pad", "ZeroPadding2D", &keras.ZeroPadding2D{Padding: [2][2]int{{1 << 14, 1 << 14}, {1 << 14, 1 << 14}}, DataFormat: "channels_last"}))
	wantError(t, runErr(t, m, input), `layer "pad" (ZeroPadding2D): shape [1 32770 32770 1] has more than 16777216 values per sample, which the Keras inference refuses to allocate`)

	// A pool window of 2^24 cells runs in the time of a 2×2 one.
	c := pool(1<<24, 1, "same")
	m = chain([]int{2, 2, 1}, layer("max", "MaxPooling2D", &c))
	expect(t, run(t, m, []int{1, 2, 2, 1}, 1, 2, 3, 4), []int{1, 2, 2, 1}, []float32{4, 4, 4, 4}, 0)

	// A 128×128 average over each of a million cells: 1.7e10 additions.
	avg := keras.AveragePooling2D(pool(128, 1, "same"))
	m = chain([]int{1024, 1024, 1}, layer("avg", "AveragePooling2D", &avg))
	wantError(t, runErr(t, m, Tensor{Shape: []int{1, 1024, 1024, 1}, Data: make([]float32, 1<<20)}),
		`layer "avg" (AveragePooling2D): the layer needs more than 4294967296 multiply-adds per sample (loop counts [1024 1024 128 128 1]), which the Keras inference refuses to run`)

	// Valid convolution on an input smaller than the kernel.
	m = chain([]int{2, 2, 1}, layer("conv", "Conv2D", conv2DConfig(1, 3, 1, "valid"), wt("kernel", []int{3, 3, 1, 1}, ones(9)...), wt("bias", []int{1}, 0)))
	wantError(t, runErr(t, m, input), `layer "conv" (Conv2D): height: the input has 2 cells but the window spans 3 with padding "valid", so the output would be empty; use a larger input or padding "same"`)

	// A convolution fed a flat tensor.
	m = chain([]int{4}, layer("conv", "Conv2D", conv2DConfig(1, 1, 1, "valid"), wt("kernel", []int{1, 1, 1, 1}, 1), wt("bias", []int{1}, 0)))
	wantError(t, runErr(t, m, Tensor{Shape: []int{1, 4}, Data: make([]float32, 4)}),
		`layer "conv" (Conv2D): the input has shape [1 4]; this layer takes images (batch, height, width, channels)`)

	// channels_first.
	cf := conv2DConfig(1, 1, 1, "valid")
	cf.DataFormat = "channels_first"
	m = chain([]int{2, 2, 1}, layer("conv", "Conv2D", cf, wt("kernel", []int{1, 1, 1, 1}, 1), wt("bias", []int{1}, 0)))
	err := runErr(t, m, input)
	wantError(t, err, `layer "conv" (Conv2D): data_format "channels_first" is not supported by the Keras inference; rebuild the model with channels_last (the Keras default) and re-save it`)
	if !errors.Is(err, ErrUnsupported) {
		t.Error("channels_first: not errors.Is(err, ErrUnsupported)")
	}
}

func TestGraphErrors(t *testing.T) {
	input := Tensor{Shape: []int{1, 2}, Data: []float32{1, 2}}
	// A layer fed by a layer that comes after it.
	m := chain([]int{2}, layer("a", "Dropout", &keras.Dropout{}), layer("b", "Dropout", &keras.Dropout{}))
	m.Layers[1].Inbound = []string{"b"}
	wantError(t, runErr(t, m, input), `layer "a" (Dropout) takes its input from "b", which is not computed before it (missing or later in the model); the model file is inconsistent, re-save it`)

	// A shared layer (called twice).
	m = chain([]int{2}, layer("d", "Dropout", &keras.Dropout{}))
	m.Layers[1].InboundNodes = 2
	err := runErr(t, m, input)
	wantError(t, err, `layer "d" (Dropout) is called 2 times (a shared layer); the Keras inference runs each layer once: give each call its own layer and re-save the model: not supported by the Keras inference`)

	// Two inputs.
	m = chain([]int{2})
	m.Inputs = []string{"input", "input_2"}
	wantError(t, runErr(t, m, input), `the model has 2 inputs [input input_2]; the Keras inference runs models with exactly one input`)

	// A layer with two inputs that takes one.
	m = branches([]int{2}, layer("d", "Dropout", &keras.Dropout{}))
	wantError(t, runErr(t, m, input), `layer "d" (Dropout): has 2 inputs [a b], expected 1; the model file is inconsistent, re-save it`)

	if _, err := Run(nil, input, Options{}); err == nil || err.Error() != "the model has no layers; load a Keras model with keras.Load first" {
		t.Errorf("nil model: %v", err)
	}
}
