package fromcore_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram/fromcore"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// The page decodes the converter's JSON reports into the diagram's types;
// the CLI fills them from the core types. Both give the same diagram.
func TestJSONAndCoreGiveOneDiagram(t *testing.T) {
	files := []core.File{{Name: "m.h5", Data: fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")}}
	r, err := core.Check(files, core.Options{Target: "v1"}) // its Akida 1.0 problems
	if err != nil {
		t.Fatal(err)
	}
	text, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON diagram.Report
	if err := json.Unmarshal(text, &fromJSON); err != nil {
		t.Fatal(err)
	}
	typed := fromcore.Report(r.Keras, r.Blocks, r.Diagnostics)
	if len(fromJSON.Keras.Layers) != 85 || len(fromJSON.Blocks) != 15 || len(fromJSON.Diagnostics) != 40 ||
		!reflect.DeepEqual(fromJSON.Keras.Layers[1], typed.Keras.Layers[1]) || fromJSON.Keras.Name != "model" {
		t.Errorf("decoded %d layers, %d blocks, %d diagnostics; layer 1 %+v vs %+v",
			len(fromJSON.Keras.Layers), len(fromJSON.Blocks), len(fromJSON.Diagnostics), fromJSON.Keras.Layers[1], typed.Keras.Layers[1])
	}
	a, err := diagram.Keras(fromJSON, diagram.Options{Collapsed: []string{"conv2d_3"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := diagram.Keras(typed, diagram.Options{Collapsed: []string{"conv2d_3"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.SVG(diagram.SVGOptions{}), b.SVG(diagram.SVGOptions{})) || !bytes.Equal(a.DOT(), b.DOT()) ||
		!reflect.DeepEqual(a.Boxes[4].Details, b.Boxes[4].Details) {
		t.Errorf("the JSON and the core types give different diagrams")
	}

	data := fixtures.ReadShared(t, "akida", "v233_ei_akidanet_classifier.fbz")
	s, err := core.Summarize(data)
	if err != nil {
		t.Fatal(err)
	}
	text, err = json.Marshal(s.Model)
	if err != nil {
		t.Fatal(err)
	}
	var akidaJSON diagram.AkidaModel
	if err := json.Unmarshal(text, &akidaJSON); err != nil {
		t.Fatal(err)
	}
	m, err := fbz.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := diagram.Akida(akidaJSON)
	if err != nil {
		t.Fatal(err)
	}
	d, err := diagram.Akida(fromcore.Akida(m))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Boxes) != len(m.Layers) || !bytes.Equal(c.SVG(diagram.SVGOptions{}), d.SVG(diagram.SVGOptions{})) ||
		!reflect.DeepEqual(c.Boxes[1].Details, d.Boxes[1].Details) {
		t.Errorf("the Akida JSON and the core model give different diagrams")
	}
}

// BatchShape reads and writes the report's form, batch dimension first.
func TestBatchShapeJSON(t *testing.T) {
	var s diagram.BatchShape
	if err := json.Unmarshal([]byte(`[null, 112, null, 8]`), &s); err != nil || !reflect.DeepEqual(s, diagram.BatchShape{112, -1, 8}) {
		t.Errorf("decoded %v, %v", s, err)
	}
	if out, _ := json.Marshal(s); string(out) != `[null,112,null,8]` || s.String() != "(None, 112, None, 8)" {
		t.Errorf("encoded %s, text %s", out, s.String())
	}
	if err := json.Unmarshal([]byte(`null`), &s); err != nil || s != nil || s.String() != "unknown shape" {
		t.Errorf("null: %v %v", s, err)
	}
	if err := json.Unmarshal([]byte(`[]`), &s); err == nil || err.Error() != "diagram: an output shape needs at least the batch dimension" {
		t.Errorf("[]: %v", err)
	}
	if err := json.Unmarshal([]byte(`"x"`), &s); err == nil {
		t.Errorf(`"x" decoded`)
	}
}
