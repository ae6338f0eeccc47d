// imageGrid(): the exact RGBA pixels of small grids (layout, scale, gap, clamping, RGB) and a
// ScoreWasmError naming the option for every bad argument. Needs no backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageGrid, ScoreWasmError } from 'score-wasm';

const T = 0;  // a transparent pixel's RGBA: 0, 0, 0, 0
const grey = (v) => [v, v, v, 255];
// Expected RGBA bytes from rows of pixels, each [r, g, b, a] or T.
const rgba = (rows) => new Uint8ClampedArray(rows.flat().flatMap((p) => (p === T ? [0, 0, 0, 0] : p)));

test('two 1 × 2 grey images side by side: clamped to [0, 1] and rounded to 0 … 255', () => {
  const samples = new Float32Array([0, 1, 0.5, -3]);
  const grid = imageGrid(samples, { height: 1, width: 2 });
  assert.deepEqual([grid.width, grid.height], [4, 1]);  // ⌈√2⌉ = 2 columns
  assert.deepEqual(grid.data, rgba([[grey(0), grey(255), grey(128), grey(0)]]));
  assert.ok(grid.data instanceof Uint8ClampedArray);
});

test('scale, gap, columns and a partial last row', () => {
  // Three 1 × 1 images in 2 columns, scale 2, gap 1: a 5 × 5 picture.
  const grid = imageGrid([0.2, 1.5, NaN], { height: 1, width: 1, columns: 2, scale: 2, gap: 1 });
  assert.deepEqual([grid.width, grid.height], [5, 5]);
  const [a, b, c] = [grey(51), grey(255), grey(0)];
  assert.deepEqual(grid.data, rgba([
    [a, a, T, b, b],
    [a, a, T, b, b],
    [T, T, T, T, T],
    [c, c, T, T, T],
    [c, c, T, T, T],
  ]));
});

test('row-major images, n takes the first images, three channels are RGB', () => {
  // One 2 × 2 grey image: rows [0, 0.25] and [0.75, 1].
  const one = imageGrid(new Float64Array([0, 0.25, 0.75, 1, 9, 9, 9, 9]), { height: 2, width: 2, n: 1 });
  assert.deepEqual([one.width, one.height], [2, 2]);
  assert.deepEqual(one.data, rgba([[grey(0), grey(64)], [grey(191), grey(255)]]));
  // Two 1 × 1 RGB images in one column.
  const rgb = imageGrid([1, 0, 0.5, 0, 1, 2], { height: 1, width: 1, channels: 3, columns: 1 });
  assert.deepEqual([rgb.width, rgb.height], [1, 2]);
  assert.deepEqual(rgb.data, rgba([[[255, 0, 128, 255]], [[0, 255, 255, 255]]]));
});

test('a 28 × 28 model-sized grid: 4 × 4 tiles at scale 3 with a gap of 2', () => {
  const samples = Float32Array.from({ length: 16 * 784 }, (_, i) => (i % 784) / 783);
  const grid = imageGrid(samples, { height: 28, width: 28, columns: 4, scale: 3, gap: 2 });
  assert.deepEqual([grid.width, grid.height], [4 * 84 + 3 * 2, 4 * 84 + 3 * 2]);
  assert.equal(grid.data.length, grid.width * grid.height * 4);
  const pixel = (x, y) => Array.from(grid.data.subarray((y * grid.width + x) * 4, (y * grid.width + x) * 4 + 4));
  assert.deepEqual(pixel(0, 0), grey(0));
  assert.deepEqual(pixel(83, 83), grey(255));  // the last pixel of the first tile
  assert.deepEqual(pixel(84, 0), [0, 0, 0, 0]);  // the gap
  assert.deepEqual(pixel(86 + 3 * 5, 86), grey(Math.round(((28 * 0 + 5) / 783) * 255)));  // tile 5, pixel (5, 0)
});

test('bad arguments throw INVALID_ARGUMENT naming what is wrong', () => {
  const ok = { height: 2, width: 2 };
  const four = new Float32Array(4);
  const cases = [
    [four, undefined, /height must be a positive integer/],
    [four, 'big', /imageGrid\(\) options must be an object/],
    [four, { width: 2 }, /height must be a positive integer .*, got a value of type undefined/],
    [four, { ...ok, width: 1.5 }, /width must be a positive integer .*, got 1.5/],
    [four, { ...ok, colour: 'red' }, /unknown option 'colour' for imageGrid\(\)/],
    [four, { ...ok, channels: 2 }, /channels must be 1 \(grey\) or 3 \(RGB\), got 2/],
    [new Float32Array(6), ok, /images of 2 × 2 × 1 = 4 values each, got a Float32Array of length 6/],
    [new Float32Array(0), ok, /samples must be/],
    [new Uint8Array(4), ok, /samples must be a Float32Array, Float64Array or array of numbers/],
    ['abcd', ok, /samples must be/],
    [four, { ...ok, n: 2 }, /n = 2 images asked for, but samples holds 1 of 4 values/],
    [four, { ...ok, n: 0 }, /n must be a positive integer/],
    [four, { ...ok, columns: 0 }, /columns must be a positive integer/],
    [four, { ...ok, scale: -1 }, /scale must be a positive integer/],
    [four, { ...ok, gap: 0.5 }, /gap must be a non-negative integer/],
    [[0, 1, '2', 3], ok, /samples\[2\] must be a number, got the string "2"/],
    [four, { ...ok, scale: 20000 }, /the grid would be 40000 × 40000 pixels/],
  ];
  for (const [samples, options, pattern] of cases) {
    assert.throws(() => imageGrid(samples, options), (error) => {
      assert.ok(error instanceof ScoreWasmError, `not a ScoreWasmError: ${error}`);
      assert.equal(error.code, 'INVALID_ARGUMENT', error.message);
      assert.match(error.message, pattern);
      return true;
    });
  }
});
