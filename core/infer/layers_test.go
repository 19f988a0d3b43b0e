package infer

import (
	"math"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

func pool(size, stride int, padding string) keras.MaxPooling2D {
	return keras.MaxPooling2D{PoolSize: [2]int{size, size}, Strides: [2]int{stride, stride}, Padding: padding, DataFormat: "channels_last"}
}

func TestAveragePoolingExcludesPaddedCells(t *testing.T) {
	// 3×3 window, stride 1, same on 1…9: a corner averages its 4 real
	// cells, an edge its 6, the center all 9 (TF's avg_pool; counting the
	// padding would give 12/9 at the corner).
	c := keras.AveragePooling2D(pool(3, 1, "same"))
	m := chain([]int{3, 3, 1}, layer("avg", "AveragePooling2D", &c))
	expect(t, run(t, m, []int{1, 3, 3, 1}, seq(9)...), []int{1, 3, 3, 1},
		[]float32{3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7}, 1e-6)

	// 2×2, stride 1, same: pad_total 1, all after, so the last row and
	// column average 2 cells and the corner is the cell itself.
	c = keras.AveragePooling2D(pool(2, 1, "same"))
	m = chain([]int{3, 3, 1}, layer("avg", "AveragePooling2D", &c))
	expect(t, run(t, m, []int{1, 3, 3, 1}, seq(9)...), []int{1, 3, 3, 1},
		[]float32{3, 4, 4.5, 6, 7, 7.5, 7.5, 8.5, 9}, 1e-6)

	// 3×3, stride 2, same on 4×4: pad_total 1, after; the second window
	// of each axis covers 2 real rows/columns.
	c = keras.AveragePooling2D(pool(3, 2, "same"))
	m = chain([]int{4, 4, 1}, layer("avg", "AveragePooling2D", &c))
	expect(t, run(t, m, []int{1, 4, 4, 1}, seq(16)...), []int{1, 2, 2, 1},
		[]float32{6, 7.5, 12, 13.5}, 1e-6)
}

func TestMaxPoolingIgnoresPadding(t *testing.T) {
	// All-negative input: a zero padding would win every border window.
	neg := make([]float32, 9)
	for i := range neg {
		neg[i] = -float32(i + 1)
	}
	c := pool(3, 1, "same")
	m := chain([]int{3, 3, 1}, layer("max", "MaxPooling2D", &c))
	expect(t, run(t, m, []int{1, 3, 3, 1}, neg...), []int{1, 3, 3, 1},
		[]float32{-1, -1, -2, -1, -1, -2, -4, -4, -5}, 0)

	// 2×2 stride 2 valid on 5×5 drops the last row and column.
	c = pool(2, 2, "valid")
	m = chain([]int{5, 5, 1}, layer("max", "MaxPooling2D", &c))
	expect(t, run(t, m, []int{1, 5, 5, 1}, seq(25)...), []int{1, 2, 2, 1}, []float32{7, 9, 17, 19}, 0)
}

func TestGlobalAveragePooling(t *testing.T) {
	// Two channels over a 2×2 image, batch 2.
	data := []float32{1, 10, 2, 20, 3, 30, 4, 40, -1, 0, -1, 0, -1, 0, -1, 4}
	m := chain([]int{2, 2, 2}, layer("gap", "GlobalAveragePooling2D", &keras.GlobalAveragePooling2D{DataFormat: "channels_last"}))
	expect(t, run(t, m, []int{2, 2, 2, 2}, data...), []int{2, 2}, []float32{2.5, 25, -1, 1}, 0)
	m = chain([]int{2, 2, 2}, layer("gap", "GlobalAveragePooling2D", &keras.GlobalAveragePooling2D{DataFormat: "channels_last", KeepDims: true}))
	expect(t, run(t, m, []int{2, 2, 2, 2}, data...), []int{2, 1, 1, 2}, []float32{2.5, 25, -1, 1}, 0)
}

func TestReLUOptionsAsKeras(t *testing.T) {
	six, one := 6.0, 1.0
	x := []float32{-2, -0.5, 0, 0.5, 1, 1.5, 7}
	for _, c := range []struct {
		name   string
		config keras.ReLU
		want   []float32
	}{
		{"plain", keras.ReLU{}, []float32{0, 0, 0, 0.5, 1, 1.5, 7}},
		{"max_value 6", keras.ReLU{MaxValue: &six}, []float32{0, 0, 0, 0.5, 1, 1.5, 6}},
		{"max_value 1", keras.ReLU{MaxValue: &one}, []float32{0, 0, 0, 0.5, 1, 1, 1}},
		{"leaky", keras.ReLU{NegativeSlope: 0.1}, []float32{-0.2, -0.05, 0, 0.5, 1, 1.5, 7}},
		// x > threshold passes unchanged (not x − threshold); x = threshold gives 0.
		{"threshold 1", keras.ReLU{Threshold: 1}, []float32{0, 0, 0, 0, 0, 1.5, 7}},
		// Below the threshold: slope·(x − threshold).
		{"threshold 1 slope 0.1", keras.ReLU{Threshold: 1, NegativeSlope: 0.1}, []float32{-0.3, -0.15, -0.1, -0.05, 0, 1.5, 7}},
		// A negative threshold lets −0.5 through …
		{"threshold -1", keras.ReLU{Threshold: -1}, []float32{0, -0.5, 0, 0.5, 1, 1.5, 7}},
		// … unless max_value's clip to [0, max] removes it.
		{"threshold -1 max 6", keras.ReLU{Threshold: -1, MaxValue: &six}, []float32{0, 0, 0, 0.5, 1, 1.5, 6}},
		{"all three", keras.ReLU{Threshold: 1, NegativeSlope: 0.5, MaxValue: &six}, []float32{-1.5, -0.75, -0.5, -0.25, 0, 1.5, 6}},
	} {
		t.Run(c.name, func(t *testing.T) {
			config := c.config
			m := chain([]int{7}, layer("relu", "ReLU", &config))
			expect(t, run(t, m, []int{1, 7}, x...), []int{1, 7}, c.want, 1e-7)
		})
	}
}

func TestActivations(t *testing.T) {
	x := []float32{-2, 0, 3}
	for _, c := range []struct {
		name string
		want []float32
	}{
		{"linear", []float32{-2, 0, 3}},
		{"relu", []float32{0, 0, 3}},
		{"relu6", []float32{0, 0, 3}},
		{"sigmoid", []float32{0.11920292, 0.5, 0.95257413}},
		{"tanh", []float32{-0.9640276, 0, 0.9950548}},
		{"softplus", []float32{0.12692805, 0.6931472, 3.0485873}},
		{"softsign", []float32{-2.0 / 3, 0, 0.75}},
		{"elu", []float32{-0.86466473, 0, 3}},
		{"selu", []float32{-1.5201665, 0, 3.152103}},
		{"exponential", []float32{0.13533528, 1, 20.085537}},
		{"swish", []float32{-0.23840584, 0, 2.8577223}},
		{"gelu", []float32{-0.04550026, 0, 2.9959502}},
		{"softmax", []float32{0.0063774, 0.0471234, 0.9464991}},
	} {
		m := chain([]int{3}, layer("act", "Activation", &keras.Activation{Activation: c.name}))
		got := run(t, m, []int{1, 3}, x...)
		for i, w := range c.want {
			if d := math.Abs(float64(got.Data[i] - w)); d > 1e-6*max(1, math.Abs(float64(w))) {
				t.Errorf("%s(%v) = %v, want %v", c.name, x[i], got.Data[i], w)
			}
		}
	}
	m := chain([]int{3}, layer("act", "Activation", &keras.Activation{Activation: "hard_silu"}))
	_, err := Run(m, Tensor{Shape: []int{1, 3}, Data: x}, Options{})
	want := `layer "act" (Activation): activation "hard_silu" is not supported by the Keras inference (it knows linear, relu, relu6, sigmoid, tanh, softmax, softplus, softsign, elu, selu, exponential, swish, silu, gelu); replace it with one of these and re-save the model`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestSoftmaxAxis(t *testing.T) {
	// (1, 2, 2): axis 1 normalizes columns, axis -1 rows. ln 3 makes the
	// pair (0, ln 3) give (1/4, 3/4).
	ln3 := float32(math.Log(3))
	x := []float32{0, 0, ln3, 0}
	m := chain([]int{2, 2}, layer("sm", "Softmax", &keras.Softmax{Axis: []int{1}}))
	expect(t, run(t, m, []int{1, 2, 2}, x...), []int{1, 2, 2}, []float32{0.25, 0.5, 0.75, 0.5}, 1e-7)
	m = chain([]int{2, 2}, layer("sm", "Softmax", &keras.Softmax{Axis: []int{-1}}))
	expect(t, run(t, m, []int{1, 2, 2}, x...), []int{1, 2, 2}, []float32{0.5, 0.5, 0.75, 0.25}, 1e-7)
	// Large logits (unscaled 0…255 inputs) must not overflow exp.
	m = chain([]int{2}, layer("sm", "Softmax", &keras.Softmax{Axis: []int{-1}}))
	expect(t, run(t, m, []int{1, 2}, 1000, 0), []int{1, 2}, []float32{1, 0}, 0)
}

func TestBatchNormalization(t *testing.T) {
	// (x − mean)·gamma/sqrt(var + eps) + beta with mean 1, var 3, eps 1
	// (÷2), gamma 4, beta −1: x = 5 → 7.
	bn := &keras.BatchNormalization{Axis: []int{-1}, Epsilon: 1, Center: true, Scale: true}
	m := chain([]int{2}, layer("bn", "BatchNormalization", bn,
		wt("gamma", []int{2}, 4, 1), wt("beta", []int{2}, -1, 0), wt("moving_mean", []int{2}, 1, 0), wt("moving_variance", []int{2}, 3, 0)))
	expect(t, run(t, m, []int{2, 2}, 5, 3, 1, -3), []int{2, 2}, []float32{7, 3, -1, -3}, 0)

	// center and scale false: no gamma nor beta in the file.
	bn = &keras.BatchNormalization{Axis: []int{1}, Epsilon: 1}
	m = chain([]int{2}, layer("bn", "BatchNormalization", bn, wt("moving_mean", []int{2}, 1, 0), wt("moving_variance", []int{2}, 3, 0)))
	expect(t, run(t, m, []int{1, 2}, 5, 3), []int{1, 2}, []float32{2, 3}, 0)

	// Axis 1 of an image (channels_first statistics): the channel is the
	// second axis, each channel a 1×2 plane.
	bn = &keras.BatchNormalization{Axis: []int{1}, Epsilon: 0, Center: true}
	m = chain([]int{2, 1, 2}, layer("bn", "BatchNormalization", bn,
		wt("beta", []int{2}, 0, 100), wt("moving_mean", []int{2}, 1, 2), wt("moving_variance", []int{2}, 1, 4)))
	expect(t, run(t, m, []int{1, 2, 1, 2}, 1, 2, 2, 4), []int{1, 2, 1, 2}, []float32{0, 1, 100, 101}, 0)
}

func TestRescaling(t *testing.T) {
	m := chain([]int{2}, layer("r", "Rescaling", &keras.Rescaling{Scale: []float64{1.0 / 128}, Offset: []float64{-1}}))
	expect(t, run(t, m, []int{1, 2}, 0, 255), []int{1, 2}, []float32{-1, 0.9921875}, 0)
	// Per channel: ImageNet-style mean/std normalization.
	m = chain([]int{1, 3}, layer("r", "Rescaling", &keras.Rescaling{Scale: []float64{2, 3, 4}, Offset: []float64{0, -1, 1}}))
	expect(t, run(t, m, []int{1, 1, 3}, 1, 1, 1), []int{1, 1, 3}, []float32{2, 2, 5}, 0)
	m = chain([]int{1, 4}, layer("r", "Rescaling", &keras.Rescaling{Scale: []float64{2, 3, 4}, Offset: []float64{0}}))
	_, err := Run(m, Tensor{Shape: []int{1, 1, 4}, Data: make([]float32, 4)}, Options{})
	want := `layer "r" (Rescaling): scale has 3 values; give one value, or one per channel (4)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestShapeLayers(t *testing.T) {
	// Flatten keeps NHWC order; Reshape with −1; ZeroPadding2D asymmetric.
	m := chain([]int{2, 2, 2}, layer("f", "Flatten", &keras.Flatten{DataFormat: "channels_last"}),
		layer("r", "Reshape", &keras.Reshape{TargetShape: []int{-1, 2}}))
	expect(t, run(t, m, []int{1, 2, 2, 2}, seq(8)...), []int{1, 4, 2}, seq(8), 0)

	m = chain([]int{2, 2, 1}, layer("pad", "ZeroPadding2D", &keras.ZeroPadding2D{Padding: [2][2]int{{1, 0}, {0, 2}}, DataFormat: "channels_last"}))
	expect(t, run(t, m, []int{1, 2, 2, 1}, 1, 2, 3, 4), []int{1, 3, 4, 1},
		[]float32{0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0}, 0)

	m = chain([]int{6}, layer("r", "Reshape", &keras.Reshape{TargetShape: []int{4, -1}}))
	_, err := Run(m, Tensor{Shape: []int{1, 6}, Data: make([]float32, 6)}, Options{})
	want := `layer "r" (Reshape): target_shape [4 -1] cannot hold the 6 values of the input [1 6]; fix the target shape`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// branches builds input → {a, b} → merge, with a and b Rescaling layers
// (×1 and ×10) so that the merge's inputs differ.
func branches(inputShape []int, merge *keras.Layer) *keras.Model {
	m := chain(inputShape)
	a := layer("a", "Rescaling", &keras.Rescaling{Scale: []float64{1}, Offset: []float64{0}})
	b := layer("b", "Rescaling", &keras.Rescaling{Scale: []float64{10}, Offset: []float64{0}})
	a.Inbound, b.Inbound = []string{"input"}, []string{"input"}
	merge.Inbound = []string{"a", "b"}
	m.Layers = append(m.Layers, a, b, merge)
	m.Outputs = []string{merge.Name}
	return m
}

func TestMerges(t *testing.T) {
	m := branches([]int{1, 2}, layer("add", "Add", &keras.Add{}))
	expect(t, run(t, m, []int{1, 1, 2}, 1, 2), []int{1, 1, 2}, []float32{11, 22}, 0)
	m = branches([]int{1, 2}, layer("cat", "Concatenate", &keras.Concatenate{Axis: -1}))
	expect(t, run(t, m, []int{1, 1, 2}, 1, 2), []int{1, 1, 4}, []float32{1, 2, 10, 20}, 0)
	m = branches([]int{2, 2}, layer("cat", "Concatenate", &keras.Concatenate{Axis: 1}))
	expect(t, run(t, m, []int{1, 2, 2}, 1, 2, 3, 4), []int{1, 4, 2}, []float32{1, 2, 3, 4, 10, 20, 30, 40}, 0)
	m = branches([]int{2}, layer("cat", "Concatenate", &keras.Concatenate{Axis: 0}))
	_, err := Run(m, Tensor{Shape: []int{1, 2}, Data: []float32{1, 2}}, Options{})
	want := `layer "cat" (Concatenate): axis 0 does not fit inputs of rank 2 (batch first, and the batch axis cannot be concatenated); fix the axis`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
