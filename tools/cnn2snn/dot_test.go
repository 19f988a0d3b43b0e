package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// inspect --dot writes the Keras model's diagram, one node per layer, to
// standard output instead of the summary.
func TestInspectDOT(t *testing.T) {
	js := fixtures.Shared(t, "keras", "keras2.0_conv2d_model.json")
	h5 := fixtures.Shared(t, "keras", "keras2.0_conv2d_model_weights.h5")
	out, errOut, status := runCLI("inspect", "--dot", js, h5)
	const golden = `digraph "model" {
  graph [rankdir=TB, fontname="monospace", fontsize=10, nodesep=0.3, ranksep=0.35];
  node [shape=box, style=filled, fillcolor="#ffffff", color="#666677", fontname="monospace", fontsize=10];
  edge [color="#777777", arrowsize=0.6];
  "conv2d_1_input" [label="conv2d_1_input\nInputLayer\n(None, 8, 8, 1)"];
  "conv2d_1" [label="conv2d_1\nConv2D\n(None, 8, 8, 2)"];
  "dropout_1" [label="dropout_1\nDropout\n(None, 8, 8, 2)"];
  "flatten_1" [label="flatten_1\nFlatten\n(None, 128)"];
  "dense_1" [label="dense_1\nDense\n(None, 10)"];
  "conv2d_1_input" -> "conv2d_1";
  "conv2d_1" -> "dropout_1";
  "dropout_1" -> "flatten_1";
  "flatten_1" -> "dense_1";
}
`
	if status != 0 || errOut != "" || out != golden {
		t.Errorf("status %d, stderr %q, stdout:\n%s\nwant:\n%s", status, errOut, out, golden)
	}
}

// check --dot=FILE writes the diagram with the Akida blocks as clusters
// and prints the report as usual; check --dot prints only the diagram,
// with check's exit status.
func TestCheckDOT(t *testing.T) {
	akidanet := fixtures.Shared(t, "keras", "akidanet_imagenet_224_alpha_25_keras2.10.h5")
	file := filepath.Join(t.TempDir(), "akidanet.dot")
	out, errOut, status := runCLI("check", "--dot="+file, akidanet)
	if status != checkCompatible || errOut != "" || !strings.HasPrefix(out, `model "akidanet_0.25_160_1000" (float), target v1: compatible`) {
		t.Errorf("status %d, stderr %q, stdout %.200q", status, errOut, out)
	}
	dot, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(dot)
	if !strings.HasPrefix(text, `digraph "akidanet_0.25_160_1000" {`) || strings.Count(text, "subgraph ") != 15 ||
		strings.Count(text, " -> ") != 46 || !strings.Contains(text, `label="conv_0: InputConvolutional w8 a4"`) {
		t.Errorf("DOT file:\n%s", text)
	}

	out, errOut, status = runCLI("check", fixtures.Shared(t, "keras", "mobilenetv1_vww_96_keras2.4.h5"), "--dot", "--target", "v1")
	if status != checkIncompatible || errOut != "" || !strings.HasPrefix(out, `digraph "model" {`) ||
		!strings.Contains(out, `"depthwise_conv2d" [label="depthwise_conv2d\nDepthwiseConv2D\n(None, 48, 48, 8)\n⚠ unsupported-layer", color="#c62828"`) {
		t.Errorf("status %d, stderr %q, stdout %.300q", status, errOut, out)
	}
}

func TestDOTFlagErrors(t *testing.T) {
	model := fixtures.Shared(t, "keras", "keras2.0_conv2d_model.json")
	weights := fixtures.Shared(t, "keras", "keras2.0_conv2d_model_weights.h5")
	for _, args := range [][]string{
		{"check", "--json", "--dot", model, weights},
		{"inspect", "--json", "--dot", model, weights},
	} {
		out, errOut, status := runCLI(args...)
		if status == 0 || out != "" || errOut != "cnn2snn: --json and --dot both write to standard output: give the DOT a file with --dot=FILE\n" {
			t.Errorf("%v: status %d, stdout %q, stderr %q", args, status, out, errOut)
		}
	}
	bad := filepath.Join(t.TempDir(), "missing", "x.dot")
	out, errOut, status := runCLI("inspect", "--dot="+bad, model, weights)
	if status != 1 || out != "" || errOut != "cnn2snn: "+bad+": cannot write the DOT file: no such file or directory\n" {
		t.Errorf("status %d, stdout %q, stderr %q", status, out, errOut)
	}
}
