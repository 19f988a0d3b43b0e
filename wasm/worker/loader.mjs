// The Worker's entry module (make worker-build copies it to build/worker.mjs,
// over the one syumai/workers' workers-assets-gen writes): it runs app.wasm
// once per isolate and serves every request, concurrent ones too, with that
// one Go instance. syumai's own worker.mjs starts a new Go instance for every
// request, which costs Go's start-up (7–18 ms of CPU) per request. See
// README.md, "One Go instance per isolate".
//
// The Go side is syumai/workers' (package serve): it reads its runtime
// context once, when the program starts, so the context given here holds
// what is the same for every request (env, the isolate's bindings) and no
// request's ExecutionContext. Each request reaches Go through the binding's
// handleRequest, as in syumai's loader, but with its body read here and
// left in a table for Go (see package serve for why).
//
// workerd ties every Promise to the request that made it: one made by a
// request that has ended can never settle. So nothing here outlives a
// request but plain values: the instance is started synchronously, and each
// request waits on Promises of its own.
//
// If the Go program ends (a panic that nothing recovered), the requests it
// was serving are answered 500 and the next request starts a new instance:
// one broken request must not break the ones after it.
import "./wasm_exec.js";
import mod from "./app.wasm";
import { createRuntimeContext } from "./runtime.mjs";

// syumai's Go code calls globalThis.tryCatch (as its worker.mjs defines it).
globalThis.tryCatch = (fn) => {
  try {
    return { result: fn() };
  } catch (error) {
    return { error };
  }
};

// The request bodies read for Go, by key (package serve: BodyTable,
// BodyHeader). The keys are random and the header is the loader's alone
// (one sent by a client is dropped), so no request can reach another's
// body.
const bodies = new Map();
globalThis.cnn2snnBodies = bodies;
const bodyHeader = "X-Cnn2snn-Body";

// The running Go instance: {binding, serving, memory}, where serving holds,
// for each request it is serving, the function that answers it if the
// program ends; null before the first request and after the program ends.
let running = null;

// A WebAssembly memory never shrinks: an instance keeps the largest size
// its requests needed. An instance found larger than this when it has
// answered a request takes no new one: it goes once its last request is
// answered, and the next request starts a new one (Go's start-up, a few
// ms), so that a rare large model does not hold the isolate's memory
// (128 MB on Cloudflare) for good. Converting AkidaNet 0.25 or
// MobileNet-VWW takes 27–43 MiB, at any concurrency.
const retireBytes = 64 << 20;

function start(env) {
  const go = new Go();
  // go.run's Promise, which settles when the program ends, is not used:
  // workerd warns when a later request settles a Promise of this one.
  go._resolveExitPromise = () => {};
  const current = { binding: {}, serving: new Set(), ready: false };
  go.exit = (code) => {
    if (running === current) running = null;
    console.error(`cnn2snn worker: the Go program ended (exit status ${code}); the next request starts a new one`);
    for (const end of current.serving) end();
  };
  const instance = new WebAssembly.Instance(mod, { ...go.importObject, workers: { ready: () => (current.ready = true) } });
  current.memory = () => instance.exports.mem.buffer.byteLength;
  // Go's main runs until it waits for requests, having called ready.
  go.run(instance, createRuntimeContext({ env, ctx: undefined, binding: current.binding }));
  if (!current.ready) throw new Error("the Go program ended before it was ready");
  return current;
}

// readBody reads a request body for Go: {bytes, length}, length being the
// body's declared length (Content-Length), or -1. Of a body over Go's limit
// it reads at most limit + 1 bytes and hands Go none, only a length over
// the limit, which Go refuses (413) as it refuses a declared one: a body
// declared too long is not read at all, and the client that waits to send
// it (Expect: 100-continue) does not have to.
async function readBody(req, limit) {
  const declared = req.headers.has("Content-Length") ? Number(req.headers.get("Content-Length")) : -1;
  if (declared > limit) return { bytes: new Uint8Array(0), length: declared };
  if (declared >= 0) return { bytes: new Uint8Array(await req.arrayBuffer()), length: declared };
  const reader = req.body.getReader();
  const chunks = [];
  let size = 0;
  while (size <= limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size > limit) {
    reader.cancel();
    return { bytes: new Uint8Array(0), length: size };
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { bytes, length: -1 };
}

// problem is an answer as the API gives them (package api, writeProblem).
function problem(status, error) {
  const body = JSON.stringify({ error, diagnostics: [] }) + "\n";
  return new Response(body, { status, headers: { "Content-Type": "application/json" } });
}

// failed is the answer to a request whose Go instance ended while serving
// it (or could not take it).
const failed = () =>
  problem(500, "internal error: the converter stopped while handling this request; try again, and please report the model file");

async function fetch(req, env) {
  let end;
  const ended = new Promise((resolve) => (end = () => resolve(null)));
  let go = null;
  let key = null;
  try {
    go = running ?? (running = start(env));
    go.serving.add(end);
    if (req.body || req.headers.has(bodyHeader)) {
      const headers = new Headers(req.headers);
      headers.delete(bodyHeader);
      if (req.body) {
        let body;
        try {
          body = await readBody(req, go.binding.maxBodyBytes);
        } catch (err) {
          return problem(400, `the request body could not be read (${err instanceof Error ? err.message : err}); send it again`);
        }
        key = crypto.randomUUID();
        bodies.set(key, body);
        headers.set(bodyHeader, key);
      }
      req = new Request(req.url, { method: req.method, headers });
    }
    // handleRequest answers with a Response, or nothing if the program
    // ends while it runs.
    const res = await Promise.race([go.binding.handleRequest(req), ended]);
    if (res instanceof Response) return res;
  } catch (err) {
    console.error("cnn2snn worker:", err);
  } finally {
    if (go) {
      go.serving.delete(end);
      if (running === go && go.memory() > retireBytes) running = null;
    }
    if (key) bodies.delete(key);
  }
  return failed();
}

export default { fetch };
