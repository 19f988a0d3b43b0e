// Package akidatest builds small Akida 2.0 models with every Akida 2.0
// layer kind, for the tests of core/akida, its codec and its users. The
// models are built with core/akida's constructors and akida.SetValues, so
// their variables have the element types and shapes of conversion-v2.md §2
// and V13; their values are small deterministic patterns, not a trained
// network.
package akidatest

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// pattern returns n values cycling through lo…hi.
func pattern[T int8 | uint8 | int16 | int32](n int, lo, hi T) []T {
	out := make([]T, n)
	span := int(hi) - int(lo) + 1
	for i := range out {
		out[i] = T(int(lo) + i%span)
	}
	return out
}

// floats returns n float32 values 1/8, 2/8, …
func floats(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(i+1) / 8
	}
	return out
}

// builder adds layers and sets variables, failing the test on any error.
type builder struct {
	t testing.TB
	m *akida.Model
}

func (b builder) add(l *akida.Layer, inbounds ...string) {
	b.t.Helper()
	var ins []*akida.Layer
	for _, name := range inbounds {
		ins = append(ins, b.m.Layer(name))
	}
	if err := b.m.Add(l, ins...); err != nil {
		b.t.Fatal(err)
	}
}

func set[T akida.Values](b builder, layer, variable string, values []T) {
	b.t.Helper()
	if err := akida.SetValues(b.m, layer, variable, values); err != nil {
		b.t.Fatal(err)
	}
}

// postOp sets a neural layer's bias, bias shift and output stage for n
// output channels.
func postOp(b builder, layer string, n int) {
	b.t.Helper()
	set(b, layer, "bias", pattern[int8](n, -3, 4))
	set(b, layer, "bias_shift", pattern[uint8](n, 0, 2))
	set(b, layer, "output_scales", pattern[uint8](n, 128, 255))
	set(b, layer, "output_shift", []int8{-9}) // one value fills the variable
}

// Graph is an image model of the Akida 2.0 layers that take an image, with
// a residual Add and a Concatenate (layers in topological order):
//
//	conv0  InputConv2D     16×16×3 → 3×3, 8 filters, Same, max pool 2/2 → [8, 8, 8]
//	dw     DepthwiseConv2D conv0, 3×3, 4-bit weights, LUT activation      → [8, 8, 8]
//	pw     Conv2D          dw, 1×1, 8 filters, bounded ReLU, input shift  → [8, 8, 8]
//	add    Add             conv0 + pw                                     → [8, 8, 8]
//	up     Conv2DTranspose add, 3×3, 4 filters                            → [16, 16, 4]
//	dwup   DepthwiseConv2DTranspose add, 4×4                              → [16, 16, 8]
//	cat    Concatenate     up, dwup                                       → [16, 16, 12]
//	head   Conv2D          cat, 3×3 stride 2 Valid, 6 filters, global average → [1, 1, 6]
//	dense  Dense1D         head, 5 units, input shift                     → [1, 1, 5]
//	dequantizer Dequantizer dense                                         → [1, 1, 5]
func Graph(t testing.TB) *akida.Model {
	t.Helper()
	b := builder{t, &akida.Model{}}

	c0 := akida.DefaultInputConv2D()
	c0.InputShape, c0.Filters, c0.KernelSize, c0.BufferBits = [3]int{16, 16, 3}, 8, 3, 28
	c0.PoolType, c0.PoolSize, c0.PoolStride = akida.MaxPooling, 2, 2
	b.add(akida.NewInputConv2D("conv0", c0))
	set(b, "conv0", "weights", pattern[int8](3*3*3*8, -127, 127))
	set(b, "conv0", "padding_value", []uint8{0, 1, 2})
	postOp(b, "conv0", 8)

	dw := akida.DefaultDepthwiseConv2D()
	dw.KernelSize, dw.Activation, dw.WeightsBits = 3, akida.LUT, 4
	b.add(akida.NewDepthwiseConv2D("dw", dw), "conv0")
	set(b, "dw", "weights", pattern[int8](3*3*8, -8, 7))
	set(b, "dw", "activation_scales", pattern[uint8](8, 200, 207))
	set(b, "dw", "activation_shift", []int8{-4})
	set(b, "dw", "lut_values", pattern[int32](2048, -4096, 4095))
	postOp(b, "dw", 8)

	pw := akida.DefaultConv2D()
	pw.Filters, pw.KernelSize = 8, 1
	b.add(akida.NewConv2D("pw", pw), "dw")
	set(b, "pw", "weights", pattern[int8](8*8, -100, 100))
	set(b, "pw", "input_shift", pattern[uint8](8, 0, 1))
	set(b, "pw", "max_value", []uint8{96})
	set(b, "pw", "max_value_shift", []uint8{3})
	postOp(b, "pw", 8)

	b.add(akida.NewAdd("add", akida.DefaultAdd()), "conv0", "pw")
	set(b, "add", "a_shift", []uint8{1})
	set(b, "add", "b_shift", pattern[uint8](8, 0, 3))
	set(b, "add", "output_shift", []int8{-1})

	up := akida.DefaultConv2DTranspose()
	up.Filters, up.KernelSize = 4, 3
	b.add(akida.NewConv2DTranspose("up", up), "add")
	set(b, "up", "weights", pattern[int8](3*3*8*4, -50, 50))
	postOp(b, "up", 4)

	dwup := akida.DefaultDepthwiseConv2DTranspose()
	dwup.KernelSize = 4
	b.add(akida.NewDepthwiseConv2DTranspose("dwup", dwup), "add")
	set(b, "dwup", "weights", pattern[int8](4*4*8, -20, 20))
	postOp(b, "dwup", 8)

	b.add(akida.NewConcatenate("cat"), "up", "dwup")

	head := akida.DefaultConv2D()
	head.Filters, head.KernelSize, head.KernelStride, head.Padding = 6, 3, 2, akida.Valid
	head.PoolType = akida.AveragePooling
	b.add(akida.NewConv2D("head", head), "cat")
	set(b, "head", "weights", pattern[int8](3*3*12*6, -127, 127))
	postOp(b, "head", 6)

	d := akida.DefaultDense1D()
	d.Units, d.OutputBits = 5, 28
	b.add(akida.NewDense1D("dense", d), "head")
	set(b, "dense", "weights", pattern[int8](6*5, -60, 60))
	set(b, "dense", "input_shift", pattern[uint8](6, 0, 2))
	set(b, "dense", "bias", pattern[int8](5, -5, 5))
	set(b, "dense", "bias_shift", []uint8{2})

	b.add(akida.NewDequantizer("dequantizer"), "dense")
	set(b, "dequantizer", "scales", floats(5))
	return b.m
}

// Temporal is a model that takes float inputs through a Quantizer, with
// 4-bit Dense1D weights and the temporal layers:
//
//	input_quantizer Quantizer  4×4×2 float → 8-bit unsigned, per-channel scales, zero points → [4, 4, 2]
//	input           InputData  input_quantizer, 8 bits (so signed, as akida 2.19 stores it) → [4, 4, 2]
//	dense           Dense1D    input, 3 units, 4-bit weights, ReLU                        → [1, 1, 3]
//	dwtemp          DepthwiseBufferTempConv dense, FIFO of 5                              → [1, 1, 3]
//	temp            BufferTempConv dwtemp, FIFO of 2, 2 filters                           → [1, 1, 2]
//	dequantizer     Dequantizer temp                                                      → [1, 1, 2]
//
// BufferTempConv's weights have no documented shape; they are given the
// shape (1, 1, FIFO × channels, filters).
func Temporal(t testing.TB) *akida.Model {
	t.Helper()
	b := builder{t, &akida.Model{}}
	b.add(akida.NewQuantizer("input_quantizer", akida.QuantizerOptions{InputShape: [3]int{4, 4, 2}, OutputBits: 8}))
	set(b, "input_quantizer", "scales", []float32{16, 32})
	set(b, "input_quantizer", "zero_points", []uint8{128, 100})
	b.add(akida.NewInputDataV2("input", [3]int{4, 4, 2}, 8), "input_quantizer")

	d := akida.DefaultDense1D()
	d.Units, d.WeightsBits, d.Activation = 3, 4, akida.ReLU
	b.add(akida.NewDense1D("dense", d))
	set(b, "dense", "weights", pattern[int8](32*3, -8, 7))
	postOp(b, "dense", 3)

	dt := akida.DefaultDepthwiseBufferTempConv()
	dt.FIFOSize = 5
	b.add(akida.NewDepthwiseBufferTempConv("dwtemp", dt))
	set(b, "dwtemp", "weights", pattern[int8](5*3, -10, 10))
	postOp(b, "dwtemp", 3)

	bt := akida.DefaultBufferTempConv()
	bt.Filters, bt.FIFOSize = 2, 2
	temp := akida.NewBufferTempConv("temp", bt)
	w, err := akida.NewWeights("weights", []int{1, 1, 6, 2}, pattern[int8](12, -6, 5), 8)
	if err != nil {
		t.Fatal(err)
	}
	temp.SetVariable(w)
	b.add(temp)
	set(b, "temp", "input_shift", []uint8{1})
	postOp(b, "temp", 2)

	b.add(akida.NewDequantizer("dequantizer"))
	set(b, "dequantizer", "scales", []float32{0.5})
	return b.m
}
