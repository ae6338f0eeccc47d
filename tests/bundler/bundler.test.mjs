// The package as users get it, in Debian's Chromium, with a bundler and without: the packed tarball
// (SCORE_TARBALL, from npm pack) installed into a fresh Vite project (vite-app/), built with
// `vite build` and served as static files with and without COOP/COEP; and loaded unbundled by a plain
// module page (static-page/) served without them. Every page must sample plausibly with the build
// its headers allow, every file (the WASM builds, the workers, the model) coming from what Vite
// emitted or what npm installed: nothing is copied by hand. (With Vite's defaults the small pthread
// worker script is inlined as a data: URL; the isolated run is what checks that it still starts.)
//   SCORE_TARBALL=path/to/score-wasm-X.Y.Z.tgz node --test tests/bundler/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serve } from '../../examples/serve.mjs';
import { OUTPUT, launchBrowser } from '../browser/helpers.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./', import.meta.url));
const TARBALL = process.env.SCORE_TARBALL;
const N = 1000;
const MIXTURE_MEANS = [[-5, -5], [5, 5]];

let work;
let browser;
const servers = [];
before(async () => {
  assert.ok(TARBALL && existsSync(TARBALL), `SCORE_TARBALL must name the tarball npm pack made, got ${TARBALL}`);
  work = mkdtempSync(path.join(tmpdir(), 'score-wasm-bundler-'));
  for (const fixture of ['vite-app', 'static-page']) {
    cpSync(path.join(FIXTURES, fixture), path.join(work, fixture), { recursive: true });
    await exec('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=warn', path.resolve(TARBALL)],
      path.join(work, fixture));
  }
  // Vite is the repository's (a devDependency, so its version is the lockfile's and nothing is
  // downloaded), linked after npm install, which would remove a package the project does not list.
  symlinkSync(path.join(ROOT, 'node_modules/vite'), path.join(work, 'vite-app/node_modules/vite'), 'dir');
  await exec(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'],
    path.join(work, 'vite-app'));
  browser = await launchBrowser({ viewport: { width: 800, height: 460 } });
});
after(async () => {
  await browser?.close();
  // After the browser (serve().close() also ends the connections it keeps open).
  await Promise.all(servers.map((server) => server.close()));
  if (work) rmSync(work, { recursive: true, force: true });
});

test('vite build emits both WASM builds, their scripts, the worker core and every shipped model', () => {
  const emitted = readdirSync(path.join(work, 'vite-app/dist/assets'));
  const expected = ['score-wasm-simd-threads.wasm', 'score-wasm-simd.wasm', 'score-wasm-simd-threads.js',
    'score-wasm-simd.js', 'worker-core.js', 'worker.js',
    ...readdirSync(path.join(work, 'vite-app/node_modules/score-wasm/web/models'))
      .filter((name) => name.endsWith('.safetensors'))];
  for (const name of expected) {
    assert.ok(emitted.some((file) => unhashedName(file) === name), `${name} not among Vite's assets: ${emitted}`);
  }
});

for (const isolated of [true, false]) {
  const flavour = isolated ? 'simd-threads' : 'simd';
  test(`Vite build, ${isolated ? '' : 'not '}cross-origin isolated: ${flavour}, moons and the mixture sample`,
    async () => {
      const { result, requests } = await runPage(path.join(work, 'vite-app/dist'), isolated,
        `bundler-vite-${isolated ? 'isolated' : 'not-isolated'}.png`);
      assert.deepEqual(result.info, { flavour, threads: isolated ? 2 : 1, crossOriginIsolated: isolated,
        environment: 'browser' });
      // The files the package asked for are the ones Vite emitted, under their hashed names.
      assert.ok(requests.some((p) => /^\/assets\/moons-[\w-]+\.safetensors$/.test(p)), `requests: ${requests}`);
      assert.deepEqual(requests.filter((p) => p.endsWith('.wasm')).map((p) => unhashedName(path.posix.basename(p))),
        [`score-wasm-${flavour}.wasm`]);
      checkMoons(result.moons);
      checkMixture(result.mixture);
    });
}

test('plain module page, no bundler, not cross-origin isolated: simd, moons sample', async () => {
  const { result, requests } = await runPage(path.join(work, 'static-page'), false, 'bundler-static-page.png');
  assert.deepEqual(result.info, { flavour: 'simd', threads: 1, crossOriginIsolated: false, environment: 'browser' });
  assert.ok(requests.includes('/node_modules/score-wasm/web/models/moons.safetensors'), `requests: ${requests}`);
  assert.ok(requests.includes('/node_modules/score-wasm/web/dist/score-wasm-simd.wasm'), `requests: ${requests}`);
  checkMoons(result.moons);
});

// Serves `root`, opens it and waits for its window.result; fails on page errors, console errors and
// any response other than a 200. Returns the result and the paths requested from the server (by the
// page and its workers).
async function runPage(root, isolated, screenshot) {
  const server = await serve({ port: 0, isolated, root });
  servers.push(server);
  const page = await browser.context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('requestfailed', (request) => errors.push(`${request.url()}: ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (!response.url().startsWith(server.url)) return;
    requests.push(new URL(response.url()).pathname);
    if (response.status() !== 200) errors.push(`${response.url()}: HTTP ${response.status()}`);
  });
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => window.result, null, { timeout: 90000 });
    const result = await page.evaluate(() => window.result);
    await page.screenshot({ path: path.join(OUTPUT, screenshot) });
    assert.equal(result.state, 'done', [result.error, ...errors].join('\n'));
    assert.deepEqual(errors, []);
    return { result, requests };
  } finally {
    await page.close();
  }
}

// A Vite asset's name without the hash (moons-B_VvxurV.safetensors → moons.safetensors).
function unhashedName(file) {
  return file.replace(/-[\w-]{8}(\.[a-z]+)$/, '$1');
}

const points = (samples) => Array.from({ length: samples.length / 2 }, (_, i) => [samples[2 * i], samples[2 * i + 1]]);

function moments(values) {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length) };
}

// Distance of (x, y) to the half circle of radius 1 around (cx, cy) on the side `side` (+1 upper, −1 lower).
function halfCircleDistance([x, y], cx, cy, side) {
  if (side * (y - cy) >= 0) return Math.abs(Math.hypot(x - cx, y - cy) - 1);
  return Math.min(Math.hypot(x - cx - 1, y - cy), Math.hypot(x - cx + 1, y - cy));
}

// make_moons: the upper half circle around (0, 0), the lower one around (1, 0.5), half the points
// on each; mean (0.5, 0.25), standard deviations about (0.87, 0.5).
function checkMoons(samples) {
  assert.equal(samples.length, 2 * N);
  assert.ok(samples.every(Number.isFinite), 'moons: samples not all finite');
  const p = points(samples);
  const x = moments(p.map(([v]) => v));
  const y = moments(p.map(([, v]) => v));
  const summary = `mean (${x.mean.toFixed(3)}, ${y.mean.toFixed(3)}), std (${x.std.toFixed(3)}, ${y.std.toFixed(3)})`;
  assert.ok(Math.abs(x.mean - 0.5) < 0.15 && Math.abs(y.mean - 0.25) < 0.1, `moons: ${summary}`);
  assert.ok(Math.abs(x.std - 0.87) < 0.15 && Math.abs(y.std - 0.5) < 0.1, `moons: ${summary}`);
  const upper = p.map((q) => halfCircleDistance(q, 0, 0, 1));
  const lower = p.map((q) => halfCircleDistance(q, 1, 0.5, -1));
  const near = upper.filter((d, i) => Math.min(d, lower[i]) < 0.2).length / p.length;
  const onUpper = upper.filter((d, i) => d < lower[i]).length / p.length;
  assert.ok(near >= 0.9, `moons: ${(100 * near).toFixed(1)} % of the points within 0.2 of the moons`);
  assert.ok(onUpper > 0.4 && onUpper < 0.6, `moons: ${(100 * onUpper).toFixed(1)} % on the upper moon`);
}

// Weights 0.2 and 0.8 at (−5, −5) and (5, 5), sampled at σ = 1: each mode is N(mean, 2 I). The
// small mode's weight gets 5 standard errors and annealed Langevin's bias of up to 0.02 (see
// tests/node/mixture-sampling.test.mjs).
function checkMixture(samples) {
  assert.equal(samples.length, 2 * N);
  assert.ok(samples.every(Number.isFinite), 'mixture: samples not all finite');
  const modes = [[], []];
  for (const [x, y] of points(samples)) modes[x + y < 0 ? 0 : 1].push([x, y]);
  const small = modes[0].length / N;
  assert.ok(Math.abs(small - 0.2) < 5 * Math.sqrt(0.2 * 0.8 / N) + 0.02, `mixture: small-mode weight ${small}`);
  modes.forEach((members, k) => {
    for (const j of [0, 1]) {
      const { mean, std } = moments(members.map((q) => q[j]));
      assert.ok(Math.abs(mean - MIXTURE_MEANS[k][j]) < 0.5, `mixture: mode ${k} mean[${j}] = ${mean}`);
      assert.ok(Math.abs(std - Math.SQRT2) < 0.35, `mixture: mode ${k} std[${j}] = ${std}`);
    }
  });
}

async function exec(command, args, cwd) {
  try {
    await promisify(execFile)(command, args, { cwd, maxBuffer: 16 << 20 });
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${error.stdout}${error.stderr}`);
  }
}
