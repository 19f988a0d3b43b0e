//go:build !(386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm)

package hdf5

// littleEndianFloat32s decodes little-endian float32 bytes on a
// big-endian host, where a plain copy would swap every value.
func littleEndianFloat32s(dst []float32, src []byte) {
	decodeLittleEndianFloat32s(dst, src)
}
