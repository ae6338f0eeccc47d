// trainModel(): a small score network (ncsn-mlp) trained by denoising score matching on the
// caller's points, in the worker, by the same C++ trainer as the native score-train (its noise
// levels and sampling defaults chosen from the data the same way). The trained network comes back
// as a model ready to sample and as the bytes of its .safetensors file.
import { backendClient } from './backend.js';
import { invalidArgument } from './errors.js';
import {
  abortSignal, checkCallbacks, checkSeed, describe, finiteNumber, finiteRows, knownKeys, nonNegativeInteger,
  normalFloat32, optionsObject, positiveInteger, randomSeed,
} from './checks.js';
import { ScoreModel } from './model.js';

const TRAIN_OPTIONS = ['steps', 'hidden', 'freqs', 'batchSize', 'lr', 'gradClip', 'emaDecay', 'sigmaMin', 'levels',
  'stepsPerLevel', 'stepSizeScale', 'seed', 'progressEvery', 'onProgress', 'signal', 'stopSignal'];
const DEFAULT_STEPS = 2000;
// The native default (0.999) keeps e^-2 of the initial weights after 2000 steps; a run of a few
// thousand steps needs a shorter average.
const DEFAULT_EMA_DECAY = 0.99;
// Limits that keep a run inside the 32-bit WebAssembly heap (2 GiB): weights, Adam state and the
// batch's activations of the largest network stay under about 0.7 GiB.
const MAX_LAYERS = 8;
const MAX_WIDTH = 1024;
const MAX_BATCH = 4096;
const MAX_DIM = 64;
const MAX_POINTS = 2 ** 20;

/**
 * Trains an ncsn-mlp on `points` (see index.d.ts for every option).
 * @returns {Promise<{ model: ScoreModel, bytes: Uint8Array, steps: number, stopped: boolean }>}
 */
export async function trainModel(points, options) {
  const o = optionsObject(options, 'trainModel() options');
  knownKeys(o, TRAIN_OPTIONS, 'trainModel()');
  const dim = pointDim(points);
  const { data, n } = finiteRows(points, dim, 'points');
  if (n < 2 || n > MAX_POINTS) {
    throw invalidArgument(`trainModel() needs 2 to ${MAX_POINTS} points (their spread sets the noise levels), got ${n}`);
  }
  checkCallbacks(o);
  if (o.stopSignal !== undefined) abortSignal(o.stopSignal, 'stopSignal');
  const seed = o.seed === undefined ? randomSeed() : checkSeed(o.seed);
  const widths = Int32Array.from(o.hidden === undefined ? [] : hiddenWidths(o.hidden));
  const request = {
    // 0 (or −1 where 0 is a valid value) leaves the C++ default of wasm/bindings.cc's TrainRequest.
    freqs: o.freqs === undefined ? -1 : nonNegativeInteger(o.freqs, 'freqs'),
    sigmaMin: o.sigmaMin === undefined ? 0 : positive(normalFloat32(o.sigmaMin, 'sigmaMin'), 'sigmaMin'),
    levels: o.levels === undefined ? 0 : positiveInteger(o.levels, 'levels'),
    stepsPerLevel: o.stepsPerLevel === undefined ? 0 : positiveInteger(o.stepsPerLevel, 'stepsPerLevel'),
    stepSizeScale: o.stepSizeScale === undefined ? 0 : positive(normalFloat32(o.stepSizeScale, 'stepSizeScale'),
      'stepSizeScale'),
    batchSize: o.batchSize === undefined ? 0 : atMost(positiveInteger(o.batchSize, 'batchSize'), MAX_BATCH, 'batchSize'),
    lr: o.lr === undefined ? 0 : positive(finiteNumber(o.lr, 'lr'), 'lr'),
    gradClip: o.gradClip === undefined ? -1 : nonNegative(finiteNumber(o.gradClip, 'gradClip'), 'gradClip'),
    emaDecay: nonNegative(finiteNumber(o.emaDecay ?? DEFAULT_EMA_DECAY, 'emaDecay'), 'emaDecay'),
    seedLo: seed % 2 ** 32,
    seedHi: Math.floor(seed / 2 ** 32),
  };
  const steps = o.steps === undefined ? DEFAULT_STEPS : positiveInteger(o.steps, 'steps');
  const progressEvery = o.progressEvery === undefined ? 0 : positiveInteger(o.progressEvery, 'progressEvery');
  const client = await backendClient();
  const trained = await client.request('train', { points: data, n, dim, widths, request, steps, progressEvery },
    { transfer: [data.buffer, widths.buffer], onProgress: o.onProgress, signal: o.signal, stopSignal: o.stopSignal });
  const bytes = new Uint8Array(trained.bytes);
  const copy = bytes.slice();
  const info = await client.request('loadModel', { bytes: copy.buffer }, { transfer: [copy.buffer] });
  return { model: new ScoreModel(client, info), bytes, steps: trained.steps, stopped: trained.stopped };
}

// The points' dim: the row length of an array of rows (a flat array would not say it).
function pointDim(points) {
  const dim = Array.isArray(points) && points.length > 0 ? points[0]?.length : undefined;
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) {
    throw invalidArgument(`points must be an array of points (arrays of 1 to ${MAX_DIM} numbers), got ` +
      `${describe(points)}${Number.isInteger(dim) ? ` of ${dim}-D points` : ''}`);
  }
  return dim;
}

function hiddenWidths(hidden) {
  if (!Array.isArray(hidden) || hidden.length < 1 || hidden.length > MAX_LAYERS) {
    throw invalidArgument(`hidden must be an array of 1 to ${MAX_LAYERS} layer widths, got ${describe(hidden)}`);
  }
  return hidden.map((width, i) => atMost(positiveInteger(width, `hidden[${i}]`), MAX_WIDTH, `hidden[${i}]`));
}

function atMost(value, limit, name) {
  if (value > limit) throw invalidArgument(`${name} must be at most ${limit}, got ${value}`);
  return value;
}

function positive(value, name) {
  if (!(value > 0)) throw invalidArgument(`${name} must be > 0, got ${describe(value)}`);
  return value;
}

function nonNegative(value, name) {
  if (!(value >= 0)) throw invalidArgument(`${name} must be ≥ 0, got ${describe(value)}`);
  return value;
}
