// The README's quick start, as a file that the package tests run (tests/node/examples.test.mjs
// also checks that README.md shows exactly the code below this comment).
import { loadModel, trainModel } from 'score-wasm';

const moons = await loadModel('moons');                 // a pretrained score network (2-D points)
const x = await moons.sample({ n: 1000, seed: 1,        // annealed Langevin, as the model file advises
  progressEvery: 500, onProgress: ({ fraction }) => console.log(`${Math.round(100 * fraction)} %`) });
console.log(`${x.length / moons.dim} samples; score at (0, 0), σ = 0.1:`, await moons.score([[0, 0]], 0.1));
const { model } = await trainModel([[-1, 0], [1, 0], [0, 1.5], [0.2, 1.4]], { steps: 500 });  // your own
console.log('trained on 4 points, sampled', (await model.sample({ n: 4 })).length / 2);
moons.dispose();
model.dispose();
