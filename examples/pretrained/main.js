// The pretrained-models demo: particles of annealed Langevin dynamics moving from noise onto the
// data as one of the shipped score networks samples with its stored settings. Imports the
// package's own files, as shipped.
import { backendInfo, loadModel, pretrainedModels } from '../../web/index.js';

const PROGRESS_EVERY = 10;  // steps between snapshots of the particles (about 110 frames a run)
// What each model's canvas shows: the square of half-width h around (cx, cy), and the data's outline.
const VIEWS = {
  'moons': { cx: 0.5, cy: 0.25, h: 1.8, outline: moons },
  'swiss-roll': { cx: 0, cy: 0, h: 3.3, outline: swissRoll },
  'rings': { cx: 0, cy: 0, h: 4.6, outline: rings },
  'checkerboard': { cx: 0, cy: 0, h: 4.6, outline: checkerboard },
};

const $ = (selector) => document.querySelector(selector);
const canvas = $('#particles');
const ctx = canvas.getContext('2d');
const models = new Map();  // name → Promise<ScoreModel>
let controller = null;

// What the page shows, also read by the browser test.
const demo = { backend: null, state: 'loading', model: pretrainedModels[0], fraction: 0, step: 0, totalSteps: 0,
  sigma: null, framesDrawn: 0, samples: null, elapsedMs: null, samplesPerSecond: null, error: null };
window.demo = demo;

function setState(state, text = state) {
  demo.state = state;
  document.body.dataset.state = state;
  $('#status').textContent = text;
}

function fail(error) {
  demo.error = String(error?.message ?? error);
  setState('error', `error: ${demo.error}`);
}

function model(name) {
  if (!models.has(name)) {
    models.set(name, loadModel(name).catch((error) => {
      models.delete(name);  // try again next time
      throw error;
    }));
  }
  return models.get(name);
}

// ---- drawing -------------------------------------------------------------------------------------

function toCanvas(x, y) {
  const { cx, cy, h } = VIEWS[demo.model];
  return [((x - cx) / (2 * h) + 0.5) * canvas.width, (0.5 - (y - cy) / (2 * h)) * canvas.height];
}

function curve(f, t0, t1, steps = 120) {
  ctx.beginPath();
  for (let i = 0; i <= steps; ++i) {
    const [px, py] = toCanvas(...f(t0 + (t1 - t0) * (i / steps)));
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.stroke();
}

function moons() {
  curve((t) => [Math.cos(t), Math.sin(t)], 0, Math.PI);
  curve((t) => [1 - Math.cos(t), 0.5 - Math.sin(t)], 0, Math.PI);
}

function swissRoll() {
  curve((t) => [t * Math.cos(t) / 5, t * Math.sin(t) / 5], 1.5 * Math.PI, 4.5 * Math.PI, 400);
}

function rings() {
  for (let k = 0; k < 8; ++k) {
    const [x, y] = [3 * Math.cos(k * Math.PI / 4), 3 * Math.sin(k * Math.PI / 4)];
    curve((t) => [x + 0.5 * Math.cos(t), y + 0.5 * Math.sin(t)], 0, 2 * Math.PI, 48);
  }
}

function checkerboard() {
  for (let col = 0; col < 4; ++col) {
    for (let row = (col % 2); row < 4; row += 2) {
      const [x0, y0] = toCanvas(-4 + 2 * col, -2 + 2 * row);
      const [x1, y1] = toCanvas(-2 + 2 * col, -4 + 2 * row);
      ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    }
  }
}

function draw(samples) {
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = '#c3cad3';
  ctx.fillStyle = '#eef0f3';
  ctx.lineWidth = 1.5;
  VIEWS[demo.model].outline();
  if (!samples) return;
  ctx.fillStyle = 'rgba(28, 99, 183, 0.6)';
  for (let i = 0; i < samples.length; i += 2) {
    const [px, py] = toCanvas(samples[i], samples[i + 1]);
    ctx.fillRect(px - 1, py - 1, 2, 2);
  }
}

// One progress report: the particles, the progress bar, the noise level.
function showFrame(frame, config) {
  draw(frame.samples);
  const denoising = config.sampling?.denoise !== false && frame.step === frame.totalSteps &&
    frame.totalSteps > frame.levels * (config.sampling?.steps_per_level ?? 100);
  demo.sigma = config.sigmas[frame.level];
  Object.assign(demo, { fraction: frame.fraction, step: frame.step, totalSteps: frame.totalSteps });
  demo.framesDrawn += 1;
  $('#progress').value = frame.fraction;
  $('#sigma').textContent = `σ = ${short(demo.sigma)}` +
    (denoising ? '  (final denoising step)' : `  (level ${frame.level + 1}/${frame.levels})`);
  $('#step').textContent = `step ${frame.step}/${frame.totalSteps}`;
}

// 3 significant digits, without trailing zeros (the stored σ are float32: 0.01 is 0.0099999998).
const short = (value) => String(Number(value.toPrecision(3)));

function showSettings(config) {
  const { sigmas, sampling = {} } = config;
  $('#settings').textContent = `${sigmas.length} levels, σ ${short(sigmas[0])} → ${short(sigmas.at(-1))}\n` +
    `${sampling.steps_per_level ?? 100} steps/level, ε = ${(sampling.step_size ?? 2e-5).toExponential(2)}` +
    (sampling.denoise ? ', denoise' : '');
}

// ---- sampling ------------------------------------------------------------------------------------

// Plays the reports back one per animation frame, so the particles move at a watchable pace while
// the worker samples ahead. Resolves when every report is drawn (or the run is cancelled).
function playBack(frames, finished, signal, config) {
  return new Promise((resolve) => {
    const play = () => {
      if (signal.aborted) return resolve();
      if (frames.length > 0) showFrame(frames.shift(), config);
      if (frames.length > 0 || !finished()) requestAnimationFrame(play);
      else resolve();
    };
    requestAnimationFrame(play);
  });
}

async function sample() {
  controller = new AbortController();
  const { signal } = controller;
  const n = Math.max(1, Math.min(100000, Math.round(Number($('#n').value)) || 3000));
  Object.assign(demo, { n, fraction: 0, step: 0, sigma: null, framesDrawn: 0, samples: null, elapsedMs: null,
    samplesPerSecond: null, error: null });
  setControls(true);
  setState('running', `sampling ${n} particles…`);
  $('#timing').textContent = '';
  $('#progress').value = 0;
  try {
    const m = await model(demo.model);
    signal.throwIfAborted();
    const frames = [];
    let finished = false;
    const playback = playBack(frames, () => finished, signal, m.config);
    const seed = Math.floor(Math.random() * 2 ** 32);
    const start = performance.now();
    const x = await m.sample({ n, seed, signal, progressEvery: PROGRESS_EVERY, progressSamples: true,
      onProgress: (p) => frames.push(p) }).finally(() => { finished = true; });
    const elapsed = performance.now() - start;
    await playback;
    signal.throwIfAborted();
    draw(x);
    Object.assign(demo, { samples: Array.from(x), elapsedMs: elapsed, samplesPerSecond: n / (elapsed / 1000) });
    $('#timing').textContent = `${(elapsed / 1000).toFixed(2)} s, ${Math.round(demo.samplesPerSecond)} samples/s` +
      ` (seed ${seed})`;
    setState('done', `done: ${n} samples`);
  } catch (error) {
    if (signal.aborted) setState('cancelled');
    else fail(error);
  } finally {
    controller = null;
    setControls(false);
  }
}

function setControls(running) {
  $('#sample').disabled = running;
  $('#model').disabled = running;
  $('#n').disabled = running;
  $('#cancel').disabled = !running;
}

async function select(name) {
  demo.model = name;
  draw(null);
  $('#progress').value = 0;
  for (const id of ['#sigma', '#step', '#timing', '#settings']) $(id).textContent = '';
  if (demo.state !== 'loading') {
    demo.error = null;
    setState('ready', 'ready: press Sample');
  }
  try {
    showSettings((await model(name)).config);
  } catch (error) {
    fail(error);
  }
}

for (const name of pretrainedModels) $('#model').append(new Option(name, name));
$('#model').addEventListener('change', (event) => select(event.target.value));
$('#sample').addEventListener('click', sample);
$('#cancel').addEventListener('click', () => controller?.abort());

try {
  await select(demo.model);
  demo.backend = await backendInfo();
  const { flavour, threads, crossOriginIsolated } = demo.backend;
  $('#backend').textContent = `build: ${flavour}, ${threads} thread${threads > 1 ? 's' : ''}` +
    (crossOriginIsolated ? ' (cross-origin isolated)' : ' (not cross-origin isolated: single-threaded fallback)');
  document.body.dataset.flavour = flavour;
  if (demo.state !== 'error') {
    setState('ready', 'ready: press Sample');
    setControls(false);
  }
} catch (error) {
  fail(error);
}
