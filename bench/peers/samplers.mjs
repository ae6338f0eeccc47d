// The sampling loops a user of onnxruntime-web or TF.js writes around their network, on
// Float32Arrays with Box–Muller noise from Math.random, following the rules of
// src/samplers/sampler.cc and samplers/sampling_rules.cc for a model file's stored sampler:
// - annealed Langevin (NCSN): x ← x + (α_i / 2) s(x, σ_i) + √α_i z, α_i = ε (σ_i / σ_L)², over the
//   file's levels and steps per level, then the denoising step x ← x + σ_L² s(x, σ_L);
// - predictor-corrector (VE SDE): on geometric levels from the file's largest to smallest σ, at each
//   level corrector Langevin steps with ε_i = 2 (snr σ_i)², then the reverse-diffusion step to the
//   next level, x ← x + δ s(x, σ_i) + √δ z with δ = σ_i² − σ_{i+1}² (σ after the last is 0; that
//   step has no noise when the file denoises);
// - reverse diffusion: the predictor-corrector loop without its corrector steps;
// - the probability-flow ODE with Heun steps over Karras levels (ρ = 7), then the denoising step.
// score(x, sigma) → Promise<Float32Array> evaluates the peer's network on all n rows.
function gaussianFill(out) {
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - Math.random())), t = 2 * Math.PI * Math.random();
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
}

function gaussianStart(n, dim, sigma) {
  const x = new Float32Array(n * dim);
  gaussianFill(x);
  for (let i = 0; i < x.length; ++i) x[i] *= sigma;
  return x;
}

const geometric = (max, min, levels) =>
  Array.from({ length: levels }, (_, i) => (levels === 1 ? max : max * (min / max) ** (i / (levels - 1))));
const karras = (max, min, levels, rho = 7) => Array.from({ length: levels }, (_, i) =>
  (max ** (1 / rho) + (i / (levels - 1)) * (min ** (1 / rho) - max ** (1 / rho))) ** rho);

async function annealedLangevin(score, n, dim, { sigmas, steps_per_level: stepsPerLevel, step_size: stepSize,
  denoise }) {
  const x = gaussianStart(n, dim, sigmas[0]), z = new Float32Array(n * dim);
  const sigmaL = sigmas.at(-1);
  let evaluations = 0;
  for (const sigma of sigmas) {
    const alpha = stepSize * (sigma / sigmaL) ** 2, half = alpha / 2, noise = Math.sqrt(alpha);
    for (let t = 0; t < stepsPerLevel; ++t) {
      const s = await score(x, sigma);
      gaussianFill(z);
      for (let i = 0; i < x.length; ++i) x[i] += half * s[i] + noise * z[i];
      ++evaluations;
    }
  }
  if (denoise) {
    const s = await score(x, sigmaL);
    for (let i = 0; i < x.length; ++i) x[i] += sigmaL * sigmaL * s[i];
    ++evaluations;
  }
  return { x, evaluations };
}

async function predictorCorrector(score, n, dim, { sigmas, denoise, correctorSteps = 1, snr = 0.16 }) {
  const x = gaussianStart(n, dim, sigmas[0]), z = new Float32Array(n * dim);
  let evaluations = 0;
  for (let level = 0; level < sigmas.length; ++level) {
    const sigma = sigmas[level];
    const eps = 2 * (snr * sigma) ** 2, noise = Math.sqrt(2 * eps);
    for (let c = 0; c < correctorSteps; ++c) {
      const s = await score(x, sigma);
      gaussianFill(z);
      for (let i = 0; i < x.length; ++i) x[i] += eps * s[i] + noise * z[i];
      ++evaluations;
    }
    const next = level + 1 < sigmas.length ? sigmas[level + 1] : 0;
    const delta = sigma * sigma - next * next;
    const predictorNoise = level + 1 === sigmas.length && denoise ? 0 : Math.sqrt(delta);
    const s = await score(x, sigma);
    gaussianFill(z);
    for (let i = 0; i < x.length; ++i) x[i] += delta * s[i] + predictorNoise * z[i];
    ++evaluations;
  }
  return { x, evaluations };
}

async function probabilityFlowHeun(score, n, dim, { sigmas, denoise }) {
  const x = gaussianStart(n, dim, sigmas[0]), trial = new Float32Array(n * dim);
  let evaluations = 0;
  for (let level = 0; level + 1 < sigmas.length; ++level) {
    const sigma = sigmas[level], next = sigmas[level + 1];
    const drift = (sigma - next) * sigma, driftNext = (sigma - next) * next;
    const s = await score(x, sigma);
    for (let i = 0; i < x.length; ++i) trial[i] = x[i] + drift * s[i];
    const sNext = await score(trial, next);
    for (let i = 0; i < x.length; ++i) x[i] += (drift / 2) * s[i] + (driftNext / 2) * sNext[i];
    evaluations += 2;
  }
  if (denoise) {
    const sigma = sigmas.at(-1), s = await score(x, sigma);
    for (let i = 0; i < x.length; ++i) x[i] += sigma * sigma * s[i];
    ++evaluations;
  }
  return { x, evaluations };
}

/**
 * The loop for a model file's config (its "sigmas" and "sampling"): resolves the schedule as the
 * package does for the file's own sampler and returns run(score, n, dim) → { x, evaluations }.
 */
export function storedSampler(config) {
  // Keys a file leaves out take the package's defaults (index.d.ts, ModelConfig.sampling).
  const sampling = { sampler: 'annealed-langevin', steps_per_level: 100, step_size: 2e-5, denoise: true,
    ...config.sampling };
  const trained = config.sigmas;
  const [max, min] = [trained[0], trained.at(-1)];
  switch (sampling.sampler) {
    case 'annealed-langevin':
      return (score, n, dim) => annealedLangevin(score, n, dim, { ...sampling, sigmas: trained });
    case 'pc':
      return (score, n, dim) => predictorCorrector(score, n, dim,
        { sigmas: geometric(max, min, sampling.steps || 500), denoise: sampling.denoise });
    case 'reverse-diffusion':
      return (score, n, dim) => predictorCorrector(score, n, dim,
        { sigmas: geometric(max, min, sampling.steps || 500), denoise: sampling.denoise, correctorSteps: 0 });
    case 'ode':
      return (score, n, dim) => probabilityFlowHeun(score, n, dim,
        { sigmas: karras(max, min, sampling.steps || 18), denoise: sampling.denoise });
    default:
      throw new Error(`no JavaScript loop for the stored sampler '${sampling.sampler}'`);
  }
}
