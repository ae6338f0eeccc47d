// The shipped networks written with TF.js ops from a model file's weights (what a TF.js user would
// write from src/models/ncsn_mlp.h and ncsn_unet.h), for the peer benchmark. Images stay channels
// last (NHWC, TF.js's layout and ours), so the 3 × 3 weights are used as stored: (ky, kx, in) × out
// is tf.conv2d's [3, 3, in, out]. σ is one value per call (annealed Langevin evaluates every row at
// the same level), so the σ embedding is computed once per call, in JavaScript, as
// layers/sigma_embedding.cc does.
import * as tf from '@tensorflow/tfjs-core';

const GROUP_NORM_EPS = 1e-5;  // layers/group_norm.h

function sigmaEmbedding(freqs, sigma) {
  const f = freqs.length, out = new Float32Array(2 * f), logSigma = Math.log(sigma);
  for (let j = 0; j < f; ++j) {
    const angle = 2 * Math.PI * freqs[j] * logSigma;
    out[j] = Math.sin(angle);
    out[f + j] = Math.cos(angle);
  }
  return out;
}

const silu = (x) => tf.mul(x, tf.sigmoid(x));

// Returns score(x: Float32Array, sigma: number) → Promise<Float32Array> and a dispose().
export function tfjsNetwork({ architecture, config: c, tensors }) {
  const weights = {};
  for (const [name, { shape, values }] of Object.entries(tensors)) weights[name] = tf.tensor(values, shape);
  const freqs = tensors['sigma_embed.freqs'].values;
  const dense = (x, name) => tf.add(tf.matMul(x, weights[`${name}.weight`]), weights[`${name}.bias`]);
  const dim = architecture === 'ncsn-mlp' ? c.dim : c.data_shape.reduce((a, b) => a * b, 1);

  let forward;
  if (architecture === 'ncsn-mlp') {
    forward = (x, n, sigma) => {
      const emb = tf.tile(tf.tensor2d(sigmaEmbedding(freqs, sigma), [1, 2 * freqs.length]), [n, 1]);
      let h = tf.concat([tf.tensor2d(x, [n, dim]), emb], 1);
      for (let i = 0; i <= c.hidden.length; ++i) {
        h = dense(h, `layers.${i}`);
        if (i < c.hidden.length) h = silu(h);
      }
      return tf.mul(h, 1 / sigma);
    };
  } else {
    const [height, width, channels] = c.data_shape;
    const conv3x3 = (h, name, cin) => {
      const w = weights[`${name}.weight`];
      const filter = tf.reshape(w, [3, 3, cin, w.shape[1]]);
      return tf.add(tf.conv2d(h, filter, 1, 'same'), weights[`${name}.bias`]);
    };
    const conv1x1 = (h, name) => {
      const [n, hh, ww, cin] = h.shape;
      return tf.reshape(dense(tf.reshape(h, [n * hh * ww, cin]), name), [n, hh, ww, -1]);
    };
    const groupNormSilu = (h, name) => {
      const [n, hh, ww, ch] = h.shape;
      const grouped = tf.reshape(h, [n, hh * ww, c.groups, ch / c.groups]);
      const { mean, variance } = tf.moments(grouped, [1, 3], true);
      const normed = tf.reshape(tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, GROUP_NORM_EPS))), h.shape);
      return silu(tf.add(tf.mul(normed, weights[`${name}.weight`]), weights[`${name}.bias`]));
    };
    const block = (h, name, embed) => {
      const cin = h.shape[3];
      let a = conv3x3(groupNormSilu(h, `${name}.norm1`), `${name}.conv1`, cin);
      const cout = a.shape[3];
      a = tf.add(a, tf.reshape(dense(embed, `${name}.emb`), [1, 1, 1, cout]));
      a = conv3x3(groupNormSilu(a, `${name}.norm2`), `${name}.conv2`, cout);
      return tf.add(a, cin !== cout ? conv1x1(h, `${name}.skip`) : h);
    };
    // s = out · F(in · x) + skip · x, the factors of models/ncsn_unet.h's NcsnUnetPreconditioning
    // (EDM's when the file has sigma_data, else NCSNv2's F / σ), in double, then rounded to float.
    const preconditioning = (sigma) => {
      if (!c.sigma_data) return { in: 1, out: Math.fround(1 / Math.fround(sigma)), skip: 0 };
      const s = Math.fround(sigma), d = Math.fround(c.sigma_data), v = s * s + d * d, root = Math.sqrt(v);
      return { in: Math.fround(1 / root), out: Math.fround(d / (s * root)), skip: Math.fround(-1 / v) };
    };
    forward = (x, n, sigma) => {
      const p = preconditioning(sigma);
      const embed = silu(dense(tf.tensor2d(sigmaEmbedding(freqs, sigma), [1, 2 * freqs.length]), 'embed'));
      const images = tf.tensor4d(x, [n, height, width, channels]);
      let h = conv3x3(tf.mul(images, p.in), 'conv_in', channels);
      const skips = [];
      c.channels.forEach((_, l) => {
        h = block(h, `down.${l}`, embed);
        skips.push(h);
        if (l + 1 < c.channels.length) h = tf.avgPool(h, 2, 2, 'valid');
      });
      for (let l = c.channels.length - 2; l >= 0; --l) {
        const up = tf.image.resizeNearestNeighbor(conv1x1(h, `up.${l}.proj`), [height >> l, width >> l]);
        h = block(tf.add(up, skips[l]), `up.${l}`, embed);
      }
      h = conv3x3(groupNormSilu(h, 'norm_out'), 'conv_out', c.channels[0]);
      return tf.add(tf.mul(h, p.out), tf.mul(images, p.skip));
    };
  }
  return {
    async score(x, sigma) {
      const n = x.length / dim;
      const out = tf.tidy(() => forward(x, n, sigma));
      const values = await out.data();
      out.dispose();
      return values;
    },
    dispose() {
      for (const t of Object.values(weights)) t.dispose();
    },
  };
}
