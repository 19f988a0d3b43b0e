package verify

import (
	"math"
)

// tally accumulates the comparison of one Akida layer over the samples.
type tally struct {
	values, agree int
	maxDiff       float64
	// Isolated only: boundary cases, unexplained values, and the range of
	// the floored fraction r, overall and per neuron.
	boundary, unexplained int
	rMin, rMax            float64
	neuronMin, neuronMax  []float64
	neuronAbs             []float64 // largest |x| per neuron, for its tolerance
}

// neurons prepares the per-neuron ranges of r.
func (t *tally) neurons(n int) {
	t.rMin, t.rMax = math.Inf(1), math.Inf(-1)
	t.neuronMin, t.neuronMax, t.neuronAbs = make([]float64, n), make([]float64, n), make([]float64, n)
	for f := range n {
		t.neuronMin[f], t.neuronMax[f] = math.Inf(1), math.Inf(-1)
	}
}

// levels compares chained Akida levels with Keras levels.
func (t *tally) levels(akidaLevels, kerasLevels []int32) {
	for i, a := range akidaLevels {
		t.values++
		if a == kerasLevels[i] {
			t.agree++
		}
		t.maxDiff = max(t.maxDiff, math.Abs(float64(a-kerasLevels[i])))
	}
}

// potentials compares chained Akida potentials p − T with the Keras
// values x in potential units: they agree when p − T lies in [x, x + 1),
// all that the floored threshold allows.
func (t *tally) potentials(b *block, potentials []int32, kerasValues []float32) {
	f := len(b.perUnit)
	for i, d := range potentials {
		t.values++
		x := b.kerasPotential(kerasValues[i], i%f)
		r := float64(d) - x
		if related(r, x) {
			t.agree++
		}
		t.maxDiff = max(t.maxDiff, math.Abs(r))
	}
}

// related tells whether the floored fraction r of a value whose Keras
// pre-activation is x satisfies the converter's relation r ∈ [0, 1),
// within tolerance(x).
func related(r, x float64) bool {
	tol := tolerance(x)
	return r >= -tol && r < 1+tol
}

// tolerance is the slack allowed on r for a Keras pre-activation of x
// potential units: RelationTolerance, plus RelativeTolerance of |x| for
// the rounding of the float32 sums, which grows with their size.
func tolerance(x float64) float64 {
	return RelationTolerance + RelativeTolerance*math.Abs(x)
}

// floorFraction records r for neuron f and reports whether it is related.
func (t *tally) floorFraction(r, x float64, f int) bool {
	t.rMin, t.rMax = min(t.rMin, r), max(t.rMax, r)
	t.neuronMin[f], t.neuronMax[f] = min(t.neuronMin[f], r), max(t.neuronMax[f], r)
	t.neuronAbs[f] = max(t.neuronAbs[f], math.Abs(x))
	return related(r, x)
}

// levelsAlone compares the levels of an Akida layer run alone with the
// Keras levels: equal, a boundary case (the relation holds and Akida is
// above Keras: every boundary between them lies in the interval [x, x + r)
// the floor adds), or unexplained.
func (t *tally) levelsAlone(b *block, akidaLevels, potentials, kerasLevels []int32, pre []float32, sample int, v *verifier) {
	f := len(b.perUnit)
	for i, a := range akidaLevels {
		t.values++
		k := kerasLevels[i]
		x := b.kerasPotential(pre[i], i%f)
		r := float64(potentials[i]) - x
		t.maxDiff = max(t.maxDiff, math.Abs(float64(a-k)))
		reason := ""
		switch {
		case !t.floorFraction(r, x, i%f):
			reason = "p − T is not within [x, x + 1) of the Keras pre-activation x"
		case a < k:
			reason = "the Akida level is below the Keras level (a floored threshold only raises levels)"
		case a > k:
			t.boundary++
		default:
			t.agree++
		}
		if reason != "" {
			t.unexplained++
			v.example(b.difference(sample, i, int(k), int(a), potentials[i], x, reason))
		}
	}
}

// potentialsAlone compares the potentials p − T of a last layer without
// activation, run alone, with the Keras values: the relation must hold.
func (t *tally) potentialsAlone(b *block, potentials []int32, pre []float32, sample int, v *verifier) {
	f := len(b.perUnit)
	for i, d := range potentials {
		t.values++
		x := b.kerasPotential(pre[i], i%f)
		r := float64(d) - x
		t.maxDiff = max(t.maxDiff, math.Abs(r))
		if t.floorFraction(r, x, i%f) {
			t.agree++
			continue
		}
		t.unexplained++
		v.example(b.difference(sample, i, 0, 0, d, x, "p − T is not within [x, x + 1) of the Keras value x"))
	}
}

// difference describes value i of a sample.
func (b *block) difference(sample, i, kerasLevel, akidaLevel int, d int32, x float64, reason string) Difference {
	f := b.shape[2]
	cell := i / f
	return Difference{
		Layer: b.layer.Name, Sample: sample, Position: [3]int{cell / b.shape[1], cell % b.shape[1], i % f},
		KerasLevel: kerasLevel, AkidaLevel: akidaLevel, Potential: d, KerasPotential: x, FloorFraction: float64(d) - x,
		Reason: reason,
	}
}

// share is agree / values, or 0 with no values.
func (t *tally) share() float64 {
	if t.values == 0 {
		return 0
	}
	return float64(t.agree) / float64(t.values)
}

// summary is the isolated comparison of a layer.
func (t *tally) summary(b *block) Isolated {
	s := Isolated{
		Agreement: t.share(), MaxLevelDiff: t.maxDiff,
		BoundaryCases: t.boundary, Unexplained: t.unexplained,
	}
	if t.values > 0 {
		s.FloorFraction = [2]float64{t.rMin, t.rMax}
	}
	constant := true
	for f := range t.neuronMin {
		if t.neuronMax[f] >= t.neuronMin[f] {
			spread := t.neuronMax[f] - t.neuronMin[f]
			s.FloorSpread = max(s.FloorSpread, spread)
			constant = constant && spread <= tolerance(t.neuronAbs[f])
		}
	}
	s.Interval = [2]float64{math.Inf(1), 0}
	for _, v := range b.interval {
		s.Interval[0], s.Interval[1] = min(s.Interval[0], v), max(s.Interval[1], v)
	}
	s.Proved = t.unexplained == 0 && constant
	return s
}

// top1 counts output positions whose argmax over the channels agree.
type top1 struct {
	agree, total int
}

// add compares two outputs of one sample, position by position, each
// position holding f channels. Ties go to the first channel, on both sides.
func (t *top1) add(a, b []float64, f int) {
	for i := 0; i+f <= len(a) && i+f <= len(b); i += f {
		t.total++
		if argmax(a[i:i+f]) == argmax(b[i:i+f]) {
			t.agree++
		}
	}
}

func (t *top1) share() float64 {
	if t.total == 0 {
		return 0
	}
	return float64(t.agree) / float64(t.total)
}

func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func int32Floats(v []int32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func float32Floats(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
