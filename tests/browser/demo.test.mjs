// The mixture demo in Debian's Chromium (headless, driven by playwright-core): cross-origin isolated
// it runs the threads build, without isolation the single-threaded one; either way the particles
// move, the mode weights come out right, and nothing is logged as an error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serve } from '../../examples/serve.mjs';
import { ncsnMlpScore, tinyNcsnMlp } from '../node/helpers.mjs';
import { OUTPUT, demoState, launchBrowser, openPage } from './helpers.mjs';

let browser;
let context;
before(async () => {
  browser = await launchBrowser();
  context = browser.context;
});
after(async () => {
  await browser?.close();
});

// Opens the demo from a server with or without isolation; returns the page and its logged errors.
const openDemo = (isolated) => openPage(context, 'examples/mixture/', { isolated });

const canvasPixels = (page, id) => page.evaluate((selector) => document.querySelector(selector).toDataURL(), `#${id}`);

// Waits for the first frames, snapshots the particles, waits for the end and checks they moved.
async function watchRun(page) {
  await page.waitForFunction(() => window.demo?.runs?.annealed?.framesDrawn > 0 &&
    window.demo.runs.langevin?.framesDrawn > 0, null, { timeout: 60000 });
  const early = { langevin: await canvasPixels(page, 'langevin'), annealed: await canvasPixels(page, 'annealed') };
  await page.waitForFunction(() => window.demo.state === 'done' || window.demo.state === 'error', null,
    { timeout: 120000 });
  const state = await demoState(page);
  assert.equal(state.state, 'done', state.error);
  for (const name of ['langevin', 'annealed']) {
    const run = state.runs[name];
    assert.equal(run.step, run.totalSteps);
    assert.ok(run.framesDrawn >= 100, `${name}: ${run.framesDrawn} frames drawn`);
    assert.notEqual(await canvasPixels(page, name), early[name], `${name}: the particles did not move`);
  }
  // 2000 particles: standard error 0.009; annealing with 100 steps per level adds a bias of ≈ 0.016.
  assert.ok(Math.abs(state.runs.annealed.smallWeight - 0.2) < 0.07, `annealed: ${state.runs.annealed.smallWeight}`);
  assert.ok(Math.abs(state.runs.langevin.smallWeight - 0.5) < 0.07, `langevin: ${state.runs.langevin.smallWeight}`);
  return state;
}

test('cross-origin isolated: the threads build samples in a worker and the particles move', async () => {
  const { page, errors, close } = await openDemo(true);
  try {
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    const state = await watchRun(page);
    assert.equal(state.backend.flavour, 'simd-threads');
    assert.ok(state.backend.threads >= 2, `threads: ${state.backend.threads}`);
    assert.equal(state.backend.crossOriginIsolated, true);
    assert.match(await page.textContent('#backend'), /simd-threads/);
    await page.screenshot({ path: path.join(OUTPUT, 'mixture-demo-isolated.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('without isolation: the single-threaded build is picked, samples, and Restart runs again', async () => {
  const { page, errors, close } = await openDemo(false);
  try {
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    const state = await watchRun(page);
    assert.deepEqual(state.backend, { flavour: 'simd', threads: 1, crossOriginIsolated: false, environment: 'browser' });
    assert.match(await page.textContent('#backend'), /single-threaded fallback/);
    await page.screenshot({ path: path.join(OUTPUT, 'mixture-demo-not-isolated.png'), fullPage: true });
    await page.click('#restart');
    await watchRun(page);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a page keeps downloaded models in the Cache API, and cache: false downloads again', async () => {
  const server = await serve({ port: 0 });
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}examples/`);
    const loads = await page.evaluate(async () => {
      const { loadModel, modelCacheName } = await import('../web/index.js');
      const load = async (options) => {
        const reports = [];
        const m = await loadModel('../web/models/moons.safetensors', { ...options, onProgress: (p) => reports.push(p) });
        const score = [...await m.score([[0.5, -0.25]], 0.1)];
        m.dispose();
        return { reports, score };
      };
      await caches.delete(modelCacheName);
      const first = await load();
      const keys = (await (await caches.open(modelCacheName)).keys()).map((r) => r.url);
      return { first, second: await load(), uncached: await load({ cache: false }), keys };
    });
    const size = statSync(new URL('../../web/models/moons.safetensors', import.meta.url)).size;
    for (const [name, fromCache] of [['first', false], ['second', true], ['uncached', false]]) {
      const { reports, score } = loads[name];
      assert.deepEqual(reports.at(-1), { loadedBytes: size, totalBytes: size, fromCache }, name);
      assert.ok(reports.every((r) => r.fromCache === fromCache), name);
      assert.deepEqual(score, loads.first.score, name);
    }
    assert.deepEqual(loads.keys, [`${server.url}web/models/moons.safetensors`]);
  } finally {
    await page.close();
    await server.close();
  }
});

test('a page loads a model by relative URL, and a missing one is an IO_ERROR', async () => {
  const net = tinyNcsnMlp();
  writeFileSync(path.join(OUTPUT, 'tiny.safetensors'), net.bytes);
  const server = await serve({ port: 0 });
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}examples/`);
    const points = [[0, 0], [1.5, -2], [-3, 0.25]];
    const result = await page.evaluate(async (points) => {
      const { loadModel } = await import('../web/index.js');
      const m = await loadModel('../test-output/tiny.safetensors');
      const score = [...await m.score(points, 0.5)];
      const missing = await loadModel('../test-output/missing.safetensors').catch((e) => `${e.code}: ${e.message}`);
      m.dispose();
      return { architecture: m.architecture, score, missing };
    }, points);
    assert.equal(result.architecture, 'ncsn-mlp');
    ncsnMlpScore(net, points, 0.5).flat().forEach((e, i) =>
      assert.ok(Math.abs(result.score[i] - e) <= 1e-4 * Math.abs(e) + 1e-5, `score[${i}] = ${result.score[i]}, expected ${e}`));
    assert.match(result.missing, /^IO_ERROR: could not fetch the model .*missing.safetensors: HTTP 404/);
  } finally {
    await page.close();
    await server.close();
  }
});
