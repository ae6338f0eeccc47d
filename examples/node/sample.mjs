// Samples the two-mode mixture of NCSN's Figure 3 with plain and with annealed Langevin dynamics and
// prints the mode weights each recovers (the truth is 20 % / 80 %).
//   node examples/node/sample.mjs
import { backendInfo, gaussianMixture } from 'score-wasm';

const means = [[-5, -5], [5, 5]];
const gmm = await gaussianMixture({ weights: [0.2, 0.8], means, stds: [1, 1] });
const { flavour, threads } = await backendInfo();
console.log(`score-wasm ${flavour} build, ${threads} threads; mode weights (truth: 20.0 % / 80.0 %):`);

const runs = {
  'Langevin (ε = 0.1, 1000 steps, uniform start)':
    { sampler: 'langevin', steps: 1000, stepSize: 0.1, init: { uniform: [-8, 8] } },
  'annealed Langevin (σ 20 → 1, 10 levels × 100 steps, ε = 0.1)':
    { sampler: 'annealed-langevin', sigmas: { max: 20, min: 1, levels: 10 }, stepsPerLevel: 100, stepSize: 0.1 },
};
for (const [name, options] of Object.entries(runs)) {
  const n = 10000;
  const x = await gmm.sample({ n, seed: 7, ...options });
  let small = 0;
  for (let i = 0; i < n; ++i) small += x[2 * i] + x[2 * i + 1] < 0;  // nearer to (−5, −5)
  console.log(`${name}: ${(100 * small / n).toFixed(1)} % / ${(100 - 100 * small / n).toFixed(1)} %`);
}
gmm.dispose();
