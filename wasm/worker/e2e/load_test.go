package e2e

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/wasm/worker/loadtest"
)

// checkLoad sends CNN2SNN_WORKER_LOAD requests (200 at concurrency 8 by
// default) to /healthz and then converts AkidaNet 0.25 as many times (or
// checks it, while the float model does not convert yet), requires every
// answer to be right, and reports latency percentiles and workerd's
// memory. Every request instantiates a new Go
// runtime in workerd (syumai/workers' worker.mjs does), so /healthz
// measures that fixed cost.
func checkLoad(t *testing.T, w *workerd, akidanet []byte) {
	n, c := loadSize(t)
	before, err := loadtest.ProcessMemory(w.pid)
	if err != nil {
		t.Fatalf("workerd memory: %v", err)
	}
	t.Logf("workerd before the load: %v", before)

	health := request{method: "GET", path: "/healthz"}
	wantHealth := w.send(t, health)
	heavy := request{method: "POST", path: "/v1/convert?filename=akidanet.h5", body: akidanet}
	wantHeavy := w.send(t, heavy)
	if wantHeavy.status != 200 {
		t.Logf("AkidaNet 0.25 does not convert yet (%d): the load check runs /v1/check", wantHeavy.status)
		heavy.path = "/v1/check?filename=akidanet.h5"
		wantHeavy = w.send(t, heavy)
	}
	if wantHeavy.status != 200 {
		t.Fatalf("AkidaNet: %v", wantHeavy)
	}
	for _, run := range []struct {
		name string
		r    request
		want answer
	}{
		{"GET /healthz", health, wantHealth},
		{fmt.Sprintf("POST %s (AkidaNet 0.25, %d bytes)", heavy.path, len(akidanet)), heavy, wantHeavy},
	} {
		// One request at a time gives the latency of a request; then the
		// concurrent run. workerd runs an isolate's requests on one thread,
		// so concurrent requests queue and their latency adds up.
		for _, c := range []int{1, c} {
			n := n
			if c == 1 {
				n = max(1, n/10)
			}
			if err := loadtest.ResetPeak(w.pid); err != nil {
				t.Fatalf("workerd peak memory: %v", err)
			}
			res := loadtest.Run(n, c, func() error { return sendAndCompare(w, run.r, run.want) })
			mem, err := loadtest.ProcessMemory(w.pid)
			if err != nil {
				t.Fatalf("workerd memory: %v", err)
			}
			t.Logf("%s: %v; workerd %v", run.name, res, mem)
			if res.Failures > 0 {
				t.Errorf("%s: %d of %d requests failed", run.name, res.Failures, res.Requests)
			}
		}
	}
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
