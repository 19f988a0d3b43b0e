package quantize

import (
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Report says what the quantization did, as structured actions (for the
// UI and the JSON reports) each with a sentence (for the CLI).
type Report struct {
	// Model is the Keras model's name.
	Model string `json:"model"`
	// Origin is "float" for a float model, "cnn2snn" for a model already
	// quantized with cnn2snn (re-quantized).
	Origin string `json:"origin"`
	// Mode is ModeCNN2SNN (cnn2snn.quantize, for Akida 1.0) or
	// ModeQuantizeML (quantizeml.quantize, for Akida 2.0).
	Mode string `json:"mode"`
	// Bits are the bit widths used.
	Bits Bits `json:"bits"`
	// Actions are the changes made, in the order they were made.
	Actions []Action `json:"actions"`
	// Calibration describes how unbounded ReLUs were calibrated; nil when
	// no ReLU needed it.
	Calibration *Calibration `json:"calibration,omitempty"`
	// Changed names the layers the quantization changed, removed or added,
	// in the order of the actions.
	Changed []string `json:"changed"`
	// QuantizeML is what the quantizeml mode did beyond the actions (its
	// parameters, quantizers, calibration and warnings); nil in the
	// cnn2snn mode.
	QuantizeML *QuantizeMLReport `json:"quantizeml,omitempty"`
}

// Bits are the bit widths of a quantization (0 = left float).
type Bits struct {
	Weights      int `json:"weights"`
	Activations  int `json:"activations"`
	InputWeights int `json:"input_weights"`
}

// Action is one change the quantization made.
type Action struct {
	// Kind is one of the Action* constants.
	Kind string `json:"kind"`
	// Layer is the Keras layer changed (for a fold, the BatchNormalization).
	Layer string `json:"layer"`
	// Result is the layer the change produced or went into: the new ReLU
	// or Activation layer of a split, the neural layer a BatchNormalization
	// was folded into, the activation a pooling was moved before, the layer
	// whose output a removed Dropout passed on.
	Result string `json:"result,omitempty"`
	// Class is the new class of a quantized layer.
	Class string `json:"class,omitempty"`
	// Bits is the weight or activation bit width given.
	Bits int `json:"bits,omitempty"`
	// Quantizer is the weight quantizer class of a quantized neural layer.
	Quantizer string `json:"quantizer,omitempty"`
	// MaxValue and MaxValueSource are a QuantizedReLU's max_value and where
	// it comes from (MaxValueKept, MaxValueCalibrated, MaxValueDefault,
	// MaxValueConverted).
	MaxValue       *float64 `json:"max_value,omitempty"`
	MaxValueSource string   `json:"max_value_source,omitempty"`
	// Extension is true where cnn2snn-wasm goes beyond cnn2snn.quantize.
	Extension bool `json:"extension,omitempty"`
	// Text says it in a sentence.
	Text string `json:"text"`
}

// Action kinds.
const (
	ActionSplitActivation  = "split-activation"   // a fused relu/relu6 became a ReLU layer (extension)
	ActionActivationToReLU = "activation-to-relu" // an Activation("relu"/"relu6") layer became a ReLU layer (extension)
	ActionFinalActivation  = "final-activation"   // a fused final softmax/sigmoid became an Activation layer (extension)
	ActionRemoveDropout    = "remove-dropout"     // a Dropout layer was removed
	ActionMoveMaxPool      = "move-max-pool"      // a MaxPooling2D was moved before the activation before it
	ActionFoldBatchNorm    = "fold-batchnorm"     // a BatchNormalization was folded into the neural layer before it
	ActionQuantizeLayer    = "quantize-layer"     // a neural layer was quantized (or re-quantized)
	ActionQuantizeReLU     = "quantize-relu"      // an activation became a QuantizedReLU (or was re-quantized)
	ActionSkipReLU         = "skip-relu"          // a ReLU with a non-zero threshold was left float
	ActionKeepFloat        = "keep-float"         // a layer was left float (bit width 0)
)

// Where a QuantizedReLU's max_value comes from.
const (
	MaxValueKept       = "kept"       // the ReLU's own max_value
	MaxValueCalibrated = "calibrated" // calibrated on sample inputs (extension)
	MaxValueDefault    = "default"    // cnn2snn's default 2^bits − 1
	MaxValueConverted  = "converted"  // step × levels of an ActivationDiscreteRelu
)

func newReport(m *keras.Model, o Options) *Report {
	r := &Report{Model: m.Name, Origin: "float", Mode: ModeCNN2SNN, Actions: []Action{}, Changed: []string{},
		Bits: Bits{Weights: o.WeightBits, Activations: o.ActivationBits, InputWeights: o.InputWeightBits}}
	for _, l := range m.Layers {
		if l.Origin() == keras.OriginCNN2SNN {
			r.Origin = "cnn2snn"
			break
		}
	}
	return r
}

func (r *Report) add(a Action) { r.Actions = append(r.Actions, a) }

// Text returns the actions as lines, with the calibration first.
func (r *Report) Text() string {
	var b strings.Builder
	if r.Calibration != nil {
		b.WriteString(r.Calibration.Text)
		b.WriteByte('\n')
	}
	if r.QuantizeML != nil {
		b.WriteString(r.QuantizeML.text())
	}
	for _, a := range r.Actions {
		b.WriteString(a.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// changed returns the names of the layers the actions changed, removed or
// added, in the order of the actions.
func (r *Report) changed() []string {
	out := []string{}
	seen := map[string]bool{}
	for _, a := range r.Actions {
		for _, name := range []string{a.Layer, a.Result} {
			if name != "" && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out
}

// describeSyncretize reports what transform.Syncretize did, by comparing
// the layers before and after it: Dropout layers removed, max poolings
// moved before activations, BatchNormalization layers folded (those with
// problems are not folded, and not reported here).
func (r *Report) describeSyncretize(input string, before, after []*keras.Layer, problems []compat.Diagnostic) {
	kept := make(map[string]int, len(after))
	for i, l := range after {
		kept[l.Name] = i
	}
	failed := map[string]bool{}
	for _, d := range problems {
		failed[d.Layer] = true
	}
	for i, l := range before {
		if _, ok := kept[l.Name]; ok {
			continue
		}
		switch l.Config.(type) {
		case *keras.BatchNormalization:
			if !failed[l.Name] {
				r.describeFold(before, i, after, kept)
			}
		default:
			if compat.IsDropout(l) {
				prev := input
				if i > 0 {
					prev = before[i-1].Name
				}
				r.add(Action{Kind: ActionRemoveDropout, Layer: l.Name, Result: prev,
					Text: sprintf("removed %s %s (the identity at inference)", l.ClassName, l.Name)})
			}
		}
	}
	position := make(map[string]int, len(before))
	for i, l := range before {
		position[l.Name] = i
	}
	for i := 0; i+1 < len(after); i++ {
		pool, act := after[i], after[i+1]
		if _, ok := pool.Config.(*keras.MaxPooling2D); ok && compat.IsActivation(act) && position[act.Name] < position[pool.Name] {
			r.add(Action{Kind: ActionMoveMaxPool, Layer: pool.Name, Result: act.Name,
				Text: sprintf("moved %s %s before %s %s: Akida pools before it activates, and max pooling commutes with the (monotonic) activation",
					pool.ClassName, pool.Name, act.ClassName, act.Name)})
		}
	}
}

// describeFold reports the BatchNormalization before[i], folded into the
// nearest neural layer before it (past a pooling it was moved in front of).
func (r *Report) describeFold(before []*keras.Layer, i int, after []*keras.Layer, kept map[string]int) {
	bn := before[i]
	var pools []string
	for j := i - 1; j >= 0; j-- {
		l := before[j]
		if compat.IsNeural(l) {
			if k, ok := kept[l.Name]; ok && after[k] != l {
				moved := ""
				if len(pools) > 0 {
					moved = sprintf("moved before %s and ", strings.Join(pools, ", "))
				}
				r.add(Action{Kind: ActionFoldBatchNorm, Layer: bn.Name, Result: l.Name,
					Text: sprintf("%s %s %sfolded into %s (kernel and bias scaled per output channel)", bn.ClassName, bn.Name, moved, l.Name)})
			}
			return
		}
		if compat.IsPooling(l) {
			pools = append(pools, sprintf("%s %s", l.ClassName, l.Name))
		}
	}
}
