package verify

import (
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// pairV2 is one Akida 2.0 layer and the Keras layer whose output it
// reproduces.
type pairV2 struct {
	layer *akida.Layer
	index int // in the Akida model
	// keras is the last non-skippable Keras layer of the layer's block:
	// the one whose output quantizer (or, without one, whose result) the
	// Akida layer's output stage reproduces. root is the block's first
	// non-skippable layer (the neural layer of a neural block).
	keras, root string
	main        []string    // the block's non-skippable Keras layers
	in, shape   akida.Shape // Akida input and output (x, y, c)
	// float: the outputs are floats (a Dequantizer).
	float bool
}

// pairV2Layers pairs every Akida layer but InputData with the Keras layer
// its block ends with, from the conversion's blocks (the Keras layers
// cnn2snn grouped into each Akida layer), and returns, for every Akida
// layer InputData included, the Keras layer whose output it holds: an
// InputData after a Quantizer holds the Quantizer's values, one on the
// model input the model input's.
func pairV2Layers(am *akida.Model, km *keras.Model, rec *keras.QMLRecording, blocks []compat.Block) ([]*pairV2, map[string]string, error) {
	shapes, err := am.Shapes()
	if err != nil {
		return nil, nil, err
	}
	byAkida := make(map[string]compat.Block, len(blocks))
	for _, b := range blocks {
		byAkida[b.AkidaLayer] = b
	}
	holds := make(map[string]string, len(am.Layers))
	var pairs []*pairV2
	for i, l := range am.Layers {
		if l.Type == akida.InputData {
			switch {
			case len(l.Inbounds) == 1:
				holds[l.Name] = holds[l.Inbounds[0]]
			case len(km.Inputs) == 1:
				holds[l.Name] = km.Inputs[0]
			}
			continue
		}
		b, ok := byAkida[l.Name]
		if !ok {
			return nil, nil, fmt.Errorf("Akida layer %q (%s) is in no block of the conversion: %w; verify the Akida model converted from this Keras model", l.Name, l.Type, ErrNotComparable)
		}
		p, err := pairBlock(l, i, shapes[i], km, rec, b)
		if err != nil {
			return nil, nil, err
		}
		holds[l.Name] = p.keras
		pairs = append(pairs, p)
	}
	if len(pairs) == 0 {
		return nil, nil, fmt.Errorf("the Akida model has no layer but its input: %w", ErrNotComparable)
	}
	return pairs, holds, nil
}

// pairBlock pairs an Akida layer with its block's Keras layers: the last
// and first non-skippable ones, which must have been recorded (quantized
// layers) and whose output must hold as many values as the Akida
// layer's.
func pairBlock(l *akida.Layer, i int, shapes akida.LayerShapes, km *keras.Model, rec *keras.QMLRecording, b compat.Block) (*pairV2, error) {
	shape := shapes.Output
	var main []string
	for _, name := range b.KerasLayers {
		kl := km.Layer(name)
		if kl == nil {
			return nil, fmt.Errorf("Akida layer %q (%s) is made of Keras layer %q, which the Keras model does not have: %w", l.Name, l.Type, name, ErrNotComparable)
		}
		if !compat.IsQMLSkippable(km, kl) {
			main = append(main, name)
		}
	}
	if len(main) == 0 {
		return nil, fmt.Errorf("Akida layer %q (%s) has no Keras layer in its block %v but skipped ones: %w", l.Name, l.Type, b.KerasLayers, ErrNotComparable)
	}
	p := &pairV2{layer: l, index: i, keras: main[len(main)-1], root: main[0], main: main, in: shapes.Input, shape: shape, float: l.Type == akida.Dequantizer}
	r := rec.Layer(p.keras)
	if r == nil {
		return nil, fmt.Errorf("Akida layer %q (%s) stands for Keras layer %q, which quantizeml does not quantize: %w", l.Name, l.Type, p.keras, ErrNotComparable)
	}
	if keras.Elements(km.Layer(p.keras).OutputShape) != shape[0]*shape[1]*shape[2] {
		return nil, fmt.Errorf("Akida layer %q (%s) outputs %v, its Keras layer %q %v: %w", l.Name, l.Type, shape, p.keras, km.Layer(p.keras).OutputShape, ErrNotComparable)
	}
	return p, nil
}
