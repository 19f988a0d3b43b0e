package npm

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

var update = flag.Bool("update", false, "rewrite cnn2snn.d.ts")

// The committed typings are what the Go code makes.
func TestTypings(t *testing.T) {
	got, err := Typings(fixtures.RepoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("cnn2snn.d.ts", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile("cnn2snn.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, committed) {
		t.Errorf("web/npm/cnn2snn.d.ts is stale: run make generate-typings and commit it")
	}
	// The options and reports as a TypeScript user sees them.
	for _, want := range []string{
		"  target?: \"v1\" | \"v2\" | null;\n",
		"  inputScaling?: [scale: number, offset: number] | null;\n",
		"  quantize?: QuantizeOptions | null;\n",
		"  inputDtype?: \"uint8\" | \"int8\" | \"uint16\" | \"int16\" | null;\n",
		"  calibration?: Uint8Array | ArrayBuffer | Blob | null;\n",
		"  calibrationSamples?: number | null;\n",
		"   * Must be [scale, offset], two numbers, e.g. [255, 0] for 8-bit images.\n",
		"export interface ConvertReport extends CheckReport {\n",
		"  report: ConvertReport;\n  /** The Akida model: the .fbz file's bytes. */\n  fbz: Uint8Array;\n}\n",
		"   * OutputShape is the Akida output shape (x, y, channels); null when it is\n   * not known.\n   */\n  output_shape: number[] | null;\n",
		"export type KerasFormat = \"keras1-h5\" | \"keras2-h5\" | \"keras3-h5\" | \"keras3-zip\" | \"keras-weights-h5+json\" | \"tfjs-layers\";\n",
		"  output_shape: (number | null)[] | null;\n",
		"  input_scaling?: ConvertInputScaling;\n",
		"  bits: QuantizeBits;\n", // quantize.Bits, not the options' QuantizeOptions
		"  input_shape: number[] | null;\n",
		"export type VerifyReport = VerifyResult;\n",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("the typings lack %q", want)
		}
	}
}
