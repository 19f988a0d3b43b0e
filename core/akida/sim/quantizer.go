package sim

import (
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// The Akida 2.0 layers between floats and integers: Quantizer (float model
// inputs → integers) and Dequantizer (integers → float model outputs),
// conversion-v2.md §2.2, §2.10, §5.1, §5.3.

// quantizer is a prepared Quantizer: per input channel, the scale 2^F and
// the zero point of quantizeml's InputQuantizer.
type quantizer struct {
	scales     []float32
	zeroPoints []int64
	values     valueRange
	size       int
}

// maxQuantizerBits is the widest Quantizer output simulated (int32
// outputs with room for the unsigned range's extra bit).
const maxQuantizerBits = 16

// prepareQuantizer prepares a Quantizer, the first layer of a model with
// float inputs: out = sat(round(x·scales) + zero_points) (quantizeInput).
func prepareQuantizer(l *akida.Layer, in layerInputs) (*prepared, error) {
	if err := checkVariables(l, "scales", "zero_points"); err != nil {
		return nil, err
	}
	if l.Params.Value("channels_first") != 0 {
		return nil, fmt.Errorf("channels_first is %d: the simulator takes channels-last (NHWC) inputs only; set it to 0", l.Params.Value("channels_first"))
	}
	bits := l.Params.Int("output_bits")
	if bits < 1 || bits > maxQuantizerBits {
		return nil, fmt.Errorf("output_bits is %d: the simulator runs Quantizers of 1 to %d bits", bits, maxQuantizerBits)
	}
	shape := in.shapes[0]
	if err := checkSize("input", shape); err != nil {
		return nil, err
	}
	C := shape[2]
	q := &quantizer{values: quantizerRange(bits, l.Params.Value("output_signed") != 0), size: size(shape)}
	var err error
	if q.scales, err = floatChannels(l, "scales", C, "a Quantizer multiplies its inputs by scales (2^frac_bits per channel)"); err != nil {
		return nil, err
	}
	if q.zeroPoints, err = channelVariable(l, "zero_points", C); err != nil {
		return nil, err
	}
	if q.zeroPoints == nil {
		q.zeroPoints = make([]int64, C)
	}
	input := &modelInput{typ: Float32Input, values: q.values}
	return &prepared{kernel: q, out: shape, values: q.values, input: input, bufferValues: cells(shape)}, nil
}

func (q *quantizer) newRun() runFunc {
	out := make([]int32, q.size)
	C := len(q.scales)
	return func(ins []tensor) tensor {
		for i, v := range ins[0].floats {
			c := i % C
			out[i] = int32(quantizeInput(v, q.scales[c], q.zeroPoints[c], q.values))
		}
		return tensor{ints: out}
	}
}

// dequantizer is a prepared Dequantizer: per channel, the float scale of
// its integer inputs.
type dequantizer struct {
	scales []float32
	size   int
}

// prepareDequantizer prepares a Dequantizer: y = v·scales (dequantize).
func prepareDequantizer(l *akida.Layer, in layerInputs) (*prepared, error) {
	if err := checkVariables(l, "scales"); err != nil {
		return nil, err
	}
	scales, err := floatChannels(l, "scales", in.shapes[0][2], "a Dequantizer multiplies its inputs by scales")
	if err != nil {
		return nil, err
	}
	return &prepared{kernel: &dequantizer{scales, size(in.shapes[0])}, out: in.shapes[0], float: true, bufferValues: cells(in.shapes[0])}, nil
}

func (d *dequantizer) newRun() runFunc {
	out := make([]float32, d.size)
	C := len(d.scales)
	return func(ins []tensor) tensor {
		for i, v := range ins[0].ints {
			out[i] = dequantize(v, d.scales[i%C])
		}
		return tensor{floats: out}
	}
}
