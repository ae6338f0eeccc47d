// Tests of the SIMD kernels (kernels/dense.h, kernels/conv3x3.h, kernels/elementwise.h) against
// their scalar references (kernels/reference.h) and, for f32_dense, against Eigen.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "hwy/targets.h"
#include "kernels/conv3x3.h"
#include "kernels/dense.h"
#include "kernels/elementwise.h"
#include "kernels/reference.h"

namespace sw {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kEps = std::numeric_limits<float>::epsilon();

// Sizes below, at and above every vector width (4, 8, 16 lanes) and the dense tile widths.
const size_t kSizes[] = {1, 3, 4, 5, 7, 8, 16, 17, 33, 255};

// Deterministic uniform floats in [lo, hi) (splitmix64), the same in every build.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  float Uniform(float lo, float hi) {
    state_ += 0x9E3779B97F4A7C15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return lo + (hi - lo) * static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
  }

 private:
  uint64_t state_;
};

// A buffer of n floats starting one float past a 16-byte boundary, followed by guard values that
// a kernel must not touch.
class Buffer {
 public:
  static constexpr size_t kGuard = 17;
  explicit Buffer(size_t n, float fill = 0.0f) : n_(n), storage_(n + kGuard + 8, kGuardValue) {
    std::fill(data(), data() + n, fill);
  }
  float* data() { return Aligned() + 1; }
  const float* data() const { return const_cast<Buffer*>(this)->data(); }
  size_t size() const { return n_; }
  float& operator[](size_t i) { return data()[i]; }
  float operator[](size_t i) const { return data()[i]; }
  void FillUniform(Rng& rng, float lo, float hi) {
    for (size_t i = 0; i < n_; ++i) data()[i] = rng.Uniform(lo, hi);
  }
  bool GuardsIntact() const {
    for (size_t i = 0; i < kGuard; ++i) {
      if (data()[n_ + i] != kGuardValue) return false;
    }
    return true;
  }

 private:
  static constexpr float kGuardValue = -12345.0f;
  float* Aligned() {
    const uintptr_t p = reinterpret_cast<uintptr_t>(storage_.data());
    return storage_.data() + ((16 - p % 16) % 16) / sizeof(float);
  }
  size_t n_;
  std::vector<float> storage_;
};

// Whether a[0..n) and b[0..n) hold the same bits (so -0 != +0 and equal NaNs match): the
// determinism tests need identity, not numerical equality.
bool SameBits(const float* a, const float* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t ua, ub;
    std::memcpy(&ua, a + i, sizeof(ua));
    std::memcpy(&ub, b + i, sizeof(ub));
    if (ua != ub) return false;
  }
  return true;
}

// |actual - expected| <= atol + rtol * |expected|, with matching NaNs and infinities.
::testing::AssertionResult Near(float actual, float expected, float rtol, float atol) {
  if (std::isnan(expected) || std::isnan(actual)) {
    if (std::isnan(expected) && std::isnan(actual)) return ::testing::AssertionSuccess();
  } else if (std::isinf(expected) || std::isinf(actual)) {
    if (actual == expected) return ::testing::AssertionSuccess();
  } else if (std::fabs(actual - expected) <= atol + rtol * std::fabs(expected)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "actual " << actual << " vs expected " << expected
                                       << " (rtol " << rtol << ", atol " << atol << ")";
}

// The SIMD targets to test. Natively: every target compiled into the kernels that this CPU can
// run, each selected in turn through Highway's test hook (so the no-FMA and emulated paths are
// tested on an AVX-512 machine too). In WASM: the one static target.
std::vector<int64_t> TargetsToTest() {
#if defined(__EMSCRIPTEN__)
  return {HWY_STATIC_TARGET};
#else
  return hwy::SupportedAndGeneratedTargets();
#endif
}

void SelectTarget(int64_t target) {
#if !defined(__EMSCRIPTEN__)
  hwy::SetSupportedTargetsForTest(target);  // 0 restores the best target
#else
  (void)target;
#endif
}

// A test run once per target.
class PerTarget : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { SelectTarget(GetParam()); }
  void TearDown() override { SelectTarget(0); }
};

std::string TargetParamName(const ::testing::TestParamInfo<int64_t>& info) {
  return hwy::TargetName(info.param);
}

// ------------------------------------------------------------------------------------------------
// f32_dense

using F32Dense = PerTarget;
INSTANTIATE_TEST_SUITE_P(Targets, F32Dense, ::testing::ValuesIn(TargetsToTest()), TargetParamName);

struct DenseCase {
  size_t batch, in, out;
  bool with_bias;
  Activation act;
};

std::string Name(const DenseCase& c) {
  return std::to_string(c.batch) + "x" + std::to_string(c.in) + "->" + std::to_string(c.out) +
         (c.with_bias ? " bias" : " no-bias") + (c.act == Activation::kSilu ? " silu" : " none");
}

struct DenseData {
  DenseData(const DenseCase& c, uint64_t seed)
      : x(c.batch * c.in), w(c.in * c.out), bias(c.out), y(c.batch * c.out, kNaN) {
    Rng rng(seed);
    x.FillUniform(rng, -1.0f, 1.0f);
    w.FillUniform(rng, -1.0f, 1.0f);
    bias.FillUniform(rng, -1.0f, 1.0f);
  }
  Buffer x, w, bias, y;
};

// Error bound for one output: float summation over `in` terms is within about in * eps of the sum
// of magnitudes; SiLU's slope is at most 1.1 and it adds a few ulp of its own.
float DenseTolerance(float magnitude, float expected, size_t in) {
  return 1.1f * (2.0f * in + 4.0f) * kEps * magnitude + 8.0f * kEps * std::fabs(expected);
}

// sum_i |x||w| + |bias| for each output, the scale of its rounding error.
std::vector<float> Magnitudes(const DenseCase& c, const DenseData& d) {
  std::vector<float> ax(d.x.data(), d.x.data() + d.x.size());
  std::vector<float> aw(d.w.data(), d.w.data() + d.w.size());
  std::vector<float> ab(d.bias.data(), d.bias.data() + d.bias.size());
  for (float& v : ax) v = std::fabs(v);
  for (float& v : aw) v = std::fabs(v);
  for (float& v : ab) v = std::fabs(v);
  std::vector<float> mag(c.batch * c.out);
  reference::dense(ax.data(), aw.data(), c.with_bias ? ab.data() : nullptr, mag.data(), c.batch,
                   c.in, c.out, Activation::kNone);
  return mag;
}

// Eigen's product, the independent reference: y = act(x W + b).
std::vector<float> EigenDense(const DenseCase& c, const DenseData& d) {
  using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const Matrix> x(d.x.data(), c.batch, c.in);
  const Eigen::Map<const Matrix> w(d.w.data(), c.in, c.out);
  std::vector<float> y(c.batch * c.out);
  Eigen::Map<Matrix> ym(y.data(), c.batch, c.out);
  ym.noalias() = x * w;
  if (c.with_bias) {
    const Eigen::Map<const Eigen::RowVectorXf> b(d.bias.data(), c.out);
    ym.rowwise() += b;
  }
  if (c.act == Activation::kSilu) {
    for (float& v : y) v = reference::silu(v);
  }
  return y;
}

std::vector<DenseCase> AllDenseCases() {
  std::vector<DenseCase> cases;
  size_t n = 0;
  for (size_t batch : kSizes) {
    for (size_t in : kSizes) {
      for (size_t out : kSizes) {
        const Activation act = (n % 2) ? Activation::kSilu : Activation::kNone;
        cases.push_back({batch, in, out, /*with_bias=*/n % 3 != 0, act});
        ++n;
      }
    }
  }
  // Batches larger than the kernel's internal batch chunk (480 rows).
  cases.push_back({1001, 9, 20, true, Activation::kSilu});
  cases.push_back({961, 33, 17, false, Activation::kNone});
  return cases;
}

TEST_P(F32Dense, MatchesReferenceAndEigenOverOddShapes) {
  uint64_t seed = 1;
  for (const DenseCase& c : AllDenseCases()) {
    SCOPED_TRACE(Name(c));
    DenseData d(c, seed++);
    f32_dense(d.x.data(), d.w.data(), c.with_bias ? d.bias.data() : nullptr, d.y.data(), c.batch,
              c.in, c.out, c.act);
    ASSERT_TRUE(d.y.GuardsIntact()) << "wrote past the end of y";

    std::vector<float> ref(c.batch * c.out);
    reference::dense(d.x.data(), d.w.data(), c.with_bias ? d.bias.data() : nullptr, ref.data(),
                     c.batch, c.in, c.out, c.act);
    const std::vector<float> eigen = EigenDense(c, d);
    const std::vector<float> mag = Magnitudes(c, d);
    for (size_t i = 0; i < ref.size(); ++i) {
      const float tol = DenseTolerance(mag[i], ref[i], c.in);
      ASSERT_TRUE(Near(d.y[i], ref[i], 0.0f, tol)) << "reference, element " << i;
      ASSERT_TRUE(Near(d.y[i], eigen[i], 0.0f, tol)) << "Eigen, element " << i;
    }
  }
}

TEST_P(F32Dense, ZeroInputsGiveActivationOfBias) {
  // in == 0: the sum is empty, so y = act(bias); batch == 0 and out == 0 write nothing.
  const DenseCase c{5, 0, 17, true, Activation::kSilu};
  DenseData d(c, 7);
  f32_dense(d.x.data(), d.w.data(), d.bias.data(), d.y.data(), c.batch, 0, c.out, c.act);
  for (size_t b = 0; b < c.batch; ++b) {
    for (size_t o = 0; o < c.out; ++o) {
      EXPECT_TRUE(Near(d.y[b * c.out + o], reference::silu(d.bias[o]), 2e-6f, 0.0f));
    }
  }
  Buffer untouched(4, 3.0f);
  f32_dense(d.x.data(), d.w.data(), nullptr, untouched.data(), 0, 3, 4, Activation::kNone);
  f32_dense(d.x.data(), d.w.data(), nullptr, untouched.data(), 1, 3, 0, Activation::kNone);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(untouched[i], 3.0f);
}

TEST_P(F32Dense, KnownSmallProduct) {
  // [1 2; 3 4] · [1 0 -1; 0 1 2] + [0.5 0 -1], checked by hand.
  const float x[] = {1, 2, 3, 4};
  const float w[] = {1, 0, -1, 0, 1, 2};
  const float b[] = {0.5f, 0, -1};
  float y[6];
  f32_dense(x, w, b, y, 2, 2, 3, Activation::kNone);
  const float expected[] = {1.5f, 2, 2, 3.5f, 4, 4};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], expected[i]) << i;
}

// Each output row must be bit-identical whether computed in one call of the whole batch, one row
// at a time, or in uneven chunks (as threads splitting the batch would).
TEST_P(F32Dense, RowsAreBitIdenticalHoweverTheBatchIsSplit) {
  const size_t kSplits[][6] = {{1, 1, 1, 1, 1, 1}, {2, 3, 5, 7, 11, 13}, {6, 1, 4, 9, 8, 16}};
  for (const DenseCase c : {DenseCase{255, 33, 17, true, Activation::kSilu},
                            DenseCase{64, 255, 33, false, Activation::kNone},
                            DenseCase{37, 17, 255, true, Activation::kNone},
                            DenseCase{23, 128, 130, true, Activation::kSilu},
                            DenseCase{1001, 9, 20, true, Activation::kSilu}}) {
    SCOPED_TRACE(Name(c));
    DenseData d(c, 99);
    const float* bias = c.with_bias ? d.bias.data() : nullptr;
    f32_dense(d.x.data(), d.w.data(), bias, d.y.data(), c.batch, c.in, c.out, c.act);
    for (const auto& split : kSplits) {
      std::vector<float> y(c.batch * c.out, kNaN);
      size_t r0 = 0;
      for (size_t s = 0; r0 < c.batch; s = (s + 1) % 6) {
        const size_t rows = std::min(split[s], c.batch - r0);
        f32_dense(d.x.data() + r0 * c.in, d.w.data(), bias, y.data() + r0 * c.out, rows, c.in,
                  c.out, c.act);
        r0 += rows;
      }
      for (size_t b = 0; b < c.batch; ++b) {
        ASSERT_TRUE(SameBits(d.y.data() + b * c.out, y.data() + b * c.out, c.out))
            << "row " << b << " with chunks starting " << split[0] << "," << split[1];
      }
    }
  }
}

// The fused SiLU is the same function as f32_silu, bit for bit.
TEST_P(F32Dense, SiluActivationEqualsF32SiluOfTheLinearOutput) {
  for (const DenseCase c : {DenseCase{1, 33, 17, true, Activation::kSilu},
                            DenseCase{17, 5, 255, true, Activation::kSilu},
                            DenseCase{255, 16, 8, false, Activation::kSilu}}) {
    SCOPED_TRACE(Name(c));
    DenseData d(c, 5);
    for (size_t i = 0; i < d.x.size(); ++i) d.x[i] *= 20.0f;  // reach SiLU's far tails too
    const float* bias = c.with_bias ? d.bias.data() : nullptr;
    f32_dense(d.x.data(), d.w.data(), bias, d.y.data(), c.batch, c.in, c.out, Activation::kSilu);
    std::vector<float> linear(c.batch * c.out);
    f32_dense(d.x.data(), d.w.data(), bias, linear.data(), c.batch, c.in, c.out, Activation::kNone);
    f32_silu(linear.data(), linear.data(), linear.size());
    EXPECT_TRUE(SameBits(linear.data(), d.y.data(), linear.size()));
  }
}

TEST_P(F32Dense, PropagatesNonFiniteInputs) {
  const DenseCase c{3, 5, 7, true, Activation::kNone};
  DenseData d(c, 3);
  d.x[1 * c.in + 2] = kNaN;  // row 1 all NaN
  d.x[2 * c.in + 0] = kInf;  // row 2: ±inf by the sign of w[0][o]
  f32_dense(d.x.data(), d.w.data(), d.bias.data(), d.y.data(), c.batch, c.in, c.out, c.act);
  for (size_t o = 0; o < c.out; ++o) {
    EXPECT_TRUE(std::isfinite(d.y[o]));
    EXPECT_TRUE(std::isnan(d.y[c.out + o]));
    EXPECT_EQ(d.y[2 * c.out + o], d.w[o] > 0 ? kInf : -kInf);
  }
}

// ------------------------------------------------------------------------------------------------
// f32_conv3x3

using F32Conv3x3 = PerTarget;
INSTANTIATE_TEST_SUITE_P(Targets, F32Conv3x3, ::testing::ValuesIn(TargetsToTest()),
                         TargetParamName);

struct ConvCase {
  size_t images, height, width, channels, cout;
  bool with_bias;
};

// The patches of x with zero padding, (n h w) × 9 c in (tap, channel) order: written here, apart
// from the library's own im2col, for the bit-for-bit check.
std::vector<float> Patches(const float* x, const ConvCase& c) {
  const size_t row = 9 * c.channels;
  std::vector<float> cols(c.images * c.height * c.width * row, 0.0f);
  for (size_t n = 0; n < c.images; ++n) {
    for (size_t py = 0; py < c.height; ++py) {
      for (size_t px = 0; px < c.width; ++px) {
        float* patch = &cols[((n * c.height + py) * c.width + px) * row];
        for (size_t t = 0; t < 9; ++t) {
          const size_t sy = py + t / 3, sx = px + t % 3;
          if (sy < 1 || sy > c.height || sx < 1 || sx > c.width) continue;
          std::copy_n(x + ((n * c.height + sy - 1) * c.width + sx - 1) * c.channels, c.channels,
                      patch + t * c.channels);
        }
      }
    }
  }
  return cols;
}

// w in the kernel's panels, packed one panel per call (as threads share the packing).
std::vector<float> PackedConvWeights(const float* w, size_t channels, size_t cout) {
  std::vector<float> packed(f32_conv3x3_packed_floats(channels, cout), kNaN);
  for (size_t p = 0; p < f32_conv3x3_panels(cout); ++p) {
    f32_conv3x3_pack(w, channels, cout, p, 1, packed.data());
  }
  return packed;
}

// Shapes across the tiles' row and column remainders, one-pixel and one-row images, and batches
// past the kernel's chunk of 480 pixels (28 × 28 and 3 × 13 × 17).
const ConvCase kConvCases[] = {
    {1, 1, 1, 1, 1, true},    {1, 1, 5, 3, 7, false},   {2, 5, 4, 3, 5, true},
    {1, 7, 7, 16, 16, true},  {3, 2, 3, 17, 33, false}, {1, 28, 28, 1, 16, true},
    {1, 28, 28, 16, 1, true}, {3, 13, 17, 5, 64, true}, {1, 14, 14, 32, 17, false},
};

// The contract: im2col followed by f32_dense, bit for bit; and near the direct loops.
TEST_P(F32Conv3x3, EqualsIm2colThenDenseBitForBitAndMatchesTheReference) {
  uint64_t seed = 40;
  for (const ConvCase& c : kConvCases) {
    SCOPED_TRACE(std::to_string(c.images) + "x" + std::to_string(c.height) + "x" +
                 std::to_string(c.width) + "x" + std::to_string(c.channels) + "->" +
                 std::to_string(c.cout));
    const size_t pixels = c.images * c.height * c.width, k = 9 * c.channels;
    Rng rng(seed++);
    Buffer x(pixels * c.channels), w(k * c.cout), bias(c.cout), y(pixels * c.cout, kNaN);
    x.FillUniform(rng, -1.0f, 1.0f);
    w.FillUniform(rng, -1.0f, 1.0f);
    bias.FillUniform(rng, -1.0f, 1.0f);
    const float* b = c.with_bias ? bias.data() : nullptr;
    const std::vector<float> packed = PackedConvWeights(w.data(), c.channels, c.cout);
    f32_conv3x3(x.data(), c.images, c.height, c.width, c.channels, packed.data(), b, y.data(),
                c.cout, 0, pixels);
    ASSERT_TRUE(y.GuardsIntact()) << "wrote past the end of y";
    const std::vector<float> cols = Patches(x.data(), c);
    std::vector<float> dense(pixels * c.cout);
    f32_dense(cols.data(), w.data(), b, dense.data(), pixels, k, c.cout, Activation::kNone);
    ASSERT_TRUE(SameBits(y.data(), dense.data(), dense.size()));
    std::vector<float> ref(pixels * c.cout);
    reference::conv3x3(x.data(), c.images, c.height, c.width, c.channels, w.data(), b, ref.data(),
                       c.cout);
    for (size_t i = 0; i < ref.size(); ++i) {
      ASSERT_TRUE(Near(y[i], ref[i], 0.0f, (2.0f * k + 4.0f) * kEps * (k + 1.0f)))
          << "element " << i;
    }
  }
}

// A pixel's result depends on its neighbourhood alone: the images of a batch convolved one at a
// time, or the pixels in pieces, give the same bits.
TEST_P(F32Conv3x3, ImagesAreBitIdenticalAloneAndInABatch) {
  const ConvCase c{4, 9, 6, 8, 20, true};
  const size_t image = c.height * c.width * c.channels, out = c.height * c.width * c.cout;
  Rng rng(77);
  Buffer x(c.images * image), w(9 * c.channels * c.cout), bias(c.cout);
  x.FillUniform(rng, -1.0f, 1.0f);
  w.FillUniform(rng, -1.0f, 1.0f);
  bias.FillUniform(rng, -1.0f, 1.0f);
  std::vector<float> all(c.images * out), one(out);
  const size_t pixels = c.height * c.width;
  const std::vector<float> packed = PackedConvWeights(w.data(), c.channels, c.cout);
  f32_conv3x3(x.data(), c.images, c.height, c.width, c.channels, packed.data(), bias.data(),
              all.data(), c.cout, 0, c.images * pixels);
  for (size_t n = 0; n < c.images; ++n) {
    f32_conv3x3(x.data() + n * image, 1, c.height, c.width, c.channels, packed.data(), bias.data(),
                one.data(), c.cout, 0, pixels);
    ASSERT_TRUE(SameBits(one.data(), all.data() + n * out, out)) << "image " << n;
  }
  // Any split of the pixels (as threads make it), even one through an image row.
  for (size_t step : {1, 5, 7, 54, 100}) {
    std::vector<float> split(all.size(), kNaN);
    for (size_t p = 0; p < c.images * pixels; p += step) {
      f32_conv3x3(x.data(), c.images, c.height, c.width, c.channels, packed.data(), bias.data(),
                  split.data(), c.cout, p, std::min(step, c.images * pixels - p));
    }
    ASSERT_TRUE(SameBits(split.data(), all.data(), all.size())) << "pieces of " << step;
  }
}

// The packing is a copy into panels, whole or in pieces: every weight appears in the packed
// buffer exactly once, the rest is the last panel's zero padding, and packing all panels in one
// call writes the same buffer as one panel per call.
TEST_P(F32Conv3x3, PackingCopiesEveryWeightOnceAndAnySplitOfThePanelsAgrees) {
  for (const ConvCase& c : kConvCases) {
    const size_t k = 9 * c.channels;
    std::vector<float> w(k * c.cout);
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i + 1);  // distinct, nonzero
    const std::vector<float> pieces = PackedConvWeights(w.data(), c.channels, c.cout);
    std::vector<float> whole(f32_conv3x3_packed_floats(c.channels, c.cout), kNaN);
    f32_conv3x3_pack(w.data(), c.channels, c.cout, 0, f32_conv3x3_panels(c.cout), whole.data());
    ASSERT_TRUE(SameBits(pieces.data(), whole.data(), whole.size()));
    std::vector<int> seen(w.size() + 1, 0);
    for (float v : whole) {
      ASSERT_TRUE(v >= 0.0f && v <= static_cast<float>(w.size())) << v;
      ++seen[static_cast<size_t>(v)];
    }
    EXPECT_EQ(seen[0], static_cast<int>(whole.size() - w.size())) << "zero padding";
    for (size_t i = 1; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << "weight " << i - 1;
  }
}

// ------------------------------------------------------------------------------------------------
// Elementwise kernels: one list drives the tests.

struct UnaryKernel {
  const char* name;
  void (*simd)(const float* x, float* y, size_t n);
  float (*ref)(float x);
  float rtol;  // relative to the reference; the absolute tolerance is the smallest normal float
};

// Lets GoogleTest print a kernel by its name.
void PrintTo(const UnaryKernel& k, std::ostream* os) { *os << k.name; }

const UnaryKernel kUnaryKernels[] = {
    {"f32_silu", f32_silu, [](float x) { return reference::silu(x); }, 1e-6f},
    {"f32_scale_by_minus_1_5",
     [](const float* x, float* y, size_t n) { f32_scale(x, -1.5f, y, n); },
     [](float x) {
       float y;
       reference::scale(&x, -1.5f, &y, 1);
       return y;
     },
     0.0f},
    {"f32_scale_by_zero", [](const float* x, float* y, size_t n) { f32_scale(x, 0.0f, y, n); },
     [](float x) { return 0.0f * x; }, 0.0f},
};

class UnaryKernelTest : public ::testing::TestWithParam<std::tuple<int64_t, UnaryKernel>> {
 protected:
  void SetUp() override { SelectTarget(std::get<0>(GetParam())); }
  void TearDown() override { SelectTarget(0); }
  const UnaryKernel& kernel() const { return std::get<1>(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(
    Kernels, UnaryKernelTest,
    ::testing::Combine(::testing::ValuesIn(TargetsToTest()), ::testing::ValuesIn(kUnaryKernels)),
    [](const ::testing::TestParamInfo<std::tuple<int64_t, UnaryKernel>>& info) {
      return std::string(std::get<1>(info.param).name) + "_" +
             hwy::TargetName(std::get<0>(info.param));
    });

void ExpectMatchesReference(const UnaryKernel& k, const float* x, const float* y, size_t n) {
  const float atol = std::numeric_limits<float>::min();
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(Near(y[i], k.ref(x[i]), k.rtol, atol)) << k.name << "(" << x[i] << "), i=" << i;
  }
}

TEST_P(UnaryKernelTest, OddSizesMisalignedAndInPlace) {
  const UnaryKernel& k = kernel();
  Rng rng(11);
  std::vector<size_t> sizes(std::begin(kSizes), std::end(kSizes));
  sizes.insert(sizes.end(), {0, 2, 15, 31, 1000});
  for (size_t n : sizes) {
    SCOPED_TRACE(n);
    Buffer x(n), y(n, kNaN);
    x.FillUniform(rng, -20.0f, 20.0f);
    k.simd(x.data(), y.data(), n);
    EXPECT_TRUE(y.GuardsIntact());
    ExpectMatchesReference(k, x.data(), y.data(), n);

    Buffer inplace(n);
    std::copy(x.data(), x.data() + n, inplace.data());
    k.simd(inplace.data(), inplace.data(), n);
    EXPECT_TRUE(inplace.GuardsIntact());
    EXPECT_TRUE(SameBits(inplace.data(), y.data(), n)) << "in-place differs";
  }
}

TEST_P(UnaryKernelTest, SpecialValuesInEveryLanePosition) {
  const UnaryKernel& k = kernel();
  const float specials[] = {0.0f,    -0.0f, kInf,   -kInf,  kNaN,   -kNaN,  100.0f,
                            -100.0f, 88.5f, -88.5f, -90.0f, -104.f, 1e-30f, -1e-30f,
                            1e-45f,  3e38f, -3e38f, 1.0f,   -1.0f};
  const size_t count = sizeof(specials) / sizeof(specials[0]);
  // Shifting the specials through a 37-element array puts each one in every lane and in the tail.
  for (size_t shift = 0; shift < 17; ++shift) {
    Buffer x(count + shift, 0.5f), y(count + shift);
    std::copy(specials, specials + count, x.data() + shift);
    k.simd(x.data(), y.data(), x.size());
    ExpectMatchesReference(k, x.data(), y.data(), x.size());
  }
}

using F32Silu = PerTarget;
INSTANTIATE_TEST_SUITE_P(Targets, F32Silu, ::testing::ValuesIn(TargetsToTest()), TargetParamName);

TEST_P(F32Silu, SignsAndLimits) {
  const float x[] = {-kInf, kInf, kNaN, -0.0f, 0.0f, -100.0f, 100.0f, -1000.0f};
  float y[8];
  f32_silu(x, y, 8);
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(y[1], kInf);
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_EQ(y[3], 0.0f);
  EXPECT_TRUE(std::signbit(y[3]));
  EXPECT_EQ(y[4], 0.0f);
  EXPECT_LE(std::fabs(y[5]), 1e-40f);
  EXPECT_EQ(y[6], 100.0f);
  EXPECT_EQ(y[7], 0.0f);
}

TEST_P(F32Silu, RelativeErrorBelowOnePpmOverTheRange) {
  // A dense sweep of [-110, 110] plus small magnitudes, against the double-precision reference.
  std::vector<float> x;
  for (float v = -110.0f; v <= 110.0f; v += 0.0037f) x.push_back(v);
  for (float v = 1e-20f; v < 1.0f; v *= 1.7f) {
    x.push_back(v);
    x.push_back(-v);
  }
  std::vector<float> y(x.size());
  f32_silu(x.data(), y.data(), x.size());
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const float ref = reference::silu(x[i]);
    if (std::fabs(ref) < std::numeric_limits<float>::min()) {
      EXPECT_LE(std::fabs(y[i]), 1e-36f) << x[i];  // underflow region: denormal or zero
      continue;
    }
    worst = std::max(worst, std::fabs(static_cast<double>(y[i]) - ref) / std::fabs(ref));
  }
  EXPECT_LT(worst, 1e-6) << "worst relative error";
}

using F32Scale = PerTarget;
INSTANTIATE_TEST_SUITE_P(Targets, F32Scale, ::testing::ValuesIn(TargetsToTest()), TargetParamName);

TEST_P(F32Scale, IsExactlyOneMultiplication) {
  const size_t n = 255;
  Buffer x(n), y(n);
  Rng rng(5);
  x.FillUniform(rng, -1e30f, 1e30f);
  for (float a : {0.0f, -0.0f, 1.0f, -3.25f, 1e10f, kInf, kNaN}) {
    f32_scale(x.data(), a, y.data(), n);
    for (size_t i = 0; i < n; ++i) {
      const float expected = a * x[i];
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(y[i]));
      } else {
        EXPECT_TRUE(SameBits(&expected, &y[i], 1)) << a << " * " << x[i];
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------
// f32_langevin_update

using F32LangevinUpdate = PerTarget;
INSTANTIATE_TEST_SUITE_P(Targets, F32LangevinUpdate, ::testing::ValuesIn(TargetsToTest()),
                         TargetParamName);

TEST_P(F32LangevinUpdate, MatchesReferenceOverOddSizesMisaligned) {
  Rng rng(21);
  std::vector<size_t> sizes(std::begin(kSizes), std::end(kSizes));
  sizes.insert(sizes.end(), {0, 2, 1000});
  for (size_t n : sizes) {
    SCOPED_TRACE(n);
    Buffer x(n), s(n), z(n);
    x.FillUniform(rng, -3.0f, 3.0f);
    s.FillUniform(rng, -3.0f, 3.0f);
    z.FillUniform(rng, -3.0f, 3.0f);
    std::vector<float> expected(x.data(), x.data() + n);
    const float a = 0.0123f, b = -0.457f;
    reference::langevin_update(expected.data(), s.data(), z.data(), a, b, n);
    f32_langevin_update(x.data(), s.data(), z.data(), a, b, n);
    EXPECT_TRUE(x.GuardsIntact());
    for (size_t i = 0; i < n; ++i) {
      // a*s + b*z may be fused: a few ulp of |x| + |a s| + |b z|.
      const float scale = std::fabs(expected[i]) + std::fabs(a * s[i]) + std::fabs(b * z[i]);
      ASSERT_TRUE(Near(x[i], expected[i], 0.0f, 4 * kEps * scale)) << i;
    }
  }
}

TEST_P(F32LangevinUpdate, ZeroStepIsIdentityAndNonFinitePropagates) {
  const size_t n = 17;
  Buffer x(n), s(n), z(n);
  Rng rng(4);
  x.FillUniform(rng, -1, 1);
  s.FillUniform(rng, -1, 1);
  z.FillUniform(rng, -1, 1);
  std::vector<float> before(x.data(), x.data() + n);
  f32_langevin_update(x.data(), s.data(), z.data(), 0.0f, 0.0f, n);
  EXPECT_TRUE(SameBits(before.data(), x.data(), n));

  s[3] = kNaN;
  z[16] = kInf;
  f32_langevin_update(x.data(), s.data(), z.data(), 0.5f, 2.0f, n);
  EXPECT_TRUE(std::isnan(x[3]));
  EXPECT_EQ(x[16], kInf);
  EXPECT_TRUE(std::isfinite(x[0]));
}

// ------------------------------------------------------------------------------------------------
// Across platforms

// Without FMA the kernels' arithmetic is fully specified (IEEE operations in a fixed order), so
// every target without FMA, native or WASM, must produce the same bits. This pins that: a hash of
// a dense + SiLU + Langevin computation against a value computed once. Update kGolden only for an
// intentional change of the kernels' arithmetic. (FMA targets round differently and are skipped.)
TEST(CrossPlatform, TargetsWithoutFmaGiveTheSameBitsNativelyAndInWasm) {
  constexpr uint64_t kGolden = 0x62c2f942ea3840acull;
  const size_t batch = 37, in = 129, out = 67;
  std::vector<float> x(batch * in), w(in * out), bias(out), y(batch * out);
  uint32_t state = 1;
  const auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) * (2.0f / 16777216.0f) - 1.0f;
  };
  for (float& v : x) v = next() * 5;
  for (float& v : w) v = next();
  for (float& v : bias) v = next();

  int tested = 0;
  for (const int64_t target : TargetsToTest()) {
    if (target != HWY_SSSE3 && target != HWY_SSE4 && target != HWY_EMU128 && target != HWY_SCALAR &&
        target != HWY_WASM) {
      continue;
    }
    SCOPED_TRACE(hwy::TargetName(target));
    SelectTarget(target);
    f32_dense(x.data(), w.data(), bias.data(), y.data(), batch, in, out, Activation::kSilu);
    f32_langevin_update(y.data(), y.data(), y.data(), 0.3f, 0.7f, y.size());
    SelectTarget(0);
    uint64_t hash = 1469598103934665603ull;  // FNV-1a over the output bits
    for (const float v : y) {
      uint32_t bits;
      std::memcpy(&bits, &v, sizeof(bits));
      hash = (hash ^ bits) * 1099511628211ull;
    }
    EXPECT_EQ(hash, kGolden) << std::hex << hash;
    ++tested;
  }
  if (tested == 0) GTEST_SKIP() << "no target without FMA is compiled in";
}

}  // namespace
}  // namespace sw
