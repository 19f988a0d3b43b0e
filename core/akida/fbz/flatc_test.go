package fbz_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

// flatc (Debian's flatbuffers-compiler 2.0.8) is the oracle of these
// tests: it reads payloads with schema/akida.fbs independently of this
// package.

// flatcJSON returns `flatc --json --strict-json --raw-binary` of a payload.
func flatcJSON(t *testing.T, payload []byte) []byte {
	t.Helper()
	if runtime.GOOS == "js" {
		t.Skip("skipped: GOOS=js cannot run programs; the flatc oracle runs in the native tests")
	}
	flatc, err := exec.LookPath("flatc")
	if err != nil {
		t.Skip("skipped: flatc is not on PATH (CI installs Debian's flatbuffers-compiler); the flatc oracle cannot run")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "payload.bin")
	if err := os.WriteFile(bin, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	schema, err := filepath.Abs(filepath.Join("schema", "akida.fbs"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(flatc, "--json", "--strict-json", "--raw-binary", "-o", dir, schema, "--", bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("flatc: %v\n%s", err, out)
	}
	out, err := os.ReadFile(filepath.Join(dir, "payload.json"))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// flatcModel is the JSON flatc prints for a payload.
type flatcModel struct {
	Version string `json:"version"`
	Layers  []struct {
		Name      string `json:"name"`
		Variables []struct {
			Name  string `json:"name"`
			Shape []int  `json:"shape"`
			Data  []int  `json:"data"`
			Type  *int   `json:"type"`
		} `json:"variables"`
		Params struct {
			LegacyLayerType int             `json:"legacy_layer_type"`
			LegacyType      string          `json:"legacy_type"`
			Legacy          json.RawMessage `json:"legacy"`
			Params          *struct {
				Entries []struct {
					Key   string `json:"key"`
					Value int32  `json:"value"`
				} `json:"entries"`
			} `json:"params"`
		} `json:"params"`
		Inbounds []string `json:"inbounds"`
	} `json:"layers"`
}

// legacyKeys maps the field paths of the legacy tables (names from
// spec/akida.fbs) to the kv parameter names, written out from
// fbz-format.md §5.4 independently of legacy.go's field ids. An empty name
// marks the activation step, which has no kv name and is always 1.0.
func legacyKeys() map[string]map[string]string {
	activation := func(prefix string) map[string]string {
		return map[string]string{prefix + "activation": "activation", prefix + "act_bits": "act_bits", prefix + "step": ""}
	}
	pooling := map[string]string{"pooling.w": "pooling_width", "pooling.h": "pooling_height", "pooling.type": "pool_type",
		"pooling.stride_x": "pooling_stride_x", "pooling.stride_y": "pooling_stride_y"}
	kernel := map[string]string{"kernel.w": "kernel_width", "kernel.h": "kernel_height", "kernel.padding": "padding",
		"stride.x": "stride_x", "stride.y": "stride_y"}
	join := func(prefix string, ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[prefix+k] = v
			}
		}
		return out
	}
	conv := join("", map[string]string{"neural.units": "filters", "neural.weights_bits": "weights_bits"},
		activation("neural.activation."), kernel, pooling)
	return map[string]map[string]string{
		"LegacyInputData": {"dims.x": "input_width", "dims.y": "input_height", "channels": "input_channels",
			"signed_": "input_signed", "input_bits": "input_bits"},
		"LegacyInputConvolutional": join("", map[string]string{"dims.x": "input_width", "dims.y": "input_height",
			"channels": "input_channels", "filters": "filters", "weights_bits": "weights_bits", "padding_value": "padding_value"},
			kernel, pooling, activation("activation.")),
		"LegacyFullyConnected": join("", map[string]string{"neural.units": "units", "neural.weights_bits": "weights_bits"},
			activation("neural.activation.")),
		"LegacyConvolutional":          conv,
		"LegacySeparableConvolutional": join("conv.", conv),
	}
}

// flatten turns nested JSON objects into "a.b" paths; learning tables are
// left out (Layer.Learning, checked elsewhere).
func flatten(prefix string, v any, out map[string]any) {
	obj, ok := v.(map[string]any)
	if !ok {
		out[prefix] = v
		return
	}
	for k, x := range obj {
		if k == "learning" {
			continue
		}
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		flatten(p, x, out)
	}
}

// legacyParams converts flatc's JSON of a legacy parameter table to kv
// parameters: absent fields are 0, as flatc omits them.
func legacyParams(t *testing.T, kind string, raw json.RawMessage, lt akida.LayerType) string {
	keys, ok := legacyKeys()[kind]
	if !ok {
		t.Fatalf("unexpected legacy table %s", kind)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	fields := map[string]any{}
	flatten("", tree, fields)
	var p akida.Params
	for _, k := range lt.ParamKeys() {
		p.Set(k, 0)
	}
	for path, v := range fields {
		key, known := keys[path]
		switch {
		case !known:
			t.Errorf("%s field %s = %v has no kv name", kind, path, v)
		case key == "": // activation step: always 1.0, no kv name
			if v != 1.0 {
				t.Errorf("%s field %s = %v, want 1.0", kind, path, v)
			}
		case v == true:
			p.Set(key, 1)
		default:
			p.Set(key, int32(v.(float64)))
		}
	}
	return paramString(p)
}

func TestDecodeMatchesFlatc(t *testing.T) {
	for _, file := range allFiles {
		t.Run(file, func(t *testing.T) {
			payload, err := fbz.Decompress(readFixture(t, file))
			if err != nil {
				t.Fatal(err)
			}
			var want flatcModel
			if err := json.Unmarshal(flatcJSON(t, payload), &want); err != nil {
				t.Fatal(err)
			}
			m, err := fbz.DecodePayload(payload)
			if err != nil {
				t.Fatal(err)
			}
			if m.Version != want.Version || len(m.Layers) != len(want.Layers) {
				t.Fatalf("version %q, %d layers; flatc: %q, %d", m.Version, len(m.Layers), want.Version, len(want.Layers))
			}
			for i, wl := range want.Layers {
				l := m.Layers[i]
				if l.Name != wl.Name || !slices.Equal(l.Inbounds, wl.Inbounds) {
					t.Errorf("layer %d: %s <%v>, flatc %s <%v>", i, l.Name, l.Inbounds, wl.Name, wl.Inbounds)
				}
				var wantParams string
				if wl.Params.Params != nil {
					var p akida.Params
					for _, e := range wl.Params.Params.Entries {
						if e.Key == "layer_type" {
							if int32(l.Type) != e.Value {
								t.Errorf("layer %s: type %d, flatc %d", l.Name, l.Type, e.Value)
							}
							continue
						}
						p.Set(e.Key, e.Value)
					}
					wantParams = paramString(p)
				} else {
					if int(l.Type) != wl.Params.LegacyLayerType+1 {
						t.Errorf("layer %s: type %d, flatc legacy type %d", l.Name, l.Type, wl.Params.LegacyLayerType)
					}
					wantParams = legacyParams(t, wl.Params.LegacyType, wl.Params.Legacy, l.Type)
				}
				if got := paramString(l.Params); got != wantParams {
					t.Errorf("layer %s params\n got %s\nwant %s", l.Name, got, wantParams)
				}
				checkVariables(t, l, wl.Variables)
			}
		})
	}
}

// checkVariables compares decoded variables with flatc's (old names
// renamed, shapes reversed, bytes equal, type always present).
func checkVariables(t *testing.T, l *akida.Layer, want []struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	Data  []int  `json:"data"`
	Type  *int   `json:"type"`
}) {
	t.Helper()
	if len(l.Variables) != len(want) {
		t.Errorf("layer %s: %d variables, flatc %d", l.Name, len(l.Variables), len(want))
		return
	}
	for _, wv := range want {
		name := strings.NewReplacer("threshold_fire_step", "act_step", "threshold_fire", "threshold").Replace(wv.Name)
		v := l.Variable(name)
		if v == nil || wv.Type == nil {
			t.Errorf("layer %s: variable %s (flatc %s, type %v) missing", l.Name, name, wv.Name, wv.Type)
			continue
		}
		shape := slices.Clone(wv.Shape)
		slices.Reverse(shape)
		data := make([]byte, len(wv.Data))
		for i, b := range wv.Data {
			data[i] = byte(b)
		}
		if int(v.Type) != *wv.Type || !slices.Equal(v.Shape, shape) || !bytes.Equal(v.Data, data) {
			t.Errorf("layer %s variable %s: %v %v (%d bytes), flatc %d %v (%d bytes)", l.Name, name, v.Type, v.Shape, len(v.Data), *wv.Type, shape, len(data))
		}
	}
}

func TestEncodeMatchesFlatc(t *testing.T) {
	// Re-encoding a kv file gives a payload flatc prints exactly as the
	// original: same layers, parameters (0 values elided), variables with
	// their type also when 0, inbounds and version.
	for _, file := range kvFiles {
		t.Run(file, func(t *testing.T) {
			payload, err := fbz.Decompress(readFixture(t, file))
			if err != nil {
				t.Fatal(err)
			}
			m, err := fbz.DecodePayload(payload)
			if err != nil {
				t.Fatal(err)
			}
			again, err := fbz.EncodePayload(m, m.Version)
			if err != nil {
				t.Fatal(err)
			}
			want, got := flatcJSON(t, payload), flatcJSON(t, again)
			if !bytes.Equal(got, want) {
				t.Errorf("flatc JSON of the re-encoded payload differs from the original's (%d vs %d bytes); first difference at byte %s",
					len(got), len(want), firstDifference(got, want))
			}
			if !bytes.Contains(want, []byte(`"type": 0`)) {
				t.Error("the original has no explicit type 0: the oracle would not test Variable.type")
			}
		})
	}
}

func firstDifference(a, b []byte) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			lo := max(0, i-80)
			return fmt.Sprintf("%d:\n%s\n---\n%s", i, a[lo:min(len(a), i+80)], b[lo:min(len(b), i+80)])
		}
	}
	return fmt.Sprint(min(len(a), len(b)))
}
