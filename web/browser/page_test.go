package browser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ready is the page once the converter's worker has started.
const ready = `.cnn2snn[data-ready="true"]`

func (t *tab) open(tb testing.TB, page string) {
	tb.Helper()
	t.run(tb, chromedp.Navigate(t.s.site+page), chromedp.WaitVisible(ready, chromedp.ByQuery))
}

func (t *tab) screenshot(tb testing.TB, name string) {
	tb.Helper()
	var png []byte
	t.run(tb, chromedp.FullScreenshot(&png, 90))
	if err := os.WriteFile(filepath.Join(t.s.artifacts, name+".png"), png, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func TestPage(t *testing.T) {
	s := startSession(t)
	t.Run("ready", func(t *testing.T) {
		tab := s.newTab(t)
		tab.open(t, "")
		var footer string
		tab.run(t, chromedp.Text(".cnn2snn-footer", &footer, chromedp.ByQuery))
		if !strings.Contains(footer, "cnn2snn-wasm 0.1.0") {
			t.Errorf("footer %q lacks the version", footer)
		}
		tab.screenshot(t, "ready")
	})
	// Last: no page or worker of the tests above asked another host for
	// anything; then a worker that does is caught, so the check works.
	t.Run("offline", func(t *testing.T) {
		if off := s.offsite.all(); len(off) > 0 {
			t.Errorf("requests to other hosts than 127.0.0.1: %s", strings.Join(off, ", "))
		}
		tab := s.newTab(t)
		const leak = `new Worker(URL.createObjectURL(new Blob(['fetch("http://offline-check.invalid/from-a-worker")'])))`
		tab.run(t, chromedp.Navigate(s.site), chromedp.Evaluate(leak, nil), chromedp.Poll(`true`, nil))
		deadline := time.Now().Add(10 * time.Second)
		for len(s.offsite.all()) == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if got := strings.Join(s.offsite.all(), ", "); got != "GET offline-check.invalid/from-a-worker" {
			t.Errorf("the trap saw %q, want the worker's request GET offline-check.invalid/from-a-worker", got)
		}
	})
}
