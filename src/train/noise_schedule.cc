#include "train/noise_schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/philox.h"

namespace sw {
namespace {

double SquaredDistance(const float* x, const float* y, size_t dim) {
  double s0 = 0, s1 = 0;
  size_t k = 0;
  for (; k + 1 < dim; k += 2) {
    const double d0 = static_cast<double>(x[k]) - y[k],
                 d1 = static_cast<double>(x[k + 1]) - y[k + 1];
    s0 += d0 * d0;
    s1 += d1 * d1;
  }
  if (k < dim) {
    const double d = static_cast<double>(x[k]) - y[k];
    s0 += d * d;
  }
  return s0 + s1;
}

struct FarthestPair {
  double d2 = -1;
  size_t a = 0, b = 0;
};

// Exact maximum over all pairs of the listed rows; the first pair in (i, j > i) order wins ties.
FarthestPair ExactFarthestPair(const float* data, size_t dim, const std::vector<size_t>& rows) {
  FarthestPair best;
  for (size_t i = 0; i < rows.size(); ++i) {
    const float* x = data + rows[i] * dim;
    for (size_t j = i + 1; j < rows.size(); ++j) {
      const double d2 = SquaredDistance(x, data + rows[j] * dim, dim);
      if (d2 > best.d2) best = FarthestPair{d2, rows[i], rows[j]};
    }
  }
  return best;
}

// m distinct row indices of [0, n): the first m of a Fisher–Yates shuffle keyed by Philox.
std::vector<size_t> SubsampleRows(size_t n, size_t m, uint64_t seed) {
  std::vector<size_t> perm(n);
  std::iota(perm.begin(), perm.end(), size_t{0});
  const uint64_t key =
      seed ^ (uint64_t{static_cast<uint32_t>(RandomStream::kScheduleSubsample)} << 56);
  for (size_t k = 0; k < m; ++k) {
    const uint64_t kk = k;
    const PhiloxCounter r = Philox4x32(
        PhiloxCounter{{static_cast<uint32_t>(kk), static_cast<uint32_t>(kk >> 32), 0, 0}}, key);
    const uint64_t bits = (uint64_t{r.v[0]} << 32) | r.v[1];
    std::swap(perm[k], perm[k + static_cast<size_t>(bits % (n - k))]);
  }
  perm.resize(m);
  return perm;
}

// Technique 4's ratio as a function of u = eps / sigma_L^2. The printed form's
// 2 eps / (sigma_L^2 - sigma_L^2 (1 - u)^2) is 2 / (2 - u) exactly; written so, it keeps full
// precision for the tiny u that large T and gamma near 1 call for.
double VarianceRatioOfU(double u, double gamma, int steps) {
  const double decay = std::exp(2.0 * steps * std::log1p(-u));
  const double c = 2.0 / (2.0 - u);
  return decay * (gamma * gamma - c) + c;
}

}  // namespace

double LargestPairwiseDistance(const float* data, size_t n, size_t dim, size_t max_exact,
                               uint64_t seed) {
  if (n < 2 || dim == 0) return 0.0;
  const size_t m = std::max<size_t>(2, std::min(n, max_exact));
  std::vector<size_t> rows;
  if (m == n) {
    rows.resize(n);
    std::iota(rows.begin(), rows.end(), size_t{0});
    return std::sqrt(ExactFarthestPair(data, dim, rows).d2);
  }
  rows = SubsampleRows(n, m, seed);
  FarthestPair best = ExactFarthestPair(data, dim, rows);
  // Farthest-point sweeps: the row farthest from an end of the best pair is often an extreme
  // row that the subsample missed; each sweep can only raise the bound.
  size_t from[2] = {best.a, best.b};
  for (int sweep = 0; sweep < 2; ++sweep) {
    for (size_t& p : from) {
      const float* x = data + p * dim;
      FarthestPair far;
      for (size_t q = 0; q < n; ++q) {
        const double d2 = SquaredDistance(x, data + q * dim, dim);
        if (d2 > far.d2) far = FarthestPair{d2, p, q};
      }
      if (far.d2 > best.d2) best = far;
      p = far.b;
    }
  }
  return std::sqrt(best.d2);
}

double ShellOverlap(double gamma, size_t dim) {
  const double center = std::sqrt(2.0 * static_cast<double>(dim)) * (gamma - 1.0);
  // Phi(x) = erfc(-x / sqrt 2) / 2, accurate in both tails.
  auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  return phi(center + 3.0 * gamma) - phi(center - 3.0 * gamma);
}

double ChooseGamma(size_t dim) {
  // At gamma = 1 the overlap is Phi(3) - Phi(-3) > 1/2. For 2D > 9 the lower argument grows
  // without bound, so the overlap falls below 1/2 somewhere; bracket it, then bisect.
  if (2.0 * static_cast<double>(dim) <= 9.0) return std::numeric_limits<double>::infinity();
  double lo = 1.0, hi = 2.0;
  while (ShellOverlap(hi, dim) > 0.5) {
    lo = hi;
    hi *= 2.0;
  }
  for (int it = 0; it < 200 && hi - lo > 1e-13 * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    (ShellOverlap(mid, dim) > 0.5 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double StepSizeVarianceRatio(double eps, double gamma, double sigma_min, int steps_per_level) {
  return VarianceRatioOfU(eps / (sigma_min * sigma_min), gamma, steps_per_level);
}

double ChooseStepSize(double gamma, double sigma_min, int steps_per_level) {
  // The ratio is near gamma^2 for tiny u, near 2 as u -> 1, with one dip between: find the best
  // point of a log-spaced grid, then refine by golden-section search between its neighbours.
  constexpr int kGrid = 4000;
  const double log_lo = std::log(1e-15), log_hi = std::log(0.999);
  auto at = [&](double log_u) { return VarianceRatioOfU(std::exp(log_u), gamma, steps_per_level); };
  int best = 0;
  double best_value = std::numeric_limits<double>::infinity();
  for (int k = 0; k < kGrid; ++k) {
    const double value = at(log_lo + (log_hi - log_lo) * k / (kGrid - 1));
    if (value < best_value) {
      best_value = value;
      best = k;
    }
  }
  double a = log_lo + (log_hi - log_lo) * std::max(0, best - 1) / (kGrid - 1);
  double b = log_lo + (log_hi - log_lo) * std::min(kGrid - 1, best + 1) / (kGrid - 1);
  const double inv_phi = (std::sqrt(5.0) - 1.0) / 2.0;
  double c = b - inv_phi * (b - a), d = a + inv_phi * (b - a);
  double fc = at(c), fd = at(d);
  for (int it = 0; it < 200 && b - a > 1e-12; ++it) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - inv_phi * (b - a);
      fc = at(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + inv_phi * (b - a);
      fd = at(d);
    }
  }
  return std::exp(0.5 * (a + b)) * sigma_min * sigma_min;
}

Status ChooseNoiseSchedule(const std::vector<float>& data, size_t dim, float sigma_min,
                           int steps_per_level, NoiseScheduleChoice* out, double max_gamma,
                           int fixed_levels) {
  if (out == nullptr) return InvalidArgument("ChooseNoiseSchedule: out is null");
  if (dim == 0) return InvalidArgument("ChooseNoiseSchedule: dim must be > 0");
  if (data.size() % dim != 0) {
    return InvalidArgument("ChooseNoiseSchedule: data size " + std::to_string(data.size()) +
                           " is not a multiple of dim " + std::to_string(dim));
  }
  const size_t n = data.size() / dim;
  if (n < 2) return InvalidArgument("ChooseNoiseSchedule: need at least 2 rows of data");
  for (float v : data) {
    if (!std::isfinite(v)) return InvalidArgument("ChooseNoiseSchedule: data must be finite");
  }
  if (!(steps_per_level >= 1)) {
    return InvalidArgument("ChooseNoiseSchedule: steps_per_level must be >= 1");
  }
  if (!(max_gamma > 1.0)) return InvalidArgument("ChooseNoiseSchedule: max_gamma must be > 1");
  if (fixed_levels == 1 || fixed_levels < 0) {
    return InvalidArgument("ChooseNoiseSchedule: fixed_levels must be 0 (technique 2) or >= 2");
  }
  const double sigma_max = LargestPairwiseDistance(data.data(), n, dim);
  if (!(sigma_min > 0.0f) || !(static_cast<double>(sigma_min) < sigma_max)) {
    return InvalidArgument("ChooseNoiseSchedule: sigma_min = " + std::to_string(sigma_min) +
                           " must lie in (0, " + std::to_string(sigma_max) +
                           "), the largest pairwise distance of the data");
  }
  const double gamma_bound = std::min(ChooseGamma(dim), max_gamma);
  const double log_ratio = std::log(sigma_max / sigma_min);
  const int levels = fixed_levels > 0
                         ? fixed_levels
                         : static_cast<int>(std::ceil(log_ratio / std::log(gamma_bound))) + 1;
  const double gamma = std::exp(log_ratio / (levels - 1));
  out->sigma_max = static_cast<float>(sigma_max);
  out->sigma_min = sigma_min;
  out->levels = levels;
  out->gamma = static_cast<float>(gamma);
  out->step_size = static_cast<float>(2.0 * ChooseStepSize(gamma, sigma_min, steps_per_level));
  out->steps_per_level = steps_per_level;
  return Status::Ok();
}

}  // namespace sw
