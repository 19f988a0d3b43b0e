// Package loadtest sends a bounded number of requests at a fixed
// concurrency and summarizes their latencies, and reads a process's memory
// from /proc. `make worker-test` uses it on workerd; it works against any
// server, including a deployed Worker.
package loadtest

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Result is what a run measured.
type Result struct {
	Requests    int
	Concurrency int
	Failures    int
	// FirstFailure is the error of the first request that failed, "" if none.
	FirstFailure string
	// Latencies of the successful requests, sorted.
	Latencies []time.Duration
	Elapsed   time.Duration
}

// Run calls do n times from concurrency goroutines. do sends one request
// and checks its answer, returning an error for a wrong one.
func Run(n, concurrency int, do func() error) Result {
	concurrency = max(1, min(concurrency, n))
	res := Result{Requests: n, Concurrency: concurrency}
	var mu sync.Mutex
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Go(func() {
			for range jobs {
				t0 := time.Now()
				err := do()
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					if res.Failures == 0 {
						res.FirstFailure = err.Error()
					}
					res.Failures++
				} else {
					res.Latencies = append(res.Latencies, d)
				}
				mu.Unlock()
			}
		})
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	res.Elapsed = time.Since(start)
	slices.Sort(res.Latencies)
	return res
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of the successful
// requests' latencies by the nearest-rank method: the smallest latency
// that at least p% of the requests did not exceed. 0 when none succeeded.
func (r Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(r.Latencies))))
	return r.Latencies[min(max(rank, 1), len(r.Latencies))-1]
}

// String is the one-line report, e.g.
// "200 requests, concurrency 8, 0 failed: p50 9.1ms p90 12ms p99 20ms max 25ms, 640 req/s".
func (r Result) String() string {
	s := fmt.Sprintf("%d requests, concurrency %d, %d failed: p50 %v p90 %v p99 %v max %v, %.0f req/s",
		r.Requests, r.Concurrency, r.Failures, round(r.Percentile(50)), round(r.Percentile(90)),
		round(r.Percentile(99)), round(r.Percentile(100)), float64(r.Requests)/r.Elapsed.Seconds())
	if r.FirstFailure != "" {
		s += "; first failure: " + r.FirstFailure
	}
	return s
}

// round keeps latencies readable: 9.134ms, not 9.134267ms.
func round(d time.Duration) time.Duration {
	return d.Round(10 * time.Microsecond)
}

// Memory is a process's resident set size now and at its peak, in bytes.
type Memory struct {
	RSS, PeakRSS int64
}

func (m Memory) String() string {
	return fmt.Sprintf("RSS %.1f MB (peak %.1f MB)", float64(m.RSS)/1e6, float64(m.PeakRSS)/1e6)
}

// ParseStatus reads VmRSS and VmHWM (the peak RSS) from the text of
// /proc/<pid>/status.
func ParseStatus(r io.Reader) (Memory, error) {
	var m Memory
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			return m, fmt.Errorf("/proc status: %s is %q, want a number of kB", key, value)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("/proc status: %s: %v", key, err)
		}
		if key == "VmRSS" {
			m.RSS = kb * 1024
		} else {
			m.PeakRSS = kb * 1024
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if found != 2 {
		return m, fmt.Errorf("/proc status: VmRSS or VmHWM missing")
	}
	return m, nil
}
