#!/usr/bin/env python3
"""Writes akidanet_mini.h5, the model the converter's Web Worker converts
right after it starts (wasm/warmup.go), so that the browser has compiled
the converter's code before the user's first model arrives.

It is made by this project: a float Keras-2 Functional model laid out as
tf.keras 2.10 model.save("x.h5") writes it (spec keras-files.md §1.1, as
akidanet_imagenet_224_alpha_25_keras2.10.h5 in ../shared shows), with the
layers of AkidaNet in miniature — Rescaling, Conv2D/BN/ReLU6 with layer
names holding "/" (nested HDF5 groups), SeparableConv2D, global average
pooling, Dropout, Dense — plus a ReLU without max_value, which the
quantizer calibrates, so the calibration path is compiled too.

Weights are seeded multiples of 1/16: they compress well (the file is
embedded in cnn2snn.wasm) and the values do not matter. Run with Debian's
h5py: /usr/bin/python3 make_model.py (make warmup-model).
"""
import json

import h5py
import numpy as np

rng = np.random.default_rng(20261125)


def grid(shape, lo=-8, hi=8):
    return rng.integers(lo, hi, shape) / 16.0


def base(name):
    return {"name": name, "trainable": True, "dtype": "float32"}


def conv(name, filters, strides, separable=False):
    cfg = base(name) | {"filters": filters, "kernel_size": [3, 3], "strides": [strides, strides], "padding": "same",
                        "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
                        "activation": "linear", "use_bias": False}
    if separable:
        cfg["depth_multiplier"] = 1
    return cfg


def bn(name, axis):
    return base(name) | {"axis": [axis], "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True}


def relu(name, max_value):
    return base(name) | {"max_value": max_value, "negative_slope": 0.0, "threshold": 0.0}


def dense(name, units):
    return base(name) | {"units": units, "activation": "linear", "use_bias": True}


def bn_weights(n):
    return [("gamma", 1 + grid(n, -4, 4) / 2), ("beta", grid(n, -2, 2)),
            ("moving_mean", grid(n, -2, 2)), ("moving_variance", 1 + grid(n, 0, 8))]


# (class, name, config, weights)
layers = [
    ("InputLayer", "input", {"batch_input_shape": [None, 16, 16, 3], "dtype": "float32", "sparse": False,
                             "ragged": False, "name": "input"}, []),
    ("Rescaling", "rescaling", base("rescaling") | {"scale": 0.0078125, "offset": -1}, []),
    ("Conv2D", "conv_0", conv("conv_0", 4, 2), [("kernel", grid((3, 3, 3, 4)))]),
    ("BatchNormalization", "conv_0/BN", bn("conv_0/BN", 3), bn_weights(4)),
    ("ReLU", "conv_0/relu", relu("conv_0/relu", 6.0), []),
    ("Conv2D", "conv_1", conv("conv_1", 8, 1), [("kernel", grid((3, 3, 4, 8)))]),
    ("BatchNormalization", "conv_1/BN", bn("conv_1/BN", 3), bn_weights(8)),
    ("ReLU", "conv_1/relu", relu("conv_1/relu", 6.0), []),
    ("SeparableConv2D", "separable_2", conv("separable_2", 16, 2, True),
     [("depthwise_kernel", grid((3, 3, 8, 1))), ("pointwise_kernel", grid((1, 1, 8, 16)))]),
    ("BatchNormalization", "separable_2/BN", bn("separable_2/BN", 3), bn_weights(16)),
    ("ReLU", "separable_2/relu", relu("separable_2/relu", 6.0), []),
    ("SeparableConv2D", "separable_3", conv("separable_3", 16, 1, True),
     [("depthwise_kernel", grid((3, 3, 16, 1))), ("pointwise_kernel", grid((1, 1, 16, 16)))]),
    ("GlobalAveragePooling2D", "separable_3/global_avg",
     base("separable_3/global_avg") | {"data_format": "channels_last", "keepdims": False}, []),
    ("BatchNormalization", "separable_3/BN", bn("separable_3/BN", 1), bn_weights(16)),
    ("ReLU", "separable_3/relu", relu("separable_3/relu", 6.0), []),
    ("Dropout", "dropout", base("dropout") | {"rate": 0.001, "noise_shape": None, "seed": None}, []),
    ("Dense", "dense_4", dense("dense_4", 8), [("kernel", grid((16, 8))), ("bias", grid(8, -2, 2))]),
    ("ReLU", "dense_4/relu", relu("dense_4/relu", None), []),
    ("Dense", "classifier", dense("classifier", 10), [("kernel", grid((8, 10))), ("bias", grid(10, -2, 2))]),
]

config_layers = []
prev = None
for cls, name, cfg, _ in layers:
    config_layers.append({"class_name": cls, "config": cfg, "name": name,
                          "inbound_nodes": [] if prev is None else [[[prev, 0, 0, {}]]]})
    prev = name
model_config = {"class_name": "Functional", "config": {"name": "akidanet_mini", "layers": config_layers,
                "input_layers": [["input", 0, 0]], "output_layers": [["classifier", 0, 0]]}}

with h5py.File("akidanet_mini.h5", "w") as f:
    f.attrs["backend"] = "tensorflow"
    f.attrs["keras_version"] = "2.10.0"
    f.attrs["model_config"] = json.dumps(model_config)
    mw = f.create_group("model_weights")
    mw.attrs["backend"] = "tensorflow"
    mw.attrs["keras_version"] = "2.10.0"
    mw.attrs["layer_names"] = [name.encode("utf8") for _, name, _, _ in layers]
    for _, name, _, weights in layers:
        g = mw.require_group(name)
        g.attrs["weight_names"] = [f"{name}/{w}:0".encode("utf8") for w, _ in weights] if weights else np.asarray([])
        for w, v in weights:
            g.create_dataset(f"{name}/{w}:0", data=np.asarray(v, np.float32))
