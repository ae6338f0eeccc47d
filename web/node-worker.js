// Node entry of the Worker that owns the WebAssembly module (a worker_threads Worker). It runs the
// same message handling as the browser (worker-core.js) and loads the Emscripten build from files.
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { loadCommonJs } from './load-commonjs.cjs';

const corePath = fileURLToPath(new URL('./worker-core.js', import.meta.url));
vm.runInThisContext(readFileSync(corePath, 'utf8'), { filename: corePath });
// Emscripten creates pthreads with `new Worker(locateFile(...worker.js))`; Node would load that file
// as an ES module (this package is "type": "module"), so point it at a CommonJS shim.
const pthreadShim = fileURLToPath(new URL('./pthread-worker.cjs', import.meta.url));

const handle = globalThis.createScoreWasmWorker({
  post: (message, transfer) => parentPort.postMessage(message, transfer),
  loadModule,
  yieldToEventLoop: () => new Promise(setImmediate),
});
parentPort.on('message', handle);

// Loads the Emscripten build at the file paths in `assets` and instantiates it.
function loadModule(assets, factoryOptions) {
  const createScoreWasm = loadCommonJs(assets.script);
  return createScoreWasm({
    ...factoryOptions,
    wasmBinary: readFileSync(assets.wasm),  // the loader's own fetch() fails on file paths in Node
    locateFile: (file) => (file.endsWith('.worker.js') ? pthreadShim : assets.wasm),
    mainScriptUrlOrBlob: assets.script,
  });
}
