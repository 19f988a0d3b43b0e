//go:build js && wasm

package main

import (
	"strings"
	"sync/atomic"
	"syscall/js"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// These tests call the API the way a page does, through syscall/js, and
// run in Node (GOOS=js GOARCH=wasm go test ./wasm/).

// await waits for a Promise and returns its value or its rejection.
func await(t *testing.T, p js.Value) (value, rejection js.Value) {
	t.Helper()
	if !p.InstanceOf(js.Global().Get("Promise")) {
		t.Fatalf("got %s, want a Promise", p.Type())
	}
	done := make(chan [2]js.Value, 1)
	ok := js.FuncOf(func(_ js.Value, a []js.Value) any { done <- [2]js.Value{a[0], js.Undefined()}; return nil })
	fail := js.FuncOf(func(_ js.Value, a []js.Value) any { done <- [2]js.Value{js.Undefined(), a[0]}; return nil })
	defer ok.Release()
	defer fail.Release()
	p.Call("then", ok, fail)
	r := <-done
	return r[0], r[1]
}

// mustReject waits for p and checks it rejects with an Error whose message
// is want.
func mustReject(t *testing.T, p js.Value, want string) {
	t.Helper()
	v, rej := await(t, p)
	if rej.IsUndefined() {
		t.Fatalf("resolved with %v, want rejection %q", js.Global().Get("JSON").Call("stringify", v), want)
	}
	if !rej.InstanceOf(js.Global().Get("Error")) {
		t.Fatalf("rejected with a %s, want an Error", rej.Type())
	}
	if got := rej.Get("message").String(); got != want {
		t.Errorf("rejection message\n got  %s\n want %s", got, want)
	}
}

func newAPI() js.Value {
	obj := js.Global().Get("Object").New()
	install(obj, nil)
	return obj.Get("cnn2snn")
}

func uint8Array(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

func TestInstall(t *testing.T) {
	api := newAPI()
	if got := api.Get("version").String(); got != core.Version {
		t.Errorf("version %q, want %q", got, core.Version)
	}
	for name := range calls() {
		if api.Get(name).Type() != js.TypeFunction {
			t.Errorf("cnn2snn.%s is a %s, want a function", name, api.Get(name).Type())
		}
	}
}

func TestSummaryThroughJS(t *testing.T) {
	data := fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz")
	api := newAPI()
	arr := uint8Array(data)
	inputs := map[string]js.Value{
		"Uint8Array":         arr,
		"ArrayBuffer":        arr.Get("buffer"),
		"[{name, DataView}]": js.ValueOf([]any{map[string]any{"name": "pose.fbz", "bytes": js.Global().Get("DataView").New(arr.Get("buffer"))}}),
	}
	for what, in := range inputs {
		v, rej := await(t, api.Call("summary", in))
		if !rej.IsUndefined() {
			t.Fatalf("%s: rejected: %s", what, rej.Get("message"))
		}
		if got := v.Get("fbz_bytes").Int(); got != 6500 {
			t.Errorf("%s: fbz_bytes %d, want 6500", what, got)
		}
		layers := v.Get("model").Get("layers")
		if layers.Length() != 5 || layers.Index(4).Get("name").String() != "y_pred" {
			t.Errorf("%s: %d layers, last %s; want 5, y_pred", what, layers.Length(), layers.Index(layers.Length()-1).Get("name"))
		}
		if !strings.Contains(v.Get("summary").String(), "y_pred (Fully.)   [1, 1, 4]     (1, 1, 10, 4)") {
			t.Errorf("%s: summary text lacks the y_pred row:\n%s", what, v.Get("summary"))
		}
	}
}

func TestErrorsRejectWithMessage(t *testing.T) {
	api := newAPI()
	blob := js.Global().Get("Blob").New(js.ValueOf([]any{"x"}))
	deep := js.ValueOf([]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{1}}}}}}}}}})
	mustReject(t, api.Call("summary", "model.fbz"),
		`cnn2snn.summary: the first argument must be a Uint8Array or an array of {name, bytes}; got the string "model.fbz"`)
	mustReject(t, api.Call("summary", blob),
		"argument 1: a File or Blob cannot be read here: pass new Uint8Array(await file.arrayBuffer()) instead")
	mustReject(t, api.Call("inspect", deep), "argument 1: the value is nested more than 8 levels deep")
	mustReject(t, api.Call("inspect", js.ValueOf([]any{map[string]any{"name": "x.h5", "bytes": blob}})),
		"argument 1: bytes: a File or Blob cannot be read here: pass new Uint8Array(await file.arrayBuffer()) instead")
	mustReject(t, api.Call("inspect", uint8Array([]byte("%PDF-1.4"))),
		"this is not a Keras model file (it is a PDF document); give a .h5 or .keras file saved with model.save, a weights .h5 with its model .json, or a TF.js model.json with its .bin files")
}

func TestConvertThroughJS(t *testing.T) {
	api := newAPI()
	mnist := js.ValueOf([]any{map[string]any{"name": "mnist.keras", "bytes": uint8Array(fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras"))}})
	v, rej := await(t, api.Call("convert", mnist, js.ValueOf(map[string]any{"target": "v1"})))
	if !rej.IsUndefined() {
		t.Fatalf("rejected: %s", rej.Get("message"))
	}
	fbz := v.Get("fbz")
	if !fbz.InstanceOf(js.Global().Get("Uint8Array")) || fbz.Length() != v.Get("report").Get("fbz_bytes").Int() {
		t.Errorf("fbz %v of length %d, report says %d bytes", fbz.Type(), fbz.Length(), v.Get("report").Get("fbz_bytes").Int())
	}
	if got := v.Get("file_name").String(); got != "mnist.fbz" {
		t.Errorf("file_name %q, want mnist.fbz", got)
	}

	// A model that does not convert (for Akida 1.0: by default it converts
	// for Akida 2.0): the Error carries the check report.
	vww := uint8Array(fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5"))
	_, rej = await(t, api.Call("convert", vww, js.ValueOf(map[string]any{"target": "v1"})))
	if rej.IsUndefined() {
		t.Fatal("mobilenetv1_vww converted to Akida 1.0")
	}
	report := rej.Get("report")
	if report.Type() != js.TypeObject || report.Get("compatible").Bool() || report.Get("diagnostics").Length() == 0 {
		t.Fatalf("the rejection's report is %v", js.Global().Get("JSON").Call("stringify", report))
	}
	if first := report.Get("diagnostics").Index(0).Get("message").String(); rej.Get("message").String() != first {
		t.Errorf("message %q, first diagnostic %q", rej.Get("message"), first)
	}
}

func TestPanicRejectsAndRuntimeSurvives(t *testing.T) {
	boom := method(func([]any, func(string, float64)) (reply, error) { panic("index out of range [3] with length 3") }, nil)
	defer boom.Release()
	mustReject(t, boom.Invoke(), "internal error: index out of range [3] with length 3; please report this with the model file")
	// The Go runtime is still serving calls.
	v, rej := await(t, newAPI().Call("summary", uint8Array(fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz"))))
	if !rej.IsUndefined() || v.Get("fbz_bytes").Int() != 6500 {
		t.Errorf("call after a panic: %v, %v", v, rej)
	}
}

func TestProgressAndBytesReply(t *testing.T) {
	var gotOptions core.Options
	fn := method(func(args []any, progress func(string, float64)) (reply, error) {
		var err error
		if gotOptions, err = optionsFrom("convert", arg(args, 1)); err != nil {
			return reply{}, err
		}
		progress("load", 0.25)
		progress("convert", 1)
		return reply{value: map[string]any{"file_name": "m.fbz"}, bytes: map[string][]byte{"fbz": {1, 2, 3}}}, nil
	}, nil)
	defer fn.Release()
	// A JavaScript recorder, as a page's onProgress is.
	seen := js.Global().Get("Array").New()
	record := js.Global().Get("Function").New("seen", "return (stage, fraction) => { seen.push(stage + ' ' + fraction); }").Invoke(seen)
	opts := js.ValueOf(map[string]any{"target": "v1", "onProgress": record})
	v, rej := await(t, fn.Invoke(uint8Array([]byte{0}), opts))
	if !rej.IsUndefined() {
		t.Fatalf("rejected: %s", rej.Get("message"))
	}
	if got := seen.Call("join", ", ").String(); got != "load 0.25, convert 1" {
		t.Errorf("progress calls %q, want %q", got, "load 0.25, convert 1")
	}
	if gotOptions.Target != "v1" {
		t.Errorf("options target %q, want v1", gotOptions.Target)
	}
	if opts.Get("onProgress").Type() != js.TypeFunction {
		t.Error("the caller's options object lost onProgress")
	}
	fbz := v.Get("fbz")
	if !fbz.InstanceOf(js.Global().Get("Uint8Array")) || fbz.Length() != 3 || fbz.Index(2).Int() != 3 {
		t.Errorf("fbz is %v, want Uint8Array [1, 2, 3]", fbz)
	}
	if v.Get("file_name").String() != "m.fbz" {
		t.Errorf("file_name %v, want m.fbz", v.Get("file_name"))
	}
}

func TestVerifyThroughJS(t *testing.T) {
	api := newAPI()
	mnist := js.ValueOf([]any{map[string]any{"name": "mnist.keras", "bytes": uint8Array(fixtures.ReadShared(t, "keras", "mnist_cnn_sequential_keras3.15.keras"))}})
	seen := js.Global().Get("Array").New()
	record := js.Global().Get("Function").New("seen", "return (stage) => { if (!seen.includes(stage)) seen.push(stage); }").Invoke(seen)
	v, rej := await(t, api.Call("verify", mnist, js.ValueOf(map[string]any{"samples": 2, "seed": 7, "onProgress": record})))
	if !rej.IsUndefined() {
		t.Fatalf("rejected: %s", rej.Get("message"))
	}
	if v.Get("samples").Int() != 2 || v.Get("seed").Int() != 7 || !v.Get("proved").Bool() {
		t.Errorf("samples %v, seed %v, proved %v; want 2, 7, true", v.Get("samples"), v.Get("seed"), v.Get("proved"))
	}
	layers := v.Get("layers")
	if layers.Length() != 4 || layers.Index(0).Get("name").String() != "conv2d" || layers.Index(3).Get("keras_layer").String() != "dense_1" {
		t.Errorf("layers %v", js.Global().Get("JSON").Call("stringify", layers))
	}
	if a := v.Get("output_agreement").Float(); a < 0 || a > 1 {
		t.Errorf("output_agreement %v", a)
	}
	if got := seen.Call("join", " ").String(); got != "load quantize convert encode verify done" {
		t.Errorf("progress stages %q", got)
	}
	mustReject(t, api.Call("verify", mnist, js.ValueOf(map[string]any{"samples": 0})),
		"cnn2snn.verify: option samples must be a whole number from 1 to 10000 (the number of seeded inputs; 4 if not given); got the number 0")
}

// A call marks the API as called as soon as it comes in (synchronously,
// before its work runs), which ends the worker's warm-up.
func TestCallEndsTheWarmUp(t *testing.T) {
	var called atomic.Bool
	obj := js.Global().Get("Object").New()
	install(obj, &called)
	if called.Load() {
		t.Fatal("called before any call")
	}
	p := obj.Get("cnn2snn").Call("summary", "not an fbz")
	if !called.Load() {
		t.Error("a call did not mark the API as called before returning its Promise")
	}
	await(t, p)
}
