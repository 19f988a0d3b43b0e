package browser

import (
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/network"

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
// .h5) from a page script: the page → worker → page round trip, and the
// worker's own time.
func BenchmarkConvertAkidaNet(b *testing.B) {
	s := startSession(b)
	tab := s.newTab(b)
	tab.open(b, "")
	tab.setBytes(b, "akidanet", fixtures.ReadShared(b, "keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5"))
	const convert = `(async () => {
		const t0 = performance.now();
		await cnn2snn.convert([{name: "akidanet.h5", bytes: akidanet}], {});
		return [performance.now() - t0, cnn2snn.lastCall.workerMs];
	})()`
	var warm [2]float64
	tab.evalAsync(b, convert, &warm) // the first call grows the worker's memory
	b.ResetTimer()
	var page, worker float64
	for range b.N {
		var ms [2]float64
		tab.evalAsync(b, convert, &ms)
		page += ms[0]
		worker += ms[1]
	}
	b.ReportMetric(page/float64(b.N), "ms/convert")
	b.ReportMetric(worker/float64(b.N), "worker-ms/convert")
	b.ReportMetric(warm[0], "first-ms")
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
