package ui

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vugu/html"
	"github.com/vugu/vugu"
	js "github.com/vugu/vugu/js"
	"github.com/vugu/vugu/staticrender"
)

// render builds the page for a state and returns its HTML tree, as the
// browser would show it (rendered natively by Vugu's static renderer).
func render(t *testing.T, p *Page) *html.Node {
	t.Helper()
	return renderWith(t, p, func(*Controller) {})
}

// renderWith renders the page with a controller set up by setUp.
func renderWith(t *testing.T, p *Page, setUp func(*Controller)) *html.Node {
	t.Helper()
	var out bytes.Buffer
	r := staticrender.New(&out)
	env, err := vugu.NewBuildEnv(r.EventEnv())
	if err != nil {
		t.Fatal(err)
	}
	ctl := NewController(r.EventEnv(), js.Undefined(), "./site/")
	ctl.Page = p
	setUp(ctl)
	if err := r.Render(env.RunBuild(&Root{Ctl: ctl})); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&out)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// find returns the elements below n whose class list has class.
func find(n *html.Node, class string) []*html.Node {
	var found []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, c := range strings.Fields(attr(n, "class")) {
				if c == class {
					found = append(found, n)
					break
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c)
	}
	return found
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// text is the node's text, its text nodes apart and runs of white space
// made one space.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data + " ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func texts(nodes []*html.Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = text(n)
	}
	return out
}

func one(t *testing.T, n *html.Node, class string) *html.Node {
	t.Helper()
	found := find(n, class)
	if len(found) != 1 {
		t.Fatalf("%d elements of class %s, want 1", len(found), class)
	}
	return found[0]
}

func TestRenderIncompatibleModel(t *testing.T) {
	p := incompatiblePage()
	p.Form = DefaultForm()
	doc := render(t, p)

	if got := text(one(t, doc, "cnn2snn-verdict")); got != "Not convertible to Akida 1.0: 2 problems, marked below." {
		t.Errorf("verdict %q", got)
	}
	// The whole-model problem above the list, the layer's problem in its block.
	model := one(t, doc, "cnn2snn-model-diagnostics")
	if got := texts(find(model, "cnn2snn-diagnostic")); len(got) != 1 || !strings.HasPrefix(got[0], "The model contains more than one sequential branch.") {
		t.Errorf("model diagnostics %q", got)
	}
	blocks := find(doc, "cnn2snn-block")
	if len(blocks) != 2 {
		t.Fatalf("%d blocks, want 2", len(blocks))
	}
	if got := text(blocks[0]); got != "input_1 conv1 conv1_bn InputConvolutional conv1 [48, 48, 8] 8 4" {
		t.Errorf("first block %q", got)
	}
	if got := attr(blocks[1], "class"); got != "cnn2snn-block cnn2snn-incompatible cnn2snn-selected" {
		t.Errorf("second block's classes %q", got)
	}
	if got := texts(find(blocks[1], "cnn2snn-incompatible")); len(got) != 1 || got[0] != "dw1" {
		t.Errorf("marked Keras layers %q, want dw1", got)
	}
	diag := find(blocks[1], "cnn2snn-diagnostic")
	if len(diag) != 1 || attr(diag[0], "data-rule") != "supported-type" {
		t.Fatalf("second block's diagnostics: %q", texts(diag))
	}
	want := "dw1: Layer dw1 of type DepthwiseConv2D is not supported. Why, and how to fix it (rule supported-type) Akida 1.0 has no depthwise layer."
	if got := text(diag[0]); got != want {
		t.Errorf("diagnostic\n got  %q\n want %q", got, want)
	}
	// The details pane shows the selected block's Keras layer.
	details := one(t, doc, "cnn2snn-details")
	if got := text(one(t, details, "cnn2snn-keras-table")); got != "Layer Class Output shape Parameters dw1 DepthwiseConv2D (None, 48, 48, 8) 72" {
		t.Errorf("details table %q", got)
	}
	// Options show the defaults; no download before a conversion.
	if len(find(doc, "cnn2snn-downloads")) != 0 {
		t.Error("a download bar is shown before any conversion")
	}
	footer := one(t, doc, "cnn2snn-footer")
	if a := footer.LastChild; a == nil || !strings.Contains(text(footer), "cnn2snn-wasm (starting…)") {
		t.Errorf("footer %q", text(footer))
	}
}

func TestRenderConvertedModel(t *testing.T) {
	p := incompatiblePage()
	p.Report.Diagnostics, p.Report.Compatible = nil, true
	p.Report.Blocks = p.Report.Blocks[:1]
	p.Report.InputScaling = &InputScaling{Scale: 255, Source: "default"}
	p.Selected = ""
	p.Summary = &SummaryReport{Bytes: 4242, Summary: "Model Summary\n[96, 96, 3]", Model: AkidaModel{InputShape: []int{96, 96, 3}, OutputShape: []int{48, 48, 8},
		Layers: []AkidaLayer{{Name: "conv1", Type: "InputConvolutional", Params: map[string]int32{"filters": 8}, Variables: []AkidaVariable{{Name: "weights", Type: "int8", Shape: []int{3, 3, 3, 8}}}}}}}
	p.Downloads = []Download{{Label: "Download mobilenet.fbz", Name: "mobilenet.fbz", URL: "blob:x"}, {Label: "Download the report (JSON)", Name: "mobilenet.report.json", URL: "blob:y"}}
	p.Version = "0.1.0"
	doc := render(t, p)

	if got := text(one(t, doc, "cnn2snn-verdict")); got != "Compatible with Akida 1.0." {
		t.Errorf("verdict %q", got)
	}
	if got := text(one(t, doc, "cnn2snn-scaling-note")); got != "Used (255, 0): the model has no Rescaling layer and none is set here." {
		t.Errorf("scaling note %q", got)
	}
	if got := text(one(t, doc, "cnn2snn-summary-text")); got != "Model Summary [96, 96, 3]" {
		t.Errorf("summary text %q", got)
	}
	links := find(doc, "cnn2snn-download")
	if len(links) != 2 || attr(links[0], "href") != "blob:x" || attr(links[0], "download") != "mobilenet.fbz" || attr(links[1], "download") != "mobilenet.report.json" {
		t.Errorf("downloads %q", texts(links))
	}
	if got := text(one(t, doc, "cnn2snn-param-table")); got != "filters 8" {
		t.Errorf("Akida parameters %q", got)
	}
	if got := text(one(t, doc, "cnn2snn-variable-table")); got != "weights int8 [3, 3, 3, 8]" {
		t.Errorf("Akida variables %q", got)
	}
	if got := attr(one(t, doc, "cnn2snn"), "data-ready"); got != "true" {
		t.Errorf("data-ready %q, want true once the version is known", got)
	}
}

func TestRenderError(t *testing.T) {
	p := &Page{Kind: KindNone, Form: DefaultForm(), Error: "akidanet.h5: the file is truncated", Files: []FileInfo{{Name: "akidanet.h5", Size: 1000}}}
	doc := render(t, p)
	if got := text(one(t, doc, "cnn2snn-error")); got != "akidanet.h5: the file is truncated" {
		t.Errorf("error %q", got)
	}
	if got := text(one(t, doc, "cnn2snn-file-list")); got != "akidanet.h5 (1,000 bytes)" {
		t.Errorf("file list %q", got)
	}
	if n := len(find(doc, "cnn2snn-blocks")) + len(find(doc, "cnn2snn-options")); n != 0 {
		t.Errorf("%d result panes shown for a failed model", n)
	}
}

// TestWarmUp: the warm-up's made-up report uses only fields the page
// reads, every one of them, and its components build.
func TestWarmUp(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(warmUpReport))
	dec.DisallowUnknownFields()
	var r ConvertReport
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Blocks) != 2 || r.Blocks[1].Incompatible[0] != "dense" || r.Rules["r"] == "" || r.InputScaling.Source != "option" ||
		r.Keras.Layers[0].OutputShape.String() != "(None, 8, 8, 1)" || r.Akida.Layers[1].Params["weights_bits"] != 4 ||
		r.Akida.Layers[0].Variables[0].Shape[3] != 4 || r.Summary == "" || r.FBZBytes != 100 {
		t.Errorf("the warm-up report decodes to %+v", r)
	}
	var out bytes.Buffer
	ctl := NewController(staticrender.New(&out).EventEnv(), js.Undefined(), "./")
	pauses := 0
	if err := ctl.warmUp(func() { pauses++ }); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || ctl.Page.Report != nil || pauses != 2 {
		t.Errorf("the warm-up rendered %d bytes or changed the page, with %d pauses", out.Len(), pauses)
	}
}

// The footer credits the bundled sample; a page whose sample button opens
// another model (<cnn2snn-converter sample="…">) does not credit it.
func TestRenderSampleCredit(t *testing.T) {
	footer := one(t, render(t, &Page{Form: DefaultForm()}), "cnn2snn-footer")
	if got := text(footer); !strings.Contains(got, "The sample model is an MNIST CNN by AKSHATV25, MIT License ( attribution ).") {
		t.Errorf("footer %q lacks the sample's credit", got)
	}
	other := renderWith(t, &Page{Form: DefaultForm()}, func(c *Controller) { c.SampleURL = "https://docs.example/models/kws.h5?v=2" })
	if got := text(one(t, other, "cnn2snn-footer")); got != "cnn2snn-wasm (starting…)" {
		t.Errorf("footer with another sample %q", got)
	}
}

func TestSampleName(t *testing.T) {
	for url, want := range map[string]string{
		"./site/" + SampleFile:                     "mnist_cnn_sequential_keras3.15.keras",
		"https://docs.example/models/kws.h5?v=2":   "kws.h5",
		"https://docs.example/models/ds.keras#top": "ds.keras",
	} {
		if got := sampleName(url); got != want {
			t.Errorf("sampleName(%q) = %q, want %q", url, got, want)
		}
	}
}
