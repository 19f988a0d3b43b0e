package ui

import (
	"encoding/json"
	"time"

	"github.com/vugu/vugu"
)

// The browser compiles WebAssembly lazily, each function when it first
// runs (see wasm/warmup.go for the converter's side). The first answer the
// page shows runs code that nothing ran before it: the decoding of a
// report and the Build of the result components. On a first visit it took
// 100–250 ms more than the same answer later (make bench-web). So a moment
// after the page is ready, while the user picks a file, the page decodes
// a small made-up report and builds its result components once, off
// screen: nothing is rendered, shown or kept.

const (
	// warmUpDelay lets the page's own start finish first.
	warmUpDelay = 300 * time.Millisecond
	// warmUpPause between the warm-up's steps hands the thread back to the
	// browser.
	warmUpPause = 20 * time.Millisecond
)

// warmUpReport is a conversion report in miniature, with every kind of
// field the page reads: a refused layer, a diagnostic and its rule, shapes
// with an open dimension, Akida parameters and variables.
const warmUpReport = `{"model":"m","compatible":false,"origin":"float","target":"v1",
"input_scaling":{"scale":255,"shift":0,"source":"option"},
"blocks":[{"akida_layer":"conv","akida_type":"InputConvolutional","keras_layers":["input","conv","relu"],"output_shape":[8,8,4],"weight_bits":8,"activation_bits":4,"incompatible_layers":[]},
{"akida_layer":"dense","akida_type":"FullyConnected","keras_layers":["flatten","dense"],"output_shape":[1,1,2],"weight_bits":4,"activation_bits":0,"incompatible_layers":["dense"]}],
"diagnostics":[{"layer":"dense","rule":"r","message":"a problem"}],"rules":{"r":"what the rule checks"},
"steps":["loaded","converted"],"warnings":["a warning"],
"keras":{"name":"m","format":"keras3-zip","keras_version":"3.15.1","total_params":10,"layers":[
{"name":"input","class_name":"InputLayer","inbound":[],"output_shape":[null,8,8,1],"params":0},
{"name":"conv","class_name":"Conv2D","inbound":["input"],"output_shape":[null,8,8,4],"params":40}]},
"summary":"Model summary","layers":2,"weights":10,"fbz_bytes":100,
"akida":{"version":"2.19.1","ip_version":"v1","input_shape":[8,8,1],"output_shape":[1,1,2],"layers":[
{"name":"conv","type":"InputConvolutional","params":{"act_bits":4,"weights_bits":8},"variables":[{"name":"weights","type":"int8","shape":[3,3,1,4]}],"inbounds":[],"output_shape":[8,8,4]},
{"name":"dense","type":"FullyConnected","params":{"act_bits":0,"weights_bits":4},"variables":[{"name":"weights","type":"int4","shape":[256,2]}],"inbounds":["conv"],"output_shape":[1,1,2]}]}}`

// warmUp decodes warmUpReport into a page as a conversion shows it and
// builds the page's components for it, with a BuildEnv of its own. It
// works in three steps, each under 50 ms on a first visit (decoding,
// then the Keras side, then the Akida side), and lets the browser run in
// between, so the page stays responsive.
func (c *Controller) warmUp(pause func()) error {
	var r ConvertReport
	if err := json.Unmarshal([]byte(warmUpReport), &r); err != nil {
		return err
	}
	env, err := vugu.NewBuildEnv(c.env)
	if err != nil {
		return err
	}
	check := r.Report.withDocs()
	p := &Page{Version: c.Page.Version, Files: []FileInfo{{Name: "m.h5", Size: 1}}, Kind: KindKeras, Form: DefaultForm(),
		Report: &check, Inspect: r.Keras, VerifySamples: DefaultVerifySamples}
	root := &Root{Ctl: &Controller{Page: p, env: c.env, base: c.base}}
	pause()
	env.RunBuild(root)
	pause()
	p.Summary = &SummaryReport{Bytes: r.FBZBytes, Summary: r.Summary, Model: r.Akida}
	p.FBZName = "m.fbz"
	p.Downloads = []Download{{Label: "Download m.fbz", Name: "m.fbz", URL: "blob:", Bytes: r.FBZBytes}}
	env.RunBuild(root)
	return nil
}
