// Package browser holds the converter page's end-to-end tests: the built
// site (make dist) served by tools/serve under a sub-path, driven in
// headless Chromium with chromedp. They run with make test-browser, which
// sets CNN2SNN_DIST; without it (a plain go test ./...) they skip.
package browser
