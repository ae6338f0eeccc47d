// An idle package never keeps Node alive: a script that samples and forgets to dispose still exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));

// Runs `source` as an ES module next to this test (so that 'score-wasm' resolves the same way).
function runModule(source) {
  return run(process.execPath, ['--input-type=module', '-e', source], { cwd: here, timeout: 30000 });
}

test('a script exits by itself after sampling with the threads build (no dispose, no shutdown)', async () => {
  const { stdout } = await runModule(`
    import { gaussianMixture, backendInfo } from 'score-wasm';
    const gmm = await gaussianMixture({ weights: [1], means: [[0, 0]], stds: [1] });
    const x = await gmm.sample({ n: 100, sigmas: [2, 1], stepsPerLevel: 10, stepSize: 0.1, threads: 2 });
    const info = await backendInfo();
    console.log(info.flavour, info.threads > 1, x.length);
  `);
  assert.equal(stdout.trim(), 'simd-threads true 200');
});

test('a script exits by itself after an aborted run and a failed call', async () => {
  const { stdout } = await runModule(`
    import { gaussianMixture } from 'score-wasm';
    const gmm = await gaussianMixture({ weights: [1], means: [[0, 0]], stds: [1] });
    const aborted = await gmm.sample({ n: 10000, sigmas: [2, 1], stepsPerLevel: 1e6, stepSize: 0.1,
      signal: AbortSignal.timeout(50) }).catch((e) => e.code);
    const invalid = await gmm.score([[0, NaN]]).catch((e) => e.code);
    console.log(aborted, invalid);
  `);
  assert.equal(stdout.trim(), 'ABORTED INVALID_ARGUMENT');
});
