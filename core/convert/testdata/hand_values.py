#!/usr/bin/env python3
"""Cross-checks the hand-computed expected values of core/convert's tests.

It re-does, with NumPy and cnn2snn 2.19.1's formulas (spec conversion.md
§6, §7.4-§7.8), the arithmetic written in the comments of convert_test.go,
with NumPy 2 float32 rules: a·sf in float32, the threshold in float64 then
floor, act_step float32(a·sf·step·2^bits/16)·g. It does not import cnn2snn
(not available here); it only checks our arithmetic. Run: /usr/bin/python3
hand_values.py
"""
import numpy as np

f32 = np.float32


def thresholds(a, sf, bias, act=None, g=1, wsum=None, b=0.0):
    """act = (step, bits) or None."""
    asf = (f32(a) * np.asarray(sf, f32)).astype(f32)
    thr = f32(act[0]) * f32(0.5) if act else f32(0)
    step_ak = (np.float64(f32(act[0])) * 2.0 ** act[1] / 16) if act else 1.0
    th = asf.astype(np.float64) * (np.float64(thr) - np.asarray(bias, f32).astype(np.float64))
    if wsum is not None:
        th += np.asarray(wsum, np.float64) * b
    th *= g
    step = (asf.astype(np.float64) * step_ak).astype(f32) * f32(g)
    return np.floor(th).astype(np.int32), step


s04 = f32(6) / f32(15)
print("step 0.4f =", repr(float(s04)), "1/step =", repr(float(f32(1) / s04)))

# Test 1: InputConvolutional, a=2, b=3.5, sf=127, bias [0.5,-0.25], QuantizedReLU(4, 6)
k = np.array([1.0, 0.5, -0.5, -1.0, 0.25, 0.0, 0.0, 0.75], f32).reshape(2, 2, 1, 2)
ints = np.clip(np.round(k * f32(127)), -127, 127).astype(np.int8)
print("t1 conv0 ints", ints.reshape(-1).tolist(), "sums", ints.sum(axis=(0, 1, 2)).tolist())
print("t1 conv0", thresholds(2.0, [127, 127], [0.5, -0.25], (s04, 4), wsum=ints.sum(axis=(0, 1, 2)), b=3.5))
a1 = float(f32(1) / s04)
print("t1 conv1", thresholds(a1, [1, 1], [0, 0], (f32(1), 2)))
print("t1 dense", thresholds(1.0, [1, 1, 1], [0.5, 0, -1]))

# Test 2: InputData, a=3, separable sf = 2*[1.75, 7], bias [1,-2], GAP g=4, ActivationDiscreteRelu(4)
sf_sep = f32(2) * np.array([f32(7) / f32(4), f32(7) / f32(1)], f32)
print("t2 sep sf", sf_sep.tolist(), thresholds(3.0, sf_sep, [1, -2], (f32(6 / 15), 4), g=4))
print("t2 dense", thresholds(a1, [7, f32(7) / f32(2)], [0, 0], (f32(1), 2)))

# Test 3: v1 fix: a=3000, dense0 sf [80, 1], bias [0, -200], QuantizedReLU(4, 6)
sf80 = f32(7) / f32(0.0875)
th, st = thresholds(3000.0, [sf80, 1], [0, -200], (s04, 4))
print("t3 dense0 sf80", repr(float(sf80)), th.tolist(), st.tolist())
ratio = np.where(st > 65535, st / f32(65535), f32(1)).astype(f32)
new = np.minimum(st, f32(65535))
fix = (np.round(f32(0.5) * (new - st)) / f32(2 ** 0)).astype(np.int32)
print("t3 ratio", ratio.tolist(), "threshold fix", fix.tolist(), "->", (th + fix).tolist())
w1 = np.array([7, 4], np.int8)
print("t3 next weights", np.floor(w1 / ratio).astype(np.int8).tolist())
