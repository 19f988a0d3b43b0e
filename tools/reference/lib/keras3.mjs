// Keras 3 `.keras` files (zip of metadata.json, config.json,
// model.weights.h5; spec/keras-files.md §4, §6) turned into the Keras-2
// config + TF.js-named weights that tfjs-layers understands.
import h5wasm from 'h5wasm/node';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readZip } from './zip.mjs';
import { layerConfigs } from './fixups.mjs';
import { concatFloat32, float32Values } from './keras_h5.mjs';

// Variables of the layer classes the fixtures use, in Keras 3 creation
// order (= the vars/0, vars/1, … order), named as tfjs names them.
// Optional ones depend on the layer config.
const variableNames = {
  Conv2D: (c) => ['kernel', ...(c.use_bias ? ['bias'] : [])],
  Dense: (c) => ['kernel', ...(c.use_bias ? ['bias'] : [])],
  DepthwiseConv2D: (c) => ['depthwise_kernel', ...(c.use_bias ? ['bias'] : [])],
  SeparableConv2D: (c) => ['depthwise_kernel', 'pointwise_kernel', ...(c.use_bias ? ['bias'] : [])],
  BatchNormalization: (c) => [...(c.scale ? ['gamma'] : []), ...(c.center ? ['beta'] : []), 'moving_mean', 'moving_variance'],
};

// loadKeras3 reads a .keras file; `log` records the config translation.
export async function loadKeras3(path, log) {
  const members = readZip(readFileSync(path), path);
  for (const name of ['metadata.json', 'config.json', 'model.weights.h5']) {
    if (!members.has(name)) throw new Error(`${path}: the zip has no ${name}: not a Keras 3 .keras file (sharded or .npz weights are not supported)`);
  }
  const metadata = JSON.parse(new TextDecoder().decode(members.get('metadata.json')));
  const keras3Config = JSON.parse(new TextDecoder().decode(members.get('config.json')));
  const modelConfig = toKeras2Config(keras3Config, log);
  const { weightSpecs, weightData } = await readVarsWeights(members.get('model.weights.h5'), modelConfig, path);
  return { modelConfig, kerasVersion: metadata.keras_version, weightSpecs, weightData };
}

// toKeras2Config translates a Keras 3 Sequential config to the Keras 2 form.
// Keras 3 Functional configs need their inbound_nodes rewritten too; no
// fixture has one, so they are refused rather than translated untested.
export function toKeras2Config(config, log) {
  if (config.class_name !== 'Sequential') {
    throw new Error(`Keras 3 model of class ${config.class_name}: only Sequential is translated for tfjs (no Keras 3 Functional fixture exists to test the inbound_nodes rewrite)`);
  }
  const out = stripKeras3Envelope(config, log, undefined);
  for (const layer of layerConfigs(out)) {
    if (layer.class_name === 'InputLayer' && 'batch_shape' in layer.config) {
      layer.config.batch_input_shape = layer.config.batch_shape;
      delete layer.config.batch_shape;
      log.add('InputLayer batch_shape renamed batch_input_shape', 'Keras 3 name for the Keras 2 key tfjs reads', layer.config.name);
    }
  }
  return out;
}

// stripKeras3Envelope copies a config value, replacing DTypePolicy objects
// by their dtype name and dropping the Keras 3 serializer's extra keys.
function stripKeras3Envelope(value, log, layer) {
  if (Array.isArray(value)) return value.map((v) => stripKeras3Envelope(v, log, layer));
  if (value === null || typeof value !== 'object') return value;
  if (value.class_name === 'DTypePolicy' || value.class_name === 'FloatDTypePolicy') {
    log.add('dtype DTypePolicy object replaced by its name', 'Keras 2 and tfjs expect a dtype string', layer);
    return value.config.name;
  }
  // A {class_name, config: {name}} object is a layer (or the model): name
  // the changes inside it after it.
  const here = 'class_name' in value && typeof value.config?.name === 'string' ? value.config.name : layer;
  if (value.registered_name != null) {
    throw new Error(`layer ${here}: custom class ${value.registered_name}: tfjs cannot run custom layers`);
  }
  const out = {};
  for (const [key, v] of Object.entries(value)) {
    if (['module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id'].includes(key)) {
      log.add(`Keras 3 key ${key} removed`, 'Keras 3 serializer metadata, unknown to Keras 2 configs', here);
      continue;
    }
    out[key] = stripKeras3Envelope(v, log, here);
  }
  return out;
}

// readVarsWeights maps layers/<snake_class>[_N]/vars/<i> to tfjs names
// "<layer name>/<variable>". The group of a layer is found by Keras 3's own
// rule (snake-cased class name plus a per-class counter, in model.layers
// order) and checked against the vars group's `name` attribute (Keras ≥ 3.6).
async function readVarsWeights(bytes, modelConfig, path) {
  await h5wasm.ready;
  const dir = mkdtempSync(join(tmpdir(), 'keras3-'));
  const h5Path = join(dir, 'model.weights.h5');
  writeFileSync(h5Path, bytes);
  const file = new h5wasm.File(h5Path, 'r');
  try {
    const weightSpecs = [];
    const arrays = [];
    const counters = new Map();
    // Keras 3's Sequential.layers leaves the InputLayer out: it has no group
    // and does not count in the per-class numbering.
    for (const layer of layerConfigs(modelConfig).filter((l) => l.class_name !== 'InputLayer')) {
      const snake = toSnakeCase(layer.class_name);
      const n = counters.get(snake) ?? 0;
      counters.set(snake, n + 1);
      const groupPath = `layers/${n === 0 ? snake : `${snake}_${n}`}/vars`;
      const where = `${path}: layer ${layer.config.name} (${groupPath})`;
      const vars = file.get(groupPath);
      if (vars === null) throw new Error(`${where}: no such group in model.weights.h5`);
      const savedName = vars.attrs['name']?.value;
      if (savedName !== undefined && savedName !== layer.config.name) {
        throw new Error(`${where}: the group belongs to layer ${savedName}: config and weights disagree`);
      }
      const keys = vars.keys().sort((a, b) => Number(a) - Number(b));
      const names = keys.length === 0 ? [] : variableNames[layer.class_name]?.(layer.config);
      if (names === undefined) throw new Error(`${where}: ${keys.length} variables of a ${layer.class_name}, which this script has no name table for`);
      if (names.length !== keys.length) throw new Error(`${where}: ${keys.length} variables, expected ${names.length} (${names.join(', ')})`);
      keys.forEach((key, i) => {
        const dataset = vars.get(key);
        const values = float32Values(dataset, `${where}: vars/${key}`);
        weightSpecs.push({ name: `${layer.config.name}/${names[i]}`, shape: dataset.shape, dtype: 'float32' });
        arrays.push(values);
      });
    }
    return { weightSpecs, weightData: concatFloat32(arrays) };
  } finally {
    file.close();
    rmSync(dir, { recursive: true });
  }
}

// toSnakeCase is keras.src.utils.naming.to_snake_case.
export function toSnakeCase(name) {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
