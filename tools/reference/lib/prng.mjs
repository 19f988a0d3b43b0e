// Seeded pseudo-random numbers for reference inputs and test-model weights.
//
// mulberry32 (Tommy Ettinger's 32-bit generator): a 32-bit state advanced by
// 0x6D2B79F5 each call and mixed into one uint32 output. It is tiny, has no
// dependencies, and is easy to re-implement in Go or Python if a test ever
// needs to regenerate an input instead of reading input.npy.

// mulberry32 returns a function that yields the next uint32 of the stream.
export function mulberry32(seed) {
  let state = seed >>> 0;
  return function nextUint32() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

// uint8Pixels fills `count` bytes with floor(u * 256), u = uint32 / 2^32,
// i.e. the top 8 bits of each uint32: uniform integers 0..255.
export function uint8Pixels(seed, count) {
  const next = mulberry32(seed);
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = next() >>> 24;
  return out;
}

// uniformFloat32 fills `count` float32 values lo + (hi - lo) * u, with
// u = uint32 / 2^32 in [0, 1), rounded to float32.
export function uniformFloat32(seed, count, lo, hi) {
  return fillUniform(mulberry32(seed), count, lo, hi);
}

// fillUniform is uniformFloat32 on an existing stream, so one seed can feed
// all the weights of a model in a fixed order.
export function fillUniform(next, count, lo, hi) {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = lo + (hi - lo) * (next() / 4294967296);
  return out;
}
