"""Writes cnn2snn_tiny_quantized.h5: a small Keras 2 model quantized the
cnn2snn (legacy) way, which the converter turns into Akida 1.0 layers
without a quantization step. The worker's tests convert it over HTTP.

No real file of this kind is available (BrainChip keeps theirs in Git LFS,
see ../../../../shared/fixtures/keras/README.md), so this one is written
with h5py in the layout of Keras 2's model.save (keras-files.md §1) and the
configs of conversion.md §6:

  InputLayer (8, 8, 1)
  QuantizedConv2D conv_0: 4 filters 3x3 same, MaxPerAxisQuantizer 8 bits
  ActivationDiscreteRelu relu_0: 4 bits
  Flatten
  QuantizedDense dense: 10 units, MaxPerAxisQuantizer 4 bits (no activation)

Run from the repository root:  /usr/bin/python3 wasm/worker/testdata/make_quantized.py
"""

import json
import os

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "cnn2snn_tiny_quantized.h5")
RNG = np.random.default_rng(20261125)


def quantizer(bits):
    return {"class_name": "MaxPerAxisQuantizer",
            "config": {"name": "max_per_axis_quantizer", "trainable": True, "dtype": "float32", "bitwidth": bits}}


def main():
    layers = [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 8, 8, 1], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "input"}},
        {"class_name": "QuantizedConv2D", "config": {
            "name": "conv_0", "trainable": True, "dtype": "float32", "filters": 4, "kernel_size": [3, 3],
            "strides": [1, 1], "padding": "same", "dilation_rate": [1, 1], "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None, "quantizer": quantizer(8)}},
        {"class_name": "ActivationDiscreteRelu", "config": {"name": "relu_0", "trainable": True,
                                                            "dtype": "float32", "bitwidth": 4}},
        {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True, "dtype": "float32",
                                             "data_format": "channels_last"}},
        {"class_name": "QuantizedDense", "config": {
            "name": "dense", "trainable": True, "dtype": "float32", "units": 10, "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None, "quantizer": quantizer(4)}},
    ]
    config = {"class_name": "Sequential", "config": {"name": "tiny_quantized", "layers": layers}}
    weights = {
        "conv_0": [("conv_0/kernel:0", RNG.uniform(-1, 1, (3, 3, 1, 4))), ("conv_0/bias:0", RNG.uniform(-0.5, 0.5, 4))],
        "relu_0": [],
        "flatten": [],
        "dense": [("dense/kernel:0", RNG.uniform(-0.2, 0.2, (256, 10))), ("dense/bias:0", RNG.uniform(-0.5, 0.5, 10))],
    }
    with h5py.File(OUT, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [name.encode() for name in weights]
        mw.attrs["keras_version"] = "2.15.0"
        mw.attrs["backend"] = "tensorflow"
        for name, ws in weights.items():
            g = mw.create_group(name)
            g.attrs["weight_names"] = np.asarray([wn.encode() for wn, _ in ws])
            for wn, a in ws:
                g.create_dataset(wn, data=a.astype(np.float32))


if __name__ == "__main__":
    main()
