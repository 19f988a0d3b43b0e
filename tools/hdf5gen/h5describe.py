"""Describe every group, dataset and attribute of an HDF5 file as h5py reads it.

Shared by expected.py (real fixtures) and edge.py (files this project makes).
The output is what core/hdf5's tests compare against:

* groups: path, sorted member names, attributes;
* datasets: path, shape, dtype name, byte order, element count, the float64
  sum of all elements taken *sequentially* in C order (np.cumsum, not the
  pairwise np.sum, so Go can reproduce it bit for bit), first and last value;
* attributes: name, dtype, shape and either the strings or the numbers' sum.

Dtype names follow hdf5.Datatype.String(): "float32", "int64", "uint8",
"float16", "string(22)" for fixed-length, "string(vlen)" for variable-length.
"""

import h5py
import numpy as np


def dtype_name(dt):
    info = h5py.check_string_dtype(dt)
    if info is not None:
        return "string(vlen)" if info.length is None else "string(%d)" % info.length
    if dt.kind in "iuf":
        return dt.newbyteorder("=").name
    raise ValueError("dtype %r is outside the reader's scope" % (dt,))


def big_endian(dt):
    return dt.kind in "iuf" and dt.itemsize > 1 and dt.byteorder == ">"


def number(v):
    """A float for JSON; JSON has no Inf/NaN, so those become the strings
    "+Inf", "-Inf", "NaN" (the Go test accepts both forms)."""
    v = float(v)
    if np.isnan(v):
        return "NaN"
    if np.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return v


def seq_sum(values):
    """Sequential float64 sum in C order: what a plain Go loop computes."""
    flat = np.asarray(values).astype(np.float64).ravel()
    if flat.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        return number(np.cumsum(flat)[-1])


def as_text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    return str(v)


def describe_attr(obj, name):
    raw = obj.attrs.get_id(name)
    dt = raw.dtype
    shape = list(raw.shape) if raw.shape is not None else None
    out = {"name": name, "dtype": dtype_name(dt), "shape": shape}
    value = obj.attrs[name]
    if shape is None:  # null dataspace: h5py.Empty
        out["count"] = 0
        return out
    if h5py.check_string_dtype(dt) is not None:
        if np.ndim(value) == 0:
            out["strings"] = [as_text(value)]
        else:
            out["strings"] = [as_text(v) for v in np.asarray(value).ravel()]
    else:
        out["big_endian"] = big_endian(dt)
        out["count"] = int(np.asarray(value).size)
        out["sum"] = seq_sum(value)
    return out


def describe_attrs(obj):
    return [describe_attr(obj, n) for n in sorted(obj.attrs.keys(), key=lambda s: s.encode())]


def describe_dataset(ds):
    dt = ds.dtype
    out = {
        "path": ds.name,
        "shape": list(ds.shape),
        "dtype": dtype_name(dt),
        "count": int(ds.size),
        "attrs": describe_attrs(ds),
    }
    if h5py.check_string_dtype(dt) is not None:
        out["strings"] = [as_text(v) for v in np.asarray(ds[()]).ravel()]
        return out
    data = ds[()]
    out["big_endian"] = big_endian(dt)
    out["sum"] = seq_sum(data)
    flat = np.asarray(data).astype(np.float64).ravel()
    if flat.size:
        out["first"] = number(flat[0])
        out["last"] = number(flat[-1])
    return out


def describe_file(f):
    groups, datasets = [], []

    def visit(group):
        names = sorted(group.keys(), key=lambda s: s.encode())
        groups.append({"path": group.name, "members": names, "attrs": describe_attrs(group)})
        for n in names:
            child = group[n]
            if isinstance(child, h5py.Group):
                visit(child)
            else:
                datasets.append(describe_dataset(child))

    visit(f)
    return {"groups": groups, "datasets": datasets}


def superblock_version(data):
    """Byte 8 after the signature (at 0 for every file here) is the version."""
    assert data[:8] == b"\x89HDF\r\n\x1a\n", "no HDF5 signature at offset 0"
    return data[8]
