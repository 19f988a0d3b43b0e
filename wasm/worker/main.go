//go:build js && wasm

// Command worker is the Cloudflare Worker of cnn2snn-wasm: the HTTP API of
// package api served by github.com/syumai/workers. Build it with
// `make worker-build`, which writes build/app.wasm and, as build/worker.mjs,
// loader.mjs: it starts this program once per isolate and hands it every
// request, concurrent ones too (README.md, "One Go instance per isolate").
// So main runs once per isolate, and nothing a request does may stay behind
// for the next one: the handler keeps no state.
package main

import (
	"net/http"
	"syscall/js"

	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/fetch"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/wasm/worker/api"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/wasm/worker/serve"
)

func main() {
	limit, err := api.ParseMaxBodyBytes(envText(api.MaxBodyBytesVar))
	if err != nil {
		serve.Serve(api.ConfigError(err), 0)
		return
	}
	serve.Serve(api.New(api.Config{MaxBodyBytes: limit, Assets: assets()}), limit)
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
