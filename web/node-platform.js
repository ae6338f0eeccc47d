// What the package needs from Node: the worker_threads Worker, where the build files are, how to
// read a model from a path or URL.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { abortError, ScoreWasmError } from './errors.js';
import { fetchBytes, reportWhole } from './model-download.js';

const DEFAULT_ASSETS = {
  'simd-threads': {
    script: fileURLToPath(new URL('./dist/score-wasm-simd-threads.js', import.meta.url)),
    wasm: fileURLToPath(new URL('./dist/score-wasm-simd-threads.wasm', import.meta.url)),
  },
  'simd': {
    script: fileURLToPath(new URL('./dist/score-wasm-simd.js', import.meta.url)),
    wasm: fileURLToPath(new URL('./dist/score-wasm-simd.wasm', import.meta.url)),
  },
};

export const environment = 'node';
export const crossOriginIsolated = false;
/** Node shares memory between worker_threads without any isolation. */
export const threadsAvailable = true;

/** Threads to use when init() is not told: the logical cores, at most 8. */
export function defaultThreads() {
  return Math.min(availableParallelism(), 8);
}

/** File paths of the build files of `flavour`. */
export function defaultAssets(flavour) {
  return { ...DEFAULT_ASSETS[flavour] };
}

/** Resolves a user-given location (a path, or a file: URL as string or URL) to an absolute path. */
export function resolveLocation(location) {
  const text = String(location);
  return path.resolve(text.startsWith('file:') ? fileURLToPath(text) : text);
}

/** The file `name` in the folder `base` (a path or file: URL). */
export function fileIn(base, name) {
  return path.join(resolveLocation(base), name);
}

/** Starts the worker_threads Worker that owns the WebAssembly module. */
export function spawnWorker(onMessage, onError) {
  // Workers inherit the process's flags; --input-type (of `node --input-type=module -e ...`) is
  // refused for a worker started from a file.
  const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
  const worker = new Worker(new URL('./node-worker.js', import.meta.url), { execArgv });
  let terminating = false;
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', (code) => {
    if (!terminating) onError(new Error(`the worker exited with code ${code}`));
  });
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    ref: () => worker.ref(),
    unref: () => worker.unref(),  // an idle package must not keep the process alive
    terminate: () => {
      terminating = true;
      return worker.terminate();
    },
  };
}

/**
 * Reads a model from a file path or file: URL, or fetches it from an http(s): URL (Node has no
 * Cache API: `cache` changes nothing here).
 */
export async function readModelSource(source, { onProgress, signal } = {}) {
  const url = toUrl(source);
  if (url && url.protocol !== 'file:') return fetchBytes(url, { onProgress, signal });
  const file = url ? fileURLToPath(url) : path.resolve(source);
  let bytes;
  try {
    bytes = new Uint8Array(await readFile(file, { signal }));
  } catch (error) {
    if (signal?.aborted) throw abortError(signal);
    throw new ScoreWasmError('IO_ERROR', `could not read the model file ${file}: ${error.message}`, { cause: error });
  }
  reportWhole(onProgress, bytes.byteLength);
  return bytes;
}

// A URL object, or a string that is a URL with a scheme (a path, even "C:\x", is not).
function toUrl(source) {
  if (source instanceof URL) return source;
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(source) || source.startsWith('file:') ? new URL(source) : null;
}
