// Choosing the noise levels and the Langevin step size from the data, following NCSNv2 (Song &
// Ermon 2020, "Improved Techniques for Training Score-Based Generative Models"):
//   technique 1  sigma_max = the largest pairwise Euclidean distance in the training data;
//   technique 2  a geometric sequence sigma_max = sigma_1 > ... > sigma_L = sigma_min whose ratio
//                gamma = sigma_{i-1} / sigma_i solves
//                  Phi(sqrt(2D) (gamma - 1) + 3 gamma) - Phi(sqrt(2D) (gamma - 1) - 3 gamma) = 1/2,
//                the chance that a sample of p_{sigma_i} lies in the +-3 std shell of the norms of
//                p_{sigma_{i-1}} (Gaussian approximation of the norm, D = data dimension);
//   technique 4  for T steps per level, the eps that brings the paper's Proposition 3 variance
//                ratio s_T^2 / sigma_i^2 closest to 1 (it is always above 1, so: its minimum).
// The paper's Algorithm 1 steps x <- x + a_i s(x, sigma_i) + sqrt(2 a_i) z, a_i = eps sigma_i^2 /
// sigma_L^2; ChooseStepSize returns that eps. Our annealed sampler (samplers/sampler.h) uses NCSN's
// x <- x + (a_i / 2) s + sqrt(a_i) z, so NoiseScheduleChoice::step_size is twice that eps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace sw {

struct NoiseScheduleChoice {
  float sigma_max = 0, sigma_min = 0;  // sigma_1 and sigma_L
  int levels = 0;                      // L >= 2
  float gamma = 0;                     // sigma_{i-1} / sigma_i actually used: (max/min)^(1/(L-1))
  float step_size = 0;      // eps for SamplerOptions::step_size (annealed, NCSN convention)
  int steps_per_level = 0;  // T
};

// The largest Euclidean distance between two rows of data (n x dim, row-major); 0 when n < 2.
// Exact (O(n^2 dim)) when n <= max_exact. Otherwise a lower bound: the exact maximum over
// max_exact rows drawn without replacement (Philox stream kScheduleSubsample, `seed`), then two
// farthest-point sweeps over all n rows from the best pair's ends (O(n dim) each), which catch the
// extreme rows a subsample misses. Deterministic for (data, max_exact, seed).
double LargestPairwiseDistance(const float* data, size_t n, size_t dim, size_t max_exact = 2048,
                               uint64_t seed = 0);

// Left side of technique 2's equation, Phi(sqrt(2D)(g - 1) + 3g) - Phi(sqrt(2D)(g - 1) - 3g).
double ShellOverlap(double gamma, size_t dim);

// The gamma > 1 with ShellOverlap(gamma, dim) = 1/2 (to 1e-12 in gamma). For dim <= 4 no gamma
// solves it (sqrt(2D) < 3: the shells keep overlapping by more than half however far apart the
// levels are) and this returns +infinity. Decreases towards 1 as dim grows.
double ChooseGamma(size_t dim);

// Technique 4's ratio s_T^2 / sigma_i^2 (Proposition 3) for step size eps (paper convention), with
// u = eps / sigma_min^2:  (1 - u)^(2T) (gamma^2 - c) + c,  c = 2 eps / (sigma_L^2 (1 - (1 - u)^2)).
double StepSizeVarianceRatio(double eps, double gamma, double sigma_min, int steps_per_level);

// The eps in (0, sigma_min^2) that minimises StepSizeVarianceRatio (paper convention, see above).
// gamma > 1, sigma_min > 0, steps_per_level >= 1.
double ChooseStepSize(double gamma, double sigma_min, int steps_per_level);

// The whole choice for data (n x dim, row-major, n = data.size() / dim >= 2): sigma_max by
// technique 1 (LargestPairwiseDistance with its defaults), gamma by technique 2 capped at
// max_gamma, L = ceil(log(sigma_max / sigma_min) / log gamma) + 1, then the gamma the geometric
// sequence actually has, and the step size by technique 4 for that gamma. The cap exists because
// technique 2 rests on norms concentrating in high dimension: it has no solution for D <= 4 and
// gives gamma >= 2 up to D = 18 (19.5 at D = 5), too coarse for low-dimensional data; with the
// default cap a 2-D set with sigma_max / sigma_min = 800 gets 11 levels. fixed_levels > 0 replaces
// technique 2 by exactly that many levels: in high dimension technique 2 asks for a ratio near 1
// (about 100 levels for 28 x 28 images), too many network evaluations per sample for a web page,
// so image models trade it for a sampling budget. Errors (all
// INVALID_ARGUMENT): dim = 0, data.size() not a multiple of dim, fewer than 2 rows, non-finite
// data, sigma_min not in (0, sigma_max), steps_per_level < 1, max_gamma <= 1, fixed_levels 1 or
// < 0, null out.
Status ChooseNoiseSchedule(const std::vector<float>& data, size_t dim, float sigma_min,
                           int steps_per_level, NoiseScheduleChoice* out, double max_gamma = 2.0,
                           int fixed_levels = 0);

}  // namespace sw
