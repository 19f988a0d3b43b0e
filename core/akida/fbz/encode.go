package fbz

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz/fbzschema"
	"github.com/golang/snappy"
	flatbuffers "github.com/google/flatbuffers/go"
)

// DefaultVersion is the version string Encode writes unless told
// otherwise: the akida release whose parameter sets this package follows.
// The Akida 1.0 key sets are those of the latest documented wrappers
// (akida 2.19.x), which are identical to the ones real 2.3.3 files store;
// the Akida 2.0 key sets come from the same 2.19.x wrappers; cnn2snn
// 2.19.1 is the converter version the project reproduces.
const DefaultVersion = "2.19.1"

// Options control Encode. The zero value writes what akida writes.
type Options struct {
	// Version is the version string stored in the file. Empty means the
	// model's own Version, or DefaultVersion when that is empty too.
	Version string
	// Unpadded leaves out the zero padding after the Snappy stream. Every
	// akida-written file is padded to 32 + n + n/6 bytes (n = payload
	// size); akida very likely reads unpadded files too, but that is not
	// confirmed.
	Unpadded bool
}

// Encode writes the model as an .fbz file of the key/value generation:
// the FlatBuffer payload (EncodePayload), Snappy block-compressed, padded
// unless opts.Unpadded.
//
// The legacy edge-learning configuration (Layer.Learning) has no known
// place in this generation and is not written; NotWritten lists it.
func Encode(m *akida.Model, opts Options) ([]byte, error) {
	payload, err := EncodePayload(m, opts.VersionFor(m))
	if err != nil {
		return nil, err
	}
	file, stream := compress(payload, runtime.GOMAXPROCS(0))
	if opts.Unpadded {
		return file[:stream], nil
	}
	return file, nil
}

// VersionFor is the version string Encode writes for m with these options:
// o.Version, else the model's own Version, else DefaultVersion.
func (o Options) VersionFor(m *akida.Model) string {
	switch {
	case o.Version != "":
		return o.Version
	case m.Version != "":
		return m.Version
	}
	return DefaultVersion
}

// snappyBlock is the unit github.com/golang/snappy compresses on its own
// (its maxBlockSize).
const snappyBlock = 65536

// compress returns the raw Snappy block of payload at the start of a
// buffer of snappy.MaxEncodedLen(n) = 32 + n + n/6 bytes, the padded size
// akida writes, whose remaining bytes are zero; and the block's length.
//
// snappy.Encode compresses each 64 KiB block independently, so runs of
// whole blocks compressed by separate workers and joined under one length
// header give exactly its output, in a fraction of the time on several
// cores (compression is most of Encode's time).
func compress(payload []byte, workers int) (file []byte, stream int) {
	file = make([]byte, snappy.MaxEncodedLen(len(payload)))
	blocks := (len(payload) + snappyBlock - 1) / snappyBlock
	if workers < 2 || blocks < 2 {
		return file, len(snappy.Encode(file, payload))
	}
	per := (blocks + workers - 1) / workers * snappyBlock
	encoded := make([][]byte, (len(payload)+per-1)/per)
	var wg sync.WaitGroup
	for i := range encoded {
		chunk := payload[i*per : min((i+1)*per, len(payload))]
		wg.Go(func() { encoded[i] = snappy.Encode(nil, chunk) })
	}
	wg.Wait()
	stream = binary.PutUvarint(file, uint64(len(payload)))
	for _, e := range encoded {
		_, header := binary.Uvarint(e) // each chunk's own length header
		stream += copy(file[stream:], e[header:])
	}
	return file, stream
}

// NotWritten lists what Encode cannot store for the model, one sentence per
// item, for the caller to show as a warning.
func NotWritten(m *akida.Model) []string {
	var out []string
	for _, l := range m.Layers {
		if c := l.Learning; c != nil {
			out = append(out, fmt.Sprintf("layer %q: its edge-learning configuration (learning_type=%d, num_weights=%d, num_classes=%d, initial_plasticity=%g, learning_competition=%g, min_plasticity=%g, plasticity_decay=%g) has no known place in the key/value .fbz format and is not written; compile the model for learning again after loading it",
				l.Name, c.LearningType, c.NumWeights, c.NumClasses, c.InitialPlasticity, c.LearningCompetition, c.MinPlasticity, c.PlasticityDecay))
		}
	}
	return out
}

// EncodePayload builds the FlatBuffer of the key/value generation
// (fbz-format.md §6): for each layer its name, its variables sorted by
// name with their type always stored (also when 0), its parameters plus
// "layer_type" as entries sorted by key (a 0 value elided, as akida does),
// and its inbounds (an empty vector for the input layer); then the root
// with the layers and the version string, without file identifier.
func EncodePayload(m *akida.Model, version string) ([]byte, error) {
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("cannot encode the model: %w", err)
	}
	size := estimateSize(m, version)
	if size > maxPayload {
		return nil, fmt.Errorf("cannot encode the model: its %d bytes exceed the 2 GiB a FlatBuffer can hold", size)
	}
	b := flatbuffers.NewBuilder(size)
	layers := make([]flatbuffers.UOffsetT, len(m.Layers))
	for i, l := range m.Layers {
		layers[i] = buildLayer(b, l)
	}
	layerVec := offsetVector(b, layers)
	versionOff := b.CreateString(version)
	fbzschema.ModelStart(b)
	fbzschema.ModelAddLayers(b, layerVec)
	fbzschema.ModelAddVersion(b, versionOff)
	b.Finish(fbzschema.ModelEnd(b))
	return b.FinishedBytes(), nil
}

// estimateSize is an upper bound of the payload size, so the builder never
// has to grow (and copy) its buffer.
func estimateSize(m *akida.Model, version string) int {
	size := 64 + len(version)
	for _, l := range m.Layers {
		size += 160 + len(l.Name)
		for k := range l.Params.All() {
			size += 32 + len(k)
		}
		size += 32 + len("layer_type")
		for _, in := range l.Inbounds {
			size += 12 + len(in)
		}
		for _, v := range l.Variables {
			size += 64 + len(v.Name) + 4*len(v.Shape) + len(v.Data)
		}
	}
	return size
}

func buildLayer(b *flatbuffers.Builder, l *akida.Layer) flatbuffers.UOffsetT {
	vars := slices.Clone(l.Variables)
	slices.SortFunc(vars, func(a, c *akida.Variable) int { return strings.Compare(a.Name, c.Name) })
	varOffs := make([]flatbuffers.UOffsetT, len(vars))
	for i, v := range vars {
		varOffs[i] = buildVariable(b, v)
	}
	varVec := offsetVector(b, varOffs)
	params := buildParams(b, l)
	inOffs := make([]flatbuffers.UOffsetT, len(l.Inbounds))
	for i, in := range l.Inbounds {
		inOffs[i] = b.CreateString(in)
	}
	inVec := offsetVector(b, inOffs)
	name := b.CreateString(l.Name)

	fbzschema.LayerStart(b)
	fbzschema.LayerAddName(b, name)
	fbzschema.LayerAddVariables(b, varVec)
	fbzschema.LayerAddParams(b, params)
	fbzschema.LayerAddInbounds(b, inVec)
	return fbzschema.LayerEnd(b)
}

func buildVariable(b *flatbuffers.Builder, v *akida.Variable) flatbuffers.UOffsetT {
	data := b.CreateByteVector(v.Data)
	fbzschema.VariableStartShapeVector(b, len(v.Shape))
	// The file stores the numpy shape reversed; prepending the numpy
	// dimensions in order builds exactly that.
	for _, d := range v.Shape {
		b.PrependUint32(uint32(d))
	}
	shape := b.EndVector(len(v.Shape))
	name := b.CreateString(v.Name)

	fbzschema.VariableStart(b)
	fbzschema.VariableAddName(b, name)
	fbzschema.VariableAddShape(b, shape)
	fbzschema.VariableAddData(b, data)
	// Not VariableAddType: it leaves out a 0 (int32) type, and akida's own
	// files always store it (fbz-format.md §4).
	b.PrependByte(byte(v.Type))
	b.Slot(3)
	return fbzschema.VariableEnd(b)
}

// buildParams builds LayerParams{3: ParamMap{0: entries}} with the
// parameters and "layer_type", sorted by key.
func buildParams(b *flatbuffers.Builder, l *akida.Layer) flatbuffers.UOffsetT {
	entries := make([]akida.Param, 0, l.Params.Len()+1)
	for k, v := range l.Params.All() {
		entries = append(entries, akida.Param{Key: k, Value: v})
	}
	entries = append(entries, akida.Param{Key: "layer_type", Value: int32(l.Type)})
	slices.SortFunc(entries, func(a, c akida.Param) int { return strings.Compare(a.Key, c.Key) })

	offs := make([]flatbuffers.UOffsetT, len(entries))
	for i, e := range entries {
		key := b.CreateString(e.Key)
		fbzschema.ParamEntryStart(b)
		fbzschema.ParamEntryAddKey(b, key)
		fbzschema.ParamEntryAddValue(b, e.Value) // elided when 0, as in akida's files
		offs[i] = fbzschema.ParamEntryEnd(b)
	}
	vec := offsetVector(b, offs)
	fbzschema.ParamMapStart(b)
	fbzschema.ParamMapAddEntries(b, vec)
	paramMap := fbzschema.ParamMapEnd(b)
	fbzschema.LayerParamsStart(b)
	fbzschema.LayerParamsAddParams(b, paramMap)
	return fbzschema.LayerParamsEnd(b)
}

// offsetVector builds a vector of offsets (tables or strings) in order.
func offsetVector(b *flatbuffers.Builder, offs []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(offs), 4)
	for i := len(offs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(offs[i])
	}
	return b.EndVector(len(offs))
}
