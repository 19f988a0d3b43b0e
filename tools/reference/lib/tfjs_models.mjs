// Project-made TF.js Layers models: built in tfjs with seeded weights, saved
// as model.json + group1-shardMofK.bin the way tfjs and its converter write
// them (spec/keras-files.md §5), reloaded from those files, and run for the
// reference folder. They give the Go TF.js loader real tfjs-written files
// and the Go inference layer kinds the Keras fixtures lack.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillUniform, mulberry32, uniformFloat32 } from './prng.mjs';
import { fileRecord, writeReference } from './reference.mjs';

const INPUT_SEED = 1234;

// Each model: a builder, the seed of its weights, the batch of its
// reference input, and how its weights are sharded. tiny_cnn splits its
// ~3 KB of weights into 1 KiB shards (the converter's --weight_shard_size_bytes
// does the same at 4 MiB), so one weight straddles a shard boundary.
// sequential_dense writes "./"-prefixed paths, as tfjs's own browser
// download handler does, where the converter writes bare names.
export const TFJS_MODELS = [
  { name: 'tiny_cnn', build: tinyCNN, weightSeed: 1, batch: 4, shardBytes: 1024, pathPrefix: '' },
  { name: 'branchy', build: branchy, weightSeed: 2, batch: 4, shardBytes: Infinity, pathPrefix: '' },
  { name: 'sequential_dense', build: sequentialDense, weightSeed: 3, batch: 4, shardBytes: Infinity, pathPrefix: './' },
];

function tinyCNN() {
  const input = tf.input({ shape: [16, 16, 3], name: 'input' });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', name: 'conv_0' }).apply(input);
  x = tf.layers.batchNormalization({ name: 'conv_0_bn' }).apply(x);
  x = tf.layers.reLU({ maxValue: 6, name: 'conv_0_relu6' }).apply(x);
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw_1' }).apply(x);
  x = tf.layers.batchNormalization({ name: 'dw_1_bn' }).apply(x);
  x = tf.layers.reLU({ name: 'dw_1_relu' }).apply(x);
  x = tf.layers.separableConv2d({ filters: 16, kernelSize: 3, padding: 'valid', name: 'sep_2' }).apply(x);
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_3' }).apply(x);
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x);
  x = tf.layers.dense({ units: 10, name: 'dense' }).apply(x);
  x = tf.layers.softmax({ name: 'softmax' }).apply(x);
  return tf.model({ inputs: input, outputs: x, name: 'tiny_cnn' });
}

// branchy: two conv branches summed, asymmetric zero padding, average
// pooling, a strided "same" conv branch (TF pads it bottom/right only),
// concatenation, then Flatten → Reshape → Dense on a rank-3 tensor (Dense
// acts on the last axis) and a softmax per row.
function branchy() {
  const input = tf.input({ shape: [12, 12, 2], name: 'input' });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'branch_a' }).apply(input);
  const b = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'branch_b' }).apply(input);
  let s = tf.layers.add({ name: 'add' }).apply([a, b]);
  s = tf.layers.activation({ activation: 'tanh', name: 'add_tanh' }).apply(s);
  s = tf.layers.zeroPadding2d({ padding: [[1, 1], [2, 0]], name: 'pad' }).apply(s); // 14×14×4
  s = tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'avg_pool' }).apply(s); // 6×6×4
  const c = tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid', name: 'branch_c' }).apply(input); // 6×6×3
  let x = tf.layers.concatenate({ axis: -1, name: 'concat' }).apply([s, c]); // 6×6×7
  x = tf.layers.flatten({ name: 'flatten' }).apply(x); // 252
  x = tf.layers.reshape({ targetShape: [9, 28], name: 'reshape' }).apply(x);
  x = tf.layers.dense({ units: 4, name: 'dense' }).apply(x); // 9×4
  x = tf.layers.activation({ activation: 'softmax', name: 'softmax' }).apply(x);
  return tf.model({ inputs: input, outputs: x, name: 'branchy' });
}

// sequential_dense: a Sequential with no InputLayer, the input shape given
// on its first layer (tfjs writes batch_input_shape there).
function sequentialDense() {
  const model = tf.sequential({ name: 'sequential_dense' });
  model.add(tf.layers.dense({ units: 32, activation: 'relu', inputShape: [20], name: 'dense_relu' }));
  model.add(tf.layers.dropout({ rate: 0.3, name: 'dropout' }));
  model.add(tf.layers.dense({ units: 4, activation: 'sigmoid', name: 'dense_sigmoid' }));
  return model;
}

// setSeededWeights replaces every weight, in model.weights order, by values
// from one mulberry32 stream. BatchNormalization gets non-trivial statistics
// (the defaults 0/1 would hide a wrong BN formula).
function setSeededWeights(model, seed) {
  const next = mulberry32(seed);
  for (const layer of model.layers) {
    const values = layer.weights.map((w) => {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const [lo, hi] = weightRange(w.originalName, w.shape);
      return tf.tensor(fillUniform(next, count, lo, hi), w.shape, 'float32');
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
}

// weightRange gives the uniform range of a weight from its role: kernels
// get ±sqrt(3/fan_in) (unit output variance for unit inputs), so activations
// stay in a useful range through the layers.
function weightRange(name, shape) {
  const role = name.split('/').pop();
  switch (role) {
    case 'kernel':
    case 'pointwise_kernel': {
      const limit = Math.sqrt(3 / shape.slice(0, -1).reduce((a, b) => a * b, 1));
      return [-limit, limit];
    }
    case 'depthwise_kernel': {
      const limit = Math.sqrt(3 / (shape[0] * shape[1])); // one input channel per output
      return [-limit, limit];
    }
    case 'bias':
      return [-0.1, 0.1];
    case 'gamma':
    case 'moving_variance':
      return [0.5, 1.5];
    case 'beta':
    case 'moving_mean':
      return [-0.2, 0.2];
    default:
      throw new Error(`weight ${name}: no seeded range for a "${role}" weight`);
  }
}

// saveModel writes model.json and the shards with tfjs's own serializer
// (model.save through a save handler) and returns the file names.
async function saveModel(model, dir, shardBytes, pathPrefix) {
  let artifacts;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const count = Math.max(1, Math.ceil(weights.length / shardBytes));
  const shards = [];
  for (let i = 0; i < count; i++) {
    shards.push({ name: `group1-shard${i + 1}of${count}.bin`, bytes: weights.subarray(i * shardBytes, (i + 1) * shardBytes) });
  }
  // Same fields, in the same order, as tfjs's getModelJSONForModelArtifacts.
  const modelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: shards.map((s) => pathPrefix + s.name), weights: artifacts.weightSpecs }],
  };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJSON));
  for (const s of shards) writeFileSync(join(dir, s.name), s.bytes);
  return ['model.json', ...shards.map((s) => s.name)];
}

// loadSavedModel reads the files back the way tfjs's HTTP/browser loaders
// do: model.json, then every path of every manifest group, concatenated.
async function loadSavedModel(dir) {
  const modelJSON = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const buffers = manifest.flatMap((group) => group.paths.map((p) => {
      const bytes = readFileSync(join(dir, p));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    }));
    return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
  });
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

export async function generateTfjsModel(spec, modelsDir, referenceDir) {
  const built = spec.build();
  setSeededWeights(built, spec.weightSeed);
  const modelDir = join(modelsDir, spec.name);
  const files = await saveModel(built, modelDir, spec.shardBytes, spec.pathPrefix);
  const model = await loadSavedModel(modelDir);
  const configOrder = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')).modelTopology.config.layers.map((l) => l.config.name);
  if (model.layers.map((l) => l.name).join('\n') !== configOrder.join('\n')) {
    throw new Error(`${spec.name}: tfjs model.layers differ from the layers of model.json (${configOrder})`);
  }

  const shape = [spec.batch, ...model.inputs[0].shape.slice(1)];
  const data = uniformFloat32(INPUT_SEED, shape.reduce((a, b) => a * b, 1), -1, 1);
  // The saved files must give exactly what the built model gives.
  const x = tf.tensor(data, shape);
  const [fromBuilt, fromFiles] = [built.predict(x), model.predict(x)];
  const diff = tf.max(tf.abs(tf.sub(fromBuilt, fromFiles))).dataSync()[0];
  if (diff !== 0) throw new Error(`${spec.name}: the reloaded model differs from the built one by ${diff}`);
  tf.dispose([x, fromBuilt, fromFiles]);

  const meta = {
    fixture: `core/keras/testdata/tfjs/${spec.name}/model.json`,
    fixture_files: files.map((f) => fileRecord(join(modelDir, f), `core/keras/testdata/tfjs/${spec.name}/${f}`)),
    keras_version: `tfjs-layers ${tf.version['tfjs-layers']}`,
    model_class: built.getClassName(),
    weights_made_by: `mulberry32(seed ${spec.weightSeed}), one stream over model.weights in order; kernels U(±sqrt(3/fan_in)) (depthwise: fan_in = kh*kw), bias U(-0.1,0.1), gamma and moving_variance U(0.5,1.5), beta and moving_mean U(-0.2,0.2) (tools/reference/lib/tfjs_models.mjs)`,
    input: {
      file: 'input.npy',
      dtype: 'float32',
      shape,
      layout: shape.length === 4 ? 'NHWC, C order' : 'C order',
      values: `float32 in [-1, 1): -1 + 2*u, u = mulberry32(seed ${INPUT_SEED}) uint32 / 2^32, one per element in C order, rounded to float32 (tools/reference/lib/prng.mjs)`,
      fed_as: 'float32, as stored',
    },
    config_fixups: [],
    weights: model.weights.length,
  };
  const result = await writeReference(join(referenceDir, `tfjs_${spec.name}`), model, { data, shape }, meta);
  built.dispose();
  model.dispose();
  return result;
}
