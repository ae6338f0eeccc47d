// The sampling loop a user of onnxruntime-web or TF.js writes around their network: NCSN's annealed
// Langevin dynamics with the model file's stored settings (the rule of src/samplers/sampler.cc),
// on Float32Arrays, with Box–Muller noise from Math.random.
//   x ← x + (α_i / 2) s(x, σ_i) + √α_i z,  α_i = ε (σ_i / σ_L)²,  then x ← x + σ_L² s(x, σ_L)
// score(x, sigma) → Promise<Float32Array> evaluates the peer's network on all n rows.
function gaussianFill(out) {
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - Math.random())), t = 2 * Math.PI * Math.random();
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
}

export async function annealedLangevin(score, n, dim, { sigmas, stepsPerLevel, stepSize, denoise }) {
  const x = new Float32Array(n * dim), z = new Float32Array(n * dim);
  gaussianFill(x);
  for (let i = 0; i < x.length; ++i) x[i] *= sigmas[0];
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
