// Turns what loadModel() accepts into the bytes of a model file.
import { invalidArgument, ScoreWasmError } from './errors.js';
import { describe } from './checks.js';

/** The pretrained models shipped in the package, loadable by name (web/models/NAME.safetensors). */
export const pretrainedModels = Object.freeze(['moons', 'swiss-roll', 'rings', 'checkerboard', 'mnist',
  'fashion-mnist']);

/**
 * Returns a fresh copy of the model bytes (it is transferred to the worker, so never the caller's).
 * @param {string | URL | ArrayBuffer | ArrayBufferView | Blob} source
 * @param {{ readModelSource(source: string | URL): Promise<Uint8Array> }} platform reads paths/URLs
 * @returns {Promise<Uint8Array>}
 */
export async function modelBytes(source, platform) {
  if (typeof source === 'string' && pretrainedModels.includes(source)) {
    return platform.readModelSource(new URL(`./models/${source}.safetensors`, import.meta.url));
  }
  if (typeof source === 'string' || source instanceof URL) return platform.readModelSource(source);
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  if (ArrayBuffer.isView(source)) {
    return new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice();
  }
  if (typeof Blob === 'function' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  throw invalidArgument('loadModel() expects a URL, a file path (in Node), an ArrayBuffer, a Uint8Array ' +
    `or a Blob, got ${describe(source)}`);
}

/** Fetches `url` and returns its body; any failure is an IO_ERROR naming the URL. */
export async function fetchBytes(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ScoreWasmError('IO_ERROR', `could not fetch the model ${url}: ${error.message}`, { cause: error });
  }
  if (!response.ok) {
    throw new ScoreWasmError('IO_ERROR', `could not fetch the model ${url}: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}
