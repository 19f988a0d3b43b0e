package sim

import "testing"

// RunLayer runs a layer on inbound values of the caller's choosing: the
// residual model's Add on branch values no input of the model gives, then
// its Dequantizer on integers of its own.
func TestRunLayerOnGivenInbounds(t *testing.T) {
	s, err := New(residualModel(t))
	if err != nil {
		t.Fatal(err)
	}
	// Two samples. Add: s = a·2^1 + b, then shiftRound(s, −1) =
	// floor((s + 1) / 2): a = 1, b = 0 → 2 → 1; a = 2, b = 1 → 5 → 3;
	// a = 3, b = −1 → 5 → 3; a = 4, b = 10 → 18 → 9; a = −7, b = 0 → −14 →
	// −7; a = 0, b = −3 → −3 → −1; a = 100, b = 100 → 300 → 150 → 127
	// (8-bit output); a = −100, b = −100 → −150 → −128.
	shape := [4]int{2, 2, 2, 1}
	a := LayerOutput{Shape: shape, Data: []int32{1, 2, 3, 4, -7, 0, 100, -100}}
	b := LayerOutput{Shape: shape, Data: []int32{0, 1, -1, 10, 0, -3, 100, -100}}
	out, err := s.RunLayer("add", []LayerOutput{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "add" {
		t.Errorf("name %q", out.Name)
	}
	checkOutput(t, out.Shape, out.Data, shape, []int32{1, 3, 3, 9, -7, -1, 127, -128})
	dq, err := s.RunLayer("dequantizer", []LayerOutput{out})
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, dq.Shape, dq.Float, shape, []float32{0.5, 1.5, 1.5, 4.5, -3.5, -0.5, 63.5, -64})
	if dq.Data != nil {
		t.Errorf("a Dequantizer's RunLayer gives integers %v", dq.Data)
	}
}

// With the inbound values Forward computes, RunLayer gives Forward's
// outputs, layer by layer.
func TestRunLayerMatchesForward(t *testing.T) {
	m := residualModel(t)
	s, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Forward(Input{Shape: [4]int{2, 2, 2, 1}, Int8: int8s(1, -1, 2, 5, 127, -128, 0, 3)}, Options{KeepLayers: true})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]LayerOutput{}
	for _, lo := range out.Layers {
		byName[lo.Name] = lo
	}
	for _, l := range m.Layers[1:] {
		var ins []LayerOutput
		for _, name := range l.Inbounds {
			ins = append(ins, byName[name])
		}
		got, err := s.RunLayer(l.Name, ins)
		if err != nil {
			t.Fatal(err)
		}
		want := byName[l.Name]
		checkOutput(t, got.Shape, got.Data, want.Shape, want.Data)
		checkOutput(t, got.Shape, got.Float, want.Shape, want.Float)
	}
}

func TestSimulatorOutputRange(t *testing.T) {
	s, err := New(residualModel(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		lo, hi int64
		ok     bool
	}{
		{"input", -128, 127, true},
		{"branch_a", -1 << 31, 1<<31 - 1, true}, // 32-bit outputs
		{"add", -128, 127, true},                // 8-bit outputs
		{"dequantizer", 0, 0, false},            // floats
		{"nope", 0, 0, false},
	} {
		lo, hi, ok := s.OutputRange(tc.name)
		if lo != tc.lo || hi != tc.hi || ok != tc.ok {
			t.Errorf("%s: %d…%d %v, want %d…%d %v", tc.name, lo, hi, ok, tc.lo, tc.hi, tc.ok)
		}
	}
}

func TestRunLayerErrors(t *testing.T) {
	s, err := New(residualModel(t))
	if err != nil {
		t.Fatal(err)
	}
	one := [4]int{1, 2, 2, 1}
	four := LayerOutput{Shape: one, Data: []int32{1, 2, 3, 4}}
	for _, tc := range []struct {
		layer string
		ins   []LayerOutput
		want  string
	}{
		{"nope", nil, `the model has no layer "nope": name one of its layers`},
		{"input", []LayerOutput{four}, `layer "input" (InputData) reads the model input: run the model with Forward`},
		{"add", []LayerOutput{four}, `layer "add" (Add) has 2 inbound layers, and 1 inputs were given: give one per inbound layer, in its inbound order`},
		{"add", []LayerOutput{four, {Shape: [4]int{2, 2, 2, 1}, Data: make([]int32, 8)}},
			`layer "add" (Add): the input for inbound layer "branch_b" has shape [2 2 2 1]; give its output shape (N, 2, 2, 1) with the same N for every inbound`},
		{"add", []LayerOutput{four, {Shape: [4]int{1, 2, 1, 1}, Data: make([]int32, 2)}},
			`layer "add" (Add): the input for inbound layer "branch_b" has shape [1 2 1 1]; give its output shape (N, 2, 2, 1) with the same N for every inbound`},
		{"add", []LayerOutput{four, {Shape: one, Data: make([]int32, 3)}},
			`layer "add" (Add): the input for inbound layer "branch_b" holds 3 integers, its shape [1 2 2 1] needs 4`},
		{"dequantizer", []LayerOutput{{Shape: one, Data: []int32{1, 2, 128, 4}}},
			`layer "dequantizer" (Dequantizer): value 128 at index 2 of the input for inbound layer "add" is outside the -128…127 that layer outputs: give values of that range`},
	} {
		_, err := s.RunLayer(tc.layer, tc.ins)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v\nwant %s", tc.layer, err, tc.want)
		}
	}
	// An empty batch runs and gives no values.
	out, err := s.RunLayer("branch_a", []LayerOutput{{Shape: [4]int{0, 2, 2, 1}}})
	if err != nil || len(out.Data) != 0 || out.Shape != [4]int{0, 2, 2, 1} {
		t.Errorf("empty batch: %v, %+v", err, out)
	}
}
