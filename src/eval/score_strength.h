// How strongly a score model pulls noisy data back toward the data, per noise level. This is what
// sets how fast annealed Langevin chains contract at each level, and so how large a step they need:
// NCSNv2's technique 4 (train/noise_schedule.h) plans the step for the exact score, and a learned
// score that pulls more weakly leaves the chains short of each level's distribution.
//
// For clean rows x, z ~ N(0, I) and x~ = x + sigma z:
//   pull      = -sigma^2 <z, s(x~ + h z) - s(x~)> / (h |z|^2),  h = sigma / 20:
//               the score's slope along the noise, in units of -1 / sigma^2. The exact score gives
//               sigma^2 / (v + sigma^2) for data of variance v along z: about 1 wherever the noise
//               is larger than the data's spread in most directions, as in images at small sigma.
//   recovered = -sigma <s(x~), z> / |z|^2: the fraction of the noise that one Tweedie step,
//               x~ + sigma^2 s(x~), removes (the same expectation for the exact score).
// Both are ratios of sums over all rows and all coordinates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace sw {

class ScoreModel;
class ThreadPool;

struct ScoreStrength {
  float sigma = 0;
  double pull = 0;
  double recovered = 0;
};

// One entry per sigma, in the given order. data: n x model.dim() clean rows, all finite; sigmas:
// each finite, > 0 and >= model.min_sigma(); z from Philox stream
// kScoreStrength (row, level) of `seed`. Rows are measured in fixed chunks (on `pool` when given)
// whose sums are added in order, so the result does not depend on the thread count.
// INVALID_ARGUMENT for n = 0, a null pointer, a non-finite value or a bad sigma.
Status MeasureScoreStrength(const ScoreModel& model, const float* data, size_t n,
                            const std::vector<float>& sigmas, uint64_t seed, ThreadPool* pool,
                            std::vector<ScoreStrength>* out);

// One line per level: "sigma     22.46: pull 0.820, recovered 0.999".
std::string FormatScoreStrength(const std::vector<ScoreStrength>& levels);

}  // namespace sw
