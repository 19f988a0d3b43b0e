package infer

import (
	"math"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// FuzzQuantizeML changes the quantization numbers of the small quantizeml
// models (bit widths, calibrated ranges and rates, a bias, a ReLU bound,
// an input value) to arbitrary values, then records and runs the model:
// both must return an error or a result, never panic. `go test -fuzz
// FuzzQuantizeML ./core/infer/`.
func FuzzQuantizeML(f *testing.F) {
	files := []string{"qml_input_pad_keras2.15.h5", "qml_depthwise_add_gap_keras2.15.h5", "qml_lut_unsigned_keras2.15.h5", "qml_transpose_concat_keras2.15.h5"}
	f.Add(uint8(0), 8, float32(1), float32(1), float32(0.5), float32(3))
	f.Add(uint8(1), 1, float32(0), float32(1e-30), float32(1e30), float32(-7))
	f.Add(uint8(2), 32, float32(1e20), float32(3), float32(-1), float32(0.25))
	f.Add(uint8(3), 11, float32(math.Inf(1)), float32(2), float32(0), float32(255))
	f.Fuzz(func(t *testing.T, which uint8, bits int, rangeMax, rate, bias, input float32) {
		m := loadQMLModel(t, files[int(which)%len(files)])
		for _, l := range m.Layers {
			if oq := l.OutputQuantizer(); oq != nil {
				oq.Bitwidth = bits
				if w := l.Weight("output_quantizer/range_max"); w != nil {
					w.Values[0] = rangeMax
				}
				if w := l.Weight("output_quantizer/rescaling_rate"); w != nil {
					w.Values[0] = rate
				}
			}
			if w := l.Weight("bias"); w != nil {
				w.Values[0] = bias
			}
			if c, ok := l.Config.(*keras.QMLReLU); ok {
				v := float64(rangeMax)
				c.MaxValue = &v
			}
		}
		q, err := NewQuantizeML(m)
		if err != nil {
			return
		}
		shape := append([]int{1}, m.InputShape()...)
		in := filled(input, shape...)
		res, err := q.Run(in, Options{KeepLayers: true})
		if err != nil {
			return
		}
		if len(res.Outputs) != 1 || len(res.Layers) != len(m.Layers) {
			t.Errorf("%d outputs, %d layers kept", len(res.Outputs), len(res.Layers))
		}
	})
}
