package sim

import (
	"fmt"
	"os"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

func TestScratch(t *testing.T) {
	for _, f := range []string{"legacy_ei_gesture_fc.fbz", "v233_ei_pose_fc.fbz", "v233_ei_inventory_fomo.fbz", "legacy_ei_fomo_objdetection.fbz", "legacy_ei_akidanet_classifier.fbz", "v233_ei_akidanet_classifier.fbz", "legacy_mobilenet_edge_hotdog.fbz"} {
		b, _ := os.ReadFile("/work/shared/fixtures/akida/" + f)
		m, err := fbz.Decode(b)
		if err != nil {
			t.Fatal(f, err)
		}
		fmt.Println("==", f, m.Version)
		shapes, err := m.Shapes()
		fmt.Println(err)
		for i, l := range m.Layers {
			fmt.Printf("%s %s %v %v\n", l.Name, l.Type, l.Params.Keys(), shapes[i])
			for k, v := range l.Params.All() {
				fmt.Printf(" %s=%d", k, v)
			}
			fmt.Println()
			for _, v := range l.Variables {
				fmt.Printf("   %s %s %v", v.Name, v.Type, v.Shape)
				if v.Type == 0 {
					x, _ := v.Int32s()
					fmt.Print(" ", x[:min(8, len(x))])
				}
				if v.Type == 1 {
					x, _ := v.Float32s()
					fmt.Print(" ", x[:min(8, len(x))])
				}
				fmt.Println()
			}
		}
	}
}
