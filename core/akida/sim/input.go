package sim

import (
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// The layer that passes integers through: InputData.

// maxInputBits is the widest model input simulated: the inputs are 8-bit
// integers (Input.Data, Input.Int8).
const maxInputBits = 8

// prepareInputData prepares an InputData: its inputs are its outputs. As
// the model's input layer it reads input_bits-bit integers, signed when
// input_signed is set; fed by a Quantizer (Akida 2.0) it passes the
// Quantizer's values on as they are.
func prepareInputData(l *akida.Layer, in layerInputs) (*prepared, error) {
	if err := checkVariables(l); err != nil {
		return nil, err
	}
	if in.ranges != nil {
		return &prepared{kernel: passThrough{}, out: in.shapes[0], values: in.ranges[0]}, nil
	}
	bits := l.Params.Int("input_bits")
	signed := l.Params.Value("input_signed") != 0
	if bits < 1 || bits > maxInputBits {
		return nil, fmt.Errorf("input_bits is %d: inputs are 8-bit integers, so input_bits must be 1…%d", bits, maxInputBits)
	}
	input := &modelInput{typ: Uint8Input, bits: bits, values: unsignedRange(bits)}
	if signed {
		input.typ, input.values = Int8Input, signedRange(bits)
	}
	return &prepared{kernel: passThrough{}, out: in.shapes[0], values: input.values, input: input}, nil
}

// passThrough is a layer whose output is its input.
type passThrough struct{}

func (passThrough) newRun() runFunc {
	return func(ins []tensor) tensor { return ins[0] }
}
