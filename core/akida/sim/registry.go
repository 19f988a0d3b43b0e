package sim

import "github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"

// prepareFunc checks one layer of a kind and prepares its kernel. in
// describes what the layer reads.
type prepareFunc func(l *akida.Layer, in layerInputs) (*prepared, error)

// kinds maps every layer type the simulator runs to its prepare function,
// which lives in the file of its family. It is a constant table: nothing
// writes it. A layer type missing here (the temporal and Akida Pico
// layers) is refused by New. Layer types are named by their akida
// constants, never by number (V14).
var kinds = map[akida.LayerType]prepareFunc{
	// input.go
	akida.InputData: prepareInputData,
	// v1.go: Akida 1.0
	akida.InputConvolutional:     prepareInputConvolutional,
	akida.Convolutional:          prepareConvolutional,
	akida.SeparableConvolutional: prepareSeparable,
	akida.FullyConnected:         prepareFullyConnected,
	// quantizer.go: Akida 2.0 float ↔ integers
	akida.Quantizer:   prepareQuantizer,
	akida.Dequantizer: prepareDequantizer,
	// conv2d.go, transpose.go, dense1d.go (with neural.go): Akida 2.0
	akida.InputConv2D:              prepareInputConv2D,
	akida.Conv2D:                   prepareConv2D,
	akida.DepthwiseConv2D:          prepareDepthwiseConv2D,
	akida.Conv2DTranspose:          prepareConv2DTranspose,
	akida.DepthwiseConv2DTranspose: prepareDepthwiseConv2DTranspose,
	akida.Dense1D:                  prepareDense1D,
	// merge.go
	akida.Add:         prepareAdd,
	akida.Concatenate: prepareConcatenate,
}
