package akida

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestParamsSetKeepsKeysSorted(t *testing.T) {
	var p Params
	p.Set("units", 10)
	p.Set("act_bits", 4)
	p.Set("weights_bits", 2)
	p.Set("activation", 1)
	p.Set("units", 12) // overwrite keeps one entry

	if got, want := p.Keys(), []string{"act_bits", "activation", "units", "weights_bits"}; !slices.Equal(got, want) {
		t.Fatalf("Keys() = %v, want %v", got, want)
	}
	if v, ok := p.Get("units"); !ok || v != 12 {
		t.Errorf("Get(units) = %d, %v, want 12, true", v, ok)
	}
	if v, ok := p.Get("filters"); ok || v != 0 {
		t.Errorf("Get(filters) = %d, %v, want 0, false", v, ok)
	}
	var order []string
	for k, v := range p.All() {
		order = append(order, k)
		if v != p.Value(k) {
			t.Errorf("All() gives %s=%d, Value gives %d", k, v, p.Value(k))
		}
	}
	if !slices.Equal(order, p.Keys()) {
		t.Errorf("All() order %v, want %v", order, p.Keys())
	}

	p.Delete("activation")
	p.Delete("absent")
	if got, want := p.Keys(), []string{"act_bits", "units", "weights_bits"}; !slices.Equal(got, want) {
		t.Errorf("after Delete, Keys() = %v, want %v", got, want)
	}
}

func TestParamsCloneIsIndependent(t *testing.T) {
	var p Params
	p.Set("filters", 32)
	q := p.Clone()
	q.Set("filters", 64)
	q.Set("kernel_width", 3)
	if p.Value("filters") != 32 || p.Len() != 1 {
		t.Errorf("changing a clone changed the original: filters=%d len=%d", p.Value("filters"), p.Len())
	}
	if p.Equal(q) {
		t.Error("Equal reports different params as equal")
	}
	r := p.Clone()
	if !p.Equal(r) {
		t.Error("Equal reports a clone as different")
	}
}

func TestParamsJSON(t *testing.T) {
	var p Params
	p.Set("stride_x", 2)
	p.Set("act_bits", -1)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"act_bits":-1,"stride_x":2}`; got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
}
