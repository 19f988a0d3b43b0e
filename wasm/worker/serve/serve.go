//go:build js && wasm

// Package serve runs an http.Handler as the Worker's Go program, with
// github.com/syumai/workers, for wasm/worker/loader.mjs: one Go instance
// per isolate that serves every request, concurrent ones too (README.md,
// "One Go instance per isolate").
//
// syumai/workers was written for an instance per request, and two of its
// ways do not last a thousand requests in one instance, so requests and
// answers take another way through it:
//
//   - It reads a request body a chunk at a time and leaves a js.Func
//     behind for each (about 2,000 Go objects for a 2 MB model). The loader
//     reads the body instead and leaves it in a table for the program
//     (BodyTable), under the request's header BodyHeader; the handler gets
//     it from there.
//   - Its streamed response body closes a package-level channel
//     (workers.Done) when it ends, which panics the second time. The
//     response body is handed over whole instead, as a raw JavaScript body
//     (its ResponseWriter's WriteRawJSBody), which never reaches that code
//     and costs one copy instead of a round trip per 16 kB.
package serve

import (
	"bytes"
	"io"
	"net/http"
	"syscall/js"

	"github.com/syumai/workers"
)

// The loader and this package agree on these names.
const (
	// BodyHeader carries the key under which the loader left a request's
	// body in BodyTable; the handler never sees the header.
	BodyHeader = "X-Cnn2snn-Body"
	// BodyTable is the global JavaScript Map of the bodies read by the
	// loader: key → {bytes: Uint8Array, length: the Content-Length the
	// client declared, or -1}. The bytes are at most the limit Serve was
	// given plus one, enough for the handler to refuse a larger body.
	BodyTable = "cnn2snnBodies"
	// limitProperty is the property of syumai's binding object that tells
	// the loader how many bytes of a body to read.
	limitProperty = "maxBodyBytes"
)

// Serve hands h to syumai/workers, tells the loader how much of a request
// body h may read (maxBody bytes; the loader reads one more, so that h
// sees a body over its limit) and that the program is ready, then serves
// the isolate's requests until it goes. h must keep no state between
// requests: every request of the isolate reaches the same h.
func Serve(h http.Handler, maxBody int64) {
	js.Global().Get("context").Get("binding").Set(limitProperty, maxBody)
	workers.ServeNonBlock(wholeBody(loaderBody(h)))
	workers.Ready()
	select {}
}

// loaderBody gives h the request body the loader read.
func loaderBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key := r.Header.Get(BodyHeader); key != "" {
			r.Header.Del(BodyHeader)
			table := js.Global().Get(BodyTable)
			entry := table.Call("get", key)
			table.Call("delete", key)
			if entry.Type() == js.TypeObject {
				data := make([]byte, entry.Get("bytes").Length())
				js.CopyBytesToGo(data, entry.Get("bytes"))
				r.Body = io.NopCloser(bytes.NewReader(data))
				r.ContentLength = int64(entry.Get("length").Int())
			}
		}
		h.ServeHTTP(w, r)
	})
}

// wholeBody serves h with the response body kept in Go until h returns,
// then handed to JavaScript in one piece as a raw body (a Uint8Array).
func wholeBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := w.(rawBodyWriter)
		if !ok { // not syumai's ResponseWriter: nothing to work around
			h.ServeHTTP(w, r)
			return
		}
		b := &bufferedWriter{ResponseWriter: w}
		h.ServeHTTP(b, r)
		if b.raw != nil {
			raw.WriteRawJSBody(*b.raw)
			return
		}
		body := js.Global().Get("Uint8Array").New(b.body.Len())
		js.CopyBytesToJS(body, b.body.Bytes())
		raw.WriteRawJSBody(body)
	})
}

// rawBodyWriter is syumai/workers' ResponseWriter's way to take a
// JavaScript body as it is (its jsutil.RawJSBodyWriter).
type rawBodyWriter interface{ WriteRawJSBody(body js.Value) }

// bufferedWriter holds a response body: the bytes written, or a JavaScript
// body passed through (io.Copy of a fetched body, as the static files are,
// hands over the JavaScript stream itself).
type bufferedWriter struct {
	http.ResponseWriter
	body bytes.Buffer
	raw  *js.Value
}

func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }

func (b *bufferedWriter) WriteRawJSBody(body js.Value) { b.raw = &body }
