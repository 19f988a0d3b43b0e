package quantize

// The choices of the quantizeml mode where quantizeml 1.1.1 or the spec
// leave a point open (conversion-v2.md §4.6, [INF] marks), each pinned by
// a test (qml_test.go, qml_calibrate_test.go, core/flow_test.go):
//
//   - Random calibration samples are drawn from a PCG generator seeded
//     with CalibrationSeed, integers uniform over the input dtype's range
//     as quantizeml draws them; quantizeml seeds with None, so its runs
//     differ from one another (and from this tool's). The same samples are
//     drawn again for each epoch, as quantizeml draws its array once.
//   - DefaultQMLRandomSamples = 128 random samples, not quantizeml's 1024
//     (see the constant); with a calibration array num_samples is
//     quantizeml's 1024, so that the tool batches the array as quantizeml
//     does.
//   - floor(log2 x) and ceil(log2 x) use the exact binary exponent, not a
//     float32 logarithm that can be one off within an ulp of a power of
//     two (as keras.QMLClog2).
//   - Σ kernel·offset (align_rescaling, the InputQuantizer's zero point) is
//     summed in float64 and rounded once to float32; numpy's pairwise
//     float32 sum may differ in the last bit.
//   - The arg_constraints refusal of a ReLU prints the allowed values as
//     "[0]"; quantizeml's exact rendering of its constraint list was not
//     read.
//   - The unsigned-input refusal names the classes as "(Conv2D,
//     BufferTempConv, Dense, StatefulProjection)"; quantizeml prints the
//     Python classes' reprs.
//   - convert_even_to_odd_kernel leaves Conv2DTranspose layers alone
//     (quantizeml matches them too, as a Conv2D subclass, and pads their
//     kernel the same way, which does not keep a transposed convolution's
//     function).
//   - insert_identity_convs' fourth pass (a skip whose two inputs are the
//     same tensor) is not applied: in quantizeml 1.1.1 it reads
//     output_shape[0][-1], the batch dimension, fails and is skipped by
//     safe_fail.
//   - Transforms that quantizeml's safe_fail would skip silently are
//     skipped too, with a warning in the report that says why.
//   - Extensions (each reported with Extension set): see qml_extend.go and
//     dropZeroPaddingValues.
