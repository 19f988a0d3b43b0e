//go:build js && wasm

// Command ui is the converter page (ui.wasm): the Vugu components of
// package ui, rendered into the element web/cnn2snn.js mounts it in. The
// loader passes three arguments: the mount element's selector, the URL of
// the site's folder, and the attributes of a <cnn2snn-converter> element
// (settings.go) as JSON.
package main

import (
	"fmt"
	"os"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/domrender"
	js "github.com/vugu/vugu/js"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/web/ui"
)

func main() {
	mount, base, attrs := "#cnn2snn-app", "./", ""
	if len(os.Args) > 1 {
		mount = os.Args[1]
	}
	if len(os.Args) > 2 {
		base = os.Args[2]
	}
	if len(os.Args) > 3 {
		attrs = os.Args[3]
	}
	if err := run(mount, base, attrs); err != nil {
		// The loader shows the exit on the page; the console says why.
		fmt.Fprintln(os.Stderr, "ui.wasm:", err)
		os.Exit(1)
	}
}

// run is Vugu's render loop: build the components from the page state,
// render them, wait for the next event or state change.
func run(mount, base, attrs string) error {
	renderer, err := domrender.New(mount)
	if err != nil {
		return err
	}
	defer renderer.Release()
	env, err := vugu.NewBuildEnv(renderer.EventEnv())
	if err != nil {
		return err
	}
	ctl := ui.NewController(renderer.EventEnv(), js.Global().Get("cnn2snn"), base)
	root := &ui.Root{Ctl: ctl}
	// A bad attribute shows as the page's error; the page works with its
	// defaults meanwhile.
	if s, err := parseSettings(attrs, ctl.Page.Form); err != nil {
		ctl.Page.Error = err.Error()
	} else {
		ctl.Page.Form = s.Form
		if s.Sample != "" {
			ctl.SampleURL = s.Sample
		}
	}
	ctl.Start()
	// Each render is the performance measure "cnn2snn-render" (the
	// browser's developer tools show it; make bench-web logs it).
	perf := js.Global().Get("performance")
	for ok := true; ok; ok = renderer.EventWait() {
		perf.Call("mark", "cnn2snn-render-start")
		if err := renderer.Render(env.RunBuild(root)); err != nil {
			return err
		}
		perf.Call("measure", "cnn2snn-render", "cnn2snn-render-start")
	}
	return nil
}
