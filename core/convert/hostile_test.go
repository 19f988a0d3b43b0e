package convert

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// TestHostileModelsGiveErrors: models keras.Load would normally refuse or
// that are broken in odd ways must give errors or diagnostics from Check
// and Convert, never a panic.
func TestHostileModelsGiveErrors(t *testing.T) {
	noWeights := modeltest.New("h", 4, 4, 1).Add("conv", qconv2d(2, [2]int{3, 3}, [2]int{1, 1}, "same", 8, false)).Model()
	wide := qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 30, false)
	badKernel := modeltest.New("h", 4, 4, 1).Add("conv", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 8, false), modeltest.W("kernel", []int{1, 1, 1, 3}, 1, 2)).Model()
	unknown := modeltest.New("h", 4, 4, 1).Add("x", &keras.Add{}).Model()
	unknown.Layers[1].Config, unknown.Layers[1].ClassName = nil, "MysteryLayer"
	cycle := modeltest.New("h", 4, 4, 1).Add("a", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6}).Add("b", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6}).Model()
	cycle.Layers[1].Inbound = []string{"b"}
	noShape := modeltest.New("h", 4, 4, 1).Add("conv", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 8, false), modeltest.W("kernel", []int{1, 1, 1, 2}, 1, 2)).Model()
	noShape.Layers[0].OutputShape = nil
	noShape.Layers[1].OutputShape = nil
	denseMismatch := modeltest.New("h", 2, 2, 3).
		Add("conv", qconv2d(2, [2]int{1, 1}, [2]int{1, 1}, "same", 8, false), modeltest.W("kernel", []int{1, 1, 3, 2}, 1, 2, 3, 4, 5, 6)).
		Add("relu", &keras.QuantizedReLU{Bitwidth: 4, MaxValue: 6}).
		Add("flatten", &keras.Flatten{}).
		Add("dense", qdense(2, 4, false), modeltest.W("kernel", []int{5, 2}, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)).
		Model()
	for name, m := range map[string]*keras.Model{
		"no layers":       {Name: "h"},
		"missing input":   {Name: "h", Inputs: []string{"ghost"}, Outputs: []string{"ghost"}},
		"no weights":      noWeights,
		"30-bit weights":  modeltest.New("h", 4, 4, 1).Add("conv", wide, modeltest.W("kernel", []int{1, 1, 1, 2}, 1, 2)).Model(),
		"kernel mismatch": badKernel,
		"unknown class":   unknown,
		"cycle":           cycle,
		"no shapes":       noShape,
		"dense mismatch":  denseMismatch,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Check(m, Options{}); err != nil {
				t.Logf("check: %v", err)
			}
			am, _, err := Convert(m, Options{})
			if err == nil || am != nil {
				t.Errorf("converted: %v", am)
			}
			t.Logf("convert: %v", err)
		})
	}
}
