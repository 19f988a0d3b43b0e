#!/usr/bin/python3
"""Checks what generate.mjs wrote, with Debian's numpy (run by generate.mjs).

For every reference folder: input.npy and output.npy load in numpy, and
numpy.save writes byte-identical files from the loaded arrays (so the JS .npy
writer matches numpy's own format); shapes and dtypes agree with meta.json;
every value is finite; the output layer's record in layers.json describes
output.npy; the model-specific sanity checks below hold. For every
project-made TF.js model, the shards hold exactly the manifest's weights.
Exits non-zero with a message on the first failure.
"""
import io
import json
import os
import sys

import numpy as np

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
REFERENCE = os.path.join(REPO, "core", "infer", "testdata", "reference")
TFJS_MODELS = os.path.join(REPO, "core", "keras", "testdata", "tfjs")
MAX_REFERENCE_BYTES = 1_500_000

# What each model's output must look like: shape, and "softmax" (rows sum to
# 1), "sigmoid" (values in (0, 1)) or "logits" (no constraint).
EXPECTED = {
    "akidanet_imagenet_224_alpha_25_keras2.10": ((2, 1000), "logits"),
    "float_ecg_cnn_bn_keras2.15": ((4, 5), "logits"),
    "mobilenetv1_vww_96_keras2.4": ((4, 2), "softmax"),
    "keras2.0_conv2d_model": ((4, 10), "softmax"),
    "mnist_cnn_sequential_keras3.15": ((4, 10), "softmax"),
    "tfjs_tiny_cnn": ((4, 10), "softmax"),
    "tfjs_branchy": ((4, 9, 4), "softmax"),
    "tfjs_sequential_dense": ((4, 4), "sigmoid"),
}


def fail(where, message):
    sys.exit(f"check_outputs: {where}: {message}")


def load_npy(path):
    raw = open(path, "rb").read()
    array = np.load(io.BytesIO(raw))
    again = io.BytesIO()
    np.save(again, array)
    if again.getvalue() != raw:
        fail(path, "numpy.save writes different bytes for the same array: the header or data layout is off")
    return array


def check_folder(name):
    where = os.path.join(REFERENCE, name)
    meta = json.load(open(os.path.join(where, "meta.json")))
    layers = json.load(open(os.path.join(where, "layers.json")))
    x = load_npy(os.path.join(where, "input.npy"))
    y = load_npy(os.path.join(where, "output.npy"))
    if str(x.dtype) != meta["input"]["dtype"] or list(x.shape) != meta["input"]["shape"]:
        fail(where, f"input.npy is {x.dtype} {x.shape}, meta.json says {meta['input']['dtype']} {meta['input']['shape']}")
    if y.dtype != np.float32 or list(y.shape) != meta["output"]["shape"]:
        fail(where, f"output.npy is {y.dtype} {y.shape}, meta.json says float32 {meta['output']['shape']}")
    shape, kind = EXPECTED[name]
    if y.shape != shape:
        fail(where, f"output shape {y.shape}, expected {shape}")
    if not np.isfinite(y).all():
        fail(where, "output.npy has NaN or Inf")
    if not np.array_equal(x, documented_input(x.dtype, x.size).reshape(x.shape)):
        fail(where, "input.npy is not what meta.json's recipe (mulberry32, seed 1234) gives")
    if kind == "softmax" and np.abs(y.sum(axis=-1) - 1).max() > 1e-6:
        fail(where, f"softmax rows sum to {y.sum(axis=-1)}")
    if kind == "sigmoid" and not ((y > 0) & (y < 1)).all():
        fail(where, "sigmoid outputs outside (0, 1)")

    if len(layers) != meta["layers"]["count"]:
        fail(where, f"layers.json has {len(layers)} layers, meta.json says {meta['layers']['count']}")
    for record in layers:
        for key in ("sum", "abs_sum", "min", "max"):
            if record[key] is None or not np.isfinite(record[key]):
                fail(where, f"layer {record['name']}: {key} is not finite")
    check_record(where, [r for r in layers if r["name"] == meta["output"]["layer"]][0], y)
    if layers[0]["class_name"] == "InputLayer":
        check_record(where, layers[0], x.astype(np.float32))


def mulberry32(seed, count):
    """The uint32 stream of tools/reference/lib/prng.mjs, re-implemented."""
    out = np.empty(count, dtype=np.uint32)
    state = seed
    m = 0xFFFFFFFF
    for i in range(count):
        state = (state + 0x6D2B79F5) & m
        t = state
        t = ((t ^ (t >> 15)) * (t | 1)) & m
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & m)) & m
        out[i] = t ^ (t >> 14)
    return out


def documented_input(dtype, count):
    u = mulberry32(1234, count)
    if dtype == np.uint8:
        return (u >> 24).astype(np.uint8)
    # -1 + 2*u/2^32 in float64, then rounded to float32, as Float32Array stores it.
    return (-1 + 2 * (u.astype(np.float64) / 4294967296)).astype(np.float32)


def check_record(where, record, values):
    """The record's statistics and samples must describe `values` (N, ...)."""
    name = record["name"]
    if record["output_shape"] != list(values.shape[1:]):
        fail(where, f"layer {name}: output_shape {record['output_shape']}, array is {values.shape[1:]}")
    flat = values.astype(np.float64).ravel()
    for key, want in (("sum", flat.sum()), ("abs_sum", np.abs(flat).sum())):
        if abs(record[key] - want) > 1e-9 * max(1.0, abs(want)):
            fail(where, f"layer {name}: {key} {record[key]}, numpy says {want}")
    if record["min"] != flat.min() or record["max"] != flat.max():
        fail(where, f"layer {name}: min/max {record['min']}/{record['max']}, numpy says {flat.min()}/{flat.max()}")
    first = values[0].ravel()
    for index, value in record["samples"]:
        if float(first[index]) != value:
            fail(where, f"layer {name}: sample [{index}] is {value}, the array has {first[index]}")


def check_tfjs_model(name):
    where = os.path.join(TFJS_MODELS, name)
    model = json.load(open(os.path.join(where, "model.json")))
    for group in model["weightsManifest"]:
        want = sum(4 * int(np.prod(w["shape"], dtype=np.int64)) for w in group["weights"])
        got = sum(os.path.getsize(os.path.join(where, p)) for p in group["paths"])
        if want != got:
            fail(where, f"shards {group['paths']} hold {got} bytes, the manifest's float32 weights need {want}")


def main():
    folders = sorted(os.listdir(REFERENCE))
    folders = [f for f in folders if os.path.isdir(os.path.join(REFERENCE, f))]
    if sorted(EXPECTED) != folders:
        fail(REFERENCE, f"folders {folders}, expected {sorted(EXPECTED)}")
    for name in folders:
        check_folder(name)
    models = [m for m in sorted(os.listdir(TFJS_MODELS)) if os.path.isdir(os.path.join(TFJS_MODELS, m))]
    for name in models:
        check_tfjs_model(name)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(REFERENCE) for f in files)
    if total > MAX_REFERENCE_BYTES:
        fail(REFERENCE, f"{total} bytes, over the {MAX_REFERENCE_BYTES}-byte budget")
    print(f"check_outputs: {len(folders)} reference folders and {len(models)} TF.js models OK ({total} bytes of reference data)")


if __name__ == "__main__":
    main()
