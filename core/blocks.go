package core

import (
	"slices"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// restoreOriginalLayers puts back into the blocks the layers of the user's
// model that quantization removed (BatchNormalization folded into the
// weights, Dropout): the converter grouped the quantized model, but the
// report is about the model the user gave. A removed layer goes right after
// the nearest layer before it that is still in a block, so the lists stay in
// model order: Conv + BN (folded) + MaxPool + ReLU → one Convolutional.
// Layers the quantizer added (a ReLU split from a fused activation) stay,
// right after the layer they were split from (splitFrom maps an added
// layer to that layer).
func restoreOriginalLayers(blocks []compat.Block, original, quantized *keras.Model, splitFrom map[string]string) {
	if original == nil || quantized == nil || original == quantized || len(blocks) == 0 {
		return
	}
	where := map[string]int{} // layer name → its block
	for i, b := range blocks {
		for _, name := range b.KerasLayers {
			where[name] = i
		}
	}
	prev := "" // the last original layer found in a block
	for _, l := range original.Layers {
		if _, ok := where[l.Name]; ok {
			prev = l.Name
			continue
		}
		if quantized.Layer(l.Name) != nil {
			continue // in the quantized model but in no block (not one chain)
		}
		i, at := 0, 0
		if prev != "" {
			i = where[prev]
			at = slices.Index(blocks[i].KerasLayers, prev) + 1
		}
		blocks[i].KerasLayers = slices.Insert(blocks[i].KerasLayers, at, l.Name)
		where[l.Name] = i
		prev = l.Name
	}
	for i := range blocks {
		inModelOrder(blocks[i].KerasLayers, original, splitFrom)
	}
}

// inModelOrder sorts a block's layers by their place in the user's model
// (the quantizer may have moved a pooling before its activation). A layer
// the quantizer added sorts right after the layer it was split from, or,
// when that is unknown, after the layer it follows in the block.
func inModelOrder(names []string, original *keras.Model, splitFrom map[string]string) {
	index := make(map[string]int, len(original.Layers))
	for i, l := range original.Layers {
		index[l.Name] = i
	}
	key := make(map[string]float64, len(names))
	last := -1.0
	for _, n := range names {
		if i, ok := index[n]; ok {
			last = float64(i)
			key[n] = last
		} else if i, ok := index[splitFrom[n]]; ok {
			key[n] = float64(i) + 0.5
		} else {
			key[n] = last + 0.5
		}
	}
	slices.SortStableFunc(names, func(a, b string) int {
		switch {
		case key[a] < key[b]:
			return -1
		case key[a] > key[b]:
			return 1
		}
		return 0
	})
}
