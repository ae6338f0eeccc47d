// init(): where the build files come from (wasmPath, locateFile), and recovery from a bad location.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { backendInfo, gaussianMixture, init, ScoreWasmError, shutdown } from 'score-wasm';
import { MIXTURE } from './helpers.mjs';

const distUrl = new URL('./dist/', import.meta.resolve('score-wasm'));
afterEach(() => shutdown());

async function works() {
  const gmm = await gaussianMixture(MIXTURE);
  assert.equal((await gmm.score([[0, 0]], 1)).length, 2);
}

test('wasmPath as a folder path or a file: URL', async () => {
  await init({ wasmPath: fileURLToPath(distUrl), threads: 2 });
  await works();
  await shutdown();
  assert.equal((await init({ wasmPath: distUrl, threads: 1 })).flavour, 'simd');
  await works();
});

test('locateFile is asked for every file of the build', async () => {
  const asked = [];
  await init({ threads: 2, locateFile: (name) => {
    asked.push(name);
    return new URL(name, distUrl);
  } });
  await works();
  assert.deepEqual(asked.sort(), ['score-wasm-simd-threads.js', 'score-wasm-simd-threads.wasm',
    'score-wasm-simd-threads.worker.js']);
});

test('a wrong location is an IO_ERROR, and the next init() starts afresh', async () => {
  await assert.rejects(init({ wasmPath: '/no/such/folder' }), (error) =>
    error instanceof ScoreWasmError && error.code === 'IO_ERROR' && /no\/such\/folder/.test(error.message));
  await assert.rejects(init({ locateFile: () => 42 }), (error) =>
    error instanceof ScoreWasmError && error.code === 'INVALID_ARGUMENT' && /must return a string or URL/.test(error.message));
  assert.equal((await backendInfo()).flavour, 'simd-threads');
  await works();
});
