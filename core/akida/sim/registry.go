package sim

import "github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"

// prepareFunc checks one layer of a kind and prepares its kernel. in
// describes what the layer reads.
type prepareFunc func(l *akida.Layer, in layerInputs) (*prepared, error)

// kinds maps every layer type the simulator runs to its prepare function,
// which lives in the file of its family (input.go, v1.go). It is a constant
// table: nothing writes it. A layer type missing here is refused by New.
var kinds = map[akida.LayerType]prepareFunc{
	akida.InputData:              prepareInputData,
	akida.InputConvolutional:     prepareInputConvolutional,
	akida.Convolutional:          prepareConvolutional,
	akida.SeparableConvolutional: prepareSeparable,
	akida.FullyConnected:         prepareFullyConnected,
}
