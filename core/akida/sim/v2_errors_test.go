package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// convBlock is a 3×3 Conv2D of 2 filters with every variable an Akida 2.0
// layer can have (ReLU with max_value, output stage), after a signed
// InputData (4, 4, 2).
func convBlock(t *testing.T) *akida.Model {
	o := akida.DefaultConv2D()
	o.KernelSize, o.Filters = 3, 2
	o.PoolType, o.PoolSize, o.PoolStride = akida.MaxPooling, 2, 2
	l := akida.NewConv2D("conv", o)
	setInt8s(t, l, "weights", []int{3, 3, 2, 2}, make([]int8, 36)...)
	setInt8s(t, l, "bias", []int{2}, 1, -1)
	setUint8s(t, l, "bias_shift", []int{2}, 0, 1)
	setUint8s(t, l, "input_shift", []int{2}, 0, 1)
	setUint8s(t, l, "max_value", []int{2}, 100, 100)
	setUint8s(t, l, "max_value_shift", []int{2}, 1, 1)
	setUint8s(t, l, "output_scales", []int{2}, 200, 150)
	setInt8s(t, l, "output_shift", []int{2}, -8, -7)
	return model(t, signedInput([3]int{4, 4, 2}), l)
}

func TestV2LayerErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, l *akida.Layer)
		want   string
	}{
		{"missing weights", func(t *testing.T, l *akida.Layer) {
			l.Variables = l.Variables[:len(l.Variables)-1] // weights sorts last
		}, `layer "conv" (Conv2D): variable "weights" is missing: a Conv2D layer needs weights of shape [3 3 2 2]; set it (a converted model has it)`},
		{"weights transposed", func(t *testing.T, l *akida.Layer) {
			setInt8s(t, l, "weights", []int{2, 2, 3, 3}, make([]int8, 36)...)
		}, `layer "conv" (Conv2D): variable "weights" has shape [2 2 3 3], but the layer's parameters and input need [3 3 2 2]`},
		{"float weights", func(t *testing.T, l *akida.Layer) {
			setFloat32s(t, l, "weights", []int{3, 3, 2, 2}, make([]float32, 36)...)
		}, `layer "conv" (Conv2D): variable "weights" holds float32 elements, not integers`},
		{"misnamed variable", func(t *testing.T, l *akida.Layer) {
			setUint8s(t, l, "output_scale", []int{2}, 1, 1)
		}, `layer "conv" (Conv2D): variable "output_scale" is not one that Conv2D layers have (weights, bias, bias_shift, input_shift, max_value, max_value_shift, output_scales, output_shift, activation_scales, activation_shift, lut_values): remove or rename it`},
		{"padding value on a Conv2D", func(t *testing.T, l *akida.Layer) {
			setUint8s(t, l, "padding_value", []int{2}, 0, 0)
		}, `layer "conv" (Conv2D): variable "padding_value" is not one that Conv2D layers have (weights, bias, bias_shift, input_shift, max_value, max_value_shift, output_scales, output_shift, activation_scales, activation_shift, lut_values): remove or rename it`},
		{"three output scales for two channels", func(t *testing.T, l *akida.Layer) {
			setUint8s(t, l, "output_scales", []int{3}, 1, 1, 1)
		}, `layer "conv" (Conv2D): variable "output_scales" holds 3 values, but the layer has 2 channels there: it needs 2 values (or 1 for all)`},
		{"bias shift without bias", func(t *testing.T, l *akida.Layer) {
			l.Variables = l.Variables[1:] // bias sorts first
		}, `layer "conv" (Conv2D): variable "bias_shift" is set but "bias" is not: set both or neither`},
		{"negative input shift", func(t *testing.T, l *akida.Layer) {
			setInt8s(t, l, "input_shift", []int{2}, 0, -1)
		}, `layer "conv" (Conv2D): input_shift[1] is -1: shifts are uint8 left shifts, 0…255`},
		{"max_value without ReLU", func(t *testing.T, l *akida.Layer) {
			l.Params.Set("activation", int32(akida.NoActivation))
		}, `layer "conv" (Conv2D): variable "max_value" is set but the layer's activation is 0, not a ReLU (1): remove it`},
		{"LUT without table", func(t *testing.T, l *akida.Layer) {
			l.Params.Set("activation", int32(akida.LUT))
		}, `layer "conv" (Conv2D): variable "lut_values" is missing: a LUT activation needs its table; set it (a converted model has it)`},
		{"LUT of 3 entries", func(t *testing.T, l *akida.Layer) {
			l.Params.Set("activation", int32(akida.LUT))
			setInt32s(t, l, "lut_values", []int{3}, 1, 2, 3)
		}, `layer "conv" (Conv2D): variable "lut_values" holds 3 values: a LUT table has 2^n entries (2048 for akida's 11-bit inputs), 2 to 65536`},
		{"activation 3", func(t *testing.T, l *akida.Layer) {
			l.Params.Set("activation", 3)
		}, `layer "conv" (Conv2D): activation is 3: Akida 2.0 layers store 0 (none), 1 (ReLU) or 2 (LUT)`},
		{"buffer_bits 33", func(t *testing.T, l *akida.Layer) {
			l.Params.Set("buffer_bits", 33)
		}, `layer "conv" (Conv2D): buffer_bits is 33: the simulator runs buffers of 2 to 32 bits`},
		{"output_bits 0", func(t *testing.T, l *akida.Layer) {
			l.Params.Set("output_bits", 0)
		}, `layer "conv" (Conv2D): output_bits is 0: the simulator runs outputs of 1 to 32 bits`},
		{"average pooling over windows", func(t *testing.T, l *akida.Layer) {
			l.Params.Set("pool_type", int32(akida.AveragePooling))
		}, `layer "conv" (Conv2D): average pooling over 2x2 windows is not simulated: Akida 2.0 converters only produce global average pooling (pool_size -1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := convBlock(t)
			tt.change(t, m.Layers[1])
			_, err := New(m)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestSumBound(t *testing.T) {
	// The int64 guard: inputs up to 2^31 (a 32-bit buffer) times Σ|w| per
	// output channel.
	p := &v2Layer{channels: 2, buffer: signedRange(32), weights: []int64{127, -128, 3, 4}}
	// Σ|w| is 127 + 3 = 130 for channel 0, 128 + 4 = 132 for channel 1.
	if got := p.sumBound(valueRange{-1 << 31, 1<<31 - 1}); got != 132*(1<<31) {
		t.Errorf("sumBound = %v, want %v", got, 132*(1<<31))
	}
	p.inputShift = []int64{200}
	if got := p.sumBound(valueRange{-8, 7}); got != 132*(1<<31) {
		t.Errorf("sumBound with a large input shift = %v, want the buffer's bound %v", got, 132*(1<<31))
	}
	p.weights = []int64{1 << 40, 0}
	if _, err := p.finish(valueRange{-1 << 31, 1<<31 - 1}, nil); err == nil || err.Error() !=
		"its sums could reach 2361183241434822606848 (Σ|weights| × largest input), beyond the simulator's exact int64 accumulators: the model cannot be simulated exactly; use smaller weights or inputs" {
		t.Errorf("error %v", err)
	}
}

func TestV2GraphErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(t *testing.T) *akida.Model
		want  string
	}{
		{"layer feeding nothing", func(t *testing.T) *akida.Model {
			m := residualModel(t)
			m.Layer("add").Inbounds = []string{"branch_a", "branch_a"}
			return m
		}, `layer "branch_b" (Conv2D) feeds no layer but is not the last layer: the simulator runs models whose one output is the last layer; remove the layer or feed it to another`},
		{"Dequantizer feeding a layer", func(t *testing.T) *akida.Model {
			m := residualModel(t)
			l := akida.NewDepthwiseConv2D("after", conv2D(1, 0, akida.Same))
			setInt8s(t, l, "weights", []int{1, 1, 1, 1}, 1)
			if err := m.Add(l); err != nil {
				t.Fatal(err)
			}
			return m
		}, `layer "after" (DepthwiseConv2D): it reads the float outputs of layer "dequantizer" (Dequantizer): a Dequantizer's outputs can only be the model's outputs; make the Dequantizer the last layer`},
		{"second input", func(t *testing.T) *akida.Model {
			m := residualModel(t)
			o := akida.DefaultInputData()
			o.InputShape, o.InputBits = [3]int{2, 2, 1}, 8
			m.Layers = append(m.Layers[:1], append([]*akida.Layer{akida.NewInputData("input_2", o)}, m.Layers[1:]...)...)
			return m
		}, `layer "input_2" (InputData) is an input layer but is not the first layer, and it has 0 inbound layers: an Akida 2.0 model has one input; feed it from one layer (the Quantizer before it)`},
		{"Quantizer not first", func(t *testing.T) *akida.Model {
			m := residualModel(t)
			q := akida.NewQuantizer("q", akida.QuantizerOptions{InputShape: [3]int{2, 2, 1}, OutputBits: 8})
			if err := m.Add(q, m.Layer("add")); err != nil {
				t.Fatal(err)
			}
			return m
		}, `layer "q" (Quantizer) is not the first layer: a Quantizer reads the model's float inputs, so it must be the first layer`},
		{"InputData of another shape after a Quantizer", func(t *testing.T) *akida.Model {
			q := akida.NewQuantizer("q", akida.QuantizerOptions{InputShape: [3]int{2, 2, 1}, OutputBits: 8})
			setFloat32s(t, q, "scales", []int{1}, 1)
			m := model(t, q)
			o := akida.DefaultInputData()
			o.InputShape, o.InputBits = [3]int{4, 1, 1}, 8
			if err := m.Add(akida.NewInputData("input", o), q); err != nil {
				t.Fatal(err)
			}
			return m
			// core/akida's Shapes refuses this too in newer versions, with
			// its own words: either error is right.
		}, `layer "input" (InputData) takes inputs of shape [4, 1, 1], but its inbound layer "q" (Quantizer) gives [2, 2, 1]: set its input shape to its inbound's output` +
			"|" + `layer "input" (InputData): its input shape [4, 1, 1] is not the output shape [2, 2, 1] of its inbound layer "q"`},
		{"first layer not an input layer", func(t *testing.T) *akida.Model {
			m := residualModel(t)
			m.Layers = m.Layers[1:]
			m.Layers[0].Inbounds, m.Layers[1].Inbounds = nil, nil
			m.Layers = m.Layers[:1]
			return m
		}, `the first layer "branch_a" is a Conv2D: an Akida 2.0 model starts with an InputData, InputConv2D or Quantizer layer`},
		{"InputConv2D with an input shift", func(t *testing.T) *akida.Model {
			o := akida.DefaultInputConv2D()
			o.InputShape, o.Conv2DOptions = [3]int{3, 3, 1}, conv2D(3, 1, akida.Same)
			l := akida.NewInputConv2D("conv", o)
			setInt8s(t, l, "weights", []int{3, 3, 1, 1}, make([]int8, 9)...)
			setUint8s(t, l, "input_shift", []int{1}, 1)
			return model(t, l)
		}, `layer "conv" (InputConv2D): variable "input_shift" is not 0: an InputConv2D shifts no inputs (cnn2snn refuses a non-zero one); set it to 0 or remove it`},
		{"Quantizer channels first", func(t *testing.T) *akida.Model {
			q := akida.NewQuantizer("q", akida.QuantizerOptions{InputShape: [3]int{2, 2, 1}, OutputBits: 8, ChannelsFirst: true})
			setFloat32s(t, q, "scales", []int{1}, 1)
			return model(t, q)
		}, `layer "q" (Quantizer): channels_first is 1: the simulator takes channels-last (NHWC) inputs only; set it to 0`},
		{"Quantizer without scales", func(t *testing.T) *akida.Model {
			return model(t, akida.NewQuantizer("q", akida.QuantizerOptions{InputShape: [3]int{2, 2, 1}, OutputBits: 8}))
		}, `layer "q" (Quantizer): variable "scales" is missing: a Quantizer multiplies its inputs by scales (2^frac_bits per channel); set it (a converted model has it)`},
		{"Add with a weights variable", func(t *testing.T) *akida.Model {
			m := residualModel(t)
			setInt8s(t, m.Layer("add"), "weights", []int{1}, 1)
			return m
		}, `layer "add" (Add): variable "weights" is not one that Add layers have (a_shift, b_shift, output_shift): remove or rename it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.build(t))
			if err == nil || !slices.Contains(strings.Split(tt.want, "|"), err.Error()) {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestV2HostileParametersNeverPanic(t *testing.T) {
	// As TestHostileParametersNeverPanic, on Akida 2.0 models: New refuses
	// the model or gives a simulator that runs.
	values := []int32{math.MinInt32, -7, -1, 0, 1, 2, 3, 4, 8, 9, 28, 32, 33, 61, 62, 255, 256, 1 << 20, math.MaxInt32}
	builders := []func(*testing.T) *akida.Model{convBlock, residualModel}
	r := rand.New(rand.NewPCG(10, 10))
	for i := range 2000 {
		m := builders[i%len(builders)](t)
		for range 1 + r.IntN(2) {
			l := m.Layers[r.IntN(len(m.Layers))]
			keys := l.Params.Keys()
			if len(keys) == 0 {
				continue
			}
			l.Params.Set(keys[r.IntN(len(keys))], values[r.IntN(len(values))])
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("mutation %d panicked: %v", i, p)
				}
			}()
			s, err := New(m)
			if err != nil {
				return
			}
			in := s.InputShape()
			if n := in[0] * in[1] * in[2]; n <= 1<<16 {
				if _, err := s.Forward(zeroInput(s.InputType(), [4]int{1, in[0], in[1], in[2]}), Options{}); err != nil {
					t.Fatalf("mutation %d: New accepted the model but Forward failed: %v", i, err)
				}
			}
		}()
	}
}
