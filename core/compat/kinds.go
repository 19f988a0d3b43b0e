package compat

import "github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"

// Layer kinds as cnn2snn's legacy path tells them apart. Neural layers are
// matched on the exact class (cnn2snn: type(layer) in neural_layers);
// activations, pools and the rest on the class or a subclass (isinstance),
// which for the classes core/keras types is the same thing.

// IsNeural reports a Keras Conv2D, SeparableConv2D or Dense, or cnn2snn's
// quantized versions of them: the layers that start an Akida layer.
func IsNeural(l *keras.Layer) bool { return IsConvNeural(l) || IsDenseNeural(l) }

// IsConvNeural reports a (Quantized)Conv2D or (Quantized)SeparableConv2D.
func IsConvNeural(l *keras.Layer) bool {
	switch l.Config.(type) {
	case *keras.Conv2D, *keras.SeparableConv2D, *keras.QuantizedConv2D, *keras.QuantizedSeparableConv2D:
		return true
	}
	return false
}

// IsDenseNeural reports a (Quantized)Dense.
func IsDenseNeural(l *keras.Layer) bool {
	switch l.Config.(type) {
	case *keras.Dense, *keras.QuantizedDense:
		return true
	}
	return false
}

// IsQuantizedNeural reports cnn2snn's QuantizedConv2D,
// QuantizedSeparableConv2D or QuantizedDense.
func IsQuantizedNeural(l *keras.Layer) bool {
	switch l.Config.(type) {
	case *keras.QuantizedConv2D, *keras.QuantizedSeparableConv2D, *keras.QuantizedDense:
		return true
	}
	return false
}

// IsActivation reports a Keras ReLU layer or one of cnn2snn's quantized
// activations (ActivationDiscreteRelu, QuantizedReLU). A Keras
// Activation("relu") layer is not one: cnn2snn treats it as a final
// activation.
func IsActivation(l *keras.Layer) bool {
	switch l.Config.(type) {
	case *keras.ReLU, *keras.ActivationDiscreteRelu, *keras.QuantizedReLU:
		return true
	}
	return false
}

// IsPooling reports a MaxPooling2D or GlobalAveragePooling2D, the two
// poolings an Akida 1.0 layer can hold.
func IsPooling(l *keras.Layer) bool {
	switch l.Config.(type) {
	case *keras.MaxPooling2D, *keras.GlobalAveragePooling2D:
		return true
	}
	return false
}

// IsDropout reports a Dropout layer or one of its Keras subclasses, which
// syncretize removes.
func IsDropout(l *keras.Layer) bool {
	if _, ok := l.Config.(*keras.Dropout); ok {
		return true
	}
	switch l.ClassName {
	case "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D":
		return l.Package == ""
	}
	return false
}

// isUnitDilation reports cnn2snn's test dilation_rate == (1, 1): a tuple of
// another length, such as a 1-D convolution's (1,), fails it too.
func isUnitDilation(d []int) bool { return len(d) == 2 && d[0] == 1 && d[1] == 1 }
