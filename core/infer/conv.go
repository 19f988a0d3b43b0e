package infer

// The convolution kernels. They work on NHWC tensors with Keras kernel
// layouts and accumulate in float32 in a fixed order, so results are
// deterministic. The inner loop of each is an axpy over the output
// channels of one pixel (out[co] += x·k[co]): the kernel row and the
// output row are both contiguous, so memory streams and the compiler can
// drop bounds checks after one re-slice.

// conv2D is Keras Conv2D: out[n,oy,ox,co] = bias[co] + Σ x[n,iy,ix,ci]·k[ky,kx,ci,co],
// with iy = rows.at(oy, ky), ix = cols.at(ox, kx), over the cells inside
// the input (padding contributes zeros). kernel has the Keras layout
// (kh, kw, cin/groups, cout); with groups > 1 output channel co only sees
// the input channels of its group. bias may be nil.
func conv2D(x Tensor, kernel, bias []float32, rows, cols window, cout, groups int) (Tensor, error) {
	n, h, w, cin := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	out, err := newTensor(n, rows.out, cols.out, cout)
	if err != nil {
		return Tensor{}, err
	}
	cinG, coutG := cin/groups, cout/groups
	kw := cols.size
	for b := range n {
		for oy := range rows.out {
			kyLo, kyHi := rows.cells(oy)
			for ox := range cols.out {
				kxLo, kxHi := cols.cells(ox)
				o := out.Data[((b*rows.out+oy)*cols.out+ox)*cout:][:cout]
				if bias != nil {
					copy(o, bias)
				}
				for ky := kyLo; ky < kyHi; ky++ {
					iy := rows.at(oy, ky)
					for kx := kxLo; kx < kxHi; kx++ {
						ix := cols.at(ox, kx)
						px := x.Data[((b*h+iy)*w+ix)*cin:][:cin]
						k := kernel[(ky*kw+kx)*cinG*cout:][:cinG*cout]
						for g := range groups {
							og := o[g*coutG:][:coutG]
							for ci, v := range px[g*cinG : (g+1)*cinG] {
								axpy(og, k[ci*cout+g*coutG:][:coutG], v)
							}
						}
					}
				}
			}
		}
	}
	return out, nil
}

// depthwiseConv2D is Keras DepthwiseConv2D: each input channel c is
// convolved with its own depth_multiplier filters, giving output channels
// c·mult … c·mult+mult−1. kernel has the layout (kh, kw, cin, mult).
// bias (cin·mult values) may be nil.
func depthwiseConv2D(x Tensor, kernel, bias []float32, rows, cols window, mult int) (Tensor, error) {
	n, h, w, cin := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	cout := cin * mult
	out, err := newTensor(n, rows.out, cols.out, cout)
	if err != nil {
		return Tensor{}, err
	}
	kw := cols.size
	for b := range n {
		for oy := range rows.out {
			kyLo, kyHi := rows.cells(oy)
			for ox := range cols.out {
				kxLo, kxHi := cols.cells(ox)
				o := out.Data[((b*rows.out+oy)*cols.out+ox)*cout:][:cout]
				if bias != nil {
					copy(o, bias)
				}
				for ky := kyLo; ky < kyHi; ky++ {
					iy := rows.at(oy, ky)
					for kx := kxLo; kx < kxHi; kx++ {
						ix := cols.at(ox, kx)
						px := x.Data[((b*h+iy)*w+ix)*cin:][:cin]
						k := kernel[(ky*kw+kx)*cout:][:cout]
						if mult == 1 {
							mulAdd(o, px, k)
							continue
						}
						for c, v := range px {
							axpy(o[c*mult:][:mult], k[c*mult:][:mult], v)
						}
					}
				}
			}
		}
	}
	return out, nil
}

// dense is Keras Dense on the last axis of a tensor of any rank:
// out[…, u] = bias[u] + Σ x[…, k]·kernel[k, u]. kernel is (in, units).
func dense(x Tensor, kernel, bias []float32, units int) (Tensor, error) {
	in := x.Shape[len(x.Shape)-1]
	shape := append(append([]int(nil), x.Shape[:len(x.Shape)-1]...), units)
	out, err := newTensor(shape...)
	if err != nil {
		return Tensor{}, err
	}
	for r := range len(x.Data) / in {
		o := out.Data[r*units:][:units]
		if bias != nil {
			copy(o, bias)
		}
		for k, v := range x.Data[r*in:][:in] {
			axpy(o, kernel[k*units:][:units], v)
		}
	}
	return out, nil
}

// axpy adds a·x to y (len(x) ≥ len(y)).
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += a * x[i]
	}
}

// mulAdd adds a[i]·b[i] to y[i] (len(a), len(b) ≥ len(y)).
func mulAdd(y, a, b []float32) {
	a, b = a[:len(y)], b[:len(y)]
	for i := range y {
		y[i] += a[i] * b[i]
	}
}
