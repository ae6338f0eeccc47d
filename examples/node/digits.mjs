// Samples 16 digits from the pretrained `mnist` U-Net with the settings stored in its file, showing
// progress, and writes them as a 4 × 4 grid to a PNG file (encoded by the npm package pngjs:
// `npm install score-wasm pngjs`).
//   node examples/node/digits.mjs [out.png] [seed]
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { backendInfo, imageGrid, loadModel } from 'score-wasm';

const out = process.argv[2] ?? 'digits.png';
const seed = Number(process.argv[3] ?? 1);
const model = await loadModel('mnist');
const [height, width] = model.dataShape;
const { flavour, threads } = await backendInfo();
console.log(`score-wasm ${flavour} build, ${threads} threads; sampling 16 digits of ${height} × ${width}`);

const start = performance.now();
const samples = await model.sample({
  n: 16,
  seed,
  onProgress: ({ fraction, level, levels }) => {
    process.stdout.write(`\r${(100 * fraction).toFixed(0).padStart(3)} %  (noise level ${level + 1} of ${levels})   `);
  },
});
console.log(`\ndone in ${((performance.now() - start) / 1000).toFixed(1)} s`);
model.dispose();

// imageGrid gives RGBA pixels, the layout a PNG of colour type 6 stores; its gaps are transparent.
const grid = imageGrid(samples, { height, width, columns: 4, scale: 2, gap: 2 });
const png = new PNG({ width: grid.width, height: grid.height });
png.data.set(grid.data);
writeFileSync(out, PNG.sync.write(png));
console.log(`wrote ${out} (${grid.width} × ${grid.height})`);
