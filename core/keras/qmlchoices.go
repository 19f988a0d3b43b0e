package keras

// Choices of the quantizeml recording (qmlarith.go, qmlquantizers.go,
// qmlrecord.go) where spec conversion-v2.md is silent or marks a point
// [INF]. Each names the code that makes it and the test that pins it.
//
//	R1  clog2 and floor_log2 use the exact float32 exponent (frexp), not
//	    TF's float32 log2 ratio, which can be off by one within an ulp of a
//	    power of two (spec §4.5, §4.7): QMLClog2, QMLFloorLog2,
//	    TestQMLClog2, TestQMLFloorLog2.
//	R2  Sums quantizeml reduces in float32 (max|W|, the LUT's max|y|) are
//	    exact here: a maximum has no rounding, so this is no divergence.
//	R3  Transcendental functions of the LUT activations (erf, exp) are
//	    computed in float64 and rounded to float32; every other operation
//	    of the activation is a float32 operation in TF's order. TF's kernels
//	    approximate erf and exp and may differ by an ulp, which moves a
//	    table entry only when it sits on a rounding tie: LUTActivation,
//	    TestLUTActivations, TestRecordLUTUnsignedInput.
//	R4  A float model input reaching a quantized layer other than an
//	    InputQuantizer is taken as uint8, the default quantization context's
//	    input_dtype (the file does not record the context): castFloat,
//	    TestRecordFloatInputCastToUint8.
//	R5  The GAP divides the scales by float32(H·W) (QFloat division by the
//	    element count; a FixedPoint input gets 1/(H·W)): recordGAP,
//	    TestRecordDepthwiseAddGAP.
//	R6  Concatenate gives per-channel frac bits (each input's broadcast to
//	    its channels), collapsed to one value when all are equal, and the
//	    widest input's value bits: recordConcatenate,
//	    TestRecordTransposeConcat, TestRecordConcatenateCollapses.
//	R7  A QFloat with per-channel scales entering a convolution, a dense
//	    layer, a Flatten/Reshape, an Add or a Concatenate is refused (those
//	    cannot carry per-input-channel scales; quantizeml places an output
//	    quantizer before them): accumulator, recordReshape, recordAdd.
//	R8  Keras (not quantizeml) layers whose inputs are all float — the float
//	    head after a Dequantizer, or a float layer on the float model input —
//	    get no record, and the forward pass runs them with the float
//	    inference; a Keras layer that receives a quantized tensor is refused
//	    (Dropout passes it through): RecordQuantizeML,
//	    TestRecordStopsAfterDequantizer, TestQMLFloatLayerBeforeInputQuantizer.
//	R9  A zero input_shift is recorded when the input has per-channel
//	    scales but one frac bit (quantizeml's per_tensor is false for it and
//	    it expands with shift 0); a per-tensor input records none:
//	    alignInput, TestRecordDepthwiseAddGAP (gap).
//	R10 Weight quantizers of more than 8 bits are refused (Akida weights
//	    are int8; QMLWeights holds int8): quantizeWeights, TestQuantizeWeights.
//	R11 An activation whose table is 0 everywhere (max|y| = 0) records a
//	    zero table and scale 0 where TF would divide 0 by 0: qmlLUT.
//	R12 An fp_quantizer kernel on a FixedPoint input leaves a FixedPoint
//	    accumulator, on which quantizeml's AlignedWeightQuantizer (the bias)
//	    refuses to align; the recording refuses it with that reason:
//	    recordNeural.
//
// Facts from the quantizeml 1.1.1 source that the spec leaves implicit,
// reproduced as they are:
//   - saturate() computes the upper bound 2^vb − 1 in float32, so from 25
//     value bits on it is 2^vb (QMLBounds, TestQMLBoundsFloat32);
//   - tensor_inputs skips the alignment of per-axis inputs only for the
//     classes named QuantizedDepthwiseConv2D, QuantizedExtractToken and
//     QuantizedReLU, so QuantizedDepthwiseConv2DTranspose aligns
//     (TestRecordTransposeConcat);
//   - an OutputQuantizer's "pointless" test compares the value bits of its
//     input before the promotion to its buffer (outputQuantizer);
//   - a QuantizedReLU turns a FixedPoint input into a QFloat with scale 1,
//     so its output quantizer computes integer scales (255 for a rate of 1).
