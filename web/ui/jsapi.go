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

// callAPI calls a function of globalThis.cnn2snn and waits for its result.
// progress, when not nil, receives the call's progress events.
func callAPI(api js.Value, fn string, input js.Value, options map[string]any, progress func(stage string, fraction float64)) (js.Value, error) {
	opts := js.ValueOf(options)
	if progress != nil {
		cb := js.FuncOf(func(_ js.Value, args []js.Value) any {
			if len(args) == 2 {
				progress(args[0].String(), args[1].Float())
			}
			return nil
		})
		defer cb.Release()
		setProperty(opts, "onProgress", cb)
	}
	return await(api.Call(fn, input, opts))
}

// setProperty sets obj[key] = val. Vugu's js.Value.Set (and ValueOf)
// cannot take Vugu's own js.Value or js.Func, only Call converts them; so
// values go through Reflect.set, and slices or maps holding them are built
// with Call too.
func setProperty(obj js.Value, key string, val any) {
	js.Global().Get("Reflect").Call("set", obj, key, val)
}

// decode copies a plain JavaScript object into a Go value through JSON.
func decode(v js.Value, dst any) error {
	text := js.Global().Get("JSON").Call("stringify", v).String()
	if err := json.Unmarshal([]byte(text), dst); err != nil {
		return fmt.Errorf("internal error: the converter's answer does not fit the page (%v); please report this", err)
	}
	return nil
}

// blobURL makes a blob: URL for a download of data (a Uint8Array or a
// string) with a MIME type.
func blobURL(data js.Value, mime string) string {
	parts := js.Global().Get("Array").New()
	parts.Call("push", data)
	blob := js.Global().Get("Blob").New(parts, map[string]any{"type": mime})
	return js.Global().Get("URL").Call("createObjectURL", blob).String()
}

// jsonBlobURL makes a blob: URL of v's JSON, indented for people.
func jsonBlobURL(v js.Value) string {
	return blobURL(js.Global().Get("JSON").Call("stringify", v, nil, 2), "application/json")
}

func revokeURL(url string) { js.Global().Get("URL").Call("revokeObjectURL", url) }

// fetchBytes fetches a URL into a Uint8Array.
func fetchBytes(url string) (js.Value, error) {
	resp, err := await(js.Global().Call("fetch", url))
	if err != nil {
		return js.Value{}, err
	}
	if !resp.Get("ok").Bool() {
		return js.Value{}, fmt.Errorf("%s: HTTP %d", url, resp.Get("status").Int())
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return js.Value{}, err
	}
	return js.Global().Get("Uint8Array").New(buf), nil
}

// mark records a performance mark (visible in the browser's developer
// tools, and read by the browser tests).
func mark(name string) { js.Global().Get("performance").Call("mark", name) }

// measure records the time from the mark start to now.
func measure(name, start string) {
	js.Global().Get("performance").Call("measure", name, start)
}
