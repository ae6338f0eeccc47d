// Node entry of each pthread worker of the threads build: Emscripten's pthread script, run as the
// CommonJS script it is (see load-commonjs.cjs). Browsers load that script directly.
const path = require('node:path');
const { loadCommonJs } = require('./load-commonjs.cjs');

loadCommonJs(path.join(__dirname, 'dist', 'score-wasm-simd-threads.worker.js'));
