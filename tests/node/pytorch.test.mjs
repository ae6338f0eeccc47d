// Models brought from PyTorch (examples/pytorch/): the torch modules of score_models.py, loaded
// with each shipped file's weights by convert.py, must score as model.score does (within 1e-5 of
// the batch's largest |score|, as the ONNX reference), at the largest and smallest trained σ, off
// the grid and with one σ per row; convert.py's round trip must give back each shipped file; and a
// model trained by train.py must load and sample something closer to its data than its prior.
// The directory comes from examples/pytorch/reference_scores.py, named by $SCORE_PYTORCH_DIR.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadModel, pretrainedModels, shutdown } from 'score-wasm';
import { assertBatchMatches, pseudoRandom } from './helpers.mjs';

after(shutdown);

const DIR = process.env.SCORE_PYTORCH_DIR;
const manifest = DIR ? JSON.parse(readFileSync(join(DIR, 'scores.json'), 'utf8')) : null;
const shippedModels = join(dirname(createRequire(import.meta.url).resolve('score-wasm/package.json')),
  'web', 'models');

// A copy: a small file's Buffer can sit at an offset of Node's pool that Float32Array refuses.
function readFloats(file) {
  const bytes = readFileSync(join(DIR, file));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

// The score of every row at its own σ: one model.score call per run of rows sharing one.
async function scoreRows(model, x, sigmas) {
  const dim = model.dim, out = new Float32Array(x.length);
  for (let i = 0, j; i < sigmas.length; i = j) {
    for (j = i + 1; j < sigmas.length && sigmas[j] === sigmas[i]; ++j);
    out.set(await model.score(x.subarray(i * dim, j * dim), sigmas[i]), i * dim);
  }
  return out;
}

// Without the directory the first test fails and the others skip, saying how to make it.
const skip = DIR ? false : 'SCORE_PYTORCH_DIR is not set: write the directory with '
  + '`python3 examples/pytorch/reference_scores.py DIR` (PyTorch and numpy) and set it to DIR';

test('the PyTorch reference directory is there (tests/run-js.sh writes it)', () => {
  assert.ok(DIR, skip);
});

for (const name of pretrainedModels) {
  test(`${name}: the PyTorch module's score is model.score`, { skip }, async (t) => {
    const entry = manifest.models[name];
    assert.ok(entry, `${name} is not in scores.json`);
    const data = readFloats(entry.file);
    const model = await loadModel(name);
    let worst = 0;
    for (const b of entry.batches) {
      const x = data.subarray(b.x, b.x + b.size), expected = data.subarray(b.score, b.score + b.size);
      const actual = await scoreRows(model, x, b.sigmas);
      worst = Math.max(worst, assertBatchMatches(actual, expected, model.dim, `${name}, ${b.label}`));
    }
    t.diagnostic(`${name}: largest ‖Δ‖∞ / ‖score‖∞ of a batch ${worst.toExponential(2)}`);
    model.dispose();
  });

  test(`${name}: convert.py to-torch then to-safetensors gives back the file`, { skip }, async () => {
    const original = readFileSync(join(shippedModels, `${name}.safetensors`));
    const back = readFileSync(join(DIR, 'roundtrip', `${name}.safetensors`));
    assert.ok(original.equals(back), `${name}: the round trip changed the file (${back.length} bytes, `
      + `the original ${original.length})`);
    // And the package loads it, as itself.
    const [a, b] = await Promise.all([loadModel(name), loadModel(new Uint8Array(back))]);
    assert.deepEqual(b.config, a.config);
    const x = readFloats(manifest.models[name].file).subarray(0, 2 * a.dim);
    assert.deepEqual(await b.score(x, a.config.sigmas[0]), await a.score(x, a.config.sigmas[0]));
    a.dispose();
    b.dispose();
  });
}

// Distance from (x, y) to the moons' curves: the upper unit half circle about (0, 0) and the lower
// one about (1, 0.5) (src/data/toy2d.h), each ending at its diameter's ends.
function moonsDistance(x, y) {
  const arc = (cx, cy, upper) => {
    const dx = x - cx, dy = y - cy;
    if (upper ? dy >= 0 : dy <= 0) return Math.abs(Math.hypot(dx, dy) - 1);
    return Math.min(Math.hypot(dx - 1, dy), Math.hypot(dx + 1, dy));
  };
  return Math.min(arc(0, 0, true), arc(1, 0.5, false));
}

// The fraction of the points (n × 2) within `radius` of the curves, and its standard error.
function nearFraction(points, radius) {
  const n = points.length / 2;
  let near = 0;
  for (let i = 0; i < n; ++i) near += moonsDistance(points[2 * i], points[2 * i + 1]) < radius;
  const p = near / n;
  return { p, se: Math.sqrt(Math.max(p * (1 - p), 1 / n) / n) };
}

test('a model trained by train.py loads and samples closer to moons than its prior', { skip }, async (t) => {
  const { file, steps, seconds } = manifest.trained;
  const model = await loadModel(readFileSync(join(DIR, file)));
  assert.equal(model.architecture, 'ncsn-mlp');
  assert.deepEqual(model.dataShape, [2]);
  assert.equal(model.config.sampling.sampler, 'annealed-langevin');
  const n = 2000, sigmaMax = model.config.sigmas[0];
  const samples = await model.sample({ n, seed: 1 });  // the file's sampling settings
  assert.equal(samples.length, n * 2);
  assert.ok(samples.every(Number.isFinite), 'a sample is not finite');
  // The chains start from N(0, σ_max² I): Box–Muller over helpers.mjs's uniforms.
  const u = Array.from(pseudoRandom(7, 2 * n), (v) => Math.max((v + 1) / 2, 2 ** -32));
  const prior = Float32Array.from({ length: 2 * n }, (_, i) => sigmaMax
    * Math.sqrt(-2 * Math.log(u[i - (i % 2)])) * (i % 2 ? Math.sin : Math.cos)(2 * Math.PI * u[i - (i % 2) + 1]));
  // Within 0.25 of the curves (five times the data's noise): the prior puts a few per cent there.
  const ours = nearFraction(samples, 0.25), start = nearFraction(prior, 0.25);
  t.diagnostic(`train.py, ${steps} steps in ${seconds} s: ${(100 * ours.p).toFixed(1)} % of the samples `
    + `within 0.25 of the moons, ${(100 * start.p).toFixed(1)} % of the prior's`);
  assert.ok(ours.p - start.p > 4 * Math.hypot(ours.se, start.se),
    `${ours.p} of the samples near the moons, no more than the prior's ${start.p}`);
  // Both moons are drawn (each holds half of the data), not one of them.
  let upper = 0, near = 0;
  for (let i = 0; i < n; ++i) {
    const [x, y] = [samples[2 * i], samples[2 * i + 1]];
    if (moonsDistance(x, y) >= 0.25) continue;
    ++near;
    upper += Math.abs(Math.hypot(x, y) - 1) < Math.abs(Math.hypot(x - 1, y - 0.5) - 1);
  }
  const share = upper / near, se = Math.sqrt(0.25 / near);
  assert.ok(Math.abs(share - 0.5) < 0.15 + 4 * se, `${share} of the near samples on the upper moon`);
  model.dispose();
});
