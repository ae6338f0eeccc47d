// The explorer's drawing: particles and heat maps go through ImageData and typed arrays, and the
// vector work per frame is a few hundred path segments, so one animation frame stays a few
// milliseconds even with four samplers of thousands of particles each.

/** One colour per mode of the mixture (at most MODE_COLORS.length modes). */
export const MODE_COLORS = ['#d9480f', '#1c63b7', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c2255c', '#5c940d'];
export const NETWORK_COLOR = '#1c63b7';

// ImageData pixels read as one little-endian uint32 each: 0xAABBGGRR.
export function packColor(hex, alpha = 255) {
  const v = parseInt(hex.slice(1), 16);
  return ((alpha << 24) | ((v & 0xff) << 16) | (v & 0xff00) | (v >> 16)) >>> 0;
}

// Colour ramps for the heat maps, sampled into 256-entry lookup tables once.
const DENSITY_STOPS = ['#ffffff', '#dbe9f8', '#8fbbe8', '#3a7fc8', '#1b4a8f', '#0c2147'];
const FIELD_STOPS = ['#ffffff', '#fff4e6', '#ffe0b8', '#ffc078'];
const DENSITY_LUT = ramp(DENSITY_STOPS);
const FIELD_LUT = ramp(FIELD_STOPS);

function ramp(stops) {
  const rgb = stops.map((hex) => {
    const v = parseInt(hex.slice(1), 16);
    return [v >> 16, (v >> 8) & 0xff, v & 0xff];
  });
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; ++i) {
    const t = (i / 255) * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(t));
    const f = t - k;
    const [r, g, b] = [0, 1, 2].map((c) => Math.round(rgb[k][c] + f * (rgb[k + 1][c] - rgb[k][c])));
    lut[i] = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
  }
  return lut;
}

/**
 * The square [cx − h, cx + h] × [cy − h, cy + h] of data space on a canvas of `size` pixels
 * (y points up).
 */
export function makeView({ cx, cy, h }, size) {
  const scale = size / (2 * h);
  return {
    cx, cy, h, size, scale,
    toPx: (x, y) => [(x - cx + h) * scale, (cy + h - y) * scale],
    toData: (px, py) => [cx - h + px / scale, cy + h - py / scale],
  };
}

/**
 * A canvas of particles: a background rendered once per model (vector drawing read back as pixels),
 * then per frame a copy of it with each particle written as a small square of pixels.
 */
export class ParticleCanvas {
  constructor(canvas, dot) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.image = this.ctx.createImageData(canvas.width, canvas.height);
    this.pixels = new Uint32Array(this.image.data.buffer);
    this.background = new Uint32Array(this.pixels.length);
    this.dot = dot;
  }

  /** Renders the background with `paint(ctx)` and keeps its pixels. */
  setBackground(paint) {
    const { ctx, canvas } = this;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    paint(ctx);
    this.background.set(new Uint32Array(ctx.getImageData(0, 0, canvas.width, canvas.height).data.buffer));
  }

  /** The background and the particles of `samples` (n × 2), particle i in colour `colors[i]`. */
  draw(samples, view, colors) {
    const { pixels, dot } = this;
    const { width, height } = this.canvas;
    pixels.set(this.background);
    const half = dot >> 1;
    for (let i = 0, n = samples.length >> 1; i < n; ++i) {
      const [fx, fy] = view.toPx(samples[2 * i], samples[2 * i + 1]);
      const x0 = Math.round(fx) - half;
      const y0 = Math.round(fy) - half;
      if (!(x0 > -dot && x0 < width && y0 > -dot && y0 < height)) continue;  // outside, or NaN
      const color = colors[i];
      for (let y = Math.max(0, y0); y < Math.min(height, y0 + dot); ++y) {
        for (let x = Math.max(0, x0); x < Math.min(width, x0 + dot); ++x) pixels[y * width + x] = color;
      }
    }
    this.ctx.putImageData(this.image, 0, 0);
  }

  /** Only the background (no particles yet). */
  clear() {
    this.pixels.set(this.background);
    this.ctx.putImageData(this.image, 0, 0);
  }
}

/**
 * A canvas of a 2-D histogram: `bins` × `bins` counts coloured on a square-root scale into a small
 * image, scaled up (smoothed) to the canvas, with an overlay drawn on top.
 */
export class DensityCanvas {
  constructor(canvas, bins = 64) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.bins = bins;
    this.counts = new Uint32Array(bins * bins);
    this.small = document.createElement('canvas');
    this.small.width = this.small.height = bins;
    this.smallCtx = this.small.getContext('2d');
    this.image = this.smallCtx.createImageData(bins, bins);
    this.pixels = new Uint32Array(this.image.data.buffer);
    this.overlay = () => {};
  }

  draw(samples, view) {
    const { bins, counts, pixels } = this;
    counts.fill(0);
    const perBin = bins / (2 * view.h);
    let max = 0;
    for (let i = 0, n = samples.length >> 1; i < n; ++i) {
      const bx = Math.floor((samples[2 * i] - view.cx + view.h) * perBin);
      const by = Math.floor((view.cy + view.h - samples[2 * i + 1]) * perBin);
      if (!(bx >= 0 && bx < bins && by >= 0 && by < bins)) continue;
      const c = ++counts[by * bins + bx];
      if (c > max) max = c;
    }
    const norm = max > 0 ? 1 / Math.sqrt(max) : 0;
    for (let k = 0; k < counts.length; ++k) pixels[k] = DENSITY_LUT[Math.round(255 * Math.sqrt(counts[k]) * norm)];
    this.#show();
  }

  clear() {
    this.pixels.fill(DENSITY_LUT[0]);
    this.#show();
  }

  #show() {
    const { ctx, canvas } = this;
    this.smallCtx.putImageData(this.image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.small, 0, 0, canvas.width, canvas.height);
    this.overlay(ctx);
  }
}

/**
 * The density of a Gaussian mixture perturbed to σ (its variances s_k² + σ²), as a pale heat map
 * behind the score arrows. Evaluated on a coarse grid: about 9000 exponentials per mode.
 */
const FIELD_BINS = 96;
let fieldImage = null;  // { small, sctx, image, pixels, values }, made at the first use

export function drawMixtureDensity(ctx, view, mixture, sigma) {
  const { weights, means, stds } = mixture;
  const total = weights.reduce((a, b) => a + b, 0);
  const bins = FIELD_BINS;
  if (!fieldImage) {
    const small = document.createElement('canvas');
    small.width = small.height = bins;
    const sctx = small.getContext('2d');
    const image = sctx.createImageData(bins, bins);
    fieldImage = { small, sctx, image, pixels: new Uint32Array(image.data.buffer),
      values: new Float32Array(bins * bins) };
  }
  const { small, sctx, image, pixels, values } = fieldImage;
  let max = 0;
  for (let j = 0; j < bins; ++j) {
    for (let i = 0; i < bins; ++i) {
      const [x, y] = view.toData((i + 0.5) * view.size / bins, (j + 0.5) * view.size / bins);
      let p = 0;
      for (let k = 0; k < weights.length; ++k) {
        const v = stds[k] ** 2 + sigma ** 2;
        p += (weights[k] / total) / v * Math.exp(-((x - means[k][0]) ** 2 + (y - means[k][1]) ** 2) / (2 * v));
      }
      values[j * bins + i] = p;
      if (p > max) max = p;
    }
  }
  const norm = max > 0 ? 1 / max : 0;
  for (let k = 0; k < values.length; ++k) pixels[k] = FIELD_LUT[Math.round(255 * Math.sqrt(values[k] * norm))];
  sctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, view.size, view.size);
}

/**
 * Arrows of the score at `points` (m × 2) from `scores` (m × 2): each points along s(x, σ); its
 * length grows with log(1 + |s|) relative to the largest on the grid, so both the strong pull
 * far out and the weak one near a mode stay visible.
 */
export function drawArrows(ctx, view, points, scores, cell, { color = '#3b4754', width = 1 } = {}) {
  let maxLog = 0;
  for (let k = 0; k < scores.length; k += 2) {
    maxLog = Math.max(maxLog, Math.log1p(Math.hypot(scores[k], scores[k + 1])));
  }
  if (!(maxLog > 0)) return;
  const head = 3.5 * width;
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  for (let k = 0; k < points.length; k += 2) {
    const [sx, sy] = [scores[k], scores[k + 1]];
    const norm = Math.hypot(sx, sy);
    if (!(norm > 0) || !Number.isFinite(norm)) continue;
    const length = cell * 0.85 * (0.3 + 0.7 * Math.log1p(norm) / maxLog);
    const [px, py] = view.toPx(points[k], points[k + 1]);
    const [ux, uy] = [sx / norm, -sy / norm];  // canvas y points down
    const [x0, y0] = [px - ux * length / 2, py - uy * length / 2];
    const [x1, y1] = [px + ux * length / 2, py + uy * length / 2];
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.moveTo(x1 - head * (ux - 0.6 * uy), y1 - head * (uy + 0.6 * ux));
    ctx.lineTo(x1, y1);
    ctx.lineTo(x1 - head * (ux + 0.6 * uy), y1 - head * (uy - 0.6 * ux));
  }
  ctx.stroke();
}

/** Points of a square grid of `count` × `count` cell centres over the view, and the cell size in pixels. */
export function gridPoints(view, count) {
  const points = new Float32Array(2 * count * count);
  const cell = view.size / count;
  for (let j = 0; j < count; ++j) {
    for (let i = 0; i < count; ++i) {
      const [x, y] = view.toData((i + 0.5) * cell, (j + 0.5) * cell);
      points[2 * (j * count + i)] = x;
      points[2 * (j * count + i) + 1] = y;
    }
  }
  return { points, cell };
}

// ---- the data sets of the shipped models, as outlines --------------------------------------------

function curve(ctx, view, f, t0, t1, steps = 120) {
  ctx.beginPath();
  for (let i = 0; i <= steps; ++i) {
    const [px, py] = view.toPx(...f(t0 + (t1 - t0) * (i / steps)));
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.stroke();
}

/** Where each shipped 2-D model's data lie, and how to outline them (as on the pretrained page). */
export const NETWORK_VIEWS = {
  'moons': { cx: 0.5, cy: 0.25, h: 1.8, outline(ctx, view) {
    curve(ctx, view, (t) => [Math.cos(t), Math.sin(t)], 0, Math.PI);
    curve(ctx, view, (t) => [1 - Math.cos(t), 0.5 - Math.sin(t)], 0, Math.PI);
  } },
  'swiss-roll': { cx: 0, cy: 0, h: 3.3, outline(ctx, view) {
    curve(ctx, view, (t) => [t * Math.cos(t) / 5, t * Math.sin(t) / 5], 1.5 * Math.PI, 4.5 * Math.PI, 400);
  } },
  'rings': { cx: 0, cy: 0, h: 4.6, outline(ctx, view) {
    for (let k = 0; k < 8; ++k) {
      const [x, y] = [3 * Math.cos(k * Math.PI / 4), 3 * Math.sin(k * Math.PI / 4)];
      curve(ctx, view, (t) => [x + 0.5 * Math.cos(t), y + 0.5 * Math.sin(t)], 0, 2 * Math.PI, 48);
    }
  } },
  'checkerboard': { cx: 0, cy: 0, h: 4.6, outline(ctx, view) {
    for (let col = 0; col < 4; ++col) {
      for (let row = col % 2; row < 4; row += 2) {
        const [x0, y0] = view.toPx(-4 + 2 * col, -2 + 2 * row);
        const [x1, y1] = view.toPx(-2 + 2 * col, -4 + 2 * row);
        ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
        ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
      }
    }
  } },
};
