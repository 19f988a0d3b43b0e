package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// diskService behaves like workerd's disk directory service: files as
// application/octet-stream, directories as a JSON listing.
func diskService(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := filepath.Join(dir, filepath.FromSlash(r.URL.Path))
		st, err := os.Stat(p)
		switch {
		case err != nil:
			http.Error(w, "Not Found", 404)
		case st.IsDir():
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`[]`))
		default:
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Cache-Control", "no-cache")
			data, _ := os.ReadFile(p)
			w.Write(data)
		}
	})
}

// binding sends every request to a handler in-process, as the ASSETS
// binding does (no network, so this also runs under GOOS=js).
type binding struct{ h http.Handler }

func (b binding) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func TestAssetProxy(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "index.html", "<!doctype html>")
	writeFile(t, dir, "cnn2snn.wasm", "\x00asm\x01\x00\x00\x00")
	writeFile(t, dir, "cnn2snn.js", "export {}")
	writeFile(t, dir, "style.css", "body{}")
	writeFile(t, dir, "sample.keras", "PK")
	h := New(Config{Assets: AssetProxy(binding{diskService(dir)})})
	cases := []struct{ path, status, contentType, body string }{
		{"/", "200", "text/html; charset=utf-8", "<!doctype html>"},
		{"/index.html", "200", "text/html; charset=utf-8", "<!doctype html>"},
		{"/cnn2snn.wasm", "200", "application/wasm", "\x00asm\x01\x00\x00\x00"},
		{"/cnn2snn.js", "200", "text/javascript; charset=utf-8", "export {}"},
		{"/style.css", "200", "text/css; charset=utf-8", "body{}"},
		{"/sample.keras", "200", "application/octet-stream", "PK"},
		{"/nothing.js", "404", "text/plain; charset=utf-8", "Not Found\n"},
	}
	for _, c := range cases {
		rec := serve(t, h, "GET", c.path, nil)
		if got := []string{http.StatusText(rec.Code), rec.Header().Get("Content-Type"), rec.Body.String()}; rec.Code != atoi(c.status) ||
			got[1] != c.contentType || got[2] != c.body {
			t.Errorf("GET %s: %d %q %q; want %s %q %q", c.path, rec.Code, got[1], got[2], c.status, c.contentType, c.body)
		}
	}
	if cc := serve(t, h, "GET", "/index.html", nil).Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q not passed on", cc)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("binding gone")
}

func TestAssetProxyFailureIsAGatewayError(t *testing.T) {
	h := New(Config{Assets: AssetProxy(failingTransport{})})
	wantProblem(t, serve(t, h, "GET", "/", nil), 502,
		"/: the static files could not be read (binding gone); try again, or use the API at /v1/convert")
}
