package quantize

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/infer"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/npy"
)

// quantizeml's calibrate (spec conversion-v2.md §4.3, §4.7; quantizeml
// 1.1.1 models/calibrate.py, layers/observer.py, models/random.py): the
// sanitized float model runs on the samples with an observer after each
// layer that has an output quantizer in the quantized model (and on the
// input for an InputQuantizer); each observer keeps an exponential moving
// average of the batch maxima; the ranges then go into the quantizers
// (qml_equalize.go).

// observerMomentum is quantizeml's Observer momentum; the update uses
// decay = 1 − momentum as a float32 (0.1f).
const observerDecay float32 = 1 - 0.9

// observer is an OutputObserver (abs: max |x|) or an InputObserver (max x
// and min x), per tensor or per channel of the last axis.
type observer struct {
	layer   string // the observed float layer (the input layer for an InputQuantizer)
	target  string // the quantized layer whose quantizer takes the range
	input   bool   // an InputObserver
	perAxis bool
	max     []float32 // range_max, initialised to 1
	min     []float32 // range_min (InputObserver), initialised to 1
}

// update is Observer.update_variable: while every element of the
// variable is still 1 it takes the new value, otherwise
// v ← v − (v − new)·decay, all in float32.
func updateVariable(v, next []float32) {
	fresh := true
	for _, x := range v {
		if x != 1 {
			fresh = false
			break
		}
	}
	for i := range v {
		if fresh {
			v[i] = next[i]
		} else {
			v[i] = v[i] - (v[i]-next[i])*observerDecay
		}
	}
}

// observe reduces a batch (batch first, channels last) and updates the
// observer.
func (o *observer) observe(t infer.Tensor) error {
	channels := 1
	if o.perAxis {
		if len(t.Shape) < 3 {
			return fmt.Errorf("OutputObserver cannot quantize per-axis tensors  with 2 dimensions or less.")
		}
		channels = t.Shape[len(t.Shape)-1]
	}
	if len(t.Data) == 0 {
		return fmt.Errorf("layer %s gave an empty output", o.layer)
	}
	hi := make([]float32, channels)
	lo := make([]float32, channels)
	for c := range hi {
		hi[c], lo[c] = float32(math.Inf(-1)), float32(math.Inf(1))
	}
	for i, x := range t.Data {
		if x != x || math.IsInf(float64(x), 0) {
			return fmt.Errorf("layer %s gave a value that is not finite (%v) on the calibration samples; check the model's weights and the samples", o.layer, x)
		}
		c := 0
		if o.perAxis {
			c = i % channels
		}
		if !o.input && x < 0 {
			x = -x
		}
		hi[c] = max(hi[c], x)
		lo[c] = min(lo[c], x)
	}
	updateVariable(o.max, hi)
	if o.input {
		updateVariable(o.min, lo)
	}
	return nil
}

// sampleArray is a user's calibration array, decoded.
type sampleArray struct {
	n      int       // rows (samples) decoded
	given  int       // rows in the file
	shape  []int     // one sample's shape
	values []float32 // n samples, C order
}

// npySamples decodes a .npy array of model inputs and checks it against
// the input shape want (without the batch dimension; −1 is any size).
func npySamples(data []byte, want []int) (*sampleArray, error) {
	a, err := npy.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("the calibration samples: %w", err)
	}
	if len(a.Shape) != len(want)+1 || !fits(a.Shape[1:], want) || a.Shape[0] == 0 {
		return nil, fmt.Errorf("the calibration samples have shape %s but the model takes %s: give an array of at least one model input, batch first",
			pyrepr.Tuple(a.Shape), pyrepr.BatchShape(want))
	}
	values, err := a.Float32s()
	if err != nil {
		return nil, fmt.Errorf("the calibration samples: %w", err)
	}
	return &sampleArray{n: a.Shape[0], given: a.Shape[0], shape: append([]int(nil), a.Shape[1:]...), values: values}, nil
}

// batchPlan is how tf_keras' predict(x, steps, batch_size) cuts an array
// of n samples (spec §4.7): quantizeml passes steps = num_samples when
// batch_size is None, ceil(num_samples / batch_size) otherwise; with no
// batch size Keras makes batches of ceil(n / steps). Batches follow the
// array order, the last one may be partial, and predict stops when the
// array or the steps run out.
type batchPlan struct {
	batch   int // samples per batch
	batches int // batches per epoch
}

func planBatches(n, numSamples, batchSize int) batchPlan {
	var steps, batch int
	if batchSize == 0 {
		steps = numSamples
		batch = (n + steps - 1) / steps
	} else {
		steps = (numSamples + batchSize - 1) / batchSize
		batch = batchSize
	}
	return batchPlan{batch: batch, batches: min(steps, (n+batch-1)/batch)}
}

// calibrate runs the float model on the samples, then sets the ranges.
func (q *qmlQuantizer) calibrate() error {
	observers := q.observers()
	if len(observers) == 0 {
		return nil
	}
	m, err := q.calibrationModel(observers)
	if err != nil {
		return err
	}
	src, err := q.sampleSource(m)
	if err != nil {
		return err
	}
	plan := planBatches(src.n, q.opts.Samples, q.opts.BatchSize)
	cal := q.report.QuantizeML.Calibration
	cal.Batch, cal.Batches, cal.Epochs = plan.batch, plan.batches, q.opts.Epochs
	cal.Text = cal.summary()
	total := plan.batches * q.opts.Epochs
	done := 0
	for range q.opts.Epochs {
		for b := range plan.batches {
			if err := q.opts.Context.Err(); err != nil {
				return fmt.Errorf("%w after %d of %d batches: %v", ErrCalibrationStopped, done, total, err)
			}
			if q.opts.Progress != nil {
				q.opts.Progress(done, total)
			}
			lo := b * plan.batch
			hi := min(lo+plan.batch, src.n)
			res, err := infer.Run(m, src.batch(lo, hi), infer.Options{})
			if err != nil {
				return fmt.Errorf("calibration: running the float model on samples %d to %d: %w", lo, hi-1, err)
			}
			for i, out := range res.Outputs {
				if err := observers[i].observe(out); err != nil {
					return fmt.Errorf("calibration: %w", err)
				}
			}
			done++
		}
	}
	if q.opts.Progress != nil {
		q.opts.Progress(total, total)
	}
	return q.setRanges(observers)
}

// observers returns one observer per quantizer of the quantized model, in
// its layer order (quantizeml's end_of_blocks).
func (q *qmlQuantizer) observers() []*observer {
	var out []*observer
	for _, l := range q.quant.m.Layers {
		if oq := l.OutputQuantizer(); oq != nil {
			n := 1
			if oq.PerAxis {
				n = l.OutputShape[len(l.OutputShape)-1]
			}
			out = append(out, &observer{layer: l.Name, target: l.Name, perAxis: oq.PerAxis, max: filled(n, 1)})
		}
		if iq, ok := l.Config.(*keras.QMLInputQuantizer); ok {
			n := 1
			if iq.PerAxis {
				n = l.OutputShape[len(l.OutputShape)-1]
			}
			out = append(out, &observer{layer: l.Inbound[0], target: l.Name, input: true, perAxis: iq.PerAxis,
				max: filled(n, 1), min: filled(n, 1)})
		}
	}
	return out
}

// calibrationModel is the sanitized float model, cut after the last
// observed layer, with the observed layers as its outputs. A Conv2D that
// pads with a value (quantizeml's PaddedConv2D, from align_rescaling) runs
// as Rescaling(offset −P) then the zero-padded Conv2D with Σ kernel·P
// added to its bias: the same outputs, with the layers core/infer runs.
// It is made from the run's sanitized float model itself, which nothing
// reads after the calibration (the quantized model is a copy of it), so
// that the float weights are not copied a third time.
func (q *qmlQuantizer) calibrationModel(observers []*observer) (*keras.Model, error) {
	g := q.float
	m := g.m
	for name, pv := range q.padding {
		l := g.layer(name)
		if l == nil {
			continue
		}
		kernel := l.Weight("kernel")
		cin := kernel.Shape[2]
		p, err := perChannel(pv, cin)
		if err != nil {
			return nil, fmt.Errorf("the padding value %v of %s: %w", pv, name, err)
		}
		foldOffset(l, p)
		offset := make([]float64, len(pv))
		for i, v := range pv {
			offset[i] = -v
		}
		r := g.newLayer(name+"/padding_value", "Rescaling", &keras.Rescaling{Scale: []float64{1}, Offset: offset}, g.inputShape(l))
		r.Inbound = l.Inbound
		l.Inbound = []string{r.Name}
		at := g.index(name)
		m.Layers = append(m.Layers[:at], append([]*keras.Layer{r}, m.Layers[at:]...)...)
	}
	m.Outputs = make([]string, len(observers))
	needed := map[string]bool{}
	for i, o := range observers {
		m.Outputs[i] = o.layer
		needed[o.layer] = true
	}
	// Keep the ancestors of the observed layers only.
	for i := len(m.Layers) - 1; i >= 0; i-- {
		if needed[m.Layers[i].Name] {
			for _, in := range m.Layers[i].Inbound {
				needed[in] = true
			}
		}
	}
	kept := m.Layers[:0]
	for _, l := range m.Layers {
		if needed[l.Name] {
			kept = append(kept, l)
		}
	}
	m.Layers = kept
	return m, nil
}

// samples gives the calibration batches.
type samples struct {
	n     int
	batch func(lo, hi int) infer.Tensor
}

// sampleSource returns the user's array or random samples drawn as
// quantizeml's generate_keras_random_samples draws them: integers uniform
// over the full range of the input's integer dtype, or for a float input
// over the range of QuantizationParams.input_dtype (uint8: 0…255). Choice:
// quantizeml seeds its generator with None (fresh entropy: every run
// differs); here a PCG generator seeded with CalibrationSeed makes runs
// repeatable.
func (q *qmlQuantizer) sampleSource(m *keras.Model) (*samples, error) {
	cal := q.report.QuantizeML.Calibration
	in := m.Layer(m.Inputs[0])
	shape := modelInputShape(in)
	if s := q.samples; s != nil {
		cal.Source, cal.Given = CalibrationNPY, s.given
		per := len(s.values) / s.n
		return &samples{n: s.n, batch: func(lo, hi int) infer.Tensor {
			return infer.Tensor{Shape: append([]int{hi - lo}, s.shape...), Data: s.values[lo*per : hi*per]}
		}}, nil
	}
	per := 1
	for _, d := range shape {
		if d <= 0 {
			return nil, fmt.Errorf("the model input %s has dimensions of unknown size: random samples cannot be drawn; give calibration samples (a .npy array)", pyrepr.BatchShape(shape))
		}
		if per > maxSeededValues/d {
			return nil, fmt.Errorf("the model input %s has more than %d values, too many for random samples; give calibration samples (a .npy array)", pyrepr.BatchShape(shape), maxSeededValues)
		}
		per *= d
	}
	dtype := q.opts.Params.InputDtype
	if c, ok := in.Config.(*keras.InputLayer); ok && c.Dtype != "" && !keras.IsFloatDtype(c.Dtype) {
		dtype = c.Dtype
	}
	lo, hi, ok := dtypeRange(dtype)
	if !ok {
		return nil, fmt.Errorf("the model input has dtype %s, for which random samples cannot be drawn; give calibration samples (a .npy array)", dtype)
	}
	cal.Source, cal.Seed = CalibrationSeeded, CalibrationSeed
	cal.Inputs = sprintf("integers %d…%d (%s)", lo, hi, dtype)
	rng := rand.New(rand.NewPCG(CalibrationSeed, CalibrationSeed))
	buf := make([]float32, 0, per)
	// Batches are drawn in order, each once per epoch: the generator
	// restarts with every epoch, since quantizeml draws its array once.
	next := 0
	return &samples{n: q.opts.Samples, batch: func(l, h int) infer.Tensor {
		if l == 0 && next != 0 {
			rng = rand.New(rand.NewPCG(CalibrationSeed, CalibrationSeed))
		}
		next = h
		buf = buf[:0]
		for range (h - l) * per {
			buf = append(buf, float32(lo+rng.Int64N(hi-lo+1)))
		}
		return infer.Tensor{Shape: append([]int{h - l}, shape...), Data: buf}
	}}, nil
}

// dtypeRange is the inclusive range of an integer dtype of up to 32 bits.
func dtypeRange(dtype string) (lo, hi int64, ok bool) {
	bits, signed, ok := keras.IntDtype(dtype)
	switch {
	case !ok || bits > maxInputDtypeBits:
		return 0, 0, false
	case signed:
		return -1 << (bits - 1), 1<<(bits-1) - 1, true
	}
	return 0, 1<<bits - 1, true
}
