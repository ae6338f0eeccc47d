// init({ threads: 1 }) loads the single-threaded build (the one pages without cross-origin
// isolation get), and it samples exactly what the threads build samples.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { backendInfo, gaussianMixture, init, shutdown } from 'score-wasm';
import { MIXTURE, mixtureScore } from './helpers.mjs';

after(() => shutdown());

const OPTIONS = { n: 20000, sigmas: { max: 20, min: 1, levels: 4 }, stepsPerLevel: 25, stepSize: 0.1, seed: 11,
  denoise: true };

async function sampleWith(threads) {
  await shutdown();
  assert.equal((await init({ threads })).threads, threads);
  const gmm = await gaussianMixture(MIXTURE);
  const x = await gmm.sample(OPTIONS);
  const s = await gmm.score([[1, -2], [30, 40]], 0.5);
  gmm.dispose();
  return { x, s, info: await backendInfo() };
}

test('the single-threaded build and the threads build give bit-identical samples', async () => {
  const single = await sampleWith(1);
  assert.deepEqual(single.info, { flavour: 'simd', threads: 1, crossOriginIsolated: false, environment: 'node' });
  const threaded = await sampleWith(2);
  assert.equal(threaded.info.flavour, 'simd-threads');
  assert.deepEqual(new Uint32Array(single.x.buffer), new Uint32Array(threaded.x.buffer));
  assert.deepEqual(single.s, threaded.s);
  const expected = mixtureScore(MIXTURE, [[1, -2], [30, 40]], 0.5).flat();
  expected.forEach((e, i) => assert.ok(Math.abs(single.s[i] - e) <= 1e-5 * Math.abs(e)));
});

test('the single-threaded build grows its memory for a large run', async () => {
  await shutdown();
  await init({ threads: 1 });
  const gmm = await gaussianMixture(MIXTURE);
  const x = await gmm.sample({ ...OPTIONS, n: 2_000_000, sigmas: [2, 1], stepsPerLevel: 1 });
  assert.equal(x.length, 4_000_000);
  assert.ok(x.every(Number.isFinite));
  gmm.dispose();
});
