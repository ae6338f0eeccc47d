// Helpers of the gradient tests: seeded normal test data, and an analytic gradient checked against
// central finite differences of a loss.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/philox.h"

namespace sw {
namespace testing {

inline std::vector<float> Normal(size_t n, uint64_t seed, float scale = 1.0f) {
  std::vector<float> v(n);
  FillNormal(seed, RandomStream::kInit, 99, 0, v.data(), n);
  for (float& x : v) x *= scale;
  return v;
}

// Checks the analytic gradient of L = Σ r ⊙ f(θ) with respect to the tensor `param` against
// central differences, at up to `samples` positions. f writes its output; `analytic` is the
// backward result. The tolerance is relative to the largest gradient entry (float forward).
inline void ExpectGradient(std::vector<float>* param, const std::vector<float>& analytic,
                           const std::function<double()>& loss, size_t samples, const char* what,
                           double tol = 2e-2) {
  double scale = 1e-3;
  for (float g : analytic) scale = std::max(scale, double(std::fabs(g)));
  const size_t step = std::max<size_t>(1, param->size() / samples);
  for (size_t i = 0; i < param->size(); i += step) {
    const float keep = (*param)[i];
    const float h = 1e-2f * std::max(1.0f, std::fabs(keep));
    (*param)[i] = keep + h;
    const double up = loss();
    (*param)[i] = keep - h;
    const double down = loss();
    (*param)[i] = keep;
    const double fd = (up - down) / (2.0 * double(h));
    EXPECT_NEAR(analytic[i], fd, tol * scale) << what << " entry " << i;
  }
}

inline double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

}  // namespace testing
}  // namespace sw
