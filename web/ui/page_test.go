package ui

import (
	"reflect"
	"strings"
	"testing"
)

func TestKindOf(t *testing.T) {
	cases := []struct {
		names []string
		kind  Kind
		err   string
	}{
		{[]string{"akidanet.h5"}, KindKeras, ""},
		{[]string{"model.json", "group1-shard1of2.bin", "group1-shard2of2.bin"}, KindKeras, ""},
		{[]string{"model.JSON", "weights.h5"}, KindKeras, ""},
		{[]string{"pose.FBZ"}, KindAkida, ""},
		{nil, KindNone, "no file was dropped; drop a model file, or use Open model files"},
		{[]string{"a.fbz", "b.fbz"}, KindNone, "a.fbz, b.fbz: open one .fbz file on its own, or the files of one Keras model"},
		{[]string{"a.h5", "b.fbz"}, KindNone, "a.h5, b.fbz: open one .fbz file on its own, or the files of one Keras model"},
	}
	for _, c := range cases {
		kind, err := kindOf(c.names)
		if kind != c.kind || errText(err) != c.err {
			t.Errorf("kindOf(%q) = %v, %q; want %v, %q", c.names, kind, errText(err), c.kind, c.err)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestFormOptions(t *testing.T) {
	got, err := DefaultForm().Options()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"inputIsImage": true,
		"quantize":     map[string]any{"weights": 4, "activations": 4, "inputWeights": 8},
		"target":       "v1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("default options %v, want %v", got, want)
	}

	f := DefaultForm()
	f.Scale, f.Shift, f.Target, f.WeightBits = " 255 ", "-0.5", "v2", 2
	got, err = f.Options()
	if err != nil {
		t.Fatal(err)
	}
	if s := got["inputScaling"]; !reflect.DeepEqual(s, []any{255.0, -0.5}) {
		t.Errorf("inputScaling %v, want [255 -0.5]", s)
	}
	if got["target"] != "v2" || got["quantize"].(map[string]any)["weights"] != 2 {
		t.Errorf("options %v: want target v2 and 2-bit weights", got)
	}

	for _, c := range []struct{ scale, shift, err string }{
		{"255", "", "input scaling: give both the scale and the offset (e.g. 255 and 0), or neither to use the model's own"},
		{"", "0", "input scaling: give both the scale and the offset (e.g. 255 and 0), or neither to use the model's own"},
		{"1/255", "0", `input scaling: the scale "1/255" is not a number`},
		{"255", "zero", `input scaling: the offset "zero" is not a number`},
	} {
		f := DefaultForm()
		f.Scale, f.Shift = c.scale, c.shift
		if _, err := f.Options(); errText(err) != c.err {
			t.Errorf("scale %q offset %q: error %q, want %q", c.scale, c.shift, errText(err), c.err)
		}
	}
}

// batchShape is a Keras shape with an open batch dimension.
func batchShape(dims ...int) BatchShape {
	s := BatchShape{nil}
	for _, d := range dims {
		s = append(s, &d)
	}
	return s
}

// incompatiblePage is a check of a MobileNet-like model on Akida 1.0: the
// depthwise block cannot convert, and the model has a whole-model problem.
func incompatiblePage() *Page {
	return &Page{
		Kind: KindKeras,
		Inspect: &InspectReport{Name: "mobilenet", Format: "keras2-h5", KerasVersion: "2.4.0", TotalParams: 221794,
			Layers: []InspectLayer{
				{Name: "input_1", ClassName: "InputLayer", OutputShape: batchShape(96, 96, 3)},
				{Name: "conv1", ClassName: "Conv2D", OutputShape: batchShape(48, 48, 8), Params: 216},
				{Name: "conv1_bn", ClassName: "BatchNormalization", OutputShape: batchShape(48, 48, 8), Params: 32},
				{Name: "dw1", ClassName: "DepthwiseConv2D", OutputShape: batchShape(48, 48, 8), Params: 72},
			}},
		Report: &Report{Model: "mobilenet", Origin: "float", Target: "v1",
			Blocks: []Block{
				{AkidaLayer: "conv1", AkidaType: "InputConvolutional", KerasLayers: []string{"input_1", "conv1", "conv1_bn"}, OutputShape: []int{48, 48, 8}, WeightBits: 8, ActivationBits: 4},
				{AkidaLayer: "dw1", KerasLayers: []string{"dw1"}, Incompatible: []string{"dw1"}},
			},
			Diagnostics: []Diagnostic{
				{Layer: "", Rule: "single-branch", Message: "The model contains more than one sequential branch.", Doc: "Akida runs one chain of layers."},
				{Layer: "dw1", Rule: "supported-type", Message: "Layer dw1 of type DepthwiseConv2D is not supported.", Doc: "Akida 1.0 has no depthwise layer."},
			}},
		Selected: "dw1",
	}
}

func TestBlockRows(t *testing.T) {
	p := incompatiblePage()
	rows := p.BlockRows()
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	if rows[0].Selected || !rows[1].Selected {
		t.Errorf("selected rows %v %v, want only dw1", rows[0].Selected, rows[1].Selected)
	}
	if len(rows[0].Diagnostics) != 0 || len(rows[1].Diagnostics) != 1 || rows[1].Diagnostics[0].Rule != "supported-type" {
		t.Errorf("diagnostics by row: %+v / %+v; want none / supported-type", rows[0].Diagnostics, rows[1].Diagnostics)
	}
	if md := p.ModelDiagnostics(); len(md) != 1 || md[0].Rule != "single-branch" {
		t.Errorf("model diagnostics %+v, want the single-branch one", md)
	}
	if got, want := rowClass(rows[1]), "cnn2snn-block cnn2snn-incompatible cnn2snn-selected"; got != want {
		t.Errorf("row class %q, want %q", got, want)
	}
	if got := kerasClass(rows[1], "dw1"); got != "cnn2snn-keras-layer cnn2snn-incompatible" {
		t.Errorf("keras class %q", got)
	}
	if got := verdict(p.Report); got != "Not convertible to Akida 1.0: 2 problems, marked below." {
		t.Errorf("verdict %q", got)
	}
}

func TestBlockRowsOfFBZ(t *testing.T) {
	p := &Page{Kind: KindAkida, Summary: &SummaryReport{Bytes: 6500, Model: AkidaModel{
		Version: "2.3.3", InputShape: []int{1, 1, 51}, OutputShape: []int{1, 1, 4},
		Layers: []AkidaLayer{
			{Name: "in", Type: "InputData", OutputShape: []int{1, 1, 51}, Params: map[string]int32{"layer_type": 1, "input_bits": 8}},
			{Name: "dense", Type: "FullyConnected", OutputShape: []int{1, 1, 35}, Params: map[string]int32{"layer_type": 3, "weights_bits": 4, "act_bits": 4, "units": 35},
				Variables: []AkidaVariable{{Name: "weights", Type: "int8", Shape: []int{1, 1, 51, 35}}, {Name: "threshold", Type: "int32", Shape: []int{35}}}},
			{Name: "head", Type: "Dense1D", OutputShape: []int{1, 1, 4}, Params: map[string]int32{"weights_bits": 8, "output_bits": 8}},
		}}}}
	rows := p.BlockRows()
	got := []Block{rows[0].Block, rows[1].Block, rows[2].Block}
	want := []Block{
		{AkidaLayer: "in", AkidaType: "InputData", OutputShape: []int{1, 1, 51}},
		{AkidaLayer: "dense", AkidaType: "FullyConnected", OutputShape: []int{1, 1, 35}, WeightBits: 4, ActivationBits: 4},
		{AkidaLayer: "head", AkidaType: "Dense1D", OutputShape: []int{1, 1, 4}, WeightBits: 8, ActivationBits: 8},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("blocks\n got  %+v\n want %+v", got, want)
	}
	// Nothing selected: the details pane shows the first block.
	if r, ok := p.SelectedRow(); !ok || r.AkidaLayer != "in" {
		t.Errorf("selected row %q, %v; want in", r.AkidaLayer, ok)
	}
	facts := p.Facts()
	wantFacts := [][2]string{{"Akida layers", "3"}, {"Input shape", "[1, 1, 51]"}, {"Output shape", "[1, 1, 4]"},
		{"Akida weights", "1,785"}, {"akida version", "2.3.3"}, {".fbz size", "6,500 bytes"}}
	if !reflect.DeepEqual(facts, wantFacts) {
		t.Errorf("facts\n got  %v\n want %v", facts, wantFacts)
	}
	if got := paramRows(p.Summary.Model.Layers[1].Params); !reflect.DeepEqual(got, [][2]string{{"act_bits", "4"}, {"layer_type", "3"}, {"units", "35"}, {"weights_bits", "4"}}) {
		t.Errorf("param rows %v", got)
	}
}

func TestKerasFacts(t *testing.T) {
	p := incompatiblePage()
	want := [][2]string{
		{"Keras model", "mobilenet (Keras 2 .h5, saved by Keras 2.4.0)"},
		{"Keras layers", "4"}, {"Keras parameters", "221,794"},
		{"Akida target", "Akida 1.0"}, {"Akida layers", "2"},
	}
	if got := p.Facts(); !reflect.DeepEqual(got, want) {
		t.Errorf("facts\n got  %v\n want %v", got, want)
	}
}

func TestReportWithDocs(t *testing.T) {
	r := Report{Diagnostics: []Diagnostic{{Layer: "dw", Rule: "unsupported-layer"}, {Layer: "x", Rule: "unknown-rule"}},
		Rules: map[string]string{"unsupported-layer": "Replace it by SeparableConv2D."}}
	got := r.withDocs().Diagnostics
	if got[0].Doc != "Replace it by SeparableConv2D." || got[1].Doc != "" {
		t.Errorf("docs %q, %q", got[0].Doc, got[1].Doc)
	}
}

func TestStageTextAndStem(t *testing.T) {
	if got := stageText("check", "v2"); got != "Checking the model against Akida 2.0" {
		t.Errorf("stageText = %q", got)
	}
	if got := stageText("calibrate", "v1"); got != "calibrate" {
		t.Errorf("an unknown stage shows as %q", got)
	}
	for files, want := range map[string]string{"group1-shard1of1.bin model.json": "model", "akidanet.h5": "akidanet", "a.b.keras": "a.b", "x.bin": "model"} {
		var infos []FileInfo
		for _, n := range strings.Fields(files) {
			infos = append(infos, FileInfo{Name: n})
		}
		if got := stem(infos); got != want {
			t.Errorf("stem(%s) = %q, want %q", files, got, want)
		}
	}
}

func TestScalingNote(t *testing.T) {
	p := &Page{Report: &Report{InputScaling: &InputScaling{Scale: 127.5, Shift: 127.5, Source: "rescaling", Layer: "rescaling"}}}
	if got, want := p.ScalingNote(), "Used (127.5, 127.5), taken from the Rescaling layer rescaling."; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	p.Report.InputScaling = &InputScaling{Scale: 255, Source: "option"}
	if got, want := p.ScalingNote(), "Used (255, 0), as set here."; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	p.Report.InputScaling = &InputScaling{Scale: 1, Source: "default"}
	if got, want := p.ScalingNote(), "Used (1, 0): the model has no Rescaling layer and none is set here."; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

func TestFormatting(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 225034: "225,034", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{6500: "6,500 bytes", 117851: "117.9 kB", 2740195: "2.74 MB"} {
		if got := sizeText(in); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", in, got, want)
		}
	}
	if got := shapeText([]int{-1, 28, 28, 1}); got != "[None, 28, 28, 1]" {
		t.Errorf("shapeText = %q", got)
	}
	if got := batchShape(28, 28, 1).String(); got != "(None, 28, 28, 1)" {
		t.Errorf("BatchShape.String = %q", got)
	}
	if got := shapeText(nil); got != "unknown" {
		t.Errorf("shapeText(nil) = %q", got)
	}
	if got := (Progress{Fraction: 0.666}).Percent(); got != "67" {
		t.Errorf("Percent = %q, want 67", got)
	}
}
