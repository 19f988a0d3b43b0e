package main

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/web/ui"
)

func TestParseSettings(t *testing.T) {
	got, err := parseSettings(`{"target":"v2","input-scaling":" 255, 0 ","input-is-image":"false","quantize":"8,4,8","sample":"http://127.0.0.1:1/docs/m.h5"}`, ui.DefaultForm())
	if err != nil {
		t.Fatal(err)
	}
	want := settings{
		Form:   ui.Form{Scale: "255", Shift: "0", InputIsImage: false, WeightBits: 8, ActivationBits: 4, InputWeightBits: 8, Target: "v2"},
		Sample: "http://127.0.0.1:1/docs/m.h5",
	}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	// No attributes: the page's defaults.
	if got, err := parseSettings(`{}`, ui.DefaultForm()); err != nil || got != (settings{Form: ui.DefaultForm()}) {
		t.Errorf("no attributes: %+v, %v", got, err)
	}
	if got, err := parseSettings("", ui.DefaultForm()); err != nil || got != (settings{Form: ui.DefaultForm()}) {
		t.Errorf("no settings: %+v, %v", got, err)
	}
}

func TestParseSettingsErrors(t *testing.T) {
	for attrs, want := range map[string]string{
		`{"target":"v3"}`:            `<cnn2snn-converter target="v3">: target must be v1 (Akida 1.0) or v2 (Akida 2.0)`,
		`{"input-scaling":"255"}`:    `<cnn2snn-converter input-scaling="255">: input-scaling must be two numbers A,B such that the Akida input is A × Keras input + B, e.g. 255,0 for 8-bit images`,
		`{"input-scaling":"255,x"}`:  `<cnn2snn-converter input-scaling="255,x">: input-scaling must be two numbers A,B such that the Akida input is A × Keras input + B, e.g. 255,0 for 8-bit images`,
		`{"input-is-image":"maybe"}`: `<cnn2snn-converter input-is-image="maybe">: input-is-image must be true or false`,
		`{"quantize":"4,4"}`:         `<cnn2snn-converter quantize="4,4">: quantize must be three bit widths W,A,I (weights, activations, first-layer weights), e.g. 4,4,8`,
		`{"quantize":"4,0,8"}`:       `<cnn2snn-converter quantize="4,0,8">: quantize must be three bit widths W,A,I (weights, activations, first-layer weights), e.g. 4,4,8`,
		`{"sample":" "}`:             `<cnn2snn-converter sample=" ">: sample must be the URL of a model file, e.g. models/my_model.h5`,
		`{"quantise":"4,4,8"}`:       `<cnn2snn-converter quantise="4,4,8">: quantise is not an attribute of the converter; its attributes are target, input-scaling, input-is-image, quantize, sample`,
		`{"target":"v2","zz":"1"}`:   `<cnn2snn-converter zz="1">: zz is not an attribute of the converter; its attributes are target, input-scaling, input-is-image, quantize, sample`,
		`["target"]`:                 `the element's attributes did not reach the page: json: cannot unmarshal array into Go value of type map[string]string`,
	} {
		_, err := parseSettings(attrs, ui.DefaultForm())
		if err == nil || err.Error() != want {
			t.Errorf("%s: error %v\n want %s", attrs, err, want)
		}
	}
}
