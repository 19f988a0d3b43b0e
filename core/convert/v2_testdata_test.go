package convert

import (
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// The small quantizeml models of testdata/quantizeml, written with h5py by
// tools/qmlgen/make_qml_convert_testdata.py (its README says what each
// holds): v2_* models whose Akida 2.0 variables are worked out by hand
// (v2_layers_test.go), chain_* models with one block per pattern of
// conversion-v2.md §1.5, per tensor (_pt) and per axis (_pa)
// (v2_patterns_test.go), and err_* models with the problems of §1–§2
// (v2_errors_test.go).

// loadQMLModel loads testdata/quantizeml/<name>.h5.
func loadQMLModel(t testing.TB, name string) *keras.Model {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "quantizeml", name+".h5"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := keras.Load([]keras.File{{Name: name + ".h5", Data: b}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// convertQML converts a testdata model that converts: Check says it is
// compatible (no diagnostic), Convert succeeds with the same report, and
// the Akida model survives an .fbz round trip.
func convertQML(t *testing.T, name string, o Options) (*keras.Model, *akida.Model, *Report) {
	t.Helper()
	m := loadQMLModel(t, name)
	checked, err := Check(m, o)
	if err != nil || !checked.Compatible || len(checked.Diagnostics) != 0 || checked.Origin != OriginQuantizeML || checked.Target != TargetV2 {
		t.Fatalf("%s: check %v %+v", name, err, checked)
	}
	am, r, err := Convert(m, o)
	if err != nil {
		t.Fatalf("%s: Check says compatible, but Convert fails: %v", name, err)
	}
	if !reflect.DeepEqual(r, checked) {
		t.Errorf("%s: Convert's report differs from Check's:\n%+v\n%+v", name, r, checked)
	}
	roundTrip(t, am)
	return m, am, r
}

// failQML checks a testdata model that does not convert: Check reports
// exactly want (in layer order, whole-model problems first) and says it
// is not compatible, and Convert fails with the same diagnostics, its
// error reading first (cnn2snn's first error).
func failQML(t *testing.T, name string, o Options, first compat.Diagnostic, want ...compat.Diagnostic) *Report {
	t.Helper()
	m := loadQMLModel(t, name)
	r, err := Check(m, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Compatible || !slices.Equal(r.Diagnostics, want) {
		t.Errorf("%s: compatible %v, diagnostics:\n%s\nwant:\n%s", name, r.Compatible, diagText(r.Diagnostics), diagText(want))
	}
	if !slices.Contains(want, first) {
		t.Errorf("%s: the first error %q is not among the diagnostics", name, first.Message)
	}
	for _, d := range r.Diagnostics {
		if rule := compat.Lookup(d.Rule); rule == nil || rule.Doc == "" || !rule.AppliesTo(TargetV2) {
			t.Errorf("%s: diagnostic of rule %q, which is not a documented Akida 2.0 rule", name, d.Rule)
		}
	}
	_, cr, err := Convert(m, o)
	var ce *Error
	if !errors.As(err, &ce) || ce.First != first || err.Error() != first.Message || !slices.Equal(ce.Diagnostics, want) {
		t.Errorf("%s: Check says not compatible; Convert must fail with %q, got %v", name, first.Message, err)
	}
	if cr == nil || !reflect.DeepEqual(cr, r) {
		t.Errorf("%s: Convert's report differs from Check's", name)
	}
	return r
}

func diagText(ds []compat.Diagnostic) string {
	out := ""
	for _, d := range ds {
		out += "  " + d.Layer + " [" + d.Rule + "] " + d.Message + "\n"
	}
	return out
}

// wantLayer is an Akida layer as a test expects it: its type, inbounds,
// every parameter, and every variable: exact values, or for large ones
// the sum, the sum of magnitudes and the first values, or (LUT tables)
// values at some indices.
type wantLayer struct {
	name     string
	kind     akida.LayerType
	inbounds []string
	params   map[string]int32
	vars     map[string][]float64
	sums     map[string]sums
	spot     map[string]map[int]float64
}

// sums summarises a large variable: Σv, Σ|v| and its first values in C
// order.
type sums struct {
	sum, abs float64
	first    []float64
}

// expectAkidaLayers compares the model's layers with want, in order.
func expectAkidaLayers(t *testing.T, am *akida.Model, want []wantLayer) {
	t.Helper()
	if len(am.Layers) != len(want) {
		names := []string{}
		for _, l := range am.Layers {
			names = append(names, l.Name+" "+l.Type.String())
		}
		t.Fatalf("layers %v, want %d layers", names, len(want))
	}
	for i, w := range want {
		l := am.Layers[i]
		if l.Name != w.name || l.Type != w.kind || !slices.Equal(l.Inbounds, w.inbounds) {
			t.Errorf("layer %d: %s %s ← %v, want %s %s ← %v", i, l.Name, l.Type, l.Inbounds, w.name, w.kind, w.inbounds)
			continue
		}
		params := maps.Collect(l.Params.All())
		if !maps.Equal(params, w.params) {
			t.Errorf("%s parameters:\n got %v\nwant %v", l.Name, params, w.params)
		}
		var names, wantNames []string
		for _, v := range l.Variables {
			names = append(names, v.Name)
		}
		wantNames = slices.Collect(maps.Keys(w.vars))
		wantNames = append(wantNames, slices.Collect(maps.Keys(w.sums))...)
		wantNames = slices.Sorted(slices.Values(append(wantNames, slices.Collect(maps.Keys(w.spot))...)))
		if !slices.Equal(names, wantNames) {
			t.Errorf("%s variables %v, want %v", l.Name, names, wantNames)
		}
		for name, values := range w.vars {
			if v := l.Variable(name); v != nil {
				if got := numbers(t, v); !slices.Equal(got, values) {
					t.Errorf("%s %s:\n got %v\nwant %v", l.Name, name, got, values)
				}
			}
		}
		for name, at := range w.spot {
			if v := l.Variable(name); v != nil {
				got := numbers(t, v)
				for i, want := range at {
					if i >= len(got) || got[i] != want {
						t.Errorf("%s %s[%d] ≠ %v", l.Name, name, i, want)
					}
				}
			}
		}
		for name, s := range w.sums {
			if v := l.Variable(name); v != nil {
				got := numbers(t, v)
				sum, abs := 0.0, 0.0
				for _, x := range got {
					sum, abs = sum+x, abs+math.Abs(x)
				}
				if sum != s.sum || abs != s.abs || !slices.Equal(got[:len(s.first)], s.first) {
					t.Errorf("%s %s: Σ %v Σ|v| %v first %v, want %v %v %v", l.Name, name, sum, abs, got[:len(s.first)], s.sum, s.abs, s.first)
				}
			}
		}
	}
}

// numbers returns a variable's values as float64, whatever its element
// type.
func numbers(t *testing.T, v *akida.Variable) []float64 {
	t.Helper()
	var out []float64
	add := func(x float64) { out = append(out, x) }
	if s, err := v.Int8s(); err == nil {
		for _, x := range s {
			add(float64(x))
		}
	} else if s, err := v.Uint8s(); err == nil {
		for _, x := range s {
			add(float64(x))
		}
	} else if s, err := v.Int16s(); err == nil {
		for _, x := range s {
			add(float64(x))
		}
	} else if s, err := v.Int32s(); err == nil {
		for _, x := range s {
			add(float64(x))
		}
	} else if s, err := v.Float32s(); err == nil {
		for _, x := range s {
			add(float64(x))
		}
	} else {
		t.Fatalf("variable %s: unknown element type %v", v.Name, v.Type)
	}
	return out
}

func f64s[T int | int8 | int32 | float32 | float64](v ...T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// fill is n copies of v (a per-tensor value cnn2snn broadcasts).
func fill(n int, v float64) []float64 { return slices.Repeat([]float64{v}, n) }

// crossCheckRecord compares every Akida 2.0 variable with what
// keras.RecordQuantizeML records for the Keras layers of its block (the
// recording has its own hand-computed tests in core/keras): integer
// weights (flipped for Conv2D and DepthwiseConv2D), aligned biases and
// shifts, input shifts (present exactly when recorded, never on InputConv2D
// and DepthwiseConv2D), bounded ReLU values, LUT tables and their input
// scales, output scales and shifts (clipped at −buffer_bits + 1), the
// Quantizer's scales and zero points, Add shifts, Dequantizer scales.
func crossCheckRecord(t *testing.T, m *keras.Model, am *akida.Model, r *Report) {
	t.Helper()
	rec, err := keras.RecordQuantizeML(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range r.Blocks {
		l := am.Layer(b.AkidaLayer)
		if l == nil || l.Type == akida.InputData || l.Type == akida.Concatenate {
			continue
		}
		var main []*keras.Layer // the block's layers that are not skipped
		for _, name := range b.KerasLayers {
			if k := m.Layer(name); !compat.IsQMLSkippable(m, k) {
				main = append(main, k)
			}
		}
		want := map[string][]float64{}
		named := rec.Layer(l.Name)
		last := rec.Layer(main[len(main)-1].Name)
		bufferBits := int(l.Params.Value("buffer_bits"))
		output := func(prefix string, q *keras.QMLOutputQuantizer) {
			if q == nil {
				return
			}
			if q.Scales != nil {
				want[prefix+"_scales"] = f64s(q.Scales...)
			}
			shifts := make([]float64, len(q.Shift))
			for i, s := range q.Shift {
				shifts[i] = float64(max(s, -bufferBits+1))
			}
			want[prefix+"_shift"] = shifts
		}
		switch l.Type {
		case akida.Quantizer:
			scales := []float64{}
			for _, f := range named.Output.Frac {
				scales = append(scales, math.Ldexp(1, f))
			}
			want["scales"] = scales
			if named.ZeroPoints != nil {
				want["zero_points"] = f64s(named.ZeroPoints...)
			}
		case akida.Add:
			want["a_shift"], want["b_shift"] = f64s(named.AShift...), f64s(named.BShift...)
			output("output", named.OutputQuantizer)
		case akida.Dequantizer:
			want["scales"] = f64s(named.DequantizerScales...)
		default: // the neural layers
			w := named.Weights.Values
			if l.Type == akida.Conv2D || l.Type == akida.DepthwiseConv2D {
				w = flippedKernel(w, named.Weights.Shape)
			}
			want["weights"] = f64s(w...)
			if named.Bias != nil {
				want["bias"], want["bias_shift"] = f64s(named.Bias...), f64s(named.BiasShift...)
			}
			if named.InputShift != nil && l.Type != akida.InputConv2D && l.Type != akida.DepthwiseConv2D {
				want["input_shift"] = f64s(named.InputShift...)
			}
			if l.Type == akida.InputConv2D {
				want["padding_value"] = []float64{0}
				if named.PaddingValue != nil {
					want["padding_value"] = f64s(named.PaddingValue...)
				}
			}
			for _, k := range main {
				kr := rec.Layer(k.Name)
				if kr.MaxValue != nil {
					want["max_value"], want["max_value_shift"] = f64s(kr.MaxValue...), f64s(kr.MaxValueShift...)
				}
				if kr.LUT != nil {
					want["lut_values"] = f64s(kr.LUT.Values...)
					output("activation", named.OutputQuantizer)
				}
			}
			output("output", last.OutputQuantizer)
		}
		var got []string
		for _, v := range l.Variables {
			got = append(got, v.Name)
		}
		if names := slices.Sorted(maps.Keys(want)); !slices.Equal(got, names) {
			t.Errorf("%s (%s): variables %v, the recording gives %v", l.Name, l.Type, got, names)
			continue
		}
		for name, values := range want {
			v := numbers(t, l.Variable(name))
			if len(values) == 1 && len(v) > 1 {
				values = fill(len(v), values[0]) // cnn2snn's broadcast
			}
			if !slices.Equal(v, values) {
				t.Errorf("%s (%s) %s:\n got %v\n recorded %v", l.Name, l.Type, name, v, values)
			}
		}
	}
}

// flippedKernel is a (kh, kw, …) kernel flipped on both spatial axes.
func flippedKernel(w []int8, shape []int) []int8 {
	kh, kw := shape[0], shape[1]
	inner := len(w) / (kh * kw)
	out := make([]int8, 0, len(w))
	for y := kh - 1; y >= 0; y-- {
		for x := kw - 1; x >= 0; x-- {
			at := (y*kw + x) * inner
			out = append(out, w[at:at+inner]...)
		}
	}
	return out
}
