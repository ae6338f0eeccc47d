// DSM and FD-SSM over a block of rows: build the perturbed inputs, one forward pass (FD-SSM stacks
// x̃ + εv and x̃ − εv into one pass of 2·rows), d loss / d score, one backward pass.
#include "train/objectives.h"

namespace sw {

double DsmLossAndGrad(TrainTape* tape, size_t dim, const float* x, const float* sigma,
                      const float* z, const float* weight, size_t rows, const TensorList& grads,
                      ObjectiveWorkspace* ws) {
  ws->x.resize(rows * dim);
  ws->score.resize(rows * dim);
  ws->dscore.resize(rows * dim);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t d = 0; d < dim; ++d)
      ws->x[r * dim + d] = x[r * dim + d] + sigma[r] * z[r * dim + d];
  }
  tape->Forward(ws->x.data(), sigma, rows, ws->score.data());
  double loss = 0.0;
  for (size_t r = 0; r < rows; ++r) {
    const float w = weight != nullptr ? weight[r] : 1.0f;
    double row_loss = 0.0;
    for (size_t d = 0; d < dim; ++d) {
      const size_t k = r * dim + d;
      const float residual = sigma[r] * ws->score[k] + z[k];
      row_loss += static_cast<double>(residual) * residual;
      ws->dscore[k] = w * sigma[r] * residual;  // d ℓ / d s
    }
    loss += 0.5 * w * row_loss;
  }
  if (!grads.empty()) tape->Backward(ws->dscore.data(), grads);
  return loss;
}

double FdSsmLossAndGrad(TrainTape* tape, size_t dim, const float* x, const float* sigma,
                        const float* z, const float* v, size_t rows, float fd_eps,
                        const TensorList& grads, ObjectiveWorkspace* ws) {
  // Rows [0, rows) hold x̃ + εv, rows [rows, 2·rows) hold x̃ − εv.
  ws->x.resize(2 * rows * dim);
  ws->sigma.resize(2 * rows);
  ws->score.resize(2 * rows * dim);
  ws->dscore.resize(2 * rows * dim);
  for (size_t r = 0; r < rows; ++r) {
    const float eps = fd_eps * sigma[r];
    for (size_t d = 0; d < dim; ++d) {
      const size_t k = r * dim + d;
      const float noisy = x[k] + sigma[r] * z[k];
      ws->x[k] = noisy + eps * v[k];
      ws->x[rows * dim + k] = noisy - eps * v[k];
    }
    ws->sigma[r] = ws->sigma[rows + r] = sigma[r];
  }
  tape->Forward(ws->x.data(), ws->sigma.data(), 2 * rows, ws->score.data());
  double loss = 0.0;
  for (size_t r = 0; r < rows; ++r) {
    const double eps = static_cast<double>(fd_eps) * sigma[r];
    const double weight = static_cast<double>(sigma[r]) * sigma[r];
    double a_plus = 0.0, a_minus = 0.0;
    for (size_t d = 0; d < dim; ++d) {
      const size_t k = r * dim + d;
      a_plus += static_cast<double>(v[k]) * ws->score[k];
      a_minus += static_cast<double>(v[k]) * ws->score[rows * dim + k];
    }
    const double mean = 0.5 * (a_plus + a_minus);
    loss += weight * ((a_plus - a_minus) / (2.0 * eps) + 0.5 * mean * mean);
    // d ℓ / d a± = σ² (±1/(2ε) + mean/2); d a± / d s± = v.
    const float g_plus = static_cast<float>(weight * (0.5 / eps + 0.5 * mean));
    const float g_minus = static_cast<float>(weight * (-0.5 / eps + 0.5 * mean));
    for (size_t d = 0; d < dim; ++d) {
      const size_t k = r * dim + d;
      ws->dscore[k] = g_plus * v[k];
      ws->dscore[rows * dim + k] = g_minus * v[k];
    }
  }
  if (!grads.empty()) tape->Backward(ws->dscore.data(), grads);
  return loss;
}

}  // namespace sw
