// The one Worker (per page or process) that owns the WebAssembly module: which build it loads, where
// the files come from, starting it once and stopping it.
import { WorkerClient } from './client.js';
import { invalidArgument, ScoreWasmError } from './errors.js';
import { describe, knownKeys, optionsObject, threadCount } from './checks.js';

// File names of each build, for the wasmPath / locateFile overrides.
const FILE_NAMES = {
  'simd-threads': { script: 'score-wasm-simd-threads.js', wasm: 'score-wasm-simd-threads.wasm',
    pthreadWorker: 'score-wasm-simd-threads.worker.js' },
  'simd': { script: 'score-wasm-simd.js', wasm: 'score-wasm-simd.wasm' },
};
const INIT_OPTIONS = ['threads', 'wasmPath', 'locateFile'];
const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' &&
  typeof window === 'undefined';

// The backend: null before the first call and after shutdown(); { options, started: null } after
// its worker crashed or died (the next call starts a new one with the same options); else
// { options, started: Promise<{ client, info }> }.
let current = null;

/**
 * Starts the backend with `options` (once; later calls with the same or no options return the same
 * info) and resolves with what it picked.
 */
export function init(options) {
  let o;
  try {
    o = checkInitOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  if (current && !sameOptions(current.options, o) && Object.keys(o).length > 0) {
    return Promise.reject(invalidArgument('init() options apply when the backend starts, and it has already ' +
      'started; call shutdown() first to start it again with other options'));
  }
  return started(o).then(({ info }) => ({ ...info }));
}

/** Resolves with the backend's info, starting it with default options if needed. */
export function backendInfo() {
  return init();
}

/** The client of the running backend (started with default options if needed). */
export async function backendClient() {
  return (await started({})).client;
}

/** The platform module of this environment (Node or browser). */
export function platform() {
  return isNode
    ? import(/* webpackIgnore: true */ /* @vite-ignore */ './node-platform.js')
    : import('./browser-platform.js');
}

/**
 * Stops the worker and its threads. Every model becomes disposed; the next call that needs the
 * backend starts a new one.
 */
export async function shutdown() {
  const stopping = current;
  current = null;
  if (!stopping?.started) return;
  let client;
  try {
    ({ client } = await stopping.started);
  } catch {
    return;  // it never started
  }
  const disposed = new ScoreWasmError('DISPOSED', 'the backend was shut down');
  try {
    await client.request('shutdown', {});  // ends the pthreads first (or Node never exits)
  } finally {
    client.terminate(disposed);
  }
}

// The start of the current backend; starts one with `options` if there is none, or with the old
// options if the last one crashed.
function started(options) {
  current ??= { options, started: null };
  const entry = current;
  entry.started ??= start(entry.options, entry);
  return entry.started;
}

async function start(options, entry) {
  let client = null;
  try {
    const p = await platform();
    const wanted = options.threads ?? p.defaultThreads();
    // One thread needs no pthreads: the single-threaded build is smaller and starts no workers.
    const flavour = p.threadsAvailable && wanted > 1 ? 'simd-threads' : 'simd';
    const threads = flavour === 'simd' ? 1 : wanted;
    const assets = locateAssets(p, flavour, options);
    const endpoint = p.spawnWorker((message) => {
      if (message.crash) retire(entry, client, `the WebAssembly module crashed (${message.crash.message})`);
      else client.receive(message);
    }, (error) => retire(entry, client, `the score-wasm worker stopped (${error.message})`));
    client = new WorkerClient(endpoint);
    const info = await client.request('init', { flavour, threads, assets });
    entry.running = true;
    return { client, info: { ...info, crossOriginIsolated: p.crossOriginIsolated, environment: p.environment } };
  } catch (error) {
    client?.terminate(error);
    if (current === entry) current = null;
    throw error;
  }
}

// Ends a worker whose module trapped or aborted, or that died: its pending calls fail, the models
// created in it are disposed, and the next call starts a fresh worker with the same options (a
// crashed module is never called again: its memory may be half updated). One that fails during
// init() is a failed start: nothing is kept, as for any other init() error.
function retire(entry, client, reason) {
  client.terminate(
    new ScoreWasmError('INTERNAL', `${reason}; score-wasm restarted the module: this call failed, and models ` +
      'created before are disposed'),
    new ScoreWasmError('DISPOSED', `the model was disposed: ${reason}, and score-wasm restarted the module`));
  if (current === entry) current = entry.running ? { options: entry.options, started: null } : null;
}

// Default file locations, or those that init()'s locateFile / wasmPath give.
function locateAssets(p, flavour, { wasmPath, locateFile }) {
  const assets = p.defaultAssets(flavour);
  for (const [key, name] of Object.entries(FILE_NAMES[flavour])) {
    if (locateFile) {
      const located = locateFile(name, assets[key]);
      if (typeof located !== 'string' && !(located instanceof URL)) {
        throw invalidArgument(`locateFile('${name}') must return a string or URL, got ${describe(located)}`);
      }
      assets[key] = p.resolveLocation(located);
    } else if (wasmPath !== undefined) {
      assets[key] = p.fileIn(wasmPath, name);
    }
  }
  return assets;
}

function checkInitOptions(options) {
  const o = optionsObject(options, 'init() options');
  knownKeys(o, INIT_OPTIONS, 'init()');
  if (o.threads !== undefined) threadCount(o.threads, 'threads');
  if (o.wasmPath !== undefined && typeof o.wasmPath !== 'string' && !(o.wasmPath instanceof URL)) {
    throw invalidArgument(`wasmPath must be a string or URL, got ${describe(o.wasmPath)}`);
  }
  if (o.locateFile !== undefined && typeof o.locateFile !== 'function') {
    throw invalidArgument(`locateFile must be a function, got ${describe(o.locateFile)}`);
  }
  return { ...o };
}

function sameOptions(a, b) {
  return a.threads === b.threads && a.locateFile === b.locateFile && String(a.wasmPath) === String(b.wasmPath);
}
