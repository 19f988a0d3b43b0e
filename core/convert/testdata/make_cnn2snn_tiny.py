#!/usr/bin/env python3
"""Writes cnn2snn_tiny_keras2.15.h5: a small Keras model quantized with
cnn2snn's legacy quantizers, in the layout tf.keras 2.15 model.save("x.h5")
gives (spec keras-files.md §1.1), with the layer configs cnn2snn 2.19.1's
get_config writes (conversion.md §6: bare class names, a "quantizer"
sub-object, no data_format/activation/groups keys).

No real cnn2snn-quantized file is public (spec README, open risk 3), so the
converter's end-to-end tests use this one. Weights are seeded random
numbers. Run with Debian's h5py: /usr/bin/python3 make_cnn2snn_tiny.py
"""
import json

import h5py
import numpy as np

rng = np.random.default_rng(20261125)


def q(cls, bits):
    return {"class_name": cls, "config": {"name": cls.lower(), "trainable": True, "dtype": "float32", "bitwidth": bits}}


def conv_cfg(name, filters, bits):
    return {"name": name, "trainable": True, "dtype": "float32", "filters": filters, "kernel_size": [3, 3],
            "strides": [1, 1], "padding": "same", "dilation_rate": [1, 1], "use_bias": False,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
            "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
            "bias_constraint": None, "quantizer": q("MaxPerAxisQuantizer", bits)}


def bn_cfg(name):
    return {"name": name, "trainable": True, "dtype": "float32", "axis": [3], "momentum": 0.99,
            "epsilon": 0.001, "center": True, "scale": True}


layers = [
    ("InputLayer", "input_1", {"batch_input_shape": [None, 8, 8, 1], "dtype": "float32", "sparse": False,
                               "ragged": False, "name": "input_1"}),
    ("Rescaling", "rescaling", {"name": "rescaling", "trainable": True, "dtype": "float32", "scale": 1 / 255, "offset": 0.0}),
    ("QuantizedConv2D", "conv_0", conv_cfg("conv_0", 4, 8)),
    ("BatchNormalization", "conv_0/BN", bn_cfg("conv_0/BN")),
    ("QuantizedReLU", "conv_0/relu", {"name": "conv_0/relu", "trainable": True, "dtype": "float32", "bitwidth": 4, "max_value": 6.0}),
    ("MaxPooling2D", "pool", {"name": "pool", "trainable": True, "dtype": "float32", "pool_size": [2, 2],
                              "padding": "same", "strides": [2, 2], "data_format": "channels_last"}),
    ("QuantizedSeparableConv2D", "separable_1", dict(conv_cfg("separable_1", 8, 4), quantizer_dw=q("MaxQuantizer", 4))),
    ("BatchNormalization", "separable_1/BN", bn_cfg("separable_1/BN")),
    ("GlobalAveragePooling2D", "gap", {"name": "gap", "trainable": True, "dtype": "float32", "data_format": "channels_last", "keepdims": False}),
    ("ActivationDiscreteRelu", "separable_1/relu", {"name": "separable_1/relu", "trainable": True, "dtype": "float32", "bitwidth": 4}),
    ("Dropout", "dropout", {"name": "dropout", "trainable": True, "dtype": "float32", "rate": 0.2, "noise_shape": None, "seed": None}),
    ("QuantizedDense", "dense", {"name": "dense", "trainable": True, "dtype": "float32", "units": 3, "use_bias": True,
                                 "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
                                 "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
                                 "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
                                 "bias_constraint": None, "quantizer": q("MaxPerAxisQuantizer", 4)}),
    ("Activation", "softmax", {"name": "softmax", "trainable": True, "dtype": "float32", "activation": "softmax"}),
]


def bn_weights(n):
    return [("gamma", rng.uniform(0.5, 1.5, n)), ("beta", rng.normal(0, 0.1, n)),
            ("moving_mean", rng.normal(0, 0.1, n)), ("moving_variance", rng.uniform(0.5, 1.5, n))]


weights = {
    "conv_0": [("kernel", rng.normal(0, 0.3, (3, 3, 1, 4)))],
    "conv_0/BN": bn_weights(4),
    "separable_1": [("depthwise_kernel", rng.normal(0, 0.3, (3, 3, 4, 1))),
                    ("pointwise_kernel", rng.normal(0, 0.3, (1, 1, 4, 8)))],
    "separable_1/BN": bn_weights(8),
    "dense": [("kernel", rng.normal(0, 0.3, (8, 3))), ("bias", rng.normal(0, 0.1, 3))],
}

config_layers = []
prev = None
for cls, name, cfg in layers:
    config_layers.append({"class_name": cls, "config": cfg, "name": name,
                          "inbound_nodes": [] if prev is None else [[[prev, 0, 0, {}]]]})
    prev = name
model_config = {"class_name": "Functional", "config": {"name": "cnn2snn_tiny", "layers": config_layers,
                "input_layers": [["input_1", 0, 0]], "output_layers": [["softmax", 0, 0]]}}

with h5py.File("cnn2snn_tiny_keras2.15.h5", "w") as f:
    f.attrs["keras_version"] = "2.15.0"
    f.attrs["backend"] = "tensorflow"
    f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
    mw = f.create_group("model_weights")
    mw.attrs["backend"] = b"tensorflow"
    mw.attrs["keras_version"] = b"2.15.0"
    mw.attrs["layer_names"] = [name.encode("utf8") for _, name, _ in layers]
    for _, name, _ in sorted(layers, key=lambda l: l[1]):
        g = mw.require_group(name)
        ws = weights.get(name, [])
        g.attrs["weight_names"] = [f"{name}/{w}:0".encode("utf8") for w, _ in ws] if ws else np.asarray([])
        for w, v in ws:
            g.create_dataset(f"{name}/{w}:0", data=np.asarray(v, np.float32))
    top = mw.create_group("top_level_model_weights")
    top.attrs["weight_names"] = np.asarray([])
