package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// site writes a tiny dist/ with the kinds of files make dist produces.
func site(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"index.html":     "<!doctype html><title>cnn2snn</title>",
		"cnn2snn.wasm":   "\x00asm\x01\x00\x00\x00",
		"cnn2snn.js":     "globalThis.x = 1;",
		"style.css":      "body{}",
		"sample/a.txt":   "sample",
		"wasm_exec.js":   "// go",
		"embed.html":     "<div></div>",
		"ui.wasm":        "\x00asm\x01\x00\x00\x00",
		"sample/b.keras": "PK\x03\x04",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Result()
}

func TestServesSiteWithWasmType(t *testing.T) {
	h, err := newHandler(site(t), "/")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, contentType string }{
		{"/cnn2snn.wasm", "application/wasm"},
		{"/ui.wasm", "application/wasm"},
		{"/", "text/html; charset=utf-8"},
		{"/style.css", "text/css; charset=utf-8"},
	}
	for _, c := range cases {
		res := get(t, h, c.path)
		if res.StatusCode != 200 {
			t.Errorf("GET %s: status %d, want 200", c.path, res.StatusCode)
		}
		if got := res.Header.Get("Content-Type"); got != c.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, got, c.contentType)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", c.path, got)
		}
	}
	body, _ := io.ReadAll(get(t, h, "/cnn2snn.wasm").Body)
	if !bytes.Equal(body, []byte("\x00asm\x01\x00\x00\x00")) {
		t.Errorf("GET /cnn2snn.wasm body % x, want the file's bytes", body)
	}
}

func TestServesUnderSubPath(t *testing.T) {
	h, err := newHandler(site(t), "docs/cnn2snn")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{
		"/docs/cnn2snn/":               200,
		"/docs/cnn2snn/cnn2snn.wasm":   200,
		"/docs/cnn2snn/sample/b.keras": 200,
		"/cnn2snn.wasm":                404,
		"/":                            404,
		"/docs/cnn2snn/missing.wasm":   404,
	} {
		if got := get(t, h, path).StatusCode; got != want {
			t.Errorf("GET %s: status %d, want %d", path, got, want)
		}
	}
}

func TestRefusesUnbuiltSite(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	if code := run([]string{"-dir", dir, "-addr", "127.0.0.1:0"}, io.Discard, &stderr); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	want := "serve: " + dir + " has no index.html: build the site first with make dist\n"
	if stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

func TestCleanPrefix(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/": "/", "a": "/a/", "/a/b/": "/a/b/", "a/b": "/a/b/"} {
		if got := cleanPrefix(in); got != want {
			t.Errorf("cleanPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}
