package fbz_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz/fbzschema"
	"github.com/golang/snappy"
)

// sameModel reports the first difference between two models.
func sameModel(t *testing.T, got, want *akida.Model) {
	t.Helper()
	if got.Version != want.Version || len(got.Layers) != len(want.Layers) {
		t.Fatalf("version %q with %d layers, want %q with %d", got.Version, len(got.Layers), want.Version, len(want.Layers))
	}
	for i, l := range got.Layers {
		if !l.Equal(want.Layers[i]) {
			t.Errorf("layer %d differs:\n got %s %s %+v\nwant %s %s %+v", i, describe(l), paramString(l.Params), l.Learning,
				describe(want.Layers[i]), paramString(want.Layers[i].Params), want.Layers[i].Learning)
		}
	}
}

func TestRoundTripFixtures(t *testing.T) {
	for _, file := range allFiles {
		t.Run(file, func(t *testing.T) {
			m := decodeFixture(t, file)
			out, err := fbz.Encode(m, fbz.Options{})
			if err != nil {
				t.Fatal(err)
			}
			again, err := fbz.Decode(out)
			if err != nil {
				t.Fatal(err)
			}
			// Legacy files carry no version: they are written with the
			// default one. The edge-learning configuration is not written.
			if m.Version == "" {
				m.Version = fbz.DefaultVersion
			}
			for _, l := range m.Layers {
				l.Learning = nil
			}
			sameModel(t, again, m)

			// Padded as akida pads: 32 + n + n/6 bytes, zeros after the stream.
			payload, err := fbz.Decompress(out)
			if err != nil {
				t.Fatal(err)
			}
			n := len(payload)
			if len(out) != 32+n+n/6 {
				t.Errorf("file of %d bytes for a %d-byte payload, want %d", len(out), n, 32+n+n/6)
			}
			stream, _ := fbz.Encode(m, fbz.Options{Unpadded: true})
			if !bytes.HasPrefix(out, stream) || bytes.ContainsFunc(out[len(stream):], func(r rune) bool { return r != 0 }) {
				t.Errorf("the padded file is not the %d-byte stream followed by zeros", len(stream))
			}
		})
	}
}

func TestNotWritten(t *testing.T) {
	m := decodeFixture(t, "legacy_mobilenet_edge_hotdog.fbz")
	want := []string{`layer "akida_edge_layer": its edge-learning configuration (learning_type=1, num_weights=350, num_classes=10, ` +
		`initial_plasticity=1, learning_competition=0.1, min_plasticity=0.10000000149011612, plasticity_decay=0.25) has no known ` +
		`place in the key/value .fbz format and is not written; compile the model for learning again after loading it`}
	if got := fbz.NotWritten(m); !slices.Equal(got, want) {
		t.Errorf("NotWritten = %q\nwant %q", got, want)
	}
	if got := fbz.NotWritten(decodeFixture(t, "v233_ei_pose_fc.fbz")); len(got) != 0 {
		t.Errorf("NotWritten of a kv file = %q", got)
	}
}

// tinyModel is a small Akida 1.0 model built with the constructors: an
// InputData of 1×1×3 and a FullyConnected of 2 units with 4-bit weights.
func tinyModel(t testing.TB) *akida.Model {
	t.Helper()
	in := akida.DefaultInputData()
	in.InputShape = [3]int{1, 1, 3}
	fc := akida.DefaultFullyConnected()
	fc.Units, fc.WeightsBits, fc.ActBits = 2, 4, 4
	dense := akida.NewFullyConnected("dense", fc)
	w, err1 := akida.NewWeights("weights", []int{1, 1, 3, 2}, []int8{-7, 7, 0, 1, -1, 3}, 4)
	th, err2 := akida.NewInt32s("threshold", []int{2}, []int32{0, -12})
	step, err3 := akida.NewFloat32s("act_step", []int{2}, []float32{1.5, 0.25})
	if err := errorsJoin(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	dense.SetVariable(w)
	dense.SetVariable(th)
	dense.SetVariable(step)
	m := &akida.Model{}
	if err := errorsJoin(m.Add(akida.NewInputData("input", in)), m.Add(dense)); err != nil {
		t.Fatal(err)
	}
	return m
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestEncodeHandBuiltModel(t *testing.T) {
	m := tinyModel(t)
	out, err := fbz.Encode(m, fbz.Options{Unpadded: true})
	if err != nil {
		t.Fatal(err)
	}
	// Unpadded output is a plain Snappy block: a strict decoder reads it.
	payload, err := snappy.Decode(nil, out)
	if err != nil {
		t.Fatalf("strict Snappy decode of an unpadded file: %v", err)
	}
	direct, err := fbz.EncodePayload(m, fbz.DefaultVersion)
	if err != nil || !bytes.Equal(payload, direct) {
		t.Fatalf("the file's payload is not EncodePayload's (%v)", err)
	}
	again, err := fbz.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	m.Version = fbz.DefaultVersion
	sameModel(t, again, m)

	// The payload, read with the generated accessors (safe here: we wrote
	// it): no file identifier, root at the first uoffset, version stored,
	// Variable.type present even for the int32 threshold, ParamEntry
	// values of 0 elided.
	root := fbzschema.GetRootAsModel(payload, 0)
	if string(root.Version()) != "2.19.1" || root.LayersLength() != 2 {
		t.Errorf("root: version %q, %d layers", root.Version(), root.LayersLength())
	}
	var layer fbzschema.Layer
	root.Layers(&layer, 1)
	var v fbzschema.Variable
	var names []string
	for i := range layer.VariablesLength() {
		layer.Variables(&v, i)
		names = append(names, string(v.Name()))
		tab := v.Table()
		if tab.Offset(10) == 0 { // vtable slot of field 3 (type)
			t.Errorf("variable %s has no stored type", v.Name())
		}
	}
	if !slices.Equal(names, []string{"act_step", "threshold", "weights"}) {
		t.Errorf("variables %v, want sorted by name", names)
	}
	var params fbzschema.LayerParams
	layer.Params(&params)
	var pm fbzschema.ParamMap
	params.Params(&pm)
	var e fbzschema.ParamEntry
	var keys []string
	for i := range pm.EntriesLength() {
		pm.Entries(&e, i)
		keys = append(keys, string(e.Key()))
		tab := e.Table()
		if stored := tab.Offset(6) != 0; stored != (e.Value() != 0) {
			t.Errorf("entry %s = %d: value stored %v", e.Key(), e.Value(), stored)
		}
	}
	if !slices.Equal(keys, []string{"act_bits", "activation", "layer_type", "units", "weights_bits"}) {
		t.Errorf("entries %v", keys)
	}
}

func TestEncodeVersion(t *testing.T) {
	m := tinyModel(t)
	for _, tc := range []struct {
		model, option, want string
	}{
		{"", "", "2.19.1"},
		{"2.3.3", "", "2.3.3"},
		{"2.3.3", "2.18.2", "2.18.2"},
	} {
		m.Version = tc.model
		out, err := fbz.Encode(m, fbz.Options{Version: tc.option})
		if err != nil {
			t.Fatal(err)
		}
		again, err := fbz.Decode(out)
		if err != nil || again.Version != tc.want {
			t.Errorf("model %q option %q: version %q, %v; want %q", tc.model, tc.option, again.Version, err, tc.want)
		}
		if got := (fbz.Options{Version: tc.option}).VersionFor(m); got != tc.want {
			t.Errorf("model %q option %q: VersionFor says %q, Encode wrote %q", tc.model, tc.option, got, tc.want)
		}
	}
}

func TestEncodeAkida2Model(t *testing.T) {
	in := akida.DefaultInputConv2D()
	in.InputShape, in.Filters, in.KernelSize = [3]int{8, 8, 3}, 4, 3
	conv := akida.NewInputConv2D("conv", in)
	w, _ := akida.NewWeights("weights", []int{3, 3, 3, 4}, make([]int8, 108), 8)
	shift, _ := akida.NewUint8s("bias_shift", []int{4}, []uint8{1, 2, 3, 4})
	conv.SetVariable(w)
	conv.SetVariable(shift)
	d := akida.DefaultDense1D()
	d.Units = 2
	m := &akida.Model{}
	if err := errorsJoin(m.Add(conv), m.Add(akida.NewDense1D("dense", d)), m.Add(akida.NewDequantizer("dequantizer"))); err != nil {
		t.Fatal(err)
	}
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
	// Its layer numbers are akida's header's; only the uint8 code is
	// inferred.
	if again.IPVersion() != "v2" || !slices.Equal(again.Unverified(), []string{"element type uint8 is coded 2 by inference: no real .fbz file confirms it"}) {
		t.Errorf("IP %s, unverified %q", again.IPVersion(), again.Unverified())
	}
}

func TestEncodeRefusesInconsistentModels(t *testing.T) {
	m := tinyModel(t)
	m.Layers[1].Params.Delete("units")
	_, err := fbz.Encode(m, fbz.Options{})
	want := `cannot encode the model: layer "dense" (FullyConnected): parameter "units" is missing: build the layer with akida.NewFullyConnected or set it`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	m = tinyModel(t)
	m.Layers[1].Variables[2].Shape = []int{1, 1, 3, 3}
	_, err = fbz.Encode(m, fbz.Options{})
	want = `cannot encode the model: layer "dense": variable "weights": shape [1 1 3 3] of int4 needs 9 bytes, but the data holds 6 bytes`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	if _, err := fbz.Encode(&akida.Model{}, fbz.Options{}); err == nil || err.Error() != "cannot encode the model: the model has no layers" {
		t.Errorf("empty model: %v", err)
	}
}
