// Downloads a model file: streamed so that loadModel() can report progress, abortable, and kept in
// the browser's Cache API so that a page opened again (or offline) does not download it again.
import { abortError, ScoreWasmError } from './errors.js';

// The package version is part of the cache's name: a page that upgrades score-wasm but serves the
// shipped models from the same URL (node_modules copied as is) must not get the old files.
// tests/node/model-download.test.mjs checks it against package.json.
export const MODEL_CACHE_NAME = 'score-wasm-models-0.1.0';

/**
 * Fetches `url` and returns its body, reporting { loadedBytes, totalBytes, fromCache } as it
 * arrives (the last report has totalBytes === loadedBytes). A failed fetch or an HTTP error is an
 * IO_ERROR naming the URL; a fired `signal` is ABORTED. With `cache`, a copy in the Cache API
 * is used instead of the network, and a fresh download is stored there.
 * @param {string | URL} url
 * @param {{ onProgress?: Function, signal?: AbortSignal, cache?: boolean }} [options]
 * @returns {Promise<Uint8Array>}
 */
export async function fetchBytes(url, { onProgress, signal, cache = false } = {}) {
  const key = String(url);
  const store = cache ? await openCache() : null;
  const cached = store && await store.match(key).catch(() => undefined);
  let response = cached;
  if (!response) {
    try {
      response = await fetch(key, { signal });
    } catch (error) {
      throw signal?.aborted ? abortError(signal) :
        new ScoreWasmError('IO_ERROR', `could not fetch the model ${key}: ${error.message}`, { cause: error });
    }
    if (!response.ok) {
      throw new ScoreWasmError('IO_ERROR', `could not fetch the model ${key}: HTTP ${response.status}`);
    }
  }
  const bytes = await readBody(response, key, { onProgress, signal, fromCache: Boolean(cached) });
  if (store && !cached) await storeInCache(store, key, bytes);
  return bytes;
}

/** One progress report, for sources that arrive whole (a file, a buffer). */
export function reportWhole(onProgress, byteLength) {
  onProgress?.({ loadedBytes: byteLength, totalBytes: byteLength, fromCache: false });
}

// Reads the body chunk by chunk. Content-Length is the size only without a Content-Encoding (else it
// counts the compressed bytes, and the decoded body is longer). A throwing onProgress ends the load
// with its error.
async function readBody(response, key, { onProgress, signal, fromCache }) {
  const length = Number(response.headers.get('Content-Length'));
  const totalBytes = !response.headers.has('Content-Encoding') && Number.isSafeInteger(length) && length >= 0 ?
    length : undefined;
  const reader = response.body?.getReader();
  const chunks = [];
  let loadedBytes = 0;
  let lastReport = null;
  for (;;) {
    let chunk;
    try {
      chunk = reader ? await reader.read() : { done: true };
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      throw new ScoreWasmError('IO_ERROR', `the download of the model ${key} broke off: ${error.message}`,
        { cause: error });
    }
    if (chunk.done) break;
    chunks.push(chunk.value);
    loadedBytes += chunk.value.byteLength;
    lastReport = { loadedBytes, totalBytes: totalBytes >= loadedBytes ? totalBytes : undefined, fromCache };
    onProgress?.(lastReport);
  }
  if (signal?.aborted) throw abortError(signal);
  if (lastReport?.totalBytes !== loadedBytes) onProgress?.({ loadedBytes, totalBytes: loadedBytes, fromCache });
  const bytes = new Uint8Array(loadedBytes);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

// The Cache API exists in browsers' secure contexts (https, localhost) only; anywhere it is missing
// or refuses (an opaque origin, storage turned off) the model is simply downloaded.
async function openCache() {
  if (typeof caches !== 'object' || caches === null) return null;
  try {
    return await caches.open(MODEL_CACHE_NAME);
  } catch {
    return null;
  }
}

// Caching is an optimisation: a full quota or a refused write leaves the download as it is.
async function storeInCache(store, key, bytes) {
  try {
    await store.put(key, new Response(bytes.slice(), {
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) },
    }));
  } catch {
    // the next load downloads it again
  }
}
