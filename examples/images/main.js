// The image sampler: a grid of images from one of the two pretrained image models, drawn with the
// sampler of the user's choice and shown sharpening while it runs, then the bits per dimension of
// the first images under the model's probability-flow ODE. Everything heavy runs in the package's
// Worker; this thread only turns snapshots into pixels (imageGrid + putImageData).
import { backendInfo, imageGrid } from '../../web/index.js';
import { $, latestPerFrame, modelLoader, pageState, short, showBackend } from '../page.js';
import { denoises, IMAGE_SAMPLERS as SAMPLERS, offerFileSampler } from '../image-samplers.js';

const GRID_GAP = 1;  // image pixels between the images of the grid
const DISPLAY_WIDTH = 480;  // about this many CSS pixels wide
const FRAMES = 120;  // about this many snapshots per run, whatever its step count
const MAX_SEED = 2 ** 32 - 1;


const canvas = $('#grid');
const ctx = canvas.getContext('2d');
const stepsChosen = new Map();  // sampler → the steps the user last set for it
let samplerChosen = false;  // whether the user picked a sampler (else each model's file's is shown)
const downloads = new Map();  // model name → what its download report said last
let controller = null;

// What the page shows, also read by the browser tests. runStart / runEnd are performance.now()
// times of the sampling (the long-task timeline).
const demo = { backend: null, state: 'loading', model: $('#model').value, sampler: $('#sampler').value, steps: null,
  n: null, seed: null, download: null, fraction: 0, step: 0, totalSteps: 0, evaluations: 0, framesDrawn: 0,
  samples: null, runStart: null, runEnd: null, elapsedMs: null, samplesPerSecond: null, bitsPerDim: null,
  error: null };
const { setState, fail } = pageState(demo);


const kilobytes = (bytes) => `${Math.round(bytes / 1024)} KB`;

// Shows the download of model `name` (while it is the one chosen) in #download and the progress bar.
function downloadReporter(name) {
  const start = performance.now();
  return ({ loadedBytes, totalBytes, fromCache }) => {
    const done = totalBytes === loadedBytes;
    downloads.set(name, `${name}.safetensors: ` + (fromCache ? `${kilobytes(loadedBytes)} from the browser cache`
      : done ? `${kilobytes(loadedBytes)} downloaded in ${((performance.now() - start) / 1000).toFixed(1)} s`
        : `downloading ${kilobytes(loadedBytes)}${totalBytes ? ` of ${kilobytes(totalBytes)}` : ''}…`));
    if (demo.model !== name) return;
    demo.download = { loadedBytes, totalBytes, fromCache };
    $('#download').textContent = downloads.get(name);
    if (!done && totalBytes) $('#progress').value = loadedBytes / totalBytes;
  };
}
const model = modelLoader((name) => ({ onProgress: downloadReporter(name) }));

// ---- drawing -------------------------------------------------------------------------------------

// The first `n` images as a square grid at one canvas pixel per image pixel; CSS scales the canvas
// up without smoothing. Drawing it scaled here instead (imageGrid's `scale`) costs some 10 ms a frame
// for 16 images, more than a frame's share of a main thread that shares its cores with the worker's
// threads. Grey placeholders before there are samples.
function draw(samples, n, [height, width, channels]) {
  const columns = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / columns);
  const [gridWidth, gridHeight] = [columns * (width + GRID_GAP) - GRID_GAP, rows * (height + GRID_GAP) - GRID_GAP];
  if (canvas.width !== gridWidth || canvas.height !== gridHeight) {
    [canvas.width, canvas.height] = [gridWidth, gridHeight];
    // Whole CSS pixels per image pixel, plus the border (box-sizing is border-box).
    canvas.style.width = `${gridWidth * Math.max(1, Math.round(DISPLAY_WIDTH / gridWidth)) + 2}px`;
  }
  if (!samples) {
    ctx.clearRect(0, 0, gridWidth, gridHeight);
    ctx.fillStyle = '#eef0f3';
    for (let i = 0; i < n; ++i) {
      ctx.fillRect((i % columns) * (width + GRID_GAP), Math.floor(i / columns) * (height + GRID_GAP), width, height);
    }
    return;
  }
  const grid = imageGrid(samples, { height, width, channels, n, columns, gap: GRID_GAP });
  ctx.putImageData(new ImageData(grid.data, grid.width, grid.height), 0, 0);
}

// Draws the newest report's grid once per animation frame, while the run lasts.
function frameDrawer(n, shape, signal) {
  return latestPerFrame((p) => {
    if (signal.aborted || demo.state !== 'running') return;
    draw(p.samples, n, shape);
    demo.framesDrawn += 1;
    showStep(p);
  });
}

function showStep(p) {
  Object.assign(demo, { fraction: p.fraction, step: p.step, totalSteps: p.totalSteps, evaluations: p.evaluations });
  $('#progress').value = p.fraction;
  $('#step').textContent = `step ${p.step}/${p.totalSteps} · noise level ${p.level + 1}/${p.levels} · ` +
    `${p.evaluations} network evaluations per image`;
}

// ---- settings ------------------------------------------------------------------------------------

function stepsOf(sampler) {
  const chosen = Math.round(Number($('#steps').value));
  const { min } = SAMPLERS[sampler];
  return Number.isFinite(chosen) && chosen >= min ? Math.min(chosen, 5000) : null;
}

// Describes the chosen sampler's schedule and cost (once the model is known).
async function showSettings() {
  const { sampler } = demo;
  const spec = SAMPLERS[sampler];
  $('#steps-label').textContent = spec.stepsLabel;
  $('#steps').min = String(spec.min);
  let m;
  try {
    m = await model(demo.model);
  } catch {
    return;  // the load's failure is shown by select()
  }
  if (demo.sampler !== sampler) return;
  const offered = offerFileSampler($('#sampler'), m, samplerChosen);
  if (offered !== sampler) {
    demo.sampler = offered;
    $('#steps').value = '';
    return showSettings();
  }
  if ($('#steps').value === '') $('#steps').value = String(stepsChosen.get(sampler) ?? spec.defaultSteps(m));
  const steps = stepsOf(sampler);
  const { sigmas, sampling = {} } = m.config;
  const range = `σ ${short(sigmas[0])} → ${short(sigmas.at(-1))}`;
  $('#settings').textContent = sampler === 'annealed-langevin'
    ? `${sigmas.length} trained levels, ${range}; ε = ${(sampling.step_size ?? 2e-5).toExponential(2)}` +
      (denoises(m) ? ', final denoising step' : '')
    : `${range}, ${sampler === 'ode' ? 'Karras-spaced (ρ = 7)' : 'geometric'} levels` +
      (sampler === 'pc' ? ', 1 Langevin corrector step per level (snr 0.16)' : '') +
      (denoises(m) ? ', final denoising step' : '');
  $('#cost').textContent = steps ? `≈ ${spec.evaluations(m, steps)} network evaluations per image` : 'steps: too few';
}

function setControls(running) {
  for (const id of ['#model', '#sampler', '#steps', '#n', '#seed', '#bpd-count', '#bpd-levels']) {
    $(id).disabled = running;
  }
  $('#sample').disabled = running || !demo.backend;
  $('#cancel').disabled = !running;
}

// ---- sampling and likelihood ---------------------------------------------------------------------

// Uniform numbers in [0, 1) from a seed (mulberry32): the dequantisation noise, so that a seed gives
// the same bits/dim every time.
function uniforms(seed, count) {
  let a = (seed ^ Math.floor(seed / 2 ** 32) * 0x9e3779b9) >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; ++i) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  return out;
}

// The images as the grid shows them (8-bit, rounded as imageGrid rounds), dequantised as logProb's
// bits-per-dimension definition asks: x = (pixel + u) / 256.
function dequantised(samples, seed) {
  const u = uniforms(seed, samples.length);
  const x = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; ++i) {
    const v = samples[i];
    const pixel = Math.round(255 * (v > 0 ? Math.min(v, 1) : 0));  // NaN counts as 0, as in imageGrid
    x[i] = (pixel + u[i]) / 256;
  }
  return x;
}

async function bitsPerDim(m, samples, n, seed, signal) {
  const choice = $('#bpd-count').value;
  const count = choice === 'all' ? n : Math.min(n, Number(choice));
  if (count === 0) return;
  const levels = Math.max(2, Math.min(2000, Math.round(Number($('#bpd-levels').value)) || 200));
  const { dim } = m;
  setState('likelihood', `bits/dim of ${count} image${count > 1 ? 's' : ''} (${levels} ODE levels)…`);
  $('#progress').value = 0;
  $('#bpd').textContent = '';
  const start = performance.now();
  const points = dequantised(samples.subarray(0, count * dim), seed);
  const logp = await m.logProb(points, {
    steps: levels, signal,
    onProgress: ({ fraction }) => { $('#progress').value = fraction; },
  });
  const values = Array.from(logp, (lp) => -(lp - dim * Math.log(256)) / (dim * Math.LN2));
  const mean = values.reduce((a, b) => a + b, 0) / count;
  const se = count > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (count - 1) / count) : null;
  demo.bitsPerDim = { mean, values, count, levels };
  $('#bpd').textContent = `${mean.toFixed(2)} bits/dim` + (se === null ? '' : ` ± ${se.toFixed(2)}`) +
    ` (${count === n ? `all ${count}` : count > 1 ? `the first ${count}` : 'the first'} image${count > 1 ? 's' : ''})`;
  $('#bpd-detail').textContent = (count > 1 ? `per image: ${values.map((v) => v.toFixed(2)).join(', ')}\n` : '') +
    `${levels} ODE levels, 1 Hutchinson probe, ${((performance.now() - start) / 1000).toFixed(1)} s`;
}

async function sample() {
  controller = new AbortController();
  const { signal } = controller;
  const sampler = demo.sampler;
  const n = Number($('#n').value);
  const typed = $('#seed').value.trim();
  const seed = typed === '' ? Math.floor(Math.random() * MAX_SEED) : Math.max(0, Math.floor(Number(typed)));
  Object.assign(demo, { n, seed, fraction: 0, step: 0, totalSteps: 0, evaluations: 0, framesDrawn: 0, samples: null,
    runStart: null, runEnd: null, elapsedMs: null, samplesPerSecond: null, bitsPerDim: null, error: null });
  setControls(true);
  for (const id of ['#step', '#timing', '#bpd', '#bpd-detail']) $(id).textContent = '';
  $('#progress').value = 0;
  setState('running', 'loading the model…');
  let phase = 'sampling';
  try {
    const m = await model(demo.model);
    signal.throwIfAborted();
    const steps = stepsOf(sampler);
    if (!Number.isSafeInteger(seed)) throw new Error('the seed must be a whole number from 0 to 2^53 − 1');
    if (steps === null) throw new Error(`${SAMPLERS[sampler].stepsLabel}: at least ${SAMPLERS[sampler].min}`);
    demo.steps = steps;
    const shape = m.dataShape;
    const evaluations = SAMPLERS[sampler].evaluations(m, steps);
    setState('running', `sampling ${n} images…`);
    draw(null, n, shape);
    const drawFrame = frameDrawer(n, shape, signal);
    let last = null;
    demo.runStart = performance.now();
    const x = await m.sample({ n, seed, signal, ...SAMPLERS[sampler].options(steps),
      progressSamples: true, progressEvery: Math.max(1, Math.round(evaluations / FRAMES)),
      onProgress: (p) => drawFrame(last = p) });
    demo.runEnd = performance.now();
    const elapsed = demo.runEnd - demo.runStart;
    draw(x, n, shape);
    showStep(last);
    Object.assign(demo, { samples: Array.from(x), elapsedMs: elapsed, samplesPerSecond: n / (elapsed / 1000) });
    const rate = demo.samplesPerSecond >= 100 ? Math.round(demo.samplesPerSecond) : short(demo.samplesPerSecond);
    $('#timing').textContent = `${n} images in ${(elapsed / 1000).toFixed(2)} s: ${rate} samples/s (seed ${seed})`;
    phase = 'likelihood';
    await bitsPerDim(m, x, n, seed, signal);
    setState('done', `done: ${n} images`);
  } catch (error) {
    if (signal.aborted) {
      setState('cancelled', phase === 'likelihood' ? 'cancelled (bits/dim not measured)' : 'cancelled');
    } else {
      fail(error);
    }
  } finally {
    demo.runEnd ??= performance.now();
    controller = null;
    setControls(false);
  }
}

// ---- wiring --------------------------------------------------------------------------------------

async function select(name) {
  demo.model = name;
  for (const id of ['#step', '#timing', '#bpd', '#bpd-detail']) $(id).textContent = '';
  $('#download').textContent = downloads.get(name) ?? '';
  $('#progress').value = 0;
  draw(null, Number($('#n').value), [28, 28, 1]);
  try {
    await model(name);
    if (demo.model !== name) return;
    await showSettings();
    if (demo.state !== 'loading') setState('ready', 'ready: press Sample');
  } catch (error) {
    if (demo.model === name) fail(error);
  }
}

$('#model').addEventListener('change', (event) => select(event.target.value));
$('#sampler').addEventListener('change', (event) => {
  samplerChosen = true;
  demo.sampler = event.target.value;
  $('#steps').value = '';
  showSettings();
});
$('#steps').addEventListener('input', () => {
  const steps = stepsOf(demo.sampler);
  if (steps !== null) stepsChosen.set(demo.sampler, steps);
  showSettings();
});
$('#n').addEventListener('change', () => {
  if (!controller) draw(null, Number($('#n').value), [28, 28, 1]);
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
