#!/usr/bin/python3
"""Expected values for core/keras's fixture tests, read with h5py (Debian
python3-h5py), independently of the Go code.

For every model in ../shared/fixtures/keras (the JSON + weights pair
counted once) and the TF.js models in core/keras/testdata/tfjs (files
named relative to core/keras/testdata) it writes, to core/keras/testdata/expected_fixtures.json:

  * the layer list in model order: name, bare class name (any "Package>"
    prefix stripped), inbound layer names of the first node;
  * per layer, the saved weights in saved order: short name, shape, and the
    float64 sum of the values;
  * the model's parameter total and the float64 sum of all its weights.

Short weight names: Keras 2 files name weights "<layer>/<name>:0"; the
layer prefix and ":0" are dropped. .keras files do not name variables, so
the names come from the class's variable order (VARS_ORDER below), which
is Keras' creation order.

Inbound names: Functional configs list them; Sequential models chain their
layers. A Sequential model with no InputLayer gets one named
"<first layer>_input", the name Keras 2 gives it (the Go loader's choice).

Output shapes are not computed here (that needs Keras); the Go tests take
them from tools/reference's tfjs outputs (core/infer/testdata/reference).

Run from the repository root:  /usr/bin/python3 tools/kerasgen/expected.py
"""

import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "fixtures", "keras")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "core", "keras", "testdata", "expected_fixtures.json")

# Keras variable creation order for the classes in the .keras fixture.
VARS_ORDER = {
    "Conv2D": ["kernel", "bias"],
    "Dense": ["kernel", "bias"],
}


def text(v):
    return v.decode("utf8") if isinstance(v, bytes) else str(v)


def strings_attr(group, name):
    """Reads a string list attribute, also chunked as name0, name1, ..."""
    if name in group.attrs:
        v = group.attrs[name]
        return [text(x) for x in np.atleast_1d(v)] if v.size else []
    out, i = [], 0
    while f"{name}{i}" in group.attrs:
        out += [text(x) for x in np.atleast_1d(group.attrs[f"{name}{i}"])]
        i += 1
    return out


def bare_class(entry):
    name = entry.get("registered_name") or entry["class_name"]
    return name.split(">")[-1]


def layer_list(model_config):
    """Layers of a Sequential or Functional config: (name, class, inbound)."""
    cfg = model_config["config"]
    layers = []
    if model_config["class_name"] == "Sequential":
        entries = cfg if isinstance(cfg, list) else cfg["layers"]
        prev = None
        for i, e in enumerate(entries):
            name = e["config"]["name"]
            if bare_class(e) == "InputLayer":
                layers.append((name, "InputLayer", []))
                prev = name
                continue
            if prev is None:
                prev = name + "_input"
                layers.append((prev, "InputLayer", []))
            layers.append((name, bare_class(e), [prev]))
            prev = name
        return layers
    for e in cfg["layers"]:
        nodes = e["inbound_nodes"]
        inbound = [t[0] for t in nodes[0]] if nodes else []
        layers.append((e["name"], bare_class(e), inbound))
    return layers


def short_name(weight_name, layer):
    n = weight_name.rsplit(":", 1)[0]
    key = "/" + layer + "/"
    s = "/" + n
    i = s.rfind(key)
    return s[i + len(key):] if i >= 0 else n


def weight_entry(name, data):
    values = np.asarray(data, dtype=np.float64)
    return {"name": name, "shape": list(data.shape), "sum": float(values.sum())}


def legacy_weights(weights_group):
    """layer name -> weights, from layer_names / weight_names."""
    out = {}
    for lname in strings_attr(weights_group, "layer_names"):
        g = weights_group[lname]
        out[lname] = [weight_entry(short_name(w, lname), g[w][()]) for w in strings_attr(g, "weight_names")]
    return out


def vars_weights(h5, layers):
    """layer name -> weights, from a .keras model.weights.h5 (vars@name)."""
    by_name = {}
    for key in h5["layers"]:
        vg = h5["layers"][key]["vars"]
        by_name[text(vg.attrs["name"])] = vg
    out = {}
    for name, cls, _ in layers:
        vg = by_name.get(name)
        if vg is None or len(vg) == 0:
            continue
        keys = sorted(vg.keys(), key=int)
        out[name] = [weight_entry(VARS_ORDER[cls][i], vg[k][()]) for i, k in enumerate(keys)]
    return out


def model_entry(files, model_config, weights, version, fmt):
    layers = layer_list(model_config)
    out_layers, total, total_sum = [], 0, 0.0
    for name, cls, inbound in layers:
        ws = weights.get(name, [])
        for w in ws:
            total += int(np.prod(w["shape"], dtype=np.int64))
            total_sum += w["sum"]
        out_layers.append({"name": name, "class_name": cls, "inbound": inbound, "weights": ws})
    cfg = model_config["config"]
    name = cfg["name"] if isinstance(cfg, dict) else None
    return {
        "files": files,
        "format": fmt,
        "keras_version": version,
        "name": name,
        "class_name": model_config["class_name"],
        "layers": out_layers,
        "total_params": total,
        "weights_sum": total_sum,
    }


def h5_model(fname):
    with h5py.File(os.path.join(FIXTURES, fname), "r") as f:
        config = json.loads(text(f.attrs["model_config"]))
        version = text(f.attrs["keras_version"])
        fmt = "keras3-h5" if version.startswith("3.") else "keras2-h5"
        return model_entry([fname], config, legacy_weights(f["model_weights"]), version, fmt)


def weights_pair(json_name, h5_name):
    with open(os.path.join(FIXTURES, json_name)) as jf:
        config = json.load(jf)
    with h5py.File(os.path.join(FIXTURES, h5_name), "r") as f:
        return model_entry([json_name, h5_name], config, legacy_weights(f), config["keras_version"], "keras-weights-h5+json")


def keras_zip(fname):
    with zipfile.ZipFile(os.path.join(FIXTURES, fname)) as z:
        config = json.loads(z.read("config.json"))
        version = json.loads(z.read("metadata.json"))["keras_version"]
        with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
            weights = vars_weights(f, layer_list(config))
    return model_entry([fname], config, weights, version, "keras3-zip")


def tfjs_model(folder):
    """A TF.js layers model: weights decoded from the shards with numpy."""
    d = os.path.join(os.path.dirname(OUT), "tfjs", folder)
    with open(os.path.join(d, "model.json")) as f:
        mj = json.load(f)
    topo = mj["modelTopology"]
    config = topo.get("model_config") or topo
    weights = {}
    for group in mj["weightsManifest"]:
        buf = b"".join(open(os.path.join(d, os.path.basename(p)), "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            assert w["dtype"] == "float32" and "quantization" not in w
            n = int(np.prod(w["shape"], dtype=np.int64))
            data = np.frombuffer(buf, dtype="<f4", count=n, offset=off).reshape(w["shape"])
            off += 4 * n
            layer, short = w["name"].rsplit("/", 1)
            weights.setdefault(layer, []).append(weight_entry(short, data))
        assert off == len(buf)
    files = sorted(os.listdir(d))
    files.remove("model.json")
    return model_entry(["tfjs/%s/model.json" % folder] + ["tfjs/%s/%s" % (folder, f) for f in files],
                       config, weights, topo["keras_version"], "tfjs-layers")


def main():
    models = [
        h5_model("akidanet_imagenet_224_alpha_25_keras2.10.h5"),
        h5_model("float_ecg_cnn_bn_keras2.15.h5"),
        h5_model("mobilenetv1_vww_96_keras2.4.h5"),
        h5_model("quantizeml_ecg_cnn_i8_w8_a8_keras2.15.h5"),
        weights_pair("keras2.0_conv2d_model.json", "keras2.0_conv2d_model_weights.h5"),
        keras_zip("mnist_cnn_sequential_keras3.15.keras"),
        tfjs_model("tiny_cnn"),
        tfjs_model("branchy"),
        tfjs_model("sequential_dense"),
    ]
    with open(OUT, "w") as out:
        json.dump({"generated_by": "tools/kerasgen/expected.py (h5py %s)" % h5py.__version__, "models": models}, out, indent=1)
        out.write("\n")
    for m in models:
        print(f"{m['files'][0]}: {len(m['layers'])} layers, {m['total_params']} params, sum {m['weights_sum']:.6f}", file=sys.stderr)


if __name__ == "__main__":
    main()
