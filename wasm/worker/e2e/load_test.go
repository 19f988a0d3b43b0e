package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/wasm/worker/loadtest"
)

// nodeBenchVar names the output of `go test -bench` of package api run
// under GOOS=js in Node (make worker-test writes it): the same handler,
// converter and WebAssembly engine (V8) as in workerd, without HTTP.
const nodeBenchVar = "CNN2SNN_NODE_BENCH"

// checkLoad sends CNN2SNN_WORKER_LOAD requests (200 by default) to
// /healthz, /v1/inspect and /v1/convert of AkidaNet 0.25, one at a time
// and then at the concurrency it gives (8 by default), requires every
// answer to be the same as the first, and reports latency percentiles and
// workerd's memory. The conversion's median one at a time is then set
// beside the same conversion in Node.
func checkLoad(t *testing.T, w *workerd, akidanet []byte) {
	n, c := loadSize(t)
	before, err := loadtest.ProcessMemory(w.pid)
	if err != nil {
		t.Fatalf("workerd memory: %v", err)
	}
	t.Logf("workerd before the load: %v", before)

	var convertMedian time.Duration
	for _, run := range []struct {
		name string
		r    request
	}{
		{"GET /healthz", request{method: "GET", path: "/healthz"}},
		{fmt.Sprintf("POST /v1/inspect (AkidaNet 0.25, %d bytes)", len(akidanet)), request{method: "POST", path: "/v1/inspect?filename=akidanet.h5", body: akidanet}},
		{fmt.Sprintf("POST /v1/convert (AkidaNet 0.25, %d bytes)", len(akidanet)), request{method: "POST", path: "/v1/convert?filename=akidanet.h5", body: akidanet}},
	} {
		want := w.send(t, run.r)
		if want.status != 200 {
			t.Fatalf("%s: %v", run.name, want)
		}
		// A few untimed requests first: workerd compiles WebAssembly
		// functions as they are first called, as browsers do.
		loadtest.Run(5, 1, func() error { return sendAndCompare(w, run.r, want) })
		for _, c := range []int{1, c} {
			if err := loadtest.ResetPeak(w.pid); err != nil {
				t.Fatalf("workerd peak memory: %v", err)
			}
			res := loadtest.Run(n, c, func() error { return sendAndCompare(w, run.r, want) })
			mem, err := loadtest.ProcessMemory(w.pid)
			if err != nil {
				t.Fatalf("workerd memory: %v", err)
			}
			t.Logf("%s: %v; workerd %v", run.name, res, mem)
			if res.Failures > 0 {
				t.Errorf("%s: %d of %d requests failed", run.name, res.Failures, res.Requests)
			}
			if strings.HasPrefix(run.name, "POST /v1/convert") && c == 1 {
				convertMedian = res.Percentile(50)
			}
		}
	}
	compareWithNode(t, convertMedian)
}

// compareWithNode sets the median AkidaNet conversion in workerd beside
// the same conversion in Node (BenchmarkConvertAkidaNet of package api).
func compareWithNode(t *testing.T, workerd time.Duration) {
	path := os.Getenv(nodeBenchVar)
	if path == "" {
		t.Logf("%s is not set: no comparison with Node (make worker-test makes one)", nodeBenchVar)
		return
	}
	node, err := benchmarkTime(path, "BenchmarkConvertAkidaNet")
	if err != nil {
		t.Errorf("%s: %v", nodeBenchVar, err)
		return
	}
	t.Logf("AkidaNet 0.25 /v1/convert, one at a time: p50 %v in workerd, %v in Node (the handler called in process): %.2f×",
		workerd.Round(10*time.Microsecond), node.Round(10*time.Microsecond), float64(workerd)/float64(node))
}

// benchmarkTime reads the ns/op of a benchmark from `go test -bench`
// output.
func benchmarkTime(path, name string) (time.Duration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], name+"-") && f[0] != name {
			continue
		}
		for i := 2; i+1 < len(f); i++ {
			if f[i+1] == "ns/op" {
				ns, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					return 0, fmt.Errorf("%s: %v", name, err)
				}
				return time.Duration(ns), nil
			}
		}
	}
	return 0, fmt.Errorf("no %s result in %s", name, path)
}

// sendAndCompare sends r and requires the same answer as want.
func sendAndCompare(w *workerd, r request, want answer) error {
	resp, err := w.client.Do(r.build(w.url))
	if err != nil {
		return err
	}
	got, err := answerOf(resp)
	if err != nil {
		return err
	}
	if got.status != want.status || !bytes.Equal(got.body, want.body) {
		return fmt.Errorf("answer %v differs from the first one", got)
	}
	return nil
}
