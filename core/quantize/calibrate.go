package quantize

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/infer"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/npy"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/transform"
)

// Extension (b) of this package (see the package doc): cnn2snn.quantize
// turns an unbounded ReLU into QuantizedReLU(bits) whose max_value is
// 2^bits − 1 (15 for 4 bits, step 1), whatever the range of the ReLU's
// outputs, which wastes most levels on small activations or clips large
// ones. Here the max_value is calibrated instead:
//
//   - the float model, after BatchNormalization folding and before
//     quantization (so each ReLU sees the inputs Akida will give it: after
//     the folded layer and after a max pooling moved before it), runs on a
//     calibration batch: the user's .npy batch (its first
//     maxCalibrationSamples inputs), or DefaultCalibrationSamples seeded
//     inputs (fewer for a large input) in the model's input range — integers 0…255 for an
//     image model (input of rank 3 with 1 or 3 channels, what Akida's
//     InputConvolutional reads), uniform floats in [0, 1) otherwise — drawn
//     from PCG seeded with CalibrationSeed, so the result is deterministic;
//   - each unbounded ReLU's max_value is the CalibrationPercentile-th
//     percentile of its outputs over the batch (all samples and positions
//     together, linear interpolation as numpy.percentile), rounded up to
//     two significant digits (3.17 → 3.2, 47.3 → 48), so that the report
//     shows a readable value and the rounding never clips the percentile.
//     The percentile rather than the maximum keeps a few outliers from
//     stretching the step of a 4-bit activation (15 levels).
//   - a ReLU whose outputs at that percentile are 0 takes its maximum
//     instead; one whose outputs are all 0 keeps cnn2snn's default.

// Calibration defaults.
const (
	DefaultCalibrationSamples = 16
	// CalibrationPercentile is the percentile of a ReLU's outputs taken as
	// its max_value.
	CalibrationPercentile = 99.99
	// CalibrationSeed seeds the PCG generator of the seeded inputs (small
	// enough to stay exact in a JavaScript number).
	CalibrationSeed uint64 = 0xA1D4
)

// Sources of the calibration batch.
const (
	CalibrationNPY    = "npy"
	CalibrationSeeded = "seeded"
)

// Calibration describes the calibration of unbounded ReLUs.
type Calibration struct {
	// Source is CalibrationNPY (the user's batch) or CalibrationSeeded.
	Source string `json:"source"`
	// Samples is the number of inputs the model ran on; Given, when
	// larger, the number in the user's batch (only the first
	// maxCalibrationSamples are used).
	Samples int `json:"samples"`
	Given   int `json:"given,omitempty"`
	// Inputs describes the seeded inputs ("integers 0…255", "uniform
	// [0, 1)"); empty for a .npy batch.
	Inputs string `json:"inputs,omitempty"`
	// Seed is the generator's seed for seeded inputs.
	Seed uint64 `json:"seed,omitempty"`
	// Percentile is the percentile of the outputs taken (99.99).
	Percentile float64 `json:"percentile"`
	// ReLUs are the calibrated layers, in model order.
	ReLUs []ReLUCalibration `json:"relus"`
	// Error is why the calibration failed, if it did (the ReLUs then keep
	// cnn2snn's default max_value).
	Error string `json:"error,omitempty"`
	// Text says it in a sentence.
	Text string `json:"text"`
}

// ReLUCalibration is what one ReLU's outputs gave.
type ReLUCalibration struct {
	Layer string `json:"layer"`
	// Outputs is the number of output values seen.
	Outputs int `json:"outputs"`
	// Percentile is the value of the percentile; Max the largest output.
	Percentile float64 `json:"percentile"`
	Max        float64 `json:"max"`
	// MaxValue is the max_value chosen; 0 when the outputs were all 0 and
	// cnn2snn's default was kept.
	MaxValue float64 `json:"max_value"`
}

// needsCalibration reports whether a ReLU will be quantized without a
// max_value of its own.
func (q *quantizer) needsCalibration(layers []*keras.Layer) bool {
	return len(unboundedReLUs(layers, q.opts.ActivationBits)) > 0
}

// unboundedReLUs returns the positions of the Keras ReLUs that quantize
// gives a QuantizedReLU with no max_value of their own.
func unboundedReLUs(layers []*keras.Layer, bits int) []int {
	if bits == 0 {
		return nil
	}
	var out []int
	for i, l := range layers {
		if c, ok := l.Config.(*keras.ReLU); ok && c.MaxValue == nil && c.Threshold == 0 {
			out = append(out, i)
		}
	}
	return out
}

// calibrate returns the calibrated max_value of each unbounded ReLU of the
// sequence, by name. On failure it records the reason in the report and
// returns an error saying what to do.
func (q *quantizer) calibrate(seq *transform.Sequence) (map[string]float64, error) {
	positions := unboundedReLUs(seq.Layers, q.opts.ActivationBits)
	names := make([]string, len(positions))
	for i, p := range positions {
		names[i] = seq.Layers[p].Name
	}
	cal := &Calibration{Percentile: CalibrationPercentile, ReLUs: []ReLUCalibration{}}
	q.report.Calibration = cal
	values, err := q.runCalibration(seq, positions, names, cal)
	if err != nil {
		remedy := "give a calibration batch of model inputs (a .npy file, batch first)"
		if cal.Source == CalibrationNPY {
			remedy = "check the calibration batch"
		}
		err = fmt.Errorf("cannot calibrate the unbounded ReLUs (%s) of %s: %w; %s or set max_value on these ReLUs",
			strings.Join(names, ", "), modelLabel(q.model.Name), err, remedy)
		cal.Error = err.Error()
		cal.Text = "calibration failed: " + cal.Error
		return nil, err
	}
	cal.Text = cal.summary(len(names))
	return values, nil
}

func (q *quantizer) runCalibration(seq *transform.Sequence, positions []int, names []string, cal *Calibration) (map[string]float64, error) {
	batch, err := q.calibrationBatch(seq.Input, cal)
	if err != nil {
		return nil, err
	}
	// The float model up to the last ReLU to calibrate, with those ReLUs
	// as its outputs (infer keeps model outputs and frees the rest).
	m := sequentialModel(q.model, seq.Input, seq.Layers[:positions[len(positions)-1]+1])
	m.Outputs = names
	tops := make([]*topValues, len(names))
	for i := range batch.n {
		res, err := infer.Run(m, batch.sample(i), infer.Options{})
		if err != nil {
			return nil, fmt.Errorf("running the float model on calibration sample %d: %w", i, err)
		}
		for j, out := range res.Outputs {
			if tops[j] == nil {
				tops[j] = newTopValues(len(out.Data)*batch.n, CalibrationPercentile)
			}
			if err := tops[j].add(out.Data); err != nil {
				return nil, fmt.Errorf("the outputs of ReLU %s on the calibration batch %w; check the model's weights and the calibration inputs", names[j], err)
			}
		}
	}
	values := make(map[string]float64, len(names))
	for j, name := range names {
		rc, err := tops[j].calibration(name)
		if err != nil {
			return nil, err
		}
		cal.ReLUs = append(cal.ReLUs, rc)
		if rc.MaxValue > 0 {
			values[name] = rc.MaxValue
		}
	}
	return values, nil
}

// calibrationBatch is the batch the model is calibrated on, one sample at
// a time.
type calibrationBatch struct {
	n      int
	sample func(i int) infer.Tensor // sample i, with a batch dimension of 1
	given  int                      // the samples in the user's batch (≥ n)
}

// calibrationBatch returns the user's batch (decoded by Model) or the
// seeded one.
func (q *quantizer) calibrationBatch(input *keras.Layer, cal *Calibration) (*calibrationBatch, error) {
	if q.batch != nil {
		cal.Source, cal.Samples = CalibrationNPY, q.batch.n
		if q.batch.given > q.batch.n {
			cal.Given = q.batch.given
		}
		return q.batch, nil
	}
	cal.Source = CalibrationSeeded
	return seededBatch(modelInputShape(input), q.opts.CalibrationSamples, cal)
}

// modelInputShape is the input's shape without the batch dimension, from
// the InputLayer config when it has one.
func modelInputShape(input *keras.Layer) []int {
	if c, ok := input.Config.(*keras.InputLayer); ok && len(c.BatchShape) > 1 {
		return c.BatchShape[1:]
	}
	return input.OutputShape
}

// npyBatch decodes a .npy batch and checks it against the model input
// shape want (without the batch dimension; -1 is any size).
func npyBatch(data []byte, want []int) (*calibrationBatch, error) {
	a, err := npy.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("the calibration batch: %w", err)
	}
	if len(a.Shape) != len(want)+1 || !fits(a.Shape[1:], want) || a.Shape[0] == 0 {
		return nil, fmt.Errorf("the calibration batch has shape %s but the model takes %s: give a batch of at least one model input, batch first",
			pyrepr.Tuple(a.Shape), pyrepr.BatchShape(want))
	}
	given := a.Shape[0]
	// The calibration runs the model once per sample: a larger batch adds
	// time, not precision, so only its first inputs are used, and only
	// those are converted to float32 (npy.Decode has checked that Data
	// holds exactly the elements of Shape).
	n := min(given, maxCalibrationSamples)
	head := &npy.Array{Shape: append([]int{n}, a.Shape[1:]...), Descr: a.Descr, Data: a.Data[:len(a.Data)/given*n]}
	values, err := head.Float32s()
	if err != nil {
		return nil, fmt.Errorf("the calibration batch: %w", err)
	}
	per := len(values) / n
	shape := append([]int{1}, a.Shape[1:]...)
	return &calibrationBatch{n: n, given: given, sample: func(i int) infer.Tensor {
		return infer.Tensor{Shape: shape, Data: values[i*per : (i+1)*per]}
	}}, nil
}

// fits reports whether got matches want, where -1 in want is any size.
func fits(got, want []int) bool {
	for i, d := range want {
		if d != -1 && d != got[i] {
			return false
		}
	}
	return true
}

// Bounds on the seeded batch, which the model's few config bytes (its
// input shape) would otherwise size: one sample holds at most
// maxSeededValues values (a 640×480×3 image is 921,600), and the batch at
// most seededBatchValues, so a large input is calibrated on fewer samples
// (16 of 224×224×3, 4 of 640×480×3). A user's .npy batch is the user's
// own data and is not bounded here.
const (
	maxSeededValues   = 1 << 20
	seededBatchValues = 1 << 22
)

// seededBatch draws n inputs in the model's input range (fewer for a large
// input, see seededBatchValues).
func seededBatch(want []int, n int, cal *Calibration) (*calibrationBatch, error) {
	if n == 0 {
		n = DefaultCalibrationSamples
	}
	per := 1
	for _, d := range want {
		if d <= 0 {
			return nil, fmt.Errorf("the model input %s has dimensions of unknown size, so seeded inputs cannot be drawn", pyrepr.BatchShape(want))
		}
		if per > maxSeededValues/d {
			return nil, fmt.Errorf("the model input %s has more than %d values, too many for seeded inputs", pyrepr.BatchShape(want), maxSeededValues)
		}
		per *= d
	}
	n = min(n, max(seededBatchValues/per, 1))
	image := len(want) == 3 && (want[2] == 1 || want[2] == 3)
	cal.Samples, cal.Seed = n, CalibrationSeed
	cal.Inputs = "uniform floats in [0, 1)"
	if image {
		cal.Inputs = "integers 0…255 for an image input"
	}
	rng := rand.New(rand.NewPCG(CalibrationSeed, CalibrationSeed))
	shape := append([]int{1}, want...)
	data := make([]float32, per)
	// Samples are drawn in the order they are asked for (0, 1, 2 …), one
	// buffer reused, so the batch costs one sample of memory.
	return &calibrationBatch{n: n, sample: func(int) infer.Tensor {
		for j := range data {
			if image {
				data[j] = float32(rng.IntN(256))
			} else {
				data[j] = rng.Float32()
			}
		}
		return infer.Tensor{Shape: shape, Data: data}
	}}, nil
}

// topValues keeps the largest values of a stream of n values, as many as
// the percentile needs, so that a ReLU's percentile is exact without
// holding all its outputs (a 128×128×16 ReLU gives 4M values on 16
// samples; the 99.99th percentile needs the top 420).
type topValues struct {
	n, seen    int
	percentile float64
	k          int
	heap       []float32 // a min-heap of the k largest values seen
	max        float32
}

func newTopValues(n int, percentile float64) *topValues {
	lo, _, _ := percentileRank(n, percentile)
	k := max(n-lo, 1)
	// The heap grows as values come (a few thousand for the 99.99th
	// percentile of a large layer): no allocation up front beyond a start.
	return &topValues{n: n, percentile: percentile, k: k, heap: make([]float32, 0, min(k, 1024))}
}

// percentileRank is numpy's linear method: the value at rank
// r = p/100·(n−1) of the sorted values, interpolated between ranks lo and
// hi = lo+1 (both clamped to n−1) with weight frac.
func percentileRank(n int, percentile float64) (lo, hi int, frac float64) {
	r := percentile / 100 * float64(n-1)
	lo = int(math.Floor(r))
	hi = min(lo+1, n-1)
	return lo, hi, r - float64(lo)
}

func (t *topValues) add(values []float32) error {
	for _, v := range values {
		if v != v || math.IsInf(float64(v), 0) {
			return fmt.Errorf("are not finite (%v)", v)
		}
		t.max = max(t.max, v)
		switch {
		case len(t.heap) < t.k:
			t.heap = append(t.heap, v)
			t.siftUp(len(t.heap) - 1)
		case v > t.heap[0]:
			t.heap[0] = v
			t.siftDown(0)
		}
	}
	t.seen += len(values)
	return nil
}

func (t *topValues) siftUp(i int) {
	h := t.heap
	for i > 0 {
		p := (i - 1) / 2
		if h[p] <= h[i] {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (t *topValues) siftDown(i int) {
	h := t.heap
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h[c+1] < h[c] {
			c++
		}
		if h[i] <= h[c] {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// value returns the percentile of the n values seen.
func (t *topValues) value() float64 {
	desc := slices.Clone(t.heap)
	slices.SortFunc(desc, func(a, b float32) int { return compareDesc(a, b) })
	lo, hi, frac := percentileRank(t.n, t.percentile)
	// Ascending rank i is descending index n−1−i, within the top k.
	a, b := float64(desc[t.n-1-lo]), float64(desc[t.n-1-hi])
	return a + frac*(b-a)
}

func compareDesc(a, b float32) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// calibration chooses the ReLU's max_value.
func (t *topValues) calibration(layer string) (ReLUCalibration, error) {
	if t == nil || t.seen != t.n || t.n == 0 {
		return ReLUCalibration{}, fmt.Errorf("ReLU %s gave no output on the calibration batch", layer)
	}
	rc := ReLUCalibration{Layer: layer, Outputs: t.n, Percentile: t.value(), Max: float64(t.max)}
	switch {
	case rc.Percentile > 0:
		rc.MaxValue = roundUpTwoDigits(rc.Percentile)
	case rc.Max > 0:
		rc.MaxValue = roundUpTwoDigits(rc.Max)
	}
	return rc, nil
}

// roundUpTwoDigits rounds v > 0 up to two significant decimal digits:
// 3.17 → 3.2, 47.3 → 48, 0.0123 → 0.013, 6 → 6. A value within float32
// precision of a two-digit number (3.2000000476837, float32 3.2) is that
// number, not the next one up.
func roundUpTwoDigits(v float64) float64 {
	e := int(math.Floor(math.Log10(v))) - 1
	scaled := v / math.Pow10(e) // in [10, 100)
	digits := math.Ceil(scaled * (1 - 1e-6))
	// Parsing "32e-1" gives the float64 closest to 3.2 (32 × 0.1 would not).
	f, err := strconv.ParseFloat(strconv.Itoa(int(digits))+"e"+strconv.Itoa(e), 64)
	if err != nil {
		return v
	}
	return f
}

// summary is the calibration's sentence.
func (c *Calibration) summary(relus int) string {
	on := sprintf("%d inputs from the calibration batch", c.Samples)
	if c.Given > c.Samples {
		on += sprintf(" (the first %d of its %d)", c.Samples, c.Given)
	}
	if c.Source == CalibrationSeeded {
		on = sprintf("%d seeded inputs (%s, PCG seed %d)", c.Samples, c.Inputs, c.Seed)
	}
	return sprintf("calibrated the max_value of %d unbounded ReLU(s) on %s: the %sth percentile of each ReLU's outputs, rounded up to two significant digits (extension: cnn2snn.quantize uses 2^bits − 1)",
		relus, on, pyrepr.Float(c.Percentile))
}

// describe says how a ReLU's max_value was calibrated.
func (c *Calibration) describe(layer string) string {
	if c == nil {
		return ""
	}
	on := sprintf("on %d inputs from the calibration batch", c.Samples)
	if c.Source == CalibrationSeeded {
		on = sprintf("on %d seeded inputs", c.Samples)
	}
	for _, r := range c.ReLUs {
		if r.Layer != layer {
			continue
		}
		stat := sprintf("%sth percentile %.4g", pyrepr.Float(c.Percentile), r.Percentile)
		if r.Percentile <= 0 {
			stat = sprintf("maximum %.4g: the %sth percentile is 0", r.Max, pyrepr.Float(c.Percentile))
		}
		return sprintf("%s (%s of %d outputs, maximum %.4g)", on, stat, r.Outputs, r.Max)
	}
	return on
}

// defaultReason says why a ReLU kept cnn2snn's default max_value.
func (c *Calibration) defaultReason(layer string) string {
	switch {
	case c == nil:
		return ": not calibrated because the model has problems to fix first"
	case c.Error != "":
		return ": the calibration failed"
	}
	for _, r := range c.ReLUs {
		if r.Layer == layer && r.MaxValue == 0 {
			return ": its outputs were all 0 on the calibration batch"
		}
	}
	return ""
}
