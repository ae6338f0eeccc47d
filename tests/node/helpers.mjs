// Shared by the package tests: the NCSN two-mode mixture, statistics of samples, the analytic
// mixture score, a tiny ncsn-mlp model file built in plain JavaScript, the comparison of a batch of
// scores with a reference, and error assertions.
import assert from 'node:assert/strict';
import { ScoreWasmError } from 'score-wasm';

/** Asserts that `call()` rejects with a ScoreWasmError of `code` whose message matches `pattern`. */
export async function rejectsWith(call, code, pattern) {
  await assert.rejects(call, (error) => isScoreWasmError(error, code, pattern));
}

/** Asserts that `call()` throws (synchronously) a ScoreWasmError of `code` matching `pattern`. */
export function throwsWith(call, code, pattern) {
  assert.throws(call, (error) => isScoreWasmError(error, code, pattern));
}

function isScoreWasmError(error, code, pattern) {
  assert.ok(error instanceof ScoreWasmError, `not a ScoreWasmError: ${error}`);
  assert.equal(error.code, code, error.message);
  assert.match(error.message, pattern);
  return true;
}

/** The mixture of NCSN's Figure 3: weights 0.2 / 0.8, means (−5, −5) and (5, 5), unit stds. */
export const MIXTURE = Object.freeze({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], stds: [1, 1] });

/** Index of the nearest mean for each row of x (n × dim). */
export function nearestMean(x, means) {
  const dim = means[0].length;
  const labels = new Int32Array(x.length / dim);
  for (let i = 0; i < labels.length; ++i) {
    let best = Infinity;
    means.forEach((mu, k) => {
      let d2 = 0;
      for (let j = 0; j < dim; ++j) d2 += (x[i * dim + j] - mu[j]) ** 2;
      if (d2 < best) [best, labels[i]] = [d2, k];
    });
  }
  return labels;
}

/** Fraction of rows of x nearest to each mean. */
export function modeWeights(x, means) {
  const labels = nearestMean(x, means);
  return means.map((_, k) => labels.filter((l) => l === k).length / labels.length);
}

/** Per-coordinate mean and variance of the rows of x assigned to component k. */
export function modeMoments(x, means, k) {
  const dim = means[0].length;
  const labels = nearestMean(x, means);
  const mean = new Array(dim).fill(0);
  const variance = new Array(dim).fill(0);
  let count = 0;
  labels.forEach((l, i) => {
    if (l !== k) return;
    ++count;
    for (let j = 0; j < dim; ++j) mean[j] += x[i * dim + j];
  });
  for (let j = 0; j < dim; ++j) mean[j] /= count;
  labels.forEach((l, i) => {
    if (l === k) for (let j = 0; j < dim; ++j) variance[j] += (x[i * dim + j] - mean[j]) ** 2;
  });
  for (let j = 0; j < dim; ++j) variance[j] /= count - 1;
  return { mean, variance, count };
}

/**
 * The exact score of Σ w_k N(μ_k, (s_k² + σ²) I) at each point, in float64, responsibilities by
 * log-sum-exp: s(x) = Σ_k r_k(x) (μ_k − x) / (s_k² + σ²).
 */
export function mixtureScore({ weights, means, stds }, points, sigma) {
  const total = weights.reduce((a, b) => a + b);
  return points.map((x) => {
    const logits = means.map((mu, k) => {
      const v = stds[k] ** 2 + sigma ** 2;
      const d2 = mu.reduce((acc, m, j) => acc + (x[j] - m) ** 2, 0);
      return Math.log(weights[k] / total) - d2 / (2 * v) - (mu.length / 2) * Math.log(v);
    });
    const top = Math.max(...logits);
    const r = logits.map((l) => Math.exp(l - top));
    const z = r.reduce((a, b) => a + b);
    return x.map((xj, j) => means.reduce((acc, mu, k) =>
      acc + (r[k] / z) * (mu[j] - xj) / (stds[k] ** 2 + sigma ** 2), 0));
  });
}

/** A deterministic stream of numbers in [−scale, scale) (xorshift32), for test weights. */
export function pseudoRandom(seed, count, scale = 1) {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s / 2 ** 32 * 2 - 1) * scale;
  });
}

/**
 * Serialises tensors as .safetensors: an 8-byte little-endian header length, the JSON header
 * (padded with spaces to 8 bytes) and the raw little-endian data in the order given.
 * @param {Record<string, { shape: number[], data: Float32Array }>} tensors
 * @param {Record<string, string>} metadata
 */
export function writeSafetensors(tensors, metadata) {
  const header = { __metadata__: metadata };
  let offset = 0;
  for (const [name, { shape, data }] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const { data } of Object.values(tensors)) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

/**
 * A small random ncsn-mlp (see src/models/ncsn_mlp.h): its config, weights and file bytes.
 * `dataShape: null` leaves "data_shape" out of the config.
 */
export function tinyNcsnMlp({ dim = 2, hidden = [16, 16], freqs = 4, sigmas = [4, 2, 1, 0.5], sampling,
  dataShape = [dim] } = {}) {
  const config = { dim, hidden, sigma_embedding_freqs: freqs, sigmas };
  if (dataShape) config.data_shape = dataShape;
  if (sampling) config.sampling = sampling;
  const widths = [dim + 2 * freqs, ...hidden, dim];
  const tensors = { 'sigma_embed.freqs': { shape: [freqs], data: pseudoRandom(1, freqs, 1) } };
  for (let i = 0; i + 1 < widths.length; ++i) {
    const [fanIn, fanOut] = [widths[i], widths[i + 1]];
    tensors[`layers.${i}.weight`] = { shape: [fanIn, fanOut], data: pseudoRandom(10 + i, fanIn * fanOut, 1 / Math.sqrt(fanIn)) };
    tensors[`layers.${i}.bias`] = { shape: [fanOut], data: pseudoRandom(20 + i, fanOut, 0.1) };
  }
  const metadata = { format: 'score-wasm', architecture: 'ncsn-mlp', config: JSON.stringify(config) };
  return { config, tensors, bytes: writeSafetensors(tensors, metadata) };
}

/** The network's score at each point, in float64: y = MLP([x, sin(2πf log σ), cos(2πf log σ)]) / σ. */
export function ncsnMlpScore({ config, tensors }, points, sigma) {
  const f = tensors['sigma_embed.freqs'].data;
  const embedding = [...f].map((fj) => Math.sin(2 * Math.PI * fj * Math.log(sigma)))
    .concat([...f].map((fj) => Math.cos(2 * Math.PI * fj * Math.log(sigma))));
  const layers = config.hidden.length + 1;
  return points.map((x) => {
    let h = [...x, ...embedding];
    for (let i = 0; i < layers; ++i) {
      const { shape: [fanIn, fanOut], data: w } = tensors[`layers.${i}.weight`];
      const b = tensors[`layers.${i}.bias`].data;
      const next = Array.from({ length: fanOut }, (_, o) => {
        let acc = b[o];
        for (let k = 0; k < fanIn; ++k) acc += h[k] * w[k * fanOut + o];
        return acc;
      });
      h = i + 1 < layers ? next.map((v) => v / (1 + Math.exp(-v))) : next;
    }
    return h.map((v) => v / sigma);
  });
}

/**
 * Asserts ‖actual − expected‖∞ ≤ bound · ‖expected‖∞ over a batch of rows of dim values (relative
 * in the ∞-norm: float rounding follows the size of the hidden values, and a row's output can
 * cancel to near zero); returns ‖actual − expected‖∞ / ‖expected‖∞.
 */
export function assertBatchMatches(actual, expected, dim, label, bound = 1e-5) {
  assert.equal(actual.length, expected.length, label);
  let scale = 1e-30, worst = 0, at = 0;
  for (let i = 0; i < expected.length; ++i) {
    assert.ok(Number.isFinite(actual[i]), `${label}: value ${i} is ${actual[i]}`);
    scale = Math.max(scale, Math.abs(expected[i]));
    const d = Math.abs(actual[i] - expected[i]);
    if (d > worst) [worst, at] = [d, i];
  }
  assert.ok(worst <= bound * scale,
    `${label}: row ${Math.floor(at / dim)} differs by ${worst}, ${bound} · max|score| = ${bound * scale}`);
  return worst / scale;
}

/** Asserts |actual − expected| ≤ rel · max(|expected|, floor) elementwise; returns the worst ratio. */
export function assertClose(actual, expected, rel, floor, label) {
  let worst = 0;
  expected.forEach((e, i) => {
    const err = Math.abs(actual[i] - e) / (rel * Math.max(Math.abs(e), floor));
    if (!(err <= 1)) throw new Error(`${label}[${i}]: ${actual[i]} vs expected ${e} (rel tol ${rel})`);
    worst = Math.max(worst, err);
  });
  return worst;
}
