// Samples 16 digits from the pretrained `mnist` U-Net with the settings stored in its file, showing
// progress, and writes them as a 4 × 4 grid to digits.pgm (binary greyscale, viewable by most image
// viewers; `convert digits.pgm digits.png` makes a PNG).
//   node examples/node/digits.mjs [out.pgm]
import { writeFileSync } from 'node:fs';
import { backendInfo, imageGrid, loadModel } from 'score-wasm';

const out = process.argv[2] ?? 'digits.pgm';
const model = await loadModel('mnist');
const [height, width] = model.dataShape;
const { flavour, threads } = await backendInfo();
console.log(`score-wasm ${flavour} build, ${threads} threads; sampling 16 digits of ${height} × ${width}`);

const start = performance.now();
const samples = await model.sample({
  n: 16,
  seed: 1,
  onProgress: ({ fraction, level, levels }) => {
    process.stdout.write(`\r${(100 * fraction).toFixed(0).padStart(3)} %  (noise level ${level + 1} of ${levels})   `);
  },
});
console.log(`\ndone in ${((performance.now() - start) / 1000).toFixed(1)} s`);

// The grid's RGBA pixels (grey, so R = G = B); its gaps are transparent: drawn black here.
const grid = imageGrid(samples, { height, width, columns: 4, scale: 2, gap: 2 });
const grey = new Uint8Array(grid.width * grid.height);
for (let i = 0; i < grey.length; ++i) grey[i] = grid.data[4 * i + 3] === 255 ? grid.data[4 * i] : 0;
writeFileSync(out, Buffer.concat([Buffer.from(`P5\n${grid.width} ${grid.height}\n255\n`), grey]));
console.log(`wrote ${out} (${grid.width} × ${grid.height})`);
model.dispose();
