// Package verify proves a conversion: it runs the quantized Keras model
// (core/infer) and the Akida model converted from it (core/akida/sim) on
// the same seeded inputs and compares them layer by layer.
//
// What follows is the Akida 1.0 comparison (a cnn2snn-quantized model);
// v2.go describes the Akida 2.0 one (a quantizeml-quantized model), which
// Run chooses for an Akida 2.0 model and which fills the same Result.
//
// Each Akida layer is compared with the Keras tensor it stands for: the
// quantized activation that closes its block (Akida level n ↔ Keras n ×
// step), or, for a last layer without activation, the output of its
// neural layer (or pooling) before any final softmax (Akida p − T ↔ Keras
// value × act_step). Two comparisons are made:
//
//   - chained: the whole Akida model against the whole quantized Keras
//     model, each fed its own previous layer. Differences compound with
//     depth; the figures say how far the two models drift apart.
//   - isolated: each Akida layer alone, fed the Keras integer levels of the
//     layer before it, so that it sees exactly what its Keras block sees.
//     Here the converter's relation (conversion.md §7.5–§7.6) must hold
//     for every value: in potential units, the Akida potential p − T
//     stands above the Keras pre-activation x by r = th − ⌊th⌋, the
//     fraction cnn2snn's floor(threshold) drops — a per-neuron constant in
//     [0, 1). An Akida level may then exceed the Keras level only where a
//     level boundary lies in the interval [x, x + r) that the floor adds:
//     a boundary case (akida-arithmetic.md §4 "legacy thresholds are
//     floored (exact for the first level only)"). Such cases are counted;
//     any other difference (r outside [0, 1), r varying within a neuron,
//     an Akida level below the Keras one) is unexplained, and a conversion
//     with unexplained differences is not proved.
//
// How large the boundary rate is depends on the interval s (potential
// units per level): the floor moves a boundary by r < 1, so about r/s of
// the values crossing each boundary change level — under 0.1% only where
// s is in the hundreds. It is not a defect of the conversion but of
// cnn2snn's single floored threshold, which this port keeps (fidelity to
// cnn2snn first). With s ≥ 1 a boundary case is one level; below, up to
// ⌈1/s⌉.
//
// Top-1 agreement compares the argmax over the output channels, at every
// output position of every sample (per sample for the usual 1×1 output),
// ties going to the first channel: of Akida's predict and of the Keras
// output before a final softmax (monotonic, so the argmax is the same) for
// a last layer without activation, else of the levels. The float model
// (when the model was given float and quantized) is compared with Akida the
// same way.
//
// The Keras reference is the quantized model as the converter reads it
// (sequentialized and syncretized: Dropout removed, max pooling before the
// activation, BatchNormalization folded), so that every Akida layer's
// pooled pre-activation exists as a Keras tensor. The inputs are uniform
// integers over the Akida input range, given to Keras through the input
// scaling (inputs.go). A layer whose act_step or threshold cnn2snn clamped
// to the Akida 1.0 limits is named (Result.Clamped): the relation does not
// hold there by construction.
package verify

import (
	"errors"
	"fmt"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/convert"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Options are the inputs a verification runs on.
type Options struct {
	// Samples is the number of seeded inputs; 0 means DefaultSamples.
	Samples int `json:"samples"`
	// Seed seeds the PCG generator of the inputs; the same seed gives the
	// same inputs on every platform.
	Seed uint64 `json:"seed"`
	// Progress, when set, is called before each sample with the number of
	// samples done and the total, for a progress bar.
	Progress func(done, total int) `json:"-"`
}

// Sample counts.
const (
	DefaultSamples = 16
	// MaxSamples bounds a run: samples run one at a time, so memory does
	// not grow with the count, but time does (about a second per sample
	// for AkidaNet 0.25 at 224×224).
	MaxSamples = 10000
)

// Validate checks the sample count.
func (o Options) Validate() error {
	if o.Samples < 0 || o.Samples > MaxSamples {
		return fmt.Errorf("verify: %d samples requested: use 1 to %d (0 means %d)", o.Samples, MaxSamples, DefaultSamples)
	}
	return nil
}

func (o Options) samples() int {
	if o.Samples == 0 {
		return DefaultSamples
	}
	return o.Samples
}

// Models are what a verification compares: the Akida model and the
// cnn2snn-quantized Keras model it was converted from, with the input
// scaling the conversion used, and the float model the quantized one was
// made from, if any.
type Models struct {
	// Float is the user's float model; nil when the model was given
	// already quantized (there is then no float top-1 figure). Akida 1.0
	// only.
	Float *keras.Model
	// Quantized is the quantized Keras model that was converted: quantized
	// with cnn2snn for Akida 1.0, with quantizeml for Akida 2.0.
	Quantized *keras.Model
	// Akida is the conversion of Quantized.
	Akida *akida.Model
	// Scaling is the input scaling of the conversion (convert.Report);
	// Akida 1.0 only.
	Scaling convert.InputScaling
	// Blocks are the conversion's blocks (convert.Report.Blocks): for an
	// Akida 2.0 model they say which Keras layers make each Akida layer,
	// which pairs the two models' layers. Akida 2.0 only.
	Blocks []compat.Block
	// Recording is quantizeml's recording of Quantized
	// (keras.RecordQuantizeML) when the conversion made it already; nil:
	// the verification records it. Akida 2.0 only.
	Recording *keras.QMLRecording
}

// Result is what a verification found. Its JSON is the shape of
// `cnn2snn verify --json` and of the wasm API: samples, output_agreement,
// layers [{name, agreement, max_level_diff, …}], float_top1_agreement,
// plus the isolated figures that prove the conversion.
type Result struct {
	// Model is the Keras model's name.
	Model string `json:"model"`
	// Samples and Seed say which inputs ran.
	Samples int    `json:"samples"`
	Seed    uint64 `json:"seed"`
	// Target is the Akida version of the model compared: "v1" (a
	// cnn2snn-quantized Keras model against Akida 1.0 layers) or "v2" (a
	// quantizeml-quantized one against Akida 2.0 layers, v2.go).
	Target string `json:"target"`
	// Input says how the inputs were drawn and given to each model.
	Input Input `json:"input"`
	// OutputAgreement is the chained top-1 agreement of Akida with the
	// quantized Keras model: the share of output positions (samples, for
	// 1×1 outputs) whose argmax is the same.
	OutputAgreement float64 `json:"output_agreement"`
	// Layers compare every Akida layer but InputData, in model order.
	Layers []Layer `json:"layers"`
	// FloatTop1Agreement is the top-1 agreement of Akida with the float
	// model; null when the model was given quantized.
	FloatTop1Agreement *float64 `json:"float_top1_agreement"`
	// IsolatedOutputAgreement is the top-1 agreement of the last Akida
	// layer alone, fed the Keras levels of the layer before it.
	IsolatedOutputAgreement float64 `json:"isolated_output_agreement"`
	// Levels counts the activation values compared in the isolated run,
	// BoundaryCases those that differ by the documented floor effect, and
	// BoundaryRate is their ratio (0 when there are no levels).
	Levels        int     `json:"levels"`
	BoundaryCases int     `json:"boundary_cases"`
	BoundaryRate  float64 `json:"boundary_rate"`
	// Unexplained counts the isolated values that break the converter's
	// relation; Proved is true when there are none and every neuron's
	// floored fraction is constant (Layers[i].Isolated.Proved). For Akida
	// 2.0, Unexplained counts the isolated differences no named cause
	// explains, and Proved is true when there are none.
	Unexplained int  `json:"unexplained"`
	Proved      bool `json:"proved"`
	// Explained counts the isolated differences a named cause explains and
	// Causes lists the count of each cause, unexplained included (Akida
	// 2.0; v1 reports its one cause as BoundaryCases).
	Explained int     `json:"explained,omitempty"`
	Causes    []Cause `json:"causes,omitempty"`
	// Examples are the first unexplained differences, to start a debug.
	// (Akida 2.0: every layer's Isolated.Differences lists its first
	// differences, explained or not.)
	Examples []Difference `json:"unexplained_examples,omitempty"`
	// Clamped names the layers whose act_step or threshold sits at the
	// Akida 1.0 maximum (65535, 524287): cnn2snn's
	// fix_v1_activation_variables clamped them (conversion.md §7.8), which
	// breaks the exact relation in that layer (and, for act_step, in the
	// next one, whose weights it floor-divides). Notes say which.
	Clamped []string `json:"clamped,omitempty"`
	// Notes say what could not be compared and why.
	Notes []string `json:"notes,omitempty"`
}

// Input describes the seeded inputs.
type Input struct {
	// Shape is the Akida input shape (x, y, c) of one sample.
	Shape [3]int `json:"shape"`
	// Bits is the width of the Akida input integers (8 for images read by
	// an InputConvolutional, InputData's input_bits otherwise).
	Bits int `json:"bits"`
	// Scale and Shift are the input scaling: Akida input = Scale × Keras
	// input + Shift. With a Rescaling layer in the model (Source
	// "rescaling"), the Keras model takes the Akida integers as they are.
	Scale  float64 `json:"scale"`
	Shift  float64 `json:"shift"`
	Source string  `json:"source"`
	// Text says it in a sentence.
	Text string `json:"text"`
}

// Layer compares one Akida layer with its Keras tensor.
type Layer struct {
	// Name and Type are the Akida layer's; Keras is the Keras layer whose
	// output the Akida output stands for.
	Name  string `json:"name"`
	Type  string `json:"type"`
	Keras string `json:"keras_layer"`
	// Shape is the Akida output shape (x, y, neurons) of one sample.
	Shape [3]int `json:"shape"`
	// Activation tells whether the layer outputs levels (true) or
	// potentials p − T (the last layer without activation). Akida 2.0:
	// true for integer outputs (differences are in output integers, one
	// "level" per integer step), false for a Dequantizer's floats.
	Activation bool `json:"activation"`
	// Values is the number of output values compared (all samples).
	Values int `json:"values"`
	// Agreement is the chained share of values that agree: equal levels,
	// or for potentials, p − T within [x, x + 1) of the Keras value x in
	// potential units (what the floored threshold allows).
	Agreement float64 `json:"agreement"`
	// MaxLevelDiff is the chained largest |Akida − Keras| in levels, or in
	// potential units for potentials (Akida 2.0: in output integers, or
	// the float difference for a Dequantizer).
	MaxLevelDiff float64 `json:"max_level_diff"`
	// Isolated is the same layer fed the Keras levels of the layer before.
	Isolated Isolated `json:"isolated"`
}

// Isolated is the comparison of one Akida layer run alone on the Keras
// integer levels of the layer before it.
type Isolated struct {
	Agreement    float64 `json:"agreement"`
	MaxLevelDiff float64 `json:"max_level_diff"`
	// BoundaryCases counts the levels above Keras' explained by the
	// floored threshold (always 0 for potentials, which have no levels).
	BoundaryCases int `json:"boundary_cases"`
	// Unexplained counts the values that break the relation.
	Unexplained int `json:"unexplained"`
	// FloorFraction is the range [min, max] of r = (p − T) − x over all
	// values: the converter puts it in [0, 1).
	FloorFraction [2]float64 `json:"floor_fraction"`
	// FloorSpread is the largest range of r within one neuron: r is a
	// per-neuron constant, so only float32 rounding of the Keras
	// pre-activation may spread it (see RelationTolerance).
	FloorSpread float64 `json:"floor_spread"`
	// Interval is the range [min, max] over neurons of the activation
	// interval s in potential units (act_step · 2^(4 − act_bits)); with
	// s ≥ 1 a boundary case is one level, below 1 it can be several. For
	// potentials it is the range of act_step.
	Interval [2]float64 `json:"interval"`
	// Proved is true when every value satisfies the relation and r is
	// constant within each neuron. Akida 2.0: when every difference is
	// explained (FloorFraction, FloorSpread and Interval are v1 figures
	// and stay 0).
	Proved bool `json:"proved"`
	// Explained counts the differences a named cause explains, Causes the
	// count of each cause (unexplained included) and Differences lists
	// the first MaxLayerDifferences differences with their cause (Akida
	// 2.0).
	Explained   int          `json:"explained,omitempty"`
	Causes      []Cause      `json:"causes,omitempty"`
	Differences []Difference `json:"differences,omitempty"`
}

// Cause is one reason an Akida 2.0 layer's output differs from its Keras
// layer's, and how many values it explains (v2.go lists them).
type Cause struct {
	// Name is one of the Cause… constants.
	Name string `json:"name"`
	// Text says what the cause is, in a sentence.
	Text   string `json:"text"`
	Values int    `json:"values"`
}

// Difference is one unexplained isolated value.
type Difference struct {
	Layer string `json:"layer"`
	// Sample and Position (x, y, neuron) locate the value.
	Sample   int    `json:"sample"`
	Position [3]int `json:"position"`
	// KerasLevel and AkidaLevel are the levels (0 for potentials);
	// Potential is Akida's p − T and KerasPotential the Keras
	// pre-activation x in the same units; FloorFraction = Potential −
	// KerasPotential.
	KerasLevel     int     `json:"keras_level"`
	AkidaLevel     int     `json:"akida_level"`
	Potential      int32   `json:"potential"`
	KerasPotential float64 `json:"keras_potential"`
	FloorFraction  float64 `json:"floor_fraction"`
	Reason         string  `json:"reason"`
	// Cause names the explanation of an Akida 2.0 difference (a Cause…
	// constant); KerasLevel and AkidaLevel then hold the two integers, or
	// KerasFloat and AkidaFloat a Dequantizer's floats.
	Cause      string   `json:"cause,omitempty"`
	KerasFloat *float64 `json:"keras_float,omitempty"`
	AkidaFloat *float64 `json:"akida_float,omitempty"`
}

// The slack allowed on the floored fraction r = (p − T) − x, in potential
// units: the Keras pre-activation x is a float32 sum, so it carries
// rounding errors that the exact integer potential does not, in
// proportion to its size. The allowance is RelationTolerance +
// RelativeTolerance·|x|, for each value and for the spread of r within a
// neuron. Measured on the fixtures, the spread stays below 0.003 in the
// layers after the input layer, where |x| is at most a few thousand; in
// the input layers (a·sf near 10⁴ potential units per Keras unit, |x| up
// to 2·10⁵) it reaches 0.08, about 3·10⁻⁷ of |x| — 3 float32 ulps.
// RelativeTolerance is 8 ulps.
const (
	RelationTolerance = 0.01
	RelativeTolerance = 0x1p-20
)

// maxExamples bounds Result.Examples.
const maxExamples = 8

// ErrNotComparable is wrapped by the errors for models whose Akida and
// Keras layers cannot be paired.
var ErrNotComparable = errors.New("the Akida model and the Keras model cannot be compared layer by layer")
