// The browser benchmark page (index.html): for each thread count, starts the backend with it,
// loads the model, warms up for `warmup` seconds on the first n, then times `reps` calls of
// model.sample({ n }) for each n. window.bench holds the state and results for the driver
// (bench/browser/run.mjs).
import { init, loadModel, shutdown } from '../../web/index.js';
import { flopsPerEvaluation } from '../flops.mjs';

const query = new URLSearchParams(location.search);
const list = (key, fallback) => (query.get(key) ?? fallback).split(',').map(Number);
const settings = {
  model: query.get('model') ?? 'mnist',
  ns: list('n', '1,16'),
  threads: list('threads', crossOriginIsolated ? '1,2' : '1'),
  reps: Number(query.get('reps') ?? 5),
  warmup: Number(query.get('warmup') ?? 3),
};
const bench = window.bench = { state: 'running', settings, crossOriginIsolated, results: [], error: null };
const $ = (selector) => document.querySelector(selector);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b), mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function row(r, base) {
  const tr = document.createElement('tr');
  const cells = [r.model, r.n, r.threads, r.evaluations, r.seconds.toFixed(3), (r.n / r.seconds).toFixed(2),
    (r.n * r.evaluations * r.flops / r.seconds / 1e9).toFixed(1), base ? (base.seconds / r.seconds).toFixed(2) + '×' : ''];
  for (const value of cells) tr.append(Object.assign(document.createElement('td'), { textContent: value }));
  $('#results').append(tr);
}

async function run() {
  for (const threads of settings.threads) {
    await shutdown();
    const info = await init({ threads });
    $('#backend').textContent = `build: ${info.flavour}, ${info.threads} thread(s)`;
    const model = await loadModel(settings.model);
    const flops = flopsPerEvaluation(model);
    // Network evaluations per sample: the sampler's own count, from its last progress report.
    let evaluations = 0, seed = 1;
    const onProgress = (p) => { evaluations = Math.max(evaluations, p.evaluations ?? 0); };
    $('#status').textContent = `${threads} thread(s): warming up`;
    for (const start = performance.now(); performance.now() - start < settings.warmup * 1000;) {
      await model.sample({ n: settings.ns[0], seed: seed++, onProgress });
    }
    for (const n of settings.ns) {
      const seconds = [];
      for (let rep = 0; rep < settings.reps; ++rep) {
        $('#status').textContent = `${threads} thread(s), n = ${n}: repetition ${rep + 1} of ${settings.reps}`;
        const start = performance.now();
        await model.sample({ n, seed: seed++ });
        seconds.push((performance.now() - start) / 1000);
      }
      const result = { model: settings.model, n, threads: info.threads, flavour: info.flavour, evaluations, flops,
        seconds: median(seconds), all: seconds };
      bench.results.push(result);
      row(result, bench.results.find((r) => r.n === n && r.threads === 1 && r !== result));
    }
    model.dispose();
  }
  await shutdown();
  bench.state = 'done';
  $('#status').textContent = 'done';
}

run().catch((error) => {
  bench.state = 'error';
  bench.error = String(error?.stack ?? error);
  $('#status').textContent = `error: ${error.message}`;
});
