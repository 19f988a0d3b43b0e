# Writes the .npy test files with Debian's numpy: /usr/bin/python3 make.py
import numpy as np
np.save("f4_2x3.npy", np.arange(6, dtype="<f4").reshape(2, 3) / 4)
np.save("u1_1x2x2x1.npy", np.array([0, 7, 200, 255], dtype="u1").reshape(1, 2, 2, 1))
np.save("f8be_3.npy", np.array([1.5, -2.25, 1e10], dtype=">f8"))
np.save("i2_scalar.npy", np.array(-300, dtype="<i2"))
np.save("f2_4.npy", np.array([0.5, -1.0, 65504.0, 6e-8], dtype="<f2"))
np.save("fortran.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
np.lib.format.write_array(open("v2_i4.npy", "wb"), np.array([1, -2, 3], dtype="<i4"), version=(2, 0))
np.save("structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
