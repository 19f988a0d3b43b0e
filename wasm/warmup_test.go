package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
)

// The built-in model goes through the code a user's float AkidaNet-like
// model goes through: the HDF5 reader on nested groups, the quantizer
// (BatchNormalization folded, a ReLU calibrated, Dropout removed), every
// kind of Akida layer the converter makes, the .fbz encoder.
func TestWarmUpModelConverts(t *testing.T) {
	r, err := core.Convert([]core.File{{Name: "akidanet_mini.h5", Data: warmUpModel}}, core.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var layers []string
	for _, b := range r.Report.Blocks {
		layers = append(layers, b.AkidaLayer+":"+b.AkidaType)
	}
	want := []string{"conv_0:InputConvolutional", "conv_1:Convolutional", "separable_2:SeparableConvolutional",
		"separable_3:SeparableConvolutional", "dense_4:FullyConnected", "classifier:FullyConnected"}
	if !slices.Equal(layers, want) {
		t.Errorf("Akida layers %q, want %q", layers, want)
	}
	if s := r.Report.InputScaling; s == nil || s.Source != "rescaling" || s.Scale != 128 || s.Shift != 128 {
		t.Errorf("input scaling %+v, want (128, 128) from the Rescaling layer", s)
	}
	q := r.Report.Quantization
	if q == nil || q.Calibration == nil {
		t.Fatalf("the model was not quantized with a calibration: %+v", q)
	}
	var actions []string
	for _, a := range q.Actions {
		actions = append(actions, a.Kind+" "+a.Layer)
	}
	text := strings.Join(actions, ", ")
	for _, want := range []string{"conv_0/BN", "separable_3/BN", "dropout", "dense_4/relu"} {
		if !strings.Contains(text, " "+want) {
			t.Errorf("no quantization action on %s: %s", want, text)
		}
	}
	if r.Report.Weights != 1204 || len(r.FBZ) == 0 {
		t.Errorf("%d weights, %d .fbz bytes; want 1204 weights", r.Report.Weights, len(r.FBZ))
	}
}

func TestWarmUpStopsAtTheFirstCall(t *testing.T) {
	pauses := 0
	pause := func() { pauses++ }
	// No call comes: every pass runs.
	if err := warmUp(3, func() bool { return false }, pause); err != nil || pauses != 3 {
		t.Errorf("warmUp(3) paused %d times, error %v; want 3 passes", pauses, err)
	}
	// A call comes during the second pass: the third pass does not run.
	pauses = 0
	if err := warmUp(12, func() bool { return pauses > 2 }, pause); err != nil || pauses != 3 {
		t.Errorf("warmUp stopped after %d pauses, error %v; want 3 (two passes, then the call)", pauses, err)
	}
}
