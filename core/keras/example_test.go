package keras_test

import (
	"fmt"
	"os"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// Load a model from bytes and walk its layers: typed configs, output
// shapes (without the batch dimension) and weights by short name.
func ExampleLoad() {
	data, err := os.ReadFile("testdata/tiny_dense.h5")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := keras.Load([]keras.File{{Name: "tiny_dense.h5", Data: data}})
	if err != nil {
		fmt.Println(err) // a *keras.FormatError or *keras.UnsupportedError
		return
	}
	fmt.Println(m.Format, m.Class, m.Inputs, m.Outputs, m.InputShape())
	for _, l := range m.Layers {
		fmt.Println(l.Name, l.ClassName, l.Inbound, l.OutputShape, l.Params())
	}
	d := m.Layer("d")
	fmt.Println(d.Config.(*keras.Dense).Units, d.Weight("kernel").Shape, d.Weight("bias").Values)
	// Output:
	// keras2-h5 Sequential [in] [d] (None, 3)
	// in InputLayer [] (None, 3) 0
	// d Dense [in] (None, 2) 8
	// 2 [3 2] [0.5 -0.5]
}
