// Keras-2 HDF5 files read with h5wasm (HDF5 C compiled to WebAssembly):
// the full-model .h5 (model_config + model_weights) and the old weights-only
// .h5 that comes with a model.to_json() file (spec/keras-files.md §1, §3).
// The result is what tf.io.fromMemory takes: a Keras-2 model config plus
// weightSpecs named like TF.js names them ("conv_0/kernel") and one buffer.
import h5wasm from 'h5wasm/node';
import { readFileSync } from 'node:fs';

// loadFullModelH5 reads a model.save("x.h5") file.
export async function loadFullModelH5(path) {
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'r');
  try {
    const configAttr = file.attrs['model_config'];
    if (configAttr === undefined) {
      throw new Error(`${path}: no model_config attribute: the file was saved with save_weights; give the JSON config too`);
    }
    const weightsGroup = file.get('model_weights');
    if (weightsGroup === null) throw new Error(`${path}: no model_weights group: not a Keras full-model .h5`);
    return {
      modelConfig: JSON.parse(configAttr.value),
      kerasVersion: file.attrs['keras_version']?.value,
      ...readWeights(weightsGroup, path),
    };
  } finally {
    file.close();
  }
}

// loadJsonAndWeightsH5 reads a model.to_json() file plus its save_weights()
// .h5, where the layer groups sit directly under the root.
export async function loadJsonAndWeightsH5(jsonPath, weightsPath) {
  await h5wasm.ready;
  const modelConfig = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const file = new h5wasm.File(weightsPath, 'r');
  try {
    return { modelConfig, kerasVersion: file.attrs['keras_version']?.value, ...readWeights(file, weightsPath) };
  } finally {
    file.close();
  }
}

// readWeights follows layer_names (model order, not HDF5 order) and each
// layer's weight_names. Weight names drop the ":0" suffix, as the TF.js
// converter's normalize_weight_name does, so they match tfjs variable names.
function readWeights(group, path) {
  const layerNames = stringList(group.attrs['layer_names'], `${path}: layer_names`);
  if (layerNames === null) throw new Error(`${path}: no layer_names attribute on the weights group: not a Keras weights file`);
  const weightSpecs = [];
  const arrays = [];
  for (const layerName of layerNames) {
    const layerGroup = group.get(layerName);
    if (layerGroup === null) throw new Error(`${path}: layer ${layerName} is listed in layer_names but has no group`);
    const weightNames = stringList(layerGroup.attrs['weight_names'], `${path}: layer ${layerName} weight_names`) ?? [];
    for (const weightName of weightNames) {
      const dataset = layerGroup.get(weightName);
      if (dataset === null) throw new Error(`${path}: layer ${layerName}: weight ${weightName} is listed but has no dataset`);
      const values = float32Values(dataset, `${path}: layer ${layerName}: weight ${weightName}`);
      weightSpecs.push({ name: weightName.replace(/:0$/, ''), shape: dataset.shape, dtype: 'float32' });
      arrays.push(values);
    }
  }
  return { weightSpecs, weightData: concatFloat32(arrays) };
}

// float32Values returns a float32 dataset's values; h5wasm gives a scalar
// dataset (shape []) as a plain number.
export function float32Values(dataset, what) {
  const value = dataset.value;
  if (value instanceof Float32Array) return value;
  if (typeof value === 'number' && dataset.dtype === '<f') return Float32Array.of(value);
  throw new Error(`${what}: ${dataset.dtype} ${JSON.stringify(dataset.shape)} is not float32: only float32 weights are supported`);
}

// stringList reads a string-array attribute. Keras writes an empty float64
// array instead of an empty string list for layers without weights.
function stringList(attr, what) {
  if (attr === undefined) return null;
  const value = attr.value;
  if (typeof value === 'string') return [value];
  if (ArrayBuffer.isView(value) && value.length === 0) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new Error(`${what}: expected a list of strings, got ${attr.dtype} ${JSON.stringify(attr.shape)}`);
}

export function concatFloat32(arrays) {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out.buffer;
}
