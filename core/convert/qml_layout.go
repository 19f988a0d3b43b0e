package convert

import (
	"errors"
	"slices"
	"strconv"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// qmlLayer is one Akida layer of the quantizeml path, in model order: the
// layer of a block, or an InputData the path inserts before a block.
type qmlLayer struct {
	name     string
	kind     akida.LayerType
	block    *compat.QMLBlock // nil for an inserted InputData
	next     *compat.QMLBlock // an inserted InputData: the block it is inserted for
	inbounds []string         // Akida layer names
	// inputData: an inserted InputData that stands for the Keras model
	// input (case (a) of conversion-v2.md §2.1), not one after a Quantizer.
	fromModelInput bool
}

// layoutV2 lays the blocks out as generate_qml_model does
// (conversion-v2.md §1.2 step 3, §1.7): each block becomes the Akida layer
// named after its root, fed by the Akida layers its root's inbounds
// resolve to; an InputData is inserted before a block that is not an input
// pattern when no Akida layer exists yet or when its only inbound is a
// Quantizer. A block whose inbounds cannot be resolved gives cnn2snn's
// error, re-raised with the block's layers; the blocks fed by it are left
// out without a diagnostic of their own (cnn2snn stops at the first one,
// and theirs would only repeat it).
func layoutV2(m *keras.Model, blocks []*compat.QMLBlock) ([]qmlLayer, []compat.Diagnostic) {
	var layers []qmlLayer
	var diags []compat.Diagnostic
	names := map[string]akida.LayerType{} // Akida layers; Unknown for a block left out
	inputData := ""
	for _, b := range blocks {
		if b.Pattern == nil {
			continue
		}
		inbounds, err := resolveInbounds(m, b.Root(), names, inputData)
		if err != nil {
			if err != errAfterLeftOut {
				diags = append(diags, compat.QMLInbounds.Diagnose(b.Named().Name, compat.BlockError(b, err.Error())))
			}
			names[b.Named().Name] = akida.Unknown
			continue
		}
		if !b.Pattern.Input && (len(layers) == 0 || len(inbounds) == 1 && names[inbounds[0]] == akida.Quantizer) {
			in := qmlLayer{name: inputDataName(names), kind: akida.InputData, inbounds: inbounds, next: b}
			if len(layers) == 0 {
				in.name, in.fromModelInput, in.inbounds = m.Inputs[0], true, nil
				inputData = in.name
			}
			layers = append(layers, in)
			names[in.name] = akida.InputData
			inbounds = []string{in.name}
		}
		l := qmlLayer{name: b.Named().Name, kind: b.Kind(), block: b, inbounds: inbounds}
		layers = append(layers, l)
		names[l.name] = l.kind
	}
	return layers, diags
}

// inputDataName names an InputData inserted after a Quantizer. cnn2snn
// creates it without a name and akida's naming of unnamed layers is not
// documented; this tool uses Keras' convention, the class name in snake
// case, made unique with a suffix ([INF] choice).
func inputDataName(taken map[string]akida.LayerType) string {
	name := "input_data"
	for i := 1; ; i++ {
		if _, ok := taken[name]; !ok {
			return name
		}
		name = "input_data_" + strconv.Itoa(i)
	}
}

// walkedThrough are the classes get_inbound_layers walks back through, by
// exact class: their Akida counterpart is folded into another layer.
func walkedThrough(l *keras.Layer) bool {
	if l.IsInput() {
		return true
	}
	switch compat.QMLClass(l) {
	case "QuantizedDropout", compat.QFlatten, compat.QReshape, "QuantizedRescaling", compat.QReLU,
		compat.QMaxPool, compat.QGAP, compat.QActivation:
		return true
	}
	return false
}

// errAfterLeftOut: an inbound is a block that was left out (its own
// inbounds could not be resolved).
var errAfterLeftOut = errors.New("an inbound block was left out")

// resolveInbounds is get_inbound_layers (conversion-v2.md §1.7): each
// inbound of the root is walked back through the folded classes; the Akida
// inbound is the Akida layer named after the Keras layer reached, or the
// InputData when the walk reaches the model input. It returns cnn2snn's
// message when an inbound cannot be resolved, errAfterLeftOut when it is a
// block left out (akidaLayers holds Unknown for it).
func resolveInbounds(m *keras.Model, root *keras.Layer, akidaLayers map[string]akida.LayerType, inputData string) ([]string, error) {
	unresolved := errors.New("Cannot resolve inbound layers for " + root.Name + ".")
	var out []string
	for _, name := range root.Inbound {
		l := m.Layer(name)
		for l != nil && walkedThrough(l) && len(l.Inbound) == 1 {
			l = m.Layer(l.Inbound[0])
		}
		switch {
		case l == nil || l.IsInput():
			if inputData != "" {
				out = append(out, inputData)
			} else if len(root.Inbound) != 1 {
				return nil, unresolved
			}
		default:
			kind, ok := akidaLayers[l.Name]
			if !ok {
				return nil, unresolved
			}
			if kind == akida.Unknown {
				return nil, errAfterLeftOut
			}
			out = append(out, l.Name)
		}
	}
	return out, nil
}

// qmlReportBlocks turns the split into the report's blocks, marking the
// Keras layers that have diagnostics. blocks are every block of the split,
// those of skipped layers included (they join the next block).
func qmlReportBlocks(m *keras.Model, blocks []*compat.QMLBlock, target akida.IPVersion, diags []compat.Diagnostic) []compat.Block {
	var out []compat.Block
	if target == akida.IPv1 {
		out = qmlV1ReportBlocks(m, blocks)
	} else {
		out = qmlV2ReportBlocks(m, blocks)
	}
	bad := map[string]bool{}
	for _, d := range diags {
		bad[d.Layer] = true
	}
	for i := range out {
		for _, name := range out[i].KerasLayers {
			if bad[name] {
				out[i].Incompatible = append(out[i].Incompatible, name)
			}
		}
	}
	return out
}

// qmlV2ReportBlocks: one block per Akida 2.0 layer, the inserted InputData
// included, each Keras layer in one of them; blocks that match no pattern
// are shown with an empty type.
func qmlV2ReportBlocks(m *keras.Model, blocks []*compat.QMLBlock) []compat.Block {
	layers, _ := layoutV2(m, blocks)
	insertedBefore := map[*compat.QMLBlock][]qmlLayer{} // InputData layers, by the block they precede
	for _, l := range layers {
		if l.block == nil {
			insertedBefore[l.next] = append(insertedBefore[l.next], l)
		}
	}
	var out []compat.Block
	var pending []string
	// A layer can be in several blocks (cnn2snn's search pulls the model
	// input into every block it feeds); the report lists it once.
	listed := map[string]bool{}
	for _, b := range blocks {
		names := slices.DeleteFunc(kerasNames(b.Layers), func(s string) bool { return listed[s] })
		for _, name := range names {
			listed[name] = true
		}
		if len(b.Main) == 0 {
			pending = append(pending, names...)
			continue
		}
		for _, in := range insertedBefore[b] {
			cb := compat.Block{AkidaLayer: in.name, AkidaType: akida.InputData.String(), KerasLayers: []string{}, ActivationBits: 8}
			if q := m.Layer(firstOf(in.inbounds)); q != nil { // after a Quantizer: its output
				s := leftPadded(q.OutputShape)
				cb.OutputShape = s[:]
			}
			if in.fromModelInput {
				cb.KerasLayers = []string{in.name}
				s := leftPadded(m.InputShape())
				cb.OutputShape = s[:]
				names = slices.DeleteFunc(names, func(s string) bool { return s == in.name })
				pending = slices.DeleteFunc(pending, func(s string) bool { return s == in.name })
			}
			out = append(out, cb)
		}
		cb := compat.Block{AkidaLayer: b.Named().Name, AkidaType: kindName(b.Kind()), KerasLayers: append(pending, names...)}
		pending = nil
		cb.WeightBits = compat.WeightBits(b.Named())
		if q := b.Last().OutputQuantizer(); q != nil {
			cb.ActivationBits = q.Bitwidth
		}
		cb.Activation = b.Layer(compat.QReLU) != nil || b.Layer(compat.QActivation) != nil
		cb.OutputShape = qmlOutputShape(b)
		out = append(out, cb)
	}
	if n := len(out); n > 0 {
		out[n-1].KerasLayers = append(out[n-1].KerasLayers, pending...)
	}
	return out
}

func firstOf(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// kindName is the report's name of an Akida layer type, "" when unknown.
func kindName(k akida.LayerType) string {
	if k == akida.Unknown {
		return ""
	}
	return k.String()
}

// qmlOutputShape is the block's Akida output shape (x, y, c) from the
// Keras shapes: its last main layer's output, (1, 1, N) for a vector.
func qmlOutputShape(b *compat.QMLBlock) []int {
	return flatOrImage(b.Last().OutputShape)
}

// qmlV1ReportBlocks: one block per Akida 1.0 layer; blocks of skipped
// layers join the next one; the Dequantizer (which Akida 1.0 folds into
// the last layer's act_step) and the layers after it join the last one; an
// InputData comes first when no input pattern matched.
func qmlV1ReportBlocks(m *keras.Model, blocks []*compat.QMLBlock) []compat.Block {
	var out []compat.Block
	var pending []string
	inputMatched := false
	for _, b := range blocks {
		names := kerasNames(b.Layers)
		if len(b.Main) == 0 || compat.IsDequantizer(b.Root()) || compat.QMLClass(b.Root()) == compat.QInput {
			pending = append(pending, names...)
			continue
		}
		inputMatched = inputMatched || (b.Pattern != nil && b.Pattern.Input)
		cb := compat.Block{AkidaLayer: qmlV1MainLayer(b).Name, KerasLayers: append(pending, names...)}
		pending = nil
		if b.Pattern != nil && b.Pattern.Kind != akida.Unknown {
			cb.AkidaType = b.Pattern.Kind.String()
		}
		if sep := b.Layer(compat.QSep); sep != nil {
			cb.WeightBits, _ = compat.SeparableWeightBits(sep)
		} else {
			cb.WeightBits = compat.WeightBits(qmlV1MainLayer(b))
		}
		last := b.Last()
		if compat.QMLClass(last) == compat.QReLU {
			cb.Activation = true
			if q := last.OutputQuantizer(); q != nil {
				cb.ActivationBits = q.Bitwidth
			}
			if len(b.Main) > 1 {
				last = b.Main[len(b.Main)-2]
			}
		}
		cb.OutputShape = flatOrImage(last.OutputShape)
		out = append(out, cb)
	}
	// The Dequantizer and what follows join the last block.
	if n := len(out); n > 0 {
		out[n-1].KerasLayers = append(out[n-1].KerasLayers, pending...)
	}
	if !inputMatched && len(m.Inputs) == 1 {
		in := m.Layer(m.Inputs[0])
		out = append([]compat.Block{{AkidaLayer: in.Name, AkidaType: akida.InputData.String(),
			OutputShape: flatOrImage(in.OutputShape), ActivationBits: 4, KerasLayers: []string{in.Name}}}, out...)
		// The input layer is listed in the first block; show it in the
		// InputData one instead.
		if len(out) > 1 {
			out[1].KerasLayers = slices.DeleteFunc(out[1].KerasLayers, func(s string) bool { return s == in.Name })
		}
	}
	return out
}

// qmlV1MainLayer is the block's neural layer (the Akida layer is named
// after it), or its first layer.
func qmlV1MainLayer(b *compat.QMLBlock) *keras.Layer {
	for _, l := range b.Main {
		switch compat.QMLClass(l) {
		case compat.QConv, compat.QSep, compat.QDense:
			return l
		}
	}
	return b.Root()
}

func kerasNames(layers []*keras.Layer) []string {
	out := make([]string, len(layers))
	for i, l := range layers {
		out[i] = l.Name
	}
	return out
}
