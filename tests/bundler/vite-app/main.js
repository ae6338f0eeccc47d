// An app that uses score-wasm the way a Vite user would, by its package name. The test reads
// window.result; the canvases are there for the screenshot.
import { backendInfo, gaussianMixture, init, loadModel } from 'score-wasm';

// NCSN's two-mode mixture, annealed down to σ = 1 (as examples/mixture/ does).
const MIXTURE = { weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], stds: [1, 1] };
const MIXTURE_RUN = { n: 1000, seed: 7, sampler: 'annealed-langevin', sigmas: { max: 20, min: 1, levels: 10 },
  stepsPerLevel: 100, stepSize: 0.1 };

async function main() {
  // Two threads whatever the machine's cores, so that the headers alone decide the build.
  await init({ threads: 2 });
  const moons = await (await loadModel('moons')).sample({ n: 1000, seed: 1 });
  const mixture = await (await gaussianMixture(MIXTURE)).sample(MIXTURE_RUN);
  const info = await backendInfo();
  draw('#moons', moons, [-1.5, 2.5, -1.25, 1.75]);
  draw('#mixture', mixture, [-10, 10, -10, 10]);
  document.querySelector('#status').textContent = `${info.flavour}, ${info.threads} thread(s)`;
  return { info, moons: Array.from(moons), mixture: Array.from(mixture) };
}

function draw(selector, samples, [xMin, xMax, yMin, yMax]) {
  const canvas = document.querySelector(selector);
  const context = canvas.getContext('2d');
  context.fillStyle = '#1c7ed6';
  for (let i = 0; i < samples.length; i += 2) {
    const x = (samples[i] - xMin) / (xMax - xMin) * canvas.width;
    const y = (yMax - samples[i + 1]) / (yMax - yMin) * canvas.height;
    context.fillRect(x - 1, y - 1, 3, 3);
  }
}

main().then((result) => {
  window.result = { state: 'done', ...result };
}, (error) => {
  window.result = { state: 'error', error: `${error?.name}: ${error?.message}` };
  document.querySelector('#status').textContent = window.result.error;
});
