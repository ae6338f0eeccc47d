// The U-Net's backward pass: NcsnUnetForward's steps in reverse, layer by layer.
#include "train/unet_grad.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "kernels/elementwise.h"
#include "layers/conv3x3.h"
#include "layers/group_norm.h"
#include "layers/resample.h"

namespace sw {
namespace {

// One residual block backwards. d_out: d loss / d block output; d_in receives d loss / d block
// input; d embedding (rows × E) is ADDED to s->dembed.
void BlockBackward(const NcsnUnetWeights& wt, const NcsnUnetBlockLayout& b, const float* in,
                   const NcsnUnetBlockActivations& a, const NcsnUnetActivations& act,
                   const float* d_out, float* d_in, const TensorList& g, NcsnUnetGradScratch* s) {
  const auto& t = wt.tensors;
  const size_t rows = act.rows, groups = wt.config.groups, e = wt.config.embedding_dim;
  const ImageDims din{rows, b.h, b.w, b.cin}, dout{rows, b.h, b.w, b.cout};
  // out = conv2(act2) + skip(in)
  s->dact.resize(dout.size());
  Conv3x3Backward(a.act2.data(), dout, t[b.conv2].data(), b.cout, d_out, g[b.conv2]->data(),
                  g[b.conv2 + 1]->data(), s->dact.data(), &s->ops);
  s->dskip_in.resize(din.size());
  if (b.has_skip) {
    DenseBackward(in, din.pixels(), b.cin, b.cout, t[b.skip].data(), d_out, g[b.skip]->data(),
                  g[b.skip + 1]->data(), s->dskip_in.data(), &s->ops);
  } else {
    std::memcpy(s->dskip_in.data(), d_out, din.size() * sizeof(float));
  }
  // act2 = SiLU(norm2), norm2 = GroupNorm2(pre2)
  SiluBackward(a.norm2.data(), s->dact.data(), s->dact.data(), dout.size());
  s->dpre.resize(dout.size());
  GroupNormBackward(a.pre2.data(), dout, groups, t[b.norm2].data(), a.mean2.data(), a.rstd2.data(),
                    s->dact.data(), g[b.norm2]->data(), g[b.norm2 + 1]->data(), s->dpre.data());
  // pre2 = conv1(act1) + (e W_b + b_b)
  s->dbias.resize(rows * b.cout);
  ChannelBiasBackward(s->dpre.data(), dout, s->dbias.data());
  s->dembed_tmp.resize(rows * e);
  DenseBackward(act.embed.data(), rows, e, b.cout, t[b.emb].data(), s->dbias.data(),
                g[b.emb]->data(), g[b.emb + 1]->data(), s->dembed_tmp.data(), &s->ops);
  for (size_t i = 0; i < rows * e; ++i) s->dembed[i] += s->dembed_tmp[i];
  s->dact.resize(din.size());
  Conv3x3Backward(a.act1.data(), din, t[b.conv1].data(), b.cout, s->dpre.data(), g[b.conv1]->data(),
                  g[b.conv1 + 1]->data(), s->dact.data(), &s->ops);
  // act1 = SiLU(norm1), norm1 = GroupNorm1(in)
  SiluBackward(a.norm1.data(), s->dact.data(), s->dact.data(), din.size());
  GroupNormBackward(in, din, groups, t[b.norm1].data(), a.mean1.data(), a.rstd1.data(),
                    s->dact.data(), g[b.norm1]->data(), g[b.norm1 + 1]->data(), d_in);
  for (size_t i = 0; i < din.size(); ++i) d_in[i] += s->dskip_in[i];
}

}  // namespace

void NcsnUnetBackward(const NcsnUnetWeights& wt, const NcsnUnetLayout& layout, const float* dscore,
                      const NcsnUnetActivations& act, const TensorList& g, NcsnUnetGradScratch* s) {
  const NcsnUnetConfig& c = wt.config;
  const auto& t = wt.tensors;
  const size_t rows = act.rows, levels = c.channels.size(), dim = c.dim();
  const size_t e = c.embedding_dim, f2 = 2 * c.sigma_embedding_freqs;
  if (rows == 0) return;
  s->dembed.assign(rows * e, 0.0f);
  // score = conv_out(act_out) / σ
  s->dy.resize(rows * dim);
  for (size_t r = 0; r < rows; ++r) {
    f32_scale(dscore + r * dim, 1.0f / act.sigma[r], s->dy.data() + r * dim, dim);
  }
  const ImageDims d0{rows, c.height, c.width, c.channels[0]};
  s->dh.resize(d0.size());
  Conv3x3Backward(act.act_out.data(), d0, t[layout.conv_out].data(), c.image_channels, s->dy.data(),
                  g[layout.conv_out]->data(), g[layout.conv_out + 1]->data(), s->dh.data(),
                  &s->ops);
  SiluBackward(act.norm_out.data(), s->dh.data(), s->dh.data(), d0.size());
  const float* h_top = levels > 1 ? act.up[0].out.data() : act.down[0].out.data();
  s->dnext.resize(d0.size());
  GroupNormBackward(h_top, d0, c.groups, t[layout.norm_out].data(), act.mean_out.data(),
                    act.rstd_out.data(), s->dh.data(), g[layout.norm_out]->data(),
                    g[layout.norm_out + 1]->data(), s->dnext.data());
  std::swap(s->dh, s->dnext);  // s->dh: d loss / d (output of the last block)

  // Up path, in reverse: level 0 first.
  s->dskip.resize(levels - 1);
  for (size_t l = 0; l + 1 < levels; ++l) {
    const NcsnUnetBlockLayout& b = layout.up[l];
    const ImageDims high{rows, b.h, b.w, b.cout}, low{rows, b.h / 2, b.w / 2, b.cout};
    std::vector<float>& dmerged = s->dskip[l];  // merged = Upsample2(proj) + skip_l
    dmerged.resize(high.size());
    BlockBackward(wt, b, act.merged[l].data(), act.up[l], act, s->dh.data(), dmerged.data(), g, s);
    std::vector<float>& dproj = s->dnext;
    dproj.resize(low.size());
    Upsample2Backward(dmerged.data(), low, dproj.data());
    const float* proj_in =
        l + 2 < levels ? act.up[l + 1].out.data() : act.down[levels - 1].out.data();
    const size_t cin = c.channels[l + 1];
    s->dh.resize(low.pixels() * cin);
    DenseBackward(proj_in, low.pixels(), cin, b.cout, t[layout.proj[l]].data(), dproj.data(),
                  g[layout.proj[l]]->data(), g[layout.proj[l] + 1]->data(), s->dh.data(), &s->ops);
  }
  // Down path, in reverse. s->dh: d loss / d down[levels - 1].out.
  for (size_t l = levels; l-- > 0;) {
    const NcsnUnetBlockLayout& b = layout.down[l];
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
    BlockBackward(wt, b, in, act.down[l], act, s->dh.data(), s->dnext.data(), g, s);
    std::swap(s->dh, s->dnext);
  }
  // h_in = conv_in(x): the input needs no gradient.
  Conv3x3Backward(act.x.data(), ImageDims{rows, c.height, c.width, c.image_channels},
                  t[layout.conv_in].data(), c.channels[0], s->dh.data(), g[layout.conv_in]->data(),
                  g[layout.conv_in + 1]->data(), nullptr, &s->ops);
  // embed = SiLU(embed_in W_e + b_e)
  SiluBackward(act.embed_pre.data(), s->dembed.data(), s->dembed.data(), rows * e);
  DenseBackward(act.embed_in.data(), rows, f2, e, t[layout.embed].data(), s->dembed.data(),
                g[layout.embed]->data(), g[layout.embed + 1]->data(), nullptr, &s->ops);
}

namespace {

class TrainableUnet;

class UnetTape : public TrainTape {
 public:
  explicit UnetTape(const TrainableUnet* net) : net_(net) {}
  void Forward(const float* x, const float* sigma, size_t rows, float* score) override;
  void Backward(const float* dscore, const TensorList& grads) override;

 private:
  const TrainableUnet* net_;
  NcsnUnetActivations act_;
  NcsnUnetGradScratch scratch_;
};

class TrainableUnet : public TrainableNetwork {
 public:
  explicit TrainableUnet(NcsnUnetWeights weights)
      : weights_(std::move(weights)), layout_(MakeNcsnUnetLayout(weights_.config)) {
    for (const TensorSpec& spec : NcsnUnetTensorSpecs(weights_.config)) names_.push_back(spec.name);
  }
  size_t dim() const override { return weights_.config.dim(); }
  const std::vector<float>& sigmas() const override { return weights_.config.sigmas; }
  TensorList Parameters() override {
    TensorList list;
    for (std::vector<float>& t : weights_.tensors) list.push_back(&t);
    return list;
  }
  std::vector<std::string> ParameterNames() const override { return names_; }
  // Images are heavy: 8 per chunk keeps the activations of a chunk within a few MB per image and
  // gives a batch of 64 eight chunks to share between threads.
  size_t TrainChunkRows() const override { return 8; }
  std::unique_ptr<TrainableNetwork> Clone() const override {
    return std::make_unique<TrainableUnet>(weights_);
  }
  std::unique_ptr<TrainTape> NewTape() const override { return std::make_unique<UnetTape>(this); }
  Status ToSafetensors(SafetensorsFile* out) const override {
    return NcsnUnetWeightsToSafetensors(weights_, out);
  }

  const NcsnUnetWeights& weights() const { return weights_; }
  const NcsnUnetLayout& layout() const { return layout_; }

 private:
  NcsnUnetWeights weights_;
  NcsnUnetLayout layout_;
  std::vector<std::string> names_;
};

void UnetTape::Forward(const float* x, const float* sigma, size_t rows, float* score) {
  NcsnUnetForward(net_->weights(), net_->layout(), x, sigma, rows, &act_, score);
}

void UnetTape::Backward(const float* dscore, const TensorList& grads) {
  NcsnUnetBackward(net_->weights(), net_->layout(), dscore, act_, grads, &scratch_);
}

}  // namespace

Status MakeTrainableNcsnUnet(NcsnUnetWeights weights, std::unique_ptr<TrainableNetwork>* out) {
  const Status valid = ValidateNcsnUnetWeights(weights);
  if (!valid.ok()) return InvalidArgument(valid.message());
  *out = std::make_unique<TrainableUnet>(std::move(weights));
  return Status::Ok();
}

}  // namespace sw
