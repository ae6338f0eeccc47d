// A score model living in the worker: the object users sample from and query the score of.
import { ScoreWasmError } from './errors.js';
import { finiteRows, knownKeys, normalFloat32, optionsObject } from './checks.js';
import { defaultSigma, resolveLogProbOptions, resolveSampleOptions } from './sample-options.js';

// What encode() and decode() take: the ODE's options without the sampler, start or denoising.
const ODE_MAP_OPTIONS = ['steps', 'sigmaMax', 'sigmaMin', 'solver', 'rtol', 'atol', 'seed', 'threads', 'onProgress', 'signal',
  'progressEvery', 'progressSamples'];

export class ScoreModel {
  #client;
  #id;
  #disposed = false;

  /**
   * Not called by users: gaussianMixture() and loadModel() create models.
   * @param {import('./client.js').WorkerClient} client
   * @param {{ modelId: number, dim: number, minSigma: number, architecture: string, config: object }} info
   */
  constructor(client, { modelId, dim, minSigma, architecture, config }) {
    this.#client = client;
    this.#id = modelId;
    this.dim = dim;
    this.minSigma = minSigma;
    this.architecture = architecture;
    this.config = deepFreeze(config);
    this.dataShape = Object.freeze(dataShape(config, dim));
    Object.freeze(this);
  }

  /**
   * The score s(x, σ) ≈ ∇x log p_σ(x) of every point.
   * @param {Float32Array | Float64Array | ArrayLike<number>[]} points n × dim values, row-major
   * @param {number} [sigma] noise level, ≥ minSigma, 0 or a normal float32 (default: the smallest
   *   trained σ, or minSigma)
   * @returns {Promise<Float32Array>} n × dim values, row-major
   */
  async score(points, sigma = defaultSigma(this)) {
    this.#checkAlive();
    const { data, n } = finiteRows(points, this.dim, 'points');
    normalFloat32(sigma, 'sigma');
    return this.#client.request('score', { modelId: this.#id, points: data, n, sigma },
      { transfer: [data.buffer] });
  }

  /**
   * Draws n samples with Langevin dynamics (see index.d.ts for every option).
   * @returns {Promise<Float32Array>} n × dim values, row-major
   */
  async sample(options) {
    return this.#run(options, {});
  }

  async #run(options, how) {
    this.#checkAlive();
    const { request, onProgress, signal } = resolveSampleOptions(options, this, how);
    const transfer = [request.sigmas?.buffer, request.points?.buffer, request.known?.buffer, request.mask?.buffer]
      .filter(Boolean);
    return this.#client.request('sample', { modelId: this.#id, ...request }, { transfer, onProgress, signal });
  }

  /**
   * Maps points to latents at sigmaMax with the probability-flow ODE, from sigmaMin up (see
   * index.d.ts); decode() maps them back.
   * @returns {Promise<Float32Array>} n × dim values, row-major
   */
  async encode(points, options = {}) {
    return this.#ode(points, options, true);
  }

  /**
   * Maps latents at sigmaMax to points with the probability-flow ODE, down to sigmaMin, without
   * the denoising step: decode(encode(x)) ≈ x.
   * @returns {Promise<Float32Array>} n × dim values, row-major
   */
  async decode(latents, options = {}) {
    return this.#ode(latents, options, false);
  }

  async #ode(points, options, encode) {
    const name = encode ? 'encode()' : 'decode()';
    const o = optionsObject(options, `${name} options`);
    knownKeys(o, ODE_MAP_OPTIONS, name);
    const { n } = finiteRows(points, this.dim, 'points');
    return this.#run({ ...o, n, sampler: 'ode', init: points, denoise: encode ? undefined : false }, { encode });
  }

  /**
   * The log-density log p_σmin of every point, in nats, from the probability-flow ODE (see
   * index.d.ts).
   * @returns {Promise<Float64Array>} n values
   */
  async logProb(points, options = {}) {
    this.#checkAlive();
    const { data, n } = finiteRows(points, this.dim, 'points');
    const { likelihood, progressEvery, onProgress, signal } = resolveLogProbOptions(options);
    return this.#client.request('logProb', { modelId: this.#id, n, likelihood, points: data, progressEvery },
      { transfer: [data.buffer], onProgress, signal });
  }

  /** Frees the model in the worker; later calls reject with code 'DISPOSED'. Idempotent. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#client.notify('dispose', { modelId: this.#id });
  }

  [Symbol.dispose]() {
    this.dispose();
  }

  #checkAlive() {
    if (this.#disposed) throw new ScoreWasmError('DISPOSED', 'the model was disposed');
  }
}

// The shape of one sample: the config's "data_shape" ([H, W, C] for images) when it describes dim
// values, else [dim] (the mixture, files without one).
function dataShape(config, dim) {
  const shape = config?.data_shape;
  const valid = Array.isArray(shape) && shape.length > 0 && shape.every((d) => Number.isInteger(d) && d > 0) &&
    shape.reduce((a, b) => a * b, 1) === dim;
  return valid ? [...shape] : [dim];
}

function deepFreeze(value) {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
