package infer

import "math"

// maxPool2D is Keras MaxPooling2D: the maximum of each window over the
// cells inside the input. With padding "same", padded cells are ignored
// (TF pads with −∞), so a border window is the max of its real cells.
func maxPool2D(x Tensor, rows, cols window) (Tensor, error) {
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	if err := checkWork(rows.out, cols.out, min(rows.size, h), min(cols.size, w), c); err != nil {
		return Tensor{}, err
	}
	out, err := newTensor(n, rows.out, cols.out, c)
	if err != nil {
		return Tensor{}, err
	}
	for b := range n {
		for oy := range rows.out {
			kyLo, kyHi := rows.cells(oy)
			for ox := range cols.out {
				kxLo, kxHi := cols.cells(ox)
				o := out.Data[((b*rows.out+oy)*cols.out+ox)*c:][:c]
				for i := range o {
					o[i] = float32(math.Inf(-1))
				}
				for ky := kyLo; ky < kyHi; ky++ {
					iy := rows.at(oy, ky)
					for kx := kxLo; kx < kxHi; kx++ {
						px := x.Data[((b*h+iy)*w+cols.at(ox, kx))*c:][:c]
						for i, v := range px {
							if v > o[i] {
								o[i] = v
							}
						}
					}
				}
			}
		}
	}
	return out, nil
}

// avgPool2D is Keras AveragePooling2D: the mean of each window over the
// cells inside the input. With padding "same" the padded cells are not
// counted (TF's avg_pool divides by the number of real cells), so a 3×3
// window on a corner averages its 4 real cells.
func avgPool2D(x Tensor, rows, cols window) (Tensor, error) {
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	if err := checkWork(rows.out, cols.out, min(rows.size, h), min(cols.size, w), c); err != nil {
		return Tensor{}, err
	}
	out, err := newTensor(n, rows.out, cols.out, c)
	if err != nil {
		return Tensor{}, err
	}
	for b := range n {
		for oy := range rows.out {
			kyLo, kyHi := rows.cells(oy)
			for ox := range cols.out {
				kxLo, kxHi := cols.cells(ox)
				o := out.Data[((b*rows.out+oy)*cols.out+ox)*c:][:c]
				for ky := kyLo; ky < kyHi; ky++ {
					iy := rows.at(oy, ky)
					for kx := kxLo; kx < kxHi; kx++ {
						px := x.Data[((b*h+iy)*w+cols.at(ox, kx))*c:][:c]
						for i, v := range px {
							o[i] += v
						}
					}
				}
				count := float32((kyHi - kyLo) * (kxHi - kxLo))
				for i := range o {
					o[i] /= count
				}
			}
		}
	}
	return out, nil
}

// globalAvgPool2D is Keras GlobalAveragePooling2D: the mean over height
// and width of each channel, summed in float64 so that large feature maps
// lose no precision. keepDims keeps a (N, 1, 1, C) shape instead of
// (N, C).
func globalAvgPool2D(x Tensor, keepDims bool) Tensor {
	n, hw, c := x.Shape[0], x.Shape[1]*x.Shape[2], x.Shape[3]
	shape := []int{n, c}
	if keepDims {
		shape = []int{n, 1, 1, c}
	}
	out := Tensor{Shape: shape, Data: make([]float32, n*c)}
	sums := make([]float64, c)
	for b := range n {
		clear(sums)
		for p := range hw {
			for i, v := range x.Data[(b*hw+p)*c:][:c] {
				sums[i] += float64(v)
			}
		}
		for i, s := range sums {
			out.Data[b*c+i] = float32(s / float64(hw))
		}
	}
	return out
}
