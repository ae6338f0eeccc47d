import { init, loadModel, shutdown } from './web/index.js';
await init({ threads: 1, wasmPath: './build/wasm-prof/dist/' });
const model = await loadModel('mnist');
const t0 = performance.now();
for (let i = 0; i < 2; ++i) await model.sample({ n: 16, seed: i });
console.log('seconds per 16', (performance.now() - t0) / 2000);
await shutdown();
