// Package e2e runs the built Worker (wasm/worker/build) in workerd and
// checks every endpoint over HTTP against the same handler run natively,
// then measures it under load. `make worker-test` runs it; plain `go test`
// skips it unless CNN2SNN_WORKERD names the workerd binary.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/wasm/worker/api"
)

// Environment variables set by `make worker-test`.
const (
	workerdVar = "CNN2SNN_WORKERD"     // path of the workerd binary
	loadVar    = "CNN2SNN_WORKER_LOAD" // "requests,concurrency" of the load check
)

// workerd is one running workerd process serving the Worker.
type workerd struct {
	url    string
	pid    int
	dist   string // the directory served at /
	client *http.Client
}

// startWorkerd starts workerd with the repository's capnp config on a free
// port, with extra environment variables, and stops it when the test ends.
func startWorkerd(t *testing.T, env ...string) *workerd {
	t.Helper()
	return startWorkerdWith(t, fixtures.Repo(t, "wasm", "worker", "workerd.capnp"), env...)
}

// workerdBinary is the workerd to run; the test is skipped without one.
func workerdBinary(t *testing.T) string {
	bin := os.Getenv(workerdVar)
	if bin == "" {
		t.Skipf("skipped: set %s to the workerd binary to run the Worker in workerd (make worker-test does)", workerdVar)
	}
	return bin
}

// startWorkerdWith starts workerd with a capnp config whose modules are in
// build/ beside it.
func startWorkerdWith(t *testing.T, config string, env ...string) *workerd {
	t.Helper()
	bin := workerdBinary(t)
	if _, err := os.Stat(filepath.Join(filepath.Dir(config), "build", "app.wasm")); err != nil {
		t.Fatalf("the Worker is not built (%v); run make worker-build", err)
	}
	// The listening socket is opened here and handed to workerd (fd 3), so
	// there is no race for the port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sock, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	dist := distDir(t)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", config, "--socket-fd", "http=3", "--directory-path", "assets="+dist)
	cmd.ExtraFiles = []*os.File{sock}
	cmd.Env = append(withoutVar(os.Environ(), api.MaxBodyBytesVar), env...)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting workerd: %v", err)
	}
	sock.Close()
	// Like curl, send large bodies with "Expect: 100-continue", so an early
	// 413 is read instead of the upload failing on the closed connection.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ExpectContinueTimeout = 5 * time.Second
	w := &workerd{url: "http://" + ln.Addr().String(), pid: cmd.Process.Pid, dist: dist,
		client: &http.Client{Timeout: 60 * time.Second, Transport: transport}}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("workerd output:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := w.client.Get(w.url + "/healthz")
		if err == nil { // any answer: the tests check what it says
			resp.Body.Close()
			return w
		}
		if time.Now().After(deadline) {
			t.Fatalf("workerd did not answer /healthz within 30 s (%v); its output:\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// distDir is dist/ when `make dist` has built it, else a placeholder page.
func distDir(t *testing.T) string {
	dist := fixtures.Repo(t, "dist")
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err == nil {
		t.Logf("serving the built UI from %s", dist)
		return dist
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html><title>placeholder</title>\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "placeholder.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644)
	t.Logf("dist/index.html is not built (make dist): serving a placeholder page from %s", dir)
	return dir
}

// A request to send both to workerd and to the native handler.
type request struct {
	method, path, contentType, accept string
	headers                           map[string]string
	body                              []byte
	chunked                           bool // no Content-Length
}

// answer is what came back: status, the headers that matter, and the body.
type answer struct {
	status      int
	contentType string
	headers     string // Content-Disposition and the X-Cnn2snn-* summary
	body        []byte
}

func (a answer) String() string {
	b := a.body
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Sprintf("%d %s [%s] %q", a.status, a.contentType, a.headers, b)
}

func (r request) build(base string) *http.Request {
	var body io.Reader = bytes.NewReader(r.body)
	if r.chunked {
		body = io.MultiReader(body) // hides the length: sent chunked
	}
	req, err := http.NewRequestWithContext(context.Background(), r.method, base+r.path, body)
	if err != nil {
		panic(err)
	}
	if r.body == nil {
		req.Body, req.ContentLength = nil, 0
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	if len(r.body) > 1<<20 {
		req.Header.Set("Expect", "100-continue")
	}
	return req
}

func answerOf(resp *http.Response) (answer, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	var headers []string
	for k, v := range resp.Header {
		if strings.HasPrefix(k, "X-Cnn2snn-") || k == "Content-Disposition" {
			headers = append(headers, k+": "+strings.Join(v, ","))
		}
	}
	slices.Sort(headers)
	return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"),
		headers: strings.Join(headers, "; "), body: body}, err
}

func (w *workerd) send(t testing.TB, r request) answer {
	t.Helper()
	resp, err := w.client.Do(r.build(w.url))
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	a, err := answerOf(resp)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", r.method, r.path, err)
	}
	return a
}

// native is the answer of the same handler run with net/http in this
// process, the one the api package's tests check in detail.
func native(h http.Handler, r request) answer {
	rec := httptest.NewRecorder()
	req := r.build("http://native")
	if r.chunked {
		req.ContentLength = -1
	}
	h.ServeHTTP(rec, req)
	a, _ := answerOf(rec.Result())
	return a
}

// sameAsNative sends r to workerd and asserts that the answer is the
// native handler's, with the given status.
func (w *workerd) sameAsNative(t *testing.T, h http.Handler, r request, status int) answer {
	t.Helper()
	got, want := w.send(t, r), native(h, r)
	if got.status != status {
		t.Errorf("%s %s: workerd answered %v, want status %d", r.method, r.path, got, status)
	}
	if got.status != want.status || got.contentType != want.contentType || got.headers != want.headers || !bytes.Equal(got.body, want.body) {
		t.Errorf("%s %s: workerd and the native handler differ:\nworkerd %v\nnative  %v", r.method, r.path, got, want)
	}
	return got
}

// multipartBody is a form with the named Keras fixtures.
func multipartBody(t *testing.T, fixtureNames ...string) ([]byte, string) {
	var parts []any
	for _, name := range fixtureNames {
		parts = append(parts, name, fixtures.ReadShared(t, "keras", name))
	}
	return multipartOf(t, parts...)
}

// multipartOf is a form with one file part per name/data pair.
func multipartOf(t *testing.T, parts ...any) ([]byte, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(parts); i += 2 {
		fw, err := mw.CreateFormFile("file", parts[i].(string))
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(parts[i+1].([]byte))
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

func TestWorkerd(t *testing.T) {
	w := startWorkerd(t)
	h := api.New(api.Config{})
	mnist := fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras")
	akidanet := fixtures.ReadShared(t, "keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5")

	t.Run("healthz", func(t *testing.T) {
		a := w.sameAsNative(t, h, request{method: "GET", path: "/healthz"}, 200)
		want := `{"status":"ok","version":"0.1.0","max_body_bytes":33554432}` + "\n"
		if string(a.body) != want {
			t.Errorf("body %q, want %q", a.body, want)
		}
	})

	t.Run("static UI", func(t *testing.T) { checkStaticUI(t, w) })

	t.Run("routes", func(t *testing.T) {
		w.sameAsNative(t, h, request{method: "GET", path: "/v1/convert"}, 405)
		w.sameAsNative(t, h, request{method: "POST", path: "/healthz", body: []byte("x")}, 405)
		w.sameAsNative(t, h, request{method: "POST", path: "/v1/nothing", body: []byte("x")}, 404)
		w.sameAsNative(t, h, request{method: "DELETE", path: "/index.html"}, 405)
	})

	t.Run("inspect", func(t *testing.T) {
		a := w.sameAsNative(t, h, request{method: "POST", path: "/v1/inspect?filename=mnist.keras", body: mnist}, 200)
		var rep struct {
			Name   string            `json:"name"`
			Layers []json.RawMessage `json:"layers"`
		}
		if err := json.Unmarshal(a.body, &rep); err != nil || rep.Name != "sequential" || len(rep.Layers) != 9 {
			t.Errorf("mnist: %v %+v", err, rep)
		}
		body, ct := multipartBody(t, "keras2.0_conv2d_model.json", "keras2.0_conv2d_model_weights.h5")
		w.sameAsNative(t, h, request{method: "POST", path: "/v1/inspect", contentType: ct, body: body}, 200)
		w.sameAsNative(t, h, request{method: "POST", path: "/v1/inspect", body: akidanet, chunked: true}, 200)
	})

	t.Run("bad inputs", func(t *testing.T) {
		random := make([]byte, 4096)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range random {
			random[i] = byte(rng.Uint32())
		}
		weightsOnly, ct := multipartBody(t, "keras2.0_conv2d_model_weights.h5")
		for _, path := range []string{"/v1/inspect", "/v1/check", "/v1/convert"} {
			for _, r := range []request{
				{body: []byte{}},
				{body: random},
				{body: random, chunked: true},
				{body: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")},
				{body: akidanet[:1000]},
				{body: akidanet[:len(akidanet)/2]},
				{body: mnist[:len(mnist)-100]},
				{body: weightsOnly, contentType: ct},
				{body: []byte("--b\r\nbroken"), contentType: "multipart/form-data; boundary=b"},
				{body: mnist, path: "?bogus=1"},
			} {
				r.method, r.path = "POST", path+r.path
				w.sameAsNative(t, h, r, 400)
			}
		}
	})

	t.Run("size limit", func(t *testing.T) {
		big := make([]byte, api.DefaultMaxBodyBytes+1)
		msg := `{"error":"the request body is larger than this server's limit of 32 MiB (33554432 bytes); ` +
			`convert the model with the web page or the command-line tool, which have no limit","diagnostics":[]}` + "\n"
		for _, chunked := range []bool{false, true} {
			a := w.sameAsNative(t, h, request{method: "POST", path: "/v1/convert", body: big, chunked: chunked}, 413)
			if string(a.body) != msg {
				t.Errorf("chunked=%v: body %q", chunked, a.body)
			}
		}
	})

	t.Run("convert", func(t *testing.T) { checkConvert(t, w, h, akidanet) })

	t.Run("load", func(t *testing.T) { checkLoad(t, w, akidanet) })
}

// checkStaticUI gets every file of the served directory through the
// Worker and compares bytes and Content-Type (from the extension, which
// browsers need for .wasm, .js and .css).
func checkStaticUI(t *testing.T, w *workerd) {
	index, err := os.ReadFile(filepath.Join(w.dist, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	a := w.send(t, request{method: "GET", path: "/"})
	if a.status != 200 || a.contentType != "text/html; charset=utf-8" || !bytes.Equal(a.body, index) {
		t.Errorf("GET /: %v; want dist/index.html as text/html", a)
	}
	files := 0
	err = filepath.WalkDir(w.dist, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(w.dist, path)
		url := "/" + filepath.ToSlash(rel)
		wantType, ok := map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
			".css": "text/css; charset=utf-8", ".wasm": "application/wasm", ".md": "text/markdown; charset=utf-8",
			".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json"}[filepath.Ext(path)]
		if !ok {
			wantType = "application/octet-stream" // as workerd's disk service says
		}
		a := w.send(t, request{method: "GET", path: url})
		if a.status != 200 || a.contentType != wantType || !bytes.Equal(a.body, data) {
			t.Errorf("GET %s: %d %s, %d bytes; want 200 %s, %d bytes", url, a.status, a.contentType, len(a.body), wantType, len(data))
		}
		files++
		return nil
	})
	if err != nil || files < 2 {
		t.Fatalf("%d files in %s: %v", files, w.dist, err)
	}
	t.Logf("%d files of %s served with their bytes and Content-Type", files, w.dist)
	if a := w.send(t, request{method: "GET", path: "/no-such-file.js"}); a.status != 404 {
		t.Errorf("GET /no-such-file.js: %v", a)
	}
}

// loadSize reads "requests,concurrency" from CNN2SNN_WORKER_LOAD.
func loadSize(t *testing.T) (int, int) {
	n, c := 200, 8
	if v := os.Getenv(loadVar); v != "" {
		a, b, _ := strings.Cut(v, ",")
		var err1, err2 error
		n, err1 = strconv.Atoi(a)
		c, err2 = strconv.Atoi(b)
		if err1 != nil || err2 != nil || n <= 0 || c <= 0 {
			t.Fatalf("%s=%q: want requests,concurrency such as 200,8", loadVar, v)
		}
	}
	return n, c
}

// TestWorkerdBodyLimitVariable checks that workerd passes
// CNN2SNN_MAX_BODY_BYTES to the Worker (a fromEnvironment binding).
func TestWorkerdBodyLimitVariable(t *testing.T) {
	w := startWorkerd(t, api.MaxBodyBytesVar+"=4096")
	a := w.send(t, request{method: "GET", path: "/healthz"})
	if want := `{"status":"ok","version":"0.1.0","max_body_bytes":4096}` + "\n"; a.status != 200 || string(a.body) != want {
		t.Errorf("healthz: %v, want %q", a, want)
	}
	a = w.send(t, request{method: "POST", path: "/v1/check", body: make([]byte, 4097)})
	want := `{"error":"the request body is larger than this server's limit of 4096 bytes; ` +
		`convert the model with the web page or the command-line tool, which have no limit","diagnostics":[]}` + "\n"
	if a.status != 413 || string(a.body) != want {
		t.Errorf("4097 bytes: %v, want 413 %q", a, want)
	}

	w = startWorkerd(t, api.MaxBodyBytesVar+"=32MB")
	a = w.send(t, request{method: "GET", path: "/healthz"})
	want = `{"error":"the server is misconfigured: CNN2SNN_MAX_BODY_BYTES=\"32MB\" is not a positive number of bytes; ` +
		`set it to e.g. 33554432 (32 MiB) or leave it unset","diagnostics":[]}` + "\n"
	if a.status != 500 || string(a.body) != want {
		t.Errorf("misconfigured: %v, want 500 %q", a, want)
	}
}
