package ui

import (
	"fmt"
	"path"
	"strconv"
	"strings"

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

	env  vugu.EventEnv
	api  js.Value // globalThis.cnn2snn
	base string   // URL of the folder holding the site's files

	input  js.Value // the current model's files as the API takes them: [{name, bytes}]
	report js.Value // the last conversion's report, which the report download holds
	urls   []string // blob: URLs of the current downloads
	run    int      // counts the models opened; an answer for an older run is dropped
}

// NewController returns a controller for a fresh page. api is
// globalThis.cnn2snn; base is the URL of the site's folder (with a
// trailing slash), where the sample model is.
func NewController(env vugu.EventEnv, api js.Value, base string) *Controller {
	return &Controller{Page: &Page{Form: DefaultForm(), VerifySamples: DefaultVerifySamples}, env: env, api: api, base: base}
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
		defer c.env.UnlockRender()
		if err != nil {
			c.Page.Error = err.Error()
			return
		}
		c.Page.Version = api.Get("version").String()
		mark("cnn2snn-ready")
	}()
}

// DragOver marks the page as a drop target; preventing the default keeps
// the browser from opening the file itself.
func (c *Controller) DragOver(e vugu.DOMEvent) {
	e.PreventDefault()
	c.Page.Dragging = true
}

// DragLeave ends the drop-target look.
func (c *Controller) DragLeave(vugu.DOMEvent) { c.Page.Dragging = false }

// Drop opens the dropped files as one model. The File objects must be
// taken from the event before the handler returns (Vugu forgets the event
// then).
func (c *Controller) Drop(e vugu.DOMEvent) {
	e.PreventDefault()
	e.StopPropagation()
	c.Page.Dragging = false
	defer c.recoverHandler()
	c.openFileList(e.JSEvent().Get("dataTransfer").Get("files"))
}

// Pick opens the files chosen with the file input, then empties the input
// so that choosing the same file again is a change too.
func (c *Controller) Pick(e vugu.DOMEvent) {
	defer c.recoverHandler()
	input := e.JSEventTarget()
	c.openFileList(input.Get("files"))
	input.Set("value", "")
}

// LoadSample opens the bundled sample model.
func (c *Controller) LoadSample() {
	defer c.recoverHandler()
	url := c.base + SampleFile
	c.open([]string{path.Base(SampleFile)}, func() ([]js.Value, error) {
		b, err := fetchBytes(url)
		if err != nil {
			return nil, fmt.Errorf("the sample model did not load: %w", err)
		}
		return []js.Value{b}, nil
	})
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
	go c.convert(run, c.input)
}

// openFileList starts reading the files of a FileList.
func (c *Controller) openFileList(list js.Value) {
	if list.Type() != js.TypeObject {
		return
	}
	n := list.Length()
	names := make([]string, n)
	reads := make([]js.Value, n)
	for i := range n {
		f := list.Index(i)
		names[i] = f.Get("name").String()
		reads[i] = f.Call("arrayBuffer") // a Promise, settled after the handler returns
	}
	c.open(names, func() ([]js.Value, error) {
		data := make([]js.Value, len(reads))
		for i, p := range reads {
			buf, err := await(p)
			if err != nil {
				return nil, fmt.Errorf("%s could not be read: %w", names[i], err)
			}
			data[i] = js.Global().Get("Uint8Array").New(buf)
		}
		return data, nil
	})
}

// open starts a new model from files whose bytes read returns.
func (c *Controller) open(names []string, read func() ([]js.Value, error)) {
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
		return
	}
	p.Busy = true
	p.Progress = Progress{Stage: "Reading " + strings.Join(names, ", ")}
	go c.load(run, kind, names, read)
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

// load reads the files, then summarizes an .fbz or converts a Keras model.
func (c *Controller) load(run int, kind Kind, names []string, read func() ([]js.Value, error)) {
	defer c.recoverRun(run)
	data, err := read()
	if err != nil {
		c.fail(run, err)
		return
	}
	input := js.Global().Get("Array").New()
	for i, d := range data {
		f := js.Global().Get("Object").New()
		setProperty(f, "name", names[i])
		setProperty(f, "bytes", d)
		input.Call("push", f)
	}
	c.update(run, func(p *Page) {
		c.input = input
		for i, d := range data {
			p.Files[i].Size = d.Get("byteLength").Int()
		}
	})
	if kind == KindAkida {
		c.summarize(run, input)
		return
	}
	c.convert(run, input)
}

// summarize shows an opened .fbz.
func (c *Controller) summarize(run int, input js.Value) {
	defer c.recoverRun(run)
	c.stage(run, "Reading the Akida model", 0.5)
	v, err := callAPI(c.api, "summary", input, nil, nil)
	if err != nil {
		c.fail(run, err)
		return
	}
	var s SummaryReport
	if err := decode(v, &s); err != nil {
		c.fail(run, err)
		return
	}
	report := jsonBlobURL(v)
	c.update(run, func(p *Page) {
		p.Summary, p.Busy = &s, false
		c.addDownload("Download the summary (JSON)", stem(p.Files)+".summary.json", report, 0)
	})
}

// convert converts the Keras model; the report lists its Keras layers too,
// so the files are read once. A model that does not convert shows its
// blocks and diagnostics.
func (c *Controller) convert(run int, input js.Value) {
	defer c.recoverRun(run)
	var form Form
	c.update(run, func(p *Page) { form = p.Form })
	opts, err := form.Options()
	if err != nil {
		c.fail(run, err)
		return
	}

	c.stage(run, "Reading the Keras model", 0.05)
	mark("cnn2snn-convert-start")
	v, err := callAPI(c.api, "convert", input, opts, func(stage string, fraction float64) {
		c.stage(run, stageText(stage, form.Target), 0.1+0.9*fraction)
	})
	if report, refused := refusalReport(err); refused {
		c.refused(run, report)
		return
	}
	if err != nil {
		c.fail(run, err)
		return
	}
	measure("cnn2snn-convert", "cnn2snn-convert-start")
	var result ConvertResult
	if err := decode(v, &result); err != nil {
		c.fail(run, err)
		return
	}
	fbz := blobURL(v.Get("fbz"), "application/octet-stream")
	report := jsonBlobURL(v.Get("report"))
	c.update(run, func(p *Page) {
		r := result.Report
		check := r.Report.withDocs()
		p.Report, p.FBZName, p.Busy = &check, result.FileName, false
		p.Inspect = r.Keras
		p.Summary = &SummaryReport{Bytes: r.FBZBytes, Summary: r.Summary, Model: r.Akida}
		p.Progress = Progress{Stage: "Converted", Fraction: 1}
		c.report = v.Get("report")
		c.addDownload("Download "+result.FileName, result.FileName, fbz, r.FBZBytes)
		c.addDownload("Download the report (JSON)", reportName(result.FileName), report, 0)
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
	p.Busy, p.Error, p.Verification = true, "", nil
	p.Progress = Progress{Stage: "Verifying"}
	go c.verify(c.run, c.input, c.report, p.Form, p.VerifySamples)
}

// verify runs cnn2snn.verify and shows its report; the report download
// then holds the conversion's report with the verification in it.
func (c *Controller) verify(run int, input, convertReport js.Value, form Form, samples int) {
	defer c.recoverRun(run)
	opts, err := form.Options()
	if err != nil {
		c.fail(run, err)
		return
	}
	opts["samples"] = samples
	mark("cnn2snn-verify-start")
	v, err := callAPI(c.api, "verify", input, opts, func(stage string, fraction float64) {
		text := stageText(stage, form.Target)
		if stage == "verify" {
			text = "Comparing Akida with Keras on " + strconv.Itoa(samples) + " seeded inputs"
		}
		c.stage(run, text, fraction)
	})
	if err != nil {
		c.fail(run, err)
		return
	}
	measure("cnn2snn-verify", "cnn2snn-verify-start")
	var r VerifyReport
	if err := decode(v, &r); err != nil {
		c.fail(run, err)
		return
	}
	c.update(run, func(p *Page) {
		p.Verification, p.Busy = &r, false
		p.Progress = Progress{Stage: "Verified", Fraction: 1}
		full := js.Global().Get("Object").Call("assign", js.Global().Get("Object").New(), convertReport)
		setProperty(full, "verification", v)
		c.replaceDownload(reportName(p.FBZName), "Download the report and verification (JSON)", jsonBlobURL(full))
	})
}

// refused shows the report of a model that does not convert: its blocks
// with the problems marked in place. It is a result, not an error.
func (c *Controller) refused(run int, v js.Value) {
	var r Report
	if err := decode(v, &r); err != nil {
		c.fail(run, err)
		return
	}
	r = r.withDocs()
	report := jsonBlobURL(v)
	c.update(run, func(p *Page) {
		p.Report, p.Inspect, p.Busy = &r, r.Keras, false
		c.addDownload("Download the report (JSON)", stem(p.Files)+".report.json", report, 0)
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

// call calls the API and decodes its answer into dst.
func (c *Controller) call(fn string, input js.Value, opts map[string]any, dst any) error {
	v, err := callAPI(c.api, fn, input, opts, nil)
	if err != nil {
		return err
	}
	return decode(v, dst)
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
