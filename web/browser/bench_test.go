package browser

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// The page's figures as users see them, measured in headless Chromium
// (make bench-web): navigation → ready, and a file given → its result
// shown, each beside the time of the API call the page made for it. The
// wasm sizes are printed by make bench-web itself.
//
// Every figure is a median over the iterations. "first" is a first visit:
// a fresh browser (no HTTP cache, no compiled code cached), the file given
// a second after the page is ready, as a user picks one (the worker's
// warm-up has run by then). "warm" is the same file given again in the
// same page.

// userModel is a file a user gives the page and what shows when the page
// has answered: a download link whose name ends in link (a new one: each
// answer makes a new blob: URL) and, at the same time, the elements of
// shown.
type userModel struct {
	name   string // sub-benchmark name
	dir    string // fixtures directory (shared fixtures)
	file   string
	link   string // suffix of the download link of the answer
	shown  string // selector that must be on the page with it
	verify bool   // the model converts: Verify is timed too
}

var userModels = []userModel{
	{name: "sample", dir: "keras", file: "mnist_cnn_sequential_keras3.15.keras", link: ".fbz", shown: ".cnn2snn-block", verify: true},
	{name: "akidanet", dir: "keras", file: "akidanet_imagenet_224_alpha_25_keras2.10.h5", link: ".fbz", shown: ".cnn2snn-block", verify: true},
	// MobileNet-VWW does not convert to Akida 1.0: its answer is the blocks
	// with the problems marked, and the report download.
	{name: "mobilenet-vww", dir: "keras", file: "mobilenetv1_vww_96_keras2.4.h5", link: ".report.json", shown: ".cnn2snn-block.cnn2snn-incompatible"},
	// An .fbz given: its summary and layers.
	{name: "akidanet.fbz", dir: "akida", file: "v233_ei_akidanet_classifier.fbz", link: ".summary.json", shown: ".cnn2snn-summary-text"},
}

// userTime is one timed user action: from the event (drop, click) to the
// answer on the page, and the API call the page made meanwhile, as a
// script would time it (page → worker → page), with the worker's own time.
type userTime struct {
	Shown, API, Worker float64
	Fn                 string
	// ToCall is the time from the event to the page's API call, AfterAnswer
	// from its Go code having the answer to the answer shown.
	ToCall, AfterAnswer float64
}

// timingScript, evaluated once in a page, wraps the API's calls to time
// them (the page calls cnn2snn[fn] by name, so it calls the wrapper) and
// defines window.timeUserAction(action, link, shown): it runs action (a
// function dispatching the user's event) and resolves when a new download
// link ending in link and the selector shown are on the page, with the
// elapsed time and the last API call's. The times are taken in the page,
// so the browser's remote control adds nothing to them.
const timingScript = `(() => {
	if (window.timeUserAction) return true;
	let last = null;
	for (const fn of ["inspect", "check", "convert", "summary", "verify"]) {
		const call = cnn2snn[fn];
		cnn2snn[fn] = (...args) => {
			const t0 = performance.now();
			const p = call(...args);
			const done = () => { last = {Fn: fn, API: performance.now() - t0, Worker: cnn2snn.lastCall ? cnn2snn.lastCall.workerMs : 0}; };
			p.then(done, done);
			return p;
		};
	}
	const linkOf = (suffix) => document.querySelector('.cnn2snn-download[download$="' + suffix + '"]');
	window.timeUserAction = (action, link, shown) => new Promise((resolve, reject) => {
		const before = (linkOf(link) || {}).href;
		last = null;
		let t0;
		const check = () => {
			const error = document.querySelector(".cnn2snn-error");
			if (error) { observer.disconnect(); reject(new Error("the page shows the error: " + error.textContent)); return; }
			const a = linkOf(link);
			if (!a || a.href === before || !document.querySelector(shown)) return;
			observer.disconnect();
			const t = performance.now() - t0;
			if (!last) { reject(new Error("the page answered without an API call")); return; }
			// The page's own measure of its call: when it made it and when
			// its Go code had the answer.
			const m = performance.getEntriesByName("cnn2snn-" + last.Fn, "measure").filter((e) => e.startTime >= t0).pop();
			resolve({Shown: t, ...last, ToCall: m ? m.startTime - t0 : NaN, AfterAnswer: m ? t - (m.startTime + m.duration - t0) : NaN});
		};
		const observer = new MutationObserver(check);
		observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
		t0 = performance.now();
		action();
	});
	return true;
})()`

// dropScript drops window[bytes] on the page as a file named name and
// times the answer from the drop. The file is dragged over the page 100 ms
// before, as a user's hand would.
func dropScript(bytes, name, link, shown string) string {
	return fmt.Sprintf(`(async () => {
		const file = new File([window[%q]], %q);
		const page = document.querySelector(".cnn2snn");
		const dt = new DataTransfer();
		dt.items.add(file);
		const send = (type) => page.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
		send("dragover");
		await new Promise((resolve) => setTimeout(resolve, 100));
		return timeUserAction(() => send("drop"), %q, %q);
	})()`, bytes, name, link, shown)
}

// verifyScript clicks Verify and times the verification shown (the
// report download is replaced by one that holds it).
const verifyScript = `timeUserAction(() => document.querySelector(".cnn2snn-verify-button").click(), ".report.json", ".cnn2snn-verify-result")`

// timeDrop gives the model's file to the page and times its answer.
func (t *tab) timeDrop(tb testing.TB, m userModel) userTime {
	tb.Helper()
	var u userTime
	t.eval(tb, timingScript, nil)
	t.evalAsync(tb, dropScript("model", m.file, m.link, m.shown), &u)
	return u
}

func (t *tab) timeVerify(tb testing.TB) userTime {
	tb.Helper()
	var u userTime
	t.eval(tb, timingScript, nil)
	t.evalAsync(tb, verifyScript, &u)
	return u
}

// firstVisit opens the page in a fresh browser with the model's bytes
// loaded, and waits a second after ready, as a user picking a file.
func firstVisit(b *testing.B, data []byte) *tab {
	s := startSession(b)
	tab := s.newTab(b)
	tab.open(b, "")
	tab.setBytes(b, "model", data)
	time.Sleep(time.Second)
	return tab
}

// report prints the medians of the user's times and the API call's.
func report(b *testing.B, times []userTime) {
	b.Helper()
	median := func(f func(userTime) float64) float64 {
		v := make([]float64, len(times))
		for i, t := range times {
			v[i] = f(t)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	shown := median(func(t userTime) float64 { return t.Shown })
	api := median(func(t userTime) float64 { return t.API })
	b.ReportMetric(shown, "shown-ms")
	b.ReportMetric(api, "api-ms")
	b.ReportMetric(median(func(t userTime) float64 { return t.Worker }), "worker-ms")
	b.ReportMetric(median(func(t userTime) float64 { return t.Shown - t.API }), "page-ms")
	b.ReportMetric(median(func(t userTime) float64 { return t.ToCall }), "to-call-ms")
	b.ReportMetric(median(func(t userTime) float64 { return t.AfterAnswer }), "after-answer-ms")
	b.ReportMetric(0, "ns/op") // each iteration starts browsers: its wall time means nothing
	data, _ := json.Marshal(times)
	b.Logf("%s of %s: %s", times[len(times)-1].Fn, b.Name(), data)
}

// BenchmarkPageReady times navigation start → the page ready (the
// converter's version shown: ui.wasm and cnn2snn.wasm fetched, compiled
// and started), served from 127.0.0.1: on a first visit (a fresh browser)
// and warm (the page loaded again in the same browser: HTTP and compiled
// code caches).
func BenchmarkPageReady(b *testing.B) {
	readyMs := func(b *testing.B, tab *tab) float64 {
		tab.open(b, "")
		var ms float64
		tab.eval(b, `performance.getEntriesByName("cnn2snn-ready")[0].startTime`, &ms)
		return ms
	}
	medianMetric := func(b *testing.B, ms []float64) {
		slices.Sort(ms)
		b.ReportMetric(ms[len(ms)/2], "ms-to-ready")
		b.ReportMetric(0, "ns/op")
		b.Logf("%s: %v ms", b.Name(), ms)
	}
	b.Run("first", func(b *testing.B) {
		var ms []float64
		for range b.N {
			ms = append(ms, readyMs(b, startSession(b).newTab(b)))
		}
		medianMetric(b, ms)
	})
	b.Run("warm", func(b *testing.B) {
		tab := startSession(b).newTab(b)
		readyMs(b, tab)
		var ms []float64
		for range b.N {
			ms = append(ms, readyMs(b, tab))
		}
		medianMetric(b, ms)
	})
}

// BenchmarkPage times what a user waits for: a file dropped on the page →
// its answer shown (for a Keras model that converts, the .fbz download and
// the blocks; for one that does not, the report download and the blocks
// with their problems; for an .fbz, its summary), and Verify clicked → the
// verification shown; each beside the API call the page made.
func BenchmarkPage(b *testing.B) {
	for _, m := range userModels {
		data := fixtures.ReadShared(b, m.dir, m.file)
		b.Run(m.name+"/first", func(b *testing.B) {
			var times []userTime
			for range b.N {
				times = append(times, firstVisit(b, data).timeDrop(b, m))
			}
			report(b, times)
		})
		b.Run(m.name+"/warm", func(b *testing.B) {
			tab := firstVisit(b, data)
			tab.timeDrop(b, m)
			var times []userTime
			for range b.N {
				times = append(times, tab.timeDrop(b, m))
			}
			report(b, times)
		})
		if !m.verify {
			continue
		}
		b.Run(m.name+"/verify-first", func(b *testing.B) {
			var times []userTime
			for range b.N {
				tab := firstVisit(b, data)
				tab.timeDrop(b, m)
				times = append(times, tab.timeVerify(b))
			}
			report(b, times)
		})
		b.Run(m.name+"/verify-warm", func(b *testing.B) {
			tab := firstVisit(b, data)
			tab.timeDrop(b, m)
			tab.timeVerify(b)
			var times []userTime
			for range b.N {
				times = append(times, tab.timeVerify(b))
			}
			report(b, times)
		})
	}
}

// BenchmarkConvertAkidaNet times cnn2snn.convert of AkidaNet 0.25 (2 MB
// .h5) from a page script, page → worker → page, on first visits: each
// iteration starts fresh browsers, so no compiled code is cached.
//
//   - first-at-ready-ms: the first call, made the moment the converter is
//     ready (the worker's warm-up has barely begun);
//   - first-ms: the first call made a second after ready, as a user who
//     then drops a file (the warm-up is done);
//   - ms/convert: the three calls after it (warm);
//   - second-visit-ms: the first call of a second visit (a new tab of the
//     same browser, made at ready), which finds the compiled code cached.
func BenchmarkConvertAkidaNet(b *testing.B) {
	akidanet := fixtures.ReadShared(b, "keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5")
	convert := func(tab *tab, delayMs int) []float64 {
		var ms []float64
		tab.evalAsync(b, fmt.Sprintf(`(async () => {
			await cnn2snn.ready;
			await new Promise((resolve) => setTimeout(resolve, %d));
			const ms = [];
			for (let i = 0; i < 4; i++) {
				const t0 = performance.now();
				await cnn2snn.convert([{name: "akidanet.h5", bytes: akidanet}], {});
				ms.push(performance.now() - t0);
			}
			return ms;
		})()`, delayMs), &ms)
		return ms
	}
	visit := func(s *session, delayMs int) []float64 {
		tab := s.newTab(b)
		tab.preload(b, "akidanet", akidanet)
		tab.run(b, chromedp.Navigate(s.site))
		return convert(tab, delayMs)
	}
	var atReady, first, warm, second float64
	for range b.N {
		atReady += visit(startSession(b), 0)[0]
		s := startSession(b)
		ms := visit(s, 1000)
		first += ms[0]
		warm += (ms[1] + ms[2] + ms[3]) / 3
		second += visit(s, 0)[0]
	}
	n := float64(b.N)
	b.ReportMetric(atReady/n, "first-at-ready-ms")
	b.ReportMetric(first/n, "first-ms")
	b.ReportMetric(warm/n, "ms/convert")
	b.ReportMetric(second/n, "second-visit-ms")
}

// BenchmarkMemory converts the largest Keras fixtures, each in a fresh
// page (so a fresh worker), and reports the worker's WebAssembly memory
// after the call (it only grows, so it is the peak) and the page's peak JS
// heap sampled every 5 ms during the call.
func BenchmarkMemory(b *testing.B) {
	s := startSession(b)
	for _, name := range []string{"mobilenetv1_vww_96_keras2.4.h5", "mnist_cnn_sequential_keras3.15.keras", "float_ecg_cnn_bn_keras2.15.h5", "akidanet_imagenet_224_alpha_25_keras2.10.h5"} {
		b.Run(name, func(b *testing.B) {
			var worker, page float64
			for range b.N {
				tab := s.newTab(b)
				tab.open(b, "")
				tab.setBytes(b, "model", fixtures.ReadShared(b, "keras", name))
				var got [2]float64
				tab.evalAsync(b, fmt.Sprintf(`(async () => {
					let peak = performance.memory.usedJSHeapSize;
					const sample = setInterval(() => { peak = Math.max(peak, performance.memory.usedJSHeapSize); }, 5);
					try { await cnn2snn.convert([{name: %q, bytes: model}], {}); } catch (e) { if (!e.report) throw e; }
					clearInterval(sample);
					return [cnn2snn.lastCall.memory, Math.max(peak, performance.memory.usedJSHeapSize)];
				})()`, name), &got)
				worker = max(worker, got[0])
				page = max(page, got[1])
			}
			b.ReportMetric(worker/(1<<20), "MiB-worker-wasm")
			b.ReportMetric(page/(1<<20), "MiB-page-heap")
		})
	}
}
