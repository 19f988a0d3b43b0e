package browser

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ready is the page once the converter's worker has started.
const ready = `.cnn2snn[data-ready="true"]`

// open loads a page of the site and waits until it is ready.
func (t *tab) open(tb testing.TB, page string) {
	tb.Helper()
	t.run(tb, chromedp.Navigate(t.s.site+page), chromedp.WaitVisible(ready, chromedp.ByQuery))
}

func (t *tab) screenshot(tb testing.TB, name string) {
	tb.Helper()
	var png []byte
	t.run(tb, chromedp.FullScreenshot(&png, 100)) // quality 100 gives a PNG
	if err := os.WriteFile(filepath.Join(t.s.artifacts, name+".png"), png, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// upload gives files to the page's file input, as a user picking them.
func (t *tab) upload(tb testing.TB, paths ...string) {
	tb.Helper()
	t.run(tb, chromedp.SetUploadFiles(".cnn2snn-file-input", paths, chromedp.ByQuery))
}

// file is a file to drop: its name and bytes.
type file struct {
	Name string
	Data []byte
}

// drop drops files on the page the way a browser does (dragover, then
// drop with a DataTransfer holding File objects).
func (t *tab) drop(tb testing.TB, files ...file) {
	tb.Helper()
	type encoded struct{ Name, Base64 string }
	list := make([]encoded, len(files))
	for i, f := range files {
		list[i] = encoded{f.Name, base64.StdEncoding.EncodeToString(f.Data)}
	}
	data, _ := json.Marshal(list)
	script := fmt.Sprintf(`(() => {
		const dt = new DataTransfer();
		for (const f of %s) {
			const bin = atob(f.Base64);
			const bytes = new Uint8Array(bin.length);
			for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
			dt.items.add(new File([bytes], f.Name));
		}
		const page = document.querySelector(".cnn2snn");
		for (const type of ["dragover", "drop"]) {
			page.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
		}
		return true;
	})()`, data)
	t.run(tb, chromedp.Evaluate(script, nil))
}

// await waits until selector shows, or fails with the page's error when
// the page shows one instead.
func (t *tab) await(tb testing.TB, selector string) {
	tb.Helper()
	probe := fmt.Sprintf(`!!document.querySelector(%q) || !!document.querySelector(".cnn2snn-error")`, selector)
	t.run(tb, chromedp.Poll(probe, nil))
	var shown bool
	t.run(tb, chromedp.Evaluate(fmt.Sprintf(`!!document.querySelector(%q)`, selector), &shown))
	if !shown {
		tb.Fatalf("waiting for %s, the page shows the error: %s", selector, t.text(tb, ".cnn2snn-error"))
	}
}

// awaitError waits for the page's error message and returns it.
func (t *tab) awaitError(tb testing.TB) string {
	tb.Helper()
	t.run(tb, chromedp.WaitVisible(".cnn2snn-error", chromedp.ByQuery))
	return t.text(tb, ".cnn2snn-error")
}

// text returns an element's text content with its white space as is.
func (t *tab) text(tb testing.TB, selector string) string {
	tb.Helper()
	var s string
	t.run(tb, chromedp.Evaluate(fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, selector), &s))
	return s
}

// eval evaluates a JavaScript expression into res.
func (t *tab) eval(tb testing.TB, expr string, res any) {
	tb.Helper()
	t.run(tb, chromedp.Evaluate(expr, res))
}

// blocks returns the Akida layer names of the block list, in order.
func (t *tab) blocks(tb testing.TB) []string {
	var names []string
	t.eval(tb, `[...document.querySelectorAll(".cnn2snn-block")].map(b => b.dataset.akidaLayer)`, &names)
	return names
}

// facts returns the summary pane's rows.
func (t *tab) facts(tb testing.TB) map[string]string {
	facts := map[string]string{}
	t.eval(tb, `Object.fromEntries([...document.querySelectorAll(".cnn2snn-fact-table tr")].map(r => [r.dataset.fact, r.querySelector("td").textContent]))`, &facts)
	return facts
}

// writeTemp writes a file for the file input.
func writeTemp(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// download clicks a download link and returns the file name the browser
// was given and the bytes it saved.
func (t *tab) download(tb testing.TB, selector string) (string, []byte) {
	tb.Helper()
	return t.downloadBy(tb, selector, chromedp.Click(selector, chromedp.ByQuery))
}

// downloadBy runs click, which clicks a download link (named in messages
// by what), and returns the file name the browser was given and the bytes
// it saved.
func (t *tab) downloadBy(tb testing.TB, what string, click chromedp.Action) (string, []byte) {
	tb.Helper()
	dir := tb.TempDir()
	type begun struct{ guid, name string }
	started := make(chan begun, 1)
	done := make(chan string, 1)
	chromedp.ListenTarget(t.ctx, func(ev any) {
		switch ev := ev.(type) {
		case *browser.EventDownloadWillBegin:
			select {
			case started <- begun{ev.GUID, ev.SuggestedFilename}:
			default:
			}
		case *browser.EventDownloadProgress:
			if ev.State == browser.DownloadProgressStateCompleted {
				select {
				case done <- ev.GUID:
				default:
				}
			}
		}
	})
	t.run(tb,
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true),
		click)
	var b begun
	select {
	case b = <-started:
	case <-t.ctx.Done():
		tb.Fatalf("clicking %s started no download", what)
	}
	select {
	case guid := <-done:
		data, err := os.ReadFile(filepath.Join(dir, guid))
		if err != nil {
			tb.Fatal(err)
		}
		return b.name, data
	case <-t.ctx.Done():
		tb.Fatalf("the download of %s did not finish", b.name)
	}
	return "", nil
}

// downloadLink selects the download link whose file name ends in suffix.
func downloadLink(suffix string) string {
	return fmt.Sprintf(`.cnn2snn-download[download$=%q]`, suffix)
}

// setOption changes a form control of the options pane and fires change.
func (t *tab) setOption(tb testing.TB, selector, value string) {
	tb.Helper()
	script := fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q; el.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, selector, value)
	t.eval(tb, script, nil)
}

// marked returns the Keras layers the block list marks as incompatible.
func (t *tab) marked(tb testing.TB) []string {
	var names []string
	t.eval(tb, `[...document.querySelectorAll(".cnn2snn-keras-layer.cnn2snn-incompatible")].map(e => e.textContent)`, &names)
	return names
}

// evalAsync evaluates an expression whose value is a Promise and waits
// for it.
func (t *tab) evalAsync(tb testing.TB, expr string, res any) {
	tb.Helper()
	t.run(tb, chromedp.Evaluate(expr, res, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
}

// preload defines window[name], a Uint8Array of data, in every page the
// tab opens from now on, before the page's own scripts run.
func (t *tab) preload(tb testing.TB, name string, data []byte) {
	tb.Helper()
	script := fmt.Sprintf(`window[%q] = Uint8Array.from(atob(%q), (c) => c.charCodeAt(0));`, name, base64.StdEncoding.EncodeToString(data))
	t.run(tb, chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(script).Do(ctx)
		return err
	}))
}

// setBytes stores data in the page as window[name], a Uint8Array, for
// scripts that call the API directly.
func (t *tab) setBytes(tb testing.TB, name string, data []byte) {
	tb.Helper()
	script := fmt.Sprintf(`(() => { const bin = atob(%q); const b = new Uint8Array(bin.length); for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i); window[%q] = b; return b.length; })()`,
		base64.StdEncoding.EncodeToString(data), name)
	var n int
	t.eval(tb, script, &n)
	if n != len(data) {
		tb.Fatalf("window.%s holds %d bytes, want %d", name, n, len(data))
	}
}
