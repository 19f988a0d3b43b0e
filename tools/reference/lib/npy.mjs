// NumPy .npy writer, format version 1.0
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
// "\x93NUMPY", version bytes 1 0, a little-endian uint16 header length, then
// an ASCII Python dict literal padded with spaces and ended by "\n" so that
// the data starts on a 64-byte boundary, then the C-order element bytes.
// The header text is written exactly as numpy 1.24's numpy.save writes it
// (including its spare space), so check_outputs.py can compare our bytes
// with numpy's own.

const descrOf = new Map([
  [Uint8Array, '|u1'],
  [Float32Array, '<f4'],
]);

// encodeNpy returns the .npy bytes for a Uint8Array or Float32Array of the
// given shape (C order).
export function encodeNpy(data, shape) {
  const descr = descrOf.get(data.constructor);
  if (descr === undefined) {
    throw new Error(`npy: cannot write ${data.constructor.name}: only Uint8Array (|u1) and Float32Array (<f4) are supported`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(`npy: shape (${shape}) holds ${count} elements but the data has ${data.length}`);
  }
  // Python tuple syntax: a 1-tuple needs its trailing comma.
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // numpy (format.py _write_array_header) leaves room for shape[0] to grow
  // to 21 digits, then _wrap_header pads to 64 bytes, adding a whole 64 when
  // already aligned. Doing the same makes our files byte-identical to numpy's.
  if (shape.length > 0) header += ' '.repeat(21 - String(shape[0]).length);
  const preamble = 10; // magic (6) + version (2) + header length (2)
  const padLength = 64 - ((preamble + header.length + 1) % 64);
  header = header + ' '.repeat(padLength) + '\n';
  if (header.length > 0xffff) throw new Error('npy: header too long for format 1.0');

  const out = new Uint8Array(preamble + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), preamble);
  // Typed arrays use the platform byte order, and '<f4' promises little-endian.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('npy: big-endian host: the writer assumes little-endian typed arrays');
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), preamble + header.length);
  return out;
}
