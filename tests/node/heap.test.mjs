// 10 000 load / sample / dispose cycles keep the WebAssembly heap flat (issue 9): models loaded from
// the shipped 'moons' file and from bytes, exact mixtures, failing loads (truncated files), failing
// sample calls (options the core refuses, too many samples), aborted runs and models
// disposed during a run. Error paths are where a leak hides most often: four cycles in ten take one.
//
// The worker owns the module, so the figures come from its 'memory' diagnostic (worker-core.js),
// asked through the package's internal backend.js: `heapBytes`, the size of the WebAssembly memory
// (it only grows), and `heapTop`, where the allocator's used heap ends (the start of the block
// malloc hands out for 1 MiB, more than any hole freed blocks leave). heapTop sees small leaks that
// never grow the 32 MiB memory: leaving out only the mixtures' dispose() moved it by 656 000 bytes
// (about 170 a mixture) while heapBytes stayed the same.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gaussianMixture, loadModel, shutdown } from 'score-wasm';
import { MIXTURE, rejectsWith } from './helpers.mjs';

after(() => shutdown());

const CYCLES = 10_000;
const WARM_UP = 100;
// How far heapTop may move after the warm-up: the allocator's free lists settle within a few
// cycles, and no cycle keeps anything; a leak of one 16-byte chunk a cycle would be 160 KB.
const TOP_TOLERANCE = 64 * 1024;

// The backend's memory figures: the package's internal backend.js, the instance index.js uses
// (same file, same module record), asked with the worker's 'memory' request.
async function wasmMemory() {
  const entry = createRequire(import.meta.url).resolve('score-wasm');  // …/score-wasm/web/index.js
  const { backendClient } = await import(pathToFileURL(path.join(path.dirname(entry), 'backend.js')).href);
  return (await backendClient()).request('memory', {});
}

const entry = createRequire(import.meta.url).resolve('score-wasm');
const moonsBytes = new Uint8Array(await readFile(path.join(path.dirname(entry), 'models', 'moons.safetensors')));

const MIXTURE_RUN = { n: 2, sigmas: [2, 1], stepsPerLevel: 2, stepSize: 0.1 };
const MOONS_RUN = { n: 2, steps: 2 };  // the file's sampler (PC) over 2 levels, + denoise
// Options that pass the JavaScript checks and are refused in the worker or the core.
const BAD_RUNS = [
  [{ ...MIXTURE_RUN, sigmas: [1, 2] }, 'INVALID_ARGUMENT'],
  [{ ...MIXTURE_RUN, stepSize: -0.1 }, 'INVALID_ARGUMENT'],
  [{ ...MIXTURE_RUN, init: { uniform: [1, -1] } }, 'INVALID_ARGUMENT'],
  [{ ...MIXTURE_RUN, n: 2 ** 25 + 1 }, 'INVALID_ARGUMENT'],  // n × dim above the core's 2^26 values
];

// One cycle of kind i % 10 (each kind 1 000 times). Nothing outlives it but the samples.
async function cycle(i) {
  switch (i % 10) {
    case 0: case 1: case 2: {  // the shipped model by name
      const model = await loadModel('moons');
      assert.equal((await model.sample({ ...MOONS_RUN, seed: i })).length, 4);
      model.dispose();
      return;
    }
    case 3: {  // the same file as bytes, a score call too
      const model = await loadModel(moonsBytes);
      assert.equal((await model.score([[0, 0]])).length, 2);
      assert.equal((await model.sample({ ...MOONS_RUN, seed: i, threads: 1 })).length, 4);
      model.dispose();
      return;
    }
    case 4: case 6: {
      const gmm = await gaussianMixture(MIXTURE);
      assert.equal((await gmm.sample({ ...MIXTURE_RUN, seed: i })).length, 4);
      gmm.dispose();
      return;
    }
    case 5: {  // an aborted run, its model disposed while the worker may still be running it
      const gmm = await gaussianMixture(MIXTURE);
      const controller = new AbortController();
      const run = gmm.sample({ ...MIXTURE_RUN, stepsPerLevel: 1e6, signal: controller.signal });
      setImmediate(() => controller.abort());
      await rejectsWith(() => run, 'ABORTED', /aborted/);
      gmm.dispose();
      return;
    }
    case 7: {  // a truncated model file, cut anywhere in the header or the data
      const cut = (i * 7919) % moonsBytes.length;
      await rejectsWith(() => loadModel(moonsBytes.subarray(0, cut)), 'INVALID_MODEL', /./);
      return;
    }
    case 8: {  // sample calls that fail, then one that works
      const gmm = await gaussianMixture(MIXTURE);
      const [options, code] = BAD_RUNS[Math.floor(i / 10) % BAD_RUNS.length];
      await rejectsWith(() => gmm.sample(options), code, /./);
      await rejectsWith(() => gmm.sample({ ...MIXTURE_RUN, n: 0 }), 'INVALID_ARGUMENT', /n must be/);
      assert.equal((await gmm.sample(MIXTURE_RUN)).length, 4);
      gmm.dispose();
      return;
    }
    case 9: {  // disposed during a run: the worker ends it with DISPOSED, then frees the model
      const gmm = await gaussianMixture(MIXTURE);
      const run = gmm.sample({ ...MIXTURE_RUN, stepsPerLevel: 1e6 });
      gmm.dispose();
      await rejectsWith(() => run, 'DISPOSED', /disposed/);
      return;
    }
  }
}

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(3)} MiB`;

test(`${CYCLES} load / sample / dispose cycles keep the WebAssembly heap flat`, async () => {
  const start = performance.now();
  for (let i = 0; i < WARM_UP; ++i) await cycle(i);
  const before = await wasmMemory();
  const tops = [];
  for (let i = WARM_UP; i < CYCLES; ++i) {
    await cycle(i);
    if ((i + 1) % 1000 === 0) tops.push((await wasmMemory()).heapTop);
  }
  const end = await wasmMemory();
  const seconds = (performance.now() - start) / 1000;
  console.log(`heap after ${WARM_UP} warm-up cycles: memory ${before.heapBytes} bytes (${mib(before.heapBytes)}), ` +
    `allocator top ${before.heapTop} (${mib(before.heapTop)})`);
  console.log(`heap after ${CYCLES} cycles:         memory ${end.heapBytes} bytes (${mib(end.heapBytes)}), ` +
    `allocator top ${end.heapTop} (${mib(end.heapTop)}); top every 1000 cycles: ${tops.join(' ')}`);
  console.log(`${CYCLES} cycles in ${seconds.toFixed(1)} s (${(seconds * 1000 / CYCLES).toFixed(2)} ms each)`);
  assert.equal(end.heapBytes, before.heapBytes, 'the WebAssembly memory grew after the warm-up');
  assert.ok(end.heapTop - before.heapTop <= TOP_TOLERANCE,
    `the allocator's used heap grew by ${end.heapTop - before.heapTop} bytes after the warm-up`);
});
