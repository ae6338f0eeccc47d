#include "samplers/chain_ode.h"

#include <vector>

#include "core/memory_budget.h"

namespace sw {

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
