//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// This package is a browser binary; natively it only builds (so go vet
// and go test work) and says how to build it.
func main() {
	fmt.Fprintln(os.Stderr, "cnn2snn.wasm runs in a browser: build it with GOOS=js GOARCH=wasm go build -o cnn2snn.wasm ./wasm (or make dist)")
	os.Exit(2)
}
