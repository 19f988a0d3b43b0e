#!/usr/bin/python3
"""Independent check of tfjs's reference outputs with a hand-written numpy
forward pass (Debian /usr/bin/python3 + numpy + h5py), computed in float64:

1. keras2.0_conv2d_model (../shared fixture): Conv2D(2, 3x3, same, relu) →
   Dropout → Flatten → Dense(10, softmax), weights read with h5py.
2. tfjs_sequential_dense (project-made TF.js files): Dense(32, relu) →
   Dropout → Dense(4, sigmoid), weights read from model.json + shards.

Prints the max |numpy - tfjs| of each and fails when it exceeds
1e-6 * max(1, |tfjs value|): float32 keeps ~7 digits, and the Conv2D values
reach a few hundred (inputs are 0..255).
"""
import json
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED = os.environ.get("CNN2SNN_SHARED_KERAS", os.path.join(REPO, "..", "shared", "fixtures", "keras"))
REFERENCE = os.path.join(REPO, "core", "infer", "testdata", "reference")
TOLERANCE = 1e-6


def reference(name):
    folder = os.path.join(REFERENCE, name)
    return np.load(os.path.join(folder, "input.npy")).astype(np.float64), np.load(os.path.join(folder, "output.npy"))


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def keras20_conv2d():
    x, want = reference("keras2.0_conv2d_model")
    with h5py.File(os.path.join(SHARED, "keras2.0_conv2d_model_weights.h5"), "r") as f:
        k, b = f["conv2d_1/conv2d_1/kernel:0"][()], f["conv2d_1/conv2d_1/bias:0"][()]
        dk, db = f["dense_1/dense_1/kernel:0"][()], f["dense_1/dense_1/bias:0"][()]
    n, h, w, _ = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))  # "same" for a 3x3 kernel, stride 1
    conv = np.zeros((n, h, w, k.shape[3]))
    for i in range(3):
        for j in range(3):
            conv += np.einsum("nhwc,co->nhwo", padded[:, i:i + h, j:j + w, :], k[i, j])
    relu = np.maximum(conv + b, 0)
    # The softmax output saturates (inputs are 0..255), so also compare the
    # Conv2D layer's samples from layers.json, which have real magnitudes.
    record = layer_record("keras2.0_conv2d_model", "conv2d_1")
    index = [i for i, _ in record["samples"]]
    conv_got = relu[0].ravel()[index]
    conv_want = np.array([v for _, v in record["samples"]])
    hidden = relu.reshape(n, -1)  # Flatten in NHWC (C) order
    return [("conv2d_1 samples", conv_got, conv_want), ("output", softmax(hidden @ dk + db), want)]


def layer_record(folder, name):
    layers = json.load(open(os.path.join(REFERENCE, folder, "layers.json")))
    return [r for r in layers if r["name"] == name][0]


def tfjs_sequential_dense():
    x, want = reference("tfjs_sequential_dense")
    folder = os.path.join(REPO, "core", "keras", "testdata", "tfjs", "sequential_dense")
    manifest = json.load(open(os.path.join(folder, "model.json")))["weightsManifest"][0]
    data = b"".join(open(os.path.join(folder, p), "rb").read() for p in manifest["paths"])
    weights, at = {}, 0
    for spec in manifest["weights"]:
        count = int(np.prod(spec["shape"]))
        weights[spec["name"]] = np.frombuffer(data, "<f4", count, at).reshape(spec["shape"])
        at += 4 * count
    hidden = np.maximum(x @ weights["dense_relu/kernel"] + weights["dense_relu/bias"], 0)
    return [("output", 1 / (1 + np.exp(-(hidden @ weights["dense_sigmoid/kernel"] + weights["dense_sigmoid/bias"]))), want)]


def main():
    worst = 0.0
    for check in (keras20_conv2d, tfjs_sequential_dense):
        for label, got, want in check():
            diff = float(np.abs(got - want).max())
            relative = float((np.abs(got - want) / np.maximum(1, np.abs(want))).max())
            print(f"crosscheck {check.__name__} {label}: max |numpy - tfjs| = {diff:.3g} "
                  f"(relative to max(1, |tfjs|): {relative:.3g}) over {want.size} values up to {np.abs(want).max():.3g}")
            worst = max(worst, relative)
    if worst > TOLERANCE:
        sys.exit(f"crosscheck: tfjs and numpy differ by {worst:.3g} (relative), more than {TOLERANCE}")


if __name__ == "__main__":
    main()
