'use strict';
// Browser entry of the Worker that owns the WebAssembly module. It is a classic Worker because the
// Emscripten build is not an ES module and loads with importScripts. Every file URL (this worker's
// core, the build's .js, .wasm and pthread worker) comes with the first message, 'init': the page
// computes them with new URL(..., import.meta.url), which bundlers understand, or from init()'s
// overrides.
/* global createScoreWasmWorker, createScoreWasm */

self.onmessage = (event) => {
  const first = event.data;
  try {
    importScripts(first.assets.core);
  } catch (error) {
    self.postMessage({ id: first.id, ok: false,
      error: { code: 'IO_ERROR', message: `could not load ${first.assets.core}: ${error.message}` } });
    return;
  }
  const handle = createScoreWasmWorker({
    post: (message, transfer) => self.postMessage(message, transfer),
    loadModule,
    yieldToEventLoop,
  });
  self.onmessage = (next) => handle(next.data);
  handle(first);
};

// Loads the Emscripten build named by `assets` and instantiates it.
function loadModule(assets, factoryOptions) {
  importScripts(assets.script);
  return createScoreWasm({
    ...factoryOptions,
    // Relative to the page, not to this worker's folder; pthread workers load the same script.
    locateFile: (file) => (file.endsWith('.wasm') ? assets.wasm : assets.pthreadWorker),
    mainScriptUrlOrBlob: assets.script,
  });
}

// Lets queued messages (an 'abort') run; a MessageChannel round trip, unlike setTimeout(0), is not
// clamped to 4 ms.
function yieldToEventLoop() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
