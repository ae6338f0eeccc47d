// A TypeScript consumer of the installed package, compiled by tests/run-js.sh with `tsc --strict
// --noEmit` against node_modules/score-wasm (web/index.d.ts as npm ships it). The valid calls
// must compile; each `@ts-expect-error` line is a misuse the declarations must reject (an unused
// directive is itself an error, so a declaration that stops catching one fails the check).
import {
  type BackendInfo, type LoadProgress, type SampleProgress, type TrainProgress, type TrainResult, type ScoreModel, ScoreWasmError, gaussianMixture, geometricSigmas,
  imageGrid, init, loadModel, modelCacheName, pretrainedModels, shutdown, trainModel,
} from 'score-wasm';

async function main(): Promise<void> {
  const info: BackendInfo = await init({ threads: 2 });
  console.log(info.flavour, info.threads, pretrainedModels.length);

  const gmm: ScoreModel = await gaussianMixture({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], stds: [1, 1] });
  const controller = new AbortController();
  const reports: SampleProgress[] = [];
  const annealed: Float32Array = await gmm.sample({
    n: 100, sigmas: geometricSigmas({ max: 20, min: 0.1, levels: 10 }), stepsPerLevel: 20, stepSize: 0.01,
    denoise: true, seed: 1, onProgress: (p) => reports.push(p), signal: controller.signal,
  });
  await gmm.sample({ n: 10, sampler: 'langevin', sigma: 0, steps: 100, stepSize: 0.01, init: { uniform: [-8, 8] } });
  await gmm.sample({ n: 10, sampler: 'pc', steps: 100, correctorSteps: 1, snr: 0.16, sigmaMax: 60, sigmaMin: 0.01 });
  await gmm.sample({ n: 10, sampler: 'reverse-diffusion', steps: 200, sigmaMax: 60, sigmaMin: 0.01, known: [5, 0], mask: [1, 0] });
  await gmm.sample({ n: 10, sampler: 'ode', solver: 'rk45', rtol: 1e-4, atol: 1e-4, sigmaMax: 60, sigmaMin: 0.01 });
  const latents: Float32Array = await gmm.encode(annealed, { solver: 'heun', steps: 50, sigmaMax: 60, sigmaMin: 0.01 });
  await gmm.decode(latents, { sigmaMax: 60, sigmaMin: 0.01 });
  const logp: Float64Array = await gmm.logProb([[0, 0], [5, 5]], { solver: 'rk45', sigmaMax: 60, sigmaMin: 0.01, probes: 0 });
  const scores: Float32Array = await gmm.score(annealed, 0.5);
  console.log(reports.at(-1)?.fraction, reports.at(-1)?.evaluations, logp[0], scores.length);

  const downloads: LoadProgress[] = [];
  const mnist = await loadModel('mnist', { onProgress: (p) => downloads.push(p), signal: controller.signal, cache: false });
  console.log(downloads.at(-1)?.loadedBytes, downloads.at(-1)?.totalBytes, downloads[0]?.fromCache, modelCacheName);
  const [height, width, channels] = mnist.dataShape;
  const grid = imageGrid(await mnist.sample({ n: 4 }), { height, width, channels, columns: 2, scale: 2 });
  const pixels: Uint8ClampedArray = grid.data;
  console.log(pixels.length, mnist.config.sigmas?.length, mnist.architecture);

  const stop = new AbortController();
  const losses: TrainProgress[] = [];
  const trained: TrainResult = await trainModel([[0, 0], [1, 1], [2, 0]], { steps: 100, hidden: [32, 32], lr: 1e-3,
    stopSignal: stop.signal, onProgress: (p) => losses.push(p) });
  const file: Uint8Array = trained.bytes;
  await (await loadModel(file)).sample({ n: 10 });
  console.log(trained.steps, trained.stopped, losses.at(-1)?.loss);
  trained.model.dispose();

  try {
    await gmm.sample({ n: -1 });
  } catch (error) {
    if (error instanceof ScoreWasmError && error.code === 'INVALID_ARGUMENT') console.log(error.message);
  }

  // Misuses the declarations reject:
  // @ts-expect-error correctorSteps belongs to 'pc'
  await gmm.sample({ n: 10, sampler: 'ode', correctorSteps: 1 });
  // @ts-expect-error 'rk4' is not a solver
  await gmm.sample({ n: 10, sampler: 'ode', solver: 'rk4' });
  // @ts-expect-error n is required
  await gmm.sample({ sampler: 'pc' });
  // @ts-expect-error stepsPerLevel is annealed Langevin's
  await gmm.sample({ n: 10, sampler: 'reverse-diffusion', stepsPerLevel: 3 });
  // @ts-expect-error logProb returns Float64Array
  const wrong: Float32Array = await gmm.logProb([[0, 0]]);
  // @ts-expect-error encode takes no denoise
  await gmm.encode(annealed, { denoise: true });
  // @ts-expect-error not a pretrained model name nor a source
  await loadModel(42);
  // @ts-expect-error trainModel takes rows of points, not a flat array
  await trainModel(new Float32Array(4));
  // @ts-expect-error hidden is an array of widths
  await trainModel([[0, 0]], { hidden: 64 });
  // @ts-expect-error cache is a boolean
  await loadModel('moons', { cache: 'no' });
  console.log(wrong);

  gmm.dispose();
  mnist[Symbol.dispose]();
  await shutdown();
}

void main();
