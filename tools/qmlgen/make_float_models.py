#!/usr/bin/python3
"""Small float Keras models for core/quantize's quantizeml-mode tests,
written with Debian's python3-h5py in the layout tf.keras 2.15
model.save("x.h5") gives (spec keras-files.md §1.1), since Keras is not
installed here. Weights are seeded random float32 (except qml_exact, whose
weights are small dyadic numbers so that every float sum is exact).

Writes into core/quantize/testdata/:

  qml_exact_keras2.15.h5       Input(3,3,1) float32 > Conv2D(2, 3x3 valid)
                               > ReLU > Flatten > Dense(2): the model whose
                               quantization is worked out by hand in
                               qml_exact_test.go.
  qml_exact_calibration.npy    its calibration array: 2 samples (3,3,1),
                               small integers.
  qml_ds_cnn_keras2.15.h5      depthwise-separable blocks: Rescaling(1/255),
                               ZeroPadding2D + 'valid' stride-2 Conv2D, BN,
                               ReLU(6), DepthwiseConv2D, 1x1 Conv2D, a 5x5
                               stride-2 DepthwiseConv2D, a 2x2 'same' Conv2D,
                               GlobalAveragePooling2D, Dense(softmax).
  qml_residual_keras2.15.h5    an Add residual block: Conv2D(relu) feeding a
                               Conv2D-BN-ReLU-Conv2D branch and the Add, then
                               ReLU > GlobalAveragePooling2D > Dense.
  qml_concat_keras2.15.h5      three branches joined by one Concatenate, then
                               Conv2D > ReLU > MaxPooling2D('same') >
                               Flatten > Dense.
  qml_avgpool_keras2.15.h5     AveragePooling2D 2x2 between convolutions and
                               a 4x4 AveragePooling2D over the whole input.
  qml_rescaling_keras2.15.h5   Rescaling(1/127.5, -1) before a 'same'
                               stride-2 Conv2D without bias, BN, ReLU(6),
                               Conv2D, ReLU, GlobalAveragePooling2D, Dense.

Run from the repository root:  /usr/bin/python3 tools/qmlgen/make_float_models.py
"""

import json
import os

import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "core", "quantize", "testdata")
RNG = np.random.default_rng(20261126)


def base(name):
    return {"name": name, "trainable": True, "dtype": "float32"}


def input_layer(name, shape, dtype="float32"):
    return {"batch_input_shape": [None, *shape], "dtype": dtype, "sparse": False, "ragged": False, "name": name}


def conv(name, filters, kernel, strides=1, padding="same", use_bias=True, activation="linear"):
    return dict(base(name), filters=filters, kernel_size=[kernel, kernel], strides=[strides, strides], padding=padding,
                data_format="channels_last", dilation_rate=[1, 1], groups=1, activation=activation, use_bias=use_bias,
                kernel_initializer={"class_name": "GlorotUniform", "config": {"seed": None}},
                bias_initializer={"class_name": "Zeros", "config": {}}, kernel_regularizer=None,
                bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


def depthwise(name, kernel, strides=1, padding="same", use_bias=False):
    return dict(base(name), kernel_size=[kernel, kernel], strides=[strides, strides], padding=padding,
                data_format="channels_last", dilation_rate=[1, 1], depth_multiplier=1, activation="linear",
                use_bias=use_bias, depthwise_initializer={"class_name": "GlorotUniform", "config": {"seed": None}},
                bias_initializer={"class_name": "Zeros", "config": {}}, depthwise_regularizer=None,
                bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None, bias_constraint=None)


def dense(name, units, activation="linear"):
    return dict(base(name), units=units, activation=activation, use_bias=True,
                kernel_initializer={"class_name": "GlorotUniform", "config": {"seed": None}},
                bias_initializer={"class_name": "Zeros", "config": {}}, kernel_regularizer=None,
                bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


def bn(name):
    return dict(base(name), axis=[3], momentum=0.99, epsilon=0.001, center=True, scale=True)


def relu(name, max_value=None):
    return dict(base(name), max_value=max_value, negative_slope=0.0, threshold=0.0)


def pool(name, size, padding="valid"):
    return dict(base(name), pool_size=[size, size], padding=padding, strides=[size, size], data_format="channels_last")


def gap(name):
    return dict(base(name), data_format="channels_last", keepdims=False)


def bn_weights(n):
    return [("gamma", RNG.uniform(0.5, 1.5, n)), ("beta", RNG.normal(0, 0.1, n)),
            ("moving_mean", RNG.normal(0, 0.1, n)), ("moving_variance", RNG.uniform(0.5, 1.5, n))]


def write(path, name, layers, weights, outputs):
    """layers: (class, cfg, inbound names); the first is the input."""
    config_layers = []
    for cls, cfg, inbound in layers:
        config_layers.append({"class_name": cls, "config": cfg, "name": cfg["name"],
                              "inbound_nodes": [[[i, 0, 0, {}] for i in inbound]] if inbound else []})
    model_config = {"class_name": "Functional", "config": {
        "name": name, "layers": config_layers, "input_layers": [[layers[0][1]["name"], 0, 0]],
        "output_layers": [[o, 0, 0] for o in outputs]}}
    with h5py.File(os.path.join(OUT, path), "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = b"2.15.0"
        names = [cfg["name"] for _, cfg, _ in layers]
        mw.attrs["layer_names"] = [n.encode("utf8") for n in names]
        for n in sorted(names):
            g = mw.require_group(n)
            ws = weights.get(n, [])
            g.attrs["weight_names"] = [f"{n}/{w}:0".encode("utf8") for w, _ in ws] if ws else np.asarray([])
            for w, v in ws:
                g.create_dataset(f"{n}/{w}:0", data=np.asarray(v, np.float32))
        top = mw.create_group("top_level_model_weights")
        top.attrs["weight_names"] = np.asarray([])


def exact():
    layers = [
        ("InputLayer", input_layer("input", [3, 3, 1]), []),
        ("Conv2D", conv("conv", 2, 3, padding="valid"), ["input"]),
        ("ReLU", relu("relu"), ["conv"]),
        ("Flatten", dict(base("flatten"), data_format="channels_last"), ["relu"]),
        ("Dense", dense("dense", 2), ["flatten"]),
    ]
    # Kernel (3, 3, 1, 2): filter 0 is 0.5 at the centre and 0.125 at the
    # top-left, filter 1 is -0.25 everywhere but 1.0 at the bottom-right.
    k = np.zeros((3, 3, 1, 2))
    k[1, 1, 0, 0], k[0, 0, 0, 0] = 0.5, 0.125
    k[:, :, 0, 1] = -0.25
    k[2, 2, 0, 1] = 1.0
    weights = {
        "conv": [("kernel", k), ("bias", [0.5, 2.0])],
        "dense": [("kernel", [[1.0, -0.5], [0.25, 0.75]]), ("bias", [0.125, -0.25])],
    }
    write("qml_exact_keras2.15.h5", "qml_exact", layers, weights, ["dense"])
    cal = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9], [3, 0, 2], [1, 6, -2], [2, 2, 12]], np.float32).reshape(2, 3, 3, 1)
    np.save(os.path.join(OUT, "qml_exact_calibration.npy"), cal)


def ds_cnn():
    layers = [
        ("InputLayer", input_layer("input", [16, 16, 3]), []),
        ("Rescaling", dict(base("rescaling"), scale=1 / 255, offset=0.0), ["input"]),
        ("ZeroPadding2D", dict(base("pad"), padding=[[0, 1], [0, 1]], data_format="channels_last"), ["rescaling"]),
        ("Conv2D", conv("conv0", 8, 3, strides=2, padding="valid", use_bias=False), ["pad"]),
        ("BatchNormalization", bn("bn0"), ["conv0"]),
        ("ReLU", relu("relu0", 6.0), ["bn0"]),
        ("DepthwiseConv2D", depthwise("dw1", 3), ["relu0"]),
        ("BatchNormalization", bn("bn1"), ["dw1"]),
        ("ReLU", relu("relu1", 6.0), ["bn1"]),
        ("Conv2D", conv("pw1", 16, 1, use_bias=False), ["relu1"]),
        ("BatchNormalization", bn("bn2"), ["pw1"]),
        ("ReLU", relu("relu2", 6.0), ["bn2"]),
        ("DepthwiseConv2D", depthwise("dw2", 5, strides=2, use_bias=True), ["relu2"]),
        ("ReLU", relu("relu3"), ["dw2"]),
        ("Conv2D", conv("pw2", 16, 2), ["relu3"]),
        ("ReLU", relu("relu4"), ["pw2"]),
        ("GlobalAveragePooling2D", gap("gap"), ["relu4"]),
        ("Dense", dense("dense", 4, activation="softmax"), ["gap"]),
    ]
    weights = {
        "conv0": [("kernel", RNG.normal(0, 0.3, (3, 3, 3, 8)))],
        "bn0": bn_weights(8),
        "dw1": [("depthwise_kernel", RNG.normal(0, 0.3, (3, 3, 8, 1)))],
        "bn1": bn_weights(8),
        "pw1": [("kernel", RNG.normal(0, 0.3, (1, 1, 8, 16)))],
        "bn2": bn_weights(16),
        "dw2": [("depthwise_kernel", RNG.normal(0, 0.2, (5, 5, 16, 1))), ("bias", RNG.normal(0, 0.1, 16))],
        "pw2": [("kernel", RNG.normal(0, 0.2, (2, 2, 16, 16))), ("bias", RNG.normal(0, 0.1, 16))],
        "dense": [("kernel", RNG.normal(0, 0.3, (16, 4))), ("bias", RNG.normal(0, 0.1, 4))],
    }
    write("qml_ds_cnn_keras2.15.h5", "qml_ds_cnn", layers, weights, ["dense"])


def residual():
    layers = [
        ("InputLayer", input_layer("input", [8, 8, 3]), []),
        ("Conv2D", conv("conv0", 8, 3, activation="relu"), ["input"]),
        ("Conv2D", conv("conv1", 8, 3), ["conv0"]),
        ("BatchNormalization", bn("bn1"), ["conv1"]),
        ("ReLU", relu("relu1"), ["bn1"]),
        ("Conv2D", conv("conv2", 8, 3), ["relu1"]),
        ("Add", base("add"), ["conv0", "conv2"]),
        ("ReLU", relu("relu_add"), ["add"]),
        ("GlobalAveragePooling2D", gap("gap"), ["relu_add"]),
        ("Dense", dense("dense", 3), ["gap"]),
    ]
    weights = {
        "conv0": [("kernel", RNG.normal(0, 0.01, (3, 3, 3, 8))), ("bias", RNG.normal(0, 0.1, 8))],
        "conv1": [("kernel", RNG.normal(0, 0.1, (3, 3, 8, 8))), ("bias", RNG.normal(0, 0.1, 8))],
        "bn1": bn_weights(8),
        "conv2": [("kernel", RNG.normal(0, 0.1, (3, 3, 8, 8))), ("bias", RNG.normal(0, 0.1, 8))],
        "dense": [("kernel", RNG.normal(0, 0.3, (8, 3))), ("bias", RNG.normal(0, 0.1, 3))],
    }
    write("qml_residual_keras2.15.h5", "qml_residual", layers, weights, ["dense"])


def concat():
    layers = [
        ("InputLayer", input_layer("input", [8, 8, 1]), []),
        ("Conv2D", conv("conv0", 4, 3), ["input"]),
        ("ReLU", relu("relu0"), ["conv0"]),
        ("Conv2D", conv("conv1", 4, 1), ["relu0"]),
        ("ReLU", relu("relu1"), ["conv1"]),
        ("Conv2D", conv("conv2", 4, 3), ["relu0"]),
        ("ReLU", relu("relu2"), ["conv2"]),
        ("Conv2D", conv("conv3", 2, 1), ["relu0"]),
        ("ReLU", relu("relu3"), ["conv3"]),
        ("Concatenate", dict(base("concat"), axis=-1), ["relu1", "relu2", "relu3"]),
        ("Conv2D", conv("conv4", 8, 3), ["concat"]),
        ("ReLU", relu("relu4"), ["conv4"]),
        ("MaxPooling2D", pool("pool", 2, "same"), ["relu4"]),
        ("Flatten", dict(base("flatten"), data_format="channels_last"), ["pool"]),
        ("Dense", dense("dense", 2), ["flatten"]),
    ]
    weights = {
        "conv0": [("kernel", RNG.normal(0, 0.01, (3, 3, 1, 4))), ("bias", RNG.normal(0, 0.1, 4))],
        "conv1": [("kernel", RNG.normal(0, 0.3, (1, 1, 4, 4))), ("bias", RNG.normal(0, 0.1, 4))],
        "conv2": [("kernel", RNG.normal(0, 0.2, (3, 3, 4, 4))), ("bias", RNG.normal(0, 0.1, 4))],
        "conv3": [("kernel", RNG.normal(0, 0.3, (1, 1, 4, 2))), ("bias", RNG.normal(0, 0.1, 2))],
        "conv4": [("kernel", RNG.normal(0, 0.1, (3, 3, 10, 8))), ("bias", RNG.normal(0, 0.1, 8))],
        "dense": [("kernel", RNG.normal(0, 0.1, (128, 2))), ("bias", RNG.normal(0, 0.1, 2))],
    }
    write("qml_concat_keras2.15.h5", "qml_concat", layers, weights, ["dense"])


def avgpool():
    layers = [
        ("InputLayer", input_layer("input", [8, 8, 3]), []),
        ("Conv2D", conv("conv0", 8, 3), ["input"]),
        ("ReLU", relu("relu0"), ["conv0"]),
        ("AveragePooling2D", pool("avg", 2), ["relu0"]),
        ("Conv2D", conv("conv1", 8, 3), ["avg"]),
        ("ReLU", relu("relu1"), ["conv1"]),
        ("AveragePooling2D", pool("avg_global", 4), ["relu1"]),
        ("Flatten", dict(base("flatten"), data_format="channels_last"), ["avg_global"]),
        ("Dense", dense("dense", 2), ["flatten"]),
    ]
    weights = {
        "conv0": [("kernel", RNG.normal(0, 0.01, (3, 3, 3, 8))), ("bias", RNG.normal(0, 0.1, 8))],
        "conv1": [("kernel", RNG.normal(0, 0.2, (3, 3, 8, 8))), ("bias", RNG.normal(0, 0.1, 8))],
        "dense": [("kernel", RNG.normal(0, 0.3, (8, 2))), ("bias", RNG.normal(0, 0.1, 2))],
    }
    write("qml_avgpool_keras2.15.h5", "qml_avgpool", layers, weights, ["dense"])


def rescaling():
    layers = [
        ("InputLayer", input_layer("input", [8, 8, 3]), []),
        ("Rescaling", dict(base("rescaling"), scale=1 / 127.5, offset=-1.0), ["input"]),
        ("Conv2D", conv("conv0", 4, 3, strides=2, use_bias=False), ["rescaling"]),
        ("BatchNormalization", bn("bn0"), ["conv0"]),
        ("ReLU", relu("relu0", 6.0), ["bn0"]),
        ("Conv2D", conv("conv1", 8, 3), ["relu0"]),
        ("ReLU", relu("relu1"), ["conv1"]),
        ("GlobalAveragePooling2D", gap("gap"), ["relu1"]),
        ("Dense", dense("dense", 2), ["gap"]),
    ]
    weights = {
        "conv0": [("kernel", RNG.normal(0, 0.3, (3, 3, 3, 4)))],
        "bn0": bn_weights(4),
        "conv1": [("kernel", RNG.normal(0, 0.2, (3, 3, 4, 8))), ("bias", RNG.normal(0, 0.1, 8))],
        "dense": [("kernel", RNG.normal(0, 0.3, (8, 2))), ("bias", RNG.normal(0, 0.1, 2))],
    }
    write("qml_rescaling_keras2.15.h5", "qml_rescaling", layers, weights, ["dense"])


def main():
    os.makedirs(OUT, exist_ok=True)
    exact()
    ds_cnn()
    residual()
    concat()
    avgpool()
    rescaling()


if __name__ == "__main__":
    main()
