// The core owns the sampling rules (sw::ResolveSamplerOptions): sample() forwards the options, and
// the JavaScript geometricSigmas() convenience must agree with the schedule the core builds.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianMixture, geometricSigmas, loadModel, shutdown } from 'score-wasm';
import { MIXTURE } from './helpers.mjs';

after(() => shutdown());
const bits = (samples) => new Uint32Array(samples.buffer);

test('geometricSigmas() lists the levels the core builds from { max, min, levels }', async () => {
  const gmm = await gaussianMixture(MIXTURE);
  const common = { n: 257, stepsPerLevel: 3, stepSize: 0.1, seed: 5 };
  for (const schedule of [{ max: 20, min: 1, levels: 10 }, { max: 7.5, min: 0.5, levels: 33 },
    { max: 3, min: 3, levels: 1 }]) {
    const fromCore = await gmm.sample({ ...common, sigmas: schedule });
    const fromJs = await gmm.sample({ ...common, sigmas: geometricSigmas(schedule) });
    assert.deepEqual(bits(fromJs), bits(fromCore), JSON.stringify(schedule));
  }
  // Different levels do change the samples, so the comparison above can fail.
  const other = await gmm.sample({ ...common, sigmas: { max: 20, min: 1.01, levels: 10 } });
  const base = await gmm.sample({ ...common, sigmas: { max: 20, min: 1, levels: 10 } });
  assert.notDeepEqual(bits(other), bits(base));
  gmm.dispose();
});

test('a model file\'s settings are what sample() uses when options are left out', async () => {
  const model = await loadModel('moons');
  const { sigmas, sampling } = model.config;
  const implicit = await model.sample({ n: 64, seed: 3 });
  const explicit = await model.sample({ n: 64, seed: 3, sampler: sampling.sampler, sigmas,
    stepsPerLevel: sampling.steps_per_level, stepSize: sampling.step_size, denoise: sampling.denoise });
  assert.deepEqual(bits(implicit), bits(explicit));
  model.dispose();
});
