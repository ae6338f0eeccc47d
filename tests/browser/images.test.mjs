// The image sampler page (examples/images/) in Debian's Chromium, cross-origin isolated (threads
// build) and not (the single-threaded fallback): Cancel stops a run; Sample draws a grid that
// sharpens from noise into images (not blank, not noise), with samples/s and a plausible bits/dim;
// the main thread never has a long task while sampling; nothing is logged as an error; screenshots
// at desktop and phone width. Runs are kept small (few images, few steps) for a 2-core machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import {
  demoState, launchBrowser, longTasksBetween, mainThreadSummary, openPage, OUTPUT, pageReady, traceMainThread,
} from './helpers.mjs';

const PHONE = { width: 390, height: 844 };
const SIDE = 28;

let browser;
before(async () => {
  browser = await launchBrowser({ viewport: { width: 1200, height: 900 } });
});
after(async () => {
  await browser?.close();
});

// Polls on a timer rather than every animation frame: the test's own polling should not add work to
// the main thread whose long tasks it counts.
const POLL = { polling: 100 };
const settled = (page, timeout) => page.waitForFunction(() => !['running', 'likelihood'].includes(window.demo.state),
  null, { ...POLL, timeout });

// Remembers the canvas's pixels in the page as soon as the run's first frame is drawn (a watcher
// in the page, every animation frame: a short run can end before a poll from here sees its first
// frame); changedPixels() counts those that differ since.
const snapshotAtFirstFrame = (page) => page.$eval('#grid', (c) => {
  window.__snapshot = null;
  const runBefore = window.demo.runStart;  // each run sets its own start time
  const watch = () => {
    if (window.demo.runStart !== runBefore && window.demo.framesDrawn >= 1) {
      window.__snapshot = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    } else {
      requestAnimationFrame(watch);
    }
  };
  requestAnimationFrame(watch);
});
const changedPixels = (page) => page.$eval('#grid', (c) => {
  const now = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let changed = 0;
  let opaque = 0;
  for (let i = 0; i < now.length; i += 4) {
    if (now[i + 3] === 255) opaque += 1;
    if (now[i] !== window.__snapshot[i] || now[i + 3] !== window.__snapshot[i + 3]) changed += 1;
  }
  return { changed, opaque };
});

// Per image: the share of dark (< 0.15) and bright (> 0.6) pixels, and the correlation of
// horizontally neighbouring pixels (about 0 for the starting noise, high for strokes and shapes).
function imageStats(samples, i) {
  const x = samples.slice(i * SIDE * SIDE, (i + 1) * SIDE * SIDE).map((v) => Math.min(1, Math.max(0, v)));
  const dark = x.filter((v) => v < 0.15).length / x.length;
  const bright = x.filter((v) => v > 0.6).length / x.length;
  const pairs = [];
  for (let r = 0; r < SIDE; ++r) for (let c = 0; c + 1 < SIDE; ++c) pairs.push([x[r * SIDE + c], x[r * SIDE + c + 1]]);
  const mean = (f) => pairs.reduce((s, p) => s + f(p), 0) / pairs.length;
  const [ma, mb] = [mean((p) => p[0]), mean((p) => p[1])];
  const cov = mean((p) => (p[0] - ma) * (p[1] - mb));
  const sd = (m, k) => Math.sqrt(mean((p) => (p[k] - m) ** 2));
  return { dark, bright, correlation: cov / (sd(ma, 0) * sd(mb, 1) || 1) };
}

async function openReady(isolated) {
  const opened = await openPage(browser.context, 'examples/images/', { isolated });
  return { ...opened, ready: await pageReady(opened.page) };
}

// Starts a long run and cancels it once the grid has been drawn twice.
async function cancelRun(page) {
  await page.selectOption('#sampler', 'annealed-langevin');
  await page.fill('#steps', '30');
  await page.selectOption('#n', '16');
  await page.click('#sample');
  await page.waitForFunction(() => window.demo.framesDrawn >= 2, null, { ...POLL, timeout: 60000 });
  await page.click('#cancel');
  await settled(page, 10000);
  const cancelled = await demoState(page);
  assert.equal(cancelled.state, 'cancelled', cancelled.error);
  assert.equal(cancelled.error, null);
  assert.ok(cancelled.fraction < 1, `fraction ${cancelled.fraction}`);
  assert.equal(cancelled.samples, null);
  assert.equal(await page.textContent('#status'), 'cancelled');
  assert.equal(await page.isEnabled('#sample'), true);
  assert.equal(await page.isDisabled('#cancel'), true);
}

// Samples with the given settings and checks the grid, the timing and the bits/dim; returns the
// demo's state.
async function sampleGrid(page, { sampler, steps, n, bpdCount, bpdLevels }) {
  await page.selectOption('#sampler', sampler);
  await page.fill('#steps', String(steps));
  await page.selectOption('#n', String(n));
  await page.selectOption('#bpd-count', String(bpdCount));
  await page.fill('#bpd-levels', String(bpdLevels));
  await page.fill('#seed', '7');
  const trace = await traceMainThread(page);
  await snapshotAtFirstFrame(page);
  await page.click('#sample');
  await page.waitForFunction(() => window.__snapshot !== null, null, { ...POLL, timeout: 60000 });
  await settled(page, 150000);
  const traced = await trace.stop();
  const state = await demoState(page);
  assert.equal(state.state, 'done', state.error);
  assert.equal(state.sampler, sampler);
  assert.equal(state.steps, steps);
  assert.equal(state.seed, 7);
  assert.equal(state.samples.length, n * SIDE * SIDE);
  assert.ok(state.samples.every(Number.isFinite));
  assert.ok(state.framesDrawn >= 3, `${state.framesDrawn} frames drawn`);
  assert.ok(state.samplesPerSecond > 0 && state.elapsedMs > 0);
  assert.match(await page.textContent('#timing'),
    new RegExp(`^${n} images in [\\d.]+ s: [\\d.]+ samples/s \\(seed 7\\)$`));

  // The final grid is not the first frame drawn, and every tile is an image: mostly dark background,
  // some bright strokes, neighbouring pixels alike.
  const { changed, opaque } = await changedPixels(page);
  assert.ok(opaque >= n * SIDE * SIDE, `${opaque} opaque canvas pixels`);
  assert.ok(changed >= 0.2 * opaque, `${changed} of ${opaque} image pixels changed since the first frame`);
  for (let i = 0; i < n; ++i) {
    const { dark, bright, correlation } = imageStats(state.samples, i);
    const what = `image ${i}: ${(100 * dark).toFixed(0)} % dark, ${(100 * bright).toFixed(0)} % bright, ` +
      `neighbour correlation ${correlation.toFixed(2)}`;
    assert.ok(dark >= 0.4 && bright >= 0.02 && bright <= 0.5, what);
    assert.ok(correlation >= 0.5, what);
  }

  // Bits per dimension of the first images: finite, in the range the models score on data (3.13 for
  // mnist's test digits at 200 levels; a 50-level ODE reads somewhat lower).
  const bpd = state.bitsPerDim;
  assert.equal(bpd.count, Math.min(n, bpdCount));
  assert.equal(bpd.levels, bpdLevels);
  assert.equal(bpd.values.length, bpd.count);
  for (const value of bpd.values) assert.ok(Number.isFinite(value) && value > 1.5 && value < 6, `bits/dim ${value}`);
  assert.match(await page.textContent('#bpd'), /^\d+\.\d\d bits\/dim/);

  // No long task on the main thread while the worker sampled, unless the trace shows that the
  // thread spent it waiting rather than working.
  const during = await longTasksBetween(page, state.runStart, state.runEnd, traced);
  assert.ok(traced.length > 0, 'the trace holds the main thread\'s tasks');
  assert.deepEqual(during.filter((t) => t.cpu > 50), [], 'long tasks that kept the main thread busy while sampling');
  return { state, during, traced };
}

async function screenshots(page, name) {
  await page.screenshot({ path: path.join(OUTPUT, `${name}.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(200);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `the page is ${width} px wide at phone width`);
  await page.screenshot({ path: path.join(OUTPUT, `${name}-phone.png`), fullPage: true });
}

for (const isolated of [true, false]) {
  const name = `images-${isolated ? 'isolated' : 'not-isolated'}`;
  test(`image sampler, ${isolated ? '' : 'not '}cross-origin isolated: Cancel, Sample, bits/dim`, async (t) => {
    const start = performance.now();
    const { page, errors, ready, close } = await openReady(isolated);
    try {
      assert.equal(ready.backend.crossOriginIsolated, isolated);
      assert.equal(ready.backend.flavour, isolated ? 'simd-threads' : 'simd');
      if (isolated) assert.ok(ready.backend.threads >= 2, `${ready.backend.threads} threads`);
      else assert.equal(ready.backend.threads, 1);
      const backendText = await page.textContent('#backend');
      assert.match(backendText, isolated ? /^build: simd-threads, \d+ threads/ : /^build: simd, 1 thread /);
      assert.match(await page.textContent('#download'),
        /^mnist\.safetensors: \d+ KB (downloaded in [\d.]+ s|from the browser cache)$/);
      assert.ok(ready.download.loadedBytes > 200000 && ready.download.totalBytes === ready.download.loadedBytes);
      // The model's stored sampler and levels.
      assert.equal(await page.inputValue('#sampler'), 'reverse-diffusion');
      assert.equal(await page.inputValue('#steps'), '99');

      await cancelRun(page);
      // The threads build samples 16 images with the stored sampler at 50 levels; the
      // single-threaded one 4 with the ODE (19 network evaluations each), the other code path of
      // the page.
      const { state, during, traced } = await sampleGrid(page, isolated
        ? { sampler: 'reverse-diffusion', steps: 50, n: 16, bpdCount: 4, bpdLevels: 50 }
        : { sampler: 'ode', steps: 10, n: 4, bpdCount: 1, bpdLevels: 50 });
      t.diagnostic(`${backendText}; ${state.n} images, ${state.framesDrawn} frames in ` +
        `${state.elapsedMs.toFixed(0)} ms; ` +
        `bits/dim ${state.bitsPerDim.values.map((v) => v.toFixed(2)).join(', ')}; while sampling: ` +
        mainThreadSummary(traced, during, state.runStart, state.runEnd) +
        `; load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores`);
      await screenshots(page, name);
      assert.deepEqual(errors, []);
      t.diagnostic(`${((performance.now() - start) / 1000).toFixed(1)} s`);
    } finally {
      await close();
    }
  });
}
