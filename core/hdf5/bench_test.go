package hdf5

import (
	"testing"
)

// The bound: opening the largest fixture and reading every weight
// must cost no more than twice a plain copy of the same weight bytes.
const benchFixture = "mobilenetv1_vww_96_keras2.4.h5"

// weightDatasets returns every dataset of the file, depth first.
func weightDatasets(tb testing.TB, f *File) []*Dataset {
	tb.Helper()
	var out []*Dataset
	err := f.Root().Walk(func(path string, g *Group, d *Dataset, err error) error {
		if d != nil {
			out = append(out, d)
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkReadAllWeights opens the file, walks it and decodes every
// dataset into preallocated float32 buffers.
func BenchmarkReadAllWeights(b *testing.B) {
	data := fixtureBytes(b, benchFixture, "")
	f, err := Open(data)
	if err != nil {
		b.Fatal(err)
	}
	var bufs [][]float32
	total := 0
	for _, d := range weightDatasets(b, f) {
		bufs = append(bufs, make([]float32, d.Len()))
		total += d.Len() * d.Type().Size
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Open(data)
		if err != nil {
			b.Fatal(err)
		}
		for i, d := range weightDatasets(b, f) {
			if err := d.ReadFloat32s(bufs[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReadOpenedWeights is the decoding part alone: the datasets are
// opened once, outside the loop, and only ReadFloat32s is timed.
func BenchmarkReadOpenedWeights(b *testing.B) {
	data := fixtureBytes(b, benchFixture, "")
	f, err := Open(data)
	if err != nil {
		b.Fatal(err)
	}
	datasets := weightDatasets(b, f)
	var bufs [][]float32
	total := 0
	for _, d := range datasets {
		bufs = append(bufs, make([]float32, d.Len()))
		total += d.Len() * d.Type().Size
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for i, d := range datasets {
			if err := d.ReadFloat32s(bufs[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCopyWeightBytes is the baseline: a plain copy of the same
// weight byte ranges, located once outside the loop.
func BenchmarkCopyWeightBytes(b *testing.B) {
	data := fixtureBytes(b, benchFixture, "")
	f, err := Open(data)
	if err != nil {
		b.Fatal(err)
	}
	var ranges [][]byte
	var bufs [][]byte
	total := 0
	for _, d := range weightDatasets(b, f) {
		raw, err := d.raw()
		if err != nil {
			b.Fatal(err)
		}
		ranges = append(ranges, raw)
		bufs = append(bufs, make([]byte, len(raw)))
		total += len(raw)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for i, r := range ranges {
			copy(bufs[i], r)
		}
	}
}

// BenchmarkDecodeFloat32 compares the little-endian float32 paths on
// 1 MiB: the copy used on little-endian hosts and the portable loop.
func BenchmarkDecodeFloat32(b *testing.B) {
	src := make([]byte, 1<<20)
	dst := make([]float32, len(src)/4)
	b.Run("host", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			littleEndianFloat32s(dst, src)
		}
	})
	b.Run("loop", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			decodeLittleEndianFloat32s(dst, src)
		}
	})
}
