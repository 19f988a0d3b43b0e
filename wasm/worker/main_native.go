//go:build !js

// Command worker, built natively, serves the Worker's handler with
// net/http: the same API and static UI as `make worker-serve`, without
// workerd, for debugging with a Go debugger or profiler.
//
//	go run ./wasm/worker -addr 127.0.0.1:8787 -dist dist
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/wasm/worker/api"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8787", "address to listen on")
	dist := flag.String("dist", "dist", "directory of the static UI (make dist); served at /")
	flag.Parse()
	limit, err := api.ParseMaxBodyBytes(os.Getenv(api.MaxBodyBytesVar))
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(2)
	}
	var assets http.Handler
	if st, err := os.Stat(*dist); err == nil && st.IsDir() {
		assets = http.FileServer(http.Dir(*dist))
	} else {
		fmt.Fprintf(os.Stderr, "worker: %s is not a directory; serving the API only (run make dist for the page)\n", *dist)
	}
	fmt.Printf("serving on http://%s\n", *addr)
	err = http.ListenAndServe(*addr, api.New(api.Config{MaxBodyBytes: limit, Assets: assets}))
	fmt.Fprintln(os.Stderr, "worker:", err)
	os.Exit(1)
}
