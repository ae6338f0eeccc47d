// Inpainting: the user erases part of a held-out test image with the pointer, and a conditional
// sampler (sample({ known, mask })) fills the erased pixels, several candidates at once: one batch
// whose samples all share the same known pixels and mask. The sampling runs in the package's Worker;
// this thread only draws (imageGrid + putImageData, and a few hundred rectangles for the mask).
import { backendInfo, imageGrid } from '../../web/index.js';
import { $, latestPerFrame, modelLoader, pageState, showBackend } from '../page.js';
import { IMAGE_SAMPLERS, offerFileSampler } from '../image-samplers.js';
import { TEST_IMAGES } from './test-images.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const SOURCE_SCALE = 10;  // the test image's canvas pixels per image pixel (280 × 280)
const GAP = 2;  // image pixels between candidates
const FRAMES = 120;  // about this many snapshots per run, whatever its step count
const MAX_SEED = 2 ** 32 - 1;
const narrow = matchMedia('(max-width: 600px)');

// The samplers that take known values (not the ODE), with their steps as on the image sampler page.
const SAMPLERS = { 'annealed-langevin': IMAGE_SAMPLERS['annealed-langevin'], 'pc': IMAGE_SAMPLERS.pc,
  'reverse-diffusion': IMAGE_SAMPLERS['reverse-diffusion'] };

const source = $('#source');
const sourceCtx = source.getContext('2d');
const candidates = $('#candidates');
const candidatesCtx = candidates.getContext('2d');
const stepsChosen = new Map();  // sampler → the steps the user last set for it
let samplerChosen = false;  // whether the user picked a sampler (else each model's file's is shown)
const mask = new Uint8Array(PIXELS).fill(1);  // 1: kept (known), 0: erased
let image = null;  // the test image: { label, values: Float32Array in [0, 1], picture: ImageData }
let controller = null;
let hover = null;  // the pointer over the test image, in image pixels
let stroke = null;  // the last point of the stroke being drawn

// What the page shows, also read by the browser tests. `mask` and `known` are those of the last
// fill; runStart / runEnd are performance.now() times of its sampling (the long-task timeline).
const demo = { backend: null, state: 'loading', model: $('#model').value, image: 0, sampler: $('#sampler').value,
  steps: null, n: null, seed: null, erased: 0, mask: null, known: null, samples: null, fraction: 0, step: 0,
  totalSteps: 0, framesDrawn: 0, runStart: null, runEnd: null, elapsedMs: null, error: null };
const { setState, fail } = pageState(demo);


const model = modelLoader();

// ---- the test image and its mask -----------------------------------------------------------------

function pickImage(index) {
  const { label, pixels } = TEST_IMAGES[demo.model][index];
  const bytes = Uint8Array.from(atob(pixels), (ch) => ch.charCodeAt(0));
  const values = Float32Array.from(bytes, (p) => p / 255);
  const grid = imageGrid(values, { height: SIDE, width: SIDE, scale: SOURCE_SCALE });
  image = { label, values, picture: new ImageData(grid.data, grid.width, grid.height) };
  demo.image = index;
  renderSource();
}

// The test image with its erased pixels as a light checkerboard (the usual look of "transparent"),
// and the brush's outline under the pointer.
function renderSource() {
  sourceCtx.putImageData(image.picture, 0, 0);
  const half = SOURCE_SCALE / 2;
  for (let i = 0; i < PIXELS; ++i) {
    if (mask[i]) continue;
    const [x, y] = [(i % SIDE) * SOURCE_SCALE, Math.floor(i / SIDE) * SOURCE_SCALE];
    sourceCtx.fillStyle = '#ffffff';
    sourceCtx.fillRect(x, y, SOURCE_SCALE, SOURCE_SCALE);
    sourceCtx.fillStyle = '#d5dbe3';
    sourceCtx.fillRect(x, y, half, half);
    sourceCtx.fillRect(x + half, y + half, half, half);
  }
  if (hover && !controller) {
    sourceCtx.beginPath();
    sourceCtx.arc(hover.x * SOURCE_SCALE, hover.y * SOURCE_SCALE, brushRadius() * SOURCE_SCALE, 0, 2 * Math.PI);
    sourceCtx.lineWidth = 2;
    sourceCtx.strokeStyle = '#1c7ed6';
    sourceCtx.stroke();
  }
  demo.erased = mask.reduce((count, known) => count + (known ? 0 : 1), 0);
  $('#erased').textContent = demo.erased === 0 ? 'draw on the image to erase'
    : `${demo.erased} of ${PIXELS} pixels erased (${Math.round(100 * demo.erased / PIXELS)} %)`;
  $('#fill').disabled = Boolean(controller) || !demo.backend || demo.erased === 0;
}

const brushRadius = () => Number($('#brush').value);

// Where the pointer is, in image pixels (continuous: the top-left corner is (0, 0)); the canvas is
// scaled by CSS, so the position is taken relative to its drawn content box.
function pointerPosition(event) {
  const rect = source.getBoundingClientRect();
  return { x: (event.clientX - rect.left - source.clientLeft) / source.clientWidth * SIDE,
    y: (event.clientY - rect.top - source.clientTop) / source.clientHeight * SIDE };
}

// Erases the pixels whose centres lie within the brush around p, and always the one under it.
function eraseAt({ x, y }) {
  const r = brushRadius();
  for (let row = Math.max(0, Math.floor(y - r)); row <= Math.min(SIDE - 1, Math.floor(y + r)); ++row) {
    for (let col = Math.max(0, Math.floor(x - r)); col <= Math.min(SIDE - 1, Math.floor(x + r)); ++col) {
      if ((col + 0.5 - x) ** 2 + (row + 0.5 - y) ** 2 <= r * r) mask[row * SIDE + col] = 0;
    }
  }
  const [col, row] = [Math.floor(x), Math.floor(y)];
  if (col >= 0 && col < SIDE && row >= 0 && row < SIDE) mask[row * SIDE + col] = 0;
}

// A fast pointer skips pixels between two events: erase along the segment.
function eraseAlong(from, to) {
  const steps = Math.max(1, Math.ceil(4 * Math.hypot(to.x - from.x, to.y - from.y)));
  for (let i = 1; i <= steps; ++i) {
    eraseAt({ x: from.x + (to.x - from.x) * (i / steps), y: from.y + (to.y - from.y) * (i / steps) });
  }
}

source.addEventListener('pointerdown', (event) => {
  if (controller || !event.isPrimary) return;
  event.preventDefault();
  source.setPointerCapture(event.pointerId);
  stroke = hover = pointerPosition(event);
  eraseAt(stroke);
  renderSource();
});
source.addEventListener('pointermove', (event) => {
  if (!event.isPrimary) return;
  hover = pointerPosition(event);
  if (stroke && !controller) {
    eraseAlong(stroke, hover);
    stroke = hover;
  }
  renderSource();
});
for (const type of ['pointerup', 'pointercancel']) source.addEventListener(type, () => { stroke = null; });
source.addEventListener('pointerleave', () => {
  hover = null;
  renderSource();
});

// ---- candidates ----------------------------------------------------------------------------------

// n candidates in rows of four (two at phone width), at one canvas pixel per image pixel: CSS
// scales the canvas up without smoothing (cheaper than imageGrid's `scale` on every frame).
function candidateLayout(n) {
  const columns = Math.min(n, narrow.matches ? 2 : 4);
  const rows = Math.ceil(n / columns);
  return { columns, scale: 5, width: columns * (SIDE + GAP) - GAP, height: rows * (SIDE + GAP) - GAP };
}

function drawCandidates(samples, n) {
  const { columns, scale, width, height } = candidateLayout(n);
  if (candidates.width !== width || candidates.height !== height) {
    [candidates.width, candidates.height] = [width, height];
  }
  candidates.style.width = `${width * scale + 2}px`;  // and the border (box-sizing is border-box)
  if (!samples) {
    candidatesCtx.clearRect(0, 0, width, height);
    candidatesCtx.fillStyle = '#eef0f3';
    for (let i = 0; i < n; ++i) {
      candidatesCtx.fillRect((i % columns) * (SIDE + GAP), Math.floor(i / columns) * (SIDE + GAP), SIDE, SIDE);
    }
    return;
  }
  const grid = imageGrid(samples, { height: SIDE, width: SIDE, n, columns, gap: GAP });
  candidatesCtx.putImageData(new ImageData(grid.data, grid.width, grid.height), 0, 0);
}

// Draws the newest report's candidates once per animation frame, while the fill lasts.
function frameDrawer(n, signal) {
  return latestPerFrame((p) => {
    if (signal.aborted || demo.state !== 'running') return;
    drawCandidates(p.samples, n);
    demo.framesDrawn += 1;
    Object.assign(demo, { fraction: p.fraction, step: p.step, totalSteps: p.totalSteps });
    $('#progress').value = p.fraction;
    $('#step').textContent = `step ${p.step}/${p.totalSteps} · noise level ${p.level + 1}/${p.levels}`;
  });
}

// ---- filling -------------------------------------------------------------------------------------

function stepsOf(sampler) {
  const chosen = Math.round(Number($('#steps').value));
  return Number.isFinite(chosen) && chosen >= SAMPLERS[sampler].min ? Math.min(chosen, 5000) : null;
}

async function showSteps() {
  const { sampler } = demo;
  const spec = SAMPLERS[sampler];
  $('#steps-label').textContent = spec.stepsLabel;
  $('#steps').min = String(spec.min);
  try {
    const m = await model(demo.model);
    if (demo.sampler !== sampler) return;
    const offered = offerFileSampler($('#sampler'), m, samplerChosen);
    if (offered !== sampler) {
      demo.sampler = offered;
      $('#steps').value = '';
      return showSteps();
    }
    if ($('#steps').value === '') {
      $('#steps').value = String(stepsChosen.get(sampler) ?? spec.defaultSteps(m));
    }
  } catch {
    // the load's failure is shown by the fill or at start
  }
}

function setControls(running) {
  for (const id of ['#model', '#image', '#brush', '#erase-half', '#restore', '#sampler', '#steps', '#n', '#seed']) {
    $(id).disabled = running;
  }
  source.classList.toggle('busy', running);
  $('#cancel').disabled = !running;
  renderSource();  // also enables Fill when something is erased
}

async function fill() {
  controller = new AbortController();
  const { signal } = controller;
  const sampler = demo.sampler;
  const n = Number($('#n').value);
  const typed = $('#seed').value.trim();
  const seed = typed === '' ? Math.floor(Math.random() * MAX_SEED) : Math.max(0, Math.floor(Number(typed)));
  const known = image.values.slice();
  const kept = mask.slice();
  Object.assign(demo, { n, seed, mask: Array.from(kept), known: Array.from(known), samples: null, fraction: 0, step: 0,
    totalSteps: 0, framesDrawn: 0, runStart: null, runEnd: null, elapsedMs: null, error: null });
  setControls(true);
  for (const id of ['#step', '#timing']) $(id).textContent = '';
  $('#progress').value = 0;
  setState('running', 'loading the model…');
  try {
    const m = await model(demo.model);
    signal.throwIfAborted();
    const steps = stepsOf(sampler);
    if (!Number.isSafeInteger(seed)) throw new Error('the seed must be a whole number from 0 to 2^53 − 1');
    if (steps === null) throw new Error(`${SAMPLERS[sampler].stepsLabel}: at least ${SAMPLERS[sampler].min}`);
    demo.steps = steps;
    const evaluations = SAMPLERS[sampler].evaluations(m, steps);
    setState('running', `filling ${n} candidates…`);
    drawCandidates(null, n);
    demo.runStart = performance.now();
    const x = await m.sample({ n, seed, signal, known, mask: kept, ...SAMPLERS[sampler].options(steps),
      progressSamples: true, progressEvery: Math.max(1, Math.round(evaluations / FRAMES)),
      onProgress: frameDrawer(n, signal) });
    demo.runEnd = performance.now();
    demo.elapsedMs = demo.runEnd - demo.runStart;
    drawCandidates(x, n);
    Object.assign(demo, { samples: Array.from(x), fraction: 1 });
    $('#progress').value = 1;
    $('#step').textContent = `${evaluations} network evaluations per candidate`;
    $('#timing').textContent = `${n} candidates in ${(demo.elapsedMs / 1000).toFixed(2)} s (seed ${seed})`;
    setState('done', `done: ${n} candidates for ${demo.erased} erased pixels`);
  } catch (error) {
    if (signal.aborted) setState('cancelled');
    else fail(error);
  } finally {
    demo.runEnd ??= performance.now();
    controller = null;
    setControls(false);
  }
}

// ---- wiring --------------------------------------------------------------------------------------

function listImages() {
  $('#image').replaceChildren(...TEST_IMAGES[demo.model].map(({ label }, i) => new Option(label, String(i))));
}

function clearCandidates() {
  if (controller) return;  // a pointerup while filling changes nothing
  demo.samples = null;
  drawCandidates(null, Number($('#n').value));
  $('#progress').value = 0;
  for (const id of ['#step', '#timing']) $(id).textContent = '';
  if (demo.backend && demo.state !== 'error') {
    setState('ready', demo.erased ? 'ready: press Fill' : 'ready: erase part of the image');
  }
}

$('#model').addEventListener('change', async (event) => {
  demo.model = event.target.value;
  listImages();
  pickImage(0);
  clearCandidates();
  try {
    await model(demo.model);
    await showSteps();
  } catch (error) {
    fail(error);
  }
});
$('#image').addEventListener('change', (event) => {
  pickImage(Number(event.target.value));  // the erased pixels stay: the same hole in another image
  clearCandidates();
});
$('#brush').addEventListener('change', renderSource);
$('#erase-half').addEventListener('click', () => {
  mask.fill(0, PIXELS / 2);
  renderSource();
  clearCandidates();
});
$('#restore').addEventListener('click', () => {
  mask.fill(1);
  renderSource();
  clearCandidates();
});
source.addEventListener('pointerup', () => clearCandidates());
$('#sampler').addEventListener('change', (event) => {
  samplerChosen = true;
  demo.sampler = event.target.value;
  $('#steps').value = '';
  showSteps();
});
$('#steps').addEventListener('input', () => {
  const steps = stepsOf(demo.sampler);
  if (steps !== null) stepsChosen.set(demo.sampler, steps);
});
$('#n').addEventListener('change', () => {
  if (!controller) drawCandidates(null, Number($('#n').value));
});
narrow.addEventListener('change', () => {
  if (controller) return;
  if (demo.samples) drawCandidates(Float32Array.from(demo.samples), demo.n);
  else drawCandidates(null, Number($('#n').value));
});
$('#fill').addEventListener('click', fill);
$('#cancel').addEventListener('click', () => controller?.abort());

listImages();
pickImage(0);
drawCandidates(null, Number($('#n').value));
try {
  await model(demo.model);
  await showSteps();
  demo.backend = await backendInfo();
  showBackend(demo.backend);
  if (demo.state !== 'error') {
    setState('ready', 'ready: erase part of the image');
    setControls(false);
  }
} catch (error) {
  fail(error);
}
