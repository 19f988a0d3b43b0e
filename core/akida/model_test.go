package akida

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestAddConnectsToTheLastLayer(t *testing.T) {
	m := specSummaryModel(t)
	var inbounds [][]string
	for _, l := range m.Layers {
		inbounds = append(inbounds, l.Inbounds)
	}
	// The input layer has no inbound; the others follow each other.
	if len(inbounds[0]) != 0 || !slices.Equal(inbounds[1], []string{"conv2d"}) || !slices.Equal(inbounds[2], []string{"separable_conv2d"}) {
		t.Errorf("inbounds %q", inbounds)
	}
	if err := m.Add(NewDequantizer("dense")); err == nil || err.Error() != `cannot add layer "dense": the model already has a layer of that name` {
		t.Errorf("duplicate name: %v", err)
	}
	stranger := NewDequantizer("stranger")
	if err := m.Add(NewDequantizer("deq"), stranger); err == nil || err.Error() != `cannot add layer "deq": its inbound layer is not in the model; add the inbound layer first` {
		t.Errorf("foreign inbound: %v", err)
	}
	if len(m.Layers) != 3 {
		t.Errorf("failed Adds changed the model: %d layers", len(m.Layers))
	}
}

func TestSetVariableKeepsNamesSorted(t *testing.T) {
	l := &Layer{Name: "l"}
	for _, name := range []string{"weights", "act_step", "threshold", "weights_pw", "act_step"} {
		v, _ := NewInt32s(name, []int{1}, []int32{int32(len(name))})
		l.SetVariable(v)
	}
	var names []string
	for _, v := range l.Variables {
		names = append(names, v.Name)
	}
	if want := []string{"act_step", "threshold", "weights", "weights_pw"}; !slices.Equal(names, want) {
		t.Errorf("variables %v, want %v", names, want)
	}
	if l.Variable("threshold") == nil || l.Variable("bias") != nil {
		t.Error("Variable lookup is wrong")
	}
}

func TestCheckNamesWhatIsWrong(t *testing.T) {
	broken := func(change func(m *Model)) *Model {
		m := specSummaryModel(t)
		change(m)
		return m
	}
	for _, tc := range []struct {
		m    *Model
		want string
	}{
		{&Model{}, "the model has no layers"},
		{broken(func(m *Model) { m.Layers[1].Name = "" }), "layer 1 (SeparableConvolutional) has no name: every layer needs a unique name"},
		{broken(func(m *Model) { m.Layers[2].Name = "conv2d" }), `layer 2: the name "conv2d" is used by an earlier layer too: layer names must be unique`},
		{broken(func(m *Model) { m.Layers[1].Inbounds = []string{"dense"} }), `layer "separable_conv2d": inbound layer "dense" is not an earlier layer of the model`},
		{broken(func(m *Model) { m.Layers[2].Params.Delete("act_bits") }),
			`layer "dense" (FullyConnected): parameter "act_bits" is missing: build the layer with akida.NewFullyConnected or set it`},
		{broken(func(m *Model) { m.Layers[2].Params.Set("filters", 3) }),
			`layer "dense" (FullyConnected): parameter "filters" is not one akida stores for this layer type (it stores [act_bits activation units weights_bits]): remove it`},
		{broken(func(m *Model) { m.Layers[2].Params.Set("layer_type", 3) }),
			`layer "dense": "layer_type" must not be among the parameters: set Layer.Type instead`},
		{broken(func(m *Model) { m.Layers[2].Variables[0].Data = m.Layers[2].Variables[0].Data[1:] }),
			`layer "dense": variable "weights": shape [1 1 3136 10] of int4 needs 31360 bytes, but the data holds 31359 bytes`},
		{broken(func(m *Model) { m.Layers[1].Variables[1].Name = "weights" }), `layer "separable_conv2d": two variables are named "weights"`},
	} {
		err := tc.m.Check()
		if err == nil || err.Error() != tc.want {
			t.Errorf("Check() = %v\nwant %s", err, tc.want)
		}
	}
	if err := specSummaryModel(t).Check(); err != nil {
		t.Errorf("a well-built model fails Check: %v", err)
	}
}

func TestUnverifiedAndIPVersion(t *testing.T) {
	v1 := specSummaryModel(t)
	if got := v1.Unverified(); len(got) != 0 || v1.IPVersion() != "v1" {
		t.Errorf("Akida 1.0 model: unverified %q, IP %s", got, v1.IPVersion())
	}

	// Layer type numbers come from akida's header: a v2 model whose
	// variables use only codes seen in real files (int8, int32, float32)
	// has nothing unverified.
	d := DefaultDense1D()
	d.Units = 2
	v2 := chain(t, [3]int{1, 1, 3}, NewDense1D("dense", d), NewDequantizer("dequantizer"))
	w, _ := NewWeights("weights", []int{3, 2}, make([]int8, 6), 8)
	v2.Layers[1].SetVariable(w)
	scales, _ := NewFloat32s("scales", []int{2}, []float32{0.5, 0.25})
	v2.Layers[2].SetVariable(scales)
	if got := v2.Unverified(); len(got) != 0 || v2.IPVersion() != "v2" || v2.Check() != nil {
		t.Errorf("Akida 2.0 model with known codes: unverified %q, IP %s, check %v", got, v2.IPVersion(), v2.Check())
	}
	// uint8 (shifts) and int16 (Pico coefficients) codes are inferred.
	shift, _ := NewUint8s("bias_shift", []int{2}, make([]uint8, 2))
	v2.Layers[1].SetVariable(shift)
	a, _ := NewInt16s("A_real", []int{4}, make([]int16, 4))
	sr := NewStatefulRecurrent("sr", DefaultStatefulRecurrent())
	sr.SetVariable(a)
	if err := v2.Add(sr); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"element type uint8 is coded 2 by inference: no real .fbz file confirms it",
		"element type int16 is coded 4 by inference: no real .fbz file confirms it",
	}
	if got := v2.Unverified(); !slices.Equal(got, want) {
		t.Errorf("Akida 2.0 model: unverified %q\nwant %q", got, want)
	}
	odd := &Model{Layers: []*Layer{{Name: "x", Type: 7}}}
	if got := odd.Unverified(); len(got) != 1 || got[0] != `layer type number 7 (layer "x") is not one this program knows` {
		t.Errorf("unknown type: %q", got)
	}
}

func TestJSON(t *testing.T) {
	m := specSummaryModel(t)
	m.Version = "2.19.1"
	b, err := json.Marshal(m.JSON())
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		`{"version":"2.19.1","ip_version":"v1","input_shape":[28,28,1],"output_shape":[1,1,10],"layers":[`,
		`{"name":"conv2d","type":"InputConvolutional","params":{"act_bits":1,"activation":1,"filters":32,"input_channels":1,` +
			`"input_height":28,"input_width":28,"kernel_height":3,"kernel_width":3,"layer_type":2,"padding":0,"padding_value":0,` +
			`"pool_type":0,"pooling_height":-1,"pooling_stride_x":-1,"pooling_stride_y":-1,"pooling_width":-1,"stride_x":2,"stride_y":2,` +
			`"weights_bits":1},"variables":[{"name":"weights","type":"int4","shape":[3,3,1,32]}],"inbounds":[],"output_shape":[13,13,32]}`,
		`"variables":[{"name":"weights","type":"int4","shape":[3,3,32,1]},{"name":"weights_pw","type":"int4","shape":[1,1,32,64]}],"inbounds":["conv2d"],"output_shape":[7,7,64]}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("JSON lacks\n%s\nin\n%s", want, got)
		}
	}
	if strings.Contains(got, "unverified") || strings.Contains(got, "learning") {
		t.Errorf("JSON of a verified model without learning has unverified/learning: %s", got)
	}
}
