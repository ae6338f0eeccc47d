// Progress reports and cancellation of long sampling runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianMixture, ScoreWasmError, shutdown } from 'score-wasm';
import { MIXTURE } from './helpers.mjs';

const gmm = await gaussianMixture(MIXTURE);
after(() => shutdown());

const LONG_RUN = { n: 20000, sigmas: { max: 20, min: 1, levels: 10 }, stepsPerLevel: 2000, stepSize: 0.1, seed: 5 };
const isAborted = (error) => error instanceof ScoreWasmError && error.code === 'ABORTED';

test('progress comes at least once per level, never goes back, and ends at 1', async () => {
  const reports = [];
  const x = await gmm.sample({ n: 500, sigmas: { max: 20, min: 1, levels: 10 }, stepsPerLevel: 30, stepSize: 0.1,
    denoise: true, seed: 1, onProgress: (p) => reports.push(p) });
  assert.equal(x.length, 1000);
  assert.deepEqual(new Set(reports.map((p) => p.level)), new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  for (let i = 1; i < reports.length; ++i) {
    assert.ok(reports[i].fraction >= reports[i - 1].fraction);
    assert.ok(reports[i].step > reports[i - 1].step);
  }
  const last = reports.at(-1);
  assert.deepEqual(last, { step: 301, totalSteps: 301, fraction: 1, level: 9, levels: 10, evaluations: 301 });
  // Each level's last step is reported: chunks end at level boundaries.
  for (let level = 1; level <= 10; ++level) assert.ok(reports.some((p) => p.step === level * 30), `level ${level}`);
});

test('progressEvery and progressSamples give snapshots of the chains', async () => {
  const snapshots = [];
  const x = await gmm.sample({ n: 100, sampler: 'langevin', steps: 50, stepSize: 0.1, seed: 2, progressEvery: 10,
    progressSamples: true, onProgress: (p) => snapshots.push(p) });
  assert.deepEqual(snapshots.map((p) => p.step), [10, 20, 30, 40, 50]);
  assert.ok(snapshots.every((p) => p.samples instanceof Float32Array && p.samples.length === 200));
  assert.deepEqual(snapshots.at(-1).samples, x);
  assert.notDeepEqual(snapshots[0].samples, x);
});

test('aborting mid-run rejects with ABORTED quickly, and the model still works', async () => {
  const controller = new AbortController();
  let reports = 0;
  const started = performance.now();
  const run = gmm.sample({ ...LONG_RUN, signal: controller.signal, onProgress: () => {
    if (++reports === 3) controller.abort();
  } });
  await assert.rejects(run, isAborted);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 5000, `aborting took ${elapsed} ms`);
  // The worker stopped the run too: otherwise this call would wait for minutes of sampling.
  const x = await gmm.sample({ n: 10, sigmas: [2, 1], stepsPerLevel: 3, stepSize: 0.1, seed: 1 });
  assert.equal(x.length, 20);
  assert.ok(performance.now() - started < 5000);
});

test('AbortSignal.timeout() cancels a long run', async () => {
  await assert.rejects(gmm.sample({ ...LONG_RUN, signal: AbortSignal.timeout(100) }), (error) =>
    isAborted(error) && error.cause?.name === 'TimeoutError');
});

test('an already-aborted signal rejects at once, without sampling', async () => {
  const signal = AbortSignal.abort('not needed');
  const reports = [];
  await assert.rejects(gmm.sample({ ...LONG_RUN, signal, onProgress: (p) => reports.push(p) }), (error) =>
    isAborted(error) && error.cause === 'not needed');
  assert.equal(reports.length, 0);
});

test('an onProgress callback that throws ends the run with its error', async () => {
  const oops = new Error('callback failed');
  await assert.rejects(gmm.sample({ ...LONG_RUN, onProgress: () => { throw oops; } }), (error) => error === oops);
  assert.equal((await gmm.score([[0, 0]], 1)).length, 2);
});

test('two runs at once both finish, each with its own progress', async () => {
  const a = [];
  const b = [];
  const options = { n: 300, sigmas: [5, 2, 1], stepsPerLevel: 40, stepSize: 0.1 };
  const [x, y] = await Promise.all([
    gmm.sample({ ...options, seed: 1, onProgress: (p) => a.push(p.fraction) }),
    gmm.sample({ ...options, seed: 1, onProgress: (p) => b.push(p.fraction) }),
  ]);
  assert.deepEqual(x, y);
  assert.equal(a.at(-1), 1);
  assert.equal(b.at(-1), 1);
});
