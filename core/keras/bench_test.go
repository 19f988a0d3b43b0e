package keras

import (
	"path"
	"strings"
	"testing"
)

// BenchmarkLoad loads each fixture model (and the TF.js models). B/op
// shows that the file bytes are not copied: it stays close to the float32
// weights (4 bytes per parameter) plus the config.
func BenchmarkLoad(b *testing.B) {
	for _, e := range loadExpected(b) {
		name := strings.TrimSuffix(path.Base(e.Files[0]), path.Ext(e.Files[0]))
		if strings.HasPrefix(e.Files[0], "tfjs/") {
			name = "tfjs_" + path.Base(path.Dir(e.Files[0]))
		}
		b.Run(name, func(b *testing.B) {
			files := filesOf(b, e.Files)
			size := 0
			for _, f := range files {
				size += len(f.Data)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(files); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(e.TotalParams*4), "weight-bytes")
		})
	}
}
