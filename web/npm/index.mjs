// cnn2snn-wasm as an ES module: load() puts the converter's loader
// (cnn2snn.js) in the page from the folder that holds the package's files,
// the way a script tag does, and resolves with its API once the worker has
// started. The loader also defines <cnn2snn-converter>.

let loading = null; // one loader per page

export function load({ base = new URL(".", import.meta.url) } = {}) {
  if (loading) return loading;
  if (globalThis.cnn2snn && globalThis.cnn2snn.base) return (loading = globalThis.cnn2snn.ready);
  let folder = String(base);
  if (!folder.endsWith("/")) folder += "/"; // "/assets/cnn2snn" names the folder, not a file in /assets
  const src = new URL("cnn2snn.js", new URL(folder, document.baseURI)).href;
  loading = new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src });
    script.onload = () => globalThis.cnn2snn.ready.then(resolve, reject);
    script.onerror = () => {
      loading = null;
      reject(new Error(`${src} did not load: base (${base}) must be the URL of the folder that holds the package's files`));
    };
    document.head.append(script);
  });
  return loading;
}
