//go:build js && wasm

package main

import (
	"fmt"
	"os"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
)

func main() {
	var called atomic.Bool // the first call of the API has come
	install(js.Global(), &called)
	go func() {
		time.Sleep(warmUpDelay)
		// A failed warm-up costs speed, not results: say so in the console.
		if err := warmUp(warmUpPasses, called.Load, func() { time.Sleep(warmUpPause) }); err != nil {
			fmt.Fprintln(os.Stderr, "cnn2snn.wasm: the warm-up conversion failed (the converter works, its first call is slower):", err)
		}
	}()
	select {} // serve calls until the page or worker goes away
}

// install sets global.cnn2snn to the API object. Every call sets called
// as it comes in, before its work starts.
func install(global js.Value, called *atomic.Bool) {
	api := js.Global().Get("Object").New()
	api.Set("version", core.Version)
	for name, fn := range calls() {
		api.Set(name, method(fn, called))
	}
	global.Set("cnn2snn", api)
}
