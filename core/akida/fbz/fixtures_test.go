package fbz_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// The real .fbz files in ../shared/fixtures/akida (see its README).
var (
	legacyFiles = []string{
		"legacy_ei_akidanet_classifier.fbz",
		"legacy_ei_fomo_objdetection.fbz",
		"legacy_ei_gesture_fc.fbz",
		"legacy_mobilenet_edge_hotdog.fbz",
	}
	kvFiles = []string{
		"v233_ei_akidanet_classifier.fbz",
		"v233_ei_inventory_fomo.fbz",
		"v233_ei_pose_fc.fbz",
	}
	allFiles = append(append([]string(nil), legacyFiles...), kvFiles...)
)

// damaged ends the text of every FormatError about a file's content.
const damaged = " (the file is damaged or is not an Akida .fbz model)"

// readFixture reads a real .fbz file, skipping the test where the shared
// fixtures are absent.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	return fixtures.ReadShared(t, "akida", name)
}

// decodeFixture reads and decodes a real .fbz file.
func decodeFixture(t testing.TB, name string) *akida.Model {
	t.Helper()
	m, err := fbz.Decode(readFixture(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// describe formats a layer as "name Type <inbounds> var:type(numpy shape)…".
func describe(l *akida.Layer) string {
	var vars []string
	for _, v := range l.Variables {
		dims := make([]string, len(v.Shape))
		for i, d := range v.Shape {
			dims[i] = fmt.Sprint(d)
		}
		vars = append(vars, fmt.Sprintf("%s:%s(%s)", v.Name, v.Type, strings.Join(dims, ",")))
	}
	return fmt.Sprintf("%s %s <%s> %s", l.Name, l.Type, strings.Join(l.Inbounds, ","), strings.Join(vars, " "))
}

// paramString formats params as "key=value ..." in key order.
func paramString(p akida.Params) string {
	var parts []string
	for k, v := range p.All() {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	return strings.Join(parts, " ")
}
