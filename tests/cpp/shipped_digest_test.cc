// The shipped models' samples, bit for bit: a digest of what each model file draws with its stored
// sampling settings and a fixed seed, checked against the value recorded when the models shipped.
// Refactoring the networks, layers or samplers must not change a single bit of these samples.
//
// Bits depend on the SIMD target (FMA or not, register tiles), so there is one digest per build:
// WASM SIMD128 (one static target on every machine), and natively AVX2, which the test selects
// (every x86-64 machine of this project has it; the best target differs between machines).
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "core/fnv1a.h"
#include "hwy/targets.h"
#include "shipped_models.h"

namespace sw {
namespace {

// FNV-1a over the samples' IEEE-754 bit patterns (their bytes, little-endian in both builds).
uint64_t Digest(const std::vector<float>& values) {
  return Fnv1a64(values.data(), values.size() * sizeof(float));
}

struct DigestCase {
  const char* model;
  size_t n;
  uint64_t wasm_simd128, native_avx2;
};

// The 2-D models' digests were recorded again when NcsnMlp::ScoreRows began to sum the first
// layer's σ-embedding part once per σ, before x's part (another rounding order, not a refactoring).
// n is small for the image models (99 and 361 network evaluations per sample) and a few hundred
// points for the 2-D ones (39 to 200 evaluations with their stored SDE samplers); seed 20261201
// throughout.
constexpr DigestCase kCases[] = {
    {"moons", 256, 0x6c3736a02bda8ab6ull, 0x5c475ae89d53b9b9ull},
    {"rings", 256, 0x47bd2bcf1618dc3bull, 0xe659c470aec87dd4ull},
    {"checkerboard", 256, 0x9937f4a1022af4e4ull, 0x84a248d3ab9dceceull},
    {"swiss-roll", 256, 0x88a567d64d5d2bcbull, 0x911bba7be1a39d1eull},
    {"mnist", 2, 0xc6e655d492ad5e16ull, 0x30bb43e553c190a6ull},
    {"fashion-mnist", 2, 0x8493dc5fbf1068b1ull, 0x6a8c8c6815ed2065ull},
};

void PrintTo(const DigestCase& c, std::ostream* os) { *os << c.model << ", n = " << c.n; }

class ShippedDigest : public testing::TestWithParam<DigestCase> {};

TEST_P(ShippedDigest, SamplesMatchTheRecordedDigest) {
  const DigestCase& c = GetParam();
#if defined(__EMSCRIPTEN__)
  const uint64_t expected = c.wasm_simd128;
#else
  if ((hwy::SupportedTargets() & HWY_AVX2) == 0) GTEST_SKIP() << "this CPU has no AVX2";
  hwy::SetSupportedTargetsForTest(HWY_AVX2);
  const uint64_t expected = c.native_avx2;
#endif
  LoadedModel loaded;
  std::vector<float> samples;
  const testing::AssertionResult sampled =
      SampleShippedModel(c.model, c.n, 20261201, &loaded, &samples);
#if !defined(__EMSCRIPTEN__)
  hwy::SetSupportedTargetsForTest(0);  // back to the best target for the other tests
#endif
  ASSERT_TRUE(sampled);
  char actual[32];
  std::snprintf(actual, sizeof actual, "0x%016" PRIx64, Digest(samples));
  char wanted[32];
  std::snprintf(wanted, sizeof wanted, "0x%016" PRIx64, expected);
  EXPECT_STREQ(actual, wanted) << c.model << ": the samples changed";
}

INSTANTIATE_TEST_SUITE_P(Shipped, ShippedDigest, testing::ValuesIn(kCases),
                         ShippedModelCaseName<DigestCase>);

}  // namespace
}  // namespace sw
