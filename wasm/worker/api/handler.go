// Package api is the HTTP interface of the converter: one plain
// http.Handler that the Cloudflare Worker (package main under GOOS=js)
// serves through github.com/syumai/workers, and that the native debug
// server and the tests serve through net/http.
//
// Routes:
//
//	POST /v1/inspect   the Keras model's layers (JSON)
//	POST /v1/check     the compatibility report (JSON); an incompatible model is a 200
//	POST /v1/convert   the .fbz (or, with Accept: application/json, the report and the .fbz in base64)
//	GET  /healthz      {"status":"ok","version":…}
//	GET  /…            the static UI (Config.Assets)
//
// A request body is the model file itself, or multipart/form-data holding
// several files (a weights .h5 with its model .json, a TF.js model.json
// with its .bin shards). Conversion options come as query parameters.
//
// Every problem with a request is a 4xx answer with a JSON body
// {"error": message, "diagnostics": […]}: the converter runs on untrusted
// bytes, and a panic while handling them is recovered into a 400, so no
// request body can produce a 5xx.
package api

import (
	"fmt"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
)

// DefaultMaxBodyBytes is the request body limit when Config.MaxBodyBytes
// is zero: 32 MiB holds every real Keras model of the Akida range (the
// largest fixture is 3 MB) while leaving room, inside the 128 MB a Workers
// isolate may use, for the model's weights and the .fbz.
const DefaultMaxBodyBytes = 32 << 20

// maxFiles bounds the parts of a multipart body; a TF.js model has one
// model.json and a handful of shards.
const maxFiles = 256

// Config sets up the handler.
type Config struct {
	// MaxBodyBytes is the largest request body accepted; larger ones get
	// 413. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Assets answers GET and HEAD requests outside /v1/ and /healthz: the
	// static UI. Nil means the UI is not deployed with this server.
	Assets http.Handler
}

// New returns the handler for the routes listed in the package comment.
func New(c Config) http.Handler {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return &handler{maxBody: c.MaxBodyBytes, assets: c.Assets}
}

type handler struct {
	maxBody int64
	assets  http.Handler
}

// endpoint returns the method serving a POST endpoint, or nil.
func (h *handler) endpoint(path string) http.HandlerFunc {
	switch path {
	case "/v1/inspect":
		return h.inspect
	case "/v1/check":
		return h.check
	case "/v1/convert":
		return h.convert
	}
	return nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer recoverPanic(w, r)
	path := r.URL.Path
	if serve := h.endpoint(path); serve != nil {
		if r.Method != http.MethodPost {
			methodNotAllowed(w, r, http.MethodPost)
			return
		}
		serve(w, r)
		return
	}
	switch {
	case path == "/healthz":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, r, http.MethodGet, http.MethodHead)
			return
		}
		h.healthz(w)
	case path == "/v1" || strings.HasPrefix(path, "/v1/"):
		writeProblem(w, &problem{status: http.StatusNotFound,
			msg: fmt.Sprintf("there is no endpoint %s; the endpoints are POST /v1/inspect, POST /v1/check and POST /v1/convert", path)})
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		methodNotAllowed(w, r, http.MethodGet, http.MethodHead)
	case h.assets == nil:
		writeProblem(w, &problem{status: http.StatusNotFound,
			msg: fmt.Sprintf("%s: the web page is not deployed with this server (build it with make dist); the API is at /v1/convert", path)})
	default:
		h.assets.ServeHTTP(w, r)
	}
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allowed ...string) {
	allow := strings.Join(allowed, ", ")
	w.Header().Set("Allow", allow)
	writeProblem(w, &problem{status: http.StatusMethodNotAllowed,
		msg: fmt.Sprintf("%s %s is not allowed; use %s", r.Method, r.URL.Path, strings.Join(allowed, " or "))})
}

// recoverPanic turns a panic anywhere below ServeHTTP into a 400 answer.
// It is a 400, not a 500, because the only input is the request: a panic
// means the converter met a file it does not handle, and the user's way out
// is to report that file. Under GOOS=js an unrecovered panic would end the
// Go instance that serves every request of the isolate (the loader then
// answers the requests in flight 500 and starts a new one). The stack goes to
// stderr (the Worker's console, `wrangler tail`) for the bug report.
func recoverPanic(w http.ResponseWriter, r *http.Request) {
	if p := recover(); p != nil {
		fmt.Fprintf(os.Stderr, "panic while handling %s %s: %v\n%s", r.Method, r.URL.Path, p, debug.Stack())
		writeProblem(w, badRequest(fmt.Sprintf(
			"internal error while handling %s: %v; please report this with the model file", r.URL.Path, p)))
	}
}
