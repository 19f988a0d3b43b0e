package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

var endpoints = [...]string{"/v1/inspect", "/v1/check", "/v1/convert"}

// checkAnswer asserts the promise the API makes for any body: no 5xx, and
// an error is a JSON object with "error" and "diagnostics".
func checkAnswer(t testing.TB, h *handler, target, contentType string, body []byte) int {
	t.Helper()
	req := httptest.NewRequest("POST", target, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("POST %s with %d bytes: status %d: %s", target, len(body), rec.Code, rec.Body)
	}
	if rec.Code != 200 {
		var e errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" || e.Diagnostics == nil {
			t.Fatalf("POST %s with %d bytes: status %d with a body that is not an error object: %s", target, len(body), rec.Code, rec.Body)
		}
		// A recovered panic keeps the promise but is a converter bug:
		// say so, so it gets reported.
		if strings.HasPrefix(e.Error, "internal error") {
			t.Logf("POST %s with %d bytes: %s", target, len(body), e.Error)
		}
	}
	return rec.Code
}

// TestHostileBodies sends every Keras fixture truncated at many lengths
// and with corrupted bytes, and random bytes behind each file signature,
// to every endpoint.
func TestHostileBodies(t *testing.T) {
	dir := filepath.Dir(fixtures.Shared(t, "keras", "README.md"))
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	h := New(Config{}).(*handler)
	rng := rand.New(rand.NewPCG(7, 11))
	requests := 0
	for _, path := range names {
		if strings.HasSuffix(path, ".md") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		var bodies [][]byte
		for _, n := range []int{1, 7, 8, 9, 64, 511, 512, 2047} {
			bodies = append(bodies, data[:min(n, len(data))])
		}
		for i := 1; i < 16; i++ {
			bodies = append(bodies, data[:len(data)*i/16])
		}
		// A corrupted whole file may load and go through the whole
		// conversion, the slow case: a few suffice.
		for range 2 {
			b := bytes.Clone(data)
			for range 8 {
				b[rng.IntN(len(b))] = byte(rng.Uint32())
			}
			bodies = append(bodies, b)
		}
		for _, body := range bodies {
			for _, ep := range endpoints {
				checkAnswer(t, h, ep+"?filename="+name, "", body)
				requests++
			}
		}
	}
	for _, magic := range []string{"", "\x89HDF\r\n\x1a\n", "PK\x03\x04", "{", "[", "\x00asm"} {
		for _, size := range []int{0, 1, 100, 5000, 70000} {
			body := append([]byte(magic), make([]byte, size)...)
			for i := len(magic); i < len(body); i++ {
				body[i] = byte(rng.Uint32())
			}
			for _, ep := range endpoints {
				checkAnswer(t, h, ep, "", body)
				checkAnswer(t, h, ep, "multipart/form-data; boundary=b", append([]byte("--b\r\nContent-Disposition: form-data; name=f; filename=x\r\n\r\n"), body...))
				requests += 2
			}
		}
	}
	t.Logf("%d hostile requests, none answered 5xx", requests)
}

// FuzzHandler sends arbitrary bodies and content types to every endpoint.
func FuzzHandler(f *testing.F) {
	f.Add(0, "", []byte("\x89HDF\r\n\x1a\n\x00"))
	f.Add(1, "multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=f; filename=m.json\r\n\r\n{\"class_name\":\"Sequential\"}\r\n--b--\r\n"))
	f.Add(2, "", []byte("PK\x03\x04\x14\x00\x00\x00\x00\x00"))
	f.Add(0, "", []byte(`{"format":"layers-model","modelTopology":{}}`))
	h := New(Config{MaxBodyBytes: 1 << 20}).(*handler)
	f.Fuzz(func(t *testing.T, ep int, contentType string, body []byte) {
		checkAnswer(t, h, endpoints[uint(ep)%uint(len(endpoints))], contentType, body)
	})
}
