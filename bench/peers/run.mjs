// `npm run bench:peers` (through bench/peers/run.sh, which builds what this needs): the shipped
// jobs on score-wasm and on the runtimes a user would pick instead, one child process per
// (job, runtime, threads) (bench/peers/job.mjs), and a table of medians with the ratio
// peer time / our time at the same thread count. TF.js-wasm runs one thread under Node as shipped:
// at 2 threads it is compared with that one-thread run (marked "1*").
//   node bench/peers/run.mjs --onnx-dir DIR --peak PATH [--jobs mnist:1,mnist:16,mnist:64,moons:10000]
//        [--runtimes score-wasm,onnxruntime-web,tfjs-wasm] [--threads 1,2] [--reps 5] [--warmup 3]
//        [--json FILE]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: 'mnist:1,mnist:16,mnist:64,moons:10000' },
    runtimes: { type: 'string', default: 'score-wasm,onnxruntime-web,tfjs-wasm' },
    threads: { type: 'string', default: '1,2' },
    reps: { type: 'string', default: '5' }, warmup: { type: 'string', default: '3' },
    'onnx-dir': { type: 'string' }, peak: { type: 'string' }, json: { type: 'string' },
  },
});
const job = fileURLToPath(new URL('job.mjs', import.meta.url));
const results = [];
const fmt = (v, digits) => v.toFixed(digits).padStart(8);

for (const spec of args.jobs.split(',')) {
  const [model, n] = spec.split(':');
  console.log(`\n== ${model}, n = ${n} (medians of ${args.reps} after ${args.warmup} s of warm-up)`);
  console.log('runtime            threads  seconds  evals/s  GFLOP/s  % peak cpu/wall  peer/ours');
  const byThreads = {};
  for (const threads of args.threads.split(',').map(Number)) {
    for (const runtime of args.runtimes.split(',')) {
      const ranThreads = runtime === 'tfjs-wasm' ? 1 : threads;
      let r = results.find((x) => x.model === model && x.n === Number(n) && x.runtime === runtime &&
                                  x.threads === ranThreads);
      if (!r) {
        const out = execFileSync(process.execPath, [job, '--runtime', runtime, '--threads', String(ranThreads),
          '--model', model, '--n', n, '--reps', args.reps, '--warmup', args.warmup,
          '--onnx-dir', args['onnx-dir'], '--peak', args.peak], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
        r = JSON.parse(out.trim().split('\n').at(-1));
        results.push(r);
      }
      (byThreads[threads] ??= {})[runtime] = r;
      const ours = byThreads[threads]['score-wasm'];
      const ratio = ours && runtime !== 'score-wasm' ? `${(r.seconds / ours.seconds).toFixed(2)}×` : '';
      console.log(`${runtime.padEnd(18)} ${(ranThreads === threads ? String(threads) : `${ranThreads}*`).padStart(7)}` +
        `${fmt(r.seconds, 3)} ${fmt(r.evaluationsPerSecond, 0)} ${fmt(r.gflops, 2)} ${fmt(100 * r.fractionOfPeak, 1)}` +
        ` ${fmt(r.cpuPerWall, 2)} ${ratio.padStart(10)}`);
    }
  }
  const one = byThreads[1]?.['score-wasm'], two = byThreads[2]?.['score-wasm'];
  if (one && two) console.log(`score-wasm 1 → 2 threads: ${(one.seconds / two.seconds).toFixed(2)}×`);
}
console.log(`\npeak: the per-thread WASM SIMD f32x4 mul+add peak measured in each process after each run` +
  ` (median over all runs ${results.map((r) => r.peakGflops).sort((a, b) => a - b)[Math.floor(results.length / 2)].toFixed(1)} GFLOP/s);` +
  ` % peak = GFLOP/s / (threads × peak)`);
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 1));
