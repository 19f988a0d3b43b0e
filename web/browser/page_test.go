package browser

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

func TestPage(t *testing.T) {
	s := startSession(t)
	t.Run("ready", func(t *testing.T) {
		tab := s.newTab(t)
		tab.open(t, "")
		var footer string
		tab.run(t, chromedp.Text(".cnn2snn-footer", &footer, chromedp.ByQuery))
		if !strings.Contains(footer, "cnn2snn-wasm 0.1.0") {
			t.Errorf("footer %q lacks the version", footer)
		}
		tab.screenshot(t, "ready")
	})

	// An .fbz is shown as an Akida model: its summary and its layers.
	t.Run("fbz by file input", func(t *testing.T) {
		tab := s.newTab(t)
		tab.open(t, "")
		tab.upload(t, fixtures.Shared(t, "akida", "v233_ei_pose_fc.fbz"))
		tab.await(t, ".cnn2snn-summary-text")
		// The fixture README: InputData + 4 FullyConnected, 51 features → 4 classes.
		want := []string{"sequential_6_input", "dense", "dense_1", "dense_2", "y_pred"}
		if got := tab.blocks(t); !slices.Equal(got, want) {
			t.Errorf("blocks %q, want %q", got, want)
		}
		summary := tab.text(t, ".cnn2snn-summary-text")
		for _, line := range []string{"[1, 1, 51]   [1, 1, 4]     1          5", "y_pred (Fully.)   [1, 1, 4]     (1, 1, 10, 4)"} {
			if !strings.Contains(summary, line) {
				t.Errorf("summary lacks %q:\n%s", line, summary)
			}
		}
		facts := tab.facts(t)
		if facts[".fbz size"] != "6,500 bytes" || facts["Written by"] != "akida 2.3.3" || facts["Akida layers"] != "5" {
			t.Errorf("facts %v", facts)
		}
		if got := squeeze(tab.text(t, ".cnn2snn-downloads")); got != "Download the summary (JSON)" {
			t.Errorf("downloads %q", got)
		}
		tab.screenshot(t, "fbz-summary")
	})

	// Broken input gives a message on the page, never a blank page.
	t.Run("broken files", func(t *testing.T) {
		tab := s.newTab(t)
		tab.open(t, "")
		tab.upload(t, writeTemp(t, "picture.png", []byte("\x89PNG\r\n\x1a\n0000")))
		want := "this is not a Keras model file (it is a PNG image); give a .h5 or .keras file saved with model.save, a weights .h5 with its model .json, or a TF.js model.json with its .bin files"
		if got := tab.awaitError(t); got != want {
			t.Errorf("error\n got  %s\n want %s", got, want)
		}

		whole := fixtures.ReadShared(t, "keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5")
		truncated := file{"akidanet_truncated.h5", whole[:65536]}
		_, err := keras.Load([]keras.File{{Name: truncated.Name, Data: truncated.Data}})
		if err == nil {
			t.Fatal("the truncated file loads natively")
		}
		tab.drop(t, truncated)
		tab.run(t, chromedp.Poll(`document.querySelector(".cnn2snn-file-list").textContent.includes("akidanet_truncated.h5")`, nil))
		if got := tab.awaitError(t); got != err.Error() {
			t.Errorf("error\n got  %s\n want %s (as core says natively)", got, err.Error())
		}
		tab.screenshot(t, "broken-file")
	})

	// The embed: two lines in a documentation page mount the converter.
	t.Run("embed", func(t *testing.T) {
		tab := s.newTab(t)
		tab.open(t, "embed.html")
		var inFrame bool
		tab.eval(t, `!!document.querySelector(".doc-frame > .cnn2snn[data-ready='true'] .cnn2snn-drop")`, &inFrame)
		if !inFrame {
			t.Error("the converter is not mounted inside the page's frame")
		}
		if got := tab.text(t, "h1"); got != "Converting your model" {
			t.Errorf("the page's own heading is %q", got)
		}
		tab.upload(t, fixtures.Shared(t, "akida", "v233_ei_pose_fc.fbz"))
		tab.await(t, ".cnn2snn-summary-text")
		tab.screenshot(t, "embed")
	})
	// Last: no page or worker of the tests above asked another host for
	// anything; then a worker that does is caught, so the check works.
	t.Run("offline", func(t *testing.T) {
		if off := s.offsite.all(); len(off) > 0 {
			t.Errorf("requests to other hosts than 127.0.0.1: %s", strings.Join(off, ", "))
		}
		tab := s.newTab(t)
		const leak = `new Worker(URL.createObjectURL(new Blob(['fetch("http://offline-check.invalid/from-a-worker")'])))`
		tab.run(t, chromedp.Navigate(s.site), chromedp.Evaluate(leak, nil), chromedp.Poll(`true`, nil))
		deadline := time.Now().Add(10 * time.Second)
		for len(s.offsite.all()) == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if got := strings.Join(s.offsite.all(), ", "); got != "GET offline-check.invalid/from-a-worker" {
			t.Errorf("the trap saw %q, want the worker's request GET offline-check.invalid/from-a-worker", got)
		}
	})
}
