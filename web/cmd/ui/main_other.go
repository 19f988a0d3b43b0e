//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// The page is a browser binary; natively this package only builds (so go
// vet and go test work) and says how to build it.
func main() {
	fmt.Fprintln(os.Stderr, "ui.wasm runs in a browser: build it with GOOS=js GOARCH=wasm go build -o ui.wasm ./web/cmd/ui (or make dist)")
	os.Exit(2)
}
