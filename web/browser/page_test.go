package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/web/ui"
)

// pageDefaults are the options the page converts with before the user
// changes any: cnn2snn's defaults, float models quantized 4/4/8.
func pageDefaults() core.Options {
	image := true
	return core.Options{InputIsImage: &image, Quantize: core.QuantizeOptions{Weights: 4, Activations: 4, InputWeights: 8}, Target: "v1"}
}

// nativeConvert is what the CLI does with the same files and options.
func nativeConvert(t *testing.T, files []core.File, o core.Options) *core.ConvertResult {
	t.Helper()
	r, err := core.Convert(files, o)
	if err != nil {
		t.Fatalf("the converter refuses %s natively: %v", files[0].Name, err)
	}
	return r
}

func blockNames(blocks []compat.Block) []string {
	names := make([]string, len(blocks))
	for i, b := range blocks {
		names[i] = b.AkidaLayer
	}
	return names
}

func diagnosticOf(r *core.CheckReport, layer string) compat.Diagnostic {
	for _, d := range r.Diagnostics {
		if d.Layer == layer {
			return d
		}
	}
	return compat.Diagnostic{}
}

// distWithout copies the built site without one file.
func distWithout(t *testing.T, missing string) string {
	t.Helper()
	src := os.Getenv("CNN2SNN_DIST")
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if rel == missing {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// pageVerification is a native verification as the page decodes it from
// the API's JSON, to format it as the page does.
func pageVerification(t *testing.T, r *core.VerifyReport) *ui.VerifyReport {
	t.Helper()
	text, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var v ui.VerifyReport
	if err := json.Unmarshal(text, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

// sizeText is the page's way of writing a byte count (web/ui).
func sizeText(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

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
		if facts[".fbz size"] != "6,500 bytes" || facts["akida version"] != "2.3.3" || facts["Akida layers"] != "5" {
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

	// AkidaNet dropped on the page: its blocks, the input scaling taken
	// from its Rescaling layer, and an .fbz equal to the converter's.
	t.Run("AkidaNet by drop", func(t *testing.T) {
		const name = "akidanet_imagenet_224_alpha_25_keras2.10.h5"
		data := fixtures.ReadShared(t, "keras", name)
		tab := s.newTab(t)
		tab.open(t, "")
		tab.drop(t, file{name, data})
		tab.await(t, downloadLink(".fbz"))

		// The fixture README: Conv2D×4 (the first one the input layer),
		// SeparableConv2D×10, Dense(1000); names from its model_config.
		want := []string{"conv_0", "conv_1", "conv_2", "conv_3"}
		for i := 4; i <= 13; i++ {
			want = append(want, fmt.Sprintf("separable_%d", i))
		}
		want = append(want, "classifier")
		if got := tab.blocks(t); !slices.Equal(got, want) {
			t.Errorf("blocks\n got  %q\n want %q", got, want)
		}
		var types []string
		tab.eval(t, `[...document.querySelectorAll(".cnn2snn-akida-type")].map(e => e.textContent)`, &types)
		if len(types) != 15 || types[0] != "InputConvolutional" || types[1] != "Convolutional" || types[4] != "SeparableConvolutional" || types[14] != "FullyConnected" {
			t.Errorf("Akida types %q", types)
		}
		// Rescaling(scale=1/128, offset=-1): cnn2snn's input scaling is
		// (1/scale, -offset/scale) = (128, 128).
		if got := tab.text(t, ".cnn2snn-scaling-note"); got != "Used (128, 128), taken from the Rescaling layer rescaling." {
			t.Errorf("scaling note %q", got)
		}
		if got := tab.text(t, ".cnn2snn-verdict"); got != "Compatible with Akida 1.0." {
			t.Errorf("verdict %q", got)
		}

		want8 := nativeConvert(t, []core.File{{Name: name, Data: data}}, pageDefaults())
		gotName, fbz := tab.download(t, downloadLink(".fbz"))
		if gotName != "akidanet_imagenet_224_alpha_25_keras2.10.fbz" || gotName != want8.FileName {
			t.Errorf("download name %q, converter's %q", gotName, want8.FileName)
		}
		if cli := s.cliConvert(t, fixtures.Shared(t, "keras", name)); !bytes.Equal(fbz, cli) {
			t.Errorf("the downloaded .fbz (%d bytes) differs from the CLI's (%d bytes)", len(fbz), len(cli))
		}
		// The Keras facts come from the conversion's report (the page reads
		// the files once): 47 layers, 483,392 parameters.
		if facts := tab.facts(t); facts[".fbz size"] != sizeText(len(want8.FBZ)) || facts["Akida layers"] != "15" ||
			facts["Keras layers"] != "47" || facts["Keras parameters"] != "483,392" {
			t.Errorf("facts %v", facts)
		}
		_, report := tab.download(t, downloadLink(".report.json"))
		var r core.ConvertReport
		if err := json.Unmarshal(report, &r); err != nil || r.FBZBytes != len(want8.FBZ) || len(r.Blocks) != 15 {
			t.Errorf("report download: %v, %d bytes, %d blocks", err, r.FBZBytes, len(r.Blocks))
		}
		var ms float64
		tab.eval(t, `performance.getEntriesByName("cnn2snn-convert")[0].duration`, &ms)
		t.Logf("AkidaNet 0.25: convert took %.0f ms in Chromium (page → worker → page)", ms)
		tab.screenshot(t, "akidanet")
	})

	// MobileNet on Akida 1.0: DepthwiseConv2D has no Akida 1.0 layer; each
	// one is marked in its block with the rule's message and its Doc.
	t.Run("MobileNet diagnostics by file input", func(t *testing.T) {
		const name = "mobilenetv1_vww_96_keras2.4.h5"
		path := fixtures.Shared(t, "keras", name)
		tab := s.newTab(t)
		tab.open(t, "")
		tab.upload(t, path)
		tab.await(t, ".cnn2snn-verdict.cnn2snn-incompatible")

		check, err := core.Check([]core.File{{Name: name, Data: fixtures.ReadShared(t, "keras", name)}}, pageDefaults())
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("Not convertible to Akida 1.0: %d problems, marked below.", len(check.Diagnostics))
		if got := tab.text(t, ".cnn2snn-verdict"); got != want {
			t.Errorf("verdict %q, want %q", got, want)
		}
		marked := tab.marked(t)
		for i := 0; i <= 12; i++ {
			dw := "depthwise_conv2d"
			if i > 0 {
				dw += fmt.Sprintf("_%d", i)
			}
			if !slices.Contains(marked, dw) {
				t.Errorf("the DepthwiseConv2D layer %s is not marked", dw)
			}
			var shown struct{ Message, Doc string }
			tab.eval(t, fmt.Sprintf(`(() => {
				const li = [...document.querySelectorAll(".cnn2snn-block .cnn2snn-diagnostic")].find(li => li.querySelector(".cnn2snn-diagnostic-layer").textContent === %q);
				return li ? {Message: li.querySelector(".cnn2snn-diagnostic-message").textContent, Doc: li.querySelector(".cnn2snn-rule p").textContent} : {};
			})()`, dw+": "), &shown)
			d := diagnosticOf(check, dw)
			if shown.Message != d.Message || shown.Doc != check.Rules[d.Rule] || shown.Doc == "" {
				t.Errorf("%s shows %+v; the converter says %q (rule %s)", dw, shown, d.Message, d.Rule)
			}
		}
		if got := tab.text(t, ".cnn2snn-error"); got != "" {
			t.Errorf("an incompatible model is a result, but the page shows the error %q", got)
		}
		if got := squeeze(tab.text(t, ".cnn2snn-downloads")); got != "Download the report (JSON)" {
			t.Errorf("downloads %q", got)
		}
		// A refused model's report still lists its Keras layers.
		if facts := tab.facts(t); facts["Keras layers"] != "85" || facts["Keras parameters"] != "221,794" {
			t.Errorf("facts %v", facts)
		}
		tab.screenshot(t, "mobilenet-diagnostics")
	})

	// The sample button: the bundled MIT model converts at once with the
	// default 4/4/8 bits, and its .fbz is the converter's.
	t.Run("sample model", func(t *testing.T) {
		tab := s.newTab(t)
		tab.open(t, "")
		tab.run(t, chromedp.Click(".cnn2snn-sample", chromedp.ByQuery))
		tab.await(t, downloadLink(".fbz"))
		const name = "mnist_cnn_sequential_keras3.15.keras"
		want := nativeConvert(t, []core.File{{Name: name, Data: fixtures.ReadShared(t, "keras", name)}}, pageDefaults())
		gotName, fbz := tab.download(t, downloadLink(".fbz"))
		cli := s.cliConvert(t, fixtures.Repo(t, "web", "sample", name))
		if gotName != "mnist_cnn_sequential_keras3.15.fbz" || gotName != want.FileName || !bytes.Equal(fbz, cli) {
			t.Errorf("downloaded %s (%d bytes); the CLI writes %d bytes, the converter names it %s", gotName, len(fbz), len(cli), want.FileName)
		}
		if got := tab.blocks(t); !slices.Equal(got, blockNames(want.Report.Blocks)) {
			t.Errorf("blocks %q, want %q", got, blockNames(want.Report.Blocks))
		}
		if !strings.Contains(tab.text(t, ".cnn2snn-summary-text"), want.Report.Summary) {
			t.Errorf("the summary pane lacks the converter's summary:\n%s", want.Report.Summary)
		}
		tab.screenshot(t, "sample")
	})

	// The converter's answer crosses to the page's Go code without its
	// .fbz going through JSON (which spells a Uint8Array {"0":…,"1":…},
	// 12 times its size: issue 12): every JSON text the page makes is
	// recorded, from before its own scripts run.
	t.Run("answer crosses without JSON", func(t *testing.T) {
		tab := s.newTab(t)
		tab.run(t, chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(`(() => {
				const stringify = JSON.stringify;
				window.jsonMade = [];
				JSON.stringify = function (...args) { const s = stringify.apply(JSON, args); jsonMade.push(typeof s === "string" ? s : ""); return s; };
			})()`).Do(ctx)
			return err
		}))
		tab.open(t, "")
		tab.run(t, chromedp.Click(".cnn2snn-sample", chromedp.ByQuery))
		tab.await(t, downloadLink(".fbz"))
		// Vugu itself makes JSON of every DOM event it hands the page (the
		// sample button's click): those texts are not the answer's.
		var made []string
		tab.eval(t, `jsonMade.filter((s) => !s.startsWith('{"position_id":'))`, &made)
		_, fbz := tab.download(t, downloadLink(".fbz"))
		_, report := tab.download(t, downloadLink(".report.json"))
		total := 0
		for _, text := range made {
			total += len(text)
			if strings.Contains(text, `"fbz"`) || strings.Contains(text, `{"0":`) {
				t.Errorf("the page made JSON of the .fbz bytes: %.200s…", text)
			}
		}
		if len(made) != 1 || made[0] != string(report) || total >= len(fbz) {
			t.Errorf("the page made %d JSON texts, %d bytes in all, for a %d-byte .fbz; want one, the %d-byte report download", len(made), total, len(fbz), len(report))
		}
	})

	// Verify the sample: the figures and the per-layer table the page shows
	// are the native facade's verification of the same model, options,
	// inputs and seed; the JSON report download then holds it too.
	t.Run("verify the sample", func(t *testing.T) {
		tab := s.newTab(t)
		tab.open(t, "")
		tab.run(t, chromedp.Click(".cnn2snn-sample", chromedp.ByQuery))
		tab.await(t, ".cnn2snn-verify-button")
		tab.setOption(t, ".cnn2snn-samples", "2")
		// Record the progress bar's stages while verify runs.
		tab.eval(t, `(() => {
			window.stages = [];
			new MutationObserver(() => {
				const s = document.querySelector(".cnn2snn-stage");
				if (s && !stages.includes(s.textContent)) stages.push(s.textContent);
			}).observe(document.body, {subtree: true, childList: true, characterData: true});
			return true;
		})()`, nil)
		tab.run(t, chromedp.Click(".cnn2snn-verify-button", chromedp.ByQuery))
		tab.await(t, ".cnn2snn-verify-result")
		var stages []string
		tab.eval(t, `stages`, &stages)
		if !slices.Contains(stages, "Comparing Akida with Keras on 2 seeded inputs…") {
			t.Errorf("progress stages shown %q, want the comparison on 2 seeded inputs", stages)
		}

		const name = "mnist_cnn_sequential_keras3.15.keras"
		native, err := core.Verify([]core.File{{Name: name, Data: fixtures.ReadShared(t, "keras", name)}}, pageDefaults(), core.VerifyOptions{Samples: 2, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		want := pageVerification(t, native)
		var proved string
		tab.eval(t, `document.querySelector(".cnn2snn-verify-result").dataset.proved`, &proved)
		if proved != "true" || !native.Proved {
			t.Errorf("data-proved %q; natively proved %v", proved, native.Proved)
		}
		if got := tab.text(t, ".cnn2snn-verify-verdict"); got != want.Verdict() {
			t.Errorf("verdict %q, want %q", got, want.Verdict())
		}
		var figures map[string]string
		tab.eval(t, `Object.fromEntries([...document.querySelectorAll(".cnn2snn-verify-figures tr")].map(r => [r.dataset.figure, r.querySelector(".cnn2snn-figure").textContent]))`, &figures)
		wantFigures := map[string]string{}
		for _, f := range want.Figures() {
			wantFigures[f.Key] = f.Value
		}
		if !maps.Equal(figures, wantFigures) || figures["output"] != "100%" {
			t.Errorf("figures %q, want %q", figures, wantFigures)
		}
		var rows [][]string
		tab.eval(t, `[...document.querySelectorAll(".cnn2snn-verify-row")].map(r => [r.dataset.akidaLayer, ...[...r.querySelectorAll("td")].slice(1).map(td => td.textContent)])`, &rows)
		var wantRows [][]string
		for _, r := range want.Rows() {
			wantRows = append(wantRows, []string{r.Akida, r.Keras, r.Agreement, r.MaxDiff, r.Alone, r.BoundaryCases, r.Explained})
		}
		if !slices.EqualFunc(rows, wantRows, slices.Equal) || len(rows) != 4 || rows[0][0] != "conv2d" {
			t.Errorf("layer rows\n got  %q\n want %q", rows, wantRows)
		}
		if got := tab.text(t, ".cnn2snn-verify-button"); got != "Verify again" {
			t.Errorf("button %q", got)
		}

		_, report := tab.download(t, downloadLink(".report.json"))
		var r struct {
			FBZBytes     int                `json:"fbz_bytes"`
			Verification *core.VerifyReport `json:"verification"`
		}
		if err := json.Unmarshal(report, &r); err != nil || r.Verification == nil || r.FBZBytes == 0 {
			t.Fatalf("report download: %v, %d .fbz bytes, verification %v", err, r.FBZBytes, r.Verification)
		}
		if !reflect.DeepEqual(r.Verification, native) {
			t.Errorf("the report's verification differs from the native one:\n got  %+v\n want %+v", r.Verification, native)
		}
		var ms float64
		tab.eval(t, `performance.getEntriesByName("cnn2snn-verify")[0].duration`, &ms)
		t.Logf("the sample verified on 2 inputs in %.0f ms in Chromium (conversion included)", ms)
		tab.screenshot(t, "verify-sample")
	})

	// A weights .h5 with its model .json, dropped together, is one model.
	t.Run("weights and JSON siblings", func(t *testing.T) {
		files := []core.File{
			{Name: "keras2.0_conv2d_model.json", Data: fixtures.ReadShared(t, "keras", "keras2.0_conv2d_model.json")},
			{Name: "keras2.0_conv2d_model_weights.h5", Data: fixtures.ReadShared(t, "keras", "keras2.0_conv2d_model_weights.h5")},
		}
		tab := s.newTab(t)
		tab.open(t, "")
		tab.drop(t, file{files[0].Name, files[0].Data}, file{files[1].Name, files[1].Data})
		tab.await(t, ".cnn2snn-verdict")
		check, err := core.Check(files, pageDefaults())
		if err != nil {
			t.Fatal(err)
		}
		if got := tab.blocks(t); !slices.Equal(got, blockNames(check.Blocks)) {
			t.Errorf("blocks %q, want %q", got, blockNames(check.Blocks))
		}
		if got := tab.text(t, ".cnn2snn-file-list"); !strings.Contains(got, "keras2.0_conv2d_model.json") || !strings.Contains(got, "keras2.0_conv2d_model_weights.h5") {
			t.Errorf("file list %q", got)
		}
	})

	// A TF.js model.json with its three .bin shards, picked together, is
	// one model.
	t.Run("TF.js model and shards by file input", func(t *testing.T) {
		dir := fixtures.Repo(t, "core", "keras", "testdata", "tfjs", "tiny_cnn")
		names := []string{"model.json", "group1-shard1of3.bin", "group1-shard2of3.bin", "group1-shard3of3.bin"}
		var paths []string
		var files []core.File
		for _, n := range names {
			p := filepath.Join(dir, n)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
			files = append(files, core.File{Name: n, Data: data})
		}
		tab := s.newTab(t)
		tab.open(t, "")
		tab.upload(t, paths...)
		tab.await(t, ".cnn2snn-verdict")
		check, err := core.Check(files, pageDefaults())
		if err != nil {
			t.Fatal(err)
		}
		if got := tab.blocks(t); !slices.Equal(got, blockNames(check.Blocks)) {
			t.Errorf("blocks %q, want %q", got, blockNames(check.Blocks))
		}
		var diagnostics int
		tab.eval(t, `document.querySelectorAll(".cnn2snn-diagnostic").length`, &diagnostics)
		if diagnostics != len(check.Diagnostics) {
			t.Errorf("%d diagnostics shown, the converter reports %d", diagnostics, len(check.Diagnostics))
		}
		if facts := tab.facts(t); facts["Keras model"] == "" || !strings.Contains(facts["Keras model"], "TF.js layers model") {
			t.Errorf("facts %v", facts)
		}
	})

	// The page stays responsive while the worker converts: timers on the
	// main thread keep firing during a conversion that takes longer than
	// the largest gap allowed.
	t.Run("responsive while converting", func(t *testing.T) {
		tab := s.newTab(t)
		tab.open(t, "")
		tab.setBytes(t, "vww", fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5"))
		// The page's own start-up work (its warm-up, web/ui/warmup.go) is
		// not what this measures.
		tab.run(t, chromedp.Poll(`performance.getEntriesByName("cnn2snn-warm").length > 0`, nil))
		var got struct{ CallMs, MaxGapMs float64 }
		tab.evalAsync(t, `(async () => {
			let last = performance.now(), maxGap = 0, running = true;
			const tick = () => { const now = performance.now(); maxGap = Math.max(maxGap, now - last); last = now; if (running) setTimeout(tick, 5); };
			setTimeout(tick, 5);
			const t0 = performance.now();
			try { await cnn2snn.convert(vww, {}); } catch (e) { if (!e.report) throw e; }
			running = false;
			return {CallMs: performance.now() - t0, MaxGapMs: maxGap};
		})()`, &got)
		t.Logf("mobilenetv1_vww conversion: %.0f ms in the worker's call; longest main-thread timer gap %.0f ms", got.CallMs, got.MaxGapMs)
		if got.MaxGapMs >= 100 || got.CallMs < 100 {
			t.Errorf("the main thread stalled %.0f ms during a %.0f ms conversion; want gaps under 100 ms and a call of 100 ms or more", got.MaxGapMs, got.CallMs)
		}
	})

	// A broken deployment still shows a message: without cnn2snn.wasm
	// the worker cannot start; without ui.wasm the page cannot.
	t.Run("broken deployment", func(t *testing.T) {
		for _, c := range []struct{ missing, selector, want string }{
			{"cnn2snn.wasm", ".cnn2snn-error", "the converter could not start: " + "SITE" + "cnn2snn.wasm: HTTP 404 Not Found"},
			{"ui.wasm", ".cnn2snn-failed", "The converter could not start: " + "SITE" + "ui.wasm: HTTP 404 Not Found"},
		} {
			site := startServer(t, distWithout(t, c.missing))
			tab := s.newTab(t)
			tab.run(t, chromedp.Navigate(site), chromedp.WaitVisible(c.selector, chromedp.ByQuery))
			want := strings.ReplaceAll(c.want, "SITE", site)
			if got := tab.text(t, c.selector); got != want {
				t.Errorf("without %s: %q, want %q", c.missing, got, want)
			}
		}
	})

	// Options convert again at once: a scaling given on top of the model's
	// Rescaling layer is cnn2snn's error, and Akida 2.0 is the converter's
	// answer for this model.
	t.Run("options", func(t *testing.T) {
		const name = "akidanet_imagenet_224_alpha_25_keras2.10.h5"
		data := fixtures.ReadShared(t, "keras", name)
		files := []core.File{{Name: name, Data: data}}
		tab := s.newTab(t)
		tab.open(t, "")
		tab.upload(t, fixtures.Shared(t, "keras", name))
		tab.await(t, downloadLink(".fbz"))

		tab.setOption(t, ".cnn2snn-scale", "255")
		tab.setOption(t, ".cnn2snn-shift", "0")
		o := pageDefaults()
		o.InputScaling = &[2]float64{255, 0}
		_, want := core.Convert(files, o)
		if want == nil {
			t.Fatal("the converter takes a scaling on top of a Rescaling layer")
		}
		tab.run(t, chromedp.Poll(`!document.querySelector(".cnn2snn-progress")`, nil))
		if got := tab.text(t, ".cnn2snn-diagnostic-message") + tab.text(t, ".cnn2snn-error"); got != want.Error() {
			t.Errorf("with input scaling (255, 0): page %q, converter %q", got, want.Error())
		}
		// No Akida model for these options: no summary of the old one, no Verify.
		var stale int
		tab.eval(t, `document.querySelectorAll(".cnn2snn-verify, .cnn2snn-summary-text").length`, &stale)
		if stale != 0 {
			t.Errorf("after a refused re-conversion the page still shows %d Verify or summary panes of the old model", stale)
		}

		tab.setOption(t, ".cnn2snn-scale", "")
		tab.setOption(t, ".cnn2snn-shift", "")
		tab.setOption(t, ".cnn2snn-target", "v2")
		o = pageDefaults()
		o.Target = "v2"
		_, want = core.Convert(files, o)
		tab.run(t, chromedp.Poll(`!document.querySelector(".cnn2snn-progress")`, nil))
		if want == nil {
			tab.await(t, downloadLink(".fbz"))
		} else if got := tab.text(t, ".cnn2snn-diagnostic-message") + tab.text(t, ".cnn2snn-error"); got != want.Error() {
			t.Errorf("target v2: page %q, converter %q", got, want.Error())
		}
		tab.screenshot(t, "options-v2")
	})

	// The JavaScript API as a documentation page's script uses it: the
	// proxy's calls, progress, a refusal's report and the call statistics.
	t.Run("API from a script", func(t *testing.T) {
		tab := s.newTab(t)
		tab.open(t, "embed.html")
		tab.setBytes(t, "pose", fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz"))
		tab.setBytes(t, "vww", fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5"))
		var got struct {
			Version    string
			SummaryLen int
			Stages     []string
			FileName   string
			FBZLen     int
			ReportLen  int
			Refusal    string
			Diagnosed  int
			BadInput   string
			LastFn     string
			Memory     int
		}
		tab.evalAsync(t, `(async () => {
			const api = await cnn2snn.ready;
			const out = {Version: api.version};
			out.SummaryLen = (await cnn2snn.summary(pose)).fbz_bytes;
			const sample = new Uint8Array(await (await fetch("sample/mnist_cnn_sequential_keras3.15.keras")).arrayBuffer());
			out.Stages = [];
			const r = await cnn2snn.convert([{name: "mnist.keras", bytes: sample}], {onProgress: (stage) => out.Stages.push(stage)});
			out.FileName = r.file_name; out.FBZLen = r.fbz.length; out.ReportLen = r.report.fbz_bytes;
			try { await cnn2snn.convert(vww, {target: "v1"}); } catch (e) { out.Refusal = e.message; out.Diagnosed = e.report.diagnostics.length; }
			try { await cnn2snn.inspect("model.h5"); } catch (e) { out.BadInput = e.message; }
			out.LastFn = cnn2snn.lastCall.fn; out.Memory = cnn2snn.lastCall.memory;
			return out;
		})()`, &got)
		if got.Version != "0.1.0" || got.SummaryLen != 6500 {
			t.Errorf("version %q, summary of %d bytes", got.Version, got.SummaryLen)
		}
		if got.FileName != "mnist.fbz" || got.FBZLen == 0 || got.FBZLen != got.ReportLen {
			t.Errorf("convert: %s, %d bytes, report says %d", got.FileName, got.FBZLen, got.ReportLen)
		}
		if len(got.Stages) < 3 || got.Stages[0] != "load" || got.Stages[len(got.Stages)-1] != "done" {
			t.Errorf("progress stages %q, want load … done", got.Stages)
		}
		check, err := core.Check([]core.File{{Name: "model", Data: fixtures.ReadShared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5")}}, core.Options{Target: "v1"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Refusal != check.Diagnostics[0].Message || got.Diagnosed != len(check.Diagnostics) {
			t.Errorf("refusal %q with %d diagnostics; the converter: %q, %d", got.Refusal, got.Diagnosed, check.Diagnostics[0].Message, len(check.Diagnostics))
		}
		if want := `cnn2snn.inspect: the first argument must be a Uint8Array or an array of {name, bytes}; got the string "model.h5"`; got.BadInput != want {
			t.Errorf("bad input: %q, want %q", got.BadInput, want)
		}
		if got.LastFn != "inspect" || got.Memory < 1<<20 {
			t.Errorf("lastCall %s with %d bytes of worker memory", got.LastFn, got.Memory)
		}
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
