# The browser build: make dist, serve, test-browser, bench-web, generate-web.
# Included by the top Makefile, which defines GO and GOROOT.

DIST ?= dist
SERVE_ADDR ?= 127.0.0.1:8080
WEB_WASM := GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w"
MODULE := github.com/cnn2snn-wasm/cnn2snn-wasm
# Inlining makes code faster and bigger. In the API binary it is off (-l) for the packages whose code runs once per
# call or per layer (messages, JSON, reflection, the compatibility rules, the Akida model's structure, the converter's
# planning) rather than once per value: 79 kB less gzip for no measurable change in conversion or verification time.
# The per-value packages (runtime, hdf5, keras, quantize, infer, sim, fbz, snappy, flate) keep it: without it they
# are 20–60% slower (web/README.md, "Budgets").
API_NOINLINE := fmt reflect encoding/json strings time syscall/js $(MODULE)/core/compat $(MODULE)/core/akida \
	$(MODULE)/core/convert $(MODULE)/core/transform $(MODULE)/wasm
API_GCFLAGS := $(foreach p,$(API_NOINLINE),-gcflags=$(p)=-l)

.PHONY: dist serve test-browser bench-web size-web generate-web warmup-model npm-pack test-npm generate-typings

# The npm package (web/npm): its version is the project's (core.Version).
NPM_BUILD := build/npm
NPM_VERSION := $(shell sed -n 's/^const Version = "\(.*\)"$$/\1/p' core/version.go)
NPM_TARBALL := $(NPM_BUILD)/cnn2snn-wasm-$(NPM_VERSION).tgz
# TypeScript for test-npm, pinned in web/npm/tsc/package-lock.json.
TSC_DIR := web/npm/tsc
TSC := $(TSC_DIR)/node_modules/.bin/tsc

## dist: the static site, offline and relocatable: index.html, cnn2snn.js (loader), wasm_exec.js,
## cnn2snn.wasm (the API, run in a Web Worker), ui.wasm (the Vugu page), style.css, embed.html, sample/
dist:
	rm -rf $(DIST)
	mkdir -p $(DIST)/sample
	$(WEB_WASM) $(API_GCFLAGS) -o $(DIST)/cnn2snn.wasm ./wasm
	$(WEB_WASM) -o $(DIST)/ui.wasm ./web/cmd/ui
	cp "$(GOROOT)/lib/wasm/wasm_exec.js" $(DIST)/
	cp index.html web/cnn2snn.js web/style.css web/embed.html $(DIST)/
	cp web/sample/mnist_cnn_sequential_keras3.15.keras web/sample/ATTRIBUTION.md $(DIST)/sample/

## serve: build dist/ and serve it at http://$(SERVE_ADDR)/
serve: dist
	$(GO) run ./tools/serve -dir $(DIST) -addr $(SERVE_ADDR)

## test-browser: the page in headless Chromium (chromedp): files by input and by drop, blocks,
## diagnostics, .fbz download equal to the CLI's, .fbz summary, errors, embed, sub-path, offline.
## Screenshots go to artifacts/.
test-browser: dist
	CNN2SNN_DIST=$(abspath $(DIST)) CNN2SNN_ARTIFACTS=$(abspath artifacts) $(GO) test ./web/browser/ -count=1 -v

## npm-pack: the npm package build/npm/cnn2snn-wasm-VERSION.tgz: the loader, the module (index.mjs), wasm_exec.js,
## both .wasm files, style.css, the sample, the typings (cnn2snn.d.ts), README, LICENSE, NOTICE and the licenses of
## the Go code in the binaries (Go's and those of the modules they link)
npm-pack: dist
	rm -rf $(NPM_BUILD)
	mkdir -p $(NPM_BUILD)/package/sample
	cp web/npm/package.json web/npm/README.md web/npm/LICENSE web/npm/NOTICE web/npm/index.mjs web/npm/cnn2snn.d.ts $(NPM_BUILD)/package/
	cp $(DIST)/cnn2snn.js $(DIST)/wasm_exec.js $(DIST)/cnn2snn.wasm $(DIST)/ui.wasm $(DIST)/style.css $(NPM_BUILD)/package/
	cp $(DIST)/sample/* $(NPM_BUILD)/package/sample/
	{ printf '%s\n\n' "Go $$($(GO) env GOVERSION): the runtime and standard library in the .wasm files, and wasm_exec.js"; \
	  cat "$(GOROOT)/LICENSE"; \
	  GOOS=js GOARCH=wasm $(GO) list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}}@{{.Version}} {{.Dir}}{{end}}{{end}}' ./wasm ./web/cmd/ui | sort -u | \
	  while read -r mod dir; do printf '\n\n%s\n\n' "$$mod"; cat "$$dir/LICENSE"; done; } > $(NPM_BUILD)/package/THIRD_PARTY_LICENSES
	cd $(NPM_BUILD)/package && npm pkg set version=$(NPM_VERSION) && npm pack --pack-destination .. --loglevel warn
	@printf '%s: %s bytes\n' $(NPM_TARBALL) $$(stat -c %s $(NPM_TARBALL))

# npm ci reinstalls TypeScript when the lock file changes.
$(TSC): $(TSC_DIR)/package-lock.json
	cd $(TSC_DIR) && npm ci --no-audit --no-fund
	@touch $@

## test-npm: installs the packed tarball with npm into a temporary folder, serves a page that uses it and converts a
## model in Chromium (web/browser TestNPM), and checks web/npm/example.ts against its typings with tsc --noEmit
test-npm: npm-pack $(TSC)
	CNN2SNN_DIST=$(abspath $(DIST)) CNN2SNN_NPM_TARBALL=$(abspath $(NPM_TARBALL)) CNN2SNN_TSC=$(abspath $(TSC)) \
	  CNN2SNN_ARTIFACTS=$(abspath artifacts) $(GO) test ./web/browser/ -count=1 -v -run '^TestNPM$$'

# make test runs the npm package's test too.
test: test-npm

## generate-typings: rewrite web/npm/cnn2snn.d.ts from core.OptionTable and the report types (go test ./web/npm fails
## when it is stale)
generate-typings:
	$(GO) test ./web/npm -run '^TestTypings$$' -update

## bench-web: wasm sizes against the budgets (gzip -9: API ≤ 1.5 MB, UI ≤ 2.5 MB; MB = 10^6 bytes),
## then the page in Chromium: navigation → ready, AkidaNet 0.25 conversion, memory on the largest fixtures
bench-web: dist
	@printf '%-14s %10s %10s %10s\n' file raw gzip-9 budget
	@for spec in cnn2snn.wasm:1500000 ui.wasm:2500000; do f=$(DIST)/$${spec%%:*}; budget=$${spec##*:}; \
	  raw=$$(stat -c %s $$f); gz=$$(gzip -9 -c $$f | wc -c); verdict=ok; [ $$gz -le $$budget ] || verdict=OVER; \
	  printf '%-14s %10d %10d %10d %s\n' $${spec%%:*} $$raw $$gz $$budget $$verdict; done
	CNN2SNN_DIST=$(abspath $(DIST)) $(GO) test ./web/browser/ -count=1 -run '^$$' -bench . -benchtime 5x

## size-web: where the API binary's bytes go, by section and by Go package (a build like dist's that keeps the
## function names, which -ldflags=-s drops)
size-web:
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags=-w $(API_GCFLAGS) -o $(DIST)/.cnn2snn-names.wasm ./wasm
	$(GO) run ./web/wasmsize -top 40 $(DIST)/.cnn2snn-names.wasm
	rm $(DIST)/.cnn2snn-names.wasm

## generate-web: regenerate the Vugu components' Go code (web/ui/*_gen.go); vugugen does not gofmt it
generate-web:
	cd web/ui && $(GO) tool vugugen -skip-go-mod -skip-main . && gofmt -w *_gen.go

## warmup-model: regenerate wasm/warmup/akidanet_mini.h5, the model the worker converts as it starts so that the
## user's first conversion runs compiled code (Debian python3-h5py, python3-numpy; the output is deterministic)
warmup-model:
	cd wasm/warmup && /usr/bin/python3 make_model.py
