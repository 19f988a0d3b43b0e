package browser

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// sitePath is where the tests serve the site: a sub-path, as on a
// documentation host, so that every URL the page uses must be relative.
const sitePath = "/docs/cnn2snn/"

// session is one served site and one headless Chromium.
type session struct {
	site      string          // the site's URL, ending in sitePath
	browser   context.Context // the browser; tabs are opened from it
	artifacts string          // where screenshots go
	requests  *requestLog     // what the pages requested (not their workers)
	offsite   *requestLog     // requests that tried to leave 127.0.0.1

	cliOnce sync.Once
	cliPath string // the native CLI, built on first use
}

// cli returns the path of the native CLI (tools/cnn2snn), building it on
// first use.
func (s *session) cli(tb testing.TB) string {
	tb.Helper()
	s.cliOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cnn2snn-cli-")
		if err != nil {
			tb.Fatal(err)
		}
		bin := filepath.Join(dir, "cnn2snn")
		build := exec.Command("go", "build", "-o", bin, "./tools/cnn2snn")
		build.Dir = fixtures.RepoRoot(tb)
		if out, err := build.CombinedOutput(); err != nil {
			tb.Fatalf("building tools/cnn2snn: %v\n%s", err, out)
		}
		s.cliPath = bin
	})
	if s.cliPath == "" {
		tb.Fatal("the CLI did not build")
	}
	return s.cliPath
}

// cliConvert runs `cnn2snn convert -m MODEL -o OUT` with the CLI's
// defaults (the page's too) and returns the .fbz it wrote.
func (s *session) cliConvert(tb testing.TB, model string) []byte {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "out.fbz")
	cmd := exec.Command(s.cli(tb), "convert", "-m", model, "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("cnn2snn convert -m %s: %v\n%s", model, err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// startSession serves $CNN2SNN_DIST with tools/serve on a free port and
// starts Chromium. It skips when the site or the browser is missing.
func startSession(tb testing.TB) *session {
	tb.Helper()
	dist := os.Getenv("CNN2SNN_DIST")
	if dist == "" {
		tb.Skip("browser tests skipped: CNN2SNN_DIST is not set (make test-browser builds dist/ and sets it)")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		tb.Skipf("browser tests skipped: no Chromium at %s (.ci/run installs Debian's chromium; set CHROMIUM to use another)", chromium)
	}
	artifacts := os.Getenv("CNN2SNN_ARTIFACTS")
	if artifacts == "" {
		artifacts = fixtures.Repo(tb, "artifacts")
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		tb.Fatal(err)
	}
	offsite := &requestLog{}
	s := &session{
		site:      startServer(tb, dist),
		browser:   startBrowser(tb, chromium, startTrap(tb, offsite)),
		artifacts: artifacts,
		requests:  &requestLog{},
		offsite:   offsite,
	}
	tb.Cleanup(func() {
		if s.cliPath != "" {
			os.RemoveAll(filepath.Dir(s.cliPath))
		}
	})
	return s
}

// startTrap starts the browser's proxy: Chromium sends it every request
// for a host other than 127.0.0.1 (loopback bypasses proxies), from pages
// and Web Workers alike. It records them and answers 502, so the tests
// both see and block any request that would leave the machine.
func startTrap(tb testing.TB, log *requestLog) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r.Method + " " + r.Host + r.URL.RequestURI())
		http.Error(w, "the converter must work offline", http.StatusBadGateway)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// startServer builds and starts tools/serve, and reads the URL it prints.
func startServer(tb testing.TB, dist string) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "serve")
	build := exec.Command("go", "build", "-o", bin, "./tools/serve")
	build.Dir = fixtures.RepoRoot(tb)
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("building tools/serve: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-dir", dist, "-path", sitePath)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("tools/serve printed no URL: %v", err)
	}
	fields := strings.Fields(line) // "serving DIR at URL"
	return fields[len(fields)-1]
}

// chromiumServices are the domains of the services headless Chromium 156
// calls by itself, from any page (even about:blank): component updater,
// network time, account check, autofill and optimization hints, all on
// *.googleapis.com and *.google.com. The converter has no reason to call
// them; the trap cannot see if it did.
const chromiumServices = "*.googleapis.com;*.google.com"

func startBrowser(tb testing.TB, chromium, proxy string) context.Context {
	tb.Helper()
	// Chromium's profile is removed by hand after the browser is gone:
	// its helper processes may still be writing when TempDir's cleanup
	// would run.
	profile, err := os.MkdirTemp("", "cnn2snn-chromium-")
	if err != nil {
		tb.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("enable-precise-memory-info", true), // unrounded performance.memory for the benchmarks
		// Every host but 127.0.0.1 goes to the trap, except Chromium's own
		// services, which it calls on its own from any page (even
		// about:blank): they are sent around the trap to an address that
		// does not resolve, so the trap sees only what pages and workers ask.
		chromedp.ProxyServer(proxy),
		chromedp.Flag("proxy-bypass-list", chromiumServices),
		chromedp.Flag("host-resolver-rules", "MAP "+strings.ReplaceAll(chromiumServices, ";", " ~NOTFOUND, MAP ")+" ~NOTFOUND"),
	)
	opts = append(opts, extraFlags(tb)...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc, chromedp.WithErrorf(quietErrorf))
	tb.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Run(browser); err != nil {
		tb.Fatalf("starting %s: %v", chromium, err)
	}
	return browser
}

// extraFlags are the Chromium flags in $CNN2SNN_CHROMIUM_FLAGS, e.g.
// "--js-flags=--no-liftoff": a way to study the page's figures under
// other engine settings (make bench-web CHROMIUM_FLAGS=…), never something
// the product relies on.
func extraFlags(tb testing.TB) []chromedp.ExecAllocatorOption {
	var opts []chromedp.ExecAllocatorOption
	for _, f := range strings.Fields(os.Getenv("CNN2SNN_CHROMIUM_FLAGS")) {
		name, value, hasValue := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if !hasValue {
			opts = append(opts, chromedp.Flag(name, true))
			continue
		}
		opts = append(opts, chromedp.Flag(name, value))
	}
	if len(opts) > 0 {
		tb.Logf("extra Chromium flags: %s", os.Getenv("CNN2SNN_CHROMIUM_FLAGS"))
	}
	return opts
}

// quietErrorf logs chromedp's errors except the one its cdproto (2023)
// prints for every event of a newer Chromium that it cannot parse.
func quietErrorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if strings.Contains(msg, "could not unmarshal event") {
		return
	}
	log.Print(msg)
}

// requestLog records every URL the pages request.
type requestLog struct {
	mu   sync.Mutex
	urls []string
}

func (l *requestLog) add(u string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.urls = append(l.urls, u)
}

func (l *requestLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.urls...)
}

// tab is one browser tab.
type tab struct {
	ctx     context.Context
	s       *session
	console *requestLog // console messages and exceptions, for failure reports
}

// newTab opens a tab that records its requests and console output.
func (s *session) newTab(tb testing.TB) *tab {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(s.browser)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	tb.Cleanup(func() {
		cancelTimeout()
		cancel()
	})
	t := &tab{ctx: ctx, s: s, console: &requestLog{}}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			s.requests.add(ev.Request.URL)
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			t.console.add(string(ev.Type) + ": " + strings.Join(parts, " "))
		case *runtime.EventExceptionThrown:
			t.console.add("exception: " + ev.ExceptionDetails.Error())
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		tb.Fatal(err)
	}
	return t
}

// run runs chromedp actions, failing the test with the page's console
// output when they fail.
func (t *tab) run(tb testing.TB, actions ...chromedp.Action) {
	tb.Helper()
	if err := chromedp.Run(t.ctx, actions...); err != nil {
		tb.Fatalf("%v\nbrowser console:\n  %s", err, strings.Join(t.console.all(), "\n  "))
	}
}
