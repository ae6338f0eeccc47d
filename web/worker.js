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
async function loadModule(assets, factoryOptions) {
  importScripts(assets.script);
  const pthreadWorker = await startableWorkerUrl(assets.pthreadWorker);
  return createScoreWasm({
    ...factoryOptions,
    // Relative to the page, not to this worker's folder; pthread workers load the same script.
    locateFile: (file) => (file.endsWith('.wasm') ? assets.wasm : pthreadWorker),
    mainScriptUrlOrBlob: assets.script,
  });
}

// Bundlers inline small files as data: URLs (Vite below build.assetsInlineLimit, 4 KiB by default),
// and the pthread worker script is that small. A worker started from a data: URL has an opaque
// origin, so under COEP require-corp its importScripts of the build's script is blocked; one started
// from a blob: URL made here has this worker's origin.
async function startableWorkerUrl(url) {
  if (!url?.startsWith('data:')) return url;
  const script = await (await fetch(url)).arrayBuffer();
  return URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
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
