package akida_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/akidatest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

func decode(t *testing.T, file string) *akida.Model {
	t.Helper()
	m, err := fbz.Decode(fixtures.ReadShared(t, "akida", file))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSummaryGolden compares Summary() of real files with golden texts in
// testdata (checked by hand against the rules of fbz-format.md §7: column
// widths = widest cell + 2, separators as wide as the table, title and
// sequence line centred as Python's str.center does).
func TestSummaryGolden(t *testing.T) {
	for _, name := range []string{"v233_ei_pose_fc", "v233_ei_inventory_fomo", "legacy_mobilenet_edge_hotdog"} {
		want, err := os.ReadFile(filepath.Join("testdata", name+".summary.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, name+".fbz").Summary(); got != string(want) {
			t.Errorf("%s: Summary() =\n%s\nwant\n%s", name, got, want)
		}
	}
}

// TestSummaryOfAkida2Models compares Summary() of the Akida 2.0 test models
// with golden texts (checked by hand like the ones above). No Akida 2.0
// summary is documented beyond a third-party paste (fbz-format.md §7):
// rows print the full class name, layers without weights (Add,
// Concatenate, Dequantizer, Quantizer) print N/A, InputData counts in
// "Layers" without a row, and a graph prints its layers in model order in
// one software sequence, like a chain.
func TestSummaryOfAkida2Models(t *testing.T) {
	for name, m := range map[string]*akida.Model{
		"akida2_graph":    akidatest.Graph(t),
		"akida2_temporal": akidatest.Temporal(t),
	} {
		want, err := os.ReadFile(filepath.Join("testdata", name+".summary.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Summary(); got != string(want) {
			t.Errorf("%s: Summary() =\n%s\nwant\n%s", name, got, want)
		}
	}
}

func TestJSONOfAkida2Model(t *testing.T) {
	m := akidatest.Graph(t)
	b, err := json.Marshal(m.JSON())
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		`{"version":"","ip_version":"v2","input_shape":[16,16,3],"output_shape":[1,1,5],` +
			`"unverified":["element type uint8 is coded 2 by inference: no real .fbz file confirms it"],"layers":[`,
		`{"name":"conv0","type":"InputConv2D","params":{"activation":1,"buffer_bits":28,"filters":8,"input_channels":3,"input_x":16,` +
			`"input_y":16,"kernel_size":3,"kernel_stride":1,"layer_type":15,"output_bits":8,"padding":1,"pool_size":2,"pool_stride":2,` +
			`"pool_type":1,"post_op_buffer_bits":32,"weights_bits":8},"variables":[{"name":"bias","type":"int8","shape":[8]},` +
			`{"name":"bias_shift","type":"uint8","shape":[8]},{"name":"output_scales","type":"uint8","shape":[8]},` +
			`{"name":"output_shift","type":"int8","shape":[8]},{"name":"padding_value","type":"uint8","shape":[3]},` +
			`{"name":"weights","type":"int8","shape":[3,3,3,8]}],"inbounds":[],"output_shape":[8,8,8]}`,
		`{"name":"add","type":"Add","params":{"buffer_bits":32,"layer_type":6,"output_bits":8,"post_op_buffer_bits":32},` +
			`"variables":[{"name":"a_shift","type":"uint8","shape":[8]},{"name":"b_shift","type":"uint8","shape":[8]},` +
			`{"name":"output_shift","type":"int8","shape":[8]}],"inbounds":["conv0","pw"],"output_shape":[8,8,8]}`,
		`{"name":"cat","type":"Concatenate","params":{"layer_type":12},"variables":[],"inbounds":["up","dwup"],"output_shape":[16,16,12]}`,
		`{"name":"dequantizer","type":"Dequantizer","params":{"layer_type":19},"variables":[{"name":"scales","type":"float32","shape":[5]}],` +
			`"inbounds":["dense"],"output_shape":[1,1,5]}]}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("JSON lacks\n%s\nin\n%s", want, got)
		}
	}
}

func TestJSONOfRealFiles(t *testing.T) {
	// A legacy file is reported with the kv parameter names, its learning
	// configuration included.
	b, err := json.Marshal(decode(t, "legacy_mobilenet_edge_hotdog.fbz").JSON())
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		`{"version":"","ip_version":"v1","input_shape":[224,224,3],"output_shape":[1,1,10],"layers":[`,
		`{"name":"akida_edge_layer","type":"FullyConnected","params":{"act_bits":1,"activation":0,"layer_type":3,"units":10,"weights_bits":1},` +
			`"variables":[{"name":"act_step","type":"float32","shape":[10]},{"name":"threshold","type":"int32","shape":[10]},` +
			`{"name":"threshold_learning","type":"int32","shape":[10]},{"name":"thswap","type":"int32","shape":[10]},` +
			`{"name":"weights","type":"bit","shape":[1,1,2048,10]}],"inbounds":["spike_generator"],"output_shape":[1,1,10],` +
			`"learning":{"learning_type":1,"num_weights":350,"num_classes":10,"initial_plasticity":1,"learning_competition":0.1,` +
			`"min_plasticity":0.10000000149011612,"plasticity_decay":0.25}}]}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("JSON lacks\n%s", want)
		}
	}
	var pose akida.ModelJSON
	b, _ = json.Marshal(decode(t, "v233_ei_pose_fc.fbz").JSON())
	if err := json.Unmarshal(b, &pose); err != nil {
		t.Fatal(err)
	}
	first := pose.Layers[0]
	if pose.Version != "2.3.3" || first.Type != "InputData" || first.Params["input_channels"] != 51 || len(first.Variables) != 0 ||
		len(first.Inbounds) != 0 || pose.Layers[1].Variables[2].Shape[2] != 51 {
		t.Errorf("pose JSON: %+v", pose)
	}
}
