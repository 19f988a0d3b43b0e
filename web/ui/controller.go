package ui

import (
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/vugu/vugu"
	js "github.com/vugu/vugu/js"
)

// SampleFile is the bundled sample model, relative to the site's folder:
// an MIT-licensed Keras 3 MNIST CNN (see web/sample/ATTRIBUTION.md).
const SampleFile = "sample/mnist_cnn_sequential_keras3.15.keras"

// Controller changes the Page in answer to the user and to the converter.
// Its exported methods are event handlers: Vugu calls them with the render
// lock held, and re-renders after. The work itself runs on goroutines,
// which take the lock (update) to show their results.
type Controller struct {
	Page *Page
	// SampleURL is the model the sample button opens: the bundled sample
	// (base + SampleFile) unless a <cnn2snn-converter sample="…"> names
	// another.
	SampleURL string

	env  vugu.EventEnv
	api  js.Value // globalThis.cnn2snn
	base string   // URL of the folder holding the site's files

	input  js.Value // the current model's files as the API takes them: [{name, bytes}]
	report js.Value // the last conversion's report, which the report download holds
	urls   []string // blob: URLs of the current downloads
	run    int      // counts the models opened; an answer for an older run is dropped

	listeners []js.Func // the root element's drag and drop listeners (listen)
}

// NewController returns a controller for a fresh page. api is
// globalThis.cnn2snn; base is the URL of the site's folder (with a
// trailing slash), where the sample model is.
func NewController(env vugu.EventEnv, api js.Value, base string) *Controller {
	return &Controller{Page: &Page{Form: DefaultForm(), VerifySamples: DefaultVerifySamples}, SampleURL: base + SampleFile, env: env, api: api, base: base}
}

// BundledSample says whether the sample button opens the bundled sample
// (whose attribution the footer gives).
func (c *Controller) BundledSample() bool { return c.SampleURL == c.base+SampleFile }

// sampleName is the file name in a sample model's URL.
func sampleName(url string) string {
	url, _, _ = strings.Cut(url, "?")
	url, _, _ = strings.Cut(url, "#")
	return path.Base(url)
}

// Start waits for the converter's worker, then shows its version (the page
// is ready) or why it did not start.
func (c *Controller) Start() {
	if c.api.Type() != js.TypeObject {
		c.Page.Error = "the converter is not loaded: the page needs cnn2snn.js (see README, “Embed the converter”)"
		return
	}
	go func() {
		api, err := await(c.api.Get("ready"))
		c.env.Lock()
		if err != nil {
			c.Page.Error = err.Error()
		} else {
			c.Page.Version = api.Get("version").String()
			mark("cnn2snn-ready")
		}
		c.env.UnlockRender()
		if err != nil {
			return
		}
		time.Sleep(warmUpDelay)
		// The warm-up's end is a performance mark (the browser tests wait
		// for it before they time the page's responsiveness).
		defer mark("cnn2snn-warm")
		c.env.Lock()
		opened := c.run > 0 // the user's own answer compiles what it runs
		c.env.UnlockOnly()
		if opened {
			return
		}
		if err := c.warmUp(func() { time.Sleep(warmUpPause) }); err != nil {
			// A failed warm-up costs speed, not results.
			fmt.Fprintln(os.Stderr, "ui.wasm: the warm-up failed (the page works; its first answer is slower):", err)
		}
	}()
}

// listen handles the page's drag and drop: root is the page's root
// element (its vg-js-create, called at every render). Vugu hands its event
// handlers a summary of the event with every property of the target
// element, and for the page's root that is the whole page's HTML and text
// (hundreds of kB with a model's results, and a layout for innerText), on
// every dragover (every 50 ms while files are held over the page) and on
// the drop. So the root's drag events have listeners of their own.
func (c *Controller) listen(root js.Value) {
	if root.Get("cnn2snnListening").Truthy() {
		return
	}
	on := func(event string, handle func(e js.Value) bool) {
		f := js.FuncOf(func(_ js.Value, args []js.Value) any {
			e := args[0]
			e.Call("preventDefault") // keeps the browser from opening the file itself
			c.env.Lock()
			changed := true // a panic shows an error
			func() {
				defer c.recoverHandler()
				changed = handle(e)
			}()
			if changed {
				c.env.UnlockRender()
			} else {
				c.env.UnlockOnly()
			}
			return nil
		})
		c.listeners = append(c.listeners, f) // kept for as long as the page
		root.Call("addEventListener", event, f)
	}
	on("dragover", func(js.Value) bool { return c.setDragging(true) })
	on("dragleave", func(js.Value) bool { return c.setDragging(false) })
	on("drop", func(e js.Value) bool {
		e.Call("stopPropagation")
		c.Page.Dragging = false
		c.openFileList(e.Get("dataTransfer").Get("files"))
		return true
	})
	root.Set("cnn2snnListening", true)
}

// setDragging shows the page as a drop target or not; false when it
// already does (the browser repeats dragover every 50 ms).
func (c *Controller) setDragging(on bool) bool {
	if c.Page.Dragging == on {
		return false
	}
	c.Page.Dragging = on
	return true
}

// Pick opens the files chosen with the file input, then empties the input
// so that choosing the same file again is a change too.
func (c *Controller) Pick(e vugu.DOMEvent) {
	defer c.recoverHandler()
	input := e.JSEventTarget()
	c.openFileList(input.Get("files"))
	input.Set("value", "")
}

// LoadSample opens the sample model.
func (c *Controller) LoadSample() {
	defer c.recoverHandler()
	name := sampleName(c.SampleURL)
	run, ok := c.open([]string{name})
	if !ok {
		return
	}
	url := c.SampleURL
	go func() {
		defer c.recoverRun(run)
		blob, err := fetchBlob(url)
		if err != nil {
			c.fail(run, fmt.Errorf("the sample model did not load: %w", err))
			return
		}
		c.update(run, func(p *Page) {
			p.Files[0].Size = blob.Get("size").Int()
			c.start(run, inputOf([]string{name}, []js.Value{blob}))
		})
	}()
}

// Select shows the details of a block.
func (c *Controller) Select(akidaLayer string) { c.Page.Selected = akidaLayer }

// SetForm applies a change of the options and converts again.
func (c *Controller) SetForm(change func(f *Form)) {
	defer c.recoverHandler()
	change(&c.Page.Form)
	// Before the files are read there is nothing to convert again: the
	// conversion that follows the reading uses the new options.
	if c.Page.Kind != KindKeras || c.input.Type() != js.TypeObject {
		return
	}
	run := c.newRun()
	// The Akida model of the old options goes: if the new ones do not
	// convert, neither its summary nor Verify may stay on the page.
	c.Page.Busy, c.Page.FBZName, c.Page.Summary = true, "", nil
	c.Page.Progress = Progress{Stage: stageText("load", c.Page.Form.Target), Fraction: 0.05}
	c.startConvert(run)
}

// openFileList opens the files of a FileList as one model. The File
// objects go to the converter as they are: its worker reads them, so the
// page never holds (or copies) their bytes.
func (c *Controller) openFileList(list js.Value) {
	if list.Type() != js.TypeObject {
		return
	}
	n := list.Length()
	names := make([]string, n)
	files := make([]js.Value, n)
	for i := range n {
		files[i] = list.Index(i)
		names[i] = files[i].Get("name").String()
	}
	run, ok := c.open(names)
	if !ok {
		return
	}
	for i, f := range files {
		c.Page.Files[i].Size = f.Get("size").Int()
	}
	c.start(run, inputOf(names, files))
}

// open starts a new run for a model made of the named files; false when
// they are not one model (the page says why).
func (c *Controller) open(names []string) (int, bool) {
	kind, err := kindOf(names)
	run := c.newRun()
	p := c.Page
	p.Files = make([]FileInfo, len(names))
	for i, n := range names {
		p.Files[i] = FileInfo{Name: n}
	}
	p.Kind, p.Inspect, p.Report, p.Summary, p.FBZName, p.Selected = kind, nil, nil, nil, "", ""
	c.input = js.Undefined()
	if err != nil {
		p.Error = err.Error()
		return run, false
	}
	p.Busy = true
	p.Progress = Progress{Stage: "Reading " + strings.Join(names, ", ")}
	return run, true
}

// newRun starts a new run: the downloads and messages of the last one go.
func (c *Controller) newRun() int {
	c.run++
	for _, u := range c.urls {
		revokeURL(u)
	}
	c.urls = nil
	c.report = js.Undefined()
	c.Page.Downloads = nil
	c.Page.Verification = nil
	c.Page.Error = ""
	c.Page.Progress = Progress{}
	return c.run
}

// Every call of the converter is made with the render lock held (in an
// event handler or an update), so it starts before the page renders
// again; its answer is awaited on a goroutine of its own.

// start calls the converter on the model's input: summary for an .fbz,
// convert for a Keras model.
func (c *Controller) start(run int, input js.Value) {
	c.input = input
	if c.Page.Kind == KindAkida {
		go c.summarized(run, startCall(c.api, "summary", input, nil, nil))
		return
	}
	c.startConvert(run)
}

// startConvert converts the Keras model with the options as set.
func (c *Controller) startConvert(run int) {
	form := c.Page.Form
	opts, err := form.Options()
	if err != nil {
		c.Page.Error, c.Page.Busy = err.Error(), false
		return
	}
	answer := startCall(c.api, "convert", c.input, opts, func(stage string, fraction float64) {
		if stage != "done" { // the answer follows at once: a render of "Done" would only delay it
			c.stage(run, stageText(stage, form.Target), 0.1+0.9*fraction)
		}
	})
	go c.converted(run, answer)
}

// summarized shows an opened .fbz.
func (c *Controller) summarized(run int, answer func() (js.Value, error)) {
	defer c.recoverRun(run)
	v, err := answer()
	if err != nil {
		c.fail(run, err)
		return
	}
	text := jsonText(v)
	var s SummaryReport
	if err := decodeJSON(text, &s); err != nil {
		c.fail(run, err)
		return
	}
	c.update(run, func(p *Page) {
		p.Summary, p.Busy = &s, false
		c.addDownload("Download the summary (JSON)", stem(p.Files)+".summary.json", blobURL(text, "application/json"), 0)
	})
}

// converted shows a conversion; its report lists the Keras layers too, so
// the files are read once. A model that does not convert shows its blocks
// and diagnostics.
func (c *Controller) converted(run int, answer func() (js.Value, error)) {
	defer c.recoverRun(run)
	v, err := answer()
	if report, refused := refusalReport(err); refused {
		c.refused(run, report)
		return
	}
	if err != nil {
		c.fail(run, err)
		return
	}
	fbz, err := bytesOf(v, "fbz")
	if err != nil {
		c.fail(run, err)
		return
	}
	name, err := stringOf(v, "file_name")
	if err != nil {
		c.fail(run, err)
		return
	}
	report := v.Get("report")
	text := jsonText(report)
	var r ConvertReport
	if err := decodeJSON(text, &r); err != nil {
		c.fail(run, err)
		return
	}
	c.update(run, func(p *Page) {
		check := r.Report.withDocs()
		p.Report, p.FBZName, p.Busy = &check, name, false
		p.Inspect = r.Keras
		p.Summary = &SummaryReport{Bytes: r.FBZBytes, Summary: r.Summary, Model: r.Akida}
		p.Progress = Progress{Stage: "Converted", Fraction: 1}
		c.report = report
		// The blob: URLs are made here, for the current run only: a
		// superseded run's would never be revoked.
		c.addDownload("Download "+name, name, blobURL(fbz, "application/octet-stream"), r.FBZBytes)
		c.addDownload("Download the report (JSON)", reportName(name), blobURL(text, "application/json"), 0)
	})
}

// reportName is the JSON report's file name for an .fbz file name.
func reportName(fbz string) string { return strings.TrimSuffix(fbz, ".fbz") + ".report.json" }

// SetVerifySamples takes the number of inputs to verify on, as typed.
func (c *Controller) SetVerifySamples(typed string) {
	n, err := verifySamplesFrom(typed)
	if err != nil {
		c.Page.Error = err.Error()
		return
	}
	c.Page.VerifySamples = n
}

// Verify checks the converted model: the quantized Keras model and the
// Akida model run on the same seeded inputs, compared layer by layer. It
// belongs to the current run: a new model or new options drop its answer.
func (c *Controller) Verify() {
	defer c.recoverHandler()
	p := c.Page
	if !p.CanVerify() || p.Busy {
		return
	}
	opts, err := p.Form.Options()
	if err != nil {
		p.Error = err.Error()
		return
	}
	samples, target := p.VerifySamples, p.Form.Target
	opts["samples"] = samples
	p.Busy, p.Error, p.Verification = true, "", nil
	p.Progress = Progress{Stage: "Verifying"}
	run := c.run
	answer := startCall(c.api, "verify", c.input, opts, func(stage string, fraction float64) {
		text := stageText(stage, target)
		if stage == "verify" {
			text = "Comparing Akida with Keras on " + strconv.Itoa(samples) + " seeded inputs"
		}
		c.stage(run, text, fraction)
	})
	go c.verified(run, answer, c.report)
}

// verified shows cnn2snn.verify's report; the report download then holds
// the conversion's report with the verification in it.
func (c *Controller) verified(run int, answer func() (js.Value, error), convertReport js.Value) {
	defer c.recoverRun(run)
	v, err := answer()
	if err != nil {
		c.fail(run, err)
		return
	}
	var r VerifyReport
	if err := decodeJSON(jsonText(v), &r); err != nil {
		c.fail(run, err)
		return
	}
	c.update(run, func(p *Page) {
		p.Verification, p.Busy = &r, false
		p.Progress = Progress{Stage: "Verified", Fraction: 1}
		full := js.Global().Get("Object").Call("assign", js.Global().Get("Object").New(), convertReport)
		setProperty(full, "verification", v)
		c.replaceDownload(reportName(p.FBZName), "Download the report and verification (JSON)", blobURL(jsonText(full), "application/json"))
	})
}

// refused shows the report of a model that does not convert: its blocks
// with the problems marked in place. It is a result, not an error.
func (c *Controller) refused(run int, v js.Value) {
	text := jsonText(v)
	var r Report
	if err := decodeJSON(text, &r); err != nil {
		c.fail(run, err)
		return
	}
	r = r.withDocs()
	c.update(run, func(p *Page) {
		p.Report, p.Inspect, p.Busy = &r, r.Keras, false
		c.addDownload("Download the report (JSON)", stem(p.Files)+".report.json", blobURL(text, "application/json"), 0)
	})
}

// stageText names a stage of the converter for the progress bar.
func stageText(stage, target string) string {
	switch stage {
	case "load":
		return "Reading the Keras model"
	case "quantize":
		return "Quantizing"
	case "check":
		return "Checking the model against Akida " + targetName(target)
	case "convert":
		return "Converting to Akida " + targetName(target)
	case "encode":
		return "Writing the .fbz"
	case "done":
		return "Done"
	}
	return stage
}

// stem is the name downloads are given: the first model file's name
// without its extension (TF.js shards aside).
func stem(files []FileInfo) string {
	for _, f := range files {
		if !strings.HasSuffix(strings.ToLower(f.Name), ".bin") {
			return strings.TrimSuffix(f.Name, path.Ext(f.Name))
		}
	}
	return "model"
}

// replaceDownload gives the download of the file name a new label and
// content.
func (c *Controller) replaceDownload(name, label, url string) {
	for i, d := range c.Page.Downloads {
		if d.Name != name {
			continue
		}
		for j, u := range c.urls {
			if u == d.URL {
				revokeURL(u)
				c.urls[j] = url
			}
		}
		c.Page.Downloads[i].Label, c.Page.Downloads[i].URL = label, url
		return
	}
	c.addDownload(label, name, url, 0)
}

func (c *Controller) addDownload(label, name, url string, size int) {
	c.urls = append(c.urls, url)
	c.Page.Downloads = append(c.Page.Downloads, Download{Label: label, Name: name, URL: url, Bytes: size})
}

// update changes the page for run, unless a newer run has started, and
// re-renders.
func (c *Controller) update(run int, change func(p *Page)) {
	c.env.Lock()
	defer c.env.UnlockRender()
	if run == c.run {
		change(c.Page)
	}
}

func (c *Controller) stage(run int, stage string, fraction float64) {
	c.update(run, func(p *Page) { p.Progress = Progress{Stage: stage, Fraction: fraction} })
}

// fail shows an error of run.
func (c *Controller) fail(run int, err error) {
	c.update(run, func(p *Page) {
		p.Error = err.Error()
		p.Busy = false
	})
}

// recoverRun turns a panic of run's goroutine into an error on the page,
// so that the page keeps working.
func (c *Controller) recoverRun(run int) {
	if r := recover(); r != nil {
		c.fail(run, fmt.Errorf("internal error: %v; please report this with the model file", r))
	}
}

// recoverHandler does the same in an event handler (the lock is held).
func (c *Controller) recoverHandler() {
	if r := recover(); r != nil {
		c.Page.Error = fmt.Sprintf("internal error: %v; please report this with the model file", r)
		c.Page.Busy = false
	}
}

func targetName(t string) string {
	if t == "v2" {
		return "2.0"
	}
	return "1.0"
}
