// `npm run bench:browser [-- --model mnist --n 1,16 --threads 1,2 --reps 5 --warmup 3]`: opens
// bench/browser/index.html in headless Chromium (Debian's, driven by playwright-core) from a
// cross-origin isolated local server, once per thread count (a fresh page each, so that no run's
// threads or JIT state leak into another's), and prints the page's medians as a table and as
// JSON (--json PATH). The figures are the browser's own: the same jobs as `npm run bench:peers`.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { serve } from '../../examples/serve.mjs';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mnist' }, n: { type: 'string', default: '1,16' },
    threads: { type: 'string', default: '1,2' }, reps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' }, json: { type: 'string' },
  },
});
const server = await serve({ port: 0, isolated: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
const results = [];
try {
  for (const threads of args.threads.split(',')) {
    const page = await browser.newPage();
    const query = new URLSearchParams({ model: args.model, n: args.n, threads, reps: args.reps, warmup: args.warmup });
    await page.goto(`${server.url}bench/browser/index.html?${query}`);
    await page.waitForFunction(() => ['done', 'error'].includes(window.bench?.state), null, { timeout: 0 });
    const bench = await page.evaluate(() => window.bench);
    if (bench.state === 'error') throw new Error(`the page failed: ${bench.error}`);
    if (!bench.crossOriginIsolated) throw new Error('the page is not cross-origin isolated');
    results.push(...bench.results);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`Chromium ${browser.version()}: ${args.model}, medians of ${args.reps} after ${args.warmup} s of warm-up`);
console.log('n      threads  build          evaluations  seconds  samples/s  GFLOP/s  speed-up');
for (const r of results) {
  const one = results.find((o) => o.n === r.n && o.threads === 1);
  const speedup = one && one !== r ? `${(one.seconds / r.seconds).toFixed(2)}x` : '';
  console.log(`${String(r.n).padEnd(7)}${String(r.threads).padEnd(9)}${r.flavour.padEnd(15)}` +
    `${String(r.evaluations).padEnd(13)}${r.seconds.toFixed(3).padEnd(9)}${(r.n / r.seconds).toFixed(2).padEnd(11)}` +
    `${(r.n * r.evaluations * r.flops / r.seconds / 1e9).toFixed(1).padEnd(9)}${speedup}`);
}
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
