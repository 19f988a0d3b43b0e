//go:build js && wasm

package main

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"syscall/js"
)

// Limits on what goValue copies: the API takes a few files and a small
// options object, so anything deeper or longer is a mistake, and copying
// it would only delay the error.
const (
	maxDepth = 8
	maxItems = 4096
)

// goValue copies a JavaScript value into plain Go values (see args.go).
// Bytes are copied once; a Blob or File cannot be read synchronously, so
// it is refused with the way to read it.
func goValue(v js.Value, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("the value is nested more than %d levels deep", maxDepth)
	}
	switch v.Type() {
	case js.TypeUndefined, js.TypeNull:
		return nil, nil
	case js.TypeBoolean:
		return v.Bool(), nil
	case js.TypeNumber:
		return v.Float(), nil
	case js.TypeString:
		return v.String(), nil
	case js.TypeFunction:
		return function{}, nil
	case js.TypeObject:
		return goObject(v, depth)
	}
	return nil, fmt.Errorf("a JavaScript %s cannot be passed to the converter", v.Type())
}

func goObject(v js.Value, depth int) (any, error) {
	global := js.Global()
	if b := bytesView(v); b.Truthy() {
		data := make([]byte, b.Length())
		js.CopyBytesToGo(data, b)
		return data, nil
	}
	if blob := global.Get("Blob"); blob.Truthy() && v.InstanceOf(blob) {
		return nil, fmt.Errorf("a File or Blob cannot be read here: pass new Uint8Array(await file.arrayBuffer()) instead")
	}
	if global.Get("Array").Call("isArray", v).Bool() {
		n := v.Length()
		if n > maxItems {
			return nil, fmt.Errorf("an array of %d items is more than the %d allowed", n, maxItems)
		}
		items := make([]any, n)
		for i := range n {
			item, err := goValue(v.Index(i), depth+1)
			if err != nil {
				return nil, err
			}
			items[i] = item
		}
		return items, nil
	}
	keys := global.Get("Object").Call("keys", v)
	n := keys.Length()
	if n > maxItems {
		return nil, fmt.Errorf("an object with %d keys is more than the %d allowed", n, maxItems)
	}
	obj := make(map[string]any, n)
	for i := range n {
		key := keys.Index(i).String()
		val, err := goValue(v.Get(key), depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		obj[key] = val
	}
	return obj, nil
}

// bytesView returns a Uint8Array over the bytes of an ArrayBuffer or of
// any typed array or DataView, or undefined for anything else.
func bytesView(v js.Value) js.Value {
	global := js.Global()
	u8 := global.Get("Uint8Array")
	switch {
	case v.InstanceOf(u8):
		return v
	case v.InstanceOf(global.Get("ArrayBuffer")):
		return u8.New(v)
	case global.Get("ArrayBuffer").Call("isView", v).Bool():
		return u8.New(v.Get("buffer"), v.Get("byteOffset"), v.Get("byteLength"))
	}
	return js.Undefined()
}

// jsReply turns a reply into a plain JavaScript object: the value goes
// through JSON (the report types carry JSON tags, so every front end shows
// the same field names) and each byte slice becomes a Uint8Array property.
func jsReply(r reply) (js.Value, error) {
	obj, err := jsJSON(r.value)
	if err != nil {
		return js.Value{}, err
	}
	for name, b := range r.bytes {
		arr := js.Global().Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(arr, b)
		obj.Set(name, arr)
	}
	return obj, nil
}

// jsJSON is v's JSON form parsed in JavaScript.
func jsJSON(v any) (js.Value, error) {
	text, err := json.Marshal(v)
	if err != nil {
		return js.Value{}, fmt.Errorf("internal error: the result cannot be encoded: %v; please report this with the model file", err)
	}
	return js.Global().Get("JSON").Call("parse", string(text)), nil
}

// jsError is the Error a call rejects with: the message, and the report of
// a model that does not convert.
func jsError(err error) js.Value {
	e := js.Global().Get("Error").New(err.Error())
	if r := errorReport(err); r != nil {
		if report, jerr := jsJSON(r); jerr == nil {
			e.Set("report", report)
		}
	}
	return e
}

// promise runs work on its own goroutine (so a call never blocks the
// JavaScript event loop it came from) and returns a Promise of its result.
// A Go error rejects the Promise with an Error carrying the message; so
// does a panic, which is recovered here so the Go runtime keeps serving
// calls.
func promise(work func() (js.Value, error)) js.Value {
	executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			v, err := safely(work)
			if err != nil {
				reject.Invoke(jsError(err))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	// The Promise constructor runs the executor before it returns.
	defer executor.Release()
	return js.Global().Get("Promise").New(executor)
}

func safely(work func() (js.Value, error)) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v; please report this with the model file", r)
		}
	}()
	return work()
}

// method wraps an API call as a JavaScript function returning a Promise.
// The arguments are copied to Go inside the Promise, so a bad argument is
// a rejection like any other error. called, if not nil, is set as the
// call comes in.
func method(call func(args []any, progress func(string, float64)) (reply, error), called *atomic.Bool) js.Func {
	return js.FuncOf(func(_ js.Value, args []js.Value) any {
		if called != nil {
			called.Store(true)
		}
		return promise(func() (js.Value, error) {
			progress := progressFrom(args)
			goArgs := make([]any, len(args))
			for i, a := range args {
				if i == 1 && progress != nil {
					a = withoutKey(a, "onProgress")
				}
				v, err := goValue(a, 0)
				if err != nil {
					return js.Value{}, fmt.Errorf("argument %d: %w", i+1, err)
				}
				goArgs[i] = v
			}
			r, err := call(goArgs, progress)
			if err != nil {
				return js.Value{}, err
			}
			return jsReply(r)
		})
	})
}

// progressFrom returns a Go callback for options.onProgress, or nil.
func progressFrom(args []js.Value) func(string, float64) {
	if len(args) < 2 || args[1].Type() != js.TypeObject {
		return nil
	}
	fn := args[1].Get("onProgress")
	if fn.Type() != js.TypeFunction {
		return nil
	}
	return func(stage string, fraction float64) { fn.Invoke(stage, fraction) }
}

// withoutKey returns a shallow copy of a JavaScript object without key.
func withoutKey(obj js.Value, key string) js.Value {
	c := js.Global().Get("Object").Call("assign", js.Global().Get("Object").New(), obj)
	js.Global().Get("Reflect").Call("deleteProperty", c, key)
	return c
}
