package convert

import (
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The block patterns of conversion-v2.md §1.5, on the chain_* models of
// testdata/quantizeml (one block per pattern, each chain written with
// per-tensor output quantizers, _pt, and per-axis ones wherever quantizeml
// allows them, _pa) and the v2_* models.

// convertibleQMLModels are the testdata models that convert.
var convertibleQMLModels = []string{
	"v2_dense_int8", "v2_quantizer_signed", "v2_quantizer_unsigned", "v2_inputconv_pad_lut", "v2_inputconv_pool",
	"v2_conv_lut_gap", "v2_depthwise", "v2_transpose", "v2_add_concat", "v2_flatten_dense",
	"chain_conv_pt", "chain_conv_pa", "chain_depthwise_pt", "chain_depthwise_pa", "chain_transpose_pt",
	"chain_transpose_pa", "chain_dense_pt", "chain_dense_pa", "chain_merge_pt", "chain_merge_pa",
}

// notConverted are the Akida layers this tool matches but does not
// convert (conversion-v2.md §2.11); PicoPostProcessing has no Akida type
// here (its layer_type number is unknown).
func notConverted(p compat.QMLPattern) bool {
	switch p.Kind {
	case akida.BufferTempConv, akida.DepthwiseBufferTempConv, akida.StatefulRecurrent:
		return true
	}
	return slices.Contains(p.Classes, compat.QPicoPost)
}

// blockPattern is the pattern a report block matched: its Keras layers'
// classes once the skipped ones are left out ("" for an inserted InputData
// or a block of skipped layers).
func blockPattern(m *keras.Model, b compat.Block) string {
	var classes []string
	for _, name := range b.KerasLayers {
		if l := m.Layer(name); !compat.IsQMLSkippable(m, l) {
			classes = append(classes, l.ClassName)
		}
	}
	return strings.Join(classes, " > ")
}

// Every pattern of the Akida 2.0 input and regular tables converts to its
// Akida layer, in at least one model with per-tensor and, for the regular
// patterns, one with per-axis output quantizers; the converted layers'
// variables are the recorded ones.
func TestV2EveryPatternConverts(t *testing.T) {
	type seen struct {
		kind  akida.LayerType
		files []string
	}
	input, regular := map[string]*seen{}, map[string]*seen{}
	for _, name := range convertibleQMLModels {
		m, am, r := convertQML(t, name, Options{})
		crossCheckRecord(t, m, am, r)
		inputDone := false
		for _, b := range r.Blocks {
			p := blockPattern(m, b)
			if p == "" {
				continue
			}
			l := am.Layer(b.AkidaLayer)
			if l == nil || l.Type.String() != b.AkidaType {
				t.Errorf("%s: block %s (%s) has no Akida layer of its type", name, b.AkidaLayer, p)
				continue
			}
			// The first convertible block may match an input pattern; an
			// InputQuantizer's Quantizer does not count as converted.
			table := regular
			if !inputDone && (l.Type == akida.Quantizer || l.Type == akida.InputConv2D) {
				table = input
			}
			inputDone = inputDone || l.Type != akida.Quantizer
			if table[p] == nil {
				table[p] = &seen{kind: l.Type}
			}
			if table[p].kind != l.Type {
				t.Errorf("%s: pattern %s became %s, elsewhere %s", name, p, l.Type, table[p].kind)
			}
			table[p].files = append(table[p].files, name)
		}
	}
	check := func(t *testing.T, table map[string]*seen, p compat.QMLPattern, perAxis bool) {
		s := table[p.String()]
		if s == nil {
			t.Fatalf("no testdata model has the pattern %s", p)
		}
		if s.kind != p.Kind {
			t.Errorf("pattern %s became %s, want %s", p, s.kind, p.Kind)
		}
		if perAxis && !slices.ContainsFunc(s.files, func(f string) bool { return strings.HasSuffix(f, "_pa") }) {
			t.Errorf("pattern %s is only in %v, no per-axis chain", p, s.files)
		}
		if !slices.ContainsFunc(s.files, func(f string) bool { return !strings.HasSuffix(f, "_pa") }) {
			t.Errorf("pattern %s is only in %v, no per-tensor model", p, s.files)
		}
	}
	for _, p := range compat.QMLInputPatterns(akida.IPv2) {
		t.Run("input "+p.String(), func(t *testing.T) { check(t, input, p, true) })
	}
	for _, p := range compat.QMLPatterns(akida.IPv2) {
		if notConverted(p) {
			continue // TestV2TemporalPatternsAreRefused
		}
		t.Run(p.String(), func(t *testing.T) { check(t, regular, p, true) })
	}
}

// The same chains with per-tensor and per-axis output quantizers give the
// same Akida layers and parameters; per axis, a Conv2D or transposed
// convolution reading a per-axis tensor shifts its input channels
// (input_shift, §4.4 item 4), a DepthwiseConv2D never does, and a Dense1D
// behind a Flatten or Reshape does not either: quantizeml's Flatten aligns
// the tensor itself and cnn2snn does not carry that shift (§2.7).
func TestV2PerTensorAndPerAxisActivations(t *testing.T) {
	for _, c := range []struct {
		chain   string
		shifted []string // the layers with an input_shift, per axis
	}{
		{"chain_conv", []string{"c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"}},
		{"chain_depthwise", nil},
		{"chain_transpose", []string{"t1", "t2", "t3", "u1", "u2", "u3"}},
		{"chain_dense", nil},
		{"chain_merge", []string{"cb"}},
	} {
		t.Run(c.chain, func(t *testing.T) {
			_, pt, _ := convertQML(t, c.chain+"_pt", Options{})
			m, pa, _ := convertQML(t, c.chain+"_pa", Options{})
			if len(pt.Layers) != len(pa.Layers) {
				t.Fatalf("%d layers per tensor, %d per axis", len(pt.Layers), len(pa.Layers))
			}
			var shifted []string
			perChannel := 0 // output shifts that differ between channels
			for i, l := range pa.Layers {
				lt := pt.Layers[i]
				if l.Name != lt.Name || l.Type != lt.Type || !slices.Equal(l.Inbounds, lt.Inbounds) || !l.Params.Equal(lt.Params) {
					t.Errorf("layer %d: %s %s %v per axis, %s %s %v per tensor", i, l.Name, l.Type, l.Params, lt.Name, lt.Type, lt.Params)
				}
				if lt.Variable("input_shift") != nil {
					t.Errorf("%s has an input shift per tensor", lt.Name)
				}
				if l.Variable("input_shift") != nil {
					shifted = append(shifted, l.Name)
				}
				if v := l.Variable("output_shift"); v != nil {
					if s := numbers(t, v); slices.Min(s) != slices.Max(s) {
						perChannel++
					}
				}
			}
			if !slices.Equal(shifted, c.shifted) {
				t.Errorf("input shifts on %v, want %v", shifted, c.shifted)
			}
			if perChannel == 0 {
				t.Error("no output shift differs between channels per axis")
			}
			if c.chain == "chain_dense" {
				rec, err := keras.RecordQuantizeML(m)
				if err != nil {
					t.Fatal(err)
				}
				for _, name := range []string{"f1", "f2", "s3", "s4"} { // quantizeml's Flatten and Reshape align
					if r := rec.Layer(name); r == nil || r.InputShift == nil {
						t.Errorf("%s: no recorded input shift", name)
					}
				}
			}
		})
	}
}
