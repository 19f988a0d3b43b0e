// Runs a tfjs LayersModel on a batch and writes the reference folder the Go
// inference tests read: input.npy, output.npy, layers.json, meta.json.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { encodeNpy } from './npy.mjs';

// SAMPLES is how many evenly spaced values of sample 0 layers.json keeps per layer.
const SAMPLES = 16;

// writeReference runs `model` on `input` ({data: Uint8Array|Float32Array,
// shape}) fed as float32, and writes the four files into `dir` (emptied first).
export async function writeReference(dir, model, input, meta) {
  const x = tf.tensor(Float32Array.from(input.data), input.shape, 'float32');
  const output = singleOutput(model.predict(x), model.name);
  const layers = model.layers;
  const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.output), name: `${model.name}_probe` });
  let perLayer = probe.predict(x);
  if (!Array.isArray(perLayer)) perLayer = [perLayer];

  // The probe must reproduce predict() exactly at the output layer, or the
  // per-layer numbers would not explain output.npy.
  const outputLayer = layers.indexOf(model.outputLayers[0]);
  const outputData = output.dataSync();
  if (!bitEqual(perLayer[outputLayer].dataSync(), outputData)) {
    throw new Error(`${model.name}: the per-layer probe's ${layers[outputLayer].name} output differs from predict()`);
  }

  const records = layers.map((layer, i) => layerRecord(layer, perLayer[i], input.shape[0]));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'input.npy'), encodeNpy(input.data, input.shape));
  writeFileSync(join(dir, 'output.npy'), encodeNpy(outputData, output.shape));
  // One layer per line keeps diffs of regenerated files readable.
  writeFileSync(join(dir, 'layers.json'), `[\n${records.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`);
  const fullMeta = {
    ...meta,
    tfjs_version: tf.version.tfjs,
    tfjs_backend: tf.getBackend(),
    output: { file: 'output.npy', dtype: 'float32', shape: output.shape, layer: layers[outputLayer].name },
    layers: {
      file: 'layers.json',
      count: records.length,
      order: 'the layers of the model config, in config order (= tfjs model.layers); an InputLayer is listed only when the config has one',
      stats: 'sum, abs_sum, min, max over the whole batch (all samples), summed in float64 in C order',
      samples: `[flat_index, value] pairs of sample 0: indices round(k*(size-1)/${SAMPLES - 1}), k=0..${SAMPLES - 1}, duplicates dropped; size = elements per sample`,
    },
  };
  writeFileSync(join(dir, 'meta.json'), `${JSON.stringify(fullMeta, null, 2)}\n`);
  tf.dispose([x, output, ...perLayer]);
  return { output: outputData, shape: output.shape, layers: records };
}

function singleOutput(result, name) {
  if (Array.isArray(result)) throw new Error(`model ${name}: ${result.length} outputs; reference folders hold one output`);
  return result;
}

function layerRecord(layer, tensor, batch) {
  const shape = layer.outputShape;
  if (!Array.isArray(shape) || Array.isArray(shape[0])) {
    throw new Error(`layer ${layer.name}: several outputs (${JSON.stringify(shape)}); layers.json describes single-output layers`);
  }
  const values = tensor.dataSync();
  let sum = 0;
  let absSum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    absSum += Math.abs(v);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const perSample = values.length / batch;
  const samples = [];
  for (let k = 0; k < SAMPLES; k++) {
    const index = Math.round((k * (perSample - 1)) / (SAMPLES - 1));
    if (samples.length === 0 || samples[samples.length - 1][0] !== index) samples.push([index, values[index]]);
  }
  return {
    name: layer.name,
    class_name: layer.getClassName(),
    output_shape: shape.slice(1),
    sum,
    abs_sum: absSum,
    min,
    max,
    samples,
  };
}

function bitEqual(a, b) {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

// fileRecord names a source file and its SHA-256 for meta.json.
export function fileRecord(path, shownAs = basename(path)) {
  const bytes = readFileSync(path);
  return { file: shownAs, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
