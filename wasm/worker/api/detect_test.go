package api

import (
	"bytes"
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// The worker tells an Akida model by its content, as the CLI and the page
// do (core.DetectKind): an .fbz sent as the raw body, which the worker
// names "model", is answered as an Akida model on every endpoint, not as
// a file of unknown kind.
func TestAkidaModelByContent(t *testing.T) {
	h := New(Config{})
	fbzBytes := fixtures.ReadShared(t, "akida", "v233_ei_pose_fc.fbz")
	for _, path := range []string{"/v1/inspect", "/v1/check", "/v1/convert"} {
		rec := serve(t, h, "POST", path, bytes.NewReader(fbzBytes))
		wantProblem(t, rec, 400, "model: this is an Akida model (.fbz), not a Keras model; it is already converted. Use 'cnn2snn summary' to look at it")
	}
}
