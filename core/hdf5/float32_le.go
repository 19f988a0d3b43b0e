//go:build 386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm

package hdf5

import "unsafe"

// littleEndianFloat32s copies little-endian float32 bytes into dst. On a
// little-endian host (this file's build tags, wasm included) the stored
// bytes already are the in-memory floats, so a memmove does it: this is
// the path of every Keras weight, and it runs at copy speed.
//
// Viewing dst as bytes is sound: float32 holds no pointers, and bytes
// have no alignment to respect.
func littleEndianFloat32s(dst []float32, src []byte) {
	if len(dst) == 0 {
		return
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), 4*len(dst)), src[:4*len(dst)])
}
