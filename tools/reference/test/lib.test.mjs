// Unit tests of the reference scripts' own readers and writers:
//   node --test test/        (npm test)
// Tests that read ../shared fixtures skip when the folder is absent.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyTfjsFixups, FixupLog } from '../lib/fixups.mjs';
import { loadKeras3, toKeras2Config, toSnakeCase } from '../lib/keras3.mjs';
import { encodeNpy } from '../lib/npy.mjs';
import { mulberry32, uint8Pixels, uniformFloat32 } from '../lib/prng.mjs';
import { readZip } from '../lib/zip.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const sharedKeras = process.env.CNN2SNN_SHARED_KERAS ?? resolve(here, '../../../../shared/fixtures/keras');
const mnist = join(sharedKeras, 'mnist_cnn_sequential_keras3.15.keras');
const noShared = existsSync(mnist) ? false : `skipped: ${mnist} is absent (../shared is present in CI and in development)`;

test('mulberry32 stream from seed 1234 (pinned: the reference inputs depend on it)', () => {
  const next = mulberry32(1234);
  // The same values come from the Python re-implementation in check_outputs.py.
  assert.deepEqual([next(), next(), next(), next()], [314799534, 3021131492, 3877737075, 4168477787]);
  assert.deepEqual([...uint8Pixels(1234, 4)], [18, 180, 231, 248]); // top 8 bits of the above
  const f = uniformFloat32(1234, 2, -1, 1);
  assert.deepEqual([...f], [Math.fround(-1 + (2 * 314799534) / 2 ** 32), Math.fround(-1 + (2 * 3021131492) / 2 ** 32)]);
});

// Expected bytes are those of Debian numpy 1.24 numpy.save: a 118-byte
// header (the dict, 20 spare spaces for shape[0] to grow, padding to 128,
// "\n") for both arrays below.
test('encodeNpy writes what numpy.save writes', () => {
  const u8 = encodeNpy(new Uint8Array([1, 2, 3]), [3]);
  assert.equal(u8.length, 131);
  assert.deepEqual([...u8.subarray(0, 10)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
  const header = new TextDecoder().decode(u8.subarray(10, 128));
  assert.equal(header, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }".padEnd(117, ' ') + '\n');
  assert.deepEqual([...u8.subarray(128)], [1, 2, 3]);

  const f4 = encodeNpy(new Float32Array([1.5, -2]), [1, 2]);
  assert.equal(f4.length, 136);
  assert.equal(new TextDecoder().decode(f4.subarray(10, 128)).trimEnd(), "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }");
  assert.deepEqual([...f4.subarray(128)], [0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0]);
});

test('encodeNpy refuses a shape that does not fit the data, and other element types', () => {
  assert.throws(() => encodeNpy(new Float32Array(6), [2, 2]), { message: 'npy: shape (2,2) holds 4 elements but the data has 6' });
  assert.throws(() => encodeNpy(new Int16Array(2), [2]), /cannot write Int16Array/);
});

// stored_and_deflated.zip was made with Debian's /usr/bin/python3 zipfile:
// config.json Stored ('{"class_name": "Sequential"}') and assets/words.txt
// Deflated ("akida " × 100), timestamps 1980-01-01.
const zipBytes = readFileSync(join(here, 'testdata/stored_and_deflated.zip'));

test('readZip returns Stored and Deflated members', () => {
  const members = readZip(zipBytes, 'stored_and_deflated.zip');
  assert.deepEqual([...members.keys()], ['config.json', 'assets/words.txt']);
  assert.equal(new TextDecoder().decode(members.get('config.json')), '{"class_name": "Sequential"}');
  assert.equal(new TextDecoder().decode(members.get('assets/words.txt')), 'akida '.repeat(100));
});

test('readZip rejects truncated and damaged archives with an error, not garbage', () => {
  assert.throws(() => readZip(zipBytes.subarray(0, 100), 'x.keras'), {
    message: 'x.keras: no zip end-of-central-directory record: this is not a .keras (zip) file or it is truncated',
  });
  const damaged = Uint8Array.from(zipBytes);
  const cdir = zipBytes.length - 22 - 2 * 46 - 'config.json'.length - 'assets/words.txt'.length;
  damaged[cdir + 10] = 12; // the central directory says bzip2 for config.json
  assert.throws(() => readZip(damaged, 'x.keras'), {
    message: 'x.keras: member config.json: compression method 12 is not supported (only Stored and Deflate): re-zip the file with Deflate',
  });
});

test('toSnakeCase names weight groups as Keras 3 does', () => {
  const names = ['Conv2D', 'MaxPooling2D', 'BatchNormalization', 'DepthwiseConv2D', 'QuantizedConv2D', 'Dense', 'ReLU'];
  assert.deepEqual(names.map(toSnakeCase), ['conv2d', 'max_pooling2d', 'batch_normalization', 'depthwise_conv2d', 'quantized_conv2d', 'dense', 're_lu']);
});

test('applyTfjsFixups nulls regularizers and drops SeparableConv2D kernel_* keys, and says so', () => {
  const config = {
    class_name: 'Functional',
    config: {
      layers: [
        { class_name: 'Conv2D', config: { name: 'conv_0', kernel_regularizer: { class_name: 'L2', config: { l2: 4e-5 } }, bias_regularizer: null } },
        { class_name: 'SeparableConv2D', config: { name: 'separable_1', kernel_initializer: {}, kernel_regularizer: null, pointwise_regularizer: { class_name: 'L2', config: {} } } },
      ],
    },
  };
  const log = new FixupLog();
  applyTfjsFixups(config, log);
  assert.equal(config.config.layers[0].config.kernel_regularizer, null);
  assert.deepEqual(Object.keys(config.config.layers[1].config), ['name', 'pointwise_regularizer']);
  assert.equal(config.config.layers[1].config.pointwise_regularizer, null);
  assert.deepEqual(log.list().map((e) => [e.change, e.layers]), [
    ['kernel_regularizer L2 set to null', ['conv_0']],
    ['pointwise_regularizer L2 set to null', ['separable_1']],
    ['SeparableConv2D kernel_initializer removed', ['separable_1']],
    ['SeparableConv2D kernel_regularizer removed', ['separable_1']],
  ]);
});

test('toKeras2Config refuses what it does not translate', () => {
  assert.throws(() => toKeras2Config({ class_name: 'Functional', config: {} }, new FixupLog()), /only Sequential is translated/);
  const custom = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'MyLayer', registered_name: 'Custom>MyLayer', config: { name: 'mine' } }] } };
  assert.throws(() => toKeras2Config(custom, new FixupLog()), { message: 'layer mine: custom class Custom>MyLayer: tfjs cannot run custom layers' });
});

test('loadKeras3 on the Keras 3.15 MNIST fixture', { skip: noShared }, async () => {
  const log = new FixupLog();
  const { modelConfig, kerasVersion, weightSpecs, weightData } = await loadKeras3(mnist, log);
  assert.equal(kerasVersion, '3.15.1');
  const input = modelConfig.config.layers[0];
  assert.deepEqual(input.config.batch_input_shape, [null, 28, 28, 1]);
  assert.equal('batch_shape' in input.config, false);
  assert.equal(modelConfig.config.layers[1].config.dtype, 'float32');
  assert.equal(JSON.stringify(modelConfig).includes('"module"'), false);
  assert.deepEqual(weightSpecs.map((w) => `${w.name} ${w.shape}`), [
    'conv2d/kernel 3,3,1,32', 'conv2d/bias 32',
    'conv2d_1/kernel 3,3,32,64', 'conv2d_1/bias 64',
    'dense/kernel 1600,128', 'dense/bias 128',
    'dense_1/kernel 128,10', 'dense_1/bias 10',
  ]);
  assert.equal(weightData.byteLength, 4 * (288 + 32 + 18432 + 64 + 204800 + 128 + 1280 + 10));
});
