//go:build js && wasm

// Command testworker is the Worker as the e2e tests build it to test the
// loader (wasm/worker/loader.mjs): the API's handler served as the Worker
// serves it, with routes under /test/ that only this build has.
//
//	GET /test/instance  this Go instance's number, drawn when it started
//	GET /test/heap      the number of live objects on the Go heap
//	GET /test/grow      makes the Go heap (the WebAssembly memory) grow
//	                    past 64 MiB, then lets it go
//	GET /test/panic     a panic in the handler (the API recovers it: a 400)
//	GET /test/hold      answers in an hour (the program must end under it)
//	GET /test/held      how many /test/hold requests are being served
//	GET /test/exit      ends the Go program while the request is served:
//	                    a panic on a goroutine of its own, which nothing
//	                    can recover
package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/wasm/worker/api"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/wasm/worker/serve"
)

func main() {
	instance := rand.Uint64()
	test := http.NewServeMux()
	test.HandleFunc("GET /test/instance", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", instance)
	})
	test.HandleFunc("GET /test/heap", func(w http.ResponseWriter, r *http.Request) {
		// Two collections: objects with finalizers (js.Value's) need two.
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Fprintf(w, "%d\n", m.HeapObjects)
	})
	test.HandleFunc("GET /test/grow", func(w http.ResponseWriter, r *http.Request) {
		big := make([]byte, 80<<20)
		for i := range big {
			big[i] = byte(i)
		}
		fmt.Fprintf(w, "%d\n", len(big))
	})
	test.HandleFunc("GET /test/panic", func(w http.ResponseWriter, r *http.Request) {
		panic("a test panic in the handler")
	})
	var held atomic.Int64
	test.HandleFunc("GET /test/hold", func(w http.ResponseWriter, r *http.Request) {
		held.Add(1)
		// workerd cancels a request that waits on nothing (no I/O, no
		// timer of its own) as hung; Go's own timer may belong to another
		// request. So a JavaScript timer of this request keeps it waiting.
		js.Global().Get("setTimeout").Invoke(js.FuncOf(func(js.Value, []js.Value) any { return nil }), 3_600_000)
		select {}
	})
	test.HandleFunc("GET /test/held", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", held.Load())
	})
	test.HandleFunc("GET /test/exit", func(w http.ResponseWriter, r *http.Request) {
		go func() { panic("a test panic that ends the Go program") }()
		time.Sleep(time.Hour)
	})
	// The API serves GET requests outside /v1/ and /healthz with its
	// static files' handler, under its recover.
	serve.Serve(api.New(api.Config{Assets: test}), api.DefaultMaxBodyBytes)
}
