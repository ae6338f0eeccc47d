// Same seed ⇒ bit-identical samples, whatever the number of threads; other seeds differ.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { backendInfo, gaussianMixture, init, shutdown } from 'score-wasm';
import { MIXTURE } from './helpers.mjs';

await init({ threads: 2 });
const gmm = await gaussianMixture(MIXTURE);
after(() => shutdown());

const options = { n: 3001, sigmas: { max: 20, min: 1, levels: 5 }, stepsPerLevel: 20, stepSize: 0.1, seed: 42 };

test('the backend has two threads', async () => {
  assert.deepEqual(await backendInfo(), { flavour: 'simd-threads', threads: 2, crossOriginIsolated: false,
    environment: 'node' });
});

for (const sampler of ['annealed-langevin', 'langevin']) {
  const run = (extra) => gmm.sample(sampler === 'langevin'
    ? { n: options.n, sampler, steps: 100, stepSize: 0.1, seed: 42, init: { uniform: [-8, 8] }, ...extra }
    : { ...options, denoise: true, ...extra });

  test(`${sampler}: one thread and two threads give bit-identical samples`, async () => {
    const one = await run({ threads: 1 });
    const two = await run({ threads: 2 });
    assert.deepEqual(new Uint32Array(two.buffer), new Uint32Array(one.buffer));
  });

  test(`${sampler}: the same call twice gives the same samples; another seed does not`, async () => {
    const first = await run({});
    const again = await run({});
    const other = await run({ seed: 43 });
    assert.deepEqual(new Uint32Array(again.buffer), new Uint32Array(first.buffer));
    const differing = first.filter((v, i) => v !== other[i]).length;
    assert.ok(differing > first.length * 0.99, `only ${differing} of ${first.length} values differ`);
  });
}

test('seeds above 2^32 are used in full', async () => {
  const a = await gmm.sample({ ...options, seed: 2 ** 40 + 5 });
  const b = await gmm.sample({ ...options, seed: 5 });
  assert.notDeepEqual(new Uint32Array(a.buffer), new Uint32Array(b.buffer));
});

test('a run large enough to grow the shared memory returns every sample', async () => {
  const x = await gmm.sample({ ...options, n: 2_000_000, sigmas: [2, 1], stepsPerLevel: 1 });
  assert.equal(x.length, 4_000_000);
  assert.ok(x.every(Number.isFinite));
  const again = await gmm.sample({ ...options, n: 2_000_000, sigmas: [2, 1], stepsPerLevel: 1, threads: 1 });
  assert.deepEqual(new Uint32Array(again.buffer), new Uint32Array(x.buffer));
});
