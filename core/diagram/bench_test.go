package diagram_test

import (
	"testing"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/akida/fbz"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/diagram/fromcore"
	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/fixtures"
)

// BenchmarkDiagram measures what the page does once a check report is in:
// the layout and the SVG, for every fixture (the issue: the page's file →
// result time must not grow by more than 20 ms because of the diagram).
// "collapsed" draws every block as one box.
func BenchmarkDiagram(b *testing.B) {
	for _, f := range fixtureReports() {
		r := f.report(b)
		d, err := diagram.Keras(r, diagram.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var all []string
		for _, fr := range d.Frames {
			all = append(all, fr.ID)
		}
		for _, c := range []struct {
			name string
			o    diagram.Options
		}{{f.name, diagram.Options{}}, {f.name + "/collapsed", diagram.Options{Collapsed: all}}} {
			b.Run(c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					d, err := diagram.Keras(r, c.o)
					if err != nil {
						b.Fatal(err)
					}
					_ = d.SVG(diagram.SVGOptions{})
				}
			})
		}
	}
}

// BenchmarkAkidaDiagram measures the diagram of an opened .fbz (AkidaNet
// for Edge Impulse, 15 layers) and of the converted Akida 2.0 Add model.
func BenchmarkAkidaDiagram(b *testing.B) {
	m, err := fbz.Decode(fixtures.ReadShared(b, "akida", "v233_ei_akidanet_classifier.fbz"))
	if err != nil {
		b.Fatal(err)
	}
	models := []struct {
		name  string
		model diagram.AkidaModel
	}{
		{"v233_ei_akidanet_classifier", fromcore.Akida(m)},
		{"qml-depthwise-add", convertFile(b, fixtures.Repo(b, "core", "keras", "testdata", "quantizeml", "qml_depthwise_add_gap_keras2.15.h5"), "v2")},
	}
	for _, c := range models {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := diagram.Akida(c.model)
				if err != nil {
					b.Fatal(err)
				}
				_ = d.SVG(diagram.SVGOptions{})
			}
		})
	}
}
