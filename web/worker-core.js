'use strict';
// The message handling of the Worker that owns the WebAssembly module, shared by the browser entry
// (worker.js, a classic Worker) and the Node entry (node-worker.js, a worker_threads Worker). It is a
// plain script that defines one global function, loaded with importScripts / vm.runInThisContext.
//
// Protocol (plain objects; sample, score and logProb buffers are transferred, never copied twice):
//   page → worker  request   { id, type, ...payload }   types: init, createMixture, loadModel,
//                                                        score, sample, logProb, train, shutdown,
//                                                        memory
//   worker → page  response  { id, ok: true, result } | { id, ok: false, error: { code, message } }
//   worker → page  progress  { id, progress: { step, totalSteps, level, levels, fraction, evaluations,
//                                             samples? } }   ('train': { step, totalSteps, fraction,
//                                             loss })
//   worker → page  crash     { crash: { message } }  once, when the module trapped or aborted
//   page → worker  notice    { type: 'abort', target: id } | { type: 'dispose', modelId }  (no reply)
//                            | { type: 'stop', target: id }: a 'train' run ends early and answers
// Every request is answered exactly once; a handler that throws answers with its error.
// 'memory' is a diagnostic for the package's own tests (no public API): { heapBytes, heapTop }, see
// memory() below.
// A trap or abort (any WebAssembly.RuntimeError, a RangeError such as a stack overflow thrown
// through the module, an Emscripten abort) leaves the module's memory and stack pointer half
// updated: the worker never calls into it again, answers every request with INTERNAL, and sends
// 'crash' so that the page ends this worker and starts a fresh one for the next call.

/**
 * Creates the message handler of one worker.
 * @param {{ post(message: object, transfer: Transferable[]): void,
 *           loadModule(assets: object, factoryOptions: object): Promise<object>,
 *           yieldToEventLoop(): Promise<void> }} host what differs between browser and Node
 * @returns {(message: object) => void}
 */
function createScoreWasmWorker(host) {
  // A sampling run advances in chunks of about this many milliseconds, then yields so that an
  // 'abort' notice is seen (the chunk size adapts to the measured time per step).
  const CHUNK_TARGET_MS = 25;
  // Size of the block the 'memory' diagnostic allocates to find the top of the used heap.
  const MEMORY_PROBE_BYTES = 1 << 20;
  const requests = { init, createMixture, loadModel, score, sample, logProb, train, shutdown, memory };
  const notices = { abort, dispose, stop };
  const models = new Map();  // modelId → { id, model, runs: Set<run>, disposed }
  const runs = new Map();    // request id of a 'sample', 'logProb' or 'train' → { stopCode, stopRequested }
  let nextModelId = 1;
  let ready = null;          // the promise of 'init'; set once (the double-init guard)
  let wasm = null;           // the Emscripten module, once ready
  let crash = null;          // what trapped or aborted: the module is never called again after it

  return (message) => {
    if (Object.hasOwn(notices, message.type)) notices[message.type](message);
    else respond(message);
  };

  async function respond(message) {
    try {
      const handler = Object.hasOwn(requests, message.type) ? requests[message.type] : null;
      if (!handler) throw failure('INTERNAL', `unknown request type '${message.type}'`);
      if (message.type !== 'init' && message.type !== 'shutdown') await whenReady();
      const { result, transfer = [] } = await handler(message);
      host.post({ id: message.id, ok: true, result }, transfer);
    } catch (error) {
      const payload = broken(error) ? { code: 'INTERNAL', message: crashMessage() } : errorPayload(error);
      host.post({ id: message.id, ok: false, error: payload });
    }
  }

  async function whenReady() {
    if (!ready) throw failure('INTERNAL', 'the worker received a request before init');
    await ready;
    if (crash) throw failure('INTERNAL', crashMessage());
  }

  // Notes a trap or abort; true once the module must not be called again, not even to free memory.
  // Every RangeError counts: out of WASM it is a stack overflow, and in this file's heap views it
  // means the module handed back a bad address or length.
  function broken(error) {
    if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError) {
      crashed(`${error.name}: ${messageOf(error)}`);
    }
    return crash !== null;
  }

  function crashed(reason) {
    if (crash) return;
    crash = reason;
    host.post({ crash: { message: reason } }, []);
  }

  function crashMessage() {
    return `the WebAssembly module crashed (${crash}); this worker is retired and the next call starts a ` +
      'fresh module';
  }

  async function init({ flavour, threads, assets }) {
    if (ready) throw failure('INTERNAL', 'the worker is already initialised');
    ready = (async () => {
      const threaded = flavour === 'simd-threads';
      // An abort whose RuntimeError is caught on the way (or that happens outside a request) still
      // retires the module; one while loading is a failed init, reported as such.
      const onAbort = (what) => {
        if (wasm) crashed(`abort: ${what}`);
      };
      const factoryOptions = threaded ? { pthreadPoolSize: threads - 1, onAbort } : { onAbort };
      try {
        wasm = await host.loadModule(assets, factoryOptions);
      } catch (error) {
        throw failure('IO_ERROR', `could not load the ${flavour} build from ${assets.script}: ${messageOf(error)}`);
      }
      if (threaded) wasm.configureThreads(threads);
    })();
    await ready;
    return { result: { flavour, threads: wasm.threadCount() } };
  }

  function createMixture({ weights, means, stds, dim }) {
    return register((model) => withHeapCopies([weights, means, stds], (w, m, s) =>
      model.initGaussianMixture(w, weights.length, m, s, dim)));
  }

  function loadModel({ bytes }) {
    const view = new Uint8Array(bytes);
    return register((model) => withHeapCopies([view], (b) => model.initFromFile(b, view.length)));
  }

  // Creates a Model, initialises it with `initialise(model) → Status` and keeps it under a new id.
  function register(initialise) {
    const model = new wasm.Model();
    let config;
    try {
      checkStatus(initialise(model));
      config = parseConfig(model.configJson());
    } catch (error) {
      if (!broken(error)) model.delete();
      throw error;
    }
    const id = nextModelId++;
    models.set(id, { id, model, runs: new Set(), disposed: false });
    const result = { modelId: id, dim: model.dim(), minSigma: model.minSigma(),
      architecture: model.architecture(), config };
    return { result };
  }

  function score({ modelId, points, n, sigma }) {
    const { model } = liveModel(modelId);
    const count = n * model.dim();
    if (points.length !== count) throw failure('INTERNAL', `score: ${points.length} values for ${count}`);
    const out = allocate(count * 4);
    try {
      checkStatus(withHeapCopies([points], (x) => model.score(x, n, sigma, out, 0)));
      const scores = copyOutFloats(out, count);
      return { result: scores, transfer: [scores.buffer] };
    } catch (error) {
      broken(error);
      throw error;
    } finally {
      if (!crash) wasm._free(out);
    }
  }

  async function sample({ id, modelId, n, sampling, sigmas, points, known, mask, progressEvery, progressSamples }) {
    return stepped(id, modelId, () => new wasm.Sampler(), (entry, sampler) => {
      checkStatus(withHeapCopies([sigmas, points, known, mask], (s, p, k, m) =>
        sampler.init(entry.model, n, sampling, s, sigmas?.length ?? 0, p, k, m, known?.length ?? 0)));
      const count = n * entry.model.dim();
      return {
        levels: sampler.levels(),  // as the core resolved them from the options and the file
        perLevel: sampler.stepsPerLevel(),
        progressEvery,
        snapshot: progressSamples ? () => copyOutFloats(sampler.samplesPtr(), count) : null,
        result: () => copyOutFloats(sampler.samplesPtr(), count),
      };
    });
  }

  async function logProb({ id, modelId, n, likelihood, points, progressEvery }) {
    return stepped(id, modelId, () => new wasm.LogProb(), (entry, run) => {
      checkStatus(withHeapCopies([points], (p) => run.init(entry.model, n, likelihood, p)));
      return {
        levels: run.totalSteps() + 1,  // the ODE's levels, one step between each two (1: adaptive)
        perLevel: 1,
        progressEvery,
        snapshot: null,
        result: () => copyOutDoubles(run.resultPtr(), n),
      };
    });
  }

  // Runs a core object that advances in steps (a Sampler, a LogProb) to the end in chunks of about
  // CHUNK_TARGET_MS, reporting progress, yielding to the event loop between chunks and stopping at
  // an abort or a dispose. create() makes it; setUp(entry, stepper) initialises it and says how to
  // report and finish.
  async function stepped(id, modelId, create, setUp) {
    const entry = liveModel(modelId);
    const run = { stopCode: null };
    runs.set(id, run);
    entry.runs.add(run);
    const stepper = create();
    try {
      const { levels, perLevel, progressEvery, snapshot, result } = setUp(entry, stepper);
      const total = stepper.totalSteps();  // 0: the adaptive solver, whose steps are found as it goes
      let chunk = 1;
      while (!stepper.done()) {
        if (crash) throw failure('INTERNAL', crashMessage());  // another request trapped meanwhile
        if (run.stopCode) throw failure(run.stopCode, stopMessage(run.stopCode));
        const done = stepper.stepsDone();
        // Chunks end at every level boundary of a run with several steps per level (so each
        // level gets a progress report) and at every multiple of progressEvery; without
        // progressEvery, every chunk is reported.
        const toLevelEnd = perLevel > 1 && done < levels * perLevel ? perLevel - (done % perLevel)
          : total > 0 ? total - done : Infinity;
        const toReport = progressEvery ? progressEvery - (done % progressEvery) : Infinity;
        const steps = Math.min(chunk, toLevelEnd, toReport);
        const start = performance.now();
        checkStatus(stepper.step(steps));
        chunk = nextChunkSize(steps, chunk, performance.now() - start);
        if (!progressEvery || steps === toLevelEnd || steps === toReport) {
          const step = stepper.stepsDone();
          const progress = { step, totalSteps: total, fraction: stepper.fraction(), levels,
            level: total > 0 ? Math.min(Math.floor((step - 1) / perLevel), levels - 1) : stepper.done() ? levels - 1 : 0,
            evaluations: stepper.evaluations() };
          if (snapshot) progress.samples = snapshot();
          host.post({ id, progress }, snapshot ? [progress.samples.buffer] : []);
        }
        await host.yieldToEventLoop();
      }
      const values = result();
      return { result: values, transfer: [values.buffer] };
    } catch (error) {
      broken(error);
      throw error;
    } finally {
      runs.delete(id);
      entry.runs.delete(run);
      if (!crash) {
        stepper.delete();
        releaseIfDisposed(entry);
      }
    }
  }

  // Trains an ncsn-mlp (wasm/bindings.cc's Training) for `steps` steps in chunks of about
  // CHUNK_TARGET_MS, reporting the mean batch loss since the last report (every progressEvery
  // steps, else every chunk); a 'stop' notice ends it early with the network trained so far.
  async function train({ id, points, n, dim, widths, request, steps, progressEvery }) {
    const run = { stopCode: null, stopRequested: false };
    runs.set(id, run);
    const training = new wasm.Training();
    try {
      checkStatus(withHeapCopies([points, widths], (p, w) => training.init(p, n, dim, w, widths.length, request)));
      let chunk = 1, lossSum = 0, lossSteps = 0;
      const report = () => {
        const step = training.stepsDone();
        host.post({ id, progress: { step, totalSteps: steps, fraction: step / steps, loss: lossSum / lossSteps } }, []);
        lossSum = lossSteps = 0;
      };
      while (training.stepsDone() < steps && !run.stopRequested) {
        if (crash) throw failure('INTERNAL', crashMessage());
        if (run.stopCode) throw failure(run.stopCode, 'training was aborted');
        const done = training.stepsDone();
        const toReport = progressEvery ? progressEvery - (done % progressEvery) : Infinity;
        const k = Math.min(chunk, steps - done, toReport);
        const start = performance.now();
        checkStatus(training.step(k));
        chunk = nextChunkSize(k, chunk, performance.now() - start);
        lossSum += training.loss() * k;
        lossSteps += k;
        if (!progressEvery || k === toReport || training.stepsDone() === steps) report();
        await host.yieldToEventLoop();
      }
      // A Stop between two reports: the last steps get theirs too, as TrainOptions promises.
      if (lossSteps > 0 && !run.stopCode) report();
      if (run.stopCode) throw failure(run.stopCode, 'training was aborted');
      checkStatus(training.writeModelFile());
      const bytes = new Uint8Array(heapBuffer(), training.modelFilePtr(), training.modelFileSize()).slice();
      return { result: { bytes: bytes.buffer, steps: training.stepsDone(), stopped: training.stepsDone() < steps },
        transfer: [bytes.buffer] };
    } catch (error) {
      broken(error);
      throw error;
    } finally {
      runs.delete(id);
      if (!crash) training.delete();
    }
  }

  function nextChunkSize(steps, chunk, elapsedMs) {
    const fitting = elapsedMs > 0 ? Math.round(steps * CHUNK_TARGET_MS / elapsedMs) : Infinity;
    return Math.max(1, Math.min(fitting, 2 * chunk));
  }

  function shutdown() {
    if (wasm && wasm.PThread) wasm.PThread.terminateAllThreads();
    return { result: null };
  }

  // Diagnostic (tests/node/heap.test.mjs): heapBytes is the WebAssembly memory's size (it only
  // grows); heapTop is where the allocator's used heap ends: the address malloc returns for a block
  // larger than any hole freed blocks leave (MEMORY_PROBE_BYTES), i.e. the start of dlmalloc's top
  // chunk, which a leak pushes up even while the memory has room. The probe is freed at once.
  function memory() {
    const heapBytes = heapBuffer().byteLength;
    const probe = allocate(MEMORY_PROBE_BYTES);
    wasm._free(probe);
    return { result: { heapBytes, heapTop: probe } };
  }

  function abort({ target }) {
    const run = runs.get(target);
    if (run) run.stopCode = 'ABORTED';
  }

  function stop({ target }) {
    const run = runs.get(target);
    if (run) run.stopRequested = true;
  }

  function dispose({ modelId }) {
    const entry = models.get(modelId);
    if (!entry || crash) return;
    entry.disposed = true;
    for (const run of entry.runs) run.stopCode = 'DISPOSED';
    releaseIfDisposed(entry);
  }

  // A disposed model is deleted once no sampling run uses it any more.
  function releaseIfDisposed(entry) {
    if (!entry.disposed || entry.runs.size > 0) return;
    entry.model.delete();
    models.delete(entry.id);
  }

  function liveModel(modelId) {
    const entry = models.get(modelId);
    if (!entry || entry.disposed) throw failure('DISPOSED', 'the model was disposed');
    return entry;
  }

  // --- WebAssembly heap: views are built at every access, because memory growth (also from another
  // thread) replaces the buffer.

  // The threads build exports its (imported, shared) memory as wasmMemory; the single-threaded
  // build does not, but its HEAPU8 is renewed by the growth itself, which only happens inside a call.
  function heapBuffer() {
    return (wasm.wasmMemory || wasm.HEAPU8).buffer;
  }

  function allocate(bytes) {
    const ptr = wasm._malloc(Math.max(bytes, 1));
    if (!ptr) throw failure('INTERNAL', `out of WebAssembly memory (allocating ${bytes} bytes)`);
    return ptr;
  }

  // Copies each typed array (or null → address 0) into the heap, returns fn(...addresses) and
  // frees the copies.
  function withHeapCopies(views, fn) {
    const addresses = [];
    try {
      for (const view of views) {
        if (!view) {
          addresses.push(0);
          continue;
        }
        const ptr = allocate(view.byteLength);
        addresses.push(ptr);
        new Uint8Array(heapBuffer(), ptr, view.byteLength)
          .set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      }
      return fn(...addresses);
    } catch (error) {
      broken(error);
      throw error;
    } finally {
      if (!crash) for (const ptr of addresses) if (ptr) wasm._free(ptr);
    }
  }

  function copyOutFloats(ptr, count) {
    return new Float32Array(heapBuffer(), ptr, count).slice();
  }

  function copyOutDoubles(ptr, count) {
    return new Float64Array(heapBuffer(), ptr, count).slice();
  }

  function checkStatus(status) {
    if (status.code !== 0) throw failure(status.name, status.message);
  }

  function parseConfig(json) {
    try {
      return JSON.parse(json);
    } catch (error) {
      throw failure('INVALID_MODEL', `the model's config is not valid JSON: ${messageOf(error)}`);
    }
  }
}

function stopMessage(code) {
  return code === 'DISPOSED' ? 'the model was disposed during sampling' : 'sampling was aborted';
}

function failure(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

function errorPayload(error) {
  const code = error && typeof error.code === 'string' ? error.code : 'INTERNAL';
  return { code, message: messageOf(error) };
}

function messageOf(error) {
  return error && typeof error.message === 'string' ? error.message : String(error);
}
