// Turns the options of model.sample() into the plain request the worker runs: the SamplerRequest
// of wasm/bindings.cc, the listed noise levels and the start points. The core resolves the rest.
import { invalidArgument } from './errors.js';
import {
  boolean, checkCallbacks, checkSeed, denseArray, describe, float32Number, finiteRows, finiteVector,
  knownKeys, nonNegativeInteger, normalFloat32, optionsObject, positiveInteger, randomSeed, threadCount,
} from './checks.js';

const COMMON_OPTIONS = ['n', 'sampler', 'stepSize', 'seed', 'init', 'threads', 'onProgress', 'signal',
  'progressEvery', 'progressSamples', 'known', 'mask'];
const SDE_OPTIONS = ['steps', 'sigmaMax', 'sigmaMin', 'denoise'];
const SAMPLER_OPTIONS = {
  'langevin': ['sigma', 'steps'],
  'annealed-langevin': ['sigmas', 'stepsPerLevel', 'denoise'],
  'reverse-diffusion': SDE_OPTIONS,
  'pc': [...SDE_OPTIONS, 'correctorSteps', 'snr'],
  'ode': [...SDE_OPTIONS, 'solver', 'rtol', 'atol'],
};
const ALL_OPTIONS = [...COMMON_OPTIONS, ...new Set(Object.values(SAMPLER_OPTIONS).flat())];
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
 * Geometric noise levels σ_i = max · (min / max)^(i / (levels − 1)), i = 0 … levels − 1, as the core's
 * GeometricSigmas computes them for sample({ sigmas: { max, min, levels } }) (a single level is [max];
 * a test checks that both give the same samples). A convenience for plots and custom schedules;
 * sample() does not use it. At most MAX_LEVELS levels.
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
 * Checks the JavaScript types and ranges of `options` and turns them into the request the worker
 * forwards to the core, which resolves what is left out from the model's file (its "sampling" and
 * "sigmas") and decides which option belongs to which sampler: sw::ResolveSamplerOptions in
 * src/samplers/sampling_rules.h is the one owner of those rules.
 * @param {object} options what the user passed to sample()
 * @param {{ dim: number }} model
 * @param {{ encode?: boolean }} [how] encode: the ODE from sigmaMin up to sigmaMax (model.encode())
 * @returns {{ request: object, onProgress?: Function, signal?: AbortSignal }}
 */
export function resolveSampleOptions(options, model, { encode = false } = {}) {
  const o = optionsObject(options, 'sample() options');
  knownKeys(o, ALL_OPTIONS, 'sample()');
  if (o.sampler !== undefined && !Object.hasOwn(SAMPLER_OPTIONS, o.sampler)) {
    throw invalidArgument(`sampler must be one of ${Object.keys(SAMPLER_OPTIONS).map((s) => `'${s}'`).join(', ')}, ` +
      `got ${describe(o.sampler)}`);
  }
  const n = positiveInteger(o.n, 'n');
  const { list, schedule } = sigmaRequest(o.sigmas);
  const stepsPerLevel = o.stepsPerLevel === undefined ? 0 : positiveInteger(o.stepsPerLevel, 'stepsPerLevel');
  const steps = o.steps === undefined ? 0 : positiveInteger(o.steps, 'steps');
  if (steps > MAX_STEPS) throw invalidArgument(`steps must be at most ${MAX_STEPS}, got ${steps}`);
  const levels = list?.length ?? schedule?.levels;
  if (levels !== undefined && levels * stepsPerLevel > MAX_STEPS) {
    throw invalidArgument(`levels × stepsPerLevel must be at most ${MAX_STEPS}, got ${levels} × ` +
      `${stepsPerLevel} = ${levels * stepsPerLevel}`);
  }
  const seed = o.seed === undefined ? randomSeed() : checkSeed(o.seed);
  const init = resolveInit(o.init ?? 'gaussian', n, model.dim);
  const sampling = {
    sampler: o.sampler ?? '',
    sigmasMax: schedule?.max ?? 0,
    sigmasMin: schedule?.min ?? 0,
    sigmasLevels: schedule?.levels ?? 0,
    stepsPerLevel,
    denoise: o.denoise === undefined ? -1 : Number(boolean(o.denoise, 'denoise')),
    hasSigma: o.sigma !== undefined,
    sigma: o.sigma === undefined ? 0 : normalFloat32(o.sigma, 'sigma'),
    steps,
    stepSize: o.stepSize === undefined ? 0 : positiveFloat32(o.stepSize, 'stepSize'),
    sigmaMax: o.sigmaMax === undefined ? 0 : positiveFloat32(o.sigmaMax, 'sigmaMax'),
    sigmaMin: o.sigmaMin === undefined ? 0 : positiveFloat32(o.sigmaMin, 'sigmaMin'),
    correctorSteps: o.correctorSteps === undefined ? -1 : correctorSteps(o.correctorSteps),
    snr: o.snr === undefined ? 0 : positiveFloat32(o.snr, 'snr'),
    solver: o.solver === undefined ? '' : solverName(o.solver),
    rtol: o.rtol === undefined ? 0 : tolerance(o.rtol, 'rtol'),
    atol: o.atol === undefined ? 0 : tolerance(o.atol, 'atol'),
    encode,
    seedLo: seed % 2 ** 32,
    seedHi: Math.floor(seed / 2 ** 32),
    init: init.kind,
    uniformLo: init.lo,
    uniformHi: init.hi,
    maxThreads: o.threads === undefined ? 0 : threadCount(o.threads, 'threads'),
  };
  checkCallbacks(o);
  const request = {
    n,
    sampling,
    sigmas: list ?? null,  // none listed: a schedule, or the file's levels
    points: init.points,
    ...inpainting(o.known, o.mask),
    progressEvery: o.progressEvery === undefined ? 0 : positiveInteger(o.progressEvery, 'progressEvery'),
    progressSamples: o.progressSamples === undefined ? false : boolean(o.progressSamples, 'progressSamples'),
  };
  return { request, onProgress: o.onProgress, signal: o.signal };
}

/** The σ of score() when none is given: the smallest trained σ, or minSigma. */
export function defaultSigma(model) {
  return Array.isArray(model.config?.sigmas) ? model.config.sigmas.at(-1) : model.minSigma;
}

// sigmas: a list of levels (sent as f32) or { max, min, levels } (the core builds the schedule).
function sigmaRequest(value) {
  if (value === undefined) return {};
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    levelCount(value.length, 'sigmas.length');
    return { list: finiteVector(value, 'sigmas', normalFloat32) };
  }
  if (value === null || typeof value !== 'object') {
    throw invalidArgument(`sigmas must be a list of noise levels or { max, min, levels }, got ${describe(value)}`);
  }
  const { max, min, levels, ...rest } = value;
  knownKeys(rest, ['max', 'min', 'levels'], 'sigmas');
  return { schedule: { max: normalFloat32(max, 'sigmas.max'), min: normalFloat32(min, 'sigmas.min'),
    levels: levelCount(positiveInteger(levels, 'sigmas.levels'), 'sigmas.levels') } };
}

// 0 means "not given" to the core, so a given value must be positive here.
function positiveFloat32(value, name) {
  normalFloat32(value, name);
  if (!(value > 0)) throw invalidArgument(`${name} must be > 0, got ${describe(value)}`);
  return value;
}

function correctorSteps(value) {
  nonNegativeInteger(value, 'correctorSteps');
  if (value > MAX_LEVELS) throw invalidArgument(`correctorSteps must be at most ${MAX_LEVELS}, got ${value}`);
  return value;
}

function solverName(value) {
  if (typeof value !== 'string') throw invalidArgument(`solver must be a string, got ${describe(value)}`);
  return value;  // the core says which solvers it has
}

// rtol / atol of the adaptive solver: 0 means "not given" to the core, so a given one is > 0.
function tolerance(value, name) {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    throw invalidArgument(`${name} must be a number in (0, 1), got ${describe(value)}`);
  }
  return value;
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

const LOG_PROB_OPTIONS = ['solver', 'steps', 'rtol', 'atol', 'sigmaMax', 'sigmaMin', 'probes', 'seed', 'threads',
  'onProgress', 'signal', 'progressEvery'];

/**
 * Checks the JavaScript types and ranges of model.logProb()'s options and turns them into the
 * LogProbRequest of wasm/bindings.cc; the core (sw::ResolveLogProbOptions) fills in the defaults.
 * @returns {{ likelihood: object, progressEvery: number, onProgress?: Function, signal?: AbortSignal }}
 */
export function resolveLogProbOptions(options) {
  const o = optionsObject(options, 'logProb() options');
  knownKeys(o, LOG_PROB_OPTIONS, 'logProb()');
  const seed = o.seed === undefined ? 0 : checkSeed(o.seed);
  const likelihood = {
    solver: o.solver === undefined ? '' : solverName(o.solver),
    steps: o.steps === undefined ? 0 : levelCount(positiveInteger(o.steps, 'steps'), 'steps'),
    rtol: o.rtol === undefined ? 0 : tolerance(o.rtol, 'rtol'),
    atol: o.atol === undefined ? 0 : tolerance(o.atol, 'atol'),
    sigmaMax: o.sigmaMax === undefined ? 0 : positiveFloat32(o.sigmaMax, 'sigmaMax'),
    sigmaMin: o.sigmaMin === undefined ? 0 : positiveFloat32(o.sigmaMin, 'sigmaMin'),
    probes: o.probes === undefined ? -1 : nonNegativeInteger(o.probes, 'probes'),
    seedLo: seed % 2 ** 32,
    seedHi: Math.floor(seed / 2 ** 32),
    maxThreads: o.threads === undefined ? 0 : threadCount(o.threads, 'threads'),
  };
  checkCallbacks(o);
  const progressEvery = o.progressEvery === undefined ? 0 : positiveInteger(o.progressEvery, 'progressEvery');
  return { likelihood, progressEvery, onProgress: o.onProgress, signal: o.signal };
}

// Inpainting: `known` values and a `mask` of as many 0 / 1 entries (dim, or n × dim); the core
// checks the counts and which samplers take them.
function inpainting(known, mask) {
  if (known === undefined && mask === undefined) return { known: null, mask: null };
  if (known === undefined || mask === undefined) {
    throw invalidArgument('inpainting needs both known (the values) and mask (1 = known, 0 = to fill in)');
  }
  const values = Array.isArray(known) && known.some((row) => Array.isArray(row) || ArrayBuffer.isView(row))
    ? known.flatMap((row, i) => Array.from(denseArray(row, `known[${i}]`)))
    : known;
  const data = finiteVector(values, 'known');
  if (!(Array.isArray(mask) || ArrayBuffer.isView(mask))) {
    throw invalidArgument(`mask must be a Uint8Array or an array of 0 and 1, got ${describe(mask)}`);
  }
  const bits = Uint8Array.from(denseArray(mask, 'mask'), (v, i) => {
    if (v !== 0 && v !== 1) throw invalidArgument(`mask[${i}] must be 0 or 1, got ${describe(v)}`);
    return v;
  });
  if (bits.length !== data.length) {
    throw invalidArgument(`known and mask must hold as many values (got ${data.length} and ${bits.length})`);
  }
  return { known: data, mask: bits };
}
