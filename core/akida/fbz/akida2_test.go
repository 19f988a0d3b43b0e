package fbz_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/akidatest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

// statefulModel is an InputData followed by a StatefulRecurrent (Akida
// Pico): its shapes are not derived, so Encode checks only its keys and the
// element types of its variables.
func statefulModel(t *testing.T) *akida.Model {
	t.Helper()
	o := akida.DefaultStatefulRecurrent()
	o.StatefulChannels, o.OutputChannels, o.Subsample = 4, 2, 2
	sr := akida.NewStatefulRecurrent("recurrent", o)
	aReal, err1 := akida.NewInt16s("A_real", []int{4}, []int16{-300, 1, 2, 32767})
	aImag, err2 := akida.NewInt16s("A_imag", []int{4}, []int16{5, -6, 7, -32768})
	inProj, err3 := akida.NewWeights("in_proj", []int{3, 4}, make([]int8, 12), 8)
	scale, err4 := akida.NewUint8s("new_state_scale", []int{4}, []uint8{1, 2, 3, 4})
	if err := errorsJoin(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	for _, v := range []*akida.Variable{aReal, aImag, inProj, scale} {
		sr.SetVariable(v)
	}
	m := &akida.Model{}
	if err := errorsJoin(m.Add(akida.NewInputDataV2("input", [3]int{1, 8, 3}, 8)), m.Add(sr)); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRoundTripAkida2Models(t *testing.T) {
	// Decode(Encode(m)) == m for every Akida 2.0 layer kind, two-inbound
	// Add and Concatenate included.
	for name, m := range map[string]*akida.Model{
		"graph":    akidatest.Graph(t),
		"temporal": akidatest.Temporal(t),
		"stateful": statefulModel(t),
	} {
		t.Run(name, func(t *testing.T) {
			out, err := fbz.Encode(m, fbz.Options{})
			if err != nil {
				t.Fatal(err)
			}
			again, err := fbz.Decode(out)
			if err != nil {
				t.Fatal(err)
			}
			m.Version = fbz.DefaultVersion
			sameModel(t, again, m)
			if again.IPVersion() != "v2" {
				t.Errorf("IP version %s", again.IPVersion())
			}
		})
	}
}

func TestAkida2PayloadMatchesFlatc(t *testing.T) {
	// flatc reads an Akida 2.0 payload with spec/akida.fbs: every layer's
	// name, inbounds, parameter entries (layer_type with the header's
	// numbers, 0 values elided), variables with their type code (also 0),
	// reversed shapes and bytes.
	m := akidatest.Graph(t)
	payload, err := fbz.EncodePayload(m, fbz.DefaultVersion)
	if err != nil {
		t.Fatal(err)
	}
	var got flatcModel
	if err := json.Unmarshal(flatcJSON(t, payload), &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != "2.19.1" || len(got.Layers) != len(m.Layers) {
		t.Fatalf("version %q, %d layers", got.Version, len(got.Layers))
	}
	layerTypes := map[string]int32{}
	for i, gl := range got.Layers {
		l := m.Layers[i]
		if gl.Name != l.Name || !slices.Equal(gl.Inbounds, l.Inbounds) || gl.Params.Params == nil {
			t.Errorf("layer %d: %s <%v>, want %s <%v>", i, gl.Name, gl.Inbounds, l.Name, l.Inbounds)
			continue
		}
		var keys []string
		for _, e := range gl.Params.Params.Entries {
			keys = append(keys, e.Key)
			if e.Key == "layer_type" {
				layerTypes[l.Name] = e.Value
			} else if v, ok := l.Params.Get(e.Key); !ok || v != e.Value {
				t.Errorf("%s: %s = %d, model %d", l.Name, e.Key, e.Value, v)
			}
		}
		if want := append(l.Params.Keys(), "layer_type"); !slices.Equal(keys, sortedCopy(want)) {
			t.Errorf("%s: entries %v, want %v", l.Name, keys, want)
		}
		checkVariables(t, l, gl.Variables)
	}
	want := map[string]int32{"conv0": 15, "dw": 16, "pw": 14, "add": 6, "up": 17, "dwup": 20, "cat": 12, "head": 14, "dense": 25, "dequantizer": 19}
	if !mapsEqual(layerTypes, want) {
		t.Errorf("layer_type entries %v\nwant %v", layerTypes, want)
	}
	// The Temporal model's other numbers.
	payload, err = fbz.EncodePayload(akidatest.Temporal(t), fbz.DefaultVersion)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(flatcJSON(t, payload), &got); err != nil {
		t.Fatal(err)
	}
	clear(layerTypes)
	for _, gl := range got.Layers {
		for _, e := range gl.Params.Params.Entries {
			if e.Key == "layer_type" {
				layerTypes[gl.Name] = e.Value
			}
		}
	}
	want = map[string]int32{"input_quantizer": 27, "input": 1, "dense": 25, "dwtemp": 22, "temp": 21, "dequantizer": 19}
	if !mapsEqual(layerTypes, want) {
		t.Errorf("layer_type entries %v\nwant %v", layerTypes, want)
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func mapsEqual(a, b map[string]int32) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// flatcBinary compiles a JSON payload with `flatc -b` and spec/akida.fbs.
func flatcBinary(t *testing.T, jsonText string) []byte {
	t.Helper()
	if runtime.GOOS == "js" {
		t.Skip("skipped: GOOS=js cannot run programs; the flatc oracle runs in the native tests")
	}
	flatc, err := exec.LookPath("flatc")
	if err != nil {
		t.Skip("skipped: flatc is not on PATH (CI installs Debian's flatbuffers-compiler); the flatc oracle cannot run")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "payload.json")
	if err := os.WriteFile(in, []byte(jsonText), 0o644); err != nil {
		t.Fatal(err)
	}
	schema, err := filepath.Abs(filepath.Join("schema", "akida.fbs"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(flatc, "-b", "-o", dir, schema, in).CombinedOutput(); err != nil {
		t.Fatalf("flatc: %v\n%s", err, out)
	}
	out, err := os.ReadFile(filepath.Join(dir, "payload.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// akida2ResidualJSON is a residual Akida 2.0 payload written by hand in
// flatc's JSON (independently of Encode): an 8-bit InputData, a 1×1
// DepthwiseConv2D, an Add of both and a Dequantizer.
const akida2ResidualJSON = `{
  "version": "2.19.1",
  "layers": [
    {"name": "input", "variables": [], "inbounds": [],
     "params": {"params": {"entries": [
       {"key": "input_bits", "value": 8}, {"key": "input_channels", "value": 2}, {"key": "input_height", "value": 3},
       {"key": "input_signed", "value": 1}, {"key": "input_width", "value": 4}, {"key": "layer_type", "value": 1}]}}},
    {"name": "dw", "inbounds": ["input"],
     "variables": [
       {"name": "bias", "shape": [2], "data": [3, 253], "type": 3},
       {"name": "bias_shift", "shape": [2], "data": [1, 0], "type": 2},
       {"name": "weights", "shape": [1, 2, 1, 1], "data": [127, 129], "type": 3}],
     "params": {"params": {"entries": [
       {"key": "activation", "value": 1}, {"key": "buffer_bits", "value": 28}, {"key": "kernel_size", "value": 1},
       {"key": "kernel_stride", "value": 1}, {"key": "layer_type", "value": 16}, {"key": "output_bits", "value": 8},
       {"key": "padding", "value": 1}, {"key": "pool_size", "value": -1}, {"key": "pool_stride", "value": -1},
       {"key": "pool_type"}, {"key": "post_op_buffer_bits", "value": 32}, {"key": "weights_bits", "value": 8}]}}},
    {"name": "add", "inbounds": ["input", "dw"],
     "variables": [{"name": "a_shift", "shape": [2], "data": [2, 2], "type": 2}],
     "params": {"params": {"entries": [
       {"key": "buffer_bits", "value": 32}, {"key": "layer_type", "value": 6}, {"key": "output_bits", "value": 8},
       {"key": "post_op_buffer_bits", "value": 32}]}}},
    {"name": "dequantizer", "inbounds": ["add"],
     "variables": [{"name": "scales", "shape": [2], "data": [0, 0, 128, 63, 0, 0, 0, 62], "type": 1}],
     "params": {"params": {"entries": [{"key": "layer_type", "value": 19}]}}}
  ]
}`

func TestDecodeHandWrittenAkida2Payload(t *testing.T) {
	// flatc builds the payload; Decode must read exactly the model the
	// constructors build.
	got, err := fbz.DecodePayload(flatcBinary(t, akida2ResidualJSON))
	if err != nil {
		t.Fatal(err)
	}
	want := &akida.Model{Version: "2.19.1"}
	dwo := akida.DefaultDepthwiseConv2D()
	dwo.KernelSize = 1
	dw := akida.NewDepthwiseConv2D("dw", dwo)
	if err := errorsJoin(want.Add(akida.NewInputDataV2("input", [3]int{4, 3, 2}, 8)), want.Add(dw)); err != nil {
		t.Fatal(err)
	}
	if err := errorsJoin(want.Add(akida.NewAdd("add", akida.DefaultAdd()), want.Layers[0], dw), want.Add(akida.NewDequantizer("dequantizer"))); err != nil {
		t.Fatal(err)
	}
	if err := errorsJoin(
		akida.SetValues(want, "dw", "weights", []int8{127, -127}),
		akida.SetValues(want, "dw", "bias", []int8{3, -3}),
		akida.SetValues(want, "dw", "bias_shift", []uint8{1, 0}),
		akida.SetValues(want, "add", "a_shift", []uint8{2}),
		akida.SetValues(want, "dequantizer", "scales", []float32{1, 0.125}),
	); err != nil {
		t.Fatal(err)
	}
	sameModel(t, got, want)
	if err := got.Check(); err != nil {
		t.Error(err)
	}
	// Encode writes what flatc wrote, up to FlatBuffers layout: the same
	// JSON from flatc.
	again, err := fbz.EncodePayload(got, got.Version)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := flatcJSON(t, again), flatcJSON(t, flatcBinary(t, akida2ResidualJSON)); !bytes.Equal(a, b) {
		t.Errorf("re-encoded payload differs in flatc's JSON at %s", firstDifference(a, b))
	}
}

func TestEncodeRefusesInconsistentAkida2Models(t *testing.T) {
	m := akidatest.Graph(t)
	m.Layer("add").Inbounds = []string{"conv0"}
	_, err := fbz.Encode(m, fbz.Options{})
	if want := `cannot encode the model: layer "add" (Add): it has 1 inbound layers; Add takes exactly 2`; err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	m = akidatest.Graph(t)
	m.Layer("dequantizer").Variable("scales").Type = akida.Int32
	_, err = fbz.Encode(m, fbz.Options{})
	if want := `cannot encode the model: layer "dequantizer" (Dequantizer): variable "scales" holds int32 elements; akida's Dequantizer stores float32 there`; err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}
