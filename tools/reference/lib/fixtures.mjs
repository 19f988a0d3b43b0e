// Reference outputs for the real Keras fixtures in ../shared/fixtures/keras.
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { applyTfjsFixups, FixupLog, layerConfigs } from './fixups.mjs';
import { loadFullModelH5, loadJsonAndWeightsH5 } from './keras_h5.mjs';
import { loadKeras3 } from './keras3.mjs';
import { uint8Pixels } from './prng.mjs';
import { fileRecord, writeReference } from './reference.mjs';

export const INPUT_SEED = 1234;

// The float fixtures tfjs can run. `batch` keeps the reference folder small
// (AkidaNet's 224×224×3 inputs are 150 KB each). The quantizeml fixture is
// absent on purpose: its Custom>Quantized* layers do not exist in tfjs.
export const KERAS_FIXTURES = [
  { stem: 'akidanet_imagenet_224_alpha_25_keras2.10', files: ['akidanet_imagenet_224_alpha_25_keras2.10.h5'], batch: 2 },
  { stem: 'float_ecg_cnn_bn_keras2.15', files: ['float_ecg_cnn_bn_keras2.15.h5'], batch: 4 },
  { stem: 'mobilenetv1_vww_96_keras2.4', files: ['mobilenetv1_vww_96_keras2.4.h5'], batch: 4 },
  { stem: 'keras2.0_conv2d_model', files: ['keras2.0_conv2d_model.json', 'keras2.0_conv2d_model_weights.h5'], batch: 4 },
  { stem: 'mnist_cnn_sequential_keras3.15', files: ['mnist_cnn_sequential_keras3.15.keras'], batch: 4 },
];

// loadFixture returns the model config (Keras 2 form, before the tfjs
// fix-ups), the weights and the Keras version, whatever the file kind.
async function loadFixture(paths, log) {
  const [first, second] = paths;
  if (first.endsWith('.keras')) return loadKeras3(first, log);
  if (first.endsWith('.json')) {
    const loaded = await loadJsonAndWeightsH5(first, second);
    const cfg = loaded.modelConfig;
    if (cfg.class_name === 'Sequential' && Array.isArray(cfg.config)) {
      // Keras ≤ 2.2.4 wrote a Sequential's config as a bare list of layers.
      cfg.config = { name: 'sequential', layers: cfg.config };
      log.add('bare-list Sequential config wrapped as {name: "sequential", layers}', 'Keras ≤ 2.2.4 form; tfjs reads the later {name, layers} form', 'sequential');
    }
    return loaded;
  }
  return loadFullModelH5(first);
}

export async function generateFixtureReference(fixture, sharedDir, outDir) {
  const paths = fixture.files.map((f) => join(sharedDir, f));
  const log = new FixupLog();
  const { modelConfig, kerasVersion, weightSpecs, weightData } = await loadFixture(paths, log);
  applyTfjsFixups(modelConfig, log);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelConfig, weightSpecs, weightData }));

  // layers.json follows tfjs model.layers; make sure that is the config's
  // own layer list and order, which is what the Go loader will see.
  const configOrder = layerConfigs(modelConfig).map((l) => l.config.name);
  const tfjsOrder = model.layers.map((l) => l.name);
  if (tfjsOrder.join('\n') !== configOrder.join('\n')) {
    throw new Error(`${fixture.stem}: tfjs model.layers (${tfjsOrder}) differ from the config's layers (${configOrder})`);
  }
  const shape = [fixture.batch, ...model.inputs[0].shape.slice(1)];
  const data = uint8Pixels(INPUT_SEED, shape.reduce((a, b) => a * b, 1));
  const meta = {
    fixture: fixture.files.join(' + '),
    fixture_files: paths.map((p) => fileRecord(p)),
    keras_version: kerasVersion,
    model_class: modelConfig.class_name,
    input: {
      file: 'input.npy',
      dtype: 'uint8',
      shape,
      layout: 'NHWC, C order',
      values: `integers 0..255: mulberry32(seed ${INPUT_SEED}) uint32 outputs >>> 24, one per element in C order (tools/reference/lib/prng.mjs)`,
      fed_as: 'float32 with the same integer values (no scaling: the model\'s own layers, e.g. Rescaling, do any)',
    },
    config_fixups: log.list(),
    weights: weightSpecs.length,
  };
  const result = await writeReference(join(outDir, fixture.stem), model, { data, shape }, meta);
  model.dispose();
  return result;
}
