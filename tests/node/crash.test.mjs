// A module that trapped or aborted is never called again: every pending call rejects with INTERNAL
// saying the module was restarted, its models become DISPOSED, and the next call runs on a fresh
// module in a new worker, started with the same init() options.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { backendInfo, gaussianMixture, init, shutdown } from 'score-wasm';
import { MIXTURE, mixtureScore, rejectsWith } from './helpers.mjs';

const webUrl = new URL('.', import.meta.resolve('score-wasm'));
const distUrl = new URL('./dist/', webUrl);
const scratch = mkdtempSync(path.join(tmpdir(), 'score-wasm-crash-'));
after(async () => {
  await shutdown();
  rmSync(scratch, { recursive: true, force: true });
});

// --- The worker's message handling (worker-core.js) with a fake module whose score() fails as told.

const corePath = fileURLToPath(new URL('./worker-core.js', webUrl));
vm.runInThisContext(readFileSync(corePath, 'utf8'), { filename: corePath });

/** A worker over a fake module; `failWith` (a function making the error) decides what score() does. */
function fakeWorker() {
  const calls = [];
  const answers = new Map();  // request id → response
  const waiting = new Map();  // request id → resolve
  const crashes = [];
  const fake = { failWith: null, factoryOptions: null, callsBeforeFailure: 0 };
  class Model {
    initGaussianMixture() { calls.push('initGaussianMixture'); return { code: 0 }; }
    configJson() { return '{}'; }
    dim() { return 2; }
    minSigma() { return 0; }
    architecture() { return 'fake'; }
    score() {
      calls.push('score');
      fake.callsBeforeFailure = calls.length;
      if (fake.failWith) throw fake.failWith();
      return { code: 0 };
    }
    delete() { calls.push('delete'); }
  }
  class Sampler {  // a run that never ends by itself
    init() { calls.push('sampler.init'); return { code: 0 }; }
    totalSteps() { return 1e9; }
    stepsDone() { return 0; }
    fraction() { return 0; }
    levels() { return 1; }
    stepsPerLevel() { return 1e9; }
    evaluations() { return 0; }
    done() { return false; }
    step() { calls.push('step'); return { code: 0 }; }
    samplesPtr() { return 16; }
    delete() { calls.push('sampler.delete'); }
  }
  const module = { Model, Sampler, HEAPU8: new Uint8Array(1 << 16), configureThreads() {}, threadCount: () => 1,
    _malloc: () => 64, _free: () => calls.push('free') };
  const handle = globalThis.createScoreWasmWorker({
    post(message) {
      if (message.crash) crashes.push(message.crash);
      else if (!message.progress) {
        answers.set(message.id, message);
        waiting.get(message.id)?.(message);
      }
    },
    async loadModule(assets, factoryOptions) {
      fake.factoryOptions = factoryOptions;
      return module;
    },
    yieldToEventLoop: () => new Promise(setImmediate),
  });
  let nextId = 1;
  const request = (type, payload = {}) => {
    const id = nextId++;
    const answered = new Promise((resolve) => waiting.set(id, resolve));
    handle({ id, type, ...payload });
    return answered;
  };
  return { fake, calls, crashes, request, notify: (type, payload) => handle({ type, ...payload }) };
}

const FAKE_INIT = { flavour: 'simd', threads: 1, assets: { script: 'fake.js' } };
const FAKE_MIXTURE = { weights: new Float32Array([1]), means: new Float32Array(2), stds: new Float32Array([1]), dim: 2 };
const fakeScore = (modelId) => ({ modelId, points: new Float32Array(2), n: 1, sigma: 1 });

const FATAL = {
  'a WebAssembly trap': () => new WebAssembly.RuntimeError('unreachable'),
  'a RangeError thrown through the module': () => new RangeError('Maximum call stack size exceeded'),
};

for (const [kind, makeError] of Object.entries(FATAL)) {
  test(`worker: after ${kind} the module is never called again and every request fails`, async () => {
    const w = fakeWorker();
    assert.equal((await w.request('init', FAKE_INIT)).ok, true);
    const { result: { modelId } } = await w.request('createMixture', FAKE_MIXTURE);
    const sampling = w.request('sample', { modelId, n: 1, sampling: {}, sigmas: new Float32Array([1]),
      points: null, progressEvery: 0, progressSamples: false });
    while (!w.calls.includes('step')) await new Promise(setImmediate);
    w.fake.failWith = makeError;
    const failed = await w.request('score', fakeScore(modelId));
    const error = makeError();
    assert.deepEqual(w.crashes, [{ message: `${error.name}: ${error.message}` }]);
    assert.equal(failed.ok, false);
    assert.equal(failed.error.code, 'INTERNAL');
    assert.match(failed.error.message, /the WebAssembly module crashed \(.*\); .*the next call starts a fresh module/);
    const stopped = await sampling;  // the run in progress stops at its next chunk
    assert.equal(stopped.error.code, 'INTERNAL');
    assert.match(stopped.error.message, /module crashed/);
    w.fake.failWith = null;
    const later = await w.request('score', fakeScore(modelId));
    assert.equal(later.error.code, 'INTERNAL');
    assert.match(later.error.message, new RegExp(`crashed \\(${error.name}`));
    w.notify('dispose', { modelId });
    // Nothing after the failing call, not even free() or delete(): its memory may be half updated.
    assert.deepEqual(w.calls.slice(w.fake.callsBeforeFailure), []);
    assert.equal(w.crashes.length, 1);
  });
}

test('worker: an Emscripten abort retires the module even when its RuntimeError is caught on the way', async () => {
  const w = fakeWorker();
  await w.request('init', FAKE_INIT);
  const { result: { modelId } } = await w.request('createMixture', FAKE_MIXTURE);
  w.fake.failWith = () => {
    w.fake.factoryOptions.onAbort('OOM');  // what Emscripten's abort() calls before it throws
    return new Error('a wrapper swallowed the RuntimeError');
  };
  const failed = await w.request('score', fakeScore(modelId));
  assert.deepEqual(w.crashes, [{ message: 'abort: OOM' }]);
  assert.equal(failed.error.code, 'INTERNAL');
  assert.match(failed.error.message, /crashed \(abort: OOM\)/);
  assert.equal((await w.request('createMixture', FAKE_MIXTURE)).error.code, 'INTERNAL');
  assert.deepEqual(w.calls.slice(w.fake.callsBeforeFailure), []);
});

test('worker: an ordinary error (a Status) does not retire the module', async () => {
  const w = fakeWorker();
  await w.request('init', FAKE_INIT);
  const { result: { modelId } } = await w.request('createMixture', FAKE_MIXTURE);
  w.fake.failWith = () => Object.assign(new Error('sigma must be >= 0'), { code: 'INVALID_ARGUMENT' });
  assert.deepEqual((await w.request('score', fakeScore(modelId))).error,
    { code: 'INVALID_ARGUMENT', message: 'sigma must be >= 0' });
  w.fake.failWith = null;
  assert.equal((await w.request('score', fakeScore(modelId))).ok, true);
  assert.deepEqual(w.crashes, []);
});

// --- The whole package, on the real module: a copy of the build whose Model.initGaussianMixture
// reads its weights from an address beyond the largest heap (2 GB) for a 7-dimensional mixture,
// so the WebAssembly module itself traps ("memory access out of bounds") on the worker's thread.

const TRAPPING_MIXTURE = { weights: [1], means: [[0, 0, 0, 0, 0, 0, 0]], stds: [1] };

function trappingBuild(flavour) {
  const script = path.join(scratch, `score-wasm-${flavour}.js`);
  const original = readFileSync(new URL(`score-wasm-${flavour}.js`, distUrl), 'utf8');
  // Pthread workers evaluate the same script with no `module`: they keep the real factory.
  writeFileSync(script, `${original}
;(() => {
  if (typeof module !== 'object' || typeof module.exports !== 'function') return;
  const factory = module.exports;
  module.exports = (options) => factory(options).then((m) => {
    const initGaussianMixture = m.Model.prototype.initGaussianMixture;
    m.Model.prototype.initGaussianMixture = function (weights, components, means, stds, dim) {
      return initGaussianMixture.call(this, dim === 7 ? 0xfffffff0 : weights, components, means, stds, dim);
    };
    return m;
  });
})();
`);
  return (name) => (name.endsWith('.js') && !name.endsWith('.worker.js') ? script : new URL(name, distUrl));
}

for (const [flavour, threads] of [['simd', 1], ['simd-threads', 2]]) {
  test(`a trap in the ${flavour} module fails the pending calls; the next call gets a fresh module`, async () => {
    await shutdown();
    await init({ threads, locateFile: trappingBuild(flavour) });
    const gmm = await gaussianMixture(MIXTURE);
    let started;
    const hasStarted = new Promise((resolve) => { started = resolve; });
    const restarted = /the WebAssembly module crashed \(RuntimeError: memory access out of bounds\); score-wasm restarted the module/;
    const running = rejectsWith(() => gmm.sample({ n: 1000, sigmas: [3, 2, 1], stepsPerLevel: 1e8, stepSize: 0.01,
      seed: 1, onProgress: () => started() }), 'INTERNAL', restarted);
    await hasStarted;

    await rejectsWith(() => gaussianMixture(TRAPPING_MIXTURE), 'INTERNAL', restarted);
    await running;  // the sampling run that was in progress
    // Models of the crashed module are disposed; disposing them again is harmless.
    await rejectsWith(() => gmm.score([[0, 0]], 1), 'DISPOSED', /the model was disposed: the WebAssembly module crashed/);
    await rejectsWith(() => gmm.sample({ n: 1, sigmas: [1], stepSize: 0.1 }), 'DISPOSED', /disposed/);
    gmm.dispose();

    // The next call starts a new worker with the same options (the trapping build again).
    const fresh = await gaussianMixture(MIXTURE);
    const expected = mixtureScore(MIXTURE, [[1, -2]], 0.5).flat();
    const s = await fresh.score([[1, -2]], 0.5);
    expected.forEach((e, i) => assert.ok(Math.abs(s[i] - e) <= 1e-5 * Math.abs(e), `${s[i]} vs ${e}`));
    assert.deepEqual(await backendInfo(), { flavour, threads, crossOriginIsolated: false, environment: 'node' });
    await rejectsWith(() => gaussianMixture(TRAPPING_MIXTURE), 'INTERNAL', restarted);
    const third = await gaussianMixture(MIXTURE);
    assert.equal((await third.sample({ n: 10, sigmas: [2, 1], stepsPerLevel: 5, stepSize: 0.1 })).length, 20);
    await shutdown();
  });
}
