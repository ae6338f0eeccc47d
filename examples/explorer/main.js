// The score explorer: the score field of a Gaussian mixture the user edits on the canvas (or of a
// shipped score network) at any σ, and four samplers run side by side on the same model, each as
// particles and as a density. Imports the package's own files, as shipped.
import { backendInfo, gaussianMixture, geometricSigmas, loadModel } from '../../web/index.js';
import { $, pageState, short, showBackend } from '../page.js';
import {
  DensityCanvas, MODE_COLORS, NETWORK_COLOR, NETWORK_VIEWS, ParticleCanvas, drawArrows, drawMixtureDensity,
  gridPoints, makeView, packColor,
} from './plots.js';

// The data distribution of NCSN's Figure 3: well-separated modes of unequal weight.
const DEFAULT_MIXTURE = { weights: [20, 80], means: [[-5, -5], [5, 5]], stds: [1, 1] };
const MIXTURE_VIEW = { cx: 0, cy: 0, h: 10 };
// Canvases are sized in CSS pixels and drawn at up to twice that on high-density screens.
const RATIO = Math.min(2, Math.max(1, Math.round(window.devicePixelRatio || 1)));
const FIELD_SIZE = 480;
const PLOT_SIZE = 256;
const ARROWS = 25;  // arrows per row of the grid
const SLIDER_STEPS = 200;
// Progress reports asked of each run: about this many (levels also end with one), enough for a
// smooth animation without copying the particles more often than frames can show them.
const REPORTS_PER_RUN = 150;
// Playback shows one report per drawn frame per run; beyond this backlog it skips reports evenly,
// so the animation speeds up instead of lagging seconds behind a fast worker.
const MAX_BACKLOG = 60;
// Drawing runs at about 30 frames a second, and the text under each plot changes at most 10 times
// a second: at 60 frames, eight canvases and their text kept the main thread busy 60 % of the time
// on a 2-core machine, and a busy main thread is what other processes stretch into long tasks.
const DRAW_INTERVAL_MS = 30;
const TEXT_INTERVAL_MS = 100;
const HANDLE_RADIUS = 7;  // CSS pixels

// The sampler settings each panel offers: [key, label, min, max, integer].
const SAMPLERS = [
  { id: 'langevin', title: 'Langevin dynamics',
    params: [['stepSize', 'ε', 1e-9, 10, false], ['steps', 'steps', 1, 100000, true]] },
  { id: 'annealed', title: 'Annealed Langevin',
    params: [['stepSize', 'ε', 1e-9, 10, false], ['levels', 'levels', 1, 1000, true],
      ['stepsPerLevel', 'steps/level', 1, 10000, true]] },
  { id: 'pc', title: 'Predictor–corrector',
    params: [['steps', 'levels', 2, 20000, true], ['correctorSteps', 'corrector', 0, 20, true],
      ['snr', 'snr', 0.001, 2, false]] },
  { id: 'ode', title: 'Probability-flow ODE',
    params: [['steps', 'levels', 2, 5000, true]] },
];

const pct = (w) => `${(100 * w).toFixed(1)} %`;
// How a setting is written into its input: small values as 6.84e-6, which fits the field.
const inputText = (v) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2).replace(/\.?0+e/, 'e') : String(v));

// What the page shows, also read by the browser test.
const demo = {
  backend: null, state: 'loading', error: null, model: 'mixture', view: MIXTURE_VIEW,
  mixture: null, mixtureVersion: 0, sigma: null,
  field: { model: null, sigma: null, version: null, draws: 0, checksum: null },
  n: null, threads: null, truth: null, runs: {}, sampling: null,
};
const { setState, fail } = pageState(demo);

let mixture = structuredClone(DEFAULT_MIXTURE);  // weights as the sliders hold them (not normalised)
let view = makeView(MIXTURE_VIEW, FIELD_SIZE * RATIO);
let plotView = makeView(MIXTURE_VIEW, PLOT_SIZE * RATIO);
let controller = null;
let running = null;  // the promise of the sampling run in progress
let stopReason = null;
let loading = true;
const networks = new Map();  // name → Promise<ScoreModel>
let mixtureEntry = null;     // { version, promise } of the mixture's ScoreModel
let sliderRange = { lo: 0.01, hi: 100 };
let fieldScores = null;      // { model, version, sigma, points, cell, scores } of the last score() call
const panels = new Map();    // sampler id → { particles, density, inputs, readout elements }

// ---- state and models ----------------------------------------------------------------------------


const isMixture = () => demo.model === 'mixture';

function normalised(weights) {
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

function publishMixture() {
  demo.mixture = { weights: normalised(mixture.weights), means: mixture.means.map((m) => [...m]),
    stds: [...mixture.stds] };
}

// The mixture's model for its current version: rebuilt only when asked for after an edit (at most
// one per field redraw while a mode is dragged); the previous one is freed in the worker.
function mixtureModel() {
  if (mixtureEntry?.version !== demo.mixtureVersion) {
    const previous = mixtureEntry;
    const { weights, means, stds } = mixture;
    mixtureEntry = { version: demo.mixtureVersion, promise: gaussianMixture({ weights, means, stds }) };
    previous?.promise.then((m) => m.dispose(), () => {});
  }
  return mixtureEntry.promise;
}

function network(name) {
  if (!networks.has(name)) {
    networks.set(name, loadModel(name).catch((error) => {
      networks.delete(name);  // try again next time
      throw error;
    }));
  }
  return networks.get(name);
}

const currentModel = () => (isMixture() ? mixtureModel() : network(demo.model));

// Ends a running sampling (the worker stops within one chunk of steps) and says why.
function stop(reason) {
  if (!controller) return;
  stopReason = reason;
  controller.abort();
}

// ---- the score field -----------------------------------------------------------------------------

function sigmaFromSlider() {
  const t = Number($('#sigma').value) / SLIDER_STEPS;
  return Number((sliderRange.lo * (sliderRange.hi / sliderRange.lo) ** t).toPrecision(3));
}

function setSlider(lo, hi, sigma) {
  sliderRange = { lo, hi };
  $('#sigma').value = String(Math.round(SLIDER_STEPS * Math.log(sigma / lo) / Math.log(hi / lo)));
  $('#sigma-lo').textContent = short(lo);
  $('#sigma-hi').textContent = short(hi);
  showSigma();
}

function showSigma() {
  demo.sigma = sigmaFromSlider();
  $('#sigma-value').textContent = `σ = ${short(demo.sigma)}`;
}

// Draws the field canvas from what is known now: the density or data outline, the last arrows of
// this model, the mode handles. Synchronous and cheap, so a drag redraws at once; the arrows
// follow when the worker's score() answers.
function renderField() {
  const canvas = $('#field');
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (isMixture()) {
    drawMixtureDensity(ctx, view, mixture, demo.sigma);
  } else {
    ctx.strokeStyle = '#c3cad3';
    ctx.fillStyle = '#f1f3f5';
    ctx.lineWidth = 2 * RATIO;
    NETWORK_VIEWS[demo.model].outline(ctx, view);
  }
  if (fieldScores?.model === demo.model) {
    drawArrows(ctx, view, fieldScores.points, fieldScores.scores, fieldScores.cell, { width: RATIO });
  }
  if (isMixture()) drawHandles(ctx);
}

function drawHandles(ctx) {
  const r = HANDLE_RADIUS * RATIO;
  mixture.means.forEach(([x, y], k) => {
    const [px, py] = view.toPx(x, y);
    ctx.setLineDash([4 * RATIO, 3 * RATIO]);
    ctx.strokeStyle = MODE_COLORS[k];
    ctx.lineWidth = RATIO;
    ctx.beginPath();
    ctx.arc(px, py, Math.max(r + 2, 2 * mixture.stds[k] * view.scale), 0, 2 * Math.PI);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = MODE_COLORS[k];
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 2 * RATIO;
    ctx.beginPath();
    ctx.arc(px, py, drag?.k === k ? r * 1.3 : r, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = '#fff';
    ctx.font = `600 ${9 * RATIO}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(String(k + 1), px, py + 0.5);
  });
}

// One score() call at a time; edits and slider moves meanwhile only mark the field dirty, and the
// loop asks again with the newest state when the answer is in.
let fieldBusy = false;
let fieldDirty = false;

function requestField() {
  fieldDirty = true;
  if (!fieldBusy) fieldLoop();
}

async function fieldLoop() {
  fieldBusy = true;
  try {
    while (fieldDirty) {
      fieldDirty = false;
      const key = { model: demo.model, version: demo.mixtureVersion, sigma: demo.sigma };
      const { points, cell } = gridPoints(view, ARROWS);
      let scores;
      try {
        const m = await currentModel();
        scores = await m.score(points, key.sigma);
      } catch (error) {
        // A mixture replaced by a newer edit is disposed under its pending call: ask again.
        if (error?.code === 'DISPOSED' && key.version !== demo.mixtureVersion) {
          fieldDirty = true;
          continue;
        }
        throw error;
      }
      if (key.model !== demo.model) continue;  // another model was picked meanwhile
      fieldScores = { ...key, points, cell, scores };
      renderField();
      let checksum = 0;
      for (let k = 0; k < scores.length; ++k) checksum += scores[k] * ((k % 7) + 1);
      demo.field = { model: key.model, sigma: key.sigma, version: key.version, draws: demo.field.draws + 1, checksum };
    }
  } catch (error) {
    fail(error);
  } finally {
    fieldBusy = false;
  }
}

// ---- editing the mixture -------------------------------------------------------------------------

let drag = null;  // { k, pointerId, dx, dy } while a mode is dragged

// The pointer in canvas pixels (the canvas is scaled by CSS, inside its border).
function pointerData(event) {
  const canvas = $('#field');
  const rect = canvas.getBoundingClientRect();
  const perCss = canvas.width / canvas.clientWidth;
  const px = (event.clientX - rect.left - canvas.clientLeft) * perCss;
  const py = (event.clientY - rect.top - canvas.clientTop) * perCss;
  return { px, py, perCss };
}

function modeAt(event) {
  const { px, py, perCss } = pointerData(event);
  const reach = (event.pointerType === 'touch' ? 22 : 12) * perCss;
  let best = -1;
  let bestDistance = reach;
  mixture.means.forEach(([x, y], k) => {
    const [mx, my] = view.toPx(x, y);
    const d = Math.hypot(mx - px, my - py);
    if (d <= bestDistance) [best, bestDistance] = [k, d];
  });
  return best;
}

function onPointerDown(event) {
  if (!isMixture() || loading) return;
  const k = modeAt(event);
  if (k < 0) return;
  event.preventDefault();
  $('#field').setPointerCapture(event.pointerId);
  const { px, py } = pointerData(event);
  const [x, y] = view.toData(px, py);
  drag = { k, pointerId: event.pointerId, dx: mixture.means[k][0] - x, dy: mixture.means[k][1] - y };
  $('#field').style.cursor = 'grabbing';
  renderField();
}

function onPointerMove(event) {
  if (!isMixture()) return;
  if (!drag) {
    $('#field').style.cursor = modeAt(event) >= 0 ? 'grab' : '';
    return;
  }
  if (event.pointerId !== drag.pointerId) return;
  const { px, py } = pointerData(event);
  const [x, y] = view.toData(px, py);
  const limit = 0.95 * MIXTURE_VIEW.h;
  const clamp = (v) => Math.max(-limit, Math.min(limit, v));
  mixture.means[drag.k] = [Number(clamp(x + drag.dx).toFixed(2)), Number(clamp(y + drag.dy).toFixed(2))];
  mixtureChanged();
}

function onPointerUp(event) {
  if (!drag || event.pointerId !== drag.pointerId) return;
  drag = null;
  $('#field').style.cursor = 'grab';
  renderField();
}

function mixtureChanged({ rebuildList = false } = {}) {
  demo.mixtureVersion += 1;
  publishMixture();
  stop('stopped: the mixture changed. Press Run samplers');
  if (rebuildList) buildModeList();
  else showWeights();
  markStale();
  renderField();
  requestField();
}

function buildModeList() {
  const list = $('#modes');
  list.replaceChildren();
  mixture.weights.forEach((weight, k) => {
    const item = document.createElement('li');
    item.innerHTML = `<span class="swatch" style="background:${MODE_COLORS[k]}">${k + 1}</span>` +
      `<label><span class="word">weight</span> <input type="range" min="1" max="100" step="1" class="weight"></label>` +
      '<output class="share"></output>' +
      '<label>std <input type="number" min="0.2" max="4" step="0.1" class="std"></label>' +
      `<button type="button" class="remove" title="Remove mode ${k + 1}" aria-label="Remove mode ${k + 1}">` +
      '✕</button>';
    const slider = item.querySelector('.weight');
    slider.value = String(weight);
    slider.setAttribute('aria-label', `weight of mode ${k + 1}`);
    slider.addEventListener('input', () => {
      mixture.weights[k] = Number(slider.value);
      mixtureChanged();
    });
    const std = item.querySelector('.std');
    std.value = String(mixture.stds[k]);
    std.setAttribute('aria-label', `standard deviation of mode ${k + 1}`);
    std.addEventListener('change', () => {
      const value = Math.max(0.2, Math.min(4, Number(std.value) || 1));
      std.value = String(value);
      mixture.stds[k] = value;
      mixtureChanged();
    });
    item.querySelector('.remove').disabled = mixture.weights.length === 1;
    item.querySelector('.remove').addEventListener('click', () => removeMode(k));
    list.append(item);
  });
  $('#add-mode').disabled = mixture.weights.length >= MODE_COLORS.length;
  showWeights();
}

function showWeights() {
  const shares = normalised(mixture.weights);
  document.querySelectorAll('#modes .share').forEach((output, k) => { output.textContent = pct(shares[k]); });
}

function removeMode(k) {
  for (const key of ['weights', 'means', 'stds']) mixture[key].splice(k, 1);
  mixtureChanged({ rebuildList: true });
  updateBackgrounds();
}

// A new mode goes where it is farthest from the others, on a coarse grid inside the view.
function addMode() {
  let best = [0, 0];
  let bestDistance = -1;
  for (let x = -7; x <= 7; x += 1) {
    for (let y = -7; y <= 7; y += 1) {
      const d = Math.min(...mixture.means.map(([mx, my]) => Math.hypot(mx - x, my - y)));
      if (d > bestDistance + 1e-9) [best, bestDistance] = [[x, y], d];
    }
  }
  mixture.weights.push(30);
  mixture.means.push(best);
  mixture.stds.push(1);
  mixtureChanged({ rebuildList: true });
  updateBackgrounds();
}

function resetMixture() {
  mixture = structuredClone(DEFAULT_MIXTURE);
  mixtureChanged({ rebuildList: true });
  updateBackgrounds();
}

// ---- sampler panels ------------------------------------------------------------------------------

function buildPanels() {
  const container = $('#samplers');
  for (const spec of SAMPLERS) {
    const panel = document.createElement('article');
    panel.className = 'panel sampler';
    panel.id = `panel-${spec.id}`;
    panel.innerHTML = `<h3>${spec.title}</h3><p class="rule"></p><div class="settings"></div>` +
      `<div class="views"><canvas class="particles" id="${spec.id}-particles" ` +
      `aria-label="${spec.title}: particles"></canvas><canvas class="density" id="${spec.id}-density" ` +
      `aria-label="${spec.title}: density of the particles"></canvas></div>` +
      '<div class="readout"><div class="progress-line"></div><div class="weights" hidden><div class="bars">' +
      '<span>sampled</span><div class="bar sampled"></div><span>truth</span><div class="bar truth"></div></div>' +
      '<div class="weights-text"></div></div><div class="timing"></div></div>';
    const inputs = {};
    for (const [key, label, min, max, integer] of spec.params) {
      const field = document.createElement('label');
      field.innerHTML = `${label} <input type="number" min="${min}" max="${max}" step="${integer ? 1 : 'any'}">`;
      inputs[key] = field.querySelector('input');
      inputs[key].dataset.min = String(min);
      inputs[key].dataset.max = String(max);
      inputs[key].dataset.integer = String(integer);
      inputs[key].id = `${spec.id}-${key}`;
      panel.querySelector('.settings').append(field);
    }
    const particlesCanvas = panel.querySelector('.particles');
    const densityCanvas = panel.querySelector('.density');
    for (const canvas of [particlesCanvas, densityCanvas]) canvas.width = canvas.height = PLOT_SIZE * RATIO;
    container.append(panel);
    panels.set(spec.id, {
      spec, panel, inputs,
      particles: new ParticleCanvas(particlesCanvas, 2 * RATIO),
      density: new DensityCanvas(densityCanvas),
      rule: panel.querySelector('.rule'),
      progress: panel.querySelector('.progress-line'),
      weights: panel.querySelector('.weights'),
      timing: panel.querySelector('.timing'),
    });
  }
}

// Sensible settings per sampler: for the mixture those of its tests (σ from 100, well above the
// modes' distance from the origin, to 0.05); for a network its file's noise levels and step size.
function defaultsFor(m) {
  if (!m.config.sigmas) {
    return { range: { max: 100, min: 0.05 }, langevin: { stepSize: 0.1, steps: 1000 },
      annealed: { stepSize: 0.001, levels: 15, stepsPerLevel: 100 },
      pc: { steps: 200, correctorSteps: 1, snr: 0.16 }, ode: { steps: 40 } };
  }
  const sigmas = m.config.sigmas;
  const sampling = m.config.sampling ?? {};
  const min = Number(sigmas.at(-1).toPrecision(3));
  return { range: { max: Number(sigmas[0].toPrecision(3)), min },
    langevin: { stepSize: Number((min ** 2 / 2).toPrecision(3)), steps: 1000 },
    annealed: { stepSize: Number((sampling.step_size ?? 2e-5).toPrecision(3)), levels: sigmas.length,
      stepsPerLevel: sampling.steps_per_level ?? 100 },
    pc: { steps: 200, correctorSteps: 1, snr: 0.16 }, ode: { steps: 40 } };
}

function applyDefaults(m) {
  const defaults = defaultsFor(m);
  for (const [id, { inputs }] of panels) {
    for (const [key, input] of Object.entries(inputs)) input.value = inputText(defaults[id][key]);
  }
  $('#sigma-max').value = inputText(defaults.range.max);
  $('#sigma-min').value = inputText(defaults.range.min);
  describeRules();
}

// Reads a number input, clamped to its range (and written back, so the page shows what runs).
function readInput(input, fallback) {
  const { min, max, integer } = input.dataset;
  let value = Number(input.value);
  if (!Number.isFinite(value)) value = fallback;
  if (integer === 'true') value = Math.round(value);
  value = Math.max(Number(min), Math.min(Number(max), value));
  input.value = inputText(value);
  return value;
}

function readRange() {
  const min = readInput($('#sigma-min'), 0.05);
  let max = readInput($('#sigma-max'), 100);
  if (max <= min) {
    max = Number((min * 10).toPrecision(3));
    $('#sigma-max').value = String(max);
  }
  return { min, max };
}

// The σ plain Langevin runs at: the data score itself for the mixture, σ_min for a network (whose
// score is only trained down to its smallest σ).
const langevinSigma = (range) => (isMixture() ? 0 : range.min);

function describeRules() {
  const range = { max: Number($('#sigma-max').value), min: Number($('#sigma-min').value) };
  const sigma0 = short(langevinSigma(range));
  const levels = `σ = ${short(range.max)} → ${short(range.min)}`;
  const rules = {
    langevin: `x ← x + ε s(x, σ) + √(2ε) z at σ = ${sigma0}, from a uniform start over the plot`,
    annealed: `at each of the levels ${levels} (geometric), steps/level steps of x ← x + (α/2) s + √α z, ` +
      'α = ε σ² / σ<sub>min</sub>², then a denoising step',
    pc: `at each of the levels ${levels} (geometric), corrector Langevin steps of ε = 2 (snr σ)², then a ` +
      'reverse-SDE step, from N(0, σ<sub>max</sub>² I)',
    ode: `dx/dσ = −σ s(x, σ) by Heun steps over the levels ${levels}: deterministic given the start ` +
      'N(0, σ<sub>max</sub>² I)',
  };
  for (const [id, { rule }] of panels) rule.innerHTML = rules[id];
}

// The options of each run, from the inputs.
function runOptions(spec, values, range, n) {
  switch (spec.id) {
    case 'langevin':
      return { sampler: 'langevin', stepSize: values.stepSize, steps: values.steps, sigma: langevinSigma(range),
        init: uniformStart(n) };
    case 'annealed':
      return { sampler: 'annealed-langevin', stepSize: values.stepSize, stepsPerLevel: values.stepsPerLevel,
        sigmas: { max: range.max, min: range.min, levels: values.levels }, denoise: true };
    case 'pc':
      return { sampler: 'pc', steps: values.steps, correctorSteps: values.correctorSteps, snr: values.snr,
        sigmaMax: range.max, sigmaMin: range.min, denoise: true };
    default:
      return { sampler: 'ode', steps: values.steps, sigmaMax: range.max, sigmaMin: range.min, denoise: true };
  }
}

// Uniform start points over the plotted square (its x and y ranges differ for the networks).
function uniformStart(n) {
  const { cx, cy, h } = demo.view;
  const points = new Float32Array(2 * n);
  for (let i = 0; i < n; ++i) {
    points[2 * i] = cx - h + 2 * h * Math.random();
    points[2 * i + 1] = cy - h + 2 * h * Math.random();
  }
  return points;
}

// Steps a run reports progress over (SampleProgress.totalSteps), to ask for REPORTS_PER_RUN reports.
function totalSteps(options) {
  switch (options.sampler) {
    case 'langevin': return options.steps;
    case 'annealed-langevin': return options.sigmas.levels * options.stepsPerLevel + 1;
    case 'pc': return options.steps * (options.correctorSteps + 1);
    default: return options.steps;
  }
}

// The σ a progress report's level ran at: geometric levels for annealed Langevin and PC, the
// Karras (ρ = 7) spacing for the ODE.
function levelSigma(options, level) {
  switch (options.sampler) {
    case 'langevin': return options.sigma;
    case 'annealed-langevin': return geometricSigmas(options.sigmas)[Math.min(level, options.sigmas.levels - 1)];
    case 'pc': {
      const t = options.steps > 1 ? Math.min(level, options.steps - 1) / (options.steps - 1) : 0;
      return options.sigmaMax * (options.sigmaMin / options.sigmaMax) ** t;
    }
    default: {
      const t = Math.min(level, options.steps - 1) / (options.steps - 1);
      const [a, b] = [options.sigmaMax ** (1 / 7), options.sigmaMin ** (1 / 7)];
      return (a + t * (b - a)) ** 7;
    }
  }
}

// Backgrounds of the sampler plots: the mixture's modes (1 and 2 std), or the network's data.
function updateBackgrounds() {
  const r = RATIO;
  for (const { particles, density } of panels.values()) {
    particles.setBackground((ctx) => {
      if (isMixture()) {
        mixture.means.forEach(([x, y], k) => {
          const [px, py] = plotView.toPx(x, y);
          ctx.strokeStyle = `${MODE_COLORS[k]}55`;
          ctx.lineWidth = r;
          for (const z of [1, 2]) {
            ctx.beginPath();
            ctx.arc(px, py, z * mixture.stds[k] * plotView.scale, 0, 2 * Math.PI);
            ctx.stroke();
          }
        });
      } else {
        ctx.strokeStyle = '#c3cad3';
        ctx.fillStyle = '#f1f3f5';
        ctx.lineWidth = 1.5 * r;
        NETWORK_VIEWS[demo.model].outline(ctx, plotView);
      }
    });
    density.overlay = (ctx) => {
      ctx.strokeStyle = 'rgba(120, 132, 145, 0.7)';
      ctx.lineWidth = r;
      if (isMixture()) {
        for (const [k, [x, y]] of mixture.means.entries()) {
          const [px, py] = plotView.toPx(x, y);
          ctx.beginPath();
          ctx.arc(px, py, 2 * mixture.stds[k] * plotView.scale, 0, 2 * Math.PI);
          ctx.stroke();
        }
      } else {
        ctx.fillStyle = 'rgba(0, 0, 0, 0)';
        NETWORK_VIEWS[demo.model].outline(ctx, plotView);
      }
    };
  }
}

function clearPanels(text = 'press Run samplers') {
  $('#samplers').classList.remove('stale');
  for (const p of panels.values()) {
    p.particles.clear();
    p.density.clear();
    p.progress.textContent = text;
    p.weights.hidden = true;
    p.timing.textContent = '';
  }
}

// After an edit the shown samples belong to the previous mixture: dimmed until the next run.
function markStale() {
  if (Object.keys(demo.runs).length > 0) $('#samplers').classList.add('stale');
}

// ---- sampling and playback -----------------------------------------------------------------------

const active = new Set();  // runs whose reports are still being played back
let framePending = false;
let lastFrameTime = null;  // of the last frame drawn, while runs play

function scheduleFrame() {
  if (!framePending) {
    framePending = true;
    requestAnimationFrame(animate);
  }
}

function animate(time) {
  framePending = false;
  if (lastFrameTime !== null && time - lastFrameTime < DRAW_INTERVAL_MS) {
    scheduleFrame();
    return;
  }
  const start = performance.now();
  for (const run of active) {
    if (run.signal.aborted) {
      active.delete(run);
      run.resolve();
      continue;
    }
    if (run.frames.length > MAX_BACKLOG) run.frames.splice(0, Math.floor(run.frames.length / MAX_BACKLOG));
    if (run.frames.length > 0) showFrame(run, run.frames.shift(), time);
    if (run.finished && run.frames.length === 0) {
      active.delete(run);
      demo.runs[run.spec.id].done = true;
      run.resolve();
    }
  }
  if (demo.sampling && demo.sampling.endedAt === null) {
    demo.sampling.maxFrameWorkMs = Math.max(demo.sampling.maxFrameWorkMs, performance.now() - start);
    if (lastFrameTime !== null) {
      demo.sampling.maxFrameGapMs = Math.max(demo.sampling.maxFrameGapMs, time - lastFrameTime);
    }
  }
  lastFrameTime = active.size > 0 ? time : null;
  if (active.size > 0) scheduleFrame();
}

// Which mode each particle belongs to: the component of highest likelihood (weights left out, so
// that a particle between modes is not pulled towards the heavy one), coloured by it; the shares
// are of all n particles.
function classify(run, samples) {
  const n = samples.length / 2;
  if (!run.truth) return { colors: run.colors.fill(packColor(NETWORK_COLOR, 255)), shares: null };
  const { means, stds } = run.mixture;
  const counts = new Array(means.length).fill(0);
  const logStd = stds.map(Math.log);
  for (let i = 0; i < n; ++i) {
    const [x, y] = [samples[2 * i], samples[2 * i + 1]];
    if (!Number.isFinite(x + y)) continue;  // a diverged chain (a step size too large) is in no mode
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < means.length; ++k) {
      const score = -((x - means[k][0]) ** 2 + (y - means[k][1]) ** 2) / (2 * stds[k] ** 2) - 2 * logStd[k];
      if (score > bestScore) [best, bestScore] = [k, score];
    }
    counts[best] += 1;
    run.colors[i] = run.palette[best];
  }
  return { colors: run.colors, shares: counts.map((c) => c / n) };
}

function showFrame(run, frame, time) {
  const p = panels.get(run.spec.id);
  const { colors, shares } = classify(run, frame.samples);
  p.particles.draw(frame.samples, plotView, colors);
  p.density.draw(frame.samples, plotView);
  const state = demo.runs[run.spec.id];
  Object.assign(state, { step: frame.step, totalSteps: frame.totalSteps, fraction: frame.fraction,
    evaluations: frame.evaluations, framesDrawn: state.framesDrawn + 1, weights: shares });
  if (time - run.textTime < TEXT_INTERVAL_MS && frame.fraction < 1) return;
  run.textTime = time;
  const level = frame.levels > 1 ? ` · level ${frame.level + 1}/${frame.levels}` : '';
  const sigma = short(levelSigma(run.options, frame.level));
  p.progress.textContent = `step ${frame.step}/${frame.totalSteps}${level}\nσ = ${sigma}`;
  if (shares) showShares(p, shares, run.truth);
}

function showShares(p, shares, truth) {
  p.weights.hidden = false;
  const bar = (element, values) => {
    element.replaceChildren(...values.map((w, k) => {
      const part = document.createElement('span');
      part.style.width = `${100 * w}%`;
      part.style.background = MODE_COLORS[k];
      return part;
    }));
  };
  bar(p.weights.querySelector('.sampled'), shares);
  if (p.weights.dataset.truth !== truth.join()) {
    bar(p.weights.querySelector('.truth'), truth);
    p.weights.dataset.truth = truth.join();
  }
  const off = Math.max(...shares.map((w, k) => Math.abs(w - truth[k])));
  const percents = (values) => values
    .map((w, k) => `<span style="color:${MODE_COLORS[k]}">${(100 * w).toFixed(1)}</span>`).join(' · ');
  p.weights.querySelector('.weights-text').innerHTML = `weights ${percents(shares)} %\ntruth   ${percents(truth)} %` +
    `\noff by at most ${(100 * off).toFixed(1)} points`;
}

// Starts one sampler; resolves once its last report is drawn (or at once when cancelled).
function startRun(spec, m, options, context, signal) {
  const run = { spec, options, signal, frames: [], finished: false, resolve: null, textTime: -Infinity,
    colors: new Uint32Array(context.n), ...context };
  const played = new Promise((resolve) => { run.resolve = resolve; });
  demo.runs[spec.id] = { sampler: options.sampler, step: 0, totalSteps: 0, fraction: 0, evaluations: 0,
    framesDrawn: 0, done: false, weights: null, elapsedMs: null };
  const p = panels.get(spec.id);
  p.progress.textContent = 'starting…';
  p.weights.hidden = true;
  p.timing.textContent = '';
  const start = performance.now();
  active.add(run);
  scheduleFrame();
  const progressEvery = Math.max(1, Math.round(totalSteps(options) / REPORTS_PER_RUN));
  return m.sample({ ...options, n: context.n, threads: context.threads, signal, progressSamples: true, progressEvery,
    onProgress: (report) => {
      run.frames.push(report);
      scheduleFrame();
    } })
    .then(() => {
      const elapsed = performance.now() - start;
      demo.runs[spec.id].elapsedMs = elapsed;
      p.timing.textContent = `${(elapsed / 1000).toFixed(2)} s in the worker`;
      run.finished = true;
      scheduleFrame();
      return played;
    }, (error) => {
      active.delete(run);
      run.resolve();
      if (signal.aborted) throw error;
      p.progress.textContent = `error: ${error.message}`;
      throw new Error(`${spec.title}: ${error.message}`, { cause: error });
    })
    .then(() => {
      const state = demo.runs[spec.id];
      if (!signal.aborted) p.timing.textContent += `, ${state.evaluations} score evaluations per particle`;
    });
}

async function runSamplers() {
  if (controller || loading) return;
  const ctl = new AbortController();
  controller = ctl;
  stopReason = null;
  const { signal } = ctl;
  setControls(true);
  setState('running', 'starting…');
  $('#samplers').classList.remove('stale');
  $('#progress').value = 0;
  try {
    const m = await currentModel();
    signal.throwIfAborted();
    const n = readInput($('#n'), 2000);
    const threads = readInput($('#threads'), 1);
    const range = readRange();
    describeRules();
    const truth = isMixture() ? normalised(mixture.weights) : null;
    updateBackgrounds();  // the modes may have moved since the last run
    const context = { n, threads, truth, mixture: structuredClone(mixture),
      palette: MODE_COLORS.map((c) => packColor(c, 230)) };
    Object.assign(demo, { n, threads, truth, runs: {},
      sampling: { startedAt: performance.now(), endedAt: null, maxFrameWorkMs: 0, maxFrameGapMs: 0 } });
    lastFrameTime = null;
    setState('running', `sampling ${n} particles with each sampler, ${threads} thread${threads > 1 ? 's' : ''}…`);
    const runs = SAMPLERS.map((spec) => {
      const values = {};
      for (const [key, input] of Object.entries(panels.get(spec.id).inputs)) values[key] = readInput(input, 1);
      return startRun(spec, m, runOptions(spec, values, range, n), context, signal);
    });
    const progress = setInterval(() => {
      const states = Object.values(demo.runs);
      $('#progress').value = states.reduce((a, s) => a + (s.done ? 1 : 0.98 * s.fraction), 0) / states.length;
    }, 100);
    try {
      await Promise.all(runs);
    } finally {
      clearInterval(progress);
    }
    demo.sampling.endedAt = performance.now();
    $('#progress').value = 1;
    const seconds = (demo.sampling.endedAt - demo.sampling.startedAt) / 1000;
    setState('done', `done: ${n} particles per sampler in ${seconds.toFixed(1)} s`);
  } catch (error) {
    if (demo.sampling && demo.sampling.endedAt === null) demo.sampling.endedAt = performance.now();
    if (signal.aborted) {
      setState('cancelled', stopReason ?? 'cancelled');
    } else {
      ctl.abort();  // the other samplers stop too
      fail(error);
    }
  } finally {
    if (controller === ctl) controller = null;
    setControls(false);
  }
}

function startSampling() {
  if (controller || loading) return;
  running = runSamplers();
}

function setControls(busy) {
  $('#run').disabled = busy || loading;
  $('#cancel').disabled = !busy;
  $('#n').disabled = busy;
  $('#threads').disabled = busy || (demo.backend?.threads ?? 1) === 1;
  $('#defaults').disabled = busy;
}

// ---- picking a model -----------------------------------------------------------------------------

async function select(name) {
  if (controller) {
    stop('stopped: another model was picked');
    await running;  // its end reports 'cancelled' before this says 'loading'
  }
  demo.model = name;
  demo.runs = {};
  loading = true;
  setControls(false);
  fieldScores = null;
  demo.view = isMixture() ? MIXTURE_VIEW : NETWORK_VIEWS[name];
  const { cx, cy, h } = demo.view;
  view = makeView({ cx, cy, h }, FIELD_SIZE * RATIO);
  plotView = makeView({ cx, cy, h }, PLOT_SIZE * RATIO);
  $('#mixture-editor').hidden = !isMixture();
  $('#network-info').hidden = isMixture();
  const number = (v) => short(v).replace('-', '−');
  $('#view-range').textContent = `[${number(cx - h)}, ${number(cx + h)}] × [${number(cy - h)}, ${number(cy + h)}]`;
  $('#field').style.cursor = '';
  updateBackgrounds();
  clearPanels(isMixture() ? 'press Run samplers' : 'loading the model…');
  setState('loading', isMixture() ? 'building the mixture…' : `loading ${name}…`);
  try {
    const m = await currentModel();
    if (demo.model !== name) return;
    if (isMixture()) {
      setSlider(0.01, 100, 1);
    } else {
      const sigmas = m.config.sigmas;
      $('#network-name').textContent = name;
      $('#network-details').textContent = `${m.architecture}, ${sigmas.length} trained noise levels ` +
        `σ = ${short(sigmas[0])} → ${short(sigmas.at(-1))}`;
      setSlider(sigmas.at(-1), sigmas[0], Math.sqrt(sigmas[0] * sigmas.at(-1)));
    }
    applyDefaults(m);
    renderField();
    requestField();
    loading = false;
    clearPanels();
    setState('ready', 'ready: press Run samplers');
  } catch (error) {
    loading = false;
    fail(error);
  } finally {
    setControls(false);
  }
}

// ---- start-up ------------------------------------------------------------------------------------

function sizeCanvases() {
  const field = $('#field');
  field.width = field.height = FIELD_SIZE * RATIO;
}

sizeCanvases();
buildPanels();
publishMixture();
buildModeList();
for (const name of ['mixture', ...Object.keys(NETWORK_VIEWS)]) {
  $('#model').append(new Option(name === 'mixture' ? 'Gaussian mixture (editable)' : `${name} (score network)`, name));
}
$('#model').addEventListener('change', (event) => select(event.target.value));
$('#sigma').addEventListener('input', () => {
  showSigma();
  renderField();
  requestField();
});
$('#field').addEventListener('pointerdown', onPointerDown);
$('#field').addEventListener('pointermove', onPointerMove);
$('#field').addEventListener('pointerup', onPointerUp);
$('#field').addEventListener('pointercancel', onPointerUp);
$('#add-mode').addEventListener('click', addMode);
$('#reset-mixture').addEventListener('click', resetMixture);
$('#run').addEventListener('click', startSampling);
$('#cancel').addEventListener('click', () => stop('cancelled'));
$('#defaults').addEventListener('click', async () => applyDefaults(await currentModel()));
for (const id of ['#sigma-max', '#sigma-min']) {
  $(id).addEventListener('change', () => {
    readRange();
    describeRules();
  });
}

try {
  demo.backend = await backendInfo();
  const { threads } = demo.backend;
  showBackend(demo.backend);
  // Sampling on every core would leave none to the page: drawing the particles and compositing the
  // canvases would then wait for the scheduler, in tasks of hundreds of milliseconds on two cores.
  const input = $('#threads');
  input.max = input.dataset.max = String(threads);
  input.value = String(Math.max(1, threads - 1));
  await select('mixture');
  if (demo.state === 'ready') startSampling();
} catch (error) {
  fail(error);
}
