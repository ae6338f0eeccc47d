// Bad input of every kind rejects with a ScoreWasmError of the right code, and changes nothing: the
// next valid call works.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { gaussianMixture, init, loadModel, shutdown } from 'score-wasm';
import { MIXTURE, rejectsWith, tinyNcsnMlp, writeSafetensors } from './helpers.mjs';

after(() => shutdown());

const VALID_SAMPLE = { n: 50, sigmas: [3, 2, 1], stepsPerLevel: 5, stepSize: 0.1, seed: 1 };

test('bad mixtures are refused by JavaScript or by the core', async () => {
  const cases = [
    [undefined, /weights must be a non-empty array/],
    [[1, 2], /gaussianMixture\(\) spec must be an object/],
    [{ ...MIXTURE, weights: 'abc' }, /weights must be a non-empty array/],
    [{ ...MIXTURE, weights: [0.2, NaN] }, /weights\[1\] must be a finite number, got NaN/],
    [{ ...MIXTURE, stds: [1, Infinity] }, /stds\[1\] must be a finite number, got Infinity/],
    [{ ...MIXTURE, means: [[-5, -5], [5]] }, /means\[1\] must be an array of 2 numbers/],
    [{ ...MIXTURE, means: [] }, /means must be an array of K points/],
    [{ ...MIXTURE, weights: [1] }, /same number of components, got 1 weights, 2 means and 2 stds/],
    [{ ...MIXTURE, colour: 'red' }, /unknown option 'colour'/],
    [{ ...MIXTURE, weights: [0.2, -0.8] }, /weight/],
    [{ ...MIXTURE, stds: [1, 0] }, /std/],
  ];
  for (const [spec, pattern] of cases) await rejectsWith(() => gaussianMixture(spec), 'INVALID_ARGUMENT', pattern);
  const gmm = await gaussianMixture(MIXTURE);
  assert.equal(gmm.dim, 2);
  gmm.dispose();
});

test('bad points and σ for score() are refused, then score() works', async () => {
  const gmm = await gaussianMixture(MIXTURE);
  const cases = [
    [new Float32Array(3), 1, /n × 2 values/],
    [new Float32Array(0), 1, /n × 2 values/],
    [new Float32Array([0, NaN]), 1, /must be finite, but value 1 \(row 0\) is NaN/],
    [[[0, 0], [1, Infinity]], 1, /points\[1\]\[1\] must be a finite number, got Infinity/],
    [[[0, 0], [1]], 1, /points\[1\] must be an array of 2 numbers/],
    ['0,0', 1, /must be a Float32Array of n × 2 values or a non-empty array/],
    [[], 1, /non-empty array/],
    [[[0, 0]], NaN, /sigma must be a finite number, got NaN/],
    [[[0, 0]], -1, /sigma/],
  ];
  for (const [points, sigma, pattern] of cases) {
    await rejectsWith(() => gmm.score(points, sigma), 'INVALID_ARGUMENT', pattern);
  }
  assert.equal((await gmm.score([[0, 0]], 1)).length, 2);
  gmm.dispose();
});

test('bad sampling options are refused, then sampling works', async () => {
  const gmm = await gaussianMixture(MIXTURE);
  const cases = [
    [{ n: 0 }, /n must be a positive integer/],
    [{ n: -5 }, /n must be a positive integer/],
    [{ n: 2.5 }, /n must be a positive integer/],
    [{ n: '10' }, /n must be a positive integer.*string/],
    [{ n: undefined }, /n must be a positive integer/],
    [{ sampler: 'euler' }, /sampler must be one of 'langevin', 'annealed-langevin'/],
    [{ stepz: 1 }, /unknown option 'stepz' for sample\(\)/],
    [{ steps: 10 }, /unknown option 'steps' for sampler 'annealed-langevin'/],
    [{ sampler: 'langevin', steps: 10, stepsPerLevel: 10, sigmas: undefined }, /unknown option 'stepsPerLevel'/],
    [{ sigmas: [] }, /sigmas must be a non-empty array/],
    [{ sigmas: [1, 2, 3] }, /strictly decreasing/],
    [{ sigmas: [3, NaN, 1] }, /sigmas\[1\] must be a finite number/],
    [{ sigmas: [3, 2, 0] }, /sigma/],
    [{ sigmas: { max: 1, min: 2, levels: 3 } }, /needs finite 0 < min < max/],
    [{ sigmas: { max: 10, min: 1 } }, /sigmas.levels must be a positive integer/],
    [{ sigmas: undefined }, /sigmas is required/],
    [{ stepSize: NaN }, /stepSize must be a finite number/],
    [{ stepSize: -0.1 }, /stepSize must be > 0/],
    [{ stepSize: undefined }, /stepSize is required/],
    [{ stepsPerLevel: 0 }, /stepsPerLevel must be a positive integer/],
    [{ seed: -1 }, /seed must be a non-negative safe integer/],
    [{ seed: 1.5 }, /seed must be a non-negative safe integer/],
    [{ seed: 2 ** 53 }, /seed must be a non-negative safe integer/],
    [{ init: 'uniform' }, /init must be 'gaussian', \{ uniform: \[lo, hi\] \}/],
    [{ init: { uniform: [1] } }, /init must be/],
    [{ init: { uniform: [1, -1] } }, /uniform start needs finite lo < hi/],
    [{ init: new Float32Array(99) }, /init must hold n × 2 values/],
    [{ init: new Float32Array(98) }, /init must hold n = 50 points of 2 values, got 49 points/],
    [{ init: new Float32Array(100).fill(Infinity) }, /init must be finite/],
    [{ threads: 0 }, /threads must be a positive integer/],
    [{ onProgress: 'yes' }, /onProgress must be a function/],
    [{ signal: {} }, /signal must be an AbortSignal/],
    [{ denoise: 'yes' }, /denoise must be true or false/],
  ];
  for (const [change, pattern] of cases) {
    await rejectsWith(() => gmm.sample({ ...VALID_SAMPLE, ...change }), 'INVALID_ARGUMENT', pattern);
  }
  await rejectsWith(() => gmm.sample(), 'INVALID_ARGUMENT', /n must be a positive integer/);
  await rejectsWith(() => gmm.sample(7), 'INVALID_ARGUMENT', /sample\(\) options must be an object/);
  const x = await gmm.sample(VALID_SAMPLE);
  assert.equal(x.length, 100);
  assert.ok(x.every(Number.isFinite));
  gmm.dispose();
});

// Rebuilds a model file with its JSON header (and data) changed by `edit`.
function editedFile(bytes, edit) {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const data = bytes.subarray(8 + length);
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('truncated and hostile model files are refused with INVALID_MODEL, then a valid one loads', async () => {
  const { bytes } = tinyNcsnMlp();
  const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
  for (const size of [0, 1, 7, 8, 9, headerEnd >> 1, headerEnd - 1, headerEnd, headerEnd + 3,
    (headerEnd + bytes.length) >> 1, bytes.length - 1]) {
    await rejectsWith(() => loadModel(bytes.subarray(0, size)), 'INVALID_MODEL', /./);
  }
  const hugeHeader = bytes.slice();
  new DataView(hugeHeader.buffer).setBigUint64(0, 2n ** 62n, true);
  await rejectsWith(() => loadModel(hugeHeader), 'INVALID_MODEL', /header length/);
  const hostile = [
    [(h) => { h['layers.0.bias'].dtype = 'I32'; }, /dtype/],
    [(h) => { h['layers.0.bias'].dtype = 'F64'; }, /dtype/],
    [(h) => { h['layers.0.bias'].data_offsets = [0, 2 ** 40]; }, /data_offsets/],
    [(h) => { h['layers.0.bias'].data_offsets[1] += 4; }, /./],
    [(h) => { h['layers.0.bias'].shape = [1e12]; }, /./],
    [(h) => { delete h['layers.1.weight']; }, /./],
    [(h) => { delete h.__metadata__.format; }, /format/],
    [(h) => { h.__metadata__.architecture = 'transformer'; }, /unknown model architecture/],
    [(h) => { h.__metadata__.config = '{"dim": 2,'; }, /config/],
    [(h) => { h.__metadata__.config = JSON.stringify({ ...JSON.parse(h.__metadata__.config), sigmas: [1, 2] }); },
      /strictly decreasing/],
  ];
  for (const [edit, pattern] of hostile) await rejectsWith(() => loadModel(editedFile(bytes, edit)), 'INVALID_MODEL', pattern);
  const nonFinite = tinyNcsnMlp();
  nonFinite.tensors['layers.0.bias'].data[3] = NaN;
  const nanFile = writeSafetensors(nonFinite.tensors, { format: 'score-wasm', architecture: 'ncsn-mlp',
    config: JSON.stringify(nonFinite.config) });
  await rejectsWith(() => loadModel(nanFile), 'INVALID_MODEL', /non-finite/);
  const m = await loadModel(bytes);
  assert.equal(m.dim, 2);
  m.dispose();
});

test('a missing model file is an IO_ERROR; a value that is no model source is an INVALID_ARGUMENT', async () => {
  const missing = path.join(tmpdir(), 'score-wasm-no-such-dir', 'model.safetensors');
  await rejectsWith(() => loadModel(missing), 'IO_ERROR', /could not read the model file .*no-such-dir/);
  await rejectsWith(() => loadModel(pathToFileURL(missing)), 'IO_ERROR', /ENOENT/);
  await rejectsWith(() => loadModel(42), 'INVALID_ARGUMENT', /loadModel\(\) expects a URL/);
  await rejectsWith(() => loadModel({ bytes: [] }), 'INVALID_ARGUMENT', /loadModel\(\) expects/);
});

test('calls on a disposed model reject with DISPOSED; dispose is idempotent', async () => {
  const gmm = await gaussianMixture(MIXTURE);
  gmm.dispose();
  gmm.dispose();
  await rejectsWith(() => gmm.score([[0, 0]], 1), 'DISPOSED', /disposed/);
  await rejectsWith(() => gmm.sample(VALID_SAMPLE), 'DISPOSED', /disposed/);
  const other = await gaussianMixture(MIXTURE);
  other[Symbol.dispose]();
  await rejectsWith(() => other.score([[0, 0]]), 'DISPOSED', /disposed/);
});

test('disposing a model during sampling ends the run with DISPOSED', async () => {
  const gmm = await gaussianMixture(MIXTURE);
  const run = gmm.sample({ ...VALID_SAMPLE, n: 20000, stepsPerLevel: 10000 });
  setTimeout(() => gmm.dispose(), 50);
  await rejectsWith(() => run, 'DISPOSED', /disposed during sampling/);
});

test('init() checks its options and refuses other options once started', async () => {
  await rejectsWith(() => init({ threads: 0 }), 'INVALID_ARGUMENT', /threads must be a positive integer/);
  await rejectsWith(() => init({ wasmPth: '/x' }), 'INVALID_ARGUMENT', /unknown option 'wasmPth' for init\(\)/);
  await gaussianMixture(MIXTURE);  // starts the backend with defaults
  await rejectsWith(() => init({ threads: 1 }), 'INVALID_ARGUMENT', /call shutdown\(\) first/);
  assert.equal((await init()).environment, 'node');
});

test('after shutdown() old models are DISPOSED and new ones work', async () => {
  const gmm = await gaussianMixture(MIXTURE);
  await shutdown();
  await rejectsWith(() => gmm.score([[0, 0]], 1), 'DISPOSED', /shut down/);
  const fresh = await gaussianMixture(MIXTURE);
  assert.equal((await fresh.score([[0, 0]], 1)).length, 2);
});
