// The pretrained-models demo in Debian's Chromium: sampling 'moons' puts the particles on the two
// half circles, switching to 'rings' samples the ring of modes, 'mnist' draws a grid of images on
// the canvas, Cancel stops a run cleanly and the next Sample succeeds, and nothing is logged as an
// error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { OUTPUT, demoState, launchBrowser, openPage } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launchBrowser({ viewport: { width: 1000, height: 760 } });
});
after(async () => {
  await browser?.close();
});

// Picks the model and n, presses Sample and waits for the run to end; returns the demo's state.
async function sample(page, model, n) {
  await page.selectOption('#model', model);
  await page.fill('#n', String(n));
  await page.click('#sample');
  await page.waitForFunction(() => ['done', 'error', 'cancelled'].includes(window.demo.state), null,
    { timeout: 60000 });
  const state = await demoState(page);
  assert.equal(state.state, 'done', state.error);
  assert.equal(state.model, model);
  assert.equal(state.samples.length, 2 * n);
  assert.equal(state.fraction, 1);
  assert.equal(state.step, state.totalSteps);
  // Every report is drawn: 20 to 100 steps of the SDE samplers the files advise, one a step.
  assert.ok(state.framesDrawn >= Math.min(50, state.totalSteps), `${state.framesDrawn} frames drawn`);
  assert.ok(state.samplesPerSecond > 0 && state.elapsedMs > 0);
  assert.match(await page.textContent('#timing'), /\d s, [\d.]+ samples\/s/);
  return state;
}

// Picks an image model and a grid of columns × columns, presses Sample and waits for the run to end;
// returns the demo's state and what the canvas shows.
async function sampleImages(page, model, columns) {
  await page.selectOption('#model', model);
  await page.selectOption('#grid', String(columns));  // waits until the model is known to be an image model
  await page.click('#sample');
  await page.waitForFunction(() => ['done', 'error', 'cancelled'].includes(window.demo.state), null,
    { timeout: 120000 });
  const state = await demoState(page);
  assert.equal(state.state, 'done', state.error);
  assert.equal(state.model, model);
  assert.equal(state.kind, 'images');
  assert.equal(state.samples.length, columns ** 2 * 784);
  assert.ok(state.samples.every(Number.isFinite));
  assert.equal(state.fraction, 1);
  assert.equal(state.step, state.totalSteps);
  assert.ok(state.framesDrawn >= 50, `${state.framesDrawn} frames drawn`);
  assert.ok(state.samplesPerSecond > 0 && state.elapsedMs > 0);
  assert.match(await page.textContent('#timing'), /\d s, [\d.]+ samples\/s/);
  // The canvas's pixels: opaque ones are the images' (the grid's gaps and margins stay transparent).
  const canvas = await page.$eval('#particles', (c) => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let opaque = 0;
    let lit = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] !== 255) continue;
      opaque += 1;
      if (data[i] > 127) lit += 1;
    }
    return { opaque, lit, pixels: c.width * c.height };
  });
  return { state, canvas };
}

const points = (samples) => Array.from({ length: samples.length / 2 }, (_, i) => [samples[2 * i], samples[2 * i + 1]]);

// Distance of (x, y) to the half circle of radius 1 around (cx, cy) on the side `side` (+1 upper, −1 lower).
function halfCircleDistance([x, y], cx, cy, side) {
  if (side * (y - cy) >= 0) return Math.abs(Math.hypot(x - cx, y - cy) - 1);
  return Math.min(Math.hypot(x - cx - 1, y - cy), Math.hypot(x - cx + 1, y - cy));
}

test('moons, then rings, then Cancel and Sample again: samples on the data, no errors', async () => {
  const { page, errors, close } = await openPage(browser.context, 'examples/pretrained/');
  try {
    await page.waitForFunction(() => window.demo?.state === 'ready' || window.demo?.state === 'error', null,
      { timeout: 30000 });
    const ready = await demoState(page);
    assert.equal(ready.state, 'ready', ready.error);
    assert.equal(ready.backend.flavour, 'simd-threads');
    assert.match(await page.textContent('#backend'), /simd-threads/);
    assert.deepEqual(await page.$$eval('#model option', (options) => options.map((o) => o.value)),
      ['moons', 'swiss-roll', 'rings', 'checkerboard', 'mnist', 'fashion-mnist']);
    assert.equal(await page.isHidden('#grid'), true);

    const moons = await sample(page, 'moons', 500);
    assert.ok(Math.abs(moons.sigma - 0.01) < 1e-8, `σ ${moons.sigma}`);
    const upper = points(moons.samples).map((p) => halfCircleDistance(p, 0, 0, 1));
    const lower = points(moons.samples).map((p) => halfCircleDistance(p, 1, 0.5, -1));
    const near = upper.filter((d, i) => Math.min(d, lower[i]) < 0.2).length / upper.length;
    const onUpper = upper.filter((d, i) => d < lower[i]).length / upper.length;
    assert.ok(near >= 0.9, `${(100 * near).toFixed(1)} % of the points within 0.2 of the moons`);
    assert.ok(onUpper > 0.35 && onUpper < 0.65, `${(100 * onUpper).toFixed(1)} % on the upper moon`);

    const rings = await sample(page, 'rings', 500);
    const modes = new Array(8).fill(0);
    let nearMode = 0;
    for (const [x, y] of points(rings.samples)) {
      const k = ((Math.round(Math.atan2(y, x) / (Math.PI / 4)) % 8) + 8) % 8;
      const d = Math.hypot(x - 3 * Math.cos(k * Math.PI / 4), y - 3 * Math.sin(k * Math.PI / 4));
      if (d < 0.75) { nearMode += 1; modes[k] += 1; }
    }
    assert.ok(nearMode >= 0.9 * 500, `${nearMode} of 500 points within 3 std of a mode`);
    assert.ok(modes.every((count) => count >= 20), `points per mode: ${modes}`);

    // 16 digits, 4 × 4: every image pixel drawn (upscaled), some of them bright.
    const { canvas } = await sampleImages(page, 'mnist', 4);
    assert.ok(canvas.opaque >= 16 * 784 * 4, `${canvas.opaque} opaque canvas pixels`);
    assert.ok(canvas.lit >= 0.01 * canvas.opaque, `${canvas.lit} of ${canvas.opaque} image pixels bright`);
    assert.equal(await page.isHidden('#n'), true);
    await page.screenshot({ path: path.join(OUTPUT, 'pretrained-demo-mnist.png'), fullPage: true });

    // Cancel once the particles start moving: the run ends as 'cancelled', without an error.
    await page.selectOption('#model', 'moons');
    await page.fill('#n', '20000');
    await page.click('#sample');
    await page.waitForFunction(() => window.demo.framesDrawn > 0, null, { timeout: 30000 });
    await page.click('#cancel');
    await page.waitForFunction(() => window.demo.state !== 'running', null, { timeout: 10000 });
    const cancelled = await demoState(page);
    assert.equal(cancelled.state, 'cancelled', cancelled.error);
    assert.equal(cancelled.error, null);
    assert.ok(cancelled.fraction < 1, `fraction ${cancelled.fraction}`);
    assert.equal(await page.textContent('#status'), 'cancelled');
    assert.equal(await page.isEnabled('#sample'), true);
    assert.equal(await page.isDisabled('#cancel'), true);

    await sample(page, 'moons', 3000);
    await page.screenshot({ path: path.join(OUTPUT, 'pretrained-demo.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
