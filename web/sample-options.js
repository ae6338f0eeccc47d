// Turns the options of model.sample() (plus the model's own defaults) into the plain request the
// worker runs: the SamplerConfig of wasm/bindings.cc, the noise levels and the start points.
import { invalidArgument } from './errors.js';
import {
  boolean, denseArray, describe, float32Number, finiteRows, finiteVector, knownKeys, normalFloat32, optionsObject,
  positiveInteger, threadCount,
} from './checks.js';

const COMMON_OPTIONS = ['n', 'sampler', 'stepSize', 'seed', 'init', 'threads', 'onProgress', 'signal',
  'progressEvery', 'progressSamples'];
const SAMPLER_OPTIONS = {
  'langevin': ['sigma', 'steps'],
  'annealed-langevin': ['sigmas', 'stepsPerLevel', 'denoise'],
};
const SAMPLER_KIND = { 'langevin': 0, 'annealed-langevin': 1 };
const INIT_KIND = { gaussian: 0, uniform: 1, given: 2 };
/**
 * Most noise levels of a schedule: the core's bound (kMaxLevels of samplers/sampler.cc), far beyond
 * any published schedule, checked here before a list of that length is built.
 */
const MAX_LEVELS = 2 ** 20;
/**
 * Most steps (score evaluations per chain, levels × steps per level) of one run: the core's bound
 * (below 2^30), checked here too so that the message names the options.
 */
const MAX_STEPS = 2 ** 30 - 1;

/**
 * Geometric noise levels σ_i = max · (min / max)^(i / (levels − 1)), i = 0 … levels − 1, computed as
 * the core's GeometricSigmas does (a single level is [max]). At most MAX_LEVELS levels.
 * @param {{ max: number, min: number, levels: number }} schedule
 * @returns {number[]}
 */
export function geometricSigmas(schedule) {
  const { max, min, levels, ...rest } = optionsObject(schedule, 'sigmas');
  knownKeys(rest, ['max', 'min', 'levels'], 'sigmas');
  normalFloat32(max, 'sigmas.max');
  normalFloat32(min, 'sigmas.min');
  levelCount(positiveInteger(levels, 'sigmas.levels'), 'sigmas.levels');
  if (!(min > 0 && (min < max || (levels === 1 && min === max)))) {
    throw invalidArgument(`sigmas { max, min, levels } needs 0 < min < max, got max = ${max}, min = ${min}`);
  }
  const logRatio = Math.log(min / max);
  return Array.from({ length: levels }, (_, i) => (levels === 1 ? max : max * Math.exp(logRatio * i / (levels - 1))));
}

/**
 * Validates `options` for a model and resolves omitted options from the model's config.
 * @param {object} options what the user passed to sample()
 * @param {{ dim: number, minSigma: number, config: object }} model
 * @returns {{ request: object, onProgress?: Function, signal?: AbortSignal }}
 */
export function resolveSampleOptions(options, model) {
  const o = optionsObject(options, 'sample() options');
  const defaults = samplingDefaults(model.config);
  const sampler = o.sampler ?? defaults.sampler ?? 'annealed-langevin';
  if (!Object.hasOwn(SAMPLER_KIND, sampler)) {
    throw invalidArgument(`sampler must be one of ${Object.keys(SAMPLER_KIND).map((s) => `'${s}'`).join(', ')}, ` +
      `got ${describe(sampler)}`);
  }
  knownKeys(o, [...COMMON_OPTIONS, ...SAMPLER_OPTIONS[sampler]], `sampler '${sampler}'`);
  const n = positiveInteger(o.n, 'n');
  const schedule = sampler === 'langevin' ? langevinSchedule(o, defaults, model) : annealedSchedule(o, defaults);
  const seed = o.seed === undefined ? randomSeed() : checkSeed(o.seed);
  const init = resolveInit(o.init ?? 'gaussian', n, model.dim);
  const threads = o.threads === undefined ? 0 : threadCount(o.threads, 'threads');
  const config = {
    kind: SAMPLER_KIND[sampler],
    stepsPerLevel: schedule.stepsPerLevel,
    stepSize: required(o.stepSize ?? defaults.stepSize, 'stepSize', normalFloat32),
    denoise: schedule.denoise,
    seedLo: seed % 2 ** 32,
    seedHi: Math.floor(seed / 2 ** 32),
    init: init.kind,
    uniformLo: init.lo,
    uniformHi: init.hi,
    maxThreads: threads,
  };
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw invalidArgument(`onProgress must be a function, got ${describe(o.onProgress)}`);
  }
  if (o.signal !== undefined && !isAbortSignal(o.signal)) {
    throw invalidArgument(`signal must be an AbortSignal, got ${describe(o.signal)}`);
  }
  const request = {
    n,
    config,
    sigmas: schedule.sigmas,
    points: init.points,
    progressEvery: o.progressEvery === undefined ? 0 : positiveInteger(o.progressEvery, 'progressEvery'),
    progressSamples: o.progressSamples === undefined ? false : boolean(o.progressSamples, 'progressSamples'),
  };
  return { request, onProgress: o.onProgress, signal: o.signal };
}

// What a model file's "sampling" block means for the keys it leaves out (NcsnSamplingDefaults in
// src/models/ncsn_mlp.h). A model without the block (the mixture) has no defaults.
const FILE_SAMPLING_DEFAULTS = { sampler: 'annealed-langevin', steps_per_level: 100, step_size: 2e-5, denoise: true };

// The model's defaults, in the option names of sample().
function samplingDefaults(config) {
  const s = config?.sampling ? { ...FILE_SAMPLING_DEFAULTS, ...config.sampling } : {};
  return { sampler: s.sampler, sigmas: config?.sigmas, stepsPerLevel: s.steps_per_level, stepSize: s.step_size,
    denoise: s.denoise };
}

/** The σ of plain Langevin and score() when none is given: the smallest trained σ, or minSigma. */
export function defaultSigma(model) {
  return Array.isArray(model.config?.sigmas) ? model.config.sigmas.at(-1) : model.minSigma;
}

// Plain Langevin: one σ, `steps` steps.
function langevinSchedule(o, defaults, model) {
  const sigma = o.sigma ?? defaultSigma(model);
  const steps = required(o.steps ?? defaults.stepsPerLevel, 'steps', positiveInteger);
  if (steps > MAX_STEPS) throw invalidArgument(`steps must be at most ${MAX_STEPS}, got ${steps}`);
  return {
    sigmas: new Float32Array([normalFloat32(sigma, 'sigma')]),
    stepsPerLevel: steps,
    denoise: false,
  };
}

// Annealed Langevin: a list of levels or { max, min, levels }, stepsPerLevel steps each.
function annealedSchedule(o, defaults) {
  const sigmas = required(o.sigmas ?? defaults.sigmas, 'sigmas', sigmaList);
  const stepsPerLevel = positiveInteger(o.stepsPerLevel ?? defaults.stepsPerLevel ?? 100, 'stepsPerLevel');
  if (sigmas.length * stepsPerLevel > MAX_STEPS) {
    throw invalidArgument(`levels × stepsPerLevel must be at most ${MAX_STEPS}, got ${sigmas.length} × ` +
      `${stepsPerLevel} = ${sigmas.length * stepsPerLevel}`);
  }
  return {
    sigmas,
    stepsPerLevel,
    denoise: o.denoise === undefined ? defaults.denoise ?? false : boolean(o.denoise, 'denoise'),
  };
}

function sigmaList(value, name) {
  const isList = Array.isArray(value) || ArrayBuffer.isView(value);
  if (!isList && (value === null || typeof value !== 'object')) {
    throw invalidArgument(`${name} must be a list of noise levels or { max, min, levels }, got ${describe(value)}`);
  }
  if (isList) levelCount(value.length, `${name}.length`);
  return finiteVector(isList ? value : geometricSigmas(value), name, normalFloat32);
}

function levelCount(levels, name) {
  if (levels > MAX_LEVELS) {
    throw invalidArgument(`${name} must be at most ${MAX_LEVELS} (noise levels of one schedule), got ${levels}`);
  }
  return levels;
}

// Start points: 'gaussian' (N(0, σ_1² I)), { uniform: [lo, hi] } or n × dim given points.
function resolveInit(init, n, dim) {
  const none = { kind: INIT_KIND.gaussian, lo: 0, hi: 1, points: null };
  if (init === 'gaussian') return none;
  if (Array.isArray(init) || ArrayBuffer.isView(init)) {
    const { data, n: rows } = finiteRows(init, dim, 'init');
    if (rows !== n) throw invalidArgument(`init must hold n = ${n} points of ${dim} values, got ${rows} points`);
    return { ...none, kind: INIT_KIND.given, points: data };
  }
  if (init !== null && typeof init === 'object' && Object.keys(init).join() === 'uniform' &&
      Array.isArray(init.uniform) && init.uniform.length === 2) {
    const [lo, hi] = denseArray(init.uniform, 'init.uniform');
    return { ...none, kind: INIT_KIND.uniform, lo: float32Number(lo, 'init.uniform[0]'),
      hi: float32Number(hi, 'init.uniform[1]') };
  }
  throw invalidArgument(`init must be 'gaussian', { uniform: [lo, hi] } or n × dim start points, got ${describe(init)}`);
}

function required(value, name, check) {
  if (value === undefined) {
    throw invalidArgument(`${name} is required: the model has no default for it in its config`);
  }
  return check(value, name);
}

function checkSeed(seed) {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw invalidArgument(`seed must be a non-negative safe integer, got ${describe(seed)}`);
  }
  return seed;
}

function randomSeed() {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return (hi & 0x1fffff) * 2 ** 32 + lo;
}

function isAbortSignal(signal) {
  return signal !== null && typeof signal === 'object' && typeof signal.aborted === 'boolean' &&
    typeof signal.addEventListener === 'function';
}

