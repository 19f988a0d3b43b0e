package quantize

import (
	"bytes"

	"github.com/cnn2snn-wasm/cnn2snn-wasm/core/npy"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// percentileBySort is numpy.percentile's linear method on all the values.
func percentileBySort(values []float32, p float64) float64 {
	s := slices.Clone(values)
	slices.Sort(s)
	lo, hi, frac := percentileRank(len(s), p)
	return float64(s[lo]) + frac*(float64(s[hi])-float64(s[lo]))
}

// TestTopValuesIsExact: keeping only the top values gives exactly the
// percentile of all of them, fed in chunks as the calibration does.
func TestTopValuesIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 7, 100, 10001, 65536, 200000} {
		values := make([]float32, n)
		for i := range values {
			switch rng.IntN(3) {
			case 0: // ReLU outputs: many exact zeros
			case 1:
				values[i] = rng.Float32() * 10
			default:
				values[i] = float32(rng.IntN(5)) // ties
			}
		}
		for _, p := range []float64{99.99, 50, 100, 0} {
			top := newTopValues(n, p)
			for i := 0; i < n; i += 1000 {
				if err := top.add(values[i:min(i+1000, n)]); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := top.value(), percentileBySort(values, p); got != want {
				t.Errorf("n=%d p=%v: %v, want %v", n, p, got, want)
			}
			if p == 99.99 && len(top.heap) > n/5000+2 {
				t.Errorf("n=%d: kept %d values", n, len(top.heap))
			}
		}
	}
}

// TestPercentileZeroTakesTheMaximum: a ReLU active on fewer than 0.01% of
// its outputs has a 99.99th percentile of 0 and takes its maximum.
func TestPercentileZeroTakesTheMaximum(t *testing.T) {
	values := make([]float32, 20000)
	values[123] = 4.31
	top := newTopValues(len(values), CalibrationPercentile)
	if err := top.add(values); err != nil {
		t.Fatal(err)
	}
	rc, err := top.calibration("relu")
	if err != nil {
		t.Fatal(err)
	}
	if rc != (ReLUCalibration{Layer: "relu", Outputs: 20000, Percentile: 0, Max: float64(float32(4.31)), MaxValue: 4.4}) {
		t.Errorf("%+v", rc)
	}
	if err := top.add([]float32{float32(math.NaN())}); err == nil || err.Error() != "are not finite (NaN)" {
		t.Errorf("NaN: %v", err)
	}
}

func TestRoundUpTwoDigits(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{
		{3.17, 3.2}, {47.3, 48}, {0.0123, 0.013}, {6, 6}, {1, 1}, {99.99, 100}, {100, 100}, {101, 110},
		{1234, 1300}, {0.1, 0.1}, {float64(float32(3.2)), 3.2}, {float64(float32(0.7)), 0.7}, {3.2001, 3.3}, {1649.2, 1700},
	} {
		if got := roundUpTwoDigits(c.in); got != c.want {
			t.Errorf("roundUpTwoDigits(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// FuzzCalibrationBatch: a hostile .npy batch gives an error or a batch
// whose samples hold exactly one model input each, never a panic.
func FuzzCalibrationBatch(f *testing.F) {
	var b bytes.Buffer
	if err := npy.EncodeFloat32(&b, []int{2, 2, 3}, make([]float32, 12)); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte("\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2, 3), }    \n"))
	f.Add([]byte("\x93NUMPY\x01\x00\x46\x00{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3), }          \n\x01\x02\x03\x04\x05\x06"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, want := range [][]int{{2, 3}, {-1, 3}, {-1, -1}} {
			batch, err := npyBatch(data, want)
			if err != nil {
				continue
			}
			for i := range batch.n {
				x := batch.sample(i)
				if len(x.Shape) != 3 || x.Shape[0] != 1 || len(x.Data) != x.Shape[1]*x.Shape[2] || (want[0] > 0 && x.Shape[1] != want[0]) {
					t.Fatalf("sample %d of %v: shape %v, %d values", i, want, x.Shape, len(x.Data))
				}
			}
		}
	})
}
