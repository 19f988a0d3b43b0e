package browser

import (
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// The page's budgets, measured in headless Chromium (make bench-web):
// time from navigation to ready, time to convert AkidaNet 0.25, and memory
// while converting the largest fixtures. The wasm sizes are printed by
// make bench-web itself.

// BenchmarkPageReady measures a cold load (cache disabled, files from
// 127.0.0.1): navigation start → the page shows the converter's version,
// that is ui.wasm and cnn2snn.wasm fetched, compiled and started.
func BenchmarkPageReady(b *testing.B) {
	s := startSession(b)
	tab := s.newTab(b)
	tab.run(b, network.SetCacheDisabled(true))
	total := 0.0
	for range b.N {
		tab.open(b, "")
		var ms float64
		tab.eval(b, `performance.getEntriesByName("cnn2snn-ready")[0].startTime`, &ms)
		total += ms
	}
	b.ReportMetric(total/float64(b.N), "ms-to-ready")
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

// BenchmarkVerify times cnn2snn.verify on 4 seeded inputs (the page's
// default) from a page script: the sample and AkidaNet 0.25, conversion
// included, after one call that compiles the simulator.
func BenchmarkVerify(b *testing.B) {
	s := startSession(b)
	for _, name := range []string{"mnist_cnn_sequential_keras3.15.keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5"} {
		b.Run(name, func(b *testing.B) {
			tab := s.newTab(b)
			tab.open(b, "")
			tab.setBytes(b, "model", fixtures.ReadShared(b, "keras", name))
			verify := fmt.Sprintf(`(async () => {
				const t0 = performance.now();
				const r = await cnn2snn.verify([{name: %q, bytes: model}], {samples: 4});
				if (!r.proved) throw new Error("not proved");
				return performance.now() - t0;
			})()`, name)
			var first float64
			tab.evalAsync(b, verify, &first)
			b.ResetTimer()
			total := 0.0
			for range b.N {
				var ms float64
				tab.evalAsync(b, verify, &ms)
				total += ms
			}
			b.ReportMetric(total/float64(b.N), "ms/verify-4")
			b.ReportMetric(first, "first-ms")
		})
	}
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
