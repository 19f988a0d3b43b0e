package convert

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// splitQuantizeML is cnn2snn's split_model_into_blocks (conversion-v2.md
// §1.4): the first Dequantizer is a block of its own and what follows it
// is dropped (with cnn2snn's warning); walking from the output backwards, a
// layer that ends a block (the last one, one with several outbounds, one
// feeding the first layer of a block) grows it backwards through its
// inbound layers (searchV1 or searchV2 by target). It returns the blocks in
// model order, the split's diagnostics and its warnings.
func splitQuantizeML(m *keras.Model, target akida.IPVersion) ([]*compat.QMLBlock, []compat.Diagnostic, []string) {
	var diags []compat.Diagnostic
	var warnings []string
	before := m.Layers
	var blocks [][]*keras.Layer
	if i := slices.IndexFunc(m.Layers, compat.IsDequantizer); i >= 0 {
		before = m.Layers[:i]
		if !(target == akida.IPv2 && afterPicoPostProcessing(m, m.Layers[i])) {
			blocks = append(blocks, []*keras.Layer{m.Layers[i]})
		}
		if skipped := m.Layers[i+1:]; len(skipped) > 0 {
			warnings = append(warnings, dequantizerWarning(before, skipped))
		}
	}
	inBlock := map[string]bool{}
	first := map[string]bool{}
	for _, b := range blocks {
		first[b[0].Name] = true
	}
	for i := len(before) - 1; i >= 0; i-- {
		l := before[i]
		if !endsBlock(m, l, len(blocks) == 0, first) {
			if !inBlock[l.Name] {
				diags = append(diags, compat.QMLOrphanLayer.Diagnosef(l.Name, "Impossible to append %s into a block.", l.Name))
			}
			continue
		}
		var b []*keras.Layer
		if target == akida.IPv1 {
			var d []compat.Diagnostic
			b, d = searchV1(m, l)
			diags = append(diags, d...)
		} else {
			b = searchV2(m, l)
		}
		blocks = append(blocks, b)
		first[b[0].Name] = true
		for _, x := range b {
			inBlock[x.Name] = true
		}
	}
	slices.Reverse(blocks)
	out := make([]*compat.QMLBlock, len(blocks))
	for i, b := range blocks {
		qb := &compat.QMLBlock{Layers: b}
		for _, l := range b {
			if !compat.IsQMLSkippable(m, l) {
				qb.Main = append(qb.Main, l)
			}
		}
		out[i] = qb
	}
	return out, diags, warnings
}

// afterPicoPostProcessing: a Dequantizer whose only inbound is a
// QuantizedPicoPostProcessing is dropped (cnn2snn 2.19.1).
func afterPicoPostProcessing(m *keras.Model, deq *keras.Layer) bool {
	if len(deq.Inbound) != 1 {
		return false
	}
	in := m.Layer(deq.Inbound[0])
	return in != nil && compat.QMLClass(in) == compat.QPicoPost
}

func endsBlock(m *keras.Model, l *keras.Layer, noBlockYet bool, first map[string]bool) bool {
	if noBlockYet {
		return true
	}
	outs := m.Outbound(l.Name)
	if len(outs) != 1 {
		return true
	}
	return first[outs[0]]
}

// searchV2 is _search_block for Akida 2.0, iterative: the block grows
// backwards through single inbound layers, and stops before a layer with
// an output quantizer of at most 8 bits (an 11-bit one in front of a LUT
// activation does not cut), a layer with several inbounds (a merge is
// always a block of its own), an InputQuantizer or a QuantizedExtractToken
// on axis 1. The model's InputLayer
// is pulled into the first block.
func searchV2(m *keras.Model, target *keras.Layer) []*keras.Layer {
	block := []*keras.Layer{target}
	cur := target
	for range m.Layers {
		if len(cur.Inbound) != 1 {
			break
		}
		prev := m.Layer(cur.Inbound[0])
		if prev == nil || len(prev.Inbound) > 1 {
			break
		}
		if q := prev.OutputQuantizer(); q != nil && q.Bitwidth < 9 {
			break
		}
		if _, ok := prev.Config.(*keras.QMLInputQuantizer); ok {
			break
		}
		if compat.QMLClass(prev) == compat.QExtract && extractTokenAxis(prev) == 1 {
			break
		}
		block = append([]*keras.Layer{prev}, block...)
		cur = prev
	}
	return block
}

// extractTokenAxis is a QuantizedExtractToken's axis, read from its config
// (this program does not type the class); 0 when absent or unreadable.
func extractTokenAxis(l *keras.Layer) int {
	var c struct {
		Axis int `json:"axis"`
	}
	if json.Unmarshal(l.RawConfig, &c) != nil {
		return 0
	}
	return c.Axis
}

// searchV1 is _search_block_v1, iterative: on Akida 1.0 an output
// quantizer inside the model must sit on a QuantizedReLU.
func searchV1(m *keras.Model, target *keras.Layer) ([]*keras.Layer, []compat.Diagnostic) {
	block := []*keras.Layer{target}
	cur := target
	for range m.Layers {
		if len(cur.Inbound) == 0 {
			break
		}
		prev := m.Layer(cur.Inbound[0])
		if prev == nil {
			break
		}
		if prev.OutputQuantizer() != nil {
			if _, ok := prev.Config.(*keras.QMLReLU); !ok {
				return block, []compat.Diagnostic{compat.QMLBlockBoundary.Diagnosef(prev.Name,
					"Model incompatible with akida v1 version. The layer %s followed by %s is not valid.", prev.Name, cur.Name)}
			}
			break
		}
		if _, ok := prev.Config.(*keras.QMLInputQuantizer); ok {
			break
		}
		block = append([]*keras.Layer{prev}, block...)
		cur = prev
	}
	return block, nil
}

func dequantizerWarning(before, skipped []*keras.Layer) string {
	stop := ""
	if len(before) > 0 {
		stop = " at layer " + before[len(before)-1].Name
	}
	var b strings.Builder
	b.WriteString("___________________________________________________\nLayer (type)\n===================================================\n")
	for _, l := range skipped {
		b.WriteString(l.Name + " (" + l.ClassName + ")\n")
	}
	b.WriteString("===================================================\n")
	return fmt.Sprintf("Conversion stops %s because of a dequantizer. The end of the model is ignored:\n %s. \n This can be expected for model heads (e.g. softmax for classification) but could also mean that processing layers were not quantized.", stop, b.String())
}
