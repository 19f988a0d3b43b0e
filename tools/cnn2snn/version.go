package main

import (
	"fmt"
	"io"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
)

func runVersion(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "cnn2snn-wasm %s\n", core.Version)
	return 0
}
