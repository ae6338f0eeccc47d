// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). A draw is a pure function of
// (key, counter), so the noise of sample i at step t is the same whatever thread computes it.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace sw {

struct PhiloxCounter {
  uint32_t v[4];
};

// One Philox4x32-10 block: four independent uniform 32-bit words for (key, counter).
inline PhiloxCounter Philox4x32(PhiloxCounter ctr, uint64_t key) {
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t{0xD2511F53u} * ctr.v[0];
    const uint64_t p1 = uint64_t{0xCD9E8D57u} * ctr.v[2];
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    ctr = PhiloxCounter{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return ctr;
}

// Uniform in the open interval (0, 1) from the top 23 bits of a word, at bin centres: never 0 (so
// log() is finite) and never 1 (1 - 2^-24 is the largest value, exactly representable).
inline float UniformOpen01(uint32_t bits) {
  return (static_cast<float>(bits >> 9) + 0.5f) * (1.0f / 8388608.0f);
}

// Stream identifiers, so different uses of one seed never share counters.
enum class RandomStream : uint32_t {
  kLangevinNoise = 1,
  kInit = 2,
  kTrainBatch = 3,
  kTrainNoise = 4,
  kTrainDirection = 5,
  // samplers: the noise of the known values of an inpainting run (chain i, step + 1; 0 at start).
  kInpaintNoise = 6,
  // samplers/likelihood: Hutchinson probe k (the counter) of point i.
  kLikelihoodProbe = 7,
  // data/toy2d: point i of a generated 2-D set; train/noise_schedule: the distance subsample.
  kToy2d = 16,
  kScheduleSubsample = 17,
  // eval/classifier: the batch order of each epoch and the initial weights of the measuring net.
  kClassifierBatch = 18,
  kClassifierInit = 19,
  // eval/score_strength: the noise added to row i at level l.
  kScoreStrength = 20
};

// Fills out[0..n) with standard normal draws for (seed, stream, sample, step); the k-th value
// depends only on those and k (Box–Muller over Philox blocks), never on thread or batch layout.
inline void FillNormal(uint64_t seed, RandomStream stream, uint64_t sample, uint32_t step,
                       float* out, size_t n) {
  const uint64_t key = seed ^ (uint64_t{static_cast<uint32_t>(stream)} << 56);
  for (size_t block = 0; block * 4 < n; ++block) {
    const PhiloxCounter r = Philox4x32(
        PhiloxCounter{{static_cast<uint32_t>(sample), static_cast<uint32_t>(sample >> 32), step,
                       static_cast<uint32_t>(block)}},
        key);
    for (int pair = 0; pair < 2; ++pair) {
      const float radius = std::sqrt(-2.0f * std::log(UniformOpen01(r.v[2 * pair])));
      const float angle = 6.283185307179586f * UniformOpen01(r.v[2 * pair + 1]);
      const size_t i = block * 4 + 2 * pair;
      if (i < n) out[i] = radius * std::cos(angle);
      if (i + 1 < n) out[i + 1] = radius * std::sin(angle);
    }
  }
}

// Fills out[0..n) with uniform draws in (lo, hi) for (seed, stream, sample).
inline void FillUniform(uint64_t seed, RandomStream stream, uint64_t sample, float lo, float hi,
                        float* out, size_t n) {
  const uint64_t key = seed ^ (uint64_t{static_cast<uint32_t>(stream)} << 56);
  for (size_t block = 0; block * 4 < n; ++block) {
    const PhiloxCounter r = Philox4x32(
        PhiloxCounter{{static_cast<uint32_t>(sample), static_cast<uint32_t>(sample >> 32),
                       0xFFFFFFFFu, static_cast<uint32_t>(block)}},
        key);
    for (int j = 0; j < 4 && block * 4 + j < n; ++j) {
      out[block * 4 + j] = lo + (hi - lo) * UniformOpen01(r.v[j]);
    }
  }
}

}  // namespace sw
