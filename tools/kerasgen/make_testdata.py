#!/usr/bin/python3
"""Small project-made Keras files for core/keras's tests, written with
Debian's python3-h5py exactly the way the Keras writers lay them out
(spec keras-files.md §1–§4), since Keras itself is not installed here.

Each model is tiny (a few hundred weights); weights are seeded random
float32. The script writes into core/keras/testdata/:

  keras3_legacy.h5           Keras 3 model.save("x.h5"): layer_names without
                             the InputLayer, weight_names as variable paths
                             ("sequential/conv2d/kernel"), empty float64
                             weight_names, top_level_model_weights; the
                             layer configs come from the real Keras 3.15
                             fixture (mnist_cnn_sequential_keras3.15.keras),
                             shrunk to an 8x8 input.
  tf213_checkpoint_deps.keras  A tf.keras 2.13 .keras: Keras-2 inbound_nodes
                             in a "new serializer" config, weights under
                             _layer_checkpoint_dependencies/<snake>/vars,
                             no vars@name attributes (Keras < 3.6).
  keras3_nested_deflated.keras A Keras 3 .keras of the hand-written
                             testdata/configs/keras3_functional_nested.json
                             (a Sequential nested in a Functional), members
                             Deflated as when a user re-zips the file; its
                             weights at layers/sequential/layers/conv2d/vars
                             with vars@name attributes (Keras >= 3.6).
  keras2_nested.h5           A Keras 2 model.save("x.h5") of the hand-written
                             testdata/configs/keras2_nested_functional_shared.json:
                             the nested model's weights sit in one group
                             named after it.
  tiny_dense.h5              Input(3) -> Dense(2), kernel 0..5, bias
                             (0.5, -0.5): the fuzz seed.
  keras2_chunked_names.h5    layer_names0/1 and weight_names0/1 as fixed-
                             length strings, the form Keras uses for large
                             attribute lists (keras-files.md §1.2).
  keras3_weights/            a Keras 3 config.json with .weights.h5 files:
                             a custom layer with 12 variables (numeric key
                             order) and a bfloat16 kernel.
  hostile_repeated_weights.h5  one compressed dataset of 2**20 zeros named
                             five times in weight_names (allocation bound).
  not_keras.h5               an HDF5 file that is not a Keras model.
  expected_project.json      per file: layers with weight names, shapes and
                             float64 sums, and the parameter total.

Run from the repository root:  /usr/bin/python3 tools/kerasgen/make_testdata.py
"""

import io
import json
import os
import zipfile

import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
TESTDATA = os.path.join(ROOT, "core", "keras", "testdata")
FIXTURES = os.path.join(ROOT, "..", "shared", "fixtures", "keras")
RNG = np.random.default_rng(20261125)
EXPECTED = []


def weights(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def record(name, files, layers, **facts):
    """layers: list of (layer name, [(short name, array), ...]); facts: what
    else the Go test asserts (format, keras_version, class_name, and the
    exact warnings of the load)."""
    total = 0
    out = []
    for lname, ws in layers:
        entry = []
        for short, a in ws:
            entry.append({"name": short, "shape": list(a.shape), "sum": float(a.astype(np.float64).sum())})
            total += a.size
        out.append({"name": lname, "weights": entry})
    EXPECTED.append(dict({"name": name, "files": files, "layers": out, "total_params": total}, **facts))


def keras3_legacy_h5():
    with zipfile.ZipFile(os.path.join(FIXTURES, "mnist_cnn_sequential_keras3.15.keras")) as z:
        real = json.loads(z.read("config.json"))
    # Keras 3's legacy writer serializes layers without module/registered_name.
    layers = []
    for e in real["config"]["layers"]:
        if e["class_name"] in ("Conv2D",) and e["config"]["name"] == "conv2d_1":
            continue  # one conv is enough
        if e["class_name"] == "MaxPooling2D" and e["config"]["name"] == "max_pooling2d_1":
            continue
        cfg = dict(e["config"])
        if e["class_name"] == "InputLayer":
            cfg["batch_shape"] = [None, 8, 8, 1]
        if cfg["name"] == "conv2d":
            cfg["filters"] = 4
        if cfg["name"] == "dense":
            cfg["units"] = 6
        if cfg["name"] == "dense_1":
            cfg["units"] = 3
        layers.append({"class_name": e["class_name"], "config": cfg})
    config = {"class_name": "Sequential", "config": {"name": "sequential", "trainable": True, "dtype": "float32",
                                                      "layers": layers, "build_input_shape": [None, 8, 8, 1]}}
    # 8x8x1 -> conv 3x3 valid -> 6x6x4 -> pool 2 -> 3x3x4 -> flatten 36 -> dense 6 -> dense 3
    w = {
        "conv2d": [("kernel", weights(3, 3, 1, 4)), ("bias", weights(4))],
        "dense": [("kernel", weights(36, 6)), ("bias", weights(6))],
        "dense_1": [("kernel", weights(6, 3)), ("bias", weights(3))],
    }
    names = [l["config"]["name"] for l in layers if l["class_name"] != "InputLayer"]
    path = os.path.join(TESTDATA, "keras3_legacy.h5")
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "3.15.1"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [n.encode("utf8") for n in names]
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = b"3.15.1"
        for n in sorted(names):  # Keras creates the groups in sorted order
            g = mw.create_group(n)
            ws = w.get(n, [])
            wnames = [("sequential/%s/%s" % (n, s)).encode("utf8") for s, _ in ws]
            g.attrs["weight_names"] = wnames if wnames else np.asarray([])
            for (s, a), wn in zip(ws, wnames):
                g.create_dataset(wn.decode(), data=a)
        mw.create_group("top_level_model_weights").attrs["weight_names"] = np.asarray([])
    record("keras3_legacy", ["keras3_legacy.h5"], [("input_layer", [])] + [(n, w.get(n, [])) for n in names])


def write_zip(path, members, method):
    with zipfile.ZipFile(path, "w", compression=method) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)


def h5_bytes(fill):
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        fill(f)
    return buf.getvalue()


def tf213_keras():
    def layer(cls, cfg, inbound):
        return {"module": "keras.layers", "class_name": cls, "config": cfg, "registered_name": None,
                "name": cfg["name"], "inbound_nodes": [[[inbound, 0, 0, {}]]] if inbound else []}

    config = {
        "module": "keras.src.engine.functional", "class_name": "Functional", "registered_name": "Functional",
        "config": {"name": "model", "trainable": True, "layers": [
            layer("InputLayer", {"batch_input_shape": [None, 8, 8, 1], "dtype": "float32", "sparse": False, "ragged": False, "name": "input_1"}, None),
            layer("Conv2D", {"name": "conv2d", "trainable": True, "dtype": "float32", "filters": 4, "kernel_size": [3, 3], "strides": [1, 1],
                             "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
                             "activation": "linear", "use_bias": False}, "input_1"),
            layer("BatchNormalization", {"name": "batch_normalization", "trainable": True, "dtype": "float32", "axis": [3],
                                         "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True}, "conv2d"),
            layer("ReLU", {"name": "re_lu", "trainable": True, "dtype": "float32", "max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0}, "batch_normalization"),
            layer("GlobalAveragePooling2D", {"name": "global_average_pooling2d", "trainable": True, "dtype": "float32",
                                             "data_format": "channels_last", "keepdims": False}, "re_lu"),
            layer("Dense", {"name": "dense", "trainable": True, "dtype": "float32", "units": 3, "activation": "softmax", "use_bias": True},
                  "global_average_pooling2d"),
        ], "input_layers": [["input_1", 0, 0]], "output_layers": [["dense", 0, 0]]},
        "build_config": {"input_shape": [None, 8, 8, 1]},
    }
    w = {
        "conv2d": [("kernel", weights(3, 3, 1, 4))],
        "batch_normalization": [("gamma", weights(4)), ("beta", weights(4)), ("moving_mean", weights(4)),
                                ("moving_variance", np.abs(weights(4)))],
        "dense": [("kernel", weights(4, 3)), ("bias", weights(3))],
    }

    def fill(f):
        root = f.create_group("_layer_checkpoint_dependencies")
        for n, ws in w.items():  # snake-case class names equal the layer names here
            vg = root.create_group(n).create_group("vars")
            for i, (_, a) in enumerate(ws):
                vg.create_dataset(str(i), data=a)
        f.create_group("vars")
        opt = f.create_group("optimizer").create_group("vars")
        opt.create_dataset("0", data=np.int64(7))

    write_zip(os.path.join(TESTDATA, "tf213_checkpoint_deps.keras"), [
        ("metadata.json", json.dumps({"keras_version": "2.13.1", "date_saved": "2023-08-01@10:00:00"})),
        ("config.json", json.dumps(config)),
        ("model.weights.h5", h5_bytes(fill)),
    ], zipfile.ZIP_STORED)
    names = ["input_1", "conv2d", "batch_normalization", "re_lu", "global_average_pooling2d", "dense"]
    record("tf213_checkpoint_deps", ["tf213_checkpoint_deps.keras"], [(n, w.get(n, [])) for n in names])


def keras3_nested_deflated():
    with open(os.path.join(TESTDATA, "configs", "keras3_functional_nested.json")) as f:
        config = json.load(f)
    # block_conv 3x3/2 valid on 10x10x1 -> 4x4x6; block_bn center=False; dense 96 -> 3
    w = {
        ("layers/sequential/layers/conv2d", "block_conv"): [("kernel", weights(3, 3, 1, 6)), ("bias", weights(6))],
        ("layers/sequential/layers/batch_normalization", "block_bn"): [("gamma", weights(6)), ("moving_mean", weights(6)),
                                                                        ("moving_variance", np.abs(weights(6)))],
        ("layers/sequential/layers/re_lu", "block_relu"): [],
        ("layers/sequential", "block"): [],
        ("layers/input_layer", "input_layer"): [],
        ("layers/rescaling", "rescaling"): [],
        ("layers/flatten", "flatten"): [],
        ("layers/dense", "dense"): [("kernel", weights(96, 3)), ("bias", weights(3))],
    }

    def fill(f):
        for (path, name), ws in w.items():
            vg = f.require_group(path).create_group("vars")
            vg.attrs["name"] = name
            for i, (_, a) in enumerate(ws):
                vg.create_dataset(str(i), data=a)
        f.create_group("vars").attrs["name"] = "outer"

    write_zip(os.path.join(TESTDATA, "keras3_nested_deflated.keras"), [
        ("metadata.json", json.dumps({"keras_version": "3.15.1", "date_saved": "2026-11-25@12:00:00"})),
        ("config.json", json.dumps(config)),
        ("model.weights.h5", h5_bytes(fill)),
    ], zipfile.ZIP_DEFLATED)
    by_name = {name: ws for (_, name), ws in w.items()}
    names = ["input_layer", "rescaling", "block_conv", "block_bn", "block_relu", "flatten", "dense"]
    record("keras3_nested_deflated", ["keras3_nested_deflated.keras"], [(n, by_name.get(n, [])) for n in names])


def keras2_nested_h5():
    with open(os.path.join(TESTDATA, "configs", "keras2_nested_functional_shared.json")) as f:
        config = json.load(f)
    del config["keras_version"], config["backend"]
    groups = {
        "input_1": [],
        "dense_0": [("dense_0/kernel:0", weights(4, 8)), ("dense_0/bias:0", weights(8))],
        "inner": [("inner_dense/kernel:0", weights(8, 8))],
        "shared": [("shared/kernel:0", weights(8, 8)), ("shared/bias:0", weights(8))],
    }
    path = os.path.join(TESTDATA, "keras2_nested.h5")
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [n.encode() for n in groups]
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = b"2.15.0"
        for n in sorted(groups):
            g = mw.create_group(n)
            ws = groups[n]
            g.attrs["weight_names"] = [wn.encode() for wn, _ in ws] if ws else np.asarray([])
            for wn, a in ws:
                g.create_dataset(wn, data=a)
        mw.create_group("top_level_model_weights").attrs["weight_names"] = np.asarray([])
    short = lambda wn: wn.split("/")[-1].split(":")[0]
    layers = [("input_1", []), ("dense_0", [(short(n), a) for n, a in groups["dense_0"]]),
              ("inner_dense", [(short(n), a) for n, a in groups["inner"]]), ("inner_relu", []),
              ("shared", [(short(n), a) for n, a in groups["shared"]])]
    record("keras2_nested", ["keras2_nested.h5"], layers)


def plain_h5():
    """An HDF5 file that is not a Keras model."""
    with h5py.File(os.path.join(TESTDATA, "not_keras.h5"), "w") as f:
        f.create_dataset("data", data=np.arange(6, dtype=np.float32))
        f.attrs["title"] = "measurements"


def tiny_h5():
    """The smallest Keras 2 model.save file: Input(3) -> Dense(2), for the
    fuzz seed corpus."""
    config = {"class_name": "Sequential", "config": {"name": "tiny", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3], "dtype": "float32", "name": "in"}},
        {"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "linear", "use_bias": True}}]}}
    with h5py.File(os.path.join(TESTDATA, "tiny_dense.h5"), "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [b"d"]
        g = mw.create_group("d")
        g.attrs["weight_names"] = [b"d/kernel:0", b"d/bias:0"]
        g.create_dataset("d/kernel:0", data=np.arange(6, dtype=np.float32).reshape(3, 2))
        g.create_dataset("d/bias:0", data=np.array([0.5, -0.5], dtype=np.float32))


def chunked_names_h5():
    """Keras splits attributes over 64512 bytes into name0, name1, ... as
    fixed-length numpy S arrays (np.array_split); the reader does not
    depend on the size, so a tiny model with chunked layer_names and
    weight_names exercises the same path."""
    config = {"class_name": "Functional", "config": {"name": "chunked", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 2], "dtype": "float32", "name": "in"}, "name": "in", "inbound_nodes": []},
        {"class_name": "Dense", "config": {"name": "d1", "units": 3}, "name": "d1", "inbound_nodes": [[["in", 0, 0, {}]]]},
        {"class_name": "Dense", "config": {"name": "d2", "units": 1, "use_bias": False}, "name": "d2", "inbound_nodes": [[["d1", 0, 0, {}]]]}],
        "input_layers": [["in", 0, 0]], "output_layers": [["d2", 0, 0]]}}
    w = {"d1": [("d1/kernel:0", weights(2, 3)), ("d1/bias:0", weights(3))], "d2": [("d2/kernel:0", weights(3, 1))]}
    with h5py.File(os.path.join(TESTDATA, "keras2_chunked_names.h5"), "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        mw = f.create_group("model_weights")
        for i, chunk in enumerate(np.array_split(np.asarray([b"in", b"d1", b"d2"]), 2)):
            mw.attrs["layer_names%d" % i] = chunk
        mw.create_group("in").attrs["weight_names"] = np.asarray([])
        for n, ws in w.items():
            g = mw.create_group(n)
            names = np.asarray([wn.encode() for wn, _ in ws])
            for i, chunk in enumerate(np.array_split(names, 2) if len(ws) > 1 else [names]):
                g.attrs["weight_names%d" % i] = chunk
            for wn, a in ws:
                g.create_dataset(wn, data=a)
    record("keras2_chunked_names", ["keras2_chunked_names.h5"],
           [("in", []), ("d1", [("kernel", w["d1"][0][1]), ("bias", w["d1"][1][1])]), ("d2", [("kernel", w["d2"][0][1])])])


def keras3_weights_files():
    """A Keras 3 config.json (to_json) with two save_weights files in the
    .weights.h5 "vars" layout: one whose custom layer has 12 variables
    (keys "10" and "11" sort before "2" in HDF5 order) plus one in a
    sub-object ("inner"), and a quantizeml QuantizedReLU whose
    OutputQuantizer variables sit in its "output_quantizer" sub-object
    (the attribute name is a guess: no real quantizeml .keras file was
    found); the other file stores the Dense kernel as bfloat16 (uint16
    bits plus the dtype attribute, as Keras' H5IOStore writes it)."""
    d = os.path.join(TESTDATA, "keras3_weights")
    os.makedirs(d, exist_ok=True)
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None, "config": {"name": "seq", "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
         "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "input_layer"}},
        {"module": "my_layers", "class_name": "ManyVars", "registered_name": "Custom>ManyVars", "config": {"name": "many"}},
        {"module": "keras.layers", "class_name": "Dense", "registered_name": None, "config": {"name": "dense", "units": 2}},
        {"module": "quantizeml.layers", "class_name": "QuantizedReLU", "registered_name": "Custom>QuantizedReLU",
         "config": {"name": "qrelu", "max_value": 6.0, "quant_config": {"output_quantizer": {"bitwidth": 8, "signed": False}}}}]}}
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f)
    many = [np.full((i + 1,), i, dtype=np.float32) for i in range(12)]
    inner = np.float32(-1.5)
    kernel, bias = weights(4, 2), weights(2)
    range_max, rescaling_rate = np.float32(5.25), np.float32(1.0)

    def write(path, bfloat16):
        with h5py.File(path, "w") as f:
            vg = f.create_group("layers/many_vars/vars")
            vg.attrs["name"] = "many"
            for i, a in enumerate(many):
                vg.create_dataset(str(i), data=a)
            f.create_group("layers/many_vars/inner/vars").create_dataset("0", data=inner)
            qg = f.create_group("layers/quantized_re_lu/vars")
            qg.attrs["name"] = "qrelu"
            og = f.create_group("layers/quantized_re_lu/output_quantizer/vars")
            og.create_dataset("0", data=range_max)
            og.create_dataset("1", data=rescaling_rate)
            dg = f.create_group("layers/dense/vars")
            dg.attrs["name"] = "dense"
            if bfloat16:
                bits = (kernel.view(np.uint32) >> 16).astype(np.uint16)
                dg.create_dataset("0", data=bits).attrs["dtype"] = "bfloat16"
            else:
                dg.create_dataset("0", data=kernel)
            dg.create_dataset("1", data=bias)
            f.create_group("vars").attrs["name"] = "seq"

    write(os.path.join(d, "model.weights.h5"), False)
    write(os.path.join(d, "bfloat16.weights.h5"), True)
    record("keras3_weights", ["keras3_weights/config.json", "keras3_weights/model.weights.h5"],
           [("input_layer", []), ("many", [(str(i), a) for i, a in enumerate(many)] + [("inner/0", np.asarray(inner))]),
            ("dense", [("kernel", kernel), ("bias", bias)]),
            ("qrelu", [("output_quantizer/range_max", np.asarray(range_max)), ("output_quantizer/rescaling_rate", np.asarray(rescaling_rate))])])


def hostile_h5():
    """A hostile file: its weight_names name one compressed dataset of
    2**20 zeros five times, so decoding them all would allocate 20 MiB
    from a file of a few KiB."""
    config = {"class_name": "Sequential", "config": {"name": "hostile", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 1], "dtype": "float32", "name": "in"}},
        {"class_name": "Blob", "config": {"name": "blob"}}]}}
    with h5py.File(os.path.join(TESTDATA, "hostile_repeated_weights.h5"), "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [b"blob"]
        g = mw.create_group("blob")
        g.attrs["weight_names"] = [b"blob/w:0"] * 5
        g.create_dataset("blob/w:0", data=np.zeros(1 << 20, dtype=np.float32), chunks=(1 << 16,), compression="gzip")


# ---- issue 13: files Keras reads that the loader refused ----------------

def keras2_weight_groups(f, groups, version):
    """model_weights (or a save_weights root) in the Keras 2 layout:
    layer_names in model order, one group per layer, weight_names."""
    f.attrs["layer_names"] = [n.encode() for n in groups]
    f.attrs["backend"] = b"tensorflow"
    f.attrs["keras_version"] = version.encode()
    for n in sorted(groups):
        g = f.create_group(n)
        ws = groups[n]
        g.attrs["weight_names"] = [wn.encode() for wn, _ in ws] if ws else np.asarray([])
        for wn, a in ws:
            g.create_dataset(wn, data=a)


def short_weights(ws):
    return [(wn.split("/")[-1].split(":")[0], a) for wn, a in ws]


def python_typed_h5():
    """A Keras 2.14 model.save .h5 whose config holds values typed the
    Python way, as a hand-edited or tool-written config does and Keras
    reads: "use_bias": 1, "scale": 1, "center": 0 (no beta), "units": 2.0,
    "rate": 0 (an int for a float), "momentum": 1, no "epsilon" (the
    default), and keys this loader does not know ("renorm", "made_by")."""
    config = {"class_name": "Sequential", "config": {"name": "python_typed", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 6, 6, 2], "dtype": "float32", "name": "input_1"}},
        {"class_name": "Conv2D", "config": {"name": "conv2d", "filters": 3, "kernel_size": 3, "strides": [1, 1], "padding": "valid",
                                            "use_bias": 1, "activation": "linear", "made_by": "a script"}},
        {"class_name": "BatchNormalization", "config": {"name": "batch_normalization", "axis": [3], "momentum": 1,
                                                        "center": 0, "scale": 1, "renorm": False}},
        {"class_name": "Flatten", "config": {"name": "flatten"}},
        {"class_name": "Dropout", "config": {"name": "dropout", "rate": 0}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 2.0, "use_bias": 0, "activation": "softmax"}}]}}
    groups = {
        "input_1": [],
        "conv2d": [("conv2d/kernel:0", weights(3, 3, 2, 3)), ("conv2d/bias:0", weights(3))],
        "batch_normalization": [("batch_normalization/gamma:0", weights(3)), ("batch_normalization/moving_mean:0", weights(3)),
                                ("batch_normalization/moving_variance:0", np.abs(weights(3)))],
        "flatten": [], "dropout": [],
        "dense": [("dense/kernel:0", weights(48, 2))],
    }
    with h5py.File(os.path.join(TESTDATA, "keras214_python_typed.h5"), "w") as f:
        f.attrs["keras_version"] = "2.14.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        keras2_weight_groups(f.create_group("model_weights"), groups, "2.14.0")
    record("keras214_python_typed", ["keras214_python_typed.h5"], [(n, short_weights(ws)) for n, ws in groups.items()],
           format="keras2-h5", keras_version="2.14.0", class_name="Sequential")


def tup(*items):
    """A tuple as Keras 3's model.to_json writes it (json_utils)."""
    return {"class_name": "__tuple__", "items": list(items)}


def keras3_tuples():
    """A Keras 3 model.to_json() JSON, where every tuple is an object
    {"class_name": "__tuple__", "items": [...]} (shapes, kernel sizes,
    ZeroPadding2D's nested padding, a keras_history), with its
    save_weights .weights.h5."""
    d = os.path.join(TESTDATA, "keras3_tuples")
    os.makedirs(d, exist_ok=True)

    def layer(cls, cfg, inbound):
        nodes = []
        if inbound:
            nodes = [{"args": [{"class_name": "__keras_tensor__", "config": {
                "shape": tup(None, 5, 5, 1), "dtype": "float32", "keras_history": tup(inbound, 0, 0)}}], "kwargs": {}}]
        return {"module": "keras.layers", "class_name": cls, "config": cfg, "registered_name": None,
                "name": cfg["name"], "inbound_nodes": nodes}

    config = {"module": "keras", "class_name": "Functional", "registered_name": "Functional", "config": {
        "name": "tuples", "trainable": True, "layers": [
            layer("InputLayer", {"batch_shape": tup(None, 5, 5, 1), "dtype": "float32", "sparse": False, "name": "input_layer"}, None),
            layer("ZeroPadding2D", {"name": "zero_padding2d", "padding": tup(tup(1, 1), tup(1, 1)), "data_format": "channels_last"}, "input_layer"),
            layer("Conv2D", {"name": "conv2d", "filters": 2, "kernel_size": tup(3, 3), "strides": tup(1, 1), "padding": "valid",
                             "data_format": "channels_last", "dilation_rate": tup(1, 1), "groups": 1, "activation": "relu", "use_bias": True},
                  "zero_padding2d"),
            layer("MaxPooling2D", {"name": "max_pooling2d", "pool_size": tup(2, 2), "strides": tup(2, 2), "padding": "valid",
                                   "data_format": "channels_last"}, "conv2d"),
            layer("Flatten", {"name": "flatten", "data_format": "channels_last"}, "max_pooling2d"),
            layer("Dense", {"name": "dense", "units": 3, "activation": "linear", "use_bias": True}, "flatten"),
        ], "input_layers": [["input_layer", 0, 0]], "output_layers": [["dense", 0, 0]]}}
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump(config, f)
    # 5x5x1 -> pad 7x7x1 -> conv 3x3 valid 5x5x2 -> pool 2x2/2 2x2x2 -> 8 -> 3
    w = {"conv2d": [("kernel", weights(3, 3, 1, 2)), ("bias", weights(2))],
         "dense": [("kernel", weights(8, 3)), ("bias", weights(3))]}
    with h5py.File(os.path.join(d, "model.weights.h5"), "w") as f:
        for n in ["input_layer", "zero_padding2d", "conv2d", "max_pooling2d", "flatten", "dense"]:
            vg = f.create_group("layers/%s/vars" % ("input_layer" if n == "input_layer" else n))
            vg.attrs["name"] = n
            for i, (_, a) in enumerate(w.get(n, [])):
                vg.create_dataset(str(i), data=a)
        f.create_group("vars").attrs["name"] = "tuples"
    record("keras3_tuples", ["keras3_tuples/model.json", "keras3_tuples/model.weights.h5"],
           [(n, w.get(n, [])) for n in ["input_layer", "zero_padding2d", "conv2d", "max_pooling2d", "flatten", "dense"]],
           format="keras-weights-h5+json", keras_version="", class_name="Functional")


def windows_keras():
    """A tf.keras 2.15 .keras saved on Windows: saving_lib joins the
    weight paths with os.path.join, so model.weights.h5 holds root groups
    named "layers\\conv2d", "layers\\dense" and, for the compiled metrics,
    "metrics\\mean" (each with its "vars"), instead of nested groups."""
    def layer(cls, cfg, inbound):
        return {"module": "keras.layers", "class_name": cls, "config": cfg, "registered_name": None,
                "name": cfg["name"], "inbound_nodes": [[[inbound, 0, 0, {}]]] if inbound else []}

    config = {"module": "keras.src.engine.functional", "class_name": "Functional", "registered_name": "Functional",
              "config": {"name": "model", "trainable": True, "layers": [
                  layer("InputLayer", {"batch_input_shape": [None, 6, 6, 1], "dtype": "float32", "sparse": False, "ragged": False, "name": "input_1"}, None),
                  layer("Conv2D", {"name": "conv2d", "trainable": True, "dtype": "float32", "filters": 2, "kernel_size": [3, 3], "strides": [2, 2],
                                   "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
                                   "activation": "relu", "use_bias": True}, "input_1"),
                  layer("Flatten", {"name": "flatten", "trainable": True, "dtype": "float32", "data_format": "channels_last"}, "conv2d"),
                  layer("Dense", {"name": "dense", "trainable": True, "dtype": "float32", "units": 2, "activation": "softmax", "use_bias": True}, "flatten"),
              ], "input_layers": [["input_1", 0, 0]], "output_layers": [["dense", 0, 0]]}}
    # 6x6x1 -> conv 3x3/2 valid 2x2x2 -> 8 -> 2
    w = {"conv2d": [("kernel", weights(3, 3, 1, 2)), ("bias", weights(2))],
         "dense": [("kernel", weights(8, 2)), ("bias", weights(2))]}

    def fill(f):
        for n, ws in w.items():
            vg = f.create_group("layers\\" + n).create_group("vars")
            for i, (_, a) in enumerate(ws):
                vg.create_dataset(str(i), data=a)
        for n in ["input_layer", "flatten"]:
            f.create_group("layers\\" + n).create_group("vars")
        mg = f.create_group("metrics\\mean").create_group("vars")
        mg.create_dataset("0", data=np.float32(12.5))
        mg.create_dataset("1", data=np.float32(5.0))
        f.create_group("optimizer").create_group("vars").create_dataset("0", data=np.int64(3))
        f.create_group("vars")

    write_zip(os.path.join(TESTDATA, "tf215_windows.keras"), [
        ("metadata.json", json.dumps({"keras_version": "2.15.0", "date_saved": "2024-02-01@09:30:00"})),
        ("config.json", json.dumps(config)),
        ("model.weights.h5", h5_bytes(fill)),
    ], zipfile.ZIP_STORED)
    record("tf215_windows", ["tf215_windows.keras"], [(n, w.get(n, [])) for n in ["input_1", "conv2d", "flatten", "dense"]],
           format="keras3-zip", keras_version="2.15.0", class_name="Functional")


def tfjs_without_bin():
    """tfjs/tiny_cnn as older tfjs-converters name it: shards without the
    .bin extension (group1-shard1of3), in the manifest and on disk."""
    src = os.path.join(TESTDATA, "tfjs", "tiny_cnn")
    d = os.path.join(TESTDATA, "tfjs_nobin")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(src, "model.json")) as f:
        mj = json.load(f)
    for group in mj["weightsManifest"]:
        for i, p in enumerate(group["paths"]):
            with open(os.path.join(src, p), "rb") as f:
                data = f.read()
            group["paths"][i] = p[:-len(".bin")]
            with open(os.path.join(d, group["paths"][i]), "wb") as f:
                f.write(data)
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump(mj, f, separators=(",", ":"))


def keras2_json_model(name, units):
    """A Keras 2.15 to_json() of Input(4) -> Dense(units) -> Dense(2)."""
    return {"class_name": "Sequential", "config": {"name": name, "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False, "name": "dense_input"}},
        {"class_name": "Dense", "config": {"name": "dense", "trainable": True, "dtype": "float32", "units": units, "activation": "relu", "use_bias": True}},
        {"class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "dtype": "float32", "units": 2, "activation": "softmax", "use_bias": True}}]},
        "keras_version": "2.15.0", "backend": "tensorflow"}


def double_encoded_json():
    """save_weights .h5 with a model JSON written by
    json.dump(model.to_json(), f): a JSON string holding the JSON."""
    d = os.path.join(TESTDATA, "keras2_double_encoded")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump(json.dumps(keras2_json_model("double", 5)), f)
    groups = {"dense": [("dense/kernel:0", weights(4, 5)), ("dense/bias:0", weights(5))],
              "dense_1": [("dense_1/kernel:0", weights(5, 2)), ("dense_1/bias:0", weights(2))]}
    with h5py.File(os.path.join(d, "model_weights.h5"), "w") as f:
        keras2_weight_groups(f, groups, "2.15.0")
    record("keras2_double_encoded", ["keras2_double_encoded/model.json", "keras2_double_encoded/model_weights.h5"],
           [("dense_input", [])] + [(n, short_weights(ws)) for n, ws in groups.items()],
           format="keras-weights-h5+json", keras_version="2.15.0", class_name="Sequential",
           warnings=["model.json: the file holds the model's JSON inside a JSON string (as json.dump(model.to_json(), f) writes it); "
                     "it was read as the JSON it holds. Write the JSON itself: open(\"model.json\", \"w\").write(model.to_json())"])


def full_model_with_json():
    """A complete model.save .h5 given with a model JSON, as if it held
    weights only: the JSON of the same model (same.json) and of another
    one (other.json, 6 units instead of 5)."""
    d = os.path.join(TESTDATA, "keras2_full_with_json")
    os.makedirs(d, exist_ok=True)
    model = keras2_json_model("full", 5)
    with open(os.path.join(d, "same.json"), "w") as f:
        json.dump(model, f, indent=2)  # formatted otherwise than the file's own config
    with open(os.path.join(d, "other.json"), "w") as f:
        json.dump(keras2_json_model("full", 6), f)
    groups = {"dense": [("dense/kernel:0", weights(4, 5)), ("dense/bias:0", weights(5))],
              "dense_1": [("dense_1/kernel:0", weights(5, 2)), ("dense_1/bias:0", weights(2))]}
    with h5py.File(os.path.join(d, "model.h5"), "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps({"class_name": model["class_name"], "config": model["config"]}).encode("utf8")
        keras2_weight_groups(f.create_group("model_weights"), groups, "2.15.0")
    layers = [("dense_input", [])] + [(n, short_weights(ws)) for n, ws in groups.items()]
    facts = dict(format="keras2-h5", keras_version="2.15.0", class_name="Sequential")
    record("keras2_full_with_same_json", ["keras2_full_with_json/model.h5", "keras2_full_with_json/same.json"], layers, **facts)
    record("keras2_full_with_other_json", ["keras2_full_with_json/model.h5", "keras2_full_with_json/other.json"], layers,
           warnings=["other.json: model.h5 is a complete model with its own config, which was used; the JSON describes another model (its config differs)"],
           **facts)


def cut_off_h5():
    """A Keras 2 model.save .h5 cut off while downloading: its end holds
    the optimizer's slot variables (Adam's m and v), which conversion does
    not need, and the cut falls inside the last of them. HDF5 writes the
    root group's heap last when a file is closed, so the last slot is
    added in a second session, which puts its data at the very end."""
    config = keras2_json_model("cut", 5)
    groups = {"dense": [("dense/kernel:0", weights(4, 5)), ("dense/bias:0", weights(5))],
              "dense_1": [("dense_1/kernel:0", weights(5, 2)), ("dense_1/bias:0", weights(2))]}
    path = os.path.join(TESTDATA, "keras2_cut_off.h5")
    slots = []
    for n, ws in groups.items():
        for wn, a in ws:
            for slot in ("m", "v"):
                slots.append(("Adam/%s/%s:0" % (wn.split(":")[0], slot), np.zeros(a.shape, dtype=np.float32) + 0.25))
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps({"class_name": config["class_name"], "config": config["config"]}).encode("utf8")
        keras2_weight_groups(f.create_group("model_weights"), groups, "2.15.0")
        og = f.create_group("optimizer_weights")
        og.attrs["weight_names"] = [n.encode() for n, _ in slots]
        for n, a in slots[:-1]:
            og.create_dataset(n, data=a)
    with h5py.File(path, "r+") as f:
        last = f["optimizer_weights"].create_dataset(slots[-1][0], data=slots[-1][1])
        end = last.id.get_offset() + last.id.get_storage_size()
    with open(path, "rb") as f:
        data = f.read()
    assert end == len(data), "the last optimizer slot is not at the end of the file"
    cut = len(data) - 4  # inside the last slot's 8 bytes
    with open(path, "wb") as f:
        f.write(data[:cut])
    record("keras2_cut_off", ["keras2_cut_off.h5"],
           [("dense_input", [])] + [(n, short_weights(ws)) for n, ws in groups.items()],
           format="keras2-h5", keras_version="2.15.0", class_name="Sequential",
           warnings=["keras2_cut_off.h5: the file is 4 bytes shorter than HDF5 says: it was probably cut off while downloading"])


def keras1_sequential_th():
    """A Keras 1.2.2 model.save .h5 with Theano dimension ordering
    ("th"): Keras 1 layer configs (Convolution2D nb_filter/nb_row/nb_col,
    border_mode, subsample, dim_ordering, bias; BatchNormalization mode 0;
    Dropout p; Dense output_dim), flat weight names
    (convolution2d_1_W, batchnormalization_1_running_std), and a kernel in
    Theano order (filters, channels, rows, cols) holding 0, 1, 2, … so
    that a test can check where each value goes. No backend attribute
    (Keras 1 wrote none)."""
    config = {"class_name": "Sequential", "config": [
        {"class_name": "Convolution2D", "config": {"name": "convolution2d_1", "trainable": True, "batch_input_shape": [None, 2, 6, 6],
                                                   "input_dtype": "float32", "nb_filter": 3, "nb_row": 3, "nb_col": 2, "init": "glorot_uniform",
                                                   "activation": "relu", "border_mode": "valid", "subsample": [1, 1], "dim_ordering": "th",
                                                   "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None,
                                                   "W_constraint": None, "b_constraint": None, "bias": True}},
        {"class_name": "BatchNormalization", "config": {"name": "batchnormalization_1", "trainable": True, "epsilon": 0.001, "mode": 0,
                                                        "axis": 1, "gamma_regularizer": None, "beta_regularizer": None, "momentum": 0.99}},
        {"class_name": "MaxPooling2D", "config": {"name": "maxpooling2d_1", "trainable": True, "pool_size": [2, 2], "strides": [2, 2],
                                                  "border_mode": "valid", "dim_ordering": "th"}},
        {"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": True}},
        {"class_name": "Dropout", "config": {"name": "dropout_1", "trainable": True, "p": 0.5}},
        {"class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "output_dim": 2, "init": "glorot_uniform",
                                           "activation": "softmax", "W_regularizer": None, "b_regularizer": None,
                                           "activity_regularizer": None, "W_constraint": None, "b_constraint": None,
                                           "bias": True, "input_dim": None}}]}
    # (2, 6, 6) -> conv 3x2 valid -> (3, 4, 5) -> pool 2 -> (3, 2, 2) -> 12 -> 2
    kernel_th = np.arange(3 * 2 * 3 * 2, dtype=np.float32).reshape(3, 2, 3, 2)
    groups = {
        "convolution2d_1": [("convolution2d_1_W", kernel_th), ("convolution2d_1_b", weights(3))],
        "batchnormalization_1": [("batchnormalization_1_gamma", weights(3)), ("batchnormalization_1_beta", weights(3)),
                                 ("batchnormalization_1_running_mean", weights(3)), ("batchnormalization_1_running_std", np.abs(weights(3)))],
        "maxpooling2d_1": [], "flatten_1": [], "dropout_1": [],
        "dense_1": [("dense_1_W", weights(12, 2)), ("dense_1_b", weights(2))],
    }
    with h5py.File(os.path.join(TESTDATA, "keras1_sequential_th.h5"), "w") as f:
        f.attrs["keras_version"] = "1.2.2"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [n.encode() for n in groups]
        for n, ws in groups.items():
            g = mw.create_group(n)
            g.attrs["weight_names"] = [wn.encode() for wn, _ in ws]
            for wn, a in ws:
                g.create_dataset(wn, data=a)
    keras2 = {"convolution2d_1": ["kernel", "bias"], "batchnormalization_1": ["gamma", "beta", "moving_mean", "moving_variance"],
              "dense_1": ["kernel", "bias"]}
    layers = [("convolution2d_1_input", [])]
    for n, ws in groups.items():
        arrays = [a for _, a in ws]
        if n == "convolution2d_1":
            arrays[0] = np.transpose(arrays[0], (2, 3, 1, 0))  # Keras 2's legacy conversion of a "th" kernel
        layers.append((n, list(zip(keras2.get(n, []), arrays))))
    record("keras1_sequential_th", ["keras1_sequential_th.h5"], layers, format="keras1-h5", keras_version="1.2.2", class_name="Sequential")


def keras1_functional():
    """A Keras 1 functional model ("Model") saved without keras_version
    (as Keras 1.0 did; Keras 2 takes such a file for Keras 1), with
    TensorFlow ordering ("tf"), weight names with TensorFlow's ":0", and
    two Merge layers (mode "sum" and "concat"), Keras 1's single merge
    layer, with Keras 1 inbound nodes (triples)."""
    def layer(cls, cfg, *inbound):
        return {"class_name": cls, "name": cfg["name"], "config": cfg,
                "inbound_nodes": [[[n, 0, 0] for n in inbound]] if inbound else []}

    merge = {"concat_axis": -1, "dot_axes": -1, "output_shape": None, "output_shape_type": "raw", "output_mask": None,
             "output_mask_type": "raw", "mode_type": "raw", "arguments": {}}
    config = {"class_name": "Model", "config": {"name": "model_1", "layers": [
        layer("InputLayer", {"name": "input_1", "batch_input_shape": [None, 4, 4, 1], "input_dtype": "float32", "sparse": False}),
        layer("Convolution2D", {"name": "convolution2d_1", "trainable": True, "nb_filter": 2, "nb_row": 3, "nb_col": 3, "activation": "relu",
                                "border_mode": "same", "subsample": [1, 1], "dim_ordering": "tf", "bias": True}, "input_1"),
        layer("Convolution2D", {"name": "convolution2d_2", "trainable": True, "nb_filter": 2, "nb_row": 1, "nb_col": 1, "activation": "linear",
                                "border_mode": "valid", "subsample": [1, 1], "dim_ordering": "tf", "bias": False}, "input_1"),
        layer("Merge", dict(merge, name="merge_1", mode="sum"), "convolution2d_1", "convolution2d_2"),
        layer("Merge", dict(merge, name="merge_2", mode="concat"), "merge_1", "convolution2d_2"),
        layer("GlobalAveragePooling2D", {"name": "globalaveragepooling2d_1", "trainable": True, "dim_ordering": "tf"}, "merge_2"),
        layer("Dense", {"name": "dense_1", "trainable": True, "output_dim": 3, "activation": "softmax", "bias": True}, "globalaveragepooling2d_1"),
    ], "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]}}
    groups = {
        "input_1": [],
        "convolution2d_1": [("convolution2d_1_W:0", weights(3, 3, 1, 2)), ("convolution2d_1_b:0", weights(2))],
        "convolution2d_2": [("convolution2d_2_W:0", weights(1, 1, 1, 2))],
        "merge_1": [], "merge_2": [], "globalaveragepooling2d_1": [],
        "dense_1": [("dense_1_W:0", weights(4, 3)), ("dense_1_b:0", weights(3))],
    }
    with h5py.File(os.path.join(TESTDATA, "keras1_functional.h5"), "w") as f:
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [n.encode() for n in groups]
        for n, ws in groups.items():
            g = mw.create_group(n)
            g.attrs["weight_names"] = [wn.encode() for wn, _ in ws]
            for wn, a in ws:
                g.create_dataset(wn, data=a)
    keras2 = {"convolution2d_1": ["kernel", "bias"], "convolution2d_2": ["kernel"], "dense_1": ["kernel", "bias"]}
    record("keras1_functional", ["keras1_functional.h5"],
           [(n, list(zip(keras2.get(n, []), [a for _, a in ws]))) for n, ws in groups.items()],
           format="keras1-h5", keras_version="", class_name="Model")


def main():
    hostile_h5()
    tiny_h5()
    plain_h5()
    keras3_legacy_h5()
    tf213_keras()
    keras3_nested_deflated()
    keras2_nested_h5()
    chunked_names_h5()
    keras3_weights_files()
    python_typed_h5()
    keras3_tuples()
    windows_keras()
    tfjs_without_bin()
    double_encoded_json()
    full_model_with_json()
    cut_off_h5()
    keras1_sequential_th()
    keras1_functional()
    with open(os.path.join(TESTDATA, "expected_project.json"), "w") as out:
        json.dump({"generated_by": "tools/kerasgen/make_testdata.py", "models": EXPECTED}, out, indent=1)
        out.write("\n")
    for m in EXPECTED:
        size = sum(os.path.getsize(os.path.join(TESTDATA, f)) for f in m["files"])
        print(f"{m['files'][0]}: {size} bytes, {m['total_params']} params")


if __name__ == "__main__":
    main()
