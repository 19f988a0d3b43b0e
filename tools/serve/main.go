// Command serve serves the built site (dist/) over HTTP: `make serve` uses it
// to run the converter page locally, and the browser tests use it to load
// the page from a real server, optionally under a sub-path.
//
//	serve [-addr 127.0.0.1:8080] [-dir dist] [-path /]
//
// It prints the URL it serves at on its first line of output, so a test can
// start it on a free port (-addr 127.0.0.1:0) and read where it went.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on; port 0 picks a free port")
	dir := fs.String("dir", "dist", "directory to serve (the output of make dist)")
	prefix := fs.String("path", "/", "URL path to serve the site under, e.g. /docs/cnn2snn/ to try sub-path hosting")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	h, err := newHandler(*dir, *prefix)
	if err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "serving %s at http://%s%s\n", *dir, ln.Addr(), cleanPrefix(*prefix))
	if err := http.Serve(ln, h); err != nil {
		fmt.Fprintf(stderr, "serve: %v\n", err)
		return 1
	}
	return 0
}

// cleanPrefix makes a URL path prefix start and end with "/".
func cleanPrefix(p string) string {
	p = "/" + strings.Trim(p, "/") + "/"
	if p == "//" {
		return "/"
	}
	return p
}

// newHandler serves the files of dir under the URL path prefix. It refuses
// to start on a directory without index.html, the usual mistake of serving
// before building.
func newHandler(dir, prefix string) (http.Handler, error) {
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s has no index.html: build the site first with make dist", dir)
		}
		return nil, err
	}
	prefix = cleanPrefix(prefix)
	files := http.StripPrefix(strings.TrimSuffix(prefix, "/"), http.FileServer(http.Dir(dir)))
	mux := http.NewServeMux()
	mux.Handle(prefix, withHeaders(files))
	if prefix != "/" {
		// Only the site's own path exists, as on a host where the site
		// lives in a sub-folder: a request outside it is a broken URL.
		mux.Handle("/", http.NotFoundHandler())
	}
	return mux, nil
}

// withHeaders sets the headers the page relies on. WebAssembly streaming
// compilation refuses any type but application/wasm, so it is set here
// rather than left to the system's MIME table; no-cache makes a rebuilt
// dist/ show up on reload.
func withHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}
