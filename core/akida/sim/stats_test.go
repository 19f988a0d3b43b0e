package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestStats(t *testing.T) {
	r := rand.New(rand.NewPCG(2025, 7))
	types := map[string]int{}
	var nz, total, sat int
	for range 300 {
		m, in := randomModel(t, r)
		for _, l := range m.Layers {
			types[fmt.Sprintf("%s/pool%d/pad%d/act%d", l.Type, l.Params.Value("pool_type"), l.Params.Value("padding"), l.Params.Value("activation"))]++
		}
		s, _ := New(m)
		out, _ := s.Forward(in, Options{KeepLayers: true})
		for _, lo := range out.Layers[1:] {
			for _, v := range lo.Data {
				total++
				if v != 0 {
					nz++
				}
				if v == 15 || v == 3 || v == 1 {
					sat++
				}
			}
		}
	}
	fmt.Println(types, nz, total, sat)
}
