# cnn2snn-wasm build. `make serve` runs the converter page, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
GOROOT := $(shell $(GO) env GOROOT)
WASM_ENV := GOOS=js GOARCH=wasm PATH="$(GOROOT)/lib/wasm:$$PATH"
FUZZTIME ?= 10s
# Minimizing each new interesting input for up to 2 s (or go test's default
# 60 s) kept the FuzzOpen workers busy minimizing: its quadratic pass never
# ends on inputs of a few KiB, and the executions stalled at dozens (issue
# 13). A count bounds the minimization of every input, crashers included,
# to that many executions.
FUZZMINIMIZE ?= 200x
# package:FuzzTarget pairs run briefly by `make test` and longer by `make fuzz`.
FUZZ_TARGETS := core/hdf5:FuzzOpen core/keras:FuzzLoad core/akida/fbz:FuzzDecode core/npy:FuzzDecode core/infer:FuzzRunTFJS wasm/worker/api:FuzzHandler \
	core/quantize:FuzzModel core/quantize:FuzzCalibrationBatch

.PHONY: bench-wasm bench-agreement convert-testdata keras-testdata reference all build cli test test-go test-wasm test-fuzz fuzz bench generate check-generated lint serve dist clean

all: build

## build: the native CLI (bin/cnn2snn) and everything compiles for the browser
build: cli
	$(WASM_ENV) $(GO) build ./core/... ./wasm/...

cli:
	$(GO) build -o bin/cnn2snn ./tools/cnn2snn

## test: every test: Go natively and under GOOS=js in Node, fuzz smoke, generated code, browser, worker
test: lint check-generated test-go test-wasm test-fuzz test-browser worker-test

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./core/... ./tools/... ./wasm/... ./web/...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/... ./web/...

test-go:
	$(GO) test ./...

# The core packages run under GOOS=js GOARCH=wasm in Node, so the browser build is tested, not only compiled.
test-wasm:
	$(WASM_ENV) $(GO) test ./core/... ./wasm/ ./web/ui/

# Each target's run ends with its executions per second (tools/fuzzrate.awk),
# and all of them are listed again at the end.
test-fuzz:
	@set -o pipefail; rates=$$(mktemp); for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
	  $(GO) test ./$$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) 2>&1 | \
	    awk -v target="$$pkg $$fn" -v rates="$$rates" -f tools/fuzzrate.awk || { rm -f $$rates; exit 1; }; done; \
	echo "executions per second ($(FUZZTIME) each):"; cat $$rates; rm -f $$rates

## bench-agreement: Akida-vs-Keras agreement figures of every convertible fixture, Akida 1.0 and 2.0 (also part of make bench)
bench-agreement:
	$(GO) test ./core/verify -run '^$$' -bench Agreement -benchtime 1x

## fuzz: each fuzz target for 5 minutes
fuzz:
	$(MAKE) test-fuzz FUZZTIME=5m

## bench: benchmarks with the figures the issues ask for
bench:
	$(GO) test ./... -run '^$$' -bench . -benchmem
	$(MAKE) bench-wasm bench-web size-web

## bench-wasm: the headline benchmarks compiled to WebAssembly and run in Node (the browser's engine, V8)
bench-wasm:
	$(WASM_ENV) $(GO) test ./core/hdf5 ./core/keras ./core/akida/fbz ./core/quantize ./core/infer ./core/akida/sim ./core/convert ./core -run '^$$' \
	  -bench 'ReadAllWeights|CopyWeightBytes|Load/akidanet|Encode|Decode|QuantizeConvertEncodeAkidaNet|AkidaNetFloat|ForwardAkidaNet025|ConvertEncodeV2ECG|ForwardV2ECG$$|ConvertQuantizeMLECG|FloatToAkida2' -benchmem

## generate: regenerate committed generated code (FlatBuffers, Vugu)
generate: generate-fbz $(if $(wildcard web/web.mk),generate-web)

# The .fbz FlatBuffers schema → Go with Debian's flatc 2.0.8 (flatbuffers-compiler).
generate-fbz:
	cd core/akida/fbz && flatc --go --gen-onefile --go-namespace fbzschema -o fbzschema schema/akida.fbs && gofmt -w fbzschema/akida_generated.go

# CI fails when committed generated code is stale.
check-generated: generate
	@git diff --exit-code --stat -- '*_generated.go' '*_gen.go' || { echo "generated code is stale: run make generate and commit"; exit 1; }

## reference: regenerate the tfjs reference outputs (core/infer/testdata/reference) and TF.js test models
## (Node 20 + npm; Debian python3-numpy, python3-h5py). Not part of `make test`: the tests read the committed outputs.
reference:
	cd tools/reference && npm ci && node generate.mjs && npm test

## keras-testdata: regenerate core/keras expected values, project test files and fuzz seeds (needs ../shared, Debian python3-h5py)
keras-testdata:
	/usr/bin/python3 tools/kerasgen/expected.py
	/usr/bin/python3 tools/kerasgen/make_testdata.py
	$(GO) run ./tools/kerasgen/fuzzcorpus

## convert-testdata: regenerate core/convert's project-made cnn2snn-quantized model, re-check the tests' hand arithmetic,
## and regenerate the small quantizeml models of core/keras and core/convert (Debian python3-h5py, python3-numpy)
convert-testdata:
	cd core/convert/testdata && /usr/bin/python3 make_cnn2snn_tiny.py && /usr/bin/python3 hand_values.py
	/usr/bin/python3 tools/qmlgen/make_qml_testdata.py
	/usr/bin/python3 tools/qmlgen/make_qml_convert_testdata.py

clean:
	rm -rf bin dist build wasm/worker/build artifacts

# The browser build (dist, serve, browser tests) and the Cloudflare Worker have their own fragments.
-include web/web.mk
-include wasm/worker/worker.mk
