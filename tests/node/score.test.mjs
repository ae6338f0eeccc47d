// score() against the analytic mixture score computed here in float64.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianMixture, shutdown } from 'score-wasm';
import { MIXTURE, mixtureScore } from './helpers.mjs';

const THREE_MODES = { weights: [1, 2, 3], means: [[0, 0, 0], [3, -1, 2], [-4, 4, 1]], stds: [0.5, 1, 2] };
after(() => shutdown());

// Float32 points spread over the modes, between them, and far away (where naive responsibilities
// would underflow to 0/0).
function testPoints(dim, count) {
  const points = [];
  for (let i = 0; i < count; ++i) {
    points.push(Array.from({ length: dim }, (_, j) => Math.fround(Math.sin(i * 1.7 + j) * (i % 7) * 2.5)));
  }
  points.push(Array(dim).fill(1e4), Array(dim).fill(-3e4), [Math.fround(1e5), ...Array(dim - 1).fill(0)]);
  return points;
}

// |actual − expected| ≤ 1e-5 · (largest |expected| of the row) for every value.
function assertMatches(actual, expected, label) {
  expected.forEach((row, i) => {
    const scale = Math.max(...row.map(Math.abs), 1e-30);
    row.forEach((e, j) => {
      const a = actual[i * row.length + j];
      assert.ok(Number.isFinite(a), `${label}: score[${i}][${j}] is ${a}`);
      assert.ok(Math.abs(a - e) <= 1e-5 * scale, `${label}: score[${i}][${j}] = ${a}, expected ${e}`);
    });
  });
}

for (const [name, spec] of [['two modes in 2-D', MIXTURE], ['three modes in 3-D', THREE_MODES]]) {
  test(`${name}: score() equals the analytic mixture score for several σ`, async () => {
    const gmm = await gaussianMixture(spec);
    const points = testPoints(spec.means[0].length, 60);
    for (const sigma of [0, 0.1, 0.5, 1, 5, 20]) {
      const s = await gmm.score(points, sigma);
      assert.ok(s instanceof Float32Array);
      assert.equal(s.length, points.length * spec.means[0].length);
      assertMatches(s, mixtureScore(spec, points, sigma), `σ = ${sigma}`);
    }
    gmm.dispose();
  });
}

test('score() takes a Float32Array or an array of points, and σ defaults to minSigma (0)', async () => {
  const gmm = await gaussianMixture(MIXTURE);
  const points = [[1, 2], [-3, 0.5]];
  const fromArrays = await gmm.score(points);
  const fromFloats = await gmm.score(new Float32Array(points.flat()), 0);
  assert.equal(gmm.minSigma, 0);
  assert.deepEqual(fromFloats, fromArrays);
  assertMatches(fromArrays, mixtureScore(MIXTURE, points, 0), 'σ = 0');
  gmm.dispose();
});

test('the caller\'s input array is neither detached nor changed', async () => {
  const gmm = await gaussianMixture(MIXTURE);
  const points = new Float32Array([1, 2, 3, 4]);
  await gmm.score(points, 1);
  assert.deepEqual([...points], [1, 2, 3, 4]);
  gmm.dispose();
});
