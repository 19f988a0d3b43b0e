package ui

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// mnistVerification is the facade's verification of the bundled sample on
// 2 inputs with seed 1 (`cnn2snn verify --samples 2` on it), decoded from
// its JSON as the page decodes the API's answer.
func mnistVerification(t *testing.T) *VerifyReport {
	t.Helper()
	data := fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras")
	r, err := core.Verify([]core.File{{Name: "mnist.keras", Data: data}}, core.Options{}, core.VerifyOptions{Samples: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	text, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var v VerifyReport
	if err := json.Unmarshal(text, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

func TestVerificationOfTheSample(t *testing.T) {
	r := mnistVerification(t)
	// The CLI prints for this run: top-1 100.00% (quantized), 100.00%
	// (float); conv2d_1 99.53% chained, 15 boundary cases of 14272 levels.
	wantFigures := []VerifyFigure{
		{"output", "Top-1 agreement, quantized Keras ↔ Akida", "100%", "How often the Akida model picks the same class as the quantized Keras model it was converted from."},
		{"float", "Top-1 agreement, float Keras ↔ Akida", "100%", "How often the Akida model picks the same class as your original float model. Measured on 2 seeded random inputs, not on real data: it shows how far quantization moved the outputs, not your model's accuracy."},
		{"boundary", "Boundary cases", "15 of 14,272 values (0.105%)", "Values where an Akida layer is one level above Keras because cnn2snn rounds each threshold down. This is how cnn2snn converts, not an error."},
	}
	if got := r.Figures(); !reflect.DeepEqual(got, wantFigures) {
		t.Errorf("figures\n got  %q\n want %q", got, wantFigures)
	}
	wantRows := []VerifyRow{
		{"conv2d", "InputConvolutional", "conv2d/relu", "100%", "0 levels", "100%", "0", "✓", true},
		{"conv2d_1", "Convolutional", "conv2d_1/relu", "99.53%", "1 level", "99.53%", "15", "✓", true},
		{"dense", "FullyConnected", "dense/relu", "97.66%", "1 level", "100%", "0", "✓", true},
		{"dense_1", "FullyConnected", "dense_1", "20.00%", "17.01 potential units", "100%", "0", "✓", true},
	}
	if got := r.Rows(); !reflect.DeepEqual(got, wantRows) {
		t.Errorf("rows\n got  %+v\n want %+v", got, wantRows)
	}
	if got, want := r.Verdict(), "Proved: every difference between the Akida model and the quantized Keras model is explained by cnn2snn's floored thresholds."; got != want {
		t.Errorf("verdict %q", got)
	}
	if got, want := r.InputsNote(), "Ran on 2 seeded random inputs (seed 1): uniform integers 0…255 (8-bit Akida inputs), the same values for the Keras models (input scaling 1, 0)."; got != want {
		t.Errorf("inputs note\n got  %q\n want %q", got, want)
	}
}

func TestVerificationNotProved(t *testing.T) {
	r := &VerifyReport{Samples: 1, Unexplained: 3, Layers: []VerifyLayer{
		{Name: "conv_0", Keras: "conv_0/relu", Activation: true, Agreement: 0.99996, MaxLevelDiff: 2,
			Isolated: VerifyIsolated{Agreement: 0.00001, Unexplained: 3}},
		{Name: "conv_1", Keras: "conv_1/relu", Activation: true, Agreement: 1, Isolated: VerifyIsolated{Agreement: 1}},
	}}
	if got, want := r.Verdict(), "Not proved: 3 values differ in a way cnn2snn's floored thresholds do not explain. The conversion may be wrong: please report it with the model file."; got != want {
		t.Errorf("verdict %q", got)
	}
	rows := r.Rows()
	// 99.996% must not read as full agreement, nor 0.001% as none.
	if rows[0].Agreement != "99.99%" || rows[0].Alone != "0.01%" || rows[0].MaxDiff != "2 levels" || rows[0].Explained != "✗ 3 unexplained" || rows[0].Proved {
		t.Errorf("row %+v", rows[0])
	}
	if rows[1].Explained != "✗" {
		t.Errorf("a layer not proved without unexplained values shows %q, want ✗", rows[1].Explained)
	}
	if f := r.Figures()[1]; f.Value != "–" || f.Meaning != "The model was given already quantized: there is no float model to compare with." {
		t.Errorf("float figure of a quantized model: %+v", f)
	}
	if got := r.InputsNote(); got != "Ran on 1 seeded random input (seed 0): ." {
		t.Errorf("inputs note %q", got)
	}

	r.Clamped = []string{"conv_0"}
	if got, want := r.Verdict(), "Not proved: cnn2snn clamped the values of layer conv_0 to the Akida 1.0 limits, so the Akida model cannot match the Keras model exactly there (see the notes)."; got != want {
		t.Errorf("verdict %q", got)
	}
	r.Clamped, r.Unexplained = nil, 0
	if got, want := r.Verdict(), "Not proved: in the layers marked ✗, the threshold fraction cnn2snn drops is not the same for all values of a neuron."; got != want {
		t.Errorf("verdict %q", got)
	}
}

func TestVerifySamplesFrom(t *testing.T) {
	for in, want := range map[string]int{"4": 4, " 16 ": 16, "10000": 10000, "1": 1} {
		if n, err := verifySamplesFrom(in); n != want || err != nil {
			t.Errorf("verifySamplesFrom(%q) = %d, %v; want %d", in, n, err, want)
		}
	}
	for in, want := range map[string]string{
		"0":     `verify: the number of inputs must be a whole number from 1 to 10000; got "0"`,
		"10001": `verify: the number of inputs must be a whole number from 1 to 10000; got "10001"`,
		"2.5":   `verify: the number of inputs must be a whole number from 1 to 10000; got "2.5"`,
		"":      `verify: the number of inputs must be a whole number from 1 to 10000; got ""`,
	} {
		if _, err := verifySamplesFrom(in); errText(err) != want {
			t.Errorf("verifySamplesFrom(%q): %q, want %q", in, errText(err), want)
		}
	}
}

func TestCanVerify(t *testing.T) {
	p := &Page{Kind: KindKeras}
	if p.CanVerify() {
		t.Error("a Keras model that is not converted can be verified")
	}
	p.FBZName = "m.fbz"
	if !p.CanVerify() {
		t.Error("a converted Keras model cannot be verified")
	}
	p.Kind = KindAkida
	if p.CanVerify() {
		t.Error("an opened .fbz can be verified")
	}
}

func TestRenderVerification(t *testing.T) {
	// Converted, not yet verified: the pane offers the button only.
	p := &Page{Kind: KindKeras, Form: DefaultForm(), FBZName: "mnist.fbz", VerifySamples: DefaultVerifySamples}
	doc := render(t, p)
	pane := one(t, doc, "cnn2snn-verify")
	if got := text(one(t, pane, "cnn2snn-verify-button")); got != "Verify" {
		t.Errorf("button %q", got)
	}
	if len(find(pane, "cnn2snn-verify-result")) != 0 {
		t.Error("a result is shown before any verification")
	}

	p.Verification = mnistVerification(t)
	doc = render(t, p)
	result := one(t, doc, "cnn2snn-verify-result")
	if attr(result, "data-proved") != "true" {
		t.Errorf("data-proved %q", attr(result, "data-proved"))
	}
	if got := text(one(t, doc, "cnn2snn-verify-button")); got != "Verify again" {
		t.Errorf("button %q", got)
	}
	if got := text(one(t, result, "cnn2snn-verify-verdict")); got != p.Verification.Verdict() {
		t.Errorf("verdict %q", got)
	}
	if got := texts(find(result, "cnn2snn-figure")); !slices.Equal(got, []string{"100%", "100%", "15 of 14,272 values (0.105%)"}) {
		t.Errorf("figures %q", got)
	}
	rows := find(result, "cnn2snn-verify-row")
	if len(rows) != 4 {
		t.Fatalf("%d layer rows, want 4", len(rows))
	}
	if got, want := text(rows[1]), "Convolutional conv2d_1 conv2d_1/relu 99.53% 1 level 99.53% 15 ✓"; got != want {
		t.Errorf("row of conv2d_1\n got  %q\n want %q", got, want)
	}
	if got := attr(rows[3], "data-akida-layer"); got != "dense_1" {
		t.Errorf("last row is %q, want dense_1", got)
	}
}
