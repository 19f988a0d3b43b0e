package compat

// Block is one Akida layer of the conversion plan and the Keras layers it is
// made of, in model order: for a convertible model exactly the layers that
// become (or are absorbed into, or removed next to) that Akida layer — e.g.
// Conv2D + BatchNormalization (folded) + MaxPooling2D + ReLU → one
// Convolutional. For a model that cannot convert, the grouping the
// generator would make, with the layers that have diagnostics listed in
// Incompatible.
type Block struct {
	// AkidaLayer is the Akida layer's name (the Keras neural layer's name;
	// for an InputData, the model name + "_input").
	AkidaLayer string `json:"akida_layer"`
	// AkidaType is the Akida layer type: InputData, InputConvolutional,
	// Convolutional, SeparableConvolutional or FullyConnected; "" when the
	// block starts with a layer that has no Akida equivalent.
	AkidaType string `json:"akida_type"`
	// KerasLayers are the Keras layers of the block, in model order.
	KerasLayers []string `json:"keras_layers"`
	// OutputShape is the Akida output shape (x, y, channels); nil when it is
	// not known.
	OutputShape []int `json:"output_shape"`
	// WeightBits and ActivationBits are the block's weight and activation
	// bit widths; 0 when the block has none (or is not quantized yet).
	WeightBits     int `json:"weight_bits"`
	ActivationBits int `json:"activation_bits"`
	// Activation tells whether the Akida layer ends with an activation (all
	// but the last layer of a convertible model do).
	Activation bool `json:"activation"`
	// Incompatible lists the Keras layers of the block that have
	// diagnostics; empty when the block converts.
	Incompatible []string `json:"incompatible_layers,omitempty"`
}
