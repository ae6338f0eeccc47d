// Hand-made hostile input: thread counts and schedules that would exhaust the machine, sparse
// arrays, and numbers that float32 cannot hold. Each is refused with INVALID_ARGUMENT naming the
// option (and the index) before anything large is allocated or started, and the next call works.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianMixture, geometricSigmas, init, shutdown } from 'score-wasm';
import { MIXTURE, rejectsWith, throwsWith } from './helpers.mjs';

after(() => shutdown());

const VALID_SAMPLE = { n: 50, sigmas: [3, 2, 1], stepsPerLevel: 5, stepSize: 0.1, seed: 1 };

async function scoreWorks(gmm) {
  const s = await gmm.score([[0, 0]], 1);
  assert.equal(s.length, 2);
  assert.ok(s.every(Number.isFinite));
}

test('init() refuses more than 64 threads, and 64 start and sample', async () => {
  await shutdown();
  // 65 first: without the limit it starts in seconds, where 2^31 − 1 would never return.
  for (const threads of [65, 200, 2 ** 31 - 1]) {
    await rejectsWith(() => init({ threads }), 'INVALID_ARGUMENT', new RegExp(`threads must be at most 64 .*got ${threads}`));
  }
  assert.equal((await init({ threads: 64 })).threads, 64);
  const gmm = await gaussianMixture(MIXTURE);
  assert.equal((await gmm.sample({ ...VALID_SAMPLE, n: 2000 })).length, 4000);
  await rejectsWith(() => gmm.sample({ ...VALID_SAMPLE, threads: 65 }), 'INVALID_ARGUMENT',
    /threads must be at most 64 .*got 65/);
  assert.equal((await gmm.sample({ ...VALID_SAMPLE, threads: 64 })).length, 100);
  await shutdown();
});

test('schedules beyond 2^20 levels or 2^30 − 1 steps are refused before any list is built', async () => {
  // 2^20 + 1 first: without the limit it returns a list, where 2^31 − 1 would exhaust the heap.
  throwsWith(() => geometricSigmas({ max: 10, min: 1, levels: 2 ** 20 + 1 }), 'INVALID_ARGUMENT',
    /sigmas.levels must be at most 1048576 .*got 1048577/);
  throwsWith(() => geometricSigmas({ max: 10, min: 1, levels: 2 ** 31 - 1 }), 'INVALID_ARGUMENT',
    /sigmas.levels must be at most 1048576/);
  const levels = geometricSigmas({ max: 10, min: 1, levels: 2 ** 20 });
  assert.equal(levels.length, 2 ** 20);
  assert.equal(levels[0], 10);
  assert.ok(Math.abs(levels.at(-1) - 1) < 1e-12, `last level ${levels.at(-1)}`);

  const gmm = await gaussianMixture(MIXTURE);
  const cases = [
    [{ sigmas: { max: 10, min: 1, levels: 2 ** 31 - 1 } }, /sigmas.levels must be at most 1048576/],
    [{ sigmas: new Float64Array(2 ** 20 + 1).map((_, i) => 2 ** 20 + 1 - i) }, /sigmas.length must be at most 1048576 .*got 1048577/],
    [{ sigmas: new Array(2 ** 32 - 1) }, /sigmas.length must be at most 1048576/],
    [{ stepsPerLevel: 2 ** 31 - 1 }, /levels × stepsPerLevel must be at most 1073741823, got 3 × 2147483647/],
    [{ sigmas: { max: 10, min: 1, levels: 2 ** 20 }, stepsPerLevel: 1024 },
      /levels × stepsPerLevel must be at most 1073741823, got 1048576 × 1024 = 1073741824/],
    [{ sampler: 'langevin', sigmas: undefined, stepsPerLevel: undefined, steps: 2 ** 30 },
      /steps must be at most 1073741823, got 1073741824/],
  ];
  for (const [change, pattern] of cases) {
    await rejectsWith(() => gmm.sample({ ...VALID_SAMPLE, ...change }), 'INVALID_ARGUMENT', pattern);
  }
  assert.equal((await gmm.sample(VALID_SAMPLE)).length, 100);
  gmm.dispose();
});

test('sparse arrays are refused, naming the empty slot, instead of being read as zeros', async () => {
  const gmm = await gaussianMixture(MIXTURE);
  const scoreCases = [
    [new Array(3), /points\[0\] is an empty slot of a sparse array/],
    [[[1, 2], , ], /points\[1\] is an empty slot of a sparse array/],  // eslint-disable-line no-sparse-arrays
    [[[1, 2], [3, , ]], /points\[1\]\[1\] is an empty slot of a sparse array/],  // eslint-disable-line no-sparse-arrays
    [new Array(2 ** 32 - 1), /points\[0\] is an empty slot/],  // refused before allocating n × dim floats
  ];
  for (const [points, pattern] of scoreCases) {
    await rejectsWith(() => gmm.score(points, 1), 'INVALID_ARGUMENT', pattern);
  }
  /* eslint-disable no-sparse-arrays */
  const sampleCases = [
    [{ sigmas: [3, , 1] }, /sigmas\[1\] is an empty slot of a sparse array/],
    [{ sigmas: new Array(3) }, /sigmas\[0\] is an empty slot/],
    [{ n: 2, init: [[0, 0], , ] }, /init\[1\] is an empty slot/],
    [{ init: { uniform: [, 1] } }, /init.uniform\[0\] is an empty slot/],
  ];
  const mixtureCases = [
    [{ ...MIXTURE, weights: [0.2, , ] }, /weights\[1\] is an empty slot/],
    [{ ...MIXTURE, means: [, [5, 5]] }, /means\[0\] is an empty slot/],
    [{ ...MIXTURE, means: [[-5, -5], [5, , ]] }, /means\[1\]\[1\] is an empty slot/],
    [{ ...MIXTURE, stds: new Array(2) }, /stds\[0\] is an empty slot/],
  ];
  /* eslint-enable no-sparse-arrays */
  for (const [change, pattern] of sampleCases) {
    await rejectsWith(() => gmm.sample({ ...VALID_SAMPLE, ...change }), 'INVALID_ARGUMENT', pattern);
  }
  for (const [spec, pattern] of mixtureCases) {
    await rejectsWith(() => gaussianMixture(spec), 'INVALID_ARGUMENT', pattern);
  }
  await scoreWorks(gmm);
  assert.equal((await gmm.sample(VALID_SAMPLE)).length, 100);
  gmm.dispose();
});

test('finite numbers beyond the float32 range are refused instead of becoming ±Infinity', async () => {
  const gmm = await gaussianMixture(MIXTURE);
  const range = 'beyond the float32 range \\(largest magnitude 3.4028234663852886e\\+38\\)';
  await rejectsWith(() => gmm.score([[1e39, 0]], 1), 'INVALID_ARGUMENT', new RegExp(`points\\[0\\]\\[0\\] is 1e\\+39, ${range}`));
  await rejectsWith(() => gmm.score(new Float64Array([0, 0, 0, -1e39]), 1), 'INVALID_ARGUMENT',
    new RegExp(`points value 3 \\(row 1\\) is -1e\\+39, ${range}`));
  await rejectsWith(() => gmm.score([[0, 0]], 1e39), 'INVALID_ARGUMENT', new RegExp(`sigma is 1e\\+39, ${range}`));
  const sampleCases = [
    [{ stepSize: 1e39 }, /stepSize is 1e\+39, beyond the float32 range/],
    [{ sigmas: [1e39, 2, 1] }, /sigmas\[0\] is 1e\+39, beyond the float32 range/],
    [{ sigmas: { max: 1e39, min: 1, levels: 3 } }, /sigmas.max is 1e\+39, beyond the float32 range/],
    [{ init: { uniform: [-1e39, 1] } }, /init.uniform\[0\] is -1e\+39, beyond the float32 range/],
    [{ n: 1, init: [[0, 4e38]] }, /init\[0\]\[1\] is 4e\+38, beyond the float32 range/],
    [{ sampler: 'langevin', sigmas: undefined, stepsPerLevel: undefined, steps: 5, sigma: -1e39 },
      /sigma is -1e\+39, beyond the float32 range/],
  ];
  for (const [change, pattern] of sampleCases) {
    await rejectsWith(() => gmm.sample({ ...VALID_SAMPLE, ...change }), 'INVALID_ARGUMENT', pattern);
  }
  const mixtureCases = [
    [{ ...MIXTURE, weights: [0.2, 1e39] }, /weights\[1\] is 1e\+39, beyond the float32 range/],
    [{ ...MIXTURE, means: [[-5, -5], [5, 1e39]] }, /means\[1\]\[1\] is 1e\+39, beyond the float32 range/],
    [{ ...MIXTURE, stds: [1e39, 1] }, /stds\[0\] is 1e\+39, beyond the float32 range/],
  ];
  for (const [spec, pattern] of mixtureCases) {
    await rejectsWith(() => gaussianMixture(spec), 'INVALID_ARGUMENT', pattern);
  }
  // The largest float32 written with 8 digits rounds down to it, so it is not refused.
  assert.equal(geometricSigmas({ max: 3.4028235e38, min: 1, levels: 2 })[0], 3.4028235e38);
  await scoreWorks(gmm);
  gmm.dispose();
});

test('σ, step sizes and stds that float32 would flush to 0 or a subnormal are refused', async () => {
  const gmm = await gaussianMixture(MIXTURE);
  const tiny = (name, value) => new RegExp(`${name} is ${value}, too small for a float32, which would make it 0 ` +
    'or a subnormal; its magnitude must be at least 1.1754943508222875e-38');
  for (const sigma of [1e-46, -1e-46, 1e-39]) {
    await rejectsWith(() => gmm.score([[0, 0]], sigma), 'INVALID_ARGUMENT', tiny('sigma', sigma));
  }
  const sampleCases = [
    [{ stepSize: 1e-46 }, tiny('stepSize', 1e-46)],
    [{ stepSize: 1e-40 }, tiny('stepSize', 1e-40)],
    [{ sigmas: [3, 2, 1e-40] }, tiny('sigmas\\[2\\]', 1e-40)],
    [{ sigmas: { max: 1, min: 1e-46, levels: 3 } }, tiny('sigmas.min', 1e-46)],
    [{ sampler: 'langevin', sigmas: undefined, stepsPerLevel: undefined, steps: 5, sigma: 1e-46 }, tiny('sigma', 1e-46)],
  ];
  for (const [change, pattern] of sampleCases) {
    await rejectsWith(() => gmm.sample({ ...VALID_SAMPLE, ...change }), 'INVALID_ARGUMENT', pattern);
  }
  await rejectsWith(() => gaussianMixture({ ...MIXTURE, stds: [1, 1e-40] }), 'INVALID_ARGUMENT', tiny('stds\\[1\\]', 1e-40));
  // σ = 0 (the mixture's exact data score) and the smallest normal float32 stay allowed.
  assert.equal((await gmm.score([[0, 0]], 0)).length, 2);
  assert.equal((await gmm.score([[0, 0]], 1.1754943508222875e-38)).length, 2);
  await scoreWorks(gmm);
  assert.equal((await gmm.sample(VALID_SAMPLE)).length, 100);
  gmm.dispose();
});
