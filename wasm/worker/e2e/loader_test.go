package e2e

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/wasm/worker/api"
)

// testWorker builds the test worker (e2e/testworker: the API plus /test/
// routes) and lays it out as the Worker is, with the built loader, in a
// directory of its own; it returns the workerd config there.
func testWorker(t *testing.T) string {
	t.Helper()
	workerdBinary(t) // skip before building when there is no workerd
	dir := t.TempDir()
	build := filepath.Join(dir, "build")
	if err := os.Mkdir(build, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(build, "app.wasm"), "./wasm/worker/e2e/testworker")
	cmd.Dir = fixtures.RepoRoot(t)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the test worker: %v\n%s", err, out)
	}
	for _, f := range []string{"worker.mjs", "runtime.mjs", "wasm_exec.js"} {
		copyFile(t, fixtures.Repo(t, "wasm", "worker", "build", f), filepath.Join(build, f))
	}
	config := filepath.Join(dir, "workerd.capnp")
	copyFile(t, fixtures.Repo(t, "wasm", "worker", "workerd.capnp"), config)
	return config
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatalf("%v (run make worker-build)", err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWorkerdLoader checks the loader (loader.mjs) with the test worker:
// one Go instance serves every request, concurrent ones too; a panic the
// API recovers leaves it serving; a panic that ends the Go program answers
// the requests it was serving with 500, and the next request starts a new
// instance that serves as before.
func TestWorkerdLoader(t *testing.T) {
	w := startWorkerdWith(t, testWorker(t))
	get := func(path string) answer { return w.send(t, request{method: "GET", path: path}) }
	instance := func() string {
		a := get("/test/instance")
		if a.status != 200 {
			t.Fatalf("GET /test/instance: %v", a)
		}
		return string(a.body)
	}
	h := api.New(api.Config{})
	mnist := fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras")
	akidanet := fixtures.ReadShared(t, "keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5")

	first := instance()
	t.Run("one instance", func(t *testing.T) {
		// Requests one after the other and at once, each answered as the
		// native handler answers it: the same instance serves them all.
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				r := request{method: "GET", path: "/healthz"}
				if i%4 == 0 {
					r = request{method: "POST", path: "/v1/inspect?filename=mnist.keras", body: mnist}
				}
				if a, want := w.send(t, r), native(h, r); a.status != want.status || string(a.body) != string(want.body) {
					t.Errorf("%s %s at once with others: %v, want %v", r.method, r.path, a, want)
				}
			})
		}
		wg.Wait()
		if got := instance(); got != first {
			t.Errorf("instance %s after the requests, %s before: the loader started another Go instance", got, first)
		}
	})

	t.Run("no state left behind", func(t *testing.T) {
		// The Go heap holds as many objects after 20 more conversions of
		// AkidaNet (a 2 MB body) as before them: a request leaves nothing
		// behind (syumai/workers' own body reading left about 2,000
		// objects per request).
		heap := func() int {
			a := get("/test/heap")
			n, err := strconv.Atoi(strings.TrimSpace(string(a.body)))
			if a.status != 200 || err != nil {
				t.Fatalf("GET /test/heap: %v", a)
			}
			return n
		}
		convert := request{method: "POST", path: "/v1/convert?filename=akidanet.h5", body: akidanet}
		want := native(h, convert)
		for range 5 {
			w.send(t, convert)
		}
		before := heap()
		for range 20 {
			if a := w.send(t, convert); a.status != 200 || !bytes.Equal(a.body, want.body) {
				t.Fatalf("convert: %v", a)
			}
		}
		if after := heap(); after > before+100 {
			t.Errorf("the Go heap holds %d objects after 20 conversions, %d before", after, before)
		}
		if got := instance(); got != first {
			t.Errorf("instance %s after the conversions, %s before", got, first)
		}
	})

	t.Run("body header", func(t *testing.T) {
		// The header that carries a body's key from the loader to Go is the
		// loader's alone: one sent by a client is dropped.
		const bodyHeader = "X-Cnn2snn-Body" // serve.BodyHeader (package serve builds for GOOS=js only)
		r := request{method: "POST", path: "/v1/inspect", body: []byte{}, headers: map[string]string{bodyHeader: "0"}}
		if a, want := w.send(t, r), native(h, r); a.status != 400 || string(a.body) != string(want.body) {
			t.Errorf("a body-less request with its own %s: %v, want %v", bodyHeader, a, want)
		}
	})

	t.Run("recovered panic", func(t *testing.T) {
		a := get("/test/panic")
		want := `{"error":"internal error while handling /test/panic: a test panic in the handler; please report this with the model file","diagnostics":[]}` + "\n"
		if a.status != 400 || string(a.body) != want {
			t.Errorf("GET /test/panic: %v, want 400 %q", a, want)
		}
		if got := instance(); got != first {
			t.Errorf("instance %s after a recovered panic, %s before", got, first)
		}
	})

	t.Run("program ends", func(t *testing.T) {
		// A request in flight when the program ends, and the one that ends it.
		answers := make([]answer, 2)
		var wg sync.WaitGroup
		wg.Go(func() { answers[0] = get("/test/hold") })
		for range 500 {
			if string(get("/test/held").body) == "1\n" {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		answers[1] = get("/test/exit")
		wg.Wait()
		want := `{"error":"internal error: the converter stopped while handling this request; try again, and please report the model file","diagnostics":[]}` + "\n"
		for i, a := range answers {
			if a.status != http.StatusInternalServerError || string(a.body) != want {
				t.Errorf("%s: %v, want 500 %q", []string{"/test/hold", "/test/exit"}[i], a, want)
			}
		}
		second := instance()
		if second == first {
			t.Fatalf("the same instance (%s) answers after its program ended", first)
		}
		r := request{method: "POST", path: "/v1/inspect?filename=mnist.keras", body: mnist}
		if a, want := w.send(t, r), native(h, r); a.status != 200 || string(a.body) != string(want.body) {
			t.Errorf("inspect after the new start: %v", a)
		}
		if got := get("/test/held"); got.status != 200 || string(got.body) != "0\n" || instance() != second {
			t.Errorf("after the new start: /test/held %v, instance %s then %s", got, second, instance())
		}
	})

	t.Run("grown instance retired", func(t *testing.T) {
		// An instance whose memory grew past 64 MiB serves no new request.
		before := instance()
		if a := get("/test/grow"); a.status != 200 {
			t.Fatalf("GET /test/grow: %v", a)
		}
		after := instance()
		if after == before {
			t.Errorf("the instance whose memory grew past 64 MiB still serves")
		}
		if again := instance(); again != after {
			t.Errorf("instance %s, then %s: a new instance for each request", after, again)
		}
	})
}
