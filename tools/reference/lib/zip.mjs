// Minimal zip reader for Keras 3 `.keras` files: enough to take config.json
// and model.weights.h5 out of the archive. Keras writes every member Stored;
// Deflate is accepted too (through Node's zlib) because users re-zip files.
// No ZIP64, no encryption, no multi-disk archives: those give an error.
import { inflateRawSync } from 'node:zlib';

const EOCD_SIG = 0x06054b50; // end of central directory record
const CDIR_SIG = 0x02014b50; // central directory file header
const LOCAL_SIG = 0x04034b50; // local file header

// readZip returns a Map from member name to its uncompressed bytes.
export function readZip(buf, what) {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const eocd = findEndOfCentralDirectory(view, what);
  const entries = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const members = new Map();
  for (let i = 0; i < entries; i++) {
    need(view, p, 46, what, 'central directory entry');
    if (view.getUint32(p, true) !== CDIR_SIG) throw new Error(`${what}: zip central directory entry ${i} has a bad signature: the file is damaged`);
    const method = view.getUint16(p + 10, true);
    const compressed = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    need(view, p + 46, nameLen, what, 'member name');
    const name = new TextDecoder().decode(buf.subarray(p + 46, p + 46 + nameLen));
    if (compressed === 0xffffffff || size === 0xffffffff || local === 0xffffffff) {
      throw new Error(`${what}: member ${name} uses ZIP64, which this reader does not support: re-save the model with Keras`);
    }
    members.set(name, memberBytes(buf, view, local, method, compressed, size, `${what}: member ${name}`));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return members;
}

function findEndOfCentralDirectory(view, what) {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the end.
  const last = view.byteLength - 22;
  for (let p = last; p >= 0 && p >= last - 0xffff; p--) {
    if (view.getUint32(p, true) === EOCD_SIG) return p;
  }
  throw new Error(`${what}: no zip end-of-central-directory record: this is not a .keras (zip) file or it is truncated`);
}

function memberBytes(buf, view, local, method, compressed, size, what) {
  need(view, local, 30, what, 'local header');
  if (view.getUint32(local, true) !== LOCAL_SIG) throw new Error(`${what}: bad local header signature: the file is damaged`);
  // The local header's own name/extra lengths may differ from the central directory's.
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  need(view, start, compressed, what, 'data');
  const raw = buf.subarray(start, start + compressed);
  switch (method) {
    case 0:
      return raw;
    case 8: {
      const out = inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
      if (out.length !== size) throw new Error(`${what}: inflated to ${out.length} bytes, the directory says ${size}: the file is damaged`);
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    }
    default:
      throw new Error(`${what}: compression method ${method} is not supported (only Stored and Deflate): re-zip the file with Deflate`);
  }
}

function need(view, offset, length, what, part) {
  if (offset < 0 || offset + length > view.byteLength) {
    throw new Error(`${what}: the zip ${part} at offset ${offset} runs past the end of the file (${view.byteLength} bytes): the file is truncated`);
  }
}
