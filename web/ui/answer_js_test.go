//go:build js && wasm

package ui

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	js "github.com/vugu/vugu/js"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// These tests run the Controller against a stand-in for globalThis.cnn2snn
// under GOOS=js in Node, and watch what crosses from the API's answer to
// the page: every JSON.stringify and every blob: URL made.

// testEnv is Vugu's render lock, counting the renders asked for.
type testEnv struct {
	mu       sync.Mutex
	renders  int
	rendered chan struct{} // a render was asked for
}

func newTestEnv() *testEnv { return &testEnv{rendered: make(chan struct{}, 100)} }

func (e *testEnv) Lock()       { e.mu.Lock() }
func (e *testEnv) UnlockOnly() { e.mu.Unlock() }
func (e *testEnv) UnlockRender() {
	e.renders++
	e.mu.Unlock()
	e.rendered <- struct{}{}
}
func (e *testEnv) RLock()   { e.mu.Lock() }
func (e *testEnv) RUnlock() { e.mu.Unlock() }

// spyScript replaces JSON.stringify and URL.createObjectURL/revokeObjectURL
// with versions that record what they are given, until restore().
const spyScript = `
const seen = {stringified: [], blobs: [], created: [], revoked: []};
const stringify = JSON.stringify, create = URL.createObjectURL, revoke = URL.revokeObjectURL;
JSON.stringify = function (...args) { const s = stringify.apply(JSON, args); seen.stringified.push(s); return s; };
URL.createObjectURL = (blob) => { const u = create(blob); seen.blobs.push(blob); seen.created.push(u); return u; };
URL.revokeObjectURL = (u) => { seen.revoked.push(u); revoke(u); };
seen.restore = () => { JSON.stringify = stringify; URL.createObjectURL = create; URL.revokeObjectURL = revoke; };
return seen;`

// fakeAPIScript is an API whose calls wait in api.pending until the test
// settles them.
const fakeAPIScript = `
const api = {pending: []};
for (const fn of ["inspect", "check", "convert", "summary", "verify"]) {
	api[fn] = (input, options) => new Promise((resolve, reject) => api.pending.push({fn, resolve, reject}));
}
return api;`

func runScript(src string) js.Value { return js.Global().Get("Function").New(src).Invoke() }

func spy(t *testing.T) js.Value {
	seen := runScript(spyScript)
	t.Cleanup(func() { seen.Call("restore") })
	return seen
}

// strings returns a recorded list of strings.
func stringList(v js.Value) []string {
	out := make([]string, v.Length())
	for i := range out {
		out[i] = v.Index(i).String()
	}
	return out
}

// jsAnswer is an API answer as cnn2snn.wasm makes it (wasm/js.go): the
// value's JSON parsed in JavaScript, and each byte slice a Uint8Array
// property.
func jsAnswer(t *testing.T, v any, bytes map[string][]byte) js.Value {
	t.Helper()
	text, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	obj := js.Global().Get("JSON").Call("parse", string(text))
	for name, b := range bytes {
		arr := js.Global().Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(arr, b)
		setProperty(obj, name, arr)
	}
	return obj
}

// pendingCall waits for the page's next call of the fake API.
func pendingCall(t *testing.T, api js.Value, fn string) js.Value {
	t.Helper()
	for range 500 {
		if p := api.Get("pending"); p.Length() > 0 {
			call := p.Call("shift")
			if got := call.Get("fn").String(); got != fn {
				t.Fatalf("the page called %s, want %s", got, fn)
			}
			return call
		}
		time.Sleep(2 * time.Millisecond) // lets the JavaScript event loop run
	}
	t.Fatalf("the page did not call %s", fn)
	return js.Value{}
}

// blobBytes reads a Blob.
func blobBytes(t *testing.T, blob js.Value) []byte {
	t.Helper()
	buf, err := await(blob.Call("arrayBuffer"))
	if err != nil {
		t.Fatal(err)
	}
	arr := js.Global().Get("Uint8Array").New(buf)
	b := make([]byte, arr.Length())
	js.CopyBytesToGo(b, arr)
	return b
}

func sampleConversion(t *testing.T) *core.ConvertResult {
	t.Helper()
	data, err := os.ReadFile(fixtures.Repo(t, "web", "sample", "mnist_cnn_sequential_keras3.15.keras"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := core.Convert([]core.File{{Name: "mnist_cnn_sequential_keras3.15.keras", Data: data}}, core.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// newTestController is a Controller for a model given as one file, with
// the fake API.
func newTestController(env *testEnv, api js.Value, file string, kind Kind) *Controller {
	c := NewController(env, api, "./")
	c.Page.Files, c.Page.Kind = []FileInfo{{Name: file}}, kind
	return c
}

// someInput is an input for the fake API, which does not read it.
func someInput() js.Value {
	return inputOf([]string{"model"}, []js.Value{js.Global().Get("Uint8Array").New(1)})
}

// TestConvertAnswerCrossesWithoutJSON: the .fbz of a conversion reaches its
// download as the Uint8Array the API answered, never through JSON; the
// report is made JSON once, and that text is both what the page decodes
// and the report download; the page renders once, with the result.
func TestConvertAnswerCrossesWithoutJSON(t *testing.T) {
	res := sampleConversion(t)
	answer := jsAnswer(t, res, map[string][]byte{"fbz": res.FBZ})
	wantReport := js.Global().Get("JSON").Call("stringify", answer.Get("report"), nil, 2).String()

	seen := spy(t)
	api := runScript(fakeAPIScript)
	env := newTestEnv()
	c := newTestController(env, api, "mnist_cnn_sequential_keras3.15.keras", KindKeras)
	c.start(c.newRun(), someInput())
	pendingCall(t, api, "convert").Call("resolve", answer)
	<-env.rendered

	if c.Page.Error != "" {
		t.Fatalf("page error %q", c.Page.Error)
	}
	stringified := stringList(seen.Get("stringified"))
	if len(stringified) != 1 || stringified[0] != wantReport {
		lengths := make([]int, len(stringified))
		for i, s := range stringified {
			lengths[i] = len(s)
		}
		t.Fatalf("the page made %d JSON texts of %v bytes; want one, the indented report of %d bytes", len(stringified), lengths, len(wantReport))
	}
	if strings.Contains(stringified[0], `"fbz"`) {
		t.Errorf("the report's JSON holds an fbz property")
	}
	if env.renders != 1 {
		t.Errorf("%d renders; want 1, with the result", env.renders)
	}

	p := c.Page
	if p.FBZName != res.FileName || p.Summary == nil || p.Summary.Bytes != len(res.FBZ) || p.Report == nil ||
		len(p.Report.Blocks) != len(res.Report.Blocks) || p.Inspect == nil || len(p.Inspect.Layers) != len(res.Report.Keras.Layers) {
		t.Fatalf("page: %s, summary %v, report %v", p.FBZName, p.Summary != nil, p.Report != nil)
	}
	names := make([]string, len(p.Downloads))
	for i, d := range p.Downloads {
		names[i] = d.Name
	}
	if want := []string{"mnist_cnn_sequential_keras3.15.fbz", "mnist_cnn_sequential_keras3.15.report.json"}; !slices.Equal(names, want) {
		t.Fatalf("downloads %q, want %q", names, want)
	}
	blobs, created := seen.Get("blobs"), stringList(seen.Get("created"))
	if blobs.Length() != 2 || created[0] != p.Downloads[0].URL || created[1] != p.Downloads[1].URL {
		t.Fatalf("%d blob: URLs made (%q) for the downloads %+v", blobs.Length(), created, p.Downloads)
	}
	if got := blobBytes(t, blobs.Index(0)); !bytes.Equal(got, res.FBZ) {
		t.Errorf("the .fbz download holds %d bytes, not the converter's %d", len(got), len(res.FBZ))
	}
	if got := string(blobBytes(t, blobs.Index(1))); got != wantReport {
		t.Errorf("the report download is not the report's indented JSON")
	}
}

// TestSupersededAnswersMakeNoURL: an answer that comes after the user opened
// another model is dropped without making a blob: URL (one made would never
// be revoked), for each kind of answer.
func TestSupersededAnswersMakeNoURL(t *testing.T) {
	res := sampleConversion(t)
	summary, err := core.Summarize(res.FBZ)
	if err != nil {
		t.Fatal(err)
	}
	refusal := js.Global().Get("Error").New("Layer x of type Y is not supported")
	setProperty(refusal, "report", jsAnswer(t, map[string]any{"model": "m", "compatible": false,
		"diagnostics": []map[string]string{{"layer": "x", "rule": "r", "message": "m"}}, "rules": map[string]string{"r": "doc"}}, nil))
	for _, c := range []struct {
		name, fn string
		kind     Kind
		settle   func(call js.Value)
	}{
		{"convert", "convert", KindKeras, func(call js.Value) {
			call.Call("resolve", jsAnswer(t, res, map[string][]byte{"fbz": res.FBZ}))
		}},
		{"refused", "convert", KindKeras, func(call js.Value) { call.Call("reject", refusal) }},
		{"summary", "summary", KindAkida, func(call js.Value) { call.Call("resolve", jsAnswer(t, summary, nil)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			seen := spy(t)
			api := runScript(fakeAPIScript)
			env := newTestEnv()
			ctl := newTestController(env, api, "model", c.kind)
			ctl.start(ctl.newRun(), someInput())
			call := pendingCall(t, api, c.fn)
			ctl.newRun() // the user opens another model
			c.settle(call)
			<-env.rendered // the answer's update, which a newer run makes a no-op
			if n := seen.Get("created").Length(); n != 0 || len(ctl.Page.Downloads) != 0 || ctl.Page.Error != "" {
				t.Errorf("a superseded answer made %d blob: URLs; the page shows %d downloads and the error %q", n, len(ctl.Page.Downloads), ctl.Page.Error)
			}
		})
	}
}
