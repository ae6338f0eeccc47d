// The pretrained image models shipped in the package (ncsn-unet, 28 × 28 grey images): loadable by
// name, by URL and from bytes out of the installed tarball, exposing their data shape, sampling
// images with their stored settings that imageGrid() can draw, and those images looking like the
// data set (mean brightness, most pixels near black or white).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { imageGrid, loadModel, pretrainedModels, shutdown } from 'score-wasm';

after(shutdown);

// Whether the samples must look like the data set. Only for trying the plumbing with an untrained
// ncsn-unet file in place of the shipped models (whose samples are noise) may this be false.
const CHECK_SAMPLE_QUALITY = true;

const N = 16;
const SHAPE = [28, 28, 1];
// What N samples of each data set look like. On the test sets, runs of 16 consecutive images have
// a mean pixel of 0.06 – 0.24 (MNIST) and 0.18 – 0.38 (Fashion-MNIST), and 88 % (MNIST) and 49 %
// (Fashion-MNIST) or more of their pixels within 0.1 of 0 or 1; the bounds leave room for a model's
// own errors.
const LOOKS_LIKE = {
  'mnist': { mean: [0.05, 0.3], nearBlackOrWhite: 0.75 },
  'fashion-mnist': { mean: [0.1, 0.5], nearBlackOrWhite: 0.4 },
};

/** The package's own file of a pretrained model, as a file: URL. */
const modelFile = (name) => new URL(`./models/${name}.safetensors`, import.meta.resolve('score-wasm'));

function assertImageModel(model) {
  assert.equal(model.architecture, 'ncsn-unet');
  assert.equal(model.dim, 784);
  assert.deepEqual(model.dataShape, SHAPE);
  assert.deepEqual(model.config.data_shape, SHAPE);
  assert.ok(Object.isFrozen(model.dataShape));
}

// Fraction of the values for which `test(v)` holds.
const fraction = (x, test) => x.reduce((count, v) => count + (test(v) ? 1 : 0), 0) / x.length;

test('the image models are listed', () => {
  for (const name of Object.keys(LOOKS_LIKE)) assert.ok(pretrainedModels.includes(name), name);
});

for (const [name, looks] of Object.entries(LOOKS_LIKE)) {
  test(`loadModel('${name}') samples ${N} images with its stored settings`, async () => {
    const model = await loadModel(name);
    try {
      assertImageModel(model);
      assert.ok(model.config.sampling, 'the file carries sampling defaults');
      const reports = [];
      const x = await model.sample({ n: N, seed: 1, onProgress: (p) => reports.push(p) });
      assert.equal(x.length, N * 784);
      assert.ok(x.every(Number.isFinite));
      assert.equal(reports.at(-1).fraction, 1);

      const [height, width, channels] = model.dataShape;
      const grid = imageGrid(x, { height, width, channels, columns: 4, scale: 2 });
      assert.deepEqual([grid.width, grid.height], [4 * 56, 4 * 56]);

      if (!CHECK_SAMPLE_QUALITY) return;
      const mean = x.reduce((a, b) => a + b, 0) / x.length;
      const binary = fraction(x, (v) => v < 0.1 || v > 0.9);
      const inRange = fraction(x, (v) => v > -0.1 && v < 1.1);
      assert.ok(mean >= looks.mean[0] && mean <= looks.mean[1],
        `${name}: mean pixel ${mean.toFixed(3)}, expected ${looks.mean.join(' – ')}`);
      assert.ok(binary >= looks.nearBlackOrWhite,
        `${name}: ${(100 * binary).toFixed(1)} % of pixels near 0 or 1, expected ≥ ${100 * looks.nearBlackOrWhite} %`);
      assert.ok(inRange >= 0.95, `${name}: only ${(100 * inRange).toFixed(1)} % of pixels in [−0.1, 1.1]`);
    } finally {
      model.dispose();
    }
  });

  test(`${name} loads from its file: URL and from its bytes, and samples n = 2 images`, async () => {
    for (const source of [modelFile(name), await readFile(modelFile(name))]) {
      const model = await loadModel(source);
      try {
        assertImageModel(model);
        const x = await model.sample({ n: 2, seed: 2 });
        assert.equal(x.length, 2 * 784);
        assert.ok(x.every(Number.isFinite));
      } finally {
        model.dispose();
      }
    }
  });
}
