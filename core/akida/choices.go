package akida

// Choices this package makes where no public source (no Akida 2.0 .fbz
// file, no akida engine source) settles what akida does. Each names the code
// that makes it and the test that pins it.
//
//	Layer type numbers (layertype.go, TestLayerTypeTable). The values of
//	    akida's C++ header akida/layer_params.h (fbz-format.md §5.7,
//	    conversion-v2.md V14) are taken as the numbers the .fbz stores, as
//	    the Akida 1.0 values 1–5 are. PicoPostProcessing is not in that
//	    header: it gets no number and cannot be built or written; a file
//	    with a number this package does not know decodes to LayerType(n) and
//	    is written back unchanged.
//	Element type codes (variable.go elementTypes, TestElementTypeCodes,
//	    TestUnverifiedAndIPVersion). uint8 = 2, int16 = 4 and int2 = 5 are
//	    inferred and reported by Model.Unverified. Akida 2.0 int8 variables
//	    (bias, output_shift, …) use code 3, the 8-bit weights code, and
//	    Akida 2.0 weights take the code of their weights_bits (7 for 4 bits)
//	    as Akida 1.0 weights do (VariableShape).
//	Akida 2.0 variable shapes (v2variables.go v2Variables,
//	    TestV2ModelVariables). cnn2snn only fixes element counts; the shapes
//	    are the Keras layouts of conversion-v2.md V13: kernels (k, k, in,
//	    out) — the transposed ones too, after quantizeml's transposition —,
//	    depthwise kernels (k, k, C, 1), Dense1D (in, units) over the
//	    flattened input, DepthwiseBufferTempConv (1, 1, T, C), vectors per
//	    output channel, input_shift and padding_value per input channel,
//	    Dense1D's input_shift per flattened input value (V6), lut_values
//	    2048 entries (an 11-bit input). BufferTempConv weights and the
//	    StatefulRecurrent variables have no documented shape: only their
//	    element types are checked.
//	Akida 2.0 variable element types (v2Variables). output_scales and
//	    activation_scales are uint8 (cnn2snn 2.18.2's cast; 2.19.1 casts to
//	    the akida variable's own dtype, which no source names).
//	Which variables a v2 layer has (Model.Check, TestCheckV2Variables).
//	    Check refuses names its type does not have, but requires none:
//	    akida creates a layer's variables when it is added, and which of
//	    them it saves when cnn2snn set none is unknown.
//	Broadcast (SetValues, TestSetValuesBytes, TestSetValuesErrors). One
//	    value fills a variable, except weights and bias, as cnn2snn's
//	    broadcast_and_set_variable does (conversion-v2.md §2.0).
//	Shapes (shape.go, TestAkida2ConvShapes, TestAkida2GraphShapeErrors).
//	    Keras padding rules; the pool uses the layer's padding; a negative
//	    pool stride means the pool size; Average pooling is global;
//	    SameUpper is sized as Same; the transposed convolutions double the
//	    spatial size (stride 2, Same); BufferTempConv keeps it; Concatenate
//	    takes exactly two inbounds (akida's docstring speaks of two inputs);
//	    an InputData fed by a Quantizer must describe the Quantizer's
//	    output. A StatefulRecurrent's shape is not derived (its time layout
//	    is undocumented), so Model.Check skips the shape checks of a model
//	    that has one.
//	Summary (summary.go, TestSummaryOfAkida2Models). Akida 2.0 rows use the
//	    Akida 1.0 columns with the full class name, as a third-party paste
//	    of a real v2 summary shows (fbz-format.md §7); layers without
//	    weights print N/A; InputData counts in "Layers" without a row, also
//	    after a Quantizer; a graph prints its layers in model order in one
//	    software sequence, without an inbound column.
//	StatefulRecurrent keys (layertype.go). The wrapper's source stores
//	    downshape and upshape, which the signature in the docs lacks; the
//	    source is followed.
