// The inpainting page (examples/inpainting/) in Debian's Chromium, cross-origin isolated (threads
// build) and not (the single-threaded fallback): a mouse drag erases part of the test image, Fill
// draws candidates that keep every unerased pixel of the test image exactly (what sample({ known,
// mask }) promises) and differ where it was erased; Cancel stops a fill; a touch drag erases at
// phone width; the main thread never has a long task while filling; nothing is logged as an error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import {
  demoState, launchBrowser, longTasksBetween, mainThreadSummary, openPage, OUTPUT, pageReady, traceMainThread,
} from './helpers.mjs';

const PHONE = { width: 390, height: 844 };
const PIXELS = 28 * 28;
// Polls on a timer rather than every animation frame: the test's own polling should not add work to
// the main thread whose long tasks it counts.
const POLL = { polling: 100 };

let browser;
before(async () => {
  browser = await launchBrowser({ viewport: { width: 1200, height: 900 } });
});
after(async () => {
  await browser?.close();
});

const settled = (page, timeout) => page.waitForFunction(() => window.demo.state !== 'running', null,
  { ...POLL, timeout });

// Remembers a canvas's pixels in the page; changedPixels() counts those that differ since.
const snapshot = (page, selector) => page.$eval(selector, (c) => {
  window.__snapshot = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
});
const changedPixels = (page, selector) => page.$eval(selector, (c) => {
  const now = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let changed = 0;
  for (let i = 0; i < now.length; i += 4) {
    if (now[i] !== window.__snapshot[i] || now[i + 1] !== window.__snapshot[i + 1]) changed += 1;
  }
  return changed;
});

// Drags the mouse along `points` (fractions of the test image's width and height), then leaves it.
async function drag(page, points) {
  const box = await page.locator('#source').boundingBox();
  const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 12 });
  await page.mouse.up();
  await page.mouse.move(0, 0);
}

// The same with one finger, through the DevTools protocol (Playwright's touchscreen only taps).
async function touchDrag(page, points) {
  const box = await page.locator('#source').boundingBox();
  const at = ([fx, fy]) => ({ x: box.x + fx * box.width, y: box.y + fy * box.height });
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(points[0])] });
    for (const p of points.slice(1)) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(p)] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  } finally {
    await cdp.detach();
  }
}

async function openReady(isolated) {
  const opened = await openPage(browser.context, 'examples/inpainting/', { isolated });
  return { ...opened, ready: await pageReady(opened.page) };
}

// Starts a long fill and cancels it once the candidates have been drawn twice.
async function cancelFill(page) {
  await page.selectOption('#sampler', 'annealed-langevin');
  await page.fill('#steps', '30');
  await page.selectOption('#n', '8');
  await page.click('#fill');
  await page.waitForFunction(() => window.demo.framesDrawn >= 2, null, { ...POLL, timeout: 60000 });
  await page.click('#cancel');
  await settled(page, 10000);
  const cancelled = await demoState(page);
  assert.equal(cancelled.state, 'cancelled', cancelled.error);
  assert.equal(cancelled.error, null);
  assert.ok(cancelled.fraction < 1, `fraction ${cancelled.fraction}`);
  assert.equal(cancelled.samples, null);
  assert.equal(await page.isEnabled('#fill'), true);
  assert.equal(await page.isDisabled('#cancel'), true);
}

// Fills with the given settings; checks the candidates against the test image and returns the
// demo's state.
async function fillCandidates(page, { sampler, steps, n }) {
  await page.selectOption('#sampler', sampler);
  await page.fill('#steps', String(steps));
  await page.selectOption('#n', String(n));
  await page.fill('#seed', '3');
  await snapshot(page, '#candidates');
  const trace = await traceMainThread(page);
  await page.click('#fill');
  await settled(page, 120000);
  const traced = await trace.stop();
  const state = await demoState(page);
  assert.equal(state.state, 'done', state.error);
  assert.equal(state.sampler, sampler);
  assert.equal(state.steps, steps);
  assert.equal(state.samples.length, n * PIXELS);
  assert.ok(state.samples.every(Number.isFinite));
  assert.ok(state.framesDrawn >= 3, `${state.framesDrawn} frames drawn`);
  assert.match(await page.textContent('#timing'), new RegExp(`^${n} candidates in [\\d.]+ s \\(seed 3\\)$`));
  assert.ok(await changedPixels(page, '#candidates') >= n * PIXELS * 0.5, 'the candidates are drawn');

  // The fill used the page's mask; every candidate keeps each unerased pixel of the test image
  // exactly (the samplers end with the known values themselves, not a noised copy).
  const erased = state.mask.map((known, i) => (known ? -1 : i)).filter((i) => i >= 0);
  assert.equal(erased.length, state.erased);
  for (let c = 0; c < n; ++c) {
    let worst = 0;
    for (let i = 0; i < PIXELS; ++i) {
      if (state.mask[i]) worst = Math.max(worst, Math.abs(state.samples[c * PIXELS + i] - state.known[i]));
    }
    assert.ok(worst <= 1e-6, `candidate ${c}: a kept pixel differs from the test image by ${worst}`);
  }
  // ... and the erased pixels are drawn anew: each pair of candidates differs there.
  const clamp = (v) => Math.min(1, Math.max(0, v));
  for (let a = 0; a < n; ++a) {
    for (let b = a + 1; b < n; ++b) {
      const diff = erased.reduce((s, i) => s + Math.abs(clamp(state.samples[a * PIXELS + i]) -
        clamp(state.samples[b * PIXELS + i])), 0) / erased.length;
      assert.ok(diff > 0.02, `candidates ${a} and ${b} differ by ${diff.toFixed(4)} on average in the erased pixels`);
    }
  }

  // No long task on the main thread while the worker filled, unless the trace shows that the
  // thread spent it waiting rather than working.
  const during = await longTasksBetween(page, state.runStart, state.runEnd, traced);
  assert.ok(traced.length > 0, 'the trace holds the main thread\'s tasks');
  assert.deepEqual(during.filter((t) => t.cpu > 50), [], 'long tasks that kept the main thread busy while filling');
  return { state, during, traced };
}

for (const isolated of [true, false]) {
  const name = `inpainting-${isolated ? 'isolated' : 'not-isolated'}`;
  test(`inpainting, ${isolated ? '' : 'not '}cross-origin isolated: erase, Cancel, Fill`, async (t) => {
    const start = performance.now();
    const { page, errors, ready, close } = await openReady(isolated);
    try {
      assert.equal(ready.backend.crossOriginIsolated, isolated);
      assert.equal(ready.backend.flavour, isolated ? 'simd-threads' : 'simd');
      if (isolated) assert.ok(ready.backend.threads >= 2, `${ready.backend.threads} threads`);
      else assert.equal(ready.backend.threads, 1);
      const backendText = await page.textContent('#backend');
      assert.match(backendText, isolated ? /^build: simd-threads, \d+ threads/ : /^build: simd, 1 thread /);
      assert.equal(await page.locator('#image option').count(), 10);
      assert.equal(ready.erased, 0);
      assert.equal(await page.isDisabled('#fill'), true);  // nothing erased yet
      // The model's stored sampler and levels.
      assert.equal(await page.inputValue('#sampler'), 'reverse-diffusion');
      assert.equal(await page.inputValue('#steps'), '99');

      // A Z-shaped stroke over the lower half erases pixels there, and only there.
      await snapshot(page, '#source');
      await drag(page, [[0.2, 0.55], [0.8, 0.55], [0.2, 0.8], [0.8, 0.8]]);
      const erased = await demoState(page);
      assert.ok(erased.erased >= 60, `${erased.erased} pixels erased`);
      const changed = await changedPixels(page, '#source');
      assert.ok(changed >= erased.erased * 50, `${changed} canvas pixels changed`);  // 100 per image pixel
      assert.equal(await page.isEnabled('#fill'), true);

      await cancelFill(page);
      // The threads build fills with the stored sampler at 30 levels, the single-threaded one
      // with pc.
      const { state, during, traced } = await fillCandidates(page, isolated
        ? { sampler: 'reverse-diffusion', steps: 30, n: 4 }
        : { sampler: 'pc', steps: 20, n: 4 });
      assert.equal(state.mask.filter((known) => !known).length, erased.erased);
      t.diagnostic(`${backendText}; ${state.erased} pixels erased; ${state.n} candidates, ` +
        `${state.framesDrawn} frames in ${state.elapsedMs.toFixed(0)} ms; while filling: ` +
        mainThreadSummary(traced, during, state.runStart, state.runEnd) +
        `; load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores`);
      await page.screenshot({ path: path.join(OUTPUT, `${name}.png`), fullPage: true });

      // At phone width the candidates wrap into rows of two, nothing is wider than the screen, and
      // a finger erases too.
      await page.setViewportSize(PHONE);
      await page.waitForTimeout(200);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= PHONE.width, `the page is ${width} px wide at phone width`);
      await page.screenshot({ path: path.join(OUTPUT, `${name}-phone.png`), fullPage: true });
      await page.locator('#source').scrollIntoViewIfNeeded();
      await touchDrag(page, [[0.3, 0.1], [0.5, 0.2], [0.7, 0.3]]);
      const touched = await demoState(page);
      assert.ok(touched.erased > erased.erased, `${touched.erased - erased.erased} pixels erased by touch`);
      assert.deepEqual(errors, []);
      t.diagnostic(`${((performance.now() - start) / 1000).toFixed(1)} s`);
    } finally {
      await close();
    }
  });
}
