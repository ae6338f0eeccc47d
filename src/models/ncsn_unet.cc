// The noise-conditional U-Net: config (de)serialisation, the walk of the architecture that gives
// its tensor table and views, and the forward pass (image layers over the dense kernel). The
// backward pass is in ncsn_unet_backward.cc.
#include "models/ncsn_unet.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/memory_budget.h"
#include "io/json_text.h"
#include "kernels/conv3x3.h"
#include "kernels/dense.h"
#include "kernels/elementwise.h"
#include "layers/conv3x3.h"
#include "layers/group_norm.h"
#include "layers/resample.h"
#include "layers/sigma_embedding.h"
#include "models/model_file_keys.h"

namespace sw {
namespace {

using Json = nlohmann::json;
constexpr char kArch[] = "ncsn-unet";
// Far above a browser-sized network, far below any size_t overflow in the products below.
constexpr uint64_t kMaxSide = 4096, kMaxChannels = 4096, kMaxLevels = 8, kMaxFreqs = 4096;
// Values per image (H · W · C): 64 MiB of f32. With the bounds above every product of sizes in this
// file then fits in 64 bits (pixels · 9 · channels < 2^41), and dim() in a 32-bit size_t.
constexpr uint64_t kMaxDim = uint64_t{1} << 24;

Status BadConfig(const std::string& message) { return config_json::Bad(kArch, message); }

// Walks the architecture once in storage order, calling bind(spec) for every tensor and keeping
// the pointer it returns in the view. The tensor table, the weights' view and the gradients' view
// are all this walk (with different binds), so they can never disagree. A tensor's Philox init
// stream is its index in the table.
template <class F, class Bind>
UnetTensors<F> Walk(const NcsnUnetConfig& c, Bind&& bind) {
  UnetTensors<F> net;
  uint64_t index = 0;
  const auto add = [&](const std::string& name, std::vector<int64_t> shape, TensorInit init,
                       bool trainable = true) -> F* {
    return bind(TensorSpec{name, std::move(shape), init, index++, trainable});
  };
  const auto linear = [&](const std::string& name, size_t in, size_t out) {
    UnetLinear<F> l;
    l.w = add(name + ".weight", {int64_t(in), int64_t(out)}, TensorInit::kNormalFanIn);
    l.b = add(name + ".bias", {int64_t(out)}, TensorInit::kZeros);
    return l;
  };
  const auto norm = [&](const std::string& name, size_t channels) {
    UnetNorm<F> n;
    n.gamma = add(name + ".weight", {int64_t(channels)}, TensorInit::kOnes);
    n.beta = add(name + ".bias", {int64_t(channels)}, TensorInit::kZeros);
    return n;
  };
  const size_t e = c.embedding_dim;
  const auto block = [&](const std::string& name, size_t cin, size_t cout, size_t level) {
    UnetBlock<F> b;
    b.cin = cin, b.cout = cout, b.h = c.height >> level, b.w = c.width >> level;
    b.norm1 = norm(name + ".norm1", cin);
    b.conv1 = linear(name + ".conv1", 9 * cin, cout);
    b.emb = linear(name + ".emb", e, cout);
    b.norm2 = norm(name + ".norm2", cout);
    b.conv2 = linear(name + ".conv2", 9 * cout, cout);
    b.has_skip = cin != cout;
    if (b.has_skip) b.skip = linear(name + ".skip", cin, cout);
    return b;
  };
  const size_t levels = c.channels.size();
  net.freqs = add(kSigmaEmbeddingFreqsName, {int64_t(c.sigma_embedding_freqs)},
                  TensorInit::kStandardNormal, /*trainable=*/false);
  net.embed = linear("embed", 2 * c.sigma_embedding_freqs, e);
  net.conv_in = linear("conv_in", 9 * c.image_channels, c.channels[0]);
  size_t cin = c.channels[0];
  for (size_t l = 0; l < levels; ++l) {
    net.down.push_back(block("down." + std::to_string(l), cin, c.channels[l], l));
    cin = c.channels[l];
  }
  net.up.resize(levels - 1);
  net.proj.resize(levels - 1);
  for (size_t l = levels - 1; l-- > 0;) {
    const std::string name = "up." + std::to_string(l);
    net.proj[l] = linear(name + ".proj", c.channels[l + 1], c.channels[l]);
    net.up[l] = block(name, c.channels[l], c.channels[l], l);
  }
  net.norm_out = norm("norm_out", c.channels[0]);
  net.conv_out = linear("conv_out", 9 * c.channels[0], c.image_channels);
  return net;
}

// The sizes alone (every pointer null), for the cost and memory estimates.
NcsnUnetView Geometry(const NcsnUnetConfig& c) {
  return Walk<const float>(c, [](const TensorSpec&) -> const float* { return nullptr; });
}

ConstTensorList Slots(const NcsnUnetWeights& w) {
  ConstTensorList slots = {&w.freqs};
  for (const std::vector<float>& t : w.tensors) slots.push_back(&t);
  return slots;
}

TensorList Slots(NcsnUnetWeights* w, size_t trainable) {
  w->tensors.resize(trainable);
  TensorList slots = {&w->freqs};
  for (std::vector<float>& t : w->tensors) slots.push_back(&t);
  return slots;
}

Status AsInvalidArgument(const Status& status) {
  return status.ok() ? status : InvalidArgument(status.message());
}

}  // namespace

Status ValidateNcsnUnetConfig(const NcsnUnetConfig& c) {
  if (c.height < 1 || c.height > kMaxSide || c.width < 1 || c.width > kMaxSide) {
    return BadConfig("data_shape: height and width must be 1 to " + std::to_string(kMaxSide));
  }
  if (c.image_channels < 1 || c.image_channels > kMaxChannels) {
    return BadConfig("data_shape: the channel count must be 1 to " + std::to_string(kMaxChannels));
  }
  if (uint64_t{c.height} * c.width * c.image_channels > kMaxDim) {
    return BadConfig("data_shape " + std::to_string(c.height) + " x " + std::to_string(c.width) +
                     " x " + std::to_string(c.image_channels) + " holds more than " +
                     std::to_string(kMaxDim) + " values per image");
  }
  if (c.channels.empty() || c.channels.size() > kMaxLevels) {
    return BadConfig("channels must list 1 to " + std::to_string(kMaxLevels) +
                     " channel counts (one per resolution level)");
  }
  if (c.groups < 1 || c.groups > kMaxChannels) {
    return BadConfig("groups must be 1 to " + std::to_string(kMaxChannels));
  }
  for (size_t l = 0; l < c.channels.size(); ++l) {
    if (c.channels[l] < 1 || c.channels[l] > kMaxChannels || c.channels[l] % c.groups != 0) {
      return BadConfig("channels[" + std::to_string(l) + "] = " + std::to_string(c.channels[l]) +
                       "; expected 1 to " + std::to_string(kMaxChannels) +
                       " and a multiple of groups = " + std::to_string(c.groups));
    }
  }
  const size_t scale = size_t{1} << (c.channels.size() - 1);
  if (c.height % scale != 0 || c.width % scale != 0) {
    return BadConfig("data_shape " + std::to_string(c.height) + " x " + std::to_string(c.width) +
                     " cannot be halved " + std::to_string(c.channels.size() - 1) +
                     " times (one per level below the first)");
  }
  if (c.sigma_embedding_freqs < 1 || c.sigma_embedding_freqs > kMaxFreqs) {
    return BadConfig("sigma_embedding_freqs must be 1 to " + std::to_string(kMaxFreqs));
  }
  if (c.embedding_dim < 1 || c.embedding_dim > kMaxChannels) {
    return BadConfig("embedding_dim must be 1 to " + std::to_string(kMaxChannels));
  }
  SW_RETURN_IF_ERROR(config_json::ValidateSigmas(kArch, c.sigmas));
  if (c.has_sampling) SW_RETURN_IF_ERROR(config_json::ValidateSampling(kArch, c.sampling));
  // NaN fails both comparisons; the bounds keep σ_d² and 1/σ_d well inside f32.
  if (!(c.sigma_data == 0.0f || (c.sigma_data >= 1e-3f && c.sigma_data <= 1e3f))) {
    return BadConfig("sigma_data = " + std::to_string(c.sigma_data) +
                     "; expected 0.001 to 1000 (or absent: no preconditioning)");
  }
  return Status::Ok();
}

UnetPreconditioning NcsnUnetPreconditioning(const NcsnUnetConfig& config, float sigma) {
  UnetPreconditioning p;
  if (config.sigma_data == 0.0f) {
    p.out = 1.0f / sigma;
    return p;
  }
  const double s = sigma, d = config.sigma_data, v = s * s + d * d, root = std::sqrt(v);
  p.in = static_cast<float>(1.0 / root);
  p.out = static_cast<float>(d / (s * root));
  p.skip = static_cast<float>(-1.0 / v);
  return p;
}

TensorTable NcsnUnetTensorTable(const NcsnUnetConfig& config) {
  TensorTable table;
  Walk<const float>(config, [&](const TensorSpec& spec) -> const float* {
    table.push_back(spec);
    return nullptr;
  });
  return table;
}

NcsnUnetView ViewNcsnUnet(const NcsnUnetWeights& weights) {
  size_t next = 0;
  const ConstTensorList slots = Slots(weights);
  return Walk<const float>(weights.config,
                           [&](const TensorSpec&) { return slots[next++]->data(); });
}

TensorList NcsnUnetTensors(NcsnUnetWeights* weights) {
  return Slots(weights, weights->tensors.size());
}

NcsnUnetGrads ViewNcsnUnetGrads(const NcsnUnetConfig& config, const TensorList& grads) {
  size_t next = 0;
  return Walk<float>(config, [&](const TensorSpec& spec) -> float* {
    return spec.trainable ? grads[next++]->data() : nullptr;
  });
}

Status ValidateNcsnUnetWeights(const NcsnUnetWeights& weights) {
  SW_RETURN_IF_ERROR(ValidateNcsnUnetConfig(weights.config));
  return CheckTableTensors(kArch, NcsnUnetTensorTable(weights.config), Slots(weights));
}

Status ParseNcsnUnetConfig(const std::string& text, NcsnUnetConfig* out) {
  try {  // the parse does not throw; this only guards native builds against a surprise
    Json root;
    SW_RETURN_IF_ERROR(config_json::ParseObject(
        kArch, text,
        {"data_shape", "channels", "groups", "sigma_embedding_freqs", "embedding_dim", "sigmas",
         "sampling", "sigma_data"},
        {"data_shape", "channels", "groups", "sigma_embedding_freqs", "embedding_dim", "sigmas"},
        &root));
    const auto field = [&](const char* key) -> const Json& { return *root.find(key); };
    const auto read_list = [&](const char* key, size_t min_len, size_t max_len,
                               std::vector<size_t>* list) -> Status {
      const Json& v = field(key);
      if (!v.is_array() || v.size() < min_len || v.size() > max_len) {
        return BadConfig(std::string(key) + " = " + JsonExcerpt(v) + "; expected " +
                         std::to_string(min_len) + " to " + std::to_string(max_len) + " integers");
      }
      for (size_t i = 0; i < v.size(); ++i) {
        uint64_t n;
        SW_RETURN_IF_ERROR(config_json::ReadInteger(
            kArch, v[i], std::string(key) + "[" + std::to_string(i) + "]", 1, kMaxSide, &n));
        list->push_back(static_cast<size_t>(n));
      }
      return Status::Ok();
    };
    NcsnUnetConfig c;
    std::vector<size_t> shape;
    SW_RETURN_IF_ERROR(read_list("data_shape", 3, 3, &shape));
    c.height = shape[0], c.width = shape[1], c.image_channels = shape[2];
    SW_RETURN_IF_ERROR(read_list("channels", 1, kMaxLevels, &c.channels));
    uint64_t n;
    SW_RETURN_IF_ERROR(
        config_json::ReadInteger(kArch, field("groups"), "groups", 1, kMaxChannels, &n));
    c.groups = static_cast<size_t>(n);
    SW_RETURN_IF_ERROR(config_json::ReadInteger(kArch, field("sigma_embedding_freqs"),
                                                "sigma_embedding_freqs", 1, kMaxFreqs, &n));
    c.sigma_embedding_freqs = static_cast<size_t>(n);
    SW_RETURN_IF_ERROR(config_json::ReadInteger(kArch, field("embedding_dim"), "embedding_dim", 1,
                                                kMaxChannels, &n));
    c.embedding_dim = static_cast<size_t>(n);
    SW_RETURN_IF_ERROR(config_json::ReadSigmas(kArch, field("sigmas"), &c.sigmas));
    if (auto it = root.find("sampling"); it != root.end()) {
      SW_RETURN_IF_ERROR(config_json::ReadSampling(kArch, *it, &c.sampling));
      c.has_sampling = true;
    }
    if (auto it = root.find("sigma_data"); it != root.end()) {
      // Range-checked as a double: a double outside float's range has no float to cast to.
      const double d = it->is_number() ? it->get<double>() : -1.0;
      if (!(d >= 1e-3 && d <= 1e3)) {
        return BadConfig("sigma_data = " + JsonExcerpt(*it) + "; expected a number, 0.001 to 1000");
      }
      c.sigma_data = static_cast<float>(d);
    }
    SW_RETURN_IF_ERROR(ValidateNcsnUnetConfig(c));
    *out = std::move(c);
    return Status::Ok();
  } catch (const std::exception& e) {
    return BadConfig(std::string("unexpected error: ") + e.what());
  }
}

std::string NcsnUnetConfigToJson(const NcsnUnetConfig& c) {
  nlohmann::ordered_json j;
  j["data_shape"] = {c.height, c.width, c.image_channels};
  j["channels"] = c.channels;
  j["groups"] = c.groups;
  j["sigma_embedding_freqs"] = c.sigma_embedding_freqs;
  j["embedding_dim"] = c.embedding_dim;
  // As doubles: the shortest text that reads back as the same double, hence the same float.
  j["sigmas"] = std::vector<double>(c.sigmas.begin(), c.sigmas.end());
  if (c.has_sampling) j["sampling"] = config_json::SamplingToJson(c.sampling);
  if (c.sigma_data != 0.0f) j["sigma_data"] = static_cast<double>(c.sigma_data);
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Status NcsnUnetWeightsFromSafetensors(const SafetensorsFile& file, NcsnUnetWeights* out) {
  std::string config_json;
  SW_RETURN_IF_ERROR(ModelFileConfig(kArch, file, &config_json));
  NcsnUnetWeights weights;
  SW_RETURN_IF_ERROR(ParseNcsnUnetConfig(config_json, &weights.config));
  const TensorTable table = NcsnUnetTensorTable(weights.config);
  SW_RETURN_IF_ERROR(ReadTableTensors(kArch, table, file, Slots(&weights, table.size() - 1)));
  *out = std::move(weights);
  return Status::Ok();
}

Status NcsnUnetWeightsToSafetensors(const NcsnUnetWeights& weights, SafetensorsFile* out) {
  SW_RETURN_IF_ERROR(AsInvalidArgument(ValidateNcsnUnetWeights(weights)));
  *out = TableToSafetensors(kArch, NcsnUnetConfigToJson(weights.config),
                            NcsnUnetTensorTable(weights.config), Slots(weights));
  return Status::Ok();
}

Status InitNcsnUnetWeights(const NcsnUnetConfig& config, uint64_t seed, NcsnUnetWeights* out) {
  SW_RETURN_IF_ERROR(AsInvalidArgument(ValidateNcsnUnetConfig(config)));
  const TensorTable table = NcsnUnetTensorTable(config);
  NcsnUnetWeights w;
  w.config = config;
  InitTableTensors(table, seed, Slots(&w, table.size() - 1));
  *out = std::move(w);
  return Status::Ok();
}

namespace {

// One residual block (see the header) over act's buffers; `in` has b.cin channels.
void BlockForward(const NcsnUnetConfig& c, const UnetBlock<const float>& b, const float* in,
                  size_t rows, NcsnUnetActivations* act, NcsnUnetBlockActivations* a,
                  const Parallel& par) {
  const ImageDims din{rows, b.h, b.w, b.cin}, dout{rows, b.h, b.w, b.cout};
  const size_t e = c.embedding_dim, groups = c.groups;
  a->norm1.resize(din.size());
  a->act1.resize(din.size());
  a->mean1.resize(rows * groups);
  a->rstd1.resize(rows * groups);
  GroupNormSilu(in, din, groups, b.norm1.gamma, b.norm1.beta, a->norm1.data(), a->act1.data(),
                a->mean1.data(), a->rstd1.data(), par);
  a->pre2.resize(dout.size());
  act->block_bias.resize(rows * b.cout);
  f32_dense(act->embed.data(), b.emb.w, b.emb.b, act->block_bias.data(), rows, e, b.cout,
            Activation::kNone);
  Conv3x3(a->act1.data(), din, b.conv1.w, b.conv1.b, b.cout, a->pre2.data(), par,
          act->block_bias.data(), nullptr, b.conv1.packed);
  a->norm2.resize(dout.size());
  a->act2.resize(dout.size());
  a->mean2.resize(rows * groups);
  a->rstd2.resize(rows * groups);
  GroupNormSilu(a->pre2.data(), dout, groups, b.norm2.gamma, b.norm2.beta, a->norm2.data(),
                a->act2.data(), a->mean2.data(), a->rstd2.data(), par);
  const float* skip = in;
  if (b.has_skip) {
    act->skip.resize(dout.size());
    DenseForward(in, din.pixels(), b.cin, b.cout, b.skip.w, b.skip.b, act->skip.data(), par);
    skip = act->skip.data();
  }
  a->out.resize(dout.size());
  Conv3x3(a->act2.data(), dout, b.conv2.w, b.conv2.b, b.cout, a->out.data(), par, nullptr, skip,
          b.conv2.packed);
}

}  // namespace

void NcsnUnetForward(const NcsnUnetConfig& c, const NcsnUnetView& net, const float* x,
                     const float* sigma, size_t rows, NcsnUnetActivations* act, float* score,
                     const Parallel& par) {
  const size_t levels = c.channels.size(), f2 = 2 * c.sigma_embedding_freqs;
  const size_t e = c.embedding_dim;
  act->rows = rows;
  act->sigma.assign(sigma, sigma + rows);
  act->embed_in.resize(rows * f2);
  for (size_t r = 0; r < rows; ++r)
    SigmaEmbedding(net.freqs, f2 / 2, sigma[r], &act->embed_in[r * f2]);
  act->embed_pre.resize(rows * e);
  act->embed.resize(rows * e);
  f32_dense(act->embed_in.data(), net.embed.w, net.embed.b, act->embed_pre.data(), rows, f2, e,
            Activation::kNone);
  f32_silu(act->embed_pre.data(), act->embed.data(), rows * e);

  const ImageDims dx{rows, c.height, c.width, c.image_channels};
  const size_t dim = c.dim();
  act->x.assign(x, x + dx.size());  // in(σ) · x: what conv_in sees
  if (c.sigma_data != 0.0f) {
    for (size_t r = 0; r < rows; ++r) {
      f32_scale(x + r * dim, NcsnUnetPreconditioning(c, sigma[r]).in, &act->x[r * dim], dim);
    }
  }
  act->h_in.resize(rows * c.height * c.width * c.channels[0]);
  Conv3x3(act->x.data(), dx, net.conv_in.w, net.conv_in.b, c.channels[0], act->h_in.data(), par,
          nullptr, nullptr, net.conv_in.packed);

  act->down.resize(levels);
  act->up.resize(levels - 1);
  act->pooled.resize(levels - 1);
  act->proj.resize(levels - 1);
  act->merged.resize(levels - 1);
  const float* h = act->h_in.data();
  for (size_t l = 0; l < levels; ++l) {
    const UnetBlock<const float>& b = net.down[l];
    BlockForward(c, b, h, rows, act, &act->down[l], par);
    h = act->down[l].out.data();
    if (l + 1 < levels) {
      act->pooled[l].resize(rows * (b.h / 2) * (b.w / 2) * b.cout);
      AvgPool2(h, ImageDims{rows, b.h, b.w, b.cout}, act->pooled[l].data(), par);
      h = act->pooled[l].data();
    }
  }
  for (size_t l = levels - 1; l-- > 0;) {
    const UnetBlock<const float>& b = net.up[l];  // resolution of level l, c_l channels
    const ImageDims low{rows, b.h / 2, b.w / 2, b.cout};
    act->proj[l].resize(low.size());
    DenseForward(h, low.pixels(), c.channels[l + 1], b.cout, net.proj[l].w, net.proj[l].b,
                 act->proj[l].data(), par);
    std::vector<float>& merged = act->merged[l];
    merged.resize(rows * b.h * b.w * b.cout);
    Upsample2(act->proj[l].data(), low, merged.data(), act->down[l].out.data(), par);
    BlockForward(c, b, merged.data(), rows, act, &act->up[l], par);
    h = act->up[l].out.data();
  }
  const ImageDims d0{rows, c.height, c.width, c.channels[0]};
  act->norm_out.resize(d0.size());
  act->act_out.resize(d0.size());
  act->mean_out.resize(rows * c.groups);
  act->rstd_out.resize(rows * c.groups);
  GroupNormSilu(h, d0, c.groups, net.norm_out.gamma, net.norm_out.beta, act->norm_out.data(),
                act->act_out.data(), act->mean_out.data(), act->rstd_out.data(), par);
  Conv3x3(act->act_out.data(), d0, net.conv_out.w, net.conv_out.b, c.image_channels, score, par,
          nullptr, nullptr, net.conv_out.packed);
  for (size_t r = 0; r < rows; ++r) {
    const UnetPreconditioning p = NcsnUnetPreconditioning(c, sigma[r]);
    float* s = score + r * dim;
    f32_scale(s, p.out, s, dim);
    if (p.skip != 0.0f) {
      for (size_t i = 0; i < dim; ++i) s[i] += p.skip * x[r * dim + i];
    }
  }
}

double NcsnUnetFlopsPerImage(const NcsnUnetConfig& c) {
  const NcsnUnetView geometry = Geometry(c);
  const double hw = double(c.height) * c.width;
  const auto block = [](const UnetBlock<const float>& b) {
    const double p = double(b.h) * b.w;
    return 2 * p *
           (9.0 * b.cin * b.cout + 9.0 * b.cout * b.cout + (b.has_skip ? b.cin * b.cout : 0));
  };
  double flops = 2 * hw * 9.0 * c.image_channels * c.channels[0] * 2;  // conv_in and conv_out
  for (const auto& b : geometry.down) flops += block(b);
  for (size_t l = 0; l < geometry.up.size(); ++l) {
    const UnetBlock<const float>& b = geometry.up[l];
    flops += block(b) + 2 * (double(b.h) * b.w / 4) * c.channels[l + 1] * b.cout;
  }
  return flops;
}

uint64_t NcsnUnetScratchFloatsPerImage(const NcsnUnetConfig& c) {
  // Every buffer of NcsnUnetActivations for one image, as NcsnUnetForward sizes them, plus the
  // kernels' scratch: at most the dense kernel's packed copy of the largest input of a 1 × 1
  // convolution, and the 3 × 3 convolution's tap pointers (9 per pixel, two floats' room each).
  const NcsnUnetView geometry = Geometry(c);
  const uint64_t g = c.groups, e = c.embedding_dim;
  const uint64_t p0 = uint64_t{c.height} * c.width, c0 = c.channels[0];
  uint64_t floats = 1 + 2 * c.sigma_embedding_freqs + 2 * e;  // σ and its embedding
  floats += p0 * c.image_channels + p0 * c0;                  // x, h_in
  floats += 2 * p0 * c0 + 2 * g;                              // norm_out, act_out, statistics
  uint64_t packed = 18 * p0, block_bias = 0, skip = 0;
  const auto block = [&](const UnetBlock<const float>& b) {
    const uint64_t p = uint64_t{b.h} * b.w;
    floats += 2 * p * b.cin + 4 * p * b.cout + 4 * g;  // norm1, act1, pre2, norm2, act2, out
    packed = std::max(packed, 18 * p + p * std::max(b.cin, b.cout));
    block_bias = std::max<uint64_t>(block_bias, b.cout);
    if (b.has_skip) skip = std::max(skip, p * b.cout);
  };
  for (const UnetBlock<const float>& b : geometry.down) block(b);
  for (const UnetBlock<const float>& b : geometry.up) {
    block(b);
    const uint64_t p = uint64_t{b.h} * b.w;
    floats += p / 4 * b.cout + p / 4 * b.cout + p * b.cout;  // pooled, proj, merged
  }
  return floats + block_bias + skip + packed;
}

uint64_t NcsnUnet::scratch_bytes_per_thread() const {
  return sizeof(float) * kTileRows * NcsnUnetScratchFloatsPerImage(weights_.config);
}

NcsnUnet::NcsnUnet(NcsnUnetWeights weights)
    : weights_(std::move(weights)),
      view_(ViewNcsnUnet(weights_)),
      no_grads_(Walk<float>(weights_.config, [](const TensorSpec&) -> float* { return nullptr; })) {
  // The weights never change: every 3 × 3 convolution is packed once here rather than at each
  // evaluation (a copy of W per layer call, and on two threads a hand-over more).
  const NcsnUnetConfig& c = weights_.config;
  const auto pack = [&](UnetLinear<const float>* conv, size_t cin, size_t cout) {
    packed_convs_.push_back(PackConv3x3Weights(conv->w, cin, cout));
    conv->packed = packed_convs_.back().data();
  };
  pack(&view_.conv_in, c.image_channels, c.channels[0]);
  for (auto* blocks : {&view_.down, &view_.up}) {
    for (UnetBlock<const float>& b : *blocks) {
      pack(&b.conv1, b.cin, b.cout);
      pack(&b.conv2, b.cout, b.cout);
    }
  }
  pack(&view_.conv_out, c.channels[0], c.image_channels);
  packed_layout_ = f32_conv3x3_packed_floats(1, 1);
}

const NcsnUnetView& NcsnUnet::EvaluationView(NcsnUnetView* unpacked) const {
  // The panels' layout belongs to the SIMD target they were packed on; only a test switches
  // targets after creating a model, and then the weights are packed at each call instead.
  if (f32_conv3x3_packed_floats(1, 1) == packed_layout_) return view_;
  *unpacked = view_;
  unpacked->conv_in.packed = unpacked->conv_out.packed = nullptr;
  for (auto* blocks : {&unpacked->down, &unpacked->up}) {
    for (UnetBlock<const float>& b : *blocks) b.conv1.packed = b.conv2.packed = nullptr;
  }
  return *unpacked;
}

Status NcsnUnet::Create(NcsnUnetWeights weights, std::unique_ptr<NcsnUnet>* out) {
  SW_RETURN_IF_ERROR(ValidateNcsnUnetWeights(weights));
  return FromValidWeights(std::move(weights), out);
}

Status NcsnUnet::FromValidWeights(NcsnUnetWeights weights, std::unique_ptr<NcsnUnet>* out) {
  std::unique_ptr<NcsnUnet> model(new NcsnUnet(std::move(weights)));
  SW_RETURN_IF_ERROR(CheckWorkingMemory(
      model->scratch_bytes_per_thread(),
      "this ncsn-unet, evaluating " + std::to_string(kTileRows) + " images at a time,"));
  *out = std::move(model);
  return Status::Ok();
}

Status NcsnUnet::FromSafetensors(const SafetensorsFile& file, std::unique_ptr<NcsnUnet>* out) {
  NcsnUnetWeights weights;
  SW_RETURN_IF_ERROR(NcsnUnetWeightsFromSafetensors(file, &weights));  // validates them
  return FromValidWeights(std::move(weights), out);
}

void NcsnUnet::ScoreRows(const float* x, size_t n, const float* sigma, float* out) const {
  ScoreRowsOn(Parallel(), x, n, sigma, out);
}

void NcsnUnet::ScoreRowsOn(const Parallel& par, const float* x, size_t n, const float* sigma,
                           float* out) const {
  // Per-thread activations (of the calling thread): sized once, reused by every later call.
  thread_local NcsnUnetActivations act;
  NcsnUnetView unpacked;
  const NcsnUnetView& net = EvaluationView(&unpacked);
  const size_t dim = weights_.config.dim();
  for (size_t start = 0; start < n; start += kTileRows) {
    const size_t rows = std::min(kTileRows, n - start);
    NcsnUnetForward(weights_.config, net, x + start * dim, sigma + start, rows, &act,
                    out + start * dim, par);
  }
}

void NcsnUnet::ScoreVjpRows(const float* x, size_t n, const float* sigma, const float* v,
                            float* out) const {
  thread_local NcsnUnetActivations act;
  thread_local NcsnUnetGradScratch scratch;
  thread_local std::vector<float> score;
  const size_t dim = weights_.config.dim();
  score.resize(kTileRows * dim);
  NcsnUnetView unpacked;
  const NcsnUnetView& net = EvaluationView(&unpacked);
  for (size_t start = 0; start < n; start += kTileRows) {
    const size_t rows = std::min(kTileRows, n - start);
    NcsnUnetForward(weights_.config, net, x + start * dim, sigma + start, rows, &act, score.data());
    NcsnUnetBackward(weights_.config, net, v + start * dim, act, no_grads_, &scratch,
                     out + start * dim);
  }
}

}  // namespace sw
