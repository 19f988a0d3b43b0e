package infer

import (
	"fmt"
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// weight returns the values of a layer's weight after checking that its
// shape is the one the config and the input imply. A mismatch means the
// file's weights do not belong to its config (or the input has another
// number of channels than the model was built for).
func weight(l *keras.Layer, name string, shape ...int) ([]float32, error) {
	w := l.Weight(name)
	if w == nil {
		return nil, fmt.Errorf("has no weight %q; the file's weights do not match the layer config: re-save the model with its weights", name)
	}
	if !slices.Equal(w.Shape, shape) {
		return nil, fmt.Errorf("weight %q has shape %v, expected %v from the layer config and its input shape; the weights do not belong to this config: re-save the model", name, w.Shape, shape)
	}
	n, err := elements(shape) // overflow-safe: shape comes from the config
	if err != nil {
		return nil, fmt.Errorf("weight %q: %w", name, err)
	}
	if len(w.Values) != n {
		return nil, fmt.Errorf("weight %q of shape %v holds %d values instead of %d; the model file is damaged", name, w.Shape, len(w.Values), n)
	}
	return w.Values, nil
}

// optionalWeight is weight for a weight the config may leave out (a bias
// with use_bias false, BatchNormalization's gamma with scale false): nil
// when present is false.
func optionalWeight(l *keras.Layer, present bool, name string, shape ...int) ([]float32, error) {
	if !present {
		return nil, nil
	}
	return weight(l, name, shape...)
}
