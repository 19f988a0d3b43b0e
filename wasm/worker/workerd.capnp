# workerd configuration of the cnn2snn Worker, for `make worker-serve` and
# `make worker-test` (the npm package workerd@1.20261117.1; see README.md).
#
#   workerd serve wasm/worker/workerd.capnp \
#     --socket-addr http=127.0.0.1:8787 --directory-path assets=$PWD/dist
#
# The module paths are relative to this file: `make worker-build` writes
# them to build/. The listening address and the static files' directory
# are given on the command line (the Makefile and the test choose them),
# and the body limit comes from the environment variable
# CNN2SNN_MAX_BODY_BYTES (unset = 32 MiB).

using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .cnn2snnWorker),
    # The static UI (make dist). workerd serves every file as
    # application/octet-stream; the Go handler sets the real Content-Type.
    (name = "assets", disk = (writable = false)),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const cnn2snnWorker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "build/worker.mjs"),
    (name = "runtime.mjs", esModule = embed "build/runtime.mjs"),
    (name = "wasm_exec.js", esModule = embed "build/wasm_exec.js"),
    (name = "app.wasm", wasm = embed "build/app.wasm"),
  ],
  compatibilityDate = "2025-01-01",
  bindings = [
    # The same names as in wrangler.jsonc, so the Go code reads both alike.
    (name = "ASSETS", service = "assets"),
    (name = "CNN2SNN_MAX_BODY_BYTES", fromEnvironment = "CNN2SNN_MAX_BODY_BYTES"),
  ],
);
