// cnn2snn.js: the converter's loader, the only hand-written JavaScript.
//
// In a page, it defines globalThis.cnn2snn: the same API as cnn2snn.wasm
// (inspect, check, convert, summary, verify; see wasm/api.go), as a proxy that runs
// every call in a Web Worker so the page never freezes. Files and Blobs may
// stand for bytes: the worker reads them. cnn2snn.ready is a
// Promise that settles when the worker has started (or failed to);
// cnn2snn.lastCall is {fn, workerMs, memory} of the last call answered: the
// time the worker spent on it and the size of the worker's WebAssembly
// memory, which only grows, so it is the worker's peak.
// With data-mount="#selector" on its script tag, it also starts the
// converter page (ui.wasm) inside that element.
//
// In the Web Worker (started from this same file), it runs cnn2snn.wasm and
// answers the page's calls.
//
// Every URL is relative to this file, so the site works from any folder of
// any static host, with no request to another host.
"use strict";
(() => {
  const CALLS = ["inspect", "check", "convert", "summary", "verify"];

  // compile fetches and compiles a Go wasm binary. It needs nothing of Go's
  // wasm_exec.js, so it starts before that script is loaded. Streaming
  // compilation needs the application/wasm type, which some static hosts do
  // not send.
  async function compile(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
    if (response.headers.get("Content-Type") === "application/wasm") {
      return WebAssembly.compileStreaming(response);
    }
    return WebAssembly.compile(await response.arrayBuffer());
  }

  // awaitedLater is compile's Promise, with its failure left for whoever awaits
  // it later (not reported as unhandled meanwhile).
  const awaitedLater = (compiling) => {
    compiling.catch(() => {});
    return compiling;
  };

  const message = (err) => (err instanceof Error ? err.message : String(err));

  // readFiles replaces the Files and Blobs of a call's arguments (the model
  // files of the input, a calibration .npy) by their bytes. A page hands the
  // files it was given to the worker as they are (posting a File copies no
  // bytes), and they are read here, once, off the page's thread.
  async function readFiles([input, options]) {
    const read = async (blob, name) => {
      try {
        return new Uint8Array(await blob.arrayBuffer());
      } catch (err) {
        throw new Error(`${name} could not be read: ${message(err)}`);
      }
    };
    if (input instanceof Blob) input = await read(input, input.name || "the model file");
    if (Array.isArray(input)) {
      input = await Promise.all(
        input.map(async (f) => (f && f.bytes instanceof Blob ? { ...f, bytes: await read(f.bytes, f.name) } : f))
      );
    }
    if (options && options.calibration instanceof Blob) {
      options = { ...options, calibration: await read(options.calibration, options.calibration.name || "the calibration file") };
    }
    return [input, options];
  }

  if (typeof document === "undefined") {
    // The Web Worker: run cnn2snn.wasm, which sets self.cnn2snn.
    const module = awaitedLater(compile("cnn2snn.wasm"));
    importScripts("wasm_exec.js");
    const go = new Go();
    let memory = () => 0;
    const ready = module
      .then((mod) => WebAssembly.instantiate(mod, go.importObject))
      .then((instance) => {
        memory = () => instance.exports.mem.buffer.byteLength;
        go.run(instance); // runs main up to its wait for calls
        return self.cnn2snn;
      });
    ready.then(
      (api) => postMessage({ ready: api.version }),
      (err) => postMessage({ fatal: `the converter could not start: ${message(err)}` })
    );
    onmessage = async ({ data: { id, fn, args, progress } }) => {
      const t0 = performance.now();
      const stats = () => ({ workerMs: performance.now() - t0, memory: memory() });
      try {
        const api = await ready;
        if (!CALLS.includes(fn) || typeof api[fn] !== "function") {
          throw new Error(`cnn2snn.${fn} is not a function of this converter`);
        }
        const [input, options] = await readFiles(args);
        const opts = progress
          ? { ...options, onProgress: (stage, fraction) => postMessage({ id, progress: { stage, fraction } }) }
          : options;
        const result = await api[fn](input, opts);
        // Hand the .fbz over instead of copying it.
        postMessage({ id, result, stats: stats() }, result && result.fbz instanceof Uint8Array ? [result.fbz.buffer] : []);
      } catch (err) {
        // A model that does not convert: the Error carries its report.
        postMessage({ id, error: message(err), report: err && err.report, stats: stats() });
      }
    };
    return;
  }

  // The page.
  const script = document.currentScript;
  const base = new URL(".", script.src);
  const worker = new Worker(new URL("cnn2snn.js", base));
  const pending = new Map();
  let nextID = 0;
  let failure = null;
  let settle;
  const api = {
    version: undefined,
    lastCall: undefined,
    ready: new Promise((resolve, reject) => (settle = { resolve, reject })),
  };
  api.ready.catch(() => {}); // a failure also rejects every call, which reports it

  const fail = (err) => {
    failure = err;
    settle.reject(err);
    for (const call of pending.values()) call.reject(err);
    pending.clear();
  };
  worker.onmessage = ({ data }) => {
    if ("ready" in data) {
      api.version = data.ready;
      settle.resolve(api);
      return;
    }
    if ("fatal" in data) return fail(new Error(data.fatal));
    const call = pending.get(data.id);
    if (!call) return;
    if ("progress" in data) {
      if (call.onProgress) call.onProgress(data.progress.stage, data.progress.fraction);
      return;
    }
    pending.delete(data.id);
    api.lastCall = { fn: call.fn, ...data.stats };
    if ("error" in data) call.reject(Object.assign(new Error(data.error), data.report ? { report: data.report } : {}));
    else call.resolve(data.result);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    fail(new Error(`the converter could not start: ${event.message || "cnn2snn.js did not load in a Web Worker"}`));
  };

  const call = (fn) => (input, options) => {
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      const id = ++nextID;
      let onProgress = null;
      if (options && typeof options.onProgress === "function") {
        onProgress = options.onProgress;
        options = { ...options };
        delete options.onProgress; // functions cannot be posted to a worker
      }
      try {
        worker.postMessage({ id, fn, args: [input, options], progress: onProgress !== null });
      } catch (err) {
        reject(new Error(`cnn2snn.${fn}: ${message(err)}`));
        return;
      }
      pending.set(id, { fn, resolve, reject, onProgress });
    });
  };
  for (const fn of CALLS) api[fn] = call(fn);
  globalThis.cnn2snn = api;

  const mount = script.dataset.mount;
  if (mount) startUI(mount);

  // startUI runs the converter page (ui.wasm) in the element mount selects.
  // Its arguments tell it where to render and where its files are.
  async function startUI(selector) {
    const el = document.querySelector(selector);
    if (!el) {
      console.error(`cnn2snn.js: data-mount="${selector}" matches no element`);
      return;
    }
    const css = new URL("style.css", base).href;
    if (![...document.styleSheets].some((s) => s.href === css)) {
      document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: css }));
    }
    el.classList.add("cnn2snn");
    el.textContent = "Loading the converter…";
    try {
      const module = awaitedLater(compile(new URL("ui.wasm", base)));
      await new Promise((resolve, reject) => {
        const s = Object.assign(document.createElement("script"), { src: new URL("wasm_exec.js", base).href });
        s.onload = resolve;
        s.onerror = () => reject(new Error(`${s.src} did not load`));
        document.head.append(s);
      });
      const go = new Go();
      go.argv = ["ui.wasm", selector, base.href];
      let status = 0;
      go.exit = (code) => (status = code);
      const instance = await WebAssembly.instantiate(await module, go.importObject);
      el.textContent = "";
      await go.run(instance); // returns only if the page's Go program ends
      throw new Error(`the page stopped (exit status ${status}); the browser console says why. Reload the page`);
    } catch (err) {
      el.textContent = `The converter could not start: ${message(err)}`;
      el.classList.add("cnn2snn-failed");
    }
  }
})();
