// The score-SDE samplers through the package: the mixture's weights on the exact score,
// determinism across threads, 'pc' without correctors equal to 'reverse-diffusion', the evaluation
// count in the progress reports, and options refused with messages that name them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianMixture, init, shutdown } from 'score-wasm';
import { MIXTURE, nearestMean } from './helpers.mjs';

await init({ threads: 2 });
const gmm = await gaussianMixture(MIXTURE);
after(() => shutdown());

const base = { n: 4000, sigmaMax: 60, sigmaMin: 0.01, denoise: true, seed: 5 };
// Each sampler's options for the weights, and quicker ones for the thread check.
const SAMPLERS = {
  'reverse-diffusion': [{ sampler: 'reverse-diffusion', steps: 200 }, { sampler: 'reverse-diffusion', steps: 20 }],
  'pc': [{ sampler: 'pc', steps: 100 }, { sampler: 'pc', steps: 20 }],
  'ode': [{ sampler: 'ode', steps: 30 }, { sampler: 'ode', steps: 20 }],
  'ode rk45': [{ sampler: 'ode', solver: 'rk45' }, { sampler: 'ode', solver: 'rk45', rtol: 1e-3, atol: 1e-3 }],
};

for (const [name, [full, quick]] of Object.entries(SAMPLERS)) {
  test(`${name}: recovers the mixture's weights`, async () => {
    const x = await gmm.sample({ ...base, ...full });
    const labels = nearestMean(x, MIXTURE.means);
    const small = labels.filter((k) => k === 0).length / labels.length;
    // 4 standard errors of a proportion, plus 0.01 for the VE prior's stand-in (sde_sampler_test.cc).
    assert.ok(Math.abs(small - 0.2) < 4 * Math.sqrt(0.2 * 0.8 / base.n) + 0.01, `small mode ${small}`);
  });

  test(`${name}: one and two threads give bit-identical samples`, async () => {
    const one = await gmm.sample({ ...base, n: 999, ...quick, threads: 1 });
    const two = await gmm.sample({ ...base, n: 999, ...quick, threads: 2 });
    assert.deepEqual(new Uint32Array(two.buffer), new Uint32Array(one.buffer));
  });
}

test("'rk45' reports its fraction, its mean evaluations, and gives each sample its own steps", async () => {
  const reports = [];
  const x = await gmm.sample({ ...base, n: 200, sampler: 'ode', solver: 'rk45', onProgress: (p) => reports.push(p) });
  assert.ok(reports.length > 1);
  for (let i = 1; i < reports.length; ++i) assert.ok(reports[i].fraction >= reports[i - 1].fraction);
  const last = reports.at(-1);
  assert.equal(last.fraction, 1);
  assert.equal(last.totalSteps, 0);
  assert.equal(last.levels, 2);
  assert.equal(last.level, 1);
  assert.ok(last.evaluations > 20 && last.evaluations < 1000, `${last.evaluations} evaluations`);
  // The first 50 samples alone are the same bits as the first 50 of the 200.
  const alone = await gmm.sample({ ...base, n: 50, sampler: 'ode', solver: 'rk45' });
  assert.deepEqual(new Uint32Array(alone.buffer), new Uint32Array(x.buffer, 0, 100));
});

test("'pc' with correctorSteps 0 is 'reverse-diffusion', bit for bit", async () => {
  const pc = await gmm.sample({ ...base, n: 500, sampler: 'pc', steps: 40, correctorSteps: 0 });
  const rd = await gmm.sample({ ...base, n: 500, sampler: 'reverse-diffusion', steps: 40 });
  assert.deepEqual(new Uint32Array(pc.buffer), new Uint32Array(rd.buffer));
});

test('progress reports count network evaluations: two per Heun step, and the denoising step', async () => {
  const reports = [];
  await gmm.sample({ ...base, n: 10, sampler: 'ode', steps: 10, onProgress: (p) => reports.push(p) });
  const last = reports.at(-1);
  assert.equal(last.fraction, 1);
  assert.equal(last.totalSteps, 10);  // 9 Heun steps and the denoising step
  assert.equal(last.evaluations, 19);
  assert.equal(last.levels, 10);
  const pcReports = [];
  await gmm.sample({ ...base, n: 10, sampler: 'pc', steps: 5, correctorSteps: 2, onProgress: (p) => pcReports.push(p) });
  assert.equal(pcReports.at(-1).evaluations, 15);
  assert.equal(pcReports.at(-1).totalSteps, 15);
});

test('inpainting keeps the known values exactly and fills the rest from the right mode', async () => {
  // x0 = 5 is known: the mode at (5, 5) (the other sits 10 standard deviations away).
  const x = await gmm.sample({ ...base, n: 2000, sampler: 'pc', steps: 200, known: [5, 0], mask: [1, 0] });
  let onMode = 0;
  for (let i = 0; i < 2000; ++i) {
    assert.equal(x[2 * i], 5);
    if (x[2 * i + 1] > 0) ++onMode;
  }
  assert.ok(onMode > 1980, `${onMode} of 2000 on the mode`);
  // Per-sample values as rows.
  const rows = await gmm.sample({ n: 2, sampler: 'annealed-langevin', sigmas: [20, 1], stepsPerLevel: 10,
    stepSize: 0.1, seed: 1, known: [[1, 2], [3, 4]], mask: new Uint8Array([1, 0, 0, 1]) });
  assert.equal(rows[0], 1);
  assert.equal(rows[3], 4);
  await assert.rejects(gmm.sample({ ...base, n: 2, sampler: 'ode', known: [1, 2], mask: [1, 0] }),
    /inpainting \(known, mask\) works with/);
  await assert.rejects(gmm.sample({ ...base, n: 2, sampler: 'pc', known: [1, 2], mask: [1, 2] }), /mask\[1\] must be 0 or 1/);
  await assert.rejects(gmm.sample({ ...base, n: 2, sampler: 'pc', known: [1, 2] }), /needs both known/);
  await assert.rejects(gmm.sample({ ...base, n: 2, sampler: 'pc', known: [1, 2, 3], mask: [1, 0, 1] }),
    /mask must hold dim = 2 or n × dim = 4 values/);
});

test('decode(encode(x)) returns x within the solver error', async () => {
  const x = await gmm.sample({ ...base, n: 500, sampler: 'pc', steps: 100 });
  const options = { steps: 200, sigmaMax: 60, sigmaMin: 0.01 };
  const latents = await gmm.encode(x, options);
  let sum2 = 0;
  for (const v of latents) sum2 += v * v;
  assert.ok(Math.abs(Math.sqrt(sum2 / latents.length) / 60 - 1) < 0.1, 'latents spread like N(0, sigmaMax²)');
  const back = await gmm.decode(latents, options);
  let worst = 0;
  for (let i = 0; i < x.length; ++i) worst = Math.max(worst, Math.abs(back[i] - x[i]));
  assert.ok(worst < 0.05, `worst coordinate error ${worst}`);
  // The adaptive solver, tighter.
  const adaptive = { solver: 'rk45', rtol: 1e-6, atol: 1e-6, sigmaMax: 60, sigmaMin: 0.01 };
  const back45 = await gmm.decode(await gmm.encode(x, adaptive), adaptive);
  worst = 0;
  for (let i = 0; i < x.length; ++i) worst = Math.max(worst, Math.abs(back45[i] - x[i]));
  assert.ok(worst < 0.005, `rk45: worst coordinate error ${worst}`);
  await assert.rejects(gmm.encode(x, { ...options, denoise: true }), /unknown option 'denoise'/);
  await assert.rejects(gmm.encode([[1]], options), /points/);
});

test('logProb matches the mixture\'s log-density, exactly and with probes, and refuses bad options', async () => {
  // The mixture's σ-perturbed density in closed form: the two modes of MIXTURE (std 1 each).
  const points = [[-5, -5], [5, 5], [0, 0], [4, 6], [-6, -3.5]];
  const sigma = 0.01;
  const exact = points.map(([a, b]) => {
    const v = 1 + sigma ** 2;
    const terms = MIXTURE.means.map(([ma, mb], k) =>
      Math.log(MIXTURE.weights[k]) - Math.log(2 * Math.PI * v) - ((a - ma) ** 2 + (b - mb) ** 2) / (2 * v));
    const top = Math.max(...terms);
    return top + Math.log(terms.reduce((s, t) => s + Math.exp(t - top), 0));
  });
  // The prior N(0, sigmaMax² I) stands in for p_sigmaMax, whose mean is the mixture's, (3, 3) here:
  // that costs about |mean| · |x(sigmaMax)| / sigmaMax² ≈ 6 / sigmaMax nats (0.09 measured at 60).
  const reports = [];
  const lp = await gmm.logProb(points, { sigmaMax: 500, sigmaMin: sigma, onProgress: (p) => reports.push(p) });
  assert.ok(lp instanceof Float64Array);
  lp.forEach((v, i) => assert.ok(Math.abs(v - exact[i]) < 0.03, `point ${i}: ${v} against ${exact[i]}`));
  assert.equal(reports.at(-1).fraction, 1);
  assert.equal(reports.at(-1).evaluations, 199 * 2 * 3);  // 199 Heun steps × (score + 2 products)
  const probed = await gmm.logProb(points, { sigmaMax: 500, sigmaMin: sigma, probes: 8, seed: 1 });
  const again = await gmm.logProb(points, { sigmaMax: 500, sigmaMin: sigma, probes: 8, seed: 1, threads: 1 });
  assert.deepEqual(probed, again);
  probed.forEach((v, i) => assert.ok(Math.abs(v - exact[i]) < 0.5, `probed point ${i}: ${v} against ${exact[i]}`));
  await assert.rejects(gmm.logProb(points), /sigmaMax is required/);
  await assert.rejects(gmm.logProb(points, { sigmaMax: 60, sigmaMin: sigma, probes: -1 }), /probes must be/);
  const adaptive = await gmm.logProb(points, { sigmaMax: 500, sigmaMin: sigma, solver: 'rk45' });
  adaptive.forEach((v, i) => assert.ok(Math.abs(v - exact[i]) < 0.03, `rk45 point ${i}: ${v} against ${exact[i]}`));
  await assert.rejects(gmm.logProb(points, { sigmaMax: 60, sigmaMin: sigma, solver: 'rk4' }), /solver must be 'heun' or 'rk45'/);
  await assert.rejects(gmm.logProb(points, { sigmaMax: 60, sigmaMin: sigma, solver: 'rk45', steps: 10 }),
    /steps is for fixed steps/);
  await assert.rejects(gmm.logProb(points, { sigmaMax: 60, sigmaMin: sigma, rtol: 1e-3 }), /unknown option 'rtol'/);
  await assert.rejects(gmm.logProb([[1, Number.NaN]], { sigmaMax: 60, sigmaMin: sigma }), /points/);
});

test('options are refused with messages that name them', async () => {
  const cases = [
    [{ sampler: 'pc', steps: 10 }, /sigmaMax is required/],
    [{ ...base, sampler: 'ode', correctorSteps: 1 }, /unknown option 'correctorSteps' for sampler 'ode'/],
    [{ ...base, sampler: 'reverse-diffusion', stepSize: 0.1 }, /unknown option 'stepSize' for sampler 'reverse-diffusion'/],
    [{ ...base, sampler: 'pc', solver: 'heun' }, /unknown option 'solver' for sampler 'pc'/],
    [{ ...base, sampler: 'ode', solver: 'rk4' }, /solver must be 'heun' or 'rk45'/],
    [{ ...base, sampler: 'ode', solver: 'rk45', steps: 10 }, /steps is for fixed steps/],
    [{ ...base, sampler: 'ode', rtol: 1e-3 }, /unknown option 'rtol' for sampler 'ode' with solver 'heun'/],
    [{ ...base, sampler: 'pc', atol: 1e-3 }, /unknown option 'atol' for sampler 'pc'/],
    [{ ...base, sampler: 'ode', solver: 'rk45', rtol: 2 }, /rtol must be a number in \(0, 1\)/],
    [{ ...base, sampler: 'ode', solver: 'rk45', atol: Number.NaN }, /atol must be a number in \(0, 1\)/],
    [{ ...base, sampler: 'pc', snr: -1 }, /snr must be > 0/],
    [{ ...base, sampler: 'pc', correctorSteps: -1 }, /correctorSteps must be a non-negative integer/],
    [{ ...base, sampler: 'ode', steps: 1 }, /levels must be an integer in \[2/],
    [{ ...base, sampler: 'pc', sigmaMax: 0.001 }, /min < max/],
    [{ ...base, sampler: 'annealed-langevin', sigmas: [2, 1], stepSize: 0.1, sigmaMax: 3 }, /unknown option 'sigmaMax'/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(gmm.sample({ n: 10, ...options }), (error) => {
      assert.equal(error.code, 'INVALID_ARGUMENT', `${JSON.stringify(options)}: ${error.message}`);
      assert.match(error.message, message);
      return true;
    });
  }
  // The module stays usable.
  assert.equal((await gmm.sample({ ...base, n: 3, sampler: 'ode', steps: 5 })).length, 6);
});
