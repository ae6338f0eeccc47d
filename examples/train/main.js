// The training demo: points placed or drawn on a canvas are the data of an ncsn-mlp that
// trainModel() fits in the package's worker while the page plots its loss; the trained network then
// samples, its particles moving from noise onto the drawing. The model file can be downloaded and
// loaded again. Imports the package's own files, as shipped.
import { backendInfo, loadModel, trainModel } from '../../web/index.js';
import { $, pageState, short, showBackend } from '../page.js';

const VIEW = 1;  // the data canvas shows [−VIEW, VIEW]²
// Data units between the points of a drawn stroke: about 7 canvas pixels, dense enough that a
// stroke reads as a line once the network smooths it at σ_min.
const STROKE_SPACING = 0.03;
const MAX_POINTS = 5000;
// A hundredth of the canvas: sharp enough for a drawing, and σ_max / σ_min (σ_max is the points'
// largest distance, at most 2.8) stays under 150, 8 or 9 levels, which a network of a few thousand
// steps learns well.
const SIGMA_MIN = 0.02;
const PLAYBACK_FRAMES = 150;  // snapshots of the particles per sampling run (2.5 s at 60 frames/s)
const COLOURS = { data: 'rgba(52, 58, 64, 0.55)', samples: 'rgba(28, 126, 214, 0.55)', grid: '#eef0f3',
  axis: '#d5dbe3', loss: '#a5c8ec', smooth: '#1c7ed6', text: '#5c6670' };

const dataCanvas = $('#data');
// Read back once per change of the points (the background of the particles' frames).
const dataCtx = dataCanvas.getContext('2d', { willReadFrequently: true });
const lossCanvas = $('#loss');
const lossCtx = lossCanvas.getContext('2d');

// `?seed=N` makes a run reproducible (training seed N, sampling seed N + 1); random otherwise.
const fixedSeed = (() => {
  const value = new URLSearchParams(location.search).get('seed');
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
})();

const points = [];  // the training data, [x, y] in data units
let current = null;  // { model, url, fileName }: the model that Sample and Download use
let controller = null;  // aborts the running training or sampling (Cancel)
let stopper = null;  // ends the running training early, keeping the network (Stop)
let shownSamples = null;  // the particles on the data canvas, or null

// What the page shows, also read by the browser test. `phases` are the windows of training and
// sampling (performance.now() times), which the test checks for long tasks, each with the longest
// that the page's own work in it took (`maxWorkMs`), to tell the page's cost from the scheduler's
// delays on a loaded machine.
const demo = { backend: null, state: 'loading', error: null, run: 0, data: points, points: 0, preset: null,
  training: null, losses: [], model: null, sampling: null, samples: null, phases: [] };
const { setState, fail } = pageState(demo);


const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;

let activePhase = null;

function beginPhase(kind) {
  activePhase = { kind, start: performance.now(), end: null, maxWorkMs: 0 };
  demo.phases.push(activePhase);
  return activePhase;
}

function endPhase(phase) {
  phase.end ??= performance.now();
  if (activePhase === phase) activePhase = null;
}

function work(f) {
  const start = performance.now();
  try {
    return f();
  } finally {
    if (activePhase) activePhase.maxWorkMs = Math.max(activePhase.maxWorkMs, performance.now() - start);
  }
}

// ---- the data canvas -----------------------------------------------------------------------------

const toCanvas = (x, y) => [(x / VIEW + 1) / 2 * dataCanvas.width, (1 - y / VIEW) / 2 * dataCanvas.height];

// The data point under a pointer event. The canvas may be scaled by CSS (at phone width), so the
// position is taken relative to its displayed content box, inside the border.
function toData(event) {
  const rect = dataCanvas.getBoundingClientRect();
  const u = (event.clientX - rect.left - dataCanvas.clientLeft) / dataCanvas.clientWidth;
  const v = (event.clientY - rect.top - dataCanvas.clientTop) / dataCanvas.clientHeight;
  const clamp = (t) => Math.min(VIEW, Math.max(-VIEW, t));
  return [clamp((2 * u - 1) * VIEW), clamp((1 - 2 * v) * VIEW)];
}

function drawGrid() {
  const ctx = dataCtx;
  ctx.clearRect(0, 0, dataCanvas.width, dataCanvas.height);
  ctx.lineWidth = 1;
  for (let t = -VIEW; t <= VIEW + 1e-9; t += VIEW / 4) {
    ctx.strokeStyle = Math.abs(t) < 1e-9 ? COLOURS.axis : COLOURS.grid;
    const [px, py] = toCanvas(t, t);
    ctx.beginPath();
    ctx.moveTo(Math.round(px) + 0.5, 0);
    ctx.lineTo(Math.round(px) + 0.5, dataCanvas.height);
    ctx.moveTo(0, Math.round(py) + 0.5);
    ctx.lineTo(dataCanvas.width, Math.round(py) + 0.5);
    ctx.stroke();
  }
}

function drawDataPoint(x, y) {
  const [px, py] = toCanvas(x, y);
  dataCtx.fillStyle = COLOURS.data;
  dataCtx.fillRect(px - 1.5, py - 1.5, 3, 3);
}

// The grid and the training points as pixels, so that a frame of particles is one copy of them,
// the particles blended in by hand and one putImageData: 2000 fillRects cost the main thread several
// milliseconds a frame in a software-rendered canvas, which a busy machine stretches into long tasks.
let background = null;  // ImageData, or null when the points changed since
let frameImage = null;
const PARTICLE = { rgb: [28, 126, 214], alpha: 0.6, size: 2 };

// The grid, the training points and, over them, the particles (n × 2 values) if any.
function drawScene(samples = shownSamples) {
  if (!samples || !background) {
    drawGrid();
    for (const [x, y] of points) drawDataPoint(x, y);
    if (!samples) return;
    background = dataCtx.getImageData(0, 0, dataCanvas.width, dataCanvas.height);
  }
  frameImage ??= new ImageData(dataCanvas.width, dataCanvas.height);
  const out = frameImage.data;
  out.set(background.data);
  const { width, height } = dataCanvas;
  const [r, g, b] = PARTICLE.rgb;
  const a = PARTICLE.alpha;
  for (let i = 0; i < samples.length; i += 2) {
    const [px, py] = toCanvas(samples[i], samples[i + 1]);
    const [x0, y0] = [Math.round(px - PARTICLE.size / 2), Math.round(py - PARTICLE.size / 2)];
    if (x0 < 0 || y0 < 0 || x0 + PARTICLE.size > width || y0 + PARTICLE.size > height) continue;
    for (let y = y0; y < y0 + PARTICLE.size; ++y) {
      for (let x = x0; x < x0 + PARTICLE.size; ++x) {
        // Source-over on unpremultiplied pixels, as the 2-D context would blend them.
        const k = 4 * (y * width + x);
        const under = (out[k + 3] / 255) * (1 - a);
        const alpha = a + under;
        out[k] = (r * a + out[k] * under) / alpha;
        out[k + 1] = (g * a + out[k + 1] * under) / alpha;
        out[k + 2] = (b * a + out[k + 2] * under) / alpha;
        out[k + 3] = alpha * 255;
      }
    }
  }
  dataCtx.putImageData(frameImage, 0, 0);
}

function pointsChanged() {
  background = null;
  demo.points = points.length;
  $('#point-count').textContent = String(points.length);
  setControls();
}

// Adds a point and draws just it, so that drawing a stroke stays cheap however many points there are.
function addPoint(x, y) {
  if (points.length >= MAX_POINTS) return false;
  points.push([x, y]);
  background = null;
  drawDataPoint(x, y);
  return true;
}

// New data: the particles of the last model no longer belong to it.
function editData() {
  if (shownSamples) {
    shownSamples = null;
    drawScene();
  }
  demo.preset = null;
}

let stroke = null;  // { pointerId, last: [x, y] } while a pointer is down on the canvas

dataCanvas.addEventListener('pointerdown', (event) => {
  // While a run is going the points on the canvas are the ones it uses.
  if (controller || stroke || (event.pointerType === 'mouse' && event.button !== 0)) return;
  event.preventDefault();
  dataCanvas.setPointerCapture(event.pointerId);
  editData();
  const start = toData(event);
  addPoint(...start);
  stroke = { pointerId: event.pointerId, last: start };
  pointsChanged();
});

dataCanvas.addEventListener('pointermove', (event) => {
  if (stroke?.pointerId !== event.pointerId) return;
  // A fast stroke skips pixels between events: fill the segment with points STROKE_SPACING apart.
  for (const e of event.getCoalescedEvents?.() ?? [event]) {
    const [x, y] = toData(e);
    const [lx, ly] = stroke.last;
    const length = Math.hypot(x - lx, y - ly);
    const count = Math.floor(length / STROKE_SPACING);
    for (let k = 1; k <= count; ++k) {
      const t = (k * STROKE_SPACING) / length;
      if (!addPoint(lx + t * (x - lx), ly + t * (y - ly))) break;
      stroke.last = [lx + t * (x - lx), ly + t * (y - ly)];
    }
  }
  pointsChanged();
});

for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
  dataCanvas.addEventListener(type, (event) => {
    if (stroke?.pointerId === event.pointerId) stroke = null;
  });
}

// ---- presets -------------------------------------------------------------------------------------

// A small seeded generator, so that a preset is the same set of points every time.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function normal(rand) {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

// Points along the curve f(t), t in [t0, t1], with Gaussian jitter of `std`.
function along(rand, count, f, t0, t1, std) {
  return Array.from({ length: count }, () => {
    const [x, y] = f(t0 + (t1 - t0) * rand());
    return [x + std * normal(rand), y + std * normal(rand)];
  });
}

const blob = (rand, count, cx, cy, std) => along(rand, count, () => [cx, cy], 0, 1, std);
const arc = (cx, cy, r) => (t) => [cx + r * Math.cos(t), cy + r * Math.sin(t)];

// The browser test knows the two blobs' centres and spread.
const PRESETS = {
  'two-blobs': (rand) => [...blob(rand, 200, -0.5, 0, 0.1), ...blob(rand, 200, 0.5, 0, 0.1)],
  'ring': (rand) => along(rand, 400, arc(0, 0, 0.6), 0, 2 * Math.PI, 0.03),
  'smiley': (rand) => [
    ...along(rand, 320, arc(0, 0, 0.78), 0, 2 * Math.PI, 0.015),
    ...blob(rand, 50, -0.28, 0.28, 0.04), ...blob(rand, 50, 0.28, 0.28, 0.04),
    ...along(rand, 140, arc(0, 0.02, 0.45), 1.15 * Math.PI, 1.85 * Math.PI, 0.015),
  ],
  'spiral': (rand) => along(rand, 500, (t) => [0.08 * t * Math.cos(t), 0.08 * t * Math.sin(t)], 1, 3.4 * Math.PI, 0.02),
};

function usePreset(name) {
  editData();
  points.length = 0;
  points.push(...PRESETS[name](random(7)));
  demo.preset = name;
  drawScene();
  pointsChanged();
}

// ---- the loss plot -------------------------------------------------------------------------------

const LOSS_MARGIN = { left: 46, right: 10, top: 10, bottom: 26 };
let lossDrawPending = false;

// Redraws at most once per animation frame however often the trainer reports.
function scheduleLossDraw() {
  if (lossDrawPending) return;
  lossDrawPending = true;
  requestAnimationFrame(() => {
    lossDrawPending = false;
    work(drawLoss);
  });
}

// Log-scale ticks between lo and hi: 1, 2, 5 × 10^k, or every digit where that gives too few.
function logTicks(lo, hi) {
  const ticks = (mantissas) => {
    const out = [];
    for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); ++k) {
      for (const m of mantissas) {
        const v = m * 10 ** k;
        if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
      }
    }
    return out;
  };
  const coarse = ticks([1, 2, 5]);
  return coarse.length >= 3 ? coarse : ticks([1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

// The loss plot is drawn at its displayed size and the screen's pixel ratio, so that its labels
// stay sharp at any width.
let lossScale = 1;
function fitLossCanvas() {
  lossScale = window.devicePixelRatio || 1;
  const [width, height] = [lossCanvas.clientWidth, lossCanvas.clientHeight]
    .map((v) => Math.max(1, Math.round(v * lossScale)));
  if (width === lossCanvas.width && height === lossCanvas.height) return;
  lossCanvas.width = width;
  lossCanvas.height = height;
  drawLoss();
}

// Round steps from 0 to total, 1, 2 or 5 × 10^k apart, four to ten of them.
function stepTicks(total) {
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(1, total)));
  const spacing = [magnitude / 5, magnitude / 2, magnitude].find((s) => s >= 1 && total / s <= 9) ?? magnitude;
  const ticks = [];
  for (let step = 0; step <= total; step += spacing) ticks.push(step);
  return ticks;
}

function drawLoss() {
  const ctx = lossCtx;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, lossCanvas.width, lossCanvas.height);
  ctx.setTransform(lossScale, 0, 0, lossScale, 0, 0);
  const [width, height] = [lossCanvas.width / lossScale, lossCanvas.height / lossScale];
  const { left, right, top, bottom } = LOSS_MARGIN;
  const [plotWidth, plotHeight] = [width - left - right, height - top - bottom];
  ctx.font = '11px ui-monospace, monospace';
  ctx.fillStyle = COLOURS.text;
  ctx.strokeStyle = COLOURS.axis;
  ctx.lineWidth = 1;
  ctx.strokeRect(left + 0.5, top + 0.5, plotWidth, plotHeight);
  const losses = demo.losses;
  // The run's length while it trains; once done, the steps it took (fewer after Stop).
  const totalSteps = demo.training?.steps ?? demo.training?.totalSteps;
  if (losses.length === 0 || !totalSteps) {
    ctx.textAlign = 'center';
    ctx.fillText('the loss appears here as the network trains', left + plotWidth / 2, top + plotHeight / 2);
    return;
  }
  let [lo, hi] = [Infinity, -Infinity];
  for (const { loss } of losses) {
    if (loss > 0) [lo, hi] = [Math.min(lo, loss), Math.max(hi, loss)];
  }
  if (!(hi > 0)) return;
  // At least a factor 1.5 of range and some headroom, so that a flat curve does not fill the plot.
  const middle = Math.sqrt(lo * hi);
  const spread = Math.max(Math.sqrt(hi / lo) * 1.08, Math.sqrt(1.5));
  [lo, hi] = [middle / spread, middle * spread];
  const px = (step) => left + (step / totalSteps) * plotWidth;
  const py = (loss) => top + (1 - Math.log(loss / lo) / Math.log(hi / lo)) * plotHeight;

  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of logTicks(lo, hi)) {
    const y = Math.round(py(v)) + 0.5;
    ctx.strokeStyle = COLOURS.grid;
    ctx.beginPath();
    ctx.moveTo(left + 1, y);
    ctx.lineTo(left + plotWidth, y);
    ctx.stroke();
    ctx.fillText(String(Number(v.toPrecision(2))), left - 5, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillText('step', left + plotWidth + 2 - ctx.measureText('step').width, top + plotHeight + 5);
  ctx.textAlign = 'center';
  for (const step of stepTicks(totalSteps)) {
    const label = step >= 10000 ? `${step / 1000}k` : String(step);
    // Leave the corner to the axis's name.
    if (px(step) + ctx.measureText(label).width / 2 < left + plotWidth - ctx.measureText('step ').width) {
      ctx.fillText(label, px(step), top + plotHeight + 5);
    }
  }
  ctx.save();
  ctx.translate(11, top + plotHeight / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText('loss (log)', 0, 0);
  ctx.restore();

  // Each report is a mean over the steps since the one before, noisy for a long run; the darker line
  // averages them over the last 2.5 % of the run's steps (weighted by the steps each covers), so it
  // lags the raw one by little.
  const line = (values, colour, lineWidth) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = lineWidth;
    ctx.beginPath();
    values.forEach(([step, loss], i) => (i === 0 ? ctx.moveTo(px(step), py(loss)) : ctx.lineTo(px(step), py(loss))));
    ctx.stroke();
  };
  line(losses.map(({ step, loss }) => [step, loss]), COLOURS.loss, 1);
  line(movingAverage(losses, Math.max(1, totalSteps / 40)), COLOURS.smooth, 2);
}

// [step, mean loss over the steps (step − window, step]] at every report, the reports weighted by
// the steps they cover.
function movingAverage(losses, window) {
  const out = [];
  let [first, sum, weight] = [0, 0, 0];
  const covered = (i) => losses[i].step - (i > 0 ? losses[i - 1].step : 0);
  for (let i = 0; i < losses.length; ++i) {
    sum += losses[i].loss * covered(i);
    weight += covered(i);
    while (first < i && losses[first].step <= losses[i].step - window) {
      sum -= losses[first].loss * covered(first);
      weight -= covered(first);
      first += 1;
    }
    out.push([losses[i].step, sum / weight]);
  }
  return out;
}

// ---- training ------------------------------------------------------------------------------------

function readSettings() {
  const steps = Math.max(1, Math.min(100000, Math.round(Number($('#steps').value)) || 3000));
  $('#steps').value = String(steps);
  const width = Number($('#width').value);
  const hidden = new Array(Number($('#layers').value)).fill(width);
  return { steps, hidden, batchSize: Number($('#batch').value), lr: Number($('#lr').value) };
}

const newSeed = () => Math.floor(Math.random() * 2 ** 32);

async function train() {
  if (points.length < 2) {
    setState('ready', 'add at least two points (or pick a preset) first');
    return;
  }
  const settings = readSettings();
  const seed = fixedSeed ?? newSeed();
  controller = new AbortController();
  stopper = new AbortController();
  const { signal } = controller;
  demo.run += 1;
  demo.error = null;
  demo.losses = [];
  demo.training = { ...settings, seed, points: points.length, totalSteps: settings.steps, step: 0, steps: null,
    stopped: null, elapsedMs: null };
  setState('training', `training on ${points.length} points…`);
  setControls();
  $('#progress').value = 0;
  $('#train-info').textContent = '';
  drawLoss();
  const phase = beginPhase('train');
  try {
    const result = await trainModel(points, { ...settings, sigmaMin: SIGMA_MIN, seed, signal,
      stopSignal: stopper.signal, onProgress: (p) => work(() => {
        demo.losses.push({ step: p.step, loss: p.loss });
        demo.training.step = p.step;
        $('#progress').value = p.fraction;
        $('#train-info').textContent = `step ${p.step}/${p.totalSteps} · loss ${p.loss.toFixed(3)} · ` +
          `${seconds(performance.now() - phase.start)}`;
        scheduleLossDraw();
      }) });
    endPhase(phase);
    const elapsed = phase.end - phase.start;
    Object.assign(demo.training, { steps: result.steps, stopped: result.stopped, elapsedMs: elapsed });
    const last = demo.losses.at(-1)?.loss;
    $('#train-info').textContent = `${result.stopped ? 'stopped after' : 'trained'} ${result.steps} steps in ` +
      `${seconds(elapsed)} (${Math.round(result.steps / (elapsed / 1000))} steps/s)` +
      (last === undefined ? '' : ` · last loss ${last.toFixed(3)}`) +
      `\n${points.length} points, batches of ${settings.batchSize}, learning rate ${settings.lr}, seed ${seed}`;
    drawLoss();
    setModel(result.model, result.bytes, 'trained-score-model.safetensors', 'trained');
    stopper = null;
    await sampleCurrent(signal, fixedSeed === null ? newSeed() : fixedSeed + 1);
  } catch (error) {
    endPhase(phase);
    if (signal.aborted) setState('cancelled');
    else fail(error);
  } finally {
    controller = null;
    stopper = null;
    setControls();
  }
}

// Makes `model` the current one (disposing the one before), with its file's bytes for Download.
function setModel(model, bytes, fileName, source) {
  if (current) {
    current.model.dispose();
    URL.revokeObjectURL(current.url);
  }
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  current = { model, url, fileName };
  const { config } = model;
  demo.model = { source, fileName, bytes: bytes.byteLength ?? bytes.size, architecture: model.architecture,
    hidden: config.hidden ?? null, levels: config.sigmas?.length ?? null, sigmaMax: config.sigmas?.[0] ?? null,
    sigmaMin: config.sigmas?.at(-1) ?? null };
  const sampling = config.sampling ?? {};
  const sampler = sampling.sampler ?? 'annealed-langevin';
  const size = demo.model.bytes >= 1e6 ? `${short(demo.model.bytes / 1e6)} MB` : `${short(demo.model.bytes / 1e3)} kB`;
  $('#model-info').textContent = `${source === 'trained' ? 'trained model' : fileName}: ${model.architecture}` +
    (config.hidden ? `, ${config.hidden.join(' × ')} hidden` : '') + `, ${size}\n` +
    (config.sigmas ? `${config.sigmas.length} noise levels, σ ${short(config.sigmas[0])} → ` +
      `${short(config.sigmas.at(-1))}\n` : '') +
    `${sampler}` + (sampler.endsWith('langevin') ? `, ${sampling.steps_per_level ?? 100} steps/level` +
      (sampling.step_size ? `, ε = ${sampling.step_size.toExponential(1)}` : '') :
      sampling.steps ? `, ${sampling.steps} steps` : '');
}

// ---- sampling ------------------------------------------------------------------------------------

function readN() {
  const n = Math.max(1, Math.min(20000, Math.round(Number($('#n').value)) || 2000));
  $('#n').value = String(n);
  return n;
}

// Plays the progress reports back one per animation frame, so that the particles move at a
// watchable pace while the worker samples ahead. Resolves when every report is drawn.
function playBack(frames, finished, signal) {
  return new Promise((resolve) => {
    const play = () => {
      if (signal.aborted) return resolve();
      const frame = frames.shift();
      if (frame) work(() => showFrame(frame));
      if (frames.length > 0 || !finished()) requestAnimationFrame(play);
      else resolve();
    };
    requestAnimationFrame(play);
  });
}

function showFrame(frame) {
  shownSamples = frame.samples;
  drawScene();
  const { sigmas } = current.model.config;
  Object.assign(demo.sampling, { step: frame.step, totalSteps: frame.totalSteps,
    framesDrawn: demo.sampling.framesDrawn + 1 });
  $('#progress').value = frame.fraction;
  $('#sample-info').textContent = `step ${frame.step}/${frame.totalSteps}` +
    (sigmas ? ` · σ = ${short(sigmas[frame.level])} (level ${frame.level + 1}/${frame.levels})` : '');
}

// About how many steps sample({ n }) takes with the file's advised sampler, to space the snapshots:
// levels × steps per level (and a denoising step) for annealed Langevin, the file's `steps` for the
// SDE samplers and the ODE.
function plannedSteps(config) {
  const sampling = config.sampling ?? {};
  const sampler = sampling.sampler ?? 'annealed-langevin';
  if (sampler === 'annealed-langevin') return (config.sigmas?.length ?? 1) * (sampling.steps_per_level ?? 100) + 1;
  if (sampler === 'langevin') return sampling.steps_per_level ?? 100;
  return sampling.steps ?? config.sigmas?.length ?? 100;
}

// Samples the current model onto the data canvas. Runs inside train(), a load or Sample again,
// which own `signal` and the controls.
async function sampleCurrent(signal, seed) {
  const { model } = current;
  const n = readN();
  const totalSteps = plannedSteps(model.config);
  const progressEvery = Math.max(1, Math.round(totalSteps / PLAYBACK_FRAMES));
  demo.samples = null;
  demo.sampling = { n, seed, step: 0, totalSteps, framesDrawn: 0, elapsedMs: null };
  setState('sampling', `sampling ${n} particles…`);
  setControls();
  $('#progress').value = 0;
  $('#sample-info').textContent = '';
  const phase = beginPhase('sample');
  try {
    const frames = [];
    let finished = false;
    const playback = playBack(frames, () => finished, signal);
    const x = await model.sample({ n, seed, signal, progressSamples: true, progressEvery,
      onProgress: (p) => frames.push(p) }).finally(() => { finished = true; });
    const elapsed = performance.now() - phase.start;
    await playback;
    signal.throwIfAborted();
    shownSamples = x;
    work(drawScene);
    demo.samples = Array.from(x);
    demo.sampling.elapsedMs = elapsed;
    $('#progress').value = 1;
    $('#sample-info').textContent = `${n} samples in ${seconds(elapsed)} in the worker (seed ${seed})`;
    setState('done', `done: ${n} samples`);
  } finally {
    endPhase(phase);
  }
}

async function sampleAgain() {
  if (!current) return;
  controller = new AbortController();
  const { signal } = controller;
  demo.run += 1;
  demo.error = null;
  try {
    await sampleCurrent(signal, newSeed());
  } catch (error) {
    if (signal.aborted) setState('cancelled');
    else fail(error);
  } finally {
    controller = null;
    setControls();
  }
}

async function loadFile(file) {
  controller = new AbortController();
  const { signal } = controller;
  demo.run += 1;
  demo.error = null;
  setState('loading-file', `loading ${file.name}…`);
  setControls();
  try {
    const model = await loadModel(file, { signal });
    if (model.dim !== 2) {
      model.dispose();
      throw new Error(`${file.name} holds a model of ${model.dim}-D data; this page draws 2-D points`);
    }
    setModel(model, file, file.name, 'file');
    $('#train-info').textContent = `loaded ${file.name}`;
    await sampleCurrent(signal, newSeed());
  } catch (error) {
    if (signal.aborted) setState('cancelled');
    else fail(error);
  } finally {
    controller = null;
    setControls();
  }
}

function download() {
  if (!current) return;
  const link = document.createElement('a');
  link.href = current.url;
  link.download = current.fileName;
  document.body.append(link);
  link.click();
  link.remove();
}

// ---- controls ------------------------------------------------------------------------------------

function setControls() {
  const busy = controller !== null;
  const training = demo.state === 'training';
  const ready = demo.backend !== null;
  $('#train').disabled = busy || !ready || points.length < 2;
  $('#stop').disabled = !training || !stopper || stopper.signal.aborted;
  $('#cancel').disabled = !busy;
  for (const id of ['#steps', '#width', '#layers', '#batch', '#lr', '#n']) $(id).disabled = busy;
  for (const button of document.querySelectorAll('[data-preset], #clear')) button.disabled = busy;
  dataCanvas.classList.toggle('busy', busy);
  $('#sample').disabled = busy || !current;
  $('#download').disabled = busy || !current;
  $('#load').disabled = busy || !ready;
  $('#load-label').setAttribute('aria-disabled', String(busy || !ready));
}

for (const button of document.querySelectorAll('[data-preset]')) {
  button.addEventListener('click', () => usePreset(button.dataset.preset));
}
$('#clear').addEventListener('click', () => {
  editData();
  points.length = 0;
  drawScene();
  pointsChanged();
});
$('#train').addEventListener('click', train);
$('#stop').addEventListener('click', () => {
  stopper?.abort();
  setState('training', 'stopping: keeping the network trained so far…');
  setControls();
});
$('#cancel').addEventListener('click', () => controller?.abort());
$('#sample').addEventListener('click', sampleAgain);
$('#download').addEventListener('click', download);
$('#load').addEventListener('change', (event) => {
  const [file] = event.target.files;
  event.target.value = '';  // choosing the same file again is a change too
  if (file) loadFile(file);
});

usePreset('two-blobs');
fitLossCanvas();
new ResizeObserver(fitLossCanvas).observe(lossCanvas);
try {
  demo.backend = await backendInfo();
  showBackend(demo.backend);
  setState('ready', 'ready: press Train');
  setControls();
} catch (error) {
  fail(error);
}
