#!/usr/bin/python3
"""Write the small edge-case HDF5 files of core/hdf5/testdata and what h5py
reads from them (expected_edge.json).

Real Keras files only use superblock v0, old-style groups and contiguous
float32 data (spec/keras-files.md §7). These files cover the rest of the
reader's scope: libver='latest' (superblock v3, OHDR v2, dense links and
attributes), a v0 group large enough to need an internal v1 B-tree node,
chunked + gzip + shuffle data with partial edge chunks and unallocated chunks,
every integer width, float16, big-endian data, fixed strings with each padding,
vlen strings, compact layout, Keras-style attribute lists, and one file of
features the reader refuses (unsupported.h5).

Run with Debian's python3-h5py (h5py 3.7.0, HDF5 1.10.8), from the repository root:

    /usr/bin/python3 tools/hdf5gen/edge.py

HDF5 writes no timestamps into these files (h5py disables them by default
for datasets, and we use track_times=False), so reruns give the same bytes.
"""

import json
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from h5describe import describe_file  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "core", "hdf5", "testdata")


def values(n, scale=1.0):
    """Deterministic, non-trivial values (sums don't cancel to 0)."""
    return (np.sin(np.arange(n) * 0.37) * scale + np.arange(n) * 0.01)


def dcpl(layout=None):
    """Dataset creation properties for the low-level API: no timestamps
    (reproducible bytes), optionally a layout such as h5d.COMPACT."""
    p = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    p.set_obj_track_times(False)
    if layout is not None:
        p.set_layout(layout)
    return p


def group(parent, path):
    """Create nested groups without timestamps (h5py's create_group always
    records times, which libver='latest' object headers store)."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    g = parent
    for name in path.split("/"):
        if name not in g:
            h5py.h5g.create(g.id, name.encode(), gcpl=gcpl)
        g = g[name]
    return g


def latest_file(path):
    """h5py.File(path, "w", libver="latest") without timestamps on the root
    group, which version 2 object headers would store."""
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    return h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl))


def fixed_string(obj, name, strings, size, pad, dataset=False):
    """A fixed-length string attribute (or dataset) with the given padding;
    h5py's high-level API only writes null-padded fixed strings."""
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(size)
    tid.set_strpad(pad)
    data = np.array(strings, dtype="S%d" % size)
    space = h5py.h5s.create_simple(data.shape) if data.ndim else h5py.h5s.create(h5py.h5s.SCALAR)
    if dataset:
        dsid = h5py.h5d.create(obj.id, name.encode(), tid, space, dcpl=dcpl())
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, data, mtype=h5py.h5t.py_create(data.dtype))
    else:
        aid = h5py.h5a.create(obj.id, name.encode(), tid, space)
        aid.write(data, mtype=h5py.h5t.py_create(data.dtype))


def latest_dense(path):
    """Superblock v3, OHDR v2; a group of 300 links (dense: fractal heap +
    v2 B-tree name index with an internal node); a group with 40 attributes
    plus one 80 KB attribute (dense attributes, the big one a huge heap object);
    a compact new-style group; contiguous, compact and single-chunk datasets."""
    with latest_file(path) as f:
        f.attrs["title"] = "latest"
        f.attrs["answer"] = np.int64(42)
        w = f.create_dataset("weights", data=values(24, 2.0).astype("<f4").reshape(2, 3, 4),
                             track_times=False)
        w.attrs["unit"] = "volt"
        many = group(f, "many")
        for i in range(300):
            many["m%03d" % i] = w
        attrs = group(f, "attrs")
        for i in range(40):
            attrs.attrs["a%02d" % i] = np.arange(i + 1, dtype="<i4")
        attrs.attrs["big"] = values(10000).astype("<f8")  # 80,000 bytes
        attrs.attrs["names"] = [b"conv_0", b"conv_0/BN", b"dense"]
        small = group(f, "small")
        small.create_dataset("scalar", data=np.float64(2.5), track_times=False)
        # Layout version 4 indexes a dataset of one chunk with the
        # "single chunk" index (filtered or not).
        small.create_dataset("single_chunk_gzip", data=values(12).astype("<f4").reshape(3, 4), chunks=(3, 4),
                             compression="gzip", track_times=False)
        small.create_dataset("single_chunk", data=np.arange(5, dtype="<i8"), chunks=(5,), track_times=False)
        sub = group(small, "sub/deeper")
        sub.attrs["note"] = "nested"
        space = h5py.h5s.create_simple((5,))
        dsid = h5py.h5d.create(small.id, b"compact", h5py.h5t.STD_I16LE, space, dcpl=dcpl(h5py.h5d.COMPACT))
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([-3, -1, 0, 7, 300], dtype="<i2"))


def v0_big_group(path):
    """Superblock v0 with old-style groups; "big" has 300 symbols, so its
    v1 B-tree has a root at level 1 over several leaf nodes."""
    with h5py.File(path, "w") as f:
        d = f.create_dataset("data", data=np.arange(6, dtype="<f4").reshape(2, 3), track_times=False)
        big = f.create_group("big")
        for i in range(300):
            big["m%03d" % i] = d
        big.create_group("conv_0/BN").create_dataset("gamma:0", data=np.ones(4, "<f4"), track_times=False)


def chunked(path):
    """Chunked layout with a v1 B-tree chunk index; gzip, shuffle or both;
    partial edge chunks; unallocated chunks and an unallocated contiguous
    dataset that read as the fill value."""
    with h5py.File(path, "w") as f:
        kw = dict(track_times=False)
        f.create_dataset("f32_gzip_shuffle", data=values(37 * 23, 3.0).astype("<f4").reshape(37, 23),
                         chunks=(8, 10), compression="gzip", compression_opts=6, shuffle=True, **kw)
        f.create_dataset("i64_gzip_shuffle", data=(np.arange(100, dtype="<i8") - 50) * 1000003,
                         chunks=(32,), compression="gzip", shuffle=True, **kw)
        f.create_dataset("f64_gzip", data=values(50).reshape(5, 10), chunks=(2, 4), compression="gzip", **kw)
        f.create_dataset("i16_shuffle", data=np.arange(-20, 21, dtype="<i2"), chunks=(7,), shuffle=True, **kw)
        f.create_dataset("u8_plain_chunks", data=np.arange(45, dtype="u1").reshape(3, 15), chunks=(2, 4), **kw)
        f.create_dataset("f32_3d", data=values(4 * 5 * 6).astype("<f4").reshape(4, 5, 6),
                         chunks=(3, 2, 4), compression="gzip", **kw)
        part = f.create_dataset("f32_partly_written", shape=(10, 10), dtype="<f4", chunks=(4, 4),
                                fillvalue=-1.5, compression="gzip", **kw)
        part[0:4, 0:4] = np.arange(16, dtype="<f4").reshape(4, 4)
        f.create_dataset("i32_unwritten", shape=(6,), dtype="<i4", fillvalue=7, **kw)
        f.create_dataset("f32_unwritten_nofill", shape=(3,), dtype="<f4", **kw)


def types(path):
    """Every numeric type, both byte orders, float16, strings of every kind,
    scalar and 1-D attributes, compact layout, Keras-style attributes."""
    with h5py.File(path, "w") as f:
        kw = dict(track_times=False)
        for name in ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"]:
            dt = np.dtype("<" + name)
            info = np.iinfo(dt)
            data = [-128, -1, 0, 1, 127] if dt.kind == "i" else [0, 1, 127, 200, 255]
            data = data + [int(info.min), int(info.max)]
            f.create_dataset("int/" + dt.name, data=np.array(data, dtype=dt), **kw)
        f.create_dataset("int/int64_be", data=np.array([-5, 1 << 40, 3], dtype=">i8"), **kw)
        f.create_dataset("int/uint16_be", data=np.array([1, 258, 65535], dtype=">u2"), **kw)
        f.create_dataset("float/float16", data=np.array([0.5, -2.0, 65504.0, 6.1e-5, 1e-7, 0.0, -0.0, 3.14],
                                                        dtype="<f2"), **kw)
        f.create_dataset("float/float16_inf_nan", data=np.array([np.inf, -np.inf, 1.0], dtype="<f2"), **kw)
        f.create_dataset("float/float32", data=values(13).astype("<f4"), **kw)
        f.create_dataset("float/float32_be", data=values(13).astype(">f4"), **kw)
        f.create_dataset("float/float64", data=values(9), **kw)
        f.create_dataset("float/float64_be", data=values(9).astype(">f8").reshape(3, 3), **kw)
        f.create_dataset("float/scalar", data=np.float32(-0.25), **kw)
        f.create_dataset("float/empty", data=np.zeros((0, 3), "<f4"), **kw)

        f.create_dataset("str/vlen_utf8", data=["alpha", "βeta", ""], dtype=h5py.string_dtype(), **kw)
        f.create_dataset("str/vlen_ascii", data=[b"conv2d/kernel:0", b"conv2d/bias:0"],
                         dtype=h5py.string_dtype("ascii"), **kw)
        f.create_dataset("str/fixed_nullpad", data=np.array([b"ab", b"abcdef", b""], dtype="S6"), **kw)
        s = f["str"]
        fixed_string(s, "fixed_nullterm", [b"xy", b"hello"], 8, h5py.h5t.STR_NULLTERM, dataset=True)
        fixed_string(s, "fixed_spacepad", [b"pad", b"x"], 5, h5py.h5t.STR_SPACEPAD, dataset=True)

        a = f.create_group("attrs")
        a.attrs["str_scalar_utf8"] = "keras 2.15.0 ✓"
        a.attrs["bytes_scalar"] = b'{"class_name": "Functional"}'
        a.attrs["vlen_list"] = [b"conv_0", b"conv_0/BN", b"classifier"]
        a.attrs["fixed_S9"] = np.array([b"conv2d_1", b"dropout_1", b"flatten_1"], dtype="S9")
        a.attrs["fixed_scalar"] = np.bytes_(b"tf")
        fixed_string(a, "fixed_nullterm", [b"one", b"three"], 6, h5py.h5t.STR_NULLTERM)
        fixed_string(a, "fixed_spacepad_scalar", b"hi", 6, h5py.h5t.STR_SPACEPAD)
        a.attrs["one_element_list"] = [b"only"]
        a.attrs["empty_names"] = np.asarray([])  # float64, shape (0,): Keras' "no weights"
        a.attrs["i64_scalar"] = np.int64(-9)
        a.attrs["f32_list"] = np.array([1.5, -2.25, 1e10], "<f4")
        a.attrs["u8_list"] = np.array([1, 2, 250], "u1")
        a.attrs["f64_be"] = np.array([3.5, -1.0], ">f8")
        a.attrs["i32_2d"] = np.arange(6, dtype="<i4").reshape(2, 3)
        a.attrs["null"] = h5py.Empty("f4")

        # Keras: layer_names too big for one attribute are split into
        # layer_names0, layer_names1 (fixed-length S), while a short list
        # next to them is a vlen list (spec/keras-files.md §1.2).
        k = f.create_group("keras_model_weights")
        names = np.array([("layer_with_a_long_name_%04d" % i).encode() for i in range(10)])
        for i, part in enumerate(np.array_split(names, 2)):
            k.attrs["layer_names%d" % i] = part
        k.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
        k.attrs["backend"] = b"tensorflow"

        space = h5py.h5s.create_simple((3, 2))
        dsid = h5py.h5d.create(f.id, b"compact_f32", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl(h5py.h5d.COMPACT))
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([[1, 2], [3, 4], [5, 6.5]], dtype="<f4"))


def unsupported(path):
    """Valid HDF5 the reader refuses with an UnsupportedError naming the feature."""
    with h5py.File(path, "w") as f:
        kw = dict(track_times=False)
        f.create_dataset("fletcher32", data=np.arange(10, dtype="<f4"), chunks=(5,), fletcher32=True, **kw)
        f.create_dataset("compound", data=np.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")]), **kw)
        f.create_dataset("scaleoffset", data=np.arange(10, dtype="<i4"), chunks=(5,), scaleoffset=0, **kw)
        f.attrs.create("enum", np.array([0, 1], "i1"), dtype=h5py.enum_dtype({"a": 0, "b": 1}, basetype="i1"))
        f["soft"] = h5py.SoftLink("/fletcher32")
    # layout v4 (libver latest) indexes a fixed-size chunked dataset with a
    # fixed array, not a v1 B-tree.
    with h5py.File(path, "a", libver="latest") as f:
        f.create_dataset("fixed_array_index", data=np.arange(10, dtype="<f4"), chunks=(5,), track_times=False)


def go_corpus(data):
    """A file in Go's fuzz corpus format holding one []byte argument."""
    out = []
    for byte in data:
        ch = chr(byte)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append("\\x%02x" % byte)
    return "go test fuzz v1\n[]byte(\"" + "".join(out) + "\")\n"


def tiny_files():
    """Small files for the fuzz seed corpus: each structure the reader
    knows, in as few bytes as h5py writes it."""
    files = {}
    path = os.path.join(OUT, "tiny.tmp")

    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"dense"]
        g = f.create_group("dense")
        g.attrs["weight_names"] = np.array([b"dense/kernel:0"], dtype="S14")
        g.create_dataset("dense/kernel:0", data=np.arange(6, dtype="<f4").reshape(2, 3), track_times=False)
    files["v0_keras_like"] = path

    with latest_file(path + "2") as f:
        g = group(f, "g")
        g.attrs["s"] = "x"
        g.create_dataset("d", data=np.arange(4, dtype=">i2"), track_times=False)
    files["latest_compact"] = path + "2"

    with latest_file(path + "4") as f:
        g = group(f, "dense")
        for i in range(10):  # more than 8 links and attributes: dense storage
            g["l%d" % i] = h5py.SoftLink("/x") if i == 9 else group(f, "x")
            g.attrs["a%d" % i] = np.int8(i)
        g.attrs["names"] = [b"a", b"b"]
    files["latest_dense_small"] = path + "4"

    with h5py.File(path + "3", "w") as f:
        f.create_dataset("c", data=np.arange(20, dtype="<f4").reshape(4, 5), chunks=(3, 2),
                         compression="gzip", shuffle=True, track_times=False)
        f.create_dataset("s", data=["a", "bc"], dtype=h5py.string_dtype(), track_times=False)
    files["v0_chunked_vlen"] = path + "3"

    seeds = {}
    for name, p in files.items():
        with open(p, "rb") as fh:
            seeds[name] = fh.read()
        os.remove(p)
    return seeds


def fuzz_seeds():
    """Seed corpus of FuzzOpen: tiny files plus the first 4 KiB (superblock,
    root group, first headers) of two real fixtures whose licenses allow
    copying (testdata/README.md)."""
    d = os.path.join(OUT, "fuzz", "FuzzOpen")
    os.makedirs(d, exist_ok=True)
    seeds = tiny_files()
    fixtures = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "keras")
    with open(os.path.join(fixtures, "mobilenetv1_vww_96_keras2.4.h5"), "rb") as fh:
        seeds["mobilenetv1_head4k"] = fh.read(4096)
    import zipfile
    with zipfile.ZipFile(os.path.join(fixtures, "mnist_cnn_sequential_keras3.15.keras")) as z:
        seeds["mnist_keras_weights_head4k"] = z.read("model.weights.h5")[:4096]
    for name, data in seeds.items():
        with open(os.path.join(d, name), "w") as fh:
            fh.write(go_corpus(data))
        print("fuzz seed %s: %d bytes" % (name, len(data)))


def main():
    os.makedirs(OUT, exist_ok=True)
    makers = [("latest_dense.h5", latest_dense), ("v0_big_group.h5", v0_big_group),
              ("chunked.h5", chunked), ("types.h5", types)]
    files = []
    for name, make in makers:
        path = os.path.join(OUT, name)
        make(path)
        with open(path, "rb") as fh:
            data = fh.read()
        with h5py.File(path, "r") as f:
            desc = describe_file(f)
        files.append({"file": name, "member": "", "superblock": data[8], **desc})
        print("%s: %d bytes, %d groups, %d datasets" % (name, len(data), len(desc["groups"]), len(desc["datasets"])))
    unsupported(os.path.join(OUT, "unsupported.h5"))
    fuzz_seeds()
    with open(os.path.join(OUT, "expected_edge.json"), "w") as fh:
        json.dump({"generator": "tools/hdf5gen/edge.py", "h5py": h5py.__version__,
                   "hdf5": h5py.version.hdf5_version, "files": files}, fh, sort_keys=True, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()
