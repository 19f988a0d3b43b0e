// Package ui is the converter page: Vugu components (one per visual part:
// drop zone, options, block list, layer details, summary, download bar,
// progress), the page state they show (Page, a plain struct) and the
// Controller that fills it by calling the converter's JavaScript API
// (globalThis.cnn2snn, which web/cnn2snn.js runs in a Web Worker).
//
// The UI knows the converter only through that API and its JSON reports
// (report.go), as a documentation page would; it does not link the
// converter's Go code, which keeps ui.wasm small.
//
// Components are generated from the .vugu files by vugugen (make
// generate-web); the package compiles natively too (vugu/js is a no-op
// there), so its state logic and rendering are tested with go test.
package ui

//go:generate go tool vugugen -skip-go-mod -skip-main .
