package infer

// The convolution kernels. They work on NHWC tensors with Keras kernel
// layouts and accumulate in float32 in a fixed order, so results are
// deterministic. The inner loops run over the output channels of one
// pixel (out[co] += x·k[co]): the kernel row and the output row are both
// contiguous, so memory streams and the compiler can drop bounds checks
// after one re-slice.

// conv2D is Keras Conv2D: out[n,oy,ox,co] = bias[co] + Σ x[n,iy,ix,ci]·k[ky,kx,ci,co],
// with iy = rows.at(oy, ky), ix = cols.at(ox, kx), over the cells inside
// the input (padding contributes zeros). kernel has the Keras layout
// (kh, kw, cin/groups, cout); with groups > 1 output channel co only sees
// the input channels of its group. bias may be nil.
func conv2D(x Tensor, kernel, bias []float32, rows, cols window, cout, groups int) (Tensor, error) {
	n, h, w, cin := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	cinG, coutG := cin/groups, cout/groups
	if err := checkWork(rows.out, cols.out, min(rows.size, h), min(cols.size, w), cinG, cout); err != nil {
		return Tensor{}, err
	}
	out, err := newTensor(n, rows.out, cols.out, cout)
	if err != nil {
		return Tensor{}, err
	}
	kw := cols.size
	// Without dilation or groups, the cells kxLo…kxHi−1 of a kernel row
	// read consecutive input pixels, and both the NHWC input and the
	// kernel hold them contiguously: the row is one vector×matrix product
	// of (kxHi−kxLo)·cin inputs.
	wholeRows := groups == 1 && cols.dilation == 1
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
					row := ((b*h + rows.at(oy, ky)) * w) * cin
					if wholeRows {
						ix := cols.at(ox, kxLo)
						span := (kxHi - kxLo) * cin
						vecMat(o, x.Data[row+ix*cin:][:span], kernel[(ky*kw+kxLo)*cin*cout:], cout)
						continue
					}
					for kx := kxLo; kx < kxHi; kx++ {
						px := x.Data[row+cols.at(ox, kx)*cin:][:cin]
						k := kernel[(ky*kw+kx)*cinG*cout:][:cinG*cout]
						for g := range groups {
							vecMat(o[g*coutG:][:coutG], px[g*cinG:][:cinG], k[g*coutG:], cout)
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
	if err := checkWork(rows.out, cols.out, min(rows.size, h), min(cols.size, w), cout); err != nil {
		return Tensor{}, err
	}
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
	if err := checkWork(len(x.Data)/x.Shape[0], units); err != nil {
		return Tensor{}, err
	}
	out, err := newTensor(shape...)
	if err != nil {
		return Tensor{}, err
	}
	for r := range len(x.Data) / in {
		o := out.Data[r*units:][:units]
		if bias != nil {
			copy(o, bias)
		}
		vecMat(o, x.Data[r*in:][:in], kernel, units)
	}
	return out, nil
}

// vecMat adds x·K to y, where row r of K is k[r·stride:][:len(y)]. Eight
// rows at a time: each y[j] is loaded and stored once per eight inputs
// instead of once per input, which is what bounds the speed when y (the
// output channels) is short. Eight rather than four because Go's wasm
// code keeps y[j] in linear memory: there eight rows run 1.9× faster
// than four, at a 15% cost natively (amd64). The summation order is
// fixed, so results are deterministic.
func vecMat(y, x, k []float32, stride int) {
	n := len(y)
	r := 0
	for ; r+8 <= len(x); r += 8 {
		a0, a1, a2, a3, a4, a5, a6, a7 := x[r], x[r+1], x[r+2], x[r+3], x[r+4], x[r+5], x[r+6], x[r+7]
		k0 := k[r*stride:][:n]
		k1 := k[(r+1)*stride:][:n]
		k2 := k[(r+2)*stride:][:n]
		k3 := k[(r+3)*stride:][:n]
		k4 := k[(r+4)*stride:][:n]
		k5 := k[(r+5)*stride:][:n]
		k6 := k[(r+6)*stride:][:n]
		k7 := k[(r+7)*stride:][:n]
		for j := range y {
			y[j] += a0*k0[j] + a1*k1[j] + a2*k2[j] + a3*k3[j] + a4*k4[j] + a5*k5[j] + a6*k6[j] + a7*k7[j]
		}
	}
	for ; r < len(x); r++ {
		axpy(y, k[r*stride:][:n], x[r])
	}
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
