package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// smallModel is InputData (2, 2, 3) → FullyConnected (2 units, 4-bit
// activation) → FullyConnected (1 unit, no activation).
func smallModel(t *testing.T) *akida.Model {
	o := akida.DefaultFullyConnected()
	o.Units, o.WeightsBits, o.ActBits = 2, 4, 4
	hidden := akida.NewFullyConnected("hidden", o)
	setWeights(t, hidden, "weights", []int{1, 1, 12, 2}, 4, make([]int8, 24))
	setNeurons(t, hidden, []int32{0, 0}, []float32{1, 1})
	o.Units, o.Activation = 1, false
	last := akida.NewFullyConnected("last", o)
	setWeights(t, last, "weights", []int{1, 1, 2, 1}, 4, []int8{1, -1})
	setNeurons(t, last, []int32{0}, []float32{1})
	return model(t, inputData([3]int{2, 2, 3}), hidden, last)
}

func TestInputErrors(t *testing.T) {
	s, err := New(smallModel(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"wrong shape", Input{Shape: [4]int{1, 2, 3, 3}, Data: make([]uint8, 18)},
			`input shape [1 2 3 3] does not match the model's input shape (N, 2, 2, 3) of layer "input" (InputData): give uint8 inputs of shape (N, 2, 2, 3)`},
		{"too few values", Input{Shape: [4]int{2, 2, 2, 3}, Data: make([]uint8, 12)},
			`input shape [2 2 2 3] needs 24 values, but the input holds 12: give one value per input cell`},
		{"negative batch", Input{Shape: [4]int{-1, 2, 2, 3}},
			`input shape [-1 2 2 3] does not match the model's input shape (N, 2, 2, 3) of layer "input" (InputData): give uint8 inputs of shape (N, 2, 2, 3)`},
		{"value beyond input_bits", Input{Shape: [4]int{2, 2, 2, 3}, Data: append(make([]uint8, 12+7), 16, 0, 0, 0, 0)},
			`input value 16 at (n=1, x=1, y=0, c=1) exceeds the 4-bit inputs of layer "input" (InputData), 0…15: scale the inputs to that range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Forward(tt.in, Options{})
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestEmptyBatch(t *testing.T) {
	out := forward(t, smallModel(t), Input{Shape: [4]int{0, 2, 2, 3}})
	checkOutput(t, out.Shape, out.Data, [4]int{0, 1, 1, 1}, []int32{})
}

func TestPredictRefusesActivatedLastLayer(t *testing.T) {
	m := smallModel(t)
	m.Layers = m.Layers[:2] // the last layer is now "hidden", with activation
	_, err := Predict(m, Input{Shape: [4]int{1, 2, 2, 3}, Data: make([]uint8, 12)})
	want := `predict applies only to models without an activation on the last layer, and the last layer "hidden" (FullyConnected) has one: use Forward for its activation levels`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
	// An InputData alone has nothing to predict (akida raises too).
	_, err = Predict(model(t, inputData([3]int{1, 1, 2})), Input{Shape: [4]int{1, 1, 1, 2}, Data: []uint8{1, 2}})
	want = `predict needs a last layer without activation, and the model holds only its input layer "input" (InputData): add a neural layer`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
	// Forward still runs it.
	if _, err := Forward(m, Input{Shape: [4]int{1, 2, 2, 3}, Data: make([]uint8, 12)}); err != nil {
		t.Error(err)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, m *akida.Model)
		want   string
	}{
		{"Akida 2.0 layer", func(t *testing.T, m *akida.Model) {
			m.Layers[2] = akida.NewDense1D("dense1d", akida.DefaultDense1D())
			m.Layers[2].Inbounds = []string{"hidden"}
		}, `the model mixes Akida 1.0 layers ("hidden", FullyConnected) and Akida 2.0 layers ("dense1d", Dense1D): a model is made for one Akida version; convert it for one target`},
		{"unknown layer type", func(t *testing.T, m *akida.Model) {
			m.Layers[2].Type = 99
		}, `layer "last" has layer type number 99, which this program does not know: it cannot be simulated`},
		{"missing threshold", func(t *testing.T, m *akida.Model) {
			m.Layers[1].Variables = []*akida.Variable{m.Layers[1].Variable("act_step"), m.Layers[1].Variable("weights")}
		}, `layer "hidden" (FullyConnected): variable "threshold" is missing: an Akida 1.0 FullyConnected layer needs weights, threshold and act_step; set it (a converted or saved model has it)`},
		{"weights of the wrong shape", func(t *testing.T, m *akida.Model) {
			setWeights(t, m.Layers[2], "weights", []int{1, 1, 1, 2}, 4, []int8{1, -1})
		}, `layer "last" (FullyConnected): variable "weights" has shape [1 1 1 2], but the layer's parameters and input need [1 1 2 1]`},
		{"threshold of the wrong type", func(t *testing.T, m *akida.Model) {
			v, _ := akida.NewFloat32s("threshold", []int{1}, []float32{0})
			m.Layers[2].SetVariable(v)
		}, `layer "last" (FullyConnected): variable "threshold" holds float32 elements, not int32`},
		{"zero act_step", func(t *testing.T, m *akida.Model) {
			setNeurons(t, m.Layers[1], []int32{0, 0}, []float32{1, 0})
		}, `layer "hidden" (FullyConnected): act_step[1] is 0: every act_step must be a positive finite number`},
		{"no activation before the last layer", func(t *testing.T, m *akida.Model) {
			m.Layers[1].Params.Set("activation", 0)
		}, `layer "hidden" (FullyConnected): it has no activation but is not the last layer: the layer after it would read potentials, which Akida 1.0 layers cannot; give it an activation`},
		{"act_bits 9", func(t *testing.T, m *akida.Model) {
			m.Layers[1].Params.Set("act_bits", 9)
		}, `layer "hidden" (FullyConnected): act_bits is 9: the simulator runs activations of 1 to 8 bits`},
		{"branch", func(t *testing.T, m *akida.Model) {
			m.Layers[2].Inbounds = []string{"input"}
		}, `layer "last" (FullyConnected) is fed by [input], not by the layer before it ("hidden"): the simulator runs sequential Akida 1.0 models only`},
		{"input_bits beyond 8", func(t *testing.T, m *akida.Model) {
			m.Layers[0].Params.Set("input_bits", 9)
		}, `layer "input" (InputData): input_bits is 9: inputs are 8-bit integers, so input_bits must be 1…8`},
		{"first layer not an input layer", func(t *testing.T, m *akida.Model) {
			m.Layers = m.Layers[1:]
			m.Layers[0].Inbounds = nil
		}, `the first layer "hidden" is a FullyConnected: an Akida 1.0 model starts with an InputData or InputConvolutional layer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := smallModel(t)
			tt.change(t, m)
			_, err := New(m)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestStatefulLayersAreUnsupported(t *testing.T) {
	// The temporal and Akida Pico layers keep state between samples.
	// (PicoPostProcessing is not named: core/akida drops it, its number is
	// unknown.)
	for _, l := range []*akida.Layer{
		akida.NewBufferTempConv("btc", akida.DefaultBufferTempConv()),
		akida.NewDepthwiseBufferTempConv("dbtc", akida.DefaultBufferTempConv()),
		{Name: "rec", Type: akida.StatefulRecurrent},
	} {
		m := smallModel(t)
		l.Inbounds = []string{"hidden"}
		m.Layers[2] = l
		_, err := New(m)
		want := fmt.Sprintf(`layer %q (%s) cannot be simulated: the simulator does not run this layer type; temporal and Akida Pico layers keep state between samples, which it does not model`, l.Name, l.Type)
		if err == nil || err.Error() != want || !errors.Is(err, ErrUnsupported) {
			t.Errorf("error\n got %v\nwant %s (wrapping ErrUnsupported)", err, want)
		}
	}
}

func TestConvolutionErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, m *akida.Model)
		want   string
	}{
		{"winner-take-all groups", func(t *testing.T, m *akida.Model) {
			g, _ := akida.NewInt32s("wta_groups", []int{1}, []int32{0})
			m.Layers[0].SetVariable(g)
			m.Layers[0].Params.Set("filters", 2)
			setWeights(t, m.Layers[0], "weights", []int{3, 3, 1, 2}, 8, make([]int8, 18))
			setNeurons(t, m.Layers[0], []int32{0, 0}, []float32{1, 1})
			g, _ = akida.NewInt32s("wta_groups", []int{2}, []int32{1, 1})
			m.Layers[0].SetVariable(g)
		}, `layer "conv_0" (InputConvolutional): wta_groups puts neuron 1 in group 1 with another neuron: winner-take-all is not simulated; use one group per neuron (0, 1, 2, …)`},
		{"missing act_step", func(t *testing.T, m *akida.Model) {
			m.Layers[0].Variables = []*akida.Variable{m.Layers[0].Variable("threshold"), m.Layers[0].Variable("weights")}
		}, `layer "conv_0" (InputConvolutional): variable "act_step" is missing: an Akida 1.0 InputConvolutional layer needs weights, threshold and act_step; set it (a converted or saved model has it)`},
		{"average pooling over windows", func(t *testing.T, m *akida.Model) {
			p := &m.Layers[0].Params
			p.Set("pool_type", int32(akida.AveragePooling))
			p.Set("pooling_width", 2)
			p.Set("pooling_height", 2)
		}, `layer "conv_0" (InputConvolutional): average pooling over 2x2 windows is not simulated: Akida 1.0 converters only produce global average pooling (pooling_width = pooling_height = -1)`},
		{"padding value beyond 8 bits", func(t *testing.T, m *akida.Model) {
			m.Layers[0].Params.Set("padding_value", 256)
		}, `layer "conv_0" (InputConvolutional): padding_value is 256: padded cells hold an 8-bit input value, so it must be 0…255`},
		{"SameUpper padding", func(t *testing.T, m *akida.Model) {
			m.Layers[0].Params.Set("padding", int32(akida.SameUpper))
		}, `layer "conv_0" (InputConvolutional): padding 2 is not simulated: use Valid (0) or Same (1)`},
		{"potentials beyond int32", func(t *testing.T, m *akida.Model) {
			// 3·3 taps × 127 × 255 = 291 465 per position; with stride 1
			// global average pooling sums 80·80 = 6400 positions: 1 865 376 000, plus a
			// threshold of 300 000 000 passes 2^31 − 1.
			l := m.Layers[0]
			l.Params.Set("input_width", 80)
			l.Params.Set("input_height", 80)
			l.Params.Set("stride_x", 1)
			l.Params.Set("stride_y", 1)
			l.Params.Set("pool_type", int32(akida.AveragePooling))
			w := make([]int8, 9)
			for i := range w {
				w[i] = 127
			}
			setWeights(t, l, "weights", []int{3, 3, 1, 1}, 8, w)
			setNeurons(t, l, []int32{300_000_000}, []float32{1})
		}, `layer "conv_0" (InputConvolutional): its potentials could reach 1865376000 (Σ|weights| × largest input, summed over the pooled positions for global average pooling) and its thresholds 300000000, beyond the int32 accumulators of the simulator: the model cannot be simulated exactly; use smaller weights or inputs`},
		{"kernel larger than a Valid input", func(t *testing.T, m *akida.Model) {
			m.Layers[0].Params.Set("padding", int32(akida.Valid))
			m.Layers[0].Params.Set("input_width", 2)
		}, `layer "conv_0" (InputConvolutional): a window of 3 does not fit an input of 2 with Valid padding`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := inputConvModel(t, akida.Same)
			tt.change(t, m)
			_, err := New(m)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestBoundAtTheInt32Limit(t *testing.T) {
	// The same model as "potentials beyond int32" with a threshold that
	// just fits: 1 865 376 000 + 282 107 647 = 2^31 − 1 is accepted, and
	// an all-255 input reaches the bound exactly without wrapping.
	m := inputConvModel(t, akida.Same)
	l := m.Layers[0]
	l.Params.Set("input_width", 80)
	l.Params.Set("input_height", 80)
	l.Params.Set("stride_x", 1)
	l.Params.Set("stride_y", 1)
	l.Params.Set("pool_type", int32(akida.AveragePooling))
	w := make([]int8, 9)
	for i := range w {
		w[i] = 127
	}
	setWeights(t, l, "weights", []int{3, 3, 1, 1}, 8, w)
	setNeurons(t, l, []int32{-282_107_647}, []float32{1})
	// padding_value 255: padded cells count as much as input cells.
	l.Params.Set("padding_value", 255)
	in := Input{Shape: [4]int{1, 80, 80, 1}, Data: make([]uint8, 6400)}
	for i := range in.Data {
		in.Data[i] = 255
	}
	out := forward(t, m, in)
	checkOutput(t, out.Shape, out.Data, [4]int{1, 1, 1, 1}, []int32{1_865_376_000 + 282_107_647})
}

func TestTooLargeModels(t *testing.T) {
	tests := []struct {
		name    string
		input   [3]int
		kernel  int
		filters int
		want    string
	}{
		// 9 KiB of weights claim 2^24 input + 2^26 potential values.
		{"buffers", [3]int{1024, 1024, 16}, 3, 64,
			`layer "conv" (Convolutional): the model would need 83886080 buffer values and 9663676416 multiply-accumulates per sample up to this layer, beyond the simulator's limits (67108864 and 137438953472): the model is too large to simulate`},
		// 64×64 kernels over 256 channels: 3 × 2^36 multiply-accumulates.
		{"multiply-accumulates", [3]int{256, 256, 256}, 64, 3,
			`layer "conv" (Convolutional): the model would need 16973824 buffer values and 206158430208 multiply-accumulates per sample up to this layer, beyond the simulator's limits (67108864 and 137438953472): the model is too large to simulate`},
		{"one tensor", [3]int{4096, 4096, 1}, 1, 8,
			`layer "conv" (Convolutional): its potentials [4096, 4096, 8] would hold 134217728 values, more than the simulator's limit of 67108864: the model is too large to simulate`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := convOptions([2]int{tt.kernel, tt.kernel}, tt.filters, akida.Same, [2]int{1, 1})
			l := akida.NewConvolutional("conv", o)
			c := tt.input[2]
			setWeights(t, l, "weights", []int{tt.kernel, tt.kernel, c, tt.filters}, 4, make([]int8, tt.kernel*tt.kernel*c*tt.filters))
			setNeurons(t, l, make([]int32, tt.filters), ones(tt.filters))
			_, err := New(model(t, inputData(tt.input), l))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestHostileParametersNeverPanic(t *testing.T) {
	// Every parameter of small models set to extreme values, one or two at
	// a time: New either refuses the model or gives a simulator that runs.
	values := []int32{math.MinInt32, -7, -1, 0, 1, 2, 3, 8, 9, 255, 256, 1 << 20, math.MaxInt32}
	builders := []func(*testing.T) *akida.Model{
		smallModel,
		func(t *testing.T) *akida.Model { return inputConvModel(t, akida.Same) },
		func(t *testing.T) *akida.Model {
			return poolModel(t, akida.Same, akida.MaxPooling, [2]int{2, 2}, [2]int{2, 2})
		},
		func(t *testing.T) *akida.Model { return gapModel(t, true, 5, 4) },
	}
	r := rand.New(rand.NewPCG(9, 9))
	for i := range 3000 {
		m := builders[i%len(builders)](t)
		for range 1 + r.IntN(2) {
			l := m.Layers[r.IntN(len(m.Layers))]
			keys := l.Params.Keys()
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

// zeroInput is a batch of zeros of the given input type.
func zeroInput(typ InputType, shape [4]int) Input {
	n := shape[0] * shape[1] * shape[2] * shape[3]
	switch typ {
	case Int8Input:
		return Input{Shape: shape, Int8: make([]int8, n)}
	case Float32Input:
		return Input{Shape: shape, Float: make([]float32, n)}
	}
	return Input{Shape: shape, Data: make([]uint8, n)}
}

func TestSignedInputErrors(t *testing.T) {
	m := smallModel(t)
	m.Layers[0].Params.Set("input_signed", 1) // 4-bit signed: −8…7
	s, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	if s.InputType() != Int8Input || s.InputBits() != 4 {
		t.Fatalf("input type %v of %d bits, want int8 of 4 bits", s.InputType(), s.InputBits())
	}
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"unsigned field", Input{Shape: [4]int{1, 2, 2, 3}, Data: make([]uint8, 12)},
			`the inputs are given as uint8 (Input.Data), but layer "input" (InputData) takes int8 (Input.Int8): give them in that field`},
		{"wrong shape", Input{Shape: [4]int{1, 2, 3, 3}, Int8: make([]int8, 18)},
			`input shape [1 2 3 3] does not match the model's input shape (N, 2, 2, 3) of layer "input" (InputData): give int8 inputs of shape (N, 2, 2, 3)`},
		{"below the range", Input{Shape: [4]int{1, 2, 2, 3}, Int8: append(make([]int8, 4), -9, 0, 0, 0, 0, 0, 0, 0)},
			`input value -9 at (n=0, x=0, y=1, c=1) is outside the 4-bit signed inputs of layer "input" (InputData), -8…7: scale the inputs to that range`},
		{"above the range", Input{Shape: [4]int{1, 2, 2, 3}, Int8: append(make([]int8, 11), 8)},
			`input value 8 at (n=0, x=1, y=1, c=2) is outside the 4-bit signed inputs of layer "input" (InputData), -8…7: scale the inputs to that range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Forward(tt.in, Options{})
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
	// An unsigned model refuses signed inputs the same way.
	_, err = Forward(smallModel(t), Input{Shape: [4]int{1, 2, 2, 3}, Int8: make([]int8, 12)})
	want := `the inputs are given as int8 (Input.Int8), but layer "input" (InputData) takes uint8 (Input.Data): give them in that field`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
}
