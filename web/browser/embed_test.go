package browser

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// readmeHost is the converter's folder in README's examples; the tests
// put the URL of a local server in its place.
const readmeHost = "https://cdn.example.com/cnn2snn/"

// The model README's examples convert (my_model.h5): AkidaNet 0.25, a
// float Keras model that converts for Akida 1.0 with the defaults.
const readmeModel = "akidanet_imagenet_224_alpha_25_keras2.10.h5"

// readmeSection returns the text of README's "In a web page" section.
func readmeSection(t *testing.T) string {
	t.Helper()
	text, err := os.ReadFile(fixtures.Repo(t, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(text), "\n## In a web page\n")
	if !ok {
		t.Fatal(`README.md has no "## In a web page" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	return section
}

// readmeExamples returns the code blocks of README's "In a web page"
// section, by language, in order.
func readmeExamples(t *testing.T) map[string][]string {
	t.Helper()
	blocks := map[string][]string{}
	for _, m := range regexp.MustCompile("(?s)```(\\w+)\n(.*?)```").FindAllStringSubmatch(readmeSection(t), -1) {
		blocks[m[1]] = append(blocks[m[1]], m[2])
	}
	return blocks
}

// readmeExample returns the one example of a language that holds marker.
func readmeExample(t *testing.T, lang, marker string) string {
	t.Helper()
	var found []string
	for _, b := range readmeExamples(t)[lang] {
		if strings.Contains(b, marker) {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		t.Fatalf("README's In a web page section has %d %s examples with %q, want 1", len(found), lang, marker)
	}
	return found[0]
}

// site is a local server on an origin of its own: pages at its root, the
// converter's files (dist/) under /cnn2snn/, with or without the CORS
// header. It records which of the converter's files were asked for, and
// from which origin.
type site struct {
	url      string // ends with "/"
	requests *requestLog
}

func (s site) files() string { return s.url + "cnn2snn/" }

func serveSite(t *testing.T, pages map[string][]byte, cors bool) site {
	t.Helper()
	dist := os.Getenv("CNN2SNN_DIST")
	log := &requestLog{}
	files := http.StripPrefix("/cnn2snn", withWasmType(http.FileServer(http.Dir(dist))))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/cnn2snn/") {
			log.add(r.URL.Path + " from " + r.Header.Get("Origin"))
			if cors {
				w.Header().Set("Access-Control-Allow-Origin", "*")
			}
			files.ServeHTTP(w, r)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/")
		page, ok := pages[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(name, "csp-") {
			// A documentation site whose policy allows workers of its own
			// files only.
			w.Header().Set("Content-Security-Policy", "worker-src 'self'")
		}
		http.ServeContent(w, r, r.URL.Path, time.Time{}, bytes.NewReader(page))
	}))
	t.Cleanup(srv.Close)
	return site{url: srv.URL + "/", requests: log}
}

func withWasmType(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// docPage is a documentation page around an example, with the page's
// own styles. They are hostile to the converter's: every rule that could
// reach into it (inherited text styles, its class names, buttons,
// headings) is set, and the page holds elements of the converter's class
// names that its style.css must not reach.
func docPage(example, files string) []byte {
	return []byte(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Docs</title><link rel="icon" href="data:,">
<style>
  body { font: 20px/3 serif; color: rgb(200, 0, 0); letter-spacing: 3px; text-transform: uppercase; }
  cnn2snn-converter { font-style: italic; word-spacing: 10px; }
  button, .cnn2snn-button { background: rgb(0, 200, 0) !important; padding: 9px; }
  h1 { color: rgb(0, 0, 200); font-size: 50px; }
  .cnn2snn { border: 7px solid rgb(200, 0, 0); }
</style></head>
<body>
<h1>Converting your model</h1>
<div class="host-probe cnn2snn"><p class="cnn2snn-error">the page's own text</p><button class="host-button">the page's button</button></div>
` + strings.ReplaceAll(example, readmeHost, files) + `
</body></html>
`)
}

// shadow is the JavaScript path of the converter page in the element's
// shadow root.
const shadow = `document.querySelector("cnn2snn-converter").shadowRoot`

// inShadow selects an element of the converter page in the shadow root.
func inShadow(selector string) string {
	return fmt.Sprintf(`%s.querySelector(%q)`, shadow, selector)
}

// converterError selects the converter's error message or start failure
// (not the documentation page's own elements of its class names).
const converterError = ":is(.cnn2snn-error, .cnn2snn-failed):not(.host-probe *)"

// awaitIn waits until the expression root.querySelector(selector) finds
// an element, or fails with the converter's error (or start failure) when
// it shows one instead.
func (t *tab) awaitIn(tb testing.TB, root, selector string) {
	tb.Helper()
	probe := fmt.Sprintf(`(() => { const r = %s; return !!r && (!!r.querySelector(%q) || !!r.querySelector(%q)); })()`, root, selector, converterError)
	t.run(tb, chromedp.Poll(probe, nil))
	var shown string
	t.eval(tb, fmt.Sprintf(`(() => { const r = %s; return r.querySelector(%q) ? "" : r.querySelector(%q).textContent; })()`, root, selector, converterError), &shown)
	if shown != "" {
		tb.Fatalf("waiting for %s, the converter shows: %s", selector, shown)
	}
}

// textIn is the text of root.querySelector(selector), "" when none.
func (t *tab) textIn(tb testing.TB, root, selector string) string {
	tb.Helper()
	var s string
	t.eval(tb, fmt.Sprintf(`(() => { const r = %s; const e = r && r.querySelector(%q); return e ? e.textContent : ""; })()`, root, selector), &s)
	return s
}

// convertSample clicks the converter's sample button in root and returns
// the .fbz it offers, with its name.
func (t *tab) convertSample(tb testing.TB, root string) (string, []byte) {
	tb.Helper()
	t.awaitIn(tb, root, `.cnn2snn[data-ready="true"] .cnn2snn-sample`)
	t.run(tb, chromedp.Click(root+`.querySelector(".cnn2snn-sample")`, chromedp.ByJSPath))
	link := downloadLink(".fbz")
	t.awaitIn(tb, root, link)
	return t.downloadBy(tb, link, chromedp.Click(fmt.Sprintf(`%s.querySelector(%q)`, root, link), chromedp.ByJSPath))
}

// computed returns CSS properties of the element an expression selects.
func (t *tab) computed(tb testing.TB, element string, props ...string) map[string]string {
	tb.Helper()
	got := map[string]string{}
	t.eval(tb, fmt.Sprintf(`(() => { const s = getComputedStyle(%s); return Object.fromEntries(%s.map((p) => [p, s.getPropertyValue(p)])); })()`, element, jsStrings(props)), &got)
	return got
}

func jsStrings(list []string) string {
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// The converter in documentation pages of another origin than its files,
// as README's "In a web page" section shows it (its examples, run as
// written with the local servers' URLs): a script tag, the JavaScript API
// and the custom element each convert a model; without the CORS header
// each says which file and which header; the same-origin element works.
func TestEmbed(t *testing.T) {
	s := startSession(t)
	model := fixtures.ReadShared(t, "keras", readmeModel)
	want := nativeConvert(t, []core.File{{Name: "my_model.h5", Data: model}}, pageDefaults())
	if want.FileName != "my_model.fbz" {
		t.Fatalf("the converter names the .fbz %s", want.FileName)
	}
	sample := s.cliConvert(t, fixtures.Repo(t, "web", "sample", "mnist_cnn_sequential_keras3.15.keras"))

	scriptTag := readmeExample(t, "html", "data-mount=")
	apiCall := readmeExample(t, "html", "cnn2snn.convert(")
	element := readmeExample(t, "html", "<cnn2snn-converter")
	files := serveSite(t, nil, true)
	bare := serveSite(t, nil, false)
	pages := map[string][]byte{"my_model.h5": model}
	for name, from := range map[string]site{"": files, "nocors-": bare} {
		pages[name+"script.html"] = docPage(scriptTag, from.files())
		pages[name+"api.html"] = docPage(apiCall, from.files())
		pages[name+"element.html"] = docPage(element, from.files())
	}
	pages["same-origin.html"] = docPage(strings.ReplaceAll(element, readmeHost, "/cnn2snn/"), "")
	pages["attributes.html"] = docPage(`<script src="`+files.files()+`cnn2snn.js"></script>
<cnn2snn-converter target="v2" quantize="8,4,8" input-scaling="255,0" input-is-image="false" id="c" class="docs"></cnn2snn-converter>`, "")
	pages["bad-attribute.html"] = docPage(`<script src="`+files.files()+`cnn2snn.js"></script>
<cnn2snn-converter target="v3"></cnn2snn-converter>`, "")
	pages["csp-api.html"] = pages["api.html"]
	pages["two.html"] = docPage(strings.ReplaceAll(scriptTag+element, readmeHost, files.files()), "")
	docs := serveSite(t, pages, false)

	t.Run("script tag", func(t *testing.T) {
		tab := s.newTab(t)
		tab.run(t, chromedp.Navigate(docs.url+"script.html"))
		name, fbz := tab.convertSample(t, "document")
		if name != "mnist_cnn_sequential_keras3.15.fbz" || !bytes.Equal(fbz, sample) {
			t.Errorf("downloaded %s (%d bytes); the CLI converts the sample to %d bytes", name, len(fbz), len(sample))
		}
		// The worker fetched its binary from the files' origin, asking for
		// it with the page's origin (CORS).
		origin := strings.TrimSuffix(docs.url, "/")
		if got := files.requests.all(); !slices.Contains(got, "/cnn2snn/cnn2snn.wasm from "+origin) || !slices.Contains(got, "/cnn2snn/ui.wasm from "+origin) {
			t.Errorf("the files' server saw %q; want cnn2snn.wasm and ui.wasm asked for from %s", got, origin)
		}
		tab.screenshot(t, "embed-script-tag")
	})

	t.Run("API", func(t *testing.T) {
		tab := s.newTab(t)
		tab.run(t, chromedp.Navigate(docs.url+"api.html"), chromedp.Poll(`!!document.querySelector("#fbz[download]")`, nil))
		wantText := fmt.Sprintf("Download my_model.fbz (%d Akida layers, %d bytes)", want.Report.Layers, len(want.FBZ))
		if got := tab.text(t, "#fbz"); got != wantText {
			t.Errorf("the page says %q, want %q", got, wantText)
		}
		name, fbz := tab.download(t, "#fbz")
		if name != "my_model.fbz" || !bytes.Equal(fbz, want.FBZ) {
			t.Errorf("downloaded %s (%d bytes), the converter's is %d bytes", name, len(fbz), len(want.FBZ))
		}
	})

	t.Run("element", func(t *testing.T) {
		tab := s.newTab(t)
		tab.run(t, chromedp.Navigate(docs.url+"element.html"))
		// sample="my_model.h5": the sample button opens the page's model.
		name, fbz := tab.convertSample(t, shadow)
		if name != "my_model.fbz" || !bytes.Equal(fbz, want.FBZ) {
			t.Errorf("downloaded %s (%d bytes), the converter's is %d bytes", name, len(fbz), len(want.FBZ))
		}
		if got := tab.textIn(t, shadow, ".cnn2snn-footer"); strings.Contains(got, "MNIST") {
			t.Errorf("the footer credits the bundled sample, which this page replaced: %q", got)
		}
		// The page's styles do not reach into the converter: not its
		// rules for buttons, headings or the converter's class names, not
		// the text styles the element would inherit.
		inside := tab.computed(t, inShadow(".cnn2snn"), "border-top-width", "display", "letter-spacing", "text-transform", "font-style", "word-spacing", "color")
		wantInside := map[string]string{"border-top-width": "0px", "display": "flex", "letter-spacing": "normal", "text-transform": "none", "font-style": "normal", "word-spacing": "0px", "color": "rgb(28, 31, 36)"}
		if !maps.Equal(inside, wantInside) {
			t.Errorf("the converter's root is styled %v, want %v", inside, wantInside)
		}
		if got := tab.computed(t, inShadow(".cnn2snn-sample"), "background-color", "padding-top"); got["background-color"] != "rgb(255, 255, 255)" || got["padding-top"] == "9px" {
			t.Errorf("the sample button is styled %v, not by style.css", got)
		}
		if got := tab.computed(t, inShadow("h1"), "color", "font-size"); got["color"] != "rgb(28, 31, 36)" || got["font-size"] == "50px" {
			t.Errorf("the converter's heading is styled %v by the page", got)
		}
		// The converter's styles do not reach out: style.css is not in the
		// document, and the page's elements of the converter's class names
		// keep the page's styles.
		var sheets []string
		tab.eval(t, `[...document.styleSheets].map((s) => s.href || "inline")`, &sheets)
		if len(sheets) != 1 || sheets[0] != "inline" {
			t.Errorf("the document's style sheets are %q, want only its own", sheets)
		}
		if got := tab.computed(t, `document.querySelector(".host-probe .cnn2snn-error")`, "padding-top", "border-top-style", "color"); !maps.Equal(got, map[string]string{"padding-top": "0px", "border-top-style": "none", "color": "rgb(200, 0, 0)"}) {
			t.Errorf("the page's own .cnn2snn-error is styled %v", got)
		}
		if got := tab.computed(t, `document.querySelector("h1")`, "color", "font-size"); !maps.Equal(got, map[string]string{"color": "rgb(0, 0, 200)", "font-size": "50px"}) {
			t.Errorf("the page's heading is styled %v", got)
		}
		tab.screenshot(t, "embed-element")
	})

	// The attributes set the options the page starts with; the conversion
	// is the converter's with those options.
	t.Run("element attributes", func(t *testing.T) {
		tab := s.newTab(t)
		tab.run(t, chromedp.Navigate(docs.url+"attributes.html"))
		tab.awaitIn(t, shadow, `.cnn2snn[data-ready="true"] .cnn2snn-sample`)
		tab.run(t, chromedp.Click(inShadow(".cnn2snn-sample"), chromedp.ByJSPath))
		tab.awaitIn(t, shadow, ".cnn2snn-options")
		var form struct {
			Target, Scale, Shift, Weights, Activations, Input string
			Image                                             bool
		}
		tab.eval(t, fmt.Sprintf(`(() => { const r = %s; const v = (c) => r.querySelector(c).value;
			return {Target: v(".cnn2snn-target"), Scale: v(".cnn2snn-scale"), Shift: v(".cnn2snn-shift"), Weights: v(".cnn2snn-weight-bits"),
				Activations: v(".cnn2snn-activation-bits"), Input: v(".cnn2snn-input-bits"), Image: r.querySelector(".cnn2snn-image").checked}; })()`, shadow), &form)
		if form.Target != "v2" || form.Scale != "255" || form.Shift != "0" || form.Weights != "8" || form.Activations != "4" || form.Input != "8" || form.Image {
			t.Errorf("the options pane shows %+v", form)
		}
		image := false
		o := core.Options{InputIsImage: &image, InputScaling: &[2]float64{255, 0}, Quantize: core.QuantizeOptions{Weights: 8, Activations: 4, InputWeights: 8}, Target: "v2"}
		const name = "mnist_cnn_sequential_keras3.15.keras"
		r, err := core.Convert([]core.File{{Name: name, Data: fixtures.ReadShared(t, "keras", name)}}, o)
		tab.run(t, chromedp.Poll(fmt.Sprintf(`!%s.querySelector(".cnn2snn-progress")`, shadow), nil))
		if err != nil {
			if got := tab.textIn(t, shadow, ".cnn2snn-error") + tab.textIn(t, shadow, ".cnn2snn-diagnostic-message"); got != err.Error() {
				t.Errorf("the page says %q; the converter, with the attributes' options: %q", got, err.Error())
			}
			return
		}
		link := downloadLink(".fbz")
		tab.awaitIn(t, shadow, link)
		_, fbz := tab.downloadBy(t, link, chromedp.Click(inShadow(link), chromedp.ByJSPath))
		if !bytes.Equal(fbz, r.FBZ) {
			t.Errorf("the page's .fbz (%d bytes) differs from the converter's with the attributes' options (%d bytes)", len(fbz), len(r.FBZ))
		}
	})

	t.Run("element bad attribute", func(t *testing.T) {
		tab := s.newTab(t)
		tab.run(t, chromedp.Navigate(docs.url+"bad-attribute.html"), chromedp.Poll(fmt.Sprintf(`!!%s && !!%s.querySelector(".cnn2snn-error")`, shadow, shadow), nil))
		if got, want := tab.textIn(t, shadow, ".cnn2snn-error"), `<cnn2snn-converter target="v3">: target must be v1 (Akida 1.0) or v2 (Akida 2.0)`; got != want {
			t.Errorf("error %q, want %q", got, want)
		}
	})

	t.Run("one converter per page", func(t *testing.T) {
		tab := s.newTab(t)
		tab.run(t, chromedp.Navigate(docs.url+"two.html"))
		tab.awaitIn(t, "document", `.cnn2snn[data-ready="true"]`)
		tab.run(t, chromedp.Poll(fmt.Sprintf(`!!%s.querySelector(".cnn2snn-failed")`, shadow), nil))
		if got, want := tab.textIn(t, shadow, ".cnn2snn-failed"), "The converter could not start here: this page already shows it (in #converter), and a page holds one."; got != want {
			t.Errorf("the second converter says %q, want %q", got, want)
		}
	})

	t.Run("same origin element", func(t *testing.T) {
		tab := s.newTab(t)
		tab.run(t, chromedp.Navigate(docs.url+"same-origin.html"))
		name, fbz := tab.convertSample(t, shadow)
		if name != "my_model.fbz" || !bytes.Equal(fbz, want.FBZ) {
			t.Errorf("downloaded %s (%d bytes), the converter's is %d bytes", name, len(fbz), len(want.FBZ))
		}
		// The file input in the shadow root takes a file as a user picks it.
		tab.run(t, chromedp.SetUploadFiles(inShadow(".cnn2snn-file-input"), []string{fixtures.Shared(t, "akida", "v233_ei_pose_fc.fbz")}, chromedp.ByJSPath))
		tab.awaitIn(t, shadow, ".cnn2snn-summary-text")
		if got := squeeze(tab.textIn(t, shadow, ".cnn2snn-file-list")); got != "v233_ei_pose_fc.fbz (6,500 bytes)" {
			t.Errorf("file list %q", got)
		}
	})

	// A page whose Content-Security-Policy refuses blob: workers says so.
	t.Run("CSP", func(t *testing.T) {
		tab := s.newTab(t)
		var got string
		tab.run(t, chromedp.Navigate(docs.url+"csp-api.html"))
		tab.evalAsync(t, `cnn2snn.ready.then(() => "ready", (e) => e.message)`, &got)
		want := "the converter could not start: its Web Worker did not start (the browser refused it): the converter's files are on another origin than this page, " +
			"so it starts from a blob: URL, which this page's Content-Security-Policy must allow (worker-src blob:)"
		if got != want {
			t.Errorf("cnn2snn.ready rejects with\n %q\nwant\n %q", got, want)
		}
	})

	// Without Access-Control-Allow-Origin the browser refuses the
	// converter's files to the page: each way in says which file and
	// which header.
	t.Run("without CORS", func(t *testing.T) {
		origin, files := strings.TrimSuffix(docs.url, "/"), strings.TrimSuffix(bare.url, "/")
		blocked := func(file string) string {
			return fmt.Sprintf(`the browser blocked %s/cnn2snn/%s: this page (%s) loads the converter from another origin (%s), `+
				`whose server must send the header "Access-Control-Allow-Origin: *" (or "Access-Control-Allow-Origin: %s") with the converter's files, `+
				`and did not send it with %s. Add the header on %s, or publish the converter's files on this page's origin`, files, file, origin, files, origin, file, files)
		}
		page := "The converter could not start: " + blocked("ui.wasm")
		for _, c := range []struct{ page, root string }{{"nocors-script.html", "document"}, {"nocors-element.html", shadow}} {
			tab := s.newTab(t)
			tab.run(t, chromedp.Navigate(docs.url+c.page), chromedp.Poll(fmt.Sprintf(`!!%s && !!%s.querySelector(".cnn2snn-failed")`, c.root, c.root), nil))
			if got := tab.textIn(t, c.root, ".cnn2snn-failed"); got != page {
				t.Errorf("%s shows\n %q\nwant\n %q", c.page, got, page)
			}
			if c.root == shadow {
				tab.screenshot(t, "embed-without-cors")
			}
		}
		tab := s.newTab(t)
		var api string
		tab.run(t, chromedp.Navigate(docs.url+"nocors-api.html"))
		tab.evalAsync(t, `cnn2snn.ready.then(() => "ready", (e) => e.message)`, &api)
		if want := "the converter could not start: " + blocked("cnn2snn.wasm"); api != want {
			t.Errorf("cnn2snn.ready rejects with\n %q\nwant\n %q", api, want)
		}
	})

	t.Run("offline", func(t *testing.T) {
		if off := s.offsite.all(); len(off) > 0 {
			t.Errorf("requests to other hosts than 127.0.0.1: %s", strings.Join(off, ", "))
		}
	})
}
