package api

import (
	"bytes"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// failingReader fails the test if the handler reads it: a body whose
// Content-Length is over the limit must be refused unread.
type failingReader struct{ t *testing.T }

func (r failingReader) Read([]byte) (int, error) {
	r.t.Error("the body was read although its Content-Length is over the limit")
	return 0, io.EOF
}

// countingReader serves n bytes of 'x' and counts what was read.
type countingReader struct {
	left, read int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	n = min(n, r.left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	r.left -= n
	r.read += n
	return int(n), nil
}

const tooLargeMsg = "the request body is larger than this server's limit of %s; convert the model with the web page or the command-line tool, which have no limit"

func TestBodyLimitByContentLength(t *testing.T) {
	h := New(Config{})
	req := httptest.NewRequest("POST", "/v1/convert", failingReader{t})
	req.ContentLength = DefaultMaxBodyBytes + 1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	wantProblem(t, rec, 413, strings.Replace(tooLargeMsg, "%s", "32 MiB (33554432 bytes)", 1))
}

func TestBodyLimitWhileReading(t *testing.T) {
	const limit = 1000
	h := New(Config{MaxBodyBytes: limit})
	msg := strings.Replace(tooLargeMsg, "%s", "1000 bytes", 1)
	// No Content-Length (chunked): refused once more than the limit arrived,
	// and the rest is never read.
	body := &countingReader{left: 1 << 20}
	req := httptest.NewRequest("POST", "/v1/inspect", body)
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	wantProblem(t, rec, 413, msg)
	if body.read > limit+4096 {
		t.Errorf("read %d bytes of an over-limit body; the limit is %d", body.read, limit)
	}
	// A Content-Length that understates the body changes nothing.
	req = httptest.NewRequest("POST", "/v1/inspect", &countingReader{left: limit + 1})
	req.ContentLength = 10
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	wantProblem(t, rec, 413, msg)
	// Multipart: the limit counts the whole body, parts included.
	mp, ct := multipartBody(t, "a.h5", bytes.Repeat([]byte{1}, 600), "b.h5", bytes.Repeat([]byte{2}, 600))
	wantProblem(t, serve(t, h, "POST", "/v1/inspect", mp, "Content-Type", ct), 413, msg)
	// Exactly the limit is read and passed to the converter.
	req = httptest.NewRequest("POST", "/v1/inspect", &countingReader{left: limit})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "this is not a Keras model file") {
		t.Errorf("a body of exactly the limit: %d %s", rec.Code, rec.Body)
	}
}

func TestReadAllSizesTheBuffer(t *testing.T) {
	data := bytes.Repeat([]byte("abc"), 1000)
	got, err := readAll(bytes.NewReader(data), len(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("readAll: %v", err)
	}
	if cap(got) != len(data)+1 {
		t.Errorf("cap %d: a body of known length was copied while reading", cap(got))
	}
	got, err = readAll(bytes.NewReader(data), 0)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("readAll without a size: %v", err)
	}
}

func TestParseMaxBodyBytes(t *testing.T) {
	for in, want := range map[string]int64{"": DefaultMaxBodyBytes, " 1048576 ": 1 << 20, "1": 1} {
		if got, err := ParseMaxBodyBytes(in); err != nil || got != want {
			t.Errorf("ParseMaxBodyBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-5", "32MiB", "1e6"} {
		_, err := ParseMaxBodyBytes(in)
		want := `CNN2SNN_MAX_BODY_BYTES="` + in + `" is not a positive number of bytes; set it to e.g. 33554432 (32 MiB) or leave it unset`
		if err == nil || err.Error() != want {
			t.Errorf("ParseMaxBodyBytes(%q): %v", in, err)
		}
	}
	_, err := ParseMaxBodyBytes("0")
	rec := serve(t, ConfigError(err), "GET", "/healthz", nil)
	wantProblem(t, rec, 500, `the server is misconfigured: CNN2SNN_MAX_BODY_BYTES="0" is not a positive number of bytes; set it to e.g. 33554432 (32 MiB) or leave it unset`)
}
