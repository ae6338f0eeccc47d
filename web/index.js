// score-wasm: score-based generative models (exact Gaussian mixtures and noise-conditional score
// networks) sampled with Langevin dynamics in WebAssembly, off the main thread.
import { backendClient, platform } from './backend.js';
import { ScoreWasmError, invalidArgument } from './errors.js';
import { denseArray, describe, finiteRows, finiteVector, knownKeys, normalFloat32, optionsObject } from './checks.js';
import { ScoreModel } from './model.js';
import { loadOptions, modelBytes } from './model-source.js';
export { pretrainedModels } from './model-source.js';
export { MODEL_CACHE_NAME as modelCacheName } from './model-download.js';

export { ScoreWasmError, ScoreModel };
export { init, backendInfo, shutdown } from './backend.js';
export { geometricSigmas } from './sample-options.js';
export { imageGrid } from './image-grid.js';
export { trainModel } from './train.js';

/**
 * The exact mixture p(x) = Σ_k w_k N(x; μ_k, s_k² I): its score is known in closed form at every σ.
 * @param {{ weights: ArrayLike<number>, means: ArrayLike<number>[], stds: ArrayLike<number> }} spec
 * @returns {Promise<ScoreModel>}
 */
export async function gaussianMixture(spec) {
  const { weights, means, stds, ...rest } = optionsObject(spec, 'gaussianMixture() spec');
  knownKeys(rest, ['weights', 'means', 'stds'], 'gaussianMixture()');
  const w = finiteVector(weights, 'weights');
  const s = finiteVector(stds, 'stds', normalFloat32);
  if (Array.isArray(means)) denseArray(means, 'means');  // else a hole at 0 would read as "no dim"
  const dim = Array.isArray(means) && means.length > 0 ? means[0]?.length : undefined;
  if (!Number.isInteger(dim) || dim < 1) {
    throw invalidArgument(`means must be an array of K points (arrays of dim ≥ 1 numbers), got ${describe(means)}`);
  }
  const { data: m, n: components } = finiteRows(means, dim, 'means');
  if (components !== w.length || s.length !== w.length) {
    throw invalidArgument(`weights, means and stds must describe the same number of components, got ` +
      `${w.length} weights, ${components} means and ${s.length} stds`);
  }
  const client = await backendClient();
  const info = await client.request('createMixture', { weights: w, means: m, stds: s, dim },
    { transfer: [w.buffer, m.buffer, s.buffer] });
  return new ScoreModel(client, info);
}

/**
 * Loads a score network: a pretrained one by name (see pretrainedModels), or a .safetensors file.
 * @param {string | URL | ArrayBuffer | ArrayBufferView | Blob} source a pretrained model's name, a
 *   URL (relative to the page in browsers), a file path or file:/http(s): URL in Node, or the
 *   file's bytes
 * @param {{ onProgress?: (progress: { loadedBytes: number, totalBytes?: number, fromCache: boolean }) => void,
 *           signal?: AbortSignal, cache?: boolean }} [options]
 * @returns {Promise<ScoreModel>}
 */
export async function loadModel(source, options) {
  const o = loadOptions(options);
  const bytes = await modelBytes(source, await platform(), o);
  const client = await backendClient();
  const info = await client.request('loadModel', { bytes: bytes.buffer },
    { transfer: [bytes.buffer], signal: o.signal });
  return new ScoreModel(client, info);
}
