#!/usr/bin/env python3
"""Writes small quantizeml-quantized Keras models (core/keras/testdata/quantizeml/*.h5)
in the layout tf.keras 2.15 model.save("x.h5") gives, with the configs quantizeml 1.1.1
writes (spec conversion-v2.md §3: "Custom>Quantized…" class names, quant_config,
output_quantizer/range_max and rescaling_rate weights, InputQuantizer range_min/range_max).

No quantizeml is installed here, so the files are written with h5py; their numbers are
chosen so that every recorded value (spec §4.4) can be computed by hand:

* every kernel is k·2^-e per output channel (quantization axis), with integers k in
  [-127, 127] and one |k| = 127 per channel, so that the weight scale is exactly 2^-e and
  the integer weights are exactly k;
* biases, ranges, rescaling rates and padding values are given below with the values the
  tests work out.

The three models:

* qml_input_pad: uint8 input → QuantizedRescaling(1/127.5) → QuantizedConv2D with
  padding_value [1.0] (padding 'valid', padded 'same') and a zero bias → bounded
  QuantizedReLU(6) with a per-axis output quantizer → 1x1 QuantizedConv2D (per-axis input:
  input_shift) → Dequantizer.
* qml_depthwise_add_gap: float input → signed per-axis InputQuantizer →
  QuantizedDepthwiseConv2D (per-channel frac bits) and a 1x1 QuantizedConv2D without bias
  (input_shift), both with output quantizers → QuantizedAdd (a_shift, b_shift) →
  QuantizedConv2D → unbounded QuantizedReLU → QuantizedGlobalAveragePooling2D (output
  scales that are powers of two: 256 saturates to 255) → QuantizedDense → Dequantizer.
* qml_lut_unsigned: float input → unsigned InputQuantizer (zero point) →
  QuantizedConv2D with padding_value [0.5] and an 11-bit output quantizer →
  QuantizedActivation(gelu) (look-up table) → QuantizedFlatten → QuantizedDense →
  Dequantizer.
* qml_transpose_concat: float input → signed InputQuantizer → QuantizedConv2DTranspose
  (3x3, stride 2) → a 1x1 QuantizedConv2D, both with output quantizers of different frac
  bits → QuantizedConcatenate (per-channel frac bits) → QuantizedDepthwiseConv2DTranspose
  (4x4, stride 2, per-tensor weights, aligned input: input_shift) → Dequantizer.

Run from the repository root with Debian's h5py: /usr/bin/python3 tools/qmlgen/make_qml_testdata.py
It is deterministic (seeded), so re-running it reproduces the files byte for byte.
"""
import json
import os

import h5py
import numpy as np

OUT = os.path.join("core", "keras", "testdata", "quantizeml")
rng = np.random.default_rng(20261207)


def base(name):
    return {"name": name, "trainable": True, "dtype": "float32"}


def init(cls):
    return {"module": "keras.initializers", "class_name": cls, "config": {"seed": None} if cls == "GlorotUniform" else {},
            "registered_name": None}


def regs():
    return {"kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None}


def oq(bits=8, signed=True, axis="per-tensor"):
    return {"bitwidth": bits, "signed": signed, "axis": axis, "buffer_bitwidth": 32}


def conv(name, filters, k, padding="same", use_bias=True, out=None, padding_value=None):
    qc = {"weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}
    if out:
        qc["output_quantizer"] = out
    c = dict(base(name), filters=filters, kernel_size=[k, k], strides=[1, 1], padding=padding,
             data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="linear", use_bias=use_bias,
             kernel_initializer=init("GlorotUniform"), bias_initializer=init("Zeros"), **regs(), quant_config=qc)
    if padding_value is not None:
        c["padding_value"] = padding_value
    return "Custom>QuantizedConv2D", c


def depthwise(name, k, out=None):
    qc = {"weight_quantizer": {"bitwidth": 8, "axis": -2}, "buffer_bitwidth": 28}
    if out:
        qc["output_quantizer"] = out
    c = dict(base(name), kernel_size=[k, k], strides=[1, 1], padding="same", depth_multiplier=1,
             data_format="channels_last", dilation_rate=[1, 1], activation="linear", use_bias=True,
             depthwise_initializer=init("GlorotUniform"), bias_initializer=init("Zeros"),
             depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
             depthwise_constraint=None, bias_constraint=None, quant_config=qc)
    return "Custom>QuantizedDepthwiseConv2D", c


def dense(name, units, out=None):
    qc = {"weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}
    if out:
        qc["output_quantizer"] = out
    return "Custom>QuantizedDense", dict(base(name), units=units, activation="linear", use_bias=True,
                                         kernel_initializer=init("GlorotUniform"), bias_initializer=init("Zeros"),
                                         **regs(), quant_config=qc)


def relu(name, max_value, out=None):
    qc = {"buffer_bitwidth": 32}
    if out:
        qc["output_quantizer"] = out
    return "Custom>QuantizedReLU", dict(base(name), quant_config=qc, max_value=max_value)


def input_layer(name, shape, dtype):
    return "InputLayer", {"batch_input_shape": [None] + list(shape), "dtype": dtype, "sparse": False,
                          "ragged": False, "name": name}


def kernel(shape, exps, axis=-1):
    """k·2^-e with k integers in [-127, 127], one ±127 per channel of `axis`."""
    k = rng.integers(-127, 128, size=shape)
    axis = axis % len(shape)
    for c, _ in enumerate(exps):
        idx = [0] * len(shape)
        idx[axis] = c
        # the first element of each channel reaches the range, with alternating signs
        k[tuple(idx)] = 127 if c % 2 == 0 else -127
    scale = np.array([2.0 ** -e for e in exps]).reshape([-1 if i == axis else 1 for i in range(len(shape))])
    return (k * scale).astype(np.float32), k


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


def show(name, k):
    flat = k.reshape(-1)
    print(f"  {name}: integer weights Σ = {int(flat.sum())}, Σ|k| = {int(np.abs(flat).sum())}, first 8 = {flat[:8].tolist()}")


def input_pad():
    k0, i0 = kernel((3, 3, 3, 4), [7, 8, 6, 7])
    k1, i1 = kernel((1, 1, 4, 2), [7, 5])
    s0 = np.float32(1 / 127.5)
    acc = [s0 * np.float32(2.0 ** -e) for e in [7, 8, 6, 7]]  # S_in·S_w, exact
    b0 = [np.float32(b) * a for b, a in zip([0.0, 300.2, -1000.7, 37.3], acc)]  # β = b·S_acc
    show("conv2d", i0)
    show("conv2d_1", i1)
    layers = [
        (*input_layer("input_1", (5, 5, 3), "uint8"), []),
        ("Custom>QuantizedRescaling", dict(base("rescaling"), scale=1 / 127.5, offset=0.0), ["input_1"]),
        (*conv("conv2d", 4, 3, padding="valid", padding_value=[1.0]), ["rescaling"]),
        (*relu("re_lu", 6.0, oq(axis="per-axis")), ["conv2d"]),
        (*conv("conv2d_1", 2, 1), ["re_lu"]),
        ("Custom>Dequantizer", base("dequantizer"), ["conv2d_1"]),
    ]
    weights = {
        "conv2d": [("kernel", k0), ("bias", np.array(b0, np.float32))],
        "re_lu": [("output_quantizer/range_max", [5.9, 3.1, 1.2, 0.7]),
                  ("output_quantizer/rescaling_rate", [1.0, 0.5, 2.0, 1.5])],
        "conv2d_1": [("kernel", k1), ("bias", [1.0, -0.03])],
    }
    save("qml_input_pad_keras2.15.h5", "qml_input_pad", layers, weights)


def depthwise_add_gap():
    kd, idw = kernel((3, 3, 2, 1), [6, 7], axis=-2)
    kb, ib = kernel((1, 1, 2, 2), [7, 6])
    k2, i2 = kernel((3, 3, 2, 4), [7, 8, 7, 6])
    kdn, idn = kernel((4, 3), [7, 7, 6])
    for n, k in [("depthwise", idw), ("conv_b", ib), ("conv2d_2", i2), ("dense", idn)]:
        show(n, k)
    gap_qc = {"output_quantizer": oq(), "buffer_bitwidth": 32}
    add_qc = {"output_quantizer": oq(), "buffer_bitwidth": 32}
    layers = [
        (*input_layer("input_1", (4, 4, 2), "float32"), []),
        ("Custom>InputQuantizer", dict(base("input_quantizer"), bitwidth=8, signed=True, axis="per-axis"), ["input_1"]),
        (*depthwise("depthwise", 3, oq()), ["input_quantizer"]),
        (*conv("conv_b", 2, 1, use_bias=False, out=oq()), ["input_quantizer"]),
        ("Custom>QuantizedAdd", dict(base("add"), quant_config=add_qc), ["depthwise", "conv_b"]),
        (*conv("conv2d_2", 4, 3), ["add"]),
        (*relu("re_lu", None), ["conv2d_2"]),
        ("Custom>QuantizedGlobalAveragePooling2D", dict(base("gap"), data_format="channels_last", keepdims=False,
                                                        quant_config=gap_qc), ["re_lu"]),
        (*dense("dense", 3), ["gap"]),
        ("Custom>Dequantizer", base("dequantizer"), ["dense"]),
    ]
    weights = {
        "input_quantizer": [("range_min", [-1.0, -0.5]), ("range_max", [0.9, 2.0])],
        "depthwise": [("depthwise_kernel", kd), ("bias", [0.2, -0.1]),
                      ("output_quantizer/range_max", 2.5), ("output_quantizer/rescaling_rate", 1.0)],
        "conv_b": [("kernel", kb), ("output_quantizer/range_max", 1.5), ("output_quantizer/rescaling_rate", 1.25)],
        "add": [("output_quantizer/range_max", 4.0), ("output_quantizer/rescaling_rate", 1.0)],
        "conv2d_2": [("kernel", k2), ("bias", [0.3, -0.25, 0.0, 0.01])],
        "gap": [("output_quantizer/range_max", 2.0), ("output_quantizer/rescaling_rate", 1.0)],
        "dense": [("kernel", kdn), ("bias", [0.1, 0.0, -0.2])],
    }
    save("qml_depthwise_add_gap_keras2.15.h5", "qml_depthwise_add_gap", layers, weights)


def lut_unsigned():
    k0, i0 = kernel((3, 3, 1, 2), [6, 7])
    kd, idn = kernel((32, 2), [7, 6])
    show("conv2d", i0)
    show("dense", idn)
    act_qc = {"output_quantizer": oq(), "lut_bitwidth": 14}
    layers = [
        (*input_layer("input_1", (4, 4, 1), "float32"), []),
        ("Custom>InputQuantizer", dict(base("input_quantizer"), bitwidth=8, signed=False, axis="per-tensor"), ["input_1"]),
        (*conv("conv2d", 2, 3, padding="valid", out=oq(bits=11), padding_value=[0.5]), ["input_quantizer"]),
        ("Custom>QuantizedActivation", dict(base("activation"), activation="gelu", alpha=0.2, quant_config=act_qc),
         ["conv2d"]),
        ("Custom>QuantizedFlatten", dict(base("flatten"), data_format="channels_last"), ["activation"]),
        (*dense("dense", 2), ["flatten"]),
        ("Custom>Dequantizer", base("dequantizer"), ["dense"]),
    ]
    weights = {
        "input_quantizer": [("range_min", -0.5), ("range_max", 1.5)],
        "conv2d": [("kernel", k0), ("bias", [0.05, -0.3]),
                   ("output_quantizer/range_max", 4.0), ("output_quantizer/rescaling_rate", 1.0)],
        "activation": [("output_quantizer/range_max", 4.0), ("output_quantizer/rescaling_rate", 1.0)],
        "dense": [("kernel", kd), ("bias", [0.02, -0.5])],
    }
    save("qml_lut_unsigned_keras2.15.h5", "qml_lut_unsigned", layers, weights)


def transpose_concat():
    # Conv2DTranspose kernels are (h, w, filters, in); quantizeml quantizes per filter.
    kt, it = kernel((3, 3, 2, 1), [6, 7], axis=2)
    kc, ic = kernel((1, 1, 2, 1), [7])
    kd, idw = kernel((4, 4, 3, 1), [7, 7, 7], axis=-2)  # per-tensor: the whole maximum is 127·2^-7
    for n, k in [("conv_t", it), ("conv_c", ic), ("dw_t", idw)]:
        show(n, k)
    print("  conv_t per filter (ky, kx):", it[:, :, 0, 0].tolist(), it[:, :, 1, 0].tolist())
    print("  conv_c:", ic.ravel().tolist())
    conv_t = dict(base("conv_t"), filters=2, kernel_size=[3, 3], strides=[2, 2], padding="same", output_padding=None,
                  data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="linear", use_bias=True,
                  kernel_initializer=init("GlorotUniform"), bias_initializer=init("Zeros"), **regs(),
                  quant_config={"weight_quantizer": {"bitwidth": 8}, "output_quantizer": oq(), "buffer_bitwidth": 28})
    dw_t = dict(base("dw_t"), kernel_size=[4, 4], strides=[2, 2], padding="same", depth_multiplier=1,
                data_format="channels_last", dilation_rate=[1, 1], activation="linear", use_bias=True,
                depthwise_initializer=init("GlorotUniform"), bias_initializer=init("Zeros"),
                depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                depthwise_constraint=None, bias_constraint=None,
                quant_config={"weight_quantizer": {"bitwidth": 8, "axis": None}, "buffer_bitwidth": 28})
    layers = [
        (*input_layer("input_1", (2, 2, 1), "float32"), []),
        ("Custom>InputQuantizer", dict(base("input_quantizer"), bitwidth=8, signed=True, axis="per-tensor"), ["input_1"]),
        ("Custom>QuantizedConv2DTranspose", conv_t, ["input_quantizer"]),
        (*conv("conv_c", 1, 1, use_bias=False, out=oq()), ["conv_t"]),
        ("Custom>QuantizedConcatenate", dict(base("concatenate"), axis=-1, quant_config={}), ["conv_t", "conv_c"]),
        ("Custom>QuantizedDepthwiseConv2DTranspose", dw_t, ["concatenate"]),
        ("Custom>Dequantizer", base("dequantizer"), ["dw_t"]),
    ]
    weights = {
        "input_quantizer": [("range_min", -1.0), ("range_max", 1.0)],
        "conv_t": [("kernel", kt), ("bias", [0.1, -0.2]),
                   ("output_quantizer/range_max", 2.0), ("output_quantizer/rescaling_rate", 1.0)],
        "conv_c": [("kernel", kc), ("output_quantizer/range_max", 0.9), ("output_quantizer/rescaling_rate", 1.0)],
        "dw_t": [("depthwise_kernel", kd), ("bias", [0.05, 0.0, -0.05])],
    }
    save("qml_transpose_concat_keras2.15.h5", "qml_transpose_concat", layers, weights)


os.makedirs(OUT, exist_ok=True)
input_pad()
depthwise_add_gap()
lut_unsigned()
transpose_concat()
