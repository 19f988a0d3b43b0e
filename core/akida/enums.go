package akida

// Padding is akida's Padding enum as stored in the "padding" parameter.
// Valid and Same are documented ([DOC] "<Padding.Same: 1>"); SameUpper is
// listed third in the latest docs, so 2 is inferred.
type Padding int32

const (
	Valid     Padding = 0
	Same      Padding = 1
	SameUpper Padding = 2 // inferred
)

// PoolType is akida's PoolType enum as stored in the "pool_type" parameter.
// NoPooling is documented, Average=2 is seen in real files (global average
// pooling), Max=1 is inferred from the order of the docs.
type PoolType int32

const (
	NoPooling      PoolType = 0
	MaxPooling     PoolType = 1 // inferred
	AveragePooling PoolType = 2
)

// ActivationType is akida's ActivationType enum, stored in the
// "activation" parameter of Akida 2.0 layers (Akida 1.0 layers store a
// 0/1 boolean there instead). NoActivation and ReLU are documented, LUT=2
// is inferred from the order of the docs.
type ActivationType int32

const (
	NoActivation ActivationType = 0
	ReLU         ActivationType = 1
	LUT          ActivationType = 2 // inferred
)

// boolParam stores a Python bool the way akida's wrappers do: 0 or 1.
func boolParam(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
