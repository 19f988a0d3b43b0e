// Package core is the facade that every front end (the CLI, the wasm API,
// the Cloudflare Worker and the Vugu UI) calls: it takes model files as
// bytes plus options and returns reports and .fbz bytes. Nothing in core
// knows about JavaScript, HTTP or files on disk.
package core

// Version is the version of cnn2snn-wasm, shown by every front end.
const Version = "0.1.0"
