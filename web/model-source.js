// Turns what loadModel() accepts into the bytes of a model file.
import { abortError, invalidArgument } from './errors.js';
import { boolean, checkCallbacks, describe, knownKeys, optionsObject } from './checks.js';
import { reportWhole } from './model-download.js';

/** The pretrained models shipped in the package, loadable by name (web/models/NAME.safetensors). */
export const pretrainedModels = Object.freeze(['moons', 'swiss-roll', 'rings', 'checkerboard', 'mnist',
  'fashion-mnist']);

const LOAD_OPTIONS = ['onProgress', 'signal', 'cache'];

/**
 * Checks loadModel()'s options; `cache` defaults to true (used only where the Cache API exists).
 * @returns {{ onProgress?: Function, signal?: AbortSignal, cache: boolean }}
 */
export function loadOptions(options) {
  const o = optionsObject(options, 'loadModel() options');
  knownKeys(o, LOAD_OPTIONS, 'loadModel()');
  checkCallbacks(o);
  return { onProgress: o.onProgress, signal: o.signal, cache: o.cache === undefined ? true : boolean(o.cache, 'cache') };
}

/**
 * Returns a fresh copy of the model bytes (it is transferred to the worker, so never the caller's).
 * @param {string | URL | ArrayBuffer | ArrayBufferView | Blob} source
 * @param {{ readModelSource(source: string | URL, options: object): Promise<Uint8Array> }} platform
 *   reads paths and URLs
 * @param {{ onProgress?: Function, signal?: AbortSignal, cache: boolean }} options from loadOptions()
 * @returns {Promise<Uint8Array>}
 */
export async function modelBytes(source, platform, options) {
  if (options.signal?.aborted) throw abortError(options.signal);
  if (typeof source === 'string' && pretrainedModels.includes(source)) {
    return platform.readModelSource(new URL(`./models/${source}.safetensors`, import.meta.url), options);
  }
  if (typeof source === 'string' || source instanceof URL) return platform.readModelSource(source, options);
  const bytes = await copyBytes(source);
  reportWhole(options.onProgress, bytes.byteLength);
  return bytes;
}

async function copyBytes(source) {
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  if (ArrayBuffer.isView(source)) {
    return new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice();
  }
  if (typeof Blob === 'function' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  throw invalidArgument('loadModel() expects a URL, a file path (in Node), an ArrayBuffer, a Uint8Array ' +
    `or a Blob, got ${describe(source)}`);
}
