// NCSN (Song & Ermon 2019) Figure 3 with the exact mixture score: annealed Langevin recovers the
// 1:4 mode weights, plain Langevin from a uniform start does not.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianMixture, shutdown } from 'score-wasm';
import { MIXTURE, modeMoments, modeWeights } from './helpers.mjs';

const N = 10000;
const SE = Math.sqrt(0.2 * 0.8 / N);  // standard error of the small mode's weight
// Annealed Langevin with T = 100 steps per level does not fully equilibrate between the modes while
// they separate: its small-mode weight is ≈ 0.216, not 0.2 (8 seeds through this package, and an
// independent float64 JavaScript run of Algorithm 1; T = 400 gives ≈ 0.205). Allow that bias.
const ANNEALING_BIAS = 0.02;

const gmm = await gaussianMixture(MIXTURE);
after(() => shutdown());

test('annealed Langevin recovers the mode weights and each mode\'s mean and variance', async () => {
  const x = await gmm.sample({ n: N, sampler: 'annealed-langevin', sigmas: { max: 20, min: 1, levels: 10 },
    stepsPerLevel: 100, stepSize: 0.1, seed: 7 });
  assert.equal(x.length, N * 2);
  const [small, large] = modeWeights(x, MIXTURE.means);
  assert.ok(Math.abs(small - 0.2) <= 5 * SE + ANNEALING_BIAS, `small-mode weight ${small}`);
  assert.ok(Math.abs(large - 0.8) <= 5 * SE + ANNEALING_BIAS, `large-mode weight ${large}`);
  // The chains end at σ_L = 1, i.e. they sample p ⊛ N(0, 1): each mode has variance 1 + 1 = 2.
  for (const k of [0, 1]) {
    const { mean, variance, count } = modeMoments(x, MIXTURE.means, k);
    const variance0 = 2;
    for (let j = 0; j < 2; ++j) {
      const meanTol = 5 * Math.sqrt(variance0 / count);
      const varTol = 5 * variance0 * Math.sqrt(2 / (count - 1));
      assert.ok(Math.abs(mean[j] - MIXTURE.means[k][j]) <= meanTol, `mode ${k} mean[${j}] = ${mean[j]}`);
      assert.ok(Math.abs(variance[j] - variance0) <= varTol, `mode ${k} variance[${j}] = ${variance[j]}`);
    }
  }
});

test('plain Langevin from a uniform start gets the mode weights wrong', async () => {
  const x = await gmm.sample({ n: N, sampler: 'langevin', steps: 1000, stepSize: 0.1, seed: 7,
    init: { uniform: [-8, 8] } });
  const [small] = modeWeights(x, MIXTURE.means);
  // A uniform start puts about half of the chains in each basin, and they stay there.
  assert.ok(Math.abs(small - 0.5) < 0.05, `small-mode weight ${small}`);
  assert.ok(small - 0.2 > 20 * SE, `small-mode weight ${small} should be far from 0.2`);
});
