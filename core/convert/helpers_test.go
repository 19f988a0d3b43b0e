package convert

import (
	"os"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/compat/modeltest"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/keras"
)

// loadFixture loads a Keras fixture from ../shared/fixtures/keras.
func loadFixture(t testing.TB, name string) *keras.Model {
	t.Helper()
	b, err := os.ReadFile(fixtures.Shared(t, "keras", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := keras.Load([]keras.File{{Name: name, Data: b}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// quantizeForTest quantizes the fixtures with modeltest.Quantize, a small
// stand-in written before core/quantize existed: it keeps these tests about
// the converter alone (core/quantize's own choices, such as calibrating
// unbounded ReLUs, do not change their expected values).
func quantizeForTest(m *keras.Model, wBits, aBits, inBits int) *keras.Model {
	return modeltest.Quantize(m, wBits, aBits, inBits)
}
