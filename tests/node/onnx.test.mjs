// Every shipped network, exported to ONNX by the native score-export-onnx tool, run in onnxruntime
// (onnxruntime-web's WebAssembly backend under Node): an independent implementation of every
// layer. Its scores must equal model.score within ORT_BOUND of the batch's largest |score|
// (relative in the ∞-norm: float rounding follows the size of the hidden values, and a row's output
// can cancel to near zero), at σ across each model's trained range and on points where the samplers
// evaluate it (data plus σ-noise).
// tests/run-js.sh exports the models into $SCORE_ONNX_DIR and makes onnxruntime-web resolvable.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { loadModel, pretrainedModels, shutdown } from 'score-wasm';
import { assertBatchMatches, pseudoRandom } from './helpers.mjs';

after(shutdown);
ort.env.wasm.numThreads = 1;

// 2e-5, not the 1e-5 pytorch.test.mjs holds model.score to: on the checkerboard model (continuous σ)
// at σ = 0.01, onnxruntime-web is 1.25e-5 of max|score| off the same network evaluated in float64
// (PyTorch), where model.score is 6.4e-7 and PyTorch's float32 8.9e-7 off it; the other models
// and σ measure ≤ 2.6e-6. So the excess is onnxruntime's own float32 error, not ours.
const ORT_BOUND = 2e-5;

const ONNX_DIR = process.env.SCORE_ONNX_DIR;

// A deterministic stream of N(0, 1) values: Box–Muller over helpers.mjs's uniforms in (−1, 1),
// mapped to (0, 1] (a float32 uniform next to −1 rounds to it: log needs u > 0).
function gaussians(count, seed) {
  const u = Array.from(pseudoRandom(seed, 2 * count), (v) => Math.max((v + 1) / 2, 2 ** -32));
  return Float32Array.from({ length: count }, (_, i) =>
    Math.sqrt(-2 * Math.log(u[2 * i])) * Math.cos(2 * Math.PI * u[2 * i + 1]));
}

// n points of the model's data scale plus σ-noise: 2-D points in [−3, 3]², or images of smooth
// strokes in [0, 1] (28 × 28).
function noisyPoints(model, n, sigma, seed) {
  const noise = gaussians(n * model.dim, seed);
  return noise.map((z, i) => {
    const j = i % model.dim, row = Math.floor(i / model.dim);
    const base = model.dim === 2 ? 3 * Math.sin(1.3 * row + 2.1 * j + 0.4)
      : Math.max(0, Math.sin(0.35 * (j % 28) + 0.7 * row) * Math.cos(0.23 * Math.floor(j / 28) - row));
    return base + sigma * z;
  });
}

test('the exported ONNX files are there (tests/run-js.sh writes them)', () => {
  assert.ok(ONNX_DIR, 'SCORE_ONNX_DIR is not set: run the package tests through tests/run-js.sh');
});

for (const name of pretrainedModels) {
  test(`${name}: onnxruntime on the exported graph gives model.score`, { skip: !ONNX_DIR }, async () => {
    const model = await loadModel(name);
    const session = await ort.InferenceSession.create(join(ONNX_DIR, `${name}.onnx`));
    const dim = model.dim, n = 6;
    const trained = model.config.sigmas;
    const between = Math.sqrt(trained[0] * trained[1]);  // off the trained grid
    const sigmas = [trained[0], between, trained[Math.floor(trained.length / 2)], trained.at(-1)];
    const shape = [n, ...model.dataShape];
    // One σ per batch, against model.score at that σ.
    const ours = [], inputs = [];
    for (const [k, sigma] of sigmas.entries()) {
      const x = noisyPoints(model, n, sigma, 17 + k);
      const expected = await model.score(x, sigma);
      const { score } = await session.run({
        x: new ort.Tensor('float32', x, shape),
        sigma: new ort.Tensor('float32', new Float32Array(n).fill(sigma), [n]),
      });
      assertBatchMatches(score.data, expected, dim, `${name} at σ = ${sigma}`, ORT_BOUND);
      ours.push(expected);
      inputs.push(x);
    }
    // Every row with its own σ in one run: the graph's σ is per row, as the samplers need.
    const mixed = new Float32Array(sigmas.length * n * dim), mixedSigma = new Float32Array(sigmas.length * n);
    sigmas.forEach((sigma, k) => {
      mixed.set(inputs[k], k * n * dim);
      mixedSigma.fill(sigma, k * n, (k + 1) * n);
    });
    const { score } = await session.run({
      x: new ort.Tensor('float32', mixed, [sigmas.length * n, ...model.dataShape]),
      sigma: new ort.Tensor('float32', mixedSigma, [sigmas.length * n]),
    });
    const expected = new Float32Array(mixed.length);
    ours.forEach((s, k) => expected.set(s, k * n * dim));
    assertBatchMatches(score.data, expected, dim, `${name} with one σ per row`, ORT_BOUND);
    await session.release();
    model.dispose();
  });
}
