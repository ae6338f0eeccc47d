// The core owns the sampling rules (sw::ResolveSamplerOptions): sample() forwards the options, and
// the JavaScript geometricSigmas() convenience must agree with the schedule the core builds.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianMixture, geometricSigmas, loadModel, shutdown } from 'score-wasm';
import { MIXTURE, tinyNcsnMlp } from './helpers.mjs';

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
  // moons advises predictor-corrector with its steps, rings the ODE; a file of annealed Langevin
  // its levels, steps per level and step size.
  const annealed = tinyNcsnMlp({ sampling: { sampler: 'annealed-langevin', steps_per_level: 7, step_size: 0.01,
    denoise: true } });
  for (const [name, source] of [['moons', 'moons'], ['rings', 'rings'], ['annealed', annealed.bytes]]) {
    const model = await loadModel(source);
    const { sigmas, sampling } = model.config;
    const given = sampling.sampler === 'annealed-langevin'
      ? { sigmas, stepsPerLevel: sampling.steps_per_level, stepSize: sampling.step_size }
      : { steps: sampling.steps, sigmaMax: sigmas[0], sigmaMin: sigmas.at(-1) };
    const implicit = await model.sample({ n: 64, seed: 3 });
    const explicit = await model.sample({ n: 64, seed: 3, sampler: sampling.sampler, denoise: sampling.denoise,
      ...given });
    assert.deepEqual(bits(implicit), bits(explicit), name);
    const other = await model.sample({ n: 64, seed: 3, sampler: sampling.sampler, denoise: sampling.denoise,
      ...given, ...(given.steps ? { steps: given.steps + 1 } : { stepsPerLevel: given.stepsPerLevel + 1 }) });
    assert.notDeepEqual(bits(other), bits(implicit), `${name}: the steps make a difference`);
    model.dispose();
  }
});
