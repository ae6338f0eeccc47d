// The mixture demo: the score field of a two-mode mixture, and particles of plain and annealed
// Langevin moving as they sample. Imports the package's own files, as shipped.
import { backendInfo, gaussianMixture } from '../../web/index.js';
import { showBackend } from '../page.js';

const MIXTURE = { weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], stds: [1, 1] };
const PARTICLES = 2000;
const VIEW = 10;  // the canvases show [−VIEW, VIEW]²
const RUNS = {
  langevin: { sampler: 'langevin', steps: 1000, stepSize: 0.1, init: { uniform: [-8, 8] }, progressEvery: 5 },
  annealed: { sampler: 'annealed-langevin', sigmas: { max: 20, min: 1, levels: 10 }, stepsPerLevel: 100,
    stepSize: 0.1, progressEvery: 5 },
};

// What the page shows, also read by the browser test.
const demo = { backend: null, state: 'loading', error: null, runs: {} };
window.demo = demo;

const gmm = await start();
let controller = null;

async function start() {
  try {
    const model = await gaussianMixture(MIXTURE);
    demo.backend = await backendInfo();
    showBackend(demo.backend);
    return model;
  } catch (error) {
    fail(error);
    throw error;
  }
}

function fail(error) {
  demo.state = 'error';
  demo.error = String(error?.message ?? error);
  document.body.dataset.state = 'error';
  document.querySelector('#backend').textContent = `error: ${demo.error}`;
}

// Draws the score at a 21 × 21 grid of points as arrows.
async function drawField() {
  const sigma = Number(document.querySelector('#sigma').value);
  const grid = [];
  for (let i = 0; i <= 20; ++i) for (let j = 0; j <= 20; ++j) grid.push([-VIEW + i, -VIEW + j]);
  const score = await gmm.score(grid, sigma);
  const canvas = document.querySelector('#field');
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  drawMeans(ctx, canvas);
  ctx.strokeStyle = '#445566';
  const unit = canvas.width / (2 * VIEW);
  grid.forEach(([x, y], k) => {
    const [sx, sy] = [score[2 * k], score[2 * k + 1]];
    const norm = Math.hypot(sx, sy);
    if (norm === 0) return;
    const length = unit * 0.9 * Math.min(1, 0.25 + Math.log1p(norm) / 3);
    const [px, py] = toCanvas(canvas, x, y);
    const [dx, dy] = [(sx / norm) * length, (-sy / norm) * length];
    arrow(ctx, px, py, px + dx, py + dy);
  });
}

function arrow(ctx, x0, y0, x1, y1) {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.lineTo(x1 - 4 * Math.cos(angle - 0.5), y1 - 4 * Math.sin(angle - 0.5));
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - 4 * Math.cos(angle + 0.5), y1 - 4 * Math.sin(angle + 0.5));
  ctx.stroke();
}

function toCanvas(canvas, x, y) {
  return [(x + VIEW) / (2 * VIEW) * canvas.width, (VIEW - y) / (2 * VIEW) * canvas.height];
}

function drawMeans(ctx, canvas) {
  ctx.fillStyle = '#e9ecef';
  for (const [x, y] of MIXTURE.means) {
    const [px, py] = toCanvas(canvas, x, y);
    ctx.beginPath();
    ctx.arc(px, py, canvas.width / (2 * VIEW) * 2, 0, 2 * Math.PI);
    ctx.fill();
  }
}

// Particles coloured by their nearest mode, and the readout of the mode weights.
function drawParticles(name, frame) {
  const canvas = document.querySelector(`#${name}`);
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  drawMeans(ctx, canvas);
  let small = 0;
  const x = frame.samples;
  for (let i = 0; i < x.length / 2; ++i) {
    const isSmall = x[2 * i] + x[2 * i + 1] < 0;  // nearer to (−5, −5) than to (5, 5)
    small += isSmall;
    ctx.fillStyle = isSmall ? '#d9480f' : '#1c63b7';
    const [px, py] = toCanvas(canvas, x[2 * i], x[2 * i + 1]);
    ctx.fillRect(px - 1, py - 1, 2, 2);
  }
  const weight = small / (x.length / 2);
  const level = frame.levels > 1 ? `, level ${frame.level + 1}/${frame.levels}` : '';
  document.querySelector(`#${name}-readout`).innerHTML =
    `step ${frame.step}/${frame.totalSteps}${level}<br>mode weights: <span class="small">${pct(weight)}</span>` +
    ` / <span class="large">${pct(1 - weight)}</span> (truth 20.0 % / 80.0 %)`;
  Object.assign(demo.runs[name], { step: frame.step, totalSteps: frame.totalSteps, smallWeight: weight });
  demo.runs[name].framesDrawn += 1;
}

function pct(w) {
  return `${(100 * w).toFixed(1)} %`;
}

// Samples with snapshots every few steps and plays them back one per animation frame, so the
// particles move at a watchable pace while the worker samples ahead.
function run(name, signal) {
  const frames = [];
  let finished = false;
  demo.runs[name] = { framesDrawn: 0, done: false };
  const play = () => {
    if (signal.aborted) return;
    if (frames.length > 0) drawParticles(name, frames.shift());
    if (frames.length > 0 || !finished) requestAnimationFrame(play);
    else demo.runs[name].done = true;
  };
  requestAnimationFrame(play);
  const seed = Math.floor(Math.random() * 2 ** 32);
  return gmm.sample({ ...RUNS[name], n: PARTICLES, seed, signal, progressSamples: true,
    onProgress: (p) => frames.push(p) }).finally(() => { finished = true; });
}

async function restart() {
  controller?.abort();
  controller = new AbortController();
  const { signal } = controller;
  demo.state = 'running';
  document.body.dataset.state = 'running';
  try {
    await Promise.all([run('langevin', signal), run('annealed', signal)]);
    await until(() => demo.runs.langevin.done && demo.runs.annealed.done, signal);
    demo.state = 'done';
    document.body.dataset.state = 'done';
  } catch (error) {
    if (!signal.aborted) fail(error);
  }
}

function until(condition, signal) {
  return new Promise((resolve) => {
    const check = () => (condition() || signal.aborted ? resolve() : requestAnimationFrame(check));
    check();
  });
}

document.querySelector('#sigma').addEventListener('change', () => drawField().catch(fail));
document.querySelector('#restart').addEventListener('click', restart);
document.querySelector('#restart').disabled = false;
await drawField();
restart();
