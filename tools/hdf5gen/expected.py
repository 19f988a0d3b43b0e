#!/usr/bin/python3
"""Write core/hdf5/testdata/expected_fixtures.json: what h5py reads from the
real Keras fixtures in ../shared/fixtures/keras (every .h5, and the
model.weights.h5 member of every .keras zip).

Run with Debian's python3-h5py (h5py 3.7.0, HDF5 1.10.8), from the repository root:

    /usr/bin/python3 tools/hdf5gen/expected.py

The JSON is committed; core/hdf5's fixture test compares the Go reader with it.
"""

import io
import json
import os
import sys
import zipfile

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from h5describe import describe_file, superblock_version  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "keras")
OUT = os.path.join(ROOT, "core", "hdf5", "testdata", "expected_fixtures.json")


def main():
    files = []
    for name in sorted(os.listdir(FIXTURES)):
        path = os.path.join(FIXTURES, name)
        if name.endswith(".h5"):
            with open(path, "rb") as fh:
                data = fh.read()
            member = ""
        elif name.endswith(".keras"):
            member = "model.weights.h5"
            with zipfile.ZipFile(path) as z:
                data = z.read(member)
        else:
            continue
        with h5py.File(io.BytesIO(data), "r") as f:
            desc = describe_file(f)
        desc = {"file": name, "member": member, "superblock": superblock_version(data), **desc}
        files.append(desc)
        print("%s%s: %d groups, %d datasets" % (name, "!" + member if member else "",
                                               len(desc["groups"]), len(desc["datasets"])))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump({"generator": "tools/hdf5gen/expected.py",
                   "h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version,
                   "files": files}, fh, sort_keys=True, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()
