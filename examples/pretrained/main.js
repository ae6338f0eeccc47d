// The pretrained-models demo: particles of annealed Langevin dynamics moving from noise onto the
// data as one of the shipped score networks samples with its stored settings, or, for an image
// model, a grid of images sharpening out of noise. Imports the package's own files, as shipped.
import { backendInfo, imageGrid, pretrainedModels } from '../../web/index.js';
import { $, modelLoader, pageState, short, showBackend } from '../page.js';

const PROGRESS_EVERY = 10;  // annealed Langevin: steps between snapshots (about 110 frames a run)
// Image models take about 100 slow steps, and the SDE samplers the 2-D files advise 20 to 100
// levels: show every one.
const EVERY_STEP = 1;
const GRID_GAP = 4;  // canvas pixels between the images of the grid
// What each model's canvas shows: the square of half-width h around (cx, cy), and the data's outline.
const VIEWS = {
  'moons': { cx: 0.5, cy: 0.25, h: 1.8, outline: moons },
  'swiss-roll': { cx: 0, cy: 0, h: 3.3, outline: swissRoll },
  'rings': { cx: 0, cy: 0, h: 4.6, outline: rings },
  'checkerboard': { cx: 0, cy: 0, h: 4.6, outline: checkerboard },
};

const canvas = $('#particles');
const ctx = canvas.getContext('2d');
let controller = null;
// How the canvas shows samples: null while the model loads, { kind: 'points' } for 2-D models,
// { kind: 'images', shape: [height, width, channels], columns } for image models (square grids).
let layout = null;

// What the page shows, also read by the browser test.
const demo = { backend: null, state: 'loading', model: pretrainedModels[0], kind: null, fraction: 0, step: 0,
  totalSteps: 0, sigma: null, framesDrawn: 0, samples: null, elapsedMs: null, samplesPerSecond: null, error: null };
const { setState, fail } = pageState(demo);

// An image model's samples are [height, width, channels] arrays; 2-D points have the shape [2].
const isImageModel = (m) => m.dataShape.length === 3;


const model = modelLoader();

// ---- drawing -------------------------------------------------------------------------------------

// What the canvas shows for the model `m` (the grid's size from the Images choice).
function layoutFor(m) {
  return isImageModel(m) ? { kind: 'images', shape: m.dataShape, columns: Number($('#grid').value) } : { kind: 'points' };
}

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
  if (layout?.kind === 'images') drawImages(samples);
  else if (layout?.kind === 'points') drawPoints(samples);
}

function drawPoints(samples) {
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

// The first columns² images as a grid, each upscaled by the largest whole factor that fits, centred;
// grey placeholders before there are samples.
function drawImages(samples) {
  const { shape: [height, width, channels], columns } = layout;
  const fit = (size, pixels) => Math.floor((size - (columns - 1) * GRID_GAP) / (columns * pixels));
  const scale = Math.max(1, Math.min(fit(canvas.width, width), fit(canvas.height, height)));
  const [tileWidth, tileHeight] = [width * scale, height * scale];
  const left = Math.floor((canvas.width - columns * tileWidth - (columns - 1) * GRID_GAP) / 2);
  const top = Math.floor((canvas.height - columns * tileHeight - (columns - 1) * GRID_GAP) / 2);
  if (!samples) {
    ctx.fillStyle = '#eef0f3';
    for (let i = 0; i < columns * columns; ++i) {
      ctx.fillRect(left + (i % columns) * (tileWidth + GRID_GAP), top + Math.floor(i / columns) * (tileHeight + GRID_GAP),
        tileWidth, tileHeight);
    }
    return;
  }
  const grid = imageGrid(samples, { height, width, channels, columns, scale, gap: GRID_GAP });
  ctx.putImageData(new ImageData(grid.data, grid.width, grid.height), left, top);
}

const samplerOf = (config) => config.sampling?.sampler ?? 'annealed-langevin';

// The σ of a run's level: a trained level for annealed Langevin; for the SDE samplers the level of
// their schedule between the file's largest and smallest σ (geometric, or Karras ρ = 7 for the ODE).
function levelSigma(config, level, levels) {
  const sampler = samplerOf(config);
  if (sampler === 'annealed-langevin') return config.sigmas[level];
  const [max, min] = [config.sigmas[0], config.sigmas.at(-1)];
  const t = levels > 1 ? level / (levels - 1) : 1;
  if (sampler !== 'ode') return max * (min / max) ** t;
  const rho = 7;
  return (max ** (1 / rho) + t * (min ** (1 / rho) - max ** (1 / rho))) ** rho;
}

// One progress report: the particles, the progress bar, the noise level.
function showFrame(frame, config) {
  draw(frame.samples);
  const annealed = samplerOf(config) === 'annealed-langevin';
  const levelSteps = annealed ? frame.levels * (config.sampling?.steps_per_level ?? 100) : frame.levels;
  const denoising = config.sampling?.denoise !== false && frame.step === frame.totalSteps &&
    frame.totalSteps > levelSteps;
  demo.sigma = levelSigma(config, frame.level, frame.levels);
  Object.assign(demo, { fraction: frame.fraction, step: frame.step, totalSteps: frame.totalSteps });
  demo.framesDrawn += 1;
  $('#progress').value = frame.fraction;
  $('#sigma').textContent = `σ = ${short(demo.sigma)}` +
    (denoising ? '  (final denoising step)' : `  (level ${frame.level + 1}/${frame.levels})`);
  $('#step').textContent = `step ${frame.step}/${frame.totalSteps}`;
}


function showSettings(config) {
  const { sigmas, sampling = {} } = config;
  const sampler = samplerOf(config);
  $('#settings').textContent = `${sigmas.length} trained levels, σ ${short(sigmas[0])} → ${short(sigmas.at(-1))}\n` +
    (sampler === 'annealed-langevin'
      ? `annealed Langevin, ${sampling.steps_per_level ?? 100} steps/level, ε = ${(sampling.step_size ?? 2e-5).toExponential(2)}`
      : `${sampler === 'ode' ? 'probability-flow ODE' : sampler}, ${sampling.steps} levels`) +
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
  Object.assign(demo, { fraction: 0, step: 0, sigma: null, framesDrawn: 0, samples: null, elapsedMs: null,
    samplesPerSecond: null, error: null });
  setControls(true);
  setState('running', 'sampling…');
  $('#timing').textContent = '';
  $('#progress').value = 0;
  try {
    const m = await model(demo.model);
    signal.throwIfAborted();
    layout = layoutFor(m);
    const images = layout.kind === 'images';
    const n = images ? layout.columns ** 2 : Math.max(1, Math.min(100000, Math.round(Number($('#n').value)) || 3000));
    demo.n = n;
    setState('running', `sampling ${n} ${images ? 'images' : 'particles'}…`);
    draw(null);
    const frames = [];
    let finished = false;
    const playback = playBack(frames, () => finished, signal, m.config);
    const seed = Math.floor(Math.random() * 2 ** 32);
    const start = performance.now();
    const everyStep = images || samplerOf(m.config) !== 'annealed-langevin';
    const x = await m.sample({ n, seed, signal, progressEvery: everyStep ? EVERY_STEP : PROGRESS_EVERY,
      progressSamples: true, onProgress: (p) => frames.push(p) }).finally(() => { finished = true; });
    const elapsed = performance.now() - start;
    await playback;
    signal.throwIfAborted();
    draw(x);
    Object.assign(demo, { samples: Array.from(x), elapsedMs: elapsed, samplesPerSecond: n / (elapsed / 1000) });
    const rate = demo.samplesPerSecond >= 100 ? Math.round(demo.samplesPerSecond) : short(demo.samplesPerSecond);
    $('#timing').textContent = `${(elapsed / 1000).toFixed(2)} s, ${rate} samples/s (seed ${seed})`;
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
  $('#grid').disabled = running;
  $('#cancel').disabled = !running;
}

async function select(name) {
  demo.model = name;
  demo.kind = null;
  layout = null;
  draw(null);
  $('#progress').value = 0;
  for (const id of ['#sigma', '#step', '#timing', '#settings']) $(id).textContent = '';
  if (demo.state !== 'loading') {
    demo.error = null;
    setState('ready', 'ready: press Sample');
  }
  try {
    const m = await model(name);
    if (demo.model !== name) return;  // another model was chosen meanwhile
    layout = layoutFor(m);
    demo.kind = layout.kind;
    // The sample count: particles for 2-D models, a grid size for image models.
    $('#n-points').hidden = layout.kind !== 'points';
    $('#n-images').hidden = layout.kind !== 'images';
    draw(null);
    showSettings(m.config);
  } catch (error) {
    fail(error);
  }
}

for (const name of pretrainedModels) $('#model').append(new Option(name, name));
$('#model').addEventListener('change', (event) => select(event.target.value));
$('#grid').addEventListener('change', () => {
  if (layout?.kind !== 'images' || controller) return;
  layout = { ...layout, columns: Number($('#grid').value) };
  draw(null);
});
$('#sample').addEventListener('click', sample);
$('#cancel').addEventListener('click', () => controller?.abort());

try {
  await select(demo.model);
  demo.backend = await backendInfo();
  showBackend(demo.backend);
  if (demo.state !== 'error') {
    setState('ready', 'ready: press Sample');
    setControls(false);
  }
} catch (error) {
  fail(error);
}
