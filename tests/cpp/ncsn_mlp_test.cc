// The NCSN MLP score network against an independent Eigen implementation, its row independence,
// the 1/σ conditioning, and model files: config round trips, loading from bytes, and every kind
// of inconsistent file refused with INVALID_MODEL.
#include "models/ncsn_mlp.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/philox.h"
#include "io/safetensors.h"
#include "models/model_file.h"
#include "samplers/sampling_rules.h"

namespace sw {
namespace {

constexpr double kPi = 3.14159265358979323846;

NcsnMlpConfig MakeConfig(size_t dim, std::vector<size_t> hidden, size_t freqs) {
  NcsnMlpConfig c;
  c.dim = dim;
  c.hidden = std::move(hidden);
  c.sigma_embedding_freqs = freqs;
  c.sigmas = {1.0f, 0.3f, 0.1f, 0.03f, 0.01f};
  return c;
}

// Initialised weights with random (non-zero) biases, so that every tensor matters.
NcsnMlpWeights RandomWeights(const NcsnMlpConfig& config, uint64_t seed) {
  NcsnMlpWeights w;
  const Status s = InitNcsnMlpWeights(config, seed, &w);
  EXPECT_TRUE(s.ok()) << s.ToString();
  for (size_t i = 0; i < w.biases.size(); ++i) {
    FillNormal(seed, RandomStream::kLangevinNoise, i, 7, w.biases[i].data(), w.biases[i].size());
    for (float& b : w.biases[i]) b *= 0.3f;
  }
  return w;
}

std::unique_ptr<NcsnMlp> Build(NcsnMlpWeights w) {
  std::unique_ptr<NcsnMlp> model;
  const Status s = NcsnMlp::Create(std::move(w), &model);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return model;
}

// Bit-for-bit equality (the contract is bit-identical rows, not merely close ones).
bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    uint32_t x, y;
    std::memcpy(&x, &a[i], 4);
    std::memcpy(&y, &b[i], 4);
    if (x != y) return false;
  }
  return true;
}

std::vector<float> RandomRows(size_t n, size_t dim, uint64_t seed) {
  std::vector<float> x(n * dim);
  FillNormal(seed, RandomStream::kLangevinNoise, 99, 0, x.data(), x.size());
  return x;
}

// The network written out with Eigen in double precision, straight from the definition in
// ncsn_mlp.h: h0 = [x, sin(2π f log σ), cos(2π f log σ)], SiLU(h W + b) per hidden layer, then
// (h W + b) / σ. Returns the n × dim scores.
Eigen::MatrixXd ReferenceScores(const NcsnMlpWeights& w, const std::vector<float>& x, size_t n,
                                float sigma) {
  using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const size_t dim = w.config.dim, freqs = w.config.sigma_embedding_freqs;
  Eigen::MatrixXd h(n, dim + 2 * freqs);
  h.leftCols(dim) = Eigen::Map<const RowMajorF>(x.data(), n, dim).cast<double>();
  const double log_sigma = std::log(static_cast<double>(sigma));
  for (size_t j = 0; j < freqs; ++j) {
    const double angle = 2 * kPi * w.freqs[j] * log_sigma;
    h.col(dim + j).setConstant(std::sin(angle));
    h.col(dim + freqs + j).setConstant(std::cos(angle));
  }
  const size_t layers = w.weights.size();
  for (size_t i = 0; i < layers; ++i) {
    const Eigen::Index in = h.cols();
    const Eigen::Index out = static_cast<Eigen::Index>(w.biases[i].size());
    const Eigen::MatrixXd weight =
        Eigen::Map<const RowMajorF>(w.weights[i].data(), in, out).cast<double>();
    const Eigen::RowVectorXd bias =
        Eigen::Map<const Eigen::RowVectorXf>(w.biases[i].data(), out).cast<double>();
    Eigen::MatrixXd z = (h * weight).rowwise() + bias;
    if (i + 1 < layers) z = z.array() / (1.0 + (-z.array()).exp());  // SiLU
    h = z;
  }
  return h / static_cast<double>(sigma);
}

TEST(NcsnMlp, ForwardMatchesEigenReference) {
  struct Shape {
    size_t dim;
    std::vector<size_t> hidden;
    size_t freqs;
  };
  const Shape shapes[] = {
      {2, {16, 16}, 4}, {5, {33}, 0}, {3, {}, 2}, {17, {64, 7, 31}, 8}, {1, {130}, 16},
  };
  uint64_t seed = 1;
  for (const Shape& shape : shapes) {
    const NcsnMlpWeights w = RandomWeights(MakeConfig(shape.dim, shape.hidden, shape.freqs), seed);
    const std::unique_ptr<NcsnMlp> model = Build(w);
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(model->dim(), shape.dim);
    for (size_t n : {1, 3, 17, 255}) {
      const std::vector<float> x = RandomRows(n, shape.dim, seed++);
      for (float sigma : {0.01f, 0.37f, 5.0f}) {
        std::vector<float> got(n * shape.dim, NAN);
        ScoreRowsAt(*model, x.data(), n, sigma, got.data());
        const Eigen::MatrixXd want = ReferenceScores(w, x, n, sigma);
        for (size_t r = 0; r < n; ++r) {
          for (size_t d = 0; d < shape.dim; ++d) {
            // Tolerances on the network output (before the 1/σ scaling that only magnifies).
            const double ref = want(r, d) * sigma, val = got[r * shape.dim + d] * sigma;
            ASSERT_NEAR(val, ref, 1e-5 + 1e-5 * std::abs(ref))
                << "dim " << shape.dim << " n " << n << " sigma " << sigma << " row " << r;
          }
        }
      }
    }
  }
}

TEST(NcsnMlp, RowsAreIndependentOfBatchSplit) {
  const NcsnMlpWeights w = RandomWeights(MakeConfig(6, {40, 24}, 5), 11);
  const std::unique_ptr<NcsnMlp> model = Build(w);
  const size_t n = 255, dim = 6;
  const std::vector<float> x = RandomRows(n, dim, 3);
  std::vector<float> whole(n * dim);
  ScoreRowsAt(*model, x.data(), n, 0.2f, whole.data());
  for (size_t chunk : {1, 7, 63, 64, 65, 128}) {
    std::vector<float> split(n * dim, NAN);
    for (size_t start = 0; start < n; start += chunk) {
      const size_t rows = std::min(chunk, n - start);
      ScoreRowsAt(*model, x.data() + start * dim, rows, 0.2f, split.data() + start * dim);
    }
    EXPECT_TRUE(SameBits(whole, split)) << "chunk " << chunk;
  }
}

// Rows at different σ in one call (as the adaptive ODE solver makes them; runs of equal σ share
// one embedding) equal each row alone at its σ.
TEST(NcsnMlp, EachRowAtItsOwnSigma) {
  const std::unique_ptr<NcsnMlp> model = Build(RandomWeights(MakeConfig(3, {40, 24}, 5), 12));
  const size_t n = 70, dim = 3;  // more than a tile
  const std::vector<float> x = RandomRows(n, dim, 4);
  std::vector<float> sigmas(n), all(n * dim), one(dim);
  for (size_t i = 0; i < n; ++i) sigmas[i] = 0.01f * float(1 + (i / 3) % 9);
  model->ScoreRows(x.data(), n, sigmas.data(), all.data());
  for (size_t i = 0; i < n; ++i) {
    ScoreRowsAt(*model, x.data() + i * dim, 1, sigmas[i], one.data());
    for (size_t k = 0; k < dim; ++k) ASSERT_EQ(one[k], all[i * dim + k]) << i;
  }
}

TEST(NcsnMlp, ConcurrentCallsOnDisjointRows) {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  GTEST_SKIP() << "single-threaded WASM build";
#endif
  const std::unique_ptr<NcsnMlp> model = Build(RandomWeights(MakeConfig(4, {50}, 3), 5));
  const size_t n = 1000, dim = 4;
  const std::vector<float> x = RandomRows(n, dim, 8);
  std::vector<float> serial(n * dim), parallel(n * dim);
  ScoreRowsAt(*model, x.data(), n, 0.05f, serial.data());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const size_t begin = t * n / 4, end = (t + 1) * n / 4;
      ScoreRowsAt(*model, x.data() + begin * dim, end - begin, 0.05f,
                  parallel.data() + begin * dim);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(SameBits(serial, parallel));
}

// One linear layer with known weights: checks the in × out layout (the transpose would give a
// different answer), the bias, the embedding's place and order, and the division by σ.
TEST(NcsnMlp, OneLayerWithKnownWeights) {
  NcsnMlpWeights w;
  w.config = MakeConfig(2, {}, 0);
  w.freqs = {};
  w.weights = {{1, 2,    // row of x0
                3, 4}};  // row of x1
  w.biases = {{0.5f, -1}};
  const std::unique_ptr<NcsnMlp> model = Build(w);
  const float x[2] = {1, 2};
  // y = (1*1 + 2*3 + 0.5, 1*2 + 2*4 - 1) = (7.5, 9); s = y / σ.
  for (float sigma : {0.5f, 2.0f, 1e-3f, 40.0f}) {
    float s[2];
    ScoreRowsAt(*model, x, 1, sigma, s);
    EXPECT_NEAR(s[0], 7.5f / sigma, 1e-6f * 7.5f / sigma) << sigma;
    EXPECT_NEAR(s[1], 9.0f / sigma, 1e-6f * 9.0f / sigma) << sigma;
  }

  // dim 1, F = 2: h0 = [x, sin(2π f0 L), sin(2π f1 L), cos(2π f0 L), cos(2π f1 L)], L = log σ.
  NcsnMlpWeights e;
  e.config = MakeConfig(1, {}, 2);
  e.freqs = {0.5f, 0.25f};
  e.weights = {{0, 1, 10, 100, 1000}};
  e.biases = {{0}};
  const std::unique_ptr<NcsnMlp> embed = Build(e);
  for (float sigma : {0.1f, 0.7f, 3.0f}) {
    const double l = std::log(static_cast<double>(sigma));
    const double want = (std::sin(kPi * l) + 10 * std::sin(0.5 * kPi * l) +
                         100 * std::cos(kPi * l) + 1000 * std::cos(0.5 * kPi * l)) /
                        sigma;
    const float x0 = 123.0f;  // weight 0: x must not leak into the output
    float s;
    ScoreRowsAt(*embed, &x0, 1, sigma, &s);
    EXPECT_NEAR(s, want, 1e-5 * std::abs(want) + 1e-4) << sigma;
  }
}

TEST(NcsnMlp, InitIsDeterministicAndScaled) {
  const NcsnMlpConfig config = MakeConfig(3, {256, 256}, 4);
  NcsnMlpWeights a, b, c;
  ASSERT_TRUE(InitNcsnMlpWeights(config, 42, &a).ok());
  ASSERT_TRUE(InitNcsnMlpWeights(config, 42, &b).ok());
  ASSERT_TRUE(InitNcsnMlpWeights(config, 43, &c).ok());
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_EQ(a.freqs, b.freqs);
  EXPECT_NE(a.weights, c.weights);
  ASSERT_EQ(a.weights.size(), 3u);
  EXPECT_EQ(a.weights[0].size(), (3 + 8) * 256u);
  EXPECT_EQ(a.weights[2].size(), 256 * 3u);
  // Layer 1 is 256 × 256: its sample standard deviation is close to 1/sqrt(256).
  double sum2 = 0;
  for (float v : a.weights[1]) sum2 += double{v} * v;
  EXPECT_NEAR(std::sqrt(sum2 / a.weights[1].size()), 1.0 / 16, 0.05 / 16);
  for (const auto& bias : a.biases) {
    for (float v : bias) EXPECT_EQ(v, 0.0f);
  }
  EXPECT_TRUE(ValidateNcsnMlpWeights(a).ok());

  NcsnMlpConfig bad = config;
  bad.dim = 0;
  NcsnMlpWeights untouched;
  EXPECT_EQ(InitNcsnMlpWeights(bad, 1, &untouched).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(untouched.weights.empty());
}

TEST(NcsnMlp, ConfigJsonRoundTrip) {
  NcsnMlpConfig config = MakeConfig(784, {512, 256}, 16);
  config.sigmas = {50.0f, 12.5f, 0.01f};
  config.data_shape = {1, 28, 28};
  config.has_sampling = true;
  config.sampling.steps_per_level = 5;
  config.sampling.step_size = 3.3e-6;
  config.sampling.denoise = false;
  config.sampling.sampler = "pc";
  const std::string json = NcsnMlpConfigToJson(config);
  NcsnMlpConfig back;
  const Status s = ParseNcsnMlpConfig(json, &back);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << json;
  EXPECT_EQ(back.dim, 784u);
  EXPECT_EQ(back.hidden, config.hidden);
  EXPECT_EQ(back.sigma_embedding_freqs, 16u);
  EXPECT_EQ(back.sigmas, config.sigmas);  // bit-exact through the JSON text
  EXPECT_EQ(back.data_shape, config.data_shape);
  EXPECT_TRUE(back.has_sampling);
  EXPECT_EQ(back.sampling.sampler, "pc");
  EXPECT_EQ(back.sampling.steps_per_level, 5);
  EXPECT_EQ(back.sampling.step_size, 3.3e-6);
  EXPECT_FALSE(back.sampling.denoise);

  // The brief's example, written by hand.
  const std::string hand =
      R"({"dim":2,"hidden":[128,128],"sigma_embedding_freqs":16,"sigmas":[1,0.5,0.1],)"
      R"("data_shape":[2],"sampling":{"sampler":"annealed-langevin","steps_per_level":100,)"
      R"("step_size":0.00002,"denoise":true}})";
  ASSERT_TRUE(ParseNcsnMlpConfig(hand, &back).ok());
  EXPECT_EQ(back.sigmas, (std::vector<float>{1.0f, 0.5f, 0.1f}));
  EXPECT_EQ(back.sampling.step_size, 2e-5);
  // An unknown key inside "sampling" is refused like one in the config (most likely a typo).
  const std::string typo = hand.substr(0, hand.size() - 2) + R"(,"stepsize":0.1}})";
  const Status unknown = ParseNcsnMlpConfig(typo, &back);
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidModel);
  EXPECT_NE(unknown.message().find("unknown key \"stepsize\" in \"sampling\""), std::string::npos)
      << unknown.message();
  // Without the optional keys.
  ASSERT_TRUE(
      ParseNcsnMlpConfig(R"({"dim":2,"hidden":[],"sigma_embedding_freqs":0,"sigmas":[1]})", &back)
          .ok());
  EXPECT_FALSE(back.has_sampling);
  EXPECT_TRUE(back.data_shape.empty());
}

TEST(NcsnMlp, RejectsBadConfigJson) {
  const std::string base = R"("hidden":[8],"sigma_embedding_freqs":2,"sigmas":[1,0.1])";
  const struct {
    std::string json, message;
  } cases[] = {
      {"", "not valid JSON"},
      {"{", "not valid JSON"},
      {"[1]", "is a JSON array; expected an object"},
      {R"({"dim":2,)" + base + std::string("}\0junk", 6), "NUL"},
      {R"({"dim":0,)" + base + "}", "dim = 0; expected an integer in [1, "},
      {R"({"dim":-2,)" + base + "}", "dim = -2"},
      {R"({"dim":2.5,)" + base + "}", "dim = 2.5"},
      {R"({"dim":"2",)" + base + "}", "dim = \"2\""},
      {R"({"dim":2,"dim":2,)" + base + "}", "repeats a key"},
      {R"({"dim":2,"hiden":[8],"sigma_embedding_freqs":2,"sigmas":[1]})", "unknown key \"hiden\""},
      {R"({"dim":2,"sigma_embedding_freqs":2,"sigmas":[1]})", "missing required key \"hidden\""},
      {R"({"dim":2,"hidden":[8],"sigma_embedding_freqs":2})", "missing required key \"sigmas\""},
      {R"({"dim":2,"hidden":[8, 0],"sigma_embedding_freqs":2,"sigmas":[1]})", "hidden[1] = 0"},
      {R"({"dim":2,"hidden":8,"sigma_embedding_freqs":2,"sigmas":[1]})", "hidden = 8"},
      {R"({"dim":2,"hidden":[8],"sigma_embedding_freqs":-1,"sigmas":[1]})",
       "sigma_embedding_freqs"},
      {R"({"dim":2,"hidden":[8],"sigma_embedding_freqs":2,"sigmas":[]})", "non-empty array"},
      {R"({"dim":2,"hidden":[8],"sigma_embedding_freqs":2,"sigmas":[0.1,1]})",
       "strictly decreasing"},
      {R"({"dim":2,"hidden":[8],"sigma_embedding_freqs":2,"sigmas":[1,1]})", "strictly decreasing"},
      {R"({"dim":2,"hidden":[8],"sigma_embedding_freqs":2,"sigmas":[1,0]})", "sigmas[1]"},
      {R"({"dim":2,"hidden":[8],"sigma_embedding_freqs":2,"sigmas":[-1]})", "sigmas[0]"},
      {R"({"dim":2,"hidden":[8],"sigma_embedding_freqs":2,"sigmas":[1e300]})", "finite"},
      {R"({"dim":2,"hidden":[8],"sigma_embedding_freqs":2,"sigmas":["1"]})", "expected a number"},
      {R"({"dim":4,)" + base + R"(,"data_shape":[3]})", "data_shape does not equal dim = 4"},
      {R"({"dim":4,)" + base + R"(,"data_shape":[2,0,2]})", "data_shape[1] = 0"},
      {R"({"dim":4,)" + base + R"(,"data_shape":[]})", "data_shape = []"},
      {R"({"dim":2,)" + base + R"(,"sampling":[]})", "\"sampling\" is an array"},
      {R"({"dim":2,)" + base + R"(,"sampling":{"step_size":-1}})", "sampling.step_size = -1"},
      {R"({"dim":2,)" + base + R"(,"sampling":{"steps_per_level":0}})", "sampling.steps_per_level"},
      {R"({"dim":2,)" + base + R"(,"sampling":{"denoise":1}})", "sampling.denoise = 1"},
      {R"({"dim":2,)" + base + R"(,"sampling":{"sampler":""}})", "sampling.sampler"},
  };
  for (const auto& c : cases) {
    NcsnMlpConfig out = MakeConfig(9, {1}, 1);
    const Status s = ParseNcsnMlpConfig(c.json, &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << c.json;
    EXPECT_NE(s.message().find(c.message), std::string::npos)
        << c.json << " -> \"" << s.message() << "\" lacks \"" << c.message << "\"";
    EXPECT_EQ(out.dim, 9u) << "output changed: " << c.json;
  }
}

TEST(NcsnMlp, CreateRejectsInconsistentWeights) {
  const NcsnMlpWeights good = RandomWeights(MakeConfig(3, {8, 5}, 2), 2);
  ASSERT_TRUE(ValidateNcsnMlpWeights(good).ok());
  std::vector<std::pair<const char*, NcsnMlpWeights>> cases;
  cases.push_back({"missing layer", good});
  cases.back().second.weights.pop_back();
  cases.push_back({"wrong weight size", good});
  cases.back().second.weights[1].push_back(0);
  cases.push_back({"wrong bias size", good});
  cases.back().second.biases[2].pop_back();
  cases.push_back({"wrong freq count", good});
  cases.back().second.freqs.push_back(1);
  cases.push_back({"non-finite weight", good});
  cases.back().second.weights[0][3] = NAN;
  cases.push_back({"dim 0", good});
  cases.back().second.config.dim = 0;
  for (auto& [label, w] : cases) {
    std::unique_ptr<NcsnMlp> model;
    EXPECT_EQ(NcsnMlp::Create(w, &model).code(), StatusCode::kInvalidModel) << label;
    EXPECT_EQ(model, nullptr) << label;
    SafetensorsFile file;
    EXPECT_EQ(NcsnMlpWeightsToSafetensors(w, &file).code(), StatusCode::kInvalidArgument) << label;
    EXPECT_TRUE(file.tensors.empty()) << label;
  }
}

// ---- Model files ------------------------------------------------------------------------------

std::vector<uint8_t> ToBytes(const SafetensorsFile& file, bool f16 = false) {
  std::vector<uint8_t> bytes;
  const Status s = WriteSafetensors(file, f16, &bytes);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return bytes;
}

SafetensorsFile ModelFileFor(const NcsnMlpWeights& w) {
  SafetensorsFile file;
  const Status s = NcsnMlpWeightsToSafetensors(w, &file);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return file;
}

TEST(ModelFile, LoadsWrittenBytesEndToEnd) {
  NcsnMlpConfig config = MakeConfig(3, {32, 32}, 6);
  config.has_sampling = true;
  const NcsnMlpWeights w = RandomWeights(config, 21);
  const SafetensorsFile file = ModelFileFor(w);
  EXPECT_EQ(file.metadata.at("format"), "score-wasm");
  EXPECT_EQ(file.metadata.at("architecture"), "ncsn-mlp");
  const std::vector<std::string> names = {"sigma_embed.freqs", "layers.0.weight", "layers.0.bias",
                                          "layers.1.weight",   "layers.1.bias",   "layers.2.weight",
                                          "layers.2.bias"};
  ASSERT_EQ(file.tensors.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(file.tensors[i].name, names[i]);
  EXPECT_EQ(file.Find("layers.0.weight")->shape, (std::vector<int64_t>{3 + 12, 32}));

  const std::unique_ptr<NcsnMlp> direct = Build(w);
  const size_t n = 77;
  const std::vector<float> x = RandomRows(n, 3, 4);
  std::vector<float> want(n * 3), got(n * 3);
  ScoreRowsAt(*direct, x.data(), n, 0.03f, want.data());

  const std::vector<uint8_t> bytes = ToBytes(file);
  LoadedModel loaded;
  Status s = LoadScoreModel(bytes.data(), bytes.size(), &loaded);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(loaded.architecture, "ncsn-mlp");
  EXPECT_EQ(loaded.config_json, NcsnMlpConfigToJson(config));
  ASSERT_NE(loaded.model, nullptr);
  EXPECT_EQ(loaded.model->dim(), 3u);
  EXPECT_GT(loaded.model->min_sigma(), 0.0f);
  ScoreRowsAt(*loaded.model, x.data(), n, 0.03f, got.data());
  EXPECT_TRUE(SameBits(want, got)) << "F32 files reproduce the network bit for bit";

  // F16: the loaded network is the one whose weights are the F16-rounded values.
  const std::vector<uint8_t> half_bytes = ToBytes(file, true);
  LoadedModel half;
  ASSERT_TRUE(LoadScoreModel(half_bytes.data(), half_bytes.size(), &half).ok());
  SafetensorsFile half_file;
  ASSERT_TRUE(ReadSafetensors(half_bytes.data(), half_bytes.size(), &half_file).ok());
  std::unique_ptr<NcsnMlp> rounded;
  ASSERT_TRUE(NcsnMlp::FromSafetensors(half_file, &rounded).ok());
  std::vector<float> half_got(n * 3), rounded_got(n * 3);
  ScoreRowsAt(*half.model, x.data(), n, 0.03f, half_got.data());
  ScoreRowsAt(*rounded, x.data(), n, 0.03f, rounded_got.data());
  EXPECT_TRUE(SameBits(half_got, rounded_got));
  for (size_t i = 0; i < n * 3; ++i) {
    EXPECT_NEAR(half_got[i] * 0.03f, want[i] * 0.03f, 0.05) << "F16 stays close to F32";
  }

  // Through a file on disk.
  const std::string path = ::testing::TempDir() + "/ncsn_mlp_test.safetensors";
  ASSERT_TRUE(WriteFileBytes(path, bytes).ok());
  LoadedModel from_disk;
  s = LoadScoreModelFile(path, &from_disk);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::remove(path.c_str());
  s = LoadScoreModelFile(path, &from_disk);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find(path), std::string::npos);
}

// Applies `mutate` to a valid model file and expects LoadScoreModel to refuse it, saying
// `message`, and to leave its output alone.
void ExpectLoadFails(const std::function<void(SafetensorsFile*)>& mutate,
                     const std::string& message, const std::string& label) {
  SafetensorsFile file = ModelFileFor(RandomWeights(MakeConfig(2, {16, 8}, 3), 77));
  mutate(&file);
  const std::vector<uint8_t> bytes = ToBytes(file);
  LoadedModel out;
  out.architecture = "sentinel";
  const Status s = LoadScoreModel(bytes.data(), bytes.size(), &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << label << ": " << s.ToString();
  EXPECT_NE(s.message().find(message), std::string::npos)
      << label << ": \"" << s.message() << "\" lacks \"" << message << "\"";
  EXPECT_EQ(out.architecture, "sentinel") << label;
  EXPECT_EQ(out.model, nullptr) << label;
}

// Rewrites one key of the config JSON.
std::function<void(SafetensorsFile*)> SetConfig(const std::string& key,
                                                const nlohmann::json& value) {
  return [key, value](SafetensorsFile* f) {
    nlohmann::json config = nlohmann::json::parse(f->metadata["config"]);
    if (value.is_null()) {
      config.erase(key);
    } else {
      config[key] = value;
    }
    f->metadata["config"] = config.dump();
  };
}

void Replace(SafetensorsFile* f, const std::string& name, Tensor t) {
  for (Tensor& old : f->tensors) {
    if (old.name == name) {
      old = std::move(t);
      return;
    }
  }
}

TEST(ModelFile, RecommendedSamplerOptionsComeFromTheConfig) {
  NcsnMlpConfig config = MakeConfig(2, {8}, 2);
  config.has_sampling = true;
  config.sampling.steps_per_level = 7;
  config.sampling.step_size = 3e-4;
  config.sampling.denoise = false;
  auto load = [](const NcsnMlpConfig& c) {
    const std::vector<uint8_t> bytes = ToBytes(ModelFileFor(RandomWeights(c, 2)));
    LoadedModel loaded;
    EXPECT_TRUE(LoadScoreModel(bytes.data(), bytes.size(), &loaded).ok());
    return loaded;
  };
  SamplerOptions o;
  ASSERT_TRUE(RecommendedSamplerOptions(load(config), &o).ok());
  EXPECT_EQ(o.kind, SamplerKind::kAnnealedLangevin);
  EXPECT_EQ(o.sigmas, config.sigmas);
  EXPECT_EQ(o.steps_per_level, 7);
  EXPECT_FLOAT_EQ(o.step_size, 3e-4f);
  EXPECT_FALSE(o.denoise);

  config.sampling.sampler = "langevin";  // plain Langevin at the smallest trained sigma
  ASSERT_TRUE(RecommendedSamplerOptions(load(config), &o).ok());
  EXPECT_EQ(o.kind, SamplerKind::kLangevin);
  EXPECT_EQ(o.sigmas, std::vector<float>{config.sigmas.back()});

  config.sampling.sampler = "ode-rk45";
  EXPECT_EQ(RecommendedSamplerOptions(load(config), &o).code(), StatusCode::kInvalidArgument);
  config.has_sampling = false;
  EXPECT_EQ(RecommendedSamplerOptions(load(config), &o).code(), StatusCode::kInvalidArgument);
}

TEST(ModelFile, RejectsInconsistentModels) {
  using F = SafetensorsFile*;
  // Tensor shapes for dim 2, hidden [16, 8], F = 3: in_0 = 8.
  ExpectLoadFails([](F f) { f->metadata.erase("format"); }, "no \"format\"", "no format");
  ExpectLoadFails([](F f) { f->metadata["format"] = "pt"; }, "\"format\" is \"pt\"", "format");
  ExpectLoadFails([](F f) { f->metadata.erase("architecture"); }, "supported: \"ncsn-mlp\"",
                  "no architecture");
  ExpectLoadFails([](F f) { f->metadata["architecture"] = "unet"; },
                  "unknown model architecture \"unet\" (supported: \"ncsn-mlp\", \"ncsn-unet\")",
                  "unet");
  ExpectLoadFails([](F f) { f->metadata.erase("config"); }, "no \"config\"", "no config");
  ExpectLoadFails([](F f) { f->metadata["config"] = "{not json"; }, "not valid JSON", "bad json");
  ExpectLoadFails(SetConfig("dim", 0), "dim = 0", "dim 0");
  ExpectLoadFails(SetConfig("dim", 3),
                  "tensor \"layers.0.weight\" has shape [8, 16]; the config "
                  "implies [9, 16]",
                  "dim mismatch");
  ExpectLoadFails(SetConfig("hidden", {16}), "tensor \"layers.1.weight\" has shape [16, 8]",
                  "fewer hidden layers");
  ExpectLoadFails(SetConfig("hidden", {16, 8, 4}), "tensor \"layers.2.weight\" has shape [8, 2]",
                  "more hidden layers");
  ExpectLoadFails(SetConfig("sigma_embedding_freqs", 4), "\"sigma_embed.freqs\" has shape [3]",
                  "freq count");
  ExpectLoadFails(SetConfig("sigmas", {0.1, 1.0}), "strictly decreasing", "increasing sigmas");
  ExpectLoadFails(SetConfig("sigmas", {1.0, 0.0}), "sigmas[1]", "zero sigma");
  ExpectLoadFails(SetConfig("sigmas", {-1.0}), "sigmas[0]", "negative sigma");
  ExpectLoadFails(SetConfig("sigmas", nlohmann::json::array()), "non-empty", "no sigmas");
  ExpectLoadFails(SetConfig("sigmas", nullptr), "missing required key \"sigmas\"", "sigmas gone");
  ExpectLoadFails(SetConfig("extra", 1), "unknown key \"extra\"", "unknown key");
  ExpectLoadFails(
      [](F f) {
        for (size_t i = 0; i < f->tensors.size(); ++i) {
          if (f->tensors[i].name == "layers.0.bias") f->tensors.erase(f->tensors.begin() + i);
        }
      },
      "tensor \"layers.0.bias\" is missing", "missing bias");
  ExpectLoadFails(
      [](F f) {
        Replace(f, "layers.1.weight", {"layers.1.weight", {17, 8}, std::vector<float>(17 * 8)});
      },
      "\"layers.1.weight\" has shape [17, 8]; the config implies [16, 8]", "broken chain");
  ExpectLoadFails(
      [](F f) {
        Replace(f, "layers.1.weight", {"layers.1.weight", {8, 16}, std::vector<float>(8 * 16)});
      },
      "\"layers.1.weight\" has shape [8, 16]; the config implies [16, 8]", "PyTorch layout");
  ExpectLoadFails(
      [](F f) {
        Replace(f, "layers.2.bias", {"layers.2.bias", {3}, {0, 0, 0}});
      },
      "\"layers.2.bias\" has shape [3]", "output bias");
  ExpectLoadFails(
      [](F f) {
        f->tensors.push_back({"layers.3.weight", {2, 2}, {0, 0, 0, 0}});
      },
      "unexpected tensor \"layers.3.weight\"", "extra layer");
  ExpectLoadFails(
      [](F f) {
        f->tensors.push_back({"ema.layers.0.weight", {1}, {0}});
      },
      "unexpected tensor \"ema.layers.0.weight\"", "extra tensor");
}

TEST(ModelFile, RejectsNonSafetensorsBytes) {
  const std::vector<uint8_t> junk = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  LoadedModel out;
  EXPECT_EQ(LoadScoreModel(junk.data(), junk.size(), &out).code(), StatusCode::kInvalidModel);
  EXPECT_EQ(LoadScoreModel(nullptr, 0, &out).code(), StatusCode::kInvalidModel);
  EXPECT_EQ(out.model, nullptr);
}

// Seeded corruption of a whole model file: never a crash; what loads still computes.
TEST(ModelFile, RandomByteFlipsNeverCrash) {
  const std::vector<uint8_t> original =
      ToBytes(ModelFileFor(RandomWeights(MakeConfig(2, {8}, 2), 5)));
  std::mt19937 rng(99);
  const std::vector<float> x = RandomRows(3, 2, 1);
  for (int trial = 0; trial < 1500; ++trial) {
    std::vector<uint8_t> bytes = original;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k)
      bytes[rng() % bytes.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    LoadedModel out;
    const Status s = LoadScoreModel(bytes.data(), bytes.size(), &out);
    if (!s.ok()) {
      ASSERT_EQ(s.code(), StatusCode::kInvalidModel) << s.ToString();
      ASSERT_EQ(out.model, nullptr);
      continue;
    }
    ASSERT_EQ(out.model->dim(), 2u);
    std::vector<float> score(6);
    ScoreRowsAt(*out.model, x.data(), 3, 0.1f, score.data());
  }
}

}  // namespace
}  // namespace sw
