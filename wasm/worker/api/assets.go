package api

import (
	"io"
	"net/http"
	"path"
	"strings"
)

// AssetProxy serves the static UI from another service: the Worker's
// ASSETS binding (Cloudflare's static assets, or a workerd disk directory
// service). rt sends the request to that service; only the path matters to
// it, the host is a placeholder.
//
// workerd's disk service answers a directory with a JSON listing and every
// file as application/octet-stream, so a path ending in "/" asks for its
// index.html and the Content-Type comes from the file extension (browsers
// refuse to compile WebAssembly served as anything but application/wasm).
func AssetProxy(rt http.RoundTripper) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasSuffix(p, "/") {
			p += "index.html"
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, "http://assets"+p, nil)
		if err != nil {
			writeProblem(w, badRequest("the path "+r.URL.Path+" is not valid: "+err.Error()))
			return
		}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			// The static files are another service: its failure is a
			// gateway error, not the client's.
			writeProblem(w, &problem{status: http.StatusBadGateway,
				msg: r.URL.Path + ": the static files could not be read (" + err.Error() + "); try again, or use the API at /v1/convert"})
			return
		}
		defer resp.Body.Close()
		h := w.Header()
		for _, k := range []string{"Content-Length", "Content-Type", "ETag", "Last-Modified", "Cache-Control"} {
			// syumai/workers splits JS header values at commas
			// ("Wed, 25 Nov …" arrives as two values); join them back.
			if v := resp.Header.Values(k); len(v) > 0 {
				h.Set(k, strings.Join(v, ","))
			}
		}
		if t := contentType(path.Ext(p)); t != "" && resp.StatusCode == http.StatusOK {
			h.Set("Content-Type", t)
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})
}

// contentType is the type of the page's files by extension. It is a fixed
// table, not mime.TypeByExtension, whose answers depend on the host's
// mime.types natively and on a smaller built-in table under GOOS=js.
// Other files (the sample .keras model) keep the service's type.
func contentType(ext string) string {
	switch strings.ToLower(ext) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".wasm":
		return "application/wasm"
	case ".json":
		return "application/json"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".md":
		return "text/markdown; charset=utf-8"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	return ""
}
