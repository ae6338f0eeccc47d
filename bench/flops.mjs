// The cost of a network evaluation, for the JavaScript benchmarks (bench/peers/ in Node and
// bench/browser/ in a page): no Node or browser API, only the model's architecture and config.
// Floating-point operations per network evaluation of one sample (multiply-adds count 2), as
// NcsnUnetFlopsPerImage counts them for the U-Net (its convolutions) and 2 · Σ in · out for the MLP.
export function flopsPerEvaluation({ architecture, config: c }) {
  if (architecture === 'ncsn-mlp') {
    const widths = [c.dim + 2 * c.sigma_embedding_freqs, ...c.hidden, c.dim];
    return widths.slice(1).reduce((sum, out, i) => sum + 2 * widths[i] * out, 0);
  }
  const [height, width, channels] = c.data_shape;
  const block = (cin, cout, pixels) =>
    2 * pixels * (9 * cin * cout + 9 * cout * cout + (cin !== cout ? cin * cout : 0));
  let flops = 2 * height * width * 9 * channels * c.channels[0] * 2;  // conv_in and conv_out
  let cin = c.channels[0];
  c.channels.forEach((cout, l) => {
    flops += block(cin, cout, (height >> l) * (width >> l));
    cin = cout;
  });
  for (let l = 0; l + 1 < c.channels.length; ++l) {
    const pixels = (height >> l) * (width >> l);
    flops += block(c.channels[l], c.channels[l], pixels) + 2 * (pixels / 4) * c.channels[l + 1] * c.channels[l];
  }
  return flops;
}
