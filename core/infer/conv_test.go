package infer

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

func TestSlideFollowsTensorFlow(t *testing.T) {
	for _, c := range []struct {
		in, size, stride, dilation int
		padding                    string
		out, padBefore             int
	}{
		// "same": out = ceil(in/stride), pad_before = floor(pad_total/2).
		{5, 3, 2, 1, "same", 3, 1}, // odd size: pad_total 2, symmetric
		{4, 3, 2, 1, "same", 2, 0}, // even size: pad_total 1, all after
		{6, 3, 2, 1, "same", 3, 0}, // pad_total 1
		{7, 3, 1, 1, "same", 7, 1},
		{4, 2, 1, 1, "same", 4, 0}, // even kernel: the extra cell goes after
		{8, 4, 1, 1, "same", 8, 1}, // pad_total 3: 1 before, 2 after
		{7, 3, 1, 2, "same", 7, 2}, // dilation 2: span 5, pad_total 4
		{3, 1, 3, 1, "same", 1, 0}, // stride larger than the kernel
		{224, 3, 2, 1, "same", 112, 0},
		// "valid": out = floor((in − span)/stride) + 1, no padding.
		{7, 3, 1, 1, "valid", 5, 0},
		{7, 3, 2, 1, "valid", 3, 0},
		{6, 4, 2, 1, "valid", 2, 0},
		{5, 3, 1, 2, "valid", 1, 0},
		{3, 3, 1, 1, "valid", 1, 0},
	} {
		w, err := slide(c.in, c.size, c.stride, c.dilation, c.padding)
		if err != nil {
			t.Errorf("%+v: %v", c, err)
			continue
		}
		if w.out != c.out || w.padBefore != c.padBefore {
			t.Errorf("slide(in %d, size %d, stride %d, dilation %d, %s) = out %d, pad_before %d; want %d, %d",
				c.in, c.size, c.stride, c.dilation, c.padding, w.out, w.padBefore, c.out, c.padBefore)
		}
	}
}

func TestSlideErrors(t *testing.T) {
	_, err := slide(2, 3, 1, 1, "valid")
	want := `the input has 2 cells but the window spans 3 with padding "valid", so the output would be empty; use a larger input or padding "same"`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	_, err = slide(5, 3, 1, 1, "causal")
	want = `padding "causal" is not supported by the Keras inference (only "valid" and "same" are); re-save the model with one of them`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if _, err := slide(5, 3, 1, 1<<40, "same"); err == nil {
		t.Error("a dilation of 2^40 was accepted")
	}
}

func TestWindowCellsClipToTheInput(t *testing.T) {
	// 3×3, stride 1, same on 4 cells: pad_before 1, so output 0 starts one
	// cell before the input and output 3 ends one cell after it.
	w, _ := slide(4, 3, 1, 1, "same")
	for o, want := range [][2]int{{1, 3}, {0, 3}, {0, 3}, {0, 2}} {
		if lo, hi := w.cells(o); lo != want[0] || hi != want[1] {
			t.Errorf("cells(%d) = [%d, %d), want [%d, %d)", o, lo, hi, want[0], want[1])
		}
	}
	// A pool far larger than the input walks only the real cells.
	w, _ = slide(3, 1<<20, 1, 1, "same")
	if lo, hi := w.cells(0); hi-lo != 3 {
		t.Errorf("huge window: cells(0) = [%d, %d), want 3 cells", lo, hi)
	}
}

// The center-tap kernel copies the input cell each output reads, so these
// tests show the padding offsets directly. The input is 1, 2, … in row
// order.
func TestConv2DSameStride2EvenSizePadsAfter(t *testing.T) {
	// 4×4, stride 2: pad_total 1, all of it after. Output (oy, ox) reads
	// the center at (2·oy+1, 2·ox+1): 6, 8, 14, 16. Padding before (as
	// PyTorch-style symmetric padding would) would read 1, 3, 9, 11.
	m := chain([]int{4, 4, 1}, layer("conv", "Conv2D", conv2DConfig(1, 3, 2, "same"),
		wt("kernel", []int{3, 3, 1, 1}, centerTap(3)...), wt("bias", []int{1}, 0)))
	expect(t, run(t, m, []int{1, 4, 4, 1}, seq(16)...), []int{1, 2, 2, 1}, []float32{6, 8, 14, 16}, 0)

	// With a kernel of ones, each output is the sum of its real cells:
	// the last row and column of windows hang one cell over the edge.
	m = chain([]int{4, 4, 1}, layer("conv", "Conv2D", conv2DConfig(1, 3, 2, "same"),
		wt("kernel", []int{3, 3, 1, 1}, ones(9)...), wt("bias", []int{1}, 0.5)))
	expect(t, run(t, m, []int{1, 4, 4, 1}, seq(16)...), []int{1, 2, 2, 1},
		[]float32{1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11 + 0.5, 3 + 4 + 7 + 8 + 11 + 12 + 0.5, 9 + 10 + 11 + 13 + 14 + 15 + 0.5, 11 + 12 + 15 + 16 + 0.5}, 0)
}

func TestConv2DSameStride2OddSizePadsBothSides(t *testing.T) {
	// 5×5, stride 2: pad_total 2, one cell each side. Centers at 0, 2, 4.
	m := chain([]int{5, 5, 1}, layer("conv", "Conv2D", conv2DConfig(1, 3, 2, "same"),
		wt("kernel", []int{3, 3, 1, 1}, centerTap(3)...), wt("bias", []int{1}, 0)))
	expect(t, run(t, m, []int{1, 5, 5, 1}, seq(25)...), []int{1, 3, 3, 1}, []float32{1, 3, 5, 11, 13, 15, 21, 23, 25}, 0)
}

func TestConv2DValidStride2(t *testing.T) {
	// 5×5, valid, stride 2: two outputs per axis, centers at 1 and 3.
	m := chain([]int{5, 5, 1}, layer("conv", "Conv2D", conv2DConfig(1, 3, 2, "valid"),
		wt("kernel", []int{3, 3, 1, 1}, centerTap(3)...), wt("bias", []int{1}, 0)))
	expect(t, run(t, m, []int{1, 5, 5, 1}, seq(25)...), []int{1, 2, 2, 1}, []float32{7, 9, 17, 19}, 0)

	// 6×6 with an even 2×2 kernel, valid, stride 2: plain 2×2 block sums.
	c := conv2DConfig(1, 2, 2, "valid")
	m = chain([]int{6, 6, 1}, layer("conv", "Conv2D", c, wt("kernel", []int{2, 2, 1, 1}, 1, 1, 1, 1), wt("bias", []int{1}, 0)))
	expect(t, run(t, m, []int{1, 6, 6, 1}, seq(36)...), []int{1, 3, 3, 1},
		[]float32{1 + 2 + 7 + 8, 3 + 4 + 9 + 10, 5 + 6 + 11 + 12, 13 + 14 + 19 + 20, 15 + 16 + 21 + 22, 17 + 18 + 23 + 24, 25 + 26 + 31 + 32, 27 + 28 + 33 + 34, 29 + 30 + 35 + 36}, 0)
}

func TestConv2DChannelsBiasActivation(t *testing.T) {
	// A 1×1 convolution is a matrix product per pixel: [1 2]·[[1 2 3] [4 5 6]] = [9 12 15],
	// plus the bias [0.5 0 −20], then relu.
	c := conv2DConfig(3, 1, 1, "valid")
	c.Activation = "relu"
	m := chain([]int{1, 2, 2}, layer("conv", "Conv2D", c,
		wt("kernel", []int{1, 1, 2, 3}, 1, 2, 3, 4, 5, 6), wt("bias", []int{3}, 0.5, 0, -20)))
	expect(t, run(t, m, []int{2, 1, 2, 2}, 1, 2, 3, 4, -1, 0, 0, 0), []int{2, 1, 2, 3},
		[]float32{9.5, 12, 0, 19.5, 26, 13, 0, 0, 0, 0.5, 0, 0}, 0)

	// use_bias false: no bias weight is read.
	c = conv2DConfig(1, 1, 1, "valid")
	c.UseBias = false
	m = chain([]int{1, 1, 2}, layer("conv", "Conv2D", c, wt("kernel", []int{1, 1, 2, 1}, 2, 3)))
	expect(t, run(t, m, []int{1, 1, 1, 2}, 5, 7), []int{1, 1, 1, 1}, []float32{31}, 0)
}

func TestConv2DDilation(t *testing.T) {
	// A 2×2 kernel with dilation 2 reads cells (0,0), (0,2), (2,0), (2,2)
	// of its window; weights 1, 10, 100, 1000 tell them apart.
	c := conv2DConfig(1, 2, 1, "valid")
	c.DilationRate = []int{2, 2}
	m := chain([]int{5, 5, 1}, layer("conv", "Conv2D", c, wt("kernel", []int{2, 2, 1, 1}, 1, 10, 100, 1000), wt("bias", []int{1}, 0)))
	got := run(t, m, []int{1, 5, 5, 1}, seq(25)...)
	// out(0,0) = 1·1 + 3·10 + 11·100 + 13·1000; each step right adds 1·1111, down 5·1111.
	expect(t, got, []int{1, 3, 3, 1}, []float32{14131, 15242, 16353, 19686, 20797, 21908, 25241, 26352, 27463}, 0)
}

func TestConv2DGroups(t *testing.T) {
	// groups 2: output channel 0 sees input channel 0 only, 1 sees 1.
	c := conv2DConfig(2, 1, 1, "valid")
	c.Groups = 2
	m := chain([]int{1, 1, 2}, layer("conv", "Conv2D", c, wt("kernel", []int{1, 1, 1, 2}, 2, 7), wt("bias", []int{2}, 0, 1)))
	expect(t, run(t, m, []int{1, 1, 1, 2}, 3, 5), []int{1, 1, 1, 2}, []float32{6, 36}, 0)
}

func TestDepthwiseMultiplier2(t *testing.T) {
	// 1×1 kernel, multiplier 2: channel c gives outputs 2c and 2c+1.
	dw := &keras.DepthwiseConv2D{KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "valid",
		DataFormat: "channels_last", DilationRate: []int{1, 1}, DepthMultiplier: 2, Activation: "linear", UseBias: true}
	m := chain([]int{1, 1, 2}, layer("dw", "DepthwiseConv2D", dw,
		wt("depthwise_kernel", []int{1, 1, 2, 2}, 1, 2, 3, 4), wt("bias", []int{4}, 0, 0, 0, 1)))
	expect(t, run(t, m, []int{1, 1, 1, 2}, 5, 7), []int{1, 1, 1, 4}, []float32{5, 10, 21, 29}, 0)

	// 3×3 same on a 3×3 image: filter 0 sums the window, filter 1 is a
	// center tap. Corner (0,0) has 4 real cells: 1+2+4+5.
	dw = &keras.DepthwiseConv2D{KernelSize: [2]int{3, 3}, Strides: [2]int{1, 1}, Padding: "same",
		DataFormat: "channels_last", DilationRate: []int{1, 1}, DepthMultiplier: 2, Activation: "linear"}
	kernel := make([]float32, 18)
	for i := range 9 {
		kernel[2*i] = 1
	}
	kernel[2*4+1] = 1
	m = chain([]int{3, 3, 1}, layer("dw", "DepthwiseConv2D", dw, wt("depthwise_kernel", []int{3, 3, 1, 2}, kernel...)))
	expect(t, run(t, m, []int{1, 3, 3, 1}, seq(9)...), []int{1, 3, 3, 2},
		[]float32{12, 1, 21, 2, 16, 3, 27, 4, 45, 5, 33, 6, 24, 7, 39, 8, 28, 9}, 0)
}

func TestSeparableConv2D(t *testing.T) {
	// Depthwise 1×1 (×2, ×3 per channel), then pointwise [[1 1] [1 −1]],
	// bias [0, 1]: pixel (1, 2) → (2, 6) → (8, −3).
	sep := &keras.SeparableConv2D{Filters: 2, KernelSize: [2]int{1, 1}, Strides: [2]int{1, 1}, Padding: "valid",
		DataFormat: "channels_last", DilationRate: []int{1, 1}, DepthMultiplier: 1, Activation: "linear", UseBias: true}
	m := chain([]int{1, 1, 2}, layer("sep", "SeparableConv2D", sep,
		wt("depthwise_kernel", []int{1, 1, 2, 1}, 2, 3),
		wt("pointwise_kernel", []int{1, 1, 2, 2}, 1, 1, 1, -1),
		wt("bias", []int{2}, 0, 1)))
	expect(t, run(t, m, []int{1, 1, 1, 2}, 1, 2), []int{1, 1, 1, 2}, []float32{8, -3}, 0)
}

func TestDenseOnRank3(t *testing.T) {
	// Dense acts on the last axis of every row: (1, 2, 2) → (1, 2, 1).
	m := chain([]int{2, 2}, layer("dense", "Dense", &keras.Dense{Units: 1, Activation: "linear", UseBias: true},
		wt("kernel", []int{2, 1}, 10, 1), wt("bias", []int{1}, 0.5)))
	expect(t, run(t, m, []int{1, 2, 2}, 1, 2, 3, 4), []int{1, 2, 1}, []float32{12.5, 34.5}, 0)
}
