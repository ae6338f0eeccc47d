#include "onnx/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "layers/group_norm.h"
#include "layers/sigma_embedding.h"
#include "models/architectures.h"
#include "models/ncsn_mlp.h"
#include "models/ncsn_unet.h"
#include "onnx/onnx_graph.h"

namespace sw {
namespace {

std::vector<int64_t> Dims(std::initializer_list<size_t> dims) {
  return std::vector<int64_t>(dims.begin(), dims.end());
}

// [n, 2F] = [sin(2π f_j log σ), cos(2π f_j log σ)], computed in double as SigmaEmbedding does
// (2π f_j is its left-to-right product, so the angles are the same doubles), then cast to float.
std::string SigmaEmbeddingOnnx(OnnxGraphBuilder* g, const std::string& sigma,
                               const std::vector<float>& freqs) {
  std::vector<double> two_pi_f(freqs.size());
  for (size_t j = 0; j < freqs.size(); ++j)
    two_pi_f[j] = kSigmaEmbeddingTwoPi * static_cast<double>(freqs[j]);
  const std::string hint = "sigma_embed";
  const std::string sigma64 =
      g->Op("Cast", {sigma}, hint, {OnnxInt("to", onnx::TensorProto::DOUBLE)});
  const std::string log_sigma =
      g->Op("Unsqueeze", {g->Op("Log", {sigma64}, hint), g->Int64s("sigma_embed.axes", {1})}, hint);
  const std::string angle = g->Op(
      "Mul",
      {log_sigma,
       g->Doubles("sigma_embed.two_pi_freqs", {static_cast<int64_t>(freqs.size())}, two_pi_f)},
      hint);
  const std::string both =
      g->Op("Concat", {g->Op("Sin", {angle}, hint), g->Op("Cos", {angle}, hint)}, hint,
            {OnnxInt("axis", 1)});
  return g->Op("Cast", {both}, hint, {OnnxInt("to", onnx::TensorProto::FLOAT)});
}

// y · (1 / σ) with σ of shape [n] broadcast over the rest of y (rank dims).
std::string DivideBySigma(OnnxGraphBuilder* g, const std::string& y, const std::string& sigma,
                          size_t rank) {
  std::vector<int64_t> shape(rank, 1);
  shape[0] = -1;
  const std::string inv = g->Op(
      "Reshape", {g->Op("Reciprocal", {sigma}, "output"), g->Int64s("output.sigma_shape", shape)},
      "output");
  return g->Op("Mul", {y, inv}, "output");
}

// EDM's preconditioning coefficients (NcsnUnetPreconditioning) of σ [n], each [n, 1, 1, 1] for
// channels-last images: computed in double from σ and σ_d and cast to float once, as the model
// does.
struct PreconditioningOnnx {
  std::string in, out, skip;
};
PreconditioningOnnx EdmPreconditioningOnnx(OnnxGraphBuilder* g, const std::string& sigma,
                                           float sigma_data) {
  const std::string hint = "precondition";
  const double d = sigma_data;
  const std::string s64 = g->Op("Cast", {sigma}, hint, {OnnxInt("to", onnx::TensorProto::DOUBLE)});
  const std::string v = g->Op(
      "Add", {g->Op("Mul", {s64, s64}, hint), g->Doubles("precondition.d2", {}, {d * d})}, hint);
  const std::string root = g->Op("Sqrt", {v}, hint);
  const std::string shape = g->Int64s("precondition.shape", {-1, 1, 1, 1});
  const auto as_float = [&](const std::string& value) {
    return g->Op("Reshape",
                 {g->Op("Cast", {value}, hint, {OnnxInt("to", onnx::TensorProto::FLOAT)}), shape},
                 hint);
  };
  PreconditioningOnnx p;
  p.in = as_float(g->Op("Reciprocal", {root}, hint));
  p.out = as_float(
      g->Op("Div", {g->Doubles("precondition.d", {}, {d}), g->Op("Mul", {s64, root}, hint)}, hint));
  p.skip = as_float(g->Op("Neg", {g->Op("Reciprocal", {v}, hint)}, hint));
  return p;
}

// [rows, in] · w (in × out) + b, with the weights named name.weight and name.bias.
std::string Gemm(OnnxGraphBuilder* g, const std::string& x, size_t in, size_t out,
                 const std::vector<float>& w, const std::vector<float>& b,
                 const std::string& name) {
  return g->Op("Gemm",
               {x, g->Floats(name + ".weight", Dims({in, out}), w),
                g->Floats(name + ".bias", Dims({out}), b)},
               name);
}

// ncsn-mlp: h_0 = [x, emb(σ)], Gemm + SiLU per hidden layer, Gemm, then / σ.
onnx::ModelProto NcsnMlpOnnx(const NcsnMlpWeights& w) {
  const NcsnMlpConfig& c = w.config;
  OnnxGraphBuilder g;
  g.AddBatchInput("x", Dims({c.dim}));
  g.AddBatchInput("sigma", {});
  std::string h = "x";
  if (c.sigma_embedding_freqs > 0) {
    h = g.Op("Concat", {"x", SigmaEmbeddingOnnx(&g, "sigma", w.freqs)}, "input",
             {OnnxInt("axis", 1)});
  }
  const size_t layers = w.weights.size();
  size_t in = c.dim + 2 * c.sigma_embedding_freqs;
  for (size_t i = 0; i < layers; ++i) {
    const size_t out = i + 1 < layers ? c.hidden[i] : c.dim;
    h = Gemm(&g, h, in, out, w.weights[i], w.biases[i], "layers." + std::to_string(i));
    if (i + 1 < layers) h = OnnxSilu(&g, h, "layers." + std::to_string(i));
    in = out;
  }
  g.AddBatchOutput(DivideBySigma(&g, h, "sigma", 2), "score", Dims({c.dim}));
  return g.TakeModel(kNcsnMlpArchitecture, "score-wasm ncsn-mlp: s(x, sigma)");
}

// The U-Net, in ONNX's channels-first layout, walking the same views as NcsnUnetForward.
class UnetOnnx {
 public:
  UnetOnnx(const NcsnUnetConfig& c, const NcsnUnetView& net) : c_(c), net_(net) {}

  onnx::ModelProto Build() {
    const std::vector<int64_t> image = Dims({c_.height, c_.width, c_.image_channels});
    g_.AddBatchInput("x", image);
    g_.AddBatchInput("sigma", {});
    eps_ = g_.Floats("group_norm.eps", {}, {kGroupNormEps});
    bias_axes_ = g_.Int64s("block.bias_axes", {2, 3});
    scales_ = g_.Floats("upsample.scales", {4}, {1, 1, 2, 2});
    const std::vector<float> freqs(net_.freqs, net_.freqs + c_.sigma_embedding_freqs);
    embed_ = OnnxSilu(&g_,
                      Dense(SigmaEmbeddingOnnx(&g_, "sigma", freqs), net_.embed,
                            2 * c_.sigma_embedding_freqs, c_.embedding_dim, "embed"),
                      "embed");
    const bool edm = c_.sigma_data != 0.0f;
    PreconditioningOnnx p;
    if (edm) p = EdmPreconditioningOnnx(&g_, "sigma", c_.sigma_data);
    const std::string x_in = edm ? g_.Op("Mul", {"x", p.in}, "input") : "x";
    std::string h = g_.Op("Transpose", {x_in}, "input", {OnnxInts("perm", {0, 3, 1, 2})});
    h = Conv3x3(h, net_.conv_in, c_.image_channels, c_.channels[0], "conv_in");
    const size_t levels = c_.channels.size();
    std::vector<std::string> skips(levels);
    for (size_t l = 0; l < levels; ++l) {
      const std::string name = "down." + std::to_string(l);
      h = skips[l] = Block(h, net_.down[l], name);
      if (l + 1 < levels) {
        h = g_.Op("AveragePool", {h}, name,
                  {OnnxInts("kernel_shape", {2, 2}), OnnxInts("strides", {2, 2})});
      }
    }
    for (size_t l = levels - 1; l-- > 0;) {
      const std::string name = "up." + std::to_string(l);
      const UnetBlock<const float>& b = net_.up[l];
      const std::string proj = Conv1x1(h, net_.proj[l], c_.channels[l + 1], b.cout, name + ".proj");
      // Nearest-neighbour doubling: output pixel (y, x) reads input (y / 2, x / 2), as Upsample2.
      const std::string up = g_.Op("Resize", {proj, "", scales_}, name,
                                   {OnnxString("mode", "nearest"),
                                    OnnxString("coordinate_transformation_mode", "asymmetric"),
                                    OnnxString("nearest_mode", "floor")});
      h = Block(g_.Op("Add", {up, skips[l]}, name), b, name);
    }
    h = GroupNormSilu(h, net_.norm_out, c_.channels[0], c_.height, c_.width, "norm_out");
    h = Conv3x3(h, net_.conv_out, c_.channels[0], c_.image_channels, "conv_out");
    h = g_.Op("Transpose", {h}, "output", {OnnxInts("perm", {0, 2, 3, 1})});
    const std::string score =
        edm ? g_.Op("Add",
                    {g_.Op("Mul", {h, p.out}, "output"), g_.Op("Mul", {"x", p.skip}, "output")},
                    "output")
            : DivideBySigma(&g_, h, "sigma", 4);
    g_.AddBatchOutput(score, "score", image);
    return g_.TakeModel(kNcsnUnetArchitecture,
                        "score-wasm ncsn-unet: s(x, sigma), x channels last");
  }

 private:
  // [rows, in] · w (in × out) + b.
  std::string Dense(const std::string& x, const UnetLinear<const float>& l, size_t in, size_t out,
                    const std::string& name) {
    return g_.Op(
        "Gemm",
        {x, g_.Floats(name + ".weight", Dims({in, out}), std::vector<float>(l.w, l.w + in * out)),
         Bias(l, out, name)},
        name);
  }

  // Our (ky, kx, in) × out GEMM weights as ONNX's [out, in, 3, 3], zero padding 1.
  std::string Conv3x3(const std::string& x, const UnetLinear<const float>& l, size_t cin,
                      size_t cout, const std::string& name) {
    std::vector<float> w(cout * cin * 9);
    for (size_t o = 0; o < cout; ++o)
      for (size_t i = 0; i < cin; ++i)
        for (size_t k = 0; k < 9; ++k) w[(o * cin + i) * 9 + k] = l.w[(k * cin + i) * cout + o];
    return g_.Op("Conv",
                 {x, g_.Floats(name + ".weight", Dims({cout, cin, 3, 3}), w), Bias(l, cout, name)},
                 name, {OnnxInts("kernel_shape", {3, 3}), OnnxInts("pads", {1, 1, 1, 1})});
  }

  // Our in × out weights as ONNX's [out, in, 1, 1].
  std::string Conv1x1(const std::string& x, const UnetLinear<const float>& l, size_t cin,
                      size_t cout, const std::string& name) {
    std::vector<float> w(cout * cin);
    for (size_t o = 0; o < cout; ++o)
      for (size_t i = 0; i < cin; ++i) w[o * cin + i] = l.w[i * cout + o];
    return g_.Op("Conv",
                 {x, g_.Floats(name + ".weight", Dims({cout, cin, 1, 1}), w), Bias(l, cout, name)},
                 name, {OnnxInts("kernel_shape", {1, 1})});
  }

  std::string Bias(const UnetLinear<const float>& l, size_t n, const std::string& name) {
    return g_.Floats(name + ".bias", Dims({n}), std::vector<float>(l.b, l.b + n));
  }

  // SiLU(GroupNorm(x)) over [n, C, H, W]: two-pass statistics per image and group, as
  // layers/group_norm.cc takes them, then scale and shift per channel.
  std::string GroupNormSilu(const std::string& x, const UnetNorm<const float>& norm, size_t c,
                            size_t h, size_t w, const std::string& name) {
    const std::string grouped = g_.Op(
        "Reshape",
        {x, g_.Int64s(name + ".grouped_shape", {0, static_cast<int64_t>(c_.groups), -1})}, name);
    const std::string mean = g_.Op("ReduceMean", {grouped}, name, {OnnxInts("axes", {2})});
    const std::string centred = g_.Op("Sub", {grouped, mean}, name);
    const std::string var = g_.Op("ReduceMean", {g_.Op("Mul", {centred, centred}, name)}, name,
                                  {OnnxInts("axes", {2})});
    const std::string stddev = g_.Op("Sqrt", {g_.Op("Add", {var, eps_}, name)}, name);
    const std::string normed = g_.Op(
        "Reshape",
        {g_.Op("Div", {centred, stddev}, name),
         g_.Int64s(name + ".image_shape",
                   {0, static_cast<int64_t>(c), static_cast<int64_t>(h), static_cast<int64_t>(w)})},
        name);
    const std::vector<int64_t> per_channel = Dims({c, 1, 1});
    const std::string gamma =
        g_.Floats(name + ".weight", per_channel, std::vector<float>(norm.gamma, norm.gamma + c));
    const std::string beta =
        g_.Floats(name + ".bias", per_channel, std::vector<float>(norm.beta, norm.beta + c));
    return OnnxSilu(&g_, g_.Op("Add", {g_.Op("Mul", {normed, gamma}, name), beta}, name), name);
  }

  // The residual block of ncsn_unet.h at resolution b.h × b.w.
  std::string Block(const std::string& in, const UnetBlock<const float>& b,
                    const std::string& name) {
    std::string a = GroupNormSilu(in, b.norm1, b.cin, b.h, b.w, name + ".norm1");
    a = Conv3x3(a, b.conv1, b.cin, b.cout, name + ".conv1");
    const std::string sigma_bias =
        g_.Op("Unsqueeze",
              {Dense(embed_, b.emb, c_.embedding_dim, b.cout, name + ".emb"), bias_axes_}, name);
    a = g_.Op("Add", {a, sigma_bias}, name);
    a = GroupNormSilu(a, b.norm2, b.cout, b.h, b.w, name + ".norm2");
    a = Conv3x3(a, b.conv2, b.cout, b.cout, name + ".conv2");
    const std::string skip = b.has_skip ? Conv1x1(in, b.skip, b.cin, b.cout, name + ".skip") : in;
    return g_.Op("Add", {a, skip}, name);
  }

  const NcsnUnetConfig& c_;
  const NcsnUnetView& net_;
  OnnxGraphBuilder g_;
  std::string embed_;  // SiLU(embed(σ)), [n, E]
  // Constants the layers share, one initializer each: GroupNorm's ε, the axes that turn a σ bias
  // [n, C] into [n, C, 1, 1], the scales of the 2× up-sampling.
  std::string eps_, bias_axes_, scales_;
};

}  // namespace

Status ExportOnnx(const SafetensorsFile& file, onnx::ModelProto* out) {
  const Architecture* arch = nullptr;
  SW_RETURN_IF_ERROR(FindArchitecture(file, &arch));
  const std::string name = arch->name;
  if (name == kNcsnMlpArchitecture) {
    NcsnMlpWeights w;
    SW_RETURN_IF_ERROR(NcsnMlpWeightsFromSafetensors(file, &w));
    *out = NcsnMlpOnnx(w);
    return Status::Ok();
  }
  if (name == kNcsnUnetArchitecture) {
    NcsnUnetWeights w;
    SW_RETURN_IF_ERROR(NcsnUnetWeightsFromSafetensors(file, &w));
    *out = UnetOnnx(w.config, ViewNcsnUnet(w)).Build();
    return Status::Ok();
  }
  return InvalidModel("no ONNX export for architecture " + QuoteForMessage(name));
}

Status CheckOnnx(const onnx::ModelProto& model) {
  try {
    onnx::checker::check_model(model);
    onnx::ModelProto inferred = model;
    onnx::shape_inference::InferShapes(
        inferred, onnx::OpSchemaRegistry::Instance(),
        onnx::ShapeInferenceOptions(/*check_type=*/true, /*strict_mode=*/1));
  } catch (const std::exception& e) {
    return Status(StatusCode::kInternal, std::string("exported ONNX graph: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace sw
