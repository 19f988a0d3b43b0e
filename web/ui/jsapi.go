package ui

import (
	"encoding/json"
	"errors"
	"fmt"

	js "github.com/vugu/vugu/js"
)

// await waits for a JavaScript Promise. It must run on its own goroutine,
// never in an event handler: the Promise settles on the event loop that a
// waiting handler would block.
func await(p js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	done := make(chan settled, 1)
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- settled{v: first(args)}
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- settled{err: jsError(first(args))}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	js.Global().Get("Promise").Call("resolve", p).Call("then", ok, fail)
	s := <-done
	return s.v, s.err
}

func first(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}

// apiError is a rejected Promise: the Error's message and, for a
// conversion the model refuses, the check report it carries (undefined
// otherwise).
type apiError struct {
	msg    string
	report js.Value
}

func (e *apiError) Error() string { return e.msg }

// jsError turns a rejection into an *apiError.
func jsError(v js.Value) error {
	if v.Type() == js.TypeObject && v.Get("message").Type() == js.TypeString {
		return &apiError{msg: v.Get("message").String(), report: v.Get("report")}
	}
	return &apiError{msg: js.Global().Get("String").Invoke(v).String(), report: js.Undefined()}
}

// refusalReport returns the report of a conversion the model refused.
func refusalReport(err error) (js.Value, bool) {
	var e *apiError
	if errors.As(err, &e) && e.report.Type() == js.TypeObject {
		return e.report, true
	}
	return js.Undefined(), false
}

// startCall calls a function of globalThis.cnn2snn now, so the worker
// starts on it at once, and returns the wait for its answer, which must
// run on a goroutine of its own (see await). progress, when not nil,
// receives the call's progress events until the answer. The call's time,
// as the page sees it, is the performance measure "cnn2snn-" + fn.
func startCall(api js.Value, fn string, input js.Value, options map[string]any, progress func(stage string, fraction float64)) (answer func() (js.Value, error)) {
	opts := js.ValueOf(options)
	release := func() {}
	if progress != nil {
		cb := js.FuncOf(func(_ js.Value, args []js.Value) any {
			if len(args) == 2 {
				progress(args[0].String(), args[1].Float())
			}
			return nil
		})
		release = cb.Release
		setProperty(opts, "onProgress", cb)
	}
	mark("cnn2snn-" + fn + "-start")
	p := api.Call(fn, input, opts)
	return func() (js.Value, error) {
		defer release()
		v, err := await(p)
		measure("cnn2snn-"+fn, "cnn2snn-"+fn+"-start")
		return v, err
	}
}

// inputOf is the API's input for the named files: [{name, bytes}], the
// bytes a File, Blob or Uint8Array.
func inputOf(names []string, data []js.Value) js.Value {
	input := js.Global().Get("Array").New()
	for i, name := range names {
		f := js.Global().Get("Object").New()
		setProperty(f, "name", name)
		setProperty(f, "bytes", data[i])
		input.Call("push", f)
	}
	return input
}

// setProperty sets obj[key] = val. Vugu's js.Value.Set (and ValueOf)
// cannot take Vugu's own js.Value or js.Func, only Call converts them; so
// values go through Reflect.set, and slices or maps holding them are built
// with Call too.
func setProperty(obj js.Value, key string, val any) {
	js.Global().Get("Reflect").Call("set", obj, key, val)
}

// The converter's answers cross from JavaScript to the page's Go code in
// two parts. Their reports go as JSON text, made once in JavaScript
// (jsonText) and decoded once here (decodeJSON); the same text is the
// report download. Their bytes (the .fbz) never go through JSON, which
// spells a Uint8Array {"0":137,"1":72,…}, twelve times its size (7 MB of
// text for AkidaNet's .fbz): they stay a Uint8Array in JavaScript
// (bytesOf), where the download's Blob is made, and the page reads only
// their length.

// jsonText is v's JSON, indented for people as the report downloads are:
// a JavaScript string, not copied to Go. v must hold no binary data.
func jsonText(v js.Value) js.Value {
	return js.Global().Get("JSON").Call("stringify", v, nil, 2)
}

// decodeJSON copies JSON text (a JavaScript string) to Go and decodes it
// into dst.
func decodeJSON(text js.Value, dst any) error {
	if text.Type() != js.TypeString {
		return answerError(fmt.Errorf("a report is %s, not an object", text.Type()))
	}
	if err := json.Unmarshal([]byte(text.String()), dst); err != nil {
		return answerError(err)
	}
	return nil
}

// bytesOf returns the Uint8Array property name of an answer.
func bytesOf(answer js.Value, name string) (js.Value, error) {
	b := answer.Get(name)
	if !b.InstanceOf(js.Global().Get("Uint8Array")) {
		return js.Value{}, answerError(fmt.Errorf("%s is %s, not a Uint8Array", name, b.Type()))
	}
	return b, nil
}

// stringOf returns the string property name of an answer.
func stringOf(answer js.Value, name string) (string, error) {
	s := answer.Get(name)
	if s.Type() != js.TypeString {
		return "", answerError(fmt.Errorf("%s is %s, not a string", name, s.Type()))
	}
	return s.String(), nil
}

func answerError(err error) error {
	return fmt.Errorf("internal error: the converter's answer does not fit the page (%v); please report this", err)
}

// blobURL makes a blob: URL for a download of data (a Uint8Array or a
// string) with a MIME type.
func blobURL(data js.Value, mime string) string {
	parts := js.Global().Get("Array").New()
	parts.Call("push", data)
	blob := js.Global().Get("Blob").New(parts, map[string]any{"type": mime})
	return js.Global().Get("URL").Call("createObjectURL", blob).String()
}

func revokeURL(url string) { js.Global().Get("URL").Call("revokeObjectURL", url) }

// fetchBlob fetches a URL into a Blob.
func fetchBlob(url string) (js.Value, error) {
	resp, err := await(js.Global().Call("fetch", url))
	if err != nil {
		return js.Value{}, err
	}
	if !resp.Get("ok").Bool() {
		return js.Value{}, fmt.Errorf("%s: HTTP %d", url, resp.Get("status").Int())
	}
	return await(resp.Call("blob"))
}

// mark records a performance mark (visible in the browser's developer
// tools, and read by the browser tests).
func mark(name string) { js.Global().Get("performance").Call("mark", name) }

// measure records the time from the mark start to now.
func measure(name, start string) {
	js.Global().Get("performance").Call("measure", name, start)
}
