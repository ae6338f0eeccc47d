// loadModel() with an ncsn-mlp model file written here in JavaScript: every way of passing it, the
// score against a forward pass computed here, and sampling with the file's own defaults.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gaussianMixture, loadModel, shutdown } from 'score-wasm';
import { ncsnMlpScore, tinyNcsnMlp } from './helpers.mjs';

const sampling = { sampler: 'annealed-langevin', steps_per_level: 10, step_size: 0.01, denoise: true };
const net = tinyNcsnMlp({ sampling });
const dir = mkdtempSync(path.join(tmpdir(), 'score-wasm-test-'));
const file = path.join(dir, 'tiny.safetensors');
writeFileSync(file, net.bytes);
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await shutdown();
});

const POINTS = [[0, 0], [1.5, -2], [-3, 0.25], [10, 10], [-0.5, 4]];

// Float32 arithmetic and SIMD exp: 1e-4 of the row's largest value.
function assertMatchesNetwork(actual, expected, label) {
  expected.forEach((row, i) => {
    const scale = Math.max(...row.map(Math.abs));
    row.forEach((e, j) => {
      const a = actual[i * 2 + j];
      assert.ok(Math.abs(a - e) <= 1e-4 * scale + 1e-6, `${label}: score[${i}][${j}] = ${a}, expected ${e}`);
    });
  });
}

for (const [how, source] of [
  ['a Uint8Array', () => net.bytes],
  ['an ArrayBuffer', () => net.bytes.slice().buffer],
  ['a file path', () => file],
  ['a file: URL object', () => pathToFileURL(file)],
  ['a file: URL string', () => pathToFileURL(file).href],
]) {
  test(`loadModel() from ${how}`, async () => {
    const m = await loadModel(source());
    assert.equal(m.architecture, 'ncsn-mlp');
    assert.equal(m.dim, 2);
    assert.deepEqual(m.config, net.config);
    assert.deepEqual(m.dataShape, [2]);
    assert.ok(m.minSigma > 0);
    m.dispose();
  });
}

test('the network\'s score equals a forward pass computed in JavaScript', async () => {
  const m = await loadModel(net.bytes);
  for (const sigma of [4, 1, 0.5, 0.05]) {
    assertMatchesNetwork(await m.score(POINTS, sigma), ncsnMlpScore(net, POINTS, sigma), `σ = ${sigma}`);
  }
  // Without σ: the smallest trained level.
  assertMatchesNetwork(await m.score(POINTS), ncsnMlpScore(net, POINTS, 0.5), 'default σ');
  m.dispose();
});

test('sample({ n }) uses the file\'s sigmas and sampling defaults', async () => {
  const m = await loadModel(file);
  const reports = [];
  const x = await m.sample({ n: 64, seed: 3, onProgress: (p) => reports.push(p) });
  assert.equal(x.length, 128);
  assert.ok(x.every(Number.isFinite));
  const last = reports.at(-1);
  // 4 trained levels × 10 steps, plus the final denoising step.
  assert.deepEqual([last.totalSteps, last.levels], [4 * 10 + 1, 4]);
  const same = await m.sample({ n: 64, seed: 3, sigmas: net.config.sigmas, stepsPerLevel: 10, stepSize: 0.01,
    denoise: true });
  assert.deepEqual(same, x);
  m.dispose();
});

test('a model\'s config is read-only', async () => {
  const m = await loadModel(net.bytes);
  assert.throws(() => { m.config.sigmas[0] = 1; }, TypeError);
  assert.throws(() => { m.dim = 3; }, TypeError);
  assert.throws(() => { m.dataShape[0] = 3; }, TypeError);
  m.dispose();
});

test('dataShape is the config\'s data_shape, or [dim] without one', async () => {
  for (const [dataShape, expected] of [[[2, 3], [2, 3]], [[6], [6]], [null, [6]]]) {
    const m = await loadModel(tinyNcsnMlp({ dim: 6, dataShape }).bytes);
    assert.deepEqual(m.dataShape, expected, `data_shape ${JSON.stringify(dataShape)}`);
    m.dispose();
  }
  const gmm = await gaussianMixture({ weights: [1], means: [[0, 0, 0]], stds: [1] });
  assert.deepEqual(gmm.dataShape, [3]);
  gmm.dispose();
});
