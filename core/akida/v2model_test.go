package akida_test

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/akidatest"
)

func TestV2ModelsCheck(t *testing.T) {
	for _, m := range []interface{ Check() error }{akidatest.Graph(t), akidatest.Temporal(t)} {
		if err := m.Check(); err != nil {
			t.Error(err)
		}
	}
}
