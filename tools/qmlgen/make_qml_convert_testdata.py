#!/usr/bin/env python3
"""Writes the small quantizeml-quantized Keras models of core/convert/testdata/quantizeml/,
which core/convert's Akida 2.0 tests convert and check (spec conversion-v2.md §1–§2).

Like make_qml_testdata.py, the files are written with h5py in the layout tf.keras 2.15
model.save("x.h5") gives, with the configs quantizeml 1.1.1 writes: "Custom>Quantized…" class
names, quant_config, output_quantizer/range_max and rescaling_rate weights, InputQuantizer
range_min/range_max (spec §3). Two differences keep the files a few KB: the configs leave out
the initializer, regularizer and constraint keys (nothing reads them: Keras fills their
defaults, and so does this program's loader), and the HDF5 file uses the compact group format
(libver "latest": link messages in the object header instead of a B-tree and a local heap per
group), which h5py and this program's reader both read.

Three groups of models:

* v2_*: one or two Akida 2.0 layer kinds each, with integer kernels given explicitly (each
  kernel is k·2^-e per quantization channel with one |k| = 127 there, so the weight scale is
  exactly 2^-e and the integer weights are k) and biases, ranges and rates chosen so that every
  variable can be worked out by hand; core/convert/v2_layers_test.go shows the arithmetic.
* chain_*_pt / chain_*_pa: chains of blocks, one block per pattern of the spec §1.5 tables, with
  per-tensor (pt) or per-axis (pa) output quantizers wherever quantizeml allows per-axis ones
  (4-D outputs not followed by a QuantizedActivation); seeded random kernels.
* err_*: one or a few of the problems of spec §1 and §2 each (core/convert/v2_errors_test.go).

Run from the repository root with Debian's h5py: /usr/bin/python3 tools/qmlgen/make_qml_convert_testdata.py
It is deterministic (seeded), so re-running it reproduces the files byte for byte.
"""
import json
import os

import h5py
import numpy as np

OUT = os.path.join("core", "convert", "testdata", "quantizeml")
rng = np.random.default_rng(20261208)


# ---------------------------------------------------------------- layer configs

def base(name):
    return {"name": name, "trainable": True, "dtype": "float32"}


def input_layer(name, shape, dtype, batch=True):
    c = {"dtype": dtype, "sparse": False, "ragged": False, "name": name}
    if batch:
        c["batch_input_shape"] = [None] + list(shape)
    return "InputLayer", c


def oq(bits=8, axis="per-tensor", signed=True):
    return {"bitwidth": bits, "signed": signed, "axis": axis, "buffer_bitwidth": 32}


def neural_qc(out, wbits=8, waxis="absent"):
    wq = {"bitwidth": wbits}
    if waxis != "absent":
        wq["axis"] = waxis
    qc = {"weight_quantizer": wq, "buffer_bitwidth": 28}
    if out:
        qc["output_quantizer"] = out
    return qc


def pair(v):
    return list(v) if isinstance(v, (list, tuple)) else [v, v]


def conv(name, filters, k, strides=1, padding="same", use_bias=True, out=None, padding_value=None, wbits=8,
         dilation=1, data_format="channels_last"):
    c = dict(base(name), filters=filters, kernel_size=pair(k), strides=pair(strides), padding=padding,
             data_format=data_format, dilation_rate=pair(dilation), groups=1, activation="linear",
             use_bias=use_bias, quant_config=neural_qc(out, wbits))
    if padding_value is not None:
        c["padding_value"] = padding_value
    return "Custom>QuantizedConv2D", c


def depthwise(name, k, strides=1, padding="same", use_bias=True, out=None, wbits=8):
    c = dict(base(name), kernel_size=pair(k), strides=pair(strides), padding=padding, depth_multiplier=1,
             data_format="channels_last", dilation_rate=[1, 1], activation="linear", use_bias=use_bias,
             quant_config=neural_qc(out, wbits, waxis=-2))
    return "Custom>QuantizedDepthwiseConv2D", c


def conv_t(name, filters, k, strides=2, padding="same", use_bias=True, out=None, wbits=8):
    c = dict(base(name), filters=filters, kernel_size=pair(k), strides=pair(strides), padding=padding,
             output_padding=None, data_format="channels_last", dilation_rate=[1, 1], groups=1,
             activation="linear", use_bias=use_bias, quant_config=neural_qc(out, wbits))
    return "Custom>QuantizedConv2DTranspose", c


def dw_t(name, k, strides=2, padding="same", use_bias=True, out=None, wbits=8):
    c = dict(base(name), kernel_size=pair(k), strides=pair(strides), padding=padding, depth_multiplier=1,
             data_format="channels_last", dilation_rate=[1, 1], activation="linear", use_bias=use_bias,
             quant_config=neural_qc(out, wbits, waxis=None))
    return "Custom>QuantizedDepthwiseConv2DTranspose", c


def separable(name, filters, k, out=None):
    qc = {"dw_weight_quantizer": {"bitwidth": 8, "axis": None}, "pw_weight_quantizer": {"bitwidth": 8},
          "buffer_bitwidth": 28}
    if out:
        qc["output_quantizer"] = out
    c = dict(base(name), filters=filters, kernel_size=pair(k), strides=[1, 1], padding="same", depth_multiplier=1,
             data_format="channels_last", dilation_rate=[1, 1], activation="linear", use_bias=True, quant_config=qc)
    return "Custom>QuantizedSeparableConv2D", c


def dense(name, units, out=None, use_bias=True, wbits=8):
    return "Custom>QuantizedDense", dict(base(name), units=units, activation="linear", use_bias=use_bias,
                                         quant_config=neural_qc(out, wbits))


def relu(name, max_value=None, out=None):
    qc = {"buffer_bitwidth": 32}
    if out:
        qc["output_quantizer"] = out
    return "Custom>QuantizedReLU", dict(base(name), max_value=max_value, quant_config=qc)


def activation(name, fn, out=None, alpha=0.2):
    qc = {"lut_bitwidth": 14}
    if out:
        qc["output_quantizer"] = out
    return "Custom>QuantizedActivation", dict(base(name), activation=fn, alpha=alpha, quant_config=qc)


def maxpool(name, pool=2, strides=None, padding="same", data_format="channels_last"):
    return "Custom>QuantizedMaxPool2D", dict(base(name), pool_size=pair(pool), padding=padding,
                                             strides=pair(strides if strides is not None else pool),
                                             data_format=data_format)


def gap(name, out=None, keepdims=False):
    qc = {"buffer_bitwidth": 32}
    if out:
        qc["output_quantizer"] = out
    return "Custom>QuantizedGlobalAveragePooling2D", dict(base(name), data_format="channels_last",
                                                          keepdims=keepdims, quant_config=qc)


def add(name, out=None):
    qc = {"buffer_bitwidth": 32}
    if out:
        qc["output_quantizer"] = out
    return "Custom>QuantizedAdd", dict(base(name), average=False, quant_config=qc)


def concat(name):
    return "Custom>QuantizedConcatenate", dict(base(name), axis=-1, quant_config={"buffer_bitwidth": 32})


def flatten(name):
    return "Custom>QuantizedFlatten", dict(base(name), data_format="channels_last")


def reshape(name, target):
    return "Custom>QuantizedReshape", dict(base(name), target_shape=list(target))


def dropout(name):
    return "Custom>QuantizedDropout", dict(base(name), rate=0.25, noise_shape=None, seed=None)


def rescaling(name, scale):
    return "Custom>QuantizedRescaling", dict(base(name), scale=scale, offset=0.0, quant_config={})


def input_quantizer(name, bits=8, signed=True, axis="per-tensor"):
    return "Custom>InputQuantizer", dict(base(name), bitwidth=bits, signed=signed, axis=axis)


def dequantizer(name="dequantizer"):
    return "Custom>Dequantizer", base(name)


def temporal(cls, name, **config):
    """A temporal or Akida Pico quantizeml layer, which this program's loader does not type
    (spec §2.11): its class name and quant_config are enough to match its pattern."""
    return "Custom>" + cls, dict(base(name), quant_config={"buffer_bitwidth": 32}, **config)


# ---------------------------------------------------------------- weights

def ints_kernel(k, exps, axis=-1):
    """k·2^-e along axis, for an explicit integer kernel k with one |k| = 127 per channel."""
    k = np.array(k, dtype=np.int64)
    axis = axis % k.ndim
    moved = np.moveaxis(np.abs(k), axis, -1).reshape(-1, k.shape[axis])
    assert list(moved.max(axis=0)) == [127] * k.shape[axis], "each channel needs one |k| = 127"
    scale = np.array([2.0 ** -e for e in exps]).reshape([-1 if i == axis else 1 for i in range(k.ndim)])
    return (k * scale).astype(np.float32)


def rand_kernel(shape, exps=None, axis=-1):
    """Seeded integers in [-127, 127] with the first element of each channel ±127, times 2^-e."""
    k = rng.integers(-127, 128, size=shape)
    axis = axis % len(shape)
    n = shape[axis]
    exps = exps or [int(e) for e in rng.integers(5, 9, size=n)]
    for c in range(n):
        idx = [0] * len(shape)
        idx[axis] = c
        k[tuple(idx)] = 127 if c % 2 == 0 else -127
    return ints_kernel(k, exps, axis)


def rand_per_tensor_kernel(shape):
    """Seeded integers with one 127 in the whole tensor, times 2^-7 (per-tensor weights)."""
    k = rng.integers(-127, 128, size=shape)
    k.flat[0] = 127
    return (k * 2.0 ** -7).astype(np.float32)


def show(what, kernel, exps, axis=-1):
    """Prints the integers of a seeded kernel (Σk, Σ|k|, first 8 in C order), which the tests quote."""
    scale = np.array([2.0 ** e for e in exps]).reshape([-1 if i == axis % kernel.ndim else 1 for i in range(kernel.ndim)])
    k = np.rint(kernel * scale).astype(np.int64).reshape(-1)
    print(f"  {what}: integer weights Σ = {int(k.sum())}, Σ|k| = {int(np.abs(k).sum())}, first 8 = {k[:8].tolist()}")


def rand_bias(n):
    return [float(x) for x in np.round(rng.uniform(-0.5, 0.5, size=n), 3)]


# ---------------------------------------------------------------- models

class Model:
    """A Functional model being written: layers (class, config, inbound names) and weights."""

    def __init__(self, name):
        self.name = name
        self.layers = []
        self.weights = {}

    def add(self, layer, inbounds=(), weights=()):
        cls, cfg = layer
        self.layers.append((cls, cfg, list(inbounds)))
        if weights:
            self.weights[cfg["name"]] = list(weights)
        return cfg["name"]

    def save(self, filename, inputs=None, outputs=None, sequential=False):
        names = [cfg["name"] for _, cfg, _ in self.layers]
        if sequential:
            model_config = {"class_name": "Sequential", "config": {"name": self.name, "layers": [
                {"class_name": cls, "config": cfg} for cls, cfg, _ in self.layers]}}
        else:
            config_layers = [{"class_name": cls, "config": cfg, "name": cfg["name"],
                              "inbound_nodes": [] if not inb else [[[i, 0, 0, {}] for i in inb]]}
                             for cls, cfg, inb in self.layers]
            inputs = inputs or [names[0]]
            outputs = outputs or [names[-1]]
            model_config = {"class_name": "Functional", "config": {
                "name": self.name, "trainable": True, "layers": config_layers,
                "input_layers": [[n, 0, 0] for n in inputs], "output_layers": [[n, 0, 0] for n in outputs]}}
        path = os.path.join(OUT, filename)
        with h5py.File(create_file(path)) as f:
            # Keras stores its attributes as fixed-length byte strings (.encode("utf8")).
            f.attrs["backend"] = b"tensorflow"
            f.attrs["keras_version"] = b"2.15.0"
            f.attrs["model_config"] = json.dumps(model_config, separators=(",", ":")).encode("utf8")
            mw = create_group(f, "model_weights")
            mw.attrs["backend"] = b"tensorflow"
            mw.attrs["keras_version"] = b"2.15.0"
            mw.attrs["layer_names"] = np.array([n.encode("utf8") for n in names])
            for name in names:
                g = create_group(mw, name)
                ws = self.weights.get(name, [])
                if ws:
                    g.attrs["weight_names"] = np.array([f"{name}/{w}:0".encode("utf8") for w, _ in ws])
                else:
                    g.attrs["weight_names"] = np.array([], dtype=np.float64)
                for w, v in ws:
                    create_dataset(g, f"{name}/{w}:0", v)
        print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def create_file(path):
    """Creates an HDF5 file in the compact format (libver "latest": a group's links live in its
    object header, no B-tree and local heap per group) without object timestamps, which that
    format would otherwise store (and which would make the files differ on every run)."""
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    return h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)


def create_group(parent, name):
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl))


def create_dataset(group, path, values):
    """A float32 dataset at path under group, its intermediate groups made by create_group."""
    *parents, leaf = path.split("/")
    for p in parents:
        group = group[p] if p in group else create_group(group, p)
    group.create_dataset(leaf, data=np.asarray(values, dtype=np.float32), track_times=False)


def oq_weights(range_max, rate=1.0):
    return [("output_quantizer/range_max", range_max), ("output_quantizer/rescaling_rate", rate)]


def kb(kernel, bias=None):
    return [("kernel", kernel)] + ([("bias", bias)] if bias is not None else [])


# ---------------------------------------------------------------- v2_*: hand-computable layers

def v2_dense_int8():
    """InputData from a signed model input (N,) → (1, 1, N); Dense1D with a bounded ReLU; the
    Dequantizer cut (a Softmax after the Dequantizer is dropped with cnn2snn's warning)."""
    m = Model("v2_dense_int8")
    m.add(input_layer("input_1", (3,), "int8"))
    k = ints_kernel([[127, -127], [-40, 64], [10, 5]], [7, 6])
    m.add(dense("dense", 2), ["input_1"], kb(k, [1.5, -0.1]))
    m.add(relu("re_lu", 6.0, oq()), ["dense"], oq_weights(1.0, 1.5))
    m.add(dequantizer(), ["re_lu"])
    m.add(("Softmax", dict(base("softmax"), axis=-1)), ["dequantizer"])
    m.save("v2_dense_int8.h5")


def v2_quantizer_signed():
    """A signed per-axis Quantizer, the InputData after it, a Conv2D with an input shift."""
    m = Model("v2_quantizer_signed")
    m.add(input_layer("input_1", (2, 2, 2), "float32"))
    m.add(input_quantizer("input_quantizer", axis="per-axis"), ["input_1"],
          [("range_min", [-1.0, -3.0]), ("range_max", [0.5, 2.0])])
    # (kh, kw, c_in, filters) = (2, 2, 2, 2)
    k = ints_kernel([[[[127, 20], [-3, 4]], [[5, -6], [7, 8]]],
                     [[[9, 10], [11, -127]], [[-13, 14], [15, 16]]]], [6, 7])
    m.add(conv("conv2d", 2, 2, out=oq()), ["input_quantizer"], kb(k, [0.3, -0.7]) + oq_weights(2.0, 1.25))
    m.add(dequantizer(), ["conv2d"])
    m.save("v2_quantizer_signed.h5")


def v2_quantizer_unsigned():
    """An unsigned per-axis Quantizer (zero points), InputData after it, a 1×1 Conv2D with a
    per-axis output quantizer."""
    m = Model("v2_quantizer_unsigned")
    m.add(input_layer("input_1", (2, 2, 2), "float32"))
    m.add(input_quantizer("input_quantizer", signed=False, axis="per-axis"), ["input_1"],
          [("range_min", [-0.5, 0.0]), ("range_max", [1.5, 0.25])])
    k = ints_kernel([[[[127, 30], [-50, -127]]]], [7, 7])
    m.add(conv("conv2d", 2, 1, out=oq(axis="per-axis")), ["input_quantizer"],
          kb(k, [0.1, 0.0]) + oq_weights([1.0, 4.0], [1.0, 1.0]))
    m.add(dequantizer(), ["conv2d"])
    m.save("v2_quantizer_unsigned.h5")


def v2_inputconv_pad_lut():
    """An InputConv2D after an unsigned per-tensor Quantizer: padding value, LUT activation."""
    m = Model("v2_inputconv_pad_lut")
    m.add(input_layer("input_1", (3, 3, 1), "float32"))
    m.add(input_quantizer("input_quantizer", signed=False), ["input_1"], [("range_min", -1.0), ("range_max", 1.0)])
    f0 = [[127, 0, -10], [20, -30, 40], [0, 5, -6]]
    f1 = [[-127, 1, 2], [3, 4, 5], [6, 7, 8]]
    k = ints_kernel([[[[f0[y][x], f1[y][x]]] for x in range(3)] for y in range(3)], [6, 7])
    m.add(conv("conv2d", 2, 3, padding="valid", padding_value=[1.5], out=oq(11)), ["input_quantizer"],
          kb(k, [0.05, -0.3]) + oq_weights(4.0))
    m.add(activation("activation", "leaky_relu", oq(), alpha=0.25), ["conv2d"], oq_weights(2.0))
    m.add(dequantizer(), ["activation"])
    m.save("v2_inputconv_pad_lut.h5")


def v2_inputconv_pool():
    """An InputConv2D on a uint8 image: max pooling, no padding value, ReLU."""
    m = Model("v2_inputconv_pool")
    m.add(input_layer("input_1", (4, 4, 3), "uint8"))
    k = rand_kernel((3, 3, 3, 2), [7, 8])
    show("v2_inputconv_pool conv2d", k, [7, 8])
    m.add(conv("conv2d", 2, 3), ["input_1"], kb(k, [1.5, -0.2]))
    m.add(maxpool("max_pooling2d"), ["conv2d"])
    m.add(relu("re_lu", None, oq()), ["max_pooling2d"], oq_weights(3.0, 1.5))
    m.add(dequantizer(), ["re_lu"])
    m.save("v2_inputconv_pool.h5")


def v2_conv_lut_gap():
    """Conv2D with a LUT activation (per-axis output), then a Conv2D with an input shift, a ReLU
    and a global average pooling."""
    m = Model("v2_conv_lut_gap")
    m.add(input_layer("input_1", (2, 2, 1), "int8"))
    m.add(conv("conv_a", 2, 1, use_bias=False, out=oq(11)), ["input_1"],
          [("kernel", ints_kernel([[[[127, -127]]]], [7, 6]))] + oq_weights(8.0))
    m.add(activation("activation", "leaky_relu", oq(axis="per-axis"), alpha=0.5), ["conv_a"],
          oq_weights([2.0, 1.0], [1.0, 1.0]))
    m.add(conv("conv_b", 1, 1), ["activation"], kb(ints_kernel([[[[127], [-64]]]], [7]), [0.3]))
    m.add(relu("re_lu", None), ["conv_b"])
    m.add(gap("gap", oq()), ["re_lu"], oq_weights(4.0))
    m.add(dequantizer(), ["gap"])
    m.save("v2_conv_lut_gap.h5")


def v2_depthwise():
    """DepthwiseConv2D on a per-axis input (no input shift), bounded ReLU."""
    m = Model("v2_depthwise")
    m.add(input_layer("input_1", (3, 3, 2), "int8"))
    m.add(conv("conv2d", 2, 1, use_bias=False, out=oq(axis="per-axis")), ["input_1"],
          [("kernel", ints_kernel([[[[127, 0], [0, -127]]]], [7, 7]))] + oq_weights([1.0, 4.0], [1.0, 1.0]))
    c0 = [[127, 1, 2], [3, 4, 5], [6, 7, 8]]
    c1 = [[-127, -1, 0], [10, 20, 30], [-40, 50, -60]]
    k = ints_kernel([[[[c0[y][x]], [c1[y][x]]] for x in range(3)] for y in range(3)], [6, 7], axis=-2)
    m.add(depthwise("depthwise", 3), ["conv2d"], [("depthwise_kernel", k), ("bias", [0.2, -0.1])])
    m.add(relu("re_lu", 6.0, oq()), ["depthwise"], oq_weights(2.0))
    m.add(dequantizer(), ["re_lu"])
    m.save("v2_depthwise.h5")


def v2_transpose():
    """Conv2DTranspose with a ReLU (per-axis output), DepthwiseConv2DTranspose with an input
    shift and no output quantizer."""
    m = Model("v2_transpose")
    m.add(input_layer("input_1", (2, 2, 1), "int8"))
    # Keras kernel (kh, kw, filters, in); quantized per filter.
    f0 = [[127, -1, 2], [-3, 4, -5], [6, -7, 8]]
    f1 = [[10, 20, 30], [40, -127, 60], [70, 80, 90]]
    k = ints_kernel([[[[f0[y][x]], [f1[y][x]]] for x in range(3)] for y in range(3)], [6, 7], axis=2)
    m.add(conv_t("conv_t", 2, 3), ["input_1"], kb(k, [3.0, -0.05]))
    m.add(relu("re_lu", None, oq(axis="per-axis")), ["conv_t"], oq_weights([4.0, 2.0], [1.5, 1.0]))
    kd = rand_per_tensor_kernel((4, 4, 2, 1))
    show("v2_transpose dw_t", kd, [7])
    m.add(dw_t("dw_t", 4), ["re_lu"], [("depthwise_kernel", kd), ("bias", [0.05, 0.0])])
    m.add(dequantizer(), ["dw_t"])
    m.save("v2_transpose.h5")


def v2_add_concat():
    """Add (input shifts per channel, output shift), Concatenate, Dequantizer."""
    m = Model("v2_add_concat")
    m.add(input_layer("input_1", (2, 2, 2), "int8"))
    m.add(conv("conv_a", 2, 1, use_bias=False, out=oq(axis="per-axis")), ["input_1"],
          [("kernel", ints_kernel([[[[127, 3], [-5, -127]]]], [7, 7]))] + oq_weights([1.0, 2.0], [1.0, 1.0]))
    m.add(conv("conv_b", 2, 1, use_bias=False, out=oq()), ["input_1"],
          [("kernel", ints_kernel([[[[-127, 9], [11, 127]]]], [7, 6]))] + oq_weights(4.0))
    m.add(add("add", oq()), ["conv_a", "conv_b"], oq_weights(4.0))
    m.add(concat("concatenate"), ["add", "conv_b"])
    m.add(dequantizer(), ["concatenate"])
    m.save("v2_add_concat.h5")


def v2_flatten_dense():
    """Dense1D behind a Reshape and a Flatten: the Keras kernel as is (no permutation)."""
    m = Model("v2_flatten_dense")
    m.add(input_layer("input_1", (1, 2, 2), "int8"))
    m.add(reshape("reshape", (4, 1)), ["input_1"])
    m.add(flatten("flatten"), ["reshape"])
    k = ints_kernel([[127, 1], [-2, 3], [4, -127], [5, 6]], [7, 7])
    m.add(dense("dense", 2), ["flatten"], kb(k, [0.0, 0.25]))
    m.add(relu("re_lu", 6.0, oq()), ["dense"], oq_weights(2.0))
    m.add(dequantizer(), ["re_lu"])
    m.save("v2_flatten_dense.h5")


# ---------------------------------------------------------------- chain_*: every pattern

def act_oq(pa):
    return oq(axis="per-axis" if pa else "per-tensor")


def act_weights(pa, channels, r=2.0):
    if pa:
        return oq_weights([r * (1 + c % 2) for c in range(channels)], [1.0] * channels)
    return oq_weights(r)


def chain_conv(pa):
    """Input pattern Conv > ReLU, then every regular Conv2D pattern."""
    sfx = "pa" if pa else "pt"
    m = Model("chain_conv_" + sfx)
    m.add(input_layer("input_1", (8, 8, 1), "uint8"))
    c = 4
    prev = m.add(conv("c1", c, 3), ["input_1"], kb(rand_kernel((3, 3, 1, c)), rand_bias(c)))
    prev = m.add(relu("r1", 6.0, act_oq(pa)), [prev], act_weights(pa, c))
    prev = m.add(dropout("dropout"), [prev])
    prev = m.add(conv("c2", c, 3, out=act_oq(pa)), [prev], kb(rand_kernel((3, 3, c, c)), rand_bias(c)) + act_weights(pa, c))
    prev = m.add(conv("c3", c, 3), [prev], kb(rand_kernel((3, 3, c, c)), rand_bias(c)))
    prev = m.add(relu("r3", None, act_oq(pa)), [prev], act_weights(pa, c))
    prev = m.add(conv("c4", c, 3), [prev], kb(rand_kernel((3, 3, c, c)), rand_bias(c)))
    prev = m.add(maxpool("p4"), [prev])
    prev = m.add(relu("r4", 6.0, act_oq(pa)), [prev], act_weights(pa, c))  # 4×4
    prev = m.add(conv("c5", c, 3, out=oq(11)), [prev], kb(rand_kernel((3, 3, c, c)), rand_bias(c)) + oq_weights(8.0))
    prev = m.add(activation("a5", "gelu", act_oq(pa)), [prev], act_weights(pa, c))
    prev = m.add(conv("c6", c, 3, out=oq(11)), [prev], kb(rand_kernel((3, 3, c, c)), rand_bias(c)) + oq_weights(8.0))
    prev = m.add(maxpool("p6"), [prev])
    prev = m.add(activation("a6", "swish", act_oq(pa)), [prev], act_weights(pa, c))  # 2×2
    prev = m.add(conv("c7", c, 3, out=oq(11)), [prev], kb(rand_kernel((3, 3, c, c)), rand_bias(c)) + oq_weights(8.0))
    prev = m.add(activation("a7", "hard_silu"), [prev])
    prev = m.add(gap("g7", act_oq(pa), keepdims=True), [prev], act_weights(pa, c))  # 1×1
    prev = m.add(conv("c8", c, 1), [prev], kb(rand_kernel((1, 1, c, c)), rand_bias(c)))
    prev = m.add(relu("r8", None), [prev])
    prev = m.add(gap("g8", act_oq(pa), keepdims=True), [prev], act_weights(pa, c))
    prev = m.add(conv("c9", c, 1), [prev], kb(rand_kernel((1, 1, c, c)), rand_bias(c)))
    prev = m.add(gap("g9", act_oq(pa), keepdims=True), [prev], act_weights(pa, c))
    prev = m.add(reshape("squeeze", (c,)), [prev])  # only drops 1s: skipped
    m.add(dequantizer(), [prev])
    m.save(f"chain_conv_{sfx}.h5")


def chain_depthwise(pa):
    """Input pattern Conv > MaxPool > Activation, then every DepthwiseConv2D pattern."""
    sfx = "pa" if pa else "pt"
    m = Model("chain_depthwise_" + sfx)
    m.add(input_layer("input_1", (8, 8, 1), "uint8"))
    c = 3
    prev = m.add(conv("c0", c, 3, out=oq(11)), ["input_1"], kb(rand_kernel((3, 3, 1, c)), rand_bias(c)) + oq_weights(8.0))
    prev = m.add(maxpool("p0"), [prev])
    prev = m.add(activation("a0", "leaky_relu", act_oq(pa)), [prev], act_weights(pa, c))  # 4×4

    def dw(name):
        return [("depthwise_kernel", rand_kernel((3, 3, c, 1), axis=-2)), ("bias", rand_bias(c))]

    prev = m.add(depthwise("d1", 3, out=act_oq(pa)), [prev], dw("d1") + act_weights(pa, c))
    prev = m.add(depthwise("d2", 3), [prev], dw("d2"))
    prev = m.add(relu("r2", 6.0, act_oq(pa)), [prev], act_weights(pa, c))
    prev = m.add(depthwise("d3", 3), [prev], dw("d3"))
    prev = m.add(maxpool("p3"), [prev])
    prev = m.add(relu("r3", None, act_oq(pa)), [prev], act_weights(pa, c))  # 2×2
    prev = m.add(depthwise("d4", 3, out=oq(11)), [prev], dw("d4") + oq_weights(8.0))
    prev = m.add(activation("a4", "gelu", act_oq(pa)), [prev], act_weights(pa, c))
    prev = m.add(depthwise("d5", 3, out=oq(11)), [prev], dw("d5") + oq_weights(8.0))
    prev = m.add(maxpool("p5"), [prev])
    prev = m.add(activation("a5", "swish", act_oq(pa)), [prev], act_weights(pa, c))  # 1×1
    m.add(dequantizer(), [prev])
    m.save(f"chain_depthwise_{sfx}.h5")


def chain_transpose(pa):
    """Input pattern InputQuantizer, then every Conv2DTranspose and DepthwiseConv2DTranspose
    pattern."""
    sfx = "pa" if pa else "pt"
    m = Model("chain_transpose_" + sfx)
    c = 2
    m.add(input_layer("input_1", (1, 1, c), "float32"))
    iq_range = [("range_min", [-1.0, -2.0] if pa else -1.0), ("range_max", [1.0, 0.5] if pa else 1.0)]
    prev = m.add(input_quantizer("input_quantizer", axis="per-axis" if pa else "per-tensor"), ["input_1"], iq_range)

    def ct(k):  # Keras (kh, kw, filters, in), quantized per filter
        return kb(rand_kernel((k, k, c, c), axis=2), rand_bias(c))

    def dt(k):
        return [("depthwise_kernel", rand_per_tensor_kernel((k, k, c, 1))), ("bias", rand_bias(c))]

    prev = m.add(conv_t("t1", c, 3, out=act_oq(pa)), [prev], ct(3) + act_weights(pa, c))  # 2×2
    prev = m.add(conv_t("t2", c, 4), [prev], ct(4))
    prev = m.add(relu("r2", 6.0, act_oq(pa)), [prev], act_weights(pa, c))  # 4×4
    prev = m.add(conv_t("t3", c, 3, out=oq(11)), [prev], ct(3) + oq_weights(8.0))
    prev = m.add(activation("a3", "gelu", act_oq(pa)), [prev], act_weights(pa, c))  # 8×8
    prev = m.add(dw_t("u1", 4, out=act_oq(pa)), [prev], dt(4) + act_weights(pa, c))
    prev = m.add(dw_t("u2", 3), [prev], dt(3))
    prev = m.add(relu("r5", None, act_oq(pa)), [prev], act_weights(pa, c))
    prev = m.add(dw_t("u3", 4, out=oq(11)), [prev], dt(4) + oq_weights(8.0))
    prev = m.add(activation("a6", "hard_silu", act_oq(pa)), [prev], act_weights(pa, c))  # 64×64
    m.add(dequantizer(), [prev])
    m.save(f"chain_transpose_{sfx}.h5")


def chain_dense(pa):
    """Input pattern Conv > Activation after an unsigned Quantizer, then every Dense1D pattern:
    four heads on an image (Flatten or Reshape in front), joined by Concatenates, then the
    patterns that read vectors (whose output quantizers are per tensor: quantizeml refuses
    per-axis ones on vectors)."""
    sfx = "pa" if pa else "pt"
    m = Model("chain_dense_" + sfx)
    m.add(input_layer("input_1", (2, 2, 3), "float32"))
    m.add(input_quantizer("input_quantizer", signed=False), ["input_1"], [("range_min", -1.0), ("range_max", 1.0)])
    c = 4
    src = m.add(conv("c0", c, 1, out=oq(11)), ["input_quantizer"], kb(rand_kernel((1, 1, 3, c)), rand_bias(c)) + oq_weights(8.0))
    src = m.add(activation("a0", "gelu", act_oq(pa)), [src], act_weights(pa, c))

    def dk(n_in, units):
        return kb(rand_kernel((n_in, units)), rand_bias(units))

    h1 = m.add(flatten("f1"), [src])
    h1 = m.add(dense("h1", 3, oq()), [h1], dk(16, 3) + oq_weights(2.0))
    h2 = m.add(flatten("f2"), [src])
    h2 = m.add(dense("h2", 3), [h2], dk(16, 3))
    h2 = m.add(relu("rh2", 6.0, oq()), [h2], oq_weights(4.0))
    h3 = m.add(reshape("s3", (16,)), [src])
    h3 = m.add(dense("h3", 3, oq()), [h3], dk(16, 3) + oq_weights(2.0))
    h4 = m.add(reshape("s4", (16,)), [src])
    h4 = m.add(dense("h4", 3), [h4], dk(16, 3))
    h4 = m.add(relu("rh4", None, oq()), [h4], oq_weights(4.0))
    k1 = m.add(concat("k1"), [h1, h2])
    k2 = m.add(concat("k2"), [h3, h4])
    prev = m.add(concat("k3"), [k1, k2])  # (12,)
    prev = m.add(reshape("s5", (3, 4)), [prev])
    prev = m.add(flatten("f5"), [prev])
    prev = m.add(dense("e1", 4, oq()), [prev], dk(12, 4) + oq_weights(2.0))
    prev = m.add(reshape("s6", (2, 2)), [prev])
    prev = m.add(flatten("f6"), [prev])
    prev = m.add(dense("e2", 4), [prev], dk(4, 4))
    prev = m.add(relu("re2", 6.0, oq()), [prev], oq_weights(4.0))
    prev = m.add(dense("e3", 4, oq()), [prev], dk(4, 4) + oq_weights(2.0))
    prev = m.add(dense("e4", 2), [prev], dk(4, 2))
    prev = m.add(relu("re4", 6.0, oq()), [prev], oq_weights(4.0))
    m.add(dequantizer(), [prev])
    m.save(f"chain_dense_{sfx}.h5")


def chain_merge(pa):
    """Input pattern Conv > MaxPool > ReLU on a uint8 image, then Add and Concatenate."""
    sfx = "pa" if pa else "pt"
    m = Model("chain_merge_" + sfx)
    m.add(input_layer("input_1", (4, 4, 1), "uint8"))
    c = 2
    a = m.add(conv("ca", c, 3), ["input_1"], kb(rand_kernel((3, 3, 1, c)), rand_bias(c)))
    a = m.add(maxpool("pa"), [a])
    a = m.add(relu("ra", 6.0, act_oq(pa)), [a], act_weights(pa, c))  # 2×2
    b = m.add(conv("cb", c, 3, out=act_oq(pa)), [a], kb(rand_kernel((3, 3, c, c)), rand_bias(c)) + act_weights(pa, c, 4.0))
    s = m.add(add("add", act_oq(pa)), [a, b], act_weights(pa, c, 8.0))
    d = m.add(depthwise("dw", 3, out=act_oq(pa)), [s],
              [("depthwise_kernel", rand_kernel((3, 3, c, 1), axis=-2)), ("bias", rand_bias(c))] + act_weights(pa, c))
    k = m.add(concat("concatenate"), [d, s])
    m.add(dequantizer(), [k])
    m.save(f"chain_merge_{sfx}.h5")


def chain_temporal():
    """The temporal and Akida Pico patterns of spec §1.5 (rows 9–12), which this program matches
    but does not convert (spec §2.11). This program's loader does not type these classes, so
    their output quantizers are not seen: blocks are cut by ReLUs with output quantizers and by
    merges instead."""
    m = Model("chain_temporal")
    m.add(input_layer("input_1", (4, 4, 2), "int8"))
    btc, dbtc = "QuantizedBufferTempConv", "QuantizedDepthwiseBufferTempConv"
    proj, rec, ext = "QuantizedStatefulProjection", "QuantizedStatefulRecurrent", "QuantizedExtractToken"
    prev = m.add(temporal(btc, "b1"), ["input_1"])
    prev = m.add(relu("r1", None, oq()), [prev], oq_weights(2.0))  # BTC > ReLU
    prev = m.add(temporal(dbtc, "d1"), [prev])
    r2 = m.add(relu("r2", None, oq()), [prev], oq_weights(2.0))  # DBTC > ReLU
    b2 = m.add(temporal(btc, "b2"), [r2])  # BTC
    d2 = m.add(temporal(dbtc, "d2"), [r2])  # DBTC
    prev = m.add(add("add", oq()), [b2, d2], oq_weights(4.0))
    prev = m.add(temporal(proj, "p1"), [prev])
    prev = m.add(temporal(rec, "sr1"), [prev])
    prev = m.add(temporal(ext, "x1", axis=-1), [prev])
    prev = m.add(temporal(proj, "p2"), [prev])
    r3 = m.add(relu("r3", None, oq()), [prev], oq_weights(2.0))  # StatefulRecurrent > ReLU
    prev = m.add(temporal(proj, "p3"), [r3])
    prev = m.add(temporal(rec, "sr2"), [prev])
    prev = m.add(temporal(ext, "x2", axis=-1), [prev])
    p4 = m.add(temporal(proj, "p4"), [prev])  # StatefulRecurrent
    prev = m.add(add("add_1", oq()), [p4, r3], oq_weights(4.0))
    prev = m.add(temporal("QuantizedPicoPostProcessing", "pico"), [prev])
    m.add(dequantizer(), [prev])  # dropped after a PicoPostProcessing
    m.save("chain_temporal.h5")


# ---------------------------------------------------------------- err_*: problems

def small_conv(name, inbound, m, c_in=1, filters=1, out=True, **kw):
    k = kw.pop("k", 1)
    ws = kb(rand_kernel((pair(k)[0], pair(k)[1], c_in, filters)), rand_bias(filters))
    return m.add(conv(name, filters, k, out=oq() if out else None, **kw), [inbound], ws + (oq_weights(2.0) if out else []))


def err_only_skippable():
    m = Model("err_only_skippable")
    m.add(input_layer("input_1", (4,), "int8"))
    m.add(dropout("dropout"), ["input_1"])
    m.add(dequantizer(), ["dropout"])
    m.save("err_only_skippable.h5")


def err_sequential_shape():
    m = Model("err_sequential_shape")
    m.add(dense("dense", 2, oq()), [], kb(rand_kernel((3, 2)), rand_bias(2)) + oq_weights(2.0))
    m.add(dequantizer(), [])
    m.save("err_sequential_shape.h5", sequential=True)


def err_inputs_outputs():
    """Two inputs and two outputs."""
    m = Model("err_inputs_outputs")
    m.add(input_layer("in_a", (2, 2, 1), "int8"))
    m.add(input_layer("in_b", (2, 2, 1), "int8"))
    small_conv("conv_a", "in_a", m)
    small_conv("conv_b", "in_b", m)
    m.add(dequantizer("deq_a"), ["conv_a"])
    m.add(dequantizer("deq_b"), ["conv_b"])
    m.save("err_inputs_outputs.h5", inputs=["in_a", "in_b"], outputs=["deq_a", "deq_b"])


def err_input_rank():
    m = Model("err_input_rank")
    m.add(input_layer("input_1", (4, 3), "int8"))
    m.add(dense("dense", 2, oq()), ["input_1"], kb(rand_kernel((3, 2)), rand_bias(2)) + oq_weights(2.0))
    m.add(dequantizer(), ["dense"])
    m.save("err_input_rank.h5")


def err_format_dilation():
    """A channels_first pooling and a dilated convolution."""
    m = Model("err_format_dilation")
    m.add(input_layer("input_1", (6, 6, 1), "uint8"))
    small_conv("conv2d", "input_1", m, k=3, dilation=2, out=False)
    m.add(maxpool("max_pooling2d", data_format="channels_first"), ["conv2d"])
    m.add(relu("re_lu", None, oq()), ["max_pooling2d"], oq_weights(2.0))
    m.add(dequantizer(), ["re_lu"])
    m.save("err_format_dilation.h5")


def err_orphan():
    """conv_b comes before the Dequantizer but only feeds a layer after it."""
    m = Model("err_orphan")
    m.add(input_layer("input_1", (2, 2, 1), "int8"))
    small_conv("conv_a", "input_1", m)
    small_conv("conv_b", "input_1", m)
    m.add(dequantizer(), ["conv_a"])
    m.add(("Add", base("add")), ["dequantizer", "conv_b"])
    m.save("err_orphan.h5")


def err_invalid_blocks():
    """A ReLU right after an Add (a lone QuantizedReLU block), a separable convolution (no
    Akida 2.0 pattern shares its class), a GlobalAveragePooling2D before the ReLU (Akida 1.0's
    order)."""
    m = Model("err_invalid_blocks")
    m.add(input_layer("input_1", (4, 4, 2), "int8"))
    a = small_conv("conv_a", "input_1", m, c_in=2, filters=2)
    b = small_conv("conv_b", "input_1", m, c_in=2, filters=2)
    s = m.add(add("add"), [a, b])
    r = m.add(relu("re_lu", None, oq()), [s], oq_weights(2.0))
    sep = m.add(separable("separable", 2, 3, oq()), [r],
                [("depthwise_kernel", rand_per_tensor_kernel((3, 3, 2, 1))),
                 ("pointwise_kernel", rand_kernel((1, 1, 2, 2))), ("bias", rand_bias(2))] + oq_weights(2.0))
    c = small_conv("conv_c", sep, m, c_in=2, filters=2, out=False)
    g = m.add(gap("gap"), [c])
    r2 = m.add(relu("re_lu_1", None, oq()), [g], oq_weights(2.0))
    m.add(dequantizer(), [r2])
    m.save("err_invalid_blocks.h5")


def err_unresolved():
    """An Add of the model input and an InputConv2D: no InputData exists for the input."""
    m = Model("err_unresolved")
    m.add(input_layer("input_1", (4, 4, 1), "uint8"))
    c = small_conv("conv2d", "input_1", m, k=3, out=False)
    r = m.add(relu("re_lu", None, oq()), [c], oq_weights(2.0))
    s = m.add(add("add", oq()), ["input_1", r], oq_weights(4.0))
    m.add(dequantizer(), [s])
    m.save("err_unresolved.h5")


def err_unsigned_input():
    """A uint8 model input in front of a lone Conv2D (not an input pattern): InputData."""
    m = Model("err_unsigned_input")
    m.add(input_layer("input_1", (4, 4, 1), "uint8"))
    small_conv("conv2d", "input_1", m, k=3)
    m.add(dequantizer(), ["conv2d"])
    m.save("err_unsigned_input.h5")


def err_conv_shapes():
    """The construction checks of InputConv2D and Conv2D (spec §2.3–2.4)."""
    m = Model("err_conv_shapes")
    m.add(input_layer("input_1", (8, 8, 1), "uint8"))
    c = m.add(conv("conv_in", 2, (3, 1), strides=(2, 1), padding="valid", wbits=2), ["input_1"],
              kb(rand_kernel((3, 1, 1, 2)), rand_bias(2)))
    p = m.add(maxpool("pool_in", (2, 1), (2, 1), "same"), [c])
    r = m.add(relu("relu_in", None, oq()), [p], oq_weights(2.0))
    c = m.add(conv("conv", 2, (1, 3), strides=(1, 2), padding="same", wbits=6), [r],
              kb(rand_kernel((1, 3, 2, 2)), rand_bias(2)))
    p = m.add(maxpool("pool", (1, 2), (2, 1), "valid"), [c])
    r = m.add(relu("relu", None, oq()), [p], oq_weights(2.0))
    m.add(dequantizer(), [r])
    m.save("err_conv_shapes.h5")


def err_depthwise_shapes():
    """The construction checks of DepthwiseConv2D (spec §2.5)."""
    m = Model("err_depthwise_shapes")
    m.add(input_layer("input_1", (8, 8, 2), "int8"))
    d = m.add(depthwise("depthwise", (3, 1), strides=(2, 1), padding="valid", wbits=2), ["input_1"],
              [("depthwise_kernel", rand_kernel((3, 1, 2, 1), axis=-2)), ("bias", rand_bias(2))])
    p = m.add(maxpool("pool", (2, 1), (1, 2), "same"), [d])
    r = m.add(relu("re_lu", None, oq()), [p], oq_weights(2.0))
    m.add(dequantizer(), [r])
    m.save("err_depthwise_shapes.h5")


def err_transpose_shapes():
    """The construction checks of Conv2DTranspose and DepthwiseConv2DTranspose (spec §2.6)."""
    m = Model("err_transpose_shapes")
    m.add(input_layer("input_1", (4, 4, 2), "int8"))
    a = m.add(conv_t("convt_a", 2, (3, 4), strides=(2, 1), padding="valid", out=oq(), wbits=2), ["input_1"],
              kb(rand_kernel((3, 4, 2, 2), axis=2), rand_bias(2)) + oq_weights(2.0))
    b = m.add(conv_t("convt_b", 2, 5, strides=1, out=oq()), [a],
              kb(rand_kernel((5, 5, 2, 2), axis=2), rand_bias(2)) + oq_weights(2.0))
    c = m.add(dw_t("dwt_a", (3, 4), strides=(2, 1), padding="valid", out=oq(), wbits=2), [b],
              [("depthwise_kernel", rand_per_tensor_kernel((3, 4, 2, 1))), ("bias", rand_bias(2))] + oq_weights(2.0))
    d = m.add(dw_t("dwt_b", 5, strides=1, out=oq()), [c],
              [("depthwise_kernel", rand_per_tensor_kernel((5, 5, 2, 1))), ("bias", rand_bias(2))] + oq_weights(2.0))
    m.add(dequantizer(), [d])
    m.save("err_transpose_shapes.h5")


def err_dense_shape():
    """A Dense on an image (no Flatten)."""
    m = Model("err_dense_shape")
    m.add(input_layer("input_1", (2, 2, 3), "int8"))
    m.add(dense("dense", 2, oq()), ["input_1"], kb(rand_kernel((3, 2)), rand_bias(2)) + oq_weights(2.0))
    m.add(dequantizer(), ["dense"])
    m.save("err_dense_shape.h5")


def err_dequantizer_inbounds():
    m = Model("err_dequantizer_inbounds")
    m.add(input_layer("input_1", (2, 2, 1), "int8"))
    small_conv("conv_a", "input_1", m)
    small_conv("conv_b", "input_1", m)
    m.add(dequantizer(), ["conv_a", "conv_b"])
    m.save("err_dequantizer_inbounds.h5")


def err_input_padding():
    """A negative padding value on an InputConv2D (after a Rescaling)."""
    m = Model("err_input_padding")
    m.add(input_layer("input_1", (4, 4, 1), "uint8"))
    m.add(rescaling("rescaling", 1 / 255), ["input_1"])
    small_conv("conv2d", "rescaling", m, k=3, padding="valid", padding_value=[-0.5], out=False)
    m.add(relu("re_lu", None, oq()), ["conv2d"], oq_weights(2.0))
    m.add(dequantizer(), ["re_lu"])
    m.save("err_input_padding.h5")


def err_conv_padding():
    """Padding values on two Conv2D (not input layers) behind a per-axis unsigned Quantizer:
    one positive (must be zero), one negative (not an uint8 value)."""
    m = Model("err_conv_padding")
    m.add(input_layer("input_1", (2, 2, 2), "float32"))
    m.add(input_quantizer("input_quantizer", signed=False, axis="per-axis"), ["input_1"],
          [("range_min", [-1.0, 0.0]), ("range_max", [1.0, 1.0])])
    small_conv("conv_p", "input_quantizer", m, c_in=2, k=3, padding="valid", padding_value=[0.5])
    small_conv("conv_n", "input_quantizer", m, c_in=2, k=3, padding="valid", padding_value=[-0.5])
    m.add(concat("concatenate"), ["conv_p", "conv_n"])
    m.add(dequantizer(), ["concatenate"])
    m.save("err_conv_padding.h5")


def err_input_shift():
    """An InputConv2D behind a per-axis unsigned Quantizer of different frac bits."""
    m = Model("err_input_shift")
    m.add(input_layer("input_1", (2, 2, 3), "float32"))
    m.add(input_quantizer("input_quantizer", signed=False, axis="per-axis"), ["input_1"],
          [("range_min", [0.0, 0.0, 0.0]), ("range_max", [1.0, 2.0, 4.0])])
    small_conv("conv2d", "input_quantizer", m, c_in=3, k=3, out=False)
    m.add(relu("re_lu", None, oq()), ["conv2d"], oq_weights(2.0))
    m.add(dequantizer(), ["re_lu"])
    m.save("err_input_shift.h5")


def err_extract_token():
    """A QuantizedExtractToken on axis 1 ends a block (spec §1.4), so the StatefulRecurrent
    pattern is cut in two invalid blocks."""
    m = Model("err_extract_token")
    m.add(input_layer("input_1", (4, 2), "int8"))
    prev = m.add(temporal("QuantizedStatefulProjection", "p1"), ["input_1"])
    prev = m.add(temporal("QuantizedStatefulRecurrent", "sr"), [prev])
    prev = m.add(temporal("QuantizedExtractToken", "x", axis=1), [prev])
    prev = m.add(temporal("QuantizedStatefulProjection", "p2"), [prev])
    prev = m.add(relu("re_lu", None, oq()), [prev], oq_weights(2.0))
    m.add(dequantizer(), [prev])
    m.save("err_extract_token.h5")


def err_lut_bits():
    """A LUT activation fed by a 10-bit output quantizer."""
    m = Model("err_lut_bits")
    m.add(input_layer("input_1", (2, 2, 1), "int8"))
    m.add(conv("conv2d", 1, 1, out=oq(10)), ["input_1"], kb(rand_kernel((1, 1, 1, 1)), rand_bias(1)) + oq_weights(8.0))
    m.add(activation("activation", "gelu", oq()), ["conv2d"], oq_weights(2.0))
    m.add(dequantizer(), ["activation"])
    m.save("err_lut_bits.h5")


os.makedirs(OUT, exist_ok=True)
for f in [v2_dense_int8, v2_quantizer_signed, v2_quantizer_unsigned, v2_inputconv_pad_lut, v2_inputconv_pool,
          v2_conv_lut_gap, v2_depthwise, v2_transpose, v2_add_concat, v2_flatten_dense]:
    f()
for pa in (False, True):
    chain_conv(pa)
    chain_depthwise(pa)
    chain_transpose(pa)
    chain_dense(pa)
    chain_merge(pa)
chain_temporal()
for f in [err_only_skippable, err_sequential_shape, err_inputs_outputs, err_input_rank, err_format_dilation,
          err_orphan, err_invalid_blocks, err_unresolved, err_unsigned_input, err_conv_shapes, err_depthwise_shapes,
          err_transpose_shapes, err_dense_shape, err_dequantizer_inbounds, err_input_padding, err_conv_padding,
          err_input_shift, err_lut_bits, err_extract_token]:
    f()
