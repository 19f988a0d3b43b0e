package loadtest

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsEveryRequest(t *testing.T) {
	var calls, inFlight, peak atomic.Int32
	res := Run(50, 4, func() error {
		n := calls.Add(1)
		cur := inFlight.Add(1)
		for {
			p := peak.Load()
			if cur <= p || peak.CompareAndSwap(p, cur) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		inFlight.Add(-1)
		if n%10 == 0 {
			return fmt.Errorf("request %d: status 400", n)
		}
		return nil
	})
	if calls.Load() != 50 || res.Requests != 50 || res.Failures != 5 || len(res.Latencies) != 45 {
		t.Errorf("calls %d, result %+v", calls.Load(), res)
	}
	if peak.Load() > 4 {
		t.Errorf("%d requests in flight at once, concurrency is 4", peak.Load())
	}
	if !strings.HasPrefix(res.FirstFailure, "request ") || !strings.HasSuffix(res.FirstFailure, "0: status 400") {
		t.Errorf("first failure %q", res.FirstFailure)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var r Result
	for i := 1; i <= 200; i++ {
		r.Latencies = append(r.Latencies, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 100, 90: 180, 99: 198, 100: 200, 0.1: 1} {
		if got := r.Percentile(p); got != want*time.Millisecond {
			t.Errorf("p%v = %v, want %v", p, got, want*time.Millisecond)
		}
	}
	if got := (Result{}).Percentile(50); got != 0 {
		t.Errorf("empty: %v", got)
	}
	r.Requests, r.Concurrency, r.Elapsed = 200, 8, time.Second
	want := "200 requests, concurrency 8, 0 failed: p50 100ms p90 180ms p99 198ms max 200ms, 200 req/s"
	if r.String() != want {
		t.Errorf("String:\n got %q\nwant %q", r, want)
	}
}

func TestParseStatus(t *testing.T) {
	status := "Name:\tworkerd\nVmPeak:\t 2000000 kB\nVmHWM:\t  130000 kB\nVmRSS:\t  123456 kB\nThreads:\t9\n"
	m, err := ParseStatus(strings.NewReader(status))
	if err != nil || m.RSS != 123456*1024 || m.PeakRSS != 130000*1024 {
		t.Fatalf("%+v %v", m, err)
	}
	if s := m.String(); s != "RSS 126.4 MB (peak 133.1 MB)" {
		t.Errorf("String %q", s)
	}
	_, err = ParseStatus(strings.NewReader("Name:\tx\nVmRSS:\t 12 MB\nVmHWM:\t 1 kB\n"))
	if err == nil || err.Error() != `/proc status: VmRSS is "\t 12 MB", want a number of kB` {
		t.Errorf("bad unit: %v", err)
	}
	if _, err = ParseStatus(strings.NewReader("Name:\tx\n")); err == nil {
		t.Error("missing fields: no error")
	}
}

func TestProcessMemoryOfThisProcess(t *testing.T) {
	m, err := ProcessMemory(os.Getpid())
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no /proc on this system")
	}
	if err != nil || m.RSS <= 0 || m.PeakRSS < m.RSS {
		t.Errorf("%+v %v", m, err)
	}
	// A 64 MB allocation raises the peak; ResetPeak brings it back down.
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = 1
	}
	high, _ := ProcessMemory(os.Getpid())
	big = nil
	runtime.GC()
	debug.FreeOSMemory()
	if err := ResetPeak(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	low, _ := ProcessMemory(os.Getpid())
	if high.PeakRSS-low.PeakRSS < 32<<20 {
		t.Errorf("peak %v before the reset, %v after", high, low)
	}
}
