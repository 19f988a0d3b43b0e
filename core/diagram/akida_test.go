package diagram_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram/fromcore"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// convertFile converts a model file and returns the Akida model's diagram
// input.
func convertFile(tb testing.TB, path, target string) diagram.AkidaModel {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := core.Convert([]core.File{{Name: "model.h5", Data: data}}, core.Options{Target: target})
	if err != nil {
		tb.Fatal(err)
	}
	return fromcore.Akida(res.Model)
}

func drawAkida(tb testing.TB, m diagram.AkidaModel) *diagram.Diagram {
	tb.Helper()
	d, err := diagram.Akida(m)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// The Akida 2.0 model of the depthwise/Add fixture: the Quantizer forks
// into the two InputData layers the converter adds, each branch's layer
// under its InputData, the Add merging them.
func TestAkidaV2Merge(t *testing.T) {
	m := convertFile(t, fixtures.Repo(t, "core", "keras", "testdata", "quantizeml", "qml_depthwise_add_gap_keras2.15.h5"), "v2")
	d := drawAkida(t, m)
	type place struct{ Rank, Order int }
	got := map[string]place{}
	for _, b := range d.Boxes {
		got[b.ID] = place{b.Rank, b.Order}
	}
	want := map[string]place{
		"input_quantizer": {0, 0},
		"input_data":      {1, 0}, "input_data_1": {1, 1},
		"depthwise": {2, 0}, "conv_b": {2, 1},
		"add":         {3, 0},
		"conv2d_2":    {4, 0},
		"dense":       {5, 0},
		"dequantizer": {6, 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ranks and orders\n got %v\nwant %v", got, want)
	}
	checkGeometry(t, d)
	if len(d.Edges) != 9 || len(d.Frames) != 0 {
		t.Errorf("%d edges, %d frames; want 9 and 0", len(d.Edges), len(d.Frames))
	}
	q, add := d.Box("input_quantizer"), d.Box("add")
	if !q.Fork || q.Merge || !add.Merge || add.Fork || add.Class != "Add" || add.Shape != "[4, 4, 2]" {
		t.Errorf("input_quantizer fork %v merge %v; add %+v", q.Fork, q.Merge, add)
	}
	wantDetails := []diagram.Detail{
		{"layer", "add"}, {"type", "Add"}, {"inbounds", "depthwise, conv_b"}, {"outbounds", "conv2d_2"},
		{"input shape", "[4, 4, 2], [4, 4, 2]"}, {"output shape", "[4, 4, 2]"},
		{"buffer_bits", "32"}, {"output_bits", "8"}, {"post_op_buffer_bits", "32"},
		{"variable a_shift", "uint8 (2,)"}, {"variable b_shift", "uint8 (2,)"}, {"variable output_shift", "int8 (2,)"},
	}
	if !reflect.DeepEqual(add.Details, wantDetails) {
		t.Errorf("add details\n got %v\nwant %v", add.Details, wantDetails)
	}
	if got := d.Box("input_quantizer").Details[4]; got != (diagram.Detail{"input shape", "[4, 4, 2]"}) {
		t.Errorf("the input layer's input shape: %v", got)
	}
	if got := d.Box("depthwise").Details[len(d.Box("depthwise").Details)-1]; got != (diagram.Detail{"variable weights", "int8 (3, 3, 2, 1)"}) {
		t.Errorf("depthwise weights: %v", got)
	}
}

// Real .fbz files (Akida 1.0 chains, legacy and key/value generations) and
// a converted AkidaNet: one box per layer, one edge per inbound, one
// column.
func TestAkidaFixtures(t *testing.T) {
	models := map[string]func(tb testing.TB) diagram.AkidaModel{
		"converted akidanet": func(tb testing.TB) diagram.AkidaModel {
			return convertFile(tb, fixtures.Shared(tb, "keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5"), "")
		},
	}
	for _, name := range []string{"legacy_ei_akidanet_classifier.fbz", "v233_ei_inventory_fomo.fbz", "legacy_mobilenet_edge_hotdog.fbz"} {
		models[name] = func(tb testing.TB) diagram.AkidaModel {
			m, err := fbz.Decode(fixtures.ReadShared(tb, "akida", name))
			if err != nil {
				tb.Fatal(err)
			}
			return fromcore.Akida(m)
		}
	}
	for name, model := range models {
		t.Run(name, func(t *testing.T) {
			m := model(t)
			d := drawAkida(t, m)
			checkGeometry(t, d)
			if len(d.Boxes) != len(m.Layers) || d.Ranks != len(m.Layers) {
				t.Errorf("%d boxes in %d ranks for %d layers", len(d.Boxes), d.Ranks, len(m.Layers))
			}
			edges := 0
			for i, l := range m.Layers {
				edges += len(l.Inbounds)
				b := d.Boxes[i]
				if b.ID != l.Name || b.Class != l.Type || b.Rank != i || b.X != d.Boxes[0].X+d.Boxes[0].W/2-b.W/2 {
					t.Errorf("layer %s: box %+v", l.Name, b)
				}
			}
			if len(d.Edges) != edges {
				t.Errorf("%d edges for %d inbounds", len(d.Edges), edges)
			}
		})
	}
}
