// trainModel(): a score network trained in the worker on points from a known two-cluster mixture
// samples that mixture; progress, Stop (stopSignal) and abort (signal) behave as documented; the
// same seed gives the same model file with one thread and with two; bad input is INVALID_ARGUMENT
// and leaves the package usable.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { init, loadModel, shutdown, trainModel } from 'score-wasm';
import { pseudoRandom, rejectsWith } from './helpers.mjs';

await init({ threads: 2 });
after(shutdown);

// 30 % of the points around (−2, 0), 70 % around (2, 0), each N(centre, 0.3² I).
const WEIGHT = 0.3, STD = 0.3;
function clusters(n, seed) {
  const u = Array.from(pseudoRandom(seed, 3 * n), (v) => (v + 1) / 2);
  return Array.from({ length: n }, (_, i) => {
    const r = STD * Math.sqrt(-2 * Math.log(Math.max(u[3 * i + 1], 2 ** -32))), a = 2 * Math.PI * u[3 * i + 2];
    return [(u[3 * i] < WEIGHT ? -2 : 2) + r * Math.cos(a), r * Math.sin(a)];
  });
}
const POINTS = clusters(1000, 3);
const OPTIONS = { steps: 4000, hidden: [64, 64], sigmaMin: 0.05, seed: 1 };
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

test('a trained network samples the clusters it was trained on, with the file\'s own settings', async () => {
  const reports = [];
  const { model, bytes, steps, stopped } = await trainModel(POINTS, { ...OPTIONS, progressEvery: 500,
    onProgress: (p) => reports.push(p) });
  assert.deepEqual([steps, stopped], [4000, false]);
  assert.deepEqual(reports.map((r) => r.step), [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000]);
  assert.ok(reports.every((r) => r.totalSteps === 4000 && r.fraction === r.step / 4000 && Number.isFinite(r.loss)));
  assert.ok(reports.at(-1).loss < 0.9 * reports[0].loss, `the loss went from ${reports[0].loss} to ${reports.at(-1).loss}`);
  assert.equal(model.architecture, 'ncsn-mlp');
  assert.deepEqual(model.config.hidden, [64, 64]);
  assert.equal(model.config.sigmas.at(-1), Math.fround(0.05));
  assert.equal(model.config.sampling.sampler, 'annealed-langevin');

  const n = 4000;
  const x = await model.sample({ n, seed: 2 });
  let left = 0, spread = 0;
  for (let i = 0; i < n; ++i) {
    left += x[2 * i] < 0;
    spread += (x[2 * i] - (x[2 * i] < 0 ? -2 : 2)) ** 2 + x[2 * i + 1] ** 2;
  }
  // The sampling error of the weight is 0.007 at n = 4000; a small network after 4000 steps is
  // measured within 0.03 of the truth, so the bound leaves room for training and annealing (which
  // run from 100 steps per level) but not for a lost or merged mode.
  assert.ok(Math.abs(left / n - WEIGHT) < 0.06, `left cluster's weight ${left / n}`);
  // Per-axis spread: the data's 0.3, plus the last level's σ = 0.05 and what training leaves.
  const std = Math.sqrt(spread / (2 * n));
  assert.ok(std > 0.25 && std < 0.42, `per-axis spread ${std}`);

  // The bytes are the model: loading them again gives the same scores.
  const again = await loadModel(bytes);
  const probe = [[-2, 0.1], [0, 0], [1.7, -0.4]];
  assert.deepEqual(await again.score(probe, 0.2), await model.score(probe, 0.2));
  again.dispose();
  model.dispose();
});

test('the same seed gives the same model file with one thread as with two', async () => {
  const { model, bytes } = await trainModel(POINTS, { ...OPTIONS, steps: 300 });
  model.dispose();
  const script = `
    import { init, shutdown, trainModel } from 'score-wasm';
    import { createHash } from 'node:crypto';
    await init({ threads: 1 });
    const { points, options } = JSON.parse(process.argv[1]);
    const { bytes } = await trainModel(points, options);
    console.log(createHash('sha256').update(bytes).digest('hex'));
    await shutdown();`;
  const { stdout } = await promisify(execFile)(process.execPath,
    ['--input-type=module', '-e', script, JSON.stringify({ points: POINTS, options: { ...OPTIONS, steps: 300 } })]);
  assert.equal(stdout.trim(), sha256(bytes));
  const other = await trainModel(POINTS, { ...OPTIONS, steps: 300, seed: 2 });
  assert.notEqual(sha256(other.bytes), sha256(bytes));
  other.model.dispose();
});

test('stopSignal ends training early and keeps the network; signal aborts it', async () => {
  const stop = new AbortController();
  const reports = [];
  const stopped = await trainModel(POINTS, { ...OPTIONS, steps: 1_000_000, progressEvery: 50, stopSignal: stop.signal,
    onProgress: (p) => {
      reports.push(p);
      if (p.step >= 200) stop.abort();
    } });
  assert.equal(stopped.stopped, true);
  assert.ok(stopped.steps >= 200 && stopped.steps < 1000, `stopped after ${stopped.steps} steps`);
  assert.equal(stopped.steps, reports.at(-1).step);
  assert.equal((await stopped.model.sample({ n: 10, seed: 1 })).length, 20);
  stopped.model.dispose();

  const abort = new AbortController();
  const aborted = trainModel(POINTS, { ...OPTIONS, steps: 1_000_000, signal: abort.signal,
    onProgress: (p) => p.step > 100 && abort.abort() });
  await rejectsWith(() => aborted, 'ABORTED', /aborted/);
  await rejectsWith(() => trainModel(POINTS, { signal: AbortSignal.abort() }), 'ABORTED', /aborted/);
});

test('bad points and options are INVALID_ARGUMENT, and the package keeps working', async () => {
  const cases = [
    [[[1, 2]], {}, /2 to 1048576 points/],
    [[[0, 0], [1, NaN]], {}, /points\[1\]\[1\]|not finite|NaN/],
    [new Float32Array(10), {}, /points must be an array of points/],
    [[[1, 1], [1, 1], [1, 1]], {}, /sigma_min|sigma/],  // no spread to choose the noise levels from
    [POINTS, { hidden: [64, 0] }, /hidden\[1\]/],
    [POINTS, { hidden: [2048] }, /hidden\[0\] must be at most 1024/],
    [POINTS, { batchSize: 5000 }, /batchSize must be at most 4096/],
    [POINTS, { lr: 0 }, /lr must be > 0/],
    [POINTS, { emaDecay: 1.5 }, /ema_decay/],
    [POINTS, { sigmaMin: 100 }, /sigma/],
    [POINTS, { steps: -1 }, /steps must be a positive integer/],
    [POINTS, { epochs: 3 }, /unknown option 'epochs'/],
    [POINTS, { stopSignal: 'stop' }, /stopSignal must be an AbortSignal/],
  ];
  for (const [points, options, pattern] of cases) {
    await rejectsWith(() => trainModel(points, options), 'INVALID_ARGUMENT', pattern);
  }
  const { model } = await trainModel(POINTS, { ...OPTIONS, steps: 10 });
  model.dispose();
});
