// The U-Net's backward pass: NcsnUnetForward's steps in reverse, layer by layer, over views of the
// weights and of their gradients.
#include <algorithm>
#include <cstring>
#include <utility>

#include "kernels/elementwise.h"
#include "layers/conv3x3.h"
#include "layers/group_norm.h"
#include "layers/resample.h"
#include "models/ncsn_unet.h"

namespace sw {
namespace {

// One residual block backwards. d_out: d loss / d block output; d_in receives d loss / d block
// input; d embedding (rows × E) is ADDED to s->dembed.
void BlockBackward(const NcsnUnetConfig& c, const UnetBlock<const float>& b,
                   const UnetBlock<float>& g, const float* in, const NcsnUnetBlockActivations& a,
                   const NcsnUnetActivations& act, const float* d_out, float* d_in,
                   NcsnUnetGradScratch* s) {
  const size_t rows = act.rows, groups = c.groups, e = c.embedding_dim;
  const ImageDims din{rows, b.h, b.w, b.cin}, dout{rows, b.h, b.w, b.cout};
  // out = conv2(act2) + skip(in)
  s->dact.resize(dout.size());
  Conv3x3Backward(a.act2.data(), dout, b.conv2.w, b.cout, d_out, g.conv2.w, g.conv2.b,
                  s->dact.data(), &s->ops);
  s->dskip_in.resize(din.size());
  if (b.has_skip) {
    DenseBackward(in, din.pixels(), b.cin, b.cout, b.skip.w, d_out, g.skip.w, g.skip.b,
                  s->dskip_in.data(), &s->ops);
  } else {
    std::memcpy(s->dskip_in.data(), d_out, din.size() * sizeof(float));
  }
  // act2 = SiLU(norm2), norm2 = GroupNorm2(pre2)
  SiluBackward(a.norm2.data(), s->dact.data(), s->dact.data(), dout.size());
  s->dpre.resize(dout.size());
  GroupNormBackward(a.pre2.data(), dout, groups, b.norm2.gamma, a.mean2.data(), a.rstd2.data(),
                    s->dact.data(), g.norm2.gamma, g.norm2.beta, s->dpre.data());
  // pre2 = conv1(act1) + (e W_b + b_b)
  s->dbias.resize(rows * b.cout);
  ChannelBiasBackward(s->dpre.data(), dout, s->dbias.data());
  s->dembed_tmp.resize(rows * e);
  DenseBackward(act.embed.data(), rows, e, b.cout, b.emb.w, s->dbias.data(), g.emb.w, g.emb.b,
                s->dembed_tmp.data(), &s->ops);
  for (size_t i = 0; i < rows * e; ++i) s->dembed[i] += s->dembed_tmp[i];
  s->dact.resize(din.size());
  Conv3x3Backward(a.act1.data(), din, b.conv1.w, b.cout, s->dpre.data(), g.conv1.w, g.conv1.b,
                  s->dact.data(), &s->ops);
  // act1 = SiLU(norm1), norm1 = GroupNorm1(in)
  SiluBackward(a.norm1.data(), s->dact.data(), s->dact.data(), din.size());
  GroupNormBackward(in, din, groups, b.norm1.gamma, a.mean1.data(), a.rstd1.data(), s->dact.data(),
                    g.norm1.gamma, g.norm1.beta, d_in);
  for (size_t i = 0; i < din.size(); ++i) d_in[i] += s->dskip_in[i];
}

}  // namespace

void NcsnUnetBackward(const NcsnUnetConfig& c, const NcsnUnetView& net, const float* dscore,
                      const NcsnUnetActivations& act, const NcsnUnetGrads& g,
                      NcsnUnetGradScratch* s, float* dx) {
  const size_t rows = act.rows, levels = c.channels.size(), dim = c.dim();
  const size_t e = c.embedding_dim, f2 = 2 * c.sigma_embedding_freqs;
  if (rows == 0) return;
  s->dembed.assign(rows * e, 0.0f);
  // score = out(σ) · conv_out(act_out) + skip(σ) · x
  s->dy.resize(rows * dim);
  for (size_t r = 0; r < rows; ++r) {
    f32_scale(dscore + r * dim, NcsnUnetPreconditioning(c, act.sigma[r]).out,
              s->dy.data() + r * dim, dim);
  }
  const ImageDims d0{rows, c.height, c.width, c.channels[0]};
  s->dh.resize(d0.size());
  Conv3x3Backward(act.act_out.data(), d0, net.conv_out.w, c.image_channels, s->dy.data(),
                  g.conv_out.w, g.conv_out.b, s->dh.data(), &s->ops);
  SiluBackward(act.norm_out.data(), s->dh.data(), s->dh.data(), d0.size());
  const float* h_top = levels > 1 ? act.up[0].out.data() : act.down[0].out.data();
  s->dnext.resize(d0.size());
  GroupNormBackward(h_top, d0, c.groups, net.norm_out.gamma, act.mean_out.data(),
                    act.rstd_out.data(), s->dh.data(), g.norm_out.gamma, g.norm_out.beta,
                    s->dnext.data());
  std::swap(s->dh, s->dnext);  // s->dh: d loss / d (output of the last block)

  // Up path, in reverse: level 0 first.
  s->dskip.resize(levels - 1);
  for (size_t l = 0; l + 1 < levels; ++l) {
    const UnetBlock<const float>& b = net.up[l];
    const ImageDims high{rows, b.h, b.w, b.cout}, low{rows, b.h / 2, b.w / 2, b.cout};
    std::vector<float>& dmerged = s->dskip[l];  // merged = Upsample2(proj) + skip_l
    dmerged.resize(high.size());
    BlockBackward(c, b, g.up[l], act.merged[l].data(), act.up[l], act, s->dh.data(), dmerged.data(),
                  s);
    std::vector<float>& dproj = s->dnext;
    dproj.resize(low.size());
    Upsample2Backward(dmerged.data(), low, dproj.data());
    const float* proj_in =
        l + 2 < levels ? act.up[l + 1].out.data() : act.down[levels - 1].out.data();
    const size_t cin = c.channels[l + 1];
    s->dh.resize(low.pixels() * cin);
    DenseBackward(proj_in, low.pixels(), cin, b.cout, net.proj[l].w, dproj.data(), g.proj[l].w,
                  g.proj[l].b, s->dh.data(), &s->ops);
  }
  // Down path, in reverse. s->dh: d loss / d down[levels - 1].out.
  for (size_t l = levels; l-- > 0;) {
    const UnetBlock<const float>& b = net.down[l];
    const ImageDims dout{rows, b.h, b.w, b.cout};
    if (l + 1 < levels) {
      // down[l].out feeds the pool (s->dh is d loss / d pooled[l]) and the skip of up level l.
      s->dnext.resize(dout.size());
      AvgPool2Backward(s->dh.data(), dout, s->dnext.data());
      for (size_t i = 0; i < dout.size(); ++i) s->dnext[i] += s->dskip[l][i];
      std::swap(s->dh, s->dnext);
    }
    const float* in = l > 0 ? act.pooled[l - 1].data() : act.h_in.data();
    s->dnext.resize(rows * b.h * b.w * b.cin);
    BlockBackward(c, b, g.down[l], in, act.down[l], act, s->dh.data(), s->dnext.data(), s);
    std::swap(s->dh, s->dnext);
  }
  // h_in = conv_in(in(σ) · x); dx, when asked for, is d loss / d x (through conv_in and the skip).
  Conv3x3Backward(act.x.data(), ImageDims{rows, c.height, c.width, c.image_channels}, net.conv_in.w,
                  c.channels[0], s->dh.data(), g.conv_in.w, g.conv_in.b, dx, &s->ops);
  if (dx != nullptr && c.sigma_data != 0.0f) {
    for (size_t r = 0; r < rows; ++r) {
      const UnetPreconditioning p = NcsnUnetPreconditioning(c, act.sigma[r]);
      float* d = dx + r * dim;
      for (size_t i = 0; i < dim; ++i) d[i] = p.in * d[i] + p.skip * dscore[r * dim + i];
    }
  }
  // embed = SiLU(embed_in W_e + b_e)
  SiluBackward(act.embed_pre.data(), s->dembed.data(), s->dembed.data(), rows * e);
  DenseBackward(act.embed_in.data(), rows, f2, e, net.embed.w, s->dembed.data(), g.embed.w,
                g.embed.b, nullptr, &s->ops);
}

}  // namespace sw
