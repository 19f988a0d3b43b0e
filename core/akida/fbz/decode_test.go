package fbz_test

import (
	"slices"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
)

// Layer lists of the fixtures, as flatc prints them with spec/akida.fbs
// (shapes reversed to numpy order, old variable names renamed), matching
// the topologies of ../shared/fixtures/akida/README.md.
func akidanetLayers(classes string) []string {
	return []string{
		"conv_0 InputConvolutional <> act_step:float32(16) threshold:int32(16) weights:int8(3,3,3,16) wta_groups:int32(16)",
		"conv_1 Convolutional <conv_0> act_step:float32(32) threshold:int32(32) weights:int4(3,3,16,32)",
		"conv_2 Convolutional <conv_1> act_step:float32(64) threshold:int32(64) weights:int4(3,3,32,64)",
		"conv_3 Convolutional <conv_2> act_step:float32(64) threshold:int32(64) weights:int4(3,3,64,64)",
		"separable_4 SeparableConvolutional <conv_3> act_step:float32(128) threshold:int32(128) weights:int4(3,3,64,1) weights_pw:int4(1,1,64,128)",
		"separable_5 SeparableConvolutional <separable_4> act_step:float32(128) threshold:int32(128) weights:int4(3,3,128,1) weights_pw:int4(1,1,128,128)",
		"separable_6 SeparableConvolutional <separable_5> act_step:float32(256) threshold:int32(256) weights:int4(3,3,128,1) weights_pw:int4(1,1,128,256)",
		"separable_7 SeparableConvolutional <separable_6> act_step:float32(256) threshold:int32(256) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,256)",
		"separable_8 SeparableConvolutional <separable_7> act_step:float32(256) threshold:int32(256) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,256)",
		"separable_9 SeparableConvolutional <separable_8> act_step:float32(256) threshold:int32(256) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,256)",
		"separable_10 SeparableConvolutional <separable_9> act_step:float32(256) threshold:int32(256) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,256)",
		"separable_11 SeparableConvolutional <separable_10> act_step:float32(256) threshold:int32(256) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,256)",
		"separable_12 SeparableConvolutional <separable_11> act_step:float32(512) threshold:int32(512) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,512)",
		"separable_13 SeparableConvolutional <separable_12> act_step:float32(512) threshold:int32(512) weights:int4(3,3,512,1) weights_pw:int4(1,1,512,512)",
		"dense FullyConnected <separable_13> act_step:float32(16) threshold:int32(16) weights:int4(1,1,512,16)",
		"dense_1 FullyConnected <dense> act_step:float32(" + classes + ") threshold:int32(" + classes + ") weights:int4(1,1,16," + classes + ")",
	}
}

var fomoLayers = []string{
	"conv_0 InputConvolutional <> act_step:float32(16) threshold:int32(16) weights:int8(3,3,3,16) wta_groups:int32(16)",
	"conv_1 Convolutional <conv_0> act_step:float32(32) threshold:int32(32) weights:int4(3,3,16,32)",
	"conv_2 Convolutional <conv_1> act_step:float32(64) threshold:int32(64) weights:int4(3,3,32,64)",
	"conv_3 Convolutional <conv_2> act_step:float32(64) threshold:int32(64) weights:int4(3,3,64,64)",
	"separable_4 SeparableConvolutional <conv_3> act_step:float32(128) threshold:int32(128) weights:int4(3,3,64,1) weights_pw:int4(1,1,64,128)",
	"separable_5 SeparableConvolutional <separable_4> act_step:float32(128) threshold:int32(128) weights:int4(3,3,128,1) weights_pw:int4(1,1,128,128)",
	"conv2d Convolutional <separable_5> act_step:float32(32) threshold:int32(32) weights:int4(1,1,128,32)",
	"conv2d_1 Convolutional <conv2d> act_step:float32(2) threshold:int32(2) weights:int4(1,1,32,2)",
}

func poseLayers(firstWeights string) []string {
	return []string{
		"sequential_6_input InputData <> ",
		"dense FullyConnected <sequential_6_input> act_step:float32(35) threshold:int32(35) weights:" + firstWeights + "(1,1,51,35)",
		"dense_1 FullyConnected <dense> act_step:float32(25) threshold:int32(25) weights:int4(1,1,35,25)",
		"dense_2 FullyConnected <dense_1> act_step:float32(10) threshold:int32(10) weights:int4(1,1,25,10)",
		"y_pred FullyConnected <dense_2> act_step:float32(4) threshold:int32(4) weights:int4(1,1,10,4)",
	}
}

var hotdogLayers = []string{
	"conv_0 InputConvolutional <> act_step:float32(16) threshold:int32(16) weights:int8(3,3,3,16) wta_groups:int32(16)",
	"separable_1 SeparableConvolutional <conv_0> act_step:float32(32) threshold:int32(32) weights:int4(3,3,16,1) weights_pw:int4(1,1,16,32)",
	"separable_2 SeparableConvolutional <separable_1> act_step:float32(64) threshold:int32(64) weights:int4(3,3,32,1) weights_pw:int4(1,1,32,64)",
	"separable_3 SeparableConvolutional <separable_2> act_step:float32(64) threshold:int32(64) weights:int4(3,3,64,1) weights_pw:int4(1,1,64,64)",
	"separable_4 SeparableConvolutional <separable_3> act_step:float32(128) threshold:int32(128) weights:int4(3,3,64,1) weights_pw:int4(1,1,64,128)",
	"separable_5 SeparableConvolutional <separable_4> act_step:float32(128) threshold:int32(128) weights:int4(3,3,128,1) weights_pw:int4(1,1,128,128)",
	"separable_6 SeparableConvolutional <separable_5> act_step:float32(256) threshold:int32(256) weights:int4(3,3,128,1) weights_pw:int4(1,1,128,256)",
	"separable_7 SeparableConvolutional <separable_6> act_step:float32(256) threshold:int32(256) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,256)",
	"separable_8 SeparableConvolutional <separable_7> act_step:float32(256) threshold:int32(256) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,256)",
	"separable_9 SeparableConvolutional <separable_8> act_step:float32(256) threshold:int32(256) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,256)",
	"separable_10 SeparableConvolutional <separable_9> act_step:float32(256) threshold:int32(256) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,256)",
	"separable_11 SeparableConvolutional <separable_10> act_step:float32(256) threshold:int32(256) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,256)",
	"separable_12 SeparableConvolutional <separable_11> act_step:float32(512) threshold:int32(512) weights:int4(3,3,256,1) weights_pw:int4(1,1,256,512)",
	"separable_13 SeparableConvolutional <separable_12> act_step:float32(512) threshold:int32(512) weights:int4(3,3,512,1) weights_pw:int4(1,1,512,512)",
	"spike_generator SeparableConvolutional <separable_13> act_step:float32(2048) threshold:int32(2048) weights:int4(3,3,512,1) weights_pw:int4(1,1,512,2048)",
	"akida_edge_layer FullyConnected <spike_generator> act_step:float32(10) threshold:int32(10) threshold_learning:int32(10) thswap:int32(10) weights:bit(1,1,2048,10)",
}

func TestDecodeFixtures(t *testing.T) {
	for _, tc := range []struct {
		file    string
		version string
		layers  []string
		in, out akida.Shape
		// params of some layers, "key=value ..." in key order
		params map[string]string
	}{
		{"legacy_ei_akidanet_classifier.fbz", "", akidanetLayers("3"), akida.Shape{160, 160, 3}, akida.Shape{1, 1, 3}, map[string]string{
			"dense_1": "act_bits=1 activation=0 units=3 weights_bits=4",
		}},
		{"v233_ei_akidanet_classifier.fbz", "2.3.3", akidanetLayers("2"), akida.Shape{160, 160, 3}, akida.Shape{1, 1, 2}, map[string]string{
			// Global average pooling (fbz-format.md §5.2).
			"separable_13": "act_bits=4 activation=1 filters=512 kernel_height=3 kernel_width=3 padding=1 pool_type=2 pooling_height=-1 " +
				"pooling_stride_x=-1 pooling_stride_y=-1 pooling_width=-1 stride_x=1 stride_y=1 weights_bits=4",
			"dense_1": "act_bits=1 activation=0 units=2 weights_bits=4",
		}},
		{"legacy_ei_fomo_objdetection.fbz", "", fomoLayers, akida.Shape{160, 160, 3}, akida.Shape{20, 20, 2}, nil},
		{"v233_ei_inventory_fomo.fbz", "2.3.3", fomoLayers, akida.Shape{224, 224, 3}, akida.Shape{28, 28, 2}, map[string]string{
			// The example of fbz-format.md §5.1.
			"conv_0": "act_bits=4 activation=1 filters=16 input_channels=3 input_height=224 input_width=224 kernel_height=3 " +
				"kernel_width=3 padding=1 padding_value=0 pool_type=0 pooling_height=-1 pooling_stride_x=-1 pooling_stride_y=-1 " +
				"pooling_width=-1 stride_x=2 stride_y=2 weights_bits=8",
			"conv2d_1": "act_bits=1 activation=0 filters=2 kernel_height=1 kernel_width=1 padding=1 pool_type=0 pooling_height=-1 " +
				"pooling_stride_x=-1 pooling_stride_y=-1 pooling_width=-1 stride_x=1 stride_y=1 weights_bits=4",
		}},
		{"legacy_ei_gesture_fc.fbz", "", poseLayers("int8"), akida.Shape{1, 1, 51}, akida.Shape{1, 1, 4}, map[string]string{
			"sequential_6_input": "input_bits=4 input_channels=51 input_height=1 input_signed=0 input_width=1",
			"dense":              "act_bits=4 activation=1 units=35 weights_bits=8",
		}},
		{"v233_ei_pose_fc.fbz", "2.3.3", poseLayers("int4"), akida.Shape{1, 1, 51}, akida.Shape{1, 1, 4}, map[string]string{
			"sequential_6_input": "input_bits=4 input_channels=51 input_height=1 input_signed=0 input_width=1",
			"dense":              "act_bits=4 activation=1 units=35 weights_bits=4",
		}},
		{"legacy_mobilenet_edge_hotdog.fbz", "", hotdogLayers, akida.Shape{224, 224, 3}, akida.Shape{1, 1, 10}, map[string]string{
			// padding_value is 128 in this 2021 file (fbz-format.md §5.4).
			"conv_0": "act_bits=4 activation=1 filters=16 input_channels=3 input_height=224 input_width=224 kernel_height=3 " +
				"kernel_width=3 padding=1 padding_value=128 pool_type=0 pooling_height=-1 pooling_stride_x=-1 pooling_stride_y=-1 " +
				"pooling_width=-1 stride_x=2 stride_y=2 weights_bits=8",
			"separable_12": "act_bits=4 activation=1 filters=512 kernel_height=3 kernel_width=3 padding=1 pool_type=1 pooling_height=2 " +
				"pooling_stride_x=2 pooling_stride_y=2 pooling_width=2 stride_x=1 stride_y=1 weights_bits=4",
			"spike_generator":  "act_bits=1 activation=1 filters=2048 kernel_height=3 kernel_width=3 padding=1 pool_type=0 pooling_height=-1 pooling_stride_x=-1 pooling_stride_y=-1 pooling_width=-1 stride_x=1 stride_y=1 weights_bits=4",
			"akida_edge_layer": "act_bits=1 activation=0 units=10 weights_bits=1",
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m := decodeFixture(t, tc.file)
			if m.Version != tc.version {
				t.Errorf("version %q, want %q", m.Version, tc.version)
			}
			var got []string
			for _, l := range m.Layers {
				got = append(got, describe(l))
			}
			if !slices.Equal(got, tc.layers) {
				t.Errorf("layers:\n%q\nwant\n%q", got, tc.layers)
			}
			for name, want := range tc.params {
				if l := m.Layer(name); l == nil || paramString(l.Params) != want {
					t.Errorf("layer %s params\n got %v\nwant %s", name, l, want)
				}
			}
			in, err1 := m.InputShape()
			out, err2 := m.OutputShape()
			if in != tc.in || out != tc.out || err1 != nil || err2 != nil {
				t.Errorf("input %v %v, output %v %v; want %v, %v", in, err1, out, err2, tc.in, tc.out)
			}
			if m.IPVersion() != "v1" || len(m.Unverified()) != 0 {
				t.Errorf("IP %s, unverified %q; want v1, none", m.IPVersion(), m.Unverified())
			}
			// Every parameter set is exactly the kv key set of its type.
			for _, l := range m.Layers {
				if !slices.Equal(l.Params.Keys(), l.Type.ParamKeys()) {
					t.Errorf("layer %s keys %v, want %v", l.Name, l.Params.Keys(), l.Type.ParamKeys())
				}
			}
		})
	}
}

func TestDecodeEdgeLearningLayer(t *testing.T) {
	m := decodeFixture(t, "legacy_mobilenet_edge_hotdog.fbz")
	edge := m.Layer("akida_edge_layer")
	want := akida.Learning{LearningType: 1, NumWeights: 350, NumClasses: 10, InitialPlasticity: 1,
		LearningCompetition: 0.1, MinPlasticity: float64(float32(0.1)), PlasticityDecay: 0.25}
	if edge.Learning == nil || *edge.Learning != want {
		t.Errorf("learning %+v, want %+v", edge.Learning, want)
	}
	for _, l := range m.Layers[:len(m.Layers)-1] {
		if l.Learning != nil {
			t.Errorf("layer %s has learning %+v", l.Name, l.Learning)
		}
	}
	// fbz-format.md §4: read as numpy C order (1, 1, 2048, 10), each of
	// the 10 neurons has exactly num_weights = 350 ones.
	w, err := edge.Variable("weights").Int8s()
	if err != nil {
		t.Fatal(err)
	}
	for n := range 10 {
		ones := 0
		for i := range 2048 {
			ones += int(w[i*10+n])
		}
		if ones != 350 {
			t.Errorf("neuron %d has %d ones, want 350", n, ones)
		}
	}
}

func TestLegacyMatchesKV(t *testing.T) {
	// Pairs of fixtures with the same topology in both generations: the
	// legacy mapping must give the kv parameters, except for the values
	// the two models really differ in.
	for _, tc := range []struct {
		legacy, kv string
		differ     map[string][]string // layer → parameters that differ
	}{
		{"legacy_ei_akidanet_classifier.fbz", "v233_ei_akidanet_classifier.fbz", map[string][]string{"dense_1": {"units"}}},
		{"legacy_ei_fomo_objdetection.fbz", "v233_ei_inventory_fomo.fbz", map[string][]string{"conv_0": {"input_height", "input_width"}}},
		{"legacy_ei_gesture_fc.fbz", "v233_ei_pose_fc.fbz", map[string][]string{"dense": {"weights_bits"}}},
	} {
		a, b := decodeFixture(t, tc.legacy), decodeFixture(t, tc.kv)
		if len(a.Layers) != len(b.Layers) {
			t.Fatalf("%s has %d layers, %s %d", tc.legacy, len(a.Layers), tc.kv, len(b.Layers))
		}
		for i, la := range a.Layers {
			lb := b.Layers[i]
			if la.Name != lb.Name || la.Type != lb.Type || !slices.Equal(la.Params.Keys(), lb.Params.Keys()) {
				t.Errorf("%s: %s %s %v vs %s %s %v", tc.legacy, la.Name, la.Type, la.Params.Keys(), lb.Name, lb.Type, lb.Params.Keys())
				continue
			}
			var differ []string
			for k, v := range la.Params.All() {
				if lb.Params.Value(k) != v {
					differ = append(differ, k)
				}
			}
			if !slices.Equal(differ, tc.differ[la.Name]) {
				t.Errorf("%s layer %s: parameters %v differ from %s, want %v\n%s\n%s", tc.legacy, la.Name, differ, tc.kv, tc.differ[la.Name],
					paramString(la.Params), paramString(lb.Params))
			}
		}
	}
}
