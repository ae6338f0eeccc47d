// One process of the peer benchmark (bench/peers/run.mjs starts one per runtime and thread count,
// so that no runtime's threads or JIT state leak into another's figures): samples one shipped
// model with its stored sampler and settings, on score-wasm (model.sample) or on a peer
// (onnxruntime-web on the exported ONNX graph, TF.js-wasm on the network written with tfjs ops)
// driven by the same sampler's JavaScript loop (samplers.mjs). Before timing, the peer's network is
// checked against model.score on a probe batch. Prints one JSON line.
//   node job.mjs --runtime score-wasm|onnxruntime-web|tfjs-wasm --threads T --model NAME --n N
//                [--reps 5] [--warmup 3] --onnx-dir DIR --peak PATH/score_peak.js
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { init, loadModel, shutdown } from '../../web/index.js';
import { storedSampler } from './samplers.mjs';
import { flopsPerEvaluation } from '../flops.mjs';
import { readSafetensors } from './safetensors.mjs';

const { values: args } = parseArgs({
  options: {
    runtime: { type: 'string' }, threads: { type: 'string' }, model: { type: 'string' },
    n: { type: 'string' }, reps: { type: 'string', default: '5' }, warmup: { type: 'string', default: '3' },
    'onnx-dir': { type: 'string' }, peak: { type: 'string' },
  },
});
const threads = Number(args.threads), n = Number(args.n), reps = Number(args.reps);
const modelsDir = fileURLToPath(new URL('../../web/models/', import.meta.url));
const file = readSafetensors(join(modelsDir, `${args.model}.safetensors`));
const sigmas = file.config.sigmas;
const sampler = storedSampler(file.config);
const dim = file.architecture === 'ncsn-mlp' ? file.config.dim : file.config.data_shape.reduce((a, b) => a * b);

// The per-thread WASM SIMD peak, measured in this process (bench/peak.cc as its own module).
const createPeakModule = createRequire(import.meta.url)(args.peak);
const peakModule = await createPeakModule({ wasmBinary: readFileSync(args.peak.replace(/\.js$/, '.wasm')) });
peakModule._score_peak_gflops(3, 1.0);  // warm

// A probe batch: model.score against the peer's score, ‖Δ‖∞ / ‖score‖∞.
async function probeDifference(peerScore) {
  await init({ threads: 1 });
  const model = await loadModel(args.model);
  const x = Float32Array.from({ length: 4 * dim }, (_, i) => Math.sin(0.37 * i) + 0.5);
  let worst = 0;
  for (const sigma of [sigmas[0], sigmas.at(-1)]) {
    const ours = await model.score(x, sigma), theirs = await peerScore(x, sigma);
    let scale = 0, diff = 0;
    for (let i = 0; i < ours.length; ++i) {
      scale = Math.max(scale, Math.abs(ours[i]));
      diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
    }
    worst = Math.max(worst, diff / scale);
  }
  model.dispose();
  await shutdown();
  return worst;
}

let run, probe = 0, release = async () => {};
if (args.runtime === 'score-wasm') {
  await init({ threads });
  const model = await loadModel(args.model);
  let seed = 1, evaluations = 0;
  const onProgress = (p) => { evaluations = Math.max(evaluations, p.evaluations ?? 0); };
  run = async () => {
    await model.sample({ n, seed: seed++, onProgress });
    return evaluations;  // the sampler's own count, from its last progress report
  };
  release = async () => { model.dispose(); await shutdown(); };
} else {
  let score;
  if (args.runtime === 'onnxruntime-web') {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    const session = await ort.InferenceSession.create(join(args['onnx-dir'], `${args.model}.onnx`));
    const shape = file.architecture === 'ncsn-mlp' ? [dim] : file.config.data_shape;
    score = async (x, sigma) => {
      const rows = x.length / dim;
      const { score: out } = await session.run({
        x: new ort.Tensor('float32', x, [rows, ...shape]),
        sigma: new ort.Tensor('float32', new Float32Array(rows).fill(sigma), [rows]),
      });
      return out.data;
    };
    release = () => session.release();
  } else if (args.runtime === 'tfjs-wasm') {
    if (threads !== 1) throw new Error('TF.js-wasm runs one thread under Node as shipped');
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    const { tfjsNetwork } = await import('./tfjs_networks.mjs');
    const network = tfjsNetwork(file);
    score = (x, sigma) => network.score(x, sigma);
    release = async () => network.dispose();
  } else {
    throw new Error(`unknown --runtime ${args.runtime}`);
  }
  probe = await probeDifference(score);
  if (!(probe <= 1e-4)) throw new Error(`${args.runtime} does not compute model.score: relative difference ${probe}`);
  run = async () => (await sampler(score, n, dim)).evaluations;
}

// Time-based warm-up (JIT tiers, thread start-up), then reps timed runs, each followed by ~10 ms of
// the peak so that every run has a neighbouring ceiling.
const warmupStart = performance.now();
do await run(); while (performance.now() - warmupStart < 1000 * Number(args.warmup));
const runs = [];
for (let r = 0; r < reps; ++r) {
  const cpu0 = process.cpuUsage(), t0 = performance.now();
  const evaluations = await run();
  const seconds = (performance.now() - t0) / 1000, cpu = process.cpuUsage(cpu0);
  runs.push({ seconds, evaluations, cpuPerWall: (cpu.user + cpu.system) / 1e6 / seconds,
              peakGflops: peakModule._score_peak_gflops(1, 0) });
}
await release();
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const flops = flopsPerEvaluation(file) * n;
console.log(JSON.stringify({
  runtime: args.runtime, threads, model: args.model, n, reps, probe,
  evaluations: runs[0].evaluations,
  seconds: median(runs.map((r) => r.seconds)),
  evaluationsPerSecond: median(runs.map((r) => (r.evaluations * n) / r.seconds)),
  gflops: median(runs.map((r) => (flops * r.evaluations) / r.seconds / 1e9)),
  fractionOfPeak: median(runs.map((r) => (flops * r.evaluations) / r.seconds / 1e9 / (threads * r.peakGflops))),
  peakGflops: median(runs.map((r) => r.peakGflops)),
  cpuPerWall: median(runs.map((r) => r.cpuPerWall)),
}));
process.exit(0);
