package sim

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
)

func TestScratch(t *testing.T) {
	for _, f := range []string{"legacy_ei_gesture_fc.fbz", "v233_ei_pose_fc.fbz", "v233_ei_inventory_fomo.fbz", "legacy_ei_fomo_objdetection.fbz", "legacy_ei_akidanet_classifier.fbz", "v233_ei_akidanet_classifier.fbz", "legacy_mobilenet_edge_hotdog.fbz"} {
		b, _ := os.ReadFile("/work/shared/fixtures/akida/" + f)
		m, err := fbz.Decode(b)
		if err != nil {
			t.Fatal(f, err)
		}
		s, err := New(m)
		if err != nil {
			t.Fatal(f, err)
		}
		sh := s.InputShape()
		r := rand.New(rand.NewPCG(1, 2))
		in := Input{Shape: [4]int{1, sh[0], sh[1], sh[2]}, Data: make([]uint8, sh[0]*sh[1]*sh[2])}
		for i := range in.Data {
			in.Data[i] = uint8(r.IntN(1 << s.InputBits()))
		}
		t0 := time.Now()
		out, err := s.Forward(in, Options{KeepLayers: true})
		if err != nil {
			t.Fatal(f, err)
		}
		fmt.Println(f, time.Since(t0), out.Shape, out.Data[:min(10, len(out.Data))])
		for _, lo := range out.Layers {
			nz := 0
			mx := int32(-1 << 31)
			for _, v := range lo.Data {
				if v != 0 {
					nz++
				}
				mx = max(mx, v)
			}
			fmt.Printf("  %s %v nonzero %.2f max %d\n", lo.Name, lo.Shape, float64(nz)/float64(len(lo.Data)), mx)
		}
	}
}
