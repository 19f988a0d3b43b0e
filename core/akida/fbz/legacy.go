package fbz

import (
	"fmt"
	"math"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// The legacy generation (files without a version string, akida ≤ 2.2)
// stores a layer's parameters as a FlatBuffers union of typed tables
// (fbz-format.md §5.4, schema/akida.fbs). Only field positions and types
// are observed; this file maps each position to the key the key/value
// generation uses for the same value, so legacy models re-encode as kv.
// The mapping is checked against the fixtures that exist in both
// generations (TestLegacyMatchesKV).
//
// Not carried over, because no kv key exists for them and no file shows
// them set: the activation table's field 1 (never present) and field 2
// (a float step, always 1.0).

// legacyTable reads fields of an optional legacy table and keeps the first
// error, so the mapping below reads like the table it maps. An absent
// table reads as all defaults, as FlatBuffers does for absent fields.
type legacyTable struct {
	t       table
	present bool
	err     *error
}

func (r legacyTable) fail(err error) {
	if *r.err == nil {
		*r.err = err
	}
}

// sub returns the table field id refers to.
func (r legacyTable) sub(id int) legacyTable {
	if !r.present {
		return r
	}
	t, ok, err := r.t.subtable(id)
	if err != nil {
		r.fail(err)
	}
	return legacyTable{t: t, present: ok && err == nil, err: r.err}
}

func (r legacyTable) uint8(id int) int32 {
	if !r.present {
		return 0
	}
	v, err := r.t.uint8(id, 0)
	r.fail(err)
	return int32(v)
}

// bool reads a boolean as akida stores it in kv parameters: 0 or 1.
func (r legacyTable) bool(id int) int32 {
	if r.uint8(id) != 0 {
		return 1
	}
	return 0
}

// int8 reads the signed bytes of pooling tables (-1 means "none").
func (r legacyTable) int8(id int) int32 {
	if !r.present {
		return 0
	}
	v, err := r.t.int8(id, 0)
	r.fail(err)
	return int32(v)
}

func (r legacyTable) uint32(id int) int32 {
	if !r.present {
		return 0
	}
	v, err := r.t.uint32(id, 0)
	r.fail(err)
	if v > math.MaxInt32 {
		r.fail(fmt.Errorf("field %d of the table at byte %d holds %d, more than a parameter can hold", id, r.t.pos, v))
	}
	return int32(v)
}

func (r legacyTable) float64(id int) float64 {
	if !r.present {
		return 0
	}
	v, err := r.t.float64(id, 0)
	r.fail(err)
	return v
}

// legacyParams reads LayerParams{0: layer type (0-based), 1: union type
// (layer type + 1), 2: union table}.
func (d *decoder) legacyParams(params table, l *akida.Layer) error {
	unionType, err := params.uint8(1, 0)
	if err != nil {
		return err
	}
	if unionType == 0 {
		return fmt.Errorf("the layer has neither key/value parameters nor a legacy parameter table")
	}
	zeroBased, err := params.uint8(0, 0)
	if err != nil {
		return err
	}
	if int(zeroBased)+1 != int(unionType) {
		return fmt.Errorf("the legacy layer type %d disagrees with its parameter table type %d", zeroBased, unionType)
	}
	value, ok, err := params.subtable(2)
	if err != nil || !ok {
		return orMissing(err, "the legacy parameter table is missing")
	}
	if err := d.spend(20 * paramCost); err != nil {
		return err
	}
	var readErr error
	r := legacyTable{t: value, present: true, err: &readErr}
	p := &l.Params
	l.Type = akida.LayerType(unionType) // the union index equals the kv layer_type
	switch l.Type {
	case akida.InputData:
		dims := r.sub(0)
		p.Set("input_width", dims.uint32(0))
		p.Set("input_height", dims.uint32(1))
		p.Set("input_channels", r.uint32(1))
		p.Set("input_signed", r.bool(2))
		p.Set("input_bits", r.uint8(3))
	case akida.InputConvolutional:
		dims := r.sub(0)
		p.Set("input_width", dims.uint32(0))
		p.Set("input_height", dims.uint32(1))
		legacyKernel(p, r.sub(1), r.sub(2))
		p.Set("filters", r.uint32(3))
		p.Set("weights_bits", r.uint8(4))
		legacyPooling(p, r.sub(5))
		p.Set("input_channels", r.uint8(6))
		p.Set("padding_value", r.uint8(7))
		legacyActivation(p, r.sub(8))
	case akida.FullyConnected:
		l.Learning = legacyNeural(p, "units", r.sub(0))
	case akida.Convolutional:
		l.Learning = legacyConvolutional(p, r)
	case akida.SeparableConvolutional:
		l.Learning = legacyConvolutional(p, r.sub(0))
	default:
		return fmt.Errorf("legacy parameter table type %d is not one of the five Akida 1.0 layers (1–5)", unionType)
	}
	return readErr
}

// legacyConvolutional reads {0 neural, 1 kernel, 2 pooling, 3 stride}.
func legacyConvolutional(p *akida.Params, r legacyTable) *akida.Learning {
	learning := legacyNeural(p, "filters", r.sub(0))
	legacyKernel(p, r.sub(1), r.sub(3))
	legacyPooling(p, r.sub(2))
	return learning
}

// legacyNeural reads {0 units, 1 weights_bits, 2 learning, 3 activation};
// units is "filters" for convolutions.
func legacyNeural(p *akida.Params, units string, r legacyTable) *akida.Learning {
	p.Set(units, r.uint32(0))
	p.Set("weights_bits", r.uint8(1))
	legacyActivation(p, r.sub(3))
	return legacyLearning(r.sub(2))
}

// legacyKernel reads kernel {0 w, 1 h, 2 padding} and stride {0 x, 1 y}.
func legacyKernel(p *akida.Params, kernel, stride legacyTable) {
	p.Set("kernel_width", kernel.uint8(0))
	p.Set("kernel_height", kernel.uint8(1))
	p.Set("padding", kernel.uint8(2))
	p.Set("stride_x", stride.uint8(0))
	p.Set("stride_y", stride.uint8(1))
}

// legacyPooling reads {0 w, 1 h, 2 type, 3 stride_x, 4 stride_y}.
func legacyPooling(p *akida.Params, r legacyTable) {
	p.Set("pooling_width", r.int8(0))
	p.Set("pooling_height", r.int8(1))
	p.Set("pool_type", r.uint8(2))
	p.Set("pooling_stride_x", r.int8(3))
	p.Set("pooling_stride_y", r.int8(4))
}

// legacyActivation reads {0 activation, 3 act_bits}.
func legacyActivation(p *akida.Params, r legacyTable) {
	p.Set("activation", r.bool(0))
	p.Set("act_bits", r.uint8(3))
}

// legacyLearning reads the edge-learning table; layers that were not
// compiled for learning carry it empty (learning_type 0).
func legacyLearning(r legacyTable) *akida.Learning {
	kind := r.uint8(0)
	if kind == 0 {
		return nil
	}
	return &akida.Learning{
		LearningType:        int(kind),
		NumWeights:          int(r.uint32(1)),
		NumClasses:          int(r.uint32(2)),
		InitialPlasticity:   r.float64(3),
		LearningCompetition: r.float64(4),
		MinPlasticity:       r.float64(5),
		PlasticityDecay:     r.float64(6),
	}
}
