/// <reference lib="esnext.disposable" />
// Type declarations of score-wasm: score-based generative models (exact Gaussian mixtures and
// noise-conditional score networks) sampled with Langevin dynamics in WebAssembly.
//
// Everything runs in a Worker that owns the WebAssembly module (a Web Worker in browsers, a
// worker_threads Worker in Node), so sampling never blocks the page. Every method returns a Promise;
// every failure is a ScoreWasmError with a `code`.
//
// Arrays of points are row-major Float32Arrays of n × dim values: point i is
// x[i * dim] … x[i * dim + dim − 1].
//
// ScoreModel is Disposable (`using`), whose Symbol.dispose the reference above brings in: the
// declarations need TypeScript 5.2 or later, and compile under `tsc --strict` (tests/types/).
//
// Numbers reach the module as float32. Every number must be finite and within float32's range
// (|v| ≤ 3.4028234663852886e38, or a value that rounds down to it); a noise level σ, step size or
// standard deviation must also not be flushed to 0 or a subnormal (|v| ≥ 1.1754943508222875e-38,
// the smallest normal float32; σ = 0 itself stays allowed where the model accepts it). Arrays must
// not be sparse (`new Array(3)`, `[1, , 3]`): an empty slot is refused, never read as 0. Each of
// these rejects with INVALID_ARGUMENT naming the option and the index.

/** What kind of failure a ScoreWasmError is. */
export type ScoreWasmErrorCode =
  /** An option, shape or value is wrong (the message names it and says what was expected). */
  | 'INVALID_ARGUMENT'
  /** A model file is malformed, truncated, hostile or of an unsupported architecture. */
  | 'INVALID_MODEL'
  /** The call's AbortSignal fired (`cause` is the signal's reason). */
  | 'ABORTED'
  /**
   * The model was disposed, the backend was shut down, or the WebAssembly module the model lived in
   * crashed and was restarted.
   */
  | 'DISPOSED'
  /**
   * The call (or, at load, one thread's evaluation of the model) would need more working memory
   * than the module allows (1 GiB of activations and sampler state in WebAssembly). Nothing was
   * allocated and the module stays usable: sample fewer points, or use fewer threads.
   */
  | 'OUT_OF_MEMORY'
  /** A model file or the WebAssembly build could not be read or fetched. */
  | 'IO_ERROR'
  /**
   * A bug in score-wasm, or its worker stopped or its WebAssembly module crashed (a trap, a stack
   * overflow, an abort such as running out of memory). A crashed module is never called again: the
   * calls pending in it reject with INTERNAL (the message says the module was restarted), the
   * models created in it become disposed (their calls reject with DISPOSED), and the next call
   * starts a fresh worker and module with the same {@link init} options.
   */
  | 'INTERNAL';

/** The error every score-wasm call rejects with. */
export class ScoreWasmError extends Error {
  constructor(code: ScoreWasmErrorCode, message: string, options?: { cause?: unknown });
  readonly name: 'ScoreWasmError';
  readonly code: ScoreWasmErrorCode;
}

/** Options of {@link init}. */
export interface InitOptions {
  /**
   * Threads to sample with (the worker's thread plus threads − 1 pthreads), an integer from 1 to 64;
   * more rejects with INVALID_ARGUMENT (every pthread is a Worker started with the module: 64 take
   * seconds and about 600 MB in Node). Default: the number of logical cores, at most 8. Only the
   * threads build uses more than one: it needs `crossOriginIsolated` in browsers (COOP `same-origin`
   * + COEP `require-corp` headers) and is always available in Node. `threads: 1` loads the smaller
   * single-threaded build.
   */
  threads?: number;
  /**
   * The folder holding the build files (`score-wasm-simd-threads.{js,wasm,worker.js}`,
   * `score-wasm-simd.{js,wasm}`): a URL (relative to the page) in browsers, a path or file: URL in
   * Node. Default: the package's own `dist/` folder.
   */
  wasmPath?: string | URL;
  /**
   * Where each build file is, by name: `(fileName, defaultLocation) => location`. Takes precedence
   * over `wasmPath`.
   */
  locateFile?: (fileName: string, defaultLocation: string) => string | URL;
}

/** Which build the backend loaded, and how. */
export interface BackendInfo {
  /** `'simd-threads'` (SIMD + pthreads) or `'simd'` (SIMD, one thread: the fallback without isolation). */
  flavour: 'simd-threads' | 'simd';
  /** Threads sampling uses at most (1 for the `'simd'` build). */
  threads: number;
  /** Whether the page is cross-origin isolated (always false in Node, which needs no isolation). */
  crossOriginIsolated: boolean;
  environment: 'browser' | 'node';
}

/**
 * Starts the backend (the worker and its WebAssembly module) with `options`. Optional: the first
 * model starts it with the defaults. The threads build is picked when threads can share memory
 * (`crossOriginIsolated && typeof SharedArrayBuffer === 'function'` in browsers, always in Node),
 * the single-threaded SIMD build otherwise; it never fails for lack of isolation.
 * Calling it again with no or the same options returns the same info; other options reject with
 * INVALID_ARGUMENT until {@link shutdown}. A backend whose module crashed restarts with the same
 * options at the next call (see the INTERNAL error code).
 */
export function init(options?: InitOptions): Promise<BackendInfo>;

/** The backend's info (starts it with the default options if needed). */
export function backendInfo(): Promise<BackendInfo>;

/**
 * Stops the worker and its threads. Models become disposed (their calls reject with DISPOSED); the
 * next call that needs a backend starts a new one. Not needed for Node to exit: an idle backend
 * never keeps a process alive.
 */
export function shutdown(): Promise<void>;

/** A Gaussian mixture p(x) = Σ_k w_k N(x; μ_k, s_k² I). */
export interface GaussianMixtureSpec {
  /** K positive weights (normalised to sum to 1). */
  weights: ArrayLike<number>;
  /** K means, each an array of dim numbers (dim ≥ 1). */
  means: ArrayLike<number>[];
  /** K positive standard deviations (isotropic), each a normal float32 (≥ 1.1754943508222875e-38). */
  stds: ArrayLike<number>;
}

/**
 * The exact score model of a Gaussian mixture. Its σ-perturbed density p ⊛ N(0, σ² I) is again a
 * mixture (variances s_k² + σ²), so s(x, σ) is exact for every σ ≥ 0, including σ = 0 (the data
 * score itself); far-away points stay finite. `minSigma` is 0 and `config` is `{}`.
 */
export function gaussianMixture(spec: GaussianMixtureSpec): Promise<ScoreModel>;

/**
 * The names of the pretrained models shipped in the package, each loadable with loadModel(name):
 * four 2-D toy distributions (ncsn-mlp, dim 2) and two of 28 × 28 grey images (ncsn-unet, dim 784,
 * `dataShape` [28, 28, 1], values in [0, 1]; draw them with {@link imageGrid}).
 */
export type PretrainedModelName = 'moons' | 'swiss-roll' | 'rings' | 'checkerboard' | 'mnist' | 'fashion-mnist';
export const pretrainedModels: readonly PretrainedModelName[];

/**
 * Loads a score network: a pretrained model by name (`loadModel('moons')`; the package's
 * `web/models/NAME.safetensors`, trained by score-train, see web/models/README.md), or a score-wasm
 * `.safetensors` model file (metadata `"format": "score-wasm"`, `"architecture"` such as
 * `"ncsn-mlp"`, and its `"config"` JSON). The file is validated completely: a bad one rejects with
 * INVALID_MODEL. A pretrained model's `sample({ n })` uses the sampling settings stored with it.
 * @param source a pretrained model's name; a URL (string or URL, relative to the page) in browsers;
 *   a file path, file: URL or http(s): URL in Node; or the file's bytes anywhere (ArrayBuffer,
 *   typed array, Blob). A name takes precedence over a relative path spelled the same: write
 *   `./moons` for a file called moons.
 */
export function loadModel(
  source: PretrainedModelName | string | URL | ArrayBuffer | ArrayBufferView | Blob,
  options?: LoadModelOptions,
): Promise<ScoreModel>;

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /**
   * Called as the file's bytes arrive: per received chunk of a download, once for a file read in
   * Node or for bytes given directly. The last report has `totalBytes === loadedBytes`. A callback
   * that throws ends the load: loadModel rejects with what it threw.
   */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborts the download (or the read) and the load: loadModel rejects with ABORTED. */
  signal?: AbortSignal;
  /**
   * Keep downloaded model files in the browser's Cache API (in the cache named
   * {@link modelCacheName}, keyed by the file's absolute URL) and load them from there next time,
   * without the network (default true). The Cache API exists in secure contexts (https, localhost);
   * where it is missing or refuses to store (Node, plain http, storage turned off, a full quota) the
   * file is downloaded every time, with no error. A file that changes under the same URL is served
   * stale from the cache: give it a new URL, pass `cache: false`, or delete the entry
   * (`(await caches.open(modelCacheName)).delete(url)`).
   */
  cache?: boolean;
}

/** One progress report of {@link loadModel}. */
export interface LoadProgress {
  /** Bytes of the model file received so far. */
  loadedBytes: number;
  /**
   * The file's size, when it is known before the end: a download's Content-Length (unless the
   * response is compressed, when that counts other bytes), a file's or buffer's length. Undefined
   * until the last report otherwise.
   */
  totalBytes?: number;
  /** True when the bytes come from the Cache API instead of the network. */
  fromCache: boolean;
}

/**
 * The Cache API cache that loadModel keeps downloaded model files in: 'score-wasm-models-' and
 * the package version (an upgraded package starts a new cache; delete old ones with
 * `caches.delete(name)`).
 */
export const modelCacheName: string;

/**
 * Geometric noise levels σ_i = max · (min / max)^(i / (levels − 1)), i = 0 … levels − 1 (largest
 * first; one level is [max]). What `sigmas: { max, min, levels }` means in sample(). Throws
 * INVALID_ARGUMENT, before building any list, when levels is above 2^20 (1 048 576) or max / min
 * are not normal float32 values.
 */
export function geometricSigmas(schedule: GeometricSigmas): number[];

/** A geometric noise schedule: `levels` values from `max` down to `min` (0 < min < max). */
export interface GeometricSigmas {
  max: number;
  min: number;
  /** A positive integer, at most 2^20 (1 048 576). */
  levels: number;
}

/** The parsed `"config"` of a model file (architecture-specific; ncsn-mlp and ncsn-unet keys shown). */
export interface ModelConfig {
  /** ncsn-mlp: values per sample. */
  dim?: number;
  /** ncsn-mlp: hidden layer widths. */
  hidden?: number[];
  sigma_embedding_freqs?: number;
  /** ncsn-unet: channels per resolution level (e.g. [16, 32, 64]). */
  channels?: number[];
  /** ncsn-unet: GroupNorm groups. */
  groups?: number;
  /** ncsn-unet: width of the σ embedding added in every residual block. */
  embedding_dim?: number;
  /**
   * ncsn-unet: the data's scale σ_d of EDM's preconditioning (Karras et al. 2022), present when the
   * network was trained with it: the score is σ_d/(σ√v) · F(x/√v) − x/v with v = σ² + σ_d².
   */
  sigma_data?: number;
  /** The trained noise levels, largest first: the default `sigmas` of sample(). */
  sigmas?: number[];
  /**
   * The shape of one sample; its product is dim. Images are `[height, width, channels]` with the
   * values stored row-major, channels last (ncsn-unet; e.g. [28, 28, 1]); 2-D points are [2].
   */
  data_shape?: number[];
  /**
   * The sampler the file advises, and its settings: `steps_per_level` and `step_size` for the Langevin
   * samplers, `steps` (levels) for 'reverse-diffusion', 'pc' and 'ode' and `snr` (the corrector's
   * signal-to-noise ratio) for 'pc' when the advised sampler is that one. sample({ n }) uses them;
   * options given to sample() override them. Keys left out mean `sampler: 'annealed-langevin'`,
   * `steps_per_level: 100`, `step_size: 2e-5`, `denoise: true`.
   */
  sampling?: { sampler?: SamplerName; steps_per_level?: number; step_size?: number; denoise?: boolean; steps?: number; snr?: number };
  [key: string]: unknown;
}

export type SamplerName = 'langevin' | 'annealed-langevin' | 'reverse-diffusion' | 'pc' | 'ode';

/** One progress report of a sampling run. */
export interface SampleProgress {
  /**
   * step / totalSteps, from above 0 to 1 (the last report); never decreases. For the adaptive
   * solver ('rk45'), how far its slowest chain has come in ln σ (0 after its first step, which
   * only chooses the step sizes).
   */
  fraction: number;
  /** Steps done, 1 … totalSteps (for 'rk45' its attempted steps: one of every unfinished chain). */
  step: number;
  /**
   * All steps of the run: levels × steps per level (plus 1 with `denoise` for the Langevin
   * samplers); levels − 1 Heun steps (plus 1 with `denoise`) for the ODE; 0 for 'rk45', whose
   * steps are found as it goes.
   */
  totalSteps: number;
  /**
   * Network evaluations per sample so far (two per Heun step of the ODE, one per other step; for
   * 'rk45' the mean over the samples, each taking its own steps). For logProb(), every
   * vector–Jacobian product of the divergence counts as one more.
   */
  evaluations: number;
  /**
   * 0-based index of the noise level the last step ran at (the denoising step counts as the last;
   * for 'rk45' 0 until the solver is done, then 1).
   */
  level: number;
  /** Number of noise levels (1 for plain Langevin, 2 for 'rk45': its ends). */
  levels: number;
  /** A copy of the current n × dim samples, only with `progressSamples: true`. */
  samples?: Float32Array;
}

/** Options every sampler takes. */
interface CommonSampleOptions {
  /** Number of samples (independent chains), a positive integer. Required. */
  n: number;
  /**
   * Step size ε of the Langevin samplers (> 0, at least 1.1754943508222875e-38: a normal float32;
   * the SDE samplers refuse it). Its meaning depends on the sampler (see each). Default: the model file's `sampling.step_size`; required for models without
   * one (the mixture).
   */
  stepSize?: number;
  /**
   * Seed of the random numbers, a non-negative safe integer (all 53 bits are used). The same seed,
   * options and build give bit-identical samples whatever the number of threads. Default: random.
   */
  seed?: number;
  /**
   * Where the chains start: `'gaussian'` draws from N(0, σ_1² I) with σ_1 the first (largest) noise
   * level (N(0, I) for plain Langevin at σ = 0); `{ uniform: [lo, hi] }` draws every coordinate
   * uniformly from [lo, hi); or n × dim start points (Float32Array, Float64Array or n arrays of dim
   * numbers). Default `'gaussian'`.
   */
  init?: 'gaussian' | { uniform: [number, number] } | Float32Array | Float64Array | ArrayLike<number>[];
  /** Use at most this many of the backend's threads, 1 to 64 (default: all of them). */
  threads?: number;
  /**
   * Inpainting ('annealed-langevin', 'reverse-diffusion' and 'pc'): the known values, dim of them
   * (the same for every sample) or n × dim (flat, or n rows), with `mask` saying which are known.
   * At the start and after every step the known values are replaced by the known data noised to the
   * current σ, and the samples end with them exactly. This replacement is an approximation: on a
   * two-mode mixture whose known coordinate identifies the mode, 'pc' and annealed Langevin give
   * the mode's conditional within the sampling error, while 'reverse-diffusion' lands on the mode
   * with a spread 9 % too wide (tests/cpp/sde_sampler_test.cc). Where the known values leave the
   * mode ambiguous the samples lean towards the prior weights: with modes at (±2, ±2) (std 1,
   * weights 0.3 / 0.7) and x0 = −0.5 known, the exact conditional weight of the first mode is 0.76,
   * and 200 levels of 'reverse-diffusion' give 0.43, of 'pc' 0.46 (0.54 at 1000 levels), annealed
   * Langevin 0.50 at 20 × 20 steps (0.62 at 100 × 20): more steps help, slowly.
   */
  known?: Float32Array | Float64Array | ArrayLike<number> | ArrayLike<number>[];
  /** 1 where `known` holds a value to keep, 0 where the sampler fills in; as many entries as `known`. */
  mask?: Uint8Array | ArrayLike<number>;
  /**
   * Called with progress: after every chunk of steps (chunks last about 25 ms), after the last step
   * of every noise level, and at the end (fraction 1) before the promise resolves. A callback that
   * throws ends the run: the promise rejects with its error.
   */
  onProgress?: (progress: SampleProgress) => void;
  /**
   * Report progress after every this many steps (and at level ends) instead of every chunk.
   * Default: every chunk.
   */
  progressEvery?: number;
  /** Include a copy of the current samples in each progress report (default false). */
  progressSamples?: boolean;
  /**
   * Cancels the run: the promise rejects at once with ScoreWasmError code 'ABORTED' (also when the
   * signal is already aborted), and the worker stops within one chunk of steps.
   */
  signal?: AbortSignal;
}

/**
 * Annealed Langevin dynamics (NCSN, Song & Ermon 2019, Algorithm 1): for each noise level σ_i,
 * largest first, `stepsPerLevel` steps of
 *   α_i = ε · σ_i² / σ_L²,   x ← x + (α_i / 2) · s(x, σ_i) + √α_i · z,   z ~ N(0, I)
 * with σ_L the last (smallest) level, then optionally one denoising step x ← x + σ_L² · s(x, σ_L).
 *
 * Step-size conventions: NCSN's code uses two forms, x + α s + √(2α) z and x + (α/2) s + √α z.
 * score-wasm keeps each sampler's published form: this one (the paper's Algorithm 1) for annealed
 * Langevin, the first for plain Langevin ({@link LangevinOptions}). So at the last level annealed
 * Langevin with `stepSize: ε` moves like plain Langevin with `stepSize: ε / 2`.
 */
export interface AnnealedLangevinOptions extends CommonSampleOptions {
  /** Default: the model file's `sampling.sampler`, else `'annealed-langevin'`. */
  sampler?: 'annealed-langevin';
  /**
   * The noise levels, strictly decreasing and ≥ the model's minSigma, at most 2^20 (1 048 576) of
   * them: an explicit list, or `{ max, min, levels }` for a geometric schedule. Default: the model
   * file's trained `sigmas`; required for the mixture.
   */
  sigmas?: ArrayLike<number> | GeometricSigmas;
  /**
   * Steps T at each level (default: the file's `sampling.steps_per_level`, else 100); levels × T
   * must be at most 2^30 − 1 (1 073 741 823).
   */
  stepsPerLevel?: number;
  /**
   * Finish with the denoising step x ← x + σ_L² · s(x, σ_L) (NCSNv2), which removes the last
   * level's noise. Default: the file's `sampling.denoise`, else false.
   */
  denoise?: boolean;
}

/**
 * Plain (unadjusted) Langevin dynamics at one noise level σ: `steps` steps of
 *   x ← x + ε · s(x, σ) + √(2ε) · z,   z ~ N(0, I).
 * With the exact mixture score (σ = 0) and a uniform start it shows Langevin's known failure: chains
 * stay in the basin they start in, so the modes' weights come out wrong.
 */
export interface LangevinOptions extends CommonSampleOptions {
  sampler: 'langevin';
  /**
   * Number of steps, at most 2^30 − 1 (default: the file's `sampling.steps_per_level`; required for
   * the mixture).
   */
  steps?: number;
  /**
   * The noise level of the score, ≥ minSigma (0 or a normal float32). Default: the model file's
   * smallest trained σ, or minSigma (0: the exact data score of the mixture).
   */
  sigma?: number;
}

/** Options of the score-SDE samplers (Song et al. 2021, the variance-exploding SDE). */
interface SdeSampleOptions extends CommonSampleOptions {
  /**
   * Levels of the discretisation from sigmaMax down to sigmaMin: geometric for 'reverse-diffusion'
   * and 'pc' (default 500), the spacing of Karras et al. 2022 (ρ = 7, dense near sigmaMin) for
   * 'ode' (default 18: 17 Heun steps, 34 evaluations).
   */
  steps?: number;
  /**
   * The largest σ, where the chains start from N(0, sigmaMax² I): that prior stands in for the
   * σ-perturbed data, so sigmaMax should be well above the data's spread and its distance from the
   * origin. Default: the model file's largest trained σ; required for the mixture.
   */
  sigmaMax?: number;
  /** The smallest σ, ≥ minSigma. Default: the model file's smallest trained σ; required for the mixture. */
  sigmaMin?: number;
  /**
   * Finish at σ = sigmaMin with x ← x + sigmaMin² · s(x, sigmaMin) and no noise (for
   * 'reverse-diffusion' and 'pc' this is their last step without its noise; the ODE takes one more
   * evaluation). Default: the file's `sampling.denoise`, else false.
   */
  denoise?: boolean;
}

/**
 * The reverse-time SDE discretised over `steps` levels σ_0 > … > σ_{N−1} = sigmaMin (σ_N = 0):
 *   x ← x + (σ_i² − σ_{i+1}²) · s(x, σ_i) + √(σ_i² − σ_{i+1}²) · z.
 * One network evaluation per step.
 */
export interface ReverseDiffusionOptions extends SdeSampleOptions {
  sampler: 'reverse-diffusion';
}

/**
 * Predictor–corrector: at each level `correctorSteps` Langevin steps x ← x + ε_i s + √(2 ε_i) z with
 * ε_i = 2 (snr · σ_i)², then the reverse-diffusion step. The step is constant per level: the
 * reference code's ε from norms averaged over the batch makes a sample depend on its batch, and
 * each sample's own norms make the spreads too wide. (correctorSteps + 1) evaluations per level;
 * with correctorSteps 0 it is 'reverse-diffusion', bit for bit.
 */
export interface PredictorCorrectorOptions extends SdeSampleOptions {
  sampler: 'pc';
  /** Langevin corrector steps per level, 0 to 2^20 (default 1). */
  correctorSteps?: number;
  /** The corrector's signal-to-noise ratio, > 0 (default: the file's `sampling.snr` when it advises pc, else 0.16). */
  snr?: number;
}

/**
 * The probability-flow ODE dx/dσ = −σ · s(x, σ) from sigmaMax to sigmaMin, deterministic given the
 * start: with Heun's second-order steps over `steps` Karras levels (two evaluations each), or with
 * the adaptive Dormand–Prince 5(4) solver ('rk45', as scipy's RK45 and the score-SDE reference
 * code), which integrates in ln σ with every sample its own step sizes and error control (so a
 * sample never depends on the others in its batch), about 6 evaluations per step.
 */
export interface OdeOptions extends SdeSampleOptions {
  sampler: 'ode';
  /** `'heun'` (the default) or `'rk45'` (then `steps` is not taken). */
  solver?: 'heun' | 'rk45';
  /**
   * 'rk45': relative and absolute tolerance of each step's error, in (0, 1) (default 1e-5 each).
   * A step is accepted when the RMS of error / (atol + rtol · |x|) over the sample is at most 1.
   */
  rtol?: number;
  atol?: number;
}

/** Options of logProb(). */
export interface LogProbOptions {
  /**
   * `'heun'` (the default: Heun steps over `steps` levels) or `'rk45'` (adaptive, to rtol / atol,
   * which then also bound the error of the log-density's integral).
   */
  solver?: 'heun' | 'rk45';
  /** 'heun': Karras levels (ρ = 7) of the ODE from sigmaMin up to sigmaMax, 2 to 2^20 (default 200). */
  steps?: number;
  /** 'rk45': its tolerances, in (0, 1) (default 1e-5 each). */
  rtol?: number;
  atol?: number;
  /** Default: the model file's largest trained σ; required for the mixture. */
  sigmaMax?: number;
  /** Default: the model file's smallest trained σ (≥ minSigma); required for the mixture. */
  sigmaMin?: number;
  /**
   * Hutchinson probes per evaluation, 0 to 1024; 0 computes the exact divergence (dim products).
   * Default: exact when dim ≤ 16, else 1 probe.
   */
  probes?: number;
  /** Seed of the probes (default 0): the same seed gives bit-identical results for any thread count. */
  seed?: number;
  /** Use at most this many of the backend's threads, 1 to 64 (default: all of them). */
  threads?: number;
  onProgress?: (progress: SampleProgress) => void;
  progressEvery?: number;
  signal?: AbortSignal;
}

/** Options of encode() and decode(): the ODE sampler's, without its start and denoising. */
export type OdeMapOptions = Pick<OdeOptions, 'steps' | 'sigmaMax' | 'sigmaMin' | 'solver' | 'rtol' | 'atol' | 'seed' | 'threads' |
  'onProgress' | 'progressEvery' | 'progressSamples' | 'signal'>;

export type SampleOptions =
  | AnnealedLangevinOptions
  | LangevinOptions
  | ReverseDiffusionOptions
  | PredictorCorrectorOptions
  | OdeOptions;

/** A score model owned by the worker. Dispose it when done (or `using` it). */
export interface ScoreModel {
  /** Values per sample. */
  readonly dim: number;
  /** Smallest σ the model accepts (0 for the mixture). */
  readonly minSigma: number;
  /** `'gaussian-mixture'`, or the model file's architecture (e.g. `'ncsn-mlp'`). */
  readonly architecture: string;
  /** The model file's parsed, frozen config (`{}` for the mixture). */
  readonly config: Readonly<ModelConfig>;
  /**
   * The shape of one sample, its product `dim`: the config's `data_shape`, or `[dim]` when the file
   * has none (the mixture). An image model's is `[height, width, channels]` (three entries; e.g.
   * [28, 28, 1]), its samples row-major with channels last: pass them to {@link imageGrid}.
   */
  readonly dataShape: readonly number[];

  /**
   * Draws n samples. Options left out come from the model file's config (`sigmas`, `sampling`).
   * @returns n × dim values, row-major.
   */
  sample(options: SampleOptions): Promise<Float32Array>;

  /**
   * The model's log-density log p_σmin(x) at each point, in nats, from the probability-flow ODE
   * and the divergence of its drift (the instantaneous change of variables), plus the prior term
   * log N(x(sigmaMax); 0, sigmaMax² I). The divergence is exact (one vector–Jacobian product per
   * dimension) or Hutchinson's estimate with `probes` Rademacher probes. For 8-bit images scaled to
   * [0, 1] with uniform dequantisation x = (pixel + u) / 256, u ~ U[0, 1), the bits per dimension
   * are −(logProb − dim · ln 256) / (dim · ln 2). Progress reports come per solver step.
   * The prior N(0, sigmaMax² I) stands in for the data perturbed at sigmaMax; with the data's mean
   * μ away from the origin that costs about |μ| · √dim / sigmaMax nats (0.09 for a 2-D mixture with
   * mean (3, 3) at sigmaMax = 60), so sigmaMax should be far above the data's distance from the
   * origin.
   * @param points n × dim values (Float32Array or Float64Array, row-major) or n arrays of dim numbers.
   * @returns n log-densities.
   */
  logProb(points: Float32Array | Float64Array | ArrayLike<number>[], options?: LogProbOptions): Promise<Float64Array>;

  /**
   * Maps points (data) to latents at σ = sigmaMax by integrating the probability-flow ODE from
   * sigmaMin up, over the same Karras levels an `'ode'` run of `steps` levels takes down (Heun steps,
   * 2 (steps − 1) evaluations). Latents of data follow N(0, sigmaMax² I) when the model is exact.
   * @param points n × dim values (Float32Array or Float64Array, row-major) or n arrays of dim numbers.
   * @returns n × dim latents, row-major.
   */
  encode(points: Float32Array | Float64Array | ArrayLike<number>[], options?: OdeMapOptions): Promise<Float32Array>;

  /**
   * Maps latents at sigmaMax back to points at sigmaMin (the `'ode'` sampler from those starts,
   * without the denoising step), so decode(encode(x)) ≈ x within the solver's error (on a 2-D
   * mixture with 200 levels, every coordinate within 0.05).
   */
  decode(latents: Float32Array | Float64Array | ArrayLike<number>[], options?: OdeMapOptions): Promise<Float32Array>;

  /**
   * The score s(x, σ) ≈ ∇x log p_σ(x) at each point, p_σ = p ⊛ N(0, σ² I).
   * @param points n × dim values (Float32Array or Float64Array, row-major) or n arrays of dim numbers;
   *   all finite.
   * @param sigma the noise level, ≥ minSigma (0 or a normal float32). Default: the model file's
   *   smallest trained σ, or minSigma (0 for the mixture).
   * @returns n × dim values, row-major.
   */
  score(points: Float32Array | Float64Array | ArrayLike<number>[], sigma?: number): Promise<Float32Array>;

  /** Frees the model in the worker (also ends its running samplings with DISPOSED). Idempotent. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** Options of {@link imageGrid}. */
export interface ImageGridOptions {
  /** Rows of pixels per image (`dataShape[0]`). */
  height: number;
  /** Pixels per row of an image (`dataShape[1]`). */
  width: number;
  /** Values per pixel (`dataShape[2]`): 1 (grey, the default) or 3 (RGB). */
  channels?: number;
  /** Draw the first n images (default: every image in samples). */
  n?: number;
  /** Tiles per row of the grid (default ⌈√n⌉). */
  columns?: number;
  /** Each image pixel becomes a scale × scale block (a positive integer; default 1). */
  scale?: number;
  /** Transparent pixels between neighbouring tiles (default 0). */
  gap?: number;
}

/** An RGBA picture: `data` holds width × height × 4 bytes, row-major (what `ImageData` takes). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/**
 * Lays out images (an image model's samples) as one RGBA grid: image i at row ⌊i / columns⌋,
 * column i mod columns, each pixel a scale × scale block, tiles `gap` pixels apart. Values are
 * clamped to [0, 1] (NaN counts as 0) and mapped to 0 … 255, rounded; tiles are opaque, gaps and
 * the empty cells of a partial last row transparent. Draw it with
 * `ctx.putImageData(new ImageData(grid.data, grid.width, grid.height), 0, 0)`.
 * Throws INVALID_ARGUMENT when an option is wrong or samples does not hold whole images.
 * @param samples n × height × width × channels values (row-major, channels last), as sample() returns
 *
 * ```js
 * const model = await loadModel('mnist');
 * const [height, width, channels] = model.dataShape;
 * const grid = imageGrid(await model.sample({ n: 16 }), { height, width, channels, columns: 4, scale: 4 });
 * ```
 */
export function imageGrid(samples: Float32Array | Float64Array | readonly number[], options: ImageGridOptions): RgbaImage;

/**
 * Trains a small score network in the worker: an `ncsn-mlp` fitted by denoising score matching
 * (loss weight σ², Adam, gradient clipping, an EMA of the weights) to `points`, by the same C++
 * trainer as the native `score-train`. Its noise levels and sampling defaults are chosen from the
 * points as score-train chooses them (NCSNv2: σ_max the points' largest distance, geometric levels
 * down to `sigmaMin`, the annealed-Langevin step size of technique 4), so `model.sample({ n })` of
 * the result needs no settings. The same seed gives bit-identical weights for any thread count.
 *
 * ```js
 * const stop = new AbortController();  // stop.abort() ends training early, keeping the model
 * const { model, bytes } = await trainModel(points, { steps: 2000, stopSignal: stop.signal,
 *   onProgress: ({ step, loss }) => console.log(step, loss) });
 * const samples = await model.sample({ n: 1000 });
 * // bytes: the .safetensors file, for loadModel(bytes) later (or a download)
 * ```
 * Rejects with INVALID_ARGUMENT for bad points or options (fewer than 2 points, a non-finite value,
 * points all in one place, sigmaMin above their spread), with ABORTED when `signal` fires.
 */
export function trainModel(
  points: readonly ArrayLike<number>[],
  options?: TrainOptions,
): Promise<TrainResult>;

/** Options of {@link trainModel}. */
export interface TrainOptions {
  /** Optimisation steps, ≥ 1 (default 2000). */
  steps?: number;
  /** Widths of the hidden layers: 1 to 8 layers of 1 to 1024 (default [128, 128, 128]). */
  hidden?: number[];
  /** Fourier frequencies of the log σ embedding, ≥ 0 (default 16). */
  freqs?: number;
  /** Examples per step, 1 to 4096 (default 128), drawn with replacement from the points. */
  batchSize?: number;
  /** Adam's learning rate, > 0 (default 1e-3). */
  lr?: number;
  /** Largest global gradient norm, ≥ 0; 0 does not clip (default 1). */
  gradClip?: number;
  /** Decay of the weights' exponential moving average, the network returned, in [0, 1] (default 0.99). */
  emaDecay?: number;
  /** The smallest noise level, > 0 and below the points' spread (default 0.01). */
  sigmaMin?: number;
  /** Number of noise levels, ≥ 2; default: NCSNv2's choice, with a ratio of at most 2 between levels. */
  levels?: number;
  /** The model's sampling default: annealed Langevin steps per level (default 100). */
  stepsPerLevel?: number;
  /** The model's sampling default: the step size technique 4 gives, times this, > 0 (default 1). */
  stepSizeScale?: number;
  /** Seed of the initial weights, the batches and the noise (default: random). */
  seed?: number;
  /** Called every `progressEvery` steps (default: about every 25 ms of training) and after the last. */
  onProgress?: (progress: TrainProgress) => void;
  progressEvery?: number;
  /** Aborts: trainModel rejects with ABORTED and nothing is kept. */
  signal?: AbortSignal;
  /** Stops early: trainModel resolves with the network trained so far (`stopped: true`). */
  stopSignal?: AbortSignal;
}

/** One progress report of {@link trainModel}. */
export interface TrainProgress {
  /** Steps done so far, 1 … totalSteps. */
  step: number;
  totalSteps: number;
  /** step / totalSteps. */
  fraction: number;
  /** The mean denoising score matching loss (σ²-weighted, per example) over the steps since the last report. */
  loss: number;
}

/** What {@link trainModel} resolves with. */
export interface TrainResult {
  /** The trained network (its EMA weights), ready to sample; dispose it when done. */
  model: ScoreModel;
  /** Its model file (.safetensors, architecture `ncsn-mlp`): loadModel(bytes) loads it again. */
  bytes: Uint8Array;
  /** Steps trained (fewer than `steps` when stopped). */
  steps: number;
  /** Whether `stopSignal` ended the run early. */
  stopped: boolean;
}

/** The class of every model (not constructed directly: use gaussianMixture() or loadModel()). */
export const ScoreModel: {
  prototype: ScoreModel;
};
