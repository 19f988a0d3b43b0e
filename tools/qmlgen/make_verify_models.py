#!/usr/bin/env python3
"""Writes the quantizeml-quantized Keras models core/verify tests its Akida 2.0
verification with (core/verify/testdata/*.h5), in the layout of make_qml_testdata.py
(tf.keras 2.15 model.save("x.h5") with quantizeml 1.1.1's configs, spec conversion-v2.md §3).

Unlike make_qml_testdata.py's models, whose numbers are chosen to be worked out by hand,
these look like trained models: Glorot-uniform kernels and small random biases, and output
quantizer ranges calibrated as quantizeml's calibration would set them — the largest value
each quantized tensor takes over a batch of random inputs, computed here by a float
forward pass in NumPy — so that the quantized integers spread over their whole range.

* qml_int8_residual: int8 input (16, 16, 3) → QuantizedConv2D 3x3 → QuantizedReLU (8-bit)
  → { QuantizedConv2D 3x3 → QuantizedReLU (8-bit) ‖ 1x1 QuantizedConv2D with its own 8-bit
  output quantizer } → QuantizedAdd (8-bit) → QuantizedConv2D 3x3 → QuantizedMaxPool2D 2x2
  → QuantizedReLU (4-bit unsigned) → QuantizedDepthwiseConv2D 3x3 → QuantizedReLU (8-bit)
  → 1x1 QuantizedConv2D → QuantizedReLU → QuantizedGlobalAveragePooling2D (8-bit) →
  QuantizedDense (no output quantizer) → Dequantizer. An int8 input is no input pattern, so
  cnn2snn puts a signed InputData before the first Conv2D.

Run from the repository root with Debian's h5py: /usr/bin/python3 tools/qmlgen/make_verify_models.py
It is seeded: re-running it reproduces the file byte for byte.
"""
import json
import os

import h5py
import numpy as np

OUT = os.path.join("core", "verify", "testdata")
rng = np.random.default_rng(20260314)


def base(name):
    return {"name": name, "trainable": True, "dtype": "float32"}


def init(cls):
    return {"module": "keras.initializers", "class_name": cls, "config": {"seed": None} if cls == "GlorotUniform" else {},
            "registered_name": None}


def regs():
    return {"kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None}


def oq(bits=8, signed=True):
    return {"bitwidth": bits, "signed": signed, "axis": "per-tensor", "buffer_bitwidth": 32}


def conv_cfg(name, filters, k, out=None):
    qc = {"weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}
    if out:
        qc["output_quantizer"] = out
    return "Custom>QuantizedConv2D", dict(
        base(name), filters=filters, kernel_size=[k, k], strides=[1, 1], padding="same", data_format="channels_last",
        dilation_rate=[1, 1], groups=1, activation="linear", use_bias=True, kernel_initializer=init("GlorotUniform"),
        bias_initializer=init("Zeros"), **regs(), quant_config=qc)


def depthwise_cfg(name, k):
    return "Custom>QuantizedDepthwiseConv2D", dict(
        base(name), kernel_size=[k, k], strides=[1, 1], padding="same", depth_multiplier=1,
        data_format="channels_last", dilation_rate=[1, 1], activation="linear", use_bias=True,
        depthwise_initializer=init("GlorotUniform"), bias_initializer=init("Zeros"), depthwise_regularizer=None,
        bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None, bias_constraint=None,
        quant_config={"weight_quantizer": {"bitwidth": 8, "axis": -2}, "buffer_bitwidth": 28})


def relu_cfg(name, out=None):
    qc = {"buffer_bitwidth": 32}
    if out:
        qc["output_quantizer"] = out
    return "Custom>QuantizedReLU", dict(base(name), quant_config=qc, max_value=None)


def glorot(shape, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def conv_same(x, k, b):
    """Float 'same' convolution, stride 1 (TF padding rule), x (N, H, W, C), k (kh, kw, C, F)."""
    kh, kw = k.shape[:2]
    top, left = (kh - 1) // 2, (kw - 1) // 2
    xp = np.pad(x, ((0, 0), (top, kh - 1 - top), (left, kw - 1 - left), (0, 0)))
    n, h, w, _ = x.shape
    out = np.zeros((n, h, w, k.shape[3]), np.float64)
    for i in range(kh):
        for j in range(kw):
            out += np.tensordot(xp[:, i:i + h, j:j + w, :], k[i, j], axes=([3], [0]))
    return out + b


def depthwise_same(x, k, b):
    kh, kw = k.shape[:2]
    top, left = (kh - 1) // 2, (kw - 1) // 2
    xp = np.pad(x, ((0, 0), (top, kh - 1 - top), (left, kw - 1 - left), (0, 0)))
    n, h, w, _ = x.shape
    out = np.zeros(x.shape, np.float64)
    for i in range(kh):
        for j in range(kw):
            out += xp[:, i:i + h, j:j + w, :] * k[i, j, :, 0]
    return out + b


def relu(x):
    return np.maximum(x, 0)


def int8_residual():
    # Kernels (Keras layouts) and biases.
    w = {
        "conv_a": (glorot((3, 3, 3, 16), 27, 144), rng.uniform(-0.5, 0.5, 16)),
        "conv_b": (glorot((3, 3, 16, 16), 144, 144), rng.uniform(-0.5, 0.5, 16)),
        "conv_c": (glorot((1, 1, 16, 16), 16, 16), rng.uniform(-0.5, 0.5, 16)),
        "conv_d": (glorot((3, 3, 16, 32), 144, 288), rng.uniform(-0.5, 0.5, 32)),
        "dw": (glorot((3, 3, 32, 1), 9, 9), rng.uniform(-0.5, 0.5, 32)),
        "conv_f": (glorot((1, 1, 32, 32), 32, 32), rng.uniform(-0.5, 0.5, 32)),
        "dense": (glorot((32, 10), 32, 10), rng.uniform(-0.5, 0.5, 10)),
    }
    # Calibration: the largest value of each quantized tensor over 64 random int8 inputs.
    x = rng.integers(-128, 128, size=(64, 16, 16, 3)).astype(np.float64)
    a = relu(conv_same(x, *w["conv_a"]))
    b = relu(conv_same(a, *w["conv_b"]))
    c = conv_same(a, *w["conv_c"])
    s = b + c
    d = conv_same(s, *w["conv_d"])
    d = relu(d.reshape(64, 8, 2, 8, 2, 32).max(axis=(2, 4)))
    e = relu(depthwise_same(d, *w["dw"]))
    g = relu(conv_same(e, *w["conv_f"])).mean(axis=(1, 2))
    ranges = {"relu_a": a.max(), "relu_b": b.max(), "conv_c": np.abs(c).max(), "add": np.abs(s).max(),
              "relu_d": d.max(), "relu_e": e.max(), "gap": g.max()}
    for n, r in ranges.items():
        print(f"  {n}: range_max {r:.6g}")
    add_qc = {"output_quantizer": oq(), "buffer_bitwidth": 32}
    gap_qc = {"output_quantizer": oq(), "buffer_bitwidth": 32}
    layers = [
        ("InputLayer", {"batch_input_shape": [None, 16, 16, 3], "dtype": "int8", "sparse": False, "ragged": False,
                        "name": "input_1"}, []),
        (*conv_cfg("conv_a", 16, 3), ["input_1"]),
        (*relu_cfg("relu_a", oq()), ["conv_a"]),
        (*conv_cfg("conv_b", 16, 3), ["relu_a"]),
        (*relu_cfg("relu_b", oq()), ["conv_b"]),
        (*conv_cfg("conv_c", 16, 1, out=oq()), ["relu_a"]),
        ("Custom>QuantizedAdd", dict(base("add"), quant_config=add_qc), ["relu_b", "conv_c"]),
        (*conv_cfg("conv_d", 32, 3), ["add"]),
        ("Custom>QuantizedMaxPool2D", dict(base("pool_d"), pool_size=[2, 2], padding="same", strides=[2, 2],
                                           data_format="channels_last"), ["conv_d"]),
        (*relu_cfg("relu_d", oq(bits=4, signed=False)), ["pool_d"]),
        (*depthwise_cfg("dw", 3), ["relu_d"]),
        (*relu_cfg("relu_e", oq()), ["dw"]),
        (*conv_cfg("conv_f", 32, 1), ["relu_e"]),
        (*relu_cfg("relu_f"), ["conv_f"]),
        ("Custom>QuantizedGlobalAveragePooling2D", dict(base("gap"), data_format="channels_last", keepdims=False,
                                                        quant_config=gap_qc), ["relu_f"]),
        ("Custom>QuantizedDense", dict(base("dense"), units=10, activation="linear", use_bias=True,
                                       kernel_initializer=init("GlorotUniform"), bias_initializer=init("Zeros"),
                                       **regs(), quant_config={"weight_quantizer": {"bitwidth": 8},
                                                               "buffer_bitwidth": 28}), ["gap"]),
        ("Custom>Dequantizer", base("dequantizer"), ["dense"]),
    ]
    weights = {name: [("depthwise_kernel" if name == "dw" else "kernel", k), ("bias", bias)] for name, (k, bias) in w.items()}
    for name in ["relu_a", "relu_b", "conv_c", "add", "relu_d", "relu_e", "gap"]:
        weights.setdefault(name, []).extend([("output_quantizer/range_max", ranges[name]),
                                             ("output_quantizer/rescaling_rate", 1.0)])
    save("qml_int8_residual_keras2.15.h5", "qml_int8_residual", layers, weights)


def save(filename, model_name, layers, weights):
    """layers: (class_name, config, inbound names); weights: name -> [(short name, array)]."""
    config_layers = [{"class_name": cls, "config": cfg, "name": cfg["name"],
                      "inbound_nodes": [] if not inb else [[[i, 0, 0, {}] for i in inb]]}
                     for cls, cfg, inb in layers]
    names = [cfg["name"] for _, cfg, _ in layers]
    model_config = {"class_name": "Functional", "config": {
        "name": model_name, "trainable": True, "layers": config_layers,
        "input_layers": [[names[0], 0, 0]], "output_layers": [[names[-1], 0, 0]]}}
    path = os.path.join(OUT, filename)
    with h5py.File(path, "w", libver="earliest", track_order=False) as f:
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["model_config"] = json.dumps(model_config)
        mw = f.create_group("model_weights")
        mw.attrs["backend"] = "tensorflow"
        mw.attrs["keras_version"] = "2.15.0"
        mw.attrs["layer_names"] = np.array(names, dtype=object)
        for name in names:
            g = mw.create_group(name)
            ws = weights.get(name, [])
            if ws:
                g.attrs["weight_names"] = np.array([f"{name}/{w}:0" for w, _ in ws], dtype=object)
            else:
                g.attrs["weight_names"] = np.array([], dtype=np.float64)
            for w, v in ws:
                g.create_dataset(f"{name}/{w}:0", data=np.asarray(v, dtype=np.float32))
    print("wrote", path)


os.makedirs(OUT, exist_ok=True)
int8_residual()
