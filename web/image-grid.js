// Turns the samples of an image model into the RGBA pixels of one grid picture, for a canvas
// (`new ImageData(data, width, height)`) or any image encoder. Runs on the calling thread.
import { invalidArgument } from './errors.js';
import { describe, knownKeys, nonNegativeInteger, optionsObject, positiveInteger } from './checks.js';

const GRID_OPTIONS = ['height', 'width', 'channels', 'n', 'columns', 'scale', 'gap'];
const MAX_PIXELS = 2 ** 28;  // 1 GiB of RGBA: far beyond any grid a page can show

/**
 * Lays out n images as a grid of `columns` tiles, row by row (image i at row ⌊i / columns⌋, column
 * i mod columns), each image pixel drawn as a scale × scale block, tiles `gap` pixels apart.
 * Values are clamped to [0, 1] (NaN counts as 0) and mapped to 0 … 255: one channel is grey, three
 * are RGB; tile pixels are opaque. Gaps and the empty cells of a last, partial row are transparent.
 * @param {Float32Array | Float64Array | number[]} samples images of height × width × channels
 *   values each (row-major, channels last: what model.sample() returns for a model whose dataShape
 *   is [height, width, channels])
 * @param {{ height: number, width: number, channels?: number, n?: number, columns?: number,
 *   scale?: number, gap?: number }} options `n` (default: every image in samples) takes the first
 *   n images; `columns` defaults to ⌈√n⌉, `scale` to 1, `gap` to 0, `channels` to 1
 * @returns {{ width: number, height: number, data: Uint8ClampedArray }} width × height RGBA pixels,
 *   row-major
 */
export function imageGrid(samples, options) {
  const o = optionsObject(options, 'imageGrid() options');
  knownKeys(o, GRID_OPTIONS, 'imageGrid()');
  const height = positiveInteger(o.height, 'height');
  const width = positiveInteger(o.width, 'width');
  const channels = o.channels === undefined ? 1 : o.channels;
  if (channels !== 1 && channels !== 3) {
    throw invalidArgument(`channels must be 1 (grey) or 3 (RGB), got ${describe(channels)}`);
  }
  const size = height * width * channels;
  if (!(samples instanceof Float32Array || samples instanceof Float64Array || Array.isArray(samples)) ||
      samples.length === 0 || samples.length % size !== 0) {
    throw invalidArgument(`samples must be a Float32Array, Float64Array or array of numbers holding images of ` +
      `${height} × ${width} × ${channels} = ${size} values each, got ${describe(samples)}`);
  }
  const available = samples.length / size;
  const n = o.n === undefined ? available : positiveInteger(o.n, 'n');
  if (n > available) {
    throw invalidArgument(`n = ${n} images asked for, but samples holds ${available} of ${size} values`);
  }
  const columns = o.columns === undefined ? Math.ceil(Math.sqrt(n)) : positiveInteger(o.columns, 'columns');
  const scale = o.scale === undefined ? 1 : positiveInteger(o.scale, 'scale');
  const gap = o.gap === undefined ? 0 : nonNegativeInteger(o.gap, 'gap');
  const rows = Math.ceil(n / columns);
  const [tileWidth, tileHeight] = [width * scale, height * scale];
  const out = { width: columns * tileWidth + (columns - 1) * gap, height: rows * tileHeight + (rows - 1) * gap };
  if (out.width * out.height > MAX_PIXELS) {
    throw invalidArgument(`the grid would be ${out.width} × ${out.height} pixels, more than ${MAX_PIXELS}; ` +
      'use a smaller scale, gap or n');
  }
  const data = new Uint8ClampedArray(out.width * out.height * 4);
  const rgba = [0, 0, 0, 255];
  for (let i = 0; i < n; ++i) {
    const left = (i % columns) * (tileWidth + gap);
    const top = Math.floor(i / columns) * (tileHeight + gap);
    for (let y = 0; y < height; ++y) {
      for (let x = 0; x < width; ++x) {
        const at = i * size + (y * width + x) * channels;
        for (let c = 0; c < 3; ++c) rgba[c] = toByte(samples[at + (channels === 1 ? 0 : c)], at);
        for (let dy = 0; dy < scale; ++dy) {
          let p = ((top + y * scale + dy) * out.width + left + x * scale) * 4;
          for (let dx = 0; dx < scale; ++dx, p += 4) data.set(rgba, p);
        }
      }
    }
  }
  return { ...out, data };
}

// [0, 1] → 0 … 255, rounded to nearest; below 0 and NaN give 0, above 1 gives 255.
function toByte(value, index) {
  if (typeof value !== 'number') {
    throw invalidArgument(`samples[${index}] must be a number, got ${describe(value)}`);
  }
  return Math.round((value > 0 ? (value < 1 ? value : 1) : 0) * 255);
}
