//go:build js && wasm

// Command worker is the Cloudflare Worker of cnn2snn-wasm: the HTTP API of
// package api served by github.com/syumai/workers. Build it with
// `make worker-build` (workers-assets-gen writes build/worker.mjs, which
// loads build/app.wasm); run it locally with `make worker-serve`.
//
// The Worker creates a new Go instance for every request (stack.md §4.1),
// so main runs once per request and keeps no state between requests.
package main

import (
	"net/http"
	"syscall/js"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/fetch"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/wasm/worker/api"
)

func main() {
	limit, err := api.ParseMaxBodyBytes(envText(api.MaxBodyBytesVar))
	if err != nil {
		workers.Serve(api.ConfigError(err))
		return
	}
	workers.Serve(api.New(api.Config{MaxBodyBytes: limit, Assets: assets()}))
}

// envText returns a text binding (a wrangler var, or a workerd text or
// fromEnvironment binding), or "" when it is not set.
func envText(name string) string {
	v := cloudflare.GetBinding(name)
	if v.IsUndefined() || v.IsNull() {
		return ""
	}
	return v.String()
}

// assets serves the static UI through the ASSETS binding: wrangler's
// "assets" directory on Cloudflare, a disk directory service in workerd.
// Without the binding the worker serves the API only.
func assets() http.Handler {
	b := cloudflare.GetBinding("ASSETS")
	if b.IsUndefined() || b.IsNull() {
		return nil
	}
	// syumai/workers calls namespace.fetch without `this`, which a service
	// binding refuses ("Illegal invocation"), so give it an object whose
	// fetch is bound to the binding.
	bound := js.Global().Get("Object").New()
	bound.Set("fetch", b.Get("fetch").Call("bind", b))
	client := fetch.NewClient(fetch.WithBinding(bound))
	return api.AssetProxy(client.HTTPClient(fetch.RedirectModeManual).Transport)
}
