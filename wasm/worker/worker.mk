# The Cloudflare Worker (wasm/worker): included by the top Makefile, which
# defines GO and GOROOT.
#
#   make worker-build   wasm/worker/build/{worker.mjs,runtime.mjs,wasm_exec.js,app.wasm}
#   make worker-serve   the Worker in workerd on 127.0.0.1:$(PORT), in the foreground
#   make worker-test    workerd on a free port: every endpoint with real fixtures and
#                       bad inputs, the loader (one Go instance, panics), then a load
#                       check (200 requests one at a time and at concurrency 8)

WORKER_DIR := wasm/worker
WORKERD := $(WORKER_DIR)/node_modules/.bin/workerd
PORT ?= 8787
# The load check of worker-test; raise them for a longer measurement.
WORKER_LOAD_REQUESTS ?= 200
WORKER_LOAD_CONCURRENCY ?= 8

.PHONY: worker-build worker-serve worker-test

# workers-assets-gen (the `tool` line in go.mod, at syumai/workers v0.30.2)
# writes worker.mjs, runtime.mjs and wasm_exec.js and empties build/ first,
# so it runs before the Go build. Its worker.mjs starts a Go instance per
# request; loader.mjs, which keeps one per isolate, replaces it.
worker-build:
	cd $(WORKER_DIR) && $(GO) tool workers-assets-gen -mode=go -o build
	cp $(WORKER_DIR)/loader.mjs $(WORKER_DIR)/build/worker.mjs
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(WORKER_DIR)/build/app.wasm ./$(WORKER_DIR)
	@wc -c < $(WORKER_DIR)/build/app.wasm | xargs printf 'app.wasm: %s bytes, '
	@gzip -9 -c $(WORKER_DIR)/build/app.wasm | wc -c | xargs printf '%s bytes gzip -9\n'

# The workerd binary comes from the npm package workerd@1.20261117.1
# (package-lock.json); npm ci reinstalls it when the lock file changes.
$(WORKERD): $(WORKER_DIR)/package-lock.json
	cd $(WORKER_DIR) && npm ci --no-audit --no-fund
	@touch $@

# GET / serves dist/ (the `dist` target of web/web.mk) through the Worker's
# ASSETS binding; workerd refuses to start without the directory.
worker-serve: dist worker-build $(WORKERD)
	$(WORKERD) serve $(WORKER_DIR)/workerd.capnp --socket-addr http=127.0.0.1:$(PORT) --directory-path assets=$(CURDIR)/dist

# The test starts and stops workerd itself (on a free port). It uses dist/
# when it has been built, otherwise a placeholder page, and says which, and
# compares converted files with the CLI's (bin/cnn2snn, the `cli` target).
# Its load check sets the conversion's time in workerd beside the same
# handler's in Node (the api package's benchmarks under GOOS=js), run first.
worker-test: worker-build cli $(WORKERD)
	$(WASM_ENV) $(GO) test ./$(WORKER_DIR)/api -run '^$$' -bench 'ConvertAkidaNet|InspectAkidaNet' -benchtime 100x \
	  | tee $(WORKER_DIR)/build/node-bench.txt
	CNN2SNN_WORKERD=$(CURDIR)/$(WORKERD) CNN2SNN_CLI=$(CURDIR)/bin/cnn2snn \
	  CNN2SNN_WORKER_LOAD=$(WORKER_LOAD_REQUESTS),$(WORKER_LOAD_CONCURRENCY) \
	  CNN2SNN_NODE_BENCH=$(CURDIR)/$(WORKER_DIR)/build/node-bench.txt \
	  $(GO) test ./$(WORKER_DIR)/e2e/ -count=1 -v -run 'Workerd' -timeout 15m
