package main

import (
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// cnn2snn.convert converts a quantizeml model to Akida 2.0 by default, and
// takes target "v1" (then refuses it) through the option table.
func TestConvertQuantizeMLToAkida2(t *testing.T) {
	const name = "quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"
	data := fixtures.ReadShared(t, "keras", name)
	input := []any{map[string]any{"name": name, "bytes": data}}
	r, err := convertCall([]any{input, nil}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := r.value.(*core.ConvertResult)
	if res.Report.Target != "v2" || res.Report.Layers != 6 || !res.Report.Compatible {
		t.Errorf("report: target %q, %d layers, compatible %v", res.Report.Target, res.Report.Layers, res.Report.Compatible)
	}
	direct, err := core.Convert([]core.File{{Name: name, Data: data}}, core.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.bytes["fbz"], direct.FBZ) {
		t.Error("the .fbz differs from core.Convert's")
	}
	if _, err := convertCall([]any{input, map[string]any{"target": "v1"}}, nil); err == nil {
		t.Error("target v1: converted, want the Akida 1.0 refusal")
	}
}
