// The pretrained 2-D models shipped in the package: loadable by name from the installed tarball,
// sampling with their stored settings, and their samples lying on the data set's known shape.
// (Their distributional quality, the energy distance to held-out data, is checked natively and in
// WASM by the core tests.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, pretrainedModels, shutdown, ScoreWasmError } from 'score-wasm';

after(shutdown);

const N = 500;

// Fraction of the points for which `near(x, y)` holds.
function fraction(x, near) {
  let count = 0;
  for (let i = 0; i < x.length; i += 2) count += near(x[i], x[i + 1]) ? 1 : 0;
  return count / (x.length / 2);
}

// What each data set looks like (src/data/toy2d.h): a test a sample passes when it is on the shape.
const ON_SHAPE = {
  // Upper unit half circle around (0, 0) or lower one around (1, 0.5), noise 0.05.
  moons: (x, y) => Math.min(Math.abs(Math.hypot(x, y) - 1) + (y < -0.2 ? 1 : 0),
    Math.abs(Math.hypot(x - 1, y - 0.5) - 1) + (y > 0.7 ? 1 : 0)) < 0.2,
  // (t cos t, t sin t) / 5 for t in [1.5π, 4.5π]: radius 0.94 to 2.83, noise 0.05.
  'swiss-roll': (x, y) => Math.hypot(x, y) > 0.8 && Math.hypot(x, y) < 3.0,
  // Eight Gaussians (std 0.25) at radius 3.
  rings: (x, y) => Math.abs(Math.hypot(x, y) - 3) < 0.75,
  // The black squares of a 4 × 4 board of side-2 squares over [−4, 4]²: (col + row) even.
  checkerboard: (x, y) => Math.abs(x) <= 4.1 && Math.abs(y) <= 4.1 &&
    (Math.floor((x + 4) / 2) + Math.floor((y + 4) / 2)) % 2 === 0,
};

test('the package lists its pretrained models', () => {
  // The image models are tested in pretrained-images.test.mjs.
  assert.deepEqual([...pretrainedModels].sort(), [...Object.keys(ON_SHAPE), 'mnist', 'fashion-mnist'].sort());
});

for (const name of Object.keys(ON_SHAPE)) {
  test(`loadModel('${name}') samples the ${name} shape with its stored settings`, async () => {
    const model = await loadModel(name);
    try {
      assert.equal(model.dim, 2);
      assert.equal(model.architecture, 'ncsn-mlp');
      assert.ok(model.config.sampling, 'the file carries sampling defaults');
      const x = await model.sample({ n: N, seed: 3 });
      assert.equal(x.length, 2 * N);
      assert.ok(x.every(Number.isFinite));
      const onShape = fraction(x, ON_SHAPE[name]);
      // The data itself puts over 99 % there; leave room for the samples' own spread.
      assert.ok(onShape > 0.9, `${name}: only ${(100 * onShape).toFixed(1)} % of samples on the shape`);
    } finally {
      model.dispose();
    }
  });
}

test('an unknown model name is read as a path, and a missing one is an IO_ERROR', async () => {
  await assert.rejects(loadModel('no-such-model'), (e) => e instanceof ScoreWasmError && e.code === 'IO_ERROR');
});
