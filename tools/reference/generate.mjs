// Writes the tfjs reference outputs the Go tests compare against:
//   core/infer/testdata/reference/<fixture stem>/   for the real Keras fixtures
//   core/keras/testdata/tfjs/<name>/                project-made TF.js models
//   core/infer/testdata/reference/tfjs_<name>/      and their reference outputs
// then checks every .npy with Debian's numpy (check_outputs.py).
// Run: npm ci && node generate.mjs   (see README.md)
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFixtureReference, KERAS_FIXTURES } from './lib/fixtures.mjs';
import { generateTfjsModel, TFJS_MODELS } from './lib/tfjs_models.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const sharedKeras = process.env.CNN2SNN_SHARED_KERAS ?? resolve(repo, '../shared/fixtures/keras');
const referenceDir = join(repo, 'core/infer/testdata/reference');
const tfjsModelsDir = join(repo, 'core/keras/testdata/tfjs');
// Debian's python3 has numpy and h5py; a pyenv python3 earlier on PATH may not.
const python = process.env.PYTHON ?? '/usr/bin/python3';

async function main() {
  await tf.setBackend('cpu');
  if (!existsSync(sharedKeras)) throw new Error(`${sharedKeras}: the shared Keras fixtures are missing; set CNN2SNN_SHARED_KERAS to their folder`);
  for (const fixture of KERAS_FIXTURES) {
    const started = Date.now();
    const { shape } = await generateFixtureReference(fixture, sharedKeras, referenceDir);
    console.log(`${fixture.stem}: output ${JSON.stringify(shape)} in ${Date.now() - started} ms`);
  }
  for (const spec of TFJS_MODELS) {
    const started = Date.now();
    const { shape } = await generateTfjsModel(spec, tfjsModelsDir, referenceDir);
    console.log(`tfjs_${spec.name}: output ${JSON.stringify(shape)} in ${Date.now() - started} ms`);
  }
  // Debian's numpy checks the files (and that numpy itself can load them),
  // then a hand-written numpy forward pass checks tfjs on two models.
  for (const script of ['check_outputs.py', 'crosscheck.py']) {
    const run = spawnSync(python, [join(here, script)], { stdio: 'inherit' });
    if (run.error) throw new Error(`${python} ${script}: ${run.error.message}; set PYTHON to a python3 with numpy and h5py (Debian: python3-numpy python3-h5py)`);
    if (run.status !== 0) throw new Error(`${script} failed (exit ${run.status}): the outputs above are not trustworthy`);
  }
}

try {
  await main();
} catch (err) {
  console.error(`generate.mjs: ${err.message}`);
  process.exit(1);
}
