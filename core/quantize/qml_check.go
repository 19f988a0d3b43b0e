package quantize

import (
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// checkModel refuses, before any rewrite, what the transforms below would
// have to trust: every layer called once, every layer's output shape known, every neural layer's
// kernel (and bias) of the rank and size its config says, every
// BatchNormalization weight one value per channel. A file whose weights do
// not match its config is refused with the layer named, not met halfway
// through a transform.
func checkModel(m *keras.Model) error {
	for _, l := range m.Layers {
		if l.InboundNodes > 1 {
			return fmt.Errorf("layer %q (%s) is called %d times (a shared layer): this tool rewrites and quantizes each layer for one call; give each call its own layer", l.Name, l.ClassName, l.InboundNodes)
		}
		if len(l.OutputShape) == 0 && !l.IsInput() {
			return fmt.Errorf("layer %q (%s): its output shape is not known (an unknown class before it, or a config this tool cannot follow); quantization needs every shape", l.Name, l.ClassName)
		}
		for _, d := range l.OutputShape {
			if d <= 0 {
				return fmt.Errorf("layer %q (%s): its output shape %v has a dimension of unknown size; give the model a fixed input shape", l.Name, l.ClassName, l.OutputShape)
			}
		}
		if err := checkWeights(l); err != nil {
			return fmt.Errorf("layer %q (%s): %w; the file does not match its config, re-save the model", l.Name, l.ClassName, err)
		}
	}
	return nil
}

// checkWeights checks one layer's weights against its config.
func checkWeights(l *keras.Layer) error {
	want := func(name string, rank, last int) error {
		w := l.Weight(name)
		switch {
		case w == nil:
			return fmt.Errorf("it has no %s weight", name)
		case len(w.Shape) != rank:
			return fmt.Errorf("its %s has shape %v, not of rank %d", name, w.Shape, rank)
		case keras.Elements(w.Shape) != len(w.Values):
			return fmt.Errorf("its %s holds %d values for shape %v", name, len(w.Values), w.Shape)
		case last > 0 && w.Shape[rank-1] != last:
			return fmt.Errorf("its %s has shape %v, whose last dimension is not %d", name, w.Shape, last)
		}
		return nil
	}
	bias := func(n int) error {
		if !l.UseBias() {
			return nil
		}
		return want("bias", 1, n)
	}
	channels := 0
	if len(l.OutputShape) > 0 {
		channels = l.OutputShape[len(l.OutputShape)-1]
	}
	switch c := l.Config.(type) {
	case *keras.Conv2D:
		if err := want("kernel", 4, c.Filters); err != nil {
			return err
		}
		return bias(c.Filters)
	case *keras.Conv2DTranspose:
		if err := want("kernel", 4, 0); err != nil {
			return err
		}
		return bias(c.Filters)
	case *keras.DepthwiseConv2D:
		if err := want("depthwise_kernel", 4, max(c.DepthMultiplier, 1)); err != nil {
			return err
		}
		return bias(channels)
	case *keras.SeparableConv2D:
		if err := want("depthwise_kernel", 4, max(c.DepthMultiplier, 1)); err != nil {
			return err
		}
		if err := want("pointwise_kernel", 4, c.Filters); err != nil {
			return err
		}
		return bias(c.Filters)
	case *keras.Dense:
		if err := want("kernel", 2, c.Units); err != nil {
			return err
		}
		return bias(c.Units)
	case *keras.BatchNormalization:
		for _, w := range l.Weights {
			if len(w.Values) != channels {
				return fmt.Errorf("its %s has %d values for %d channels", w.Name, len(w.Values), channels)
			}
		}
	}
	return nil
}
