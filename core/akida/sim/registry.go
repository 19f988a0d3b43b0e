package sim

import "github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"

// prepareFunc checks one layer of a kind and prepares its kernel. in
// describes what the layer reads.
type prepareFunc func(l *akida.Layer, in layerInputs) (*prepared, error)

// prepareFor returns the prepare function of a layer type the simulator
// runs, which lives in the file of its family; nil for the others (the
// temporal and Akida Pico layers), which New refuses. Layer types are
// named by their akida constants, never by number (V14).
func prepareFor(t akida.LayerType) prepareFunc {
	switch t {
	// input.go
	case akida.InputData:
		return prepareInputData
	// v1.go: Akida 1.0
	case akida.InputConvolutional:
		return prepareInputConvolutional
	case akida.Convolutional:
		return prepareConvolutional
	case akida.SeparableConvolutional:
		return prepareSeparable
	case akida.FullyConnected:
		return prepareFullyConnected
	// quantizer.go: Akida 2.0 float ↔ integers
	case akida.Quantizer:
		return prepareQuantizer
	case akida.Dequantizer:
		return prepareDequantizer
	// conv2d.go, transpose.go, dense1d.go (with neural.go): Akida 2.0
	case akida.InputConv2D:
		return prepareInputConv2D
	case akida.Conv2D:
		return prepareConv2D
	case akida.DepthwiseConv2D:
		return prepareDepthwiseConv2D
	case akida.Conv2DTranspose:
		return prepareConv2DTranspose
	case akida.DepthwiseConv2DTranspose:
		return prepareDepthwiseConv2DTranspose
	case akida.Dense1D:
		return prepareDense1D
	// merge.go
	case akida.Add:
		return prepareAdd
	case akida.Concatenate:
		return prepareConcatenate
	}
	return nil
}
