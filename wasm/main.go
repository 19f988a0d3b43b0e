//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
)

func main() {
	install(js.Global())
	select {} // serve calls until the page or worker goes away
}

// install sets global.cnn2snn to the API object.
func install(global js.Value) {
	api := js.Global().Get("Object").New()
	api.Set("version", core.Version)
	for name, fn := range calls() {
		api.Set(name, method(fn))
	}
	global.Set("cnn2snn", api)
}
