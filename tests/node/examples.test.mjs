// The Node examples run as a user runs them (their own process, importing the installed package):
// quick-start.mjs is the code README.md shows and runs; sample.mjs recovers the mixture's weights
// with annealing and not without it; digits.mjs writes a PNG (decoded here with pngjs) whose
// pixels are the grid of the same seed's samples.
// tests/run-js.sh copies examples/node/ next to tests/ and links pngjs into the consumer project.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { imageGrid, loadModel, shutdown } from 'score-wasm';

const EXAMPLES = fileURLToPath(new URL('../examples/node/', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'score-wasm-examples-'));
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await shutdown();
});

const runExample = (name, args = []) => promisify(execFile)(process.execPath, [path.join(EXAMPLES, name), ...args],
  { cwd: dir, timeout: 240000 });

test('quick-start.mjs is README.md\'s quick start, and it runs', async () => {
  const readme = readFileSync(new URL('README.md', import.meta.resolve('score-wasm/package.json')), 'utf8');
  const shown = readme.match(/## Quick start[\s\S]*?```js\n([\s\S]*?)```/)?.[1];
  const file = readFileSync(path.join(EXAMPLES, 'quick-start.mjs'), 'utf8');
  assert.equal(shown, file.replace(/^(\/\/.*\n)+\n?/, ''), 'README.md\'s quick start and quick-start.mjs differ');
  const { stdout } = await runExample('quick-start.mjs');
  assert.match(stdout, /^1000 samples; score at \(0, 0\), σ = 0\.1: Float32Array\(2\) \[/m);
  assert.match(stdout, /^trained on 4 points, sampled 4$/m);
  assert.match(stdout, /^100 %$/m);
});

test('sample.mjs: annealed Langevin recovers the 20 % mode, plain Langevin does not', async () => {
  const { stdout } = await runExample('sample.mjs');
  const weights = [...stdout.matchAll(/^(.*): ([\d.]+) % \/ ([\d.]+) %$/gm)].map((m) => Number(m[2]) / 100);
  assert.equal(weights.length, 2, stdout);
  const [plain, annealed] = weights;
  // 10 000 samples: standard error 0.004; 100 steps per level leave a bias of about 0.016.
  assert.ok(Math.abs(annealed - 0.2) < 0.035, `annealed: ${annealed}`);
  assert.ok(Math.abs(plain - 0.5) < 0.05, `plain Langevin, from a uniform start, keeps about half: ${plain}`);
});

test('digits.mjs: the PNG holds the grid of the seed\'s 16 samples', async () => {
  const file = path.join(dir, 'digits.png');
  const { stdout } = await runExample('digits.mjs', [file, '5']);
  assert.match(stdout, /wrote .*digits\.png \(230 × 230\)/);
  const png = PNG.sync.read(readFileSync(file));
  const model = await loadModel('mnist');
  const [height, width] = model.dataShape;
  const expected = imageGrid(await model.sample({ n: 16, seed: 5 }), { height, width, columns: 4, scale: 2, gap: 2 });
  model.dispose();
  assert.deepEqual([png.width, png.height], [expected.width, expected.height]);
  assert.ok(Buffer.from(expected.data.buffer).equals(png.data), 'the PNG\'s pixels differ from the grid');
  const grey = new Set(Array.from({ length: 64 }, (_, i) => png.data[4 * (i * 811 % (png.width * png.height))]));
  assert.ok(grey.size > 4, 'the grid is not a flat image');
});
