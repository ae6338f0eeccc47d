// The score explorer in Debian's Chromium, cross-origin isolated (threads build) and not (the
// single-threaded one): the four samplers move their particles on the default mixture, annealed
// Langevin, PC and the ODE get its mode weights while plain Langevin does not, no main-thread
// task busy for over 50 ms while they run, dragging a mode changes the mixture and its arrows,
// the σ slider redraws a network's arrows, Cancel stops a run, the page fits a phone's width, and
// nothing is logged as an error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  OUTPUT, demoState, launchBrowser, longTasksBetween, mainThreadSummary, openPage, traceMainThread,
} from './helpers.mjs';

const SAMPLERS = ['langevin', 'annealed', 'pc', 'ode'];
const FINAL = ['done', 'error', 'cancelled'];

let browser;
before(async () => {
  browser = await launchBrowser({ viewport: { width: 1200, height: 800 } });
});
after(async () => {
  await browser?.close();
});

const canvasPixels = (page, selector) => page.$eval(selector, (canvas) => canvas.toDataURL());

function waitForState(page, states, timeout = 60000) {
  return page.waitForFunction((wanted) => wanted.includes(window.demo?.state), states, { timeout });
}

// The page samples the default mixture once at load; this waits for that run to end.
async function waitForFirstRun(page) {
  await waitForState(page, FINAL, 90000);
  const state = await demoState(page);
  assert.equal(state.state, 'done', state.error);
  return state;
}

// Presses Run samplers with a watcher in the page that copies each particle canvas's pixels in the
// animation frame after its first report is drawn (the ODE's 40 reports pass in about a second,
// too fast to catch reliably from here; getImageData, not toDataURL, so that the watcher adds no
// long task of its own), waits for the end and checks that every sampler's particles moved. The
// main thread's tasks are traced meanwhile (traceMainThread); it returns the demo's state and them.
async function runAndWatch(page) {
  const previous = (await demoState(page)).sampling?.startedAt ?? null;
  await page.evaluate(({ ids, previous }) => {
    const pixels = (id) => {
      const canvas = document.querySelector(`#${id}-particles`);
      return canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    };
    const early = {};
    window.__moved = () => Object.fromEntries(ids.map((id) => {
      if (!early[id]) return [id, null];
      const now = pixels(id);
      let changed = 0;
      for (let i = 0; i < now.length; i += 4) changed += now[i] !== early[id][i] || now[i + 1] !== early[id][i + 1];
      return [id, changed];
    }));
    const watch = () => {
      const started = window.demo.sampling && window.demo.sampling.startedAt !== previous;
      for (const id of ids) {
        if (started && !early[id] && window.demo.runs[id]?.framesDrawn > 0) early[id] = pixels(id);
      }
      if (ids.some((id) => !early[id]) && window.demo.state !== 'error') requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
  }, { ids: SAMPLERS, previous });
  const trace = await traceMainThread(page);
  await page.click('#run');
  await waitForState(page, ['running'], 10000);
  await waitForState(page, FINAL, 120000);
  const traced = await trace.stop();
  const state = await demoState(page);
  assert.equal(state.state, 'done', state.error);
  const moved = await page.evaluate(() => window.__moved());
  for (const id of SAMPLERS) {
    const run = state.runs[id];
    assert.equal(run.done, true, id);
    assert.equal(run.step, run.totalSteps, `${id}: step ${run.step} of ${run.totalSteps}`);
    assert.ok(run.framesDrawn >= 20, `${id}: ${run.framesDrawn} frames drawn`);
    assert.notEqual(moved[id], null, `${id}: no early frame captured`);
    // Thousands of pixels: the particles gathered from their start onto the modes.
    assert.ok(moved[id] > 1000, `${id}: the particles did not move (${moved[id]} pixels changed)`);
  }
  return { state, traced };
}

// Mode weights of the default mixture 0.2 · N((−5, −5), I) + 0.8 · N((5, 5), I), 2000 particles per
// sampler: a weight's standard error is √(0.2 · 0.8 / 2000) ≈ 0.009 (0.011 at 0.5). With the
// page's settings, 40 000 particles in Node give the small mode 0.217 with annealed Langevin
// (15 levels of 100 steps: the bias of a finite schedule), 0.206 with PC (200 levels), 0.211 with
// the ODE (40 levels; its prior N(0, 100² I) ignores the mixture's mean (3, 3)) and 0.492 with
// plain Langevin, whose chains stay in the basin they start in: half of the uniform start on the
// square, symmetric about x + y = 0, lies in each. Each tolerance is that bias plus about 4
// standard errors.
function checkModeWeights(state) {
  assert.deepEqual(state.truth.map((w) => Number(w.toFixed(6))), [0.2, 0.8]);
  const small = Object.fromEntries(SAMPLERS.map((id) => [id, state.runs[id].weights[0]]));
  assert.ok(Math.abs(small.annealed - 0.2) < 0.05, `annealed Langevin: small mode ${small.annealed}, truth 0.2`);
  assert.ok(Math.abs(small.pc - 0.2) < 0.04, `predictor–corrector: small mode ${small.pc}, truth 0.2`);
  assert.ok(Math.abs(small.ode - 0.2) < 0.045, `probability-flow ODE: small mode ${small.ode}, truth 0.2`);
  assert.ok(Math.abs(small.langevin - 0.49) < 0.045, `plain Langevin: small mode ${small.langevin}, expected ≈ 0.49`);
  assert.ok(Math.abs(small.langevin - 0.2) > 0.2, `plain Langevin got the weight right: ${small.langevin}`);
  return small;
}

// Runs the samplers and checks them, and that no main-thread task kept the thread busy for over
// 50 ms while they ran. A long task (over 50 ms of wall time) also comes from the scheduler when
// other processes load this shared 2-core machine, whose cores the worker's threads keep busy too
// (then the page's few milliseconds of drawing per frame take over 50 ms of wall time); the trace's
// CPU time per task tells the two apart, as in the image pages' tests. A page that sampled or drew
// on its main thread would spend the run's seconds there.
async function checkSampling(t, page) {
  const { state, traced } = await runAndWatch(page);
  const small = checkModeWeights(state);
  const { startedAt, endedAt, maxFrameWorkMs, maxFrameGapMs } = state.sampling;
  const during = await longTasksBetween(page, startedAt, endedAt, traced);
  t.diagnostic(`sampling ${((endedAt - startedAt) / 1000).toFixed(2)} s; small-mode weights ` +
    `${SAMPLERS.map((id) => `${id} ${small[id].toFixed(3)}`).join(', ')}; longest drawing frame ` +
    `${maxFrameWorkMs.toFixed(1)} ms, longest gap between frames ${maxFrameGapMs.toFixed(0)} ms; ` +
    mainThreadSummary(traced, during, startedAt, endedAt));
  assert.ok(traced.length > 0, 'the trace holds the main thread\'s tasks');
  assert.deepEqual(during.filter((x) => x.cpu > 50), [], 'long tasks that kept the main thread busy while sampling');
  return state;
}

// Where the point (x, y) of the data lies on the field canvas, in the page's CSS pixels.
async function fieldPoint(page, [x, y]) {
  await page.locator('#field').scrollIntoViewIfNeeded();
  const box = await page.locator('#field').boundingBox();
  const { cx, cy, h } = (await demoState(page)).view;
  return [box.x + (x - cx + h) / (2 * h) * box.width, box.y + (cy + h - y) / (2 * h) * box.height];
}

// Waits until the arrows drawn are those of the current mixture (and σ), after at least one redraw.
async function waitForField(page, drawsBefore) {
  await page.waitForFunction((before) => window.demo.field.draws > before &&
    window.demo.field.version === window.demo.mixtureVersion && window.demo.field.model === window.demo.model &&
    window.demo.field.sigma === window.demo.sigma, drawsBefore, { timeout: 30000 });
  return demoState(page);
}

test('cross-origin isolated: threads build; samplers, dragging a mode, a network and the σ slider', async (t) => {
  const { page, errors, close } = await openPage(browser.context, 'examples/explorer/', { isolated: true });
  try {
    const first = await waitForFirstRun(page);
    assert.equal(first.backend.flavour, 'simd-threads');
    assert.ok(first.backend.threads >= 2, `threads: ${first.backend.threads}`);
    assert.equal(first.backend.crossOriginIsolated, true);
    assert.match(await page.textContent('#backend'), new RegExp(`simd-threads, ${first.backend.threads} threads`));

    await checkSampling(t, page);
    await page.screenshot({ path: path.join(OUTPUT, 'explorer-isolated.png'), fullPage: true });

    // Drag mode 1 from (−5, −5) to (−5, 5) with the mouse (pointer events).
    const before = await demoState(page);
    assert.deepEqual(before.mixture.means, [[-5, -5], [5, 5]]);
    const arrowsBefore = await canvasPixels(page, '#field');
    const [x0, y0] = await fieldPoint(page, [-5, -5]);
    const [x1, y1] = await fieldPoint(page, [-5, 5]);
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await page.mouse.move(x1, y1, { steps: 10 });
    await page.mouse.up();
    const dragged = await waitForField(page, before.field.draws);
    const [mx, my] = dragged.mixture.means[0];
    assert.ok(Math.hypot(mx + 5, my - 5) < 0.2, `mode 1 is at (${mx}, ${my}), expected (−5, 5)`);
    assert.deepEqual(dragged.mixture.means[1], [5, 5]);
    assert.ok(dragged.mixtureVersion > before.mixtureVersion);
    assert.notEqual(dragged.field.checksum, before.field.checksum, 'the scores did not change');
    assert.notEqual(await canvasPixels(page, '#field'), arrowsBefore, 'the arrows were not redrawn');

    // A weight slider (keyboard) changes the mixture's weights.
    await page.locator('#modes li:first-child .weight').press('End');
    await page.waitForFunction(() => window.demo.mixture.weights[0] > 0.5, null, { timeout: 10000 });
    assert.ok(Math.abs((await demoState(page)).mixture.weights[0] - 100 / 180) < 1e-9);

    // A shipped network: its arrows appear, and moving σ redraws them.
    await page.selectOption('#model', 'moons');
    await page.waitForFunction(() => window.demo.state === 'ready' && window.demo.field.model === 'moons' &&
      window.demo.field.sigma === window.demo.sigma, null, { timeout: 30000 });
    const moons = await demoState(page);
    assert.deepEqual(moons.view, { cx: 0.5, cy: 0.25, h: 1.8 });
    assert.equal(await page.isHidden('#mixture-editor'), true);
    const moonsArrows = await canvasPixels(page, '#field');
    await page.locator('#sigma').press('End');
    const moved = await waitForField(page, moons.field.draws);
    assert.ok(Math.abs(moved.sigma - 3.4) < 0.01, `σ ${moved.sigma} at the slider's end, expected 3.4`);
    assert.notEqual(moved.field.checksum, moons.field.checksum);
    assert.notEqual(await canvasPixels(page, '#field'), moonsArrows, 'the arrows were not redrawn at the new σ');
    assert.match(await page.textContent('#sigma-value'), /σ = 3\.4/);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('without isolation: single-threaded build; samplers, phone width, Cancel', async (t) => {
  const { page, errors, close } = await openPage(browser.context, 'examples/explorer/', { isolated: false });
  try {
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    const first = await waitForFirstRun(page);
    assert.deepEqual(first.backend,
      { flavour: 'simd', threads: 1, crossOriginIsolated: false, environment: 'browser' });
    assert.match(await page.textContent('#backend'), /simd, 1 thread \(not cross-origin isolated/);

    await checkSampling(t, page);
    await page.screenshot({ path: path.join(OUTPUT, 'explorer-not-isolated.png'), fullPage: true });

    // 390 px wide: nothing wider than the screen, the canvases scaled down.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth,
      field: document.querySelector('#field').getBoundingClientRect().width,
      plot: document.querySelector('#langevin-particles').getBoundingClientRect().width }));
    assert.ok(widths.page <= 390, `the page is ${widths.page} px wide`);
    assert.ok(widths.field <= 370 && widths.plot <= 190, JSON.stringify(widths));
    await page.screenshot({ path: path.join(OUTPUT, 'explorer-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1200, height: 800 });

    // Cancel once the particles move: the run ends as cancelled, without an error, and Run is back.
    await page.fill('#annealed-stepsPerLevel', '2000');
    await page.click('#run');
    await page.waitForFunction(() => window.demo.runs.annealed?.framesDrawn > 2, null, { timeout: 30000 });
    await page.click('#cancel');
    await waitForState(page, FINAL, 10000);
    const cancelled = await demoState(page);
    assert.equal(cancelled.state, 'cancelled', cancelled.error);
    assert.equal(cancelled.error, null);
    assert.ok(cancelled.runs.annealed.step < cancelled.runs.annealed.totalSteps);
    assert.equal(await page.textContent('#status'), 'cancelled');
    assert.equal(await page.isEnabled('#run'), true);
    assert.equal(await page.isDisabled('#cancel'), true);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
