package fbz_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz/fbzschema"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/golang/snappy"
	flatbuffers "github.com/google/flatbuffers/go"
)

func TestDecompressIgnoresPadding(t *testing.T) {
	// v233_ei_pose_fc.fbz is padded with leftover bytes, not zeros; its
	// Snappy stream ends at byte 4525 (fbz-format.md §2.1).
	file := readFixture(t, "v233_ei_pose_fc.fbz")
	payload, err := fbz.Decompress(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(payload) != 5544 || !bytes.Equal(payload[:4], []byte{0x10, 0, 0, 0}) {
		t.Errorf("payload of %d bytes starting % x, want 5544 bytes starting with root offset 0x10", len(payload), payload[:4])
	}
	if _, err := snappy.Decode(nil, file); err == nil {
		t.Error("a strict Snappy decoder accepts the padded file: the test no longer shows why decoding must be lenient")
	}
	strict, err := snappy.Decode(nil, file[:4525])
	if err != nil || !bytes.Equal(strict, payload) {
		t.Errorf("strict decode of the unpadded stream: %v, equal %v", err, bytes.Equal(strict, payload))
	}
}

func TestTruncatedFiles(t *testing.T) {
	// Cut anywhere inside the Snappy stream, the file is refused; cut in
	// the padding, it still decodes.
	file := readFixture(t, "v233_ei_pose_fc.fbz")
	const streamEnd = 4525
	for cut := 0; cut <= len(file); cut += 7 {
		_, err := fbz.Decode(file[:cut])
		if (err == nil) != (cut >= streamEnd) {
			t.Errorf("cut at %d: error %v", cut, err)
		}
		var fe *fbz.FormatError
		if err != nil && !errors.As(err, &fe) {
			t.Errorf("cut at %d: error %T is not a *FormatError", cut, err)
		}
	}
	// The last tag, a 3-byte copy, starts at byte 4522.
	_, err := fbz.Decode(file[:streamEnd-1])
	if want := "Snappy block: a copy tag is cut off by the end of the file (at file byte 4522)" + damaged; err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}

func TestDamagedHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "file: the file is empty"},
		{"varint too long", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, "Snappy block: the length header is not a valid varint of at most 32 bits (at file byte 0)"},
		{"literal cut", []byte{4, 0x0c, 'a', 'b'}, "Snappy block: a literal of 4 bytes is cut off by the end of the file (at file byte 1)"},
		{"stream ends early", []byte{4, 0x04, 'a', 'b'}, "Snappy block: the stream ends after 2 of the 4 declared bytes (at file byte 4)"},
		{"varint cut", []byte{0x80, 0x80}, "Snappy block: the length header is cut off by the end of the file (at file byte 2)"},
		// 2^31 declared by 10 bytes: refused before allocating.
		{"huge length", append([]byte{0x80, 0x80, 0x80, 0x80, 0x08}, make([]byte, 10)...),
			"Snappy block: the header declares 2147483648 uncompressed bytes, more than the 10 bytes that follow can expand to (at file byte 0)"},
		{"copy before start", []byte{8, 0x00, 'a', 0x01 | 3<<2, 9}, "Snappy block: a copy refers 9 bytes back at output byte 1, outside the output (at file byte 5)"},
		{"literal past end", []byte{2, 0x08, 'a', 'b', 'c'}, "Snappy block: a literal of 3 bytes runs past the declared length 2 (at file byte 1)"},
		{"no layers", snappy.Encode(nil, []byte{8, 0, 0, 0, 4, 0, 4, 0, 4, 0, 0, 0}),
			"FlatBuffer payload: the payload holds no layers: it is not an Akida model"},
		{"root outside", snappy.Encode(nil, []byte{0xf0, 0xff, 0, 0, 0, 0, 0, 0}),
			"FlatBuffer payload: root: the offset at byte 0 points to byte 65520, past the end of the 8-byte payload"},
	} {
		want := tc.want
		if !strings.HasPrefix(want, "file: ") {
			want += damaged
		}
		_, err := fbz.Decode(tc.file)
		if err == nil || err.Error() != want {
			t.Errorf("%s: error %v\nwant %s", tc.name, err, want)
		}
	}
}

func TestOtherFormatsGivenAsFBZ(t *testing.T) {
	for _, tc := range []struct {
		file, want string
	}{
		{"float_ecg_cnn_bn_keras2.15.h5", "file: this is an HDF5 file (a Keras .h5 model?), not an Akida .fbz model: convert a Keras model with 'cnn2snn convert' first"},
		{"mnist_cnn_sequential_keras3.15.keras", "file: this is a zip archive (a Keras .keras model?), not an Akida .fbz model: convert a Keras model with 'cnn2snn convert' first"},
		{"keras2.0_conv2d_model.json", "file: this is a JSON file (a Keras or TF.js model description?), not an Akida .fbz model: convert a Keras model with 'cnn2snn convert' first"},
	} {
		_, err := fbz.Decode(fixtures.ReadShared(t, "keras", tc.file))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v\nwant %s", tc.file, err, tc.want)
		}
	}
}

// TestCorruptedPayloads overwrites every 4-byte word of a small real
// payload with hostile values, one at a time: each result must decode or
// fail with a FormatError, never panic.
func TestCorruptedPayloads(t *testing.T) {
	payload, err := fbz.Decompress(readFixture(t, "v233_ei_pose_fc.fbz"))
	if err != nil {
		t.Fatal(err)
	}
	failures := 0
	for i := 0; i+4 <= len(payload); i += 4 {
		for _, v := range []uint32{0xffffffff, 0x7ffffff0, uint32(len(payload)), 0} {
			corrupt := bytes.Clone(payload)
			binary.LittleEndian.PutUint32(corrupt[i:], v)
			m, err := fbz.DecodePayload(corrupt)
			var fe *fbz.FormatError
			switch {
			case err != nil && !errors.As(err, &fe):
				t.Fatalf("word %d = %#x: error %T %v is not a FormatError", i/4, v, err, err)
			case err != nil:
				failures++
				if !strings.Contains(err.Error(), ": ") {
					t.Errorf("word %d = %#x: error %q does not say where", i/4, v, err)
				}
			default:
				_ = m.Summary() // a model that decodes must also summarise
			}
		}
	}
	if failures == 0 {
		t.Error("no corruption was detected")
	}
}

// kvPayload builds a one-layer kv payload with the given parameter
// entries (in this order) and int32 variables of one element.
func kvPayload(entries []akida.Param, variables ...string) []byte {
	b := flatbuffers.NewBuilder(0)
	var vars []flatbuffers.UOffsetT
	for _, name := range variables {
		data := b.CreateByteVector(make([]byte, 4))
		fbzschema.VariableStartShapeVector(b, 1)
		b.PrependUint32(1)
		shape := b.EndVector(1)
		n := b.CreateString(name)
		fbzschema.VariableStart(b)
		fbzschema.VariableAddName(b, n)
		fbzschema.VariableAddShape(b, shape)
		fbzschema.VariableAddData(b, data)
		vars = append(vars, fbzschema.VariableEnd(b))
	}
	fbzschema.LayerStartVariablesVector(b, len(vars))
	for i := len(vars) - 1; i >= 0; i-- {
		b.PrependUOffsetT(vars[i])
	}
	varVec := b.EndVector(len(vars))
	var offs []flatbuffers.UOffsetT
	for _, e := range entries {
		k := b.CreateString(e.Key)
		fbzschema.ParamEntryStart(b)
		fbzschema.ParamEntryAddKey(b, k)
		fbzschema.ParamEntryAddValue(b, e.Value)
		offs = append(offs, fbzschema.ParamEntryEnd(b))
	}
	fbzschema.ParamMapStartEntriesVector(b, len(offs))
	for i := len(offs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(offs[i])
	}
	entryVec := b.EndVector(len(offs))
	fbzschema.ParamMapStart(b)
	fbzschema.ParamMapAddEntries(b, entryVec)
	pm := fbzschema.ParamMapEnd(b)
	fbzschema.LayerParamsStart(b)
	fbzschema.LayerParamsAddParams(b, pm)
	params := fbzschema.LayerParamsEnd(b)
	name := b.CreateString("dense")
	fbzschema.LayerStart(b)
	fbzschema.LayerAddName(b, name)
	fbzschema.LayerAddVariables(b, varVec)
	fbzschema.LayerAddParams(b, params)
	layer := fbzschema.LayerEnd(b)
	fbzschema.ModelStartLayersVector(b, 1)
	b.PrependUOffsetT(layer)
	layers := b.EndVector(1)
	fbzschema.ModelStart(b)
	fbzschema.ModelAddLayers(b, layers)
	b.Finish(fbzschema.ModelEnd(b))
	return b.FinishedBytes()
}

func TestDecodeRejectsAmbiguousLayers(t *testing.T) {
	typ := akida.Param{Key: "layer_type", Value: 3}
	for _, tc := range []struct {
		payload []byte
		want    string
	}{
		{kvPayload([]akida.Param{{Key: "units", Value: 1}, typ, {Key: "units", Value: 2}}),
			`layer 0 "dense": parameters: parameter "units" is given twice`},
		{kvPayload([]akida.Param{{Key: "units", Value: 1}}), `layer 0 "dense": parameters: there is no "layer_type" entry`},
		{kvPayload([]akida.Param{typ, typ}), `layer 0 "dense": parameters: "layer_type" is given twice`},
		{kvPayload([]akida.Param{typ}, "weights", "weights"), `layer 0 "dense": two variables are named "weights"`},
		// The 2021 name is read as today's: both together are ambiguous.
		{kvPayload([]akida.Param{typ}, "threshold_fire", "threshold"), `layer 0 "dense": two variables are named "threshold"`},
	} {
		_, err := fbz.DecodePayload(tc.payload)
		if err == nil || err.Error() != tc.want+damaged {
			t.Errorf("error %v\nwant %s", err, tc.want+damaged)
		}
	}
	// Unsorted keys are accepted and sorted.
	m, err := fbz.DecodePayload(kvPayload([]akida.Param{{Key: "weights_bits", Value: 4}, typ, {Key: "act_bits", Value: 2}}))
	if err != nil || paramString(m.Layers[0].Params) != "act_bits=2 weights_bits=4" || m.Layers[0].Type != akida.FullyConnected {
		t.Errorf("unsorted keys: %v, %v", m, err)
	}
}
