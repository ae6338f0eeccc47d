#include "samplers/chain_ode.h"

#include <algorithm>
#include <vector>

#include "core/memory_budget.h"

namespace sw {

std::vector<double> ChainStartStates(const float* start, size_t start_dim, size_t n,
                                     size_t state_dim) {
  std::vector<double> y(n * state_dim, 0.0);
  for (size_t i = 0; i < n; ++i) {
    std::copy(start + i * start_dim, start + (i + 1) * start_dim, &y[i * state_dim]);
  }
  return y;
}

uint64_t ProbabilityFlowOde::scratch_bytes(size_t max_rows) const {
  // The float copies of the rows and their scores, and the model's own scratch.
  return SaturatingAdd(model_->scratch_bytes_per_thread(),
                       SaturatingMul(2 * sizeof(float), SaturatingMul(max_rows, model_->dim())));
}

void ProbabilityFlowOde::Derivative(const double* y, const float* sigma, const size_t* /*chains*/,
                                    size_t rows, double* dy) const {
  const size_t dim = model_->dim(), count = rows * dim;
  thread_local std::vector<float> x, score;
  x.assign(y, y + count);
  score.resize(count);
  model_->ScoreRows(x.data(), rows, sigma, score.data());
  for (size_t r = 0; r < rows; ++r) {
    const double s2 = double{sigma[r]} * sigma[r];
    for (size_t j = 0; j < dim; ++j) dy[r * dim + j] = -s2 * score[r * dim + j];
  }
}

}  // namespace sw
