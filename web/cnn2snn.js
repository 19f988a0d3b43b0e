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
// converter page (ui.wasm) inside that element; and it defines the element
// <cnn2snn-converter>, which starts the page inside a shadow root of its
// own, out of reach of the host page's styles (and the host's out of its).
//
// In the Web Worker (started from this same file), it runs cnn2snn.wasm and
// answers the page's calls.
//
// Every URL is relative to this file, so the site works from any folder of
// any static host, and from another origin than the page's: there the
// worker starts from a Blob of the page's origin that loads this file from
// its own URL, and the converter's files need the CORS header
// Access-Control-Allow-Origin (a missing one is named, with the file).
"use strict";
(() => {
  const CALLS = ["inspect", "check", "convert", "summary", "verify"];
  const ELEMENT = "cnn2snn-converter";

  const message = (err) => (err instanceof Error ? err.message : String(err));

  // fetchFile fetches one of the converter's files. A fetch fails without
  // saying why (a TypeError), so for a file of another origin it asks
  // again without CORS: an answer then means the server is there and the
  // browser refused its answer for want of the CORS header.
  async function fetchFile(url) {
    url = String(url);
    let response;
    try {
      response = await fetch(url);
    } catch (err) {
      throw await fetchFailure(url, err);
    }
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
    return response;
  }

  async function fetchFailure(url, err) {
    const here = self.location.origin; // a Blob worker's is its page's
    const there = new URL(url).origin;
    if (there === here) return new Error(`${url} could not be fetched: ${message(err)}`);
    try {
      await fetch(url, { mode: "no-cors", cache: "no-store" });
    } catch {
      return new Error(`${url} could not be fetched: the server at ${there} did not answer (${message(err)})`);
    }
    return new Error(
      `the browser blocked ${url}: this page (${here}) loads the converter from another origin (${there}), ` +
        `whose server must send the header "Access-Control-Allow-Origin: *" (or "Access-Control-Allow-Origin: ${here}") ` +
        `with the converter's files, and did not send it with ${url.slice(url.lastIndexOf("/") + 1)}. ` +
        `Add the header on ${there}, or publish the converter's files on this page's origin`
    );
  }

  // compile fetches and compiles a Go wasm binary. It needs nothing of Go's
  // wasm_exec.js, so it starts before that script is loaded. Streaming
  // compilation needs the application/wasm type, which some static hosts do
  // not send.
  async function compile(url) {
    const response = await fetchFile(url);
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
    // The Web Worker: run cnn2snn.wasm, which sets self.cnn2snn. Started
    // from a Blob (the page is of another origin), it is told where its
    // files are; otherwise they are beside this script.
    const base = self.cnn2snnBase ? new URL(self.cnn2snnBase) : new URL(".", self.location.href);
    const module = awaitedLater(compile(new URL("cnn2snn.wasm", base)));
    importScripts(new URL("wasm_exec.js", base).href);
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
  if (globalThis.cnn2snn && globalThis.cnn2snn.base) {
    // Loaded twice (a script tag and the npm module's load, or two tags):
    // the first one's worker and element serve; a data-mount still mounts.
    if (script && script.dataset.mount) globalThis.cnn2snn.mount(script.dataset.mount);
    return;
  }
  const base = new URL(".", script.src);

  // startWorker starts the converter's worker from this script. A Worker
  // runs only a script of the page's origin, so for a page of another one
  // it starts from a Blob (of the page's origin) that loads this script,
  // and the converter's files, from their own folder.
  function startWorker() {
    const url = new URL("cnn2snn.js", base);
    if (url.origin === location.origin) return { worker: new Worker(url), revoke: () => {}, fromBlob: false };
    const source = `self.cnn2snnBase = ${JSON.stringify(base.href)};\nimportScripts(${JSON.stringify(url.href)});\n`;
    const blob = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    try {
      return { worker: new Worker(blob), revoke: () => URL.revokeObjectURL(blob), fromBlob: true };
    } catch (err) {
      URL.revokeObjectURL(blob);
      throw new Error(blobRefused(message(err)));
    }
  }

  // blobRefused says why a worker started from a Blob did not load: a
  // Content-Security-Policy that does not allow blob: workers refuses it,
  // in Chromium with an error event that says nothing.
  const blobRefused = (why) =>
    `its Web Worker did not start (${why}): the converter's files are on another origin than this page, so it starts from a blob: URL, ` +
    `which this page's Content-Security-Policy must allow (worker-src blob:)`;

  const pending = new Map();
  let nextID = 0;
  let failure = null;
  let settle;
  const api = {
    version: undefined,
    lastCall: undefined,
    base: base.href,
    ready: new Promise((resolve, reject) => (settle = { resolve, reject })),
  };
  api.ready.catch(() => {}); // a failure also rejects every call, which reports it

  const fail = (err) => {
    failure = err;
    settle.reject(err);
    for (const call of pending.values()) call.reject(err);
    pending.clear();
  };
  let worker = null;
  try {
    const started = startWorker();
    worker = started.worker;
    worker.onmessage = ({ data }) => {
      started.revoke(); // the worker has its script
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
      started.revoke();
      const why = event.message || (started.fromBlob ? blobRefused("the browser refused it") : "cnn2snn.js did not load in a Web Worker");
      fail(new Error(`the converter could not start: ${why}`));
    };
  } catch (err) {
    fail(new Error(`the converter could not start: ${message(err)}`));
  }

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
  // mount starts the converter page in the element a selector selects (what
  // data-mount does).
  api.mount = (selector) => {
    const el = document.querySelector(selector);
    if (!el) {
      console.error(`cnn2snn.js: data-mount="${selector}" matches no element`);
      return;
    }
    const css = new URL("style.css", base).href;
    if (![...document.styleSheets].some((s) => s.href === css)) {
      document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: css }));
    }
    startUI(el, selector, {});
  };
  globalThis.cnn2snn = api;

  // Vugu's renderer keeps its state in globals of the window
  // (window.vuguState: the mount element, its event handlers), so a page
  // runs one converter page: the first element to start it keeps it.
  let uiElement = null;

  // startUI runs the converter page (ui.wasm) in el. Its arguments tell it
  // where it is (the selector, for messages), where its files are and the
  // settings of a <cnn2snn-converter> element (its attributes).
  async function startUI(el, selector, settings) {
    el.classList.add("cnn2snn");
    if (uiElement) {
      el.textContent = `The converter could not start here: this page already shows it (in ${describe(uiElement)}), and a page holds one.`;
      el.classList.add("cnn2snn-failed");
      return;
    }
    uiElement = el;
    el.textContent = "Loading the converter…";
    try {
      const module = awaitedLater(compile(new URL("ui.wasm", base)));
      if (typeof Go === "undefined") {
        await new Promise((resolve, reject) => {
          const s = Object.assign(document.createElement("script"), { src: new URL("wasm_exec.js", base).href });
          s.onload = resolve;
          s.onerror = () => reject(new Error(`${s.src} did not load`));
          document.head.append(s);
        });
      }
      const go = new Go();
      go.argv = ["ui.wasm", selector, base.href];
      if (Object.keys(settings).length > 0) go.argv.push(JSON.stringify(settings));
      let status = 0;
      go.exit = (code) => (status = code);
      const instance = await WebAssembly.instantiate(await module, go.importObject);
      el.textContent = "";
      if (el.getRootNode() !== document) {
        // Vugu finds its mount element with document.querySelector, which
        // does not see into a shadow root; it takes the element from its
        // state when it has one (domrender's renderer-js-script.js, Vugu
        // v0.4.0), so the element is handed to it there.
        window.vuguState = { mountPointEl: el };
      }
      await go.run(instance); // returns only if the page's Go program ends
      throw new Error(`the page stopped (exit status ${status}); the browser console says why. Reload the page`);
    } catch (err) {
      el.textContent = `The converter could not start: ${message(err)}`;
      el.classList.add("cnn2snn-failed");
    }
  }

  function describe(el) {
    const host = el.getRootNode().host;
    if (host) return `<${host.localName}>`;
    return el.id ? `#${el.id}` : `<${el.localName}>`;
  }

  // <cnn2snn-converter>: the converter page in a shadow root. Its
  // attributes set the options the page starts with, in the command line's
  // names and forms (target="v2", input-scaling="255,0", quantize="4,4,8",
  // input-is-image="false"), and the model its sample button opens
  // (sample="models/my_model.h5", relative to the page). They are read
  // once, when the element is first put in the page.
  class ConverterElement extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return; // moved: the page it holds goes on
      const root = this.attachShadow({ mode: "open" });
      // The host page's inherited styles (font, color, spacing) stop at the
      // frame; style.css's rules apply inside the shadow root only.
      const style = document.createElement("style");
      style.textContent = ":host { display: block; } .cnn2snn-frame { all: initial; display: block; }";
      const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: new URL("style.css", base).href });
      const frame = Object.assign(document.createElement("div"), { className: "cnn2snn-frame" });
      const mount = document.createElement("div");
      frame.append(mount);
      root.append(style, link, frame);
      startUI(mount, ELEMENT, this.settings());
    }

    // settings are the attributes the page reads (HTML's own, data-* and
    // aria-* aside, so that a misspelt one is reported, not ignored).
    settings() {
      const own = /^(id|class|style|slot|part|hidden|title|lang|dir|tabindex|inert|is|nonce|autofocus|data-.*|aria-.*|on.*)$/;
      const settings = {};
      for (const { name, value } of this.attributes) {
        if (own.test(name)) continue;
        settings[name] = name === "sample" ? new URL(value, document.baseURI).href : value;
      }
      return settings;
    }
  }
  if (!customElements.get(ELEMENT)) customElements.define(ELEMENT, ConverterElement);

  if (script.dataset.mount) api.mount(script.dataset.mount);
})();
