// What the package needs from a browser: the Worker, where the build files are, how to fetch a model.
import { fetchBytes } from './model-download.js';

// Literal new URL(..., import.meta.url) expressions, so that bundlers copy these files.
const DEFAULT_ASSETS = {
  'simd-threads': {
    script: new URL('./dist/score-wasm-simd-threads.js', import.meta.url).href,
    wasm: new URL('./dist/score-wasm-simd-threads.wasm', import.meta.url).href,
    pthreadWorker: new URL('./dist/score-wasm-simd-threads.worker.js', import.meta.url).href,
  },
  'simd': {
    script: new URL('./dist/score-wasm-simd.js', import.meta.url).href,
    wasm: new URL('./dist/score-wasm-simd.wasm', import.meta.url).href,
  },
};

export const environment = 'browser';

/** True when the page may share memory between threads (COOP same-origin + COEP require-corp). */
export const crossOriginIsolated = globalThis.crossOriginIsolated === true;
export const threadsAvailable = crossOriginIsolated && typeof SharedArrayBuffer === 'function';

/** Threads to use when init() is not told: the logical cores, at most 8. */
export function defaultThreads() {
  return Math.min(Math.max(navigator.hardwareConcurrency || 1, 1), 8);
}

/** URLs of the build files of `flavour`, plus the worker's core script. */
export function defaultAssets(flavour) {
  return { ...DEFAULT_ASSETS[flavour], core: new URL('./worker-core.js', import.meta.url).href };
}

/** Resolves a user-given location (relative URLs against the page) to an absolute URL string. */
export function resolveLocation(location) {
  return new URL(String(location), globalThis.document?.baseURI ?? globalThis.location?.href).href;
}

/** The file `name` in the folder `base` (a URL). */
export function fileIn(base, name) {
  return new URL(name, resolveLocation(base).replace(/\/?$/, '/')).href;
}

/** Starts the Worker that owns the WebAssembly module. */
export function spawnWorker(onMessage, onError) {
  const worker = new Worker(new URL('./worker.js', import.meta.url));
  worker.onmessage = (event) => onMessage(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    onError(new Error(event.message || 'the worker script failed to load'));
  };
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    ref() {},  // a page never waits for its workers
    unref() {},
    terminate: () => worker.terminate(),
  };
}

/**
 * Fetches a model file from a URL (string or URL, relative to the page), through the Cache API
 * unless `cache` is false.
 */
export function readModelSource(source, options) {
  return fetchBytes(resolveLocation(source), options);
}
