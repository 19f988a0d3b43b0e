// Package transform rewrites a Keras model the way cnn2snn does before it
// generates Akida layers (spec conversion.md §3–§4):
//
//   - Sequentialize checks the graph (channels-last, dilation, one input,
//     one output, input rank, single inbounds) and turns a single-branch
//     model into a Sequence;
//   - Syncretize removes Dropout, puts MaxPooling2D before the activation
//     and BatchNormalization before the pooling, and folds each
//     BatchNormalization into the neural layer before it.
//
// Both report every problem they find, as compat diagnostics in the order
// cnn2snn would meet them (the first is the error cnn2snn raises), and keep
// going where they can, so a caller that collects problems sees all of
// them. The input model is never modified: layers that change are copies.
package transform

import (
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/internal/pyrepr"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Sequence is a model reduced to one chain of layers, what cnn2snn holds as
// a keras Sequential model.
type Sequence struct {
	// Name is the Keras model's name.
	Name string
	// Input is the model's InputLayer.
	Input *keras.Layer
	// Layers are the layers after the input, in order.
	Layers []*keras.Layer
}

// InputShape is the shape the first layer receives (without the batch
// dimension).
func (s *Sequence) InputShape() keras.Shape { return s.Input.OutputShape }

// LayerInputShape is the input shape of Layers[i].
func (s *Sequence) LayerInputShape(i int) keras.Shape {
	if i == 0 {
		return s.InputShape()
	}
	return s.Layers[i-1].OutputShape
}

// Problems is the error Sequentialize and Syncretize return: every problem
// found, in cnn2snn's order. Its text is the first problem's message — the
// error cnn2snn raises.
type Problems []compat.Diagnostic

func (p Problems) Error() string {
	if len(p) == 0 {
		return "no problem"
	}
	return p[0].Message
}

// asError returns nil for no problems, so callers can test err != nil.
func (p Problems) asError() error {
	if len(p) == 0 {
		return nil
	}
	return p
}

// Sequentialize checks that the model is one chain of layers and returns
// it as a Sequence. The checks and their order are those of cnn2snn's
// sequentialize (compat.CheckGraph), then, while walking the graph from the
// input, the Concatenate checks and the single-branch check cnn2snn's
// convert makes on the result ("The model contains more than one sequential
// branch.").
//
// On problems the error is Problems; the Sequence is still returned when
// the graph is a single chain, so that a caller collecting diagnostics can
// carry on, and is nil otherwise.
func Sequentialize(m *keras.Model) (*Sequence, error) {
	problems := Problems(compat.CheckGraph(m))
	for _, l := range m.Layers {
		if !compat.IsConcatenate(l) {
			continue
		}
		c := l.Config.(*keras.Concatenate)
		if c.Axis != -1 {
			problems = append(problems, compat.ConcatenateAxis.Diagnosef(l.Name,
				"The Concatenate layer '%s' must have axis=-1. Receives axis=%d.", l.Name, c.Axis))
		}
		if len(l.Inbound) != 2 {
			problems = append(problems, compat.ConcatenateInbounds.Diagnosef(l.Name,
				"The Concatenate layer '%s' must have exactly two inbound layers. Receives inbound layers %s.",
				l.Name, pyrepr.StrList(l.Inbound)))
		}
	}
	if len(m.Inputs) != 1 {
		return nil, problems.asError() // single-input reports it
	}
	seq, branched := chain(m)
	if branched || (seq == nil && len(problems) == 0) {
		problems = append(problems, compat.SingleBranch.Diagnose("", "The model contains more than one sequential branch."))
	}
	return seq, problems.asError()
}

// chain follows the model from its input through each layer's single
// outbound layer. It returns nil and branched = true when a layer feeds
// several layers or a Concatenate (cnn2snn then builds several Sequential
// branches), and nil alone when the graph is broken in a way another rule
// reports (a merge, an input that is missing).
func chain(m *keras.Model) (seq *Sequence, branched bool) {
	input := m.Layer(m.Inputs[0])
	if input == nil || !input.IsInput() {
		return nil, false
	}
	s := &Sequence{Name: m.Name, Input: input}
	seen := map[string]bool{input.Name: true}
	cur := input
	for {
		outs := m.Outbound(cur.Name)
		if len(outs) == 0 {
			break
		}
		if len(outs) > 1 {
			return nil, true
		}
		next := m.Layer(outs[0])
		if next == nil || seen[next.Name] {
			return nil, false
		}
		if compat.IsConcatenate(next) {
			return nil, true
		}
		if len(next.Inbound) != 1 {
			return nil, false // a merge: single-inbound-layer reports it
		}
		seen[next.Name] = true
		s.Layers = append(s.Layers, next)
		cur = next
	}
	if len(seen) != len(m.Layers) {
		return nil, true // layers off the chain from the input
	}
	return s, false
}
