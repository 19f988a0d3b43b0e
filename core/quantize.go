package core

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// quantizeModel is the facade's quantization step: a float model is
// quantized the way cnn2snn.quantize does (conversion.md §6.4) before it is
// checked and converted; models already quantized never reach it.
//
// core/quantize is not written yet. Until it is, this step does nothing
// and says so (done = false): the float model then goes to the converter
// as it is, which refuses it with cnn2snn's own error ("First layer … must
// be QuantizedConv2D …"). The engineer writing core/quantize replaces this
// body with a call to it, using bits (defaults already filled: 4, 4, 8)
// and the optional calibration .npy.
func quantizeModel(m *keras.Model, bits QuantizeOptions, calibration []byte) (*keras.Model, bool, error) {
	return m, false, nil
}
