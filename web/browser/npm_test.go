package browser

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// The npm package as a user gets it: make npm-pack's tarball installed by
// npm into a folder of its own, a page of that folder that imports it as
// README shows (its example as written, with README's import map) and
// shows the element, served locally and converting in Chromium; and
// tsc --noEmit checking web/npm/example.ts against the installed typings.
func TestNPM(t *testing.T) {
	tarball, tsc := os.Getenv("CNN2SNN_NPM_TARBALL"), os.Getenv("CNN2SNN_TSC")
	if tarball == "" || tsc == "" {
		t.Skip("npm package test skipped: CNN2SNN_NPM_TARBALL and CNN2SNN_TSC are not set (make test-npm packs the package, installs TypeScript and sets them)")
	}
	info, err := os.Stat(tarball)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d bytes", filepath.Base(tarball), info.Size())

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name": "docs-site", "private": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	run(t, dir, "npm", "install", "--no-audit", "--no-fund", "--loglevel=warn", tarball)
	t.Logf("npm install of the tarball: %.1f s", time.Since(start).Seconds())

	pkg := filepath.Join(dir, "node_modules", "cnn2snn-wasm")
	var manifest struct {
		Name, Version, License, Types string
		Exports                       map[string]any
	}
	readJSON(t, filepath.Join(pkg, "package.json"), &manifest)
	if manifest.Name != "cnn2snn-wasm" || manifest.Version != core.Version || manifest.License != "Apache-2.0" || manifest.Types != "./cnn2snn.d.ts" {
		t.Errorf("the installed package.json says %+v; want cnn2snn-wasm %s, Apache-2.0, ./cnn2snn.d.ts", manifest, core.Version)
	}
	var installed []string
	filepath.WalkDir(pkg, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(pkg, p)
			installed = append(installed, rel)
		}
		return err
	})
	slices.Sort(installed)
	want := []string{"LICENSE", "NOTICE", "README.md", "THIRD_PARTY_LICENSES", "cnn2snn.d.ts", "cnn2snn.js", "cnn2snn.wasm", "index.mjs", "package.json",
		"sample/ATTRIBUTION.md", "sample/mnist_cnn_sequential_keras3.15.keras", "style.css", "ui.wasm", "wasm_exec.js"}
	if !slices.Equal(installed, want) {
		t.Errorf("the package installs\n %q\nwant\n %q", installed, want)
	}
	for _, f := range []string{"cnn2snn.wasm", "ui.wasm", "cnn2snn.js", "wasm_exec.js"} {
		if a, b := readFile(t, filepath.Join(pkg, f)), readFile(t, filepath.Join(os.Getenv("CNN2SNN_DIST"), f)); !bytes.Equal(a, b) {
			t.Errorf("the package's %s is not dist's", f)
		}
	}

	t.Run("tsc", func(t *testing.T) {
		example := readFile(t, fixtures.Repo(t, "web", "npm", "example.ts"))
		write(t, filepath.Join(dir, "example.ts"), example)
		write(t, filepath.Join(dir, "tsconfig.json"), []byte(`{"compilerOptions": {"strict": true, "noEmit": true, "target": "es2022", "module": "es2022",
  "moduleResolution": "bundler", "lib": ["es2022", "dom", "dom.iterable"], "types": []}, "files": ["example.ts"]}`))
		start := time.Now()
		run(t, dir, tsc, "--noEmit", "-p", "tsconfig.json")
		t.Logf("tsc --noEmit: %.1f s (%s)", time.Since(start).Seconds(), strings.TrimSpace(string(output(t, dir, tsc, "--version"))))
		// Typings that took anything would leave the example's
		// @ts-expect-error lines unused, which tsc reports.
		loose := strings.Replace(string(readFile(t, filepath.Join(pkg, "cnn2snn.d.ts"))), `target?: "v1" | "v2" | null;`, `target?: string | null;`, 1)
		write(t, filepath.Join(pkg, "cnn2snn.d.ts"), []byte(loose))
		defer write(t, filepath.Join(pkg, "cnn2snn.d.ts"), readFile(t, fixtures.Repo(t, "web", "npm", "cnn2snn.d.ts")))
		cmd := exec.Command(tsc, "--noEmit", "-p", "tsconfig.json")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "error TS2578: Unused '@ts-expect-error' directive.") {
			t.Errorf("with a loose target, tsc says %v:\n%s", err, out)
		}
	})

	t.Run("page", func(t *testing.T) {
		s := startSession(t)
		readme := readmeExample(t, "js", `from "cnn2snn-wasm"`)
		importMap := regexp.MustCompile("`(\\{\"imports\": \\{\"cnn2snn-wasm\": [^`]*\\})`").FindStringSubmatch(readmeSection(t))
		if importMap == nil {
			t.Fatal("README's In a web page section shows no import map for cnn2snn-wasm")
		}
		model := fixtures.ReadShared(t, "keras", readmeModel)
		write(t, filepath.Join(dir, "my_model.h5"), model)
		write(t, filepath.Join(dir, "index.html"), []byte(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A site that installed cnn2snn-wasm</title><link rel="icon" href="data:,">
<script type="importmap">`+importMap[1]+`</script></head>
<body>
<a id="fbz">Converting…</a>
<script type="module">
`+readme+`
const link = document.querySelector("#fbz");
link.href = URL.createObjectURL(new Blob([fbz]));
link.download = file_name;
link.textContent = file_name;
</script>
<cnn2snn-converter></cnn2snn-converter>
</body></html>
`))
		srv := httptest.NewServer(withWasmType(http.FileServer(http.Dir(dir))))
		t.Cleanup(srv.Close)

		tab := s.newTab(t)
		tab.run(t, chromedp.Navigate(srv.URL+"/index.html"), chromedp.Poll(`!!document.querySelector("#fbz[download]")`, nil))
		want := nativeConvert(t, []core.File{{Name: "my_model.h5", Data: model}}, core.Options{})
		name, fbz := tab.download(t, "#fbz")
		if name != "my_model.fbz" || !bytes.Equal(fbz, want.FBZ) {
			t.Errorf("README's npm example downloads %s (%d bytes); the converter makes %s (%d bytes)", name, len(fbz), want.FileName, len(want.FBZ))
		}
		// load defined the element: it converts the package's sample.
		name, fbz = tab.convertSample(t, shadow)
		if cli := s.cliConvert(t, fixtures.Repo(t, "web", "sample", "mnist_cnn_sequential_keras3.15.keras")); name != "mnist_cnn_sequential_keras3.15.fbz" || !bytes.Equal(fbz, cli) {
			t.Errorf("the element downloads %s (%d bytes); the CLI converts the sample to %d bytes", name, len(fbz), len(cli))
		}
		tab.screenshot(t, "npm-page")
		if off := s.offsite.all(); len(off) > 0 {
			t.Errorf("requests to other hosts than 127.0.0.1: %s", strings.Join(off, ", "))
		}
	})
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	output(t, dir, name, args...)
}

func output(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
