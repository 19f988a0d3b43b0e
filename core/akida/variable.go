package akida

import (
	"encoding/binary"
	"fmt"
	"math"
)

// ElementType is the element type code a .fbz file stores in Variable.type.
//
// Codes 0, 1, 3, 6 and 7 are seen in real files (fbz-format.md §4); Akida
// 2.0's int8 variables (bias, output_shift) are given the 8-bit code 3.
// Akida 2.0 variables need more types (uint8 shifts, int16 recurrent
// weights, 2-bit weights) whose codes no public file shows; the ones below
// are choices, marked unverified, all in elementTypes. Uint8=2 follows the
// engine's runtime TensorType, whose first four members (int32, float32,
// uint8, int8) agree with the observed file codes 0, 1 and 3; Int16=4 and
// Int2=5 merely take the remaining free codes.
type ElementType uint8

const (
	Int32   ElementType = 0 // int32, 4 bytes little-endian: thresholds, wta_groups
	Float32 ElementType = 1 // float32, 4 bytes little-endian: act_step
	Uint8   ElementType = 2 // unverified code: uint8 (v2 shifts, padding_value)
	Int8    ElementType = 3 // 8-bit signed weights (and v2 int8 variables), one byte each
	Int16   ElementType = 4 // unverified code: int16, 2 bytes little-endian (v2 A_real/A_imag)
	Int2    ElementType = 5 // unverified code: 2-bit signed weights, one byte each
	Bit     ElementType = 6 // 1-bit weights, values 0/1, one byte each
	Int4    ElementType = 7 // 4-bit signed weights, one byte each (not packed)
)

// elementTypeInfo describes an element type: its name in reports, its size
// in the file, the value range of its elements, and whether its code is
// confirmed by a real file.
type elementTypeInfo struct {
	t        ElementType
	name     string
	size     int
	min, max int64
	verified bool
}

// elementTypes is a constant table (never written).
var elementTypes = []elementTypeInfo{
	{Int32, "int32", 4, math.MinInt32, math.MaxInt32, true},
	{Float32, "float32", 4, 0, 0, true},
	{Uint8, "uint8", 1, 0, math.MaxUint8, false},
	{Int8, "int8", 1, math.MinInt8, math.MaxInt8, true},
	{Int16, "int16", 2, math.MinInt16, math.MaxInt16, false},
	{Int2, "int2", 1, -2, 1, false},
	{Bit, "bit", 1, 0, 1, true},
	{Int4, "int4", 1, -8, 7, true},
}

func (t ElementType) info() (elementTypeInfo, bool) {
	for _, info := range elementTypes {
		if info.t == t {
			return info, true
		}
	}
	return elementTypeInfo{}, false
}

// String is the element type's name, e.g. "int4", or "ElementType(9)".
func (t ElementType) String() string {
	if info, ok := t.info(); ok {
		return info.name
	}
	return fmt.Sprintf("ElementType(%d)", uint8(t))
}

// Known reports whether the code is one of the element types above.
func (t ElementType) Known() bool {
	_, ok := t.info()
	return ok
}

// Size is the number of bytes one element takes in the file (0 if unknown).
func (t ElementType) Size() int {
	info, _ := t.info()
	return info.size
}

// Verified reports whether the code is confirmed by a real .fbz file.
func (t ElementType) Verified() bool {
	info, _ := t.info()
	return info.verified
}

// oneByteSigned reports whether elements are stored as one signed byte.
func (t ElementType) oneByteSigned() bool {
	return t == Int8 || t == Int4 || t == Int2 || t == Bit
}

// weightBits is the bit width of a weights element type (int8 included:
// the Akida 2.0 int8 variables use the 8-bit weights code), 0 for the
// others.
func (t ElementType) weightBits() int {
	switch t {
	case Bit:
		return 1
	case Int2:
		return 2
	case Int4:
		return 4
	case Int8:
		return 8
	}
	return 0
}

// WeightsType returns the element type of weights quantized to bits bits
// (1, 2, 4 or 8).
func WeightsType(bits int) (ElementType, error) {
	switch bits {
	case 1:
		return Bit, nil
	case 2:
		return Int2, nil
	case 4:
		return Int4, nil
	case 8:
		return Int8, nil
	}
	return 0, fmt.Errorf("weights of %d bits have no Akida element type: use 1, 2, 4 or 8 bits", bits)
}

// Variable is one named array of a layer: weights, thresholds, steps…
//
// Shape is the numpy shape akida's get_variable returns — (x, y, channels,
// neurons) for weights, (neurons) for per-neuron values; the file stores it
// reversed. Data holds the elements in numpy C order exactly as the file
// stores them: one byte per element for 1/2/4/8-bit types, little-endian
// for wider ones. Use the typed constructors and accessors rather than
// touching Data.
type Variable struct {
	Name  string
	Type  ElementType
	Shape []int
	Data  []byte
}

// Len returns the number of elements the shape describes.
func (v *Variable) Len() int {
	n := 1
	for _, d := range v.Shape {
		n *= d
	}
	return n
}

// Check verifies (without naming the variable, which callers do) that the
// element type is known and that Data holds
// exactly the elements Shape describes, without overflowing on a hostile
// shape.
func (v *Variable) Check() error {
	info, ok := v.Type.info()
	if !ok {
		return fmt.Errorf("element type code %d is not one this program knows (0–7)", uint8(v.Type))
	}
	// Count elements, stopping as soon as the data cannot hold them.
	n := 1
	for _, d := range v.Shape {
		if d < 0 || d > math.MaxInt32 {
			return fmt.Errorf("shape %v has a dimension outside 0…2147483647", v.Shape)
		}
		if d != 0 && n > len(v.Data)/info.size/d {
			n = -1 // more elements than bytes: cannot match
			break
		}
		n *= d
	}
	if n < 0 || n*info.size != len(v.Data) {
		return fmt.Errorf("shape %v of %s needs %s, but the data holds %d bytes", v.Shape, info.name, sizeText(v.Shape, info.size), len(v.Data))
	}
	return nil
}

// sizeText describes the byte size a shape needs, without overflowing.
func sizeText(shape []int, size int) string {
	total := float64(size)
	for _, d := range shape {
		total *= float64(d)
	}
	if total > 1<<53 {
		return "an impossible number of bytes"
	}
	return fmt.Sprintf("%d bytes", int64(total))
}

// checkCount returns an error unless shape describes exactly n elements.
func checkCount(name string, shape []int, n int) error {
	count := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("variable %q: negative dimension in shape %v", name, shape)
		}
		count *= d
	}
	if count != n {
		return fmt.Errorf("variable %q: shape %v holds %d elements, but %d values were given", name, shape, count, n)
	}
	return nil
}

// NewWeights returns a weights variable quantized to bits bits (1, 2, 4 or
// 8), checking that every value fits: −8…7 for 4 bits, 0…1 for 1 bit.
func NewWeights(name string, shape []int, values []int8, bits int) (*Variable, error) {
	t, err := WeightsType(bits)
	if err != nil {
		return nil, fmt.Errorf("variable %q: %w", name, err)
	}
	if err := checkCount(name, shape, len(values)); err != nil {
		return nil, err
	}
	info, _ := t.info()
	data := make([]byte, len(values))
	for i, w := range values {
		if int64(w) < info.min || int64(w) > info.max {
			return nil, fmt.Errorf("variable %q: value %d at index %d does not fit %d-bit weights (%d…%d)", name, w, i, bits, info.min, info.max)
		}
		data[i] = byte(w)
	}
	return &Variable{Name: name, Type: t, Shape: append([]int(nil), shape...), Data: data}, nil
}

// NewInt32s returns an int32 variable (thresholds, wta_groups, lut_values).
func NewInt32s(name string, shape []int, values []int32) (*Variable, error) {
	if err := checkCount(name, shape, len(values)); err != nil {
		return nil, err
	}
	data := make([]byte, 4*len(values))
	for i, x := range values {
		binary.LittleEndian.PutUint32(data[4*i:], uint32(x))
	}
	return &Variable{Name: name, Type: Int32, Shape: append([]int(nil), shape...), Data: data}, nil
}

// NewFloat32s returns a float32 variable (act_step, Dequantizer scales).
func NewFloat32s(name string, shape []int, values []float32) (*Variable, error) {
	if err := checkCount(name, shape, len(values)); err != nil {
		return nil, err
	}
	data := make([]byte, 4*len(values))
	for i, x := range values {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(x))
	}
	return &Variable{Name: name, Type: Float32, Shape: append([]int(nil), shape...), Data: data}, nil
}

// NewUint8s returns a uint8 variable (Akida 2.0 shifts, padding_value,
// zero_points). Its element type code is unverified.
func NewUint8s(name string, shape []int, values []uint8) (*Variable, error) {
	if err := checkCount(name, shape, len(values)); err != nil {
		return nil, err
	}
	return &Variable{Name: name, Type: Uint8, Shape: append([]int(nil), shape...), Data: append([]byte(nil), values...)}, nil
}

// NewInt16s returns an int16 variable (Akida Pico A_real/A_imag). Its
// element type code is unverified.
func NewInt16s(name string, shape []int, values []int16) (*Variable, error) {
	if err := checkCount(name, shape, len(values)); err != nil {
		return nil, err
	}
	data := make([]byte, 2*len(values))
	for i, x := range values {
		binary.LittleEndian.PutUint16(data[2*i:], uint16(x))
	}
	return &Variable{Name: name, Type: Int16, Shape: append([]int(nil), shape...), Data: data}, nil
}

// typeError says that a variable cannot be read as the asked type.
func (v *Variable) typeError(want string) error {
	return fmt.Errorf("variable %q holds %s elements, not %s", v.Name, v.Type, want)
}

// Int8s returns the values of a variable stored one signed byte per
// element: weights of any bit width (Int8, Int4, Int2, Bit).
func (v *Variable) Int8s() ([]int8, error) {
	if !v.Type.oneByteSigned() {
		return nil, v.typeError("one-byte weights")
	}
	out := make([]int8, len(v.Data))
	for i, b := range v.Data {
		out[i] = int8(b)
	}
	return out, nil
}

// Uint8s returns the values of a Uint8 variable.
func (v *Variable) Uint8s() ([]uint8, error) {
	if v.Type != Uint8 {
		return nil, v.typeError("uint8")
	}
	return append([]uint8(nil), v.Data...), nil
}

// Int16s returns the values of an Int16 variable.
func (v *Variable) Int16s() ([]int16, error) {
	if v.Type != Int16 || len(v.Data)%2 != 0 {
		return nil, v.typeError("int16")
	}
	out := make([]int16, len(v.Data)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(v.Data[2*i:]))
	}
	return out, nil
}

// Int32s returns the values of an Int32 variable.
func (v *Variable) Int32s() ([]int32, error) {
	if v.Type != Int32 || len(v.Data)%4 != 0 {
		return nil, v.typeError("int32")
	}
	out := make([]int32, len(v.Data)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(v.Data[4*i:]))
	}
	return out, nil
}

// Float32s returns the values of a Float32 variable.
func (v *Variable) Float32s() ([]float32, error) {
	if v.Type != Float32 || len(v.Data)%4 != 0 {
		return nil, v.typeError("float32")
	}
	out := make([]float32, len(v.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(v.Data[4*i:]))
	}
	return out, nil
}

// Equal reports whether both variables have the same name, type, shape and
// data.
func (v *Variable) Equal(w *Variable) bool {
	if v.Name != w.Name || v.Type != w.Type || len(v.Shape) != len(w.Shape) || string(v.Data) != string(w.Data) {
		return false
	}
	for i, d := range v.Shape {
		if w.Shape[i] != d {
			return false
		}
	}
	return true
}
